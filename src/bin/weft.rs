//! The `weft` command line: run a module, run `.wast` scripts, validate
//! modules, inspect their sections and IR. Argument parsing is by hand; the
//! work is all done through the library's public API.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use weft::decode::reader::Reader;
use weft::decode::{decode_module, sym_flags, ImportDesc};
use weft::{Backend, Config, Engine, Error, Extern, Linker, Module, Store, Val, ValType};

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

#[derive(Debug, PartialEq)]
enum Command {
    Help,
    Version,
    Run {
        invoke: Option<String>,
        lazy: bool,
        backend: Option<Backend>,
        file: PathBuf,
        args: Vec<String>,
    },
    Wast {
        backend: Option<Backend>,
        files: Vec<PathBuf>,
    },
    Validate {
        files: Vec<PathBuf>,
    },
    Inspect {
        /// `Some(None)`: the IR of every function; `Some(Some(f))`: of one.
        ir: Option<Option<String>>,
        file: PathBuf,
    },
}

fn parse_backend(s: &str) -> Result<Backend, String> {
    match s {
        "loop" => Ok(Backend::Loop),
        "threaded" => Ok(Backend::Threaded),
        _ => Err(format!(
            "unknown backend `{s}` (expected `loop` or `threaded`)"
        )),
    }
}

/// Parses the arguments after the program name.
fn parse_args(args: &[String]) -> Result<Command, String> {
    let Some(first) = args.first() else {
        return Err("no command given".into());
    };
    let rest = &args[1..];
    match first.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help),
        "-V" | "--version" => Ok(Command::Version),
        "run" => parse_run(rest),
        "wast" => parse_wast(rest),
        "validate" => parse_validate(rest),
        "inspect" => parse_inspect(rest),
        other => Err(format!("unknown command `{other}`")),
    }
}

/// Splits `--opt=value` into (`--opt`, Some(value)).
fn split_eq(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((k, v)) if k.starts_with("--") => (k, Some(v)),
        _ => (arg, None),
    }
}

/// The value of an option: after `=` or the next argument.
fn option_value<'a>(
    name: &str,
    inline: Option<&'a str>,
    it: &mut std::slice::Iter<'a, String>,
) -> Result<&'a str, String> {
    match inline {
        Some(v) => Ok(v),
        None => it
            .next()
            .map(String::as_str)
            .ok_or_else(|| format!("{name} needs a value")),
    }
}

fn parse_run(args: &[String]) -> Result<Command, String> {
    let mut invoke = None;
    let mut lazy = false;
    let mut backend = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (key, inline) = split_eq(arg);
        match key {
            "--invoke" => invoke = Some(option_value(key, inline, &mut it)?.to_string()),
            "--backend" => backend = Some(parse_backend(option_value(key, inline, &mut it)?)?),
            "--lazy" if inline.is_none() => lazy = true,
            "--" => {
                let file = it.next().ok_or("missing FILE")?;
                let args = it.map(String::clone).collect();
                return Ok(Command::Run {
                    invoke,
                    lazy,
                    backend,
                    file: file.into(),
                    args,
                });
            }
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown option `{arg}` for `run`"))
            }
            _ => {
                // The file ends the options: everything after it is an
                // argument for the function (negative numbers included).
                let args = it.map(String::clone).collect();
                return Ok(Command::Run {
                    invoke,
                    lazy,
                    backend,
                    file: arg.into(),
                    args,
                });
            }
        }
    }
    Err("missing FILE".into())
}

fn parse_wast(args: &[String]) -> Result<Command, String> {
    let mut backend = None;
    let mut files = Vec::new();
    let mut it = args.iter();
    let mut options_done = false;
    while let Some(arg) = it.next() {
        let (key, inline) = split_eq(arg);
        match key {
            _ if options_done => files.push(arg.into()),
            "--backend" => backend = Some(parse_backend(option_value(key, inline, &mut it)?)?),
            "--" => options_done = true,
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown option `{arg}` for `wast`"))
            }
            _ => files.push(arg.into()),
        }
    }
    if files.is_empty() {
        return Err("missing FILE".into());
    }
    Ok(Command::Wast { backend, files })
}

