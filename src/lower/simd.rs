//! Fixed-width SIMD: which IR instruction each v128 operator becomes. A
//! v128 operand is always in slots (never `Val::Const`): `v128.const` is
//! written to its home at once. Scalar operands (splat values, shift
//! counts, replaced lanes, addresses) are materialized when constant.

use super::Lowerer;
use crate::decode::op::{MemArg, Op};
use crate::decode::ValType::{self, F32, F64, I32, I64, V128};
use crate::error::Result;
use crate::ir::shapes::*;
use crate::ir::Opcode as O;
use std::mem::offset_of;

/// How an operator is lowered (its operand and result arrangement).
enum Simd {
    /// One operand (v128, or a scalar for splats) to a result of this type.
    Un(O, ValType),
    /// Two operands (the second a v128, or an i32 shift count) to a v128.
    Bin(O),
    /// Three v128 operands to a v128.
    Tern(O),
    /// A lane out of a v128, as a scalar of this type.
    Extract(O, ValType, u8),
    /// A lane of a v128 replaced by a scalar.
    Replace(O, u8),
    Load(O, MemArg),
    LoadLane(O, MemArg, u8),
    StoreLane(O, MemArg, u8),
}

/// Operators whose IR instruction has the operator's own name.
macro_rules! same_name {
    ($op:expr, $( $kind:ident [ $($name:ident),* $(,)? ] )*) => {
        match $op {
            $($(Op::$name => Some(same_name!(@make $kind, $name)),)*)*
            _ => None,
        }
    };
    (@make Un, $name:ident) => { Simd::Un(O::$name, V128) };
    (@make Test, $name:ident) => { Simd::Un(O::$name, I32) };
    (@make Bin, $name:ident) => { Simd::Bin(O::$name) };
}

