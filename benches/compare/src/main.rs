//! Runs the benches/programs corpus on weft (both dispatch backends) and on
//! peer runtimes, and measures translation speed on a large generated
//! module; prints markdown and writes BENCHMARKS.md at the repository root.
//!
//! Every runtime sets a program up once; one warm-up call checks the
//! checksum against benches/programs/checksums.txt; then repetitions are
//! interleaved across runtimes (A B C A B C ...) and medians reported.

mod gen;
mod runtimes;

use runtimes::{Program, Runner};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Args {
    reps: usize,
    translate_reps: usize,
    code_mb: f64,
    programs: Option<Vec<String>>,
    runtimes: Option<Vec<String>>,
    skip_programs: bool,
    skip_translate: bool,
    out: Option<PathBuf>,
}

const USAGE: &str = "\
usage: weft-compare [--reps N] [--programs a,b] [--runtimes a,b] [--translate-reps N]
                    [--code-mb X] [--no-programs] [--no-translate] [--out FILE | --no-write]";

fn parse_args() -> Result<Args, String> {
    let root = repo_root();
    let mut a = Args {
        reps: 5,
        translate_reps: 7,
        code_mb: 2.5,
        programs: None,
        runtimes: None,
        skip_programs: false,
        skip_translate: false,
        out: Some(root.join("BENCHMARKS.md")),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--reps" => a.reps = value()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--translate-reps" => {
                a.translate_reps = value()?.parse().map_err(|e| format!("--translate-reps: {e}"))?
            }
            "--code-mb" => a.code_mb = value()?.parse().map_err(|e| format!("--code-mb: {e}"))?,
            "--programs" => a.programs = Some(value()?.split(',').map(String::from).collect()),
            "--runtimes" => a.runtimes = Some(value()?.split(',').map(String::from).collect()),
            "--no-programs" => a.skip_programs = true,
            "--no-translate" => a.skip_translate = true,
            "--out" => a.out = Some(PathBuf::from(value()?)),
            "--no-write" => a.out = None,
            "-h" | "--help" => return Err(USAGE.into()),
            _ => return Err(format!("unknown argument `{arg}`\n{USAGE}")),
        }
    }
    if a.reps == 0 || a.translate_reps == 0 {
        return Err("repetitions must be at least 1".into());
    }
    Ok(a)
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn load_programs(filter: &Option<Vec<String>>) -> Result<Vec<Program>, String> {
    let dir = repo_root().join("benches/programs");
    let text = std::fs::read_to_string(dir.join("checksums.txt")).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let name = f[0].to_string();
        if filter.as_ref().is_some_and(|want| !want.contains(&name)) {
            continue;
        }
        let wasm = std::fs::read(dir.join(format!("{name}.wasm")))
            .map_err(|e| format!("{name}.wasm: {e} (run benches/programs/build.sh)"))?;
        let expected = f[1].parse().map_err(|e| format!("checksums.txt: {e}"))?;
        let simd = name.starts_with("simd_");
        out.push(Program { native: dir.join("native").join(&name), name, wasm, expected, simd });
    }
    Ok(out)
}

/// The runtime cannot run this program at all (a SIMD program on a runtime
/// without Wasm SIMD): it is not set up, and the report says n/a, not failed.
fn unsupported(p: &Program, runtime: &str) -> bool {
    p.simd && runtimes::all().iter().any(|r| r.name == runtime && !r.simd)
}

const UNSUPPORTED: &str = "unsupported (no Wasm SIMD)";

fn median(v: &[Duration]) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2
    }
}

fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

fn fmt_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}×")
    } else if r >= 10.0 {
        format!("{r:.1}×")
    } else {
        format!("{r:.2}×")
    }
}

/// Per program, per runtime: the samples, or why the runtime could not run it.
type Results = Vec<Vec<Result<Vec<Duration>, String>>>;

