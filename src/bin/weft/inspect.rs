//! `weft inspect`: sections with offsets and sizes, imports, exports,
//! custom sections and `dylink.0`; `--ir` prints the register IR.

use crate::{read, report_error};
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use weft::decode::reader::Reader;
use weft::decode::{decode_module_with, sym_flags, Features, ImportDesc};
use weft::{Config, Engine, Module};

fn section_name(id: u8) -> &'static str {
    match id {
        0 => "custom",
        1 => "type",
        2 => "import",
        3 => "function",
        4 => "table",
        5 => "memory",
        6 => "global",
        7 => "export",
        8 => "start",
        9 => "element",
        10 => "code",
        11 => "data",
        12 => "datacount",
        _ => "unknown",
    }
}

/// (id, custom name, payload offset, payload size) of each section. The
/// module has decoded already, so the headers are well-formed; a surprise
/// ends the walk rather than panicking.
fn sections(bytes: &[u8]) -> Vec<(u8, Option<String>, usize, usize)> {
    let mut out = Vec::new();
    let Some(body) = bytes.get(8..) else {
        return out;
    };
    let mut r = Reader::new(body, 8);
    while !r.is_end() {
        let Ok(id) = r.u8() else { break };
        let Ok(size) = r.u32() else { break };
        let start = r.offset();
        let size = size as usize;
        let name = if id == 0 {
            bytes.get(start..start.saturating_add(size)).and_then(|p| Reader::new(p, start).name().ok())
        } else {
            None
        };
        out.push((id, name, start, size));
        if r.skip(size).is_err() {
            break;
        }
    }
    out
}

fn flags_text(flags: u32) -> String {
    let names = [
        (sym_flags::WEAK, "WEAK"),
        (sym_flags::LOCAL, "LOCAL"),
        (sym_flags::HIDDEN, "HIDDEN"),
        (sym_flags::UNDEFINED, "UNDEFINED"),
        (sym_flags::EXPORTED, "EXPORTED"),
        (sym_flags::EXPLICIT_NAME, "EXPLICIT_NAME"),
        (sym_flags::NO_STRIP, "NO_STRIP"),
        (sym_flags::TLS, "TLS"),
        (sym_flags::ABSOLUTE, "ABSOLUTE"),
    ];
    let mut parts: Vec<String> =
        names.iter().filter(|(bit, _)| flags & bit != 0).map(|(_, n)| n.to_string()).collect();
    let known = names.iter().fold(0, |acc, (bit, _)| acc | bit);
    if flags & !known != 0 {
        parts.push(format!("{:#x}", flags & !known));
    }
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join("|")
    }
}

fn limits_text(min: u64, max: Option<u64>) -> String {
    match max {
        Some(max) => format!("{{min {min}, max {max}}}"),
        None => format!("{{min {min}, no max}}"),
    }
}

/// A function index from a number, a name-section name or an export name.
fn resolve_func(m: &weft::decode::Module, func: &str) -> Option<u32> {
    if let Ok(i) = func.parse::<u32>() {
        return Some(i);
    }
    let func = func.strip_prefix('$').unwrap_or(func);
    m.names.funcs.iter().find(|(_, n)| n == func).map(|(i, _)| *i).or_else(|| {
        m.exports.iter().find(|e| e.kind == weft::ExternKind::Func && e.name == func).map(|e| e.index)
    })
}

