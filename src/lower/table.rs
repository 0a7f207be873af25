//! Table instructions and reference constants.

use super::{Lowerer, Val};
use crate::decode::op::Op;
use crate::decode::ValType;
use crate::error::Result;
use crate::ir::shapes::*;
use crate::ir::Opcode as O;
use std::mem::offset_of;

impl Lowerer<'_> {
    fn table_elem(&self, t: u32) -> ValType {
        self.module.tables[t as usize].elem.into()
    }

    /// Lowers `op` if it is a table or reference instruction.
    pub(super) fn table(&mut self, op: &Op) -> Result<bool> {
        match op {
            Op::RefNull(t) => {
                self.push((*t).into(), Val::Const(0));
            }
            Op::RefFunc(f) => {
                let dst = self.push_result(ValType::FuncRef);
                self.emit_result(
                    O::RefFunc,
                    RefFunc { dst: Slot(dst), func: Index(*f) },
                    offset_of!(RefFunc, dst),
                );
            }
            Op::TableGet(t) => {
                let i = self.pop();
                let elem = self.slot_of(i);
                let dst = self.push_result(self.table_elem(*t));
                let s = TableGet { dst: Slot(dst), index: Index(*t), elem };
                self.emit_result(O::TableGet, s, offset_of!(TableGet, dst));
            }
            Op::TableSet(t) => {
                let v = self.pop();
                let i = self.pop();
                let elem = self.slot_of(i);
                let src = self.slot_of(v);
                self.enc.emit(O::TableSet, TableSet { index: Index(*t), elem, src });
            }
            Op::TableSize(t) => {
                let dst = self.push_result(ValType::I32);
                self.emit_result(
                    O::TableSize,
                    Size { dst: Slot(dst), index: Index(*t) },
                    offset_of!(Size, dst),
                );
            }
            Op::TableGrow(t) => {
                let n = self.pop();
                let init = self.pop();
                let delta = self.slot_of(n);
                let init = self.slot_of(init);
                let dst = self.push_result(ValType::I32);
                let s = Grow { dst: Slot(dst), index: Index(*t), delta, init };
                self.emit_result(O::TableGrow, s, offset_of!(Grow, dst));
            }
            Op::TableFill(t) => {
                let (a, b, n) = self.pop3();
                self.enc.emit(O::TableFill, Bulk { a, b, n, index: Index(*t), index2: Index(*t) });
            }
            Op::TableCopy { dst, src } => {
                let (a, b, n) = self.pop3();
                self.enc.emit(O::TableCopy, Bulk { a, b, n, index: Index(*dst), index2: Index(*src) });
            }
            Op::TableInit { elem, table } => {
                let (a, b, n) = self.pop3();
                self.enc.emit(O::TableInit, Bulk { a, b, n, index: Index(*table), index2: Index(*elem) });
            }
            Op::ElemDrop(e) => {
                self.enc.emit(O::ElemDrop, Drop { index: Index(*e) });
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
