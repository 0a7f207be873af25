//! Loads, stores and the memory instructions.

use super::{Lowerer, Val};
use crate::decode::op::{MemArg, Op};
use crate::decode::ValType::{self, F32, F64, I32, I64};
use crate::error::Result;
use crate::ir::shapes::*;
use crate::ir::Opcode as O;
use std::mem::offset_of;

/// The form of a load or store whose address is `a + b`.
fn idx_form(op: O) -> O {
    match op {
        O::Load8S => O::Load8SIdx,
        O::Load8U => O::Load8UIdx,
        O::Load16S => O::Load16SIdx,
        O::Load16U => O::Load16UIdx,
        O::Load32S => O::Load32SIdx,
        O::Load32U => O::Load32UIdx,
        O::Load64 => O::Load64Idx,
        O::Store8 => O::Store8Idx,
        O::Store16 => O::Store16Idx,
        O::Store32 => O::Store32Idx,
        O::Store64 => O::Store64Idx,
        _ => unreachable!("not a load or store"),
    }
}

/// The form of a store of a constant.
fn imm_idx_form(op: O) -> O {
    match op {
        O::Store8 => O::Store8ImmIdx,
        O::Store16 => O::Store16ImmIdx,
        O::Store32 => O::Store32ImmIdx,
        O::Store64 => O::Store64ImmIdx,
        _ => unreachable!("not a store"),
    }
}

fn imm_form(op: O) -> O {
    match op {
        O::Store8 => O::Store8Imm,
        O::Store16 => O::Store16Imm,
        O::Store32 => O::Store32Imm,
        O::Store64 => O::Store64Imm,
        _ => unreachable!("not a store"),
    }
}