fn classify(op: &Op) -> Option<Simd> {
    use Simd::*;
    Some(match *op {
        Op::V128Load(m) => Load(O::V128Load, m),
        Op::V128Load8x8S(m) => Load(O::V128Load8x8S, m),
        Op::V128Load8x8U(m) => Load(O::V128Load8x8U, m),
        Op::V128Load16x4S(m) => Load(O::V128Load16x4S, m),
        Op::V128Load16x4U(m) => Load(O::V128Load16x4U, m),
        Op::V128Load32x2S(m) => Load(O::V128Load32x2S, m),
        Op::V128Load32x2U(m) => Load(O::V128Load32x2U, m),
        Op::V128Load8Splat(m) => Load(O::V128Load8Splat, m),
        Op::V128Load16Splat(m) => Load(O::V128Load16Splat, m),
        Op::V128Load32Splat(m) => Load(O::V128Load32Splat, m),
        Op::V128Load64Splat(m) => Load(O::V128Load64Splat, m),
        Op::V128Load32Zero(m) => Load(O::V128Load32Zero, m),
        Op::V128Load64Zero(m) => Load(O::V128Load64Zero, m),
        Op::V128Load8Lane { memarg, lane } => LoadLane(O::V128Load8Lane, memarg, lane),
        Op::V128Load16Lane { memarg, lane } => LoadLane(O::V128Load16Lane, memarg, lane),
        Op::V128Load32Lane { memarg, lane } => LoadLane(O::V128Load32Lane, memarg, lane),
        Op::V128Load64Lane { memarg, lane } => LoadLane(O::V128Load64Lane, memarg, lane),
        Op::V128Store8Lane { memarg, lane } => StoreLane(O::V128Store8Lane, memarg, lane),
        Op::V128Store16Lane { memarg, lane } => StoreLane(O::V128Store16Lane, memarg, lane),
        Op::V128Store32Lane { memarg, lane } => StoreLane(O::V128Store32Lane, memarg, lane),
        Op::V128Store64Lane { memarg, lane } => StoreLane(O::V128Store64Lane, memarg, lane),

        Op::I8x16Splat => Un(O::I8x16Splat, V128),
        Op::I16x8Splat => Un(O::I16x8Splat, V128),
        Op::I32x4Splat | Op::F32x4Splat => Un(O::I32x4Splat, V128),
        Op::I64x2Splat | Op::F64x2Splat => Un(O::I64x2Splat, V128),
        Op::I8x16ExtractLaneS(l) => Extract(O::I8x16ExtractLaneS, I32, l),
        Op::I8x16ExtractLaneU(l) => Extract(O::I8x16ExtractLaneU, I32, l),
        Op::I16x8ExtractLaneS(l) => Extract(O::I16x8ExtractLaneS, I32, l),
        Op::I16x8ExtractLaneU(l) => Extract(O::I16x8ExtractLaneU, I32, l),
        Op::I32x4ExtractLane(l) => Extract(O::I32x4ExtractLane, I32, l),
        Op::F32x4ExtractLane(l) => Extract(O::I32x4ExtractLane, F32, l),
        Op::I64x2ExtractLane(l) => Extract(O::I64x2ExtractLane, I64, l),
        Op::F64x2ExtractLane(l) => Extract(O::I64x2ExtractLane, F64, l),
        Op::I8x16ReplaceLane(l) => Replace(O::I8x16ReplaceLane, l),
        Op::I16x8ReplaceLane(l) => Replace(O::I16x8ReplaceLane, l),
        Op::I32x4ReplaceLane(l) | Op::F32x4ReplaceLane(l) => Replace(O::I32x4ReplaceLane, l),
        Op::I64x2ReplaceLane(l) | Op::F64x2ReplaceLane(l) => Replace(O::I64x2ReplaceLane, l),
        Op::V128Bitselect => Tern(O::V128Bitselect),

        _ => {
            return same_name!(*op,
                Test [
                    V128AnyTrue, I8x16AllTrue, I8x16Bitmask, I16x8AllTrue, I16x8Bitmask,
                    I32x4AllTrue, I32x4Bitmask, I64x2AllTrue, I64x2Bitmask,
                ]
                Un [
                    V128Not, I8x16Abs, I8x16Neg, I8x16Popcnt,
                    I16x8ExtaddPairwiseI8x16S, I16x8ExtaddPairwiseI8x16U, I16x8Abs, I16x8Neg,
                    I16x8ExtendLowI8x16S, I16x8ExtendHighI8x16S, I16x8ExtendLowI8x16U,
                    I16x8ExtendHighI8x16U,
                    I32x4ExtaddPairwiseI16x8S, I32x4ExtaddPairwiseI16x8U, I32x4Abs, I32x4Neg,
                    I32x4ExtendLowI16x8S, I32x4ExtendHighI16x8S, I32x4ExtendLowI16x8U,
                    I32x4ExtendHighI16x8U,
                    I64x2Abs, I64x2Neg, I64x2ExtendLowI32x4S, I64x2ExtendHighI32x4S,
                    I64x2ExtendLowI32x4U, I64x2ExtendHighI32x4U,
                    F32x4Ceil, F32x4Floor, F32x4Trunc, F32x4Nearest, F32x4Abs, F32x4Neg, F32x4Sqrt,
                    F64x2Ceil, F64x2Floor, F64x2Trunc, F64x2Nearest, F64x2Abs, F64x2Neg, F64x2Sqrt,
                    I32x4TruncSatF32x4S, I32x4TruncSatF32x4U, F32x4ConvertI32x4S, F32x4ConvertI32x4U,
                    I32x4TruncSatF64x2SZero, I32x4TruncSatF64x2UZero, F64x2ConvertLowI32x4S,
                    F64x2ConvertLowI32x4U, F32x4DemoteF64x2Zero, F64x2PromoteLowF32x4,
                ]
                Bin [
                    I8x16Swizzle, V128And, V128Andnot, V128Or, V128Xor,
                    I8x16Eq, I8x16Ne, I8x16LtS, I8x16LtU, I8x16GtS, I8x16GtU, I8x16LeS, I8x16LeU,
                    I8x16GeS, I8x16GeU,
                    I16x8Eq, I16x8Ne, I16x8LtS, I16x8LtU, I16x8GtS, I16x8GtU, I16x8LeS, I16x8LeU,
                    I16x8GeS, I16x8GeU,
                    I32x4Eq, I32x4Ne, I32x4LtS, I32x4LtU, I32x4GtS, I32x4GtU, I32x4LeS, I32x4LeU,
                    I32x4GeS, I32x4GeU,
                    I64x2Eq, I64x2Ne, I64x2LtS, I64x2GtS, I64x2LeS, I64x2GeS,
                    F32x4Eq, F32x4Ne, F32x4Lt, F32x4Gt, F32x4Le, F32x4Ge,
                    F64x2Eq, F64x2Ne, F64x2Lt, F64x2Gt, F64x2Le, F64x2Ge,
                    I8x16NarrowI16x8S, I8x16NarrowI16x8U, I8x16Shl, I8x16ShrS, I8x16ShrU,
                    I8x16Add, I8x16AddSatS, I8x16AddSatU, I8x16Sub, I8x16SubSatS, I8x16SubSatU,
                    I8x16MinS, I8x16MinU, I8x16MaxS, I8x16MaxU, I8x16AvgrU,
                    I16x8Q15mulrSatS, I16x8NarrowI32x4S, I16x8NarrowI32x4U, I16x8Shl, I16x8ShrS,
                    I16x8ShrU, I16x8Add, I16x8AddSatS, I16x8AddSatU, I16x8Sub, I16x8SubSatS,
                    I16x8SubSatU, I16x8Mul, I16x8MinS, I16x8MinU, I16x8MaxS, I16x8MaxU, I16x8AvgrU,
                    I16x8ExtmulLowI8x16S, I16x8ExtmulHighI8x16S, I16x8ExtmulLowI8x16U,
                    I16x8ExtmulHighI8x16U,
                    I32x4Shl, I32x4ShrS, I32x4ShrU, I32x4Add, I32x4Sub, I32x4Mul, I32x4MinS,
                    I32x4MinU, I32x4MaxS, I32x4MaxU, I32x4DotI16x8S, I32x4ExtmulLowI16x8S,
                    I32x4ExtmulHighI16x8S, I32x4ExtmulLowI16x8U, I32x4ExtmulHighI16x8U,
                    I64x2Shl, I64x2ShrS, I64x2ShrU, I64x2Add, I64x2Sub, I64x2Mul,
                    I64x2ExtmulLowI32x4S, I64x2ExtmulHighI32x4S, I64x2ExtmulLowI32x4U,
                    I64x2ExtmulHighI32x4U,
                    F32x4Add, F32x4Sub, F32x4Mul, F32x4Div, F32x4Min, F32x4Max, F32x4Pmin, F32x4Pmax,
                    F64x2Add, F64x2Sub, F64x2Mul, F64x2Div, F64x2Min, F64x2Max, F64x2Pmin, F64x2Pmax,
                ]
            )
        }
    })
}

