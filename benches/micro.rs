//! Criterion micro-benchmarks for quick local iteration: dispatch, calls, memory access and
//! translation, each on both dispatch backends. They measure only; each checks its result once
//! so it cannot time a trap. Run with `cargo bench --bench micro [-- <filter>]`.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use std::fmt::{Debug, Write};
use std::hint::black_box;
use std::time::Duration;
use weft::{Backend, Config, Engine, Instance, Linker, Module, Store, TypedFunc, WasmParams, WasmResults};

fn wat(text: &str) -> Vec<u8> {
    let buf = wast::parser::ParseBuffer::new(text).expect("lex");
    let mut module: wast::Wat = wast::parser::parse(&buf).expect("parse");
    module.encode().expect("encode")
}

/// The backends to measure, by name. The threaded backend relies on sibling calls that only
/// optimized builds guarantee (see build.rs), so it is measured where it is the default, which
/// includes every `cargo bench` on x86-64 and AArch64.
fn backends() -> Vec<(&'static str, Backend)> {
    let mut out = vec![("loop", Backend::Loop)];
    if Backend::default() == Backend::Threaded {
        out.insert(0, ("threaded", Backend::Threaded));
    }
    out
}

fn engine(backend: Backend) -> Engine {
    Engine::new(Config::new().backend(backend))
}

/// A module instantiated in a store of its own.
struct Loaded {
    store: Store<()>,
    instance: Instance,
}

impl Loaded {
    fn new(engine: &Engine, bytes: &[u8]) -> Loaded {
        let module = Module::new(engine, bytes).expect("module");
        let mut store = Store::new(engine, ());
        let instance = Linker::new(engine).instantiate(&mut store, &module).expect("instantiate");
        Loaded { store, instance }
    }

    fn func<P: WasmParams, R: WasmResults>(&self, name: &str) -> TypedFunc<P, R> {
        self.instance.get_typed_func(&self.store, name).expect(name)
    }

    fn memory(&self) -> &[u8] {
        self.instance.get_memory(&self.store, "mem").expect("mem").data(&self.store)
    }
}

/// Times calls of `name` with `args`, after checking once that one returns `expected`.
fn bench_call<P, R>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    loaded: &mut Loaded,
    name: &str,
    args: P,
    expected: R,
) where
    P: WasmParams + Copy,
    R: WasmResults + PartialEq + Debug,
{
    let f = loaded.func::<P, R>(name);
    assert_eq!(f.call(&mut loaded.store, args).expect(name), expected, "{name}");
    let store = &mut loaded.store;
    group.bench_function(id, |b| b.iter(|| f.call(&mut *store, black_box(args)).unwrap()));
}

// ---------------------------------------------------------------------------------------------
// dispatch

const DISPATCH: &str = r#"
(module
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $x i32)
    (local.set $x (i32.const 1))
    (loop $next
      (local.set $x (i32.add (local.get $x) (i32.const 0x9e3779b9)))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (local.set $x (i32.add (local.get $x) (i32.shr_u (local.get $x) (i32.const 3))))
      (local.set $x (i32.xor (local.get $x) (i32.rotl (local.get $x) (i32.const 11))))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $x)))
"#;

/// What `DISPATCH`'s `run(n)` returns.
fn dispatch_expected(n: u32) -> i32 {
    let mut x = 1u32;
    for _ in 0..n {
        x = x.wrapping_add(0x9e3779b9);
        x ^= x << 5;
        x = x.wrapping_add(x >> 3);
        x ^= x.rotate_left(11);
    }
    x as i32
}

