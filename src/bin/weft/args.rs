//! The command line, parsed by hand into a `Command`: options before the
//! file, the function's arguments verbatim after it.

use std::path::PathBuf;
use weft::Backend;

#[derive(Debug, PartialEq)]
pub(crate) enum Command {
    Help,
    Version,
    Run(RunOptions),
    Wast {
        backend: Option<Backend>,
        multi_memory: bool,
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

/// `weft run`'s options.
#[derive(Debug, PartialEq, Default)]
pub(crate) struct RunOptions {
    pub invoke: Option<String>,
    pub lazy: bool,
    pub backend: Option<Backend>,
    pub multi_memory: bool,
    /// Preopened directories: host path, guest path, read-only.
    pub dirs: Vec<(PathBuf, String, bool)>,
    pub envs: Vec<(String, String)>,
    pub inherit_env: bool,
    pub fuel: Option<u64>,
    pub max_memory: Option<u64>,
    pub max_stack: Option<u64>,
    /// Directories searched for the libraries of a dynamically linked
    /// program (`--lib-path`), and libraries loaded before its NEEDED ones
    /// (`--preload`).
    pub lib_paths: Vec<PathBuf>,
    pub preloads: Vec<String>,
    pub file: PathBuf,
    pub args: Vec<String>,
}

/// `HOST[::GUEST]`: the guest path defaults to the host path.
fn parse_dir(s: &str, read_only: bool) -> (PathBuf, String, bool) {
    match s.split_once("::") {
        Some((host, guest)) => (host.into(), guest.to_string(), read_only),
        None => (s.into(), s.to_string(), read_only),
    }
}

/// A byte count: digits with an optional K, M or G suffix (powers of 1024).
fn parse_bytes(name: &str, s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.as_bytes().last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 1 << 10),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 1 << 20),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("{name}: `{s}` is not a byte count (e.g. 65536, 64K, 16M, 1G)"))
}

fn parse_backend(s: &str) -> Result<Backend, String> {
    match s {
        "loop" => Ok(Backend::Loop),
        "threaded" => Ok(Backend::Threaded),
        _ => Err(format!("unknown backend `{s}` (expected `loop` or `threaded`)")),
    }
}

/// Parses the arguments after the program name.
pub(crate) fn parse_args(args: &[String]) -> Result<Command, String> {
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
        None => it.next().map(String::as_str).ok_or_else(|| format!("{name} needs a value")),
    }
}

fn parse_run(args: &[String]) -> Result<Command, String> {
    let mut o = RunOptions::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (key, inline) = split_eq(arg);
        match key {
            "-h" | "--help" => return Ok(Command::Help),
            "--invoke" => o.invoke = Some(option_value(key, inline, &mut it)?.to_string()),
            "--backend" => o.backend = Some(parse_backend(option_value(key, inline, &mut it)?)?),
            "--lazy" if inline.is_none() => o.lazy = true,
            "--multi-memory" if inline.is_none() => o.multi_memory = true,
            "--inherit-env" if inline.is_none() => o.inherit_env = true,
            "--dir" => o.dirs.push(parse_dir(option_value(key, inline, &mut it)?, false)),
            "--dir-ro" => o.dirs.push(parse_dir(option_value(key, inline, &mut it)?, true)),
            "--env" => {
                let kv = option_value(key, inline, &mut it)?;
                let (k, v) = kv.split_once('=').ok_or_else(|| format!("--env: `{kv}` is not KEY=VALUE"))?;
                o.envs.push((k.to_string(), v.to_string()));
            }
            "--fuel" => {
                let v = option_value(key, inline, &mut it)?;
                o.fuel = Some(v.parse().map_err(|_| format!("--fuel: `{v}` is not a number"))?);
            }
            "--max-memory" => o.max_memory = Some(parse_bytes(key, option_value(key, inline, &mut it)?)?),
            "--max-stack" => o.max_stack = Some(parse_bytes(key, option_value(key, inline, &mut it)?)?),
            "--lib-path" => o.lib_paths.push(option_value(key, inline, &mut it)?.into()),
            "--preload" => o.preloads.push(option_value(key, inline, &mut it)?.to_string()),
            "--" => {
                o.file = it.next().ok_or("missing FILE")?.into();
                o.args = it.map(String::clone).collect();
                return Ok(Command::Run(o));
            }
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown option `{arg}` for `run`"))
            }
            _ => {
                // The file ends the options: everything after it belongs to
                // the program (or is an argument of the invoked function).
                o.file = arg.into();
                o.args = it.map(String::clone).collect();
                return Ok(Command::Run(o));
            }
        }
    }
    Err("missing FILE".into())
}

