//! What one SIMD instruction costs on weft next to the scalar instruction it
//! replaces four (or two) of: a wasm loop of N iterations, each doing 16 of
//! the same operation, timed with `Instant`; the time of the same loop with
//! no operations in it is subtracted, and the rest divided by 16 N.
//!
//!     cargo run --release --example simd_cost [N] [RUNS]
//!
//! Pairs: `i32.add` / `i32x4.add`, `i64.add` / `i64x2.add`, `f32.mul` /
//! `f32x4.mul`, `f64.add` / `f64x2.add`; then a few SIMD operations with no
//! scalar counterpart, next to `i32.add`. Each operation reads and writes
//! locals (`(local.set $a (op (local.get $a) (local.get $b)))`, which weft
//! lowers to one register instruction), rotating over four accumulators so
//! that every accumulator stays live. Both dispatch backends; each time is
//! the fastest of RUNS calls (after one warm-up call).
//!
//! The module text is generated below and assembled with the `wast` crate
//! (weft's default `wast` feature).

#[cfg(not(feature = "wast"))]
fn main() {
    eprintln!("simd_cost assembles its module with the `wast` crate: build with the default `wast` feature");
}

#[cfg(feature = "wast")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::time::Instant;
    use weft::{Backend, Config, Engine, Linker, Module, Store};

    let mut args = std::env::args().skip(1);
    let n: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    assert!(n > 0 && runs > 0, "N and RUNS must be positive");

    let text = module_text();
    let buf = wast::parser::ParseBuffer::new(&text)?;
    let mut wat = wast::parser::parse::<wast::Wat>(&buf)?;
    let bytes = wat.encode()?;

    let mut backends = vec![Backend::Loop];
    // Threaded dispatch needs sibling calls, guaranteed only where it is the
    // default (optimized builds on x86-64/AArch64).
    if Backend::default() == Backend::Threaded {
        backends.insert(0, Backend::Threaded);
    }
    println!("{n} iterations x {OPS} operations per function, fastest of {runs} calls");
    for backend in backends {
        let engine = Engine::new(Config::new().backend(backend));
        let module = Module::new(&engine, &bytes)?;
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine).instantiate(&mut store, &module)?;
        // Nanoseconds for one call of `name` with N iterations.
        let mut time = |name: &str| -> Result<f64, weft::Error> {
            let f = instance.get_typed_func::<i32, i32>(&store, name)?;
            f.call(&mut store, n / 100 + 1)?; // warm up
            let mut best = f64::INFINITY;
            for _ in 0..runs {
                let start = Instant::now();
                std::hint::black_box(f.call(&mut store, n)?);
                best = best.min(start.elapsed().as_nanos() as f64);
            }
            Ok(best)
        };
        let empty = time("empty")?;
        let per_op = |t: f64| (t - empty) / (f64::from(n) * OPS as f64);
        println!("\n{backend:?} dispatch: empty loop {:.2} ns/iteration", empty / f64::from(n));
        println!("  {:<22} {:>8}   {:<22} {:>8}   {:>11}", "scalar", "ns/op", "SIMD", "ns/op", "SIMD/scalar");
        let mut base = None; // i32.add, for the SIMD-only operations
        for (scalar, simd) in PAIRS {
            let s = per_op(time(&func_name(scalar.0))?);
            let v = per_op(time(&func_name(simd.0))?);
            base = base.or(Some(s));
            println!(
                "  {:<22} {s:8.3}   {:<22} {v:8.3}   {:>10.2}x",
                mnemonic(scalar.0),
                mnemonic(simd.0),
                v / s
            );
        }
        let base = base.unwrap();
        for op in SIMD_ONLY {
            let v = per_op(time(&func_name(op.0))?);
            println!(
                "  {:<22} {base:8.3}   {:<22} {v:8.3}   {:>10.2}x",
                mnemonic(PAIRS[0].0 .0),
                mnemonic(op.0),
                v / base
            );
        }
    }
    Ok(())
}

/// Operations per loop iteration.
const OPS: usize = 16;

