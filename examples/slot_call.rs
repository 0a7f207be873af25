//! What a call through a table slot (how the dynamic linker binds `env.X`
//! imports) costs next to the other kinds of call: a loop of N calls to a
//! one-instruction function, each way, timed with `Instant`.
//!
//!     cargo run --release --example slot_call [N]
//!
//! Ways: `call` within a module; `call` of an import bound directly to
//! another module's function; the same import bound with
//! `Func::from_table_slot` (the dynamic linker's binding); `call_indirect`.

use std::time::Instant;
use weft::{Engine, Func, FuncType, Linker, Module, RefType, Store, Table, TableType, Val, ValType};

const CALLEE: &[u8] = include_bytes!("slot_call/callee.wasm");
const CALLER: &[u8] = include_bytes!("slot_call/caller.wasm");

fn main() -> Result<(), weft::Error> {
    let n: i32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let callee = Linker::new(&engine).instantiate(&mut store, &Module::new(&engine, CALLEE)?)?;
    let inc = callee.get_func(&store, "inc").expect("inc");
    let caller = Module::new(&engine, CALLER)?;

    // The import bound directly to the callee.
    let mut direct = Linker::new(&engine);
    direct.define(&mut store, "env", "inc", inc)?;
    let direct = direct.instantiate(&mut store, &caller)?;

    // The import bound through slot 1 of a shared table.
    let limits = weft::Limits { min: 2, max: None };
    let table = Table::new(&mut store, TableType { elem: RefType::FuncRef, limits }, Val::FuncRef(None))?;
    table.set(&mut store, 1, Val::FuncRef(Some(inc)))?;
    let ty = FuncType::new([ValType::I32], [ValType::I32]);
    let slot = Func::from_table_slot(&mut store, table, 1, ty)?;
    let mut through_slot = Linker::new(&engine);
    through_slot.define(&mut store, "env", "inc", slot)?;
    let through_slot = through_slot.instantiate(&mut store, &caller)?;

    let mut time = |inst: weft::Instance, export: &str| -> Result<f64, weft::Error> {
        let f = inst.get_typed_func::<i32, i32>(&store, export)?;
        f.call(&mut store, n / 100)?; // warm up (and lower lazily compiled code)
        let start = Instant::now();
        let r = f.call(&mut store, n)?;
        let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
        assert_eq!(r, n);
        Ok(ns)
    };
    let local = time(direct, "loop_local")?;
    let import = time(direct, "loop_import")?;
    let slot = time(through_slot, "loop_import")?;
    let indirect = time(direct, "loop_indirect")?;
    println!("{n} calls each ({:?} dispatch)", weft::Backend::default());
    println!("  call, same module:         {local:6.2} ns/call");
    println!("  call, import bound direct: {import:6.2} ns/call");
    println!("  call, import through slot: {slot:6.2} ns/call");
    println!("  call_indirect:             {indirect:6.2} ns/call");
    println!("slot / direct import: {:.2}x; slot / same-module call: {:.2}x", slot / import, slot / local);
    Ok(())
}
