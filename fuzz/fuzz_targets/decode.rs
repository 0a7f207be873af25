//! Raw bytes → `Module::new` (decode + validate + lower). Any input may be
//! rejected with an `Err`; none may panic, abort, or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use weft::{Config, Engine, Module};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    // Eager lowering (the default): every body is validated and lowered here.
    ENGINE.get_or_init(|| Engine::new(&Config::new()))
}

fuzz_target!(|data: &[u8]| {
    weft_fuzz::remember_input(data);
    // The three public stages on their own, then the whole pipeline. A
    // decode that succeeds must also survive validation of what it produced.
    if let Ok(module) = weft::decode::decode_module(data) {
        if weft::validate::validate_module(&module).is_ok() {
            let _ = weft::validate::validate_bodies(&module, data);
        }
    }
    let _ = Module::new(engine(), data);
});
