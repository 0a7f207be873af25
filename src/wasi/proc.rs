//! Arguments, environment, randomness, scheduling, signals and sockets:
//! the preview1 functions that touch neither files nor clocks.

use super::errno::{Errno, WasiResult};
use super::mem::GuestMem;
use super::WasiCtx;
use std::io::Read;

/// Writes NUL-terminated strings into `buf` and pointers to them into
/// `ptrs` (the layout of `argv` and `environ`).
fn write_strings(mem: &mut GuestMem, strings: &[Vec<u8>], ptrs: u32, buf: u32) -> WasiResult<()> {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        let slot = ptrs.checked_add(4 * i as u32).ok_or(Errno::Fault)?;
        mem.write_u32(slot, at)?;
        mem.write_bytes(at, s)?;
        at = at.checked_add(s.len() as u32).ok_or(Errno::Fault)?;
    }
    Ok(())
}

fn write_sizes(mem: &mut GuestMem, strings: &[Vec<u8>], count: u32, size: u32) -> WasiResult<()> {
    let total: usize = strings.iter().map(Vec::len).sum();
    mem.write_u32(count, strings.len() as u32)?;
    mem.write_u32(size, u32::try_from(total).map_err(|_| Errno::Overflow)?)
}

pub fn args_get(ctx: &mut WasiCtx, mem: &mut GuestMem, argv: u32, buf: u32) -> WasiResult<()> {
    write_strings(mem, &ctx.args, argv, buf)
}

pub fn args_sizes_get(ctx: &mut WasiCtx, mem: &mut GuestMem, count: u32, size: u32) -> WasiResult<()> {
    write_sizes(mem, &ctx.args, count, size)
}

pub fn environ_get(ctx: &mut WasiCtx, mem: &mut GuestMem, environ: u32, buf: u32) -> WasiResult<()> {
    write_strings(mem, &ctx.env, environ, buf)
}

pub fn environ_sizes_get(ctx: &mut WasiCtx, mem: &mut GuestMem, count: u32, size: u32) -> WasiResult<()> {
    write_sizes(mem, &ctx.env, count, size)
}

/// Fills the buffer from the host's `/dev/urandom` (`EIO` where there is
/// none: weft has no fallback generator).
pub fn random_get(_ctx: &mut WasiCtx, mem: &mut GuestMem, buf: u32, len: u32) -> WasiResult<()> {
    let out = mem.slice_mut(buf, len)?;
    let mut source = std::fs::File::open("/dev/urandom").map_err(|_| Errno::Io)?;
    source.read_exact(out).map_err(|_| Errno::Io)
}

pub fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut GuestMem) -> WasiResult<()> {
    std::thread::yield_now();
    Ok(())
}

/// Signals are not delivered to guests.
pub fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut GuestMem, _sig: u32) -> WasiResult<()> {
    Err(Errno::Nosys)
}

/// weft grants no sockets, so every socket call is `ENOTSUP` (after the
/// descriptor is checked: a closed one is `EBADF`).
fn no_socket(ctx: &WasiCtx, fd: u32) -> WasiResult<()> {
    ctx.fds.get(fd)?;
    Err(Errno::Notsup)
}

pub fn sock_accept(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMem,
    fd: u32,
    _flags: u32,
    _new_fd: u32,
) -> WasiResult<()> {
    no_socket(ctx, fd)
}

#[allow(clippy::too_many_arguments)]
pub fn sock_recv(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMem,
    fd: u32,
    _iovs: u32,
    _count: u32,
    _flags: u32,
    _nread: u32,
    _oflags: u32,
) -> WasiResult<()> {
    no_socket(ctx, fd)
}

pub fn sock_send(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMem,
    fd: u32,
    _iovs: u32,
    _count: u32,
    _flags: u32,
    _nwritten: u32,
) -> WasiResult<()> {
    no_socket(ctx, fd)
}

pub fn sock_shutdown(ctx: &mut WasiCtx, _mem: &mut GuestMem, fd: u32, _how: u32) -> WasiResult<()> {
    no_socket(ctx, fd)
}
