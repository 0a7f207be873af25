//! Blocks, loops, `if`, branches, `br_table`, `return`, `unreachable`.

use super::{Acc, Cmp, CmpRhs, Ctrl, Entry, Fixup, Kind, Lowerer, Types, Val};
use crate::decode::op::Op;
use crate::decode::{BlockType, ValType};
use crate::error::Result;
use crate::ir::shapes::*;
use crate::ir::{branch_field, Opcode};

/// The branches a compare fuses into: (jump when it holds, jump when it
/// does not). For float orderings the second is a `Not` form: with NaN,
/// "not less" is not "greater or equal".
pub(super) fn fused(op: Opcode) -> Option<(Opcode, Opcode)> {
    use Opcode::*;
    Some(match op {
        I32Eqz => (BrIfEqz, BrIfNez),
        I64Eqz => (BrI64Eqz, BrI64Nez),
        I32Eq => (BrI32Eq, BrI32Ne),
        I32EqImm => (BrI32EqImm, BrI32NeImm),
        I32Ne => (BrI32Ne, BrI32Eq),
        I32NeImm => (BrI32NeImm, BrI32EqImm),
        I32LtS => (BrI32LtS, BrI32GeS),
        I32LtSImm => (BrI32LtSImm, BrI32GeSImm),
        I32LtU => (BrI32LtU, BrI32GeU),
        I32LtUImm => (BrI32LtUImm, BrI32GeUImm),
        I32GtS => (BrI32GtS, BrI32LeS),
        I32GtSImm => (BrI32GtSImm, BrI32LeSImm),
        I32GtU => (BrI32GtU, BrI32LeU),
        I32GtUImm => (BrI32GtUImm, BrI32LeUImm),
        I32LeS => (BrI32LeS, BrI32GtS),
        I32LeSImm => (BrI32LeSImm, BrI32GtSImm),
        I32LeU => (BrI32LeU, BrI32GtU),
        I32LeUImm => (BrI32LeUImm, BrI32GtUImm),
        I32GeS => (BrI32GeS, BrI32LtS),
        I32GeSImm => (BrI32GeSImm, BrI32LtSImm),
        I32GeU => (BrI32GeU, BrI32LtU),
        I32GeUImm => (BrI32GeUImm, BrI32LtUImm),
        I64Eq => (BrI64Eq, BrI64Ne),
        I64EqImm => (BrI64EqImm, BrI64NeImm),
        I64Ne => (BrI64Ne, BrI64Eq),
        I64NeImm => (BrI64NeImm, BrI64EqImm),
        I64LtS => (BrI64LtS, BrI64GeS),
        I64LtSImm => (BrI64LtSImm, BrI64GeSImm),
        I64LtU => (BrI64LtU, BrI64GeU),
        I64LtUImm => (BrI64LtUImm, BrI64GeUImm),
        I64GtS => (BrI64GtS, BrI64LeS),
        I64GtSImm => (BrI64GtSImm, BrI64LeSImm),
        I64GtU => (BrI64GtU, BrI64LeU),
        I64GtUImm => (BrI64GtUImm, BrI64LeUImm),
        I64LeS => (BrI64LeS, BrI64GtS),
        I64LeSImm => (BrI64LeSImm, BrI64GtSImm),
        I64LeU => (BrI64LeU, BrI64GtU),
        I64LeUImm => (BrI64LeUImm, BrI64GtUImm),
        I64GeS => (BrI64GeS, BrI64LtS),
        I64GeSImm => (BrI64GeSImm, BrI64LtSImm),
        I64GeU => (BrI64GeU, BrI64LtU),
        I64GeUImm => (BrI64GeUImm, BrI64LtUImm),
        F32Eq => (BrF32Eq, BrF32Ne),
        F32EqImm => (BrF32EqImm, BrF32NeImm),
        F32Ne => (BrF32Ne, BrF32Eq),
        F32NeImm => (BrF32NeImm, BrF32EqImm),
        F32Lt => (BrF32Lt, BrF32NotLt),
        F32LtImm => (BrF32LtImm, BrF32NotLtImm),
        F32Gt => (BrF32Gt, BrF32NotGt),
        F32GtImm => (BrF32GtImm, BrF32NotGtImm),
        F32Le => (BrF32Le, BrF32NotLe),
        F32LeImm => (BrF32LeImm, BrF32NotLeImm),
        F32Ge => (BrF32Ge, BrF32NotGe),
        F32GeImm => (BrF32GeImm, BrF32NotGeImm),
        F64Eq => (BrF64Eq, BrF64Ne),
        F64EqImm => (BrF64EqImm, BrF64NeImm),
        F64Ne => (BrF64Ne, BrF64Eq),
        F64NeImm => (BrF64NeImm, BrF64EqImm),
        F64Lt => (BrF64Lt, BrF64NotLt),
        F64LtImm => (BrF64LtImm, BrF64NotLtImm),
        F64Gt => (BrF64Gt, BrF64NotGt),
        F64GtImm => (BrF64GtImm, BrF64NotGtImm),
        F64Le => (BrF64Le, BrF64NotLe),
        F64LeImm => (BrF64LeImm, BrF64NotLeImm),
        F64Ge => (BrF64Ge, BrF64NotGe),
        F64GeImm => (BrF64GeImm, BrF64NotGeImm),
        _ => return None,
    })
}

