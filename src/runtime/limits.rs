//! The store's resource limiter: a hook the embedder installs with
//! `Store::limiter` that approves or refuses every memory and table growth
//! (from wasm and from the host) and the initial sizes and counts at
//! instantiation. Also `StoreLimits`, a ready-made limiter.

/// Decides, per store, how large memories and tables may grow and how many
/// instances, memories and tables the store may hold (install it with
/// [`Store::limiter`](crate::Store::limiter)).
///
/// `memory_growing` and `table_growing` are asked before a memory or table
/// grows: by `memory.grow` / `table.grow` (a refusal makes them return -1),
/// by [`Memory::grow`](crate::Memory::grow) /
/// [`Table::grow`](crate::Table::grow) (a refusal is an error), and when
/// an instance or a host object is created, with `current` 0 and `desired`
/// the initial size (a refusal fails the instantiation). They are only
/// asked about growth the memory's or table's own type (and
/// `Config::max_memory`) allows, and not for growth by zero.
pub trait ResourceLimiter {
    /// May a linear memory grow from `current` to `desired` bytes?
    /// `maximum` is the maximum its type declares, in bytes, if any.
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool;

    /// May a table grow from `current` to `desired` elements? `maximum` is
    /// the maximum its type declares, if any.
    fn table_growing(&mut self, current: u32, desired: u32, maximum: Option<u32>) -> bool;

    /// The most instances the store may hold (checked at instantiation).
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }
    /// The most tables the store may hold (checked when one is created).
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }
    /// The most linear memories the store may hold (checked when one is
    /// created).
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }
}

/// The default of [`ResourceLimiter::instances`].
pub const DEFAULT_INSTANCE_LIMIT: usize = 10_000;
/// The default of [`ResourceLimiter::tables`].
pub const DEFAULT_TABLE_LIMIT: usize = 10_000;
/// The default of [`ResourceLimiter::memories`].
pub const DEFAULT_MEMORY_LIMIT: usize = 10_000;

/// A [`ResourceLimiter`] with fixed limits, built with
/// [`StoreLimitsBuilder`]; by default it limits nothing but the counts.
///
/// ```
/// use weft::{Engine, Store, StoreLimits, StoreLimitsBuilder};
/// let limits = StoreLimitsBuilder::new().memory_size(1 << 20).table_elements(1000).build();
/// let mut store = Store::new(&Engine::default(), limits);
/// store.limiter(|limits: &mut StoreLimits| limits);
/// ```
#[derive(Clone, Debug)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<u32>,
    instances: usize,
    tables: usize,
    memories: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            memory_size: None,
            table_elements: None,
            instances: DEFAULT_INSTANCE_LIMIT,
            tables: DEFAULT_TABLE_LIMIT,
            memories: DEFAULT_MEMORY_LIMIT,
        }
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> bool {
        self.memory_size.is_none_or(|limit| desired <= limit)
    }
    fn table_growing(&mut self, _current: u32, desired: u32, _maximum: Option<u32>) -> bool {
        self.table_elements.is_none_or(|limit| desired <= limit)
    }
    fn instances(&self) -> usize {
        self.instances
    }
    fn tables(&self) -> usize {
        self.tables
    }
    fn memories(&self) -> usize {
        self.memories
    }
}

/// Builds [`StoreLimits`].
#[derive(Clone, Debug, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// No size limits; the default counts.
    pub fn new() -> Self {
        Self::default()
    }
    /// The most bytes each linear memory may have.
    pub fn memory_size(mut self, bytes: usize) -> Self {
        self.0.memory_size = Some(bytes);
        self
    }
    /// The most elements each table may have.
    pub fn table_elements(mut self, elements: u32) -> Self {
        self.0.table_elements = Some(elements);
        self
    }
    /// The most instances in the store.
    pub fn instances(mut self, n: usize) -> Self {
        self.0.instances = n;
        self
    }
    /// The most tables in the store.
    pub fn tables(mut self, n: usize) -> Self {
        self.0.tables = n;
        self
    }
    /// The most linear memories in the store.
    pub fn memories(mut self, n: usize) -> Self {
        self.0.memories = n;
        self
    }
    /// The limits set so far.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

/// A growth to ask the limiter about (the interpreter asks through
/// [`LimiterHook`], which does not know the store's `T`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Growth {
    Memory { current: usize, desired: usize, maximum: Option<usize> },
    Table { current: u32, desired: u32, maximum: Option<u32> },
}

impl Growth {
    /// The limiter's answer; no limiter allows everything.
    pub fn allowed(self, limiter: Option<&mut dyn ResourceLimiter>) -> bool {
        let Some(l) = limiter else { return true };
        match self {
            Growth::Memory { current, desired, maximum } => l.memory_growing(current, desired, maximum),
            Growth::Table { current, desired, maximum } => l.table_growing(current, desired, maximum),
        }
    }
}

/// Asks the limiter of the `Store<T>` at the given address (the running
/// call's store, `Ctx::store`), monomorphised for its `T` by
/// `Store::limiter`.
pub(crate) type LimiterHook = unsafe fn(store: *mut u8, growth: Growth) -> bool;

/// Bytes of `pages` wasm pages, saturated to what `usize` holds.
pub(crate) fn page_bytes(pages: u64) -> usize {
    usize::try_from(pages.saturating_mul(super::memory::PAGE_SIZE)).unwrap_or(usize::MAX)
}

/// Table sizes and maxima as the limiter sees them (saturated to `u32`).
pub(crate) fn elems_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
