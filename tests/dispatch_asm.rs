//! The threaded backend is only correct if every handler ends in a jump to
//! the next one (a sibling call). Rust does not promise that, so this test
//! disassembles the `weft` binary and checks each handler: a
//! register-indirect `call` inside one means dispatch grows the native stack.

use std::process::Command;

#[test]
fn threaded_handlers_end_in_jumps() {
    if weft::Backend::default() != weft::Backend::Threaded {
        eprintln!("this build uses the loop backend by default; nothing to check");
        return;
    }
    let exe = env!("CARGO_BIN_EXE_weft");
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", exe])
        .output()
        .expect("objdump (binutils) is needed to check the threaded handlers");
    assert!(out.status.success(), "objdump failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
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
