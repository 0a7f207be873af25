//! The register IR: the instruction table (`table.rs`), operand shapes
//! (`shapes.rs`), and what is generated from the table here: `Opcode`, the
//! encoder and the printer. Knows nothing of wasm decoding or execution.
//!
//! Encoding: an instruction is one machine word (the handler's address for
//! the threaded backend, the opcode for the loop backend) followed by its
//! packed operand record, padded to 8 bytes. `br_table` adds its targets.

pub mod shapes;
mod table;

pub(crate) use table::for_each_instr;

use shapes::*;
use std::fmt::Write as _;

/// Size in bytes of an instruction's fixed part with operand shape `S`.
pub const fn instr_size<S>() -> usize {
    (8 + std::mem::size_of::<S>() + 7) & !7
}

macro_rules! gen_opcodes {
    (
        $( $name:ident ( $shape:ident ) = $fam:ident :: $h:ident $( ( $($arg:ident),* ) )? ; )*
        @pairs { $( $pair:ident = $first:ident , $second:ident ; )* }
    ) => {
        /// Every IR instruction (generated from `table.rs`), then the pairs.
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
        #[repr(u16)]
        #[allow(non_camel_case_types)]
        pub enum Opcode { $($name,)* $($pair),* }

        impl Opcode {
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name,)* $(Opcode::$pair),*];
            pub const COUNT: usize = Self::ALL.len();
            /// The superinstructions: (pair, first, second).
            pub const PAIRS: &'static [(Opcode, Opcode, Opcode)] =
                &[$((Opcode::$pair, Opcode::$first, Opcode::$second)),*];

            pub fn name(self) -> &'static str {
                match self { $(Opcode::$name => stringify!($name),)* $(Opcode::$pair => stringify!($pair)),* }
            }
            /// A pair's operand shape is its first instruction's (the second
            /// keeps its own word and record right after).
            pub fn shape_name(self) -> &'static str {
                match self {
                    $(Opcode::$name => <$shape as Shape>::NAME,)*
                    $(Opcode::$pair => Opcode::$first.shape_name()),*
                }
            }
            /// Bytes of the fixed part (handler word + operands), a multiple of 8.
            #[inline(always)]
            pub const fn size(self) -> usize {
                match self {
                    $(Opcode::$name => instr_size::<$shape>(),)*
                    $(Opcode::$pair => Opcode::$first.size()),*
                }
            }
            /// Formats the operands at `ip`; returns the text and the number
            /// of trailing bytes (after the fixed part) the instruction owns.
            ///
            /// # Safety
            /// `ip` must point at an encoded instruction with this opcode.
            unsafe fn describe(self, ip: *const u8) -> (String, usize) {
                match self {
                    $(Opcode::$name => {
                        // SAFETY: the caller guarantees the shape is there.
                        let s: $shape = unsafe { read_shape(ip) };
                        (s.to_string(), s.trailing_bytes())
                    })*
                    // SAFETY: a pair starts with its first instruction's record.
                    $(Opcode::$pair => unsafe { Opcode::$first.describe(ip) }),*
                }
            }
        }
    };
}
for_each_instr!(gen_opcodes);

/// Reads the operand record of the instruction at `ip`.
///
/// # Safety
/// `ip` must point at an encoded instruction whose shape is `S`.
#[inline(always)]
pub unsafe fn read_shape<S: Copy>(ip: *const u8) -> S {
    // SAFETY: operands follow the 8-byte handler word; the record is packed
    // so an unaligned read is the right one.
    unsafe { std::ptr::read_unaligned(ip.add(8) as *const S) }
}

/// Which dispatch backend code is encoded for (it decides the handler word).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Backend {
    /// Handlers end in a sibling call to the next handler.
    Threaded,
    /// A `loop` + `match` over opcodes.
    Loop,
}

impl Default for Backend {
    fn default() -> Self {
        if cfg!(weft_threaded) {
            Backend::Threaded
        } else {
            Backend::Loop
        }
    }
}

/// Appends instructions to a function's code buffer.
pub struct Encoder<'w> {
    /// The code so far, in the machine words it runs from.
    buf: Vec<u64>,
    /// Where each instruction starts (in words), and its opcode (for pairing).
    starts: Vec<(u32, Opcode)>,
    /// Instructions emitted so far (fuel accounting).
    count: usize,
    /// The handler word of each opcode for the chosen backend.
    words: &'w [usize],
}

