//! One test per bug found by fuzzing (`fuzz/`) or the mutation test
//! (`tests/mutation.rs`), with the offending input inline.
//!
//! Some of these bugs abort the process (a failed allocation) instead of
//! panicking, which would take every other test of this binary down with it.
//! Those run in a child process: the test re-executes this binary filtered
//! to itself, and asserts that the child exits cleanly.

use std::process::Command;
use weft::{Config, Engine, Limits, Linker, Module, RefType, Store, Table, TableType, Val};

const CHILD_ENV: &str = "WEFT_REGRESSION_CHILD";

/// Runs `body` in a child process when called from the test named `name`;
/// fails if the child panics, aborts or is killed.
fn isolated(name: &str, body: impl FnOnce()) {
    if std::env::var(CHILD_ENV).as_deref() == Ok(name) {
        body();
        return;
    }
    let out = Command::new(std::env::current_exe().expect("test binary path"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, name)
        .output()
        .expect("spawn the test binary");
    assert!(
        out.status.success(),
        "{name} failed in its child process ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Loads and instantiates `bytes` with no imports; the result may be any
/// `Err`, but must come back.
fn instantiate(bytes: &[u8]) -> Result<(), weft::Error> {
    let engine = Engine::new(&Config::new());
    let module = Module::new(&engine, bytes)?;
    let mut store = Store::new(&engine, ());
    Linker::<()>::new(&engine).instantiate(&mut store, &module)?;
    Ok(())
}

/// `(module (table 0xffff_ffff funcref))`: valid (a table's minimum may be
/// anything up to 2^32-1), but instantiating it allocated `min` eight-byte
/// elements up front (`vec![0; min]` in `runtime/instance.rs`), so the
/// process died with "memory allocation of 34359738360 bytes failed"
/// instead of instantiation returning an error. `TableEntity::grow` caps
/// tables at 2^26 elements; creation does not. Found by `tests/mutation.rs`.
#[test]
fn huge_table_minimum_is_an_instantiation_error_not_an_abort() {
    isolated("huge_table_minimum_is_an_instantiation_error_not_an_abort", || {
        let bytes = [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
            0x04, 0x08, 0x01, // table section, 8 bytes, 1 table
            0x70, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, // funcref, min 0xffff_ffff, no max
        ];
        let engine = Engine::new(&Config::new());
        Module::new(&engine, bytes.as_slice()).expect("the module is valid");
        assert!(instantiate(bytes.as_slice()).is_err(), "a 32 GiB table cannot be allocated");
    });
}

/// The same through the host API: `Table::new` with a minimum of 2^32-1.
#[test]
fn huge_host_table_is_an_error_not_an_abort() {
    isolated("huge_host_table_is_an_error_not_an_abort", || {
        let engine = Engine::new(&Config::new());
        let mut store = Store::new(&engine, ());
        let ty = TableType { elem: RefType::FuncRef, limits: Limits { min: u32::MAX as u64, max: None } };
        assert!(Table::new(&mut store, ty, Val::FuncRef(None)).is_err());
    });
}

/// A loop that dispatches about five million instructions, scalar and
/// SIMD, and returns a checksum of what it computed.
const LONG_RUN: &str = r#"(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (func (export "run") (param $n i32) (result i32)
    (local $acc i32) (local $v v128)
    (loop $l
      ;; i32.clz chain: the handler the fuzzer's stack overflow ran through
      (local.set $acc (i32.add (local.get $acc)
        (i32.clz (i32.clz (i32.clz (i32.xor (local.get $acc) (local.get $n)))))))
      ;; SIMD handlers that end in a call at opt-level s/z
      (local.set $v (i32x4.mul
        (i16x8.splat (local.get $n))
        (v128.load8x8_s (i32.const 0))))
      (local.set $v (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0
        (local.get $v)
        (f32x4.floor (f32x4.convert_i32x4_u (local.get $v)))))
      (local.set $acc (i32.add (local.get $acc) (i32x4.extract_lane 1 (local.get $v))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc)))"#;

/// The threaded backend needs every handler to end in a jump to the next
/// one. In a build instrumented by `cargo fuzz` (sanitizer coverage) almost
/// none did, and at opt-level `s`/`z` about 100 (mostly SIMD) did not, yet
/// `build.rs` chose `threaded` for both: every executed instruction kept a
/// native frame, and the `differential` fuzz target died of SIGSEGV (stack
/// overflow) on a module that ran a few thousand `i32.clz`. `build.rs` now
/// picks `loop` there, and `Config::backend(Threaded)` falls back to `loop`
/// in builds that cannot run `threaded`. Found by `fuzz/` (differential).
/// In a child process: a stack overflow kills the process, not the test.
#[test]
fn long_runs_keep_the_native_stack_flat() {
    isolated("long_runs_keep_the_native_stack_flat", || {
        let bytes = {
            let buf = wast::parser::ParseBuffer::new(LONG_RUN).expect("lex");
            let mut module: wast::Wat = wast::parser::parse(&buf).expect("parse");
            module.encode().expect("encode")
        };
        let mut results = Vec::new();
        for backend in [weft::Backend::default(), weft::Backend::Threaded, weft::Backend::Loop] {
            let engine = Engine::new(Config::new().backend(backend));
            let module = Module::new(&engine, &bytes).expect("valid module");
            let mut store = Store::new(&engine, ());
            let instance = Linker::<()>::new(&engine).instantiate(&mut store, &module).expect("instantiate");
            let run = instance.get_typed_func::<i32, i32>(&store, "run").expect("export");
            results.push(run.call(&mut store, 200_000).expect("no trap"));
        }
        assert!(results.iter().all(|r| *r == results[0]), "backends disagree: {results:?}");
    });
}
