//! Wasm → register IR, one function at a time, in the same pass as
//! validation: each instruction is type-checked by `validate::FuncValidator`
//! and then lowered here. Files mirror `exec/` by family.
//!
//! The operand stack is simulated at lowering time. Each entry knows its
//! *home* slot (its position: `locals_end` + the slots below it) and where
//! its value is now: already in a slot (its home, or a local after
//! `local.get`) or a constant not yet written anywhere. Instructions read
//! their operands from wherever the values are and write results to the
//! result's home, or straight into a local when a `local.set` follows.
//! Values are *materialized* into their homes only where control flow or a
//! call needs them there.

mod call;
mod control;
mod memory;
mod numeric;
mod simd;
mod table;
mod variable;

use crate::decode::op::{Op, OpReader};
use crate::decode::{Module, ValType};
use crate::error::{Error, Result};
use crate::ir::shapes::*;
use crate::ir::{Encoder, FuncCode, Opcode};
use crate::validate::{FuncValidator, ModuleCtx};

/// Where an operand's value is now.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Val {
    /// In this slot (its home, or a local's slot).
    Slot(u32),
    /// A constant's slot bits, not yet in any slot (never used for v128).
    Const(u64),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    val: Val,
    ty: ValType,
    home: u32,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

/// A fact about the code, recorded while lowering wasm instruction `op`.
#[derive(Clone, Copy, Debug)]
struct Stamped<T> {
    val: T,
    op: u32,
}

/// An integer compare (or `eqz`) that a branch may absorb.
#[derive(Clone, Copy, Debug)]
struct Cmp {
    /// Where the compare instruction starts and ends.
    pos: usize,
    end: usize,
    /// Its result slot.
    dst: u32,
    op: Opcode,
    a: Slot,
    /// The second operand: a slot, an immediate, or none (`eqz`).
    b: CmpRhs,
    /// `a` was in the accumulator when the compare ran (and still is once
    /// the compare is taken back out).
    a_acc: bool,
    /// The accumulator before the compare (again once it is taken back out).
    acc: Option<Acc>,
}

#[derive(Clone, Copy, Debug)]
enum CmpRhs {
    Slot(Slot),
    Imm(u64),
    None,
}

/// An `i32.add a, b` that computed an address.
#[derive(Clone, Copy, Debug)]
struct Add {
    pos: usize,
    end: usize,
    dst: u32,
    a: Slot,
    b: Slot,
    /// The accumulator before the add (again once it is taken back out).
    acc: Option<Acc>,
}

/// What the accumulator holds at code position `end`: the value of `slot`
/// (in the float accumulator when `float`). `origin`: the loop whose head
/// assumed it, if it rests on that assumption (see `Lowerer::heads`).
#[derive(Clone, Copy, Debug)]
struct Acc {
    end: usize,
    slot: u32,
    /// A second slot with the same value (the destination of a copy from
    /// `slot`).
    also: Option<u32>,
    float: bool,
    origin: Option<u32>,
}

impl Acc {
    fn holds(&self, s: u32) -> bool {
        self.slot == s || self.also == Some(s)
    }
}

/// A forward branch to patch: the i32 field at `at` gets `target - base`.
#[derive(Clone, Copy, Debug)]
struct Fixup {
    at: usize,
    base: usize,
}

/// A block's parameter or result types: rarely more than two, so no
/// allocation per block.
type Types = smallvec::SmallVec<[ValType; 2]>;

#[derive(Debug)]
struct Ctrl {
    kind: Kind,
    /// Operand stack length at entry, below the block's parameters.
    height: usize,
    /// Home slot of the first parameter/result.
    base_home: u32,
    params: Types,
    results: Types,
    /// Loop head (the target of branches to a loop).
    head: usize,
    /// Branches to this block's end.
    fixups: smallvec::SmallVec<[Fixup; 4]>,
    /// Loop with a check: the `ConsumeFuel` at its head, patched at `end`
    /// with the body's instruction count, and the count at the head.
    fuel_at: Option<(usize, usize)>,
    /// `if`: the branch to the else arm (or the end), to patch.
    else_fixup: Option<Fixup>,
    /// Loop whose head assumes the accumulator holds this local's slot:
    /// (slot, index in `Lowerer::heads`).
    acc_head: Option<(u32, u32)>,
    /// Opened inside dead code: nothing of it is lowered.
    dead_born: bool,
}

