//! Execution: handler bodies by family (`numeric`, `memory`, `table`,
//! `variable`, `control`, `call`) and the two dispatch backends generated
//! from `ir::for_each_instr!`. No decoding or validation happens here.
//!
//! Hot state travels in handler arguments: `ip` (next instruction), `fp`
//! (frame base), `mem`/`len` (memory 0 of the running instance; the others
//! are looked up per access, see `memory::access_n`) and `ctx`.
//! Wasm calls push a `Frame` on `Ctx::frames` and continue in the same
//! dispatch chain, so the native stack never grows with wasm recursion.

pub(crate) mod call;
pub(crate) mod control;
pub(crate) mod memory;
pub(crate) mod numeric;
pub(crate) mod simd;
pub(crate) mod table;
pub(crate) mod variable;

use crate::error::{Error, TrapCode};
use crate::ir::shapes::*;
use crate::ir::{for_each_instr, read_shape, Opcode};
use crate::runtime::store::{FuncEntity, FuncKind, InstanceEntity};

/// Why a dispatch chain stopped. `DONE`: the entry function returned;
/// `ERROR`: `Ctx::error` holds the error; otherwise a `TrapCode`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Exit(pub u8);

impl Exit {
    pub const DONE: Exit = Exit(0);
    pub const ERROR: Exit = Exit(255);
    #[inline(always)]
    pub fn trap(code: TrapCode) -> Exit {
        Exit(code as u8)
    }
}

impl From<TrapCode> for Exit {
    #[inline(always)]
    fn from(c: TrapCode) -> Exit {
        Exit::trap(c)
    }
}

/// What a handler body returns: go on at `r.ip`, or stop.
pub(crate) type Res = Result<(), Exit>;

/// The hot registers of the interpreter.
pub(crate) struct Regs {
    pub ip: *const u8,
    pub fp: *mut u64,
    pub mem: *mut u8,
    pub len: usize,
    /// The last arithmetic or load result (also in its slot): the next
    /// instruction can take it from this register instead of memory.
    pub acc: u64,
    /// The same for `f64` arithmetic results, in a float register: an f64
    /// chain then never moves values between integer and float registers.
    pub facc: f64,
}

/// A suspended caller: where to continue when the callee returns.
/// A frame with a null `ret_ip` marks an entry from the host.
#[derive(Clone, Copy)]
pub(crate) struct Frame {
    pub ret_ip: *const u8,
    pub ret_fp: *mut u64,
    pub ret_instance: *mut InstanceEntity,
    /// The callee (for backtraces).
    pub func: *const FuncEntity,
}

/// Execution context of one store: the frame stack, the value stack bounds
/// and the running instance. Lives in a `Box` so its address is stable
/// while host functions re-enter wasm.
pub(crate) struct Ctx {
    /// The running instance; set with `set_instance`, which keeps `funcs`.
    pub instance: *mut InstanceEntity,
    /// `instance`'s function table (a direct call reads it without going
    /// through the instance: one dependent load less).
    pub funcs: *const *const crate::runtime::store::FuncEntity,
    pub frames: Vec<Frame>,
    pub max_frames: usize,
    /// One past the last usable slot of the value stack.
    pub stack_end: *mut u64,
    /// First free slot while a host function runs (where a re-entrant call
    /// places its frame).
    pub top: *mut u64,
    /// `*mut Store<T>` of the running call, handed to host functions.
    pub store: *mut u8,
    pub error: Option<Error>,
    /// Fuel left (only consumed when the engine counts fuel).
    pub fuel: u64,
    /// The engine's interrupt flag (polled where the engine asked for it).
    pub interrupt: *const std::sync::atomic::AtomicBool,
    /// Where the last `ConsumeFuel` that found too little fuel stopped
    /// (written only then, so ordinary execution never touches it).
    pub fuel_stop: FuelStop,
    /// Asks the store's resource limiter (`store` is its argument) before
    /// `memory.grow` and `table.grow`; none when the store has none.
    pub limiter: Option<crate::runtime::limits::LimiterHook>,
}

