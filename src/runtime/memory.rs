//! Linear memory: an anonymous mapping that reserves address space for the
//! memory's maximum and grows in place, so its base pointer stays put.
//! Bounds checks happen in the handlers; nothing here executes wasm.
//!
//! Where the reservation cannot be had (small address spaces), or a smaller
//! one is configured, growth past the reservation replaces the mapping with
//! a larger one (copying): the base then moves, which the interpreter
//! tolerates because it reloads base and length after `memory.grow` and
//! after calls.

use super::limits::{page_bytes, Growth};
use crate::decode::types::{Limits, MemoryType};
use crate::error::Error;
use memmap2::{MmapMut, MmapOptions};

/// Bytes per wasm page.
pub(crate) const PAGE_SIZE: u64 = 65536;

/// Largest page count a 32-bit memory can have (4 GiB).
const MAX_PAGES_32: u64 = 65536;

/// Largest page count a 64-bit memory can have (2^64 bytes).
const MAX_PAGES_64: u64 = 1 << 48;

/// The default cap on the up-front reservation: 4 GiB plus a 64 KiB guard
/// on 64-bit hosts (every 32-bit memory fits), 1 GiB on smaller hosts.
#[cfg(target_pointer_width = "64")]
pub(crate) const DEFAULT_RESERVE_CAP: u64 = (4 << 30) + PAGE_SIZE;
#[cfg(not(target_pointer_width = "64"))]
pub(crate) const DEFAULT_RESERVE_CAP: u64 = 1 << 30;

/// A wasm linear memory.
///
/// Invariants: `base` points to the start of `map`, which is at least `len`
/// bytes long and readable and writable; bytes `len..map.len()` are zero
/// (they were never exposed since the last time they were zero).
pub(crate) struct LinearMemory {
    map: MmapMut,
    base: *mut u8,
    len: usize,
    ty: MemoryType,
    /// The largest number of pages this memory may grow to: its declared
    /// maximum or the index-type limit, whichever is smaller.
    limit_pages: u64,
    /// True when the mapping covers `limit_pages`, so the base never moves;
    /// otherwise growth past `map.len()` moves the memory.
    reserved: bool,
}

// SAFETY: the mapping is owned exclusively by this value; the raw `base`
// pointer is only a cached view of it, so moving the value to another thread
// moves sole ownership with it.
unsafe impl Send for LinearMemory {}
// SAFETY: shared references only read through `base` (via `data`); mutation
// needs `&mut self` (or the embedder's own synchronisation for raw access).
unsafe impl Sync for LinearMemory {}

impl std::fmt::Debug for LinearMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearMemory")
            .field("pages", &self.pages())
            .field("max", &self.ty.limits.max)
            .field("reserved_bytes", &self.map.len())
            .field("moves_on_growth", &!self.reserved)
            .finish()
    }
}

/// An anonymous read-write mapping of `len` bytes, zero-filled. Pages are
/// committed lazily on first touch, so a large reservation costs nothing
/// until used (`MAP_NORESERVE`: no swap accounting for untouched pages).
fn map_zeroed(len: usize) -> std::io::Result<MmapMut> {
    MmapOptions::new().len(len).no_reserve_swap().map_anon()
}

fn bytes_of(pages: u64) -> Option<usize> {
    usize::try_from(pages.checked_mul(PAGE_SIZE)?).ok()
}

