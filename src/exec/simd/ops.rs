//! The lane-wise operation functions of the SIMD instructions: portable
//! scalar Rust over little-endian lane arrays, with the spec's semantics.
//! `sse.rs` replaces some of them on x86-64 (unless `simd-scalar`).

// On x86-64 the SSE forms shadow some of these; they stay as the reference
// the SSE tests compare against, and as the path `simd-scalar` selects.
#![cfg_attr(all(target_arch = "x86_64", not(feature = "simd-scalar")), allow(dead_code))]

use crate::exec::numeric as num;

// ---- lanes ----

/// A lane type: a fixed-width little-endian integer or float.
pub(crate) trait LaneTy: Copy {
    const BYTES: usize;
    fn read(b: &[u8]) -> Self;
    fn write(self, b: &mut [u8]);
}

macro_rules! lane_ty {
    ($($t:ty),*) => {$(
        impl LaneTy for $t {
            const BYTES: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn read(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                <$t>::from_le_bytes(a)
            }
            #[inline(always)]
            fn write(self, b: &mut [u8]) {
                b.copy_from_slice(&self.to_le_bytes())
            }
        }
    )*};
}
lane_ty!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);

/// Lane `i` of `v` as a `T`.
#[inline(always)]
fn lane<T: LaneTy>(v: u128, i: usize) -> T {
    let b = v.to_le_bytes();
    T::read(&b[i * T::BYTES..(i + 1) * T::BYTES])
}

/// Builds a v128 from `16 / T::BYTES` lanes computed by `f(i)`.
#[inline(always)]
fn build<T: LaneTy>(f: impl Fn(usize) -> T) -> u128 {
    let mut out = [0u8; 16];
    for i in 0..16 / T::BYTES {
        f(i).write(&mut out[i * T::BYTES..(i + 1) * T::BYTES]);
    }
    u128::from_le_bytes(out)
}

#[inline(always)]
fn map<T: LaneTy>(a: u128, f: impl Fn(T) -> T) -> u128 {
    build::<T>(|i| f(lane(a, i)))
}

#[inline(always)]
fn zip<T: LaneTy>(a: u128, b: u128, f: impl Fn(T, T) -> T) -> u128 {
    build::<T>(|i| f(lane(a, i), lane(b, i)))
}

/// Lane-wise compare: all ones where `f` holds, zeros elsewhere.
#[inline(always)]
fn cmp<T: LaneTy>(a: u128, b: u128, f: impl Fn(T, T) -> bool) -> u128 {
    let mut out = [0u8; 16];
    for i in 0..16 / T::BYTES {
        if f(lane(a, i), lane(b, i)) {
            out[i * T::BYTES..(i + 1) * T::BYTES].fill(0xff);
        }
    }
    u128::from_le_bytes(out)
}

/// Whether every `T` lane is nonzero (`T` unsigned).
#[inline(always)]
fn all_true<T: LaneTy + PartialEq + Default>(a: u128) -> u32 {
    (0..16 / T::BYTES).all(|i| lane::<T>(a, i) != T::default()) as u32
}

/// The top bit of each lane of width `bits`, lane `i` at bit `i`.
#[inline(always)]
fn bitmask(a: u128, bits: u32) -> u32 {
    let mut m = 0;
    for i in 0..128 / bits {
        m |= ((a >> (i * bits + bits - 1)) as u32 & 1) << i;
    }
    m
}

// ---- memory operations ----

#[inline(always)]
pub(crate) fn v128_load(b: [u8; 16]) -> u128 {
    u128::from_le_bytes(b)
}

macro_rules! load_extend {
    ($($name:ident: $from:ty => $to:ty;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(b: [u8; 8]) -> u128 {
            let v = u64::from_le_bytes(b) as u128;
            build::<$to>(|i| lane::<$from>(v, i) as $to)
        }
    )*};
}
load_extend! {
    v128_load8x8_s: i8 => i16;
    v128_load8x8_u: u8 => u16;
    v128_load16x4_s: i16 => i32;
    v128_load16x4_u: u16 => u32;
    v128_load32x2_s: i32 => i64;
    v128_load32x2_u: u32 => u64;
}