pub(crate) struct Lowerer<'a> {
    enc: Encoder<'a>,
    stack: Vec<Entry>,
    ctrls: Vec<Ctrl>,
    /// Slot of each local (params first); v128 locals take two slots.
    local_slots: Vec<u32>,
    local_types: Vec<ValType>,
    /// Slots of parameters + locals: temporaries start here.
    locals_end: u32,
    results: Vec<ValType>,
    /// Highest slot used + 1.
    max_slot: u32,
    /// Code after `br`/`return`/`unreachable` until the enclosing frame ends.
    dead: bool,
    /// Wasm instructions begun so far: what the facts below are stamped
    /// with, so that one instruction sees what the one before it left
    /// without anything being moved or cleared per instruction.
    ops: u32,
    /// The last emitted instruction, when its result is the top entry: the
    /// byte position of its destination field and where it ends (so a
    /// following `local.set` or `return` can retarget it).
    dst: Option<Stamped<(usize, usize)>>,
    /// The last emitted instruction when it is an integer compare (a
    /// following `br_if`/`if` fuses with it).
    cmp: Option<Stamped<Cmp>>,
    /// The last `i32.add` of two slots (a load or store right after may
    /// absorb it as its address). Valid while nothing else is emitted and
    /// no control instruction intervenes.
    last_add: Option<Add>,
    /// What an accumulator holds (numeric `f64` results go to the float
    /// one; see `exec::numeric::SlotBits`): set by the instruction that
    /// computed it, and kept across instructions that touch neither it nor
    /// its slot (stores, copies, branches not taken).
    acc: Option<Acc>,
    /// Loop heads that assume the integer accumulator holds a local (the
    /// one it held on entry), so that a loop-carried variable need not be
    /// reloaded from its slot: each head's position, and whether a branch
    /// back to it broke the assumption. The `A` forms that rely on a
    /// broken one are turned back into plain forms when the function ends.
    heads: smallvec::SmallVec<[(usize, bool); 8]>,
    /// The check emitted at function entry and loop heads: `ConsumeFuel`
    /// (which also polls the interrupt flag), `CheckInterrupt`, or none.
    check: Option<Opcode>,
    /// From the entry up to the first branch, each declared
    /// local's first access (`READ`, `WRITTEN`, or 0 for none yet), indexed
    /// from the first declared local; then empty. A local written before
    /// anything reads it need not be zeroed when the function is entered.
    entry_access: Vec<u8>,
    /// The end of the local slots a call must zero: known once the entry's
    /// straight-line code ends.
    zero_end: Option<u32>,
    /// Parameters come first among the locals (the caller writes them).
    num_params: u32,
    module: &'a Module,
}

const READ: u8 = 1;
const WRITTEN: u8 = 2;

/// Buffers one function's lowering leaves behind for the next: one per
/// lowering thread, used with one module.
#[derive(Default)]
pub(crate) struct Scratch<'a> {
    validator: Option<FuncValidator<'a>>,
    stack: Vec<Entry>,
    ctrls: Vec<Ctrl>,
    local_slots: Vec<u32>,
    local_types: Vec<ValType>,
    results: Vec<ValType>,
    starts: Vec<(u32, Opcode)>,
    entry_access: Vec<u8>,
}

/// `v`'s allocation, emptied, leaving an empty `Vec` behind.
fn reuse<T>(v: &mut Vec<T>) -> Vec<T> {
    let mut v = std::mem::take(v);
    v.clear();
    v
}

