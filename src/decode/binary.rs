//! The module decoder: header, sections in order, section sizes, segments,
//! constant expressions, and a decoding pass over every function body so
//! that malformed instructions are reported here. No type checking.
//!
//! Like the reference interpreter, a section's contents are read from the
//! rest of the module, not from a slice cut at the section's declared size;
//! the size is checked afterwards ("section size mismatch"). That is what
//! makes the spec suite's messages come out as it expects (a missing `end`
//! reads on into the next section, a vector count too large runs into
//! "length out of bounds" against the module's end).

use super::custom;
use super::module::*;
use super::op::{ref_type, val_type, Op, OpReader};
use super::reader::{capacity, Reader, EOF_IN_SECTION, EOF_TOP};
use super::types::*;
use super::Features;
use crate::error::Error;

/// Upper bound on the declared locals of one function. The spec allows up to
/// 2^32-1; engines cap it (wasmparser, V8 and SpiderMonkey use 50 000) so a
/// tiny body cannot make later stages allocate gigabytes.
pub const MAX_LOCALS: u64 = 50_000;

mod id {
    pub const CUSTOM: u8 = 0;
    pub const TYPE: u8 = 1;
    pub const IMPORT: u8 = 2;
    pub const FUNCTION: u8 = 3;
    pub const TABLE: u8 = 4;
    pub const MEMORY: u8 = 5;
    pub const GLOBAL: u8 = 6;
    pub const EXPORT: u8 = 7;
    pub const START: u8 = 8;
    pub const ELEMENT: u8 = 9;
    pub const CODE: u8 = 10;
    pub const DATA: u8 = 11;
    pub const DATA_COUNT: u8 = 12;
}

/// Position of a non-custom section in the required order (the data count
/// section sits between element and code).
fn order(section: u8) -> u8 {
    match section {
        id::DATA_COUNT => 10,
        id::CODE => 11,
        id::DATA => 12,
        s => s,
    }
}

/// Decodes a WebAssembly 2.0 binary module.
///
/// Malformed input is an `Error::Malformed` with the spec's wording and the
/// byte offset. A few rules the spec classes as validation but that are only
/// visible while decoding (a non-constant instruction in a constant
/// expression, `select` with a type list not of length one) are reported as
/// `Error::Invalid`, after the whole module has decoded.
pub fn decode_module(bytes: &[u8]) -> Result<Module, Error> {
    decode(bytes, true, Features::default())
}

/// [`decode_module`] with optional `features` (the module records them).
pub fn decode_module_with(bytes: &[u8], features: Features) -> Result<Module, Error> {
    decode(bytes, true, features)
}

/// Decodes the module structure but only delimits function bodies, without
/// reading their instructions: for callers that read every body next anyway
/// (the lowering), so bodies are decoded once. Malformed bodies then show up
/// as errors from `OpReader` and the validator; to report exactly what
/// [`decode_module`] would, run it when anything fails.
pub fn decode_module_shallow(bytes: &[u8], features: Features) -> Result<Module, Error> {
    decode(bytes, false, features)
}

fn decode(bytes: &[u8], scan_bodies: bool, features: Features) -> Result<Module, Error> {
    let m = Module { features, ..Module::default() };
    let mut d = Decoder { bytes, m, deferred: None, uses_data_count: false, scan_bodies };
    d.module()?;
    match d.deferred {
        Some(e) => Err(e),
        None => Ok(d.m),
    }
}

struct Decoder<'a> {
    bytes: &'a [u8],
    m: Module,
    /// The first validation error met while decoding, reported only if the
    /// module is otherwise well-formed.
    deferred: Option<Error>,
    /// `memory.init` or `data.drop` appears in a body.
    uses_data_count: bool,
    /// Read every body's instructions (else only the body's extent).
    scan_bodies: bool,
}

