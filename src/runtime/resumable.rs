//! Resumable calls: a call started with `call_resumable` that runs out of
//! fuel keeps its frames and value stack in the store and hands back a
//! handle; after `Store::set_fuel`, the handle's `resume` continues at the
//! fuel check that stopped it. Nothing here runs wasm itself (`func::drive`
//! does).
//!
//! One call at a time can be suspended in a store. While it waits, plain
//! calls still work: they run above its frames. A call that runs out of fuel
//! inside a host function (wasm → host → wasm) is a plain trap.

use super::func::{Entry, Outcome, TypedFunc, WasmParams, WasmResults};
use super::store::{AsContextMut, InstanceEntity, Store, StoreInner};
use crate::error::{Error, Result};
use crate::exec::{FuelStop, Regs};
use crate::{Func, Val};
use std::marker::PhantomData;
use std::sync::Arc;

/// How a resumable call ([`Func::call_resumable`]) returned.
#[derive(Debug)]
pub enum ResumableCall {
    /// The call returned; its results are written.
    Finished,
    /// The store ran out of fuel; add some and [`resume`] it.
    ///
    /// [`resume`]: ResumableCallOutOfFuel::resume
    OutOfFuel(ResumableCallOutOfFuel),
}

/// A call stopped because the store ran out of fuel. Its state stays in the
/// store until it is resumed, or until this handle is dropped (the store
/// then releases it on its next call).
pub struct ResumableCallOutOfFuel {
    store: u64,
    id: u64,
    /// The store's record holds the other reference: when it is the only
    /// one left, the handle was dropped.
    _token: Arc<()>,
    required: u64,
}

impl std::fmt::Debug for ResumableCallOutOfFuel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResumableCallOutOfFuel").field("required_fuel", &self.required).finish()
    }
}

/// The state of the suspended call of a store.
pub(crate) struct Suspended {
    id: u64,
    token: Arc<()>,
    entry: Entry,
    /// Where it stopped: the fuel check to run again.
    stop: FuelStop,
    /// The instance running at the stop.
    instance: *mut InstanceEntity,
    /// Frames on the stack at the stop (its own, above `entry.depth`).
    frames: usize,
    /// The context's `top` before the suspension moved it above the
    /// suspended frames.
    saved_top: *mut u64,
}

/// Keeps the state of the resumable call `e`, which just ran out of fuel,
/// and returns its handle. Calls made meanwhile run above its frames.
pub(crate) fn suspend(inner: &mut StoreInner, e: Entry) -> ResumableCallOutOfFuel {
    let ctx = &mut *inner.ctx;
    let stop = ctx.fuel_stop;
    // Calls made while this one waits start past the frame that stopped.
    let end = ctx.frame_end(stop.fp);
    let saved_top = std::mem::replace(&mut ctx.top, end);
    let instance = ctx.instance;
    ctx.set_instance(e.saved_instance);
    ctx.store = e.saved_store;
    inner.suspensions += 1;
    let id = inner.suspensions;
    let token = Arc::new(());
    let frames = ctx.frames.len();
    inner.suspended =
        Some(Suspended { id, token: token.clone(), entry: e, stop, instance, frames, saved_top });
    ResumableCallOutOfFuel { store: inner.id, id, _token: token, required: stop.needed }
}

/// Drops the suspended call whose handle is gone, unless calls run above
/// it (it is released by the first call from the host after they return).
pub(crate) fn release_abandoned(inner: &mut StoreInner) {
    let Some(s) = &inner.suspended else { return };
    if Arc::strong_count(&s.token) == 1 && inner.ctx.frames.len() == s.frames {
        let s = inner.suspended.take().unwrap();
        inner.ctx.frames.truncate(s.entry.depth);
        inner.ctx.top = s.saved_top;
    }
}

impl ResumableCallOutOfFuel {
    /// The fuel the stopped check needs: with less, `resume` stops again
    /// at once.
    pub fn required_fuel(&self) -> u64 {
        self.required
    }

    /// Continues the call where it stopped (add fuel first with
    /// [`Store::set_fuel`]); `results` as for [`Func::call`]. The final
    /// results are those of an uninterrupted run. Fails if `store` is not
    /// the call's store, if `results` has the wrong length, or when called
    /// from a host function that runs above the suspended call; an error
    /// consumes the handle, and the store releases the call as if the
    /// handle was dropped.
    pub fn resume(self, mut store: impl AsContextMut, results: &mut [Val]) -> Result<ResumableCall> {
        let store = store.store_mut();
        let store_ptr = store as *mut Store<_> as *mut u8;
        resume(store_ptr, &mut store.inner, self, results).map(|o| match o {
            Outcome::Finished => ResumableCall::Finished,
            Outcome::OutOfFuel(h) => ResumableCall::OutOfFuel(h),
        })
    }
}

