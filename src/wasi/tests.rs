//! Unit tests of the WASI functions called directly, with a plain byte
//! vector as guest memory: the corners the C fixtures do not reach.

use super::abi::{fdflags, oflags, rights};
use super::errno::Errno;
use super::mem::GuestMem;
use super::{clock, fd, path, WasiCtx, WasiCtxBuilder};
use std::path::PathBuf;

struct Guest {
    ctx: WasiCtx,
    mem: Vec<u8>,
    host: PathBuf,
}

impl Drop for Guest {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.host);
    }
}

/// Scratch memory layout: paths at 1000, results at 0..64, buffers at 2000.
const PATH: u32 = 1000;
const OUT: u32 = 0;
const BUF: u32 = 2000;

impl Guest {
    fn new(tag: &str, read_only: bool) -> Guest {
        let host = std::env::temp_dir().join(format!("weft-wasi-unit-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&host);
        std::fs::create_dir_all(&host).unwrap();
        let ctx = WasiCtxBuilder::new().preopened_dir(&host, "/d", read_only).build().unwrap();
        Guest { ctx, mem: vec![0; 65536], host }
    }
    fn path(&mut self, p: &str) -> u32 {
        self.mem[PATH as usize..PATH as usize + p.len()].copy_from_slice(p.as_bytes());
        p.len() as u32
    }
    fn u32_at(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.mem[at as usize..at as usize + 4].try_into().unwrap())
    }
    fn u64_at(&self, at: u32) -> u64 {
        u64::from_le_bytes(self.mem[at as usize..at as usize + 8].try_into().unwrap())
    }
    fn open(&mut self, p: &str, oflags: u16, rights: u64, fdflags: u16) -> Result<u32, Errno> {
        let len = self.path(p);
        let (ctx, mem) = (&mut self.ctx, &mut GuestMem(&mut self.mem));
        path::path_open(ctx, mem, 3, 1, PATH, len, oflags as u32, rights, 0, fdflags as u32, OUT)?;
        Ok(self.u32_at(OUT))
    }
    fn write(&mut self, fd: u32, data: &[u8]) -> Result<u32, Errno> {
        self.mem[BUF as usize..BUF as usize + data.len()].copy_from_slice(data);
        self.mem[16..20].copy_from_slice(&BUF.to_le_bytes());
        self.mem[20..24].copy_from_slice(&(data.len() as u32).to_le_bytes());
        let (ctx, mem) = (&mut self.ctx, &mut GuestMem(&mut self.mem));
        fd::fd_write(ctx, mem, fd, 16, 1, OUT)?;
        Ok(self.u32_at(OUT))
    }
}

const RW: u64 = rights::FD_READ
    | rights::FD_WRITE
    | rights::FD_SEEK
    | rights::FD_TELL
    | rights::FD_FDSTAT_SET_FLAGS
    | rights::FD_ADVISE;

#[test]
fn open_flags() {
    let mut g = Guest::new("oflags", false);
    std::fs::write(g.host.join("f"), b"0123456789").unwrap();
    std::fs::create_dir(g.host.join("sub")).unwrap();
    assert_eq!(g.open("f", oflags::CREAT | oflags::EXCL, RW, 0), Err(Errno::Exist));
    assert_eq!(g.open("f", oflags::DIRECTORY, RW, 0), Err(Errno::Notdir));
    assert_eq!(g.open("missing", 0, RW, 0), Err(Errno::Noent));
    assert_eq!(g.open("sub", 0, rights::FD_WRITE, 0), Err(Errno::Isdir));
    assert_eq!(g.open("new", oflags::CREAT | oflags::DIRECTORY, RW, 0), Err(Errno::Inval));
    let fd = g.open("f", oflags::TRUNC, RW, 0).unwrap();
    assert_eq!(std::fs::read(g.host.join("f")).unwrap(), b"");
    assert_eq!(g.write(fd, b"abc"), Ok(3));
    // Append is emulated per write, and can be switched on later.
    fd::fd_fdstat_set_flags(&mut g.ctx, &mut GuestMem(&mut g.mem), fd, fdflags::APPEND as u32).unwrap();
    fd::fd_seek(&mut g.ctx, &mut GuestMem(&mut g.mem), fd, 0, 0, OUT).unwrap();
    assert_eq!(g.write(fd, b"def"), Ok(3));
    assert_eq!(std::fs::read(g.host.join("f")).unwrap(), b"abcdef");
    assert_eq!(fd::fd_fdstat_set_flags(&mut g.ctx, &mut GuestMem(&mut g.mem), fd, 0x100), Err(Errno::Inval));
    // The preopen itself cannot be removed, renamed or unlinked.
    let len = g.path(".");
    assert_eq!(
        path::path_remove_directory(&mut g.ctx, &mut GuestMem(&mut g.mem), 3, PATH, len),
        Err(Errno::Busy)
    );
    assert_eq!(
        path::path_unlink_file(&mut g.ctx, &mut GuestMem(&mut g.mem), 3, PATH, len),
        Err(Errno::Isdir)
    );
}

#[test]
fn rights_can_only_shrink_and_are_enforced() {
    let mut g = Guest::new("rights", false);
    let fd = g.open("f", oflags::CREAT, RW, 0).unwrap();
    let m = &mut GuestMem(&mut g.mem);
    assert_eq!(
        fd::fd_fdstat_set_rights(&mut g.ctx, m, fd, RW | rights::SOCK_ACCEPT, 0),
        Err(Errno::Notcapable)
    );
    fd::fd_fdstat_set_rights(&mut g.ctx, m, fd, rights::FD_READ, 0).unwrap();
    assert_eq!(g.write(fd, b"x"), Err(Errno::Notcapable));
    // A read-only file's fdstat reports what is left.
    fd::fd_fdstat_get(&mut g.ctx, &mut GuestMem(&mut g.mem), fd, 100).unwrap();
    assert_eq!(g.mem[100], super::abi::filetype::REGULAR_FILE);
    assert_eq!(g.u64_at(108), rights::FD_READ);
    // Rights a preopen does not pass on are not granted.
    fd::fd_fdstat_set_rights(
        &mut g.ctx,
        &mut GuestMem(&mut g.mem),
        3,
        rights::DIR,
        rights::FD_READ | rights::PATH_OPEN,
    )
    .unwrap();
    let fd = g.open("f", 0, RW, 0).unwrap();
    assert_eq!(g.write(fd, b"x"), Err(Errno::Notcapable));
}

#[test]
fn renumber_and_close() {
    let mut g = Guest::new("renumber", false);
    let a = g.open("a", oflags::CREAT, RW, 0).unwrap();
    let b = g.open("b", oflags::CREAT, RW, 0).unwrap();
    let m = &mut GuestMem(&mut g.mem);
    assert_eq!(fd::fd_renumber(&mut g.ctx, m, a, 77), Err(Errno::Badf));
    fd::fd_renumber(&mut g.ctx, m, a, b).unwrap();
    assert_eq!(fd::fd_close(&mut g.ctx, m, a), Err(Errno::Badf));
    assert_eq!(g.write(b, b"to a"), Ok(4));
    assert_eq!(std::fs::read(g.host.join("a")).unwrap(), b"to a");
    // The lowest free number is reused.
    assert_eq!(g.open("c", oflags::CREAT, RW, 0), Ok(a));
}

#[test]
fn readdir_pages_through_a_small_buffer() {
    let mut g = Guest::new("readdir", false);
    for name in ["alpha", "beta", "gamma", "delta"] {
        std::fs::write(g.host.join(name), b"").unwrap();
    }
    let mut names = Vec::new();
    let mut cookie = 0u64;
    loop {
        // Room for one entry and a bit: forces many calls and cut-off entries.
        fd::fd_readdir(&mut g.ctx, &mut GuestMem(&mut g.mem), 3, BUF, 40, cookie, OUT).unwrap();
        let used = g.u32_at(OUT) as usize;
        let buf = g.mem[BUF as usize..BUF as usize + used].to_vec();
        let mut at = 0;
        while at + 24 <= buf.len() {
            let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
            let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            if at + 24 + namlen > buf.len() {
                break;
            }
            names.push(String::from_utf8(buf[at + 24..at + 24 + namlen].to_vec()).unwrap());
            cookie = next;
            at += 24 + namlen;
        }
        if used < 40 {
            break;
        }
    }
    assert_eq!(names, [".", "..", "alpha", "beta", "delta", "gamma"]);
    assert_eq!(fd::fd_readdir(&mut g.ctx, &mut GuestMem(&mut g.mem), 0, BUF, 40, 0, OUT), Err(Errno::Notdir));
}

#[test]
fn sizes_allocation_and_links() {
    let mut g = Guest::new("sizes", false);
    let fd = g.open("f", oflags::CREAT, RW | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE, 0).unwrap();
    let m = &mut GuestMem(&mut g.mem);
    fd::fd_allocate(&mut g.ctx, m, fd, 10, 90).unwrap();
    assert_eq!(std::fs::metadata(g.host.join("f")).unwrap().len(), 100);
    fd::fd_filestat_set_size(&mut g.ctx, m, fd, 3).unwrap();
    assert_eq!(std::fs::metadata(g.host.join("f")).unwrap().len(), 3);
    assert_eq!(fd::fd_allocate(&mut g.ctx, m, fd, u64::MAX, 2), Err(Errno::Fbig));
    assert_eq!(fd::fd_advise(&mut g.ctx, m, fd, 0, 0, 9), Err(Errno::Inval));
    fd::fd_advise(&mut g.ctx, m, fd, 0, 0, 1).unwrap();
    // readlink truncates to the buffer; the count says how much was written.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("a-long-target", g.host.join("l")).unwrap();
        let len = g.path("l");
        path::path_readlink(&mut g.ctx, &mut GuestMem(&mut g.mem), 3, PATH, len, BUF, 6, OUT).unwrap();
        assert_eq!(g.u32_at(OUT), 6);
        assert_eq!(&g.mem[BUF as usize..BUF as usize + 6], b"a-long");
    }
    // prestat names need a big enough buffer.
    assert_eq!(
        fd::fd_prestat_dir_name(&mut g.ctx, &mut GuestMem(&mut g.mem), 3, BUF, 1),
        Err(Errno::Nametoolong)
    );
    fd::fd_prestat_dir_name(&mut g.ctx, &mut GuestMem(&mut g.mem), 3, BUF, 2).unwrap();
    assert_eq!(&g.mem[BUF as usize..BUF as usize + 2], b"/d");
    assert_eq!(fd::fd_prestat_get(&mut g.ctx, &mut GuestMem(&mut g.mem), fd, OUT), Err(Errno::Badf));
    assert_eq!(fd::fd_prestat_get(&mut g.ctx, &mut GuestMem(&mut g.mem), 4, OUT), Err(Errno::Badf));
}