/// Validates and lowers defined function `def` of `module`.
pub(crate) fn lower_func<'a>(
    module: &'a Module,
    vctx: &'a ModuleCtx,
    bytes: &[u8],
    def: u32,
    words: &[usize],
    check: Option<Opcode>,
    scratch: &mut Scratch<'a>,
) -> Result<FuncCode> {
    let func = module.num_imported_funcs + def;
    lower(module, vctx, bytes, def, words, check, scratch).map_err(|e| match e {
        // The reader reports some validation errors without the function.
        Error::Invalid { func: None, offset, message } => {
            Error::Invalid { func: Some(func), offset, message }
        }
        e => e,
    })
}

fn lower<'a>(
    module: &'a Module,
    vctx: &'a ModuleCtx,
    bytes: &[u8],
    def: u32,
    words: &[usize],
    check: Option<Opcode>,
    scratch: &mut Scratch<'a>,
) -> Result<FuncCode> {
    let func = module.num_imported_funcs + def;
    let body = &module.bodies[def as usize];
    let ty =
        module.func_type(func).ok_or_else(|| Error::invalid(Some(func), body.code.start, "unknown type"))?;
    let mut v = match scratch.validator.take() {
        Some(mut v) => {
            v.reset(func, &body.locals)?;
            v
        }
        None => FuncValidator::new(module, vctx, func, &body.locals)?,
    };
    let code =
        bytes.get(body.code.clone()).ok_or_else(|| Error::malformed(body.code.start, "unexpected end"))?;

    let mut local_types = reuse(&mut scratch.local_types);
    local_types.extend_from_slice(ty.params());
    for &(n, t) in &body.locals {
        // The validator has bounded the total; guard memory anyway.
        if local_types.len() + n as usize > 1 << 20 {
            return Err(Error::invalid(Some(func), body.code.start, "too many locals"));
        }
        local_types.extend(std::iter::repeat_n(t, n as usize));
    }
    let mut local_slots = reuse(&mut scratch.local_slots);
    let mut next = 0u32;
    for t in &local_types {
        local_slots.push(next);
        next += t.slots();
    }
    let param_slots: u32 = ty.params().iter().map(|t| t.slots()).sum();
    let num_params = ty.params().len() as u32;
    let mut entry_access = reuse(&mut scratch.entry_access);
    entry_access.resize(local_types.len() - num_params as usize, 0);
    let mut results = reuse(&mut scratch.results);
    results.extend_from_slice(ty.results());
    let mut l = Lowerer {
        // About six IR bytes per code byte: one allocation for most functions.
        enc: Encoder::reusing(words, code.len() * 6, std::mem::take(&mut scratch.starts)),
        stack: reuse(&mut scratch.stack),
        ctrls: reuse(&mut scratch.ctrls),
        local_slots,
        local_types,
        locals_end: next,
        results,
        max_slot: next,
        dead: false,
        ops: 0,
        dst: None,
        cmp: None,
        last_add: None,
        acc: None,
        heads: Default::default(),
        check,
        entry_access,
        zero_end: None,
        num_params,
        module,
    };
    if let Some(op) = check {
        l.enc.emit(op, Fuel { amount: U32(1) });
    }
    l.ctrls.push(Ctrl {
        kind: Kind::Func,
        height: 0,
        base_home: next,
        params: Types::new(),
        results: ty.results().into(),
        head: 0,
        fixups: Default::default(),
        fuel_at: None,
        else_fixup: None,
        acc_head: None,
        dead_born: false,
    });

    let mut reader = OpReader::new(code, body.code.start).with_features(module.features);
    let last_body = def as usize + 1 == module.bodies.len();
    let mut op = Op::Nop;
    while !reader.is_end() {
        let at = reader.offset();
        reader.read_into(&mut op)?;
        // The commonest instructions skip the validator's and the
        // lowering's own dispatch on the instruction.
        match op {
            Op::LocalGet(i) if !l.dead => {
                v.local_get(i, at)?;
                l.begin();
                l.push_local(i);
            }
            Op::I32Const(x) if !l.dead => {
                v.push_at(ValType::I32, at)?;
                l.begin();
                l.push(ValType::I32, Val::Const(x as u32 as u64));
            }
            _ => {
                v.op(&op, at)?;
                l.lower(&op, at)?;
            }
        }
        if l.ctrls.is_empty() {
            break;
        }
    }
    v.finish(reader.offset(), last_body)?;
    if !reader.is_end() {
        return Err(Error::malformed(reader.offset(), "operators remaining after end of function"));
    }
    l.unassume_broken_heads();
    let result_slots: u32 = l.results.iter().map(|t| t.slots()).sum();
    let frame_slots = l.max_slot.max(result_slots);
    let local_slots = l.end_entry() - param_slots;
    let (code, starts) = l.enc.finish_reusable();
    *scratch = Scratch {
        validator: Some(v),
        stack: l.stack,
        ctrls: l.ctrls,
        local_slots: l.local_slots,
        local_types: l.local_types,
        results: l.results,
        starts,
        entry_access: l.entry_access,
    };
    Ok(FuncCode { frame_slots, param_slots, local_slots, code })
}