fn parse_wast(args: &[String]) -> Result<Command, String> {
    let mut backend = None;
    let mut multi_memory = false;
    let mut files = Vec::new();
    let mut it = args.iter();
    let mut options_done = false;
    while let Some(arg) = it.next() {
        let (key, inline) = split_eq(arg);
        match key {
            _ if options_done => files.push(arg.into()),
            "-h" | "--help" => return Ok(Command::Help),
            "--backend" => backend = Some(parse_backend(option_value(key, inline, &mut it)?)?),
            "--multi-memory" if inline.is_none() => multi_memory = true,
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
    Ok(Command::Wast { backend, multi_memory, files })
}

fn parse_validate(args: &[String]) -> Result<Command, String> {
    let mut files = Vec::new();
    let mut options_done = false;
    for arg in args {
        match arg.as_str() {
            _ if options_done => files.push(arg.into()),
            "-h" | "--help" => return Ok(Command::Help),
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
            "-h" | "--help" => return Ok(Command::Help),
            "--ir" => {
                // `--ir FUNC FILE`: FUNC is taken only when a file follows.
                let func = match inline {
                    Some(v) => Some(v.to_string()),
                    None if file.is_none() && i + 2 < args.len() && !args[i + 1].starts_with('-') => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
        for cmd in ["run", "wast", "validate", "inspect"] {
            assert_eq!(parse(&format!("{cmd} --help")), Ok(Command::Help), "{cmd}");
            assert_eq!(parse(&format!("{cmd} -h")), Ok(Command::Help), "{cmd}");
        }
        // After the file, `--help` belongs to the program.
        assert!(matches!(parse("run m.wasm --help"), Ok(Command::Run(o)) if o.args == ["--help"]));
    }

    #[test]
    fn run_options_stop_at_the_file() {
        assert_eq!(
            parse("run --invoke add --backend loop m.wasm 1 -2"),
            Ok(Command::Run(RunOptions {
                invoke: Some("add".into()),
                backend: Some(Backend::Loop),
                file: "m.wasm".into(),
                args: args("1 -2"),
                ..RunOptions::default()
            }))
        );
        assert_eq!(
            parse("run --lazy --invoke=f --backend=threaded m.wasm --lazy"),
            Ok(Command::Run(RunOptions {
                invoke: Some("f".into()),
                lazy: true,
                backend: Some(Backend::Threaded),
                file: "m.wasm".into(),
                args: args("--lazy"),
                ..RunOptions::default()
            }))
        );
        assert!(parse("run").is_err());
        assert!(parse("run --invoke").is_err());
        assert!(parse("run --backend jit m.wasm").is_err());
        assert!(parse("run --bogus m.wasm").is_err());
        assert!(matches!(parse("run -- -odd.wasm"), Ok(Command::Run(o)) if o.file == Path::new("-odd.wasm")));
    }

    #[test]
    fn run_dynamic_linking_options() {
        let Ok(Command::Run(o)) =
            parse("run --lib-path a --lib-path=b --preload libx.so --preload=liby.so m.wasm")
        else {
            panic!("should parse");
        };
        assert_eq!(o.lib_paths, vec![PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(o.preloads, vec!["libx.so".to_string(), "liby.so".to_string()]);
        assert!(parse("run --lib-path").is_err());
    }

    #[test]
    fn run_wasi_and_limit_options() {
        let Ok(Command::Run(o)) = parse(
            "run --dir data --dir-ro /srv/www::/www --env A=1 --env B=x=y --inherit-env \
             --fuel 1000 --max-memory 16M --max-stack=64K prog.wasm -v file",
        ) else {
            panic!("should parse");
        };
        assert_eq!(
            o.dirs,
            vec![("data".into(), "data".to_string(), false), ("/srv/www".into(), "/www".to_string(), true)]
        );
        assert_eq!(o.envs, vec![("A".into(), "1".into()), ("B".into(), "x=y".into())]);
        assert!(o.inherit_env);
        assert_eq!((o.fuel, o.max_memory, o.max_stack), (Some(1000), Some(16 << 20), Some(64 << 10)));
        assert_eq!(o.args, args("-v file"));
        assert!(parse("run --env NOEQUALS m.wasm").is_err());
        assert!(parse("run --fuel lots m.wasm").is_err());
        assert!(parse("run --max-memory 12Q m.wasm").is_err());
    }

    #[test]
    fn wast_and_validate() {
        assert_eq!(
            parse("wast a.wast --backend threaded b.wast"),
            Ok(Command::Wast {
                backend: Some(Backend::Threaded),
                multi_memory: false,
                files: vec!["a.wast".into(), "b.wast".into()]
            })
        );
        assert_eq!(
            parse("wast --multi-memory a.wast"),
            Ok(Command::Wast { backend: None, multi_memory: true, files: vec!["a.wast".into()] })
        );
        assert!(parse("wast --multi-memory=yes a.wast").is_err());
        assert!(parse("wast").is_err());
        assert!(parse("wast --backend").is_err());
        assert_eq!(
            parse("validate a.wasm b.wasm"),
            Ok(Command::Validate { files: vec!["a.wasm".into(), "b.wasm".into()] })
        );
        assert!(parse("validate").is_err());
        assert!(parse("validate -x a.wasm").is_err());
    }

    #[test]
    fn inspect_ir_takes_a_function_only_before_the_file() {
        assert_eq!(parse("inspect m.wasm"), Ok(Command::Inspect { ir: None, file: "m.wasm".into() }));
        assert_eq!(
            parse("inspect --ir m.wasm"),
            Ok(Command::Inspect { ir: Some(None), file: "m.wasm".into() })
        );
        assert_eq!(
            parse("inspect --ir 3 m.wasm"),
            Ok(Command::Inspect { ir: Some(Some("3".into())), file: "m.wasm".into() })
        );
        assert_eq!(
            parse("inspect m.wasm --ir"),
            Ok(Command::Inspect { ir: Some(None), file: "m.wasm".into() })
        );
        assert_eq!(
            parse("inspect --ir=main m.wasm"),
            Ok(Command::Inspect { ir: Some(Some("main".into())), file: "m.wasm".into() })
        );
        assert!(parse("inspect a.wasm b.wasm").is_err());
        assert!(parse("inspect").is_err());
    }
}