impl<'a> Decoder<'a> {
    fn module(&mut self) -> Result<(), Error> {
        let bytes = self.bytes;
        let mut r = Reader::new(bytes, 0);
        r.set_eof_message(EOF_TOP);
        if r.bytes(4)? != b"\0asm" {
            return Err(Error::malformed(0, "magic header not detected"));
        }
        if r.bytes(4)? != [1, 0, 0, 0] {
            return Err(Error::malformed(4, "unknown binary version"));
        }

        let mut last = 0u8;
        let mut num_defined_funcs: Option<u32> = None;
        let mut num_datas: Option<u32> = None;
        while !r.is_end() {
            let id_at = r.offset();
            let id = r.u8()?;
            if id > id::DATA_COUNT {
                return Err(Error::malformed(id_at, "malformed section id"));
            }
            let size = r.byte_len()? as usize;
            let start = r.offset();
            let end = start + size;
            if end > bytes.len() {
                // Within the slack `len` allows for the size's own bytes.
                return Err(Error::malformed(bytes.len(), EOF_TOP));
            }
            if id == id::CUSTOM {
                custom::custom_section(&mut self.m, bytes, start, end)?;
                r.skip(size)?;
                continue;
            }
            if order(id) <= last {
                return Err(Error::malformed(id_at, "unexpected content after last section"));
            }
            last = order(id);

            // The section's reader runs to the end of the module (see the
            // module comment); its size is checked after.
            let mut s = Reader::new(&bytes[start..], start);
            s.set_eof_message(EOF_IN_SECTION);
            match id {
                id::TYPE => self.type_section(&mut s)?,
                id::IMPORT => self.import_section(&mut s)?,
                id::FUNCTION => num_defined_funcs = Some(self.function_section(&mut s)?),
                id::TABLE => self.table_section(&mut s)?,
                id::MEMORY => self.memory_section(&mut s)?,
                id::GLOBAL => self.global_section(&mut s)?,
                id::EXPORT => self.export_section(&mut s)?,
                id::START => self.m.start = Some(s.u32()?),
                id::ELEMENT => self.element_section(&mut s)?,
                id::DATA_COUNT => self.m.data_count = Some(s.u32()?),
                id::CODE => self.code_section(&mut s)?,
                _ => num_datas = Some(self.data_section(&mut s)?),
            }
            if s.offset() != end {
                return Err(Error::malformed(start, "section size mismatch"));
            }
            r.skip(size)?;
        }

        let at = bytes.len();
        if num_defined_funcs.unwrap_or(0) as usize != self.m.bodies.len() {
            return Err(Error::malformed(at, "function and code section have inconsistent lengths"));
        }
        if let Some(n) = self.m.data_count {
            if n != num_datas.unwrap_or(0) {
                return Err(Error::malformed(at, "data count and data section have inconsistent lengths"));
            }
        }
        if self.uses_data_count && self.m.data_count.is_none() {
            return Err(Error::malformed(at, "data count section required"));
        }
        Ok(())
    }

    fn defer(&mut self, e: Error) {
        if self.deferred.is_none() {
            self.deferred = Some(e);
        }
    }

    fn type_section(&mut self, s: &mut Reader<'_>) -> Result<(), Error> {
        let n = s.count()?;
        self.m.types.reserve(capacity(n));
        for _ in 0..n {
            let at = s.offset();
            if s.type_byte()? != 0x60 {
                return Err(Error::malformed(at, "malformed function type"));
            }
            let params = val_types(s)?;
            let results = val_types(s)?;
            self.m.types.push(FuncType::new(params, results));
        }
        Ok(())
    }

    fn import_section(&mut self, s: &mut Reader<'_>) -> Result<(), Error> {
        let n = s.count()?;
        self.m.imports.reserve(capacity(n));
        for _ in 0..n {
            let module = s.name()?;
            let name = s.name()?;
            let at = s.offset();
            let desc = match s.u8()? {
                0x00 => {
                    let ty = s.u32()?;
                    self.m.funcs.push(ty);
                    self.m.num_imported_funcs += 1;
                    ImportDesc::Func(ty)
                }
                0x01 => {
                    let t = table_type(s)?;
                    self.m.tables.push(t);
                    self.m.num_imported_tables += 1;
                    ImportDesc::Table(t)
                }
                0x02 => {
                    let t = memory_type(s)?;
                    self.m.memories.push(t);
                    self.m.num_imported_memories += 1;
                    ImportDesc::Memory(t)
                }
                0x03 => {
                    let t = global_type(s)?;
                    self.m.globals.push(t);
                    self.m.num_imported_globals += 1;
                    ImportDesc::Global(t)
                }
                _ => return Err(Error::malformed(at, "malformed import kind")),
            };
            self.m.imports.push(Import { module, name, desc });
        }
        Ok(())
    }

    fn function_section(&mut self, s: &mut Reader<'_>) -> Result<u32, Error> {
        let n = s.count()?;
        self.m.funcs.reserve(capacity(n));
        for _ in 0..n {
            self.m.funcs.push(s.u32()?);
        }
        Ok(n)
    }

    fn table_section(&mut self, s: &mut Reader<'_>) -> Result<(), Error> {
        let n = s.count()?;
        for _ in 0..n {
            self.m.tables.push(table_type(s)?);
        }
        Ok(())
    }

    fn memory_section(&mut self, s: &mut Reader<'_>) -> Result<(), Error> {
        let n = s.count()?;
        for _ in 0..n {
            self.m.memories.push(memory_type(s)?);
        }
        Ok(())
    }

    fn global_section(&mut self, s: &mut Reader<'_>) -> Result<(), Error> {
        let n = s.count()?;
        for _ in 0..n {
            let ty = global_type(s)?;
            let init = self.const_expr(s)?;
            self.m.globals.push(ty);
            self.m.global_inits.push(init);
        }
        Ok(())
    }

