//! Shared by the `validate`, `execute` and `differential` fuzz targets and
//! the deterministic `bounded` runner: module generation (wasm-smith limited
//! to what weft implements), and running a module to a comparable [`Run`]
//! record on weft or on wasmi.

use arbitrary::{Arbitrary, Unstructured};
use std::fmt;

/// What a generated module is for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Purpose {
    /// Only loaded: imports allowed, any memory size.
    Validate,
    /// Instantiated and run: no imports, small memories and tables, loops
    /// and calls bounded by wasm-smith's `ensure_termination` fuel global,
    /// NaNs canonicalised by the generated code.
    Execute,
    /// As `Execute`, without wasm-smith's `disallow_traps` guards: wasmi
    /// 2.0.0 miscompiles the `select`-around-a-divisor pattern they emit
    /// (see fuzz/README.md), which would drown the comparison in its bugs.
    Differential,
}

/// A wasm-smith configuration restricted to the features weft implements:
/// Wasm 2.0 (bulk memory, reference types, multi-value, sign extension,
/// saturating float-to-int, mutable globals, SIMD) plus extended-const and,
/// when `multi_memory`, up to four memories; no relaxed SIMD, threads,
/// exceptions, GC, memory64, tail calls, wide arithmetic or custom page
/// sizes. SIMD is allowed in about half the modules (wasm-smith's own
/// coin), so the scalar instructions keep their share of the bodies.
pub fn smith_config(
    u: &mut Unstructured<'_>,
    purpose: Purpose,
    multi_memory: bool,
) -> arbitrary::Result<wasm_smith::Config> {
    let mut c = wasm_smith::Config::arbitrary(u)?;
    c.relaxed_simd_enabled = false;
    c.exceptions_enabled = false;
    c.threads_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.acquire_release_atomics_enabled = false;
    c.tail_call_enabled = false;
    c.gc_enabled = false;
    c.custom_descriptors_enabled = false;
    c.multibyte_array_access_enabled = false;
    c.memory64_enabled = false;
    c.custom_page_sizes_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.compact_imports_enabled = false;
    // wasm-smith turns the multi-memory feature on exactly when it may
    // make more than one memory.
    let memories = if multi_memory { 4 } else { 1 };
    c.max_memories = c.max_memories.min(memories);
    c.min_memories = c.min_memories.min(c.max_memories as u32);
    // Keep modules small enough for many executions per second.
    c.max_funcs = c.max_funcs.min(64);
    c.max_types = c.max_types.min(64);
    c.max_globals = c.max_globals.min(64);
    c.max_exports = c.max_exports.min(64);
    c.max_element_segments = c.max_element_segments.min(32);
    c.max_elements = c.max_elements.min(64);
    c.max_data_segments = c.max_data_segments.min(32);
    c.max_instructions = c.max_instructions.min(400);
    if purpose != Purpose::Validate {
        c.max_imports = 0;
        c.min_imports = 0;
        c.available_imports = None;
        // At most 16 pages, always with a declared maximum, so `memory.grow`
        // and `memory.fill` stay cheap on both engines.
        c.max_memory32_bytes = c.max_memory32_bytes.min(16 << 16);
        c.memory_max_size_required = true;
        c.max_table_elements = c.max_table_elements.min(1000);
        c.table_max_size_required = true;
        c.canonicalize_nans = true;
        // Random bytes make wasm-smith stop early (each "one more?" is a
        // coin flip): ask for a few functions, and export them.
        c.max_funcs = c.max_funcs.max(4);
        c.min_funcs = u.int_in_range(1..=4)?;
        c.max_instructions = c.max_instructions.max(50);
        c.export_everything = u.ratio(3, 4)?;
        c.allow_start_export = true;
    }
    if purpose == Purpose::Differential {
        c.disallow_traps = false;
    }
    Ok(c)
}

/// One module for `purpose`, as bytes.
pub fn gen_module(
    u: &mut Unstructured<'_>,
    purpose: Purpose,
    multi_memory: bool,
) -> arbitrary::Result<Vec<u8>> {
    let config = smith_config(u, purpose, multi_memory)?;
    let mut m = wasm_smith::Module::new(config, u)?;
    if purpose != Purpose::Validate {
        // Every loop head and function entry decrements a global and traps
        // (`unreachable`) at zero: the same point on every engine.
        let fuel = u.int_in_range(16..=2000)?;
        m.ensure_termination(fuel).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    }
    Ok(m.to_bytes())
}

/// The wasmparser feature set of what weft's validator accepts, with or
/// without `Config::multi_memory`. (`WASM2` includes SIMD.)
pub fn weft_features(multi_memory: bool) -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    let base = F::WASM2 | F::EXTENDED_CONST;
    if multi_memory {
        base | F::MULTI_MEMORY
    } else {
        base
    }
}

