//! Loads, stores and the memory instructions. Every access is
//! bounds-checked against `len` (no guard pages or signal handlers).

use super::{get, put, set, Ctx, Exit, Regs, Res};
use crate::error::TrapCode;
use crate::ir::shapes::*;
use crate::ir::Opcode;
use crate::runtime::memory::LinearMemory;

/// Effective address of `addr + offset` (no overflow in 64 bits).
#[inline(always)]
unsafe fn ea(r: &Regs, addr: Slot, offset: U32) -> u64 {
    unsafe { get(r.fp, addr) as u32 as u64 + offset.0 as u64 }
}

#[inline(always)]
fn oob() -> Exit {
    Exit::trap(TrapCode::MemoryOutOfBounds)
}

/// Reads `N` bytes at address `a`, bounds-checked.
#[inline(always)]
unsafe fn read<const N: usize>(r: &Regs, a: u64) -> Result<[u8; N], Exit> {
    if a + N as u64 > r.len as u64 {
        return Err(oob());
    }
    // SAFETY: `a + N <= len`, and `mem..mem+len` is accessible memory.
    Ok(unsafe { std::ptr::read_unaligned(r.mem.add(a as usize) as *const [u8; N]) })
}

/// Writes `N` bytes at address `a`, bounds-checked.
#[inline(always)]
unsafe fn write<const N: usize>(r: &Regs, a: u64, bytes: [u8; N]) -> Res {
    if a + N as u64 > r.len as u64 {
        return Err(oob());
    }
    // SAFETY: `a + N <= len`, and `mem..mem+len` is accessible memory.
    unsafe { std::ptr::write_unaligned(r.mem.add(a as usize) as *mut [u8; N], bytes) };
    Ok(())
}

/// The address `(a + b) + offset`: `a + b` wraps at 32 bits like the
/// `i32.add` it replaces; the offset does not wrap.
#[inline(always)]
unsafe fn ea_idx(r: &Regs, a: Slot, b: Slot, offset: U32) -> u64 {
    unsafe { (get(r.fp, a) as u32).wrapping_add(get(r.fp, b) as u32) as u64 + offset.0 as u64 }
}

/// Loads `N` bytes at `a` into `dst` (and the accumulator), through `f`.
#[inline(always)]
unsafe fn load_to<const N: usize>(r: &mut Regs, dst: Slot, a: u64, f: impl Fn([u8; N]) -> u64) -> Res {
    unsafe { put(r, dst, f(read(r, a)?)) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn load<const N: usize>(
    o: Load,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn([u8; N]) -> u64,
) -> Res {
    unsafe { load_to(r, o.dst, ea(r, o.addr, o.offset), f) }
}

/// A load whose address is the accumulator.
#[inline(always)]
pub(crate) unsafe fn load_acc<const N: usize>(
    o: Load,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn([u8; N]) -> u64,
) -> Res {
    unsafe { load_to(r, o.dst, r.acc as u32 as u64 + o.offset.0 as u64, f) }
}

#[inline(always)]
pub(crate) unsafe fn store<const N: usize>(
    o: Store,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u64) -> [u8; N],
) -> Res {
    unsafe { write(r, ea(r, o.addr, o.offset), f(get(r.fp, o.src))) }
}

/// Load from `(a + b) + offset`.
#[inline(always)]
pub(crate) unsafe fn load_idx<const N: usize>(
    o: LoadIdx,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn([u8; N]) -> u64,
) -> Res {
    unsafe { load_to(r, o.dst, ea_idx(r, o.a, o.b, o.offset), f) }
}

/// Store to `(a + b) + offset`.
#[inline(always)]
pub(crate) unsafe fn store_idx<const N: usize>(
    o: StoreIdx,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u64) -> [u8; N],
) -> Res {
    unsafe { write(r, ea_idx(r, o.a, o.b, o.offset), f(get(r.fp, o.src))) }
}

/// Store of a constant.
#[inline(always)]
pub(crate) unsafe fn store_imm<const N: usize>(
    o: StoreImm,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u64) -> [u8; N],
) -> Res {
    unsafe { write(r, ea(r, o.addr, o.offset), f(o.imm.0)) }
}

