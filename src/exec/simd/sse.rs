//! SSE2 forms of the lane operations where one or two instructions do what
//! the portable code does lane by lane (SSE2 is part of every x86-64 CPU).
//! Each function computes exactly what its namesake in `ops.rs` computes;
//! the tests below check that on random and edge-case inputs.

use core::arch::x86_64::*;

#[inline(always)]
fn m(v: u128) -> __m128i {
    // SAFETY: both are 16 plain bytes; lane 0 is the low end of both.
    unsafe { std::mem::transmute::<u128, __m128i>(v) }
}

#[inline(always)]
fn v(x: __m128i) -> u128 {
    // SAFETY: as in `m`.
    unsafe { std::mem::transmute::<__m128i, u128>(x) }
}

#[inline(always)]
fn ps(v: u128) -> __m128 {
    // SAFETY: as in `m`.
    unsafe { std::mem::transmute::<u128, __m128>(v) }
}

#[inline(always)]
fn pd(v: u128) -> __m128d {
    // SAFETY: as in `m`.
    unsafe { std::mem::transmute::<u128, __m128d>(v) }
}

#[inline(always)]
fn from_ps(x: __m128) -> u128 {
    // SAFETY: as in `m`.
    unsafe { std::mem::transmute::<__m128, u128>(x) }
}

#[inline(always)]
fn from_pd(x: __m128d) -> u128 {
    // SAFETY: as in `m`.
    unsafe { std::mem::transmute::<__m128d, u128>(x) }
}

/// `name(a, b) = intrinsic(a, b)` on integer vectors; `swap` takes the
/// operands the other way round, `not` inverts the result.
macro_rules! int2 {
    ($($name:ident = $f:ident $(($mode:ident))?;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            // SAFETY: SSE2 is always available on x86-64.
            unsafe { int2!(@apply $f, a, b $(, $mode)?) }
        }
    )*};
    (@apply $f:ident, $a:ident, $b:ident) => { v($f(m($a), m($b))) };
    (@apply $f:ident, $a:ident, $b:ident, swap) => { v($f(m($b), m($a))) };
    (@apply $f:ident, $a:ident, $b:ident, not) => { !v($f(m($a), m($b))) };
    (@apply $f:ident, $a:ident, $b:ident, swap_not) => { !v($f(m($b), m($a))) };
}

int2! {
    i8x16_add = _mm_add_epi8;
    i8x16_sub = _mm_sub_epi8;
    i8x16_add_sat_s = _mm_adds_epi8;
    i8x16_add_sat_u = _mm_adds_epu8;
    i8x16_sub_sat_s = _mm_subs_epi8;
    i8x16_sub_sat_u = _mm_subs_epu8;
    i8x16_min_u = _mm_min_epu8;
    i8x16_max_u = _mm_max_epu8;
    i8x16_avgr_u = _mm_avg_epu8;
    i8x16_eq = _mm_cmpeq_epi8;
    i8x16_ne = _mm_cmpeq_epi8(not);
    i8x16_gt_s = _mm_cmpgt_epi8;
    i8x16_lt_s = _mm_cmpgt_epi8(swap);
    i8x16_le_s = _mm_cmpgt_epi8(not);
    i8x16_ge_s = _mm_cmpgt_epi8(swap_not);
    i8x16_narrow_i16x8_s = _mm_packs_epi16;
    i8x16_narrow_i16x8_u = _mm_packus_epi16;
    i16x8_add = _mm_add_epi16;
    i16x8_sub = _mm_sub_epi16;
    i16x8_add_sat_s = _mm_adds_epi16;
    i16x8_add_sat_u = _mm_adds_epu16;
    i16x8_sub_sat_s = _mm_subs_epi16;
    i16x8_sub_sat_u = _mm_subs_epu16;
    i16x8_mul = _mm_mullo_epi16;
    i16x8_min_s = _mm_min_epi16;
    i16x8_max_s = _mm_max_epi16;
    i16x8_avgr_u = _mm_avg_epu16;
    i16x8_eq = _mm_cmpeq_epi16;
    i16x8_ne = _mm_cmpeq_epi16(not);
    i16x8_gt_s = _mm_cmpgt_epi16;
    i16x8_lt_s = _mm_cmpgt_epi16(swap);
    i16x8_le_s = _mm_cmpgt_epi16(not);
    i16x8_ge_s = _mm_cmpgt_epi16(swap_not);
    i16x8_narrow_i32x4_s = _mm_packs_epi32;
    i32x4_add = _mm_add_epi32;
    i32x4_sub = _mm_sub_epi32;
    i32x4_eq = _mm_cmpeq_epi32;
    i32x4_ne = _mm_cmpeq_epi32(not);
    i32x4_gt_s = _mm_cmpgt_epi32;
    i32x4_lt_s = _mm_cmpgt_epi32(swap);
    i32x4_le_s = _mm_cmpgt_epi32(not);
    i32x4_ge_s = _mm_cmpgt_epi32(swap_not);
    i32x4_dot_i16x8_s = _mm_madd_epi16;
    i64x2_add = _mm_add_epi64;
    i64x2_sub = _mm_sub_epi64;
}