/// `bytes` with a few random byte-level edits (flip, set, insert, delete,
/// LEB-ish extremes), for the accept/reject comparison with wasmparser.
pub fn mutate(u: &mut Unstructured<'_>, bytes: &[u8]) -> arbitrary::Result<Vec<u8>> {
    let mut out = bytes.to_vec();
    let edits = u.int_in_range(1..=4)?;
    for _ in 0..edits {
        if out.is_empty() {
            out.push(u.arbitrary()?);
            continue;
        }
        // Mostly past the 8-byte header, which is boring to break.
        let lo = if out.len() > 8 { 8 } else { 0 };
        let at = u.int_in_range(lo..=out.len() - 1)?;
        match u.int_in_range(0..=5)? {
            0 => out[at] ^= 1 << u.int_in_range(0..=7)?,
            1 => out[at] = u.arbitrary()?,
            2 => out.insert(at, u.arbitrary()?),
            3 => {
                out.remove(at);
            }
            4 => out[at] = *u.choose(&[0x00, 0x01, 0x7f, 0x80, 0xff, 0x0b, 0x40, 0x70, 0x6f, 0xfc, 0xfd])?,
            _ => {
                let n = u.int_in_range(1..=8usize)?.min(out.len() - at);
                out.drain(at..at + n);
            }
        }
    }
    Ok(out)
}

/// Writes `data` to `$WEFT_FUZZ_LAST` when that is set, before a fuzz
/// target runs it. A stack overflow kills the process with SIGSEGV before
/// libFuzzer's handler can save the input (the handler has no stack left to
/// run on); the file then holds the input that did it.
pub fn remember_input(data: &[u8]) {
    use std::sync::OnceLock;
    static PATH: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    if let Some(p) = PATH.get_or_init(|| std::env::var_os("WEFT_FUZZ_LAST").map(Into::into)) {
        let _ = std::fs::write(p, data);
    }
}

// ---------------------------------------------------------------------------
// Statistics (for `bounded`'s summary)

/// Counters over all checks run in this process.
pub mod stats {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    pub static MODULES: AtomicU64 = AtomicU64::new(0);
    /// Modules that need SIMD / multi-memory (wasmparser rejects them
    /// without it).
    pub static SIMD: AtomicU64 = AtomicU64::new(0);
    pub static MULTI_MEMORY: AtomicU64 = AtomicU64::new(0);
    pub static CALLS: AtomicU64 = AtomicU64::new(0);
    pub static TRAPS: AtomicU64 = AtomicU64::new(0);
    pub static EXHAUSTED: AtomicU64 = AtomicU64::new(0);
    pub static NO_INPUT: AtomicU64 = AtomicU64::new(0);
    /// Cases skipped because wasmi (the oracle) panicked.
    pub static ORACLE_PANICS: AtomicU64 = AtomicU64::new(0);
    /// Modules run on weft only: wasmi miscomputes their shape.
    pub static ORACLE_SHAPE: AtomicU64 = AtomicU64::new(0);
    pub(crate) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Relaxed);
    }
    /// `modules M (S with SIMD, K with multi-memory), calls C (T trapped),
    /// E stopped by fuel/stack, U inputs too short, P skipped (wasmi
    /// panicked)`
    pub fn summary() -> String {
        format!(
            "modules {} ({} with SIMD, {} with multi-memory), calls {} ({} trapped), \
             {} runs stopped by fuel or stack, {} inputs too short, {} skipped because wasmi panicked, \
             {} run on weft only (i32.eqz/ref.is_null before select, a wasmi bug)",
            MODULES.load(Relaxed),
            SIMD.load(Relaxed),
            MULTI_MEMORY.load(Relaxed),
            CALLS.load(Relaxed),
            TRAPS.load(Relaxed),
            EXHAUSTED.load(Relaxed),
            NO_INPUT.load(Relaxed),
            ORACLE_PANICS.load(Relaxed),
            ORACLE_SHAPE.load(Relaxed)
        )
    }
}

// ---------------------------------------------------------------------------
// Runs and their comparison

/// An engine-neutral value; floats as bits with every NaN made canonical,
/// references only as null / non-null. A `V128` keeps its bits: its lanes
/// have no type here, so [`V::same`] judges NaNs in it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum V {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    Ref(bool),
    V128(u128),
}

impl V {
    fn f32(bits: u32) -> V {
        V::F32(if f32::from_bits(bits).is_nan() { 0x7fc0_0000 } else { bits })
    }
    fn f64(bits: u64) -> V {
        V::F64(if f64::from_bits(bits).is_nan() { 0x7ff8_0000_0000_0000 } else { bits })
    }

