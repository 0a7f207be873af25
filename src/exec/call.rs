//! Calls: direct, indirect, into host functions, and lazy lowering on a
//! function's first call.

use super::{get, Ctx, Exit, Frame, Regs, Res};
use crate::error::TrapCode;
use crate::ir::shapes::{Call, CallIndirect, Nullary, Slot};
use crate::ir::{CallEntry, FuncCode};
use crate::runtime::store::{FuncEntity, FuncKind, TableEntity};

/// Pushes a frame and zeroes the callee's locals: the part of a call that
/// never calls out (so the call handlers need no native stack frame).
///
/// # Safety
/// `fp + base` is inside the value stack; `entry` is `f`'s.
#[inline(always)]
unsafe fn push_frame(f: *const FuncEntity, entry: CallEntry, base: Slot, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let fp = r.fp.add(base.0 as usize);
        let room = (c.stack_end as usize - fp as usize) / 8;
        let depth = c.frames.len();
        // `frames` was reserved up to `max_frames` before the first call, so
        // the write below stays within its capacity.
        if depth >= c.max_frames || room < entry.frame_slots as usize {
            return Err(Exit::trap(TrapCode::StackOverflow));
        }
        c.frames.as_mut_ptr().add(depth).write(Frame {
            ret_ip: r.ip,
            ret_fp: r.fp,
            ret_instance: c.instance,
            func: f,
        });
        c.frames.set_len(depth + 1);
        zero(fp.add(entry.param_slots as usize), entry.local_slots as usize);
        r.fp = fp;
        r.ip = entry.ip;
    }
    Ok(())
}

/// Zeroes `n` slots with plain stores: most functions have a few locals,
/// and a `memset` call would force a native frame on every call handler.
#[inline(always)]
unsafe fn zero(p: *mut u64, n: usize) {
    for i in 0..n {
        // SAFETY: the caller checked the frame fits; volatile keeps LLVM
        // from turning the loop back into a `memset` call.
        unsafe { p.add(i).write_volatile(0) };
    }
}

/// Call of a function defined in the running instance: always wasm code.
#[inline(always)]
pub(crate) unsafe fn call(o: Call, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let f = *c.funcs.add(o.func.0 as usize);
        let FuncKind::Wasm { entry, .. } = &(*f).kind else { std::hint::unreachable_unchecked() };
        push_frame(f, entry.get(), o.base, r, c)
    }
}

/// Call of an imported function: wasm of another instance, or the host.
#[inline(always)]
pub(crate) unsafe fn call_import(o: Call, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let inst = &*c.instance;
        let f = *inst.funcs.get_unchecked(o.func.0 as usize);
        enter(f, o.base, r, c)
    }
}

#[inline(always)]
pub(crate) unsafe fn call_indirect(o: CallIndirect, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: table and type indices were validated; the element index is
    // bounds-checked here.
    unsafe {
        let inst = &*c.instance;
        let table = &**inst.tables.get_unchecked(o.table.0 as usize);
        let i = get(r.fp, o.index) as u32 as usize;
        let Some(&bits) = table.elems.get(i) else {
            return Err(Exit::trap(TrapCode::UndefinedElement));
        };
        let f = bits as *const FuncEntity;
        if f.is_null() {
            return Err(Exit::trap(TrapCode::IndirectCallToNull));
        }
        if (*f).sig != *inst.sigs.get_unchecked(o.ty.0 as usize) {
            return Err(Exit::trap(TrapCode::BadSignature));
        }
        enter(f, o.base, r, c)
    }
}

/// Enters any function `f` whose arguments are at `fp + base`; a `Slot`
/// function enters the function its table element holds.
///
/// # Safety
/// `f` is a live function of this store; `base` is inside the caller's
/// frame with the arguments in place.
#[inline(always)]
pub(crate) unsafe fn enter(mut f: *const FuncEntity, base: Slot, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        if let FuncKind::Slot { table, index } = &(*f).kind {
            f = slot_target(f, *table, *index)?;
        }
        match &(*f).kind {
            FuncKind::Wasm { instance, entry, .. } => {
                push_frame(f, entry.get(), base, r, c)?;
                if *instance != c.instance {
                    c.set_instance(*instance);
                    c.reload_memory(r);
                }
                Ok(())
            }
            FuncKind::Host { .. } => call_host(f, base, r, c),
            // `slot_target` never returns a `Slot` function.
            FuncKind::Slot { .. } => std::hint::unreachable_unchecked(),
        }
    }
}

