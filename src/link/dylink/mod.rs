//! The dynamic linker: loads modules carrying a `dylink.0` section into one
//! shared memory and one shared function table, the way a native loader
//! links shared objects (see `DYLINK.md`). It does not execute anything
//! itself beyond start functions, relocations and constructors.
//!
//! - `loader.rs`: the load algorithm (NEEDED walk, placement, binding,
//!   instantiation, initialisation), `dlclose`, interposition;
//! - `process.rs`: the program's shared state, and placing, binding,
//!   instantiating and unloading one library;
//! - `symbols.rs`: libraries, their symbols, the GOT;
//! - `dlfcn.rs`: `dlopen`/`dlsym`/`dlclose`/`dlerror` as wasm imports;
//! - `alloc.rs`: the memory-range and table-slot allocators.
//!
//! Every function symbol that crosses a module boundary owns one slot of
//! the shared table. `GOT.func.X` holds it, and an import `env.X` is a
//! [`Func::from_table_slot`] call through it, so function-pointer identity
//! holds across modules and replacing a function for every caller is one
//! table write ([`DynamicLinker::interpose`]).

mod alloc;
mod dlfcn;
mod loader;
mod process;
mod symbols;

use crate::error::{Error, Result};
use crate::runtime::func::IntoFunc;
use crate::runtime::store::AsContextMut;
use crate::{Engine, Extern, Func, Instance, Linker, Memory, Table};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError, Weak};

pub(crate) use process::Process;

/// `dlopen` flags (musl / Emscripten values).
pub const RTLD_LAZY: i32 = 1;
pub const RTLD_NOW: i32 = 2;
pub const RTLD_NOLOAD: i32 = 4;
pub const RTLD_GLOBAL: i32 = 256;
pub const RTLD_LOCAL: i32 = 0;
pub const RTLD_NODELETE: i32 = 4096;
/// `dlsym` pseudo-handles.
pub const RTLD_DEFAULT: i32 = 0;
pub const RTLD_NEXT: i32 = -1;

/// A loaded library (or the main program) as `dlopen` returns it. Its raw
/// value is what wasm code sees; it is never reused after the library is
/// unloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle(u32);

impl Handle {
    pub fn raw(self) -> u32 {
        self.0
    }
    pub fn from_raw(raw: u32) -> Handle {
        Handle(raw)
    }
    pub(crate) fn lib(self) -> usize {
        self.0.wrapping_sub(1) as usize
    }
    pub(crate) fn of(lib: usize) -> Handle {
        Handle(lib as u32 + 1)
    }
}

/// Where `dlsym` looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The global scope (`RTLD_DEFAULT`).
    Default,
    /// A library and its dependencies (the main program's handle means the
    /// global scope).
    Handle(Handle),
}

/// A symbol found by `dlsym`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Symbol {
    /// A function: its slot in the shared table (the C function pointer)
    /// and the function it currently holds.
    Func { slot: u32, func: Func },
    /// A data symbol: its address in the shared memory.
    Data { addr: u32 },
}

impl Symbol {
    /// The value C code sees: the table slot or the address.
    pub fn value(&self) -> u32 {
        match *self {
            Symbol::Func { slot, .. } => slot,
            Symbol::Data { addr } => addr,
        }
    }
}

/// Loader settings and the process it built. Shared (behind a mutex) by
/// the `DynamicLinker` handle and the `dlopen` family of host functions.
pub(crate) struct State<T> {
    pub engine: Engine,
    /// Host definitions (`env.print`, WASI, ...) for imports no module
    /// defines.
    pub host: Linker<T>,
    pub lib_paths: Vec<PathBuf>,
    pub preloads: Vec<String>,
    /// Libraries given as bytes, by name (searched before the file system).
    pub files: hashbrown::HashMap<String, Arc<[u8]>>,
    pub stack_size: u32,
    pub proc: Option<Process>,
    /// For the host functions, which must not keep the state alive.
    pub this: Weak<Mutex<State<T>>>,
}

/// Loads dynamically linked WebAssembly programs and libraries into one
/// store, and serves `dlopen`, `dlsym`, `dlclose` and `dlerror` to them.
///
/// ```no_run
/// # use weft::{Engine, Store, link::dylink::{DynamicLinker, RTLD_NOW}};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let dl = DynamicLinker::new(&engine);
/// dl.library_path("plugins");
/// dl.func_wrap("env", "print_i32", |x: i32| println!("{x}")).unwrap();
/// let main = dl.load_main(&mut store, "main.wasm").unwrap();
/// let run = main.get_typed_func::<(), i32>(&store, "run").unwrap();
/// run.call(&mut store, ()).unwrap();
/// ```
pub struct DynamicLinker<T> {
    state: Arc<Mutex<State<T>>>,
}