impl<'a> Lowerer<'a> {
    /// Lowers one validated instruction.
    fn lower(&mut self, op: &Op, at: usize) -> Result<()> {
        self.begin();
        if self.dead {
            return self.lower_dead(op);
        }
        match op {
            Op::Nop => Ok(()),
            Op::Unreachable
            | Op::Block(_)
            | Op::Loop(_)
            | Op::If(_)
            | Op::Else
            | Op::End
            | Op::Br(_)
            | Op::BrIf(_)
            | Op::BrTable { .. }
            | Op::Return => self.control(op),
            Op::Call(_) | Op::CallIndirect { .. } => self.call(op),
            Op::Drop => {
                self.pop();
                Ok(())
            }
            Op::Select | Op::SelectTyped(_) => self.select(),
            Op::LocalGet(_) | Op::LocalSet(_) | Op::LocalTee(_) => self.local(op),
            Op::GlobalGet(_) | Op::GlobalSet(_) => self.global(op),
            Op::I32Const(x) => self.push_const(ValType::I32, *x as u32 as u64),
            Op::I64Const(x) => self.push_const(ValType::I64, *x as u64),
            Op::F32Const(x) => self.push_const(ValType::F32, *x as u64),
            Op::F64Const(x) => self.push_const(ValType::F64, *x),
            _ => {
                if self.numeric(op)? || self.memory(op)? || self.table(op)? || self.simd(op)? {
                    Ok(())
                } else {
                    Err(Error::other(format!(
                        "function at byte offset {at:#x}: `{}` is not supported yet",
                        op.name()
                    )))
                }
            }
        }
    }

    /// Starts a wasm instruction: facts stamped so far become the previous
    /// instruction's (see `by_prev`).
    #[inline(always)]
    fn begin(&mut self) {
        self.ops = self.ops.wrapping_add(1);
    }

    /// `fact` if the previous wasm instruction recorded it.
    fn by_prev<T: Copy>(&self, fact: Option<Stamped<T>>) -> Option<T> {
        fact.filter(|f| f.op.wrapping_add(1) == self.ops).map(|f| f.val)
    }

    /// Stamps `val` as recorded by the current instruction.
    fn stamp<T>(&self, val: T) -> Option<Stamped<T>> {
        Some(Stamped { val, op: self.ops })
    }

    /// Notes an access to local `i` in the entry's straight-line code.
    #[inline(always)]
    fn touch_local(&mut self, i: u32, access: u8) {
        if let Some(first) =
            i.checked_sub(self.num_params).and_then(|d| self.entry_access.get_mut(d as usize))
        {
            if *first == 0 {
                *first = access;
            }
        }
    }

    /// The entry's straight-line code ends (at a branch, or the function's
    /// end): locals not surely written by then are zeroed on entry. Returns
    /// the end of the slots to zero.
    fn end_entry(&mut self) -> u32 {
        if let Some(end) = self.zero_end {
            return end;
        }
        let first_local = self.num_params as usize;
        let end = match self.entry_access.iter().rposition(|&a| a != WRITTEN) {
            Some(d) => {
                let i = first_local + d;
                self.local_slots[i] + self.local_types[i].slots()
            }
            // Nothing to zero: the declared locals start here.
            None => self.local_slots.get(first_local).copied().unwrap_or(self.locals_end),
        };
        self.zero_end = Some(end);
        self.entry_access.clear();
        end
    }

