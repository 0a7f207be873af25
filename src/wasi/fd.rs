//! The `fd_*` family: reading, writing, seeking, stat and directory listing
//! on open descriptors. Paths never appear here (see `path.rs`).

use super::abi::{self, fdflags, fstflags, rights};
use super::errno::{Errno, WasiResult};
use super::mem::GuestMem;
use super::table::{filetype_of, DirEntry, Kind};
use super::WasiCtx;
use std::fs::{File, Metadata};
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Reads into each buffer in turn, stopping at the first short read.
fn read_vectored(r: &mut dyn Read, mem: &mut GuestMem, iovs: &[(u32, u32)]) -> WasiResult<u32> {
    let mut total: u32 = 0;
    for &(ptr, len) in iovs {
        let buf = mem.slice_mut(ptr, len)?;
        let n = loop {
            match r.read(buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        total = total.saturating_add(n as u32);
        if n < len as usize {
            break;
        }
    }
    Ok(total)
}

fn write_vectored(w: &mut dyn Write, mem: &GuestMem, iovs: &[(u32, u32)]) -> WasiResult<u32> {
    let mut total: u32 = 0;
    for &(ptr, len) in iovs {
        w.write_all(mem.slice(ptr, len)?)?;
        total = total.saturating_add(len);
    }
    Ok(total)
}

pub fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    iovs: u32,
    count: u32,
    nread: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, count)?;
    let d = ctx.fds.get_mut(fd)?;
    d.check(rights::FD_READ)?;
    let n = match &mut d.kind {
        Kind::File { file, .. } => read_vectored(file, mem, &iovs)?,
        Kind::Reader { stream, .. } => read_vectored(stream.as_mut(), mem, &iovs)?,
        Kind::Dir(_) => return Err(Errno::Isdir),
        Kind::Writer { .. } => return Err(Errno::Badf),
    };
    mem.write_u32(nread, n)
}

pub fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    iovs: u32,
    count: u32,
    nwritten: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, count)?;
    let d = ctx.fds.get_mut(fd)?;
    d.check(rights::FD_WRITE)?;
    let flags = d.flags;
    let n = match &mut d.kind {
        Kind::File { file, .. } => {
            if flags & fdflags::APPEND != 0 {
                file.seek(SeekFrom::End(0))?;
            }
            let n = write_vectored(file, mem, &iovs)?;
            if flags & fdflags::SYNC != 0 {
                file.sync_all()?;
            } else if flags & fdflags::DSYNC != 0 {
                file.sync_data()?;
            }
            n
        }
        Kind::Writer { stream, .. } => {
            let n = write_vectored(stream.as_mut(), mem, &iovs)?;
            stream.flush()?;
            n
        }
        Kind::Dir(_) => return Err(Errno::Isdir),
        Kind::Reader { .. } => return Err(Errno::Badf),
    };
    mem.write_u32(nwritten, n)
}

/// The file behind `fd` for positional I/O: streams cannot seek.
fn file_of(ctx: &mut WasiCtx, fd: u32, needed: u64) -> WasiResult<(&mut File, bool)> {
    let d = ctx.fds.get_mut(fd)?;
    d.check(needed)?;
    match &mut d.kind {
        Kind::File { file, read_only } => Ok((file, *read_only)),
        Kind::Dir(_) => Err(Errno::Isdir),
        Kind::Reader { .. } | Kind::Writer { .. } => Err(Errno::Spipe),
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}
#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}
#[cfg(not(unix))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> std::io::Result<usize> {
    Err(std::io::ErrorKind::Unsupported.into())
}
#[cfg(not(unix))]
fn write_all_at(_: &File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

pub fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    nread: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, count)?;
    let (file, _) = file_of(ctx, fd, rights::FD_READ | rights::FD_SEEK)?;
    let mut total: u32 = 0;
    for (ptr, len) in iovs {
        let at = offset.checked_add(total as u64).ok_or(Errno::Inval)?;
        let n = read_at(file, mem.slice_mut(ptr, len)?, at)?;
        total = total.saturating_add(n as u32);
        if n < len as usize {
            break;
        }
    }
    mem.write_u32(nread, total)
}

pub fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, count)?;
    let (file, _) = file_of(ctx, fd, rights::FD_WRITE | rights::FD_SEEK)?;
    let mut total: u32 = 0;
    for (ptr, len) in iovs {
        let at = offset.checked_add(total as u64).ok_or(Errno::Inval)?;
        write_all_at(file, mem.slice(ptr, len)?, at)?;
        total = total.saturating_add(len);
    }
    mem.write_u32(nwritten, total)
}

