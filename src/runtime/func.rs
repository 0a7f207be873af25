//! Functions on the API: calling into wasm (`Func::call`, `TypedFunc`),
//! defining host functions (`Func::new`, `Func::wrap`) and the `Caller`
//! they receive.

use super::store::{
    AsContext, AsContextMut, Func, FuncKind, HostFn, Instance, InstanceEntity, Store, StoreInner,
};
use crate::decode::{FuncType, ValType};
use crate::error::{Error, FrameInfo, Result, Trap, TrapCode};
use crate::exec::{self, Exit, Frame, Regs};
use crate::{Extern, Val};
use std::marker::PhantomData;
use std::sync::Arc;

fn slots_of(types: &[ValType]) -> u32 {
    types.iter().map(|t| t.slots()).sum()
}

/// What a host function sees of its caller: the store (and its data) and
/// the calling instance's exports.
pub struct Caller<'a, T> {
    store: &'a mut Store<T>,
    pub(crate) instance: Option<Instance>,
}

impl<T> Caller<'_, T> {
    pub fn data(&self) -> &T {
        self.store.data()
    }
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }
    /// The calling instance's memory 0, exported or not (shared libraries
    /// import their memory and export none).
    pub fn memory(&self) -> Option<crate::Memory> {
        let inner = &self.store.inner;
        let m0 = inner.instance(self.instance?).ok()?.mem0;
        let index = inner.memories.iter().position(|m| std::ptr::eq(&**m, m0))?;
        Some(crate::Memory { store: inner.id, index: index as u32 })
    }

    /// An export of the calling instance (e.g. its `memory`).
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        self.instance?.get_export(&*self.store, name)
    }
    pub fn engine(&self) -> &crate::Engine {
        self.store.engine()
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn store(&self) -> &Store<T> {
        self.store
    }
}
impl<T> AsContextMut for Caller<'_, T> {
    fn store_mut(&mut self) -> &mut Store<T> {
        self.store
    }
}

/// Builds the interpreter-facing closure around a `Val`-based host function.
pub(crate) fn host_fn_dynamic<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> Arc<HostFn> {
    Arc::new(move |store_ptr: *mut u8, inst: *mut InstanceEntity, slots: &mut [u64]| {
        // SAFETY: the interpreter passes the `Store<T>` of the running call,
        // and this function belongs to that store (so its `T` is this `T`).
        let store = unsafe { &mut *(store_ptr as *mut Store<T>) };
        let instance = instance_handle(&store.inner, inst);
        let mut params = Vec::with_capacity(ty.params().len());
        let mut at = 0;
        for &p in ty.params() {
            params.push(store.inner.bits_to_val(p, [slots[at], slots.get(at + 1).copied().unwrap_or(0)]));
            at += p.slots() as usize;
        }
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        f(Caller { store: &mut *store, instance }, &params, &mut results)?;
        let mut at = 0;
        for (v, &t) in results.iter().zip(ty.results()) {
            if v.ty() != t {
                return Err(Error::other(format!(
                    "host function returned a {} where its type says {t}",
                    v.ty()
                )));
            }
            let bits = store.inner.val_to_bits(v)?;
            slots[at] = bits[0];
            if t == ValType::V128 {
                slots[at + 1] = bits[1];
            }
            at += t.slots() as usize;
        }
        Ok(())
    })
}

fn instance_handle(inner: &StoreInner, inst: *mut InstanceEntity) -> Option<Instance> {
    if inst.is_null() {
        None
    } else {
        // SAFETY: non-null instance pointers handed to host functions are
        // live instances of this store.
        Some(Instance { store: inner.id, index: unsafe { (*inst).index } })
    }
}

