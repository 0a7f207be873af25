//! The typing rule of every instruction (Wasm 2.0 with SIMD), on top of
//! the stack machinery in `func`. One `match` arm (or arm group) per shape.

use super::func::{FrameKind, FuncValidator, MaybeType};
use crate::decode::op::{MemArg, Op};
use crate::decode::{RefType, ValType};
use crate::error::Error;
use ValType::V128;

impl FuncValidator<'_> {
    /// `op(LocalGet(x))` without the dispatch.
    #[inline(always)]
    pub fn local_get(&mut self, x: u32, offset: usize) -> Result<(), Error> {
        self.start(offset)?;
        let t = self.local(x)?;
        self.push(t);
        Ok(())
    }

    /// Validates an instruction that only pushes a `t` (a constant).
    #[inline(always)]
    pub fn push_at(&mut self, t: ValType, offset: usize) -> Result<(), Error> {
        self.start(offset)?;
        self.push(t);
        Ok(())
    }

    /// Every instruction starts here: nothing may follow the final `end`.
    #[inline(always)]
    fn start(&mut self, offset: usize) -> Result<(), Error> {
        self.offset = offset;
        if self.ctrls.is_empty() {
            return Err(Error::malformed(offset, "section size mismatch"));
        }
        Ok(())
    }

    /// Type-checks one instruction; `offset` is its position in the binary
    /// (for the error). After an error the validator's state is unspecified.
    pub fn op(&mut self, op: &Op, offset: usize) -> Result<(), Error> {
        use ValType::{F32, F64, I32, I64};
        self.start(offset)?;
        match op {
            // ----- control -----
            Op::Unreachable => self.set_unreachable(),
            Op::Nop => {}
            Op::Block(bt) | Op::Loop(bt) => {
                let (params, results) = self.block_type(*bt)?;
                self.pop_vals(params)?;
                let kind = if matches!(op, Op::Loop(_)) { FrameKind::Loop } else { FrameKind::Block };
                self.push_ctrl(kind, params, results);
            }
            Op::If(bt) => {
                let (params, results) = self.block_type(*bt)?;
                self.pop(I32)?;
                self.pop_vals(params)?;
                self.push_ctrl(FrameKind::If, params, results);
            }
            Op::Else => {
                if self.ctrls.last().map(|f| f.kind) != Some(FrameKind::If) {
                    return Err(Error::malformed(offset, "END opcode expected"));
                }
                let frame = self.pop_ctrl()?;
                self.push_ctrl(FrameKind::Else, frame.params, frame.results);
            }
            Op::End => {
                let frame = self.pop_ctrl()?;
                // An `if` without `else` has an implicit empty else branch.
                if frame.kind == FrameKind::If && frame.params != frame.results {
                    return Err(self.mismatch());
                }
                self.push_vals(frame.results);
            }
            Op::Br(l) => {
                let types = self.label(*l)?;
                self.pop_vals(types)?;
                self.set_unreachable();
            }
            Op::BrIf(l) => {
                self.pop(I32)?;
                let types = self.label(*l)?;
                self.pop_vals(types)?;
                self.push_vals(types);
            }
            Op::BrTable { targets, default } => {
                self.pop(I32)?;
                let default_types = self.label(*default)?;
                let arity = default_types.len();
                let mut popped = std::mem::take(&mut self.scratch);
                for &l in targets.iter() {
                    let types = self.label(l)?;
                    if types.len() != arity {
                        self.scratch = popped;
                        return Err(self.mismatch());
                    }
                    // Pop against this label's types, then restore what was
                    // actually there (it may be more precise than Unknown).
                    popped.clear();
                    for &t in types.iter().rev() {
                        match self.pop(t) {
                            Ok(actual) => popped.push(actual),
                            Err(e) => {
                                self.scratch = popped;
                                return Err(e);
                            }
                        }
                    }
                    self.vals.extend(popped.iter().rev());
                }
                self.scratch = popped;
                self.pop_vals(default_types)?;
                self.set_unreachable();
            }
            Op::Return => {
                self.pop_vals(self.results)?;
                self.set_unreachable();
            }
            Op::Call(f) => {
                let Some(ty) = self.module.func_type(*f) else {
                    return Err(self.err(format!("unknown function {f}")));
                };
                self.pop_vals(ty.params())?;
                self.push_vals(ty.results());
            }
            Op::CallIndirect { type_index, table } => {
                if self.table(*table)? != RefType::FuncRef {
                    return Err(self.mismatch());
                }
                let Some(ty) = self.module.types.get(*type_index as usize) else {
                    return Err(self.err(format!("unknown type {type_index}")));
                };
                self.pop(I32)?;
                self.pop_vals(ty.params())?;
                self.push_vals(ty.results());
            }

            // ----- parametric -----
            Op::Drop => {
                self.pop_any()?;
            }
            Op::Select => {
                self.pop(I32)?;
                let t1 = self.pop_any()?;
                let t2 = self.pop_any()?;
                let num_or_vec = |t: MaybeType| t.is_none_or(|t| !t.is_ref());
                if !num_or_vec(t1) || !num_or_vec(t2) {
                    return Err(self.mismatch());
                }
                if t1.is_some() && t2.is_some() && t1 != t2 {
                    return Err(self.mismatch());
                }
                self.vals.push(t1.or(t2));
            }
            Op::SelectTyped(t) => {
                self.pop(I32)?;
                self.pop(*t)?;
                self.pop(*t)?;
                self.push(*t);
            }

            // ----- variables -----
            Op::LocalGet(x) => {
                let t = self.local(*x)?;
                self.push(t);
            }
            Op::LocalSet(x) => {
                let t = self.local(*x)?;
                self.pop(t)?;
            }
            Op::LocalTee(x) => {
                let t = self.local(*x)?;
                self.pop(t)?;
                self.push(t);
            }
            Op::GlobalGet(x) => {
                let g = self.global(*x)?;
                self.push(g.content);
            }
            Op::GlobalSet(x) => {
                let g = self.global(*x)?;
                if !g.mutable {
                    return Err(self.err("global is immutable"));
                }
                self.pop(g.content)?;
            }

            // ----- tables -----
            Op::TableGet(x) => {
                let t = self.table(*x)?.into();
                self.pop(I32)?;
                self.push(t);
            }
            Op::TableSet(x) => {
                let t = self.table(*x)?.into();
                self.pop(t)?;
                self.pop(I32)?;
            }
            Op::TableSize(x) => {
                self.table(*x)?;
                self.push(I32);
            }
            Op::TableGrow(x) => {
                let t = self.table(*x)?.into();
                self.pop(I32)?;
                self.pop(t)?;
                self.push(I32);
            }
            Op::TableFill(x) => {
                let t = self.table(*x)?.into();
                self.pop(I32)?;
                self.pop(t)?;
                self.pop(I32)?;
            }
            Op::TableCopy { dst, src } => {
                let t1 = self.table(*dst)?;
                let t2 = self.table(*src)?;
                if t1 != t2 {
                    return Err(self.mismatch());
                }
                self.pop_vals(&[I32, I32, I32])?;
            }
            Op::TableInit { elem, table } => {
                let t1 = self.table(*table)?;
                let t2 = self.elem_segment(*elem)?;
                if t1 != t2 {
                    return Err(self.mismatch());
                }
                self.pop_vals(&[I32, I32, I32])?;
            }
            Op::ElemDrop(x) => {
                self.elem_segment(*x)?;
            }

            // ----- memory -----
            Op::I32Load(m) => self.load(m, 2, I32)?,
            Op::I64Load(m) => self.load(m, 3, I64)?,
            Op::F32Load(m) => self.load(m, 2, F32)?,
            Op::F64Load(m) => self.load(m, 3, F64)?,
            Op::I32Load8S(m) | Op::I32Load8U(m) => self.load(m, 0, I32)?,
            Op::I32Load16S(m) | Op::I32Load16U(m) => self.load(m, 1, I32)?,
            Op::I64Load8S(m) | Op::I64Load8U(m) => self.load(m, 0, I64)?,
            Op::I64Load16S(m) | Op::I64Load16U(m) => self.load(m, 1, I64)?,
            Op::I64Load32S(m) | Op::I64Load32U(m) => self.load(m, 2, I64)?,
            Op::I32Store(m) => self.store(m, 2, I32)?,
            Op::I64Store(m) => self.store(m, 3, I64)?,
            Op::F32Store(m) => self.store(m, 2, F32)?,
            Op::F64Store(m) => self.store(m, 3, F64)?,
            Op::I32Store8(m) => self.store(m, 0, I32)?,
            Op::I32Store16(m) => self.store(m, 1, I32)?,
            Op::I64Store8(m) => self.store(m, 0, I64)?,
            Op::I64Store16(m) => self.store(m, 1, I64)?,
            Op::I64Store32(m) => self.store(m, 2, I64)?,
            Op::MemorySize(x) => {
                let addr = self.memory(*x)?;
                self.push(addr);
            }
            Op::MemoryGrow(x) => {
                let addr = self.memory(*x)?;
                self.pop(addr)?;
                self.push(addr);
            }
            Op::MemoryFill(x) => {
                let addr = self.memory(*x)?;
                self.pop(addr)?;
                self.pop(I32)?;
                self.pop(addr)?;
            }
            Op::MemoryCopy { dst, src } => {
                let a1 = self.memory(*dst)?;
                let a2 = self.memory(*src)?;
                // With mixed address types the length is the narrower one.
                let len = if a1 == I64 && a2 == I64 { I64 } else { I32 };
                self.pop(len)?;
                self.pop(a2)?;
                self.pop(a1)?;
            }
            Op::MemoryInit { data, memory } => {
                let addr = self.memory(*memory)?;
                self.data_segment(*data)?;
                self.pop(I32)?;
                self.pop(I32)?;
                self.pop(addr)?;
            }
            Op::DataDrop(x) => self.data_segment(*x)?,

            // ----- references -----
            Op::RefNull(t) => self.push((*t).into()),
            Op::RefIsNull => {
                if self.pop_any()?.is_some_and(|t| !t.is_ref()) {
                    return Err(self.mismatch());
                }
                self.push(I32);
            }
            Op::RefFunc(f) => {
                if *f as usize >= self.module.funcs.len() {
                    return Err(self.err(format!("unknown function {f}")));
                }
                if !self.ctx.is_declared_ref(*f) {
                    return Err(self.err("undeclared function reference"));
                }
                self.push(ValType::FuncRef);
            }

            // ----- numeric -----
            Op::I32Const(_) => self.push(I32),
            Op::I64Const(_) => self.push(I64),
            Op::F32Const(_) => self.push(F32),
            Op::F64Const(_) => self.push(F64),

            Op::I32Eqz => self.testop(I32)?,
            Op::I64Eqz => self.testop(I64)?,
            Op::I32Eq
            | Op::I32Ne
            | Op::I32LtS
            | Op::I32LtU
            | Op::I32GtS
            | Op::I32GtU
            | Op::I32LeS
            | Op::I32LeU
            | Op::I32GeS
            | Op::I32GeU => self.relop(I32)?,
            Op::I64Eq
            | Op::I64Ne
            | Op::I64LtS
            | Op::I64LtU
            | Op::I64GtS
            | Op::I64GtU
            | Op::I64LeS
            | Op::I64LeU
            | Op::I64GeS
            | Op::I64GeU => self.relop(I64)?,
            Op::F32Eq | Op::F32Ne | Op::F32Lt | Op::F32Gt | Op::F32Le | Op::F32Ge => self.relop(F32)?,
            Op::F64Eq | Op::F64Ne | Op::F64Lt | Op::F64Gt | Op::F64Le | Op::F64Ge => self.relop(F64)?,

            Op::I32Clz | Op::I32Ctz | Op::I32Popcnt | Op::I32Extend8S | Op::I32Extend16S => self.unop(I32)?,
            Op::I64Clz
            | Op::I64Ctz
            | Op::I64Popcnt
            | Op::I64Extend8S
            | Op::I64Extend16S
            | Op::I64Extend32S => self.unop(I64)?,
            Op::F32Abs
            | Op::F32Neg
            | Op::F32Ceil
            | Op::F32Floor
            | Op::F32Trunc
            | Op::F32Nearest
            | Op::F32Sqrt => self.unop(F32)?,
            Op::F64Abs
            | Op::F64Neg
            | Op::F64Ceil
            | Op::F64Floor
            | Op::F64Trunc
            | Op::F64Nearest
            | Op::F64Sqrt => self.unop(F64)?,

            Op::I32Add
            | Op::I32Sub
            | Op::I32Mul
            | Op::I32DivS
            | Op::I32DivU
            | Op::I32RemS
            | Op::I32RemU
            | Op::I32And
            | Op::I32Or
            | Op::I32Xor
            | Op::I32Shl
            | Op::I32ShrS
            | Op::I32ShrU
            | Op::I32Rotl
            | Op::I32Rotr => self.binop(I32)?,
            Op::I64Add
            | Op::I64Sub
            | Op::I64Mul
            | Op::I64DivS
            | Op::I64DivU
            | Op::I64RemS
            | Op::I64RemU
            | Op::I64And
            | Op::I64Or
            | Op::I64Xor
            | Op::I64Shl
            | Op::I64ShrS
            | Op::I64ShrU
            | Op::I64Rotl
            | Op::I64Rotr => self.binop(I64)?,
            Op::F32Add | Op::F32Sub | Op::F32Mul | Op::F32Div | Op::F32Min | Op::F32Max | Op::F32Copysign => {
                self.binop(F32)?
            }
            Op::F64Add | Op::F64Sub | Op::F64Mul | Op::F64Div | Op::F64Min | Op::F64Max | Op::F64Copysign => {
                self.binop(F64)?
            }

            Op::I32WrapI64 => self.cvtop(I64, I32)?,
            Op::I32TruncF32S
            | Op::I32TruncF32U
            | Op::I32TruncSatF32S
            | Op::I32TruncSatF32U
            | Op::I32ReinterpretF32 => self.cvtop(F32, I32)?,
            Op::I32TruncF64S | Op::I32TruncF64U | Op::I32TruncSatF64S | Op::I32TruncSatF64U => {
                self.cvtop(F64, I32)?
            }
            Op::I64ExtendI32S | Op::I64ExtendI32U => self.cvtop(I32, I64)?,
            Op::I64TruncF32S | Op::I64TruncF32U | Op::I64TruncSatF32S | Op::I64TruncSatF32U => {
                self.cvtop(F32, I64)?
            }
            Op::I64TruncF64S
            | Op::I64TruncF64U
            | Op::I64TruncSatF64S
            | Op::I64TruncSatF64U
            | Op::I64ReinterpretF64 => self.cvtop(F64, I64)?,
            Op::F32ConvertI32S | Op::F32ConvertI32U | Op::F32ReinterpretI32 => self.cvtop(I32, F32)?,
            Op::F32ConvertI64S | Op::F32ConvertI64U => self.cvtop(I64, F32)?,
            Op::F32DemoteF64 => self.cvtop(F64, F32)?,
            Op::F64ConvertI32S | Op::F64ConvertI32U => self.cvtop(I32, F64)?,
            Op::F64ConvertI64S | Op::F64ConvertI64U | Op::F64ReinterpretI64 => self.cvtop(I64, F64)?,
            Op::F64PromoteF32 => self.cvtop(F32, F64)?,

            // ----- SIMD -----
            Op::V128Load(m) => self.load(m, 4, V128)?,
            Op::V128Load8x8S(m)
            | Op::V128Load8x8U(m)
            | Op::V128Load16x4S(m)
            | Op::V128Load16x4U(m)
            | Op::V128Load32x2S(m)
            | Op::V128Load32x2U(m) => self.load(m, 3, V128)?,
            Op::V128Load8Splat(m) => self.load(m, 0, V128)?,
            Op::V128Load16Splat(m) => self.load(m, 1, V128)?,
            Op::V128Load32Splat(m) | Op::V128Load32Zero(m) => self.load(m, 2, V128)?,
            Op::V128Load64Splat(m) | Op::V128Load64Zero(m) => self.load(m, 3, V128)?,
            Op::V128Store(m) => self.store(m, 4, V128)?,
            Op::V128Load8Lane { memarg, lane } => self.load_lane(memarg, 0, *lane)?,
            Op::V128Load16Lane { memarg, lane } => self.load_lane(memarg, 1, *lane)?,
            Op::V128Load32Lane { memarg, lane } => self.load_lane(memarg, 2, *lane)?,
            Op::V128Load64Lane { memarg, lane } => self.load_lane(memarg, 3, *lane)?,
            Op::V128Store8Lane { memarg, lane } => self.store_lane(memarg, 0, *lane)?,
            Op::V128Store16Lane { memarg, lane } => self.store_lane(memarg, 1, *lane)?,
            Op::V128Store32Lane { memarg, lane } => self.store_lane(memarg, 2, *lane)?,
            Op::V128Store64Lane { memarg, lane } => self.store_lane(memarg, 3, *lane)?,
            Op::V128Const(_) => self.push(V128),
            Op::I8x16Shuffle(lanes) => {
                if lanes.iter().any(|&l| l >= 32) {
                    return Err(self.err("invalid lane index"));
                }
                self.binop(V128)?;
            }
            Op::I8x16ExtractLaneS(l) | Op::I8x16ExtractLaneU(l) => self.extract_lane(*l, 16, I32)?,
            Op::I16x8ExtractLaneS(l) | Op::I16x8ExtractLaneU(l) => self.extract_lane(*l, 8, I32)?,
            Op::I32x4ExtractLane(l) => self.extract_lane(*l, 4, I32)?,
            Op::I64x2ExtractLane(l) => self.extract_lane(*l, 2, I64)?,
            Op::F32x4ExtractLane(l) => self.extract_lane(*l, 4, F32)?,
            Op::F64x2ExtractLane(l) => self.extract_lane(*l, 2, F64)?,
            Op::I8x16ReplaceLane(l) => self.replace_lane(*l, 16, I32)?,
            Op::I16x8ReplaceLane(l) => self.replace_lane(*l, 8, I32)?,
            Op::I32x4ReplaceLane(l) => self.replace_lane(*l, 4, I32)?,
            Op::I64x2ReplaceLane(l) => self.replace_lane(*l, 2, I64)?,
            Op::F32x4ReplaceLane(l) => self.replace_lane(*l, 4, F32)?,
            Op::F64x2ReplaceLane(l) => self.replace_lane(*l, 2, F64)?,
            Op::I8x16Splat | Op::I16x8Splat | Op::I32x4Splat => self.cvtop(I32, V128)?,
            Op::I64x2Splat => self.cvtop(I64, V128)?,
            Op::F32x4Splat => self.cvtop(F32, V128)?,
            Op::F64x2Splat => self.cvtop(F64, V128)?,
            Op::V128Bitselect => self.ternop(V128)?,
            Op::V128AnyTrue
            | Op::I8x16AllTrue
            | Op::I8x16Bitmask
            | Op::I16x8AllTrue
            | Op::I16x8Bitmask
            | Op::I32x4AllTrue
            | Op::I32x4Bitmask
            | Op::I64x2AllTrue
            | Op::I64x2Bitmask => self.testop(V128)?,
            Op::I8x16Shl
            | Op::I8x16ShrS
            | Op::I8x16ShrU
            | Op::I16x8Shl
            | Op::I16x8ShrS
            | Op::I16x8ShrU
            | Op::I32x4Shl
            | Op::I32x4ShrS
            | Op::I32x4ShrU
            | Op::I64x2Shl
            | Op::I64x2ShrS
            | Op::I64x2ShrU => {
                self.pop(I32)?;
                self.unop(V128)?;
            }
            Op::V128Not
            | Op::I8x16Abs
            | Op::I8x16Neg
            | Op::I8x16Popcnt
            | Op::I16x8ExtaddPairwiseI8x16S
            | Op::I16x8ExtaddPairwiseI8x16U
            | Op::I32x4ExtaddPairwiseI16x8S
            | Op::I32x4ExtaddPairwiseI16x8U
            | Op::I16x8Abs
            | Op::I16x8Neg
            | Op::I16x8ExtendLowI8x16S
            | Op::I16x8ExtendHighI8x16S
            | Op::I16x8ExtendLowI8x16U
            | Op::I16x8ExtendHighI8x16U
            | Op::I32x4Abs
            | Op::I32x4Neg
            | Op::I32x4ExtendLowI16x8S
            | Op::I32x4ExtendHighI16x8S
            | Op::I32x4ExtendLowI16x8U
            | Op::I32x4ExtendHighI16x8U
            | Op::I64x2Abs
            | Op::I64x2Neg
            | Op::I64x2ExtendLowI32x4S
            | Op::I64x2ExtendHighI32x4S
            | Op::I64x2ExtendLowI32x4U
            | Op::I64x2ExtendHighI32x4U
            | Op::F32x4Ceil
            | Op::F32x4Floor
            | Op::F32x4Trunc
            | Op::F32x4Nearest
            | Op::F32x4Abs
            | Op::F32x4Neg
            | Op::F32x4Sqrt
            | Op::F64x2Ceil
            | Op::F64x2Floor
            | Op::F64x2Trunc
            | Op::F64x2Nearest
            | Op::F64x2Abs
            | Op::F64x2Neg
            | Op::F64x2Sqrt
            | Op::I32x4TruncSatF32x4S
            | Op::I32x4TruncSatF32x4U
            | Op::F32x4ConvertI32x4S
            | Op::F32x4ConvertI32x4U
            | Op::I32x4TruncSatF64x2SZero
            | Op::I32x4TruncSatF64x2UZero
            | Op::F64x2ConvertLowI32x4S
            | Op::F64x2ConvertLowI32x4U
            | Op::F32x4DemoteF64x2Zero
            | Op::F64x2PromoteLowF32x4 => self.unop(V128)?,
            Op::I8x16Swizzle
            | Op::I8x16Eq
            | Op::I8x16Ne
            | Op::I8x16LtS
            | Op::I8x16LtU
            | Op::I8x16GtS
            | Op::I8x16GtU
            | Op::I8x16LeS
            | Op::I8x16LeU
            | Op::I8x16GeS
            | Op::I8x16GeU
            | Op::I16x8Eq
            | Op::I16x8Ne
            | Op::I16x8LtS
            | Op::I16x8LtU
            | Op::I16x8GtS
            | Op::I16x8GtU
            | Op::I16x8LeS
            | Op::I16x8LeU
            | Op::I16x8GeS
            | Op::I16x8GeU
            | Op::I32x4Eq
            | Op::I32x4Ne
            | Op::I32x4LtS
            | Op::I32x4LtU
            | Op::I32x4GtS
            | Op::I32x4GtU
            | Op::I32x4LeS
            | Op::I32x4LeU
            | Op::I32x4GeS
            | Op::I32x4GeU
            | Op::I64x2Eq
            | Op::I64x2Ne
            | Op::I64x2LtS
            | Op::I64x2GtS
            | Op::I64x2LeS
            | Op::I64x2GeS
            | Op::F32x4Eq
            | Op::F32x4Ne
            | Op::F32x4Lt
            | Op::F32x4Gt
            | Op::F32x4Le
            | Op::F32x4Ge
            | Op::F64x2Eq
            | Op::F64x2Ne
            | Op::F64x2Lt
            | Op::F64x2Gt
            | Op::F64x2Le
            | Op::F64x2Ge
            | Op::V128And
            | Op::V128Andnot
            | Op::V128Or
            | Op::V128Xor
            | Op::I8x16NarrowI16x8S
            | Op::I8x16NarrowI16x8U
            | Op::I8x16Add
            | Op::I8x16AddSatS
            | Op::I8x16AddSatU
            | Op::I8x16Sub
            | Op::I8x16SubSatS
            | Op::I8x16SubSatU
            | Op::I8x16MinS
            | Op::I8x16MinU
            | Op::I8x16MaxS
            | Op::I8x16MaxU
            | Op::I8x16AvgrU
            | Op::I16x8Q15mulrSatS
            | Op::I16x8NarrowI32x4S
            | Op::I16x8NarrowI32x4U
            | Op::I16x8Add
            | Op::I16x8AddSatS
            | Op::I16x8AddSatU
            | Op::I16x8Sub
            | Op::I16x8SubSatS
            | Op::I16x8SubSatU
            | Op::I16x8Mul
            | Op::I16x8MinS
            | Op::I16x8MinU
            | Op::I16x8MaxS
            | Op::I16x8MaxU
            | Op::I16x8AvgrU
            | Op::I16x8ExtmulLowI8x16S
            | Op::I16x8ExtmulHighI8x16S
            | Op::I16x8ExtmulLowI8x16U
            | Op::I16x8ExtmulHighI8x16U
            | Op::I32x4Add
            | Op::I32x4Sub
            | Op::I32x4Mul
            | Op::I32x4MinS
            | Op::I32x4MinU
            | Op::I32x4MaxS
            | Op::I32x4MaxU
            | Op::I32x4DotI16x8S
            | Op::I32x4ExtmulLowI16x8S
            | Op::I32x4ExtmulHighI16x8S
            | Op::I32x4ExtmulLowI16x8U
            | Op::I32x4ExtmulHighI16x8U
            | Op::I64x2Add
            | Op::I64x2Sub
            | Op::I64x2Mul
            | Op::I64x2ExtmulLowI32x4S
            | Op::I64x2ExtmulHighI32x4S
            | Op::I64x2ExtmulLowI32x4U
            | Op::I64x2ExtmulHighI32x4U
            | Op::F32x4Add
            | Op::F32x4Sub
            | Op::F32x4Mul
            | Op::F32x4Div
            | Op::F32x4Min
            | Op::F32x4Max
            | Op::F32x4Pmin
            | Op::F32x4Pmax
            | Op::F64x2Add
            | Op::F64x2Sub
            | Op::F64x2Mul
            | Op::F64x2Div
            | Op::F64x2Min
            | Op::F64x2Max
            | Op::F64x2Pmin
            | Op::F64x2Pmax => self.binop(V128)?,
        }
        Ok(())
    }

    fn load_lane(&mut self, m: &MemArg, width_log2: u32, lane: u8) -> Result<(), Error> {
        let addr = self.memarg(m, width_log2)?;
        self.lane(lane, 16 >> width_log2)?;
        self.pop(V128)?;
        self.pop(addr)?;
        self.push(V128);
        Ok(())
    }

    fn store_lane(&mut self, m: &MemArg, width_log2: u32, lane: u8) -> Result<(), Error> {
        let addr = self.memarg(m, width_log2)?;
        self.lane(lane, 16 >> width_log2)?;
        self.pop(V128)?;
        self.pop(addr)?;
        Ok(())
    }

    fn extract_lane(&mut self, lane: u8, lanes: u8, t: ValType) -> Result<(), Error> {
        self.lane(lane, lanes)?;
        self.pop(ValType::V128)?;
        self.push(t);
        Ok(())
    }

    fn replace_lane(&mut self, lane: u8, lanes: u8, t: ValType) -> Result<(), Error> {
        self.lane(lane, lanes)?;
        self.pop(t)?;
        self.pop(ValType::V128)?;
        self.push(ValType::V128);
        Ok(())
    }
}