macro_rules! load_splat {
    ($($name:ident: $n:literal => $t:ty;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(b: [u8; $n]) -> u128 {
            let x = <$t>::from_le_bytes(b);
            build::<$t>(|_| x)
        }
    )*};
}
load_splat! {
    v128_load8_splat: 1 => u8;
    v128_load16_splat: 2 => u16;
    v128_load32_splat: 4 => u32;
    v128_load64_splat: 8 => u64;
}

#[inline(always)]
pub(crate) fn v128_load32_zero(b: [u8; 4]) -> u128 {
    u32::from_le_bytes(b) as u128
}
#[inline(always)]
pub(crate) fn v128_load64_zero(b: [u8; 8]) -> u128 {
    u64::from_le_bytes(b) as u128
}

/// Lane `lane` of `v` (lanes of `N` bytes) replaced by `x`'s bits.
#[inline(always)]
fn with_lane<const N: usize>(v: u128, x: u128, lane: u32) -> u128 {
    let bits = 8 * N as u32;
    let sh = (lane % (16 / N as u32)) * bits;
    let mask = (u128::MAX >> (128 - bits)) << sh;
    (v & !mask) | ((x << sh) & mask)
}

/// Lane `lane` of `v` (lanes of `N` bytes), zero-extended.
#[inline(always)]
fn lane_bits<const N: usize>(v: u128, lane: u32) -> u128 {
    let bits = 8 * N as u32;
    let sh = (lane % (16 / N as u32)) * bits;
    (v >> sh) & (u128::MAX >> (128 - bits))
}

macro_rules! mem_lane {
    ($($load:ident, $store:ident: $n:literal, $t:ty;)*) => {$(
        #[inline(always)]
        pub(crate) fn $load(v: u128, b: [u8; $n], lane: u32) -> u128 {
            with_lane::<$n>(v, <$t>::from_le_bytes(b) as u128, lane)
        }
        #[inline(always)]
        pub(crate) fn $store(v: u128, lane: u32) -> [u8; $n] {
            (lane_bits::<$n>(v, lane) as $t).to_le_bytes()
        }
    )*};
}
mem_lane! {
    v128_load8_lane, v128_store8_lane: 1, u8;
    v128_load16_lane, v128_store16_lane: 2, u16;
    v128_load32_lane, v128_store32_lane: 4, u32;
    v128_load64_lane, v128_store64_lane: 8, u64;
}

// ---- splat, lanes, shuffles ----

#[inline(always)]
pub(crate) fn i8x16_splat(x: u64) -> u128 {
    build::<u8>(|_| x as u8)
}
#[inline(always)]
pub(crate) fn i16x8_splat(x: u64) -> u128 {
    build::<u16>(|_| x as u16)
}
#[inline(always)]
pub(crate) fn i32x4_splat(x: u64) -> u128 {
    build::<u32>(|_| x as u32)
}
#[inline(always)]
pub(crate) fn i64x2_splat(x: u64) -> u128 {
    x as u128 | (x as u128) << 64
}

#[inline(always)]
pub(crate) fn i8x16_extract_lane_s(v: u128, lane: u32) -> u64 {
    lane_bits::<1>(v, lane) as i8 as i32 as u32 as u64
}
#[inline(always)]
pub(crate) fn i8x16_extract_lane_u(v: u128, lane: u32) -> u64 {
    lane_bits::<1>(v, lane) as u64
}
#[inline(always)]
pub(crate) fn i16x8_extract_lane_s(v: u128, lane: u32) -> u64 {
    lane_bits::<2>(v, lane) as i16 as i32 as u32 as u64
}
#[inline(always)]
pub(crate) fn i16x8_extract_lane_u(v: u128, lane: u32) -> u64 {
    lane_bits::<2>(v, lane) as u64
}
#[inline(always)]
pub(crate) fn i32x4_extract_lane(v: u128, lane: u32) -> u64 {
    lane_bits::<4>(v, lane) as u64
}
#[inline(always)]
pub(crate) fn i64x2_extract_lane(v: u128, lane: u32) -> u64 {
    lane_bits::<8>(v, lane) as u64
}