impl Func {
    /// A host function with a dynamic signature.
    pub fn new<T: 'static>(
        store: &mut impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let inner = &mut store.store_mut().inner;
        let host = host_fn_dynamic(ty.clone(), f);
        Func::from_host(inner, ty, host)
    }

    pub(crate) fn from_host(inner: &mut StoreInner, ty: FuncType, func: Arc<HostFn>) -> Func {
        let sig = inner.engine.sig_id(&ty);
        let slots = slots_of(ty.params()).max(slots_of(ty.results()));
        inner.push_func(sig, ty, FuncKind::Host { func, slots })
    }

    /// A function that calls whatever function element `index` of `table`
    /// holds when it is called (the dynamic linker binds imports this way:
    /// writing the element redirects every caller). Calling it traps with
    /// "call to unresolved symbol" while the element is null, with
    /// "indirect call type mismatch" when the element's type is not `ty`,
    /// and with "undefined element" when `index` is past the table's end.
    pub fn from_table_slot<T>(
        store: &mut impl AsContextMut<Data = T>,
        table: crate::Table,
        index: u32,
        ty: FuncType,
    ) -> Result<Func> {
        let inner = &mut store.store_mut().inner;
        if inner.table(table)?.ty.elem != crate::RefType::FuncRef {
            return Err(Error::other("a slot function needs a funcref table"));
        }
        let table = inner.table_ptr(table)?;
        let sig = inner.engine.sig_id(&ty);
        Ok(inner.push_func(sig, ty, FuncKind::Slot { table, index }))
    }

    /// A host function from a Rust closure with typed parameters and
    /// results, optionally taking a `Caller` first.
    pub fn wrap<T: 'static, Params, Results>(
        store: &mut impl AsContextMut<Data = T>,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let (ty, host) = f.into_host();
        Func::from_host(&mut store.store_mut().inner, ty, host)
    }

    pub fn ty(&self, store: &impl AsContext) -> FuncType {
        store.store().inner.func(*self).map(|f| f.ty.clone()).unwrap_or_default()
    }

    /// Calls the function with `params`, writing `results` (whose length
    /// must match the function's result count).
    pub fn call(&self, mut store: impl AsContextMut, params: &[Val], results: &mut [Val]) -> Result<()> {
        let store = store.store_mut();
        let store_ptr = store as *mut Store<_> as *mut u8;
        invoke(store_ptr, &mut store.inner, *self, params, results)
    }

    /// A typed view, checked against the function's type.
    pub fn typed<P: WasmParams, R: WasmResults>(&self, store: &impl AsContext) -> Result<TypedFunc<P, R>> {
        let ty = self.ty(store);
        if ty.params() != P::types().as_slice() || ty.results() != R::types().as_slice() {
            return Err(Error::other(format!(
                "type mismatch: the function is {ty}, asked for {}",
                FuncType::new(P::types(), R::types())
            )));
        }
        Ok(TypedFunc { func: *self, _m: PhantomData })
    }
}

/// Runs `f` on the store's interpreter: the entry point from the host.
pub(crate) fn invoke(
    store_ptr: *mut u8,
    inner: &mut StoreInner,
    f: Func,
    params: &[Val],
    results: &mut [Val],
) -> Result<()> {
    match call_from_host(store_ptr, inner, f, params, results, false)? {
        Outcome::Finished => Ok(()),
        // `drive` suspends only resumable calls.
        Outcome::OutOfFuel(_) => Err(Error::other("internal error: a plain call was suspended")),
    }
}

/// How a call from the host ended, when it did not fail.
pub(crate) enum Outcome {
    /// The results are written.
    Finished,
    /// A resumable call ran out of fuel; the store keeps its state.
    OutOfFuel(super::resumable::ResumableCallOutOfFuel),
}

/// What a call from the host into wasm must remember until its entry
/// frame returns (across a suspension too).
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    /// The callee (resolved; never a `Slot` function): its result types.
    pub func: *const super::store::FuncEntity,
    /// The callee's frame: arguments in, results out.
    pub base: *mut u64,
    /// Frames below the entry frame (calls the host was inside).
    pub depth: usize,
    /// How many results the callee returns.
    pub results: usize,
    /// The context's instance and store before the call.
    pub saved_instance: *mut InstanceEntity,
    pub saved_store: *mut u8,
}

