//! Numeric instructions: which IR instruction (and immediate form) each
//! wasm operator becomes. Bit-preserving conversions (`i32.wrap_i64`,
//! reinterprets) emit nothing: the entry just changes type.

use super::{Cmp, CmpRhs, Lowerer, Val};
use crate::decode::op::Op;
use crate::decode::ValType::{self, F32, F64, I32, I64};
use crate::error::Result;
use crate::ir::shapes::*;
use crate::ir::Opcode as O;
use std::mem::offset_of;

enum Num {
    Un(O, ValType),
    /// Slot-slot form, slot-immediate form, commutative, result type.
    Bin(O, O, bool, ValType),
    Retype(ValType),
}

#[inline]
fn classify(op: &Op) -> Option<Num> {
    use Num::*;
    macro_rules! bin {
        ($ss:ident, $si:ident, $comm:expr, $ty:expr) => {
            Bin(O::$ss, O::$si, $comm, $ty)
        };
    }
    Some(match op {
        Op::I32Eqz => Un(O::I32Eqz, I32),
        Op::I32Clz => Un(O::I32Clz, I32),
        Op::I32Ctz => Un(O::I32Ctz, I32),
        Op::I32Popcnt => Un(O::I32Popcnt, I32),
        Op::I32Extend8S => Un(O::I32Extend8S, I32),
        Op::I32Extend16S => Un(O::I32Extend16S, I32),
        Op::I32Eq => bin!(I32Eq, I32EqImm, true, I32),
        Op::I32Ne => bin!(I32Ne, I32NeImm, true, I32),
        Op::I32LtS => bin!(I32LtS, I32LtSImm, false, I32),
        Op::I32LtU => bin!(I32LtU, I32LtUImm, false, I32),
        Op::I32GtS => bin!(I32GtS, I32GtSImm, false, I32),
        Op::I32GtU => bin!(I32GtU, I32GtUImm, false, I32),
        Op::I32LeS => bin!(I32LeS, I32LeSImm, false, I32),
        Op::I32LeU => bin!(I32LeU, I32LeUImm, false, I32),
        Op::I32GeS => bin!(I32GeS, I32GeSImm, false, I32),
        Op::I32GeU => bin!(I32GeU, I32GeUImm, false, I32),
        Op::I32Add => bin!(I32Add, I32AddImm, true, I32),
        Op::I32Sub => bin!(I32Sub, I32SubImm, false, I32),
        Op::I32Mul => bin!(I32Mul, I32MulImm, true, I32),
        Op::I32DivS => bin!(I32DivS, I32DivSImm, false, I32),
        Op::I32DivU => bin!(I32DivU, I32DivUImm, false, I32),
        Op::I32RemS => bin!(I32RemS, I32RemSImm, false, I32),
        Op::I32RemU => bin!(I32RemU, I32RemUImm, false, I32),
        Op::I32And => bin!(I32And, I32AndImm, true, I32),
        Op::I32Or => bin!(I32Or, I32OrImm, true, I32),
        Op::I32Xor => bin!(I32Xor, I32XorImm, true, I32),
        Op::I32Shl => bin!(I32Shl, I32ShlImm, false, I32),
        Op::I32ShrS => bin!(I32ShrS, I32ShrSImm, false, I32),
        Op::I32ShrU => bin!(I32ShrU, I32ShrUImm, false, I32),
        Op::I32Rotl => bin!(I32Rotl, I32RotlImm, false, I32),
        Op::I32Rotr => bin!(I32Rotr, I32RotrImm, false, I32),

        Op::I64Eqz => Un(O::I64Eqz, I32),
        Op::I64Clz => Un(O::I64Clz, I64),
        Op::I64Ctz => Un(O::I64Ctz, I64),
        Op::I64Popcnt => Un(O::I64Popcnt, I64),
        Op::I64Extend8S => Un(O::I64Extend8S, I64),
        Op::I64Extend16S => Un(O::I64Extend16S, I64),
        Op::I64Extend32S => Un(O::I64Extend32S, I64),
        Op::I64ExtendI32S => Un(O::I64Extend32S, I64),
        Op::I64ExtendI32U => Un(O::I64ExtendI32U, I64),
        Op::I64Eq => bin!(I64Eq, I64EqImm, true, I32),
        Op::I64Ne => bin!(I64Ne, I64NeImm, true, I32),
        Op::I64LtS => bin!(I64LtS, I64LtSImm, false, I32),
        Op::I64LtU => bin!(I64LtU, I64LtUImm, false, I32),
        Op::I64GtS => bin!(I64GtS, I64GtSImm, false, I32),
        Op::I64GtU => bin!(I64GtU, I64GtUImm, false, I32),
        Op::I64LeS => bin!(I64LeS, I64LeSImm, false, I32),
        Op::I64LeU => bin!(I64LeU, I64LeUImm, false, I32),
        Op::I64GeS => bin!(I64GeS, I64GeSImm, false, I32),
        Op::I64GeU => bin!(I64GeU, I64GeUImm, false, I32),
        Op::I64Add => bin!(I64Add, I64AddImm, true, I64),
        Op::I64Sub => bin!(I64Sub, I64SubImm, false, I64),
        Op::I64Mul => bin!(I64Mul, I64MulImm, true, I64),
        Op::I64DivS => bin!(I64DivS, I64DivSImm, false, I64),
        Op::I64DivU => bin!(I64DivU, I64DivUImm, false, I64),
        Op::I64RemS => bin!(I64RemS, I64RemSImm, false, I64),
        Op::I64RemU => bin!(I64RemU, I64RemUImm, false, I64),
        Op::I64And => bin!(I64And, I64AndImm, true, I64),
        Op::I64Or => bin!(I64Or, I64OrImm, true, I64),
        Op::I64Xor => bin!(I64Xor, I64XorImm, true, I64),
        Op::I64Shl => bin!(I64Shl, I64ShlImm, false, I64),
        Op::I64ShrS => bin!(I64ShrS, I64ShrSImm, false, I64),
        Op::I64ShrU => bin!(I64ShrU, I64ShrUImm, false, I64),
        Op::I64Rotl => bin!(I64Rotl, I64RotlImm, false, I64),
        Op::I64Rotr => bin!(I64Rotr, I64RotrImm, false, I64),

        Op::F32Abs => Un(O::F32Abs, F32),
        Op::F32Neg => Un(O::F32Neg, F32),
        Op::F32Ceil => Un(O::F32Ceil, F32),
        Op::F32Floor => Un(O::F32Floor, F32),
        Op::F32Trunc => Un(O::F32Trunc, F32),
        Op::F32Nearest => Un(O::F32Nearest, F32),
        Op::F32Sqrt => Un(O::F32Sqrt, F32),
        Op::F32Eq => bin!(F32Eq, F32EqImm, true, I32),
        Op::F32Ne => bin!(F32Ne, F32NeImm, true, I32),
        Op::F32Lt => bin!(F32Lt, F32LtImm, false, I32),
        Op::F32Gt => bin!(F32Gt, F32GtImm, false, I32),
        Op::F32Le => bin!(F32Le, F32LeImm, false, I32),
        Op::F32Ge => bin!(F32Ge, F32GeImm, false, I32),
        Op::F32Add => bin!(F32Add, F32AddImm, true, F32),
        Op::F32Sub => bin!(F32Sub, F32SubImm, false, F32),
        Op::F32Mul => bin!(F32Mul, F32MulImm, true, F32),
        Op::F32Div => bin!(F32Div, F32DivImm, false, F32),
        Op::F32Min => bin!(F32Min, F32MinImm, true, F32),
        Op::F32Max => bin!(F32Max, F32MaxImm, true, F32),
        Op::F32Copysign => bin!(F32Copysign, F32CopysignImm, false, F32),

        Op::F64Abs => Un(O::F64Abs, F64),
        Op::F64Neg => Un(O::F64Neg, F64),
        Op::F64Ceil => Un(O::F64Ceil, F64),
        Op::F64Floor => Un(O::F64Floor, F64),
        Op::F64Trunc => Un(O::F64Trunc, F64),
        Op::F64Nearest => Un(O::F64Nearest, F64),
        Op::F64Sqrt => Un(O::F64Sqrt, F64),
        Op::F64Eq => bin!(F64Eq, F64EqImm, true, I32),
        Op::F64Ne => bin!(F64Ne, F64NeImm, true, I32),
        Op::F64Lt => bin!(F64Lt, F64LtImm, false, I32),
        Op::F64Gt => bin!(F64Gt, F64GtImm, false, I32),
        Op::F64Le => bin!(F64Le, F64LeImm, false, I32),
        Op::F64Ge => bin!(F64Ge, F64GeImm, false, I32),
        Op::F64Add => bin!(F64Add, F64AddImm, true, F64),
        Op::F64Sub => bin!(F64Sub, F64SubImm, false, F64),
        Op::F64Mul => bin!(F64Mul, F64MulImm, true, F64),
        Op::F64Div => bin!(F64Div, F64DivImm, false, F64),
        Op::F64Min => bin!(F64Min, F64MinImm, true, F64),
        Op::F64Max => bin!(F64Max, F64MaxImm, true, F64),
        Op::F64Copysign => bin!(F64Copysign, F64CopysignImm, false, F64),

        Op::I32WrapI64 => Retype(I32),
        Op::I32ReinterpretF32 => Retype(I32),
        Op::I64ReinterpretF64 => Retype(I64),
        Op::F32ReinterpretI32 => Retype(F32),
        Op::F64ReinterpretI64 => Retype(F64),
        Op::I32TruncF32S => Un(O::I32TruncF32S, I32),
        Op::I32TruncF32U => Un(O::I32TruncF32U, I32),
        Op::I32TruncF64S => Un(O::I32TruncF64S, I32),
        Op::I32TruncF64U => Un(O::I32TruncF64U, I32),
        Op::I64TruncF32S => Un(O::I64TruncF32S, I64),
        Op::I64TruncF32U => Un(O::I64TruncF32U, I64),
        Op::I64TruncF64S => Un(O::I64TruncF64S, I64),
        Op::I64TruncF64U => Un(O::I64TruncF64U, I64),
        Op::I32TruncSatF32S => Un(O::I32TruncSatF32S, I32),
        Op::I32TruncSatF32U => Un(O::I32TruncSatF32U, I32),
        Op::I32TruncSatF64S => Un(O::I32TruncSatF64S, I32),
        Op::I32TruncSatF64U => Un(O::I32TruncSatF64U, I32),
        Op::I64TruncSatF32S => Un(O::I64TruncSatF32S, I64),
        Op::I64TruncSatF32U => Un(O::I64TruncSatF32U, I64),
        Op::I64TruncSatF64S => Un(O::I64TruncSatF64S, I64),
        Op::I64TruncSatF64U => Un(O::I64TruncSatF64U, I64),
        Op::F32ConvertI32S => Un(O::F32ConvertI32S, F32),
        Op::F32ConvertI32U => Un(O::F32ConvertI32U, F32),
        Op::F32ConvertI64S => Un(O::F32ConvertI64S, F32),
        Op::F32ConvertI64U => Un(O::F32ConvertI64U, F32),
        Op::F64ConvertI32S => Un(O::F64ConvertI32S, F64),
        Op::F64ConvertI32U => Un(O::F64ConvertI32U, F64),
        Op::F64ConvertI64S => Un(O::F64ConvertI64S, F64),
        Op::F64ConvertI64U => Un(O::F64ConvertI64U, F64),
        Op::F32DemoteF64 => Un(O::F32DemoteF64, F32),
        Op::F64PromoteF32 => Un(O::F64PromoteF32, F64),
        Op::RefIsNull => Un(O::RefIsNull, I32),
        _ => return None,
    })
}