    /// Equal, or two vectors that differ only in NaN payloads: read as four
    /// f32 lanes (or as two f64 lanes), every lane is the same bits or NaN
    /// in both. This is the lane-wise version of the scalar NaN rule;
    /// wasm-smith's `canonicalize_nans` already makes the arithmetic
    /// results canonical, so it only matters for the NaN-propagating
    /// conversions it leaves alone (`f32x4.demote_f64x2_zero`,
    /// `f64x2.promote_low_f32x4`).
    pub fn same(&self, other: &V) -> bool {
        match (*self, *other) {
            (V::V128(a), V::V128(b)) => {
                let f32_lanes = (0..4).all(|i| {
                    let (x, y) = ((a >> (32 * i)) as u32, (b >> (32 * i)) as u32);
                    x == y || (f32::from_bits(x).is_nan() && f32::from_bits(y).is_nan())
                });
                let f64_lanes = (0..2).all(|i| {
                    let (x, y) = ((a >> (64 * i)) as u64, (b >> (64 * i)) as u64);
                    x == y || (f64::from_bits(x).is_nan() && f64::from_bits(y).is_nan())
                });
                f32_lanes || f64_lanes
            }
            (a, b) => a == b,
        }
    }
}

/// Trap kinds that mean the same on both engines.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Unreachable,
    Memory,
    /// Out-of-bounds table access, including `call_indirect` past the end
    /// (weft says "undefined element", wasmi "table out of bounds").
    Table,
    NullCall,
    Signature,
    DivZero,
    Overflow,
    Conversion,
    Other,
}

/// The outcome of instantiation or of one call.
#[derive(Clone, PartialEq, Debug)]
pub enum Outcome {
    Values(Vec<V>),
    Trap(Kind),
    /// Engine fuel, call depth or stack ran out: the engines count these
    /// differently, so nothing after it is compared.
    Exhausted,
    /// A non-trap error (resource limits, ...): only "both failed" matters.
    Error(String),
}

impl Outcome {
    fn same(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Error(_), Outcome::Error(_)) => true,
            (Outcome::Values(a), Outcome::Values(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            _ => self == other,
        }
    }
}

/// Everything observable about running a module: instantiation, each call
/// of an exported function, then the exported memories, globals and tables.
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub instantiate: Option<Outcome>,
    pub calls: Vec<(String, Outcome)>,
    /// Name, bytes.
    pub memories: Vec<(String, Vec<u8>)>,
    pub globals: Vec<(String, V)>,
    /// Name, null-ness of each element.
    pub tables: Vec<(String, Vec<bool>)>,
}

impl Run {
    fn exhausted(&self) -> bool {
        self.instantiate == Some(Outcome::Exhausted)
            || self.calls.iter().any(|(_, o)| *o == Outcome::Exhausted)
    }
}

/// A difference between two runs (or between weft and wasmparser), with
/// the module it happened on once known.
#[derive(Debug)]
pub struct Divergence(pub String, pub Vec<u8>);

impl Divergence {
    fn on(mut self, wasm: &[u8]) -> Self {
        self.1 = wasm.to_vec();
        self
    }
    /// Writes the module to `path` (for `wasm-tools print`, a test, ...).
    pub fn save(&self, path: &std::path::Path) {
        let _ = std::fs::write(path, &self.1);
    }
    /// Panics with the message, first saving the module to
    /// `$WEFT_FUZZ_SAVE` when that is set (fuzz targets call this).
    pub fn panic(self) -> ! {
        if let Some(p) = std::env::var_os("WEFT_FUZZ_SAVE") {
            self.save(std::path::Path::new(&p));
        }
        panic!("{}", self.0)
    }
}