/// The interpreter state at a `ConsumeFuel` that ran out: `ip` is that
/// instruction itself, so running from here checks again (nothing was
/// charged and nothing after it ran). With the frame stack and the value
/// stack left as they are, this is all a resumable call needs to continue.
/// `mem`/`len` are not kept: they are reloaded from the running instance.
/// Nor are the accumulators: nothing after a `ConsumeFuel` (function entry,
/// loop head) reads one before setting it, as lowering makes no assumption
/// about them at a head with a check.
#[derive(Clone, Copy)]
pub(crate) struct FuelStop {
    pub ip: *const u8,
    pub fp: *mut u64,
    /// The fuel the check asks for.
    pub needed: u64,
}

impl FuelStop {
    pub const NONE: FuelStop = FuelStop { ip: std::ptr::null(), fp: std::ptr::null_mut(), needed: 0 };
}

/// Reads a slot.
///
/// # Safety
/// `s` is within the running function's frame (guaranteed by lowering:
/// every slot operand is < the function's `frame_slots`, and the call that
/// created the frame checked `fp + frame_slots <= stack_end`).
#[inline(always)]
pub(crate) unsafe fn get(fp: *mut u64, s: Slot) -> u64 {
    unsafe { *fp.add(s.0 as usize) }
}

/// Writes an arithmetic or load result: to its slot, and to the accumulator
/// (where the next instruction's `A` form reads it). Same safety contract
/// as [`get`].
#[inline(always)]
pub(crate) unsafe fn put(r: &mut Regs, s: Slot, v: u64) {
    unsafe { set(r.fp, s, v) };
    r.acc = v;
}

/// Writes a slot. Same safety contract as [`get`].
#[inline(always)]
pub(crate) unsafe fn set(fp: *mut u64, s: Slot, v: u64) {
    unsafe { *fp.add(s.0 as usize) = v }
}

impl Ctx {
    /// Makes `inst` (live, or null between calls) the running instance.
    #[inline(always)]
    pub(crate) fn set_instance(&mut self, inst: *mut InstanceEntity) {
        self.instance = inst;
        // SAFETY: a non-null `inst` is a live instance of this store; its
        // function table is complete once it exists and never reallocates.
        self.funcs = if inst.is_null() { std::ptr::null() } else { unsafe { (*inst).funcs.as_ptr() } };
    }

    /// Whether the store's resource limiter allows `g` (out of line: only
    /// growth instructions ask).
    #[inline(never)]
    pub(crate) fn growth_allowed(&self, g: crate::runtime::limits::Growth) -> bool {
        match self.limiter {
            None => true,
            // SAFETY: while wasm runs, `store` is the `Store<T>` whose
            // `limiter` installed this hook for its `T`.
            Some(ask) => unsafe { ask(self.store, g) },
        }
    }

    /// One past the last slot of the innermost frame, whose base is `fp`
    /// (where a call made while a suspended call waits starts).
    pub(crate) fn frame_end(&self, fp: *mut u64) -> *mut u64 {
        let Some(fr) = self.frames.last() else { return self.stack_end };
        // SAFETY: frames point at live function entities of the store, and
        // a wasm function that ran (its fuel check) has its code in place,
        // whose frame fits below `stack_end` at `fp` (checked by the call).
        unsafe {
            match &(*fr.func).kind {
                FuncKind::Wasm { code, .. } => fp.add((*code.get()).frame_slots as usize),
                FuncKind::Host { .. } | FuncKind::Slot { .. } => self.stack_end,
            }
        }
    }

    /// Reloads memory 0 of the running instance into the registers (after
    /// calls, returns and `memory.grow`: the memory may have grown, or moved
    /// if its reservation could not be had).
    #[inline(always)]
    pub(crate) unsafe fn reload_memory(&self, r: &mut Regs) {
        // SAFETY: `instance` is a live instance of this store.
        let m = unsafe { (*self.instance).mem0 };
        if m.is_null() {
            r.mem = std::ptr::NonNull::dangling().as_ptr();
            r.len = 0;
        } else {
            // SAFETY: `mem0` points at a memory owned by the same store.
            unsafe {
                r.mem = (*m).base();
                r.len = (*m).len();
            }
        }
    }
}