fn bench_programs(args: &Args, programs: &[Program], names: &[&'static str]) -> Results {
    let all = runtimes::all();
    let chosen: Vec<_> = all.iter().filter(|r| names.contains(&r.name)).collect();
    let mut results = Vec::new();
    for p in programs {
        eprintln!("== {}", p.name);
        // Set up every runtime, then warm up and check the checksum.
        let mut runners: Vec<Result<Runner, String>> = Vec::new();
        for rt in &chosen {
            if unsupported(p, rt.name) {
                eprintln!("   {:<10} {UNSUPPORTED}", rt.name);
                runners.push(Err(UNSUPPORTED.into()));
                continue;
            }
            let t = Instant::now();
            let r = (rt.setup)(p).and_then(|mut run| {
                let s = run()?;
                if s.checksum != p.expected {
                    return Err(format!("checksum {} (expected {})", s.checksum, p.expected));
                }
                Ok(run)
            });
            match &r {
                Ok(_) => eprintln!("   {:<10} ready (setup + warm-up {:.2?})", rt.name, t.elapsed()),
                Err(e) => eprintln!("   {:<10} FAILED: {e}", rt.name),
            }
            runners.push(r);
        }
        let mut samples: Vec<Result<Vec<Duration>, String>> =
            runners.iter().map(|r| r.as_ref().map(|_| Vec::new()).map_err(|e| e.clone())).collect();
        for rep in 0..args.reps {
            for (i, runner) in runners.iter_mut().enumerate() {
                let Ok(run) = runner else { continue };
                let t = Instant::now();
                let res = run();
                let wall = t.elapsed();
                match res {
                    Ok(s) if s.checksum == p.expected => {
                        if let Ok(v) = &mut samples[i] {
                            v.push(s.self_timed.unwrap_or(wall));
                        }
                    }
                    Ok(s) => samples[i] = Err(format!("checksum {} on repetition {rep}", s.checksum)),
                    Err(e) => samples[i] = Err(e),
                }
            }
        }
        let line: Vec<String> = chosen
            .iter()
            .zip(&samples)
            .map(|(rt, s)| match s {
                Ok(v) => format!("{} {}ms", rt.name, fmt_ms(median(v))),
                Err(_) if unsupported(p, rt.name) => format!("{} n/a", rt.name),
                Err(_) => format!("{} failed", rt.name),
            })
            .collect();
        eprintln!("   {}", line.join(", "));
        results.push(samples);
    }
    results
}

/// The tables: times, then ratios to native and to wasmi. Rows: the MVP
/// programs, their geomean, then the SIMD programs (`simd_*`), which are
/// left out of the geomeans: not every runtime can run them, and a geomean
/// over different sets of programs would not compare runtimes fairly.
fn program_tables(programs: &[Program], names: &[&'static str], results: &Results) -> String {
    let mut md = String::new();
    let medians: Vec<Vec<Option<f64>>> = results
        .iter()
        .map(|row| row.iter().map(|c| c.as_ref().ok().map(|v| median(v).as_secs_f64())).collect())
        .collect();
    let col = |name: &str| names.iter().position(|n| *n == name);
    // Row order: MVP programs, then SIMD programs (after the geomean).
    let mvp: Vec<usize> = (0..programs.len()).filter(|&i| !programs[i].simd).collect();
    let simd: Vec<usize> = (0..programs.len()).filter(|&i| programs[i].simd).collect();
    let label = |p: &Program| if p.simd { format!("{} (SIMD)", p.name) } else { p.name.clone() };
    // A cell with no value: n/a where the runtime cannot run the program.
    let missing =
        |i: usize, j: usize| if unsupported(&programs[i], names[j]) { "n/a" } else { "—" }.to_string();

    let header = |md: &mut String, title: &str| {
        let _ = writeln!(md, "| {title} | {} |", names.join(" | "));
        let _ = writeln!(md, "|---|{}", "---:|".repeat(names.len()));
    };

    // Times.
    header(&mut md, "program (ms)");
    let time_row = |md: &mut String, i: usize| {
        let cells: Vec<String> = (0..names.len())
            .map(|j| {
                medians[i][j].map(|s| fmt_ms(Duration::from_secs_f64(s))).unwrap_or_else(|| missing(i, j))
            })
            .collect();
        let _ = writeln!(md, "| {} | {} |", label(&programs[i]), cells.join(" | "));
    };
    for &i in &mvp {
        time_row(&mut md, i);
    }
    if !mvp.is_empty() {
        let gm: Vec<String> = (0..names.len())
            .map(|j| {
                let v: Vec<f64> = mvp.iter().filter_map(|&i| medians[i][j]).collect();
                if v.len() == mvp.len() {
                    fmt_ms(Duration::from_secs_f64(geomean(&v)))
                } else if v.is_empty() {
                    "—".into()
                } else {
                    format!("({} of {})", v.len(), mvp.len())
                }
            })
            .collect();
        let _ = writeln!(md, "| **geomean** | {} |", gm.join(" | "));
    }
    for &i in &simd {
        time_row(&mut md, i);
    }

    // Ratios to a reference runtime, over the programs both ran.
    for reference in ["native", "wasmi"] {
        let Some(r) = col(reference) else { continue };
        md.push('\n');
        header(&mut md, &format!("program (time / {reference})"));
        let ratio_row = |md: &mut String, i: usize| {
            let cells: Vec<String> = (0..names.len())
                .map(|j| match (medians[i][j], medians[i][r]) {
                    (Some(t), Some(base)) => fmt_ratio(t / base),
                    _ if unsupported(&programs[i], names[j]) => "n/a".into(),
                    _ => "—".into(),
                })
                .collect();
            let _ = writeln!(md, "| {} | {} |", label(&programs[i]), cells.join(" | "));
        };
        for &i in &mvp {
            ratio_row(&mut md, i);
        }
        if !mvp.is_empty() {
            let gm: Vec<String> = (0..names.len())
                .map(|j| {
                    let v: Vec<f64> =
                        mvp.iter().filter_map(|&i| Some(medians[i][j]? / medians[i][r]?)).collect();
                    if v.is_empty() {
                        "—".into()
                    } else {
                        fmt_ratio(geomean(&v))
                    }
                })
                .collect();
            let _ = writeln!(md, "| **geomean** | {} |", gm.join(" | "));
        }
        for &i in &simd {
            ratio_row(&mut md, i);
        }
    }

    if !simd.is_empty() {
        let simd_names: Vec<String> = simd.iter().map(|&i| format!("`{}`", programs[i].name)).collect();
        let without: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| runtimes::all().iter().any(|r| r.name == *n && !r.simd))
            .collect();
        let _ = write!(
            md,
            "\nSIMD programs ({}: Wasm 2.0 `v128`, built with `-msimd128`; native runs the same \
             source's plain C path) are listed below the geomean rows and are not part of the \
             geomeans",
            simd_names.join(", "),
        );
        if !mvp.is_empty() {
            let _ = write!(md, ", which cover the {} MVP programs", mvp.len());
        }
        md.push('.');
        if !without.is_empty() {
            let _ = write!(md, " n/a: {} implement no Wasm SIMD.", without.join(" and "));
        }
        md.push('\n');
    }

    // Noise: how far apart the repetitions were.
    md.push('\n');
    let spread: Vec<String> = (0..names.len())
        .map(|j| {
            let mut worst = None::<f64>;
            for row in results {
                if let Ok(v) = &row[j] {
                    let (lo, hi) = (v.iter().min().unwrap(), v.iter().max().unwrap());
                    let spread = (*hi - *lo).as_secs_f64() / median(v).as_secs_f64();
                    worst = Some(worst.map_or(spread, |w| w.max(spread)));
                }
            }
            match worst {
                Some(w) => format!("{} {:.0}%", names[j], w * 100.0),
                None => format!("{} —", names[j]),
            }
        })
        .collect();
    let _ = writeln!(
        md,
        "Largest spread (max − min) / median over any program's repetitions: {}.",
        spread.join(", ")
    );

    let failures: Vec<String> = programs
        .iter()
        .zip(results)
        .flat_map(|(p, row)| {
            row.iter().zip(names).filter_map(move |(c, n)| match c {
                Err(_) if unsupported(p, n) => None,
                Err(e) => Some(format!("- {} on {n}: {e}", p.name)),
                Ok(_) => None,
            })
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(md, "\nRuns that failed (shown as —):\n\n{}", failures.join("\n"));
    }
    md
}

/// Eager and lazy translation of a large generated module.
fn bench_translate(args: &Args) -> String {
    let (bytes, code, nfuncs) = gen::large_module((args.code_mb * 1_000_000.0) as usize);
    eprintln!("== translation: module {} bytes, code section {} bytes", bytes.len(), code);
    type Translate = Box<dyn Fn(&[u8]) -> Result<(), String>>;
    let weft_with = |lazy: bool, parallel: bool| -> Translate {
        let engine = weft::Engine::new(weft::Config::new().lazy(lazy).parallel_compilation(parallel));
        Box::new(move |b| weft::Module::new(&engine, b).map(drop).map_err(|e| e.to_string()))
    };
    let wasmi_with = |mode: wasmi::CompilationMode| -> Translate {
        let mut config = wasmi::Config::default();
        config.compilation_mode(mode);
        let engine = wasmi::Engine::new(&config);
        Box::new(move |b| wasmi::Module::new(&engine, b).map(drop).map_err(|e| e.to_string()))
    };
    let cases: Vec<(&str, &str, Translate)> = vec![
        ("weft", "eager (its default): validate + lower every function, on all CPUs", weft_with(false, true)),
        (
            "weft",
            "eager on one thread (`Config::parallel_compilation(false)`)",
            weft_with(false, false),
        ),
        ("wasmi", "`CompilationMode::Eager`", wasmi_with(wasmi::CompilationMode::Eager)),
        (
            "weft",
            "lazy (`Config::lazy(true)`): decode + module-level checks; bodies validated and lowered on first call",
            weft_with(true, true),
        ),
        (
            "wasmi",
            "`LazyTranslation` (its default): validate eagerly, translate on first call",
            wasmi_with(wasmi::CompilationMode::LazyTranslation),
        ),
        ("wasmi", "`Lazy`: validate and translate on first call", wasmi_with(wasmi::CompilationMode::Lazy)),
    ];
    let mut times: Vec<Result<Vec<Duration>, String>> = cases.iter().map(|_| Ok(Vec::new())).collect();
    for _ in 0..args.translate_reps {
        for (i, (_, _, f)) in cases.iter().enumerate() {
            let t = Instant::now();
            let r = f(&bytes);
            let d = t.elapsed();
            match (r, &mut times[i]) {
                (Ok(()), Ok(v)) => v.push(d),
                (Err(e), slot) => *slot = Err(e),
                _ => {}
            }
        }
    }
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Module: {} generated functions (integer and float arithmetic, loads/stores, blocks, \
         loops, `if`, `br_table`, calls; `benches/compare/src/gen.rs`), {:.2} MB code section \
         ({:.2} MB file). Time of `Module::new`, median of {} interleaved repetitions.\n",
        nfuncs,
        code as f64 / 1e6,
        bytes.len() as f64 / 1e6,
        args.translate_reps
    );
    let _ = writeln!(md, "| runtime | mode | time (ms) | code MB/s | time / wasmi eager |");
    let _ = writeln!(md, "|---|---|---:|---:|---:|");
    let wasmi_eager = cases.iter().zip(&times).find(|((n, m, _), _)| *n == "wasmi" && m.contains("Eager"));
    let wasmi_eager = wasmi_eager.and_then(|(_, t)| t.as_ref().ok()).map(|v| median(v));
    for ((name, mode, _), t) in cases.iter().zip(&times) {
        match t {
            Ok(v) => {
                let m = median(v);
                let ratio = wasmi_eager.map_or("—".into(), |w| format!("{:.2}×", m.as_secs_f64() / w.as_secs_f64()));
                let _ = writeln!(
                    md,
                    "| {name} | {mode} | {} | {:.0} | {ratio} |",
                    fmt_ms(m),
                    code as f64 / 1e6 / m.as_secs_f64()
                );
                eprintln!("   {name} {mode}: {}ms", fmt_ms(m));
            }
            Err(e) => {
                let _ = writeln!(md, "| {name} | {mode} | failed: {e} | — | — |");
                eprintln!("   {name} {mode}: FAILED {e}");
            }
        }
    }
    md
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn machine() -> String {
    let lscpu = command_output("lscpu", &[]);
    let field = |key: &str| {
        lscpu
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    format!(
        "{} ({} CPUs, {} thread(s) per core), {}",
        field("Model name"),
        field("CPU(s)"),
        field("Thread(s) per core"),
        command_output("uname", &["-sm"])
    )
}

/// The resolved version of a dependency, from this crate's Cargo.lock.
fn locked_version(package: &str) -> String {
    let lock =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap_or_default();
    let needle = format!("name = \"{package}\"\nversion = \"");
    lock.find(&needle)
        .map(|i| {
            let rest = &lock[i + needle.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
        .unwrap_or_else(|| "?".into())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(String::from))
        .unwrap_or_else(|| "?".into())
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let all_names: Vec<&'static str> = runtimes::all().iter().map(|r| r.name).collect();
    let names: Vec<&'static str> = match &args.runtimes {
        Some(want) => all_names.iter().copied().filter(|n| want.iter().any(|w| w == n)).collect(),
        None => all_names,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let git = |a: &[&str]| {
        let mut full = vec!["-C", root.to_str().unwrap()];
        full.extend_from_slice(a);
        command_output("git", &full)
    };
    // WEFT_REV names the weft revision when measuring a snapshot outside git
    // (e.g. `git archive HEAD` unpacked elsewhere).
    let (weft_rev, dirty) = match std::env::var("WEFT_REV") {
        Ok(rev) => (rev, false),
        Err(_) => (
            git(&["rev-parse", "--short", "HEAD"]),
            !git(&["status", "--porcelain", "--", "src", "build.rs", "Cargo.toml"]).is_empty(),
        ),
    };
    let load_before = loadavg();

    let mut body = String::new();
    if !args.skip_programs {
        let programs = match load_programs(&args.programs) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        let results = bench_programs(&args, &programs, &names);
        let _ = writeln!(body, "## Execution\n");
        let _ = writeln!(
            body,
            "Time of one `run()` call, median of {} repetitions interleaved across runtimes \
             (setup, compilation and one warm-up call excluded; native: the program's own timer \
             around `run()`). Columns: `weft` = threaded dispatch (the default), `weft-loop` = \
             loop dispatch, `wasmtime` = Cranelift JIT, `pulley` = wasmtime's Pulley \
             interpreter (default build: match-loop dispatch).\n",
            args.reps
        );
        body.push_str(&program_tables(&programs, &names, &results));
        body.push('\n');
    }
    if !args.skip_translate {
        let _ = writeln!(body, "## Translation\n");
        body.push_str(&bench_translate(&args));
    }

    let mut md = String::new();
    let _ = writeln!(md, "# weft benchmarks\n");
    let _ = writeln!(
        md,
        "Generated by `benches/compare` (do not edit by hand). Programs: `benches/programs/*.c`, \
         compiled by `benches/programs/build.sh` (clang-19 -O2, wasm32 MVP + sign-ext + \
         mutable-globals, plus SIMD for `simd_*`; native: clang-19 -O2 for x86-64). Each program's `run()` returns a \
         checksum, checked against the native build on every runtime.\n"
    );
    let _ = writeln!(md, "- Machine: {}", machine());
    let _ = writeln!(
        md,
        "- Load average (1 min) at start / end: {load_before} / {} (other work on the machine \
         inflates absolute times; interleaving keeps the ratios fair)",
        loadavg()
    );
    let _ = writeln!(md, "- Rust: {}", command_output("rustc", &["--version"]));
    let _ = writeln!(
        md,
        "- weft {}{} (threaded and loop dispatch); wasmi {}; makepad-stitch {}; wasm3 {} (crate); \
         wasmtime {} (Cranelift, and Pulley via `Config::target(\"pulley64\")`)",
        weft_rev,
        if dirty { " + uncommitted changes" } else { "" },
        locked_version("wasmi"),
        locked_version("makepad-stitch"),
        locked_version("wasm3"),
        locked_version("wasmtime"),
    );
    let _ = writeln!(md, "- Command: `benches/compare/run.sh {}`\n", argv.join(" "));
    md.push_str(&body);
    println!("{md}");
    if let Some(out) = &args.out {
        std::fs::write(out, &md).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        eprintln!("wrote {}", out.display());
    }
}
