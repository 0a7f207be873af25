//! wasm-smith modules (Wasm 2.0 with SIMD, plus extended-const, with or
//! without multi-memory) must load; a few byte edits later, weft must reject
//! exactly when wasmparser (with the same features) rejects.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use weft_fuzz::ValidateEngines;

fn engines() -> &'static ValidateEngines {
    static ENGINES: OnceLock<ValidateEngines> = OnceLock::new();
    ENGINES.get_or_init(ValidateEngines::new)
}

fuzz_target!(|data: &[u8]| {
    weft_fuzz::remember_input(data);
    if let Err(d) = weft_fuzz::check_validate(engines(), &mut Unstructured::new(data)) {
        d.panic();
    }
});