/// The `imm op a` form of a non-commutative operation, where there is one.
fn imm_lhs(ss: O) -> Option<O> {
    Some(match ss {
        O::I32Sub => O::I32SubImmLhs,
        O::I32Shl => O::I32ShlImmLhs,
        O::I32ShrS => O::I32ShrSImmLhs,
        O::I32ShrU => O::I32ShrUImmLhs,
        O::I64Sub => O::I64SubImmLhs,
        O::I64Shl => O::I64ShlImmLhs,
        O::I64ShrS => O::I64ShrSImmLhs,
        O::I64ShrU => O::I64ShrUImmLhs,
        _ => return None,
    })
}

impl Lowerer<'_> {
    /// Lowers `op` if it is numeric; `Ok(false)` otherwise.
    pub(super) fn numeric(&mut self, op: &Op) -> Result<bool> {
        let Some(num) = classify(op) else { return Ok(false) };
        match num {
            Num::Retype(ty) => {
                let top = self.stack.len() - 1;
                self.stack[top].ty = ty;
                // No code: the instruction before still computed the top.
                if let Some(d) = self.by_prev(self.dst) {
                    self.dst = self.stamp(d);
                }
            }
            Num::Un(opc, ty) => {
                let a = self.pop();
                let src = self.slot_of(a);
                let src_acc = self.in_acc(src, a.ty);
                let op = self.with_acc(opc, src, a.ty);
                let dst = self.push_result(ty);
                let prev = self.acc;
                let pos = self.emit_result(op, Un { dst: Slot(dst), src }, offset_of!(Un, dst));
                self.note_acc(dst, ty == ValType::F64);
                self.note_cmp(pos, opc, dst, src, CmpRhs::None, src_acc, prev);
            }
            Num::Bin(ss, si, commutative, ty) => {
                let b = self.pop();
                let a = self.pop();
                // Both operands have the instruction's operand type.
                let aty = a.ty;
                let fres = ty == ValType::F64;
                match (a.val, b.val) {
                    (_, Val::Const(imm)) => {
                        let a = self.slot_of(a);
                        let op = self.with_acc(si, a, aty);
                        let dst = self.push_result(ty);
                        let s = BinSI { dst: Slot(dst), a, imm: Imm(imm) };
                        let prev = self.acc;
                        let pos = self.emit_result(op, s, offset_of!(BinSI, dst));
                        self.note_acc(dst, fres);
                        self.note_cmp(pos, si, dst, a, CmpRhs::Imm(imm), op != si, prev);
                    }
                    (Val::Const(imm), Val::Slot(bs)) if commutative => {
                        let op = self.with_acc(si, Slot(bs), aty);
                        let dst = self.push_result(ty);
                        let s = BinSI { dst: Slot(dst), a: Slot(bs), imm: Imm(imm) };
                        let prev = self.acc;
                        let pos = self.emit_result(op, s, offset_of!(BinSI, dst));
                        self.note_acc(dst, fres);
                        self.note_cmp(pos, si, dst, Slot(bs), CmpRhs::Imm(imm), op != si, prev);
                    }
                    (Val::Const(imm), Val::Slot(bs)) if imm_lhs(ss).is_some() => {
                        let dst = self.push_result(ty);
                        let s = BinSI { dst: Slot(dst), a: Slot(bs), imm: Imm(imm) };
                        self.emit_result(imm_lhs(ss).unwrap(), s, offset_of!(BinSI, dst));
                        self.note_acc(dst, fres);
                    }
                    _ => {
                        let a = self.slot_of(a);
                        let b = self.slot_of(b);
                        // The accumulator can only stand for `a`; a commutative
                        // operation swaps to put it there.
                        let (a, b) = if commutative && !self.in_acc(a, aty) && self.in_acc(b, aty) {
                            (b, a)
                        } else {
                            (a, b)
                        };
                        let op = self.with_acc(ss, a, aty);
                        let dst = self.push_result(ty);
                        let prev = self.acc;
                        let pos =
                            self.emit_result(op, BinSS { dst: Slot(dst), a, b }, offset_of!(BinSS, dst));
                        self.note_acc(dst, fres);
                        self.note_cmp(pos, ss, dst, a, CmpRhs::Slot(b), op != ss, prev);
                        if ss == O::I32Add {
                            self.last_add =
                                Some(super::Add { pos, end: self.enc.pos(), dst, a, b, acc: prev });
                        }
                    }
                }
            }
        }
        Ok(true)
    }
}

impl Lowerer<'_> {
    /// Remembers a compare so that a branch right after it can
    /// absorb it; `a_acc`: its operand `a` was in the accumulator, `acc`
    /// before the compare.
    #[allow(clippy::too_many_arguments)]
    fn note_cmp(
        &mut self,
        pos: usize,
        op: O,
        dst: u32,
        a: Slot,
        b: CmpRhs,
        a_acc: bool,
        acc: Option<super::Acc>,
    ) {
        if super::control::fused(op).is_some() {
            self.cmp = self.stamp(Cmp { pos, end: self.enc.pos(), dst, op, a, b, a_acc, acc });
        }
    }
}
