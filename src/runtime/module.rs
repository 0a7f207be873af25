//! `Module`: a decoded, validated and (eagerly or lazily) lowered module,
//! shareable between stores of one engine.

use super::engine::Engine;
use crate::decode::{self, ExternKind, FuncType, GlobalType, ImportDesc, MemoryType, TableType};
use crate::error::{Error, Result};
use crate::ir::FuncCode;
use crate::lower::Scratch;
use crate::validate::ModuleCtx;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq)]
pub enum ExternType {
    Func(FuncType),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

/// One import of a module.
#[derive(Debug, Clone)]
pub struct ImportType<'a> {
    pub module: &'a str,
    pub name: &'a str,
    pub ty: ExternType,
}

/// One export of a module.
#[derive(Debug, Clone)]
pub struct ExportType<'a> {
    pub name: &'a str,
    pub ty: ExternType,
}

pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub bytes: Box<[u8]>,
    pub m: decode::Module,
    pub vctx: ModuleCtx,
    /// Engine signature id of each type index.
    pub sigs: Vec<u32>,
    /// Lowered code of each defined function (filled eagerly, or on first
    /// call in lazy mode).
    pub code: Box<[OnceLock<Result<FuncCode>>]>,
    /// A name for messages (file name or the name section's module name).
    pub name: Option<String>,
}

/// Code size below which eager lowering stays on the calling thread (a
/// thread costs tens of microseconds; this much code takes milliseconds).
const PARALLEL_MIN_CODE: usize = 128 << 10;
/// Code per unit of work handed to a lowering thread: small enough to
/// balance, large enough that taking the next unit is rare.
const PARALLEL_CHUNK_CODE: usize = 32 << 10;

/// CPUs to lower on (at most 8), asked once: the answer costs system calls
/// (cgroup quotas on Linux).
fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(8))
}

impl ModuleInner {
    /// Validates and lowers defined function `def` for this engine.
    fn lower<'a>(&'a self, def: u32, scratch: &mut Scratch<'a>) -> Result<FuncCode> {
        let engine = &self.engine;
        crate::lower::lower_func(
            &self.m,
            &self.vctx,
            &self.bytes,
            def,
            engine.words(),
            engine.check(),
            scratch,
        )
    }

    fn lower_one<'a>(&'a self, def: u32, scratch: &mut Scratch<'a>) -> Result<()> {
        let code = self.lower(def, scratch)?;
        let _ = self.code[def as usize].set(Ok(code));
        Ok(())
    }

    /// Eager mode: lowers every function, on several threads for a large
    /// module. Reports the error of the lowest-numbered failing function,
    /// as a sequential pass would.
    fn lower_all(&self) -> Result<()> {
        let bodies = &self.m.bodies;
        let code_len: usize = bodies.iter().map(|b| b.code.len()).sum();
        let parallel = self.engine.config().parallel && code_len >= PARALLEL_MIN_CODE;
        let threads = if parallel { cpus() } else { 1 };
        if threads < 2 {
            let mut scratch = Scratch::default();
            return (0..bodies.len() as u32).try_for_each(|def| self.lower_one(def, &mut scratch));
        }
        // Consecutive functions in units of about PARALLEL_CHUNK_CODE bytes.
        let mut units = vec![0u32];
        let mut acc = 0;
        for (i, b) in bodies.iter().enumerate() {
            acc += b.code.len();
            if acc >= PARALLEL_CHUNK_CODE {
                units.push(i as u32 + 1);
                acc = 0;
            }
        }
        if *units.last().unwrap_or(&0) as usize != bodies.len() {
            units.push(bodies.len() as u32);
        }
        let next = AtomicUsize::new(0);
        // The lowest failing function so far: functions above it are skipped,
        // those below still run, so the lowest one overall is found.
        let failed = AtomicU32::new(u32::MAX);
        let first_err: Mutex<Option<(u32, Error)>> = Mutex::new(None);
        let work = || {
            let mut scratch = Scratch::default();
            loop {
                let u = next.fetch_add(1, Ordering::Relaxed);
                if u + 1 >= units.len() {
                    return;
                }
                for def in units[u]..units[u + 1] {
                    if def > failed.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Err(e) = self.lower_one(def, &mut scratch) {
                        failed.fetch_min(def, Ordering::Relaxed);
                        let mut slot = first_err.lock().unwrap_or_else(|p| p.into_inner());
                        if slot.as_ref().is_none_or(|(d, _)| def < *d) {
                            *slot = Some((def, e));
                        }
                        break;
                    }
                }
            }
        };
        std::thread::scope(|s| {
            for _ in 1..threads.min(units.len() - 1) {
                // If a thread cannot be started, the others do its share.
                let _ = std::thread::Builder::new().spawn_scoped(s, work);
            }
            work();
        });
        match first_err.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }
}

/// The error the full decode and validation report first, if any.
fn first_error(bytes: &[u8], features: decode::Features) -> Option<Error> {
    let m = match decode::decode_module_with(bytes, features) {
        Ok(m) => m,
        Err(e) => return Some(e),
    };
    if let Err(e) = crate::validate::validate_module(&m) {
        return Some(e);
    }
    crate::validate::validate_bodies(&m, bytes).err()
}