/// Store of a constant at `(a + b) + offset`.
#[inline(always)]
pub(crate) unsafe fn store_imm_idx<const N: usize>(
    o: StoreImmIdx,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u64) -> [u8; N],
) -> Res {
    unsafe { write(r, ea_idx(r, o.a, o.b, o.offset), f(o.imm.0)) }
}

// ---- stores with one operand from the accumulator (the result of the
// instruction just before): the value, or for constant stores the address ----

#[inline(always)]
pub(crate) unsafe fn store_acc<const N: usize>(
    o: Store,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u64) -> [u8; N],
) -> Res {
    unsafe { write(r, ea(r, o.addr, o.offset), f(r.acc)) }
}

#[inline(always)]
pub(crate) unsafe fn store_imm_acc<const N: usize>(
    o: StoreImm,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u64) -> [u8; N],
) -> Res {
    unsafe { write(r, r.acc as u32 as u64 + o.offset.0 as u64, f(o.imm.0)) }
}

/// The address `(acc + b) + offset` of an indexed access whose `a` is in
/// the accumulator.
#[inline(always)]
unsafe fn ea_idx_acc(r: &Regs, b: Slot, offset: U32) -> u64 {
    unsafe { (r.acc as u32).wrapping_add(get(r.fp, b) as u32) as u64 + offset.0 as u64 }
}

#[inline(always)]
pub(crate) unsafe fn load_idx_acc<const N: usize>(
    o: LoadIdx,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn([u8; N]) -> u64,
) -> Res {
    unsafe { load_to(r, o.dst, ea_idx_acc(r, o.b, o.offset), f) }
}

#[inline(always)]
pub(crate) unsafe fn store_idx_acc<const N: usize>(
    o: StoreIdx,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u64) -> [u8; N],
) -> Res {
    unsafe { write(r, ea_idx_acc(r, o.b, o.offset), f(get(r.fp, o.src))) }
}

#[inline(always)]
pub(crate) unsafe fn store_imm_idx_acc<const N: usize>(
    o: StoreImmIdx,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn(u64) -> [u8; N],
) -> Res {
    unsafe { write(r, ea_idx_acc(r, o.b, o.offset), f(o.imm.0)) }
}

#[inline(always)]
pub(crate) fn load8s(b: [u8; 1]) -> u64 {
    b[0] as i8 as i64 as u64
}
#[inline(always)]
pub(crate) fn load8u(b: [u8; 1]) -> u64 {
    b[0] as u64
}
#[inline(always)]
pub(crate) fn load16s(b: [u8; 2]) -> u64 {
    i16::from_le_bytes(b) as i64 as u64
}
#[inline(always)]
pub(crate) fn load16u(b: [u8; 2]) -> u64 {
    u16::from_le_bytes(b) as u64
}
#[inline(always)]
pub(crate) fn load32s(b: [u8; 4]) -> u64 {
    i32::from_le_bytes(b) as i64 as u64
}
#[inline(always)]
pub(crate) fn load32u(b: [u8; 4]) -> u64 {
    u32::from_le_bytes(b) as u64
}
#[inline(always)]
pub(crate) fn load64(b: [u8; 8]) -> u64 {
    u64::from_le_bytes(b)
}
#[inline(always)]
pub(crate) fn store8(v: u64) -> [u8; 1] {
    [v as u8]
}
#[inline(always)]
pub(crate) fn store16(v: u64) -> [u8; 2] {
    (v as u16).to_le_bytes()
}
#[inline(always)]
pub(crate) fn store32(v: u64) -> [u8; 4] {
    (v as u32).to_le_bytes()
}
#[inline(always)]
pub(crate) fn store64(v: u64) -> [u8; 8] {
    v.to_le_bytes()
}

#[inline(always)]
pub(crate) unsafe fn size(o: Size, r: &mut Regs, _c: &mut Ctx) -> Res {
    unsafe { set(r.fp, o.dst, (r.len / 65536) as u64) };
    Ok(())
}

