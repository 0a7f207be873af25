//! Table instructions and `ref.func`. References are slot bits: a funcref
//! is the address of its `FuncEntity`, an externref its store index + 1,
//! and 0 is null.

use super::{Ctx, Exit, Regs, Res};
use crate::error::TrapCode;
use crate::ir::shapes::{Bulk, Drop, Grow, RefFunc, Size, TableGet, TableSet};
use crate::runtime::store::TableEntity;

#[inline(always)]
fn oob() -> Exit {
    Exit::trap(TrapCode::TableOutOfBounds)
}

/// Table `index` of the running instance.
///
/// # Safety
/// `index` was validated against the instance's tables.
#[inline(always)]
unsafe fn table<'a>(c: &Ctx, index: u32) -> &'a mut TableEntity {
    unsafe {
        let inst = &*c.instance;
        &mut **inst.tables.get_unchecked(index as usize)
    }
}

fn in_bounds(start: u32, n: u32, limit: usize) -> bool {
    start as u64 + n as u64 <= limit as u64
}

#[inline(always)]
pub(crate) unsafe fn get(o: TableGet, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let t = table(c, o.index.0);
        let i = super::get(r.fp, o.elem) as u32 as usize;
        let v = *t.elems.get(i).ok_or_else(oob)?;
        super::set(r.fp, o.dst, v);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn set(o: TableSet, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let t = table(c, o.index.0);
        let i = super::get(r.fp, o.elem) as u32 as usize;
        let v = super::get(r.fp, o.src);
        *t.elems.get_mut(i).ok_or_else(oob)? = v;
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn size(o: Size, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let n = table(c, o.index.0).elems.len();
        super::set(r.fp, o.dst, n as u64);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn grow(o: Grow, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let delta = super::get(r.fp, o.delta) as u32;
        let init = super::get(r.fp, o.init);
        let result = grow_table(c, o.index.0, delta, init);
        super::set(r.fp, o.dst, result as u64);
    }
    Ok(())
}

/// Grows table `index` (asking the store's resource limiter): the old size,
/// or -1. Out of line and given plain values, like the memory handlers'
/// work.
#[inline(never)]
unsafe fn grow_table(c: &mut Ctx, index: u32, delta: u32, init: u64) -> u32 {
    // SAFETY: `index` was validated against the instance's tables.
    let t = unsafe { table(c, index) };
    t.grow_limited(delta, init, |g| c.growth_allowed(g)).unwrap_or(u32::MAX)
}

#[inline(always)]
pub(crate) unsafe fn fill(o: Bulk, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let t = table(c, o.index.0);
        let (i, v, n) = (super::get(r.fp, o.a) as u32, super::get(r.fp, o.b), super::get(r.fp, o.n) as u32);
        if !in_bounds(i, n, t.elems.len()) {
            return Err(oob());
        }
        t.elems[i as usize..(i + n) as usize].fill(v);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn copy(o: Bulk, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let (d, s, n) =
            (super::get(r.fp, o.a) as u32, super::get(r.fp, o.b) as u32, super::get(r.fp, o.n) as u32);
        let (dt, st) = (o.index.0, o.index2.0);
        let src_len = table(c, st).elems.len();
        let dst_len = table(c, dt).elems.len();
        if !in_bounds(d, n, dst_len) || !in_bounds(s, n, src_len) {
            return Err(oob());
        }
        let (d, s, n) = (d as usize, s as usize, n as usize);
        if dt == st {
            table(c, dt).elems.copy_within(s..s + n, d);
        } else {
            let src: Vec<u64> = table(c, st).elems[s..s + n].to_vec();
            table(c, dt).elems[d..d + n].copy_from_slice(&src);
        }
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn init(o: Bulk, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let (d, s, n) =
            (super::get(r.fp, o.a) as u32, super::get(r.fp, o.b) as u32, super::get(r.fp, o.n) as u32);
        let inst = &*c.instance;
        let seg = &inst.elems[o.index2.0 as usize];
        let t = table(c, o.index.0);
        if !in_bounds(d, n, t.elems.len()) || !in_bounds(s, n, seg.len()) {
            return Err(oob());
        }
        let (d, s, n) = (d as usize, s as usize, n as usize);
        t.elems[d..d + n].copy_from_slice(&seg[s..s + n]);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn elem_drop(o: Drop, _r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe { (&mut (*c.instance).elems)[o.index.0 as usize] = Vec::new() };
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn ref_func(o: RefFunc, r: &mut Regs, c: &mut Ctx) -> Res {
    unsafe {
        let f = {
            let inst = &*c.instance;
            *inst.funcs.get_unchecked(o.func.0 as usize)
        };
        super::set(r.fp, o.dst, f as u64);
    }
    Ok(())
}
