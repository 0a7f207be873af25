//! The `execute` and `differential` checks over N modules generated from
//! seeded byte buffers, deterministically and without libFuzzer, for CI:
//!
//! ```sh
//! cargo run --release --manifest-path fuzz/Cargo.toml --bin bounded -- 2000
//! cargo run --release --manifest-path fuzz/Cargo.toml --bin bounded -- --case 137
//! ```
//!
//! Case `i` is the same module on every machine. A failing case (a
//! divergence, a panic, or a case running longer than 60 s) is reported
//! with its number; `--case I` reruns only that one and writes its module to
//! `bounded-case-I.wasm` (and prints it as text); `--file M.wasm` runs a
//! module's exports with zero arguments on weft (two configurations) and
//! wasmi and compares them; `--input F` runs both checks on a fuzz input
//! (an `execute` / `differential` artifact or corpus file) as the fuzz
//! targets would, and writes the two modules it makes to `F.execute.wasm`
//! and `F.differential.wasm`. Exits non-zero when any case failed, after
//! the line `N passed, M failed`.

use arbitrary::Unstructured;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft_fuzz::{check_differential, check_execute, gen_module, Engines, Purpose};

/// xorshift64*: tiny, deterministic, good enough to fill buffers.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // Never zero; distinct seeds stay distinct.
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xd1b5_4a32_d192_ed03)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The input bytes of case `i`: 256 bytes to 16 KiB.
fn case_bytes(i: u64) -> Vec<u8> {
    let mut rng = Rng::new(i + 1);
    let len = 256 + (rng.next() % (16 << 10)) as usize;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Runs both checks on case `i`; `Err` describes the first failure.
fn run_case(engines: &Engines, i: u64, save: bool) -> Result<(), String> {
    run_data(engines, &case_bytes(i), &format!("bounded-case-{i}.wasm"), save)
}

/// Runs both checks on `data`; on a failure, with `save`, writes the
/// module to `path` and prints it.
fn run_data(engines: &Engines, data: &[u8], path: &str, save: bool) -> Result<(), String> {
    let checks: [(&str, fn(&Engines, &mut Unstructured<'_>) -> Result<(), weft_fuzz::Divergence>); 2] =
        [("execute", check_execute), ("differential", check_differential)];
    for (name, check) in checks {
        let result = catch_unwind(AssertUnwindSafe(|| check(engines, &mut Unstructured::new(data))));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(d)) => {
                if save {
                    d.save(std::path::Path::new(path));
                    match wasmprinter::print_bytes(&d.1) {
                        Ok(wat) => eprintln!("{wat}"),
                        Err(e) => eprintln!("(wasmprinter: {e})"),
                    }
                    eprintln!("module written to {path}");
                }
                return Err(format!("{name}: {d}"));
            }
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Err(format!("{name}: panic: {msg}"));
            }
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let engines = Engines::new();
    if args.first().map(String::as_str) == Some("--file") {
        let path = args.get(1).expect("usage: bounded --file M.wasm");
        let bytes = std::fs::read(path).expect("read the module");
        match weft_fuzz::differential_file(&engines, &bytes) {
            Ok(()) => println!("{path} passed"),
            Err(e) => {
                println!("{path} failed: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    if args.first().map(String::as_str) == Some("--input") {
        let path = args.get(1).expect("usage: bounded --input F");
        let data = std::fs::read(path).expect("read the input");
        for (purpose, name) in [(Purpose::Execute, "execute"), (Purpose::Differential, "differential")] {
            if let Ok(m) = gen_module(&mut Unstructured::new(&data), purpose, true) {
                std::fs::write(format!("{path}.{name}.wasm"), m).expect("write the module");
            }
        }
        match run_data(&engines, &data, &format!("{path}.failing.wasm"), true) {
            Ok(()) => println!("{path} passed"),
            Err(e) => {
                println!("{path} failed: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    if args.first().map(String::as_str) == Some("--case") {
        let i: u64 = args.get(1).and_then(|s| s.parse().ok()).expect("usage: bounded --case I");
        match run_case(&engines, i, true) {
            Ok(()) => println!("case {i} passed"),
            Err(e) => {
                println!("case {i} failed: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    let n: u64 = args.first().map(|s| s.parse().expect("usage: bounded [N] | --case I")).unwrap_or(2000);

    // A watchdog: a case that runs for a minute is a hang.
    let current = Arc::new(AtomicU64::new(u64::MAX));
    let started = Instant::now();
    let since = Arc::new(AtomicU64::new(0));
    {
        let (current, since) = (current.clone(), since.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            let case = current.load(Ordering::SeqCst);
            let t = since.load(Ordering::SeqCst);
            if case != u64::MAX && started.elapsed().as_secs().saturating_sub(t) > 60 {
                println!("case {case} failed: still running after 60 s (a hang?)");
                println!("{case} passed, 1 failed");
                std::process::exit(1);
            }
        });
    }

    let (mut passed, mut failed) = (0u64, 0u64);
    for i in 0..n {
        since.store(started.elapsed().as_secs(), Ordering::SeqCst);
        current.store(i, Ordering::SeqCst);
        match run_case(&engines, i, false) {
            Ok(()) => passed += 1,
            Err(e) => {
                failed += 1;
                println!("case {i} failed: {e}");
            }
        }
    }
    current.store(u64::MAX, Ordering::SeqCst);
    eprintln!("{:.1} s; weft: {}", started.elapsed().as_secs_f64(), weft_fuzz::stats::summary());
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