// The bulk handlers below stay inlined into their threaded handler, and
// pass plain values (never `r`) to the out-of-line work: a handler whose
// register struct escapes cannot end in a sibling call.

#[inline(always)]
pub(crate) unsafe fn grow(o: Grow, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let delta = get(r.fp, o.delta) as u32 as u64;
        // SAFETY: validation guarantees the instance has memory 0.
        let m = (*c.instance).mem0;
        let result = grow_memory(c, m, delta);
        set(r.fp, o.dst, result as u64);
        c.reload_memory(r);
    }
    Ok(())
}

/// `memory.grow` of `m`: the old size in pages, or -1.
///
/// # Safety
/// `m` is a live memory of the running store.
#[inline(never)]
unsafe fn grow_memory(c: &mut Ctx, m: *mut LinearMemory, delta: u64) -> u32 {
    // SAFETY: the caller guarantees `m` is live.
    match unsafe { (*m).grow_limited(delta, |g| c.growth_allowed(g)) } {
        Some(old) => old as u32,
        None => u32::MAX,
    }
}

/// Checks `start + n <= limit` for 32-bit operands.
#[inline(always)]
fn in_bounds(start: u32, n: u32, limit: usize) -> bool {
    start as u64 + n as u64 <= limit as u64
}

#[inline(always)]
pub(crate) unsafe fn fill(o: Bulk, r: &mut Regs, _c: &mut Ctx) -> Res {
    unsafe {
        let (d, v, n) = (get(r.fp, o.a) as u32, get(r.fp, o.b) as u8, get(r.fp, o.n) as u32);
        fill_at(r.mem, r.len, d, v, n)
    }
}