impl<T> Clone for DynamicLinker<T> {
    fn clone(&self) -> Self {
        DynamicLinker { state: self.state.clone() }
    }
}

/// Locks the state; a second lock from the same call chain (a start
/// function calling `dlopen`) is an error rather than a deadlock.
pub(crate) fn lock<T>(state: &Mutex<State<T>>) -> Result<MutexGuard<'_, State<T>>> {
    match state.try_lock() {
        Ok(g) => Ok(g),
        Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
        Err(TryLockError::WouldBlock) => {
            Err(Error::other("the dynamic linker is busy (called from a start function while loading)"))
        }
    }
}

impl<T: 'static> DynamicLinker<T> {
    /// A linker with no host definitions beyond `dlopen` and friends.
    pub fn new(engine: &Engine) -> Self {
        Self::with_host(engine, Linker::new(engine))
    }

    /// A linker that resolves imports no module defines from `host`
    /// (module `env` for C functions, or any other module name).
    pub fn with_host(engine: &Engine, host: Linker<T>) -> Self {
        let state = Arc::new_cyclic(|this| {
            Mutex::new(State {
                engine: engine.clone(),
                host,
                lib_paths: Vec::new(),
                preloads: Vec::new(),
                files: hashbrown::HashMap::new(),
                stack_size: 64 * 1024,
                proc: None,
                this: this.clone(),
            })
        });
        DynamicLinker { state }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State<T>>> {
        lock(&self.state)
    }

    /// Adds a directory to search for libraries by name (before the
    /// modules' RUNTIME_PATH and the main program's directory).
    pub fn library_path(&self, dir: impl Into<PathBuf>) -> &Self {
        if let Ok(mut s) = self.lock() {
            s.lib_paths.push(dir.into());
        }
        self
    }

    /// Loads `lib` with the main program, before its NEEDED libraries:
    /// its definitions interpose theirs.
    pub fn preload(&self, lib: impl Into<String>) -> &Self {
        if let Ok(mut s) = self.lock() {
            s.preloads.push(lib.into());
        }
        self
    }

    /// Makes `bytes` loadable under `name` without a file.
    pub fn add_library(&self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> &Self {
        if let Ok(mut s) = self.lock() {
            let bytes: Vec<u8> = bytes.into();
            s.files.insert(name.into(), bytes.into());
        }
        self
    }

    /// Size of the C stack the loader allocates (default 64 KiB).
    pub fn stack_size(&self, bytes: u32) -> &Self {
        if let Ok(mut s) = self.lock() {
            s.stack_size = bytes.max(1024).next_multiple_of(16);
        }
        self
    }

    /// Defines a host function for imports no module defines.
    pub fn func_wrap<Params, Results>(
        &self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Result<&Self> {
        self.lock()?.host.func_wrap(module, name, f)?;
        Ok(self)
    }

    /// Defines `module.name` as `item` for imports no module defines.
    pub fn define(
        &self,
        store: &mut impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&Self> {
        self.lock()?.host.define(store, module, name, item)?;
        Ok(self)
    }

    /// Loads the main program from a file, with its preloads and NEEDED
    /// libraries, relocates them and runs the libraries' constructors
    /// (dependencies first). The main program's own constructors run here
    /// too when it exports `__wasm_call_ctors` but no `_start`.
    pub fn load_main(
        &self,
        store: &mut impl AsContextMut<Data = T>,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Instance> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).map_err(|e| Error::link(format!("cannot read {}: {e}", path.display())))?;
        self.load_main_bytes(store, path, bytes)
    }

    /// Like [`load_main`](Self::load_main) with the module's bytes; `path`
    /// names it and its directory is searched for libraries.
    pub fn load_main_bytes(
        &self,
        store: &mut impl AsContextMut<Data = T>,
        path: impl AsRef<std::path::Path>,
        bytes: impl AsRef<[u8]>,
    ) -> Result<Instance> {
        let store = store.store_mut();
        let loaded = self.lock()?.load_main(store, path.as_ref(), bytes.as_ref())?;
        let instance = loaded.instance;
        self.finish(store, loaded)?;
        instance.ok_or_else(|| Error::other("the main program was not instantiated"))
    }

    /// Runs a batch's relocations and constructors without holding the
    /// lock (constructors may call `dlopen`); undoes the batch on failure.
    fn finish(&self, store: &mut crate::Store<T>, loaded: loader::Loaded) -> Result<()> {
        loader::run_inits(&self.state, store, loaded)
    }

    /// Opens a library (`None`: the main program), as `dlopen` does.
    /// `Ok(None)` only with `RTLD_NOLOAD` when it is not loaded.
    pub fn dlopen(
        &self,
        store: &mut impl AsContextMut<Data = T>,
        name: Option<&str>,
        flags: i32,
    ) -> Result<Option<Handle>> {
        let store = store.store_mut();
        let opened = self.lock()?.open(store, name, flags, None)?;
        let handle = opened.handle;
        if let Some(loaded) = opened.loaded {
            self.finish(store, loaded)?;
        }
        Ok(handle)
    }

    /// Looks `name` up as `dlsym` does.
    pub fn dlsym(&self, store: &mut impl AsContextMut<Data = T>, scope: Scope, name: &str) -> Result<Symbol> {
        let store = store.store_mut();
        let sel = match scope {
            Scope::Default => dlfcn::Lookup::Default,
            Scope::Handle(h) => dlfcn::Lookup::Lib(h.lib()),
        };
        self.lock()?.dlsym(store, sel, name)
    }

    /// Drops a reference to a library, unloading it (and the dependencies
    /// only it used) at the last one.
    pub fn dlclose(&self, store: &mut impl AsContextMut<Data = T>, handle: Handle) -> Result<()> {
        self.lock()?.dlclose(store.store_mut(), handle)
    }

    /// Replaces function `name` for every caller that reaches it through
    /// its table slot (imports bound to it and function pointers to it);
    /// returns the function the slot held. `f` must have the same type.
    pub fn interpose(&self, store: &mut impl AsContextMut<Data = T>, name: &str, f: Func) -> Result<Func> {
        self.lock()?.interpose(store.store_mut(), name, f)
    }

    /// Reserves `size` zeroed bytes of the shared memory (aligned to
    /// `align`, a power of two) for the host's own use, e.g. strings it
    /// passes to wasm; give them back with [`free`](Self::free).
    pub fn alloc(&self, store: &mut impl AsContextMut<Data = T>, size: u32, align: u32) -> Result<u32> {
        let store = store.store_mut();
        let mut s = self.lock()?;
        s.ensure_process(store)?;
        let p = s.proc.as_mut().expect("the process exists");
        if p.memory.is_none() {
            return Err(Error::other("alloc: there is no shared memory yet (nothing is loaded)"));
        }
        let at = p.alloc(store, size.max(1), align.max(1).next_power_of_two())?;
        p.host_allocs.insert(at, size.max(1));
        Ok(at)
    }

    /// Returns memory from [`alloc`](Self::alloc) (zeroed for reuse).
    pub fn free(&self, store: &mut impl AsContextMut<Data = T>, addr: u32) -> Result<()> {
        let store = store.store_mut();
        let mut s = self.lock()?;
        let p = s.proc.as_mut().ok_or_else(|| Error::other("free: nothing is loaded"))?;
        let size = p
            .host_allocs
            .remove(&addr)
            .ok_or_else(|| Error::other(format!("free: {addr} was not allocated by this linker")))?;
        p.free(store, addr, size);
        Ok(())
    }

    /// The shared memory (once something is loaded).
    pub fn memory(&self) -> Option<Memory> {
        self.lock().ok()?.proc.as_ref()?.memory
    }

    /// The shared function table (once something is loaded).
    pub fn table(&self) -> Option<Table> {
        Some(self.lock().ok()?.proc.as_ref()?.table)
    }

    /// The instance of a loaded library.
    pub fn instance(&self, handle: Handle) -> Option<Instance> {
        self.lock().ok()?.proc.as_ref()?.lib(handle.lib())?.instance
    }

    /// Loaded libraries in load order: handle, name, `__memory_base`,
    /// `__table_base`.
    pub fn loaded(&self) -> Vec<(Handle, String, u32, u32)> {
        let Ok(s) = self.lock() else { return Vec::new() };
        let Some(p) = s.proc.as_ref() else { return Vec::new() };
        p.libs
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let l = l.as_ref()?;
                Some((Handle::of(i), l.name.clone(), l.memory_base, l.table_base))
            })
            .collect()
    }
}

/// Whether `m` is a dynamically linked module: it has a `dylink.0` (or
/// legacy `dylink`) section, or imports `env.__memory_base`.
pub fn is_dynamic(m: &crate::decode::Module) -> bool {
    m.dylink.is_some() || m.imports.iter().any(|i| i.module == "env" && i.name == "__memory_base")
}

/// The memory a host function's caller uses (its memory 0): the shared
/// memory when a dynamically linked module calls, even a library that
/// exports no memory.
pub fn memory_of<T>(caller: &crate::Caller<'_, T>) -> Option<Memory> {
    caller.memory()
}

/// Reads the NUL-terminated string at `ptr` of `memory`.
pub fn read_c_string(memory: &[u8], ptr: u32) -> Option<String> {
    let tail = memory.get(ptr as usize..)?;
    let len = tail.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&tail[..len]).into_owned())
}
