//! The `weft` command line: run a module, run `.wast` scripts, validate
//! modules, inspect their sections and IR. Argument parsing is by hand; the
//! work is all done through the library's public API.

// The modules live in `src/bin/weft/` (not beside this file, where cargo
// would take them for binaries of their own).
#[path = "weft/args.rs"]
mod args;
#[path = "weft/inspect.rs"]
mod inspect;
#[path = "weft/values.rs"]
mod values;

use args::{parse_args, Command};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use values::{fmt_val, parse_val};
use weft::{Backend, Config, Engine, Error, Extern, FrameInfo, Linker, Module, Store, Trap, Val};

const USAGE: &str = "\
weft: a WebAssembly interpreter

USAGE:
    weft run [--invoke NAME] [--lazy] [--backend loop|threaded] FILE [ARGS...]
    weft wast [--backend loop|threaded] FILE...
    weft validate FILE...
    weft inspect [--ir [FUNC]] FILE
    weft --help | --version

COMMANDS:
    run        instantiate FILE and call NAME with ARGS (typed by its
               parameters), or `_start` when exported; prints the results
    wast       run .wast scripts; prints passed/failed counts and failures
    validate   decode, validate and lower each FILE
    inspect    print sections, imports, exports, custom sections and
               dylink.0; --ir prints the register IR of one function or all
";

/// Exit status of a wasm trap (as a native program killed by SIGABRT).
const EXIT_TRAP: u8 = 134;
/// Exit status of a bad command line.
const EXIT_USAGE: u8 = 2;

/// Native stack for the command's thread: deep (lazily committed), so
/// deeply nested input cannot overflow it.
const MAIN_STACK: usize = 256 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // Run on a thread with a deep stack, and turn an internal panic into an
    // error message rather than a crash report.
    let worker = std::thread::Builder::new()
        .name("weft".into())
        .stack_size(MAIN_STACK)
        .spawn(move || run_command(command));
    let joined = match worker {
        Ok(handle) => handle.join(),
        Err(e) => {
            eprintln!("error: cannot start the main thread: {e}");
            return ExitCode::FAILURE;
        }
    };
    match joined {
        Ok(code) => code,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!("error: internal error in weft (please report): {msg}");
            ExitCode::from(101)
        }
    }
}

fn run_command(command: Command) -> ExitCode {
    match command {
        Command::Help => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("weft {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Run { invoke, lazy, backend, file, args } => {
            cmd_run(invoke.as_deref(), lazy, backend, &file, &args)
        }
        Command::Wast { backend, files } => cmd_wast(backend, &files),
        Command::Validate { files } => cmd_validate(&files),
        Command::Inspect { ir, file } => inspect::cmd_inspect(ir, &file),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("error: {}: {e}", path.display());
        ExitCode::FAILURE
    })
}

/// Prints an error from the library the way its kind asks for and picks the
/// exit status: 134 for traps, 1 for everything else.
fn report_error(path: &Path, err: &Error) -> ExitCode {
    match err {
        Error::Trap(trap) => {
            eprintln!("error: {}", fmt_trap(trap));
            ExitCode::from(EXIT_TRAP)
        }
        _ => {
            eprintln!("error: {}: {err}", path.display());
            ExitCode::FAILURE
        }
    }
}

/// Frames of a backtrace printed from each end; a runaway recursion's
/// half-million frames in between are summarised in one line.
const BACKTRACE_ENDS: usize = 20;

/// A trap as its `Display` prints it, with a long backtrace shortened.
fn fmt_trap(trap: &Trap) -> String {
    let frames = &trap.backtrace;
    if frames.len() <= 2 * BACKTRACE_ENDS + 1 {
        return trap.to_string();
    }
    let mut head = trap.clone();
    head.backtrace.clear();
    let mut out = head.to_string();
    out.push_str("\nwasm backtrace:");
    let line = |i: usize, f: &FrameInfo| {
        let module = f.module_name.as_deref().map(|m| format!("{m}!")).unwrap_or_default();
        match &f.func_name {
            Some(n) => format!("\n  {i:>2}: {module}{n}"),
            None => format!("\n  {i:>2}: {module}<wasm function {}>", f.func_index),
        }
    };
    for (i, f) in frames.iter().enumerate().take(BACKTRACE_ENDS) {
        out.push_str(&line(i, f));
    }
    let skipped = frames.len() - 2 * BACKTRACE_ENDS;
    out.push_str(&format!("\n      ... {skipped} frames omitted ..."));
    for (i, f) in frames.iter().enumerate().skip(frames.len() - BACKTRACE_ENDS) {
        out.push_str(&line(i, f));
    }
    out
}

fn cmd_run(
    invoke: Option<&str>,
    lazy: bool,
    backend: Option<Backend>,
    path: &Path,
    args: &[String],
) -> ExitCode {
    let bytes = match read(path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let mut config = Config::new();
    config.backend(backend.unwrap_or_default());
    config.lazy(lazy);
    let engine = Engine::new(&config);
    let module = match Module::new(&engine, &bytes) {
        Ok(m) => m,
        Err(e) => return report_error(path, &e),
    };
    let mut store = Store::new(&engine, ());
    let linker = Linker::<()>::new(&engine);
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return report_error(path, &e),
    };
    let name = match invoke {
        Some(name) => name,
        None => match instance.get_export(&store, "_start") {
            Some(Extern::Func(_)) => "_start",
            _ => return ExitCode::SUCCESS,
        },
    };
    let func = match instance.get_export(&store, name) {
        Some(Extern::Func(f)) => f,
        Some(_) => {
            eprintln!("error: export `{name}` is not a function");
            return ExitCode::FAILURE;
        }
        None => {
            eprintln!("error: {}: no export named `{name}`", path.display());
            return ExitCode::FAILURE;
        }
    };
    let ty = func.ty(&store);
    if ty.params().len() != args.len() {
        eprintln!(
            "error: `{name}` has type {ty}: it takes {} arguments, {} given",
            ty.params().len(),
            args.len()
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let mut params = Vec::with_capacity(args.len());
    for (arg, &vt) in args.iter().zip(ty.params()) {
        match parse_val(arg, vt) {
            Ok(v) => params.push(v),
            Err(e) => {
                eprintln!("error: argument `{arg}`: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let mut results: Vec<Val> = ty.results().iter().map(|_| Val::I32(0)).collect();
    if let Err(e) = func.call(&mut store, &params, &mut results) {
        return report_error(path, &e);
    }
    for r in &results {
        println!("{}", fmt_val(r));
    }
    ExitCode::SUCCESS
}

fn cmd_wast(backend: Option<Backend>, files: &[PathBuf]) -> ExitCode {
    let backend = backend.unwrap_or_default();
    let mut total = weft::wast::Report::default();
    let mut unreadable = false;
    for file in files {
        match weft::wast::run_file(file, backend) {
            Ok(report) => {
                println!("{}: {} passed, {} failed", file.display(), report.passed, report.failed);
                for f in &report.failures {
                    println!("    {f}");
                }
                total.merge(report);
            }
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                unreadable = true;
            }
        }
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 || unreadable {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn cmd_validate(files: &[PathBuf]) -> ExitCode {
    let engine = Engine::new(&Config::new());
    let mut ok = true;
    for file in files {
        let bytes = match read(file) {
            Ok(b) => b,
            Err(_) => {
                ok = false;
                continue;
            }
        };
        match Module::new(&engine, &bytes) {
            Ok(_) => println!("{}: ok", file.display()),
            Err(e) => {
                println!("{}: {e}", file.display());
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