    // ---- the simulated operand stack ----

    fn next_home(&self) -> u32 {
        match self.stack.last() {
            Some(e) => e.home + e.ty.slots(),
            None => self.locals_end,
        }
    }

    fn push(&mut self, ty: ValType, val: Val) -> u32 {
        let home = self.next_home();
        self.max_slot = self.max_slot.max(home + ty.slots());
        self.stack.push(Entry { val, ty, home });
        home
    }

    fn push_const(&mut self, ty: ValType, bits: u64) -> Result<()> {
        self.push(ty, Val::Const(bits));
        Ok(())
    }

    /// Pushes the result of an instruction about to be emitted; returns its
    /// home (the destination slot).
    fn push_result(&mut self, ty: ValType) -> u32 {
        let home = self.next_home();
        self.push(ty, Val::Slot(home))
    }

    fn pop(&mut self) -> Entry {
        // Validation guarantees the operand exists in live code.
        self.stack.pop().expect("validated operand stack")
    }

    /// Emits an instruction whose result (the top entry) is at the field
    /// `dst_field`, remembering it for `local.set` retargeting.
    fn emit_result<S: Shape>(&mut self, op: Opcode, s: S, dst_field: usize) -> usize {
        let pos = self.enc.emit(op, s);
        self.dst = self.stamp((pos + crate::ir::field(dst_field), self.enc.pos()));
        pos
    }

    /// The destination field of the previous instruction if it computed the
    /// top entry into its home and nothing was emitted since.
    fn retargetable(&self) -> Option<usize> {
        let (at, end) = self.by_prev(self.dst)?;
        let e = self.stack.last()?;
        (end == self.enc.pos() && e.val == Val::Slot(e.home) && self.enc.read_u32(at) == e.home).then_some(at)
    }

    /// Notes that the instruction just emitted left its result, also in slot
    /// `slot`, in the accumulator (the float one when `float`).
    fn note_acc(&mut self, slot: u32, float: bool) {
        self.acc = Some(Acc { end: self.enc.pos(), slot, also: None, float, origin: None });
    }

    /// The accumulator here (nothing emitted since it was set or kept).
    fn acc_here(&self) -> Option<Acc> {
        self.acc.filter(|a| a.end == self.enc.pos())
    }

    /// Whether `s` is the value of the accumulator an `A` form reads for an
    /// operand of type `ty`.
    fn in_acc(&self, s: Slot, ty: ValType) -> bool {
        self.acc_here().is_some_and(|a| a.holds(s.0) && a.float == (ty == ValType::F64))
    }

    /// `op`, or its `A` form when its first operand `a` (of type `ty`) is in
    /// the accumulator.
    fn with_acc(&self, op: Opcode, a: Slot, ty: ValType) -> Opcode {
        match op.acc_form() {
            Some(acc) if self.in_acc(a, ty) => acc,
            _ => op,
        }
    }

    /// Keeps the accumulator across the instruction just emitted at `pos`,
    /// which touches neither accumulator (see `Opcode::keeps_acc`) and writes slot
    /// `wrote` if any.
    fn keep_acc(&mut self, pos: usize, wrote: Option<u32>) {
        if let Some(a) = &mut self.acc {
            if a.end != pos {
                return;
            }
            if wrote == Some(a.slot) {
                match a.also.take() {
                    Some(s) => a.slot = s,
                    None => return,
                }
            } else if wrote == a.also {
                a.also = None;
            }
            a.end = self.enc.pos();
        }
    }

    /// Removes the code from `pos` on, which began with an instruction
    /// emitted when the accumulator was `acc`.
    fn take_back(&mut self, pos: usize, acc: Option<Acc>) {
        self.enc.truncate(pos);
        self.acc = acc;
    }

