//! weft: a WebAssembly interpreter with a register IR, direct-threaded
//! dispatch and a dynamic linker.
//!
//! Pipeline: `decode` → `validate` + `lower` (one pass per function) → `ir`
//! → `exec`; `runtime` holds the store and its objects, `link` resolves
//! imports.

pub mod decode;
pub mod error;

pub use decode::types::*;
pub use error::{Error, FrameInfo, Result, Trap, TrapCode};
