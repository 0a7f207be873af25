//! Numeric handlers: two generic bodies (`un`, `bin`/`bin_imm`) and the
//! operation functions the instruction table applies them to. The operation
//! functions are plain Rust with the spec's semantics; traps are
//! `Err(TrapCode)`.

use super::{get, set, Ctx, Exit, Regs, Res};
use crate::error::TrapCode;
use crate::ir::shapes::Slot;
use crate::ir::shapes::{BinSI, BinSS, Un};

/// A value that lives in a 64-bit slot.
pub(crate) trait SlotBits: Copy {
    fn from_bits(v: u64) -> Self;
    fn to_bits(self) -> u64;
    /// Reads an `A` form's first operand from the accumulator results of
    /// this type go to. Only `f64` uses the float one: the lowering marks
    /// the accumulator as float after exactly the numeric instructions with
    /// an `f64` result, and takes an `A` form for an `f64` operand only then.
    #[inline(always)]
    fn from_acc(r: &Regs) -> Self {
        Self::from_bits(r.acc)
    }
    #[inline(always)]
    fn to_acc(self, r: &mut Regs) {
        r.acc = self.to_bits();
    }
}

macro_rules! slot_bits_int {
    ($($t:ty => $u:ty),*) => {$(
        impl SlotBits for $t {
            #[inline(always)]
            fn from_bits(v: u64) -> Self { v as $u as $t }
            #[inline(always)]
            fn to_bits(self) -> u64 { self as $u as u64 }
        }
    )*};
}
slot_bits_int!(i32 => u32, u32 => u32, i64 => u64, u64 => u64);

impl SlotBits for f32 {
    #[inline(always)]
    fn from_bits(v: u64) -> Self {
        f32::from_bits(v as u32)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f32::to_bits(self) as u64
    }
}
impl SlotBits for f64 {
    #[inline(always)]
    fn from_bits(v: u64) -> Self {
        f64::from_bits(v)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
    #[inline(always)]
    fn from_acc(r: &Regs) -> Self {
        r.facc
    }
    #[inline(always)]
    fn to_acc(self, r: &mut Regs) {
        r.facc = self;
    }
}

/// Writes a numeric result to its slot and to its type's accumulator.
/// Same safety contract as [`super::get`].
#[inline(always)]
unsafe fn put<T: SlotBits>(r: &mut Regs, s: Slot, v: T) {
    unsafe { set(r.fp, s, v.to_bits()) };
    v.to_acc(r);
}

/// A result of an operation function: a value, or a value-or-trap.
pub(crate) trait NumRet {
    type T: SlotBits;
    fn value(self) -> Result<Self::T, Exit>;
}
macro_rules! num_ret {
    ($($t:ty),*) => {$(
        impl NumRet for $t {
            type T = $t;
            #[inline(always)]
            fn value(self) -> Result<$t, Exit> { Ok(self) }
        }
        impl NumRet for Result<$t, TrapCode> {
            type T = $t;
            #[inline(always)]
            fn value(self) -> Result<$t, Exit> { self.map_err(Exit::trap) }
        }
    )*};
}
num_ret!(i32, u32, i64, u64, f32, f64);

/// `dst = f(src)`
#[inline(always)]
pub(crate) unsafe fn un<A: SlotBits, R: NumRet>(
    o: Un,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A) -> R,
) -> Res {
    // SAFETY: slot operands are inside the frame (see `exec::get`).
    unsafe {
        let v = f(A::from_bits(get(r.fp, o.src))).value()?;
        put(r, o.dst, v);
    }
    Ok(())
}

/// `dst = f(a, b)`
#[inline(always)]
pub(crate) unsafe fn bin<A: SlotBits, B: SlotBits, R: NumRet>(
    o: BinSS,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, B) -> R,
) -> Res {
    // SAFETY: slot operands are inside the frame (see `exec::get`).
    unsafe {
        let v = f(A::from_bits(get(r.fp, o.a)), B::from_bits(get(r.fp, o.b))).value()?;
        put(r, o.dst, v);
    }
    Ok(())
}

/// `dst = f(a, imm)`
#[inline(always)]
pub(crate) unsafe fn bin_imm<A: SlotBits, B: SlotBits, R: NumRet>(
    o: BinSI,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, B) -> R,
) -> Res {
    // SAFETY: slot operands are inside the frame (see `exec::get`).
    unsafe {
        let v = f(A::from_bits(get(r.fp, o.a)), B::from_bits(o.imm.0)).value()?;
        put(r, o.dst, v);
    }
    Ok(())
}