#[inline(always)]
pub(crate) fn i8x16_replace_lane(v: u128, x: u64, lane: u32) -> u128 {
    with_lane::<1>(v, x as u128, lane)
}
#[inline(always)]
pub(crate) fn i16x8_replace_lane(v: u128, x: u64, lane: u32) -> u128 {
    with_lane::<2>(v, x as u128, lane)
}
#[inline(always)]
pub(crate) fn i32x4_replace_lane(v: u128, x: u64, lane: u32) -> u128 {
    with_lane::<4>(v, x as u128, lane)
}
#[inline(always)]
pub(crate) fn i64x2_replace_lane(v: u128, x: u64, lane: u32) -> u128 {
    with_lane::<8>(v, x as u128, lane)
}

/// Lane `i` of the result is byte `idx[i]` of `a ++ b` (indices < 32,
/// checked by validation; `lo`/`hi` hold the 16 index bytes).
#[inline(always)]
pub(crate) fn i8x16_shuffle(a: u128, b: u128, lo: u64, hi: u64) -> u128 {
    let idx = (lo as u128 | (hi as u128) << 64).to_le_bytes();
    let (a, b) = (a.to_le_bytes(), b.to_le_bytes());
    build::<u8>(|i| {
        let j = idx[i] as usize & 31;
        if j < 16 {
            a[j]
        } else {
            b[j - 16]
        }
    })
}

#[inline(always)]
pub(crate) fn i8x16_swizzle(a: u128, s: u128) -> u128 {
    let a = a.to_le_bytes();
    build::<u8>(|i| {
        let j = lane::<u8>(s, i) as usize;
        if j < 16 {
            a[j]
        } else {
            0
        }
    })
}

// ---- bitwise ----

#[inline(always)]
pub(crate) fn v128_not(a: u128) -> u128 {
    !a
}
#[inline(always)]
pub(crate) fn v128_and(a: u128, b: u128) -> u128 {
    a & b
}
#[inline(always)]
pub(crate) fn v128_andnot(a: u128, b: u128) -> u128 {
    a & !b
}
#[inline(always)]
pub(crate) fn v128_or(a: u128, b: u128) -> u128 {
    a | b
}
#[inline(always)]
pub(crate) fn v128_xor(a: u128, b: u128) -> u128 {
    a ^ b
}
/// Bits of `a` where `m` is set, of `b` elsewhere.
#[inline(always)]
pub(crate) fn v128_bitselect(a: u128, b: u128, m: u128) -> u128 {
    (a & m) | (b & !m)
}
#[inline(always)]
pub(crate) fn v128_any_true(a: u128) -> u32 {
    (a != 0) as u32
}

#[inline(always)]
pub(crate) fn i8x16_all_true(a: u128) -> u32 {
    all_true::<u8>(a)
}
#[inline(always)]
pub(crate) fn i16x8_all_true(a: u128) -> u32 {
    all_true::<u16>(a)
}
#[inline(always)]
pub(crate) fn i32x4_all_true(a: u128) -> u32 {
    all_true::<u32>(a)
}
#[inline(always)]
pub(crate) fn i64x2_all_true(a: u128) -> u32 {
    all_true::<u64>(a)
}
#[inline(always)]
pub(crate) fn i8x16_bitmask(a: u128) -> u32 {
    bitmask(a, 8)
}
#[inline(always)]
pub(crate) fn i16x8_bitmask(a: u128) -> u32 {
    bitmask(a, 16)
}
#[inline(always)]
pub(crate) fn i32x4_bitmask(a: u128) -> u32 {
    bitmask(a, 32)
}
#[inline(always)]
pub(crate) fn i64x2_bitmask(a: u128) -> u32 {
    bitmask(a, 64)
}

