//! The `weft` command line: run a module, run `.wast` scripts, validate
//! modules, inspect their sections and IR. Argument parsing is by hand; the
//! work is all done through the library's public API.

// The modules live in `src/bin/weft/` (not beside this file, where cargo
// would take them for binaries of their own).
#[path = "weft/args.rs"]
mod args;
#[path = "weft/dynamic.rs"]
mod dynamic;
#[path = "weft/inspect.rs"]
mod inspect;
#[path = "weft/values.rs"]
mod values;

use args::{parse_args, Command, RunOptions};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use values::{fmt_val, parse_val};
use weft::wasi::{WasiCtx, WasiCtxBuilder};
use weft::{Backend, Config, Engine, Error, Extern, Linker, Module, Store, Val};

const USAGE: &str = "\
weft: a WebAssembly interpreter

USAGE:
    weft run [--invoke NAME] [--lazy] [--backend loop|threaded] [--multi-memory] FILE [ARGS...]
    weft wast [--backend loop|threaded] [--multi-memory] FILE...
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

    --multi-memory   accept several memories per module (Wasm 3.0)

DYNAMIC LINKING (run):
    A FILE with a dylink.0 section (or an env.__memory_base import) is
    loaded with its NEEDED libraries, and may dlopen more.
    --lib-path DIR   search DIR for libraries (repeatable), before
                     WEFT_LIBRARY_PATH, RUNTIME_PATH and FILE's directory
    --preload LIB    load LIB before the NEEDED libraries, so that its
                     definitions interpose theirs (repeatable)
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
    #[cfg(feature = "pair-counts")]
    for (a, b, n) in weft::pairs::top(60) {
        eprintln!("{n:>14} {a} -> {b}");
    }
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
        Command::Run(o) => cmd_run(&o),
        Command::Wast { backend, multi_memory, files } => cmd_wast(backend, multi_memory, &files),
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
            eprintln!("error: {}: {trap}", path.display());
            ExitCode::from(EXIT_TRAP)
        }
        Error::Exit(code) => ExitCode::from(*code as u8),
        _ => {
            eprintln!("error: {}: {err}", path.display());
            ExitCode::FAILURE
        }
    }
}

fn cmd_run(o: &RunOptions) -> ExitCode {
    let path = o.file.as_path();
    let bytes = match read(path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let mut config = Config::new();
    config
        .backend(o.backend.unwrap_or_default())
        .lazy(o.lazy)
        .consume_fuel(o.fuel.is_some())
        .multi_memory(o.multi_memory);
    if let Some(bytes) = o.max_memory {
        config.max_memory(bytes);
    }
    if let Some(bytes) = o.max_stack {
        config.max_stack_bytes(usize::try_from(bytes).unwrap_or(usize::MAX));
    }
    let engine = Engine::new(&config);
    let module = match Module::new(&engine, &bytes) {
        Ok(m) => m,
        Err(e) => return report_error(path, &e),
    };
    // Every module gets WASI; the program's argv is its file name and the
    // arguments after it (with --invoke those are the function's instead).
    let mut wasi = WasiCtxBuilder::new().arg(path.display().to_string()).inherit_stdio();
    if o.invoke.is_none() {
        wasi = wasi.args(o.args.iter().cloned());
    }
    if o.inherit_env {
        wasi = wasi.inherit_env();
    }
    for (k, v) in &o.envs {
        wasi = wasi.env(k, v);
    }
    for (host, guest, read_only) in &o.dirs {
        wasi = wasi.preopened_dir(host, guest, *read_only);
    }
    let wasi = match wasi.build() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut store = Store::new(&engine, wasi);
    if let Some(fuel) = o.fuel {
        if let Err(e) = store.set_fuel(fuel) {
            return report_error(path, &e);
        }
    }
    let mut linker = Linker::new(&engine);
    if let Err(e) = weft::wasi::add_to_linker(&mut linker, |w: &mut WasiCtx| w) {
        return report_error(path, &e);
    }
    // A dynamically linked program goes through the dynamic linker, which
    // must outlive the run (it serves `dlopen`).
    let loaded = if dynamic::is_dynamic(&module) {
        dynamic::load(&engine, &mut store, linker, o, &bytes).map(|(i, dl)| (i, Some(dl)))
    } else {
        linker.instantiate(&mut store, &module).map(|i| (i, None))
    };
    let (instance, _dynamic_linker) = match loaded {
        Ok(l) => l,
        Err(e) => return report_error(path, &e),
    };
    let Some(name) = o.invoke.as_deref() else {
        if instance.get_func(&store, "_start").is_none() && instance.get_func(&store, "_initialize").is_none()
        {
            eprintln!(
                "error: {}: exports neither `_start` nor `_initialize`; call a function with --invoke NAME",
                path.display()
            );
            return ExitCode::FAILURE;
        }
        return match weft::wasi::run_command(&mut store, instance) {
            Ok(code) => ExitCode::from(code as u8),
            Err(e) => report_error(path, &e),
        };
    };
    // A reactor is initialised before its exports are called.
    if let Some(init) = instance.get_func(&store, "_initialize") {
        if let Err(e) = init.call(&mut store, &[], &mut []) {
            return report_error(path, &e);
        }
    }
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
    if ty.params().len() != o.args.len() {
        eprintln!(
            "error: `{name}` has type {ty}: it takes {} arguments, {} given",
            ty.params().len(),
            o.args.len()
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let mut params = Vec::with_capacity(o.args.len());
    for (arg, &vt) in o.args.iter().zip(ty.params()) {
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

fn cmd_wast(backend: Option<Backend>, multi_memory: bool, files: &[PathBuf]) -> ExitCode {
    let mut config = Config::new();
    config.backend(backend.unwrap_or_default()).multi_memory(multi_memory);
    let mut total = weft::wast::Report::default();
    let mut unreadable = false;
    for file in files {
        match weft::wast::run_file(file, &config) {
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