/// A branch condition: a slot, or a compare absorbed into the branch; with
/// the code position at which its first operand is in the accumulator
/// (code emitted before the branch, e.g. by `if`, invalidates that).
enum Cond {
    Slot(Slot, Option<usize>),
    Cmp(Cmp),
}

impl Lowerer<'_> {
    fn block_sig(&self, bt: BlockType) -> (Types, Types) {
        match bt {
            BlockType::Empty => (Types::new(), Types::new()),
            BlockType::Value(t) => (Types::new(), Types::from_elem(t, 1)),
            BlockType::Func(i) => {
                let t = &self.module.types[i as usize];
                (t.params().into(), t.results().into())
            }
        }
    }

    fn open(&mut self, kind: Kind, bt: BlockType, dead_born: bool) {
        let (params, results) = self.block_sig(bt);
        let height = self.stack.len().saturating_sub(params.len());
        let base_home = match self.stack.get(height) {
            Some(e) => e.home,
            None => self.next_home(),
        };
        self.ctrls.push(Ctrl {
            kind,
            height,
            base_home,
            params,
            results,
            head: self.enc.pos(),
            fixups: Default::default(),
            fuel_at: None,
            else_fixup: None,
            acc_head: None,
            dead_born,
        });
        if let (Kind::Loop, Some(op), false) = (kind, self.check, dead_born) {
            let pos = self.enc.emit(op, Fuel { amount: U32(0) });
            self.ctrls.last_mut().unwrap().fuel_at = Some((pos, self.enc.count()));
        }
    }

    /// Control instructions inside dead code: only the block structure
    /// matters, to find where the dead region ends.
    pub(super) fn lower_dead(&mut self, op: &Op) -> Result<()> {
        match op {
            Op::Block(bt) | Op::Loop(bt) | Op::If(bt) => {
                self.open(Kind::Block, *bt, true);
                Ok(())
            }
            Op::Else | Op::End => {
                if self.ctrls.last().is_some_and(|c| c.dead_born) {
                    if matches!(op, Op::End) {
                        self.ctrls.pop();
                    }
                    Ok(())
                } else {
                    self.control(op)
                }
            }
            _ => Ok(()),
        }
    }

    /// Emits a jump (`Br`, or `BrIfNez`/`BrIfEqz` on `cond`) and returns
    /// the fixup of its target field.
    fn jump(&mut self, op: Opcode, cond: Option<Slot>) -> Fixup {
        let pos = match cond {
            None => self.enc.emit(op, Jump { target: Target(0) }),
            Some(cond) => self.enc.emit(op, JumpIf { cond, target: Target(0) }),
        };
        Fixup { at: pos + branch_field(op).expect("a jump"), base: pos + op.size() }
    }

    /// Pops a branch condition; a compare emitted just before is taken back
    /// and becomes part of the branch.
    fn take_cond(&mut self) -> Cond {
        let e = self.pop();
        if let Some(c) = self.by_prev(self.cmp) {
            if c.end == self.enc.pos() && e.val == Val::Slot(c.dst) && e.home == c.dst {
                self.take_back(c.pos, c.acc);
                return Cond::Cmp(c);
            }
        }
        let s = self.slot_of(e);
        let in_acc = self.in_acc(s, ValType::I32);
        Cond::Slot(s, in_acc.then(|| self.enc.pos()))
    }

    /// Emits a branch taken when `cond` is `when`.
    fn jump_if(&mut self, cond: &Cond, when: bool) -> Fixup {
        let (op, pos) = match cond {
            Cond::Slot(s, acc_at) => {
                let acc = *acc_at == Some(self.enc.pos());
                let op = match (when, acc) {
                    (true, false) => Opcode::BrIfNez,
                    (true, true) => Opcode::BrIfNezA,
                    (false, false) => Opcode::BrIfEqz,
                    (false, true) => Opcode::BrIfEqzA,
                };
                (op, self.enc.emit(op, JumpIf { cond: *s, target: Target(0) }))
            }
            Cond::Cmp(c) => {
                let (yes, no) = fused(c.op).expect("a fusable compare");
                let op = if when { yes } else { no };
                let op = if c.a_acc && c.pos == self.enc.pos() {
                    op.acc_form().expect("fused branches have A forms")
                } else {
                    op
                };
                let pos = match c.b {
                    CmpRhs::Slot(b) => self.enc.emit(op, JumpCmp { a: c.a, b, target: Target(0) }),
                    CmpRhs::Imm(imm) => {
                        self.enc.emit(op, JumpCmpImm { a: c.a, imm: Imm(imm), target: Target(0) })
                    }
                    CmpRhs::None => self.enc.emit(op, JumpIf { cond: c.a, target: Target(0) }),
                };
                (op, pos)
            }
        };
        Fixup { at: pos + branch_field(op).expect("a jump"), base: pos + op.size() }
    }

    fn patch(&mut self, f: Fixup, target: usize) {
        self.enc.patch_i32(f.at, (target as i64 - f.base as i64) as i32);
    }

    /// Copies the top `n` values into the label's slots, starting at
    /// `dest`. Sources are the entries' current places; destinations never
    /// lie above a source still to be read (see the module docs), so copying
    /// in order is safe.
    fn copy_top_to(&mut self, n: usize, dest: u32) {
        let len = self.stack.len();
        let mut d = dest;
        for i in len - n..len {
            let e = self.stack[i];
            match e.val {
                Val::Slot(s) if s == d => {}
                Val::Slot(s) => self.emit_copy(e.ty, d, s),
                Val::Const(bits) => self.emit_const(d, bits),
            }
            d += e.ty.slots();
        }
    }

    /// Whether branching with the top `n` values to slots at `dest` needs
    /// no copies.
    fn in_place(&self, n: usize, dest: u32) -> bool {
        let len = self.stack.len();
        let mut d = dest;
        for e in &self.stack[len - n..] {
            if e.val != Val::Slot(d) {
                return false;
            }
            d += e.ty.slots();
        }
        true
    }

    /// Label `depth`: (number of values it takes, their slots, is it the
    /// function, loop head if a loop).
    fn label(&self, depth: u32) -> (usize, u32, bool, Option<usize>) {
        let c = &self.ctrls[self.ctrls.len() - 1 - depth as usize];
        match c.kind {
            Kind::Loop => (c.params.len(), c.base_home, false, Some(c.head)),
            Kind::Func => (c.results.len(), 0, true, None),
            _ => (c.results.len(), c.base_home, false, None),
        }
    }

    /// Emits the copies and jump of a taken branch to label `depth`, with
    /// the accumulator `here` (the copies leave it alone).
    fn branch(&mut self, depth: u32, here: Option<Acc>) {
        let (n, dest, is_func, head) = self.label(depth);
        if is_func {
            self.emit_return();
            return;
        }
        self.copy_top_to(n, dest);
        let f = self.jump(Opcode::Br, None);
        self.link(depth, f, head, here);
    }

    /// Sends jump `f` to label `depth`: to the loop head `head` now (where
    /// the accumulator `here` meets the head's assumption, or breaks it), or
    /// to the block's end once it is known.
    fn link(&mut self, depth: u32, f: Fixup, head: Option<usize>, here: Option<Acc>) {
        match head {
            Some(h) => {
                self.back_edge(depth, here);
                self.patch(f, h)
            }
            None => {
                let i = self.ctrls.len() - 1 - depth as usize;
                self.ctrls[i].fixups.push(f);
            }
        }
    }

    /// Copies the results into slots `0..` and returns.
    pub(super) fn emit_return(&mut self) {
        let n = self.results.len();
        if n == 1 && self.results[0] != ValType::V128 {
            let e = *self.stack.last().expect("validated result");
            if let Some(at) = self.retargetable() {
                // Computed just now: compute it into slot 0 instead.
                self.enc.patch_u32(at, 0);
                self.enc.emit(Opcode::Return, Nullary {});
                return;
            }
            match e.val {
                Val::Slot(0) => self.enc.emit(Opcode::Return, Nullary {}),
                Val::Slot(s) => self.enc.emit(Opcode::ReturnCopy, Un { dst: Slot(0), src: Slot(s) }),
                Val::Const(bits) => {
                    self.enc.emit(Opcode::ReturnConst, Const { dst: Slot(0), imm: Imm(bits) })
                }
            };
            return;
        }
        let result_slots: u32 = self.results.iter().map(|t| t.slots()).sum();
        // A local that is also a destination could be overwritten before it
        // is read: move such values to their homes (above the locals) first.
        let len = self.stack.len();
        for i in len - n..len {
            if let Val::Slot(s) = self.stack[i].val {
                if s < self.locals_end && s < result_slots {
                    self.materialize(i);
                }
            }
        }
        self.copy_top_to(n, 0);
        self.enc.emit(Opcode::Return, Nullary {});
    }

    fn set_dead(&mut self) {
        self.dead = true;
    }

    pub(super) fn control(&mut self, op: &Op) -> Result<()> {
        // Entering a block or loop, or leaving one by falling through, runs
        // the code in order; any branch may skip or repeat some.
        if !matches!(op, Op::Block(_) | Op::Loop(_) | Op::End) {
            self.end_entry();
        }
        // Control flow may join here: a value's home no longer tells which
        // instruction computed it, nor does the accumulator (forgotten at the
        // end, except where only the code before leads: into a block or an
        // `if`, past a `br_if`; and at a loop head, see below).
        self.last_add = None;
        let here = self.acc_here();
        match op {
            Op::Unreachable => {
                self.enc.emit(Opcode::Unreachable, Nullary {});
                self.set_dead();
            }
            Op::Block(bt) => {
                self.materialize_local_refs();
                self.open(Kind::Block, *bt, false);
                return Ok(());
            }
            Op::Loop(bt) => {
                self.materialize_local_refs();
                let np = self.block_sig(*bt).0.len();
                self.materialize_top(np);
                self.open(Kind::Loop, *bt, false);
                // A local in the accumulator on entry: assume it is there on
                // every branch back too (checked at each, see `back_edge`);
                // not with a check at the head, which a resumed call
                // re-enters without the accumulator.
                // (A copy's destination first: the `local.set` of a counter.)
                let int_acc = self.acc_here().filter(|a| !a.float && self.check.is_none());
                let local = int_acc.and_then(|a| {
                    [a.also, Some(a.slot)].into_iter().flatten().find(|&s| s < self.locals_end)
                });
                if let Some(slot) = local {
                    let id = self.heads.len() as u32;
                    self.heads.push((self.enc.pos(), false));
                    self.ctrls.last_mut().unwrap().acc_head = Some((slot, id));
                    self.acc =
                        Some(Acc { end: self.enc.pos(), slot, also: None, float: false, origin: Some(id) });
                    return Ok(());
                }
            }
            Op::If(bt) => {
                let cond = self.take_cond();
                self.materialize_local_refs();
                let np = self.block_sig(*bt).0.len();
                self.materialize_top(np);
                self.open(Kind::If, *bt, false);
                let pos = self.enc.pos();
                let f = self.jump_if(&cond, false);
                self.keep_acc(pos, None);
                self.ctrls.last_mut().unwrap().else_fixup = Some(f);
                return Ok(());
            }
            Op::Else => {
                let live = !self.dead;
                let nres = self.ctrls.last().unwrap().results.len();
                if live {
                    self.materialize_top(nres);
                    let f = self.jump(Opcode::Br, None);
                    self.ctrls.last_mut().unwrap().fixups.push(f);
                }
                let pos = self.enc.pos();
                let c = self.ctrls.last_mut().unwrap();
                c.kind = Kind::Else;
                let ef = c.else_fixup.take();
                let (height, base_home, params) = (c.height, c.base_home, c.params.clone());
                if let Some(f) = ef {
                    self.patch(f, pos);
                }
                self.stack.truncate(height);
                let mut home = base_home;
                for t in params {
                    self.stack.push(Entry { val: Val::Slot(home), ty: t, home });
                    home += t.slots();
                }
                self.dead = false;
            }
            Op::End => self.end(),
            Op::Br(d) => {
                self.branch(*d, here);
                self.set_dead();
            }
            Op::BrIf(d) => {
                self.br_if(*d);
                return Ok(());
            }
            Op::BrTable { targets, default } => self.br_table(targets, *default, here),
            Op::Return => {
                self.emit_return();
                self.set_dead();
            }
            _ => unreachable!("not a control instruction"),
        }
        self.acc = None;
        Ok(())
    }

    fn end(&mut self) {
        let live = !self.dead;
        let c = self.ctrls.last().unwrap();
        let (kind, nres) = (c.kind, c.results.len());
        if kind == Kind::Func {
            if live {
                self.emit_return();
            }
            self.ctrls.pop();
            self.dead = true;
            return;
        }
        if live {
            self.materialize_top(nres);
        }
        let pos = self.enc.pos();
        let c = self.ctrls.pop().unwrap();
        if let Some((at, count)) = c.fuel_at {
            let amount = (self.enc.count() - count).max(1) as u32;
            self.enc.patch_u32(at + crate::ir::field(std::mem::offset_of!(Fuel, amount)), amount);
        }
        let mut reachable = live || !c.fixups.is_empty();
        if let Some(f) = c.else_fixup {
            // An `if` without `else`: the false path falls through to here.
            self.patch(f, pos);
            reachable = true;
        }
        for f in &c.fixups {
            self.patch(*f, pos);
        }
        self.stack.truncate(c.height);
        let mut home = c.base_home;
        for &t in &c.results {
            self.stack.push(Entry { val: Val::Slot(home), ty: t, home });
            home += t.slots();
        }
        self.max_slot = self.max_slot.max(home);
        self.dead = !reachable;
    }

    /// `br_if`: the accumulator survives the branch not taken.
    fn br_if(&mut self, depth: u32) {
        let cond = self.take_cond();
        let (n, dest, is_func, head) = self.label(depth);
        let pos = self.enc.pos();
        if !is_func && self.in_place(n, dest) {
            let here = self.acc_here();
            let f = self.jump_if(&cond, true);
            self.keep_acc(pos, None);
            self.link(depth, f, head, here);
        } else {
            let skip = self.jump_if(&cond, false);
            self.keep_acc(pos, None);
            self.branch(depth, self.acc_here());
            let pos = self.enc.pos();
            self.patch(skip, pos);
            self.acc = None;
        }
    }

    fn br_table(&mut self, targets: &[u32], default: u32, here: Option<Acc>) {
        let index = self.pop();
        let index = self.slot_of(index);
        let op = self.with_acc(Opcode::BrTable, index, ValType::I32);
        let pos = self.enc.emit(op, JumpTable { index, len: U32(targets.len() as u32) });
        let base = pos + op.size();
        let table_at = self.enc.emit_zeros(targets.len() + 1);
        // Each distinct label gets one entry point: the label itself when no
        // copies are needed, else a stub (copies + jump) after the table.
        let mut entry_of: smallvec::SmallVec<[(u32, usize); 4]> = Default::default();
        for (i, d) in targets.iter().copied().chain(std::iter::once(default)).enumerate() {
            let f = Fixup { at: table_at + 4 * i, base };
            if let Some(&(_, stub)) = entry_of.iter().find(|(dd, _)| *dd == d) {
                self.patch(f, stub);
                continue;
            }
            let (n, dest, is_func, head) = self.label(d);
            if !is_func && self.in_place(n, dest) {
                self.link(d, f, head, here);
            } else {
                let stub = self.enc.pos();
                self.patch(f, stub);
                entry_of.push((d, stub));
                self.branch(d, here);
            }
        }
        self.set_dead();
    }
}
