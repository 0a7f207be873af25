//! Script values: `.wast` arguments turned into `Val`s, expected results
//! (NaN patterns, lane-wise v128 patterns, references) matched against the
//! `Val`s weft returned, and both printed for failure messages.

use crate::{ExternRef, Store, Val};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::{WastArg, WastRet};

/// The `Val` a script argument stands for.
pub(super) fn arg_to_val(store: &mut Store<()>, arg: &WastArg<'_>) -> Result<Val, String> {
    let WastArg::Core(core) = arg else {
        return Err("component-model arguments are not supported".into());
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(f) => Val::F32(f.bits),
        WastArgCore::F64(f) => Val::F64(f.bits),
        WastArgCore::V128(c) => Val::V128(u128::from_le_bytes(c.to_le_bytes())),
        WastArgCore::RefNull(heap) => match null_kind(heap) {
            Some(RefKind::Func) => Val::FuncRef(None),
            Some(RefKind::Extern) => Val::ExternRef(None),
            None => return Err(format!("unsupported null reference type {heap:?}")),
        },
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef::new(store, *n))),
        WastArgCore::RefHost(_) => return Err("`ref.host` arguments are not supported".into()),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RefKind {
    Func,
    Extern,
}

fn null_kind(heap: &HeapType<'_>) -> Option<RefKind> {
    match heap {
        HeapType::Abstract { ty: AbstractHeapType::Func | AbstractHeapType::NoFunc, .. } => {
            Some(RefKind::Func)
        }
        HeapType::Abstract { ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern, .. } => {
            Some(RefKind::Extern)
        }
        _ => None,
    }
}

/// Whether `actual` is one of the values `expected` allows.
pub(super) fn ret_matches(store: &Store<()>, expected: &WastRet<'_>, actual: &Val) -> bool {
    match expected {
        WastRet::Core(core) => core_matches(store, core, actual),
        _ => false,
    }
}

fn core_matches(store: &Store<()>, expected: &WastRetCore<'_>, actual: &Val) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(p), Val::F32(a)) => f32_matches(p, *a),
        (WastRetCore::F64(p), Val::F64(a)) => f64_matches(p, *a),
        (WastRetCore::V128(p), Val::V128(a)) => v128_matches(p, *a),
        (WastRetCore::RefNull(heap), Val::FuncRef(None)) => {
            heap.as_ref().is_none_or(|h| null_kind(h) == Some(RefKind::Func))
        }
        (WastRetCore::RefNull(heap), Val::ExternRef(None)) => {
            heap.as_ref().is_none_or(|h| null_kind(h) == Some(RefKind::Extern))
        }
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => extern_value(store, r) == Some(*n),
        // Function identity is not observable through the API; any non-null
        // function reference matches `ref.func`.
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::Either(alts), _) => alts.iter().any(|e| core_matches(store, e, actual)),
        _ => false,
    }
}

/// The number a script's `ref.extern N` carried (scripts create every
/// host reference with a `u32` payload).
fn extern_value(store: &Store<()>, r: &ExternRef) -> Option<u32> {
    r.data(store)?.downcast_ref::<u32>().copied()
}

const F32_QUIET: u32 = 0x7fc0_0000;
const F64_QUIET: u64 = 0x7ff8_0000_0000_0000;

/// Canonical NaN: exponent all ones, only the quiet bit of the payload set,
/// either sign. Arithmetic NaN: exponent all ones and the quiet bit set.
fn f32_matches(p: &NanPattern<F32>, bits: u32) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == F32_QUIET,
        NanPattern::ArithmeticNan => bits & F32_QUIET == F32_QUIET,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<F64>, bits: u64) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == F64_QUIET,
        NanPattern::ArithmeticNan => bits & F64_QUIET == F64_QUIET,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_matches(p: &V128Pattern, actual: u128) -> bool {
    let bytes = actual.to_le_bytes();
    let lane = |i: usize, n: usize| -> u64 {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&bytes[i * n..i * n + n]);
        u64::from_le_bytes(b)
    };
    match p {
        V128Pattern::I8x16(e) => e.iter().enumerate().all(|(i, v)| lane(i, 1) == u64::from(*v as u8)),
        V128Pattern::I16x8(e) => e.iter().enumerate().all(|(i, v)| lane(i, 2) == u64::from(*v as u16)),
        V128Pattern::I32x4(e) => e.iter().enumerate().all(|(i, v)| lane(i, 4) == u64::from(*v as u32)),
        V128Pattern::I64x2(e) => e.iter().enumerate().all(|(i, v)| lane(i, 8) == *v as u64),
        V128Pattern::F32x4(e) => e.iter().enumerate().all(|(i, p)| f32_matches(p, lane(i, 4) as u32)),
        V128Pattern::F64x2(e) => e.iter().enumerate().all(|(i, p)| f64_matches(p, lane(i, 8))),
    }
}

