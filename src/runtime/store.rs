//! The store: it owns every runtime object (functions, instances, memories,
//! tables, globals, host references) and the execution context. Handles
//! (`Func`, `Memory`, ...) are indices checked against the store's id.
//! Objects are boxed so the interpreter can hold stable pointers to them.

use super::engine::Engine;
use super::limits::{elems_u32, Growth, LimiterHook, ResourceLimiter};
use super::memory::LinearMemory;
use super::module::Module;
use crate::decode::{FuncType, GlobalType, TableType};
use crate::error::{Error, Result};
use crate::exec::Ctx;
use crate::ir::FuncCode;
use std::any::Any;
use std::cell::Cell;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A host function as the interpreter calls it: the `*mut Store<T>` of the
/// running call, the calling instance (or null), and the argument slots,
/// which it overwrites with its results.
pub(crate) type HostFn = dyn Fn(*mut u8, *mut InstanceEntity, &mut [u64]) -> Result<()> + Send + Sync;

pub(crate) enum FuncKind {
    Wasm {
        instance: *mut InstanceEntity,
        module: Module,
        /// Index among the module's defined functions.
        def: u32,
        /// The lowered code; until it is known (lazy mode), a stub whose one
        /// instruction lowers the function and continues into it.
        code: Cell<*const FuncCode>,
        /// `code`'s entry, for calls (see `CallEntry`).
        entry: Cell<crate::ir::CallEntry>,
    },
    Host {
        func: Arc<HostFn>,
        /// max(parameter slots, result slots).
        slots: u32,
    },
    /// A call through element `index` of `table` (the dynamic linker binds
    /// imports this way): rewriting the element redirects every caller.
    /// The element is read at each call and must hold a `Wasm` or `Host`
    /// function of this entity's signature.
    Slot { table: *mut TableEntity, index: u32 },
}

pub(crate) struct FuncEntity {
    /// Position in `StoreInner::funcs` (turns a funcref back into a handle).
    pub index: u32,
    /// Engine-wide signature id.
    pub sig: u32,
    pub ty: FuncType,
    pub kind: FuncKind,
}

/// Calls a host function; a panic inside it becomes an error (a trap for
/// the wasm caller) instead of unwinding through the interpreter.
pub(crate) fn call_host_fn(
    func: &HostFn,
    store: *mut u8,
    instance: *mut InstanceEntity,
    slots: &mut [u64],
) -> Result<()> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| func(store, instance, slots))) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string payload".into());
            Err(crate::Error::Trap(crate::Trap {
                message: Some(format!("host function panicked: {what}")),
                ..crate::Trap::new(crate::TrapCode::HostError)
            }))
        }
    }
}

/// Looks up (lowering if needed) the code of a wasm function and caches it.
pub(crate) fn compile_func(f: &FuncEntity) -> Result<*const FuncCode> {
    match &f.kind {
        FuncKind::Wasm { module, def, code, entry, .. } => {
            let c: &FuncCode = module.func_code(*def)?;
            code.set(c);
            entry.set(c.entry());
            Ok(c)
        }
        FuncKind::Host { .. } | FuncKind::Slot { .. } => Err(Error::other("host functions have no code")),
    }
}

pub(crate) struct TableEntity {
    pub ty: TableType,
    pub elems: Vec<u64>,
}

impl TableEntity {
    /// The most elements a table may hold (80 MB of references): a table
    /// whose type asks for more fails to instantiate, and growth past it
    /// fails, instead of exhausting host memory.
    pub const MAX_ELEMS: u64 = 10_000_000;

    /// A table of `ty.limits.min` elements set to `init`.
    pub fn new(ty: TableType, init: u64) -> Result<Self> {
        if ty.limits.min > Self::MAX_ELEMS {
            return Err(Error::other(format!(
                "table of {} elements exceeds the limit of {} elements",
                ty.limits.min,
                Self::MAX_ELEMS
            )));
        }
        Ok(TableEntity { ty, elems: vec![init; ty.limits.min as usize] })
    }