/// `name(a, b) = intrinsic(a, b)` on float vectors (`swap` as in `int2`).
macro_rules! float2 {
    ($($name:ident = $f:ident, $in:ident, $out:ident $(, $swap:ident)?;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            // SAFETY: SSE2 is always available on x86-64.
            unsafe { float2!(@apply $f, $in, $out, a, b $(, $swap)?) }
        }
    )*};
    (@apply $f:ident, $in:ident, $out:ident, $a:ident, $b:ident) => { $out($f($in($a), $in($b))) };
    (@apply $f:ident, $in:ident, $out:ident, $a:ident, $b:ident, swap) => { $out($f($in($b), $in($a))) };
}

// The compares are the ordered forms except `ne` (true when either is NaN),
// as wasm wants. `pmin(a, b) = b < a ? b : a` is `minps(b, a)`, which
// returns its second operand unless the first is less; `pmax` likewise.
float2! {
    f32x4_add = _mm_add_ps, ps, from_ps;
    f32x4_sub = _mm_sub_ps, ps, from_ps;
    f32x4_mul = _mm_mul_ps, ps, from_ps;
    f32x4_div = _mm_div_ps, ps, from_ps;
    f32x4_pmin = _mm_min_ps, ps, from_ps, swap;
    f32x4_pmax = _mm_max_ps, ps, from_ps, swap;
    f32x4_eq = _mm_cmpeq_ps, ps, from_ps;
    f32x4_ne = _mm_cmpneq_ps, ps, from_ps;
    f32x4_lt = _mm_cmplt_ps, ps, from_ps;
    f32x4_gt = _mm_cmpgt_ps, ps, from_ps;
    f32x4_le = _mm_cmple_ps, ps, from_ps;
    f32x4_ge = _mm_cmpge_ps, ps, from_ps;
    f64x2_add = _mm_add_pd, pd, from_pd;
    f64x2_sub = _mm_sub_pd, pd, from_pd;
    f64x2_mul = _mm_mul_pd, pd, from_pd;
    f64x2_div = _mm_div_pd, pd, from_pd;
    f64x2_pmin = _mm_min_pd, pd, from_pd, swap;
    f64x2_pmax = _mm_max_pd, pd, from_pd, swap;
    f64x2_eq = _mm_cmpeq_pd, pd, from_pd;
    f64x2_ne = _mm_cmpneq_pd, pd, from_pd;
    f64x2_lt = _mm_cmplt_pd, pd, from_pd;
    f64x2_gt = _mm_cmpgt_pd, pd, from_pd;
    f64x2_le = _mm_cmple_pd, pd, from_pd;
    f64x2_ge = _mm_cmpge_pd, pd, from_pd;
}

#[inline(always)]
pub(crate) fn f32x4_sqrt(a: u128) -> u128 {
    // SAFETY: SSE2 is always available on x86-64.
    unsafe { from_ps(_mm_sqrt_ps(ps(a))) }
}
#[inline(always)]
pub(crate) fn f64x2_sqrt(a: u128) -> u128 {
    // SAFETY: SSE2 is always available on x86-64.
    unsafe { from_pd(_mm_sqrt_pd(pd(a))) }
}
#[inline(always)]
pub(crate) fn f32x4_convert_i32x4_s(a: u128) -> u128 {
    // SAFETY: SSE2 is always available on x86-64. Rounds to nearest even
    // (the MXCSR default, which nothing in weft changes).
    unsafe { from_ps(_mm_cvtepi32_ps(m(a))) }
}

