//! Copies, constants, globals and `select`.

use super::{get, set, Ctx, Regs, Res};
use crate::ir::shapes::{Const, Global, Select, Slot, Un};

#[inline(always)]
pub(crate) unsafe fn copy(o: Un, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: slots are inside the frame (see `exec::get`).
    unsafe { set(r.fp, o.dst, get(r.fp, o.src)) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn copy_acc(o: Un, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: as `copy`; `r.acc` holds the bits of slot `o.src` (lowering).
    unsafe { set(r.fp, o.dst, r.acc) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn copy_facc(o: Un, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: as `copy`; `r.facc` holds the f64 in slot `o.src` (lowering).
    unsafe { set(r.fp, o.dst, r.facc.to_bits()) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn copy128(o: Un, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: a v128 operand owns two adjacent slots inside the frame.
    unsafe {
        let lo = get(r.fp, o.src);
        let hi = get(r.fp, Slot(o.src.0 + 1));
        set(r.fp, o.dst, lo);
        set(r.fp, Slot(o.dst.0 + 1), hi);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn constant(o: Const, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe { set(r.fp, o.dst, o.imm.0) };
    Ok(())
}

/// The cell of global `index` of the running instance.
///
/// # Safety
/// `index` was validated against the instance's globals.
#[inline(always)]
unsafe fn cell(c: &Ctx, index: u32) -> *mut [u64; 2] {
    unsafe {
        let inst = &*c.instance;
        &raw mut (**inst.globals.get_unchecked(index as usize)).value
    }
}

#[inline(always)]
pub(crate) unsafe fn global_get(o: Global, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: validated global index; slot inside the frame.
    unsafe { set(r.fp, o.slot, (*cell(c, o.index.0))[0]) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn global_set(o: Global, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: validated (mutable) global index; slot inside the frame.
    unsafe { (*cell(c, o.index.0))[0] = get(r.fp, o.slot) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn global_get128(o: Global, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: as `global_get`, two slots.
    unsafe {
        let v = *cell(c, o.index.0);
        set(r.fp, o.slot, v[0]);
        set(r.fp, Slot(o.slot.0 + 1), v[1]);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn global_set128(o: Global, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: as `global_set`, two slots.
    unsafe { *cell(c, o.index.0) = [get(r.fp, o.slot), get(r.fp, Slot(o.slot.0 + 1))] };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn select(o: Select, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe {
        let src = if get(r.fp, o.cond) as u32 != 0 { o.a } else { o.b };
        set(r.fp, o.dst, get(r.fp, src));
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn select128(o: Select, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: slots are inside the frame.
    let src = unsafe {
        if get(r.fp, o.cond) as u32 != 0 {
            o.a
        } else {
            o.b
        }
    };
    unsafe { copy128(Un { dst: o.dst, src }, r, c) }
}