fn parse_validate(args: &[String]) -> Result<Command, String> {
    let mut files = Vec::new();
    let mut options_done = false;
    for arg in args {
        match arg.as_str() {
            _ if options_done => files.push(arg.into()),
            "--" => options_done = true,
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown option `{arg}` for `validate`"))
            }
            _ => files.push(arg.into()),
        }
    }
    if files.is_empty() {
        return Err("missing FILE".into());
    }
    Ok(Command::Validate { files })
}

fn parse_inspect(args: &[String]) -> Result<Command, String> {
    let mut ir = None;
    let mut file: Option<PathBuf> = None;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let (key, inline) = split_eq(arg);
        match key {
            "--ir" => {
                // `--ir FUNC FILE`: FUNC is taken only when a file follows.
                let func = match inline {
                    Some(v) => Some(v.to_string()),
                    None if file.is_none()
                        && i + 2 < args.len()
                        && !args[i + 1].starts_with('-') =>
                    {
                        i += 1;
                        Some(args[i].clone())
                    }
                    None => None,
                };
                ir = Some(func);
            }
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown option `{arg}` for `inspect`"))
            }
            _ if file.is_some() => return Err("`inspect` takes one FILE".into()),
            _ => file = Some(arg.into()),
        }
        i += 1;
    }
    let file = file.ok_or("missing FILE")?;
    Ok(Command::Inspect { ir, file })
}

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
        Command::Run {
            invoke,
            lazy,
            backend,
            file,
            args,
        } => cmd_run(invoke.as_deref(), lazy, backend, &file, &args),
        Command::Wast { backend, files } => cmd_wast(backend, &files),
        Command::Validate { files } => cmd_validate(&files),
        Command::Inspect { ir, file } => cmd_inspect(ir, &file),
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
        Error::Trap(_) => {
            eprintln!("error: {err}");
            ExitCode::from(EXIT_TRAP)
        }
        _ => {
            eprintln!("error: {}: {err}", path.display());
            ExitCode::FAILURE
        }
    }
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

/// An integer in decimal or `0x` hex, with an optional sign, accepted when
/// it fits `bits` bits as either a signed or an unsigned number.
fn parse_int(s: &str, bits: u32) -> Result<i128, String> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits = digits.replace('_', "");
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i128::from_str_radix(hex, 16),
        None => digits.parse::<i128>(),
    }
    .map_err(|_| format!("not an i{bits} integer"))?;
    let v = if neg { -magnitude } else { magnitude };
    let min = -(1i128 << (bits - 1));
    let max = (1i128 << bits) - 1;
    if v < min || v > max {
        return Err(format!("out of range for i{bits}"));
    }
    Ok(v)
}

/// A command-line argument as a value of type `ty`.
fn parse_val(s: &str, ty: ValType) -> Result<Val, String> {
    match ty {
        ValType::I32 => parse_int(s, 32).map(|v| Val::I32(v as u32 as i32)),
        ValType::I64 => parse_int(s, 64).map(|v| Val::I64(v as u64 as i64)),
        ValType::F32 => s
            .parse::<f32>()
            .map(|f| Val::F32(f.to_bits()))
            .map_err(|_| "not an f32".into()),
        ValType::F64 => s
            .parse::<f64>()
            .map(|f| Val::F64(f.to_bits()))
            .map_err(|_| "not an f64".into()),
        ValType::V128 => parse_int(s, 128)
            .or_else(|_| {
                let hex = s
                    .strip_prefix("0x")
                    .ok_or("not a v128 (give 0x and 32 hex digits)")?;
                u128::from_str_radix(hex, 16)
                    .map(|v| v as i128)
                    .map_err(|_| "not a v128".to_string())
            })
            .map(|v| Val::V128(v as u128)),
        ValType::FuncRef if s == "null" => Ok(Val::FuncRef(None)),
        ValType::ExternRef if s == "null" => Ok(Val::ExternRef(None)),
        ValType::FuncRef | ValType::ExternRef => {
            Err("only `null` can be passed for a reference".into())
        }
    }
}