    fn export_section(&mut self, s: &mut Reader<'_>) -> Result<(), Error> {
        let n = s.count()?;
        self.m.exports.reserve(capacity(n));
        for _ in 0..n {
            let name = s.name()?;
            let at = s.offset();
            let kind = match s.u8()? {
                0x00 => ExternKind::Func,
                0x01 => ExternKind::Table,
                0x02 => ExternKind::Memory,
                0x03 => ExternKind::Global,
                _ => return Err(Error::malformed(at, "malformed export kind")),
            };
            let index = s.u32()?;
            self.m.exports.push(Export { name, kind, index });
        }
        Ok(())
    }

    fn element_section(&mut self, s: &mut Reader<'_>) -> Result<(), Error> {
        let n = s.count()?;
        for _ in 0..n {
            let at = s.offset();
            let flags = s.u32()?;
            if flags > 7 {
                return Err(Error::malformed(at, "malformed elements segment kind"));
            }
            // Bit 0: passive or declarative (else active); bit 1: explicit
            // table index (active) or declarative (otherwise); bit 2: items
            // are expressions (else function indices).
            let mode = if flags & 1 == 0 {
                let index = if flags & 2 != 0 { s.u32()? } else { 0 };
                SegmentMode::Active { index, offset: self.const_expr(s)? }
            } else if flags & 2 == 0 {
                SegmentMode::Passive
            } else {
                SegmentMode::Declarative
            };
            let exprs = flags & 4 != 0;
            // Forms 0 and 4 have neither element kind nor type: funcref.
            let ty = if flags & 3 == 0 {
                RefType::FuncRef
            } else if exprs {
                ref_type(s)?
            } else {
                let at = s.offset();
                if s.u8()? != 0x00 {
                    return Err(Error::malformed(at, "malformed element kind"));
                }
                RefType::FuncRef
            };
            let count = s.count()?;
            let mut items = Vec::with_capacity(capacity(count));
            for _ in 0..count {
                if exprs {
                    items.push(self.const_expr(s)?);
                } else {
                    let offset = s.offset();
                    let f = s.u32()?;
                    items.push(ConstExpr { ops: vec![ConstOp::RefFunc(f)], offset });
                }
            }
            self.m.elems.push(ElemSegment { mode, ty, items });
        }
        Ok(())
    }

    fn data_section(&mut self, s: &mut Reader<'_>) -> Result<u32, Error> {
        let n = s.count()?;
        for _ in 0..n {
            let at = s.offset();
            let mode = match s.u32()? {
                0 => SegmentMode::Active { index: 0, offset: self.const_expr(s)? },
                1 => SegmentMode::Passive,
                2 => {
                    let index = s.u32()?;
                    SegmentMode::Active { index, offset: self.const_expr(s)? }
                }
                _ => return Err(Error::malformed(at, "malformed data segment kind")),
            };
            let len = s.byte_len()? as usize;
            let start = s.offset();
            s.skip(len)?;
            self.m.datas.push(DataSegment { mode, bytes: start..start + len });
        }
        Ok(n)
    }

    fn code_section(&mut self, s: &mut Reader<'_>) -> Result<(), Error> {
        let n = s.count()?;
        self.m.bodies.reserve(capacity(n));
        for _ in 0..n {
            let size = s.byte_len()? as usize;
            let body_start = s.offset();
            let body_end = body_start + size;

            let groups = s.count()?;
            let mut locals = Vec::with_capacity(capacity(groups));
            let mut total = 0u64;
            for _ in 0..groups {
                let count = s.u32()?;
                let ty = val_type(s)?;
                total += u64::from(count);
                locals.push((count, ty));
            }
            if total > MAX_LOCALS {
                return Err(Error::malformed(body_start, "too many locals"));
            }

            let code_start = s.offset();
            if !self.scan_bodies {
                if code_start > body_end {
                    return Err(Error::malformed(body_start, "section size mismatch"));
                }
                s.skip(body_end - code_start)?;
                self.m.bodies.push(FuncBody { locals, code: code_start..body_end });
                continue;
            }
            let mut uses_data_count = false;
            self.instrs(s, |op| {
                if matches!(op, Op::MemoryInit { .. } | Op::DataDrop(_)) {
                    uses_data_count = true;
                }
            })?;
            self.uses_data_count |= uses_data_count;
            if s.offset() != body_end {
                return Err(Error::malformed(body_start, "section size mismatch"));
            }
            self.m.bodies.push(FuncBody { locals, code: code_start..body_end });
        }
        Ok(())
    }