/// `dst = f(imm, a)`
#[inline(always)]
pub(crate) unsafe fn bin_imm_lhs<A: SlotBits, B: SlotBits, R: NumRet>(
    o: BinSI,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, B) -> R,
) -> Res {
    // SAFETY: slot operands are inside the frame (see `exec::get`).
    unsafe {
        let v = f(A::from_bits(o.imm.0), B::from_bits(get(r.fp, o.a))).value()?;
        put(r, o.dst, v);
    }
    Ok(())
}

// ---- references ----
#[inline(always)]
pub(crate) fn ref_is_null(v: u64) -> i32 {
    (v == 0) as i32
}

// ---- integers ----
macro_rules! int_ops {
    ($t:ty, $u:ty, $bits:expr,
     $eqz:ident, $clz:ident, $ctz:ident, $popcnt:ident,
     $eq:ident, $ne:ident, $lt_s:ident, $lt_u:ident, $gt_s:ident, $gt_u:ident,
     $le_s:ident, $le_u:ident, $ge_s:ident, $ge_u:ident,
     $add:ident, $sub:ident, $mul:ident, $div_s:ident, $div_u:ident, $rem_s:ident, $rem_u:ident,
     $and:ident, $or:ident, $xor:ident, $shl:ident, $shr_s:ident, $shr_u:ident,
     $rotl:ident, $rotr:ident) => {
        #[inline(always)]
        pub(crate) fn $eqz(a: $t) -> i32 {
            (a == 0) as i32
        }
        #[inline(always)]
        pub(crate) fn $clz(a: $t) -> $t {
            a.leading_zeros() as $t
        }
        #[inline(always)]
        pub(crate) fn $ctz(a: $t) -> $t {
            a.trailing_zeros() as $t
        }
        #[inline(always)]
        pub(crate) fn $popcnt(a: $t) -> $t {
            a.count_ones() as $t
        }
        #[inline(always)]
        pub(crate) fn $eq(a: $t, b: $t) -> i32 {
            (a == b) as i32
        }
        #[inline(always)]
        pub(crate) fn $ne(a: $t, b: $t) -> i32 {
            (a != b) as i32
        }
        #[inline(always)]
        pub(crate) fn $lt_s(a: $t, b: $t) -> i32 {
            (a < b) as i32
        }
        #[inline(always)]
        pub(crate) fn $lt_u(a: $u, b: $u) -> i32 {
            (a < b) as i32
        }
        #[inline(always)]
        pub(crate) fn $gt_s(a: $t, b: $t) -> i32 {
            (a > b) as i32
        }
        #[inline(always)]
        pub(crate) fn $gt_u(a: $u, b: $u) -> i32 {
            (a > b) as i32
        }
        #[inline(always)]
        pub(crate) fn $le_s(a: $t, b: $t) -> i32 {
            (a <= b) as i32
        }
        #[inline(always)]
        pub(crate) fn $le_u(a: $u, b: $u) -> i32 {
            (a <= b) as i32
        }
        #[inline(always)]
        pub(crate) fn $ge_s(a: $t, b: $t) -> i32 {
            (a >= b) as i32
        }
        #[inline(always)]
        pub(crate) fn $ge_u(a: $u, b: $u) -> i32 {
            (a >= b) as i32
        }
        #[inline(always)]
        pub(crate) fn $add(a: $t, b: $t) -> $t {
            a.wrapping_add(b)
        }
        #[inline(always)]
        pub(crate) fn $sub(a: $t, b: $t) -> $t {
            a.wrapping_sub(b)
        }
        #[inline(always)]
        pub(crate) fn $mul(a: $t, b: $t) -> $t {
            a.wrapping_mul(b)
        }
        #[inline(always)]
        pub(crate) fn $div_s(a: $t, b: $t) -> Result<$t, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivisionByZero);
            }
            if a == <$t>::MIN && b == -1 {
                return Err(TrapCode::IntegerOverflow);
            }
            Ok(a / b)
        }
        #[inline(always)]
        pub(crate) fn $div_u(a: $u, b: $u) -> Result<$u, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivisionByZero);
            }
            Ok(a / b)
        }
        #[inline(always)]
        pub(crate) fn $rem_s(a: $t, b: $t) -> Result<$t, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivisionByZero);
            }
            Ok(a.wrapping_rem(b))
        }
        #[inline(always)]
        pub(crate) fn $rem_u(a: $u, b: $u) -> Result<$u, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivisionByZero);
            }
            Ok(a % b)
        }
        #[inline(always)]
        pub(crate) fn $and(a: $t, b: $t) -> $t {
            a & b
        }
        #[inline(always)]
        pub(crate) fn $or(a: $t, b: $t) -> $t {
            a | b
        }
        #[inline(always)]
        pub(crate) fn $xor(a: $t, b: $t) -> $t {
            a ^ b
        }
        #[inline(always)]
        pub(crate) fn $shl(a: $t, b: $t) -> $t {
            a.wrapping_shl(b as u32)
        }
        #[inline(always)]
        pub(crate) fn $shr_s(a: $t, b: $t) -> $t {
            a.wrapping_shr(b as u32)
        }
        #[inline(always)]
        pub(crate) fn $shr_u(a: $u, b: $u) -> $u {
            a.wrapping_shr(b as u32)
        }
        #[inline(always)]
        pub(crate) fn $rotl(a: $t, b: $t) -> $t {
            a.rotate_left((b as u32) % $bits)
        }
        #[inline(always)]
        pub(crate) fn $rotr(a: $t, b: $t) -> $t {
            a.rotate_right((b as u32) % $bits)
        }
    };
}
int_ops!(
    i32, u32, 32, i32_eqz, i32_clz, i32_ctz, i32_popcnt, i32_eq, i32_ne, i32_lt_s, i32_lt_u, i32_gt_s,
    i32_gt_u, i32_le_s, i32_le_u, i32_ge_s, i32_ge_u, i32_add, i32_sub, i32_mul, i32_div_s, i32_div_u,
    i32_rem_s, i32_rem_u, i32_and, i32_or, i32_xor, i32_shl, i32_shr_s, i32_shr_u, i32_rotl, i32_rotr
);
int_ops!(
    i64, u64, 64, i64_eqz, i64_clz, i64_ctz, i64_popcnt, i64_eq, i64_ne, i64_lt_s, i64_lt_u, i64_gt_s,
    i64_gt_u, i64_le_s, i64_le_u, i64_ge_s, i64_ge_u, i64_add, i64_sub, i64_mul, i64_div_s, i64_div_u,
    i64_rem_s, i64_rem_u, i64_and, i64_or, i64_xor, i64_shl, i64_shr_s, i64_shr_u, i64_rotl, i64_rotr
);