#[test]
fn read_only_preopens_refuse_every_change() {
    let mut g = Guest::new("ro", true);
    std::fs::write(g.host.join("f"), b"data").unwrap();
    assert_eq!(g.open("f", 0, RW, 0), Err(Errno::Rofs));
    assert_eq!(g.open("f", 0, rights::FD_READ, fdflags::APPEND), Err(Errno::Rofs));
    assert_eq!(g.open("n", oflags::CREAT, rights::FD_READ, 0), Err(Errno::Rofs));
    let fd = g.open("f", oflags::CREAT, rights::FD_READ | rights::FD_FILESTAT_SET_TIMES, 0).unwrap();
    let m = &mut GuestMem(&mut g.mem);
    assert_eq!(fd::fd_filestat_set_times(&mut g.ctx, m, fd, 0, 0, 0b1000), Err(Errno::Rofs));
    let len = g.path("f");
    let m = &mut GuestMem(&mut g.mem);
    assert_eq!(path::path_filestat_set_times(&mut g.ctx, m, 3, 0, PATH, len, 0, 0, 0b1000), Err(Errno::Rofs));
    assert_eq!(path::path_rename(&mut g.ctx, m, 3, PATH, len, 3, PATH, len), Err(Errno::Rofs));
    assert_eq!(path::path_symlink(&mut g.ctx, m, PATH, len, 3, PATH, len), Err(Errno::Rofs));
    assert_eq!(std::fs::read(g.host.join("f")).unwrap(), b"data");
}

