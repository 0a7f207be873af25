//! The accumulator kept across stores, branches not taken and loop heads:
//! `tests/accumulator.wast` on both backends (loops whose head assumption
//! holds, and every kind of branch back that breaks it), and the IR the
//! assumption leads to.

use weft::{Config, Engine, Module};

mod common;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/accumulator.wast");

#[test]
fn script_passes_on_every_backend_with_and_without_checks() {
    for backend in common::backends() {
        // (With an interrupt check at loop heads, no head assumes anything.)
        for interrupt in [false, true] {
            let mut config = Config::new();
            config.backend(backend).interruptible(interrupt);
            let report = weft::wast::run_file(SCRIPT, &config).unwrap();
            assert!(report.failures.is_empty(), "{config:?}:\n{}", report.failures.join("\n"));
            assert_eq!(report.passed, 18, "{config:?}");
        }
    }
}

/// The module of the script, and the IR of its functions, one string each.
fn functions(config: &Config) -> Vec<String> {
    let text = std::fs::read_to_string(SCRIPT).unwrap();
    let module_text = &text[text.find("(module").unwrap()..text.find("(assert_return").unwrap()];
    let module = Module::new(&Engine::new(config), common::wat(module_text)).unwrap();
    let ir = module.print_ir(None).unwrap();
    let mut funcs: Vec<String> = Vec::new();
    for line in ir.lines() {
        if line.starts_with("func ") {
            funcs.push(String::new());
        }
        if let Some(f) = funcs.last_mut() {
            f.push_str(line);
            f.push('\n');
        }
    }
    funcs
}

/// Opcodes of the `A` forms in one function's IR.
fn acc_forms(func: &str) -> Vec<&str> {
    func.lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|op| op.ends_with('A') || op.contains("A_"))
        .collect()
}

#[test]
fn a_loop_carried_local_stays_in_the_accumulator() {
    let f = functions(&Config::new());
    // `fill`: the index, stored through at the head and advanced at the
    // bottom, is read from the accumulator throughout the loop.
    assert!(f[0].contains("Store8ImmA addr="), "{}", f[0]);
    assert!(f[0].contains("I32AddA_BrI32LtUA") || f[0].contains("I32AddA dst="), "{}", f[0]);
    // `indexed`: both indexed accesses take the index from it.
    assert!(f[6].contains("Store32IdxA") && f[6].contains("Load32UIdxA"), "{}", f[6]);
    // `counter`: set through a copy from the accumulator, which the head
    // then assumes holds the copy's destination.
    assert!(f[10].contains("CopyA dst=") && f[10].contains("Store8ImmA addr="), "{}", f[10]);
}

#[test]
fn copies_take_their_source_from_the_accumulator() {
    let f = functions(&Config::new());
    // `copies2`: the copy reads the product from the accumulator; the
    // overwritten destination is then read from its slot.
    assert!(f[8].contains("CopyA dst=s1, src=s2"), "{}", f[8]);
    assert!(f[8].contains("I32Sub dst=") || f[8].contains("I32Sub_"), "{}", f[8]);
    // `fcopies`: the same from the float accumulator.
    assert!(f[9].contains("F64CopyA dst="), "{}", f[9]);
}

#[test]
fn a_broken_assumption_leaves_plain_forms() {
    let f = functions(&Config::new());
    // `broken`: the branch back holds another local, so the head's `A` form
    // (the add reading the induction variable) is plain again.
    assert!(acc_forms(&f[1]).is_empty(), "{}", f[1]);
    // With a fuel check at the head, which a resumed call re-enters with
    // nothing in the accumulator, no head assumes anything.
    let mut fuel = Config::new();
    fuel.consume_fuel(true);
    let f = functions(&fuel);
    assert!(f[0].contains("ConsumeFuel") && !f[0].contains("Store8ImmA"), "{}", f[0]);
}
