//! Validation (Wasm 2.0 plus the features the module was decoded with): the
//! module-level rules here, the operand/control stack algorithm for function
//! bodies in `func`. Never emits code and never decodes sections: it judges
//! a decoded `Module` and the ops fed to it.

mod func;
mod ops;

pub use func::{block_signature, validate_bodies, Frame, FrameKind, FuncValidator};

use crate::decode::{ConstExpr, ConstOp, ExternKind, Limits, Module, SegmentMode, ValType};
use crate::error::Error;
use std::collections::HashSet;

/// Largest memory in 64 KiB pages: 4 GiB for 32-bit memories, 2^48 pages
/// for memory64.
const MAX_PAGES_32: u64 = 1 << 16;
const MAX_PAGES_64: u64 = 1 << 48;

/// What the function validator needs to know about a module beyond the
/// module itself, computed once per module.
#[derive(Debug, Clone, Default)]
pub struct ModuleCtx {
    /// Bit set over the function index space: the functions that
    /// `ref.func` may name inside a body (the spec's `C.refs`).
    refs: Vec<u64>,
}

impl ModuleCtx {
    /// Collects `C.refs`: every function index that occurs in the module
    /// outside its function bodies and start function (exports, element
    /// segments, global initialisers). Does not validate anything.
    pub fn new(module: &Module) -> Self {
        let mut refs = vec![0u64; module.funcs.len().div_ceil(64)];
        let mut mark = |f: u32| {
            if let Some(word) = refs.get_mut(f as usize / 64) {
                *word |= 1 << (f % 64);
            }
        };
        let seg_exprs = module.elems.iter().flat_map(|seg| {
            let offset = match &seg.mode {
                SegmentMode::Active { offset, .. } => Some(offset),
                _ => None,
            };
            seg.items.iter().chain(offset)
        });
        for e in module.global_inits.iter().chain(seg_exprs) {
            for op in &e.ops {
                if let ConstOp::RefFunc(f) = op {
                    mark(*f);
                }
            }
        }
        for ex in &module.exports {
            if ex.kind == ExternKind::Func {
                mark(ex.index);
            }
        }
        ModuleCtx { refs }
    }

    /// Whether `ref.func func` is allowed in a function body.
    pub fn is_declared_ref(&self, func: u32) -> bool {
        self.refs.get(func as usize / 64).is_some_and(|w| w & (1 << (func % 64)) != 0)
    }
}

fn invalid(offset: usize, msg: impl Into<String>) -> Error {
    Error::invalid(None, offset, msg)
}

