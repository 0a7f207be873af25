//! The state of a dynamically linked program: the shared memory, table
//! and stack, the loaded libraries and scopes, the GOT, and table slots
//! (one per function whose address is taken, placeholders for undefined
//! weak functions). Placing, binding, instantiating and unloading one
//! library happen here; `loader.rs` sequences them into batches.

use super::alloc::{MemAlloc, SlotAlloc, LOW_RESERVED};
use super::loader::in_file;
use super::symbols::{FuncKey, GotEntry, GotKind, Lib, LibId, Sym};
use crate::decode::{FuncType, GlobalType, ImportDesc, Limits, MemoryType};
use crate::error::{Error, Result, Trap, TrapCode};
use crate::runtime::store::Store;
use crate::{Extern, Func, Global, Instance, Linker, Memory, Table, Val, ValType};
use std::path::PathBuf;

pub(crate) const PAGE: u64 = 65536;

/// How one import of a module is satisfied.
pub(crate) enum Bind {
    Memory,
    Table,
    StackPointer,
    /// A fresh global of this type and value (`__memory_base`, ...).
    Const(GlobalType, u32),
    Got(Global),
    /// A call through this table slot, with the import's type.
    Slot(u32, FuncType),
    Extern(Extern),
}

/// A function slot bound to a name nobody defined yet (an undefined weak
/// import): it holds a stub that traps naming the symbol, until a
/// definition appears in the global scope.
pub(crate) struct Placeholder {
    pub(crate) name: String,
    pub(crate) slot: u32,
    pub(crate) ty: FuncType,
    pub(crate) stub: Func,
    pub(crate) owner: LibId,
    pub(crate) def: Option<LibId>,
}

/// The shared state of a dynamically linked program.
pub(crate) struct Process {
    pub(crate) memory: Option<Memory>,
    /// The limits the main program asks of an imported memory.
    pub(crate) mem_min: u64,
    pub(crate) mem_max: Option<u64>,
    /// The memory's size when the loader last looked: more means the
    /// program grew it, and the allocator must stay above.
    pub(crate) known_len: u64,
    pub(crate) table: Table,
    pub(crate) stack_pointer: Global,
    pub(crate) stack: Option<(u32, u32)>,
    pub(crate) mem: MemAlloc,
    pub(crate) slots: SlotAlloc,
    pub(crate) libs: Vec<Option<Lib>>,
    /// Libraries whose symbols everyone sees, in load order.
    pub(crate) global_scope: Vec<LibId>,
    pub(crate) by_path: hashbrown::HashMap<PathBuf, LibId>,
    pub(crate) by_name: hashbrown::HashMap<String, LibId>,
    pub(crate) by_instance: hashbrown::HashMap<Instance, LibId>,
    pub(crate) got: hashbrown::HashMap<(GotKind, String), GotEntry>,
    /// The one slot of each function whose address was taken.
    pub(crate) identity: hashbrown::HashMap<FuncKey, u32>,
    pub(crate) slot_key: hashbrown::HashMap<u32, FuncKey>,
    pub(crate) placeholders: Vec<Placeholder>,
    pub(crate) slot_funcs: hashbrown::HashMap<(u32, FuncType), Func>,
    pub(crate) host_cache: hashbrown::HashMap<(String, String), Extern>,
    pub(crate) builtins: hashbrown::HashMap<&'static str, Func>,
    pub(crate) dlerror: Option<String>,
    pub(crate) dlerror_buf: Option<(u32, u32)>,
    /// Ranges the embedder took with `DynamicLinker::alloc`.
    pub(crate) host_allocs: hashbrown::HashMap<u32, u32>,
    pub(crate) main: Option<LibId>,
    pub(crate) main_dir: Option<PathBuf>,
}