/// Checks and places the arguments, then runs `f`: a host function
/// directly, a wasm function on the interpreter (see [`drive`]).
/// `resumable` calls start only when no other call runs in the store.
pub(crate) fn call_from_host(
    store_ptr: *mut u8,
    inner: &mut StoreInner,
    f: Func,
    params: &[Val],
    results: &mut [Val],
    resumable: bool,
) -> Result<Outcome> {
    super::resumable::release_abandoned(inner);
    if resumable && !inner.ctx.frames.is_empty() {
        return Err(Error::other(if inner.suspended.is_some() {
            "another resumable call is suspended in this store: resume it or drop its handle first"
        } else {
            "call_resumable cannot start while wasm runs in this store (from a host function): use Func::call"
        }));
    }
    let mut fe = inner.func(f)? as *const super::store::FuncEntity;
    // SAFETY: `fe` points at a boxed entity of this store, and a slot
    // function's table is a live table of the same store.
    if let FuncKind::Slot { table, index } = unsafe { &(*fe).kind } {
        fe = unsafe { exec::call::slot_target(fe, *table, *index) }
            .map_err(|e| Error::Trap(Trap::new(TrapCode::from_u8(e.0))))?;
    }
    // SAFETY: as above; nothing below frees entities.
    let fe = unsafe { &*fe };
    let ty = &fe.ty;
    if params.len() != ty.params().len() || params.iter().zip(ty.params()).any(|(v, t)| v.ty() != *t) {
        let got: Vec<String> = params.iter().map(|v| v.ty().to_string()).collect();
        return Err(Error::other(format!(
            "argument type mismatch: the function is {ty}, called with ({})",
            got.join(" ")
        )));
    }
    check_result_count(ty, results)?;
    if inner.stack.is_none() {
        let bytes = inner.engine.config().max_stack_slots * 8;
        let map = memmap2::MmapMut::map_anon(bytes)
            .map_err(|e| Error::other(format!("cannot map a {bytes}-byte value stack: {e}")))?;
        inner.stack = Some(map);
        let base = inner.stack.as_mut().unwrap().as_mut_ptr() as *mut u64;
        inner.ctx.stack_end = base.wrapping_add(bytes / 8);
    }
    let stack_base = inner.stack.as_mut().unwrap().as_mut_ptr() as *mut u64;
    let ctx: *mut exec::Ctx = &mut *inner.ctx;
    // SAFETY (whole block): `ctx` is this store's boxed context; `base`
    // lies inside the value stack and every write below is bounds-checked
    // against `stack_end` first.
    unsafe {
        let base = if (*ctx).frames.is_empty() { stack_base } else { (*ctx).top };
        let n = slots_of(ty.params()).max(slots_of(ty.results())) as usize;
        let room = ((*ctx).stack_end as usize - base as usize) / 8;
        // The frame stack is allocated once, up to the depth limit, so that
        // calls never have to grow it.
        if (*ctx).frames.capacity() < (*ctx).max_frames {
            let more = (*ctx).max_frames - (*ctx).frames.len();
            (*ctx).frames.reserve_exact(more);
        }
        if room < n {
            return Err(Trap::new(TrapCode::StackOverflow).into());
        }
        let mut at = 0;
        for (v, t) in params.iter().zip(ty.params()) {
            let bits = inner.val_to_bits(v)?;
            *base.add(at) = bits[0];
            if *t == ValType::V128 {
                *base.add(at + 1) = bits[1];
            }
            at += t.slots() as usize;
        }
        let entry = Entry {
            func: fe,
            base,
            depth: (*ctx).frames.len(),
            results: ty.results().len(),
            saved_instance: (*ctx).instance,
            saved_store: (*ctx).store,
        };
        match &fe.kind {
            FuncKind::Slot { .. } => unreachable!("slot functions were resolved above"),
            FuncKind::Host { func, .. } => {
                let saved_top = (*ctx).top;
                (*ctx).top = base.add(n);
                let slots = std::slice::from_raw_parts_mut(base, n);
                let r = super::store::call_host_fn(&**func, store_ptr, std::ptr::null_mut(), slots);
                (*ctx).top = saved_top;
                r?;
                read_results(inner, &entry, results);
                Ok(Outcome::Finished)
            }
            FuncKind::Wasm { instance, code, .. } => {
                let code = &*code.get();
                if room < code.frame_slots as usize || entry.depth >= (*ctx).max_frames {
                    return Err(Trap::new(TrapCode::StackOverflow).into());
                }
                std::ptr::write_bytes(base.add(code.param_slots as usize), 0, code.local_slots as usize);
                (*ctx).frames.push(Frame {
                    ret_ip: std::ptr::null(),
                    ret_fp: base,
                    ret_instance: entry.saved_instance,
                    func: fe,
                });
                (*ctx).set_instance(*instance);
                (*ctx).store = store_ptr;
                let r = Regs {
                    ip: code.code.as_ptr() as *const u8,
                    fp: base,
                    mem: std::ptr::null_mut(),
                    len: 0,
                    acc: 0,
                    facc: 0.0,
                };
                drive(inner, entry, r, resumable, results)
            }
        }
    }
}

