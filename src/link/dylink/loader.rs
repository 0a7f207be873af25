//! The load algorithm. A batch (the main program with its preloads and
//! NEEDED libraries, or one `dlopen` with the libraries it needs) goes
//! through: gather (depth-first over NEEDED, dependencies first, cycles
//! stop at a library already being loaded) → place (memory, table, TLS) →
//! bind (every import, before anything runs: all addresses are known once
//! placed) → instantiate → relocate and construct. Any failure unloads the
//! batch, so nothing half-loaded stays registered. `dlclose` and run-time
//! interposition are here too; the per-library steps are in `process.rs`.

use super::process::Process;
use super::symbols::{FuncKey, Lib, LibId, Sym};
use super::{lock, Handle, State, RTLD_GLOBAL, RTLD_NODELETE, RTLD_NOLOAD};
use crate::decode::{GlobalType, ImportDesc, Limits, TableType};
use crate::error::{Error, Result};
use crate::runtime::store::Store;
use crate::{Func, Global, Instance, Module, RefType, Table, Val, ValType};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A batch that was instantiated; its relocations and constructors still
/// have to run (without the lock held).
pub(crate) struct Loaded {
    pub instance: Option<Instance>,
    pub new: Vec<LibId>,
    pub inits: Vec<Func>,
}

pub(crate) struct Opened {
    pub handle: Option<Handle>,
    pub loaded: Option<Loaded>,
}

/// Libraries being loaded together.
struct Batch {
    /// Created by this batch.
    new: Vec<LibId>,
    /// New libraries, dependencies first (instantiation and init order).
    order: Vec<LibId>,
}