impl Divergence {
    pub fn new(message: String) -> Self {
        Divergence(message, Vec::new())
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Compares `a` (named `an`) with `b` (named `bn`) up to the first point
/// where either ran out of a resource.
pub fn compare(an: &str, a: &Run, bn: &str, b: &Run) -> Result<(), Divergence> {
    let (ai, bi) = (a.instantiate.as_ref().unwrap(), b.instantiate.as_ref().unwrap());
    if *ai == Outcome::Exhausted || *bi == Outcome::Exhausted {
        return Ok(());
    }
    // wasmi reports some instantiation traps (an element segment out of
    // bounds) as plain errors: at instantiation, only success must agree,
    // and the trap kind when both trap.
    let failed = |o: &Outcome| !matches!(o, Outcome::Values(_));
    let both_trap = matches!((ai, bi), (Outcome::Trap(_), Outcome::Trap(_)));
    if failed(ai) != failed(bi) || (both_trap && ai != bi) {
        return Err(Divergence::new(format!("instantiation: {an} {ai:?}, {bn} {bi:?}")));
    }
    if failed(ai) {
        return Ok(());
    }
    for ((name, x), (_, y)) in a.calls.iter().zip(&b.calls) {
        if *x == Outcome::Exhausted || *y == Outcome::Exhausted {
            return Ok(());
        }
        if !x.same(y) {
            return Err(Divergence::new(format!("call `{name}`: {an} {x:?}, {bn} {y:?}")));
        }
    }
    if a.exhausted() || b.exhausted() {
        return Ok(());
    }
    if a.calls.len() != b.calls.len() {
        return Err(Divergence::new(format!("{an} made {} calls, {bn} {}", a.calls.len(), b.calls.len())));
    }
    for ((name, x), (_, y)) in a.memories.iter().zip(&b.memories) {
        if x.len() != y.len() {
            return Err(Divergence::new(format!(
                "memory `{name}`: {an} {} bytes, {bn} {}",
                x.len(),
                y.len()
            )));
        }
        if let Some(i) = x.iter().zip(y).position(|(p, q)| p != q) {
            return Err(Divergence::new(format!(
                "memory `{name}` at {i:#x}: {an} {:#04x}, {bn} {:#04x}",
                x[i], y[i]
            )));
        }
    }
    for ((name, x), (_, y)) in a.globals.iter().zip(&b.globals) {
        if !x.same(y) {
            return Err(Divergence::new(format!("global `{name}`: {an} {x:?}, {bn} {y:?}")));
        }
    }
    for ((name, x), (_, y)) in a.tables.iter().zip(&b.tables) {
        if x != y {
            return Err(Divergence::new(format!("table `{name}`: {an} {x:?}, {bn} {y:?}")));
        }
    }
    if (a.memories.len(), a.globals.len(), a.tables.len())
        != (b.memories.len(), b.globals.len(), b.tables.len())
    {
        return Err(Divergence::new("different sets of exports".into()));
    }
    Ok(())
}

/// The exports of `module`, by name, in order.
pub fn exports(module: &weft::Module) -> Vec<(String, weft::ExternType)> {
    module.exports().map(|e| (e.name.to_string(), e.ty)).collect()
}

/// Arguments for each exported function of `module` (in export order).
pub fn gen_args(u: &mut Unstructured<'_>, module: &weft::Module) -> Vec<Vec<V>> {
    let mut all = Vec::new();
    for e in module.exports() {
        if let weft::ExternType::Func(ty) = &e.ty {
            all.push(ty.params().iter().map(|t| arg(u, *t)).collect());
        }
    }
    all
}

fn arg(u: &mut Unstructured<'_>, ty: weft::ValType) -> V {
    use weft::ValType as T;
    // Mostly small or edge values; an exhausted `u` gives zeros.
    let edge: u64 = match u.int_in_range(0..=3u8).unwrap_or(0) {
        0 => u.int_in_range(0..=16u64).unwrap_or(0),
        1 => *u.choose(&[u64::MAX, 1 << 31, (1 << 31) - 1, 1 << 63, 0xffff_ffff, 0x1_0000]).unwrap_or(&0),
        _ => u.arbitrary().unwrap_or(0),
    };
    match ty {
        T::I32 => V::I32(edge as i32),
        T::I64 => V::I64(edge as i64),
        T::F32 => V::F32(edge as u32),
        T::F64 => V::F64(edge),
        // The edge value in every 64-bit lane, or 128 arbitrary bits.
        T::V128 => match u.ratio(1, 2u8).unwrap_or(true) {
            true => V::V128((edge as u128) << 64 | edge as u128),
            false => V::V128(u.arbitrary().unwrap_or(0)),
        },
        T::FuncRef | T::ExternRef => V::Ref(false),
    }
}

/// Fuel given to instantiation and to each call, on both engines (the
/// generated `ensure_termination` global normally stops loops first).
pub const ENGINE_FUEL: u64 = 2_000_000;

// ---------------------------------------------------------------------------
// weft

fn weft_kind(e: &weft::Error) -> Outcome {
    use weft::TrapCode as C;
    match e.as_trap() {
        Some(t) => match t.code {
            C::OutOfFuel | C::StackOverflow => Outcome::Exhausted,
            C::Unreachable => Outcome::Trap(Kind::Unreachable),
            C::MemoryOutOfBounds => Outcome::Trap(Kind::Memory),
            C::TableOutOfBounds | C::UndefinedElement => Outcome::Trap(Kind::Table),
            C::IndirectCallToNull => Outcome::Trap(Kind::NullCall),
            C::BadSignature => Outcome::Trap(Kind::Signature),
            C::IntegerDivisionByZero => Outcome::Trap(Kind::DivZero),
            C::IntegerOverflow => Outcome::Trap(Kind::Overflow),
            C::BadConversionToInteger => Outcome::Trap(Kind::Conversion),
            _ => Outcome::Trap(Kind::Other),
        },
        None => Outcome::Error(e.to_string()),
    }
}

fn weft_val(v: &weft::Val) -> V {
    match *v {
        weft::Val::I32(x) => V::I32(x),
        weft::Val::I64(x) => V::I64(x),
        weft::Val::F32(x) => V::f32(x),
        weft::Val::F64(x) => V::f64(x),
        weft::Val::V128(x) => V::V128(x),
        weft::Val::FuncRef(f) => V::Ref(f.is_none()),
        weft::Val::ExternRef(r) => V::Ref(r.is_none()),
    }
}

fn to_weft(v: V, ty: weft::ValType) -> weft::Val {
    match (v, ty) {
        (V::I32(x), _) => weft::Val::I32(x),
        (V::I64(x), _) => weft::Val::I64(x),
        (V::F32(x), _) => weft::Val::F32(x),
        (V::F64(x), _) => weft::Val::F64(x),
        (V::V128(x), _) => weft::Val::V128(x),
        (V::Ref(_), weft::ValType::ExternRef) => weft::Val::ExternRef(None),
        (V::Ref(_), _) => weft::Val::FuncRef(None),
    }
}

/// Instantiates `module` (no imports) on a fresh store and calls each
/// exported function once with `args`, stopping after the first call that
/// exhausts a resource. `fuel`: engine fuel per call, when the engine
/// counts it.
pub fn run_weft(module: &weft::Module, args: &[Vec<V>], fuel: Option<u64>) -> Run {
    let engine = module.engine();
    let mut store = weft::Store::new(engine, ());
    let mut run = Run::default();
    if let Some(f) = fuel {
        store.set_fuel(f).expect("fuel is on");
    }
    let instance = match weft::Linker::<()>::new(engine).instantiate(&mut store, module) {
        Ok(i) => {
            run.instantiate = Some(Outcome::Values(Vec::new()));
            i
        }
        Err(e) => {
            run.instantiate = Some(weft_kind(&e));
            return run;
        }
    };
    let funcs: Vec<(String, weft::FuncType)> = module
        .exports()
        .filter_map(|e| match e.ty {
            weft::ExternType::Func(ty) => Some((e.name.to_string(), ty)),
            _ => None,
        })
        .collect();
    for ((name, ty), args) in funcs.iter().zip(args) {
        let func = instance.get_func(&store, name).expect("exported function");
        let params: Vec<weft::Val> = args.iter().zip(ty.params()).map(|(v, t)| to_weft(*v, *t)).collect();
        let mut results: Vec<weft::Val> = ty.results().iter().map(|t| weft::Val::default_for(*t)).collect();
        if let Some(f) = fuel {
            store.set_fuel(f).expect("fuel is on");
        }
        let outcome = match func.call(&mut store, &params, &mut results) {
            Ok(()) => Outcome::Values(results.iter().map(weft_val).collect()),
            Err(e) => weft_kind(&e),
        };
        let stop = outcome == Outcome::Exhausted;
        stats::bump(&stats::CALLS);
        if stop {
            stats::bump(&stats::EXHAUSTED);
        } else if let Outcome::Trap(_) = outcome {
            stats::bump(&stats::TRAPS);
        }
        run.calls.push((name.clone(), outcome));
        if stop {
            return run;
        }
    }
    for e in module.exports() {
        let name = e.name.to_string();
        match e.ty {
            weft::ExternType::Memory(_) => {
                let m = instance.get_memory(&store, &name).expect("exported memory");
                run.memories.push((name, m.data(&store).to_vec()));
            }
            weft::ExternType::Global(_) => {
                let g = instance.get_global(&store, &name).expect("exported global");
                run.globals.push((name, weft_val(&g.get(&store))));
            }
            weft::ExternType::Table(_) => {
                let t = instance.get_table(&store, &name).expect("exported table");
                let elems =
                    (0..t.size(&store)).map(|i| matches!(weft_val(&t.get(&store, i).unwrap()), V::Ref(true)));
                run.tables.push((name, elems.collect()));
            }
            weft::ExternType::Func(_) => {}
        }
    }
    run
}

// ---------------------------------------------------------------------------
// wasmi

/// Runs `f`, the wasmi side of a case, and returns `None` when wasmi
/// panics: a bug in the oracle says nothing about weft, so the case is
/// skipped and counted (`stats::ORACLE_PANICS`), and each new panic location
/// is printed once.
///
/// libFuzzer's panic hook aborts the process before unwinding starts, so a
/// quiet hook replaces it during `f` and the original is put back after. A
/// panic raised in this file (the harness side of `f`: an export wasmi does
/// not have, ...) is not wasmi's: the quiet hook hands it to the original
/// hook (libFuzzer: abort, a crash) and it unwinds on as before. Any panic
/// outside `f`, in weft or elsewhere, never sees the quiet hook. No weft
/// code runs in `f` beyond reading a `FuncType`.
pub fn oracle<T>(f: impl FnOnce() -> T) -> Option<T> {
    use std::cell::Cell;
    use std::collections::HashSet;
    use std::panic;
    use std::sync::{Arc, Mutex};
    thread_local! {
        static HARNESS: Cell<bool> = const { Cell::new(false) };
    }
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);

    let outer = Arc::new(panic::take_hook());
    let forward = outer.clone();
    panic::set_hook(Box::new(move |info| {
        let at = info.location();
        let harness = at.is_some_and(|l| l.file() == file!());
        HARNESS.with(|h| h.set(harness));
        if harness {
            (*forward)(info);
            return;
        }
        let at = at.map(|l| l.to_string()).unwrap_or_default();
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if seen.get_or_insert_with(HashSet::new).insert(at.clone()) {
            let msg = info.payload_as_str().unwrap_or("");
            eprintln!("wasmi panicked at {at}: {msg} (case skipped; a bug in the oracle)");
        }
    }));
    let result = panic::catch_unwind(panic::AssertUnwindSafe(f));
    // Dropping the quiet hook drops the last other reference to `outer`.
    drop(panic::take_hook());
    match Arc::try_unwrap(outer) {
        Ok(hook) => panic::set_hook(hook),
        Err(_) => unreachable!("the quiet hook was dropped"),
    }
    match result {
        Ok(v) => Some(v),
        Err(payload) if HARNESS.with(Cell::get) => panic::resume_unwind(payload),
        Err(_) => {
            stats::bump(&stats::ORACLE_PANICS);
            None
        }
    }
}

/// A wasmi engine with fuel and the same features as
/// [`weft_features`]`(true)`.
pub fn wasmi_engine() -> wasmi::Engine {
    let mut c = wasmi::Config::default();
    c.consume_fuel(true);
    c.wasm_tail_call(false);
    c.wasm_simd(true);
    c.wasm_relaxed_simd(false);
    c.wasm_multi_memory(true);
    c.wasm_memory64(false);
    c.wasm_wide_arithmetic(false);
    c.wasm_custom_page_sizes(false);
    c.wasm_extended_const(true);
    wasmi::Engine::new(&c)
}

fn wasmi_kind(e: &wasmi::Error) -> Outcome {
    use wasmi::TrapCode as C;
    match e.as_trap_code() {
        Some(code) => match code {
            C::OutOfFuel | C::StackOverflow | C::GrowthOperationLimited | C::OutOfSystemMemory => {
                Outcome::Exhausted
            }
            C::UnreachableCodeReached => Outcome::Trap(Kind::Unreachable),
            C::MemoryOutOfBounds => Outcome::Trap(Kind::Memory),
            C::TableOutOfBounds => Outcome::Trap(Kind::Table),
            C::IndirectCallToNull => Outcome::Trap(Kind::NullCall),
            C::BadSignature => Outcome::Trap(Kind::Signature),
            C::IntegerDivisionByZero => Outcome::Trap(Kind::DivZero),
            C::IntegerOverflow => Outcome::Trap(Kind::Overflow),
            C::BadConversionToInteger => Outcome::Trap(Kind::Conversion),
        },
        None => Outcome::Error(e.to_string()),
    }
}

fn wasmi_val(v: &wasmi::Val) -> V {
    match v {
        wasmi::Val::I32(x) => V::I32(*x),
        wasmi::Val::I64(x) => V::I64(*x),
        wasmi::Val::F32(x) => V::f32(x.to_bits()),
        wasmi::Val::F64(x) => V::f64(x.to_bits()),
        wasmi::Val::V128(x) => V::V128(x.as_u128()),
        wasmi::Val::FuncRef(f) => V::Ref(f.is_null()),
        wasmi::Val::ExternRef(r) => V::Ref(r.is_null()),
    }
}

fn to_wasmi(v: V, ty: weft::ValType) -> wasmi::Val {
    match (v, ty) {
        (V::I32(x), _) => wasmi::Val::I32(x),
        (V::I64(x), _) => wasmi::Val::I64(x),
        (V::F32(x), _) => wasmi::Val::F32(wasmi::F32::from_bits(x)),
        (V::F64(x), _) => wasmi::Val::F64(wasmi::F64::from_bits(x)),
        (V::V128(x), _) => wasmi::Val::V128(wasmi::V128::from(x)),
        (V::Ref(_), weft::ValType::ExternRef) => wasmi::Val::ExternRef(wasmi::Nullable::Null),
        (V::Ref(_), _) => wasmi::Val::FuncRef(wasmi::Nullable::Null),
    }
}

/// [`run_weft`] on wasmi, for the same module (`bytes`); the export list
/// and types come from weft ([`exports`], taken before, so that no weft
/// code runs in here: see [`oracle`]). `None` when wasmi rejects the
/// module.
pub fn run_wasmi(
    engine: &wasmi::Engine,
    bytes: &[u8],
    exports: &[(String, weft::ExternType)],
    args: &[Vec<V>],
) -> Option<Run> {
    let wmodule = wasmi::Module::new(engine, bytes).ok()?;
    let mut store = wasmi::Store::new(engine, ());
    let mut run = Run::default();
    store.set_fuel(ENGINE_FUEL).expect("fuel is on");
    let instance = match wasmi::Linker::<()>::new(engine).instantiate_and_start(&mut store, &wmodule) {
        Ok(i) => {
            run.instantiate = Some(Outcome::Values(Vec::new()));
            i
        }
        Err(e) => {
            run.instantiate = Some(wasmi_kind(&e));
            return Some(run);
        }
    };
    let funcs = exports.iter().filter_map(|(name, ty)| match ty {
        weft::ExternType::Func(ty) => Some((name, ty)),
        _ => None,
    });
    for ((name, ty), args) in funcs.zip(args) {
        let func = instance.get_func(&store, name).expect("exported function");
        let params: Vec<wasmi::Val> = args.iter().zip(ty.params()).map(|(v, t)| to_wasmi(*v, *t)).collect();
        let mut results = vec![wasmi::Val::I32(0); ty.results().len()];
        store.set_fuel(ENGINE_FUEL).expect("fuel is on");
        let outcome = match func.call(&mut store, &params, &mut results) {
            Ok(()) => Outcome::Values(results.iter().map(wasmi_val).collect()),
            Err(e) => wasmi_kind(&e),
        };
        let stop = outcome == Outcome::Exhausted;
        run.calls.push((name.clone(), outcome));
        if stop {
            return Some(run);
        }
    }
    for (name, ty) in exports {
        let name = name.clone();
        match ty {
            weft::ExternType::Memory(_) => {
                let m = instance.get_memory(&store, &name).expect("exported memory");
                run.memories.push((name, m.data(&store).to_vec()));
            }
            weft::ExternType::Global(_) => {
                let g = instance.get_global(&store, &name).expect("exported global");
                run.globals.push((name, wasmi_val(&g.get(&store))));
            }
            weft::ExternType::Table(_) => {
                let t = instance.get_table(&store, &name).expect("exported table");
                let elems = (0..t.size(&store)).map(|i| t.get(&store, i).unwrap().is_null());
                run.tables.push((name, elems.collect()));
            }
            weft::ExternType::Func(_) => {}
        }
    }
    Some(run)
}

// ---------------------------------------------------------------------------
// The checks, as the fuzz targets and `bounded` run them

/// weft engines for [`check_execute`] / [`check_differential`]: the
/// default backend with fuel (eager), and the loop backend without fuel
/// (lazy lowering); both with multi-memory. And the wasmi engine, which is
/// replaced by a fresh one after it panicked (its state is then unknown).
pub struct Engines {
    pub fuel: weft::Engine,
    pub plain: weft::Engine,
    pub wasmi: std::sync::Mutex<wasmi::Engine>,
}

impl Engines {
    pub fn new() -> Self {
        let mut fuel = weft::Config::new();
        fuel.consume_fuel(true).max_call_depth(10_000).multi_memory(true);
        let mut plain = weft::Config::new();
        plain.backend(weft::Backend::Loop).lazy(true).max_call_depth(10_000).multi_memory(true);
        Engines {
            fuel: weft::Engine::new(&fuel),
            plain: weft::Engine::new(&plain),
            wasmi: std::sync::Mutex::new(wasmi_engine()),
        }
    }

