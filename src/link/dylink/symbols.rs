//! What the loader knows about one loaded library (its placement, symbols
//! and references), how a module's exports become symbols, and the
//! process-wide GOT. Reads decoded modules only; instantiating and writing
//! tables is `loader.rs`'s job.

use crate::decode::{self, sym_flags, ConstExpr, ConstOp, ExternKind, FuncType, ImportDesc};
use crate::{Global, Instance, Module};
use std::path::PathBuf;

/// Index of a library in `Process::libs` (the main program is 0 when there
/// is one). Never reused.
pub(crate) type LibId = usize;

/// A symbol a library defines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sym {
    /// A function: its index in the module's function index space.
    Func { index: u32, ty: FuncType },
    /// A data symbol: its address in the shared memory.
    Data { addr: u32 },
}

/// What a table slot holds, for function-pointer identity: one slot per
/// function, whoever asks for its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FuncKey {
    /// Function `index` of library `LibId`.
    Lib(LibId, u32),
    /// A host function (by its index in the store).
    Host(u32),
}

/// Names a module exports that are linker plumbing, not symbols.
pub(crate) fn is_plumbing(name: &str) -> bool {
    name.starts_with("__wasm_")
        || matches!(
            name,
            "__memory_base"
                | "__table_base"
                | "__stack_pointer"
                | "__tls_base"
                | "__tls_size"
                | "__tls_align"
                | "__heap_base"
                | "__heap_end"
                | "__data_end"
                | "__dso_handle"
                | "__global_base"
                | "__stack_low"
                | "__stack_high"
                | "_start"
        )
}

/// A loaded (or loading) library.
pub(crate) struct Lib {
    /// File name, for messages and `dlerror`.
    pub name: String,
    /// Canonical path of the file, when it came from one.
    pub path: Option<PathBuf>,
    pub module: Module,
    pub instance: Option<Instance>,
    pub memory_base: u32,
    /// The memory reserved for it: `(start, size)`.
    pub mem_region: (u32, u32),
    pub table_base: u32,
    pub table_size: u32,
    /// Its TLS block for the (only) thread: `(address, size)`.
    pub tls: Option<(u32, u32)>,
    pub syms: hashbrown::HashMap<String, Sym>,
    /// NEEDED libraries, resolved.
    pub needed: Vec<LibId>,
    /// Whether its symbols are in the global scope.
    pub global: bool,
    /// Never unloaded: the main program, preloads, RTLD_NODELETE.
    pub pinned: bool,
    /// References held by `dlopen` handles.
    pub handle_refs: u32,
    /// Libraries that need it or bound a symbol to it.
    pub users: hashbrown::HashSet<LibId>,
    /// Libraries it needs or bound a symbol to.
    pub uses: hashbrown::HashSet<LibId>,
    /// Table slots given to its functions one at a time (for `GOT.func`,
    /// `dlsym`), freed with it.
    pub slots: Vec<u32>,
    /// Placeholder slots of its unresolved weak imports, freed with it.
    pub placeholder_slots: Vec<u32>,
}

impl Lib {
    pub fn new(name: String, path: Option<PathBuf>, module: Module) -> Lib {
        Lib {
            name,
            path,
            module,
            instance: None,
            memory_base: 0,
            mem_region: (0, 0),
            table_base: 0,
            table_size: 0,
            tls: None,
            syms: hashbrown::HashMap::new(),
            needed: Vec::new(),
            global: false,
            pinned: false,
            handle_refs: 0,
            users: hashbrown::HashSet::new(),
            uses: hashbrown::HashSet::new(),
            slots: Vec::new(),
            placeholder_slots: Vec::new(),
        }
    }

    pub fn dylink(&self) -> Option<&decode::Dylink> {
        self.module.decoded().dylink.as_ref()
    }

    /// Flags `dylink.0` gives export `name` (0 when it says nothing).
    pub fn export_flags(&self, name: &str) -> u32 {
        self.dylink().and_then(|d| d.export_info.iter().find(|(n, _)| n == name)).map_or(0, |(_, f)| *f)
    }

    /// Whether an undefined symbol `name` of this library may stay
    /// undefined: it is declared weak, or the module has only the legacy
    /// section (which cannot say).
    pub fn is_weak_import(&self, name: &str) -> bool {
        match self.dylink() {
            Some(d) if d.legacy => true,
            Some(d) => d.import_info.iter().any(|(_, f, flags)| f == name && flags & sym_flags::WEAK != 0),
            None => false,
        }
    }

    /// The value of imported global `name` of module `env` as the loader
    /// will provide it, for evaluating constant expressions early.
    fn base_global(&self, name: &str) -> Option<u32> {
        match name {
            "__memory_base" => Some(self.memory_base),
            "__table_base" => Some(self.table_base),
            "__tls_base" => Some(self.tls.map_or(self.memory_base, |t| t.0)),
            _ => None,
        }
    }