fn resume(
    store_ptr: *mut u8,
    inner: &mut StoreInner,
    h: ResumableCallOutOfFuel,
    results: &mut [Val],
) -> Result<Outcome> {
    if h.store != inner.id {
        return Err(Error::other("resumable call used with a store it does not belong to"));
    }
    let Some(s) = inner.suspended.as_ref().filter(|s| s.id == h.id) else {
        return Err(Error::other("this call is no longer suspended in the store"));
    };
    if inner.ctx.frames.len() != s.frames {
        return Err(Error::other(
            "a suspended call cannot be resumed while other wasm calls run in its store (from a host function)",
        ));
    }
    if results.len() != s.entry.results {
        return Err(Error::other(format!(
            "the function returns {} values, {} result slots given",
            s.entry.results,
            results.len()
        )));
    }
    let s = inner.suspended.take().unwrap();
    let ctx = &mut *inner.ctx;
    ctx.top = s.saved_top;
    let e = Entry { saved_instance: ctx.instance, saved_store: ctx.store, ..s.entry };
    ctx.set_instance(s.instance);
    ctx.store = store_ptr;
    let r = Regs { ip: s.stop.ip, fp: s.stop.fp, mem: std::ptr::null_mut(), len: 0, acc: 0, facc: 0.0 };
    // SAFETY: the frames, the value stack and the stop were left as they
    // were when the call ran out of fuel (calls made meanwhile ran above
    // them and returned: the frame count is the same), and running from the
    // stop re-executes its fuel check.
    unsafe { super::func::drive(inner, e, r, true, results) }
}

impl Func {
    /// Calls the function like [`Func::call`], except that running out of
    /// fuel is not the end: the call stops before the fuel check that
    /// failed and returns [`ResumableCall::OutOfFuel`], whose handle
    /// continues it after [`Store::set_fuel`]. Other traps and errors end
    /// the call as with `call`.
    ///
    /// Only one call can be suspended per store; a second `call_resumable`
    /// meanwhile is refused (resume or drop the first), while plain calls
    /// work. It is refused too inside host functions (wasm running below),
    /// and wasm that a host function calls runs out of fuel with a plain
    /// trap even under a resumable call. Without `Config::consume_fuel` it
    /// never suspends.
    pub fn call_resumable(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall> {
        let store = store.store_mut();
        let store_ptr = store as *mut Store<_> as *mut u8;
        let o = super::func::call_from_host(store_ptr, &mut store.inner, *self, params, results, true)?;
        Ok(match o {
            Outcome::Finished => ResumableCall::Finished,
            Outcome::OutOfFuel(h) => ResumableCall::OutOfFuel(h),
        })
    }
}

/// How a resumable call of a [`TypedFunc`] returned.
#[derive(Debug)]
pub enum TypedResumableCall<R> {
    /// The call returned these results.
    Finished(R),
    /// The store ran out of fuel; add some and resume it.
    OutOfFuel(TypedResumableCallOutOfFuel<R>),
}

/// A typed call stopped for lack of fuel (see [`ResumableCallOutOfFuel`]).
pub struct TypedResumableCallOutOfFuel<R> {
    call: ResumableCallOutOfFuel,
    _m: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for TypedResumableCallOutOfFuel<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.call.fmt(f)
    }
}

impl<R: WasmResults> TypedResumableCallOutOfFuel<R> {
    /// The fuel the stopped check needs.
    pub fn required_fuel(&self) -> u64 {
        self.call.required
    }
    /// Continues the call where it stopped (add fuel first).
    pub fn resume(self, store: impl AsContextMut) -> Result<TypedResumableCall<R>> {
        let mut results = R::default_vals();
        let o = self.call.resume(store, &mut results)?;
        Ok(typed(o, &results))
    }
}

fn typed<R: WasmResults>(o: ResumableCall, results: &[Val]) -> TypedResumableCall<R> {
    match o {
        ResumableCall::Finished => TypedResumableCall::Finished(R::from_vals(results)),
        ResumableCall::OutOfFuel(call) => {
            TypedResumableCall::OutOfFuel(TypedResumableCallOutOfFuel { call, _m: PhantomData })
        }
    }
}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Calls the function, stopping resumably when fuel runs out (see
    /// [`Func::call_resumable`]).
    pub fn call_resumable(&self, store: impl AsContextMut, params: P) -> Result<TypedResumableCall<R>> {
        let mut results = R::default_vals();
        let o = self.func().call_resumable(store, &params.to_vals(), &mut results)?;
        Ok(typed(o, &results))
    }
}