fn fmt_float(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v < 0.0 { "-inf" } else { "inf" }.into()
    } else {
        v.to_string()
    }
}

/// A result as a plain number: integers signed, floats as decimals.
fn fmt_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => {
            let f = f32::from_bits(*b);
            if f.is_nan() || f.is_infinite() {
                fmt_float(f64::from(f))
            } else {
                f.to_string()
            }
        }
        Val::F64(b) => fmt_float(f64::from_bits(*b)),
        Val::V128(x) => format!("{x:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".into(),
        Val::FuncRef(Some(_)) => "funcref".into(),
        Val::ExternRef(Some(_)) => "externref".into(),
    }
}

fn cmd_wast(backend: Option<Backend>, files: &[PathBuf]) -> ExitCode {
    let backend = backend.unwrap_or_default();
    let mut total = weft::wast::Report::default();
    let mut unreadable = false;
    for file in files {
        match weft::wast::run_file(file, backend) {
            Ok(report) => {
                println!(
                    "{}: {} passed, {} failed",
                    file.display(),
                    report.passed,
                    report.failed
                );
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

fn section_name(id: u8) -> &'static str {
    match id {
        0 => "custom",
        1 => "type",
        2 => "import",
        3 => "function",
        4 => "table",
        5 => "memory",
        6 => "global",
        7 => "export",
        8 => "start",
        9 => "element",
        10 => "code",
        11 => "data",
        12 => "datacount",
        _ => "unknown",
    }
}

/// (id, custom name, payload offset, payload size) of each section. The
/// module has decoded already, so the headers are well-formed; a surprise
/// ends the walk rather than panicking.
fn sections(bytes: &[u8]) -> Vec<(u8, Option<String>, usize, usize)> {
    let mut out = Vec::new();
    let Some(body) = bytes.get(8..) else {
        return out;
    };
    let mut r = Reader::new(body, 8);
    while !r.is_end() {
        let Ok(id) = r.u8() else { break };
        let Ok(size) = r.u32() else { break };
        let start = r.offset();
        let size = size as usize;
        let name = if id == 0 {
            bytes
                .get(start..start.saturating_add(size))
                .and_then(|p| Reader::new(p, start).name().ok())
        } else {
            None
        };
        out.push((id, name, start, size));
        if r.skip(size).is_err() {
            break;
        }
    }
    out
}

fn flags_text(flags: u32) -> String {
    let names = [
        (sym_flags::WEAK, "WEAK"),
        (sym_flags::LOCAL, "LOCAL"),
        (sym_flags::HIDDEN, "HIDDEN"),
        (sym_flags::UNDEFINED, "UNDEFINED"),
        (sym_flags::EXPORTED, "EXPORTED"),
        (sym_flags::EXPLICIT_NAME, "EXPLICIT_NAME"),
        (sym_flags::NO_STRIP, "NO_STRIP"),
        (sym_flags::TLS, "TLS"),
        (sym_flags::ABSOLUTE, "ABSOLUTE"),
    ];
    let mut parts: Vec<String> = names
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let known = names.iter().fold(0, |acc, (bit, _)| acc | bit);
    if flags & !known != 0 {
        parts.push(format!("{:#x}", flags & !known));
    }
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join("|")
    }
}

fn limits_text(min: u64, max: Option<u64>) -> String {
    match max {
        Some(max) => format!("{{min {min}, max {max}}}"),
        None => format!("{{min {min}, no max}}"),
    }
}

/// A function index from a number, a name-section name or an export name.
fn resolve_func(m: &weft::decode::Module, func: &str) -> Option<u32> {
    if let Ok(i) = func.parse::<u32>() {
        return Some(i);
    }
    let func = func.strip_prefix('$').unwrap_or(func);
    m.names
        .funcs
        .iter()
        .find(|(_, n)| n == func)
        .map(|(i, _)| *i)
        .or_else(|| {
            m.exports
                .iter()
                .find(|e| e.kind == weft::ExternKind::Func && e.name == func)
                .map(|e| e.index)
        })
}

fn cmd_inspect(ir: Option<Option<String>>, path: &Path) -> ExitCode {
    let bytes = match read(path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let m = match decode_module(&bytes) {
        Ok(m) => m,
        Err(e) => return report_error(path, &e),
    };
    if let Some(func) = ir {
        let index = match func.as_deref().map(|f| (f, resolve_func(&m, f))) {
            None => None,
            Some((_, Some(i))) => Some(i),
            Some((f, None)) => {
                eprintln!("error: no function `{f}` in {}", path.display());
                return ExitCode::FAILURE;
            }
        };
        let engine = Engine::new(&Config::new());
        let module = match Module::new(&engine, &bytes) {
            Ok(module) => module,
            Err(e) => return report_error(path, &e),
        };
        return match module.print_ir(index) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    print!("{}", describe(path, &bytes, &m));
    ExitCode::SUCCESS
}

/// The `inspect` report.
fn describe(path: &Path, bytes: &[u8], m: &weft::decode::Module) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}: {} bytes", path.display(), bytes.len());
    let _ = writeln!(o, "sections:");
    for (id, name, offset, size) in sections(bytes) {
        let label = match name {
            Some(n) => format!("custom \"{}\"", n.escape_debug()),
            None => section_name(id).to_string(),
        };
        let _ = writeln!(
            o,
            "  {id:>2} {label:<24} payload at {offset:#08x}, {size} bytes"
        );
    }
    let _ = writeln!(o, "types: {}", m.types.len());
    let _ = writeln!(o, "imports: {}", m.imports.len());
    for imp in &m.imports {
        let what = match &imp.desc {
            ImportDesc::Func(t) => match m.types.get(*t as usize) {
                Some(ty) => format!("func {ty}"),
                None => format!("func (type {t})"),
            },
            ImportDesc::Table(t) => {
                format!(
                    "table {} {}",
                    t.elem,
                    limits_text(t.limits.min, t.limits.max)
                )
            }
            ImportDesc::Memory(t) => format!(
                "memory {}{}{}",
                limits_text(t.limits.min, t.limits.max),
                if t.shared { " shared" } else { "" },
                if t.memory64 { " i64" } else { "" }
            ),
            ImportDesc::Global(g) => {
                format!(
                    "global {}{}",
                    if g.mutable { "mut " } else { "" },
                    g.content
                )
            }
        };
        let _ = writeln!(
            o,
            "  {}.{}: {what}",
            imp.module.escape_debug(),
            imp.name.escape_debug()
        );
    }
    let _ = writeln!(
        o,
        "functions: {} imported, {} defined",
        m.num_imported_funcs,
        m.funcs.len() as u64 - u64::from(m.num_imported_funcs)
    );
    let defined = |all: usize, imported: u32| all.saturating_sub(imported as usize);
    let _ = writeln!(
        o,
        "tables: {} imported, {} defined",
        m.num_imported_tables,
        defined(m.tables.len(), m.num_imported_tables)
    );
    let _ = writeln!(
        o,
        "memories: {} imported, {} defined",
        m.num_imported_memories,
        defined(m.memories.len(), m.num_imported_memories)
    );
    let _ = writeln!(
        o,
        "globals: {} imported, {} defined",
        m.num_imported_globals,
        defined(m.globals.len(), m.num_imported_globals)
    );
    for (i, t) in m.tables.iter().enumerate() {
        let _ = writeln!(
            o,
            "  table {i}: {} {}",
            t.elem,
            limits_text(t.limits.min, t.limits.max)
        );
    }
    for (i, t) in m.memories.iter().enumerate() {
        let _ = writeln!(
            o,
            "  memory {i}: {}{}{}",
            limits_text(t.limits.min, t.limits.max),
            if t.shared { " shared" } else { "" },
            if t.memory64 { " i64" } else { "" }
        );
    }
    let _ = writeln!(o, "exports: {}", m.exports.len());
    for e in &m.exports {
        let _ = writeln!(o, "  {} {}: {}", e.kind, e.index, e.name.escape_debug());
    }
    if let Some(start) = m.start {
        let _ = writeln!(o, "start: func {start}");
    }
    let _ = writeln!(o, "element segments: {}", m.elems.len());
    let _ = writeln!(o, "data segments: {}", m.datas.len());
    let _ = writeln!(o, "custom sections: {}", m.customs.len());
    for c in &m.customs {
        let _ = writeln!(
            o,
            "  \"{}\" payload at {:#x}, {} bytes",
            c.name.escape_debug(),
            c.data.start,
            c.data.len()
        );
    }
    if let Some(name) = &m.names.module {
        let _ = writeln!(o, "module name: {}", name.escape_debug());
    }
    if !m.names.funcs.is_empty() {
        let _ = writeln!(o, "function names: {}", m.names.funcs.len());
    }
    if let Some(d) = &m.dylink {
        let section = if d.legacy {
            "dylink (legacy)"
        } else {
            "dylink.0"
        };
        let _ = writeln!(o, "{section}:");
        let _ = writeln!(o, "  memory: size {}, align 2^{}", d.mem_size, d.mem_align);
        let _ = writeln!(
            o,
            "  table: size {}, align 2^{}",
            d.table_size, d.table_align
        );
        for n in &d.needed {
            let _ = writeln!(o, "  needed: {}", n.escape_debug());
        }
        for p in &d.runtime_path {
            let _ = writeln!(o, "  runtime path: {}", p.escape_debug());
        }
        for (name, flags) in &d.export_info {
            let _ = writeln!(
                o,
                "  export info: {} {}",
                name.escape_debug(),
                flags_text(*flags)
            );
        }
        for (module, field, flags) in &d.import_info {
            let _ = writeln!(
                o,
                "  import info: {}.{} {}",
                module.escape_debug(),
                field.escape_debug(),
                flags_text(*flags)
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn parse(s: &str) -> Result<Command, String> {
        parse_args(&args(s))
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse("--help"), Ok(Command::Help));
        assert_eq!(parse("-h"), Ok(Command::Help));
        assert_eq!(parse("--version"), Ok(Command::Version));
        assert!(parse("").is_err());
        assert!(parse("frobnicate").is_err());
    }

    #[test]
    fn run_options_stop_at_the_file() {
        assert_eq!(
            parse("run --invoke add --backend loop m.wasm 1 -2"),
            Ok(Command::Run {
                invoke: Some("add".into()),
                lazy: false,
                backend: Some(Backend::Loop),
                file: "m.wasm".into(),
                args: args("1 -2"),
            })
        );
        assert_eq!(
            parse("run --lazy --invoke=f --backend=threaded m.wasm --lazy"),
            Ok(Command::Run {
                invoke: Some("f".into()),
                lazy: true,
                backend: Some(Backend::Threaded),
                file: "m.wasm".into(),
                args: args("--lazy"),
            })
        );
        assert!(parse("run").is_err());
        assert!(parse("run --invoke").is_err());
        assert!(parse("run --backend jit m.wasm").is_err());
        assert!(parse("run --bogus m.wasm").is_err());
        assert!(
            matches!(parse("run -- -odd.wasm"), Ok(Command::Run { file, .. }) if file == Path::new("-odd.wasm"))
        );
    }

    #[test]
    fn wast_and_validate() {
        assert_eq!(
            parse("wast a.wast --backend threaded b.wast"),
            Ok(Command::Wast {
                backend: Some(Backend::Threaded),
                files: vec!["a.wast".into(), "b.wast".into()]
            })
        );
        assert!(parse("wast").is_err());
        assert!(parse("wast --backend").is_err());
        assert_eq!(
            parse("validate a.wasm b.wasm"),
            Ok(Command::Validate {
                files: vec!["a.wasm".into(), "b.wasm".into()]
            })
        );
        assert!(parse("validate").is_err());
        assert!(parse("validate -x a.wasm").is_err());
    }

    #[test]
    fn inspect_ir_takes_a_function_only_before_the_file() {
        assert_eq!(
            parse("inspect m.wasm"),
            Ok(Command::Inspect {
                ir: None,
                file: "m.wasm".into()
            })
        );
        assert_eq!(
            parse("inspect --ir m.wasm"),
            Ok(Command::Inspect {
                ir: Some(None),
                file: "m.wasm".into()
            })
        );
        assert_eq!(
            parse("inspect --ir 3 m.wasm"),
            Ok(Command::Inspect {
                ir: Some(Some("3".into())),
                file: "m.wasm".into()
            })
        );
        assert_eq!(
            parse("inspect m.wasm --ir"),
            Ok(Command::Inspect {
                ir: Some(None),
                file: "m.wasm".into()
            })
        );
        assert_eq!(
            parse("inspect --ir=main m.wasm"),
            Ok(Command::Inspect {
                ir: Some(Some("main".into())),
                file: "m.wasm".into()
            })
        );
        assert!(parse("inspect a.wasm b.wasm").is_err());
        assert!(parse("inspect").is_err());
    }

    #[test]
    fn argument_values() {
        assert!(matches!(parse_val("-1", ValType::I32), Ok(Val::I32(-1))));
        assert!(matches!(
            parse_val("4294967295", ValType::I32),
            Ok(Val::I32(-1))
        ));
        assert!(matches!(parse_val("0x10", ValType::I32), Ok(Val::I32(16))));
        assert!(parse_val("4294967296", ValType::I32).is_err());
        assert!(parse_val("-2147483649", ValType::I32).is_err());
        assert!(parse_val("x", ValType::I32).is_err());
        assert!(matches!(
            parse_val("-9223372036854775808", ValType::I64),
            Ok(Val::I64(i64::MIN))
        ));
        assert!(matches!(
            parse_val("18446744073709551615", ValType::I64),
            Ok(Val::I64(-1))
        ));
        assert!(matches!(parse_val("1.5", ValType::F32), Ok(Val::F32(b)) if b == 1.5f32.to_bits()));
        assert!(
            matches!(parse_val("-inf", ValType::F64), Ok(Val::F64(b)) if b == f64::NEG_INFINITY.to_bits())
        );
        assert!(matches!(
            parse_val("null", ValType::FuncRef),
            Ok(Val::FuncRef(None))
        ));
        assert!(parse_val("1", ValType::ExternRef).is_err());
    }

    #[test]
    fn result_formatting() {
        assert_eq!(fmt_val(&Val::I32(-5)), "-5");
        assert_eq!(fmt_val(&Val::I64(i64::MIN)), "-9223372036854775808");
        assert_eq!(fmt_val(&Val::F32(1.5f32.to_bits())), "1.5");
        assert_eq!(fmt_val(&Val::F32(0.1f32.to_bits())), "0.1");
        assert_eq!(fmt_val(&Val::F32(f32::NAN.to_bits())), "nan");
        assert_eq!(fmt_val(&Val::F64(f64::INFINITY.to_bits())), "inf");
        assert_eq!(fmt_val(&Val::F64(f64::NEG_INFINITY.to_bits())), "-inf");
        assert_eq!(fmt_val(&Val::F64((-0.0f64).to_bits())), "-0");
    }

    #[test]
    fn flags_are_named() {
        assert_eq!(flags_text(0), "0");
        assert_eq!(
            flags_text(sym_flags::WEAK | sym_flags::EXPORTED),
            "WEAK|EXPORTED"
        );
        assert_eq!(flags_text(0x8000), "0x8000");
    }

    #[test]
    fn section_walk_survives_truncation() {
        // magic, version, a type section of 1 byte (count 0), then a
        // custom section header whose size runs past the end.
        let bytes = [0, b'a', b's', b'm', 1, 0, 0, 0, 1, 1, 0, 0, 10, 3, b'a'];
        let s = sections(&bytes);
        assert_eq!(s[0], (1, None, 10, 1));
        assert!(sections(&bytes[..4]).is_empty());
    }
}
