//! Branches, `br_table`, `return`, `unreachable`.

use super::{get, Ctx, Exit, Regs, Res};
use crate::error::TrapCode;
use crate::ir::shapes::{Jump, JumpIf, JumpTable, Nullary};

#[inline(always)]
pub(crate) unsafe fn unreachable(_o: Nullary, _r: &mut Regs, _c: &mut Ctx) -> Res {
    Err(Exit::trap(TrapCode::Unreachable))
}

#[inline(always)]
pub(crate) unsafe fn br(o: Jump, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: lowering resolved the target to an instruction of this function.
    r.ip = unsafe { r.ip.offset(o.target.0 as isize) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn br_if_nez(o: JumpIf, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: slot inside the frame; target inside the function.
    unsafe {
        if get(r.fp, o.cond) as u32 != 0 {
            r.ip = r.ip.offset(o.target.0 as isize);
        }
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn br_if_eqz(o: JumpIf, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: slot inside the frame; target inside the function.
    unsafe {
        if get(r.fp, o.cond) as u32 == 0 {
            r.ip = r.ip.offset(o.target.0 as isize);
        }
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn br_table(o: JumpTable, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: `len + 1` targets follow the fixed part; the index is clamped
    // to the last (default) one.
    unsafe {
        let i = (get(r.fp, o.index) as u32).min(o.len.0) as usize;
        let rel = std::ptr::read_unaligned((r.ip as *const i32).add(i));
        r.ip = r.ip.offset(rel as isize);
    }
    Ok(())
}

/// Returns to the caller; results are already in slots `0..n` of this
/// frame, which the caller sees at its call's `base`.
#[inline(always)]
pub(crate) unsafe fn ret(_o: Nullary, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: every running function has a frame on `frames` (pushed by the
    // call or by the host entry).
    let f = unsafe { c.frames.pop().unwrap_unchecked() };
    if f.ret_ip.is_null() {
        return Err(Exit::DONE);
    }
    r.ip = f.ret_ip;
    r.fp = f.ret_fp;
    c.instance = f.ret_instance;
    // SAFETY: the caller's instance is live.
    unsafe { c.reload_memory(r) };
    Ok(())
}
