//! The `spectest` host module the spec scripts import: print functions that
//! print nothing, four globals, a table and a memory.

use crate::{
    Error, Extern, Func, FuncType, Global, GlobalType, Limits, Linker, Memory, MemoryType, RefType, Store,
    Table, TableType, Val, ValType,
};

/// Defines every `spectest` export in `linker`.
pub fn define(linker: &mut Linker<()>, store: &mut Store<()>) -> Result<(), Error> {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        let func = Func::new(&mut *store, ty, |_caller, _params, _results| Ok(()));
        linker.define(&mut *store, "spectest", name, Extern::Func(func))?;
    }

    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, content, init) in globals {
        let ty = GlobalType { content, mutable: false };
        let global = Global::new(&mut *store, ty, init)?;
        linker.define(&mut *store, "spectest", name, Extern::Global(global))?;
    }

    let table_ty = TableType { elem: RefType::FuncRef, limits: Limits { min: 10, max: Some(20) } };
    let table = Table::new(&mut *store, table_ty, Val::FuncRef(None))?;
    linker.define(&mut *store, "spectest", "table", Extern::Table(table))?;

    let memory_ty = MemoryType { limits: Limits { min: 1, max: Some(2) }, shared: false, memory64: false };
    let memory = Memory::new(&mut *store, memory_ty)?;
    linker.define(&mut *store, "spectest", "memory", Extern::Memory(memory))?;
    Ok(())
}