/// A threaded handler. All share this signature so that each can end in a
/// sibling call to the next one.
pub(crate) type Handler = unsafe extern "C" fn(
    ip: *const u8,
    fp: *mut u64,
    mem: *mut u8,
    len: usize,
    ctx: *mut Ctx,
    acc: u64,
    facc: f64,
) -> u8;

macro_rules! gen_dispatch {
    (
        $( $name:ident ( $shape:ident ) = $fam:ident :: $h:ident $( ( $($arg:ident),* ) )? ; )*
        @pairs { $( $pair:ident = $first:ident , $second:ident ; )* }
    ) => {
        /// One instruction's work, shared by both backends and the pairs:
        /// reads its operands at `r.ip`, moves `r.ip` past it, runs its body.
        #[allow(non_snake_case)]
        mod steps {
            use super::*;
            $(
                /// # Safety
                /// `r.ip` points at an instruction of this opcode (the
                /// encoder wrote its word there), and `ctx` is the live
                /// context of the running call.
                #[inline(always)]
                pub(super) unsafe fn $name(r: &mut Regs, ctx: &mut Ctx) -> Res {
                    unsafe {
                        let o: $shape = read_shape(r.ip);
                        r.ip = r.ip.add(Opcode::$name.size());
                        $fam::$h(o, r, ctx $(, $($fam::$arg),* )?)
                    }
                }
            )*
        }

        /// The threaded backend: one `extern "C"` function per instruction.
        #[allow(non_snake_case)]
        pub(crate) mod threaded {
            use super::*;
            $(
                pub(crate) unsafe extern "C" fn $name(
                    ip: *const u8, fp: *mut u64, mem: *mut u8, len: usize, ctx: *mut Ctx, acc: u64,
                    facc: f64,
                ) -> u8 {
                    let mut r = Regs { ip, fp, mem, len, acc, facc };
                    // SAFETY: `ip` points at an instruction of this opcode
                    // (the encoder wrote this handler's address there), and
                    // `ctx` is the live context of the running call.
                    unsafe {
                        let res = steps::$name(&mut r, &mut *ctx);
                        next(res, r, ctx)
                    }
                }
            )*
            $(
                pub(crate) unsafe extern "C" fn $pair(
                    ip: *const u8, fp: *mut u64, mem: *mut u8, len: usize, ctx: *mut Ctx, acc: u64,
                    facc: f64,
                ) -> u8 {
                    let mut r = Regs { ip, fp, mem, len, acc, facc };
                    // SAFETY: the encoder writes a pair's word only over the
                    // first of two adjacent instructions with these opcodes.
                    unsafe {
                        let res = match steps::$first(&mut r, &mut *ctx) {
                            Ok(()) => steps::$second(&mut r, &mut *ctx),
                            Err(e) => Err(e),
                        };
                        next(res, r, ctx)
                    }
                }
            )*
            /// How every handler ends: a sibling call to the next
            /// instruction's handler, or the exit code.
            ///
            /// # Safety
            /// `r.ip` points at an instruction encoded for this backend.
            #[inline(always)]
            unsafe fn next(res: Res, r: Regs, ctx: *mut Ctx) -> u8 {
                match res {
                    Ok(()) => {
                        // SAFETY: every instruction starts with its handler.
                        let next = unsafe { *(r.ip as *const Handler) };
                        unsafe { next(r.ip, r.fp, r.mem, r.len, ctx, r.acc, r.facc) }
                    }
                    Err(e) => e.0,
                }
            }

            /// Handler addresses, indexed by opcode: the words the encoder writes.
            pub(crate) fn words() -> &'static [usize] {
                static WORDS: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
                WORDS.get_or_init(|| vec![$($name as Handler as usize,)* $($pair as Handler as usize),*])
            }
        }

        /// The loop backend: the same handler bodies in a `loop` + `match`.
        ///
        /// # Safety
        /// `r.ip` points at code encoded for `Backend::Loop`, `r.fp` at a
        /// frame set up for it, and `ctx` is the live context.
        pub(crate) unsafe fn run_loop(mut r: Regs, ctx: *mut Ctx) -> Exit {
            #[cfg(feature = "pair-counts")]
            let mut prev = Opcode::COUNT;
            loop {
                // SAFETY: the encoder wrote a valid opcode as the word.
                let op: Opcode = unsafe { std::mem::transmute(*(r.ip as *const usize) as u16) };
                #[cfg(feature = "pair-counts")]
                {
                    pairs::count(prev, op as usize);
                    prev = op as usize;
                }
                // SAFETY: as in the threaded handlers.
                let res = unsafe {
                    match op {
                        $(Opcode::$name => steps::$name(&mut r, &mut *ctx),)*
                        $(Opcode::$pair => match steps::$first(&mut r, &mut *ctx) {
                            Ok(()) => steps::$second(&mut r, &mut *ctx),
                            Err(e) => Err(e),
                        },)*
                    }
                };
                if let Err(e) = res {
                    return e;
                }
            }
        }
    };
}
for_each_instr!(gen_dispatch);

