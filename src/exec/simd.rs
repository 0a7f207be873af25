//! Fixed-width SIMD: handler bodies over `v128` values and the lane-wise
//! operation functions the instruction table applies them to. A `v128`
//! lives in two adjacent slots (low half first) and is a `u128` here.
//!
//! The operations (`simd/ops.rs`) are portable scalar Rust over
//! little-endian lane arrays. On x86-64 many have SSE2 forms (`simd/sse.rs`)
//! that shadow them here; the `simd-scalar` feature forces the portable path.

use super::{get, set, Ctx, Exit, Regs, Res};
use crate::error::TrapCode;
use crate::ir::shapes::{
    BinSS, Const128, Lane, LaneSet, Load, LoadLane, Shuffle, Slot, Store, StoreLane, Tern, Un,
};

mod ops;
pub(crate) use ops::*;

#[cfg(all(target_arch = "x86_64", not(feature = "simd-scalar")))]
mod sse;
// An explicit import shadows the glob above: these names resolve to the
// SSE forms.
#[cfg(all(target_arch = "x86_64", not(feature = "simd-scalar")))]
pub(crate) use sse::{
    f32x4_add, f32x4_convert_i32x4_s, f32x4_div, f32x4_eq, f32x4_ge, f32x4_gt, f32x4_le, f32x4_lt, f32x4_mul,
    f32x4_ne, f32x4_pmax, f32x4_pmin, f32x4_sqrt, f32x4_sub, f64x2_add, f64x2_div, f64x2_eq, f64x2_ge,
    f64x2_gt, f64x2_le, f64x2_lt, f64x2_mul, f64x2_ne, f64x2_pmax, f64x2_pmin, f64x2_sqrt, f64x2_sub,
    i16x8_add, i16x8_add_sat_s, i16x8_add_sat_u, i16x8_all_true, i16x8_avgr_u, i16x8_bitmask, i16x8_eq,
    i16x8_extend_high_i8x16_s, i16x8_extend_high_i8x16_u, i16x8_extend_low_i8x16_s, i16x8_extend_low_i8x16_u,
    i16x8_ge_s, i16x8_gt_s, i16x8_le_s, i16x8_lt_s, i16x8_max_s, i16x8_min_s, i16x8_mul,
    i16x8_narrow_i32x4_s, i16x8_ne, i16x8_shl, i16x8_shr_s, i16x8_shr_u, i16x8_sub, i16x8_sub_sat_s,
    i16x8_sub_sat_u, i32x4_add, i32x4_all_true, i32x4_bitmask, i32x4_dot_i16x8_s, i32x4_eq,
    i32x4_extend_high_i16x8_s, i32x4_extend_high_i16x8_u, i32x4_extend_low_i16x8_s, i32x4_extend_low_i16x8_u,
    i32x4_ge_s, i32x4_gt_s, i32x4_le_s, i32x4_lt_s, i32x4_ne, i32x4_shl, i32x4_shr_s, i32x4_shr_u, i32x4_sub,
    i64x2_add, i64x2_bitmask, i64x2_shl, i64x2_shr_u, i64x2_sub, i8x16_add, i8x16_add_sat_s, i8x16_add_sat_u,
    i8x16_all_true, i8x16_avgr_u, i8x16_bitmask, i8x16_eq, i8x16_ge_s, i8x16_gt_s, i8x16_le_s, i8x16_lt_s,
    i8x16_max_u, i8x16_min_u, i8x16_narrow_i16x8_s, i8x16_narrow_i16x8_u, i8x16_ne, i8x16_shuffle, i8x16_sub,
    i8x16_sub_sat_s, i8x16_sub_sat_u, i8x16_swizzle,
};

// ---- slots ----

/// Reads the v128 at `s` (slots `s` and `s + 1`).
///
/// # Safety
/// Both slots are inside the frame (lowering gives a v128 two slots).
#[inline(always)]
unsafe fn get128(fp: *mut u64, s: Slot) -> u128 {
    unsafe { get(fp, s) as u128 | (get(fp, Slot(s.0 + 1)) as u128) << 64 }
}

/// Writes the v128 at `s`. Same contract as [`get128`].
#[inline(always)]
unsafe fn set128(fp: *mut u64, s: Slot, v: u128) {
    unsafe {
        set(fp, s, v as u64);
        set(fp, Slot(s.0 + 1), (v >> 64) as u64);
    }
}

// ---- handler bodies ----
// Every body reads all its operands before it writes the result: the
// destination may be one of the operands (a `local.set` retargets it).

#[inline(always)]
pub(crate) unsafe fn const128(o: Const128, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe { set128(r.fp, o.dst, o.lo.0 as u128 | (o.hi.0 as u128) << 64) };
    Ok(())
}

/// `dst = f(src)`, v128 to v128.
#[inline(always)]
pub(crate) unsafe fn un(o: Un, r: &mut Regs, _c: &mut Ctx, f: impl Fn(u128) -> u128) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe { set128(r.fp, o.dst, f(get128(r.fp, o.src))) };
    Ok(())
}

/// `dst = f(a, b)`, v128 operands.
#[inline(always)]
pub(crate) unsafe fn bin(o: BinSS, r: &mut Regs, _c: &mut Ctx, f: impl Fn(u128, u128) -> u128) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe {
        let v = f(get128(r.fp, o.a), get128(r.fp, o.b));
        set128(r.fp, o.dst, v);
    }
    Ok(())
}

