//! The `path_*` family. Every guest path goes through
//! `sandbox::resolve` before any host call sees it; read-only preopens
//! refuse every change (`EROFS`).

use super::abi::{self, oflags, rights};
use super::errno::{Errno, WasiResult};
use super::fd::{file_times, write_filestat};
use super::mem::GuestMem;
use super::sandbox::{self, Root};
use super::table::{Descriptor, Dir, Kind};
use super::WasiCtx;
use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Arc;

/// A guest path resolved under its directory descriptor.
struct Target {
    root: Arc<Root>,
    rel: Vec<String>,
}

impl Target {
    fn host(&self) -> PathBuf {
        self.root.join(&self.rel)
    }
    fn writable(&self) -> WasiResult<()> {
        if self.root.read_only {
            Err(Errno::Rofs)
        } else {
            Ok(())
        }
    }
}

/// Resolves the guest path at `(ptr, len)` relative to directory `fd`,
/// which must hold `needed`.
fn target(
    ctx: &WasiCtx,
    mem: &GuestMem,
    fd: u32,
    needed: u64,
    ptr: u32,
    len: u32,
    follow: bool,
) -> WasiResult<Target> {
    let path = mem.read_str(ptr, len)?;
    let dir = ctx.fds.dir(fd, needed)?;
    let rel = sandbox::resolve(&dir.root.host, &dir.rel, &path, follow)?;
    Ok(Target { root: dir.root.clone(), rel })
}

fn follows(lookupflags: u32) -> bool {
    lookupflags & abi::LOOKUP_SYMLINK_FOLLOW != 0
}

/// Opening flag that makes the host refuse a final symlink, so a component
/// swapped for a link after the check is not followed.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    any(target_arch = "aarch64", target_arch = "arm")
))]
const O_NOFOLLOW: i32 = 0o100000;
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(target_arch = "aarch64", target_arch = "arm"))
))]
const O_NOFOLLOW: i32 = 0o400000;
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd"
))]
const O_NOFOLLOW: i32 = 0x100;

fn no_follow(opts: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd"
    ))]
    std::os::unix::fs::OpenOptionsExt::custom_flags(opts, O_NOFOLLOW);
    opts
}

#[allow(clippy::too_many_arguments)]
pub fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    lookupflags: u32,
    path: u32,
    path_len: u32,
    oflags: u32,
    rights_base: u64,
    rights_inheriting: u64,
    fdflags: u32,
    opened: u32,
) -> WasiResult<()> {
    let oflags = u16::try_from(oflags).map_err(|_| Errno::Inval)?;
    let fdflags = u16::try_from(fdflags).ok().filter(|f| f & !abi::fdflags::ALL == 0).ok_or(Errno::Inval)?;
    let create = oflags & oflags::CREAT != 0;
    let excl = create && oflags & oflags::EXCL != 0;
    let want_dir = oflags & oflags::DIRECTORY != 0;
    let trunc = oflags & oflags::TRUNC != 0;
    let mut needed = rights::PATH_OPEN;
    if create {
        needed |= rights::PATH_CREATE_FILE;
    }
    if trunc {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    // O_CREAT|O_EXCL never follows a final symlink (it is EEXIST).
    let t = target(ctx, mem, fd, needed, path, path_len, follows(lookupflags) && !excl)?;
    let parent_inheriting = ctx.fds.get(fd)?.rights_inheriting;
    let write = rights_base & rights::WRITE_INTENT != 0 || trunc;
    let host = t.host();
    let existing = match std::fs::symlink_metadata(&host) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let writes = write || fdflags & abi::fdflags::APPEND != 0 || (create && existing.is_none());
    let descriptor = match existing {
        Some(_) if excl => return Err(Errno::Exist),
        Some(m) if m.file_type().is_symlink() => return Err(Errno::Loop),
        Some(m) if m.is_dir() => {
            if write {
                return Err(Errno::Isdir);
            }
            Descriptor {
                kind: Kind::Dir(Dir { root: t.root.clone(), rel: t.rel, preopen: None, listing: Vec::new() }),
                rights_base: rights_base & parent_inheriting & rights::DIR,
                rights_inheriting: rights_inheriting & parent_inheriting,
                flags: fdflags,
            }
        }
        Some(_) if want_dir => return Err(Errno::Notdir),
        None if !create => return Err(Errno::Noent),
        None if want_dir => return Err(Errno::Inval),
        _ => {
            if t.root.read_only && writes {
                return Err(Errno::Rofs);
            }
            if t.rel.is_empty() {
                return Err(Errno::Isdir);
            }
            let mut opts = OpenOptions::new();
            opts.read(rights_base & rights::FD_READ != 0 || !write).write(write);
            if existing.is_none() {
                opts.write(true).create_new(true);
            } else if trunc {
                opts.truncate(true);
            }
            let file = no_follow(&mut opts).open(&host)?;
            Descriptor {
                kind: Kind::File { file, read_only: t.root.read_only },
                rights_base: rights_base & parent_inheriting & rights::FILE,
                rights_inheriting: rights_inheriting & parent_inheriting,
                flags: fdflags,
            }
        }
    };
    let new_fd = ctx.fds.insert(descriptor)?;
    if let Err(e) = mem.write_u32(opened, new_fd) {
        let _ = ctx.fds.remove(new_fd);
        return Err(e);
    }
    Ok(())
}

pub fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let t = target(ctx, mem, fd, rights::PATH_CREATE_DIRECTORY, path, len, false)?;
    t.writable()?;
    Ok(std::fs::create_dir(t.host())?)
}

