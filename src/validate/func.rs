//! Function bodies: the spec's operand/control stack algorithm, fed one op
//! at a time so the lowering can type-check and emit IR in the same pass.
//! Owns no reader and emits nothing.

use super::ModuleCtx;
use crate::decode::op::{MemArg, OpReader};
use crate::decode::{BlockType, Module, RefType, ValType};
use crate::error::Error;

/// Which instruction opened a control frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// The function body itself (the outermost frame).
    Func,
    Block,
    Loop,
    If,
    /// An `if` frame after its `else`.
    Else,
}

/// One entry of the control stack.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub kind: FrameKind,
    pub params: &'a [ValType],
    pub results: &'a [ValType],
    /// Operand stack height when the frame was entered (below its params).
    pub height: usize,
    /// Whether the rest of the frame is unreachable (after `br`, `return`,
    /// `unreachable`, ...): the operand stack is then polymorphic.
    pub unreachable: bool,
}

impl<'a> Frame<'a> {
    /// The types a branch to this frame carries: the params of a loop, the
    /// results of anything else.
    pub fn label_types(&self) -> &'a [ValType] {
        if self.kind == FrameKind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

/// An operand type, `None` being the spec's `Unknown` (a value popped from
/// the polymorphic stack of unreachable code).
pub(super) type MaybeType = Option<ValType>;

/// Validates one function body, one op at a time.
pub struct FuncValidator<'a> {
    pub(super) module: &'a Module,
    pub(super) ctx: &'a ModuleCtx,
    pub(super) func: u32,
    /// Run-length groups of the locals (params first): group `i` covers the
    /// indices below `locals[i].0` not covered by an earlier group.
    pub(super) locals: Vec<(u32, ValType)>,
    /// The type of each local, when there are at most `FLAT_LOCALS`
    /// (lookups are then an index, not a search).
    flat: Vec<ValType>,
    pub(super) num_locals: u32,
    pub(super) results: &'a [ValType],
    pub(super) vals: Vec<MaybeType>,
    pub(super) ctrls: Vec<Frame<'a>>,
    /// Reused buffer for `br_table`.
    pub(super) scratch: Vec<MaybeType>,
    /// Offset of the op being validated (for errors).
    pub(super) offset: usize,
}

/// Functions with at most this many locals get a flat table of their types.
const FLAT_LOCALS: u64 = 1 << 12;

/// The single-value block types, as static slices.
fn single(t: ValType) -> &'static [ValType] {
    match t {
        ValType::I32 => &[ValType::I32],
        ValType::I64 => &[ValType::I64],
        ValType::F32 => &[ValType::F32],
        ValType::F64 => &[ValType::F64],
        ValType::V128 => &[ValType::V128],
        ValType::FuncRef => &[ValType::FuncRef],
        ValType::ExternRef => &[ValType::ExternRef],
    }
}

impl<'a> FuncValidator<'a> {
    /// Starts validating the body of defined function `func_index` whose
    /// declared locals are `locals` (run-length groups, as decoded).
    pub fn new(
        module: &'a Module,
        ctx: &'a ModuleCtx,
        func_index: u32,
        locals: &[(u32, ValType)],
    ) -> Result<Self, Error> {
        let mut v = FuncValidator {
            module,
            ctx,
            func: func_index,
            locals: Vec::new(),
            flat: Vec::new(),
            num_locals: 0,
            results: &[],
            vals: Vec::with_capacity(16),
            ctrls: Vec::with_capacity(8),
            scratch: Vec::new(),
            offset: 0,
        };
        v.reset(func_index, locals)?;
        Ok(v)
    }