    /// Grows by `delta` elements set to `init`; the old size, or `None` past
    /// the maximum.
    pub fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        let old = self.elems.len() as u64;
        let new = old + delta as u64;
        let max = self.ty.limits.max.unwrap_or(u32::MAX as u64).min(u32::MAX as u64);
        if new > max || new > Self::MAX_ELEMS {
            return None;
        }
        self.elems.resize(new as usize, init);
        Some(old as u32)
    }

    /// Grows like [`grow`](Self::grow), but asks `allow` (the store's
    /// resource limiter) first about growth by more than zero elements
    /// that the table's own limits permit; `None` when it refuses.
    pub fn grow_limited(&mut self, delta: u32, init: u64, allow: impl FnOnce(Growth) -> bool) -> Option<u32> {
        if delta > 0 {
            let old = self.elems.len() as u64;
            let new = old + delta as u64;
            let max = self.ty.limits.max.unwrap_or(u32::MAX as u64).min(u32::MAX as u64);
            if new > max || new > Self::MAX_ELEMS {
                return None;
            }
            let maximum = self.ty.limits.max.map(elems_u32);
            if !allow(Growth::Table { current: old as u32, desired: new as u32, maximum }) {
                return None;
            }
        }
        self.grow(delta, init)
    }

    /// What creating a table of type `ty` asks the resource limiter.
    pub fn initial_growth(ty: TableType) -> Growth {
        Growth::Table { current: 0, desired: elems_u32(ty.limits.min), maximum: ty.limits.max.map(elems_u32) }
    }
}

pub(crate) struct GlobalEntity {
    pub ty: GlobalType,
    /// Slot bits (a v128 uses both words).
    pub value: [u64; 2],
}

#[doc(hidden)]
pub struct InstanceEntity {
    pub(crate) index: u32,
    pub(crate) module: Module,
    pub(crate) funcs: Vec<*const FuncEntity>,
    pub(crate) tables: Vec<*mut TableEntity>,
    pub(crate) memories: Vec<*mut LinearMemory>,
    pub(crate) globals: Vec<*mut GlobalEntity>,
    /// Memory 0, or null.
    pub(crate) mem0: *mut LinearMemory,
    /// Engine signature id of each of the module's type indices.
    pub(crate) sigs: Vec<u32>,
    /// Element segments as reference bits (emptied by `elem.drop`).
    pub(crate) elems: Vec<Vec<u64>>,
    /// Data segments as ranges of the module's bytes (emptied by `data.drop`).
    pub(crate) datas: Vec<Range<usize>>,
    pub(crate) exports: hashbrown::HashMap<String, crate::Extern>,
}

impl InstanceEntity {
    pub fn data(&self, seg: u32) -> &[u8] {
        &self.module.0.bytes[self.datas[seg as usize].clone()]
    }
    pub fn drop_data(&mut self, seg: u32) {
        self.datas[seg as usize] = 0..0;
    }
}

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// The part of a store that does not depend on `T`. Objects are boxed so
/// their addresses stay put while the vectors grow.
#[doc(hidden)]
#[allow(clippy::vec_box)]
pub struct StoreInner {
    pub(crate) id: u64,
    pub(crate) engine: Engine,
    pub(crate) funcs: Vec<Box<FuncEntity>>,
    pub(crate) instances: Vec<Box<InstanceEntity>>,
    pub(crate) memories: Vec<Box<LinearMemory>>,
    pub(crate) tables: Vec<Box<TableEntity>>,
    pub(crate) globals: Vec<Box<GlobalEntity>>,
    pub(crate) externs: Vec<Box<dyn Any + Send + Sync>>,
    pub(crate) ctx: Box<Ctx>,
    /// The value stack, mapped on first call.
    pub(crate) stack: Option<memmap2::MmapMut>,
    /// The resumable call that ran out of fuel, if one waits.
    pub(crate) suspended: Option<super::resumable::Suspended>,
    /// Suspensions so far (numbers them, so a handle finds its own).
    pub(crate) suspensions: u64,
}

