//! The descriptor table: what a guest fd number stands for (a host file, a
//! directory under a preopen, or a standard stream) and its rights.

use super::abi::{filetype, rights};
use super::errno::{Errno, WasiResult};
use super::sandbox::Root;
use std::fs::File;
use std::io::{Read, Write};
use std::sync::Arc;

/// Most descriptors one context may hold (directories hold no host fd, so
/// the host's own limit would not stop a guest that opens them in a loop).
const MAX_FDS: usize = 1 << 16;

/// A directory: a symlink-free path under a preopen.
pub struct Dir {
    pub root: Arc<Root>,
    pub rel: Vec<String>,
    /// The guest name, when this descriptor is the preopen itself.
    pub preopen: Option<String>,
    /// The listing `fd_readdir` pages through (refreshed at cookie 0).
    pub listing: Vec<DirEntry>,
}

impl Dir {
    /// The host path, after checking it is still symlink-free.
    pub fn host(&self) -> WasiResult<std::path::PathBuf> {
        super::sandbox::check_dir(&self.root.host, &self.rel)?;
        Ok(self.root.join(&self.rel))
    }
}

/// One `fd_readdir` entry.
pub struct DirEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub filetype: u8,
}

pub enum Kind {
    File { file: File, read_only: bool },
    Dir(Dir),
    Reader { stream: Box<dyn Read + Send>, tty: bool },
    Writer { stream: Box<dyn Write + Send>, tty: bool },
}

pub struct Descriptor {
    pub kind: Kind,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    pub flags: u16,
}

impl Descriptor {
    pub fn reader(stream: Box<dyn Read + Send>, tty: bool) -> Self {
        Descriptor {
            kind: Kind::Reader { stream, tty },
            rights_base: rights::STDIO,
            rights_inheriting: 0,
            flags: 0,
        }
    }
    pub fn writer(stream: Box<dyn Write + Send>, tty: bool) -> Self {
        Descriptor {
            kind: Kind::Writer { stream, tty },
            rights_base: rights::STDIO,
            rights_inheriting: 0,
            flags: 0,
        }
    }

    /// `ENOTCAPABLE` unless the descriptor holds every right in `needed`.
    pub fn check(&self, needed: u64) -> WasiResult<()> {
        if self.rights_base & needed == needed {
            Ok(())
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// The witx file type of what the descriptor refers to.
    pub fn filetype(&self) -> u8 {
        match &self.kind {
            Kind::File { file, .. } => {
                file.metadata().map(|m| filetype_of(&m.file_type())).unwrap_or(filetype::UNKNOWN)
            }
            Kind::Dir(_) => filetype::DIRECTORY,
            Kind::Reader { tty, .. } | Kind::Writer { tty, .. } => {
                if *tty {
                    filetype::CHARACTER_DEVICE
                } else {
                    filetype::UNKNOWN
                }
            }
        }
    }
}

/// The witx file type of a host file type.
pub fn filetype_of(ft: &std::fs::FileType) -> u8 {
    if ft.is_file() {
        return filetype::REGULAR_FILE;
    }
    if ft.is_dir() {
        return filetype::DIRECTORY;
    }
    if ft.is_symlink() {
        return filetype::SYMBOLIC_LINK;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_char_device() {
            return filetype::CHARACTER_DEVICE;
        }
        if ft.is_block_device() {
            return filetype::BLOCK_DEVICE;
        }
        if ft.is_socket() {
            return filetype::SOCKET_STREAM;
        }
    }
    filetype::UNKNOWN
}

/// fd number → descriptor. New descriptors take the lowest free number.
#[derive(Default)]
pub struct FdTable {
    fds: Vec<Option<Descriptor>>,
}

impl FdTable {
    pub fn get(&self, fd: u32) -> WasiResult<&Descriptor> {
        self.fds.get(fd as usize).and_then(Option::as_ref).ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Descriptor> {
        self.fds.get_mut(fd as usize).and_then(Option::as_mut).ok_or(Errno::Badf)
    }

    /// The directory behind `fd`, checked for `needed` rights.
    pub fn dir(&self, fd: u32, needed: u64) -> WasiResult<&Dir> {
        let d = self.get(fd)?;
        let Kind::Dir(dir) = &d.kind else { return Err(Errno::Notdir) };
        d.check(needed)?;
        Ok(dir)
    }

    pub fn insert(&mut self, d: Descriptor) -> WasiResult<u32> {
        if let Some(free) = self.fds.iter().position(Option::is_none) {
            self.fds[free] = Some(d);
            return Ok(free as u32);
        }
        if self.fds.len() >= MAX_FDS {
            return Err(Errno::Mfile);
        }
        self.fds.push(Some(d));
        Ok(self.fds.len() as u32 - 1)
    }

    /// Puts `d` at exactly `fd` (the standard streams at build time).
    pub fn set(&mut self, fd: u32, d: Descriptor) {
        let i = fd as usize;
        if self.fds.len() <= i {
            self.fds.resize_with(i + 1, || None);
        }
        self.fds[i] = Some(d);
    }

    pub fn remove(&mut self, fd: u32) -> WasiResult<Descriptor> {
        self.fds.get_mut(fd as usize).and_then(Option::take).ok_or(Errno::Badf)
    }

    /// `fd_renumber`: both must be open; `to` is closed and replaced.
    pub fn renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        self.get(from)?;
        self.get(to)?;
        if from != to {
            let d = self.remove(from)?;
            self.fds[to as usize] = Some(d);
        }
        Ok(())
    }
}
