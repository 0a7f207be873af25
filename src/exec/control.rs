//! Branches, `br_table`, `return`, `unreachable`.

use super::numeric::SlotBits;
pub(crate) use super::numeric::{
    f32_eq, f32_ge, f32_gt, f32_le, f32_lt, f32_ne, f64_eq, f64_ge, f64_gt, f64_le, f64_lt, f64_ne, i32_eq,
    i32_ge_s, i32_ge_u, i32_gt_s, i32_gt_u, i32_le_s, i32_le_u, i32_lt_s, i32_lt_u, i32_ne, i64_eq, i64_eqz,
    i64_ge_s, i64_ge_u, i64_gt_s, i64_gt_u, i64_le_s, i64_le_u, i64_lt_s, i64_lt_u, i64_ne,
};
use super::{get, set, Ctx, Exit, Regs, Res};
use crate::error::TrapCode;
use crate::ir::shapes::{Const, Fuel, Jump, JumpCmp, JumpCmpImm, JumpIf, JumpTable, Nullary, Target, Un};
use crate::ir::Opcode;

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
    // SAFETY: slot inside the frame.
    let cond = unsafe { get(r.fp, o.cond) };
    unsafe { jump_when(r, o.target, cond as u32 != 0) }
}

#[inline(always)]
pub(crate) unsafe fn br_if_eqz(o: JumpIf, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: slot inside the frame.
    let cond = unsafe { get(r.fp, o.cond) };
    unsafe { jump_when(r, o.target, cond as u32 == 0) }
}

/// Marks the path that calls it as unlikely (`std::hint::cold_path`
/// before Rust 1.95): a branch weight, no code.
#[cold]
#[inline]
fn cold() {}

/// Jumps by `target` (relative to the next instruction) when `cond` holds.
///
/// # Safety
/// `target` stays inside the running function (lowering emits only such).
#[inline(always)]
unsafe fn jump_when(r: &mut Regs, target: Target, cond: bool) -> Res {
    if cond {
        r.ip = unsafe { r.ip.offset(target.0 as isize) };
    } else {
        // A real branch, not a select: with a `cmov` the next handler's
        // operand loads wait for the condition (a compare at the end of a
        // float chain in mandelbrot), where a predicted branch lets them
        // start at once.
        cold();
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn br_table(o: JumpTable, r: &mut Regs, _c: &mut Ctx) -> Res {
    unsafe { jump_table(o, r, get(r.fp, o.index) as u32) }
}

/// `br_table` with the index in the accumulator.
#[inline(always)]
pub(crate) unsafe fn br_table_acc(o: JumpTable, r: &mut Regs, _c: &mut Ctx) -> Res {
    unsafe { jump_table(o, r, r.acc as u32) }
}

#[inline(always)]
unsafe fn jump_table(o: JumpTable, r: &mut Regs, index: u32) -> Res {
    // SAFETY: `len + 1` targets follow the fixed part; the index is clamped
    // to the last (default) one.
    unsafe {
        let i = index.min(o.len.0) as usize;
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
    // `r.mem`/`r.len` always describe the running instance's memory (grow,
    // host calls and instance switches reload them), so only a return to
    // another instance needs a reload.
    if f.ret_instance != c.instance {
        c.set_instance(f.ret_instance);
        // SAFETY: the caller's instance is live.
        unsafe { c.reload_memory(r) };
    }
    Ok(())
}

#[inline(always)]
pub(crate) fn i64_nez(a: i64) -> i32 {
    (a != 0) as i32
}

/// Branch when `f(cond)` holds.
#[inline(always)]
pub(crate) unsafe fn br_un<A: SlotBits>(o: JumpIf, r: &mut Regs, _c: &mut Ctx, f: impl Fn(A) -> i32) -> Res {
    // SAFETY: slot inside the frame; target inside the function.
    unsafe { jump_when(r, o.target, f(A::from_bits(get(r.fp, o.cond))) != 0) }
}

/// A compare fused with the branch that consumes it.
#[inline(always)]
pub(crate) unsafe fn br_cmp<A: SlotBits>(
    o: JumpCmp,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, A) -> i32,
) -> Res {
    // SAFETY: slots inside the frame; target inside the function.
    unsafe { jump_when(r, o.target, f(A::from_bits(get(r.fp, o.a)), A::from_bits(get(r.fp, o.b))) != 0) }
}

#[inline(always)]
pub(crate) unsafe fn br_cmp_imm<A: SlotBits>(
    o: JumpCmpImm,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, A) -> i32,
) -> Res {
    // SAFETY: slot inside the frame; target inside the function.
    unsafe { jump_when(r, o.target, f(A::from_bits(get(r.fp, o.a)), A::from_bits(o.imm.0)) != 0) }
}

// ---- the same with the first operand (`cond`/`a`) taken from the
// accumulator: it is the result of the instruction just before ----

#[inline(always)]
pub(crate) unsafe fn br_if_nez_acc(o: JumpIf, r: &mut Regs, _c: &mut Ctx) -> Res {
    let cond = r.acc as u32 != 0;
    // SAFETY: target inside the function.
    unsafe { jump_when(r, o.target, cond) }
}

#[inline(always)]
pub(crate) unsafe fn br_if_eqz_acc(o: JumpIf, r: &mut Regs, _c: &mut Ctx) -> Res {
    let cond = r.acc as u32 == 0;
    // SAFETY: target inside the function.
    unsafe { jump_when(r, o.target, cond) }
}

#[inline(always)]
pub(crate) unsafe fn br_un_acc<A: SlotBits>(
    o: JumpIf,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A) -> i32,
) -> Res {
    let cond = f(A::from_acc(r)) != 0;
    // SAFETY: target inside the function.
    unsafe { jump_when(r, o.target, cond) }
}