/// Fails unless `results` has room for exactly the function's results.
fn check_result_count(ty: &FuncType, results: &[Val]) -> Result<()> {
    if results.len() != ty.results().len() {
        return Err(Error::other(format!(
            "the function returns {} values, {} result slots given",
            ty.results().len(),
            results.len()
        )));
    }
    Ok(())
}

/// Runs the dispatch chain from `r` (the context's instance and store are
/// set, the entry frame is pushed) until the entry frame returns or
/// something stops it, then ends the call: results written; or an error,
/// with the call's frames unwound; or, for a resumable call out of fuel,
/// a suspension that keeps frames and value stack as they are.
///
/// # Safety
/// `r` is a valid interpreter state of this store's context for the call
/// `e` (a fresh entry, or a resumed suspension).
pub(crate) unsafe fn drive(
    inner: &mut StoreInner,
    e: Entry,
    mut r: Regs,
    resumable: bool,
    results: &mut [Val],
) -> Result<Outcome> {
    let ctx: *mut exec::Ctx = &mut *inner.ctx;
    // SAFETY: the caller's contract; `ctx` is the store's boxed context and
    // every pointer in its frames points at entities of this store.
    unsafe {
        (*ctx).reload_memory(&mut r);
        let exit = exec::run(inner.engine.config().backend, r, ctx);
        if resumable && exit == Exit::trap(TrapCode::OutOfFuel) {
            return Ok(Outcome::OutOfFuel(super::resumable::suspend(inner, e)));
        }
        let result = if exit == Exit::DONE {
            Ok(())
        } else {
            let (backtrace, frames_omitted) = backtrace(&(&(*ctx).frames)[e.depth..]);
            let err = if exit == Exit::ERROR {
                (*ctx).error.take().unwrap_or_else(|| Error::other("unknown error"))
            } else {
                if exit == Exit::trap(TrapCode::OutOfFuel) {
                    // A plain call consumed all fuel (what the check did not
                    // charge cannot be used by anything else).
                    (*ctx).fuel = 0;
                }
                Error::Trap(Trap {
                    code: TrapCode::from_u8(exit.0),
                    message: None,
                    backtrace,
                    frames_omitted,
                })
            };
            Err(err)
        };
        (*ctx).frames.truncate(e.depth);
        (*ctx).set_instance(e.saved_instance);
        (*ctx).store = e.saved_store;
        result?;
        read_results(inner, &e, results);
    }
    Ok(Outcome::Finished)
}

/// Reads the results of the finished call `e` from its frame.
fn read_results(inner: &StoreInner, e: &Entry, results: &mut [Val]) {
    // SAFETY: `e.func` is a live entity of this store and its frame at
    // `e.base` holds its results (the call checked the room for them).
    unsafe {
        let mut at = 0;
        for (slot, &t) in results.iter_mut().zip((*e.func).ty.results()) {
            let hi = if t == ValType::V128 { *e.base.add(at + 1) } else { 0 };
            *slot = inner.bits_to_val(t, [*e.base.add(at), hi]);
            at += t.slots() as usize;
        }
    }
}

