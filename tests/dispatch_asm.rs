//! The threaded backend is only correct if every handler ends in a jump to
//! the next one (a sibling call). Rust does not promise that, so these tests
//! disassemble the `weft` binary and check each handler: a
//! register-indirect `call` inside one means dispatch grows the native stack;
//! and a conditional branch must stay a branch (see the second test).

use std::process::Command;

/// The `weft` binary's machine code, as `objdump -d` prints it.
fn disassembly() -> String {
    let exe = env!("CARGO_BIN_EXE_weft");
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", exe])
        .output()
        .expect("objdump (binutils) is needed to check the threaded handlers");
    assert!(out.status.success(), "objdump failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn threaded_handlers_end_in_jumps() {
    if weft::Backend::default() != weft::Backend::Threaded {
        eprintln!("this build uses the loop backend by default; nothing to check");
        return;
    }
    let text = disassembly();
    let (mut handlers, mut with_jump, mut bad) = (0, 0, Vec::new());
    let mut current: Option<&str> = None;
    let mut jumped = false;
    for line in text.lines() {
        if let Some(name) = line.strip_suffix(">:").and_then(|l| l.split_once(" <").map(|(_, n)| n)) {
            if current.is_some() && jumped {
                with_jump += 1;
            }
            current = name.contains("4weft4exec8threaded").then_some(name);
            handlers += current.is_some() as usize;
            jumped = false;
            continue;
        }
        let Some(name) = current else { continue };
        let insn = line.split('\t').nth(1).unwrap_or("").trim();
        // `call *%reg`, `call *(%reg)`, `call *0x10(%reg)`: a call through a
        // register is a call to the next handler. (`call *0x..(%rip)` is a
        // call into libc/libm through the GOT, which returns normally.)
        let (call_through_register, indirect_jump) = if cfg!(target_arch = "aarch64") {
            (insn.starts_with("blr"), insn.starts_with("br\t") || insn.starts_with("br "))
        } else {
            (
                insn.starts_with("call") && insn.contains('*') && !insn.contains("(%rip)"),
                insn.starts_with("jmp") && insn.contains('*'),
            )
        };
        if call_through_register {
            bad.push(format!("{name}: {insn}"));
        }
        jumped |= indirect_jump;
    }
    assert!(handlers > 200, "found only {handlers} threaded handlers: symbol names changed?");
    assert!(bad.is_empty(), "handlers that call the next handler instead of jumping:\n{}", bad.join("\n"));
    assert!(with_jump * 10 >= handlers * 9, "{with_jump} of {handlers} handlers end in an indirect jump");
}

/// A conditional branch must be a branch in the handler, not a `cmov` of
/// the next instruction pointer: with a select, the next handler's operand
/// loads wait for the condition (the end of a float chain, a cache miss),
/// where a predicted branch lets them start at once. Worth 1.7x on a
/// float loop (mandelbrot) when it regressed.
#[test]
fn conditional_branches_do_not_select_the_next_ip() {
    if weft::Backend::default() != weft::Backend::Threaded || !cfg!(target_arch = "x86_64") {
        eprintln!("checked on x86-64 with the threaded backend only");
        return;
    }
    let text = disassembly();
    let (mut checked, mut bad) = (0, Vec::new());
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(sym) = line.strip_suffix(">:").and_then(|l| l.split_once(" <").map(|(_, n)| n)) {
            // `_ZN4weft4exec8threaded20F64AddA_BrF64LeImmA17h…E` → the opcode.
            current = sym.split_once("4weft4exec8threaded").and_then(|(_, rest)| {
                let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
                let len: usize = rest[..digits].parse().ok()?;
                let name = rest.get(digits..digits + len)?;
                // Branching opcodes: `BrIf…`, `BrI32…`, fused pairs ending in one;
                // not `Br` (unconditional) nor `BrTable`/`BrTableA` (clamp an index).
                let branches = name
                    .split('_')
                    .any(|part| part.starts_with("Br") && part != "Br" && !part.starts_with("BrTable"));
                branches.then(|| name.to_string())
            });
            checked += current.is_some() as usize;
            continue;
        }
        let Some(name) = &current else { continue };
        let insn = line.split('\t').nth(1).unwrap_or("").trim();
        if insn.starts_with("cmov") {
            bad.push(format!("{name}: {insn}"));
        }
    }
    assert!(checked > 50, "found only {checked} conditional-branch handlers: symbol names changed?");
    assert!(bad.is_empty(), "branch handlers that select the next ip with a cmov:\n{}", bad.join("\n"));
}