#[inline(always)]
pub(crate) fn i32_extend8_s(a: i32) -> i32 {
    a as i8 as i32
}
#[inline(always)]
pub(crate) fn i32_extend16_s(a: i32) -> i32 {
    a as i16 as i32
}
#[inline(always)]
pub(crate) fn i64_extend8_s(a: i64) -> i64 {
    a as i8 as i64
}
#[inline(always)]
pub(crate) fn i64_extend16_s(a: i64) -> i64 {
    a as i16 as i64
}
#[inline(always)]
pub(crate) fn i64_extend32_s(a: i64) -> i64 {
    a as i32 as i64
}
#[inline(always)]
pub(crate) fn i64_extend_i32_u(a: u32) -> i64 {
    a as i64
}

// ---- floats ----
/// `f(a)`, or `a` made quiet when it is a NaN (`a + a` quiets it).
#[inline(always)]
fn quiet<T: Copy + PartialEq + std::ops::Add<Output = T>>(a: T, f: impl Fn(T) -> T) -> T {
    #[allow(clippy::eq_op)]
    if a != a {
        a + a
    } else {
        f(a)
    }
}

macro_rules! float_ops {
    ($t:ty, $abs:ident, $neg:ident, $ceil:ident, $floor:ident, $trunc:ident, $nearest:ident,
     $sqrt:ident, $eq:ident, $ne:ident, $lt:ident, $gt:ident, $le:ident, $ge:ident,
     $add:ident, $sub:ident, $mul:ident, $div:ident, $min:ident, $max:ident, $copysign:ident) => {
        #[inline(always)]
        pub(crate) fn $abs(a: $t) -> $t {
            a.abs()
        }
        #[inline(always)]
        pub(crate) fn $neg(a: $t) -> $t {
            -a
        }
        // Rounding may pass a signalling NaN through; wasm wants it quiet.
        #[inline(always)]
        pub(crate) fn $ceil(a: $t) -> $t {
            quiet(a, <$t>::ceil)
        }
        #[inline(always)]
        pub(crate) fn $floor(a: $t) -> $t {
            quiet(a, <$t>::floor)
        }
        #[inline(always)]
        pub(crate) fn $trunc(a: $t) -> $t {
            quiet(a, <$t>::trunc)
        }
        #[inline(always)]
        pub(crate) fn $nearest(a: $t) -> $t {
            quiet(a, <$t>::round_ties_even)
        }
        #[inline(always)]
        pub(crate) fn $sqrt(a: $t) -> $t {
            a.sqrt()
        }
        #[inline(always)]
        pub(crate) fn $eq(a: $t, b: $t) -> i32 {
            (a == b) as i32
        }
        #[inline(always)]
        pub(crate) fn $ne(a: $t, b: $t) -> i32 {
            (a != b) as i32
        }
        #[inline(always)]
        pub(crate) fn $lt(a: $t, b: $t) -> i32 {
            (a < b) as i32
        }
        #[inline(always)]
        pub(crate) fn $gt(a: $t, b: $t) -> i32 {
            (a > b) as i32
        }
        #[inline(always)]
        pub(crate) fn $le(a: $t, b: $t) -> i32 {
            (a <= b) as i32
        }
        #[inline(always)]
        pub(crate) fn $ge(a: $t, b: $t) -> i32 {
            (a >= b) as i32
        }
        #[inline(always)]
        pub(crate) fn $add(a: $t, b: $t) -> $t {
            a + b
        }
        #[inline(always)]
        pub(crate) fn $sub(a: $t, b: $t) -> $t {
            a - b
        }
        #[inline(always)]
        pub(crate) fn $mul(a: $t, b: $t) -> $t {
            a * b
        }
        #[inline(always)]
        pub(crate) fn $div(a: $t, b: $t) -> $t {
            a / b
        }
        /// NaN if either is NaN; -0 is less than +0.
        #[inline(always)]
        pub(crate) fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                return a + b;
            }
            if a == b {
                return <$t>::from_bits(a.to_bits() | b.to_bits());
            }
            if a < b {
                a
            } else {
                b
            }
        }
        /// NaN if either is NaN; +0 is greater than -0.
        #[inline(always)]
        pub(crate) fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                return a + b;
            }
            if a == b {
                return <$t>::from_bits(a.to_bits() & b.to_bits());
            }
            if a > b {
                a
            } else {
                b
            }
        }
        #[inline(always)]
        pub(crate) fn $copysign(a: $t, b: $t) -> $t {
            a.copysign(b)
        }
    };
}
float_ops!(
    f32,
    f32_abs,
    f32_neg,
    f32_ceil,
    f32_floor,
    f32_trunc,
    f32_nearest,
    f32_sqrt,
    f32_eq,
    f32_ne,
    f32_lt,
    f32_gt,
    f32_le,
    f32_ge,
    f32_add,
    f32_sub,
    f32_mul,
    f32_div,
    f32_min,
    f32_max,
    f32_copysign
);
float_ops!(
    f64,
    f64_abs,
    f64_neg,
    f64_ceil,
    f64_floor,
    f64_trunc,
    f64_nearest,
    f64_sqrt,
    f64_eq,
    f64_ne,
    f64_lt,
    f64_gt,
    f64_le,
    f64_ge,
    f64_add,
    f64_sub,
    f64_mul,
    f64_div,
    f64_min,
    f64_max,
    f64_copysign
);