    /// [`run_wasmi`] under [`oracle`]: `None` when wasmi rejects the module
    /// or panics.
    pub fn run_wasmi(
        &self,
        bytes: &[u8],
        exports: &[(String, weft::ExternType)],
        args: &[Vec<V>],
    ) -> Option<Run> {
        let mut engine = self.wasmi.lock().unwrap_or_else(|e| e.into_inner());
        match oracle(|| run_wasmi(&engine, bytes, exports, args)) {
            Some(run) => run,
            None => {
                *engine = wasmi_engine();
                None
            }
        }
    }
}

impl Default for Engines {
    fn default() -> Self {
        Self::new()
    }
}

/// Generates and loads an executable module (up to four memories: the
/// engines have multi-memory on). `Ok(None)`: `u` could not make one.
/// `Err`: weft rejected a module wasm-smith generated as valid.
pub fn gen_exec_module(
    u: &mut Unstructured<'_>,
    engine: &weft::Engine,
    purpose: Purpose,
) -> Result<Option<(Vec<u8>, weft::Module)>, Divergence> {
    let Ok(bytes) = gen_module(u, purpose, true) else {
        stats::bump(&stats::NO_INPUT);
        return Ok(None);
    };
    match weft::Module::new(engine, &bytes) {
        Ok(m) => {
            stats::bump(&stats::MODULES);
            let needs = |f| {
                let without = weft_features(true).difference(f);
                wasmparser::Validator::new_with_features(without).validate_all(&bytes).is_err()
            };
            if needs(wasmparser::WasmFeatures::SIMD) {
                stats::bump(&stats::SIMD);
            }
            if needs(wasmparser::WasmFeatures::MULTI_MEMORY) {
                stats::bump(&stats::MULTI_MEMORY);
            }
            if std::env::var_os("WEFT_FUZZ_DEBUG").is_some() {
                let d = m.decoded();
                eprintln!(
                    "module: {} bytes, {} funcs, {} exports",
                    bytes.len(),
                    d.bodies.len(),
                    d.exports.len()
                );
            }
            Ok(Some((bytes, m)))
        }
        Err(e) => Err(Divergence::new(format!("weft rejects a valid generated module: {e}")).on(&bytes)),
    }
}

/// The `execute` check: the module runs on weft without panicking, and two
/// configurations (default backend + fuel + eager; loop backend, no fuel,
/// lazy) agree.
pub fn check_execute(e: &Engines, u: &mut Unstructured<'_>) -> Result<(), Divergence> {
    let Some((bytes, with_fuel)) = gen_exec_module(u, &e.fuel, Purpose::Execute)? else { return Ok(()) };
    let args = gen_args(u, &with_fuel);
    let a = run_weft(&with_fuel, &args, Some(ENGINE_FUEL));
    let plain = weft::Module::new(&e.plain, &bytes)
        .map_err(|e| Divergence::new(format!("lazy load failed: {e}")).on(&bytes))?;
    let b = run_weft(&plain, &args, None);
    compare("weft(fuel)", &a, "weft(loop,lazy)", &b).map_err(|d| d.on(&bytes))
}

/// The `differential` check: weft (default backend, fuel) and wasmi agree.
pub fn check_differential(e: &Engines, u: &mut Unstructured<'_>) -> Result<(), Divergence> {
    let Some((bytes, module)) = gen_exec_module(u, &e.fuel, Purpose::Differential)? else { return Ok(()) };
    let args = gen_args(u, &module);
    let a = run_weft(&module, &args, Some(ENGINE_FUEL));
    if eqz_feeds_select(&bytes) {
        stats::bump(&stats::ORACLE_SHAPE);
        return Ok(());
    }
    let Some(b) = e.run_wasmi(&bytes, &exports(&module), &args) else { return Ok(()) };
    compare("weft", &a, "wasmi", &b).map_err(|d| d.on(&bytes))
}

/// Whether some `select` takes its condition straight from an `i32.eqz` or
/// a `ref.is_null`: wasmi 2.0.0 computes some of those wrongly (fuzz/README.md, "Known
/// oracle bugs"), so `differential` runs such modules on weft only (the
/// `execute` target still compares weft's two configurations on them).
fn eqz_feeds_select(bytes: &[u8]) -> bool {
    use wasmparser::{Operator, Payload};
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(Payload::CodeSectionEntry(body)) = payload else { continue };
        let Ok(mut ops) = body.get_operators_reader() else { continue };
        let mut after_eqz = false;
        while !ops.eof() {
            let Ok(op) = ops.read() else { break };
            if after_eqz && matches!(op, Operator::Select | Operator::TypedSelect { .. }) {
                return true;
            }
            after_eqz = matches!(op, Operator::I32Eqz | Operator::RefIsNull);
        }
    }
    false
}