impl LinearMemory {
    /// A memory of type `ty` with its `min` pages zeroed and usable.
    /// `reserve_cap` bounds the address space reserved up front (default:
    /// [`DEFAULT_RESERVE_CAP`]); it does not bound growth, which past the
    /// reservation moves the memory.
    pub fn new(ty: MemoryType, reserve_cap: Option<u64>) -> Result<Self, Error> {
        let Limits { min, max } = ty.limits;
        let index_limit = if ty.memory64 { MAX_PAGES_64 } else { MAX_PAGES_32 };
        let cap = reserve_cap.unwrap_or(DEFAULT_RESERVE_CAP);
        let limit_pages = max.unwrap_or(index_limit).min(index_limit);
        if min > limit_pages {
            return Err(Error::other(format!(
                "memory minimum of {min} pages exceeds the limit of {limit_pages} pages"
            )));
        }
        let min_bytes = bytes_of(min)
            .ok_or_else(|| Error::other(format!("memory of {min} pages does not fit the host")))?;
        // Reserve for the largest size the memory can reach, up to the cap
        // (and what `usize` can hold); never less than the minimum.
        let limit_bytes = bytes_of(limit_pages);
        let cap_bytes = usize::try_from(cap).unwrap_or(usize::MAX);
        let want = limit_bytes.unwrap_or(usize::MAX).min(cap_bytes).max(min_bytes);
        let map = match map_zeroed(want) {
            Ok(map) => map,
            Err(_) => map_zeroed(min_bytes)
                .map_err(|e| Error::other(format!("cannot allocate linear memory of {min} pages: {e}")))?,
        };
        let reserved = limit_bytes.is_some_and(|l| map.len() >= l);
        let mut mem =
            LinearMemory { map, base: std::ptr::null_mut(), len: min_bytes, ty, limit_pages, reserved };
        mem.base = mem.map.as_mut_ptr();
        Ok(mem)
    }

    /// The current type: `min` is the current page count.
    pub fn ty(&self) -> MemoryType {
        let mut ty = self.ty;
        ty.limits.min = self.pages();
        ty
    }