    /// Evaluates an i32 constant expression before instantiation; also
    /// says whether it read an imported base global (so it is an absolute
    /// address rather than an offset from `__memory_base`).
    pub fn eval_i32(&self, e: &ConstExpr) -> Option<(u32, bool)> {
        let m = self.module.decoded();
        let imported: Vec<&decode::Import> =
            m.imports.iter().filter(|i| matches!(i.desc, ImportDesc::Global(_))).collect();
        let mut stack: smallvec::SmallVec<[u32; 4]> = smallvec::SmallVec::new();
        let mut absolute = false;
        for op in &e.ops {
            let v = match *op {
                ConstOp::I32Const(x) => x as u32,
                ConstOp::GlobalGet(g) => {
                    let imp = imported.get(g as usize)?;
                    absolute = true;
                    if imp.module != "env" {
                        return None;
                    }
                    self.base_global(&imp.name)?
                }
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let b = stack.pop()?;
                    let a = stack.pop()?;
                    match op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }
                }
                _ => return None,
            };
            stack.push(v);
        }
        let v = stack.pop()?;
        stack.is_empty().then_some((v, absolute))
    }

    /// The constant value of defined global `index` (an export such as
    /// `__tls_size`).
    pub fn global_value(&self, index: u32) -> Option<(u32, bool)> {
        let m = self.module.decoded();
        let def = index.checked_sub(m.num_imported_globals)?;
        self.eval_i32(m.global_inits.get(def as usize)?)
    }

    /// The value of exported constant global `name`.
    pub fn exported_const(&self, name: &str) -> Option<u32> {
        let m = self.module.decoded();
        let e = m.exports.iter().find(|e| e.name == name && e.kind == ExternKind::Global)?;
        self.global_value(e.index).map(|(v, _)| v)
    }

    pub fn exports_func(&self, name: &str) -> bool {
        self.module.decoded().exports.iter().any(|e| e.name == name && e.kind == ExternKind::Func)
    }

    /// Fills `syms` from the module's exports, once `memory_base` and the
    /// TLS block are known. Re-exported imports are not definitions.
    pub fn compute_symbols(&mut self) {
        let m = self.module.decoded();
        let mut syms = hashbrown::HashMap::new();
        for e in &m.exports {
            if is_plumbing(&e.name) {
                continue;
            }
            match e.kind {
                ExternKind::Func if e.index >= m.num_imported_funcs => {
                    let ty = m.func_type(e.index).cloned().unwrap_or_default();
                    syms.insert(e.name.clone(), Sym::Func { index: e.index, ty });
                }
                ExternKind::Global if e.index >= m.num_imported_globals => {
                    let gt = m.globals[e.index as usize];
                    if gt.mutable || gt.content != crate::ValType::I32 {
                        continue;
                    }
                    let Some((value, absolute)) = self.global_value(e.index) else { continue };
                    let flags = self.export_flags(&e.name);
                    let addr = if flags & sym_flags::ABSOLUTE != 0 || absolute {
                        value
                    } else if flags & sym_flags::TLS != 0 {
                        self.tls.map_or(self.memory_base, |t| t.0).wrapping_add(value)
                    } else {
                        self.memory_base.wrapping_add(value)
                    };
                    syms.insert(e.name.clone(), Sym::Data { addr });
                }
                _ => {}
            }
        }
        self.syms = syms;
    }

    /// The table slots the module's own element segments fill, as
    /// `(function index, slot)`: these become the functions' identity.
    pub fn elem_slots(&self) -> Vec<(u32, u32)> {
        let m = self.module.decoded();
        let mut out = Vec::new();
        for seg in &m.elems {
            let decode::SegmentMode::Active { index: 0, offset } = &seg.mode else { continue };
            let Some((base, _)) = self.eval_i32(offset) else { continue };
            for (j, item) in seg.items.iter().enumerate() {
                if let [ConstOp::RefFunc(f)] = item.ops[..] {
                    if f >= m.num_imported_funcs {
                        out.push((f, base.wrapping_add(j as u32)));
                    }
                }
            }
        }
        out
    }
}

/// Which GOT a name lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum GotKind {
    Mem,
    Func,
}

/// One process-wide GOT entry: a mutable i32 global every importer of
/// `GOT.mem.X` / `GOT.func.X` shares.
pub(crate) struct GotEntry {
    pub global: Global,
    /// Whether it holds a definition's address (else 0).
    pub resolved: bool,
    /// The library whose definition it holds (`None`: a host function or
    /// nothing).
    pub def: Option<LibId>,
}