pub fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset: u32,
) -> WasiResult<()> {
    let needed =
        if offset == 0 && whence == abi::WHENCE_CUR as u32 { rights::FD_TELL } else { rights::FD_SEEK };
    let (file, _) = file_of(ctx, fd, needed)?;
    let pos = match whence {
        w if w == abi::WHENCE_SET as u32 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
        w if w == abi::WHENCE_CUR as u32 => SeekFrom::Current(offset),
        w if w == abi::WHENCE_END as u32 => SeekFrom::End(offset),
        _ => return Err(Errno::Inval),
    };
    let at = file.seek(pos)?;
    mem.write_u64(newoffset, at)
}

pub fn fd_tell(ctx: &mut WasiCtx, mem: &mut GuestMem, fd: u32, offset: u32) -> WasiResult<()> {
    let (file, _) = file_of(ctx, fd, rights::FD_TELL)?;
    let at = file.stream_position()?;
    mem.write_u64(offset, at)
}

pub fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMem, fd: u32) -> WasiResult<()> {
    ctx.fds.remove(fd).map(drop)
}

pub fn fd_renumber(ctx: &mut WasiCtx, _mem: &mut GuestMem, from: u32, to: u32) -> WasiResult<()> {
    ctx.fds.renumber(from, to)
}

fn sync(ctx: &mut WasiCtx, fd: u32, right: u64, data_only: bool) -> WasiResult<()> {
    let d = ctx.fds.get_mut(fd)?;
    d.check(right)?;
    match &mut d.kind {
        Kind::File { file, .. } if data_only => Ok(file.sync_data()?),
        Kind::File { file, .. } => Ok(file.sync_all()?),
        Kind::Writer { stream, .. } => Ok(stream.flush()?),
        Kind::Dir(_) => Ok(()),
        Kind::Reader { .. } => Err(Errno::Inval),
    }
}

pub fn fd_sync(ctx: &mut WasiCtx, _mem: &mut GuestMem, fd: u32) -> WasiResult<()> {
    sync(ctx, fd, rights::FD_SYNC, false)
}

pub fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut GuestMem, fd: u32) -> WasiResult<()> {
    sync(ctx, fd, rights::FD_DATASYNC, true)
}

pub fn fd_advise(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMem,
    fd: u32,
    _offset: u64,
    _len: u64,
    advice: u32,
) -> WasiResult<()> {
    if advice > 5 {
        return Err(Errno::Inval);
    }
    // Advice is only a hint; the host's defaults stand.
    file_of(ctx, fd, rights::FD_ADVISE).map(drop)
}

pub fn fd_allocate(ctx: &mut WasiCtx, _mem: &mut GuestMem, fd: u32, offset: u64, len: u64) -> WasiResult<()> {
    let (file, read_only) = file_of(ctx, fd, rights::FD_ALLOCATE)?;
    if read_only {
        return Err(Errno::Rofs);
    }
    let end = offset.checked_add(len).filter(|&e| e <= i64::MAX as u64).ok_or(Errno::Fbig)?;
    if file.metadata()?.len() < end {
        file.set_len(end)?;
    }
    Ok(())
}

pub fn fd_fdstat_get(ctx: &mut WasiCtx, mem: &mut GuestMem, fd: u32, buf: u32) -> WasiResult<()> {
    let d = ctx.fds.get(fd)?;
    let mut out = [0u8; abi::FDSTAT_SIZE as usize];
    out[0] = d.filetype();
    out[2..4].copy_from_slice(&d.flags.to_le_bytes());
    out[8..16].copy_from_slice(&d.rights_base.to_le_bytes());
    out[16..24].copy_from_slice(&d.rights_inheriting.to_le_bytes());
    mem.write_bytes(buf, &out)
}

pub fn fd_fdstat_set_flags(ctx: &mut WasiCtx, _mem: &mut GuestMem, fd: u32, flags: u32) -> WasiResult<()> {
    let d = ctx.fds.get_mut(fd)?;
    d.check(rights::FD_FDSTAT_SET_FLAGS)?;
    if flags & !(fdflags::ALL as u32) != 0 {
        return Err(Errno::Inval);
    }
    // APPEND and the sync flags are emulated on each write; NONBLOCK and
    // RSYNC are accepted and have no effect on files and host streams.
    d.flags = flags as u16;
    Ok(())
}

pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMem,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult<()> {
    let d = ctx.fds.get_mut(fd)?;
    if base & !d.rights_base != 0 || inheriting & !d.rights_inheriting != 0 {
        return Err(Errno::Notcapable);
    }
    d.rights_base = base;
    d.rights_inheriting = inheriting;
    Ok(())
}

#[cfg(not(unix))]
fn nanos(t: std::io::Result<SystemTime>) -> u64 {
    t.ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Writes a witx `filestat` for `meta` at `ptr`.
pub fn write_filestat(mem: &mut GuestMem, ptr: u32, meta: &Metadata) -> WasiResult<()> {
    #[cfg(unix)]
    let (dev, ino, nlink, atim, mtim, ctim) = {
        use std::os::unix::fs::MetadataExt;
        let ts = |s: i64, ns: i64| (s as u64).wrapping_mul(1_000_000_000).wrapping_add(ns as u64);
        (
            meta.dev(),
            meta.ino(),
            meta.nlink(),
            ts(meta.atime(), meta.atime_nsec()),
            ts(meta.mtime(), meta.mtime_nsec()),
            ts(meta.ctime(), meta.ctime_nsec()),
        )
    };
    #[cfg(not(unix))]
    let (dev, ino, nlink, atim, mtim, ctim) =
        (0, 0, 1, nanos(meta.accessed()), nanos(meta.modified()), nanos(meta.modified()));
    let mut out = [0u8; abi::FILESTAT_SIZE as usize];
    out[0..8].copy_from_slice(&dev.to_le_bytes());
    out[8..16].copy_from_slice(&ino.to_le_bytes());
    out[16] = filetype_of(&meta.file_type());
    out[24..32].copy_from_slice(&nlink.to_le_bytes());
    out[32..40].copy_from_slice(&meta.len().to_le_bytes());
    out[40..48].copy_from_slice(&atim.to_le_bytes());
    out[48..56].copy_from_slice(&mtim.to_le_bytes());
    out[56..64].copy_from_slice(&ctim.to_le_bytes());
    mem.write_bytes(ptr, &out)
}

pub fn fd_filestat_get(ctx: &mut WasiCtx, mem: &mut GuestMem, fd: u32, buf: u32) -> WasiResult<()> {
    let d = ctx.fds.get(fd)?;
    d.check(rights::FD_FILESTAT_GET)?;
    let meta = match &d.kind {
        Kind::File { file, .. } => file.metadata()?,
        Kind::Dir(dir) => std::fs::metadata(dir.host()?)?,
        Kind::Reader { .. } | Kind::Writer { .. } => {
            let mut out = [0u8; abi::FILESTAT_SIZE as usize];
            out[16] = d.filetype();
            out[24] = 1;
            return mem.write_bytes(buf, &out);
        }
    };
    write_filestat(mem, buf, &meta)
}

pub fn fd_filestat_set_size(ctx: &mut WasiCtx, _mem: &mut GuestMem, fd: u32, size: u64) -> WasiResult<()> {
    let (file, read_only) = file_of(ctx, fd, rights::FD_FILESTAT_SET_SIZE)?;
    if read_only {
        return Err(Errno::Rofs);
    }
    if size > i64::MAX as u64 {
        return Err(Errno::Fbig);
    }
    Ok(file.set_len(size)?)
}

/// The new times of a `*_filestat_set_times` call.
pub fn file_times(atim: u64, mtim: u64, flags: u32) -> WasiResult<std::fs::FileTimes> {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    let both = |set, now| flags & set != 0 && flags & now != 0;
    if both(fstflags::ATIM, fstflags::ATIM_NOW) || both(fstflags::MTIM, fstflags::MTIM_NOW) {
        return Err(Errno::Inval);
    }
    if flags & !(fstflags::ATIM | fstflags::ATIM_NOW | fstflags::MTIM | fstflags::MTIM_NOW) != 0 {
        return Err(Errno::Inval);
    }
    let now = SystemTime::now();
    let at = |ns: u64| UNIX_EPOCH + Duration::from_nanos(ns);
    let mut times = std::fs::FileTimes::new();
    if flags & fstflags::ATIM != 0 {
        times = times.set_accessed(at(atim));
    } else if flags & fstflags::ATIM_NOW != 0 {
        times = times.set_accessed(now);
    }
    if flags & fstflags::MTIM != 0 {
        times = times.set_modified(at(mtim));
    } else if flags & fstflags::MTIM_NOW != 0 {
        times = times.set_modified(now);
    }
    Ok(times)
}

pub fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMem,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult<()> {
    let times = file_times(atim, mtim, flags)?;
    let d = ctx.fds.get(fd)?;
    d.check(rights::FD_FILESTAT_SET_TIMES)?;
    match &d.kind {
        Kind::File { read_only: true, .. } => Err(Errno::Rofs),
        Kind::File { file, .. } => Ok(file.set_times(times)?),
        Kind::Dir(dir) if dir.root.read_only => Err(Errno::Rofs),
        Kind::Dir(dir) => Ok(File::open(dir.host()?)?.set_times(times)?),
        Kind::Reader { .. } | Kind::Writer { .. } => Err(Errno::Notsup),
    }
}

pub fn fd_prestat_get(ctx: &mut WasiCtx, mem: &mut GuestMem, fd: u32, buf: u32) -> WasiResult<()> {
    let d = ctx.fds.get(fd)?;
    let Kind::Dir(dir) = &d.kind else { return Err(Errno::Badf) };
    let name = dir.preopen.as_ref().ok_or(Errno::Badf)?;
    let mut out = [0u8; 8];
    out[0] = abi::PREOPENTYPE_DIR;
    out[4..].copy_from_slice(&(name.len() as u32).to_le_bytes());
    mem.write_bytes(buf, &out)
}

pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let d = ctx.fds.get(fd)?;
    let Kind::Dir(dir) = &d.kind else { return Err(Errno::Badf) };
    let name = dir.preopen.as_ref().ok_or(Errno::Badf)?;
    if (len as usize) < name.len() {
        return Err(Errno::Nametoolong);
    }
    mem.write_bytes(path, name.as_bytes())
}

