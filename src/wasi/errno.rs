//! The preview1 error codes (witx `errno`) and the mapping from host I/O
//! errors to them. No host function returns anything else to the guest.

use std::io;

/// A `wasi_snapshot_preview1` error code; the discriminant is the ABI value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
#[allow(dead_code)]
pub enum Errno {
    Success = 0,
    TooBig = 1,
    Acces = 2,
    Addrinuse = 3,
    Addrnotavail = 4,
    Afnosupport = 5,
    Again = 6,
    Already = 7,
    Badf = 8,
    Badmsg = 9,
    Busy = 10,
    Canceled = 11,
    Child = 12,
    Connaborted = 13,
    Connrefused = 14,
    Connreset = 15,
    Deadlk = 16,
    Destaddrreq = 17,
    Dom = 18,
    Dquot = 19,
    Exist = 20,
    Fault = 21,
    Fbig = 22,
    Hostunreach = 23,
    Idrm = 24,
    Ilseq = 25,
    Inprogress = 26,
    Intr = 27,
    Inval = 28,
    Io = 29,
    Isconn = 30,
    Isdir = 31,
    Loop = 32,
    Mfile = 33,
    Mlink = 34,
    Msgsize = 35,
    Multihop = 36,
    Nametoolong = 37,
    Netdown = 38,
    Netreset = 39,
    Netunreach = 40,
    Nfile = 41,
    Nobufs = 42,
    Nodev = 43,
    Noent = 44,
    Noexec = 45,
    Nolck = 46,
    Nolink = 47,
    Nomem = 48,
    Nomsg = 49,
    Noprotoopt = 50,
    Nospc = 51,
    Nosys = 52,
    Notconn = 53,
    Notdir = 54,
    Notempty = 55,
    Notrecoverable = 56,
    Notsock = 57,
    Notsup = 58,
    Notty = 59,
    Nxio = 60,
    Overflow = 61,
    Ownerdead = 62,
    Perm = 63,
    Pipe = 64,
    Proto = 65,
    Protonosupport = 66,
    Prototype = 67,
    Range = 68,
    Rofs = 69,
    Spipe = 70,
    Srch = 71,
    Stale = 72,
    Timedout = 73,
    Txtbsy = 74,
    Xdev = 75,
    Notcapable = 76,
}

/// What every WASI operation returns before it reaches the guest.
pub type WasiResult<T> = Result<T, Errno>;

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        if let Some(code) = e.raw_os_error() {
            if let Some(errno) = from_host_errno(code) {
                return errno;
            }
        }
        from_kind(e.kind())
    }
}

/// Host `errno` numbers; Linux's generic numbering (the same on every
/// architecture Linux runs on). Elsewhere only `ErrorKind` is used.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn from_host_errno(code: i32) -> Option<Errno> {
    use Errno::*;
    Some(match code {
        1 => Perm,
        2 => Noent,
        4 => Intr,
        5 => Io,
        6 => Nxio,
        7 => TooBig,
        9 => Badf,
        11 => Again,
        12 => Nomem,
        13 => Acces,
        14 => Fault,
        16 => Busy,
        17 => Exist,
        18 => Xdev,
        19 => Nodev,
        20 => Notdir,
        21 => Isdir,
        22 => Inval,
        23 => Nfile,
        24 => Mfile,
        25 => Notty,
        26 => Txtbsy,
        27 => Fbig,
        28 => Nospc,
        29 => Spipe,
        30 => Rofs,
        31 => Mlink,
        32 => Pipe,
        36 => Nametoolong,
        38 => Nosys,
        39 => Notempty,
        40 => Loop,
        75 => Overflow,
        84 => Ilseq,
        95 => Notsup,
        110 => Timedout,
        116 => Stale,
        122 => Dquot,
        _ => return None,
    })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn from_host_errno(_code: i32) -> Option<Errno> {
    None
}

fn from_kind(kind: io::ErrorKind) -> Errno {
    use io::ErrorKind as K;
    match kind {
        K::NotFound => Errno::Noent,
        K::PermissionDenied => Errno::Acces,
        K::AlreadyExists => Errno::Exist,
        K::WouldBlock => Errno::Again,
        K::InvalidInput | K::InvalidData => Errno::Inval,
        K::Interrupted => Errno::Intr,
        K::Unsupported => Errno::Notsup,
        K::BrokenPipe => Errno::Pipe,
        K::TimedOut => Errno::Timedout,
        K::OutOfMemory => Errno::Nomem,
        K::NotADirectory => Errno::Notdir,
        K::IsADirectory => Errno::Isdir,
        K::DirectoryNotEmpty => Errno::Notempty,
        K::ReadOnlyFilesystem => Errno::Rofs,
        K::StorageFull => Errno::Nospc,
        K::NotSeekable => Errno::Spipe,
        K::FileTooLarge => Errno::Fbig,
        K::ResourceBusy => Errno::Busy,
        K::CrossesDevices => Errno::Xdev,
        K::TooManyLinks => Errno::Mlink,
        K::InvalidFilename => Errno::Nametoolong,
        _ => Errno::Io,
    }
}