/// Shifts by a count taken modulo the lane width.
macro_rules! shift {
    ($($name:ident = $f:ident, $bits:literal;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128, n: u32) -> u128 {
            // SAFETY: SSE2 is always available on x86-64.
            unsafe { v($f(m(a), _mm_cvtsi32_si128((n % $bits) as i32))) }
        }
    )*};
}
shift! {
    i16x8_shl = _mm_sll_epi16, 16;
    i16x8_shr_s = _mm_sra_epi16, 16;
    i16x8_shr_u = _mm_srl_epi16, 16;
    i32x4_shl = _mm_sll_epi32, 32;
    i32x4_shr_s = _mm_sra_epi32, 32;
    i32x4_shr_u = _mm_srl_epi32, 32;
    i64x2_shl = _mm_sll_epi64, 64;
    i64x2_shr_u = _mm_srl_epi64, 64;
}

#[inline(always)]
pub(crate) fn i8x16_bitmask(a: u128) -> u32 {
    // SAFETY: SSE2 is always available on x86-64.
    unsafe { _mm_movemask_epi8(m(a)) as u32 }
}
#[inline(always)]
pub(crate) fn i16x8_bitmask(a: u128) -> u32 {
    // Signed saturation keeps each lane's sign in its byte.
    // SAFETY: SSE2 is always available on x86-64.
    unsafe { _mm_movemask_epi8(_mm_packs_epi16(m(a), _mm_setzero_si128())) as u32 & 0xff }
}
#[inline(always)]
pub(crate) fn i32x4_bitmask(a: u128) -> u32 {
    // SAFETY: SSE2 is always available on x86-64.
    unsafe { _mm_movemask_ps(ps(a)) as u32 }
}
#[inline(always)]
pub(crate) fn i64x2_bitmask(a: u128) -> u32 {
    // SAFETY: SSE2 is always available on x86-64.
    unsafe { _mm_movemask_pd(pd(a)) as u32 }
}

/// All lanes nonzero: no lane compares equal to zero.
macro_rules! all_true {
    ($($name:ident = $cmpeq:ident;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128) -> u32 {
            // SAFETY: SSE2 is always available on x86-64.
            unsafe { (_mm_movemask_epi8($cmpeq(m(a), _mm_setzero_si128())) == 0) as u32 }
        }
    )*};
}
all_true! {
    i8x16_all_true = _mm_cmpeq_epi8;
    i16x8_all_true = _mm_cmpeq_epi16;
    i32x4_all_true = _mm_cmpeq_epi32;
}

/// Widening by interleaving: with zeros (unsigned), or with the lanes
/// themselves and an arithmetic shift (signed).
macro_rules! extend {
    ($($name:ident = $unpack:ident, $sra:ident, $bits:literal, $signed:literal;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: u128) -> u128 {
            // SAFETY: SSE2 is always available on x86-64.
            unsafe {
                let a = m(a);
                if $signed {
                    v($sra($unpack(a, a), $bits))
                } else {
                    v($unpack(a, _mm_setzero_si128()))
                }
            }
        }
    )*};
}
extend! {
    i16x8_extend_low_i8x16_s = _mm_unpacklo_epi8, _mm_srai_epi16, 8, true;
    i16x8_extend_high_i8x16_s = _mm_unpackhi_epi8, _mm_srai_epi16, 8, true;
    i16x8_extend_low_i8x16_u = _mm_unpacklo_epi8, _mm_srai_epi16, 8, false;
    i16x8_extend_high_i8x16_u = _mm_unpackhi_epi8, _mm_srai_epi16, 8, false;
    i32x4_extend_low_i16x8_s = _mm_unpacklo_epi16, _mm_srai_epi32, 16, true;
    i32x4_extend_high_i16x8_s = _mm_unpackhi_epi16, _mm_srai_epi32, 16, true;
    i32x4_extend_low_i16x8_u = _mm_unpacklo_epi16, _mm_srai_epi32, 16, false;
    i32x4_extend_high_i16x8_u = _mm_unpackhi_epi16, _mm_srai_epi32, 16, false;
}

