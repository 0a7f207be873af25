//! Binary decoding: bytes → `Module` (sections, types, imports, exports,
//! segments, names, dylink.0) and an instruction reader for function bodies.
//! Never executes anything; every malformed input is an `Error::Malformed`.

pub mod module;
pub mod types;

pub use module::*;
pub use types::*;