// ---- lane-wise arithmetic ----

/// `name(a) -> v128`: `f` on each `T` lane.
macro_rules! lanewise1 {
    ($($name:ident: $t:ty => $f:expr;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128) -> u128 {
            map::<$t>(a, $f)
        }
    )*};
}

/// `name(a, b) -> v128`: `f` on each pair of `T` lanes.
macro_rules! lanewise2 {
    ($($name:ident: $t:ty => $f:expr;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            zip::<$t>(a, b, $f)
        }
    )*};
}

/// `name(a, b) -> v128`: a lane mask of where `f` holds.
macro_rules! compare {
    ($($name:ident: $t:ty => $f:expr;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            cmp::<$t>(a, b, $f)
        }
    )*};
}

/// `name(a, n) -> v128`: a shift of each lane by `n` modulo its width.
macro_rules! shifts {
    ($($name:ident: $t:ty, $bits:literal => $f:ident;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128, n: u32) -> u128 {
            let n = n % $bits;
            map::<$t>(a, |x| x.$f(n))
        }
    )*};
}

/// The integer operations every lane width has.
macro_rules! int_lanes {
    ($s:ty, $u:ty, $bits:literal,
     $eq:ident, $ne:ident, $lt_s:ident, $gt_s:ident, $le_s:ident, $ge_s:ident,
     $abs:ident, $neg:ident, $shl:ident, $shr_s:ident, $shr_u:ident, $add:ident, $sub:ident) => {
        compare! {
            $eq: $u => |a, b| a == b;
            $ne: $u => |a, b| a != b;
            $lt_s: $s => |a, b| a < b;
            $gt_s: $s => |a, b| a > b;
            $le_s: $s => |a, b| a <= b;
            $ge_s: $s => |a, b| a >= b;
        }
        lanewise1! {
            $abs: $s => |a| a.wrapping_abs();
            $neg: $s => |a| a.wrapping_neg();
        }
        shifts! {
            $shl: $u, $bits => wrapping_shl;
            $shr_s: $s, $bits => wrapping_shr;
            $shr_u: $u, $bits => wrapping_shr;
        }
        lanewise2! {
            $add: $u => |a, b| a.wrapping_add(b);
            $sub: $u => |a, b| a.wrapping_sub(b);
        }
    };
}
int_lanes!(
    i8,
    u8,
    8,
    i8x16_eq,
    i8x16_ne,
    i8x16_lt_s,
    i8x16_gt_s,
    i8x16_le_s,
    i8x16_ge_s,
    i8x16_abs,
    i8x16_neg,
    i8x16_shl,
    i8x16_shr_s,
    i8x16_shr_u,
    i8x16_add,
    i8x16_sub
);
int_lanes!(
    i16,
    u16,
    16,
    i16x8_eq,
    i16x8_ne,
    i16x8_lt_s,
    i16x8_gt_s,
    i16x8_le_s,
    i16x8_ge_s,
    i16x8_abs,
    i16x8_neg,
    i16x8_shl,
    i16x8_shr_s,
    i16x8_shr_u,
    i16x8_add,
    i16x8_sub
);
int_lanes!(
    i32,
    u32,
    32,
    i32x4_eq,
    i32x4_ne,
    i32x4_lt_s,
    i32x4_gt_s,
    i32x4_le_s,
    i32x4_ge_s,
    i32x4_abs,
    i32x4_neg,
    i32x4_shl,
    i32x4_shr_s,
    i32x4_shr_u,
    i32x4_add,
    i32x4_sub
);
int_lanes!(
    i64,
    u64,
    64,
    i64x2_eq,
    i64x2_ne,
    i64x2_lt_s,
    i64x2_gt_s,
    i64x2_le_s,
    i64x2_ge_s,
    i64x2_abs,
    i64x2_neg,
    i64x2_shl,
    i64x2_shr_s,
    i64x2_shr_u,
    i64x2_add,
    i64x2_sub
);