// SAFETY: the raw pointers inside point only at objects owned by this same
// store (boxed, never freed before the store), and host functions are
// `Send + Sync`; moving the whole store to another thread moves all of it.
unsafe impl Send for StoreInner {}
// SAFETY: `&StoreInner` gives no way to mutate through the raw pointers.
unsafe impl Sync for StoreInner {}

/// Owns all runtime objects and the host state `T`.
#[repr(C)]
pub struct Store<T> {
    // `inner` must stay the first field: host functions receive a pointer
    // to the `Store<T>` and the interpreter treats it as opaque.
    pub(crate) inner: StoreInner,
    data: T,
    limiter: Option<Box<LimiterFn<T>>>,
}

/// What [`Store::limiter`] keeps: from the store's data to its limiter.
type LimiterFn<T> = dyn FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync;

/// [`LimiterHook`] for a `Store<T>`: asks its limiter, if it has one.
///
/// # Safety
/// `store` is a live `Store<T>` (the interpreter passes the running call's
/// store, which is always this `T`).
unsafe fn ask_limiter<T>(store: *mut u8, growth: Growth) -> bool {
    let store = store as *mut Store<T>;
    // SAFETY: only the limiter and the data are borrowed, never `inner`,
    // which the running interpreter points into.
    let (limiter, data) = unsafe {
        (&mut *std::ptr::addr_of_mut!((*store).limiter), &mut *std::ptr::addr_of_mut!((*store).data))
    };
    growth.allowed(limiter.as_mut().map(|f| f(data)))
}

impl<T> Store<T> {
    pub fn new(engine: &Engine, data: T) -> Self {
        let cfg = engine.config();
        let ctx = Box::new(Ctx {
            instance: std::ptr::null_mut(),
            funcs: std::ptr::null(),
            frames: Vec::new(),
            max_frames: cfg.max_call_depth,
            stack_end: std::ptr::null_mut(),
            top: std::ptr::null_mut(),
            store: std::ptr::null_mut(),
            error: None,
            fuel: 0,
            interrupt: engine.interrupt_flag(),
            fuel_stop: crate::exec::FuelStop::NONE,
            limiter: None,
        });
        Store {
            inner: StoreInner {
                id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
                engine: engine.clone(),
                funcs: Vec::new(),
                instances: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                externs: Vec::new(),
                ctx,
                stack: None,
                suspended: None,
                suspensions: 0,
            },
            data,
            limiter: None,
        }
    }
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }
    pub fn data(&self) -> &T {
        &self.data
    }
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }
    pub fn into_data(self) -> T {
        self.data
    }
    /// Sets the fuel left; needs `Config::consume_fuel(true)`. A plain call
    /// that runs out traps (and leaves 0); a resumable call that runs out
    /// leaves what the failed check did not charge, and continues after
    /// this sets enough (see [`Func::call_resumable`](crate::Func::call_resumable)).
    pub fn set_fuel(&mut self, fuel: u64) -> crate::Result<()> {
        if !self.inner.engine.config().fuel {
            return Err(Error::other("fuel is not enabled: use Config::consume_fuel(true)"));
        }
        self.inner.ctx.fuel = fuel;
        Ok(())
    }
    /// Installs the store's resource limiter: `limiter` finds it in the
    /// store's data, and it is asked before every memory and table growth
    /// and at instantiation (see [`ResourceLimiter`]). It applies on top of
    /// `Config::max_memory` and the types' own maxima.
    ///
    /// ```
    /// use weft::{Engine, Store, StoreLimitsBuilder};
    /// struct Host { limits: weft::StoreLimits }
    /// let limits = StoreLimitsBuilder::new().memory_size(16 << 20).instances(4).build();
    /// let mut store = Store::new(&Engine::default(), Host { limits });
    /// store.limiter(|host| &mut host.limits);
    /// ```
    pub fn limiter(
        &mut self,
        limiter: impl FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync + 'static,
    ) {
        self.limiter = Some(Box::new(limiter));
        self.inner.ctx.limiter = Some(ask_limiter::<T> as LimiterHook);
    }

    /// The store's objects and its limiter (if any), borrowed apart.
    pub(crate) fn parts(&mut self) -> (&mut StoreInner, Option<&mut dyn ResourceLimiter>) {
        let limiter = match &mut self.limiter {
            Some(f) => Some(f(&mut self.data)),
            None => None,
        };
        (&mut self.inner, limiter)
    }

    /// The fuel left, when fuel is enabled.
    pub fn get_fuel(&self) -> Option<u64> {
        self.inner.engine.config().fuel.then_some(self.inner.ctx.fuel)
    }
}

