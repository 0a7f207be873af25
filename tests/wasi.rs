//! WASI preview1 through the public API: the C fixtures in
//! `tests/fixtures/wasi/` (built by `build.sh` there) run as commands with
//! captured stdio and temporary preopens, plus hand-written modules for the
//! edges C cannot reach (bad pointers, reactors, a missing memory).

use std::io::Cursor;
use std::path::Path;
mod common;

use common::{fixture, wat, TempDir};
use weft::wasi::{self, OutputPipe, WasiCtx, WasiCtxBuilder};
use weft::{Engine, Error, Linker, Module, Store};

struct Outcome {
    code: Result<i32, Error>,
    stdout: String,
    stderr: String,
}

/// Runs a module as a WASI command with the context `configure` builds
/// (stdout and stderr are captured).
fn run_module(
    module: &Module,
    engine: &Engine,
    configure: impl FnOnce(WasiCtxBuilder) -> WasiCtxBuilder,
) -> Outcome {
    let (out, err) = (OutputPipe::new(), OutputPipe::new());
    let ctx = configure(WasiCtxBuilder::new()).stdout(out.clone()).stderr(err.clone()).build().unwrap();
    let mut store = Store::new(engine, ctx);
    let mut linker = Linker::new(engine);
    wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
    let code = linker.instantiate(&mut store, module).and_then(|i| wasi::run_command(&mut store, i));
    Outcome { code, stdout: out.contents_string(), stderr: err.contents_string() }
}

fn run(name: &str, configure: impl FnOnce(WasiCtxBuilder) -> WasiCtxBuilder) -> Outcome {
    let engine = Engine::default();
    let module = Module::from_file(&engine, fixture(name)).unwrap();
    run_module(&module, &engine, configure)
}

#[test]
fn hello_world() {
    let o = run("hello", |b| b.arg("hello"));
    assert_eq!(o.code, Ok(0), "{}", o.stderr);
    assert_eq!(o.stdout, "Hello, WASI!\n");
    assert_eq!(o.stderr, "this goes to stderr\n");
}

#[test]
fn example_hello() {
    let engine = Engine::default();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello.wasm");
    let module = Module::from_file(&engine, path).unwrap();
    let o = run_module(&module, &engine, |b| b.arg("hello"));
    assert_eq!(o.code, Ok(0));
    assert_eq!(o.stdout, "Hello from weft!\n");
}

#[test]
fn cat_copies_a_preopened_file() {
    let dir = TempDir::new("cat");
    // Larger than cat's buffer and than one wasi-libc stdio buffer.
    let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(dir.path().join("in.txt"), &text).unwrap();
    let o = run("cat", |b| b.args(["cat", "/data/in.txt"]).preopened_dir(dir.path(), "/data", true));
    assert_eq!(o.code, Ok(0), "{}", o.stderr);
    assert_eq!(o.stdout, text);
}

#[test]
fn cat_copies_stdin() {
    let o = run("cat", |b| b.arg("cat").stdin(Cursor::new(b"from stdin\nsecond line\n".to_vec())));
    assert_eq!(o.code, Ok(0), "{}", o.stderr);
    assert_eq!(o.stdout, "from stdin\nsecond line\n");
}

#[test]
fn cat_reports_a_missing_file() {
    let dir = TempDir::new("cat-missing");
    let o = run("cat", |b| b.args(["cat", "/data/nope.txt"]).preopened_dir(dir.path(), "/data", false));
    assert_eq!(o.code, Ok(1));
    assert_eq!(o.stderr, "cat: /data/nope.txt: No such file or directory\n");
    // Without any preopen, the path has nowhere to resolve.
    let o = run("cat", |b| b.args(["cat", "/data/nope.txt"]));
    assert_eq!(o.code, Ok(1));
    assert!(o.stderr.starts_with("cat: /data/nope.txt: "), "{}", o.stderr);
}

#[test]
fn args_and_environment() {
    let o =
        run("args_env", |b| b.args(["prog", "two words", "ünïcode", ""]).env("K", "V").env("GREETING", "hi"));
    assert_eq!(o.code, Ok(0), "{}", o.stderr);
    assert_eq!(
        o.stdout,
        "argc=4\nargv[0]=prog\nargv[1]=two words\nargv[2]=ünïcode\nargv[3]=\nenv K=V\nenv GREETING=hi\nGREETING=hi\n"
    );
}

