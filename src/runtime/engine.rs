//! `Config` and `Engine`: settings shared by modules and stores, and the
//! engine-wide signature registry that makes `call_indirect` checks one
//! integer compare.

use crate::decode::{Features, FuncType};
use crate::ir::Backend;
use std::sync::{Arc, Mutex};

/// Engine settings. Defaults suit most embedders.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) backend: Backend,
    pub(crate) lazy: bool,
    pub(crate) parallel: bool,
    pub(crate) max_call_depth: usize,
    pub(crate) max_stack_slots: usize,
    pub(crate) memory_reservation: Option<u64>,
    pub(crate) fuel: bool,
    pub(crate) interruptible: bool,
    pub(crate) max_memory: Option<u64>,
    pub(crate) features: Features,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            backend: Backend::default(),
            lazy: false,
            parallel: true,
            max_call_depth: 500_000,
            max_stack_slots: 8 << 20,
            memory_reservation: None,
            fuel: false,
            interruptible: false,
            max_memory: None,
            features: Features::default(),
        }
    }
}

impl Config {
    pub fn new() -> Self {
        Self::default()
    }
    /// Dispatch backend (default: threaded in x86-64/AArch64 builds at
    /// opt-level 2 or 3 without instrumentation, loop otherwise; see
    /// `build.rs`). `Threaded` is only honoured in such builds (or with the
    /// `dispatch-threaded` feature): elsewhere its handlers call instead of
    /// jumping to the next one, so a long run would overflow the native
    /// stack, and `Loop` is used instead.
    pub fn backend(&mut self, b: Backend) -> &mut Self {
        self.backend =
            if b == Backend::Threaded && Backend::default() != Backend::Threaded { Backend::Loop } else { b };
        self
    }
    /// Lower (and validate) each function on its first call instead of at
    /// `Module::new`.
    pub fn lazy(&mut self, lazy: bool) -> &mut Self {
        self.lazy = lazy;
        self
    }
    /// Lower a large module's functions on several threads (default: on).
    /// Modules with less than 128 KiB of code, and hosts with one CPU,
    /// always lower on the calling thread. The module and its errors are
    /// the same either way: the error reported is the first function's.
    pub fn parallel_compilation(&mut self, parallel: bool) -> &mut Self {
        self.parallel = parallel;
        self
    }
    /// Maximum depth of nested wasm calls; deeper recursion traps with
    /// "call stack exhausted".
    pub fn max_call_depth(&mut self, depth: usize) -> &mut Self {
        self.max_call_depth = depth.max(1);
        self
    }
    /// Size of the value stack in bytes (frames of all active calls).
    pub fn max_stack_bytes(&mut self, bytes: usize) -> &mut Self {
        self.max_stack_slots = (bytes / 8).max(1024);
        self
    }
    /// Count fuel: execution traps with "all fuel consumed" when the store's
    /// fuel (`Store::set_fuel`) runs out, or, for a call made with
    /// `Func::call_resumable`, stops in a way that continues after more fuel
    /// is set. Fuel approximates executed IR instructions: each call costs
    /// 1 and each loop iteration the number of instructions in the loop
    /// body. Off by default (and then free).
    pub fn consume_fuel(&mut self, on: bool) -> &mut Self {
        self.fuel = on;
        self
    }
    /// Let another thread stop running wasm with [`Engine::interrupt`]: the
    /// flag is checked at function entries and loop heads (only when this
    /// is on), and running code traps with "interrupted".
    pub fn interruptible(&mut self, on: bool) -> &mut Self {
        self.interruptible = on;
        self
    }
    /// Upper bound, in bytes, on every linear memory of the store: growth
    /// past it fails (`memory.grow` returns -1), and a module whose memory
    /// starts larger fails to instantiate. For limits per store (and on
    /// tables and counts), see `Store::limiter`.
    pub fn max_memory(&mut self, bytes: u64) -> &mut Self {
        self.max_memory = Some(bytes);
        self
    }
    /// Multi-memory (a Wasm 3.0 feature; off by default): modules may
    /// declare and import several memories, and memory instructions name
    /// one by index. Memory 0 keeps the fast path; accesses to the others
    /// look their memory up in the instance. When off, a second memory is
    /// the Wasm 2.0 validation error "multiple memories".
    pub fn multi_memory(&mut self, on: bool) -> &mut Self {
        self.features.multi_memory = on;
        self
    }
    /// Address space reserved per linear memory (default: the memory's
    /// maximum, up to 4 GiB + guard). Smaller reservations move on growth.
    pub fn memory_reservation(&mut self, bytes: u64) -> &mut Self {
        self.memory_reservation = Some(bytes);
        self
    }
}

#[derive(Default)]
struct SigRegistry {
    ids: hashbrown::HashMap<FuncType, u32>,
    types: Vec<FuncType>,
}

struct EngineInner {
    config: Config,
    sigs: Mutex<SigRegistry>,
    /// Set by `interrupt`; running code checks it where `interruptible` put
    /// checks, and clears it when it stops.
    interrupt: std::sync::atomic::AtomicBool,
}

/// Compilation settings and the signature registry; cheap to clone.
#[derive(Clone)]
pub struct Engine(Arc<EngineInner>);

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::default())
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.0.config).finish()
    }
}

impl Engine {
    pub fn new(config: &Config) -> Self {
        Engine(Arc::new(EngineInner {
            config: config.clone(),
            sigs: Mutex::default(),
            interrupt: std::sync::atomic::AtomicBool::new(false),
        }))
    }
    pub fn config(&self) -> &Config {
        &self.0.config
    }
    /// Stops the wasm code running in this engine's stores (from any
    /// thread): it traps with "interrupted" at its next check. Needs
    /// `Config::interruptible(true)`.
    pub fn interrupt(&self) {
        self.0.interrupt.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The flag running code polls.
    pub(crate) fn interrupt_flag(&self) -> *const std::sync::atomic::AtomicBool {
        &self.0.interrupt
    }

    pub(crate) fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// The engine-wide id of a signature: equal types get equal ids.
    pub(crate) fn sig_id(&self, ty: &FuncType) -> u32 {
        let mut reg = self.0.sigs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = reg.ids.get(ty) {
            return id;
        }
        let id = reg.types.len() as u32;
        reg.types.push(ty.clone());
        reg.ids.insert(ty.clone(), id);
        id
    }
    /// The check lowering puts at function entries and loop heads.
    pub(crate) fn check(&self) -> Option<crate::ir::Opcode> {
        let c = &self.0.config;
        if c.fuel {
            Some(crate::ir::Opcode::ConsumeFuel)
        } else if c.interruptible {
            Some(crate::ir::Opcode::CheckInterrupt)
        } else {
            None
        }
    }

    /// The handler words code is encoded with for this engine's backend.
    pub(crate) fn words(&self) -> &'static [usize] {
        match self.0.config.backend {
            Backend::Threaded => crate::exec::threaded::words(),
            Backend::Loop => crate::exec::loop_words(),
        }
    }
}