// ---- byte shuffles: SSSE3 `pshufb`, detected at run time (x86-64 CPUs
// have had it since 2006; without it the portable code runs) ----

/// `pshufb x, idx`, as inline assembly so that it inlines into the handler
/// (a `#[target_feature]` function would be a call).
///
/// # Safety
/// The CPU has SSSE3 (`ssse3()` said so).
#[inline(always)]
unsafe fn pshufb(x: __m128i, idx: __m128i) -> __m128i {
    let mut x = x;
    // SAFETY: register-only instruction, available per the caller.
    unsafe {
        std::arch::asm!("pshufb {x}, {i}", x = inout(xmm_reg) x, i = in(xmm_reg) idx,
            options(pure, nomem, nostack, preserves_flags));
    }
    x
}

// Out of line, so the handlers' fast path needs no stack frame.
#[cold]
#[inline(never)]
fn swizzle_portable(a: u128, s: u128) -> u128 {
    super::ops::i8x16_swizzle(a, s)
}

#[cold]
#[inline(never)]
fn shuffle_portable(a: u128, b: u128, lo: u64, hi: u64) -> u128 {
    super::ops::i8x16_shuffle(a, b, lo, hi)
}

#[inline(always)]
fn ssse3() -> bool {
    std::arch::is_x86_feature_detected!("ssse3")
}

#[inline(always)]
pub(crate) fn i8x16_swizzle(a: u128, s: u128) -> u128 {
    if !ssse3() {
        return swizzle_portable(a, s);
    }
    // `pshufb` zeroes a lane whose index has bit 7 set and otherwise takes
    // the low 4 bits; a saturating `+ 0x70` sets bit 7 exactly for >= 16.
    // SAFETY: SSE2 is always there, SSSE3 was checked.
    unsafe { v(pshufb(m(a), _mm_adds_epu8(m(s), _mm_set1_epi8(0x70)))) }
}

