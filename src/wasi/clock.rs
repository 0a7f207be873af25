//! Clocks and `poll_oneoff`. Realtime and monotonic come from `std::time`;
//! the CPU-time clocks from procfs (Linux), else `ENOTSUP`. Polling sleeps
//! for clock subscriptions; files and standard streams are always ready.

use super::abi::{self, rights};
use super::errno::{Errno, WasiResult};
use super::mem::GuestMem;
use super::table::Kind;
use super::WasiCtx;
use std::io::Seek;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The monotonic clock counts from the first time any guest reads it.
fn monotonic_now() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn realtime_now() -> WasiResult<u64> {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|_| Errno::Overflow)?;
    u64::try_from(d.as_nanos()).map_err(|_| Errno::Overflow)
}

/// utime + stime of `/proc/<which>/stat`, in nanoseconds (USER_HZ is 100
/// on every Linux ABI).
fn cpu_time(which: &str) -> WasiResult<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{which}/stat")).map_err(|_| Errno::Notsup)?;
    let after_name = stat.rsplit_once(')').ok_or(Errno::Notsup)?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).ok_or(Errno::Notsup);
    // Fields 14 and 15 of the line; `fields[0]` is field 3 (the state).
    Ok(field(11)?.saturating_add(field(12)?).saturating_mul(10_000_000))
}

fn now(id: u32) -> WasiResult<u64> {
    match id {
        abi::CLOCK_REALTIME => realtime_now(),
        abi::CLOCK_MONOTONIC => Ok(monotonic_now()),
        abi::CLOCK_PROCESS_CPUTIME => cpu_time("self"),
        abi::CLOCK_THREAD_CPUTIME => cpu_time("thread-self"),
        _ => Err(Errno::Inval),
    }
}

pub fn clock_res_get(_ctx: &mut WasiCtx, mem: &mut GuestMem, id: u32, res: u32) -> WasiResult<()> {
    let r = match id {
        abi::CLOCK_REALTIME | abi::CLOCK_MONOTONIC => 1,
        abi::CLOCK_PROCESS_CPUTIME | abi::CLOCK_THREAD_CPUTIME => {
            now(id)?;
            10_000_000
        }
        _ => return Err(Errno::Inval),
    };
    mem.write_u64(res, r)
}

pub fn clock_time_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    id: u32,
    _precision: u64,
    time: u32,
) -> WasiResult<()> {
    let t = now(id)?;
    mem.write_u64(time, t)
}

/// One output event of `poll_oneoff`.
struct Event {
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
}

pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMem,
    subs: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> WasiResult<()> {
    if count == 0 {
        return Err(Errno::Inval);
    }
    mem.slice(subs, count.checked_mul(abi::SUBSCRIPTION_SIZE).ok_or(Errno::Fault)?)?;
    mem.slice(events, count.checked_mul(abi::EVENT_SIZE).ok_or(Errno::Fault)?)?;
    let mut ready = Vec::new();
    // (userdata, nanoseconds from now) of each clock subscription.
    let mut timers: Vec<(u64, u64)> = Vec::new();
    for i in 0..count {
        let at = subs + i * abi::SUBSCRIPTION_SIZE;
        let userdata = mem.read_u64(at)?;
        match mem.read_u8(at + 8)? {
            abi::EVENTTYPE_CLOCK => {
                let id = mem.read_u32(at + 16)?;
                let timeout = mem.read_u64(at + 24)?;
                let flags = mem.read_u16(at + 40)?;
                let wait = match id {
                    abi::CLOCK_REALTIME | abi::CLOCK_MONOTONIC if flags & abi::SUBCLOCK_ABSTIME != 0 => {
                        now(id).map(|n| timeout.saturating_sub(n))
                    }
                    abi::CLOCK_REALTIME | abi::CLOCK_MONOTONIC => Ok(timeout),
                    _ => Err(Errno::Inval),
                };
                match wait {
                    Ok(w) => timers.push((userdata, w)),
                    Err(error) => {
                        ready.push(Event { userdata, error, kind: abi::EVENTTYPE_CLOCK, nbytes: 0 })
                    }
                }
            }
            kind @ (abi::EVENTTYPE_FD_READ | abi::EVENTTYPE_FD_WRITE) => {
                let fd = mem.read_u32(at + 16)?;
                let (error, nbytes) = match fd_readiness(ctx, fd, kind == abi::EVENTTYPE_FD_READ) {
                    Ok(n) => (Errno::Success, n),
                    Err(e) => (e, 0),
                };
                ready.push(Event { userdata, error, kind, nbytes });
            }
            _ => return Err(Errno::Inval),
        }
    }
    if ready.is_empty() {
        // Only timers: sleep until the first fires, then report every timer
        // that has fired by then.
        let first = timers.iter().map(|t| t.1).min().unwrap_or(0);
        if first > 0 {
            std::thread::sleep(Duration::from_nanos(first));
        }
        for &(userdata, wait) in &timers {
            if wait <= first {
                ready.push(Event { userdata, error: Errno::Success, kind: abi::EVENTTYPE_CLOCK, nbytes: 0 });
            }
        }
    } else {
        for &(userdata, wait) in &timers {
            if wait == 0 {
                ready.push(Event { userdata, error: Errno::Success, kind: abi::EVENTTYPE_CLOCK, nbytes: 0 });
            }
        }
    }
    for (i, e) in ready.iter().enumerate() {
        let mut out = [0u8; abi::EVENT_SIZE as usize];
        out[0..8].copy_from_slice(&e.userdata.to_le_bytes());
        out[8..10].copy_from_slice(&(e.error as u16).to_le_bytes());
        out[10] = e.kind;
        out[16..24].copy_from_slice(&e.nbytes.to_le_bytes());
        mem.write_bytes(events + i as u32 * abi::EVENT_SIZE, &out)?;
    }
    mem.write_u32(nevents, ready.len() as u32)
}

/// Whether `fd` can be polled, and the bytes a read would find (files).
fn fd_readiness(ctx: &mut WasiCtx, fd: u32, read: bool) -> WasiResult<u64> {
    let d = ctx.fds.get_mut(fd)?;
    d.check(rights::POLL_FD_READWRITE)?;
    match &mut d.kind {
        Kind::File { file, .. } if read => {
            let len = file.metadata()?.len();
            let pos = file.stream_position()?;
            Ok(len.saturating_sub(pos))
        }
        Kind::File { .. } => Ok(0),
        Kind::Reader { .. } if read => Ok(0),
        Kind::Writer { .. } if !read => Ok(0),
        Kind::Reader { .. } | Kind::Writer { .. } => Err(Errno::Badf),
        Kind::Dir(_) => Err(Errno::Isdir),
    }
}