/// Counts of executed instruction pairs (loop backend, feature
/// `pair-counts`): the data superinstructions are chosen from.
#[cfg(feature = "pair-counts")]
pub mod pairs {
    use super::Opcode;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::sync::OnceLock;

    fn table() -> &'static [AtomicU64] {
        static T: OnceLock<Vec<AtomicU64>> = OnceLock::new();
        T.get_or_init(|| (0..(Opcode::COUNT + 1) * Opcode::COUNT).map(|_| AtomicU64::new(0)).collect())
    }

    /// Counts `second` executed right after `first` (`Opcode::COUNT`: none).
    pub(crate) fn count(first: usize, second: usize) {
        table()[first * Opcode::COUNT + second].fetch_add(1, Relaxed);
    }

    /// The `n` most executed pairs, most first: (first, second, count).
    pub fn top(n: usize) -> Vec<(&'static str, &'static str, u64)> {
        let mut v: Vec<_> = table()
            .iter()
            .enumerate()
            .filter(|(i, c)| *i / Opcode::COUNT < Opcode::COUNT && c.load(Relaxed) > 0)
            .map(|(i, c)| {
                let (a, b) = (i / Opcode::COUNT, i % Opcode::COUNT);
                (Opcode::ALL[a].name(), Opcode::ALL[b].name(), c.load(Relaxed))
            })
            .collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.2));
        v.truncate(n);
        v
    }
}

/// Opcode words of the loop backend.
pub(crate) fn loop_words() -> &'static [usize] {
    static WORDS: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| (0..Opcode::COUNT).collect())
}

/// Runs from `r` until the entry frame returns or something stops it.
///
/// # Safety
/// As for [`run_loop`]; the code must be encoded for `backend`.
pub(crate) unsafe fn run(backend: crate::ir::Backend, r: Regs, ctx: *mut Ctx) -> Exit {
    match backend {
        crate::ir::Backend::Loop => unsafe { run_loop(r, ctx) },
        crate::ir::Backend::Threaded => unsafe {
            let first = *(r.ip as *const Handler);
            Exit(first(r.ip, r.fp, r.mem, r.len, ctx, r.acc, r.facc))
        },
    }
}

/// Maps a handler word back to its opcode (for the IR printer).
pub(crate) fn opcode_of(backend: crate::ir::Backend, word: usize) -> Option<Opcode> {
    match backend {
        crate::ir::Backend::Loop => Opcode::ALL.get(word).copied(),
        crate::ir::Backend::Threaded => {
            threaded::words().iter().position(|&w| w == word).map(|i| Opcode::ALL[i])
        }
    }
}

/// The code every not-yet-lowered function starts with (lazy mode): one
/// `LazyCompile` instruction, run inside the callee's new frame.
pub(crate) fn lazy_stub(backend: crate::ir::Backend) -> &'static crate::ir::FuncCode {
    static STUBS: [std::sync::OnceLock<crate::ir::FuncCode>; 2] =
        [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
    let (i, words) = match backend {
        crate::ir::Backend::Threaded => (0, threaded::words()),
        crate::ir::Backend::Loop => (1, loop_words()),
    };
    STUBS[i].get_or_init(|| {
        let mut enc = crate::ir::Encoder::new(words);
        enc.emit(Opcode::LazyCompile, Nullary {});
        crate::ir::FuncCode { code: enc.finish(), frame_slots: 0, param_slots: 0, local_slots: 0 }
    })
}
