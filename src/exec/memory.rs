//! Loads, stores and the memory instructions. Every access is
//! bounds-checked against `len` (no guard pages or signal handlers).

use super::{get, put, set, Ctx, Exit, Regs, Res};
use crate::error::TrapCode;
use crate::ir::shapes::{Bulk, Drop, Grow, Load, LoadIdx, Size, Slot, Store, StoreIdx, StoreImm, U32};

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

#[inline(always)]
pub(crate) unsafe fn load<const N: usize>(
    o: Load,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn([u8; N]) -> u64,
) -> Res {
    unsafe {
        let v = f(read(r, ea(r, o.addr, o.offset))?);
        put(r, o.dst, v);
    }
    Ok(())
}

/// A load whose address is the accumulator.
#[inline(always)]
pub(crate) unsafe fn load_acc<const N: usize>(
    o: Load,
    r: &mut Regs,
    _c: &mut Ctx,
    f: impl Fn([u8; N]) -> u64,
) -> Res {
    unsafe {
        let v = f(read(r, r.acc as u32 as u64 + o.offset.0 as u64)?);
        put(r, o.dst, v);
    }
    Ok(())
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
    unsafe {
        let v = f(read(r, ea_idx(r, o.a, o.b, o.offset))?);
        put(r, o.dst, v);
    }
    Ok(())
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
        let result = grow_mem0(c, delta);
        set(r.fp, o.dst, result as u64);
        c.reload_memory(r);
    }
    Ok(())
}

#[inline(never)]
unsafe fn grow_mem0(c: &mut Ctx, delta: u64) -> u32 {
    // SAFETY: validation guarantees the instance has memory 0.
    unsafe {
        let m = (*c.instance).mem0;
        match (*m).grow_limited(delta, |g| c.growth_allowed(g)) {
            Some(old) => old as u32,
            None => u32::MAX,
        }
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
        copy_at(r.mem, r.len, d, s, n)
    }
}

#[inline(never)]
unsafe fn copy_at(mem: *mut u8, len: usize, d: u32, s: u32, n: u32) -> Res {
    if !in_bounds(d, n, len) || !in_bounds(s, n, len) {
        return Err(oob());
    }
    // SAFETY: both ranges checked above; `copy` allows overlap.
    unsafe { std::ptr::copy(mem.add(s as usize), mem.add(d as usize), n as usize) };
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
