//! Operand shapes: the packed operand records that follow an instruction's
//! handler word. Many instructions share one shape (every `i32.add`-like
//! binary op is `BinSS`), so handlers can be generic over the operation.

use super::Opcode;
use std::fmt;

/// A frame slot index (64-bit slots; `v128` uses two adjacent ones).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct Slot(pub u32);

/// A branch offset in bytes, relative to the end of the branch instruction's
/// fixed part (which is where `ip` points while its handler runs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct Target(pub i32);

/// An index into one of the instance's index spaces (function, global,
/// table, type, segment).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct Index(pub u32);

/// A 64-bit immediate: the slot bits of a constant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct Imm(pub u64);

/// A 32-bit immediate (memory offsets, lengths, lane numbers).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct U32(pub u32);

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:+}", self.0)
    }
}
impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}
impl fmt::Display for Imm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v as i64 >= -0xffff && (v as i64) <= 0xffff {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v:#x}")
        }
    }
}
impl fmt::Display for U32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An operand record. `TRAILING` instructions (only `br_table`) are followed
/// by extra data whose length the record knows.
pub trait Shape: Copy + fmt::Display {
    const NAME: &'static str;
    /// Bytes of trailing data after the fixed part (before padding).
    fn trailing_bytes(&self) -> usize {
        0
    }
    /// For the shapes of loads and stores: `f` applied to this shape's
    /// record for the access `o` describes (to another memory than 0).
    /// `None` for every other shape (`f` is not called).
    fn with_mem_n<T>(_o: &MemN, _f: impl FnOnce(Self) -> T) -> Option<T> {
        None
    }
}

macro_rules! shapes {
    ($( $(#[$doc:meta])* $name:ident { $($field:ident : $ty:ident),* } )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug)]
            #[repr(C, packed)]
            pub struct $name { $(pub $field: $ty),* }

            impl fmt::Display for $name {
                #[allow(unused_variables, unused_mut, unused_assignments)]
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    let mut first = true;
                    $(
                        let v = self.$field;
                        if !first { f.write_str(",")?; }
                        first = false;
                        write!(f, " {}={}", stringify!($field), v)?;
                    )*
                    Ok(())
                }
            }
        )*
    };
}

shapes! {
    /// No operands.
    Nullary {}
    /// `dst = op(src)`
    Un { dst: Slot, src: Slot }
    /// `dst = op(a, b)`
    BinSS { dst: Slot, a: Slot, b: Slot }
    /// `dst = op(a, imm)`
    BinSI { dst: Slot, a: Slot, imm: Imm }
    /// `dst = imm`
    Const { dst: Slot, imm: Imm }
    /// `dst = cond != 0 ? a : b`
    Select { dst: Slot, cond: Slot, a: Slot, b: Slot }
    /// Unconditional branch.
    Jump { target: Target }
    /// Branch on a slot's value.
    JumpIf { cond: Slot, target: Target }
    /// Branch when `op(a, b)` holds (a compare fused with its branch).
    JumpCmp { a: Slot, b: Slot, target: Target }
    /// Branch when `op(a, imm)` holds.
    JumpCmpImm { a: Slot, imm: Imm, target: Target }
    /// `br_table`: followed by `len + 1` `i32` targets (the last is the
    /// default), each relative to the end of this fixed part.
    JumpTable { index: Slot, len: U32 }
    /// Call: the callee's frame starts at `base` (arguments are there, and
    /// results come back there).
    Call { func: Index, base: Slot }
    /// Indirect call through `table[index]`, checked against type `ty`.
    CallIndirect { ty: Index, table: Index, index: Slot, base: Slot }
    /// Load `dst = mem[addr + offset]`.
    Load { dst: Slot, addr: Slot, offset: U32 }
    /// Store `mem[addr + offset] = src`.
    Store { addr: Slot, src: Slot, offset: U32 }
    /// Load `dst = mem[(a + b) + offset]` (an `i32.add` fused into the load).
    LoadIdx { dst: Slot, a: Slot, b: Slot, offset: U32 }
    /// Store `mem[(a + b) + offset] = src`.
    StoreIdx { a: Slot, b: Slot, src: Slot, offset: U32 }
    /// Store a constant: `mem[addr + offset] = imm`.
    StoreImm { addr: Slot, offset: U32, imm: Imm }
    /// Store a constant at `(a + b) + offset`.
    StoreImmIdx { a: Slot, b: Slot, offset: U32, imm: Imm }
    /// `dst = global[index]` / `global[index] = dst`.
    Global { slot: Slot, index: Index }
    /// `dst = func_ref(index)`
    RefFunc { dst: Slot, func: Index }
    /// `memory.size` / `table.size`: `dst = size(index)`.
    Size { dst: Slot, index: Index }
    /// `memory.grow` / `table.grow`: `dst = grow(index, delta, init)`.
    Grow { dst: Slot, index: Index, delta: Slot, init: Slot }
    /// Bulk operations over a memory or table: fill, copy, init.
    Bulk { a: Slot, b: Slot, n: Slot, index: Index, index2: Index }
    /// `data.drop` / `elem.drop`.
    Drop { index: Index }
    /// Charge `amount` units of fuel.
    Fuel { amount: U32 }
    /// `table.get`: `dst = table[index][elem]`.
    TableGet { dst: Slot, index: Index, elem: Slot }
    /// `table.set`: `table[index][elem] = src`.
    TableSet { index: Index, elem: Slot, src: Slot }
}