/// The innermost wasm frames of a trap, innermost first, and how many more
/// there were.
fn backtrace(frames: &[Frame]) -> (Vec<FrameInfo>, usize) {
    let shown = frames.len().min(Trap::MAX_FRAMES);
    let list = frames[frames.len() - shown..]
        .iter()
        .rev()
        .filter_map(|fr| {
            // SAFETY: frames point at live function entities.
            let fe = unsafe { &*fr.func };
            match &fe.kind {
                FuncKind::Wasm { module, def, .. } => {
                    let m = module.decoded();
                    let index = m.num_imported_funcs + def;
                    Some(FrameInfo {
                        func_index: index,
                        func_name: m.names.func(index).map(str::to_owned),
                        module_name: module.name().map(str::to_owned),
                    })
                }
                FuncKind::Host { .. } | FuncKind::Slot { .. } => None,
            }
        })
        .collect();
    (list, frames.len() - shown)
}

/// A Rust type that maps to one wasm value type.
pub trait WasmTy: Copy + Send + Sync + 'static {
    fn ty() -> ValType;
    #[doc(hidden)]
    fn from_bits(bits: u64) -> Self;
    #[doc(hidden)]
    fn into_bits(self) -> u64;
}

macro_rules! wasm_ty {
    ($($t:ty => $vt:ident, |$b:ident| $from:expr, |$s:ident| $into:expr;)*) => {$(
        impl WasmTy for $t {
            fn ty() -> ValType { ValType::$vt }
            fn from_bits($b: u64) -> Self { $from }
            fn into_bits(self) -> u64 { let $s = self; $into }
        }
    )*};
}
wasm_ty! {
    i32 => I32, |b| b as u32 as i32, |s| s as u32 as u64;
    u32 => I32, |b| b as u32, |s| s as u64;
    i64 => I64, |b| b as i64, |s| s as u64;
    u64 => I64, |b| b, |s| s;
    f32 => F32, |b| f32::from_bits(b as u32), |s| s.to_bits() as u64;
    f64 => F64, |b| f64::from_bits(b), |s| s.to_bits();
}

/// Parameter lists of typed functions: `()`, `T`, `(T1, T2, ...)`.
pub trait WasmParams: Send + Sync + 'static {
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn to_vals(&self) -> Vals;
}

/// Values of a typed call: inline up to 4, so a call allocates nothing.
#[doc(hidden)]
pub type Vals = smallvec::SmallVec<[Val; 4]>;

/// Result lists of typed functions: `()`, `T`, `(T1, T2, ...)`.
pub trait WasmResults: Sized + Send + Sync + 'static {
    fn types() -> Vec<ValType>;
    /// Placeholder results of the right types, to be overwritten.
    #[doc(hidden)]
    fn default_vals() -> Vals;
    #[doc(hidden)]
    fn write_slots(self, slots: &mut [u64]);
    #[doc(hidden)]
    fn from_vals(vals: &[Val]) -> Self;
}

fn val_bits(v: &Val) -> u64 {
    match *v {
        Val::I32(x) => x as u32 as u64,
        Val::I64(x) => x as u64,
        Val::F32(x) => x as u64,
        Val::F64(x) => x,
        _ => 0,
    }
}

fn bits_val(t: ValType, b: u64) -> Val {
    match t {
        ValType::I32 => Val::I32(b as u32 as i32),
        ValType::I64 => Val::I64(b as i64),
        ValType::F32 => Val::F32(b as u32),
        _ => Val::F64(b),
    }
}

impl<A: WasmTy> WasmParams for A {
    fn types() -> Vec<ValType> {
        vec![A::ty()]
    }
    fn to_vals(&self) -> Vals {
        smallvec::smallvec![bits_val(A::ty(), self.into_bits())]
    }
}
impl<A: WasmTy> WasmResults for A {
    fn types() -> Vec<ValType> {
        vec![A::ty()]
    }
    fn default_vals() -> Vals {
        smallvec::smallvec![Val::default_for(A::ty())]
    }
    fn write_slots(self, slots: &mut [u64]) {
        slots[0] = self.into_bits();
    }
    fn from_vals(vals: &[Val]) -> Self {
        A::from_bits(val_bits(&vals[0]))
    }
}