/// The differential check on a given module (`bounded --file`), with zero
/// arguments; prints both runs.
pub fn differential_file(e: &Engines, bytes: &[u8]) -> Result<(), Divergence> {
    let module =
        weft::Module::new(&e.fuel, bytes).map_err(|e| Divergence::new(format!("weft rejects: {e}")))?;
    let args = gen_args(&mut Unstructured::new(&[]), &module);
    let a = run_weft(&module, &args, Some(ENGINE_FUEL));
    let b = e
        .run_wasmi(bytes, &exports(&module), &args)
        .ok_or_else(|| Divergence::new("wasmi rejects or panics".into()))?;
    let plain = weft::Module::new(&e.plain, bytes)
        .map_err(|e| Divergence::new(format!("weft (lazy) rejects: {e}")))?;
    let c = run_weft(&plain, &args, None);
    eprintln!("weft:  {a:?}\nwasmi: {b:?}\nweft(loop,lazy): {c:?}");
    compare("weft", &a, "wasmi", &b)?;
    compare("weft(fuel)", &a, "weft(loop,lazy)", &c)
}

/// weft engines for [`check_validate`]: without and with multi-memory.
pub struct ValidateEngines {
    pub single: weft::Engine,
    pub multi: weft::Engine,
}

impl ValidateEngines {
    pub fn new() -> Self {
        let mut multi = weft::Config::new();
        multi.multi_memory(true);
        ValidateEngines { single: weft::Engine::new(&weft::Config::new()), multi: weft::Engine::new(&multi) }
    }
}