impl Process {
    pub(crate) fn new(
        table: Table,
        stack_pointer: Global,
        builtins: hashbrown::HashMap<&'static str, Func>,
    ) -> Self {
        Process {
            memory: None,
            mem_min: 1,
            mem_max: None,
            known_len: 0,
            table,
            stack_pointer,
            stack: None,
            mem: MemAlloc::new(LOW_RESERVED),
            slots: SlotAlloc::new(1),
            libs: Vec::new(),
            global_scope: Vec::new(),
            by_path: hashbrown::HashMap::new(),
            by_name: hashbrown::HashMap::new(),
            by_instance: hashbrown::HashMap::new(),
            got: hashbrown::HashMap::new(),
            identity: hashbrown::HashMap::new(),
            slot_key: hashbrown::HashMap::new(),
            placeholders: Vec::new(),
            slot_funcs: hashbrown::HashMap::new(),
            host_cache: hashbrown::HashMap::new(),
            builtins,
            dlerror: None,
            dlerror_buf: None,
            host_allocs: hashbrown::HashMap::new(),
            main: None,
            main_dir: None,
        }
    }

    pub(crate) fn lib(&self, id: LibId) -> Option<&Lib> {
        self.libs.get(id)?.as_ref()
    }

    pub(crate) fn lib_mut(&mut self, id: LibId) -> &mut Lib {
        self.libs[id].as_mut().expect("a live library")
    }

    pub(crate) fn name(&self, id: LibId) -> String {
        self.lib(id).map_or_else(|| format!("library #{id}"), |l| l.name.clone())
    }