    /// A constant expression, up to and including its `end`. Instructions
    /// that are not constant are a (deferred) validation error.
    fn const_expr(&mut self, s: &mut Reader<'_>) -> Result<ConstExpr, Error> {
        let offset = s.offset();
        let mut ops = Vec::new();
        let mut bad = None;
        self.instrs(s, |op| {
            let c = match *op {
                Op::I32Const(v) => ConstOp::I32Const(v),
                Op::I64Const(v) => ConstOp::I64Const(v),
                Op::F32Const(v) => ConstOp::F32Const(v),
                Op::F64Const(v) => ConstOp::F64Const(v),
                Op::V128Const(v) => ConstOp::V128Const(v),
                Op::RefNull(t) => ConstOp::RefNull(t),
                Op::RefFunc(f) => ConstOp::RefFunc(f),
                Op::GlobalGet(g) => ConstOp::GlobalGet(g),
                Op::I32Add => ConstOp::I32Add,
                Op::I32Sub => ConstOp::I32Sub,
                Op::I32Mul => ConstOp::I32Mul,
                Op::I64Add => ConstOp::I64Add,
                Op::I64Sub => ConstOp::I64Sub,
                Op::I64Mul => ConstOp::I64Mul,
                Op::End => return,
                _ => {
                    bad.get_or_insert(op.name());
                    return;
                }
            };
            ops.push(c);
        })?;
        if let Some(name) = bad {
            self.defer(Error::invalid(
                None,
                offset,
                format!("constant expression required ({name} is not constant)"),
            ));
        }
        Ok(ConstExpr { ops, offset })
    }