/// `.`, `..` and the directory's entries, sorted by name.
fn list_dir(dir: &super::table::Dir) -> WasiResult<Vec<DirEntry>> {
    let host = dir.host()?;
    let meta = std::fs::metadata(&host)?;
    let parent_ino = if dir.rel.is_empty() {
        ino_of(&meta)
    } else {
        std::fs::metadata(dir.root.join(&dir.rel[..dir.rel.len() - 1])).map(|m| ino_of(&m)).unwrap_or(0)
    };
    let mut out = vec![
        DirEntry { name: b".".to_vec(), ino: ino_of(&meta), filetype: abi::filetype::DIRECTORY },
        DirEntry { name: b"..".to_vec(), ino: parent_ino, filetype: abi::filetype::DIRECTORY },
    ];
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(&host)? {
        let entry = entry?;
        let filetype = entry.file_type().map(|t| filetype_of(&t)).unwrap_or(abi::filetype::UNKNOWN);
        #[cfg(unix)]
        let (name, ino) = {
            use std::os::unix::ffi::OsStrExt;
            use std::os::unix::fs::DirEntryExt;
            (entry.file_name().as_bytes().to_vec(), entry.ino())
        };
        #[cfg(not(unix))]
        let (name, ino) = (entry.file_name().to_string_lossy().into_owned().into_bytes(), 0);
        entries.push(DirEntry { name, ino, filetype });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(entries);
    Ok(out)
}

fn ino_of(meta: &Metadata) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::ino(meta)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0
    }
}

pub fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> WasiResult<()> {
    mem.slice(buf, buf_len)?;
    let d = ctx.fds.get_mut(fd)?;
    let Kind::Dir(dir) = &mut d.kind else { return Err(Errno::Notdir) };
    if d.rights_base & rights::FD_READDIR == 0 {
        return Err(Errno::Notcapable);
    }
    if cookie == 0 || dir.listing.is_empty() {
        dir.listing = list_dir(dir)?;
    }
    // Entries are packed head-then-name; the last one is cut off when the
    // buffer is full (a full buffer tells the guest to call again).
    let mut bytes = Vec::new();
    for (i, e) in dir.listing.iter().enumerate().skip(usize::try_from(cookie).unwrap_or(usize::MAX)) {
        if bytes.len() >= buf_len as usize {
            break;
        }
        bytes.extend_from_slice(&(i as u64 + 1).to_le_bytes());
        bytes.extend_from_slice(&e.ino.to_le_bytes());
        bytes.extend_from_slice(&(e.name.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&[e.filetype, 0, 0, 0]);
        bytes.extend_from_slice(&e.name);
    }
    bytes.truncate(buf_len as usize);
    mem.write_bytes(buf, &bytes)?;
    mem.write_u32(bufused, bytes.len() as u32)
}
