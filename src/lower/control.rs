//! Blocks, loops, `if`, branches, `br_table`, `return`, `unreachable`.

use super::{Ctrl, Entry, Fixup, Kind, Lowerer, Val};
use crate::decode::op::Op;
use crate::decode::{BlockType, ValType};
use crate::error::Result;
use crate::ir::shapes::*;
use crate::ir::{branch_field, Opcode};

impl Lowerer<'_> {
    fn block_sig(&self, bt: BlockType) -> (Vec<ValType>, Vec<ValType>) {
        match bt {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Value(t) => (Vec::new(), vec![t]),
            BlockType::Func(i) => {
                let t = &self.module.types[i as usize];
                (t.params().to_vec(), t.results().to_vec())
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
            fixups: Vec::new(),
            else_fixup: None,
            dead_born,
        });
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
                Val::Slot(s) => {
                    let op = if e.ty == ValType::V128 { Opcode::Copy128 } else { Opcode::Copy };
                    self.enc.emit(op, Un { dst: Slot(d), src: Slot(s) });
                }
                Val::Const(bits) => {
                    self.enc.emit(Opcode::Const, Const { dst: Slot(d), imm: Imm(bits) });
                }
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

    /// Emits the copies and jump of a taken branch to label `depth`.
    fn branch(&mut self, depth: u32) {
        let (n, dest, is_func, head) = self.label(depth);
        if is_func {
            self.emit_return();
            return;
        }
        self.copy_top_to(n, dest);
        let f = self.jump(Opcode::Br, None);
        match head {
            Some(h) => self.patch(f, h),
            None => {
                let i = self.ctrls.len() - 1 - depth as usize;
                self.ctrls[i].fixups.push(f);
            }
        }
    }

    /// Copies the results into slots `0..` and returns.
    pub(super) fn emit_return(&mut self) {
        let n = self.results.len();
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
        match op {
            Op::Unreachable => {
                self.enc.emit(Opcode::Unreachable, Nullary {});
                self.set_dead();
            }
            Op::Block(bt) => {
                self.materialize_local_refs();
                self.open(Kind::Block, *bt, false);
            }
            Op::Loop(bt) => {
                self.materialize_local_refs();
                let np = self.block_sig(*bt).0.len();
                self.materialize_top(np);
                self.open(Kind::Loop, *bt, false);
            }
            Op::If(bt) => {
                let cond = self.pop();
                let cond = self.slot_of(cond);
                self.materialize_local_refs();
                let np = self.block_sig(*bt).0.len();
                self.materialize_top(np);
                self.open(Kind::If, *bt, false);
                let f = self.jump(Opcode::BrIfEqz, Some(cond));
                self.ctrls.last_mut().unwrap().else_fixup = Some(f);
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
                self.branch(*d);
                self.set_dead();
            }
            Op::BrIf(d) => self.br_if(*d),
            Op::BrTable { targets, default } => self.br_table(targets, *default),
            Op::Return => {
                self.emit_return();
                self.set_dead();
            }
            _ => unreachable!("not a control instruction"),
        }
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

    fn br_if(&mut self, depth: u32) {
        let cond = self.pop();
        let cond = self.slot_of(cond);
        let (n, dest, is_func, head) = self.label(depth);
        if !is_func && self.in_place(n, dest) {
            let f = self.jump(Opcode::BrIfNez, Some(cond));
            match head {
                Some(h) => self.patch(f, h),
                None => {
                    let i = self.ctrls.len() - 1 - depth as usize;
                    self.ctrls[i].fixups.push(f);
                }
            }
        } else {
            let skip = self.jump(Opcode::BrIfEqz, Some(cond));
            self.branch(depth);
            let pos = self.enc.pos();
            self.patch(skip, pos);
        }
    }

    fn br_table(&mut self, targets: &[u32], default: u32) {
        let index = self.pop();
        let index = self.slot_of(index);
        let all: Vec<u32> = targets.iter().copied().chain(std::iter::once(default)).collect();
        let pos = self.enc.emit(Opcode::BrTable, JumpTable { index, len: U32(targets.len() as u32) });
        let base = pos + Opcode::BrTable.size();
        let table_at = self.enc.emit_targets(&vec![0; all.len()]);
        // Each distinct label gets one entry point: the label itself when no
        // copies are needed, else a stub (copies + jump) after the table.
        let mut entry_of: Vec<(u32, usize)> = Vec::new();
        for (i, &d) in all.iter().enumerate() {
            let f = Fixup { at: table_at + 4 * i, base };
            if let Some(&(_, stub)) = entry_of.iter().find(|(dd, _)| *dd == d) {
                self.patch(f, stub);
                continue;
            }
            let (n, dest, is_func, head) = self.label(d);
            if !is_func && self.in_place(n, dest) {
                match head {
                    Some(h) => self.patch(f, h),
                    None => {
                        let ci = self.ctrls.len() - 1 - d as usize;
                        self.ctrls[ci].fixups.push(f);
                    }
                }
            } else {
                let stub = self.enc.pos();
                self.patch(f, stub);
                entry_of.push((d, stub));
                self.branch(d);
            }
        }
        self.set_dead();
    }
}
