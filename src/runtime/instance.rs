//! Instantiation: binding imports, creating the module's own objects,
//! evaluating constant expressions, applying segments, running `start`.

use super::limits::ResourceLimiter;
use super::store::{
    AsContext, AsContextMut, Func, FuncEntity, FuncKind, GlobalEntity, Instance, InstanceEntity, Store,
    StoreInner, TableEntity,
};
use super::{memory::LinearMemory, module::Module};
use crate::decode::{ConstExpr, ConstOp, ExternKind, ImportDesc, Limits, SegmentMode};
use crate::error::{Error, Result, Trap, TrapCode};
use crate::{Extern, Global, Memory, Table, Val};
use std::cell::Cell;

fn limits_match(actual: Limits, wanted: Limits) -> bool {
    actual.min >= wanted.min
        && match wanted.max {
            None => true,
            Some(wmax) => actual.max.is_some_and(|amax| amax <= wmax),
        }
}

fn incompatible(imp: &crate::decode::Import, why: String) -> Error {
    Error::link(format!("incompatible import type for `{}`.`{}`: {why}", imp.module, imp.name))
}

/// Evaluates a constant expression to slot bits.
pub(crate) fn eval_const(
    expr: &ConstExpr,
    globals: &[*mut GlobalEntity],
    funcs: &[*const FuncEntity],
) -> Result<[u64; 2]> {
    let mut stack: smallvec::SmallVec<[u128; 4]> = smallvec::SmallVec::new();
    let bad = || Error::invalid(None, expr.offset, "constant expression required");
    for op in &expr.ops {
        let v: u128 = match *op {
            ConstOp::I32Const(x) => x as u32 as u128,
            ConstOp::I64Const(x) => x as u64 as u128,
            ConstOp::F32Const(x) => x as u128,
            ConstOp::F64Const(x) => x as u128,
            ConstOp::V128Const(x) => x,
            ConstOp::RefNull(_) => 0,
            ConstOp::RefFunc(f) => *funcs.get(f as usize).ok_or_else(bad)? as u64 as u128,
            ConstOp::GlobalGet(g) => {
                let g = *globals.get(g as usize).ok_or_else(bad)?;
                // SAFETY: global pointers are live entities of the store.
                let v = unsafe { (*g).value };
                v[0] as u128 | (v[1] as u128) << 64
            }
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = stack.pop().ok_or_else(bad)? as u32;
                let a = stack.pop().ok_or_else(bad)? as u32;
                (match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = stack.pop().ok_or_else(bad)? as u64;
                let a = stack.pop().ok_or_else(bad)? as u64;
                (match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
        };
        stack.push(v);
    }
    let v = stack.pop().ok_or_else(bad)?;
    Ok([v as u64, (v >> 64) as u64])
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import
    /// order; runs its start function.
    pub fn new<T>(
        store: &mut impl AsContextMut<Data = T>,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let store = store.store_mut();
        let store_ptr = store as *mut Store<T> as *mut u8;
        let (inner, limiter) = store.parts();
        let (instance, start) = instantiate(inner, module, imports, limiter)?;
        if let Some(start) = start {
            super::func::invoke(store_ptr, &mut store.inner, start, &[], &mut [])?;
        }
        Ok(instance)
    }

    pub fn get_export(&self, store: &impl AsContext, name: &str) -> Option<Extern> {
        store.store().inner.instance(*self).ok()?.exports.get(name).copied()
    }
    pub fn get_func(&self, store: &impl AsContext, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }
    pub fn get_memory(&self, store: &impl AsContext, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }
    pub fn get_table(&self, store: &impl AsContext, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }
    pub fn get_global(&self, store: &impl AsContext, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }
    pub fn get_typed_func<P: super::func::WasmParams, R: super::func::WasmResults>(
        &self,
        store: &impl AsContext,
        name: &str,
    ) -> Result<super::func::TypedFunc<P, R>> {
        self.get_func(store, name)
            .ok_or_else(|| Error::other(format!("no exported function `{name}`")))?
            .typed(store)
    }
    /// All exports, in the module's order.
    pub fn exports(&self, store: &impl AsContext) -> Vec<(String, Extern)> {
        let inner = &store.store().inner;
        let Ok(inst) = inner.instance(*self) else { return Vec::new() };
        inst.module
            .decoded()
            .exports
            .iter()
            .filter_map(|e| Some((e.name.clone(), *inst.exports.get(&e.name)?)))
            .collect()
    }
    pub fn module(&self, store: &impl AsContext) -> Option<Module> {
        Some(store.store().inner.instance(*self).ok()?.module.clone())
    }
}

/// Creates the instance; returns it and its start function (not yet run).
fn instantiate(
    inner: &mut StoreInner,
    module: &Module,
    imports: &[Extern],
    limiter: Option<&mut dyn ResourceLimiter>,
) -> Result<(Instance, Option<Func>)> {
    if !inner.engine.same(module.engine()) {
        return Err(Error::other("module and store belong to different engines"));
    }
    let m = module.decoded();
    if imports.len() != m.imports.len() {
        return Err(Error::link(format!(
            "the module has {} imports, {} given",
            m.imports.len(),
            imports.len()
        )));
    }
    let mut funcs = Vec::with_capacity(m.funcs.len());
    let mut tables = Vec::with_capacity(m.tables.len());
    let mut memories = Vec::with_capacity(m.memories.len());
    let mut globals = Vec::with_capacity(m.globals.len());

    // Imports: check each against its declared type.
    for (imp, ext) in m.imports.iter().zip(imports) {
        match (&imp.desc, ext) {
            (ImportDesc::Func(t), Extern::Func(f)) => {
                let fe = inner.func(*f)?;
                let want = &m.types[*t as usize];
                if &fe.ty != want {
                    return Err(incompatible(imp, format!("expected {want}, found {}", fe.ty)));
                }
                funcs.push(fe as *const FuncEntity);
            }
            (ImportDesc::Table(tt), Extern::Table(t)) => {
                let te = inner.table(*t)?;
                let actual = Limits { min: te.elems.len() as u64, max: te.ty.limits.max };
                if te.ty.elem != tt.elem || !limits_match(actual, tt.limits) {
                    return Err(incompatible(imp, "table type or limits differ".into()));
                }
                tables.push(inner.table_ptr(*t)?);
            }
            (ImportDesc::Memory(mt), Extern::Memory(mem)) => {
                let me = inner.memory(*mem)?;
                let actual = Limits { min: me.pages(), max: me.ty().limits.max };
                if !limits_match(actual, mt.limits) {
                    return Err(incompatible(imp, "memory limits differ".into()));
                }
                memories.push(inner.memory_ptr(*mem)?);
            }
            (ImportDesc::Global(gt), Extern::Global(g)) => {
                if inner.global(*g)?.ty != *gt {
                    return Err(incompatible(imp, "global type differs".into()));
                }
                globals.push(inner.global_ptr(*g)?);
            }
            _ => {
                let kind = match imp.desc {
                    ImportDesc::Func(_) => "func",
                    ImportDesc::Table(_) => "table",
                    ImportDesc::Memory(_) => "memory",
                    ImportDesc::Global(_) => "global",
                };
                return Err(incompatible(imp, format!("expected a {kind}")));
            }
        }
    }

    check_limits(inner, m, limiter)?;

    let index = inner.instances.len() as u32;
    let mut entity = Box::new(InstanceEntity {
        index,
        module: module.clone(),
        funcs: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        mem0: std::ptr::null_mut(),
        sigs: module.0.sigs.clone(),
        elems: Vec::new(),
        datas: m.datas.iter().map(|d| d.bytes.clone()).collect(),
        exports: hashbrown::HashMap::new(),
    });
    let inst_ptr: *mut InstanceEntity = &mut *entity;

    // Defined functions.
    for def in 0..m.bodies.len() as u32 {
        let fidx = m.num_imported_funcs + def;
        let ty = m.func_type(fidx).cloned().unwrap_or_default();
        let sig = module.0.sigs[m.funcs[fidx as usize] as usize];
        let code: &crate::ir::FuncCode = match module.0.code[def as usize].get() {
            Some(Ok(c)) => c,
            _ => crate::exec::lazy_stub(inner.engine.config().backend),
        };
        let entry = Cell::new(code.entry());
        let kind =
            FuncKind::Wasm { instance: inst_ptr, module: module.clone(), def, code: Cell::new(code), entry };
        let f = inner.push_func(sig, ty, kind);
        funcs.push(inner.func_ptr(f)?);
    }
    // Defined tables and memories.
    for tt in &m.tables[m.num_imported_tables as usize..] {
        let t = inner.push_table(TableEntity::new(*tt, 0)?);
        tables.push(inner.table_ptr(t)?);
    }
    for mt in &m.memories[m.num_imported_memories as usize..] {
        let mem = create_memory(inner.engine.config(), *mt)?;
        let h = inner.push_memory(mem);
        memories.push(inner.memory_ptr(h)?);
    }
    // Defined globals, in order (each may read earlier ones).
    for (gt, init) in m.globals[m.num_imported_globals as usize..].iter().zip(&m.global_inits) {
        let value = eval_const(init, &globals, &funcs)?;
        let g = inner.push_global(GlobalEntity { ty: *gt, value });
        globals.push(inner.global_ptr(g)?);
    }
    // Element segments as reference bits.
    let mut elems = Vec::with_capacity(m.elems.len());
    for seg in &m.elems {
        let mut items = Vec::with_capacity(seg.items.len());
        for e in &seg.items {
            items.push(eval_const(e, &globals, &funcs)?[0]);
        }
        elems.push(items);
    }

    entity.mem0 = memories.first().copied().unwrap_or(std::ptr::null_mut());
    entity.funcs = funcs;
    entity.tables = tables;
    entity.memories = memories;
    entity.globals = globals;
    entity.elems = elems;
    let id = inner.id;
    for e in &m.exports {
        let ext = match e.kind {
            // SAFETY: the pointers were taken from this store just above.
            ExternKind::Func => {
                Extern::Func(Func { store: id, index: unsafe { (*entity.funcs[e.index as usize]).index } })
            }
            ExternKind::Table => Extern::Table(Table {
                store: id,
                index: index_of(&inner.tables, entity.tables[e.index as usize]),
            }),
            ExternKind::Memory => Extern::Memory(Memory {
                store: id,
                index: index_of(&inner.memories, entity.memories[e.index as usize]),
            }),
            ExternKind::Global => Extern::Global(Global {
                store: id,
                index: index_of(&inner.globals, entity.globals[e.index as usize]),
            }),
        };
        entity.exports.insert(e.name.clone(), ext);
    }
    inner.instances.push(entity);
    let instance = Instance { store: id, index };

    // Active segments, in order; a trap leaves earlier writes in place (as
    // the spec says) but the instance is not returned.
    let inst = &mut *inner.instances[index as usize];
    for (i, seg) in m.elems.iter().enumerate() {
        match &seg.mode {
            SegmentMode::Active { index: t, offset } => {
                let off = eval_const(offset, &inst.globals, &inst.funcs)?[0] as u32 as usize;
                // SAFETY: table pointers are live entities of this store.
                let table = unsafe { &mut *inst.tables[*t as usize] };
                let items = std::mem::take(&mut inst.elems[i]);
                if off.checked_add(items.len()).is_none_or(|end| end > table.elems.len()) {
                    return Err(Trap::new(TrapCode::TableOutOfBounds).into());
                }
                table.elems[off..off + items.len()].copy_from_slice(&items);
            }
            SegmentMode::Declarative => inst.elems[i] = Vec::new(),
            SegmentMode::Passive => {}
        }
    }
    for (i, seg) in m.datas.iter().enumerate() {
        if let SegmentMode::Active { index: mi, offset } = &seg.mode {
            let off = eval_const(offset, &inst.globals, &inst.funcs)?[0] as u32 as usize;
            // SAFETY: memory pointers are live entities of this store.
            let mem = unsafe { &mut *inst.memories[*mi as usize] };
            let bytes = &module.0.bytes[seg.bytes.clone()];
            if off.checked_add(bytes.len()).is_none_or(|end| end > mem.len()) {
                return Err(Trap::new(TrapCode::MemoryOutOfBounds).into());
            }
            mem.data_mut()[off..off + bytes.len()].copy_from_slice(bytes);
            inst.datas[i] = 0..0;
        }
    }
    let start = m.start.map(|s| {
        // SAFETY: as above.
        Func { store: id, index: unsafe { (*inst.funcs[s as usize]).index } }
    });
    Ok((instance, start))
}

fn refused(what: String) -> Error {
    Error::other(format!("the store's resource limiter refused {what}"))
}

/// Asks the store's resource limiter about a new instance of `m` and the
/// tables and memories it defines, before anything is created.
fn check_limits(
    inner: &StoreInner,
    m: &crate::decode::module::Module,
    limiter: Option<&mut dyn ResourceLimiter>,
) -> Result<()> {
    let Some(l) = limiter else { return Ok(()) };
    if inner.instances.len() >= l.instances() {
        return Err(refused(format!("another instance (limit: {})", l.instances())));
    }
    let tables = &m.tables[m.num_imported_tables as usize..];
    let memories = &m.memories[m.num_imported_memories as usize..];
    if inner.tables.len() + tables.len() > l.tables() {
        return Err(refused(format!("{} more tables (limit: {})", tables.len(), l.tables())));
    }
    if inner.memories.len() + memories.len() > l.memories() {
        return Err(refused(format!("{} more memories (limit: {})", memories.len(), l.memories())));
    }
    for (i, tt) in tables.iter().enumerate() {
        if !TableEntity::initial_growth(*tt).allowed(Some(&mut *l)) {
            let index = m.num_imported_tables as usize + i;
            return Err(refused(format!("table {index} of {} elements", tt.limits.min)));
        }
    }
    for (i, mt) in memories.iter().enumerate() {
        if !LinearMemory::initial_growth(*mt).allowed(Some(&mut *l)) {
            let index = m.num_imported_memories as usize + i;
            let bytes = super::limits::page_bytes(mt.limits.min);
            return Err(refused(format!("memory {index} of {} pages ({bytes} bytes)", mt.limits.min)));
        }
    }
    Ok(())
}

/// A linear memory under the engine's reservation and size limits.
fn create_memory(cfg: &crate::Config, ty: crate::MemoryType) -> Result<LinearMemory> {
    let reserve = match (cfg.memory_reservation, cfg.max_memory) {
        (Some(r), Some(m)) => Some(r.min(m)),
        (r, m) => r.or(m),
    };
    let mut mem = LinearMemory::new(ty, reserve)?;
    if let Some(max) = cfg.max_memory {
        mem.set_host_limit(max)?;
    }
    Ok(mem)
}

fn index_of<E>(list: &[Box<E>], ptr: *mut E) -> u32 {
    list.iter().position(|b| std::ptr::eq(&**b, ptr)).unwrap_or(0) as u32
}

impl Memory {
    /// A memory of type `ty` (subject to the store's resource limiter).
    pub fn new<T>(store: &mut impl AsContextMut<Data = T>, ty: crate::MemoryType) -> Result<Memory> {
        let (inner, limiter) = store.store_mut().parts();
        if let Some(l) = limiter {
            if inner.memories.len() >= l.memories() {
                return Err(refused(format!("another memory (limit: {})", l.memories())));
            }
            if !LinearMemory::initial_growth(ty).allowed(Some(l)) {
                return Err(refused(format!("a memory of {} pages", ty.limits.min)));
            }
        }
        let m = create_memory(inner.engine.config(), ty)?;
        Ok(inner.push_memory(m))
    }
    pub fn ty(&self, store: &impl AsContext) -> crate::MemoryType {
        store.store().inner.memory(*self).map(|m| m.ty()).unwrap_or(crate::MemoryType {
            limits: Limits { min: 0, max: None },
            shared: false,
            memory64: false,
        })
    }
    /// Size in 64 KiB pages.
    pub fn size(&self, store: &impl AsContext) -> u64 {
        store.store().inner.memory(*self).map_or(0, |m| m.pages())
    }
    pub fn data<'a, T: 'a>(&self, store: &'a impl AsContext<Data = T>) -> &'a [u8] {
        store.store().inner.memory(*self).map_or(&[], |m| m.data())
    }
    pub fn data_mut<'a, T: 'a>(&self, store: &'a mut impl AsContextMut<Data = T>) -> &'a mut [u8] {
        match store.store_mut().inner.memory_mut(*self) {
            Ok(m) => m.data_mut(),
            Err(_) => &mut [],
        }
    }
    /// Grows by `delta` pages; returns the old size in pages. Fails past
    /// the memory's maximum, or when the store's resource limiter refuses.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let (inner, limiter) = store.store_mut().parts();
        let m = inner.memory_mut(*self)?;
        let mut refusal = false;
        let old = m.grow_limited(delta, |g| {
            refusal = !g.allowed(limiter);
            !refusal
        });
        match old {
            Some(old) => Ok(old),
            None if refusal => Err(refused(format!("growing the memory by {delta} pages"))),
            None => Err(Error::other(format!("memory cannot grow by {delta} pages"))),
        }
    }
}

impl Table {
    /// A table of type `ty` with every element `init` (subject to the
    /// store's resource limiter).
    pub fn new<T>(store: &mut impl AsContextMut<Data = T>, ty: crate::TableType, init: Val) -> Result<Table> {
        let (inner, limiter) = store.store_mut().parts();
        if let Some(l) = limiter {
            if inner.tables.len() >= l.tables() {
                return Err(refused(format!("another table (limit: {})", l.tables())));
            }
            if !TableEntity::initial_growth(ty).allowed(Some(l)) {
                return Err(refused(format!("a table of {} elements", ty.limits.min)));
            }
        }
        let bits = inner.val_to_bits(&init)?[0];
        Ok(inner.push_table(TableEntity::new(ty, bits)?))
    }
    pub fn ty(&self, store: &impl AsContext) -> crate::TableType {
        let inner = &store.store().inner;
        let t = inner.table(*self).expect("table of this store");
        crate::TableType {
            elem: t.ty.elem,
            limits: Limits { min: t.elems.len() as u64, max: t.ty.limits.max },
        }
    }
    pub fn size(&self, store: &impl AsContext) -> u64 {
        store.store().inner.table(*self).map_or(0, |t| t.elems.len() as u64)
    }
    pub fn get(&self, store: &impl AsContext, index: u64) -> Option<Val> {
        let inner = &store.store().inner;
        let t = inner.table(*self).ok()?;
        let bits = *t.elems.get(usize::try_from(index).ok()?)?;
        Some(inner.bits_to_val(t.ty.elem.into(), [bits, 0]))
    }
    pub fn set(&self, mut store: impl AsContextMut, index: u64, val: Val) -> Result<()> {
        let inner = &mut store.store_mut().inner;
        let bits = inner.val_to_bits(&val)?[0];
        let t = inner.table_mut(*self)?;
        let slot = usize::try_from(index).ok().and_then(|i| t.elems.get_mut(i));
        *slot.ok_or_else(|| Error::from(Trap::new(TrapCode::TableOutOfBounds)))? = bits;
        Ok(())
    }
    /// Grows by `delta` elements set to `init`; returns the old size.
    /// Fails past the table's maximum, or when the store's resource
    /// limiter refuses.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64> {
        let (inner, limiter) = store.store_mut().parts();
        let bits = inner.val_to_bits(&init)?[0];
        let t = inner.table_mut(*self)?;
        let delta = u32::try_from(delta).map_err(|_| Error::other("table growth too large"))?;
        let mut refusal = false;
        let old = t.grow_limited(delta, bits, |g| {
            refusal = !g.allowed(limiter);
            !refusal
        });
        match old {
            Some(old) => Ok(old.into()),
            None if refusal => Err(refused(format!("growing the table by {delta} elements"))),
            None => Err(Error::other("table cannot grow")),
        }
    }
}

impl Global {
    pub fn new<T>(
        store: &mut impl AsContextMut<Data = T>,
        ty: crate::GlobalType,
        val: Val,
    ) -> Result<Global> {
        let inner = &mut store.store_mut().inner;
        if val.ty() != ty.content {
            return Err(Error::other(format!(
                "global of type {} initialised with a {}",
                ty.content,
                val.ty()
            )));
        }
        let value = inner.val_to_bits(&val)?;
        Ok(inner.push_global(GlobalEntity { ty, value }))
    }
    pub fn ty(&self, store: &impl AsContext) -> crate::GlobalType {
        store
            .store()
            .inner
            .global(*self)
            .map(|g| g.ty)
            .unwrap_or(crate::GlobalType { content: crate::ValType::I32, mutable: false })
    }
    pub fn get(&self, store: &impl AsContext) -> Val {
        let inner = &store.store().inner;
        match inner.global(*self) {
            Ok(g) => inner.bits_to_val(g.ty.content, g.value),
            Err(_) => Val::I32(0),
        }
    }
    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<()> {
        let inner = &mut store.store_mut().inner;
        let bits = inner.val_to_bits(&val)?;
        let g = inner.global_mut(*self)?;
        if !g.ty.mutable {
            return Err(Error::other("cannot set an immutable global"));
        }
        if val.ty() != g.ty.content {
            return Err(Error::other(format!("global of type {} set to a {}", g.ty.content, val.ty())));
        }
        g.value = bits;
        Ok(())
    }
}