#[test]
fn poll_reports_ready_files_at_once() {
    let mut g = Guest::new("poll", false);
    std::fs::write(g.host.join("f"), b"12345").unwrap();
    let fd = g.open("f", 0, rights::FD_READ | rights::POLL_FD_READWRITE, 0).unwrap();
    // Subscription 0: fd_read on the file; 1: a one-hour timer.
    let sub = |mem: &mut Vec<u8>, i: usize, userdata: u64, tag: u8, word: u32, timeout: u64| {
        let at = 100 + i * 48;
        mem[at..at + 8].copy_from_slice(&userdata.to_le_bytes());
        mem[at + 8] = tag;
        mem[at + 16..at + 20].copy_from_slice(&word.to_le_bytes());
        mem[at + 24..at + 32].copy_from_slice(&timeout.to_le_bytes());
    };
    sub(&mut g.mem, 0, 5, 1, fd, 0);
    sub(&mut g.mem, 1, 6, 0, 1, 3_600_000_000_000);
    let start = std::time::Instant::now();
    clock::poll_oneoff(&mut g.ctx, &mut GuestMem(&mut g.mem), 100, 400, 2, OUT).unwrap();
    assert!(start.elapsed().as_secs() < 60);
    assert_eq!(g.u32_at(OUT), 1);
    assert_eq!(g.u64_at(400), 5);
    assert_eq!(g.mem[408], 0);
    assert_eq!(g.mem[410], 1);
    assert_eq!(g.u64_at(416), 5, "bytes left to read");
    // A closed fd is reported in its event, not as the call's error.
    sub(&mut g.mem, 0, 8, 2, 99, 0);
    clock::poll_oneoff(&mut g.ctx, &mut GuestMem(&mut g.mem), 100, 400, 1, OUT).unwrap();
    assert_eq!(u16::from_le_bytes([g.mem[408], g.mem[409]]), Errno::Badf as u16);
    assert_eq!(
        clock::poll_oneoff(&mut g.ctx, &mut GuestMem(&mut g.mem), 100, 400, 0, OUT),
        Err(Errno::Inval)
    );
}