/// Read access to a store, from a `Store<T>` or a host function's `Caller`.
pub trait AsContext {
    type Data;
    #[doc(hidden)]
    fn store(&self) -> &Store<Self::Data>;
}

/// Write access to a store.
pub trait AsContextMut: AsContext {
    #[doc(hidden)]
    fn store_mut(&mut self) -> &mut Store<Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn store(&self) -> &Store<T> {
        self
    }
}
impl<T> AsContextMut for Store<T> {
    fn store_mut(&mut self) -> &mut Store<T> {
        self
    }
}
impl<S: AsContext> AsContext for &mut S {
    type Data = S::Data;
    fn store(&self) -> &Store<S::Data> {
        (**self).store()
    }
}
impl<S: AsContextMut> AsContextMut for &mut S {
    fn store_mut(&mut self) -> &mut Store<S::Data> {
        (**self).store_mut()
    }
}

macro_rules! handle {
    ($($(#[$doc:meta])* $name:ident),*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name {
            pub(crate) store: u64,
            pub(crate) index: u32,
        }
    )*};
}
handle!(
    /// A function (wasm or host) in a store.
    Func,
    /// A linear memory in a store.
    Memory,
    /// A table in a store.
    Table,
    /// A global in a store.
    Global,
    /// An instantiated module in a store.
    Instance
);

fn wrong_store(what: &str) -> Error {
    Error::other(format!("{what} used with a store it does not belong to"))
}

impl StoreInner {
    pub(crate) fn func(&self, f: Func) -> Result<&FuncEntity> {
        if f.store != self.id {
            return Err(wrong_store("function"));
        }
        Ok(&self.funcs[f.index as usize])
    }
    pub(crate) fn memory(&self, m: Memory) -> Result<&LinearMemory> {
        if m.store != self.id {
            return Err(wrong_store("memory"));
        }
        Ok(&self.memories[m.index as usize])
    }
    pub(crate) fn memory_mut(&mut self, m: Memory) -> Result<&mut LinearMemory> {
        if m.store != self.id {
            return Err(wrong_store("memory"));
        }
        Ok(&mut self.memories[m.index as usize])
    }
    pub(crate) fn table(&self, t: Table) -> Result<&TableEntity> {
        if t.store != self.id {
            return Err(wrong_store("table"));
        }
        Ok(&self.tables[t.index as usize])
    }
    pub(crate) fn table_mut(&mut self, t: Table) -> Result<&mut TableEntity> {
        if t.store != self.id {
            return Err(wrong_store("table"));
        }
        Ok(&mut self.tables[t.index as usize])
    }
    pub(crate) fn global(&self, g: Global) -> Result<&GlobalEntity> {
        if g.store != self.id {
            return Err(wrong_store("global"));
        }
        Ok(&self.globals[g.index as usize])
    }
    pub(crate) fn global_mut(&mut self, g: Global) -> Result<&mut GlobalEntity> {
        if g.store != self.id {
            return Err(wrong_store("global"));
        }
        Ok(&mut self.globals[g.index as usize])
    }
    pub(crate) fn instance(&self, i: Instance) -> Result<&InstanceEntity> {
        if i.store != self.id {
            return Err(wrong_store("instance"));
        }
        Ok(&self.instances[i.index as usize])
    }

