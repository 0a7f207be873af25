//! Runtime objects: engine, modules, the store and everything it owns
//! (instances, functions, memories, tables, globals), and values.

pub(crate) mod engine;
pub(crate) mod func;
pub(crate) mod instance;
pub(crate) mod limits;
pub(crate) mod memory;
pub(crate) mod module;
pub(crate) mod resumable;
pub(crate) mod store;
pub(crate) mod values;