/// An operation: its text (the instruction and any immediates) and the type
/// of its operands and result.
type Op = (&'static str, Ty);

#[derive(Clone, Copy)]
enum Ty {
    I32,
    I64,
    F32,
    F64,
    /// v128, filled with `i32x4.splat`.
    V128Int,
    /// v128, filled with `f32x4.splat` of 1.0.
    V128F32,
    /// v128, filled with `f64x2.splat` of 1.0.
    V128F64,
}

/// Scalar op, and the SIMD op doing its work on every lane.
const PAIRS: [(Op, Op); 4] = [
    (("i32.add", Ty::I32), ("i32x4.add", Ty::V128Int)),
    (("i64.add", Ty::I64), ("i64x2.add", Ty::V128Int)),
    (("f32.mul", Ty::F32), ("f32x4.mul", Ty::V128F32)),
    (("f64.add", Ty::F64), ("f64x2.add", Ty::V128F64)),
];

/// SIMD operations with no one-instruction scalar counterpart.
const SIMD_ONLY: [Op; 6] = [
    ("i16x8.mul", Ty::V128Int),
    ("i8x16.add_sat_u", Ty::V128Int),
    ("i8x16.swizzle", Ty::V128Int),
    ("i8x16.shuffle 1 0 3 2 5 4 7 6 9 8 11 10 13 12 15 14", Ty::V128Int),
    ("i32x4.dot_i16x8_s", Ty::V128Int),
    ("f32x4.min", Ty::V128F32),
];

/// The instruction without its immediates.
fn mnemonic(op: &str) -> &str {
    op.split(' ').next().unwrap()
}

/// Export name: the mnemonic with `.` -> `_`.
fn func_name(op: &str) -> String {
    mnemonic(op).replace('.', "_")
}

/// One function `(param $n i32) (result i32)` per operation: four locals of
/// the operation's type set from `$n` (so nothing is a constant), then a
/// loop of `$n` iterations (`$n` > 0) of 16 operations, then an i32 made
/// from the first local.
fn func_text(name: &str, op: Option<Op>) -> String {
    const ACC: [&str; 4] = ["$a", "$b", "$c", "$d"];
    let one_if_n = "(i32.ne (local.get $n) (i32.const 0))"; // 1, as the loop runs
    let (ty, init, result) = match op.map_or(Ty::I32, |o| o.1) {
        Ty::I32 => ("i32", "(local.get $n)".to_string(), "(local.get $a)"),
        Ty::I64 => ("i64", "(i64.extend_i32_u (local.get $n))".into(), "(i32.wrap_i64 (local.get $a))"),
        Ty::F32 => ("f32", format!("(f32.convert_i32_u {one_if_n})"), "(i32.reinterpret_f32 (local.get $a))"),
        Ty::F64 => (
            "f64",
            format!("(f64.convert_i32_u {one_if_n})"),
            "(i32.wrap_i64 (i64.reinterpret_f64 (local.get $a)))",
        ),
        Ty::V128Int => {
            ("v128", "(i32x4.splat (local.get $n))".into(), "(i32x4.extract_lane 0 (local.get $a))")
        }
        Ty::V128F32 => (
            "v128",
            format!("(f32x4.splat (f32.convert_i32_u {one_if_n}))"),
            "(i32x4.extract_lane 0 (local.get $a))",
        ),
        Ty::V128F64 => (
            "v128",
            format!("(f64x2.splat (f64.convert_i32_u {one_if_n}))"),
            "(i32x4.extract_lane 0 (local.get $a))",
        ),
    };
    let mut f = format!("  (func (export \"{name}\") (param $n i32) (result i32)\n");
    for acc in ACC {
        f += &format!("    (local {acc} {ty})\n");
    }
    for acc in ACC {
        f += &format!("    (local.set {acc} {init})\n");
    }
    f += "    (loop $top\n";
    if let Some((op, _)) = op {
        for k in 0..OPS {
            let (dst, src) = (ACC[k % 4], ACC[(k + 1) % 4]);
            f += &format!("      (local.set {dst} ({op} (local.get {dst}) (local.get {src})))\n");
        }
    }
    f += "      (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n";
    f += &format!("    {result})\n");
    f
}

fn module_text() -> String {
    let mut m = String::from("(module\n");
    m += &func_text("empty", None);
    for (scalar, simd) in PAIRS {
        m += &func_text(&func_name(scalar.0), Some(scalar));
        m += &func_text(&func_name(simd.0), Some(simd));
    }
    for op in SIMD_ONLY {
        m += &func_text(&func_name(op.0), Some(op));
    }
    m + ")\n"
}