#[test]
fn inherited_environment_with_overrides() {
    let o = run("args_env", |b| b.arg("prog").env("GREETING", "explicit").inherit_env());
    assert_eq!(o.code, Ok(0), "{}", o.stderr);
    assert!(o.stdout.contains("GREETING=explicit\n"), "{}", o.stdout);
    if let Ok(path) = std::env::var("PATH") {
        assert!(o.stdout.contains(&format!("env PATH={path}\n")), "{}", o.stdout);
    }
}

#[test]
fn builder_rejects_bad_input() {
    assert!(WasiCtxBuilder::new().arg("a\0b").build().is_err());
    assert!(WasiCtxBuilder::new().env("A=B", "c").build().is_err());
    assert!(WasiCtxBuilder::new().preopened_dir("/definitely/not/here", "/x", false).build().is_err());
    let file = TempDir::new("not-a-dir");
    std::fs::write(file.path().join("f"), b"").unwrap();
    assert!(WasiCtxBuilder::new().preopened_dir(file.path().join("f"), "/x", false).build().is_err());
}

#[test]
fn exit_codes() {
    for (how, code) in [("", 0), ("return", 3), ("exit", 7), ("raw", 42)] {
        let o = run("exit", |b| b.args(["exit", how]));
        assert_eq!(o.code, Ok(code), "{how}: {}", o.stderr);
        let shown = if how.is_empty() { "nothing" } else { how };
        assert_eq!(o.stdout, format!("exiting via {shown}\n"), "output is flushed before exiting");
    }
}

#[test]
fn proc_exit_is_an_error_until_mapped() {
    let engine = Engine::default();
    let module = Module::from_file(&engine, fixture("exit")).unwrap();
    let ctx = WasiCtxBuilder::new().args(["exit", "exit"]).build().unwrap();
    let mut store = Store::new(&engine, ctx);
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance.get_typed_func::<(), ()>(&store, "_start").unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    assert_eq!(wasi::exit_code(&err), Some(7), "{err}");
    assert_eq!(wasi::exit_code(&Error::other("wasi exit:7")), None);
}

#[test]
fn clocks_and_random() {
    let o = run("clock_random", |b| b.arg("clock_random"));
    assert_eq!(o.code, Ok(0), "{}", o.stdout);
    assert!(!o.stdout.contains("FAIL"), "{}", o.stdout);
    assert_eq!(o.stdout.lines().count(), 10, "{}", o.stdout);
}

#[test]
fn file_system_workout() {
    let dir = TempDir::new("fs");
    let o = run("fs", |b| b.args(["fs", "/sandbox"]).preopened_dir(dir.path(), "/sandbox", false));
    assert_eq!(o.code, Ok(0), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("\nentries: b.txt c.txt link sub\n"), "{}", o.stdout);
    assert!(o.stdout.ends_with("fs ok\n"), "{}", o.stdout);
    assert_eq!(std::fs::read_to_string(dir.path().join("result.txt")).unwrap(), "fs done\n");
    assert!(!dir.path().join("work").exists());
}

#[test]
fn the_sandbox_holds() {
    let (outer, rw, ro) = common::escape_sandbox();
    let o = run("escape", |b| {
        // The third preopen makes `/` itself the sandbox: `/etc/passwd` is
        // then looked up inside it.
        b.args(["escape", "/rw", "/ro"])
            .preopened_dir(&rw, "/rw", false)
            .preopened_dir(&ro, "/ro", true)
            .preopened_dir(&rw, "/", false)
    });
    assert_eq!(o.code, Ok(0), "{}{}", o.stdout, o.stderr);
    assert_eq!(o.stdout, common::ESCAPE_EXPECTED);
    common::sandbox_untouched(&outer, &rw, &ro);
}

/// Calls the module's `run` export (no WASI `_start`) and returns its result.
fn call_run(text: &str, ctx: WasiCtx) -> Result<i32, Error> {
    let engine = Engine::default();
    let module = Module::new(&engine, wat(text)).unwrap();
    let mut store = Store::new(&engine, ctx);
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
    let instance = linker.instantiate(&mut store, &module)?;
    instance.get_typed_func::<(), i32>(&store, "run")?.call(&mut store, ())
}