    /// A library and its NEEDED closure, breadth first: its local scope.
    pub(crate) fn group(&self, root: LibId) -> Vec<LibId> {
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            if let Some(l) = self.lib(out[i]) {
                for &d in &l.needed {
                    if !out.contains(&d) {
                        out.push(d);
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// The global scope, then `root`'s group.
    pub(crate) fn scope(&self, root: Option<LibId>) -> Vec<LibId> {
        let mut s = self.global_scope.clone();
        if let Some(r) = root {
            for id in self.group(r) {
                if !s.contains(&id) {
                    s.push(id);
                }
            }
        }
        s
    }

    /// The first definition of `name` in `scope`.
    pub(crate) fn lookup(&self, name: &str, scope: &[LibId]) -> Option<(LibId, Sym)> {
        scope.iter().find_map(|&id| Some((id, self.lib(id)?.syms.get(name)?.clone())))
    }

    pub(crate) fn add_edge(&mut self, user: LibId, dep: LibId) {
        if user != dep && self.lib(user).is_some() && self.lib(dep).is_some() {
            self.lib_mut(user).uses.insert(dep);
            self.lib_mut(dep).users.insert(user);
        }
    }

    /// Function `index` of a library's instance.
    pub(crate) fn func_of<T>(&self, store: &Store<T>, lib: LibId, index: u32) -> Option<Func> {
        let inst = self.lib(lib)?.instance?;
        let entity = store.inner.instance(inst).ok()?;
        let f = *entity.funcs.get(index as usize)?;
        // SAFETY: instance function pointers are live entities of the store.
        Some(Func { store: store.inner.id, index: unsafe { (*f).index } })
    }

    pub(crate) fn ensure_table<T>(&mut self, store: &mut Store<T>) -> Result<()> {
        let need = u64::from(self.slots.len());
        let have = self.table.size(store);
        if have < need {
            self.table.grow(&mut *store, need - have, Val::FuncRef(None))?;
        }
        Ok(())
    }

    pub(crate) fn write_slot<T>(&mut self, store: &mut Store<T>, slot: u32, f: Option<Func>) -> Result<()> {
        self.ensure_table(store)?;
        self.table.set(&mut *store, u64::from(slot), Val::FuncRef(f))
    }

    /// Moves the allocator above memory the program grew by itself.
    pub(crate) fn sync_top<T>(&mut self, store: &Store<T>) {
        if let Some(m) = self.memory {
            let len = m.data(store).len() as u64;
            if len > self.known_len {
                self.mem.skip_to(len.min(u64::from(u32::MAX)) as u32);
                self.known_len = len;
            }
        }
    }

    /// Grows the memory to cover everything allocated.
    pub(crate) fn ensure_memory<T>(&mut self, store: &mut Store<T>) -> Result<()> {
        let Some(m) = self.memory else { return Ok(()) };
        let need = u64::from(self.mem.top());
        let len = m.data(store).len() as u64;
        if len < need {
            let pages = (need - len).div_ceil(PAGE);
            m.grow(&mut *store, pages)
                .map_err(|_| Error::link(format!("the shared memory cannot grow to {need} bytes")))?;
        }
        self.known_len = m.data(store).len() as u64;
        Ok(())
    }

    pub(crate) fn memory_or_create<T>(&mut self, store: &mut Store<T>) -> Result<Memory> {
        if let Some(m) = self.memory {
            return Ok(m);
        }
        let min = (u64::from(self.mem.top()).div_ceil(PAGE)).max(self.mem_min);
        let ty = MemoryType { limits: Limits { min, max: self.mem_max }, shared: false, memory64: false };
        let m = Memory::new(store, ty)?;
        self.memory = Some(m);
        self.known_len = m.data(store).len() as u64;
        Ok(m)
    }

    /// Allocates `size` bytes of the shared memory, zeroed.
    pub(crate) fn alloc<T>(&mut self, store: &mut Store<T>, size: u32, align: u32) -> Result<u32> {
        self.sync_top(store);
        let at = self
            .mem
            .alloc(size, align)
            .ok_or_else(|| Error::link(format!("out of address space allocating {size} bytes")))?;
        if self.memory.is_some() {
            self.ensure_memory(store)?;
        }
        Ok(at)
    }

    /// Returns a range to the allocator, zeroed for its next user.
    pub(crate) fn free<T>(&mut self, store: &mut Store<T>, at: u32, size: u32) {
        if size == 0 {
            return;
        }
        if let Some(m) = self.memory {
            if let Some(bytes) = m.data_mut(store).get_mut(at as usize..(at + size) as usize) {
                bytes.fill(0);
            }
        }
        self.mem.free(at, size);
    }

    pub(crate) fn ensure_stack<T>(&mut self, store: &mut Store<T>, size: u32) -> Result<()> {
        if self.stack.is_none() {
            let at = self.alloc(store, size, 16)?;
            self.stack = Some((at, size));
            self.stack_pointer.set(&mut *store, Val::I32((at + size) as i32))?;
        }
        Ok(())
    }

    /// The one slot of a function (allocating it on first use): its
    /// pointer value everywhere.
    pub(crate) fn func_slot<T>(&mut self, store: &mut Store<T>, key: FuncKey) -> Result<u32> {
        if let Some(&s) = self.identity.get(&key) {
            return Ok(s);
        }
        let s = self.slots.alloc_one();
        self.identity.insert(key, s);
        self.slot_key.insert(s, key);
        let f = match key {
            FuncKey::Lib(lib, index) => {
                self.lib_mut(lib).slots.push(s);
                // Filled after instantiation when the library has none yet.
                self.func_of(store, lib, index)
            }
            FuncKey::Host(index) => Some(Func { store: store.inner.id, index }),
        };
        self.ensure_table(store)?;
        if f.is_some() {
            self.write_slot(store, s, f)?;
        }
        Ok(s)
    }

    pub(crate) fn release_slot<T>(&mut self, store: &mut Store<T>, slot: u32) {
        let _ = self.write_slot(store, slot, None);
        if let Some(k) = self.slot_key.remove(&slot) {
            self.identity.remove(&k);
        }
        self.slots.free(slot);
    }

    /// A function calling through `slot` with type `ty` (one per pair).
    pub(crate) fn slot_func<T>(&mut self, store: &mut Store<T>, slot: u32, ty: &FuncType) -> Result<Func> {
        if let Some(&f) = self.slot_funcs.get(&(slot, ty.clone())) {
            return Ok(f);
        }
        let f = Func::from_table_slot(store, self.table, slot, ty.clone())?;
        self.slot_funcs.insert((slot, ty.clone()), f);
        Ok(f)
    }

    /// A host definition of `module.name`, one `Func` per name.
    pub(crate) fn host_def<T: 'static>(
        &mut self,
        store: &mut Store<T>,
        host: &Linker<T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let key = (module.to_owned(), name.to_owned());
        if let Some(&e) = self.host_cache.get(&key) {
            return Some(e);
        }
        let e = host.get(store, module, name).or_else(|| {
            if module == "env" {
                self.builtins.get(name).map(|&f| Extern::Func(f))
            } else {
                None
            }
        })?;
        self.host_cache.insert(key, e);
        Some(e)
    }

    /// A stub-filled slot for undefined weak function `name` of `owner`.
    pub(crate) fn placeholder<T: 'static>(
        &mut self,
        store: &mut Store<T>,
        owner: LibId,
        name: &str,
        ty: &FuncType,
    ) -> Result<u32> {
        if let Some(p) = self.placeholders.iter().find(|p| p.owner == owner && p.name == name && &p.ty == ty)
        {
            return Ok(p.slot);
        }
        let what = format!("`{name}` (an undefined weak symbol of {})", self.name(owner));
        let stub = Func::new(store, ty.clone(), move |_, _, _| {
            let mut t = Trap::new(TrapCode::UnresolvedSymbol);
            t.message = Some(what.clone());
            Err(Error::Trap(t))
        });
        let slot = self.slots.alloc_one();
        self.write_slot(store, slot, Some(stub))?;
        self.lib_mut(owner).placeholder_slots.push(slot);
        self.placeholders.push(Placeholder {
            name: name.to_owned(),
            slot,
            ty: ty.clone(),
            stub,
            owner,
            def: None,
        });
        Ok(slot)
    }

    pub(crate) fn got_global<T>(
        &mut self,
        store: &mut Store<T>,
        kind: GotKind,
        name: &str,
    ) -> Result<Global> {
        let key = (kind, name.to_owned());
        if let Some(e) = self.got.get(&key) {
            return Ok(e.global);
        }
        let global = Global::new(store, GlobalType { content: ValType::I32, mutable: true }, Val::I32(0))?;
        self.got.insert(key, GotEntry { global, resolved: false, def: None });
        Ok(global)
    }

    /// The value of GOT entry `name` resolved in `scope`: an address or a
    /// slot, and the library defining it (`None` for host functions).
    pub(crate) fn got_value<T: 'static>(
        &mut self,
        store: &mut Store<T>,
        host: &Linker<T>,
        kind: GotKind,
        name: &str,
        scope: &[LibId],
    ) -> Result<Option<(u32, Option<LibId>)>> {
        Ok(match (kind, self.lookup(name, scope)) {
            (GotKind::Mem, Some((d, Sym::Data { addr }))) => Some((addr, Some(d))),
            (GotKind::Func, Some((d, Sym::Func { index, .. }))) => {
                Some((self.func_slot(store, FuncKey::Lib(d, index))?, Some(d)))
            }
            (GotKind::Func, None) => match self.host_def(store, host, "env", name) {
                Some(Extern::Func(f)) => Some((self.func_slot(store, FuncKey::Host(f.index))?, None)),
                _ => None,
            },
            _ => None,
        })
    }

    pub(crate) fn set_got<T>(
        &mut self,
        store: &mut Store<T>,
        kind: GotKind,
        name: &str,
        v: Option<(u32, Option<LibId>)>,
    ) -> Result<()> {
        let e = self.got.get_mut(&(kind, name.to_owned())).expect("created first");
        e.resolved = v.is_some();
        e.def = v.and_then(|v| v.1);
        let g = e.global;
        g.set(&mut *store, Val::I32(v.map_or(0, |v| v.0) as i32))
    }

    /// Binds every import of library `id`, resolving names in `scope`.
    pub(crate) fn bind_lib<T: 'static>(
        &mut self,
        store: &mut Store<T>,
        host: &Linker<T>,
        id: LibId,
        scope: &[LibId],
    ) -> Result<Vec<Bind>> {
        let lib = self.lib(id).expect("a live library");
        let module = lib.module.clone();
        let (memory_base, table_base, tls) = (lib.memory_base, lib.table_base, lib.tls);
        let libname = lib.name.clone();
        let m = module.decoded();
        let mut binds = Vec::with_capacity(m.imports.len());
        for imp in &m.imports {
            let name = imp.name.as_str();
            let b = match (imp.module.as_str(), name, &imp.desc) {
                ("env", "memory", ImportDesc::Memory(_)) => Bind::Memory,
                ("env", "__indirect_function_table", ImportDesc::Table(_)) => Bind::Table,
                ("env", "__memory_base", ImportDesc::Global(gt)) => Bind::Const(*gt, memory_base),
                ("env", "__table_base", ImportDesc::Global(gt)) => Bind::Const(*gt, table_base),
                ("env", "__tls_base", ImportDesc::Global(gt)) => {
                    Bind::Const(*gt, tls.map_or(memory_base, |t| t.0))
                }
                ("env", "__stack_pointer", ImportDesc::Global(gt)) if gt.mutable => Bind::StackPointer,
                (got @ ("GOT.mem" | "GOT.func"), _, ImportDesc::Global(_)) => {
                    let kind = if got == "GOT.mem" { GotKind::Mem } else { GotKind::Func };
                    let global = self.got_global(store, kind, name)?;
                    let entry = &self.got[&(kind, name.to_owned())];
                    let (resolved, def) = (entry.resolved, entry.def);
                    if resolved {
                        if let Some(d) = def {
                            self.add_edge(id, d);
                        }
                    } else {
                        let v = self.got_value(store, host, kind, name, scope)?;
                        if v.is_none() && !self.lib(id).is_some_and(|l| l.is_weak_import(name)) {
                            return Err(undefined(name, &libname));
                        }
                        if let Some((_, Some(d))) = v {
                            self.add_edge(id, d);
                        }
                        self.set_got(store, kind, name, v)?;
                    }
                    Bind::Got(global)
                }
                ("env", _, ImportDesc::Func(t)) => {
                    let ty = m.types[*t as usize].clone();
                    self.bind_func(store, host, id, name, ty, scope)?
                }
                (module, _, _) => match self.host_def(store, host, module, name) {
                    Some(e) => Bind::Extern(e),
                    None => {
                        return Err(Error::link(format!("{libname}: unknown import `{module}`.`{name}`")))
                    }
                },
            };
            binds.push(b);
        }
        Ok(binds)
    }

