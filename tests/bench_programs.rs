//! The benchmark corpus (benches/programs/*.wasm) runs on weft and gives the
//! checksums the native build gave (benches/programs/checksums.txt), on
//! every dispatch backend. The test calls each program's `run_small`; the
//! full `run` is what `benches/compare` measures, and it checks the same
//! checksums there.

use std::path::{Path, PathBuf};
use weft::{Backend, Config, Engine, Linker, Module, Store};

fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/programs")
}

/// `(name, run checksum, run_small checksum)` for every program.
fn checksums() -> Vec<(String, i64, i64)> {
    let text = std::fs::read_to_string(programs_dir().join("checksums.txt"))
        .expect("benches/programs/checksums.txt");
    let out: Vec<_> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "malformed checksums.txt line: {l}");
            (f[0].to_string(), f[1].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect();
    assert!(out.len() >= 12, "the corpus has at least 12 programs");
    out
}

fn engines() -> Vec<(Backend, Engine)> {
    let mut out = vec![(Backend::Loop, Engine::new(Config::new().backend(Backend::Loop)))];
    // Threaded dispatch needs sibling calls, guaranteed only where it is the
    // default (optimized builds on x86-64/AArch64).
    if Backend::default() == Backend::Threaded {
        out.push((Backend::Threaded, Engine::new(Config::new().backend(Backend::Threaded))));
    }
    out
}

fn call(engine: &Engine, name: &str, export: &str) -> i64 {
    let bytes = std::fs::read(programs_dir().join(format!("{name}.wasm")))
        .unwrap_or_else(|e| panic!("{name}.wasm: {e} (run benches/programs/build.sh)"));
    let module = Module::new(engine, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut store = Store::new(engine, ());
    let instance =
        Linker::<()>::new(engine).instantiate(&mut store, &module).unwrap_or_else(|e| panic!("{name}: {e}"));
    let f =
        instance.get_typed_func::<(), i64>(&store, export).unwrap_or_else(|e| panic!("{name}.{export}: {e}"));
    f.call(&mut store, ()).unwrap_or_else(|e| panic!("{name}.{export}: {e}"))
}

#[test]
fn small_runs_match_native_checksums() {
    let mut failures = Vec::new();
    for (backend, engine) in engines() {
        for (name, _, small) in checksums() {
            let got = call(&engine, &name, "run_small");
            if got != small {
                failures.push(format!("{name} ({backend:?}): got {got}, native gave {small}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sha256_known_answer() {
    for (_, engine) in engines() {
        assert_eq!(call(&engine, "sha256", "selftest"), 1, "SHA-256(\"abc\")");
    }
}