compare! {
    i8x16_lt_u: u8 => |a, b| a < b;
    i8x16_gt_u: u8 => |a, b| a > b;
    i8x16_le_u: u8 => |a, b| a <= b;
    i8x16_ge_u: u8 => |a, b| a >= b;
    i16x8_lt_u: u16 => |a, b| a < b;
    i16x8_gt_u: u16 => |a, b| a > b;
    i16x8_le_u: u16 => |a, b| a <= b;
    i16x8_ge_u: u16 => |a, b| a >= b;
    i32x4_lt_u: u32 => |a, b| a < b;
    i32x4_gt_u: u32 => |a, b| a > b;
    i32x4_le_u: u32 => |a, b| a <= b;
    i32x4_ge_u: u32 => |a, b| a >= b;
    f32x4_eq: f32 => |a, b| a == b;
    f32x4_ne: f32 => |a, b| a != b;
    f32x4_lt: f32 => |a, b| a < b;
    f32x4_gt: f32 => |a, b| a > b;
    f32x4_le: f32 => |a, b| a <= b;
    f32x4_ge: f32 => |a, b| a >= b;
    f64x2_eq: f64 => |a, b| a == b;
    f64x2_ne: f64 => |a, b| a != b;
    f64x2_lt: f64 => |a, b| a < b;
    f64x2_gt: f64 => |a, b| a > b;
    f64x2_le: f64 => |a, b| a <= b;
    f64x2_ge: f64 => |a, b| a >= b;
}

lanewise1! {
    i8x16_popcnt: u8 => |a| a.count_ones() as u8;
    f32x4_abs: f32 => num::f32_abs;
    f32x4_neg: f32 => num::f32_neg;
    f32x4_sqrt: f32 => num::f32_sqrt;
    f32x4_ceil: f32 => num::f32_ceil;
    f32x4_floor: f32 => num::f32_floor;
    f32x4_trunc: f32 => num::f32_trunc;
    f32x4_nearest: f32 => num::f32_nearest;
    f64x2_abs: f64 => num::f64_abs;
    f64x2_neg: f64 => num::f64_neg;
    f64x2_sqrt: f64 => num::f64_sqrt;
    f64x2_ceil: f64 => num::f64_ceil;
    f64x2_floor: f64 => num::f64_floor;
    f64x2_trunc: f64 => num::f64_trunc;
    f64x2_nearest: f64 => num::f64_nearest;
}

