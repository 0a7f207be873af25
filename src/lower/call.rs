//! `call` and `call_indirect`: arguments are materialized in consecutive
//! home slots, and the callee's frame starts at the first of them.

use super::Lowerer;
use crate::decode::op::Op;
use crate::decode::FuncType;
use crate::error::Result;
use crate::ir::shapes::*;
use crate::ir::Opcode;

impl Lowerer<'_> {
    /// Puts the arguments of `ty` in place; returns the callee's frame base.
    fn args(&mut self, ty: &FuncType) -> u32 {
        let np = ty.params().len();
        self.materialize_top(np);
        let len = self.stack.len();
        let base = if np > 0 { self.stack[len - np].home } else { self.next_home() };
        let slots = |ts: &[crate::ValType]| ts.iter().map(|t| t.slots()).sum::<u32>();
        self.max_slot = self.max_slot.max(base + slots(ty.params()).max(slots(ty.results())));
        base
    }

    /// Replaces the arguments by the results (which the callee left at `base`).
    fn results_of(&mut self, ty: &FuncType) {
        let len = self.stack.len();
        self.stack.truncate(len - ty.params().len());
        for &t in ty.results() {
            self.push_result(t);
        }
    }

    pub(super) fn call(&mut self, op: &Op) -> Result<()> {
        // Borrowed from the module, not from `self`: no copy of the type.
        let module = self.module;
        match op {
            Op::Call(f) => {
                let Some(ty) = module.func_type(*f) else { unreachable!("validated call") };
                let base = self.args(ty);
                // Defined functions are wasm code of this same instance: the
                // fast path. Imports may be host functions or other instances.
                let op = if *f < module.num_imported_funcs { Opcode::CallImport } else { Opcode::Call };
                self.enc.emit(op, Call { func: Index(*f), base: Slot(base) });
                self.results_of(ty);
            }
            Op::CallIndirect { type_index, table } => {
                let ty = &module.types[*type_index as usize];
                let index = self.pop();
                let index = self.slot_of(index);
                let base = self.args(ty);
                self.enc.emit(
                    Opcode::CallIndirect,
                    CallIndirect { ty: Index(*type_index), table: Index(*table), index, base: Slot(base) },
                );
                self.results_of(ty);
            }
            _ => unreachable!("not a call"),
        }
        Ok(())
    }
}