/// `dst = f(a, b, c)`, v128 operands.
#[inline(always)]
pub(crate) unsafe fn tern(o: Tern, r: &mut Regs, _c: &mut Ctx, f: impl Fn(u128, u128, u128) -> u128) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe {
        let v = f(get128(r.fp, o.a), get128(r.fp, o.b), get128(r.fp, o.c));
        set128(r.fp, o.dst, v);
    }
    Ok(())
}

/// `dst = f(src)`: a v128 reduced to an i32 (`any_true`, `bitmask`, ...).
#[inline(always)]
pub(crate) unsafe fn test(o: Un, r: &mut Regs, _c: &mut Ctx, f: impl Fn(u128) -> u32) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe { set(r.fp, o.dst, f(get128(r.fp, o.src)) as u64) };
    Ok(())
}

/// `dst = f(src)`: a scalar slot spread over the lanes.
#[inline(always)]
pub(crate) unsafe fn splat(o: Un, r: &mut Regs, _c: &mut Ctx, f: impl Fn(u64) -> u128) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe { set128(r.fp, o.dst, f(get(r.fp, o.src))) };
    Ok(())
}

/// `dst = f(a, b)`: a v128 shifted by an i32 count.
#[inline(always)]
pub(crate) unsafe fn shift(o: BinSS, r: &mut Regs, _c: &mut Ctx, f: impl Fn(u128, u32) -> u128) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe {
        let v = f(get128(r.fp, o.a), get(r.fp, o.b) as u32);
        set128(r.fp, o.dst, v);
    }
    Ok(())
}

/// `dst = f(src, lane)`: one lane out as a scalar slot.
#[inline(always)]
pub(crate) unsafe fn extract(o: Lane, r: &mut Regs, _c: &mut Ctx, f: impl Fn(u128, u32) -> u64) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe { set(r.fp, o.dst, f(get128(r.fp, o.src), o.lane.0)) };
    Ok(())
}

/// `dst = f(a, b, lane)`: lane `lane` of `a` replaced by scalar `b`.
#[inline(always)]
pub(crate) unsafe fn replace(
    o: LaneSet,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u128, u64, u32) -> u128,
) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe {
        let v = f(get128(r.fp, o.a), get(r.fp, o.b), o.lane.0);
        set128(r.fp, o.dst, v);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn shuffle(o: Shuffle, r: &mut Regs, _c: &mut Ctx) -> Res {
    // SAFETY: slots are inside the frame.
    unsafe {
        let v = i8x16_shuffle(get128(r.fp, o.a), get128(r.fp, o.b), o.lo.0, o.hi.0);
        set128(r.fp, o.dst, v);
    }
    Ok(())
}

// ---- memory ----

/// Effective address `addr + offset` (no overflow in 64 bits), or a trap
/// unless `n` bytes from there are inside memory.
#[inline(always)]
unsafe fn ea(r: &Regs, addr: Slot, offset: u32, n: u64) -> Result<usize, Exit> {
    let a = unsafe { get(r.fp, addr) } as u32 as u64 + offset as u64;
    if a + n > r.len as u64 {
        return Err(Exit::trap(TrapCode::MemoryOutOfBounds));
    }
    Ok(a as usize)
}

/// `dst = f(mem[addr + offset .. + N])`
#[inline(always)]
pub(crate) unsafe fn load<const N: usize>(
    o: Load,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn([u8; N]) -> u128,
) -> Res {
    unsafe {
        let a = ea(r, o.addr, o.offset.0, N as u64)?;
        // SAFETY: `a + N <= len`, and `mem..mem+len` is accessible memory.
        let bytes = std::ptr::read_unaligned(r.mem.add(a) as *const [u8; N]);
        set128(r.fp, o.dst, f(bytes));
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn store(o: Store, r: &mut Regs, _c: &mut Ctx) -> Res {
    unsafe {
        let a = ea(r, o.addr, o.offset.0, 16)?;
        let v = get128(r.fp, o.src);
        // SAFETY: `a + 16 <= len`, and `mem..mem+len` is accessible memory.
        std::ptr::write_unaligned(r.mem.add(a) as *mut [u8; 16], v.to_le_bytes());
    }
    Ok(())
}

/// `dst = f(src, mem[addr + offset .. + N], lane)`
#[inline(always)]
pub(crate) unsafe fn load_lane<const N: usize>(
    o: LoadLane,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u128, [u8; N], u32) -> u128,
) -> Res {
    unsafe {
        let a = ea(r, o.addr, o.offset.0, N as u64)?;
        // SAFETY: `a + N <= len`, and `mem..mem+len` is accessible memory.
        let bytes = std::ptr::read_unaligned(r.mem.add(a) as *const [u8; N]);
        let v = f(get128(r.fp, o.src), bytes, o.lane.0);
        set128(r.fp, o.dst, v);
    }
    Ok(())
}

/// `mem[addr + offset .. + N] = f(src, lane)`
#[inline(always)]
pub(crate) unsafe fn store_lane<const N: usize>(
    o: StoreLane,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u128, u32) -> [u8; N],
) -> Res {
    unsafe {
        let a = ea(r, o.addr, o.offset.0, N as u64)?;
        let bytes = f(get128(r.fp, o.src), o.lane.0);
        // SAFETY: `a + N <= len`, and `mem..mem+len` is accessible memory.
        std::ptr::write_unaligned(r.mem.add(a) as *mut [u8; N], bytes);
    }
    Ok(())
}