impl<'w> Encoder<'w> {
    pub fn new(words: &'w [usize]) -> Self {
        Self::with_capacity(words, 256)
    }

    /// An encoder expecting about `bytes` bytes of code.
    pub fn with_capacity(words: &'w [usize], bytes: usize) -> Self {
        Self::reusing(words, bytes, Vec::new())
    }

    /// The same, keeping its bookkeeping in `starts` (cleared), an earlier
    /// encoder's from `finish_reusable`: saves an allocation per function.
    pub fn reusing(words: &'w [usize], bytes: usize, mut starts: Vec<(u32, Opcode)>) -> Self {
        starts.clear();
        starts.reserve(bytes / 24);
        Encoder { buf: Vec::with_capacity(bytes / 8), starts, count: 0, words }
    }

    /// Number of instructions emitted so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Byte position where the next instruction starts.
    pub fn pos(&self) -> usize {
        self.buf.len() * 8
    }

    /// Appends an instruction; returns its position.
    pub fn emit<S: Shape>(&mut self, op: Opcode, operands: S) -> usize {
        debug_assert_eq!(op.shape_name(), S::NAME, "{op:?} takes {}", op.shape_name());
        let pos = self.pos();
        self.count += 1;
        self.starts.push((self.buf.len() as u32, op));
        // The handler word, then the operands zero-padded to whole words,
        // appended at once.
        const MAX_WORDS: usize = 8;
        let n = 1 + std::mem::size_of::<S>().div_ceil(8);
        const { assert!(std::mem::size_of::<S>() <= 8 * (MAX_WORDS - 1)) };
        let mut words = [0u64; MAX_WORDS];
        words[0] = self.words[op as usize] as u64;
        // SAFETY: `S` is a packed record of plain integers (no padding, no
        // pointers), so copying its bytes is sound; it fits after the first
        // word (asserted above).
        unsafe {
            std::ptr::copy_nonoverlapping(
                &operands as *const S as *const u8,
                words.as_mut_ptr().add(1) as *mut u8,
                std::mem::size_of::<S>(),
            );
        }
        self.buf.extend_from_slice(&words[..n]);
        pos
    }

    /// Appends room for the trailing target table of a `br_table` (`n` i32
    /// entries, zero until patched, padded to a word).
    pub fn emit_zeros(&mut self, n: usize) -> usize {
        let pos = self.pos();
        self.buf.resize(self.buf.len() + n.div_ceil(2), 0);
        pos
    }

    /// Overwrites the 4 bytes at byte `at` (a field may straddle words).
    fn patch4(&mut self, at: usize, value: [u8; 4]) {
        for (i, v) in value.into_iter().enumerate() {
            let (w, o) = ((at + i) / 8, (at + i) % 8);
            let mut bytes = self.buf[w].to_ne_bytes();
            bytes[o] = v;
            self.buf[w] = u64::from_ne_bytes(bytes);
        }
    }

    /// Overwrites the i32 at byte `at` (a branch target field).
    pub fn patch_i32(&mut self, at: usize, value: i32) {
        self.patch4(at, value.to_ne_bytes());
    }

    /// Overwrites the u32 at byte `at` (a destination slot field).
    pub fn patch_u32(&mut self, at: usize, value: u32) {
        self.patch4(at, value.to_ne_bytes());
    }

    pub fn read_u32(&self, at: usize) -> u32 {
        let byte = |i: usize| self.buf[(at + i) / 8].to_ne_bytes()[(at + i) % 8];
        u32::from_ne_bytes([byte(0), byte(1), byte(2), byte(3)])
    }

    /// Removes everything from byte `pos` on (used to drop a just-emitted copy).
    pub fn truncate(&mut self, pos: usize) {
        let words = pos / 8;
        self.buf.truncate(words);
        while self.starts.last().is_some_and(|&(p, _)| p as usize >= words) {
            self.starts.pop();
        }
    }

    /// Rewrites instructions from byte `pos` on: `step` gives each opcode's
    /// replacement (with the same operands) and whether to go on.
    pub fn rewrite_from(&mut self, pos: usize, mut step: impl FnMut(Opcode) -> (Opcode, bool)) {
        let first = self.starts.partition_point(|&(p, _)| (p as usize) < pos / 8);
        for i in first..self.starts.len() {
            let (p, op) = self.starts[i];
            let (new, go_on) = step(op);
            debug_assert_eq!(new.size(), op.size());
            self.starts[i].1 = new;
            self.buf[p as usize] = self.words[new as usize] as u64;
            if !go_on {
                break;
            }
        }
    }

