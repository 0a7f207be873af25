//! wasm-smith modules without imports, with loops and calls bounded by a
//! fuel global (`ensure_termination`), run on weft: instantiate, call every
//! exported function with arbitrary arguments. Traps are fine; panics and
//! hangs are not, and two configurations (default backend with fuel and
//! eager lowering; the loop backend without fuel, lazy) must agree.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use weft_fuzz::Engines;

fn engines() -> &'static Engines {
    static ENGINES: OnceLock<Engines> = OnceLock::new();
    ENGINES.get_or_init(Engines::new)
}

fuzz_target!(|data: &[u8]| {
    weft_fuzz::remember_input(data);
    if let Err(d) = weft_fuzz::check_execute(engines(), &mut Unstructured::new(data)) {
        d.panic();
    }
});