    /// Starts over on another function of the same module, keeping the
    /// allocations.
    pub fn reset(&mut self, func_index: u32, locals: &[(u32, ValType)]) -> Result<(), Error> {
        let module = self.module;
        let at = func_index
            .checked_sub(module.num_imported_funcs)
            .and_then(|i| module.bodies.get(i as usize))
            .map_or(0, |b| b.code.start);
        self.func = func_index;
        self.offset = at;
        self.vals.clear();
        self.ctrls.clear();
        self.locals.clear();
        let Some(ty) = module.func_type(func_index) else {
            return Err(self.err(format!("unknown function {func_index}")));
        };
        let groups = &mut self.locals;
        let mut total: u64 = 0;
        for &p in ty.params() {
            total += 1;
            match groups.last_mut() {
                Some((end, t)) if *t == p => *end += 1,
                _ => groups.push((total as u32, p)),
            }
        }
        for &(n, t) in locals {
            if n == 0 {
                continue;
            }
            total += u64::from(n);
            if total > u64::from(u32::MAX) {
                return Err(Error::malformed(at, "too many locals"));
            }
            groups.push((total as u32, t));
        }
        self.num_locals = total as u32;
        self.flat.clear();
        if total <= FLAT_LOCALS {
            let mut start = 0;
            for &(end, t) in &self.locals {
                self.flat.extend(std::iter::repeat_n(t, (end - start) as usize));
                start = end;
            }
        }
        self.results = ty.results();
        self.ctrls.push(Frame {
            kind: FrameKind::Func,
            params: &[],
            results: ty.results(),
            height: 0,
            unreachable: false,
        });
        Ok(())
    }

    // ----- queries for the lowering -----

    /// The function being validated.
    pub fn func_index(&self) -> u32 {
        self.func
    }

    /// Type of local `idx` (params included), if it exists.
    #[inline]
    pub fn local_type(&self, idx: u32) -> Option<ValType> {
        if self.flat.len() == self.num_locals as usize {
            return self.flat.get(idx as usize).copied();
        }
        let i = self.locals.partition_point(|&(end, _)| end <= idx);
        self.locals.get(i).map(|&(_, t)| t)
    }

    /// Number of locals, params included.
    pub fn num_locals(&self) -> u32 {
        self.num_locals
    }