    /// The finished code, 8-byte aligned, with superinstructions: where two
    /// instructions that form a pair in the table lie back to back, the
    /// first one's word becomes the pair's. Nothing moves: the second keeps
    /// its word, so a branch to it still runs it alone, and branch offsets
    /// stay valid. An `A` form with no pair of its own pairs as its plain
    /// form (which reads the same value from its slot); a branch to the
    /// second still runs its own form.
    pub fn finish(self) -> Box<[u64]> {
        self.finish_reusable().0
    }

    /// `finish`, also handing back the bookkeeping for `reusing`.
    pub fn finish_reusable(mut self) -> (Box<[u64]>, Vec<(u32, Opcode)>) {
        let firsts = pair_firsts();
        for w in self.starts.windows(2) {
            let ((p1, a), (_, b)) = (w[0], w[1]);
            // Instructions lie back to back, except after a `br_table` (its
            // targets follow it), which starts no pair: no pair starts with
            // a jump (see the test below).
            if let Some(&(_, pair)) = firsts[a as usize].iter().find(|(second, _)| *second == b) {
                self.buf[p1 as usize] = self.words[pair as usize] as u64;
            }
        }
        (self.buf.into_boxed_slice(), self.starts)
    }
}

/// Per opcode: its `A` form (the table entry named like it with an `A`
/// suffix, which takes its first operand from the accumulator), the plain
/// form of an `A` form, and whether it leaves both accumulators alone.
struct Forms {
    acc: Option<Opcode>,
    base: Option<Opcode>,
    keeps: bool,
}

fn forms() -> &'static [Forms] {
    static FORMS: std::sync::OnceLock<Vec<Forms>> = std::sync::OnceLock::new();
    FORMS.get_or_init(|| {
        let by_name: hashbrown::HashMap<&str, Opcode> = Opcode::ALL.iter().map(|&o| (o.name(), o)).collect();
        let mut forms: Vec<Forms> = Opcode::ALL
            .iter()
            .map(|&o| Forms {
                acc: by_name.get(format!("{}A", o.name()).as_str()).copied(),
                base: None,
                // Stores, branches (not taken) and copies into slots: their
                // handlers never touch `Regs::acc`/`facc`.
                keeps: matches!(
                    o.shape_name(),
                    "Store"
                        | "StoreIdx"
                        | "StoreImm"
                        | "StoreImmIdx"
                        | "Jump"
                        | "JumpIf"
                        | "JumpCmp"
                        | "JumpCmpImm"
                ) || matches!(
                    o,
                    Opcode::Copy
                        | Opcode::CopyA
                        | Opcode::F64CopyA
                        | Opcode::Copy128
                        | Opcode::Const
                        | Opcode::GlobalSet
                        | Opcode::GlobalSet128
                ),
            })
            .collect();
        for &o in Opcode::ALL {
            if let Some(a) = forms[o as usize].acc {
                forms[a as usize].base = Some(o);
            }
        }
        forms
    })
}

impl Opcode {
    /// The form of `self` that takes its first operand from the
    /// accumulator, if there is one.
    pub fn acc_form(self) -> Option<Opcode> {
        forms()[self as usize].acc
    }

    /// The plain form of an `A` form (same operands, read from slots).
    pub fn base_form(self) -> Option<Opcode> {
        forms()[self as usize].base
    }

    /// Whether `self` leaves both accumulators as they are.
    pub fn keeps_acc(self) -> bool {
        forms()[self as usize].keeps
    }
}

/// For each opcode, the pairs it starts: (second, pair). A pair of plain
/// forms also stands for their `A` forms, after the pairs of their own.
fn pair_firsts() -> &'static [Vec<(Opcode, Opcode)>] {
    static FIRSTS: std::sync::OnceLock<Vec<Vec<(Opcode, Opcode)>>> = std::sync::OnceLock::new();
    FIRSTS.get_or_init(|| {
        let mut v = vec![Vec::new(); Opcode::COUNT];
        let plain_and_acc = |o: Opcode| [Some(o), o.acc_form()];
        // Exact pairs first, then with the first, the second, both in `A` form.
        for (fa, fb) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            for &(pair, first, second) in Opcode::PAIRS {
                if let (Some(a), Some(b)) = (plain_and_acc(first)[fa], plain_and_acc(second)[fb]) {
                    v[a as usize].push((b, pair));
                }
            }
        }
        v
    })
}

