//! The loader's two allocators: address ranges of the shared linear memory
//! (module data, bss, TLS blocks, the stack, dlerror strings) and slots of
//! the shared function table. Pure bookkeeping: growing the memory or the
//! table to cover what was handed out is the caller's job.

use std::collections::BTreeSet;

/// Below this address nothing is handed out: a null pointer (and small
/// offsets from it) never aliases loaded data.
pub(crate) const LOW_RESERVED: u32 = 1024;

fn align_up(x: u64, align: u64) -> u64 {
    x.div_ceil(align) * align
}

/// First-fit allocator of memory ranges. Freed ranges are kept sorted and
/// coalesced and are reused before the top moves; the top only grows.
#[derive(Debug, Clone)]
pub(crate) struct MemAlloc {
    /// Free ranges `(start, end)`, sorted, disjoint, never adjacent.
    free: Vec<(u32, u32)>,
    /// Everything at or above `top` is unallocated.
    top: u32,
}

impl MemAlloc {
    pub fn new(start: u32) -> Self {
        MemAlloc { free: Vec::new(), top: start }
    }

    /// One past the highest address ever handed out.
    pub fn top(&self) -> u32 {
        self.top
    }

    /// Moves the top up to `at` when memory below it was taken by someone
    /// else (the program grew the memory itself).
    pub fn skip_to(&mut self, at: u32) {
        self.top = self.top.max(at);
    }

    /// `size` bytes aligned to `align` (a power of two); `None` when the
    /// 32-bit address space is exhausted. The caller zeroes reused ranges.
    pub fn alloc(&mut self, size: u32, align: u32) -> Option<u32> {
        let align = u64::from(align.max(1));
        let size64 = u64::from(size);
        for i in 0..self.free.len() {
            let (s, e) = self.free[i];
            let at = align_up(u64::from(s), align);
            if at + size64 <= u64::from(e) {
                let at = at as u32;
                self.take(i, at, at + size);
                return Some(at);
            }
        }
        let at = align_up(u64::from(self.top), align);
        let end = at + size64;
        if end > u64::from(u32::MAX) {
            return None;
        }
        if at > u64::from(self.top) {
            // The alignment gap stays usable.
            self.insert(self.top, at as u32);
        }
        self.top = end as u32;
        Some(at as u32)
    }

    /// Removes `[at, end)` from free range `i`, which contains it.
    fn take(&mut self, i: usize, at: u32, end: u32) {
        let (s, e) = self.free.remove(i);
        if end < e {
            self.free.insert(i, (end, e));
        }
        if s < at {
            self.free.insert(i, (s, at));
        }
    }

    /// Returns `[at, at + size)` to the free list.
    pub fn free(&mut self, at: u32, size: u32) {
        if size > 0 {
            self.insert(at, at + size);
        }
    }

    fn insert(&mut self, start: u32, end: u32) {
        let i = self.free.partition_point(|&(s, _)| s < start);
        self.free.insert(i, (start, end));
        // Merge with the next, then with the previous neighbour.
        if i + 1 < self.free.len() && self.free[i].1 >= self.free[i + 1].0 {
            self.free[i].1 = self.free[i].1.max(self.free[i + 1].1);
            self.free.remove(i + 1);
        }
        if i > 0 && self.free[i - 1].1 >= self.free[i].0 {
            self.free[i - 1].1 = self.free[i - 1].1.max(self.free[i].1);
            self.free.remove(i);
        }
    }

    /// Bytes currently free below the top (for tests and diagnostics).
    #[allow(dead_code)]
    pub fn free_bytes(&self) -> u64 {
        self.free.iter().map(|&(s, e)| u64::from(e - s)).sum()
    }
}

/// Allocator of table slots. Slot 0 is never handed out (it is the null
/// function pointer). Freed slots are reused lowest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct SlotAlloc {
    free: BTreeSet<u32>,
    /// The table's size as far as this allocator knows: slots at or above
    /// it are not allocated yet.
    len: u32,
}

impl SlotAlloc {
    pub fn new(len: u32) -> Self {
        SlotAlloc { free: BTreeSet::new(), len: len.max(1) }
    }

    /// The table size needed to hold every slot handed out.
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn alloc_one(&mut self) -> u32 {
        if let Some(s) = self.free.pop_first() {
            return s;
        }
        self.len += 1;
        self.len - 1
    }

    /// `n` consecutive slots starting at a multiple of `align`. Reuses a
    /// free run when there is one, else takes them at the end.
    pub fn alloc_range(&mut self, n: u32, align: u32) -> u32 {
        let align = align.max(1);
        if n == 0 {
            return self.len;
        }
        let mut run_start = None;
        let mut prev = None;
        let mut found = None;
        for &s in &self.free {
            if prev.is_none_or(|p: u32| p + 1 != s) {
                run_start = Some(s);
            }
            prev = Some(s);
            let start = run_start.unwrap_or(s);
            let at = start.div_ceil(align) * align;
            if at + n - 1 <= s && at >= start {
                found = Some(at);
                break;
            }
        }
        if let Some(at) = found {
            for s in at..at + n {
                self.free.remove(&s);
            }
            return at;
        }
        let at = self.len.div_ceil(align) * align;
        for s in self.len..at {
            self.free.insert(s);
        }
        self.len = at + n;
        at
    }

    pub fn free(&mut self, slot: u32) {
        if slot != 0 && slot < self.len {
            self.free.insert(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_ranges_are_aligned_reused_and_coalesced() {
        let mut a = MemAlloc::new(1024);
        let x = a.alloc(100, 16).unwrap();
        assert_eq!(x, 1024);
        let y = a.alloc(10, 64).unwrap();
        assert_eq!(y, 1152);
        // The gap left by the alignment is reused.
        let z = a.alloc(20, 4).unwrap();
        assert_eq!(z, 1124);
        a.free(x, 100);
        a.free(z, 20);
        // Coalesced: 1024..1152 minus nothing.
        assert_eq!(a.alloc(128, 1).unwrap(), 1024);
        assert_eq!(a.top(), 1162);
        // Memory someone else took below 4096 is never handed out.
        a.skip_to(4096);
        assert_eq!(a.alloc(4, 4).unwrap(), 4096);
        assert_eq!(a.alloc(4096, 4096).unwrap(), 8192);
        // The alignment gap 4100..8192 is free.
        assert_eq!(a.alloc(8, 8).unwrap(), 4104);
        assert!(a.alloc(u32::MAX, 1).is_none());
    }

    #[test]
    fn table_slots_skip_zero_and_reuse_runs() {
        let mut s = SlotAlloc::new(1);
        assert_eq!(s.alloc_one(), 1);
        assert_eq!(s.alloc_range(3, 4), 4);
        assert_eq!(s.len(), 7);
        // Slots 2 and 3 were skipped for the alignment and are free.
        assert_eq!(s.alloc_one(), 2);
        s.free(4);
        s.free(5);
        s.free(6);
        assert_eq!(s.alloc_range(3, 1), 3);
        assert_eq!(s.alloc_range(2, 1), 7);
        s.free(0);
        assert_eq!(s.alloc_one(), 6);
    }
}