    /// Start of the memory. Stable across `grow` unless the memory runs on
    /// the fallback mapping; valid (for zero-length accesses) even when the
    /// memory has no pages.
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// Bytes currently accessible.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn pages(&self) -> u64 {
        self.len as u64 / PAGE_SIZE
    }

    /// True when the base never moves on growth (the whole limit is reserved).
    #[allow(dead_code)]
    pub fn is_reserved(&self) -> bool {
        self.reserved
    }

    /// Caps growth at `max_bytes` (the embedder's limit, e.g. `--max-memory`);
    /// fails when the memory is already larger.
    pub fn set_host_limit(&mut self, max_bytes: u64) -> Result<(), Error> {
        let pages = max_bytes / PAGE_SIZE;
        if self.pages() > pages {
            return Err(Error::other(format!(
                "memory of {} pages exceeds the limit of {max_bytes} bytes",
                self.pages()
            )));
        }
        self.limit_pages = self.limit_pages.min(pages);
        Ok(())
    }

    /// Grows by `delta_pages`: `Some(old page count)` with the new pages
    /// zeroed, or `None` when the result would exceed the maximum or the
    /// index-type limit, or the host is out of memory (the memory is then
    /// unchanged).
    pub fn grow(&mut self, delta_pages: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta_pages)?;
        if new > self.limit_pages {
            return None;
        }
        let new_len = bytes_of(new)?;
        if new_len > self.map.len() {
            self.remap(new_len)?;
        }
        // Bytes past the old length were never exposed since the mapping was
        // created zeroed, so the new pages are already zero.
        self.len = new_len;
        Some(old)
    }

    /// Grows like [`grow`](Self::grow), but asks `allow` (the store's
    /// resource limiter) first about growth by more than zero pages that
    /// the memory's own limits permit; `None` when it refuses.
    pub fn grow_limited(&mut self, delta_pages: u64, allow: impl FnOnce(Growth) -> bool) -> Option<u64> {
        if delta_pages > 0 {
            let new = self.pages().checked_add(delta_pages)?;
            if new > self.limit_pages {
                return None;
            }
            let maximum = self.ty.limits.max.map(page_bytes);
            if !allow(Growth::Memory { current: self.len, desired: page_bytes(new), maximum }) {
                return None;
            }
        }
        self.grow(delta_pages)
    }

    /// What creating a memory of type `ty` asks the resource limiter.
    pub fn initial_growth(ty: MemoryType) -> Growth {
        Growth::Memory {
            current: 0,
            desired: page_bytes(ty.limits.min),
            maximum: ty.limits.max.map(page_bytes),
        }
    }

    /// Fallback growth: a fresh mapping of at least `new_len` bytes (with
    /// some slack, to keep repeated small growths linear), old contents
    /// copied over.
    fn remap(&mut self, new_len: usize) -> Option<()> {
        let limit_len = bytes_of(self.limit_pages).unwrap_or(usize::MAX);
        let slack = self.len.saturating_mul(2).min(limit_len).max(new_len);
        let mut map = map_zeroed(slack).or_else(|_| map_zeroed(new_len)).ok()?;
        map[..self.len].copy_from_slice(self.data());
        self.map = map;
        self.base = self.map.as_mut_ptr();
        Some(())
    }

    pub fn data(&self) -> &[u8] {
        // SAFETY: `base` points to a live mapping of at least `len` readable
        // bytes (struct invariant); the returned borrow of `self` keeps the
        // mapping alive and excludes `grow`/`data_mut` meanwhile.
        unsafe { std::slice::from_raw_parts(self.base, self.len) }
    }

    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, and the mapping is writable; `&mut self`
        // makes this the only safe view for the borrow's duration.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType { limits: Limits { min, max }, shared: false, memory64: false }
    }

    #[test]
    fn min_pages_are_zeroed_and_usable() {
        let mut m = LinearMemory::new(ty(2, None), None).unwrap();
        assert_eq!(m.pages(), 2);
        assert_eq!(m.len(), 2 * PAGE_SIZE as usize);
        assert!(m.data().iter().all(|&b| b == 0));
        m.data_mut()[0] = 1;
        let last = m.len() - 1;
        m.data_mut()[last] = 2;
        assert_eq!(m.data()[0], 1);
        assert_eq!(m.data()[last], 2);
        assert_eq!(m.ty().limits, Limits { min: 2, max: None });
    }

    #[test]
    fn growth_keeps_base_and_contents_and_zeroes_new_pages() {
        let mut m = LinearMemory::new(ty(1, None), None).unwrap();
        // Hosts without 4 GiB of address space to spare fall back to a
        // moving memory; everything else below still holds there.
        let reserved = m.is_reserved();
        let base = m.base();
        m.data_mut()[100] = 42;
        assert_eq!(m.grow(3), Some(1));
        if reserved {
            assert_eq!(m.base(), base);
        }
        assert_eq!(m.pages(), 4);
        assert_eq!(m.data()[100], 42);
        assert!(m.data()[PAGE_SIZE as usize..].iter().all(|&b| b == 0));
        assert_eq!(m.grow(0), Some(4));
        assert_eq!(m.ty().limits.min, 4);
    }

    #[test]
    fn growth_respects_max() {
        let mut m = LinearMemory::new(ty(1, Some(2)), None).unwrap();
        assert_eq!(m.grow(2), None);
        assert_eq!(m.pages(), 1);
        assert_eq!(m.grow(1), Some(1));
        assert_eq!(m.grow(1), None);
        assert_eq!(m.grow(0), Some(2));
        assert_eq!(m.ty().limits, Limits { min: 2, max: Some(2) });
    }

    #[test]
    fn growth_respects_32_bit_limit() {
        let mut m = LinearMemory::new(ty(0, None), None).unwrap();
        assert_eq!(m.grow(65537), None);
        assert_eq!(m.grow(u64::MAX), None);
        assert_eq!(m.pages(), 0);
    }

    #[test]
    fn small_cap_reserves_less_and_moves_past_it() {
        let mut m = LinearMemory::new(ty(1, None), Some(4 * PAGE_SIZE)).unwrap();
        assert!(!m.is_reserved());
        let base = m.base();
        m.data_mut()[5] = 5;
        assert_eq!(m.grow(3), Some(1));
        assert_eq!(m.base(), base);
        assert_eq!(m.grow(1), Some(4));
        assert_eq!(m.pages(), 5);
        assert_eq!(m.data()[5], 5);
        assert!(m.data()[6..].iter().all(|&b| b == 0));
        // A minimum above the cap is still honoured.
        let m = LinearMemory::new(ty(5, None), Some(4 * PAGE_SIZE)).unwrap();
        assert_eq!(m.pages(), 5);
        // A cap covering the maximum reserves it all.
        let m = LinearMemory::new(ty(1, Some(4)), Some(4 * PAGE_SIZE)).unwrap();
        assert!(m.is_reserved());
    }

    #[test]
    fn min_above_max_or_limit_is_an_error() {
        assert!(LinearMemory::new(ty(3, Some(2)), None).is_err());
        assert!(LinearMemory::new(ty(65537, None), None).is_err());
    }

    #[test]
    fn zero_page_memory_has_a_valid_base() {
        let mut m = LinearMemory::new(ty(0, Some(0)), None).unwrap();
        assert!(!m.base().is_null());
        assert_eq!(m.len(), 0);
        assert!(m.data().is_empty());
        assert!(m.data_mut().is_empty());
        assert_eq!(m.grow(1), None);
        assert_eq!(m.grow(0), Some(0));
    }

    #[test]
    fn zero_page_memory_grows() {
        let mut m = LinearMemory::new(ty(0, None), None).unwrap();
        let base = m.base();
        assert_eq!(m.grow(1), Some(0));
        if m.is_reserved() {
            assert_eq!(m.base(), base);
        }
        m.data_mut()[PAGE_SIZE as usize - 1] = 7;
        assert_eq!(m.data()[PAGE_SIZE as usize - 1], 7);
    }

    #[test]
    fn fallback_mapping_moves_but_keeps_contents() {
        let mut m = LinearMemory::new(ty(1, None), None).unwrap();
        // Pretend the reservation could not be had: swap in a mapping of
        // just the current size.
        let mut small = map_zeroed(m.len()).unwrap();
        small[7] = 9;
        m.map = small;
        m.base = m.map.as_mut_ptr();
        m.reserved = false;
        assert_eq!(m.grow(2), Some(1));
        assert_eq!(m.pages(), 3);
        assert_eq!(m.data()[7], 9);
        assert!(m.data()[8..].iter().all(|&b| b == 0));
        // Growth within the slack does not move again.
        let base = m.base();
        let slack_pages = m.map.len() as u64 / PAGE_SIZE;
        if slack_pages > 3 {
            assert_eq!(m.grow(1), Some(3));
            assert_eq!(m.base(), base);
        }
    }

    #[test]
    fn full_4gib_reservation_stays_uncommitted() {
        if cfg!(not(all(target_os = "linux", target_pointer_width = "64"))) {
            return;
        }
        fn rss_kib() -> Option<u64> {
            let s = std::fs::read_to_string("/proc/self/status").ok()?;
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        }
        let before = rss_kib().unwrap_or(0);
        let mut mems: Vec<LinearMemory> =
            (0..4).map(|_| LinearMemory::new(ty(1, None), None).unwrap()).collect();
        if !mems.iter().all(|m| m.is_reserved()) {
            eprintln!("skipped: this host cannot reserve 4 x 4 GiB of address space");
            return;
        }
        for m in &mut mems {
            assert!(m.map.len() >= 65536 * PAGE_SIZE as usize);
            assert_eq!(m.grow(65535), Some(1));
            // Touch one byte near the top.
            let len = m.len();
            m.data_mut()[len - 1] = 1;
        }
        let after = rss_kib().unwrap_or(0);
        // 16 GiB reserved and grown, a few pages touched: RSS grows by far
        // less than 64 MiB.
        assert!(after.saturating_sub(before) < 64 * 1024, "rss grew {before} -> {after} KiB");
    }
}