/// A compiled module.
#[derive(Clone)]
pub struct Module(pub(crate) Arc<ModuleInner>);

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.0.name).finish()
    }
}

impl Module {
    /// Decodes, validates and (unless the engine is lazy) lowers `bytes`.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes: Box<[u8]> = bytes.as_ref().into();
        // Bodies are decoded once, by the lowering. If anything fails, the
        // full decode and validation say which error comes first (a
        // malformed body before an invalid one, in byte order).
        let features = engine.config().features;
        Self::compile(engine, bytes.clone()).map_err(|e| first_error(&bytes, features).unwrap_or(e))
    }

    fn compile(engine: &Engine, bytes: Box<[u8]>) -> Result<Module> {
        let m = decode::decode_module_shallow(&bytes, engine.config().features)?;
        let vctx = crate::validate::validate_module(&m)?;
        let sigs = m.types.iter().map(|t| engine.sig_id(t)).collect();
        let code = (0..m.bodies.len()).map(|_| OnceLock::new()).collect();
        let name = m.names.module.clone();
        let inner = ModuleInner { engine: engine.clone(), bytes, m, vctx, sigs, code, name };
        if !engine.config().lazy {
            inner.lower_all()?;
        }
        Ok(Module(Arc::new(inner)))
    }

    /// Reads and compiles a file; errors name the file.
    pub fn from_file(engine: &Engine, path: impl AsRef<std::path::Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).map_err(|e| Error::other(format!("cannot read {}: {e}", path.display())))?;
        let mut module = Module::new(engine, bytes)?;
        if module.0.name.is_none() {
            if let Some(inner) = Arc::get_mut(&mut module.0) {
                inner.name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            }
        }
        Ok(module)
    }

    /// Decodes and validates `bytes` without lowering.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        let m = decode::decode_module_with(bytes, engine.config().features)?;
        let vctx = crate::validate::validate_module(&m)?;
        let _ = vctx;
        crate::validate::validate_bodies(&m, bytes)
    }

    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }

    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The decoded module (sections, custom sections, names, dylink.0).
    pub fn decoded(&self) -> &decode::Module {
        &self.0.m
    }

    pub fn imports(&self) -> impl Iterator<Item = ImportType<'_>> + '_ {
        let m = &self.0.m;
        m.imports.iter().map(move |imp| ImportType {
            module: &imp.module,
            name: &imp.name,
            ty: match &imp.desc {
                ImportDesc::Func(t) => ExternType::Func(m.types[*t as usize].clone()),
                ImportDesc::Table(t) => ExternType::Table(*t),
                ImportDesc::Memory(t) => ExternType::Memory(*t),
                ImportDesc::Global(t) => ExternType::Global(*t),
            },
        })
    }

    pub fn exports(&self) -> impl Iterator<Item = ExportType<'_>> + '_ {
        let m = &self.0.m;
        m.exports.iter().map(move |e| ExportType {
            name: &e.name,
            ty: match e.kind {
                ExternKind::Func => ExternType::Func(m.func_type(e.index).cloned().unwrap_or_default()),
                ExternKind::Table => ExternType::Table(m.tables[e.index as usize]),
                ExternKind::Memory => ExternType::Memory(m.memories[e.index as usize]),
                ExternKind::Global => ExternType::Global(m.globals[e.index as usize]),
            },
        })
    }

    /// The lowered code of defined function `def`, lowering it now if needed.
    pub(crate) fn func_code(&self, def: u32) -> Result<&FuncCode> {
        let inner = &*self.0;
        let cell =
            inner.code.get(def as usize).ok_or_else(|| Error::other(format!("no function body {def}")))?;
        let r = cell.get_or_init(|| inner.lower(def, &mut Scratch::default()));
        r.as_ref().map_err(Clone::clone)
    }

    /// The register IR of function `func` (in the function index space), or
    /// of every defined function; for `weft inspect --ir`.
    pub fn print_ir(&self, func: Option<u32>) -> Result<String> {
        let m = &self.0.m;
        let first = m.num_imported_funcs;
        let funcs: Vec<u32> = match func {
            Some(f) if f < first => {
                return Err(Error::other(format!("function {f} is imported: it has no code")))
            }
            Some(f) if f as usize >= m.funcs.len() => {
                return Err(Error::other(format!("no function {f} (the module has {})", m.funcs.len())))
            }
            Some(f) => vec![f],
            None => (first..m.funcs.len() as u32).collect(),
        };
        let backend = self.0.engine.config().backend;
        let mut out = String::new();
        for f in funcs {
            let code = self.func_code(f - first)?;
            let name = m.names.func(f).map(|n| format!(" ${n}")).unwrap_or_default();
            let ty = m.func_type(f).cloned().unwrap_or_default();
            out.push_str(&format!(
                "func {f}{name} {ty}: {} slots ({} params, {} local slots zeroed on entry)\n",
                code.frame_slots, code.param_slots, code.local_slots
            ));
            out.push_str(&crate::ir::print(&code.code, &|w| crate::exec::opcode_of(backend, w)));
            out.push('\n');
        }
        Ok(out)
    }
}
