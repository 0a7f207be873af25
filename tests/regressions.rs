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