/// Puts the file name in front of an error's message.
pub(crate) fn in_file(e: Error, file: &str) -> Error {
    match e {
        Error::Link { message } if message.starts_with(file) => Error::link(message),
        Error::Link { message } => Error::link(format!("{file}: {message}")),
        Error::Other { message } => Error::link(format!("{file}: {message}")),
        Error::Trap(mut t) => {
            if t.message.is_none() {
                t.message = Some(format!("in {file}"));
            }
            Error::Trap(t)
        }
        e => Error::link(format!("{file}: {e}")),
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Where a library's bytes come from.
enum Source {
    Bytes(String, Arc<[u8]>),
    File(PathBuf),
}

impl<T: 'static> State<T> {
    fn proc(&mut self) -> &mut Process {
        self.proc.as_mut().expect("the process exists")
    }

    pub(crate) fn ensure_process(&mut self, store: &mut Store<T>) -> Result<()> {
        if self.proc.is_some() {
            return Ok(());
        }
        let ty = TableType { elem: RefType::FuncRef, limits: Limits { min: 1, max: None } };
        let table = Table::new(store, ty, Val::FuncRef(None))?;
        let sp = Global::new(store, GlobalType { content: ValType::I32, mutable: true }, Val::I32(0))?;
        let builtins = super::dlfcn::builtins(store, self.this.clone());
        self.proc = Some(Process::new(table, sp, builtins));
        Ok(())
    }

    /// Finds a library by name: a `/` makes it a path; otherwise the given
    /// bytes, the library path, the requester's RUNTIME_PATH (`$ORIGIN` is
    /// its directory), then the main program's directory.
    fn locate(&self, name: &str, requester: Option<LibId>) -> Result<Source> {
        if let Some(b) = self.files.get(name) {
            return Ok(Source::Bytes(name.to_owned(), b.clone()));
        }
        let found = |p: &Path| p.is_file().then(|| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned()));
        if name.contains('/') {
            return found(Path::new(name))
                .map(Source::File)
                .ok_or_else(|| Error::link(format!("cannot find library `{name}`")));
        }
        let proc = self.proc.as_ref();
        let req = requester.and_then(|r| proc?.lib(r));
        let origin = req.and_then(|l| l.path.as_ref()?.parent().map(Path::to_path_buf));
        let mut dirs: Vec<PathBuf> = self.lib_paths.clone();
        if let Some(l) = req {
            for rp in l.dylink().map(|d| d.runtime_path.clone()).unwrap_or_default() {
                let o = origin.as_deref().map_or(String::from("."), |p| p.display().to_string());
                dirs.push(PathBuf::from(rp.replace("$ORIGIN", &o)));
            }
        }
        if let Some(d) = proc.and_then(|p| p.main_dir.clone()) {
            dirs.push(d);
        }
        for d in &dirs {
            if let Some(p) = found(&d.join(name)) {
                return Ok(Source::File(p));
            }
        }
        let needed = req.map(|l| format!(" (needed by {})", l.name)).unwrap_or_default();
        Err(Error::link(format!("cannot find library `{name}`{needed}")))
    }

    /// A loaded library that `name` designates.
    fn find_loaded(&self, name: &str, requester: Option<LibId>) -> Option<LibId> {
        let proc = self.proc.as_ref()?;
        if let Some(&id) = proc.by_name.get(name) {
            return Some(id);
        }
        match self.locate(name, requester).ok()? {
            Source::File(p) => proc.by_path.get(&p).copied(),
            Source::Bytes(..) => None,
        }
    }

    /// Reads, compiles and registers `name` and (depth first) what it
    /// needs; returns its id. Already loaded libraries are reused.
    fn gather(
        &mut self,
        name: &str,
        requester: Option<LibId>,
        global: bool,
        batch: &mut Batch,
    ) -> Result<LibId> {
        if let Some(id) = self.find_loaded(name, requester) {
            return Ok(id);
        }
        let (display, path, bytes) = match self.locate(name, requester)? {
            Source::Bytes(n, b) => (n, None, b.to_vec()),
            Source::File(p) => {
                let bytes = std::fs::read(&p)
                    .map_err(|e| Error::link(format!("cannot read {}: {e}", p.display())))?;
                (file_name(&p), Some(p), bytes)
            }
        };
        let module = Module::new(&self.engine, bytes).map_err(|e| in_file(e, &display))?;
        if module.decoded().dylink.is_none() {
            return Err(Error::link(format!(
                "{display}: not a dynamic library (it has no dylink.0 section)"
            )));
        }
        let needed = module.decoded().dylink.as_ref().map(|d| d.needed.clone()).unwrap_or_default();
        let proc = self.proc();
        let id = proc.libs.len();
        let mut lib = Lib::new(display.clone(), path.clone(), module);
        lib.global = global;
        proc.libs.push(Some(lib));
        proc.by_name.insert(name.to_owned(), id);
        proc.by_name.entry(display).or_insert(id);
        if let Some(p) = path {
            proc.by_path.insert(p, id);
        }
        batch.new.push(id);
        for n in needed {
            let dep = self.gather(&n, Some(id), global, batch)?;
            let proc = self.proc();
            proc.lib_mut(id).needed.push(dep);
            proc.add_edge(id, dep);
        }
        batch.order.push(id);
        Ok(id)
    }

    /// Places, binds and instantiates a gathered batch; returns its
    /// relocation and constructor calls, dependencies first.
    fn link_batch(
        &mut self,
        store: &mut Store<T>,
        batch: &Batch,
        root: Option<LibId>,
    ) -> Result<(Option<Instance>, Vec<Func>)> {
        let stack_size = self.stack_size;
        let proc = self.proc.as_mut().expect("the process exists");
        let host = &self.host;
        let main = proc.main.filter(|m| batch.new.contains(m));
        let mut order = batch.order.clone();
        if let Some(m) = main {
            order.retain(|&x| x != m);
            order.insert(0, m);
        }
        proc.sync_top(store);
        // The stack comes first, so that what a failed batch reserved is
        // one free range again; only a main program that defines its own
        // memory goes before it (its data sits inside that memory).
        for &id in &order {
            if Some(id) != main {
                proc.ensure_stack(store, stack_size)?;
            }
            proc.place(store, id)?;
        }
        proc.ensure_stack(store, stack_size)?;
        let scope = proc.scope(root);
        let mut binds = Vec::with_capacity(order.len());
        for &id in &order {
            binds.push(proc.bind_lib(store, host, id, &scope)?);
        }
        let mut main_instance = None;
        for (&id, b) in order.iter().zip(binds) {
            let inst = proc.instantiate(store, id, b)?;
            if Some(id) == main {
                main_instance = Some(inst);
            }
        }
        proc.refresh(store, host)?;
        let mut inits = Vec::new();
        for name in ["__wasm_apply_data_relocs", "__wasm_call_ctors"] {
            for &id in &batch.order {
                let lib = proc.lib(id).expect("a live library");
                if name == "__wasm_call_ctors" && Some(id) == main && lib.exports_func("_start") {
                    continue;
                }
                if let Some(f) = lib.instance.and_then(|i| i.get_func(&*store, name)) {
                    inits.push(f);
                }
            }
        }
        Ok((main_instance, inits))
    }

    /// Undoes a batch.
    pub(crate) fn rollback(&mut self, store: &mut Store<T>, new: &[LibId]) {
        let Some(proc) = self.proc.as_mut() else { return };
        for &id in new.iter().rev() {
            proc.unload(store, &self.host, id);
        }
    }

    pub(crate) fn load_main(&mut self, store: &mut Store<T>, path: &Path, bytes: &[u8]) -> Result<Loaded> {
        if self.proc.as_ref().is_some_and(|p| !p.libs.is_empty()) {
            return Err(Error::link("a program is already loaded in this linker"));
        }
        self.ensure_process(store)?;
        match self.load_main_inner(store, path, bytes) {
            Ok(l) => Ok(l),
            Err(e) => {
                self.proc = None;
                Err(e)
            }
        }
    }

    fn load_main_inner(&mut self, store: &mut Store<T>, path: &Path, bytes: &[u8]) -> Result<Loaded> {
        let display = file_name(path);
        let module = Module::new(&self.engine, bytes).map_err(|e| in_file(e, &display))?;
        let needed = module.decoded().dylink.as_ref().map(|d| d.needed.clone()).unwrap_or_default();
        let mem_max = module.decoded().imports.iter().find_map(|i| match &i.desc {
            ImportDesc::Memory(mt) if i.module == "env" && i.name == "memory" => Some(mt.limits),
            _ => None,
        });
        let canonical = std::fs::canonicalize(path).ok();
        let proc = self.proc();
        if let Some(l) = mem_max {
            proc.mem_min = l.min;
            proc.mem_max = l.max;
        }
        let mut lib = Lib::new(display.clone(), canonical.clone(), module);
        lib.global = true;
        lib.pinned = true;
        proc.libs.push(Some(lib));
        proc.main = Some(0);
        proc.main_dir =
            path.parent().map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_owned() });
        proc.by_name.insert(display, 0);
        if let Some(p) = canonical {
            proc.by_path.insert(p, 0);
        }
        let mut batch = Batch { new: vec![0], order: Vec::new() };
        for p in self.preloads.clone() {
            self.gather(&p, Some(0), true, &mut batch)?;
        }
        for n in needed {
            let dep = self.gather(&n, Some(0), true, &mut batch)?;
            let proc = self.proc();
            proc.lib_mut(0).needed.push(dep);
            proc.add_edge(0, dep);
        }
        batch.order.push(0);
        let proc = self.proc();
        proc.global_scope =
            std::iter::once(0).chain(batch.order.iter().copied().filter(|&x| x != 0)).collect();
        for &id in &batch.new {
            proc.lib_mut(id).pinned = true;
        }
        let (instance, inits) = self.link_batch(store, &batch, None)?;
        Ok(Loaded { instance, new: batch.new, inits })
    }

    /// `dlopen`: the main program for `None`; a loaded library gains a
    /// reference (and RTLD_GLOBAL promotes it); else it is loaded.
    pub(crate) fn open(
        &mut self,
        store: &mut Store<T>,
        name: Option<&str>,
        flags: i32,
        requester: Option<LibId>,
    ) -> Result<Opened> {
        self.ensure_process(store)?;
        let Some(name) = name else {
            return match self.proc().main {
                Some(m) => Ok(Opened { handle: Some(Handle::of(m)), loaded: None }),
                None => Err(Error::link("dlopen(NULL): there is no main program")),
            };
        };
        let global = flags & RTLD_GLOBAL != 0;
        let requester = requester.or(self.proc().main);
        if let Some(id) = self.find_loaded(name, requester) {
            let proc = self.proc.as_mut().expect("the process exists");
            let lib = proc.lib_mut(id);
            lib.handle_refs += 1;
            lib.pinned |= flags & RTLD_NODELETE != 0;
            if global && !lib.global {
                for x in proc.group(id) {
                    let l = proc.lib_mut(x);
                    if !l.global {
                        l.global = true;
                        proc.global_scope.push(x);
                    }
                }
                proc.refresh(store, &self.host)?;
            }
            return Ok(Opened { handle: Some(Handle::of(id)), loaded: None });
        }
        if flags & RTLD_NOLOAD != 0 {
            return Ok(Opened { handle: None, loaded: None });
        }
        let mut batch = Batch { new: Vec::new(), order: Vec::new() };
        let result = self.gather(name, requester, global, &mut batch).and_then(|root| {
            let (_, inits) = self.link_batch(store, &batch, Some(root))?;
            Ok((root, inits))
        });
        let (root, inits) = match result {
            Ok(r) => r,
            Err(e) => {
                self.rollback(store, &batch.new);
                return Err(e);
            }
        };
        let proc = self.proc.as_mut().expect("the process exists");
        if global {
            // The library and everything it needs join the global scope.
            for id in proc.group(root) {
                if !proc.global_scope.contains(&id) {
                    proc.lib_mut(id).global = true;
                    proc.global_scope.push(id);
                }
            }
            if let Err(e) = proc.refresh(store, &self.host) {
                self.rollback(store, &batch.new);
                return Err(e);
            }
        }
        let lib = proc.lib_mut(root);
        lib.handle_refs += 1;
        lib.pinned |= flags & RTLD_NODELETE != 0;
        Ok(Opened {
            handle: Some(Handle::of(root)),
            loaded: Some(Loaded { instance: None, new: batch.new, inits }),
        })
    }

    pub(crate) fn dlclose(&mut self, store: &mut Store<T>, handle: Handle) -> Result<()> {
        let Some(proc) = self.proc.as_mut() else {
            return Err(Error::link("dlclose: nothing is loaded"));
        };
        let id = handle.lib();
        let Some(lib) = proc.libs.get_mut(id).and_then(Option::as_mut) else {
            return Err(Error::link(format!("dlclose: invalid handle {}", handle.raw())));
        };
        if proc.main == Some(id) {
            return Ok(());
        }
        if lib.handle_refs == 0 {
            return Err(Error::link(format!("dlclose: {} is not open", lib.name)));
        }
        lib.handle_refs -= 1;
        if lib.handle_refs == 0 {
            proc.try_unload(store, &self.host, id);
        }
        Ok(())
    }

    /// Writes `f` into the slot of the global definition of `name` (and
    /// into the placeholders of its undefined weak imports).
    pub(crate) fn interpose(&mut self, store: &mut Store<T>, name: &str, f: Func) -> Result<Func> {
        let Some(proc) = self.proc.as_mut() else {
            return Err(Error::link("interpose: nothing is loaded"));
        };
        let fty = f.ty(&*store);
        let scope = proc.global_scope.clone();
        let Some((d, Sym::Func { index, ty })) = proc.lookup(name, &scope) else {
            return Err(Error::link(format!("interpose: no function `{name}` in the global scope")));
        };
        if ty != fty {
            return Err(Error::link(format!("interpose: `{name}` is {ty}, the replacement is {fty}")));
        }
        let slot = proc.func_slot(store, FuncKey::Lib(d, index))?;
        let old = proc.table.get(&*store, u64::from(slot));
        let old = match old {
            Some(Val::FuncRef(Some(g))) => g,
            _ => proc.func_of(store, d, index).ok_or_else(|| Error::link("interpose: not instantiated"))?,
        };
        proc.write_slot(store, slot, Some(f))?;
        let ph: Vec<u32> =
            proc.placeholders.iter().filter(|p| p.name == name && p.ty == fty).map(|p| p.slot).collect();
        for s in ph {
            proc.write_slot(store, s, Some(f))?;
        }
        Ok(old)
    }
}

/// Runs a batch's relocations and constructors with the lock released;
/// on failure takes the lock again and unloads the batch.
pub(crate) fn run_inits<T: 'static>(
    state: &Mutex<State<T>>,
    store: &mut Store<T>,
    loaded: Loaded,
) -> Result<()> {
    for f in &loaded.inits {
        if let Err(e) = f.call(&mut *store, &[], &mut []) {
            if let Ok(mut s) = lock(state) {
                s.rollback(store, &loaded.new);
            }
            return Err(e);
        }
    }
    Ok(())
}