/// Validates everything that is not a function body: types, limits,
/// globals, segments, exports and the start function. Returns the context
/// the function validator needs.
pub fn validate_module(module: &Module) -> Result<ModuleCtx, Error> {
    let num_types = module.types.len();
    let num_funcs = module.funcs.len();

    // Consistency the decoder should already have enforced (malformed).
    let defined = num_funcs.saturating_sub(module.num_imported_funcs as usize);
    if defined != module.bodies.len() {
        return Err(Error::malformed(0, "function and code section have inconsistent lengths"));
    }
    if let Some(n) = module.data_count {
        if n as usize != module.datas.len() {
            return Err(Error::malformed(0, "data count and data section have inconsistent lengths"));
        }
    }

    // Functions (imported and defined) must name existing types.
    for &ty in &module.funcs {
        if ty as usize >= num_types {
            return Err(invalid(0, format!("unknown type {ty}")));
        }
    }

    for table in &module.tables {
        check_limits(&table.limits, u64::from(u32::MAX), "table size must be at most 2^32-1")?;
    }
    for mem in &module.memories {
        let (max, msg) = if mem.memory64 {
            (MAX_PAGES_64, "memory size must be at most 2^48 pages")
        } else {
            (MAX_PAGES_32, "memory size must be at most 65536 pages (4GiB)")
        };
        check_limits(&mem.limits, max, msg)?;
        if mem.shared && mem.limits.max.is_none() {
            return Err(invalid(0, "shared memory must have maximum"));
        }
    }
    if module.memories.len() > 1 && !module.features.multi_memory {
        return Err(invalid(0, "multiple memories (multi-memory is not enabled)"));
    }

    // Wasm 2.0: constant expressions may only read imported globals.
    let const_globals = module.num_imported_globals;
    let num_imported_globals = module.num_imported_globals as usize;
    for (i, init) in module.global_inits.iter().enumerate() {
        let Some(ty) = module.globals.get(num_imported_globals + i) else {
            return Err(invalid(init.offset, "global without type"));
        };
        check_const_expr(module, init, ty.content, const_globals)?;
    }

    for seg in &module.elems {
        for item in &seg.items {
            check_const_expr(module, item, seg.ty.into(), const_globals)?;
        }
        if let SegmentMode::Active { index, offset } = &seg.mode {
            let Some(table) = module.tables.get(*index as usize) else {
                return Err(invalid(offset.offset, format!("unknown table {index}")));
            };
            if table.elem != seg.ty {
                return Err(invalid(offset.offset, "type mismatch"));
            }
            check_const_expr(module, offset, ValType::I32, const_globals)?;
        }
    }

    for seg in &module.datas {
        if let SegmentMode::Active { index, offset } = &seg.mode {
            let Some(mem) = module.memories.get(*index as usize) else {
                return Err(invalid(offset.offset, format!("unknown memory {index}")));
            };
            let addr = if mem.memory64 { ValType::I64 } else { ValType::I32 };
            check_const_expr(module, offset, addr, const_globals)?;
        }
    }

    if let Some(start) = module.start {
        let Some(ty) = module.func_type(start) else {
            return Err(invalid(0, format!("unknown function {start}")));
        };
        if !ty.params().is_empty() || !ty.results().is_empty() {
            return Err(invalid(0, "start function"));
        }
    }

    let mut names = HashSet::with_capacity(module.exports.len());
    for ex in &module.exports {
        let (count, what) = match ex.kind {
            ExternKind::Func => (num_funcs, "function"),
            ExternKind::Table => (module.tables.len(), "table"),
            ExternKind::Memory => (module.memories.len(), "memory"),
            ExternKind::Global => (module.globals.len(), "global"),
        };
        if ex.index as usize >= count {
            return Err(invalid(0, format!("unknown {what} {}", ex.index)));
        }
        if !names.insert(ex.name.as_str()) {
            return Err(invalid(0, "duplicate export name"));
        }
    }

    Ok(ModuleCtx::new(module))
}

/// Spec order: both bounds within range first, then min ≤ max.
fn check_limits(limits: &Limits, range: u64, too_big: &str) -> Result<(), Error> {
    if limits.min > range || limits.max.is_some_and(|m| m > range) {
        return Err(invalid(0, too_big));
    }
    if limits.max.is_some_and(|m| limits.min > m) {
        return Err(invalid(0, "size minimum must not be greater than maximum"));
    }
    Ok(())
}

/// Type-checks a constant expression against `expected`. `global.get` may
/// read only the first `num_const_globals` globals, and only immutable ones.
pub fn check_const_expr(
    module: &Module,
    expr: &ConstExpr,
    expected: ValType,
    num_const_globals: u32,
) -> Result<(), Error> {
    let at = expr.offset;
    let mut stack: Vec<ValType> = Vec::with_capacity(2);
    for op in &expr.ops {
        let ty = match *op {
            ConstOp::I32Const(_) => ValType::I32,
            ConstOp::I64Const(_) => ValType::I64,
            ConstOp::F32Const(_) => ValType::F32,
            ConstOp::F64Const(_) => ValType::F64,
            ConstOp::V128Const(_) => ValType::V128,
            ConstOp::RefNull(t) => t.into(),
            ConstOp::RefFunc(f) => {
                if f as usize >= module.funcs.len() {
                    return Err(invalid(at, format!("unknown function {f}")));
                }
                ValType::FuncRef
            }
            ConstOp::GlobalGet(g) => {
                if g >= num_const_globals {
                    return Err(invalid(at, format!("unknown global {g}")));
                }
                let Some(gt) = module.globals.get(g as usize) else {
                    return Err(invalid(at, format!("unknown global {g}")));
                };
                if gt.mutable {
                    return Err(invalid(at, "constant expression required"));
                }
                gt.content
            }
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                pop2(&mut stack, ValType::I32, at)?;
                ValType::I32
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                pop2(&mut stack, ValType::I64, at)?;
                ValType::I64
            }
        };
        stack.push(ty);
    }
    if stack.len() != 1 || stack[0] != expected {
        return Err(invalid(at, "type mismatch"));
    }
    Ok(())
}

fn pop2(stack: &mut Vec<ValType>, ty: ValType, at: usize) -> Result<(), Error> {
    for _ in 0..2 {
        if stack.pop() != Some(ty) {
            return Err(invalid(at, "type mismatch"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