/// Byte offset, within an instruction, of the field at `offset_of` in its
/// operand record.
pub const fn field(offset_of: usize) -> usize {
    8 + offset_of
}

/// Prints a function's code, one instruction per line. `opcode_of` maps a
/// handler word back to its opcode.
pub fn print(code: &[u64], opcode_of: &dyn Fn(usize) -> Option<Opcode>) -> String {
    let bytes: &[u8] = bytemuck_u8(code);
    let mut out = String::new();
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        let word = usize::from_ne_bytes(bytes[pos..pos + 8].try_into().unwrap());
        let Some(op) = opcode_of(word) else {
            let _ = writeln!(out, "{pos:6}: <bad handler word {word:#x}>");
            break;
        };
        // SAFETY: `code` came from an `Encoder`, so a valid instruction of
        // this opcode starts at `pos`.
        let (text, trailing) = unsafe { op.describe(bytes.as_ptr().add(pos)) };
        let _ = write!(out, "{pos:6}: {}{text}", op.name());
        let end = pos + op.size();
        if op.shape_name() == "JumpTable" {
            let targets: Vec<String> = bytes[end..end + trailing]
                .chunks_exact(4)
                .map(|c| {
                    let rel = i32::from_ne_bytes(c.try_into().unwrap());
                    format!("{}", end as i64 + rel as i64)
                })
                .collect();
            let _ = write!(out, " -> [{}]", targets.join(", "));
        } else if let Some(at) = branch_field(op) {
            let rel = i32::from_ne_bytes(bytes[pos + at..pos + at + 4].try_into().unwrap());
            let _ = write!(out, " -> {}", end as i64 + rel as i64);
        }
        out.push('\n');
        pos = end + ((trailing + 7) & !7);
    }
    out
}

/// Byte offset of the branch target field of a jump instruction.
pub fn branch_field(op: Opcode) -> Option<usize> {
    match op {
        Opcode::Br => Some(field(std::mem::offset_of!(Jump, target))),
        op if op.shape_name() == "JumpIf" => Some(field(std::mem::offset_of!(JumpIf, target))),
        op if op.shape_name() == "JumpCmp" => Some(field(std::mem::offset_of!(JumpCmp, target))),
        op if op.shape_name() == "JumpCmpImm" => Some(field(std::mem::offset_of!(JumpCmpImm, target))),
        _ => None,
    }
}

fn bytemuck_u8(words: &[u64]) -> &[u8] {
    // SAFETY: u64 has no padding; any u64 array is a valid byte array.
    unsafe { std::slice::from_raw_parts(words.as_ptr() as *const u8, words.len() * 8) }
}

/// A lowered function: its code and frame layout.
#[derive(Debug)]
pub struct FuncCode {
    pub code: Box<[u64]>,
    /// Slots the frame needs (parameters, locals, temporaries, and room for
    /// the results).
    pub frame_slots: u32,
    /// Slots taken by the parameters (the caller fills them).
    pub param_slots: u32,
    /// Slots of declared locals to zero on entry, right after the
    /// parameters: up to the last one the code may read before writing it.
    pub local_slots: u32,
}

/// What a call needs to enter a function: its first instruction and its
/// frame's shape. Function entities keep a copy beside their `FuncCode`, so
/// a call reads it without going through the code (a dependent load that
/// made up a third of the call handler's time in `fib`).
#[derive(Clone, Copy, Debug)]
pub struct CallEntry {
    pub ip: *const u8,
    pub frame_slots: u32,
    pub param_slots: u32,
    pub local_slots: u32,
}

impl FuncCode {
    /// The `CallEntry` of this code.
    pub fn entry(&self) -> CallEntry {
        CallEntry {
            ip: self.code.as_ptr() as *const u8,
            frame_slots: self.frame_slots,
            param_slots: self.param_slots,
            local_slots: self.local_slots,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pair runs its second instruction after its first: the first must
    /// not jump, and pairing relies on no pair starting with a `br_table`.
    #[test]
    fn no_pair_starts_with_a_jump() {
        for &(pair, first, _) in Opcode::PAIRS {
            assert!(branch_field(first).is_none() && first.shape_name() != "JumpTable", "{pair:?}");
            assert!(!matches!(first, Opcode::Return | Opcode::ReturnCopy | Opcode::ReturnConst), "{pair:?}");
        }
    }
}