macro_rules! tuples {
    ($(($($n:ident $i:tt),*))*) => {$(
        impl<$($n: WasmTy),*> WasmParams for ($($n,)*) {
            fn types() -> Vec<ValType> { vec![$($n::ty()),*] }
            fn to_vals(&self) -> Vals { smallvec::smallvec![$(bits_val($n::ty(), self.$i.into_bits())),*] }
        }
        impl<$($n: WasmTy),*> WasmResults for ($($n,)*) {
            fn types() -> Vec<ValType> { vec![$($n::ty()),*] }
            fn default_vals() -> Vals { smallvec::smallvec![$(Val::default_for($n::ty())),*] }
            #[allow(unused_variables)]
            fn write_slots(self, slots: &mut [u64]) { $(slots[$i] = self.$i.into_bits();)* }
            #[allow(unused_variables, clippy::unused_unit)]
            fn from_vals(vals: &[Val]) -> Self { ($($n::from_bits(val_bits(&vals[$i])),)*) }
        }
    )*};
}
tuples! {
    ()
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

/// What a typed host closure may return: results, or results or an error.
pub trait HostResult<R: WasmResults> {
    #[doc(hidden)]
    fn into_result(self) -> Result<R>;
}
impl<R: WasmResults> HostResult<R> for R {
    fn into_result(self) -> Result<R> {
        Ok(self)
    }
}
impl<R: WasmResults> HostResult<R> for Result<R> {
    fn into_result(self) -> Result<R> {
        self
    }
}

/// Closures that can become host functions (see [`Func::wrap`]).
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_host(self) -> (FuncType, Arc<HostFn>);
}

/// Marker for closures that take a `Caller` first.
pub struct WithCaller<P>(PhantomData<P>);

macro_rules! into_func {
    ($(($($n:ident $i:tt),*))*) => {$(
        impl<T: 'static, Clo, R, O, $($n: WasmTy),*> IntoFunc<T, ($($n,)*), (R, O)> for Clo
        where
            Clo: Fn($($n),*) -> O + Send + Sync + 'static,
            R: WasmResults,
            O: HostResult<R>,
        {
            fn into_host(self) -> (FuncType, Arc<HostFn>) {
                let ty = FuncType::new(vec![$($n::ty()),*], R::types());
                let host: Arc<HostFn> = Arc::new(move |_store: *mut u8, _inst, slots: &mut [u64]| {
                    #[allow(unused_variables)]
                    let s = &*slots;
                    let r = (self)($($n::from_bits(s[$i])),*).into_result()?;
                    r.write_slots(slots);
                    Ok(())
                });
                (ty, host)
            }
        }
        impl<T: 'static, Clo, R, O, $($n: WasmTy),*> IntoFunc<T, WithCaller<($($n,)*)>, (R, O)> for Clo
        where
            Clo: Fn(Caller<'_, T>, $($n),*) -> O + Send + Sync + 'static,
            R: WasmResults,
            O: HostResult<R>,
        {
            fn into_host(self) -> (FuncType, Arc<HostFn>) {
                let ty = FuncType::new(vec![$($n::ty()),*], R::types());
                let host: Arc<HostFn> = Arc::new(move |store_ptr: *mut u8, inst, slots: &mut [u64]| {
                    // SAFETY: as in `host_fn_dynamic`.
                    let store = unsafe { &mut *(store_ptr as *mut Store<T>) };
                    let instance = instance_handle(&store.inner, inst);
                    #[allow(unused_variables)]
                    let s = &*slots;
                    let r = (self)(Caller { store, instance }, $($n::from_bits(s[$i])),*).into_result()?;
                    r.write_slots(slots);
                    Ok(())
                });
                (ty, host)
            }
        }
    )*};
}
into_func! {
    ()
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

/// A function with statically known parameter and result types.
pub struct TypedFunc<P, R> {
    func: Func,
    _m: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    pub fn call(&self, store: impl AsContextMut, params: P) -> Result<R> {
        let mut results = R::default_vals();
        self.func.call(store, &params.to_vals(), &mut results)?;
        Ok(R::from_vals(&results))
    }
    pub fn func(&self) -> Func {
        self.func
    }
}
