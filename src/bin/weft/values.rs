//! Values on the command line: arguments parsed by the function's
//! parameter types, results printed as plain numbers.

use weft::{Val, ValType};

/// An integer in decimal or `0x` hex, with an optional sign, accepted when
/// it fits `bits` bits as either a signed or an unsigned number.
fn parse_int(s: &str, bits: u32) -> Result<i128, String> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits = digits.replace('_', "");
    let magnitude = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => i128::from_str_radix(hex, 16),
        None => digits.parse::<i128>(),
    }
    .map_err(|_| format!("not an i{bits} integer"))?;
    let v = if neg { -magnitude } else { magnitude };
    let min = -(1i128 << (bits - 1));
    let max = (1i128 << bits) - 1;
    if v < min || v > max {
        return Err(format!("out of range for i{bits}"));
    }
    Ok(v)
}

/// A command-line argument as a value of type `ty`.
pub(crate) fn parse_val(s: &str, ty: ValType) -> Result<Val, String> {
    match ty {
        ValType::I32 => parse_int(s, 32).map(|v| Val::I32(v as u32 as i32)),
        ValType::I64 => parse_int(s, 64).map(|v| Val::I64(v as u64 as i64)),
        ValType::F32 => s.parse::<f32>().map(|f| Val::F32(f.to_bits())).map_err(|_| "not an f32".into()),
        ValType::F64 => s.parse::<f64>().map(|f| Val::F64(f.to_bits())).map_err(|_| "not an f64".into()),
        ValType::V128 => parse_int(s, 128)
            .or_else(|_| {
                let hex = s.strip_prefix("0x").ok_or("not a v128 (give 0x and 32 hex digits)")?;
                u128::from_str_radix(hex, 16).map(|v| v as i128).map_err(|_| "not a v128".to_string())
            })
            .map(|v| Val::V128(v as u128)),
        ValType::FuncRef if s == "null" => Ok(Val::FuncRef(None)),
        ValType::ExternRef if s == "null" => Ok(Val::ExternRef(None)),
        ValType::FuncRef | ValType::ExternRef => Err("only `null` can be passed for a reference".into()),
    }
}

/// Shortest decimal that reads back to the same float (`1.0`, `0.1`,
/// `1e300`), with `nan`, `inf` and `-inf` spelled out.
fn fmt_float<F: std::fmt::Debug>(v: F, nan: bool, inf: Option<bool>) -> String {
    match (nan, inf) {
        (true, _) => "nan".into(),
        (_, Some(true)) => "-inf".into(),
        (_, Some(false)) => "inf".into(),
        _ => format!("{v:?}"),
    }
}

/// A result as a plain number: integers signed, floats as decimals.
pub(crate) fn fmt_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => {
            let f = f32::from_bits(*b);
            fmt_float(f, f.is_nan(), f.is_infinite().then_some(f < 0.0))
        }
        Val::F64(b) => {
            let f = f64::from_bits(*b);
            fmt_float(f, f.is_nan(), f.is_infinite().then_some(f < 0.0))
        }
        Val::V128(x) => format!("{x:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".into(),
        Val::FuncRef(Some(_)) => "funcref".into(),
        Val::ExternRef(Some(_)) => "externref".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_values() {
        assert!(matches!(parse_val("-1", ValType::I32), Ok(Val::I32(-1))));
        assert!(matches!(parse_val("4294967295", ValType::I32), Ok(Val::I32(-1))));
        assert!(matches!(parse_val("0x10", ValType::I32), Ok(Val::I32(16))));
        assert!(parse_val("4294967296", ValType::I32).is_err());
        assert!(parse_val("-2147483649", ValType::I32).is_err());
        assert!(parse_val("x", ValType::I32).is_err());
        assert!(matches!(parse_val("-9223372036854775808", ValType::I64), Ok(Val::I64(i64::MIN))));
        assert!(matches!(parse_val("18446744073709551615", ValType::I64), Ok(Val::I64(-1))));
        assert!(matches!(parse_val("1.5", ValType::F32), Ok(Val::F32(b)) if b == 1.5f32.to_bits()));
        assert!(
            matches!(parse_val("-inf", ValType::F64), Ok(Val::F64(b)) if b == f64::NEG_INFINITY.to_bits())
        );
        assert!(matches!(parse_val("null", ValType::FuncRef), Ok(Val::FuncRef(None))));
        assert!(parse_val("1", ValType::ExternRef).is_err());
    }

    #[test]
    fn result_formatting() {
        assert_eq!(fmt_val(&Val::I32(-5)), "-5");
        assert_eq!(fmt_val(&Val::I64(i64::MIN)), "-9223372036854775808");
        assert_eq!(fmt_val(&Val::F32(1.5f32.to_bits())), "1.5");
        assert_eq!(fmt_val(&Val::F32(0.1f32.to_bits())), "0.1");
        assert_eq!(fmt_val(&Val::F32(f32::NAN.to_bits())), "nan");
        assert_eq!(fmt_val(&Val::F64(f64::INFINITY.to_bits())), "inf");
        assert_eq!(fmt_val(&Val::F64(f64::NEG_INFINITY.to_bits())), "-inf");
        assert_eq!(fmt_val(&Val::F64((-0.0f64).to_bits())), "-0.0");
        assert_eq!(fmt_val(&Val::F64(1.0f64.to_bits())), "1.0");
        assert_eq!(fmt_val(&Val::F64(1e300f64.to_bits())), "1e300");
        assert_eq!(fmt_val(&Val::F32(f32::NEG_INFINITY.to_bits())), "-inf");
    }
}