fn dispatch(c: &mut Criterion) {
    const N: u32 = 100_000;
    let bytes = wat(DISPATCH);
    let mut group = c.benchmark_group("dispatch");
    group.throughput(Throughput::Elements(N as u64));
    for (name, backend) in backends() {
        let mut loaded = Loaded::new(&engine(backend), &bytes);
        let id = BenchmarkId::new("arith", name);
        bench_call(&mut group, id, &mut loaded, "run", N as i32, dispatch_expected(N));
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// calls

const CALLS: &str = r#"
(module
  (type $unary (func (param i32) (result i32)))
  (table funcref (elem $leaf))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $leaf (type $unary)
    (i32.add (local.get 0) (i32.const 3)))
  (func (export "direct") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $next
      (local.set $acc (call $leaf (local.get $acc)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $acc))
  ;; $slot is a parameter so that the table index is not a constant.
  (func (export "indirect") (param $n i32) (param $slot i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $next
      (local.set $acc (call_indirect (type $unary) (local.get $acc) (local.get $slot)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $acc)))
"#;

fn calls(c: &mut Criterion) {
    const FIB_N: i32 = 20;
    // fib(n) makes 2 * fib(n + 1) - 1 calls: 21891 for n = 20.
    const FIB_CALLS: u64 = 2 * 10946 - 1;
    const N: i32 = 100_000;
    let bytes = wat(CALLS);
    let mut group = c.benchmark_group("calls");
    for (name, backend) in backends() {
        let mut loaded = Loaded::new(&engine(backend), &bytes);
        group.throughput(Throughput::Elements(FIB_CALLS));
        bench_call(&mut group, BenchmarkId::new("fib20", name), &mut loaded, "fib", FIB_N, 6765);
        group.throughput(Throughput::Elements(N as u64));
        bench_call(&mut group, BenchmarkId::new("direct", name), &mut loaded, "direct", N, 3 * N);
        let id = BenchmarkId::new("indirect", name);
        bench_call(&mut group, id, &mut loaded, "indirect", (N, 0), 3 * N);
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// memory

const MEMORY: &str = r#"
(module
  ;; Page 0 is the source, filled by `init`; page 1 the destination of `copy_words`.
  (memory (export "mem") 2)
  (func (export "init")
    (local $i i32)
    (loop $next
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (i32.const 0x9e3779b1)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 16384)))))
  ;; Copies the source to the destination a word at a time; returns the sum of the words.
  (func (export "copy_words") (result i32)
    (local $p i32) (local $v i32) (local $sum i32)
    (loop $next
      (local.set $v (i32.load (local.get $p)))
      (i32.store offset=65536 (local.get $p) (local.get $v))
      (local.set $sum (i32.add (local.get $sum) (local.get $v)))
      (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (i32.const 65536))))
    (local.get $sum))
  ;; FNV-1a over the source, a byte at a time.
  (func (export "checksum_bytes") (result i32)
    (local $p i32) (local $h i32)
    (local.set $h (i32.const 0x811c9dc5))
    (loop $next
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $p))) (i32.const 0x01000193)))
      (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (i32.const 65536))))
    (local.get $h)))
"#;

fn memory(c: &mut Criterion) {
    const LEN: usize = 64 << 10;
    let bytes = wat(MEMORY);
    let mut group = c.benchmark_group("memory");
    group.throughput(Throughput::Bytes(LEN as u64));
    for (name, backend) in backends() {
        let mut loaded = Loaded::new(&engine(backend), &bytes);
        loaded.func::<(), ()>("init").call(&mut loaded.store, ()).expect("init");
        let src = &loaded.memory()[..LEN];
        let sum = src.chunks(4).fold(0u32, |s, w| s.wrapping_add(u32::from_le_bytes(w.try_into().unwrap())));
        let fnv = src.iter().fold(0x811c9dc5u32, |h, &b| (h ^ b as u32).wrapping_mul(0x01000193));
        let id = BenchmarkId::new("copy_words", name);
        bench_call(&mut group, id, &mut loaded, "copy_words", (), sum as i32);
        assert!(loaded.memory()[..LEN] == loaded.memory()[LEN..2 * LEN], "copy_words copied");
        let id = BenchmarkId::new("checksum_bytes", name);
        bench_call(&mut group, id, &mut loaded, "checksum_bytes", (), fnv as i32);
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// translation

/// Functions in the generated module; the first `LEAVES` call nothing, the others call them.
const FUNCS: u32 = 300;
const LEAVES: u32 = 8;
/// Statements at the top level of each function body.
const STMTS: u32 = 30;

/// xorshift64*: a fixed sequence, so every run translates the same module.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32 % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u32) as usize]
    }
}

/// Generates WAT for a module of `FUNCS` functions `(param i32 i32) (result i32)` whose bodies mix
/// arithmetic on locals, blocks, loops, ifs, `br_table`, loads, stores and calls. Every loop
/// runs at most 3 times, calls go to leaves only and addresses are masked into the one page, so
/// each function terminates without trapping.
struct Gen {
    rng: Rng,
    labels: u32,
    out: String,
}

