//! Embedding the dynamic linker: load `examples/plugin/main.wasm` (which
//! dlopens `libgreeter.so` and calls it through dlsym) with WASI, then
//! look the plugin up and call it from Rust too.
//!
//!     cargo run --release --example plugin
//!
//! The same program runs from the command line:
//!
//!     cargo run --release -- run examples/plugin/main.wasm

use weft::link::dylink::{DynamicLinker, Scope, Symbol, RTLD_NOW};
use weft::wasi::{WasiCtx, WasiCtxBuilder};
use weft::{Engine, Linker, Store};

fn main() -> Result<(), weft::Error> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/plugin");
    let engine = Engine::default();
    let mut store = Store::new(&engine, WasiCtxBuilder::new().inherit_stdio().build()?);
    let mut host = Linker::new(&engine);
    weft::wasi::add_to_linker(&mut host, |w: &mut WasiCtx| w)?;

    // Imports no module defines come from `host`; libraries are searched
    // in `dir` (the main program's directory is searched anyway).
    let dl = DynamicLinker::with_host(&engine, host);
    dl.library_path(&dir);
    let main = dl.load_main(&mut store, dir.join("main.wasm"))?;

    // `_start` dlopens the plugin and calls it.
    let status = weft::wasi::run_command(&mut store, main)?;
    println!("main.wasm exited with {status}");

    // The same plugin from Rust: a handle, a symbol, a call.
    let plugin = dl.dlopen(&mut store, Some("libgreeter.so"), RTLD_NOW)?.expect("loaded");
    if let Symbol::Func { slot, func } = dl.dlsym(&mut store, Scope::Handle(plugin), "greet")? {
        println!("greet is function pointer {slot} in the shared table");
        let greet = func.typed::<i32, i32>(&store)?;
        // A C string argument lives in the shared memory.
        let memory = dl.memory().expect("the shared memory");
        let at = dl.alloc(&mut store, 5, 1)?;
        memory.data_mut(&mut store)[at as usize..at as usize + 5].copy_from_slice(b"Rust\0");
        // main.wasm closed the plugin: this is a fresh copy (its call count
        // starts again from zero).
        println!("greet returned {}", greet.call(&mut store, at as i32)?);
        dl.free(&mut store, at)?;
    }
    dl.dlclose(&mut store, plugin)?;
    Ok(())
}