pub fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let t = target(ctx, mem, fd, rights::PATH_REMOVE_DIRECTORY, path, len, false)?;
    t.writable()?;
    if t.rel.is_empty() {
        // The preopen itself stays.
        return Err(Errno::Busy);
    }
    Ok(std::fs::remove_dir(t.host())?)
}

pub fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let t = target(ctx, mem, fd, rights::PATH_UNLINK_FILE, path, len, false)?;
    t.writable()?;
    if t.rel.is_empty() {
        return Err(Errno::Isdir);
    }
    Ok(std::fs::remove_file(t.host())?)
}

#[allow(clippy::too_many_arguments)]
pub fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    old: u32,
    old_len: u32,
    new_fd: u32,
    new: u32,
    new_len: u32,
) -> WasiResult<()> {
    let from = target(ctx, mem, fd, rights::PATH_RENAME_SOURCE, old, old_len, false)?;
    let to = target(ctx, mem, new_fd, rights::PATH_RENAME_TARGET, new, new_len, false)?;
    from.writable()?;
    to.writable()?;
    if from.rel.is_empty() || to.rel.is_empty() {
        return Err(Errno::Busy);
    }
    Ok(std::fs::rename(from.host(), to.host())?)
}

#[allow(clippy::too_many_arguments)]
pub fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    old_fd: u32,
    old_flags: u32,
    old: u32,
    old_len: u32,
    new_fd: u32,
    new: u32,
    new_len: u32,
) -> WasiResult<()> {
    let from = target(ctx, mem, old_fd, rights::PATH_LINK_SOURCE, old, old_len, follows(old_flags))?;
    let to = target(ctx, mem, new_fd, rights::PATH_LINK_TARGET, new, new_len, false)?;
    // Both sides: a link out of a read-only tree would make it writable.
    from.writable()?;
    to.writable()?;
    if from.rel.is_empty() || to.rel.is_empty() {
        return Err(Errno::Perm);
    }
    Ok(std::fs::hard_link(from.host(), to.host())?)
}

pub fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    old: u32,
    old_len: u32,
    fd: u32,
    new: u32,
    new_len: u32,
) -> WasiResult<()> {
    let contents = mem.read_str(old, old_len)?;
    let t = target(ctx, mem, fd, rights::PATH_SYMLINK, new, new_len, false)?;
    t.writable()?;
    let parent = &t.rel[..t.rel.len().saturating_sub(1)];
    if t.rel.is_empty() || !sandbox::symlink_target_stays_inside(parent, &contents) {
        return Err(Errno::Notcapable);
    }
    #[cfg(unix)]
    {
        Ok(std::os::unix::fs::symlink(&contents, t.host())?)
    }
    #[cfg(not(unix))]
    {
        Err(Errno::Notsup)
    }
}

#[allow(clippy::too_many_arguments)]
pub fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    path: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> WasiResult<()> {
    let t = target(ctx, mem, fd, rights::PATH_READLINK, path, len, false)?;
    let link = std::fs::read_link(t.host())?;
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(link.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = link.to_string_lossy().into_owned().into_bytes();
    let n = bytes.len().min(buf_len as usize);
    mem.write_bytes(buf, &bytes[..n])?;
    mem.write_u32(bufused, n as u32)
}

pub fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    buf: u32,
) -> WasiResult<()> {
    let t = target(ctx, mem, fd, rights::PATH_FILESTAT_GET, path, len, follows(flags))?;
    let meta = std::fs::symlink_metadata(t.host())?;
    write_filestat(mem, buf, &meta)
}

#[allow(clippy::too_many_arguments)]
pub fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult<()> {
    let times = file_times(atim, mtim, fst_flags)?;
    let t = target(ctx, mem, fd, rights::PATH_FILESTAT_SET_TIMES, path, len, follows(flags))?;
    t.writable()?;
    let host = t.host();
    if std::fs::symlink_metadata(&host)?.file_type().is_symlink() {
        // Setting a link's own times needs utimensat(AT_SYMLINK_NOFOLLOW).
        return Err(Errno::Notsup);
    }
    let file = no_follow(OpenOptions::new().read(true)).open(&host)?;
    Ok(file.set_times(times)?)
}