/// The function that `Slot` function `f` currently calls: element `index`
/// of `table`, checked to exist, to be a wasm or host function (never
/// another slot), and to have `f`'s signature.
///
/// # Safety
/// `f` is a live function of this store and `table` its live table.
#[inline(always)]
pub(crate) unsafe fn slot_target(
    f: *const FuncEntity,
    table: *mut TableEntity,
    index: u32,
) -> Result<*const FuncEntity, Exit> {
    unsafe {
        let table = &*table;
        let Some(&bits) = table.elems.get(index as usize) else {
            return Err(Exit::trap(TrapCode::UndefinedElement));
        };
        let g = bits as *const FuncEntity;
        if g.is_null() || matches!((*g).kind, FuncKind::Slot { .. }) {
            return Err(Exit::trap(TrapCode::UnresolvedSymbol));
        }
        if (*g).sig != (*f).sig {
            return Err(Exit::trap(TrapCode::BadSignature));
        }
        Ok(g)
    }
}

/// The first instruction of a function not lowered yet: lowers it, then
/// continues into it. Runs in the callee's frame, which `push_frame` set up
/// for the stub (no locals, no slots).
#[inline(always)]
pub(crate) unsafe fn lazy_compile(_o: Nullary, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let f = c.frames.last().unwrap_unchecked().func;
        let code = &*compile_lazily(f, c)?;
        let room = (c.stack_end as usize - r.fp as usize) / 8;
        if room < code.frame_slots as usize {
            return Err(Exit::trap(TrapCode::StackOverflow));
        }
        zero(r.fp.add(code.param_slots as usize), code.local_slots as usize);
        r.ip = code.code.as_ptr() as *const u8;
    }
    Ok(())
}

/// Lowers a function on its first call (lazy mode).
#[cold]
#[inline(never)]
unsafe fn compile_lazily(f: *const FuncEntity, c: &mut Ctx) -> Result<*const FuncCode, Exit> {
    // SAFETY: `f` is a live wasm function.
    match unsafe { crate::runtime::store::compile_func(&*f) } {
        Ok(p) => Ok(p),
        Err(e) => {
            c.error = Some(e);
            Err(Exit::ERROR)
        }
    }
}

/// Calls a host function with its arguments at `fp + base`; it writes its
/// results there. Inlined into the call handlers; the host call itself is
/// out of line and never sees `r`.
#[inline(always)]
unsafe fn call_host(f: *const FuncEntity, base: Slot, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let args = r.fp.add(base.0 as usize);
        host_call(f, args, r.ip, r.fp, c)?;
        c.reload_memory(r);
    }
    Ok(())
}

#[inline(never)]
unsafe fn host_call(f: *const FuncEntity, args: *mut u64, ip: *const u8, fp: *mut u64, c: &mut Ctx) -> Res {
    unsafe {
        let FuncKind::Host { func, slots } = &(*f).kind else { std::hint::unreachable_unchecked() };
        let room = (c.stack_end as usize - args as usize) / 8;
        if room < *slots as usize || c.frames.len() >= c.max_frames {
            return Err(Exit::trap(TrapCode::StackOverflow));
        }
        let saved_top = c.top;
        let instance = c.instance;
        c.top = args.add(*slots as usize);
        c.frames.push(Frame { ret_ip: ip, ret_fp: fp, ret_instance: instance, func: f });
        let store = c.store;
        let ctx: *mut Ctx = c;
        // The host function may re-enter wasm through `ctx` (it reaches the
        // store); nothing of `c` is used until it returns.
        let slots = std::slice::from_raw_parts_mut(args, *slots as usize);
        let result = crate::runtime::store::call_host_fn(&**func, store, instance, slots);
        let c = &mut *ctx;
        c.frames.pop();
        c.top = saved_top;
        c.set_instance(instance);
        result.map_err(|e| {
            c.error = Some(e);
            Exit::ERROR
        })
    }
}