    /// Result types of the function.
    pub fn results(&self) -> &'a [ValType] {
        self.results
    }

    /// Whether the code at this point of the current frame is unreachable.
    pub fn is_unreachable(&self) -> bool {
        self.ctrls.last().is_some_and(|f| f.unreachable)
    }

    /// Depth of the control stack (1 inside the function body's top level;
    /// 0 once its final `end` has been validated).
    pub fn control_height(&self) -> usize {
        self.ctrls.len()
    }

    /// Whether the function's final `end` has been validated.
    pub fn is_done(&self) -> bool {
        self.ctrls.is_empty()
    }

    /// The frame `depth` levels out (0 = innermost), as a branch names it.
    pub fn frame(&self, depth: u32) -> Option<&Frame<'a>> {
        let n = self.ctrls.len();
        (depth as usize).checked_add(1).filter(|&d| d <= n).map(|d| &self.ctrls[n - d])
    }

    /// Height of the operand stack.
    pub fn operand_height(&self) -> usize {
        self.vals.len()
    }

    /// Type of the operand `depth` entries below the top (0 = top); `None`
    /// when it does not exist or is unknown (unreachable code).
    pub fn operand_type(&self, depth: usize) -> Option<ValType> {
        let n = self.vals.len();
        if depth < n {
            self.vals[n - 1 - depth]
        } else {
            None
        }
    }

    /// Params and results of a block type (`None` for an unknown type index).
    pub fn block_signature(&self, bt: BlockType) -> Option<(&'a [ValType], &'a [ValType])> {
        block_signature(self.module, bt)
    }

    // ----- stack machinery (the spec's appendix algorithm) -----

    pub(super) fn err(&self, msg: impl Into<String>) -> Error {
        Error::invalid(Some(self.func), self.offset, msg)
    }

    pub(super) fn mismatch(&self) -> Error {
        self.err("type mismatch")
    }

    pub(super) fn push(&mut self, t: ValType) {
        self.vals.push(Some(t));
    }

    pub(super) fn push_vals(&mut self, ts: &[ValType]) {
        self.vals.extend(ts.iter().map(|&t| Some(t)));
    }

    pub(super) fn pop_any(&mut self) -> Result<MaybeType, Error> {
        // The function frame is always present while ops are validated.
        let frame = self.ctrls.last().expect("control frame");
        if self.vals.len() == frame.height {
            if frame.unreachable {
                return Ok(None);
            }
            return Err(self.mismatch());
        }
        Ok(self.vals.pop().flatten())
    }

    /// Pops an operand of type `expect`. The common case, a value of that
    /// type above the frame's base, inline; the rest out of line.
    #[inline(always)]
    pub(super) fn pop(&mut self, expect: ValType) -> Result<MaybeType, Error> {
        let height = self.ctrls.last().map_or(usize::MAX, |f| f.height);
        match self.vals.last() {
            Some(&top) if self.vals.len() > height && top.is_none_or(|t| t == expect) => {
                self.vals.pop();
                Ok(top)
            }
            _ => self.pop_slow(expect),
        }
    }

    #[cold]
    #[inline(never)]
    fn pop_slow(&mut self, expect: ValType) -> Result<MaybeType, Error> {
        let actual = self.pop_any()?;
        match actual {
            Some(t) if t != expect => Err(self.mismatch()),
            _ => Ok(actual),
        }
    }

    pub(super) fn pop_vals(&mut self, ts: &[ValType]) -> Result<(), Error> {
        for &t in ts.iter().rev() {
            self.pop(t)?;
        }
        Ok(())
    }

    pub(super) fn push_ctrl(&mut self, kind: FrameKind, params: &'a [ValType], results: &'a [ValType]) {
        self.ctrls.push(Frame { kind, params, results, height: self.vals.len(), unreachable: false });
        self.push_vals(params);
    }

    pub(super) fn pop_ctrl(&mut self) -> Result<Frame<'a>, Error> {
        let frame = *self.ctrls.last().expect("control frame");
        self.pop_vals(frame.results)?;
        if self.vals.len() != frame.height {
            return Err(self.mismatch());
        }
        self.ctrls.pop();
        Ok(frame)
    }

    pub(super) fn set_unreachable(&mut self) {
        let frame = self.ctrls.last_mut().expect("control frame");
        self.vals.truncate(frame.height);
        frame.unreachable = true;
    }

    pub(super) fn label(&self, depth: u32) -> Result<&'a [ValType], Error> {
        match self.frame(depth) {
            Some(f) => Ok(f.label_types()),
            None => Err(self.err(format!("unknown label {depth}"))),
        }
    }

    pub(super) fn block_type(&self, bt: BlockType) -> Result<(&'a [ValType], &'a [ValType]), Error> {
        match block_signature(self.module, bt) {
            Some(sig) => Ok(sig),
            None => match bt {
                BlockType::Func(i) => Err(self.err(format!("unknown type {i}"))),
                _ => unreachable!("value block types always have a signature"),
            },
        }
    }

    // Shapes of the numeric instructions.

    pub(super) fn unop(&mut self, t: ValType) -> Result<(), Error> {
        self.pop(t)?;
        self.push(t);
        Ok(())
    }

    #[inline]
    pub(super) fn binop(&mut self, t: ValType) -> Result<(), Error> {
        self.pop(t)?;
        self.pop(t)?;
        self.push(t);
        Ok(())
    }

    pub(super) fn testop(&mut self, t: ValType) -> Result<(), Error> {
        self.pop(t)?;
        self.push(ValType::I32);
        Ok(())
    }

    pub(super) fn relop(&mut self, t: ValType) -> Result<(), Error> {
        self.pop(t)?;
        self.pop(t)?;
        self.push(ValType::I32);
        Ok(())
    }

    pub(super) fn cvtop(&mut self, from: ValType, to: ValType) -> Result<(), Error> {
        self.pop(from)?;
        self.push(to);
        Ok(())
    }

    pub(super) fn ternop(&mut self, t: ValType) -> Result<(), Error> {
        self.pop(t)?;
        self.pop(t)?;
        self.pop(t)?;
        self.push(t);
        Ok(())
    }

    // Index-space checks.

    #[inline]
    pub(super) fn local(&self, idx: u32) -> Result<ValType, Error> {
        match self.local_type(idx) {
            Some(t) => Ok(t),
            None => Err(self.unknown_local(idx)),
        }
    }

    #[cold]
    fn unknown_local(&self, idx: u32) -> Error {
        self.err(format!("unknown local {idx}"))
    }

    pub(super) fn global(&self, idx: u32) -> Result<crate::decode::GlobalType, Error> {
        self.module
            .globals
            .get(idx as usize)
            .copied()
            .ok_or_else(|| self.err(format!("unknown global {idx}")))
    }

    pub(super) fn table(&self, idx: u32) -> Result<RefType, Error> {
        self.module
            .tables
            .get(idx as usize)
            .map(|t| t.elem)
            .ok_or_else(|| self.err(format!("unknown table {idx}")))
    }

    /// The address type of memory `idx` (i64 for memory64).
    pub(super) fn memory(&self, idx: u32) -> Result<ValType, Error> {
        match self.module.memories.get(idx as usize) {
            Some(m) if m.memory64 => Ok(ValType::I64),
            Some(_) => Ok(ValType::I32),
            None => Err(self.err(format!("unknown memory {idx}"))),
        }
    }

    pub(super) fn elem_segment(&self, idx: u32) -> Result<RefType, Error> {
        self.module
            .elems
            .get(idx as usize)
            .map(|e| e.ty)
            .ok_or_else(|| self.err(format!("unknown elem segment {idx}")))
    }

    pub(super) fn data_segment(&self, idx: u32) -> Result<(), Error> {
        let Some(count) = self.module.data_count else {
            return Err(Error::malformed(self.offset, "data count section required"));
        };
        if idx >= count {
            return Err(self.err(format!("unknown data segment {idx}")));
        }
        Ok(())
    }

    /// Checks a memory immediate (memory exists, alignment at most the
    /// access width `1 << max_align`) and returns the address type.
    pub(super) fn memarg(&self, m: &MemArg, max_align: u32) -> Result<ValType, Error> {
        let addr = self.memory(m.memory)?;
        if m.align > max_align {
            return Err(self.err("alignment must not be larger than natural"));
        }
        if addr == ValType::I32 && m.offset > u64::from(u32::MAX) {
            return Err(self.err("offset out of range"));
        }
        Ok(addr)
    }

    pub(super) fn load(&mut self, m: &MemArg, max_align: u32, t: ValType) -> Result<(), Error> {
        let addr = self.memarg(m, max_align)?;
        self.pop(addr)?;
        self.push(t);
        Ok(())
    }

    pub(super) fn store(&mut self, m: &MemArg, max_align: u32, t: ValType) -> Result<(), Error> {
        let addr = self.memarg(m, max_align)?;
        self.pop(t)?;
        self.pop(addr)?;
        Ok(())
    }

    pub(super) fn lane(&self, lane: u8, lanes: u8) -> Result<(), Error> {
        if lane >= lanes {
            return Err(self.err("invalid lane index"));
        }
        Ok(())
    }

    /// Checks that the function's final `end` has been seen. Call it when the
    /// body's bytes are exhausted; `last_body` says whether this is the last
    /// body of the code section (the spec's reference decoder then runs off
    /// the section rather than into the next body, which changes the message).
    pub fn finish(&self, offset: usize, last_body: bool) -> Result<(), Error> {
        if self.ctrls.is_empty() {
            return Ok(());
        }
        Err(Error::malformed(
            offset,
            if last_body { "unexpected end of section or function" } else { "END opcode expected" },
        ))
    }
}