    pub(crate) fn bind_func<T: 'static>(
        &mut self,
        store: &mut Store<T>,
        host: &Linker<T>,
        id: LibId,
        name: &str,
        ty: FuncType,
        scope: &[LibId],
    ) -> Result<Bind> {
        if let Some((d, sym)) = self.lookup(name, scope) {
            return match sym {
                Sym::Func { index, ty: dty } if dty == ty => {
                    let slot = self.func_slot(store, FuncKey::Lib(d, index))?;
                    self.add_edge(id, d);
                    Ok(Bind::Slot(slot, ty))
                }
                Sym::Func { ty: dty, .. } => Err(Error::link(format!(
                    "signature mismatch for `{name}`: {} imports it as {ty}, {} defines it as {dty}",
                    self.name(id),
                    self.name(d)
                ))),
                Sym::Data { .. } => Err(Error::link(format!(
                    "`{name}`: {} imports it as a function, {} defines it as data",
                    self.name(id),
                    self.name(d)
                ))),
            };
        }
        if let Some(e) = self.host_def(store, host, "env", name) {
            return Ok(Bind::Extern(e));
        }
        if self.lib(id).is_some_and(|l| l.is_weak_import(name)) {
            let slot = self.placeholder(store, id, name, &ty)?;
            return Ok(Bind::Slot(slot, ty));
        }
        Err(undefined(name, &self.name(id)))
    }

    /// Fills what a change of the global scope may resolve: unresolved GOT
    /// entries and placeholder slots.
    pub(crate) fn refresh<T: 'static>(&mut self, store: &mut Store<T>, host: &Linker<T>) -> Result<()> {
        let scope = self.global_scope.clone();
        let open: Vec<(GotKind, String)> =
            self.got.iter().filter(|(_, e)| !e.resolved).map(|(k, _)| k.clone()).collect();
        for (kind, name) in open {
            if let Some(v) = self.got_value(store, host, kind, &name, &scope)? {
                self.set_got(store, kind, &name, Some(v))?;
            }
        }
        for i in 0..self.placeholders.len() {
            let p = &self.placeholders[i];
            if p.def.is_some() {
                continue;
            }
            let (name, pty, slot) = (p.name.clone(), p.ty.clone(), p.slot);
            if let Some((d, Sym::Func { index, ty })) = self.lookup(&name, &scope) {
                if ty == pty {
                    if let Some(f) = self.func_of(store, d, index) {
                        self.write_slot(store, slot, Some(f))?;
                        self.placeholders[i].def = Some(d);
                    }
                }
            }
        }
        Ok(())
    }

    /// Reserves memory, table slots and TLS for library `id` and computes
    /// its symbols. The main program, when it defines its own memory, has
    /// its data placed inside that memory's initial size.
    pub(crate) fn place<T>(&mut self, store: &mut Store<T>, id: LibId) -> Result<()> {
        let lib = self.lib(id).expect("a live library");
        let m = lib.module.decoded();
        let (mem_size, mem_align, table_size, table_align) = match &m.dylink {
            Some(d) => (d.mem_size, d.mem_align, d.table_size, d.table_align),
            None => (estimate_mem_size(lib), 4, 0, 0),
        };
        let initial = (m.memories.len() > m.num_imported_memories as usize)
            .then(|| m.memories[m.num_imported_memories as usize].limits.min * PAGE);
        let tls = if lib.exports_func("__wasm_init_tls") {
            lib.exported_const("__tls_size")
                .map(|size| (size, lib.exported_const("__tls_align").unwrap_or(1)))
        } else {
            None
        };
        let align = 1u32 << mem_align.min(16);
        let (base, region) = if let Some(initial) = initial {
            // Data at the top of the initial memory, below `LOW_RESERVED`
            // when there is room.
            let room = initial.saturating_sub(u64::from(mem_size)).min(u64::from(LOW_RESERVED)) as u32;
            let base = room / align * align;
            self.mem.skip_to(base + mem_size);
            (base, (base, 0))
        } else {
            let base = self.alloc(store, mem_size, align)?;
            (base, (base, mem_size))
        };
        let table_base = self.slots.alloc_range(table_size, 1 << table_align.min(16));
        let tls = match tls {
            Some((size, tls_align)) => Some((self.alloc(store, size, tls_align.max(1))?, size)),
            None => None,
        };
        let lib = self.lib_mut(id);
        lib.memory_base = base;
        lib.mem_region = region;
        lib.table_base = table_base;
        lib.table_size = table_size;
        lib.tls = tls;
        lib.compute_symbols();
        for (f, slot) in lib.elem_slots() {
            let key = FuncKey::Lib(id, f);
            if !self.identity.contains_key(&key) && !self.slot_key.contains_key(&slot) {
                self.identity.insert(key, slot);
                self.slot_key.insert(slot, key);
            }
        }
        self.ensure_table(store)
    }

    /// Instantiates library `id` with its bindings; fills its functions'
    /// slots and sets up its TLS block.
    pub(crate) fn instantiate<T: 'static>(
        &mut self,
        store: &mut Store<T>,
        id: LibId,
        binds: Vec<Bind>,
    ) -> Result<Instance> {
        let lib = self.lib(id).expect("a live library");
        let module = lib.module.clone();
        let name = lib.name.clone();
        let mut externs = Vec::with_capacity(binds.len());
        for b in binds {
            externs.push(match b {
                Bind::Memory => Extern::Memory(self.memory_or_create(store)?),
                Bind::Table => Extern::Table(self.table),
                Bind::StackPointer => Extern::Global(self.stack_pointer),
                Bind::Const(gt, v) => Extern::Global(Global::new(store, gt, Val::I32(v as i32))?),
                Bind::Got(g) => Extern::Global(g),
                Bind::Slot(slot, ty) => Extern::Func(self.slot_func(store, slot, &ty)?),
                Bind::Extern(e) => e,
            });
        }
        self.ensure_memory(store)?;
        self.ensure_table(store)?;
        let inst = Instance::new(store, &module, &externs).map_err(|e| in_file(e, &name))?;
        self.lib_mut(id).instance = Some(inst);
        self.by_instance.insert(inst, id);
        if self.memory.is_none() && self.main == Some(id) {
            let mem = inst.exports(&*store).into_iter().find_map(|(_, e)| e.into_memory());
            let mem =
                mem.ok_or_else(|| Error::link(format!("{name}: the main program exports no memory")))?;
            self.memory = Some(mem);
            self.known_len = mem.data(store).len() as u64;
            self.ensure_memory(store)?;
            if let Some((at, size)) = self.stack {
                self.stack_pointer.set(&mut *store, Val::I32((at + size) as i32))?;
            }
        }
        // Slots handed out before the instance existed.
        let pending: Vec<(u32, u32)> = self
            .slot_key
            .iter()
            .filter_map(|(&s, k)| match *k {
                FuncKey::Lib(l, f) if l == id => Some((s, f)),
                _ => None,
            })
            .collect();
        for (slot, f) in pending {
            let func = self.func_of(store, id, f);
            if func.is_some() {
                self.write_slot(store, slot, func)?;
            }
        }
        if let Some((at, _)) = self.lib(id).and_then(|l| l.tls) {
            if let Some(init) = inst.get_func(&*store, "__wasm_init_tls") {
                init.call(&mut *store, &[Val::I32(at as i32)], &mut []).map_err(|e| in_file(e, &name))?;
            }
        }
        Ok(inst)
    }

    /// Removes a library: its symbols, scopes, slots and memory. What was
    /// bound to its definitions falls back to the next definition in the
    /// global scope, or to unresolved.
    pub(crate) fn unload<T: 'static>(&mut self, store: &mut Store<T>, host: &Linker<T>, id: LibId) {
        let Some(lib) = self.libs.get_mut(id).and_then(Option::take) else { return };
        self.global_scope.retain(|&x| x != id);
        self.by_path.retain(|_, &mut x| x != id);
        self.by_name.retain(|_, &mut x| x != id);
        if let Some(inst) = lib.instance {
            self.by_instance.remove(&inst);
        }
        if self.main == Some(id) {
            self.main = None;
        }
        self.free(store, lib.mem_region.0, lib.mem_region.1);
        if let Some((at, size)) = lib.tls {
            self.free(store, at, size);
        }
        for s in lib.table_base..lib.table_base + lib.table_size {
            self.release_slot(store, s);
        }
        for &s in lib.slots.iter().chain(&lib.placeholder_slots) {
            self.release_slot(store, s);
        }
        self.placeholders.retain(|p| p.owner != id);
        for &u in &lib.uses {
            if let Some(Some(l)) = self.libs.get_mut(u) {
                l.users.remove(&id);
            }
        }
        for &u in &lib.users {
            if let Some(Some(l)) = self.libs.get_mut(u) {
                l.uses.remove(&id);
                l.needed.retain(|&x| x != id);
            }
        }
        let stale: Vec<(GotKind, String)> =
            self.got.iter().filter(|(_, e)| e.def == Some(id)).map(|(k, _)| k.clone()).collect();
        for (kind, name) in stale {
            let _ = self.set_got(store, kind, &name, None);
        }
        for i in 0..self.placeholders.len() {
            if self.placeholders[i].def == Some(id) {
                let (slot, stub) = (self.placeholders[i].slot, self.placeholders[i].stub);
                let _ = self.write_slot(store, slot, Some(stub));
                self.placeholders[i].def = None;
            }
        }
        let _ = self.refresh(store, host);
    }

    /// Unloads `id` if nothing holds it, with the dependencies only it
    /// (or libraries unloaded with it) used; cycles go together.
    pub(crate) fn try_unload<T: 'static>(&mut self, store: &mut Store<T>, host: &Linker<T>, id: LibId) {
        let mut set: hashbrown::HashSet<LibId> = hashbrown::HashSet::new();
        let mut stack = vec![id];
        while let Some(x) = stack.pop() {
            let Some(l) = self.lib(x) else { continue };
            if l.pinned || l.handle_refs > 0 || !set.insert(x) {
                continue;
            }
            stack.extend(l.uses.iter().copied());
        }
        loop {
            let before = set.len();
            let keep: Vec<LibId> = set
                .iter()
                .copied()
                .filter(|&x| self.lib(x).is_some_and(|l| l.users.iter().all(|u| set.contains(u))))
                .collect();
            set = keep.into_iter().collect();
            if set.len() == before {
                break;
            }
        }
        if !set.contains(&id) {
            return;
        }
        let mut order: Vec<LibId> = set.into_iter().collect();
        order.sort_unstable_by(|a, b| b.cmp(a));
        for x in order {
            self.unload(store, host, x);
        }
    }
}

/// The data size of a main program without `dylink.0`: the end of its
/// data segments placed at `__memory_base`.
pub(crate) fn estimate_mem_size(lib: &Lib) -> u32 {
    let m = lib.module.decoded();
    m.datas
        .iter()
        .filter_map(|d| match &d.mode {
            crate::decode::SegmentMode::Active { offset, .. } => {
                let (k, _) = lib.eval_i32(offset)?;
                Some(k.wrapping_sub(lib.memory_base).wrapping_add(d.bytes.len() as u32))
            }
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

pub(crate) fn undefined(name: &str, lib: &str) -> Error {
    Error::link(format!("undefined symbol `{name}` (needed by {lib})"))
}