impl Default for ValidateEngines {
    fn default() -> Self {
        Self::new()
    }
}

/// The `validate` check on one input: a generated module loads, and a
/// mutated copy is accepted by weft exactly when wasmparser accepts it.
/// Half the inputs have multi-memory on (up to four memories generated,
/// weft's `Config::multi_memory`, wasmparser's `MULTI_MEMORY`), half off,
/// so a second memory made by a mutation must be rejected.
pub fn check_validate(engines: &ValidateEngines, u: &mut Unstructured<'_>) -> Result<(), Divergence> {
    let Ok(multi) = u.arbitrary::<bool>() else { return Ok(()) };
    let engine = if multi { &engines.multi } else { &engines.single };
    let Ok(bytes) = gen_module(u, Purpose::Validate, multi) else { return Ok(()) };
    if let Err(e) = weft::Module::new(engine, &bytes) {
        return Err(Divergence::new(format!("weft rejects a valid generated module: {e}")).on(&bytes));
    }
    let Ok(mutated) = mutate(u, &bytes) else { return Ok(()) };
    let theirs = wasmparser::Validator::new_with_features(weft_features(multi)).validate_all(&mutated);
    let ours = weft::Module::new(engine, &mutated);
    match (&ours, &theirs) {
        (Ok(_), Err(e)) => {
            Err(Divergence::new(format!("weft accepts, wasmparser rejects: {e}")).on(&mutated))
        }
        (Err(e), Ok(_)) => {
            Err(Divergence::new(format!("weft rejects, wasmparser accepts: {e}")).on(&mutated))
        }
        _ => Ok(()),
    }
}