impl Gen {
    fn module() -> String {
        let mut g = Gen { rng: Rng(0x2545_f491_4f6c_dd1d), labels: 0, out: String::new() };
        g.out.push_str("(module\n  (memory 1)\n");
        for f in 0..FUNCS {
            g.func(f);
        }
        g.out.push_str(")\n");
        g.out
    }

    fn func(&mut self, f: u32) {
        const LOCALS: &str = "(local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) \
            (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $y0 i64) (local $y1 i64)";
        let calls = f >= LEAVES;
        writeln!(self.out, "  (func $f{f} (export \"f{f}\") (param $a i32) (param $b i32) (result i32)")
            .unwrap();
        writeln!(self.out, "    {LOCALS}").unwrap();
        let stmts = if calls { STMTS } else { STMTS / 4 };
        for _ in 0..stmts {
            self.stmt(0, calls);
        }
        self.out.push_str("    (i32.add (local.get $x0) (i32.wrap_i64 (local.get $y0))))\n");
    }

    fn stmts(&mut self, depth: u32, calls: bool) {
        for _ in 0..1 + self.rng.below(3) {
            self.stmt(depth, calls);
        }
    }

    /// One stack-neutral statement. Control nests at most 3 deep; a loop at depth `d` counts in
    /// `$c{d}`, which nothing inside it writes.
    fn stmt(&mut self, depth: u32, calls: bool) {
        if depth == 0 {
            self.out.push_str("    ");
        }
        let choice = match self.rng.below(if depth < 3 { 13 } else { 7 }) {
            6 if !calls => 0,
            c => c,
        };
        match choice {
            0..=2 => {
                write!(self.out, "(local.set $x{} ", self.rng.below(4)).unwrap();
                self.expr(3);
                self.out.push(')');
            }
            3 => {
                let op = self.rng.pick(&["add", "mul", "xor", "rotl", "sub"]);
                let (y, z) = (self.rng.below(2), self.rng.below(2));
                write!(self.out, "(local.set $y{y} (i64.{op} (local.get $y{z}) (i64.extend_i32_s ").unwrap();
                self.expr(2);
                self.out.push_str(")))");
            }
            4 => {
                let store = self.rng.pick(&["i32.store", "i32.store8", "i32.store16"]);
                write!(self.out, "({store} offset={} ", 4 * self.rng.below(3)).unwrap();
                self.addr();
                self.expr(2);
                self.out.push(')');
            }
            5 => {
                self.out.push_str("(i64.store offset=8 ");
                self.addr();
                write!(self.out, "(local.get $y{}))", self.rng.below(2)).unwrap();
            }
            6 => {
                write!(self.out, "(local.set $x{} (call $f{} ", self.rng.below(4), self.rng.below(LEAVES))
                    .unwrap();
                self.expr(1);
                self.expr(1);
                self.out.push_str("))");
            }
            7 | 8 => {
                self.out.push_str("(if ");
                self.expr(2);
                self.out.push_str(" (then ");
                self.stmts(depth + 1, calls);
                self.out.push_str(") (else ");
                self.stmts(depth + 1, calls);
                self.out.push_str("))");
            }
            9 => {
                let l = self.label();
                write!(self.out, "(local.set $c{depth} (i32.const 0)) (loop $L{l} ").unwrap();
                self.stmts(depth + 1, calls);
                write!(self.out, " (br_if $L{l} (i32.lt_u (local.tee $c{depth} ").unwrap();
                write!(self.out, "(i32.add (local.get $c{depth}) (i32.const 1))) (i32.const 3))))").unwrap();
            }
            10 => {
                let l = self.label();
                write!(self.out, "(block $L{l} ").unwrap();
                self.stmts(depth + 1, calls);
                write!(self.out, " (br_if $L{l} ").unwrap();
                self.expr(2);
                self.out.push_str(") ");
                self.stmts(depth + 1, calls);
                self.out.push(')');
            }
            _ => {
                // Three nested blocks entered by a br_table; each arm runs what follows its block.
                let (a, b, c) = (self.label(), self.label(), self.label());
                write!(self.out, "(block $L{a} (block $L{b} (block $L{c} (br_table $L{c} $L{b} $L{a} ")
                    .unwrap();
                self.expr(2);
                self.out.push_str(")) ");
                self.stmts(depth + 1, calls);
                self.out.push_str(") ");
                self.stmts(depth + 1, calls);
                self.out.push(')');
            }
        }
        self.out.push(if depth == 0 { '\n' } else { ' ' });
    }