lanewise2! {
    i8x16_add_sat_s: i8 => |a, b| a.saturating_add(b);
    i8x16_add_sat_u: u8 => |a, b| a.saturating_add(b);
    i8x16_sub_sat_s: i8 => |a, b| a.saturating_sub(b);
    i8x16_sub_sat_u: u8 => |a, b| a.saturating_sub(b);
    i8x16_min_s: i8 => |a, b| a.min(b);
    i8x16_min_u: u8 => |a, b| a.min(b);
    i8x16_max_s: i8 => |a, b| a.max(b);
    i8x16_max_u: u8 => |a, b| a.max(b);
    i8x16_avgr_u: u8 => |a, b| ((a as u16 + b as u16 + 1) >> 1) as u8;
    i16x8_add_sat_s: i16 => |a, b| a.saturating_add(b);
    i16x8_add_sat_u: u16 => |a, b| a.saturating_add(b);
    i16x8_sub_sat_s: i16 => |a, b| a.saturating_sub(b);
    i16x8_sub_sat_u: u16 => |a, b| a.saturating_sub(b);
    i16x8_mul: u16 => |a, b| a.wrapping_mul(b);
    i16x8_min_s: i16 => |a, b| a.min(b);
    i16x8_min_u: u16 => |a, b| a.min(b);
    i16x8_max_s: i16 => |a, b| a.max(b);
    i16x8_max_u: u16 => |a, b| a.max(b);
    i16x8_avgr_u: u16 => |a, b| ((a as u32 + b as u32 + 1) >> 1) as u16;
    i16x8_q15mulr_sat_s: i16 => |a, b| {
        let p = (a as i32 * b as i32 + 0x4000) >> 15;
        p.clamp(i16::MIN as i32, i16::MAX as i32) as i16
    };
    i32x4_mul: u32 => |a, b| a.wrapping_mul(b);
    i32x4_min_s: i32 => |a, b| a.min(b);
    i32x4_min_u: u32 => |a, b| a.min(b);
    i32x4_max_s: i32 => |a, b| a.max(b);
    i32x4_max_u: u32 => |a, b| a.max(b);
    i64x2_mul: u64 => |a, b| a.wrapping_mul(b);
    f32x4_add: f32 => num::f32_add;
    f32x4_sub: f32 => num::f32_sub;
    f32x4_mul: f32 => num::f32_mul;
    f32x4_div: f32 => num::f32_div;
    f32x4_min: f32 => num::f32_min;
    f32x4_max: f32 => num::f32_max;
    f32x4_pmin: f32 => |a, b| if b < a { b } else { a };
    f32x4_pmax: f32 => |a, b| if a < b { b } else { a };
    f64x2_add: f64 => num::f64_add;
    f64x2_sub: f64 => num::f64_sub;
    f64x2_mul: f64 => num::f64_mul;
    f64x2_div: f64 => num::f64_div;
    f64x2_min: f64 => num::f64_min;
    f64x2_max: f64 => num::f64_max;
    f64x2_pmin: f64 => |a, b| if b < a { b } else { a };
    f64x2_pmax: f64 => |a, b| if a < b { b } else { a };
}

// ---- narrowing, widening, pairwise ----

/// Saturating narrow: the lanes of `a`, then those of `b`, each clamped
/// to the narrower type's range.
macro_rules! narrow {
    ($($name:ident: $from:ty => $to:ty, $lo:expr, $hi:expr;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            let half = 16 / std::mem::size_of::<$from>();
            build::<$to>(|i| {
                let x: $from = if i < half { lane(a, i) } else { lane(b, i - half) };
                x.clamp($lo, $hi) as $to
            })
        }
    )*};
}
narrow! {
    i8x16_narrow_i16x8_s: i16 => i8, i8::MIN as i16, i8::MAX as i16;
    i8x16_narrow_i16x8_u: i16 => u8, 0, u8::MAX as i16;
    i16x8_narrow_i32x4_s: i32 => i16, i16::MIN as i32, i16::MAX as i32;
    i16x8_narrow_i32x4_u: i32 => u16, 0, u16::MAX as i32;
}

/// Widening: the low or high half of the lanes, extended.
macro_rules! extend {
    ($($name:ident: $from:ty => $to:ty, $high:literal;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128) -> u128 {
            let first = if $high { 8 / std::mem::size_of::<$from>() } else { 0 };
            build::<$to>(|i| lane::<$from>(a, first + i) as $to)
        }
    )*};
}
extend! {
    i16x8_extend_low_i8x16_s: i8 => i16, false;
    i16x8_extend_high_i8x16_s: i8 => i16, true;
    i16x8_extend_low_i8x16_u: u8 => u16, false;
    i16x8_extend_high_i8x16_u: u8 => u16, true;
    i32x4_extend_low_i16x8_s: i16 => i32, false;
    i32x4_extend_high_i16x8_s: i16 => i32, true;
    i32x4_extend_low_i16x8_u: u16 => u32, false;
    i32x4_extend_high_i16x8_u: u16 => u32, true;
    i64x2_extend_low_i32x4_s: i32 => i64, false;
    i64x2_extend_high_i32x4_s: i32 => i64, true;
    i64x2_extend_low_i32x4_u: u32 => u64, false;
    i64x2_extend_high_i32x4_u: u32 => u64, true;
}