macro_rules! plain_shapes {
    ($($name:ident),*) => { $(impl Shape for $name { const NAME: &'static str = stringify!($name); })* };
}
plain_shapes!(
    Nullary,
    Un,
    BinSS,
    BinSI,
    Const,
    Select,
    Jump,
    JumpIf,
    JumpCmp,
    JumpCmpImm,
    Call,
    CallIndirect,
    LoadIdx,
    StoreIdx,
    StoreImm,
    StoreImmIdx,
    Global,
    RefFunc,
    Size,
    Grow,
    Bulk,
    Drop,
    Fuel,
    TableGet,
    TableSet
);

impl Shape for JumpTable {
    const NAME: &'static str = "JumpTable";
    fn trailing_bytes(&self) -> usize {
        (self.len.0 as usize + 1) * 4
    }
}

// ---- simd ----
shapes! {
    /// `dst = v128(lo | hi << 64)`
    Const128 { dst: Slot, lo: Imm, hi: Imm }
    /// `dst = op(a, b, c)` (v128 operands)
    Tern { dst: Slot, a: Slot, b: Slot, c: Slot }
    /// `i8x16.shuffle`: `lo`/`hi` hold the 16 lane indices, one per byte.
    Shuffle { dst: Slot, a: Slot, b: Slot, lo: Imm, hi: Imm }
    /// `dst = src[lane]`
    Lane { dst: Slot, src: Slot, lane: U32 }
    /// `dst = a` with `a[lane] = b`
    LaneSet { dst: Slot, a: Slot, b: Slot, lane: U32 }
    /// `dst = src` with `src[lane] = mem[addr + offset]`
    LoadLane { dst: Slot, addr: Slot, src: Slot, offset: U32, lane: U32 }
    /// `mem[addr + offset] = src[lane]`
    StoreLane { addr: Slot, src: Slot, offset: U32, lane: U32 }
}
plain_shapes!(Const128, Tern, Shuffle, Lane, LaneSet);

// ---- memories other than 0 (multi-memory) ----

/// The memory-0 instruction whose access an `AccessN` makes (a load or
/// store: its shape is `Load`, `Store`, `LoadLane` or `StoreLane`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct Access(pub Opcode);

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

/// A load or store of memory `mem` (not 0): the access instruction `kind`
/// makes on memory 0, with the operands of `kind`'s shape (the others are
/// unused: `dst` for stores, `src` for plain loads, `lane` unless a lane
/// form).
#[derive(Clone, Copy, Debug)]
#[repr(C, packed)]
pub struct MemN {
    pub kind: Access,
    pub mem: Index,
    pub dst: Slot,
    pub addr: Slot,
    pub src: Slot,
    pub offset: U32,
    pub lane: U32,
}

impl MemN {
    fn load(&self) -> Load {
        Load { dst: self.dst, addr: self.addr, offset: self.offset }
    }
    fn store(&self) -> Store {
        Store { addr: self.addr, src: self.src, offset: self.offset }
    }
    fn load_lane(&self) -> LoadLane {
        LoadLane { dst: self.dst, addr: self.addr, src: self.src, offset: self.offset, lane: self.lane }
    }
    fn store_lane(&self) -> StoreLane {
        StoreLane { addr: self.addr, src: self.src, offset: self.offset, lane: self.lane }
    }
}

impl Shape for MemN {
    const NAME: &'static str = "MemN";
}

/// Prints the memory and the access as `kind` would print it.
impl fmt::Display for MemN {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mem, kind) = (self.mem, self.kind);
        write!(f, " mem={mem} {kind}")?;
        match kind.0.shape_name() {
            Load::NAME => self.load().fmt(f),
            Store::NAME => self.store().fmt(f),
            LoadLane::NAME => self.load_lane().fmt(f),
            StoreLane::NAME => self.store_lane().fmt(f),
            _ => write!(f, " (not an access)"),
        }
    }
}

/// The four shapes of loads and stores, each with its view of a `MemN`.
macro_rules! access_shapes {
    ($($name:ident = $view:ident),*) => {$(
        impl Shape for $name {
            const NAME: &'static str = stringify!($name);
            #[inline(always)]
            fn with_mem_n<T>(o: &MemN, f: impl FnOnce(Self) -> T) -> Option<T> {
                Some(f(o.$view()))
            }
        }
    )*};
}
access_shapes!(Load = load, Store = store, LoadLane = load_lane, StoreLane = store_lane);
