//! The `weft` command line on the WASI fixtures and on broken input: what a
//! user sees (stdout, stderr) and the exit status, for every fixture.

mod common;

use common::{fixture, TempDir};
use std::path::Path;
use std::process::{Command, Output};

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft")).args(args).output().expect("run weft")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn hello_prints_to_stdout_and_stderr() {
    let o = weft(&["run", path(&fixture("hello"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "Hello, WASI!\n");
    assert_eq!(stderr(&o), "this goes to stderr\n");
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello.wasm");
    assert_eq!(stdout(&weft(&["run", path(&readme)])), "Hello from weft!\n");
}

#[test]
fn cat_reads_a_preopened_file_and_reports_a_missing_one() {
    let dir = TempDir::new("cli-cat");
    std::fs::write(dir.path().join("notes.txt"), "line one\nline two\n").unwrap();
    let preopen = format!("{}::/data", path(dir.path()));
    let cat = fixture("cat");
    let o = weft(&["run", "--dir", &preopen, path(&cat), "/data/notes.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "line one\nline two\n");
    let o = weft(&["run", "--dir", &preopen, path(&cat), "/data/missing.txt"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "cat: /data/missing.txt: No such file or directory\n");
    // Without the preopen the guest sees nothing at all.
    let o = weft(&["run", path(&cat), "/etc/passwd"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
}

#[test]
fn arguments_and_environment_reach_the_program() {
    let o =
        weft(&["run", "--env", "K=V", "--env", "GREETING=hi", path(&fixture("args_env")), "two words", ""]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("argc=3\nargv[0]="), "{out}");
    assert!(out.contains("argv[1]=two words\nargv[2]=\nenv K=V\nenv GREETING=hi\n"), "{out}");
    // --inherit-env passes the host's variables; --env still wins.
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["run", "--inherit-env", "--env", "GREETING=explicit", path(&fixture("args_env"))])
        .env("WEFT_CLI_TEST", "from-host")
        .env("GREETING", "from-host")
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(out.contains("env WEFT_CLI_TEST=from-host\n") && out.contains("GREETING=explicit\n"), "{out}");
}

#[test]
fn exit_status_is_the_programs() {
    let exit = fixture("exit");
    for (how, code) in [("", 0), ("return", 3), ("exit", 7), ("raw", 42)] {
        let mut args = vec!["run", path(&exit)];
        if !how.is_empty() {
            args.push(how);
        }
        let o = weft(&args);
        assert_eq!(o.status.code(), Some(code), "{how}: {}", stderr(&o));
        assert!(stdout(&o).starts_with("exiting via"), "output is flushed before exiting");
    }
}

#[test]
fn clocks_random_and_the_file_system() {
    let o = weft(&["run", path(&fixture("clock_random"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&o).contains("FAIL"), "{}", stdout(&o));

    let dir = TempDir::new("cli-fs");
    let o = weft(&["run", "--dir", &format!("{}::/data", path(dir.path())), path(&fixture("fs")), "/data"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).ends_with("fs ok\n"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(dir.path().join("result.txt")).unwrap(), "fs done\n");
}

#[test]
fn escape_attempts_fail_with_the_right_errno() {
    let (outer, rw, ro) = common::escape_sandbox();
    let o = weft(&[
        "run",
        "--dir",
        &format!("{}::/rw", path(&rw)),
        "--dir-ro",
        &format!("{}::/ro", path(&ro)),
        "--dir",
        &format!("{}::/", path(&rw)),
        path(&fixture("escape")),
        "/rw",
        "/ro",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // argv[0] is the module's path here, which the fixture does not print.
    assert_eq!(stdout(&o), common::ESCAPE_EXPECTED);
    common::sandbox_untouched(&outer, &rw, &ro);
}

#[test]
fn invoke_prints_results_and_traps_exit_134_with_a_backtrace() {
    let fib = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fib.wasm");
    let o = weft(&["run", "--invoke", "fib", path(&fib), "20"]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "6765\n"));
    // Fuel stops it (recursion costs a unit per call).
    let o = weft(&["run", "--fuel", "100", "--invoke", "fib", path(&fib), "30"]);
    assert_eq!(o.status.code(), Some(134));
    let err = stderr(&o);
    assert!(err.contains("all fuel consumed") && err.contains("fib"), "{err}");
    let o = weft(&["run", "--invoke", "fib", path(&fib), "not-a-number"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn broken_modules_name_file_offset_and_reason() {
    let dir = TempDir::new("cli-broken");
    let bad = dir.path().join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0\x0b\x01").unwrap();
    for cmd in ["run", "validate"] {
        let o = weft(&[cmd, path(&bad)]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = stderr(&o) + &stdout(&o);
        assert!(
            err.contains("bad.wasm") && err.contains("0x") && err.contains("unexpected end"),
            "{cmd}: {err}"
        );
    }
    let o = weft(&["run", path(&dir.path().join("nothere.wasm"))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nothere.wasm"), "{}", stderr(&o));
    // An import nobody provides: module and field are named.
    let imports = dir.path().join("imports.wasm");
    let bytes = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x02\x0d\x01\x03env\x05magic\x00\x00";
    std::fs::write(&imports, bytes).unwrap();
    let o = weft(&["run", path(&imports)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("env") && stderr(&o).contains("magic"), "{}", stderr(&o));
    let o = weft(&["run", "--bogus", path(&imports)]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn inspect_validate_and_wast() {
    let hello = fixture("hello");
    let o = weft(&["inspect", path(&hello)]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("wasi_snapshot_preview1.fd_write"), "{}", stdout(&o));
    let o = weft(&["inspect", "--ir", "__original_main", path(&hello)]);
    assert!(o.status.success() && stdout(&o).contains("Call"), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(weft(&["validate", path(&hello)]).status.code(), Some(0));
    let dir = TempDir::new("cli-wast");
    let script = dir.path().join("t.wast");
    std::fs::write(
        &script,
        r#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
           (assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 5))
           (assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 6))"#,
    )
    .unwrap();
    let o = weft(&["wast", path(&script)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).ends_with("\n2 passed, 1 failed\n"), "{}", stdout(&o));
}

#[test]
fn multi_memory_flag() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/multi_memory.wast");
    let o = weft(&["wast", "--multi-memory", path(&script)]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(weft(&["wast", path(&script)]).status.code(), Some(1));

    // A program whose answer sits in its second memory: it needs the flag
    // to run, and `inspect` reads it either way.
    let dir = TempDir::new("cli-multi-memory");
    let wasm = dir.path().join("two.wasm");
    let buf = wast::parser::ParseBuffer::new(
        r#"(module (memory 1) (memory $m 1) (data (memory $m) (i32.const 8) "\2a")
             (func (export "get") (result i32) (i32.load8_u $m (i32.const 8))))"#,
    )
    .unwrap();
    let mut module: wast::Wat = wast::parser::parse(&buf).unwrap();
    std::fs::write(&wasm, module.encode().unwrap()).unwrap();
    let o = weft(&["run", "--multi-memory", "--invoke", "get", path(&wasm)]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "42\n"), "{}", stderr(&o));
    let o = weft(&["run", "--invoke", "get", path(&wasm)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("multi-memory is not enabled"), "{}", stderr(&o));
    let o = weft(&["inspect", "--ir", path(&wasm)]);
    assert!(o.status.success() && stdout(&o).contains("AccessN mem=#1 Load8U"), "{}", stdout(&o));
}