/// Widening multiply of the low or high half of the lanes.
macro_rules! extmul {
    ($($name:ident: $from:ty => $to:ty, $high:literal;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            let first = if $high { 8 / std::mem::size_of::<$from>() } else { 0 };
            build::<$to>(|i| {
                let x = lane::<$from>(a, first + i) as $to;
                x.wrapping_mul(lane::<$from>(b, first + i) as $to)
            })
        }
    )*};
}
extmul! {
    i16x8_extmul_low_i8x16_s: i8 => i16, false;
    i16x8_extmul_high_i8x16_s: i8 => i16, true;
    i16x8_extmul_low_i8x16_u: u8 => u16, false;
    i16x8_extmul_high_i8x16_u: u8 => u16, true;
    i32x4_extmul_low_i16x8_s: i16 => i32, false;
    i32x4_extmul_high_i16x8_s: i16 => i32, true;
    i32x4_extmul_low_i16x8_u: u16 => u32, false;
    i32x4_extmul_high_i16x8_u: u16 => u32, true;
    i64x2_extmul_low_i32x4_s: i32 => i64, false;
    i64x2_extmul_high_i32x4_s: i32 => i64, true;
    i64x2_extmul_low_i32x4_u: u32 => u64, false;
    i64x2_extmul_high_i32x4_u: u32 => u64, true;
}

/// Sum of each adjacent pair of lanes, widened.
macro_rules! extadd_pairwise {
    ($($name:ident: $from:ty => $to:ty;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128) -> u128 {
            build::<$to>(|i| lane::<$from>(a, 2 * i) as $to + lane::<$from>(a, 2 * i + 1) as $to)
        }
    )*};
}
extadd_pairwise! {
    i16x8_extadd_pairwise_i8x16_s: i8 => i16;
    i16x8_extadd_pairwise_i8x16_u: u8 => u16;
    i32x4_extadd_pairwise_i16x8_s: i16 => i32;
    i32x4_extadd_pairwise_i16x8_u: u16 => u32;
}

#[inline(always)]
pub(crate) fn i32x4_dot_i16x8_s(a: u128, b: u128) -> u128 {
    build::<i32>(|i| {
        let p = |j: usize| lane::<i16>(a, j) as i32 * lane::<i16>(b, j) as i32;
        p(2 * i).wrapping_add(p(2 * i + 1))
    })
}

// ---- conversions ----

