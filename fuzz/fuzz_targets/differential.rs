//! The `execute` modules on weft and on wasmi 2.0.0: instantiation and
//! every call (results with NaNs made canonical, trap or not, trap kind),
//! then exported memories, globals and tables must agree. Both engines
//! count fuel; once either runs out, the rest of the module is skipped.
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
    if let Err(d) = weft_fuzz::check_differential(engines(), &mut Unstructured::new(data)) {
        d.panic();
    }
});
