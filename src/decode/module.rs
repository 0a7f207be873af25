//! The decoded module: everything the later stages need, with function
//! bodies kept as byte ranges of the original binary (lowered later).

use super::types::*;
use std::ops::Range;

/// A constant expression, as the instructions it is made of (`end` excluded).
/// Wasm 2.0 allows `*.const`, `ref.null`, `ref.func`, `global.get`; the
/// extended-const proposal adds `i32/i64.add/sub/mul`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstExpr {
    pub ops: Vec<ConstOp>,
    /// Byte offset of the expression in the binary (for error messages).
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstOp {
    I32Const(i32),
    I64Const(i64),
    /// Raw IEEE bits.
    F32Const(u32),
    F64Const(u64),
    V128Const(u128),
    RefNull(RefType),
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportDesc {
    /// Type index.
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub desc: ImportDesc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub name: String,
    pub kind: ExternKind,
    pub index: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GlobalDef {
    pub ty: GlobalType,
    pub init: ConstExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SegmentMode {
    Passive,
    /// Element segments only: `elem declare`.
    Declarative,
    Active {
        index: u32,
        offset: ConstExpr,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ElemSegment {
    pub mode: SegmentMode,
    pub ty: RefType,
    /// Each item is a constant expression (`ref.func i` for the legacy
    /// function-index encodings).
    pub items: Vec<ConstExpr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataSegment {
    pub mode: SegmentMode,
    /// Range of the segment's bytes in the binary.
    pub bytes: Range<usize>,
}

/// A code-section entry.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncBody {
    /// Declared locals, run-length grouped as in the binary (count, type).
    /// The total is checked to fit in u32.
    pub locals: Vec<(u32, ValType)>,
    /// Range of the instruction bytes (after the locals, up to and including
    /// the final `end`) in the binary.
    pub code: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomSection {
    pub name: String,
    /// Range of the payload (after the name) in the binary.
    pub data: Range<usize>,
}

/// The `name` custom section, as far as it is well-formed (a malformed name
/// section is ignored, as the spec asks).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Names {
    pub module: Option<String>,
    /// (function index, name), sorted by index.
    pub funcs: Vec<(u32, String)>,
}

impl Names {
    pub fn func(&self, index: u32) -> Option<&str> {
        self.funcs.binary_search_by_key(&index, |(i, _)| *i).ok().map(|i| self.funcs[i].1.as_str())
    }
}

/// Symbol flags of `dylink.0` (tool-conventions DynamicLinking.md).
pub mod sym_flags {
    pub const WEAK: u32 = 0x1;
    pub const LOCAL: u32 = 0x2;
    pub const HIDDEN: u32 = 0x4;
    pub const UNDEFINED: u32 = 0x10;
    pub const EXPORTED: u32 = 0x20;
    pub const EXPLICIT_NAME: u32 = 0x40;
    pub const NO_STRIP: u32 = 0x80;
    pub const TLS: u32 = 0x100;
    pub const ABSOLUTE: u32 = 0x200;
}

/// The `dylink.0` section (or the legacy `dylink` section, which has only
/// the memory/table info and NEEDED).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dylink {
    pub mem_size: u32,
    pub mem_align: u32,
    pub table_size: u32,
    pub table_align: u32,
    pub needed: Vec<String>,
    /// (name, flags)
    pub export_info: Vec<(String, u32)>,
    /// (module, field, flags)
    pub import_info: Vec<(String, String, u32)>,
    pub runtime_path: Vec<String>,
    /// True when read from the legacy `dylink` section.
    pub legacy: bool,
}

/// A decoded module. Index spaces (functions, tables, memories, globals)
/// start with the imports, in import order, then the definitions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Module {
    pub types: Vec<FuncType>,
    pub imports: Vec<Import>,
    /// Type index of every function in the function index space
    /// (imported ones first).
    pub funcs: Vec<u32>,
    pub tables: Vec<TableType>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<GlobalType>,
    /// Initialisers of the defined globals (`globals[num_imported_globals..]`).
    pub global_inits: Vec<ConstExpr>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    pub data_count: Option<u32>,
    /// One body per defined function (`funcs[num_imported_funcs..]`).
    pub bodies: Vec<FuncBody>,
    pub customs: Vec<CustomSection>,
    pub names: Names,
    pub dylink: Option<Dylink>,
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    /// The optional features it was decoded with; validation and lowering
    /// follow the same set.
    pub features: super::Features,
}

impl Module {
    pub fn func_type(&self, func_index: u32) -> Option<&FuncType> {
        self.types.get(*self.funcs.get(func_index as usize)? as usize)
    }
}