/// The 16 shuffle indices as two little-endian words.
fn shuffle_words(lanes: &[u8; 16]) -> (u64, u64) {
    let word = |b: &[u8]| b.iter().rev().fold(0u64, |w, &x| w << 8 | x as u64);
    (word(&lanes[..8]), word(&lanes[8..]))
}

impl Lowerer<'_> {
    /// Lowers `op` if it is a SIMD instruction; `Ok(false)` otherwise.
    pub(super) fn simd(&mut self, op: &Op) -> Result<bool> {
        match op {
            Op::V128Const(x) => {
                let dst = self.push_result(V128);
                let s = Const128 { dst: Slot(dst), lo: Imm(*x as u64), hi: Imm((*x >> 64) as u64) };
                self.emit_result(O::V128Const, s, offset_of!(Const128, dst));
                return Ok(true);
            }
            Op::I8x16Shuffle(lanes) => {
                let b = self.pop();
                let a = self.pop();
                let (a, b) = (self.slot_of(a), self.slot_of(b));
                let (lo, hi) = shuffle_words(lanes);
                let dst = self.push_result(V128);
                let s = Shuffle { dst: Slot(dst), a, b, lo: Imm(lo), hi: Imm(hi) };
                self.emit_result(O::I8x16Shuffle, s, offset_of!(Shuffle, dst));
                return Ok(true);
            }
            Op::V128Store(m) if m.memory != 0 => {
                self.access_n(O::V128Store, m, 0, true, None);
                return Ok(true);
            }
            Op::V128Store(m) => {
                let v = self.pop();
                let addr = self.pop();
                let (addr, src) = (self.slot_of(addr), self.slot_of(v));
                self.enc.emit(O::V128Store, Store { addr, src, offset: U32(m.offset as u32) });
                return Ok(true);
            }
            _ => {}
        }
        let Some(kind) = classify(op) else { return Ok(false) };
        match kind {
            Simd::Un(opc, ty) => {
                let a = self.pop();
                let src = self.slot_of(a);
                let dst = self.push_result(ty);
                self.emit_result(opc, Un { dst: Slot(dst), src }, offset_of!(Un, dst));
            }
            Simd::Bin(opc) => {
                let b = self.pop();
                let a = self.pop();
                let (a, b) = (self.slot_of(a), self.slot_of(b));
                let dst = self.push_result(V128);
                self.emit_result(opc, BinSS { dst: Slot(dst), a, b }, offset_of!(BinSS, dst));
            }
            Simd::Tern(opc) => {
                let c = self.pop();
                let b = self.pop();
                let a = self.pop();
                let (a, b, c) = (self.slot_of(a), self.slot_of(b), self.slot_of(c));
                let dst = self.push_result(V128);
                self.emit_result(opc, Tern { dst: Slot(dst), a, b, c }, offset_of!(Tern, dst));
            }
            Simd::Extract(opc, ty, lane) => {
                let a = self.pop();
                let src = self.slot_of(a);
                let dst = self.push_result(ty);
                let s = Lane { dst: Slot(dst), src, lane: U32(lane as u32) };
                self.emit_result(opc, s, offset_of!(Lane, dst));
            }
            Simd::Replace(opc, lane) => {
                let b = self.pop();
                let a = self.pop();
                let (a, b) = (self.slot_of(a), self.slot_of(b));
                let dst = self.push_result(V128);
                let s = LaneSet { dst: Slot(dst), a, b, lane: U32(lane as u32) };
                self.emit_result(opc, s, offset_of!(LaneSet, dst));
            }
            Simd::Load(opc, m) if m.memory != 0 => self.access_n(opc, &m, 0, false, Some(V128)),
            Simd::LoadLane(opc, m, lane) if m.memory != 0 => self.access_n(opc, &m, lane, true, Some(V128)),
            Simd::StoreLane(opc, m, lane) if m.memory != 0 => self.access_n(opc, &m, lane, true, None),
            Simd::Load(opc, m) => {
                let addr = self.pop();
                let addr = self.slot_of(addr);
                let dst = self.push_result(V128);
                let s = Load { dst: Slot(dst), addr, offset: U32(m.offset as u32) };
                self.emit_result(opc, s, offset_of!(Load, dst));
            }
            Simd::LoadLane(opc, m, lane) => {
                let v = self.pop();
                let addr = self.pop();
                let (addr, src) = (self.slot_of(addr), self.slot_of(v));
                let dst = self.push_result(V128);
                let s = LoadLane {
                    dst: Slot(dst),
                    addr,
                    src,
                    offset: U32(m.offset as u32),
                    lane: U32(lane as u32),
                };
                self.emit_result(opc, s, offset_of!(LoadLane, dst));
            }
            Simd::StoreLane(opc, m, lane) => {
                let v = self.pop();
                let addr = self.pop();
                let (addr, src) = (self.slot_of(addr), self.slot_of(v));
                let s = StoreLane { addr, src, offset: U32(m.offset as u32), lane: U32(lane as u32) };
                self.enc.emit(opc, s);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_indices_are_little_endian() {
        let lanes: [u8; 16] = std::array::from_fn(|i| i as u8 + 1);
        let (lo, hi) = shuffle_words(&lanes);
        assert_eq!(lo.to_le_bytes(), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(hi.to_le_bytes(), [9, 10, 11, 12, 13, 14, 15, 16]);
    }
}