// ---- conversions ----
/// Truncation that traps: NaN is "invalid conversion", anything whose
/// truncation is outside `(lo, hi)` (exclusive bounds) is "integer overflow".
macro_rules! trunc {
    ($name:ident, $f:ty, $i:ty, $lo:expr, $hi:expr) => {
        #[inline(always)]
        pub(crate) fn $name(a: $f) -> Result<$i, TrapCode> {
            if a.is_nan() {
                return Err(TrapCode::BadConversionToInteger);
            }
            if !(a > $lo && a < $hi) {
                return Err(TrapCode::IntegerOverflow);
            }
            Ok(a as $i)
        }
    };
}
trunc!(i32_trunc_f32_s, f32, i32, -2147483904.0f32, 2147483648.0f32);
trunc!(i32_trunc_f32_u, f32, u32, -1.0f32, 4294967296.0f32);
trunc!(i32_trunc_f64_s, f64, i32, -2147483649.0f64, 2147483648.0f64);
trunc!(i32_trunc_f64_u, f64, u32, -1.0f64, 4294967296.0f64);
trunc!(i64_trunc_f32_s, f32, i64, -9223373136366403584.0f32, 9223372036854775808.0f32);
trunc!(i64_trunc_f32_u, f32, u64, -1.0f32, 18446744073709551616.0f32);
trunc!(i64_trunc_f64_s, f64, i64, -9223372036854777856.0f64, 9223372036854775808.0f64);
trunc!(i64_trunc_f64_u, f64, u64, -1.0f64, 18446744073709551616.0f64);