impl Lowerer<'_> {
    fn load(&mut self, opc: O, ty: ValType, m: &MemArg) {
        if m.memory != 0 {
            return self.access_n(opc, m, 0, false, Some(ty));
        }
        let addr = self.pop();
        let offset = U32(m.offset as u32);
        if let Some(add) = self.take_add(addr) {
            let op = self.with_acc(idx_form(opc), add.a, I32);
            let dst = self.push_result(ty);
            let s = LoadIdx { dst: Slot(dst), a: add.a, b: add.b, offset };
            self.emit_result(op, s, offset_of!(LoadIdx, dst));
            self.note_acc(dst, false);
            return;
        }
        let addr = self.slot_of(addr);
        let op = self.with_acc(opc, addr, I32);
        let dst = self.push_result(ty);
        self.emit_result(op, Load { dst: Slot(dst), addr, offset }, offset_of!(Load, dst));
        self.note_acc(dst, false);
    }

    fn store(&mut self, opc: O, m: &MemArg) {
        if m.memory != 0 {
            return self.access_n(opc, m, 0, true, None);
        }
        let v = self.pop();
        let addr = self.pop();
        let offset = U32(m.offset as u32);
        let pos = match v.val {
            Val::Const(imm) => match self.take_add(addr) {
                Some(add) => {
                    let op = self.with_acc(imm_idx_form(opc), add.a, I32);
                    self.enc.emit(op, StoreImmIdx { a: add.a, b: add.b, offset, imm: Imm(imm) })
                }
                None => {
                    let addr = self.slot_of(addr);
                    let op = self.store_acc_form(imm_form(opc), addr, ValType::I32);
                    self.enc.emit(op, StoreImm { addr, offset, imm: Imm(imm) })
                }
            },
            // The value is in a slot already: nothing was emitted between the
            // address's `i32.add` and here, so it can fuse into the store.
            Val::Slot(src) => match self.take_add(addr) {
                Some(add) => {
                    let op = self.with_acc(idx_form(opc), add.a, I32);
                    self.enc.emit(op, StoreIdx { a: add.a, b: add.b, src: Slot(src), offset })
                }
                None => {
                    let addr = self.slot_of(addr);
                    let op = self.store_acc_form(opc, Slot(src), v.ty);
                    self.enc.emit(op, Store { addr, src: Slot(src), offset })
                }
            },
        };
        self.keep_acc(pos, None);
    }

    /// `op`, or its `A` form when `s` (of type `ty`) is in the integer
    /// accumulator (the store `A` forms read only that one).
    fn store_acc_form(&self, op: O, s: Slot, ty: ValType) -> O {
        if ty == F64 {
            op
        } else {
            self.with_acc(op, s, ty)
        }
    }

    /// A load or store of memory `m.memory` (not 0): `AccessN` of kind
    /// `kind`, the memory-0 instruction for the same access. Pops a value
    /// (`has_value`: stores and lane loads) and the address; pushes `result`.
    pub(super) fn access_n(
        &mut self,
        kind: O,
        m: &MemArg,
        lane: u8,
        has_value: bool,
        result: Option<ValType>,
    ) {
        let v = has_value.then(|| self.pop());
        let addr = self.pop();
        let addr = self.slot_of(addr);
        let src = v.map_or(Slot(0), |v| self.slot_of(v));
        let s = MemN {
            kind: Access(kind),
            mem: Index(m.memory),
            dst: Slot(0),
            addr,
            src,
            offset: U32(m.offset as u32),
            lane: U32(lane.into()),
        };
        match result {
            Some(ty) => {
                let dst = Slot(self.push_result(ty));
                self.emit_result(O::AccessN, MemN { dst, ..s }, offset_of!(MemN, dst));
            }
            None => {
                self.enc.emit(O::AccessN, s);
            }
        }
    }

    /// Pops three operands (in push order) as slots.
    pub(super) fn pop3(&mut self) -> (Slot, Slot, Slot) {
        let c = self.pop();
        let b = self.pop();
        let a = self.pop();
        (self.slot_of(a), self.slot_of(b), self.slot_of(c))
    }

    /// Lowers `op` if it is a memory instruction; `Ok(false)` otherwise.
    pub(super) fn memory(&mut self, op: &Op) -> Result<bool> {
        match op {
            Op::I32Load(m) => self.load(O::Load32U, I32, m),
            Op::I64Load(m) => self.load(O::Load64, I64, m),
            Op::F32Load(m) => self.load(O::Load32U, F32, m),
            Op::F64Load(m) => self.load(O::Load64, F64, m),
            Op::I32Load8S(m) => self.load(O::Load8S, I32, m),
            Op::I32Load8U(m) => self.load(O::Load8U, I32, m),
            Op::I32Load16S(m) => self.load(O::Load16S, I32, m),
            Op::I32Load16U(m) => self.load(O::Load16U, I32, m),
            Op::I64Load8S(m) => self.load(O::Load8S, I64, m),
            Op::I64Load8U(m) => self.load(O::Load8U, I64, m),
            Op::I64Load16S(m) => self.load(O::Load16S, I64, m),
            Op::I64Load16U(m) => self.load(O::Load16U, I64, m),
            Op::I64Load32S(m) => self.load(O::Load32S, I64, m),
            Op::I64Load32U(m) => self.load(O::Load32U, I64, m),
            Op::I32Store(m) | Op::F32Store(m) | Op::I64Store32(m) => self.store(O::Store32, m),
            Op::I64Store(m) | Op::F64Store(m) => self.store(O::Store64, m),
            Op::I32Store8(m) | Op::I64Store8(m) => self.store(O::Store8, m),
            Op::I32Store16(m) | Op::I64Store16(m) => self.store(O::Store16, m),
            // Memory 0 has its own forms (base and length in registers);
            // the `N` forms find their memory in the instance.
            Op::MemorySize(i) => {
                let dst = self.push_result(I32);
                let opc = if *i == 0 { O::MemorySize } else { O::MemorySizeN };
                self.emit_result(opc, Size { dst: Slot(dst), index: Index(*i) }, offset_of!(Size, dst));
            }
            Op::MemoryGrow(i) => {
                let delta = self.pop();
                let delta = self.slot_of(delta);
                let dst = self.push_result(I32);
                let s = Grow { dst: Slot(dst), index: Index(*i), delta, init: delta };
                let opc = if *i == 0 { O::MemoryGrow } else { O::MemoryGrowN };
                self.emit_result(opc, s, offset_of!(Grow, dst));
            }
            Op::MemoryFill(i) => {
                let (a, b, n) = self.pop3();
                let opc = if *i == 0 { O::MemoryFill } else { O::MemoryFillN };
                self.enc.emit(opc, Bulk { a, b, n, index: Index(*i), index2: Index(*i) });
            }
            Op::MemoryCopy { dst, src } => {
                let (a, b, n) = self.pop3();
                let opc = if (*dst, *src) == (0, 0) { O::MemoryCopy } else { O::MemoryCopyN };
                self.enc.emit(opc, Bulk { a, b, n, index: Index(*dst), index2: Index(*src) });
            }
            Op::MemoryInit { data, memory } => {
                let (a, b, n) = self.pop3();
                let opc = if *memory == 0 { O::MemoryInit } else { O::MemoryInitN };
                self.enc.emit(opc, Bulk { a, b, n, index: Index(*data), index2: Index(*memory) });
            }
            Op::DataDrop(d) => {
                self.enc.emit(O::DataDrop, Drop { index: Index(*d) });
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