    /// Checks a branch back to the loop `depth` out: if its head assumes the
    /// accumulator holds a local, it must hold it here too.
    fn back_edge(&mut self, depth: u32, here: Option<Acc>) {
        let c = &self.ctrls[self.ctrls.len() - 1 - depth as usize];
        if let Some((slot, head)) = c.acc_head {
            let holds = here.is_some_and(|a| a.holds(slot) && !a.float && a.origin.is_none_or(|o| o == head));
            if !holds {
                self.heads[head as usize].1 = true;
            }
        }
    }

    /// Where a broken head assumption was relied on, plain forms again.
    fn unassume_broken_heads(&mut self) {
        for i in 0..self.heads.len() {
            let (head, broken) = self.heads[i];
            if broken {
                // Its facts reach only as far as instructions that keep the
                // accumulator: rewrite up to the first that sets it.
                self.enc.rewrite_from(head, |op| (op.base_form().unwrap_or(op), op.keeps_acc()));
            }
        }
    }

    /// The `i32.add` that just computed `e` (into its home), taken back out of
    /// the code so the caller can fuse it.
    fn take_add(&mut self, e: Entry) -> Option<Add> {
        let add = self.last_add?;
        if add.end != self.enc.pos() || e.val != Val::Slot(add.dst) || e.home != add.dst {
            return None;
        }
        self.take_back(add.pos, add.acc);
        self.last_add = None;
        Some(add)
    }

    /// The slot holding `e`'s value, writing a constant to its home first.
    fn slot_of(&mut self, e: Entry) -> Slot {
        match e.val {
            Val::Slot(s) => Slot(s),
            Val::Const(bits) => {
                self.emit_const(e.home, bits);
                Slot(e.home)
            }
        }
    }

    /// Makes stack entry `i` hold its value in its home slot.
    fn materialize(&mut self, i: usize) {
        let e = self.stack[i];
        match e.val {
            Val::Slot(s) if s == e.home => {}
            Val::Slot(s) => self.emit_copy(e.ty, e.home, s),
            Val::Const(bits) => self.emit_const(e.home, bits),
        }
        self.stack[i].val = Val::Slot(e.home);
    }

    /// Copies slot `src` (a value of type `ty`) to `dst`, keeping the
    /// accumulator unless it stood for `dst`.
    fn emit_copy(&mut self, ty: ValType, dst: u32, src: u32) {
        if ty == ValType::V128 {
            self.enc.emit(Opcode::Copy128, Un { dst: Slot(dst), src: Slot(src) });
        } else {
            // The accumulator holds exactly the bits of its slots.
            let from_acc = self.acc_here().filter(|a| a.holds(src));
            let op = match from_acc {
                Some(a) if a.float => Opcode::F64CopyA,
                Some(_) => Opcode::CopyA,
                None => Opcode::Copy,
            };
            let pos = self.enc.emit(op, Un { dst: Slot(dst), src: Slot(src) });
            self.keep_acc(pos, Some(dst));
            if from_acc.is_some() {
                // `dst` now holds the accumulator's value too.
                if let Some(a) = self.acc.as_mut().filter(|a| a.end == self.enc.pos()) {
                    if a.slot != dst {
                        a.also = Some(dst);
                    }
                }
            }
        }
    }

    /// Writes constant slot bits to `dst`, the same way.
    fn emit_const(&mut self, dst: u32, bits: u64) {
        let pos = self.enc.emit(Opcode::Const, Const { dst: Slot(dst), imm: Imm(bits) });
        self.keep_acc(pos, Some(dst));
    }

    /// Materializes every entry that reads a local: done where control flow
    /// splits or merges, so that a later `local.set` never has to fix up an
    /// entry outside straight-line code.
    fn materialize_local_refs(&mut self) {
        for i in 0..self.stack.len() {
            if let Val::Slot(s) = self.stack[i].val {
                if s < self.locals_end {
                    self.materialize(i);
                }
            }
        }
    }

    /// Materializes the top `n` entries.
    fn materialize_top(&mut self, n: usize) {
        let len = self.stack.len();
        for i in len - n..len {
            self.materialize(i);
        }
    }
}
