//! wasm-smith modules (Wasm 2.0 without SIMD, plus extended-const) must
//! load; a few byte edits later, weft must reject exactly when wasmparser
//! (with the features weft implements) rejects.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn engine() -> &'static weft::Engine {
    static ENGINE: OnceLock<weft::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| weft::Engine::new(&weft::Config::new()))
}

fuzz_target!(|data: &[u8]| {
    if let Err(d) = weft_fuzz::check_validate(engine(), &mut Unstructured::new(data)) {
        d.panic();
    }
});
