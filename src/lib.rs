//! weft: a WebAssembly interpreter with a register IR, direct-threaded
//! dispatch and a dynamic linker.
//!
//! Pipeline: `decode` → `validate` + `lower` (one pass per function) → `ir`
//! → `exec`; `runtime` holds the store and its objects, `link` resolves
//! imports.

pub mod decode;
pub mod error;
pub(crate) mod exec;
pub mod ir;
pub mod link;
pub(crate) mod lower;
pub(crate) mod runtime;
pub mod validate;
pub mod wasi;
#[cfg(feature = "wast")]
pub mod wast;

pub use decode::types::*;
pub use error::{Error, FrameInfo, Result, Trap, TrapCode};
#[cfg(feature = "pair-counts")]
pub use exec::pairs;
pub use ir::Backend;
pub use link::dylink::DynamicLinker;
pub use link::Linker;
pub use runtime::engine::{Config, Engine};
pub use runtime::func::{Caller, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmTy};
pub use runtime::limits::{
    ResourceLimiter, StoreLimits, StoreLimitsBuilder, DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT,
    DEFAULT_TABLE_LIMIT,
};
pub use runtime::module::{ExportType, ExternType, ImportType, Module};
pub use runtime::resumable::{
    ResumableCall, ResumableCallOutOfFuel, TypedResumableCall, TypedResumableCallOutOfFuel,
};
pub use runtime::store::{AsContext, AsContextMut, Func, Global, Instance, Memory, Store, Table};
pub use runtime::values::{Extern, ExternRef, Val};