#[inline(always)]
pub(crate) fn i32x4_trunc_sat_f32x4_s(a: u128) -> u128 {
    build::<i32>(|i| lane::<f32>(a, i) as i32)
}
#[inline(always)]
pub(crate) fn i32x4_trunc_sat_f32x4_u(a: u128) -> u128 {
    build::<u32>(|i| lane::<f32>(a, i) as u32)
}
#[inline(always)]
pub(crate) fn f32x4_convert_i32x4_s(a: u128) -> u128 {
    build::<f32>(|i| lane::<i32>(a, i) as f32)
}
#[inline(always)]
pub(crate) fn f32x4_convert_i32x4_u(a: u128) -> u128 {
    build::<f32>(|i| lane::<u32>(a, i) as f32)
}
/// The two f64 lanes truncated into i32 lanes 0 and 1; lanes 2 and 3 zero.
#[inline(always)]
pub(crate) fn i32x4_trunc_sat_f64x2_s_zero(a: u128) -> u128 {
    build::<i32>(|i| if i < 2 { lane::<f64>(a, i) as i32 } else { 0 })
}
#[inline(always)]
pub(crate) fn i32x4_trunc_sat_f64x2_u_zero(a: u128) -> u128 {
    build::<u32>(|i| if i < 2 { lane::<f64>(a, i) as u32 } else { 0 })
}
#[inline(always)]
pub(crate) fn f64x2_convert_low_i32x4_s(a: u128) -> u128 {
    build::<f64>(|i| lane::<i32>(a, i) as f64)
}
#[inline(always)]
pub(crate) fn f64x2_convert_low_i32x4_u(a: u128) -> u128 {
    build::<f64>(|i| lane::<u32>(a, i) as f64)
}
#[inline(always)]
pub(crate) fn f32x4_demote_f64x2_zero(a: u128) -> u128 {
    build::<f32>(|i| if i < 2 { num::f32_demote_f64(lane::<f64>(a, i)) } else { 0.0 })
}
#[inline(always)]
pub(crate) fn f64x2_promote_low_f32x4(a: u128) -> u128 {
    build::<f64>(|i| num::f64_promote_f32(lane::<f32>(a, i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(b: [u8; 16]) -> u128 {
        u128::from_le_bytes(b)
    }

    #[test]
    fn lanes_and_shuffles() {
        let v = bytes(std::array::from_fn(|i| i as u8));
        assert_eq!(i8x16_extract_lane_u(v, 5), 5);
        assert_eq!(i16x8_extract_lane_u(v, 1), 0x0302);
        assert_eq!(i8x16_extract_lane_s(i8x16_splat(0x80), 3) as u32, 0xffff_ff80);
        let w = i32x4_replace_lane(v, 0xdead_beef, 2);
        assert_eq!(i32x4_extract_lane(w, 2), 0xdead_beef);
        assert_eq!(i32x4_extract_lane(w, 3), i32x4_extract_lane(v, 3));
        let rev: [u8; 16] = std::array::from_fn(|i| 31 - i as u8);
        let lo = u64::from_le_bytes(rev[..8].try_into().unwrap());
        let hi = u64::from_le_bytes(rev[8..].try_into().unwrap());
        let b = bytes(std::array::from_fn(|i| 16 + i as u8));
        assert_eq!(i8x16_shuffle(v, b, lo, hi), bytes(rev));
        assert_eq!(i8x16_swizzle(v, i8x16_splat(200)), 0);
    }

    #[test]
    fn integer_ops() {
        assert_eq!(i8x16_add_sat_s(i8x16_splat(100), i8x16_splat(100)), i8x16_splat(127));
        assert_eq!(i8x16_narrow_i16x8_u(i16x8_splat(0xffff), i16x8_splat(300)) >> 64, u64::MAX as u128);
        assert_eq!(i8x16_bitmask(i8x16_splat(0x80)), 0xffff);
        assert_eq!(i16x8_q15mulr_sat_s(i16x8_splat(0x8000), i16x8_splat(0x8000)), i16x8_splat(0x7fff));
        assert_eq!(i32x4_dot_i16x8_s(i16x8_splat(0x8000), i16x8_splat(0x8000)), i32x4_splat(0x8000_0000));
        assert_eq!(i64x2_shr_s(i64x2_splat(u64::MAX), 65), i64x2_splat(u64::MAX));
        assert_eq!(i16x8_extadd_pairwise_i8x16_s(i8x16_splat(0xff)), i16x8_splat(0xfffe));
    }

    #[test]
    fn float_ops() {
        let nan = f32x4_min(i32x4_splat(f32::NAN.to_bits() as u64), i32x4_splat(0));
        assert!(f32::from_bits(i32x4_extract_lane(nan, 0) as u32).is_nan());
        let z = f32x4_pmin(i32x4_splat((-0.0f32).to_bits() as u64), i32x4_splat(0));
        assert_eq!(i32x4_extract_lane(z, 1) as u32, (-0.0f32).to_bits());
        let t = i32x4_trunc_sat_f64x2_u_zero(i64x2_splat((-1.5f64).to_bits()));
        assert_eq!(t, 0);
    }
}