/// Saturating truncation: Rust's `as` saturates and maps NaN to 0.
macro_rules! cast {
    ($($name:ident: $a:ty => $b:ty),* $(,)?) => {$(
        #[inline(always)]
        pub(crate) fn $name(a: $a) -> $b { a as $b }
    )*};
}
cast!(
    i32_trunc_sat_f32_s: f32 => i32,
    i32_trunc_sat_f32_u: f32 => u32,
    i32_trunc_sat_f64_s: f64 => i32,
    i32_trunc_sat_f64_u: f64 => u32,
    i64_trunc_sat_f32_s: f32 => i64,
    i64_trunc_sat_f32_u: f32 => u64,
    i64_trunc_sat_f64_s: f64 => i64,
    i64_trunc_sat_f64_u: f64 => u64,
    f32_convert_i32_s: i32 => f32,
    f32_convert_i32_u: u32 => f32,
    f32_convert_i64_s: i64 => f32,
    f32_convert_i64_u: u64 => f32,
    f64_convert_i32_s: i32 => f64,
    f64_convert_i32_u: u32 => f64,
    f64_convert_i64_s: i64 => f64,
    f64_convert_i64_u: u64 => f64,
    f32_demote_f64: f64 => f32,
    f64_promote_f32: f32 => f64,
);

// ---- the same, with operand `a` taken from the accumulator: the lowering
// uses these when `a` is the result of the instruction just before ----

/// `dst = f(acc)`
#[inline(always)]
pub(crate) unsafe fn un_acc<A: SlotBits, R: NumRet>(
    o: Un,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A) -> R,
) -> Res {
    unsafe {
        let v = f(A::from_acc(r)).value()?;
        put(r, o.dst, v);
    }
    Ok(())
}

/// `dst = f(acc, b)`
#[inline(always)]
pub(crate) unsafe fn bin_acc<A: SlotBits, B: SlotBits, R: NumRet>(
    o: BinSS,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, B) -> R,
) -> Res {
    // SAFETY: slot operands are inside the frame (see `exec::get`).
    unsafe {
        let v = f(A::from_acc(r), B::from_bits(get(r.fp, o.b))).value()?;
        put(r, o.dst, v);
    }
    Ok(())
}

/// `dst = f(acc, imm)`
#[inline(always)]
pub(crate) unsafe fn bin_imm_acc<A: SlotBits, B: SlotBits, R: NumRet>(
    o: BinSI,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(A, B) -> R,
) -> Res {
    // SAFETY: slot operands are inside the frame (see `exec::get`).
    unsafe {
        let v = f(A::from_acc(r), B::from_bits(o.imm.0)).value()?;
        put(r, o.dst, v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunc_bounds() {
        assert_eq!(i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN));
        assert_eq!(i32_trunc_f32_s(2147483648.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_trunc_f64_s(-2147483648.9), Ok(i32::MIN));
        assert_eq!(i32_trunc_f64_s(-2147483649.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_trunc_f64_u(-0.9), Ok(0));
        assert_eq!(i64_trunc_f64_s(f64::NAN), Err(TrapCode::BadConversionToInteger));
        assert_eq!(i64_trunc_f32_s(-9223372036854775808.0), Ok(i64::MIN));
        assert_eq!(i64_trunc_f64_u(18446744073709549568.0), Ok(18446744073709549568));
    }

    #[test]
    fn min_max_zero_and_nan() {
        assert!(f32_min(0.0, -0.0).is_sign_negative());
        assert!(f32_max(-0.0, 0.0).is_sign_positive());
        assert!(f64_min(f64::NAN, 1.0).is_nan());
        assert_eq!(i32_div_s(i32::MIN, -1), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
        assert_eq!(i32_rotl(1, 33), 2);
    }
}