/// A returned value, for messages: `i32:-1 (0xffffffff)`, `f32:1.5 (0x3fc00000)`.
pub(super) fn fmt_val(store: &Store<()>, v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{x} ({:#x})", *x as u32),
        Val::I64(x) => format!("i64:{x} ({:#x})", *x as u64),
        Val::F32(b) => format!("f32:{} ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{} ({b:#018x})", f64::from_bits(*b)),
        Val::V128(b) => format!("v128:{b:#034x}"),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(r)) => match extern_value(store, r) {
            Some(n) => format!("ref.extern {n}"),
            None => "ref.extern (not from this script)".into(),
        },
    }
}

pub(super) fn fmt_vals(store: &Store<()>, vals: &[Val]) -> String {
    let items: Vec<String> = vals.iter().map(|v| fmt_val(store, v)).collect();
    format!("[{}]", items.join(", "))
}

/// An expected result, for messages.
pub(super) fn fmt_ret(r: &WastRet<'_>) -> String {
    match r {
        WastRet::Core(c) => fmt_core(c),
        _ => "<component value>".into(),
    }
}

pub(super) fn fmt_rets(rets: &[WastRet<'_>]) -> String {
    let items: Vec<String> = rets.iter().map(fmt_ret).collect();
    format!("[{}]", items.join(", "))
}

fn fmt_nan32(p: &NanPattern<F32>) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => format!("{} ({:#010x})", f32::from_bits(v.bits), v.bits),
    }
}

fn fmt_nan64(p: &NanPattern<F64>) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => format!("{} ({:#018x})", f64::from_bits(v.bits), v.bits),
    }
}

fn join<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(" ")
}

fn fmt_core(c: &WastRetCore<'_>) -> String {
    match c {
        WastRetCore::I32(x) => format!("i32:{x} ({:#x})", *x as u32),
        WastRetCore::I64(x) => format!("i64:{x} ({:#x})", *x as u64),
        WastRetCore::F32(p) => format!("f32:{}", fmt_nan32(p)),
        WastRetCore::F64(p) => format!("f64:{}", fmt_nan64(p)),
        WastRetCore::V128(p) => match p {
            V128Pattern::I8x16(l) => format!("v128:i8x16 {}", join(l, |v| v.to_string())),
            V128Pattern::I16x8(l) => format!("v128:i16x8 {}", join(l, |v| v.to_string())),
            V128Pattern::I32x4(l) => format!("v128:i32x4 {}", join(l, |v| v.to_string())),
            V128Pattern::I64x2(l) => format!("v128:i64x2 {}", join(l, |v| v.to_string())),
            V128Pattern::F32x4(l) => format!("v128:f32x4 {}", join(l, fmt_nan32)),
            V128Pattern::F64x2(l) => format!("v128:f64x2 {}", join(l, fmt_nan64)),
        },
        WastRetCore::RefNull(None) => "ref.null".into(),
        WastRetCore::RefNull(Some(h)) => match null_kind(h) {
            Some(RefKind::Func) => "ref.null func".into(),
            Some(RefKind::Extern) => "ref.null extern".into(),
            None => format!("ref.null {h:?}"),
        },
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::Either(alts) => {
            let items: Vec<String> = alts.iter().map(fmt_core).collect();
            format!("(either {})", items.join(" | "))
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_patterns() {
        let canon = NanPattern::<F32>::CanonicalNan;
        let arith = NanPattern::<F32>::ArithmeticNan;
        assert!(f32_matches(&canon, 0x7fc0_0000));
        assert!(f32_matches(&canon, 0xffc0_0000));
        assert!(!f32_matches(&canon, 0x7fc0_0001));
        assert!(f32_matches(&arith, 0x7fc0_0001));
        assert!(f32_matches(&arith, 0xffff_ffff));
        assert!(!f32_matches(&arith, 0x7fa0_0000));
        assert!(!f32_matches(&arith, 0x3f80_0000));
        let canon = NanPattern::<F64>::CanonicalNan;
        let arith = NanPattern::<F64>::ArithmeticNan;
        assert!(f64_matches(&canon, 0xfff8_0000_0000_0000));
        assert!(!f64_matches(&canon, 0x7ff8_0000_0000_0001));
        assert!(f64_matches(&arith, 0x7ff8_0000_0000_0001));
        assert!(!f64_matches(&arith, 0x7ff4_0000_0000_0000));
    }

    #[test]
    fn v128_lanes() {
        let v = u128::from_le_bytes([1, 0, 2, 0, 3, 0, 4, 0, 0xff, 0xff, 6, 0, 7, 0, 8, 0]);
        assert!(v128_matches(&V128Pattern::I16x8([1, 2, 3, 4, -1, 6, 7, 8]), v));
        assert!(!v128_matches(&V128Pattern::I16x8([1, 2, 3, 4, 5, 6, 7, 8]), v));
        let f = u128::from(0x7fc0_0000u32) | (u128::from(1.0f32.to_bits()) << 32);
        let pat = V128Pattern::F32x4([
            NanPattern::CanonicalNan,
            NanPattern::Value(F32 { bits: 1.0f32.to_bits() }),
            NanPattern::Value(F32 { bits: 0 }),
            NanPattern::Value(F32 { bits: 0 }),
        ]);
        assert!(v128_matches(&pat, f));
    }
}
