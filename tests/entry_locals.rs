//! Declared locals read as zero, though a call zeroes only those the code
//! may read before writing them: `tests/entry_locals.wast` on both
//! backends, and the zeroing each function gets.

use weft::{Config, Engine, Module};

mod common;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/entry_locals.wast");

#[test]
fn script_passes_on_every_backend() {
    for backend in common::backends() {
        let mut config = Config::new();
        config.backend(backend);
        let report = weft::wast::run_file(SCRIPT, &config).unwrap();
        assert!(report.failures.is_empty(), "{config:?}:\n{}", report.failures.join("\n"));
        assert_eq!(report.passed, 8, "{config:?}");
    }
}

#[test]
fn only_locals_read_before_written_are_zeroed() {
    let text = std::fs::read_to_string(SCRIPT).unwrap();
    let module_text = &text[text.find("(module").unwrap()..text.find("(assert_return").unwrap()];
    let module = Module::new(&Engine::new(&Config::new()), common::wat(module_text)).unwrap();
    let zeroed = |f: u32| {
        let ir = module.print_ir(Some(f)).unwrap();
        let head = ir.lines().next().unwrap().to_string();
        let n = head
            .split(" params, ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok());
        n.unwrap_or_else(|| panic!("no zeroed count in {head}"))
    };
    assert_eq!(zeroed(0), 0, "$dirty writes all its locals first");
    assert_eq!(zeroed(1), 2, "$under_if");
    assert_eq!(zeroed(2), 1, "$after_br_if: local 1 only");
    assert_eq!(zeroed(3), 3, "$read_first: up to the i64");
    assert_eq!(zeroed(4), 0, "$written_first");
}