#[test]
fn bad_guest_pointers_are_efault() {
    const EFAULT: i32 = 21;
    let ctx = || WasiCtxBuilder::new().arg("x").build().unwrap();
    let module = |body: &str| {
        format!(
            r#"(module
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "run") (result i32) {body}))"#
        )
    };
    // An iovec whose buffer runs past the end of memory.
    let iov_out = "(i32.store (i32.const 0) (i32.const 65530)) (i32.store (i32.const 4) (i32.const 100))
                   (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))";
    assert_eq!(call_run(&module(iov_out), ctx()), Ok(EFAULT));
    let iovs_out = "(call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 8))";
    assert_eq!(call_run(&module(iovs_out), ctx()), Ok(EFAULT));
    let many = "(call $fd_write (i32.const 1) (i32.const 0) (i32.const -1) (i32.const 8))";
    assert_eq!(call_run(&module(many), ctx()), Ok(EFAULT));
    let result_out = "(call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 65535))";
    assert_eq!(call_run(&module(result_out), ctx()), Ok(EFAULT));
    assert_eq!(call_run(&module("(call $random_get (i32.const 65000) (i32.const 1000))"), ctx()), Ok(EFAULT));
    assert_eq!(call_run(&module("(call $args_get (i32.const -4) (i32.const 0))"), ctx()), Ok(EFAULT));
    assert_eq!(
        call_run(&module("(call $clock (i32.const 0) (i64.const 1) (i32.const 65533))"), ctx()),
        Ok(EFAULT)
    );
    assert_eq!(
        call_run(&module("(call $poll (i32.const 65500) (i32.const 0) (i32.const 1) (i32.const 0))"), ctx()),
        Ok(EFAULT)
    );
    // In bounds it works: write "hi" from a valid iovec.
    let out = OutputPipe::new();
    let ok = r#"(i32.store8 (i32.const 100) (i32.const 104)) (i32.store8 (i32.const 101) (i32.const 105))
                (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 2))
                (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))"#;
    let ctx = WasiCtxBuilder::new().stdout(out.clone()).build().unwrap();
    assert_eq!(call_run(&module(ok), ctx), Ok(0));
    assert_eq!(out.contents(), b"hi");
}

#[test]
fn poll_oneoff_sleeps_on_a_clock() {
    // One relative monotonic subscription of 30 ms, userdata 77.
    let text = r#"(module
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "run") (result i32)
        (i64.store (i32.const 0) (i64.const 77))
        (i32.store8 (i32.const 8) (i32.const 0))
        (i32.store (i32.const 16) (i32.const 1))
        (i64.store (i32.const 24) (i64.const 30000000))
        (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200)))
        ;; nevents * 1000 + userdata of the event
        (i32.add (i32.mul (i32.load (i32.const 200)) (i32.const 1000)) (i32.load (i32.const 100)))))"#;
    let start = std::time::Instant::now();
    assert_eq!(call_run(text, WasiCtx::default()), Ok(1077));
    assert!(start.elapsed() >= std::time::Duration::from_millis(30));
}

#[test]
fn reactors_and_modules_without_memory() {
    let engine = Engine::default();
    let reactor = wat(r#"(module
      (memory (export "memory") 1)
      (global $ready (mut i32) (i32.const 0))
      (func (export "_initialize") (global.set $ready (i32.const 1)))
      (func (export "ready") (result i32) (global.get $ready)))"#);
    let module = Module::new(&engine, &reactor).unwrap();
    let mut store = Store::new(&engine, WasiCtx::default());
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    assert_eq!(wasi::run_command(&mut store, instance), Ok(0));
    assert_eq!(instance.get_typed_func::<(), i32>(&store, "ready").unwrap().call(&mut store, ()), Ok(1));

    let no_memory = r#"(module
      (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
      (func (export "run") (result i32) (call $y)))"#;
    let err = call_run(no_memory, WasiCtx::default()).unwrap_err();
    assert!(matches!(err, Error::Other { .. }), "{err}");
}
