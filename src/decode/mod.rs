//! Binary decoding: bytes → `Module` (sections, types, imports, exports,
//! segments, names, dylink.0) and an instruction reader for function bodies.
//! Never executes anything; every malformed input is an `Error::Malformed`.

pub mod binary;
pub mod custom;
pub mod module;
pub mod op;
pub mod reader;
pub mod types;

pub use binary::{decode_module, decode_module_shallow, MAX_LOCALS};
pub use module::*;
pub use op::{MemArg, Op, OpReader};
pub use types::*;