#[inline(never)]
unsafe fn fill_at(mem: *mut u8, len: usize, d: u32, v: u8, n: u32) -> Res {
    if !in_bounds(d, n, len) {
        return Err(oob());
    }
    // SAFETY: bounds checked above.
    unsafe { std::ptr::write_bytes(mem.add(d as usize), v, n as usize) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn copy(o: Bulk, r: &mut Regs, _c: &mut Ctx) -> Res {
    unsafe {
        let (d, s, n) = (get(r.fp, o.a) as u32, get(r.fp, o.b) as u32, get(r.fp, o.n) as u32);
        copy_at((r.mem, r.len), (r.mem, r.len), d, s, n)
    }
}

/// Copies `n` bytes from offset `s` of memory `src` to offset `d` of
/// memory `dst` (each a base and a length; they may be one memory).
#[inline(never)]
unsafe fn copy_at(dst: (*mut u8, usize), src: (*mut u8, usize), d: u32, s: u32, n: u32) -> Res {
    if !in_bounds(d, n, dst.1) || !in_bounds(s, n, src.1) {
        return Err(oob());
    }
    // SAFETY: both ranges checked above; `copy` allows overlap.
    unsafe { std::ptr::copy(src.0.add(s as usize), dst.0.add(d as usize), n as usize) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn init(o: Bulk, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let (d, s, n) = (get(r.fp, o.a) as u32, get(r.fp, o.b) as u32, get(r.fp, o.n) as u32);
        init_at(c, o.index.0, r.mem, r.len, d, s, n)
    }
}

#[inline(never)]
unsafe fn init_at(c: &mut Ctx, seg: u32, mem: *mut u8, len: usize, d: u32, s: u32, n: u32) -> Res {
    // SAFETY: the segment index was validated; ranges are checked below.
    unsafe {
        let seg = (*c.instance).data(seg);
        if !in_bounds(d, n, len) || !in_bounds(s, n, seg.len()) {
            return Err(oob());
        }
        // The segment is module bytes, never linear memory: no overlap.
        std::ptr::copy_nonoverlapping(seg.as_ptr().add(s as usize), mem.add(d as usize), n as usize);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn data_drop(o: Drop, _r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe { (*c.instance).drop_data(o.index.0) };
    Ok(())
}

// ---- memories other than 0 (multi-memory) ----
// The registers hold memory 0 only; these handlers find their memory in the
// running instance at every execution. Each reuses the memory-0 code.

/// Memory `index` of the running instance.
///
/// # Safety
/// `index` was validated against the module's memories (the instance holds
/// one per index).
#[inline(always)]
unsafe fn memory_n(c: &Ctx, index: Index) -> *mut LinearMemory {
    unsafe {
        let instance = &*c.instance;
        *instance.memories.get_unchecked(index.0 as usize)
    }
}

/// Base and length of memory `index` (see [`memory_n`]).
#[inline(always)]
unsafe fn base_len(c: &Ctx, index: Index) -> (*mut u8, usize) {
    unsafe {
        let m = memory_n(c, index);
        ((*m).base(), (*m).len())
    }
}

/// A load or store of memory `o.mem`: the handler body of the memory-0
/// instruction `o.kind`, run with memory `o.mem` in the registers. Memory 0
/// is back in them before anything else runs.
#[inline(always)]
pub(crate) unsafe fn access_n(o: MemN, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let mem0 = (r.mem, r.len);
        (r.mem, r.len) = base_len(c, o.mem);
        let res = run_access(o, r, c);
        (r.mem, r.len) = mem0;
        res
    }
}

/// Generates `run_access` from the instruction table: every instruction
/// whose shape is a load's or a store's is a possible `kind` (see
/// `Shape::with_mem_n`), so each memory-0 access has its memory-n form
/// without a second list of them.
macro_rules! gen_access {
    (
        $( $name:ident ( $shape:ident ) = $fam:ident :: $h:ident $( ( $($arg:ident),* ) )? ; )*
        @pairs { $( $pair:ident = $first:ident , $second:ident ; )* }
    ) => {
        /// Runs the handler body of `o.kind` on the operands in `o`.
        #[inline(always)]
        unsafe fn run_access(o: MemN, r: &mut Regs, c: &mut Ctx) -> Res {
            use super::{call, control, memory, numeric, simd, table, variable};
            let done = match o.kind.0 {
                $(Opcode::$name => <$shape as Shape>::with_mem_n(&o, |s| {
                    // SAFETY: as for the memory-0 instruction; the registers
                    // hold a live memory.
                    unsafe { $fam::$h(s, r, c $(, $($fam::$arg),*)?) }
                }),)*
                $(Opcode::$pair => None,)*
            };
            // Lowering only puts loads and stores in `kind`.
            done.unwrap_or(Err(Exit::trap(TrapCode::Unreachable)))
        }
    };
}
crate::ir::for_each_instr!(gen_access);

#[inline(always)]
pub(crate) unsafe fn size_n(o: Size, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe { set(r.fp, o.dst, (base_len(c, o.index).1 / 65536) as u64) };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn grow_n(o: Grow, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let delta = get(r.fp, o.delta) as u32 as u64;
        let m = memory_n(c, o.index);
        let result = grow_memory(c, m, delta);
        set(r.fp, o.dst, result as u64);
        // Memory n may be memory 0 imported again.
        c.reload_memory(r);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn fill_n(o: Bulk, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let (d, v, n) = (get(r.fp, o.a) as u32, get(r.fp, o.b) as u8, get(r.fp, o.n) as u32);
        let (mem, len) = base_len(c, o.index);
        fill_at(mem, len, d, v, n)
    }
}

/// `memory.copy` from memory `index2` to memory `index` (either may be 0).
#[inline(always)]
pub(crate) unsafe fn copy_n(o: Bulk, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let (d, s, n) = (get(r.fp, o.a) as u32, get(r.fp, o.b) as u32, get(r.fp, o.n) as u32);
        copy_at(base_len(c, o.index), base_len(c, o.index2), d, s, n)
    }
}

/// `memory.init` of data segment `index` into memory `index2`.
#[inline(always)]
pub(crate) unsafe fn init_n(o: Bulk, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let (d, s, n) = (get(r.fp, o.a) as u32, get(r.fp, o.b) as u32, get(r.fp, o.n) as u32);
        let (mem, len) = base_len(c, o.index2);
        init_at(c, o.index.0, mem, len, d, s, n)
    }
}