#[inline(always)]
pub(crate) fn i8x16_shuffle(a: u128, b: u128, lo: u64, hi: u64) -> u128 {
    if !ssse3() {
        return shuffle_portable(a, b, lo, hi);
    }
    // Indices are < 32 (validation). Lanes from `a`: index < 16 (the
    // saturating `+ 0x70` zeroes the others); from `b`: index - 16, which
    // wraps to >= 0xf0 (zeroed) for indices < 16.
    // SAFETY: SSE2 is always there, SSSE3 was checked.
    unsafe {
        let i = m(lo as u128 | (hi as u128) << 64);
        let from_a = pshufb(m(a), _mm_adds_epu8(i, _mm_set1_epi8(0x70)));
        let from_b = pshufb(m(b), _mm_sub_epi8(i, _mm_set1_epi8(16)));
        v(_mm_or_si128(from_a, from_b))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ops;
    use proptest::prelude::*;

    /// Lane patterns that hit the edges: zeros, ones, sign bits, NaNs
    /// (quiet, signalling, negative), infinities, signed zeros.
    fn edgy() -> impl Strategy<Value = u128> {
        let lane32 = prop_oneof![
            Just(0u32),
            Just(u32::MAX),
            Just(0x8000_0000),
            Just(0x7fff_ffff),
            Just(0x7fc0_0000),
            Just(0xffc0_0001),
            Just(0x7f80_0001),
            Just(0x7f80_0000),
            Just(0x0080_8080),
            Just(0x7f7f_ff80),
            any::<u32>(),
        ];
        prop_oneof![
            any::<u128>(),
            prop::array::uniform4(lane32)
                .prop_map(|l| l.iter().rev().fold(0u128, |acc, &x| acc << 32 | x as u128)),
            prop::array::uniform2(prop_oneof![
                Just(0x7ff8_0000_0000_0000u64),
                Just(0x7ff0_0000_0000_0001),
                Just(0x8000_0000_0000_0000),
                Just(0xfff0_0000_0000_0000),
                any::<u64>(),
            ])
            .prop_map(|l| l[0] as u128 | (l[1] as u128) << 64),
        ]
    }

    macro_rules! same2 {
        ($a:ident, $b:ident; $($name:ident),*) => {$(
            let (a, b) = ($a, $b);
            assert_eq!(super::$name(a, b), ops::$name(a, b), "{} {a:#034x} {b:#034x}", stringify!($name));
        )*};
    }
    macro_rules! same1 {
        ($a:ident; $($name:ident),*) => {$(
            let a = $a;
            assert_eq!(super::$name(a), ops::$name(a), "{} {a:#034x}", stringify!($name));
        )*};
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn sse_matches_portable(a in edgy(), b in edgy(), n in any::<u32>()) {
            same2!(
                a, b;
                i8x16_add, i8x16_sub, i8x16_add_sat_s, i8x16_add_sat_u, i8x16_sub_sat_s,
                i8x16_sub_sat_u, i8x16_min_u, i8x16_max_u, i8x16_avgr_u, i8x16_eq, i8x16_ne,
                i8x16_gt_s, i8x16_lt_s, i8x16_le_s, i8x16_ge_s, i8x16_narrow_i16x8_s,
                i8x16_narrow_i16x8_u, i16x8_add, i16x8_sub, i16x8_add_sat_s, i16x8_add_sat_u,
                i16x8_sub_sat_s, i16x8_sub_sat_u, i16x8_mul, i16x8_min_s, i16x8_max_s,
                i16x8_avgr_u, i16x8_eq, i16x8_ne, i16x8_gt_s, i16x8_lt_s, i16x8_le_s, i16x8_ge_s,
                i16x8_narrow_i32x4_s, i32x4_add, i32x4_sub, i32x4_eq, i32x4_ne, i32x4_gt_s,
                i32x4_lt_s, i32x4_le_s, i32x4_ge_s, i32x4_dot_i16x8_s, i64x2_add, i64x2_sub,
                f32x4_add, f32x4_sub, f32x4_mul, f32x4_div, f32x4_pmin, f32x4_pmax, f32x4_eq,
                f32x4_ne, f32x4_lt, f32x4_gt, f32x4_le, f32x4_ge, f64x2_add, f64x2_sub, f64x2_mul,
                f64x2_div, f64x2_pmin, f64x2_pmax, f64x2_eq, f64x2_ne, f64x2_lt, f64x2_gt,
                f64x2_le, f64x2_ge
            );
            same1!(
                a;
                f32x4_sqrt, f64x2_sqrt, f32x4_convert_i32x4_s, i8x16_bitmask, i16x8_bitmask,
                i32x4_bitmask, i64x2_bitmask, i8x16_all_true, i16x8_all_true, i32x4_all_true,
                i16x8_extend_low_i8x16_s, i16x8_extend_high_i8x16_s, i16x8_extend_low_i8x16_u,
                i16x8_extend_high_i8x16_u, i32x4_extend_low_i16x8_s, i32x4_extend_high_i16x8_s,
                i32x4_extend_low_i16x8_u, i32x4_extend_high_i16x8_u
            );
            // Shuffle indices are < 32 (validation); swizzle's are anything,
            // so try both ranges.
            let idx = b & u128::from_le_bytes([0x1f; 16]);
            same2!(a, b; i8x16_swizzle);
            same2!(a, idx; i8x16_swizzle);
            let (lo, hi) = (idx as u64, (idx >> 64) as u64);
            assert_eq!(super::i8x16_shuffle(a, b, lo, hi), ops::i8x16_shuffle(a, b, lo, hi));
            for n in [n, n % 8, n % 16, n % 32, n % 64, 63, 64, 65] {
                assert_eq!(super::i16x8_shl(a, n), ops::i16x8_shl(a, n));
                assert_eq!(super::i16x8_shr_s(a, n), ops::i16x8_shr_s(a, n));
                assert_eq!(super::i16x8_shr_u(a, n), ops::i16x8_shr_u(a, n));
                assert_eq!(super::i32x4_shl(a, n), ops::i32x4_shl(a, n));
                assert_eq!(super::i32x4_shr_s(a, n), ops::i32x4_shr_s(a, n));
                assert_eq!(super::i32x4_shr_u(a, n), ops::i32x4_shr_u(a, n));
                assert_eq!(super::i64x2_shl(a, n), ops::i64x2_shl(a, n));
                assert_eq!(super::i64x2_shr_u(a, n), ops::i64x2_shr_u(a, n));
            }
        }
    }
}