    /// An i32 expression at most `depth` operators deep (a load's address adds one or two).
    fn expr(&mut self, depth: u32) {
        if depth == 0 || self.rng.below(4) == 0 {
            match self.rng.below(4) {
                0 => write!(self.out, "(i32.const {})", self.rng.below(1000) as i32 - 500),
                1 => write!(self.out, "(local.get ${})", self.rng.pick(&["a", "b"])),
                _ => write!(self.out, "(local.get $x{})", self.rng.below(4)),
            }
            .unwrap();
            return;
        }
        let d = depth - 1;
        match self.rng.below(10) {
            0..=3 => {
                let op = self
                    .rng
                    .pick(&["add", "sub", "mul", "and", "or", "xor", "shl", "shr_u", "shr_s", "rotl"]);
                write!(self.out, "(i32.{op} ").unwrap();
                self.expr(d);
                self.expr(d);
            }
            4 => {
                let op = self.rng.pick(&["eq", "ne", "lt_s", "lt_u", "gt_u", "le_s", "ge_u"]);
                write!(self.out, "(i32.{op} ").unwrap();
                self.expr(d);
                self.expr(d);
            }
            5 => {
                let op = self.rng.pick(&["eqz", "clz", "ctz", "popcnt", "extend8_s"]);
                write!(self.out, "(i32.{op} ").unwrap();
                self.expr(d);
            }
            6 | 7 => {
                let load = self.rng.pick(&["i32.load", "i32.load", "i32.load8_u", "i32.load16_s"]);
                write!(self.out, "({load} offset={} ", 4 * self.rng.below(3)).unwrap();
                self.addr();
            }
            8 => {
                self.out.push_str("(select ");
                self.expr(d);
                self.expr(d);
                self.expr(d);
            }
            _ => {
                let op = self.rng.pick(&["add", "xor", "mul"]);
                write!(
                    self.out,
                    "(i32.wrap_i64 (i64.{op} (local.get $y{}) (i64.extend_i32_u ",
                    self.rng.below(2)
                )
                .unwrap();
                self.expr(d);
                self.out.push_str("))");
            }
        }
        self.out.push(')');
    }

    /// An address in `0..=0xfff0`, so that an 8-byte access at offset 8 stays in the page.
    fn addr(&mut self) {
        self.out.push_str("(i32.and ");
        self.expr(1);
        self.out.push_str(" (i32.const 0xfff0)) ");
    }

    fn label(&mut self) -> u32 {
        self.labels += 1;
        self.labels
    }
}

/// The size of a binary module's code section.
fn code_len(bytes: &[u8]) -> usize {
    let leb = |pos: &mut usize| {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let b = bytes[*pos];
            *pos += 1;
            v |= ((b & 0x7f) as usize) << shift;
            shift += 7;
            if b < 0x80 {
                return v;
            }
        }
    };
    let mut pos = 8;
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let len = leb(&mut pos);
        if id == 10 {
            return len;
        }
        pos += len;
    }
    panic!("no code section")
}

/// Calls every generated function once with the same arguments.
fn run_all(engine: &Engine, bytes: &[u8]) -> Vec<i32> {
    let mut loaded = Loaded::new(engine, bytes);
    (0..FUNCS)
        .map(|f| {
            let name = format!("f{f}");
            loaded.func::<(i32, i32), i32>(&name).call(&mut loaded.store, (7, -3)).expect(&name)
        })
        .collect()
}

fn translation(c: &mut Criterion) {
    let bytes = wat(&Gen::module());
    let mut group = c.benchmark_group("translation");
    group.throughput(Throughput::Bytes(code_len(&bytes) as u64));
    group.sample_size(20);
    for (name, backend) in backends() {
        let eager = engine(backend);
        let lazy = Engine::new(Config::new().backend(backend).lazy(true));
        // The module translates both ways, and its code runs the same both ways.
        assert_eq!(run_all(&eager, &bytes), run_all(&lazy, &bytes));
        for (id, engine) in [("eager", &eager), ("lazy", &lazy)] {
            let module = Module::new(engine, &bytes).expect("translate");
            assert_eq!(module.exports().count(), FUNCS as usize);
            group.bench_function(BenchmarkId::new(id, name), |b| {
                b.iter_with_large_drop(|| Module::new(engine, black_box(&bytes)).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Shorter than criterion's defaults (3 s + 5 s); command-line options override.
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = dispatch, calls, memory, translation
}
criterion_main!(benches);