    /// Decodes an instruction sequence up to the `end` that closes it, with
    /// the binary format's nesting rules (`else` only once, directly in an
    /// `if`). `f` sees every instruction, the final `end` included.
    fn instrs(&mut self, s: &mut Reader<'_>, mut f: impl FnMut(&Op)) -> Result<(), Error> {
        // Open constructs: false for block/loop/body, true for an `if`
        // that may still take an `else`.
        let mut stack = vec![false];
        let mut ops = OpReader::from_reader(s.clone(), self.m.features);
        loop {
            let at = ops.offset();
            let op = match ops.read() {
                Ok(op) => op,
                Err(e @ Error::Invalid { .. }) => {
                    self.defer(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            f(&op);
            match op {
                Op::Block(_) | Op::Loop(_) => stack.push(false),
                Op::If(_) => stack.push(true),
                Op::Else => match stack.last_mut() {
                    Some(top @ true) => *top = false,
                    _ => return Err(Error::malformed(at, "END opcode expected")),
                },
                Op::End => {
                    stack.pop();
                    if stack.is_empty() {
                        break;
                    }
                }
                _ => {}
            }
        }
        *s = ops.into_reader();
        Ok(())
    }
}

fn val_types(s: &mut Reader<'_>) -> Result<Vec<ValType>, Error> {
    let n = s.count()?;
    let mut v = Vec::with_capacity(capacity(n));
    for _ in 0..n {
        v.push(val_type(s)?);
    }
    Ok(v)
}

/// Limits: a flag (read as a 1-bit LEB128, as Wasm 2.0 has only "max
/// present"), the minimum, and the maximum if flagged.
fn limits(s: &mut Reader<'_>) -> Result<Limits, Error> {
    let flags = s.uleb_bits(1)?;
    let min = u64::from(s.u32()?);
    let max = if flags & 1 != 0 { Some(u64::from(s.u32()?)) } else { None };
    Ok(Limits { min, max })
}

fn table_type(s: &mut Reader<'_>) -> Result<TableType, Error> {
    let elem = ref_type(s)?;
    Ok(TableType { elem, limits: limits(s)? })
}

fn memory_type(s: &mut Reader<'_>) -> Result<MemoryType, Error> {
    Ok(MemoryType { limits: limits(s)?, shared: false, memory64: false })
}

fn global_type(s: &mut Reader<'_>) -> Result<GlobalType, Error> {
    let content = val_type(s)?;
    let at = s.offset();
    let mutable = match s.u8()? {
        0 => false,
        1 => true,
        _ => return Err(Error::malformed(at, "malformed mutability")),
    };
    Ok(GlobalType { content, mutable })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module: header, then the given raw bytes.
    fn module(parts: &[&[u8]]) -> Vec<u8> {
        let mut v = b"\0asm\x01\0\0\0".to_vec();
        for p in parts {
            v.extend_from_slice(p);
        }
        v
    }

    /// A section with its id and (one-byte) size.
    fn sec(id: u8, content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 128);
        let mut v = vec![id, content.len() as u8];
        v.extend_from_slice(content);
        v
    }

    /// A module with one `() -> ()` function whose body (after the locals)
    /// is `code`, plus a one-page memory and the given extra sections.
    fn func_module(code: &[u8]) -> Vec<u8> {
        let mut body = vec![0u8]; // no locals
        body.extend_from_slice(code);
        let mut entry = vec![1u8, body.len() as u8];
        entry.extend_from_slice(&body);
        module(&[&sec(1, &[1, 0x60, 0, 0]), &sec(3, &[1, 0]), &sec(5, &[1, 0, 1]), &sec(10, &entry)])
    }

    fn err(bytes: &[u8]) -> Error {
        decode_module(bytes).expect_err("decoding should fail")
    }

    fn malformed(bytes: &[u8]) -> String {
        match err(bytes) {
            Error::Malformed { message, .. } => message,
            e => panic!("expected a malformed-module error, got {e:?}"),
        }
    }

    fn invalid(bytes: &[u8]) -> String {
        match err(bytes) {
            Error::Invalid { message, .. } => message,
            e => panic!("expected an invalid-module error, got {e:?}"),
        }
    }

    #[test]
    fn header() {
        assert!(decode_module(b"\0asm\x01\0\0\0").is_ok());
        assert_eq!(malformed(b""), "unexpected end");
        assert_eq!(malformed(b"\x01"), "unexpected end");
        assert_eq!(malformed(b"\0as"), "unexpected end");
        assert_eq!(malformed(b"\0asm\x01\0\0"), "unexpected end");
        assert_eq!(malformed(b"asm\0"), "magic header not detected");
        assert_eq!(malformed(b"\0ASM\x01\0\0\0"), "magic header not detected");
        assert_eq!(malformed(b"\0asm\x0d\0\0\0"), "unknown binary version");
        assert_eq!(malformed(b"\0asm\0\0\0\x01"), "unknown binary version");
    }

    #[test]
    fn section_framing() {
        assert_eq!(malformed(&module(&[b"\x0e\x01\x00"])), "malformed section id");
        assert_eq!(malformed(&module(&[b"\x80\x01\x00"])), "malformed section id");
        // A section size past the end of the module.
        assert_eq!(malformed(&module(&[b"\x01\x07\x02\x60\x00\x00"])), "length out of bounds");
        // One type declared, two given.
        assert_eq!(malformed(&module(&[b"\x01\x07\x01\x60\x00\x00\x60\x00\x00"])), "section size mismatch");
        // Declared entries run past the module's end; a huge count fails
        // at the first missing entry without reserving memory for it.
        assert!(malformed(&module(&[b"\x01\x06\xff\xff\xff\xff\x0f\x60"])).starts_with("unexpected end"));
        assert!(malformed(&module(&[b"\x04\x01\x01"])).starts_with("unexpected end"));
        // Order, and duplicates.
        assert_eq!(
            malformed(&module(&[b"\x02\x01\x00", b"\x01\x01\x00"])),
            "unexpected content after last section"
        );
        assert_eq!(
            malformed(&module(&[b"\x0c\x01\x01", b"\x0c\x01\x01"])),
            "unexpected content after last section"
        );
        assert_eq!(
            malformed(&module(&[b"\x0c\x01\x00", b"\x09\x01\x00"])),
            "unexpected content after last section"
        );
        // Custom sections anywhere; their name must fit.
        assert!(decode_module(&module(&[b"\x00\x02\x01a", b"\x01\x01\x00", b"\x00\x01\x00"])).is_ok());
        assert!(malformed(&module(&[b"\x00\x00"])).starts_with("unexpected end"));
        assert_eq!(malformed(&module(&[b"\x00\x03\x02\xc0\x80"])), "malformed UTF-8 encoding");
    }

    #[test]
    fn counts_must_agree() {
        let types = sec(1, &[1, 0x60, 0, 0]);
        assert_eq!(
            malformed(&module(&[&types, b"\x03\x03\x02\x00\x00"])),
            "function and code section have inconsistent lengths"
        );
        assert_eq!(
            malformed(&module(&[b"\x0a\x04\x01\x02\x00\x0b"])),
            "function and code section have inconsistent lengths"
        );
        assert!(decode_module(&module(&[b"\x03\x01\x00"])).is_ok());
        assert_eq!(
            malformed(&module(&[b"\x0c\x01\x03", b"\x0b\x05\x02\x01\x00\x01\x00"])),
            "data count and data section have inconsistent lengths"
        );
        assert_eq!(
            malformed(&module(&[b"\x05\x03\x01\x00\x01", b"\x0c\x01\x01"])),
            "data count and data section have inconsistent lengths"
        );
        assert!(decode_module(&module(&[b"\x0c\x01\x00"])).is_ok());
    }

    #[test]
    fn data_count_required() {
        let mut m = func_module(&[0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 0, 0, 0x0b]);
        m.extend_from_slice(b"\x0b\x03\x01\x01\x00");
        assert_eq!(malformed(&m), "data count section required");
        let mut m = func_module(&[0xfc, 9, 0, 0x0b]);
        m.extend_from_slice(b"\x0b\x03\x01\x01\x00");
        assert_eq!(malformed(&m), "data count section required");
    }

    #[test]
    fn body_ends() {
        // Missing `end` between two bodies: reading runs on into the next.
        let m = module(&[
            b"\x01\x04\x01\x60\x00\x00",
            b"\x03\x03\x02\x00\x00",
            b"\x0a\x0c\x02\x04\x00\x41\x01\x1a\x05\x00\x41\x01\x1a\x0b",
        ]);
        assert_eq!(malformed(&m), "END opcode expected");
        // ... at the end of the module.
        let m =
            module(&[b"\x01\x04\x01\x60\x00\x00", b"\x03\x02\x01\x00", b"\x0a\x06\x01\x04\x00\x41\x01\x1a"]);
        assert_eq!(malformed(&m), "unexpected end of section or function");
        // ... followed by a section starting with 0x0b.
        let m = module(&[
            b"\x01\x04\x01\x60\x00\x00",
            b"\x03\x02\x01\x00",
            b"\x0a\x06\x01\x04\x00\x41\x01\x1a",
            b"\x0b\x03\x01\x01\x00",
        ]);
        assert_eq!(malformed(&m), "section size mismatch");
        // `else` outside an `if`, and twice in one `if`.
        assert_eq!(malformed(&func_module(&[0x05, 0x0b])), "END opcode expected");
        assert_eq!(
            malformed(&func_module(&[0x41, 0, 0x04, 0x40, 0x05, 0x05, 0x0b, 0x0b])),
            "END opcode expected"
        );
        assert!(decode_module(&func_module(&[0x41, 0, 0x04, 0x40, 0x05, 0x0b, 0x0b])).is_ok());
        // Bytes after the final `end` of a body.
        assert_eq!(malformed(&func_module(&[0x0b, 0x01])), "section size mismatch");
    }

    #[test]
    fn instruction_errors() {
        assert!(malformed(&func_module(&[0xff, 0x0b])).starts_with("illegal opcode"));
        assert!(malformed(&func_module(&[0xfc, 0x7f, 0x0b])).starts_with("illegal opcode"));
        assert!(malformed(&func_module(&[0xfd, 0x9a, 0x01, 0x0b])).starts_with("illegal opcode"));
        let zero_byte = "zero byte expected (multi-memory is not enabled)";
        assert_eq!(malformed(&func_module(&[0x3f, 0x01, 0x1a, 0x0b])), zero_byte);
        assert_eq!(malformed(&func_module(&[0x3f, 0x80, 0x00, 0x1a, 0x0b])), zero_byte);
        assert_eq!(malformed(&func_module(&[0x41, 0, 0x40, 0x01, 0x1a, 0x0b])), zero_byte);
        let memop = "malformed memop flags (multi-memory is not enabled)";
        assert_eq!(malformed(&func_module(&[0x41, 0, 0x28, 0x20, 0x00, 0x1a, 0x0b])), memop);
        assert_eq!(malformed(&func_module(&[0x41, 0, 0x28, 0x40, 0x00, 0x1a, 0x0b])), memop);
        assert_eq!(
            malformed(&func_module(&[0x41, 0, 0x28, 0x80, 0x01, 0x00, 0x1a, 0x0b])),
            "malformed memop flags"
        );
        assert_eq!(
            malformed(&func_module(&[0x41, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1a, 0x0b])),
            "integer too large"
        );
        assert_eq!(
            malformed(&func_module(&[0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a, 0x0b])),
            "integer representation too long"
        );
        assert_eq!(malformed(&func_module(&[0xd0, 0x7f, 0x1a, 0x0b])), "malformed reference type");
        assert_eq!(
            invalid(&func_module(&[0x41, 0, 0x41, 0, 0x41, 0, 0x1c, 0x00, 0x1a, 0x0b])),
            "invalid result arity"
        );
    }

    #[test]
    fn locals() {
        let m = |locals: &[u8]| {
            let mut body = locals.to_vec();
            body.push(0x0b);
            let mut code = vec![1u8, body.len() as u8];
            code.extend_from_slice(&body);
            module(&[b"\x01\x04\x01\x60\x00\x00", b"\x03\x02\x01\x00", &sec(10, &code)])
        };
        let ok = decode_module(&m(&[3, 0, 0x7f, 0, 0x7e, 2, 0x7d])).unwrap();
        assert_eq!(ok.bodies[0].locals, vec![(0, ValType::I32), (0, ValType::I64), (2, ValType::F32)]);
        assert_eq!(malformed(&m(&[2, 0x80, 0x80, 0x80, 0x80, 0x10, 0x7f, 2, 0x7e])), "integer too large");
        assert_eq!(malformed(&m(&[2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 2, 0x7e])), "too many locals");
        assert_eq!(malformed(&m(&[1, 0xd1, 0x86, 0x03, 0x7f])), "too many locals");
        assert!(decode_module(&m(&[1, 0xd0, 0x86, 0x03, 0x7f])).is_ok()); // 50 000
    }

    #[test]
    fn types_imports_globals() {
        // Function type tag as a two-byte LEB128.
        assert_eq!(malformed(&module(&[b"\x01\x05\x01\xe0\x7f\x00\x00"])), "integer representation too long");
        assert_eq!(malformed(&module(&[b"\x02\x04\x01\x00\x00\x04"])), "malformed import kind");
        assert_eq!(malformed(&module(&[b"\x02\x04\x01\x00\x00\x80"])), "malformed import kind");
        assert_eq!(malformed(&module(&[b"\x02\x05\x01\x01\xff\x00\x00"])), "malformed UTF-8 encoding");
        assert_eq!(malformed(&module(&[b"\x02\x06\x01\x00\x00\x03\x7f\x02"])), "malformed mutability");
        assert_eq!(malformed(&module(&[b"\x06\x06\x01\x7f\xff\x41\x00\x0b"])), "malformed mutability");
        // Limits flags are a one-bit LEB128 in Wasm 2.0.
        assert_eq!(malformed(&module(&[b"\x05\x02\x01\x02"])), "integer too large");
        assert_eq!(malformed(&module(&[b"\x05\x05\x01\x81\x00\x00\x00"])), "integer representation too long");
        assert_eq!(malformed(&module(&[b"\x04\x03\x01\x70\x02"])), "integer too large");
        // A global initializer missing its `end` reads on into the code section.
        let m = module(&[
            b"\x01\x04\x01\x60\x00\x00",
            b"\x03\x02\x01\x00",
            b"\x06\x05\x01\x7f\x00\x41\x00",
            b"\x0a\x04\x01\x02\x00\x0b",
        ]);
        assert!(malformed(&m).starts_with("illegal opcode"));
    }

    #[test]
    fn constant_expressions() {
        // A non-constant instruction is a validation error, reported only
        // once the rest of the module has decoded.
        let m = module(&[b"\x06\x07\x01\x7f\x00\x41\x00\x68\x0b"]);
        assert_eq!(invalid(&m), "constant expression required (i32.ctz is not constant)");
        let m = module(&[b"\x06\x05\x01\x7f\x00\x01\x0b", b"\x0e\x00"]);
        assert_eq!(malformed(&m), "malformed section id");
        // Extended-const arithmetic decodes.
        let m = decode_module(&module(&[b"\x06\x09\x01\x7f\x00\x41\x01\x41\x02\x6a\x0b"])).unwrap();
        assert_eq!(m.global_inits[0].ops, vec![ConstOp::I32Const(1), ConstOp::I32Const(2), ConstOp::I32Add]);
    }

    #[test]
    fn element_segments() {
        let head: &[&[u8]] = &[b"\x01\x04\x01\x60\x00\x00", b"\x03\x02\x01\x00", b"\x04\x04\x01\x70\x00\x00"];
        let with = |elem: &[u8]| {
            let mut parts: Vec<&[u8]> = head.to_vec();
            let s = sec(9, elem);
            let code: &[u8] = b"\x0a\x04\x01\x02\x00\x0b";
            parts.push(&s);
            parts.push(code);
            decode_module(&module(&parts))
        };
        let m = with(&[
            8, // segments
            0, 0x41, 0, 0x0b, 1, 0, // 0: active table 0, func indices
            1, 0, 1, 0, // 1: passive, elemkind, func indices
            2, 0, 0x41, 1, 0x0b, 0, 1, 0, // 2: active table 0 explicit
            3, 0, 1, 0, // 3: declarative
            4, 0x41, 0, 0x0b, 1, 0xd2, 0, 0x0b, // 4: active, exprs
            5, 0x6f, 1, 0xd0, 0x6f, 0x0b, // 5: passive externref exprs
            6, 0, 0x41, 0, 0x0b, 0x70, 0, // 6: active explicit, no items
            7, 0x70, 1, 0xd0, 0x70, 0x0b, // 7: declarative exprs
        ])
        .unwrap();
        let e = &m.elems;
        assert_eq!(e.len(), 8);
        assert_eq!(e[0].items[0].ops, vec![ConstOp::RefFunc(0)]);
        assert!(matches!(e[0].mode, SegmentMode::Active { index: 0, .. }));
        assert_eq!(e[1].mode, SegmentMode::Passive);
        assert!(matches!(&e[2].mode, SegmentMode::Active { index: 0, offset }
            if offset.ops == vec![ConstOp::I32Const(1)]));
        assert_eq!(e[3].mode, SegmentMode::Declarative);
        assert_eq!(e[4].items[0].ops, vec![ConstOp::RefFunc(0)]);
        assert_eq!(e[5].ty, RefType::ExternRef);
        assert_eq!(e[5].items[0].ops, vec![ConstOp::RefNull(RefType::ExternRef)]);
        assert!(e[6].items.is_empty());
        assert_eq!(e[7].mode, SegmentMode::Declarative);
        // A passive segment of a non-reference type, and an illegal opcode.
        let bad_ty = with(&[1, 5, 0x7f, 1, 0xd2, 0, 0x0b]).unwrap_err();
        assert_eq!(bad_ty.message(), "malformed reference type");
        let bad_op = with(&[1, 5, 0x70, 1, 0xf3, 0, 0x0b]).unwrap_err();
        assert!(bad_op.message().starts_with("illegal opcode"));
    }

    #[test]
    fn data_segments() {
        let mem: &[u8] = b"\x05\x03\x01\x00\x01";
        assert!(malformed(&module(&[mem, b"\x0b\x0c\x01\x00\x41\x03\x0b\x07abcdef"]))
            .starts_with("unexpected end"));
        assert_eq!(
            malformed(&module(&[mem, b"\x0b\x0c\x01\x00\x41\x00\x0b\x05abcdef"])),
            "section size mismatch"
        );
        let m = decode_module(&module(&[
            mem,
            b"\x0c\x01\x03",
            b"\x0b\x11\x03\x00\x41\x02\x0b\x02hi\x01\x01!\x02\x00\x41\x00\x0b\x00",
        ]))
        .unwrap();
        assert_eq!(m.data_count, Some(3));
        let bytes_of = |i: usize| m.datas[i].bytes.clone();
        assert_eq!(bytes_of(0).len(), 2);
        assert_eq!(m.datas[1].mode, SegmentMode::Passive);
        assert!(matches!(m.datas[2].mode, SegmentMode::Active { index: 0, .. }));
        assert_eq!(bytes_of(2).len(), 0);
    }

    #[test]
    fn round_trip() {
        let bytes = module(&[
            // type 0: (i32) -> i32, type 1: () -> ()
            b"\x01\x09\x02\x60\x01\x7f\x01\x7f\x60\x00\x00",
            // import "env" "f" (func (type 0)), "env" "g" (global (mut i64))
            b"\x02\x12\x02\x03env\x01f\x00\x00\x03env\x01g\x03\x7e\x01",
            b"\x03\x03\x02\x00\x01",
            b"\x04\x05\x01\x70\x01\x01\x0a",
            b"\x05\x04\x01\x01\x01\x02",
            b"\x06\x09\x01\x7d\x00\x43\x00\x00\x80\x3f\x0b",
            b"\x07\x09\x02\x01a\x00\x01\x01m\x02\x00",
            b"\x08\x01\x02",
            // body 1: local.get 0, br_table [0] 0, v128.const, end;
            // body 2: i8x16.shuffle, i32x4.extract_lane 3, drop, end
            b"\x0a\x3b\x02",
            b"\x1c\x01\x01\x7b\x20\x00\x0e\x01\x00\x00\xfd\x0c",
            b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x0b",
            b"\x1c\x00\xfd\x0f\xfd\x0f\xfd\x0d",
            b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
            b"\xfd\x1b\x03\x1a\x0b",
            // name section: module "m", function 2 "two"
            b"\x00\x11\x04name\x00\x02\x01m\x01\x06\x01\x02\x03two",
        ]);
        let m = decode_module(&bytes).unwrap();
        assert_eq!(m.types.len(), 2);
        assert_eq!(m.types[0].params(), &[ValType::I32]);
        assert_eq!(m.num_imported_funcs, 1);
        assert_eq!(m.num_imported_globals, 1);
        assert_eq!(m.funcs, vec![0, 0, 1]);
        assert_eq!(m.func_type(2), Some(&FuncType::new([], [])));
        assert_eq!(
            m.tables,
            vec![TableType { elem: RefType::FuncRef, limits: Limits { min: 1, max: Some(10) } }]
        );
        assert_eq!(m.memories[0].limits, Limits { min: 1, max: Some(2) });
        assert_eq!(m.globals.len(), 2);
        assert_eq!(m.global_inits[0].ops, vec![ConstOp::F32Const(0x3f80_0000)]);
        assert_eq!(m.exports[1], Export { name: "m".into(), kind: ExternKind::Memory, index: 0 });
        assert_eq!(m.start, Some(2));
        assert_eq!(m.bodies.len(), 2);
        assert_eq!(m.bodies[0].locals, vec![(1, ValType::V128)]);
        let mut ops = Vec::new();
        let code = m.bodies[0].code.clone();
        let mut r = OpReader::new(&bytes[code.clone()], code.start);
        while !r.is_end() {
            ops.push(r.read().unwrap());
        }
        assert_eq!(ops.len(), 4);
        assert_eq!(ops[1], Op::BrTable { targets: vec![0].into(), default: 0 });
        assert_eq!(ops[2], Op::V128Const(0x100f0e0d0c0b0a090807060504030201));
        assert_eq!(m.names.module.as_deref(), Some("m"));
        assert_eq!(m.names.func(2), Some("two"));
        assert_eq!(m.customs.len(), 1);
    }

    #[test]
    fn malformed_name_section_is_ignored() {
        let m = decode_module(&module(&[b"\x00\x0b\x04name\x01\x04\x01\x00\x03a"])).unwrap();
        assert_eq!(m.names, Names::default());
        assert_eq!(m.customs[0].name, "name");
    }
}
