//! Wires every `wasi_snapshot_preview1` function onto a `Linker`: each
//! host function borrows the caller's `memory` and the `WasiCtx` and maps
//! the outcome to an errno. Behaviour lives in the sibling files.

use super::errno::WasiResult;
use super::mem::GuestMem;
use super::{clock, exit_error, fd, path, proc, WasiCtx};
use crate::error::{Error, Result};
use crate::{Caller, FuncType, Linker, Val, ValType};

const MODULE: &str = "wasi_snapshot_preview1";

/// Runs `f` with the WASI context and the caller's memory. The context is
/// moved out of the store's data for the call (the memory borrows the
/// store too) and put back afterwards.
fn with_ctx<T>(
    caller: &mut Caller<'_, T>,
    get: &impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMem) -> WasiResult<()>,
) -> Result<i32> {
    // Memory 0 of the caller: its exported `memory`, or the memory a shared
    // library imports (and does not export).
    let Some(memory) = caller.memory() else {
        return Err(Error::other("wasi: the calling module has no memory"));
    };
    let mut ctx = std::mem::take(get(caller.data_mut()));
    let result = f(&mut ctx, &mut GuestMem(memory.data_mut(caller)));
    *get(caller.data_mut()) = ctx;
    Ok(match result {
        Ok(()) => 0,
        Err(errno) => errno as i32,
    })
}

macro_rules! define {
    ($linker:ident, $get:ident; $($family:ident::$name:ident($($arg:ident: $t:ty),*);)*) => {$(
        $linker.func_wrap(MODULE, stringify!($name), move |mut caller: Caller<'_, T>, $($arg: $t),*| -> Result<i32> {
            with_ctx(&mut caller, &$get, |ctx, mem| $family::$name(ctx, mem, $($arg),*))
        })?;
    )*};
}

/// Defines the whole of `wasi_snapshot_preview1` on `linker`; `get` finds
/// the [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> Result<()> {
    define! { linker, get;
        proc::args_get(argv: u32, buf: u32);
        proc::args_sizes_get(count: u32, size: u32);
        proc::environ_get(environ: u32, buf: u32);
        proc::environ_sizes_get(count: u32, size: u32);
        proc::random_get(buf: u32, len: u32);
        proc::sched_yield();
        proc::proc_raise(sig: u32);
        proc::sock_accept(fd: u32, flags: u32, new_fd: u32);
        proc::sock_recv(fd: u32, iovs: u32, count: u32, flags: u32, nread: u32, oflags: u32);
        proc::sock_send(fd: u32, iovs: u32, count: u32, flags: u32, nwritten: u32);
        proc::sock_shutdown(fd: u32, how: u32);
        clock::clock_res_get(id: u32, res: u32);
        clock::clock_time_get(id: u32, precision: u64, time: u32);
        clock::poll_oneoff(subs: u32, events: u32, count: u32, nevents: u32);
        fd::fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
        fd::fd_allocate(fd: u32, offset: u64, len: u64);
        fd::fd_close(fd: u32);
        fd::fd_datasync(fd: u32);
        fd::fd_fdstat_get(fd: u32, buf: u32);
        fd::fd_fdstat_set_flags(fd: u32, flags: u32);
        fd::fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
        fd::fd_filestat_get(fd: u32, buf: u32);
        fd::fd_filestat_set_size(fd: u32, size: u64);
        fd::fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32);
        fd::fd_pread(fd: u32, iovs: u32, count: u32, offset: u64, nread: u32);
        fd::fd_prestat_get(fd: u32, buf: u32);
        fd::fd_prestat_dir_name(fd: u32, path: u32, len: u32);
        fd::fd_pwrite(fd: u32, iovs: u32, count: u32, offset: u64, nwritten: u32);
        fd::fd_read(fd: u32, iovs: u32, count: u32, nread: u32);
        fd::fd_readdir(fd: u32, buf: u32, len: u32, cookie: u64, bufused: u32);
        fd::fd_renumber(fd: u32, to: u32);
        fd::fd_seek(fd: u32, offset: i64, whence: u32, newoffset: u32);
        fd::fd_sync(fd: u32);
        fd::fd_tell(fd: u32, offset: u32);
        fd::fd_write(fd: u32, iovs: u32, count: u32, nwritten: u32);
        path::path_create_directory(fd: u32, path: u32, len: u32);
        path::path_filestat_get(fd: u32, flags: u32, path: u32, len: u32, buf: u32);
        path::path_filestat_set_times(fd: u32, flags: u32, path: u32, len: u32, atim: u64, mtim: u64, fst: u32);
        path::path_link(old_fd: u32, old_flags: u32, old: u32, old_len: u32, new_fd: u32, new: u32, new_len: u32);
        path::path_readlink(fd: u32, path: u32, len: u32, buf: u32, buf_len: u32, bufused: u32);
        path::path_remove_directory(fd: u32, path: u32, len: u32);
        path::path_rename(fd: u32, old: u32, old_len: u32, new_fd: u32, new: u32, new_len: u32);
        path::path_symlink(old: u32, old_len: u32, fd: u32, new: u32, new_len: u32);
        path::path_unlink_file(fd: u32, path: u32, len: u32);
    }

    // `proc_exit` does not return: it ends the call with an exit error.
    linker.func_wrap(MODULE, "proc_exit", |code: u32| -> Result<()> { Err(exit_error(code as i32)) })?;

    // `path_open` has nine parameters, one more than typed closures take.
    use ValType::{I32, I64};
    let ty = FuncType::new([I32, I32, I32, I32, I32, I64, I64, I32, I32], [I32]);
    linker.func_new(
        MODULE,
        "path_open",
        ty,
        move |mut caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
            let arg = |i: usize| match params.get(i) {
                Some(Val::I32(x)) => *x as u32 as u64,
                Some(Val::I64(x)) => *x as u64,
                _ => 0,
            };
            let errno = with_ctx(&mut caller, &get, |ctx, mem| {
                let a32 = |i| arg(i) as u32;
                path::path_open(
                    ctx,
                    mem,
                    a32(0),
                    a32(1),
                    a32(2),
                    a32(3),
                    a32(4),
                    arg(5),
                    arg(6),
                    a32(7),
                    a32(8),
                )
            })?;
            results[0] = Val::I32(errno);
            Ok(())
        },
    )?;
    Ok(())
}