    pub(crate) fn push_func(&mut self, sig: u32, ty: FuncType, kind: FuncKind) -> Func {
        let index = self.funcs.len() as u32;
        self.funcs.push(Box::new(FuncEntity { index, sig, ty, kind }));
        Func { store: self.id, index }
    }
    pub(crate) fn push_memory(&mut self, m: LinearMemory) -> Memory {
        let index = self.memories.len() as u32;
        self.memories.push(Box::new(m));
        Memory { store: self.id, index }
    }
    pub(crate) fn push_table(&mut self, t: TableEntity) -> Table {
        let index = self.tables.len() as u32;
        self.tables.push(Box::new(t));
        Table { store: self.id, index }
    }
    pub(crate) fn push_global(&mut self, g: GlobalEntity) -> Global {
        let index = self.globals.len() as u32;
        self.globals.push(Box::new(g));
        Global { store: self.id, index }
    }

    pub(crate) fn func_ptr(&self, f: Func) -> Result<*const FuncEntity> {
        Ok(self.func(f)? as *const FuncEntity)
    }
    pub(crate) fn memory_ptr(&mut self, m: Memory) -> Result<*mut LinearMemory> {
        Ok(self.memory_mut(m)? as *mut LinearMemory)
    }
    pub(crate) fn table_ptr(&mut self, t: Table) -> Result<*mut TableEntity> {
        Ok(self.table_mut(t)? as *mut TableEntity)
    }
    pub(crate) fn global_ptr(&mut self, g: Global) -> Result<*mut GlobalEntity> {
        Ok(self.global_mut(g)? as *mut GlobalEntity)
    }

    /// The handle of a funcref's entity.
    pub(crate) fn func_from_bits(&self, bits: u64) -> Option<Func> {
        if bits == 0 {
            return None;
        }
        // SAFETY: non-null funcref bits are addresses of this store's boxed
        // function entities.
        let index = unsafe { (*(bits as *const FuncEntity)).index };
        Some(Func { store: self.id, index })
    }

    /// A value as slot bits (checking that references belong here).
    pub(crate) fn val_to_bits(&self, v: &crate::Val) -> Result<[u64; 2]> {
        use crate::Val;
        Ok(match *v {
            Val::I32(x) => [x as u32 as u64, 0],
            Val::I64(x) => [x as u64, 0],
            Val::F32(x) => [x as u64, 0],
            Val::F64(x) => [x, 0],
            Val::V128(x) => [x as u64, (x >> 64) as u64],
            Val::FuncRef(None) | Val::ExternRef(None) => [0, 0],
            Val::FuncRef(Some(f)) => [self.func_ptr(f)? as u64, 0],
            Val::ExternRef(Some(e)) => {
                if e.store != self.id {
                    return Err(wrong_store("externref"));
                }
                [e.index as u64 + 1, 0]
            }
        })
    }

    /// Slot bits as a value of type `ty`.
    pub(crate) fn bits_to_val(&self, ty: crate::ValType, bits: [u64; 2]) -> crate::Val {
        use crate::{Val, ValType};
        match ty {
            ValType::I32 => Val::I32(bits[0] as u32 as i32),
            ValType::I64 => Val::I64(bits[0] as i64),
            ValType::F32 => Val::F32(bits[0] as u32),
            ValType::F64 => Val::F64(bits[0]),
            ValType::V128 => Val::V128(bits[0] as u128 | (bits[1] as u128) << 64),
            ValType::FuncRef => Val::FuncRef(self.func_from_bits(bits[0])),
            ValType::ExternRef => Val::ExternRef(if bits[0] == 0 {
                None
            } else {
                Some(crate::ExternRef { store: self.id, index: (bits[0] - 1) as u32 })
            }),
        }
    }
}

impl crate::ExternRef {
    /// A new host reference holding `value`.
    pub fn new<T>(store: &mut impl AsContextMut<Data = T>, value: impl Any + Send + Sync) -> Self {
        let inner = &mut store.store_mut().inner;
        inner.externs.push(Box::new(value));
        crate::ExternRef { store: inner.id, index: inner.externs.len() as u32 - 1 }
    }
    /// The value it holds.
    pub fn data<'a, T: 'a>(
        &self,
        store: &'a impl AsContext<Data = T>,
    ) -> Option<&'a (dyn Any + Send + Sync)> {
        let inner = &store.store().inner;
        if self.store != inner.id {
            return None;
        }
        inner.externs.get(self.index as usize).map(|b| &**b)
    }
}
