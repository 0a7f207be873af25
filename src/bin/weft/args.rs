//! The command line, parsed by hand into a `Command`: options before the
//! file, the function's arguments verbatim after it.

use std::path::PathBuf;
use weft::Backend;

#[derive(Debug, PartialEq)]
pub(crate) enum Command {
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
                return Ok(Command::Run { invoke, lazy, backend, file: file.into(), args });
            }
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown option `{arg}` for `run`"))
            }
            _ => {
                // The file ends the options: everything after it is an
                // argument for the function (negative numbers included).
                let args = it.map(String::clone).collect();
                return Ok(Command::Run { invoke, lazy, backend, file: arg.into(), args });
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