#[inline(always)]
pub(crate) unsafe fn br_cmp_acc<A: SlotBits>(
    o: JumpCmp,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, A) -> i32,
) -> Res {
    // SAFETY: slot inside the frame; target inside the function.
    unsafe { jump_when(r, o.target, f(A::from_acc(r), A::from_bits(get(r.fp, o.b))) != 0) }
}

#[inline(always)]
pub(crate) unsafe fn br_cmp_imm_acc<A: SlotBits>(
    o: JumpCmpImm,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, A) -> i32,
) -> Res {
    let cond = f(A::from_acc(r), A::from_bits(o.imm.0)) != 0;
    // SAFETY: target inside the function.
    unsafe { jump_when(r, o.target, cond) }
}

#[inline(always)]
pub(crate) unsafe fn br_cmp_not_acc<A: SlotBits>(
    o: JumpCmp,
    r: &mut Regs,
    c: &mut Ctx,
    f: impl Fn(A, A) -> i32,
) -> Res {
    unsafe { br_cmp_acc(o, r, c, |a, b| (f(a, b) == 0) as i32) }
}

#[inline(always)]
pub(crate) unsafe fn br_cmp_imm_not_acc<A: SlotBits>(
    o: JumpCmpImm,
    r: &mut Regs,
    c: &mut Ctx,
    f: impl Fn(A, A) -> i32,
) -> Res {
    unsafe { br_cmp_imm_acc(o, r, c, |a, b| (f(a, b) == 0) as i32) }
}

/// `return` of one value that is not yet in slot 0.
#[inline(always)]
pub(crate) unsafe fn ret_copy(o: Un, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: slots inside the frame.
    unsafe {
        set(r.fp, o.dst, get(r.fp, o.src));
        ret(Nullary {}, r, c)
    }
}

/// `return` of one constant.
#[inline(always)]
pub(crate) unsafe fn ret_const(o: Const, r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: slot inside the frame.
    unsafe {
        set(r.fp, o.dst, o.imm.0);
        ret(Nullary {}, r, c)
    }
}

/// Charges fuel (emitted only when the engine counts it). With too little
/// left it charges nothing and stops *before* itself: `Ctx::fuel_stop`
/// records this instruction, so a resumable call continues by running it
/// again once fuel was added.
#[inline(always)]
pub(crate) unsafe fn consume_fuel(o: Fuel, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe { check_interrupt(o, r, c)? };
    let amount = o.amount.0 as u64;
    if c.fuel < amount {
        // SAFETY: `r.ip` was advanced past this instruction, which starts
        // exactly `size()` bytes earlier.
        let at = unsafe { r.ip.sub(Opcode::ConsumeFuel.size()) };
        return Err(out_of_fuel(c, at, r.fp, amount));
    }
    c.fuel -= amount;
    Ok(())
}

/// Records where fuel ran out. Out of line and given plain values (never
/// `r`), so the handler keeps ending in a sibling call.
#[cold]
#[inline(never)]
fn out_of_fuel(c: &mut Ctx, ip: *const u8, fp: *mut u64, needed: u64) -> Exit {
    c.fuel_stop = super::FuelStop { ip, fp, needed };
    Exit::trap(TrapCode::OutOfFuel)
}

/// Branch when `f(a, b)` does not hold (float compares: NaN makes the
/// negation differ from the opposite compare).
#[inline(always)]
pub(crate) unsafe fn br_cmp_not<A: SlotBits>(
    o: JumpCmp,
    r: &mut Regs,
    c: &mut Ctx,
    f: impl Fn(A, A) -> i32,
) -> Res {
    unsafe { br_cmp(o, r, c, |a, b| (f(a, b) == 0) as i32) }
}

#[inline(always)]
pub(crate) unsafe fn br_cmp_imm_not<A: SlotBits>(
    o: JumpCmpImm,
    r: &mut Regs,
    c: &mut Ctx,
    f: impl Fn(A, A) -> i32,
) -> Res {
    unsafe { br_cmp_imm(o, r, c, |a, b| (f(a, b) == 0) as i32) }
}

/// Traps when another thread called `Engine::interrupt` (emitted only when
/// the engine is interruptible).
#[inline(always)]
pub(crate) unsafe fn check_interrupt(_o: Fuel, _r: &mut Regs, c: &mut Ctx) -> Res {
    // SAFETY: the flag lives in the engine, which the store keeps alive.
    let flag = unsafe { &*c.interrupt };
    if flag.load(std::sync::atomic::Ordering::Relaxed) {
        flag.store(false, std::sync::atomic::Ordering::Relaxed);
        return Err(Exit::trap(TrapCode::Interrupted));
    }
    Ok(())
}
