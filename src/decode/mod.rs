//! Binary decoding: bytes → `Module` (sections, types, imports, exports,
//! segments, names, dylink.0) and an instruction reader for function bodies.
//! Never executes anything; every malformed input is an `Error::Malformed`.

pub mod binary;
pub mod custom;
pub mod module;
pub mod op;
pub mod reader;
pub mod types;

pub use binary::{decode_module, decode_module_shallow, decode_module_with, MAX_LOCALS};
pub use module::*;
pub use op::{MemArg, Op, OpReader};
pub use types::*;

/// Optional features beyond Wasm 2.0 that change what decodes and validates.
/// All off by default; a decoded [`Module`] records the set it was decoded
/// with, and validation and lowering follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Features {
    /// Multi-memory (Wasm 3.0): several memories per module, and memory
    /// indices in memory instructions (memarg flag bit 6, and a LEB128
    /// index where Wasm 2.0 has a zero byte).
    pub multi_memory: bool,
}