/// Params and results of a block type (`None` for an unknown type index).
pub fn block_signature(module: &Module, bt: BlockType) -> Option<(&[ValType], &[ValType])> {
    match bt {
        BlockType::Empty => Some((&[], &[])),
        BlockType::Value(t) => Some((&[], single(t))),
        BlockType::Func(i) => module.types.get(i as usize).map(|ft| (ft.params(), ft.results())),
    }
}

/// Validates every function body of `module` (decoded from `bytes`):
/// what `weft validate` and the tests run; the lowering runs the same loop
/// while it emits IR.
pub fn validate_bodies(module: &Module, bytes: &[u8]) -> Result<(), Error> {
    let ctx = ModuleCtx::new(module);
    let n = module.bodies.len();
    let Some(first) = module.bodies.first() else {
        return Ok(());
    };
    let first_func = module.num_imported_funcs;
    let mut v = FuncValidator::new(module, &ctx, first_func, &first.locals)?;
    for i in 0..n {
        let func = first_func + i as u32;
        validate_body(&mut v, func, bytes, i + 1 == n).map_err(|e| match e {
            // The reader reports some validation errors without a function.
            Error::Invalid { func: None, offset, message } => {
                Error::Invalid { func: Some(func), offset, message }
            }
            e => e,
        })?;
    }
    Ok(())
}

fn validate_body(v: &mut FuncValidator<'_>, func: u32, bytes: &[u8], last_body: bool) -> Result<(), Error> {
    let module = v.module;
    let body = &module.bodies[(func - module.num_imported_funcs) as usize];
    v.reset(func, &body.locals)?;
    let code =
        bytes.get(body.code.clone()).ok_or_else(|| Error::malformed(body.code.start, "unexpected end"))?;
    let mut reader = OpReader::new(code, body.code.start).with_features(module.features);
    while !reader.is_end() {
        let at = reader.offset();
        let op = reader.read()?;
        v.op(&op, at)?;
    }
    v.finish(reader.offset(), last_body)
}
