//! `weft run` of a dynamically linked program (a `dylink.0` section or an
//! `env.__memory_base` import): the dynamic linker loads it with its
//! NEEDED libraries, found through `--lib-path`, `WEFT_LIBRARY_PATH`, the
//! modules' RUNTIME_PATH and the program's directory; `--preload` libraries
//! interpose theirs. Host imports (WASI) come from the given linker.

use crate::args::RunOptions;
use weft::link::dylink::{self, DynamicLinker};
use weft::{Engine, Instance, Linker, Module, Result, Store};

pub(crate) fn is_dynamic(module: &Module) -> bool {
    dylink::is_dynamic(module.decoded())
}

/// Loads the program; the returned linker must live as long as the
/// program runs (it serves `dlopen`).
pub(crate) fn load<T: 'static>(
    engine: &Engine,
    store: &mut Store<T>,
    host: Linker<T>,
    o: &RunOptions,
    bytes: &[u8],
) -> Result<(Instance, DynamicLinker<T>)> {
    let dl = DynamicLinker::with_host(engine, host);
    for dir in &o.lib_paths {
        dl.library_path(dir);
    }
    if let Some(paths) = std::env::var_os("WEFT_LIBRARY_PATH") {
        for dir in std::env::split_paths(&paths).filter(|d| !d.as_os_str().is_empty()) {
            dl.library_path(dir);
        }
    }
    for lib in &o.preloads {
        dl.preload(lib.clone());
    }
    let instance = dl.load_main_bytes(store, &o.file, bytes)?;
    Ok((instance, dl))
}