pub(crate) fn cmd_inspect(ir: Option<Option<String>>, path: &Path) -> ExitCode {
    let bytes = match read(path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    // Inspection describes whatever weft can decode: every feature is on.
    let m = match decode_module_with(&bytes, Features { multi_memory: true }) {
        Ok(m) => m,
        Err(e) => return report_error(path, &e),
    };
    if let Some(func) = ir {
        let index = match func.as_deref().map(|f| (f, resolve_func(&m, f))) {
            None => None,
            Some((_, Some(i))) => Some(i),
            Some((f, None)) => {
                eprintln!("error: no function `{f}` in {}", path.display());
                return ExitCode::FAILURE;
            }
        };
        let engine = Engine::new(Config::new().multi_memory(true));
        let module = match Module::new(&engine, &bytes) {
            Ok(module) => module,
            Err(e) => return report_error(path, &e),
        };
        return match module.print_ir(index) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    print!("{}", describe(path, &bytes, &m));
    ExitCode::SUCCESS
}

/// The `inspect` report.
fn describe(path: &Path, bytes: &[u8], m: &weft::decode::Module) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}: {} bytes", path.display(), bytes.len());
    let _ = writeln!(o, "sections:");
    for (id, name, offset, size) in sections(bytes) {
        let label = match name {
            Some(n) => format!("custom \"{}\"", n.escape_debug()),
            None => section_name(id).to_string(),
        };
        let _ = writeln!(o, "  {id:>2} {label:<24} payload at {offset:#08x}, {size} bytes");
    }
    let _ = writeln!(o, "types: {}", m.types.len());
    let _ = writeln!(o, "imports: {}", m.imports.len());
    for imp in &m.imports {
        let what = match &imp.desc {
            ImportDesc::Func(t) => match m.types.get(*t as usize) {
                Some(ty) => format!("func {ty}"),
                None => format!("func (type {t})"),
            },
            ImportDesc::Table(t) => {
                format!("table {} {}", t.elem, limits_text(t.limits.min, t.limits.max))
            }
            ImportDesc::Memory(t) => format!(
                "memory {}{}{}",
                limits_text(t.limits.min, t.limits.max),
                if t.shared { " shared" } else { "" },
                if t.memory64 { " i64" } else { "" }
            ),
            ImportDesc::Global(g) => {
                format!("global {}{}", if g.mutable { "mut " } else { "" }, g.content)
            }
        };
        let _ = writeln!(o, "  {}.{}: {what}", imp.module.escape_debug(), imp.name.escape_debug());
    }
    let _ = writeln!(
        o,
        "functions: {} imported, {} defined",
        m.num_imported_funcs,
        m.funcs.len() as u64 - u64::from(m.num_imported_funcs)
    );
    let defined = |all: usize, imported: u32| all.saturating_sub(imported as usize);
    let _ = writeln!(
        o,
        "tables: {} imported, {} defined",
        m.num_imported_tables,
        defined(m.tables.len(), m.num_imported_tables)
    );
    let _ = writeln!(
        o,
        "memories: {} imported, {} defined",
        m.num_imported_memories,
        defined(m.memories.len(), m.num_imported_memories)
    );
    let _ = writeln!(
        o,
        "globals: {} imported, {} defined",
        m.num_imported_globals,
        defined(m.globals.len(), m.num_imported_globals)
    );
    for (i, t) in m.tables.iter().enumerate() {
        let _ = writeln!(o, "  table {i}: {} {}", t.elem, limits_text(t.limits.min, t.limits.max));
    }
    for (i, t) in m.memories.iter().enumerate() {
        let _ = writeln!(
            o,
            "  memory {i}: {}{}{}",
            limits_text(t.limits.min, t.limits.max),
            if t.shared { " shared" } else { "" },
            if t.memory64 { " i64" } else { "" }
        );
    }
    let _ = writeln!(o, "exports: {}", m.exports.len());
    for e in &m.exports {
        let _ = writeln!(o, "  {} {}: {}", e.kind, e.index, e.name.escape_debug());
    }
    if let Some(start) = m.start {
        let _ = writeln!(o, "start: func {start}");
    }
    let _ = writeln!(o, "element segments: {}", m.elems.len());
    let _ = writeln!(o, "data segments: {}", m.datas.len());
    let _ = writeln!(o, "custom sections: {}", m.customs.len());
    for c in &m.customs {
        let _ = writeln!(
            o,
            "  \"{}\" payload at {:#x}, {} bytes",
            c.name.escape_debug(),
            c.data.start,
            c.data.len()
        );
    }
    if let Some(name) = &m.names.module {
        let _ = writeln!(o, "module name: {}", name.escape_debug());
    }
    if !m.names.funcs.is_empty() {
        let _ = writeln!(o, "function names: {}", m.names.funcs.len());
    }
    if let Some(d) = &m.dylink {
        let section = if d.legacy { "dylink (legacy)" } else { "dylink.0" };
        let _ = writeln!(o, "{section}:");
        let _ = writeln!(o, "  memory: size {}, align 2^{}", d.mem_size, d.mem_align);
        let _ = writeln!(o, "  table: size {}, align 2^{}", d.table_size, d.table_align);
        for n in &d.needed {
            let _ = writeln!(o, "  needed: {}", n.escape_debug());
        }
        for p in &d.runtime_path {
            let _ = writeln!(o, "  runtime path: {}", p.escape_debug());
        }
        for (name, flags) in &d.export_info {
            let _ = writeln!(o, "  export info: {} {}", name.escape_debug(), flags_text(*flags));
        }
        for (module, field, flags) in &d.import_info {
            let _ = writeln!(
                o,
                "  import info: {}.{} {}",
                module.escape_debug(),
                field.escape_debug(),
                flags_text(*flags)
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_named() {
        assert_eq!(flags_text(0), "0");
        assert_eq!(flags_text(sym_flags::WEAK | sym_flags::EXPORTED), "WEAK|EXPORTED");
        assert_eq!(flags_text(0x8000), "0x8000");
    }

    #[test]
    fn section_walk_survives_truncation() {
        // magic, version, a type section of 1 byte (count 0), then a
        // custom section header whose size runs past the end.
        let bytes = [0, b'a', b's', b'm', 1, 0, 0, 0, 1, 1, 0, 0, 10, 3, b'a'];
        let s = sections(&bytes);
        assert_eq!(s[0], (1, None, 10, 1));
        assert!(sections(&bytes[..4]).is_empty());
    }
}
