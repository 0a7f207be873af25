//! Locals (mostly no code at all), globals and `select`.

use super::{Lowerer, Val};
use crate::decode::op::Op;
use crate::decode::ValType;
use crate::error::Result;
use crate::ir::shapes::*;
use crate::ir::Opcode;
use std::mem::offset_of;

impl Lowerer<'_> {
    /// `local.get`: a reference to the local's slot.
    #[inline(always)]
    pub(super) fn push_local(&mut self, i: u32) {
        self.touch_local(i, super::READ);
        let (slot, ty) = (self.local_slots[i as usize], self.local_types[i as usize]);
        self.push(ty, Val::Slot(slot));
    }

    /// `local.get` pushes a reference to the local's slot; `local.set`/`tee`
    /// retarget the previous instruction's result into the local when they
    /// can, and copy otherwise.
    pub(super) fn local(&mut self, op: &Op) -> Result<()> {
        let (idx, tee) = match op {
            Op::LocalGet(i) => {
                self.push_local(*i);
                return Ok(());
            }
            Op::LocalSet(i) => (*i, false),
            Op::LocalTee(i) => (*i, true),
            _ => unreachable!("not a local instruction"),
        };
        self.touch_local(idx, super::WRITTEN);
        let slot = self.local_slots[idx as usize];
        let top = self.stack.len() - 1;
        // Entries still reading the old value must get their own copy first.
        let aliased = (0..top).any(|i| self.stack[i].val == Val::Slot(slot));
        if aliased {
            for i in 0..top {
                if self.stack[i].val == Val::Slot(slot) {
                    self.materialize(i);
                }
            }
        }
        let e = self.stack[top];
        match (self.retargetable(), e.val) {
            // The value was just computed into its home: compute it into the
            // local instead.
            (Some(at), _) if !aliased => {
                let old = self.enc.read_u32(at);
                self.enc.patch_u32(at, slot);
                if let Some(a) = &mut self.acc {
                    if a.slot == old {
                        a.slot = slot;
                    }
                }
            }
            (_, Val::Slot(s)) if s == slot => {}
            (_, Val::Slot(s)) => self.emit_copy(e.ty, slot, s),
            (_, Val::Const(bits)) => self.emit_const(slot, bits),
        }
        if tee {
            self.stack[top].val = Val::Slot(slot);
        } else {
            self.stack.pop();
        }
        Ok(())
    }

    pub(super) fn global(&mut self, op: &Op) -> Result<()> {
        match op {
            Op::GlobalGet(g) => {
                let ty = self.module.globals[*g as usize].content;
                let dst = self.push_result(ty);
                let opc = if ty == ValType::V128 { Opcode::GlobalGet128 } else { Opcode::GlobalGet };
                self.emit_result(opc, Global { slot: Slot(dst), index: Index(*g) }, offset_of!(Global, slot));
            }
            Op::GlobalSet(g) => {
                let e = self.pop();
                let opc = if e.ty == ValType::V128 { Opcode::GlobalSet128 } else { Opcode::GlobalSet };
                let src = self.slot_of(e);
                self.enc.emit(opc, Global { slot: src, index: Index(*g) });
            }
            _ => unreachable!("not a global instruction"),
        }
        Ok(())
    }

    pub(super) fn select(&mut self) -> Result<()> {
        let cond = self.pop();
        let b = self.pop();
        let a = self.pop();
        let cond = self.slot_of(cond);
        let bs = self.slot_of(b);
        let as_ = self.slot_of(a);
        let dst = self.push_result(a.ty);
        let opc = if a.ty == ValType::V128 { Opcode::Select128 } else { Opcode::Select };
        self.emit_result(opc, Select { dst: Slot(dst), cond, a: as_, b: bs }, offset_of!(Select, dst));
        Ok(())
    }
}
