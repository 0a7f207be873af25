//! WASI preview1 (`wasi_snapshot_preview1`) for command and reactor
//! modules: a [`WasiCtx`] (arguments, environment, standard streams,
//! preopened directories) and [`add_to_linker`], which defines every
//! preview1 function on a [`Linker`](crate::Linker).
//!
//! The guest reaches the host file system only through preopened
//! directories, resolved by `sandbox.rs` (read its policy first). Guest
//! pointers are bounds-checked (`EFAULT`); no guest input panics the host.
//!
//! ```no_run
//! use weft::wasi::{self, WasiCtx, WasiCtxBuilder};
//! use weft::{Engine, Linker, Module, Store};
//! # fn main() -> Result<(), weft::Error> {
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, "hello.wasm")?;
//! let ctx = WasiCtxBuilder::new().arg("hello").inherit_stdio().preopened_dir(".", ".", false).build()?;
//! let mut store = Store::new(&engine, ctx);
//! let mut linker = Linker::new(&engine);
//! wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx)?;
//! let instance = linker.instantiate(&mut store, &module)?;
//! let code = wasi::run_command(&mut store, instance)?;
//! std::process::exit(code);
//! # }
//! ```
//!
//! Choices where preview1 leaves room:
//! - Escapes (`..` above a preopen, absolute paths, symlinks whose target
//!   leaves the preopen) are `ENOTCAPABLE`; so is creating a symlink whose
//!   target would leave it. Writes under a read-only preopen are `EROFS`.
//! - Clocks: realtime and monotonic come from `std::time` (resolution
//!   reported as 1 ns; monotonic counts from its first use in the process).
//!   The CPU-time clocks read `/proc/self/stat` and `/proc/thread-self/stat`
//!   (Linux; 10 ms ticks) and are `ENOTSUP` where those are missing; other
//!   clock ids are `EINVAL`.
//! - `poll_oneoff` sleeps for clock subscriptions; files and standard
//!   streams are always ready. `proc_raise` is `ENOSYS`; sockets are
//!   `ENOTSUP`. `fd_advise` is accepted and ignored; `fd_allocate` extends
//!   the file; `APPEND` and the sync flags are emulated on each write.
//! - `proc_exit` ends the call with an error that [`exit_code`] recognises.

mod abi;
mod clock;
mod errno;
mod fd;
mod linker;
mod mem;
mod path;
mod proc;
mod sandbox;
mod table;
#[cfg(test)]
mod tests;

pub use errno::Errno;
pub use linker::add_to_linker;

use crate::error::{Error, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use table::{Descriptor, Dir, FdTable, Kind};

/// The host state of one WASI guest. Build it with [`WasiCtxBuilder`],
/// keep it in the store's data, and hand [`add_to_linker`] a getter.
#[derive(Default)]
pub struct WasiCtx {
    /// NUL-terminated arguments.
    args: Vec<Vec<u8>>,
    /// NUL-terminated `KEY=VALUE` strings.
    env: Vec<Vec<u8>>,
    fds: FdTable,
}

impl WasiCtx {
    /// The arguments the guest sees (`argv`).
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|a| std::str::from_utf8(&a[..a.len() - 1]).unwrap_or(""))
    }
}

/// Builds a [`WasiCtx`]. By default there are no arguments, no environment,
/// stdin is empty, stdout and stderr are discarded, and nothing of the host
/// file system is visible.
#[derive(Default)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<(Box<dyn Read + Send>, bool)>,
    stdout: Option<(Box<dyn Write + Send>, bool)>,
    stderr: Option<(Box<dyn Write + Send>, bool)>,
    preopens: Vec<(PathBuf, String, bool)>,
}

impl WasiCtxBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one argument (the first is the program name, `argv[0]`).
    pub fn arg(mut self, arg: impl AsRef<str>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments.
    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets one environment variable (a later value for the same key wins).
    pub fn env(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let key = key.as_ref().to_owned();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.as_ref().to_owned()));
        self
    }

    /// Copies the host's environment (variables that are not UTF-8 are
    /// skipped). Variables set before or after with [`env`](Self::env) win.
    pub fn inherit_env(mut self) -> Self {
        let explicit = std::mem::take(&mut self.env);
        for (k, v) in std::env::vars_os() {
            if let (Ok(k), Ok(v)) = (k.into_string(), v.into_string()) {
                self = self.env(k, v);
            }
        }
        for (k, v) in explicit {
            self = self.env(k, v);
        }
        self
    }

    pub fn stdin(mut self, r: impl Read + Send + 'static) -> Self {
        self.stdin = Some((Box::new(r), false));
        self
    }
    pub fn stdout(mut self, w: impl Write + Send + 'static) -> Self {
        self.stdout = Some((Box::new(w), false));
        self
    }
    pub fn stderr(mut self, w: impl Write + Send + 'static) -> Self {
        self.stderr = Some((Box::new(w), false));
        self
    }
    pub fn inherit_stdin(mut self) -> Self {
        self.stdin = Some((Box::new(std::io::stdin()), std::io::stdin().is_terminal()));
        self
    }
    pub fn inherit_stdout(mut self) -> Self {
        self.stdout = Some((Box::new(std::io::stdout()), std::io::stdout().is_terminal()));
        self
    }
    pub fn inherit_stderr(mut self) -> Self {
        self.stderr = Some((Box::new(std::io::stderr()), std::io::stderr().is_terminal()));
        self
    }
    /// The host's stdin, stdout and stderr.
    pub fn inherit_stdio(self) -> Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Makes the host directory `host` visible to the guest as `guest`
    /// (e.g. `"/data"` or `"."`). With `read_only`, nothing under it can be
    /// created, written, renamed, linked, removed or have its times set
    /// (`EROFS`). Preopens get descriptors 3, 4, ... in the order given.
    pub fn preopened_dir(
        mut self,
        host: impl Into<PathBuf>,
        guest: impl AsRef<str>,
        read_only: bool,
    ) -> Self {
        self.preopens.push((host.into(), guest.as_ref().to_owned(), read_only));
        self
    }

    pub fn build(self) -> Result<WasiCtx> {
        let cstr = |s: &str, what: &str| -> Result<Vec<u8>> {
            if s.contains('\0') {
                return Err(Error::other(format!("wasi: {what} {s:?} contains a NUL byte")));
            }
            let mut v = s.as_bytes().to_vec();
            v.push(0);
            Ok(v)
        };
        let args = self.args.iter().map(|a| cstr(a, "argument")).collect::<Result<Vec<_>>>()?;
        let mut env = Vec::with_capacity(self.env.len());
        for (k, v) in &self.env {
            if k.is_empty() || k.contains('=') {
                return Err(Error::other(format!("wasi: bad environment variable name {k:?}")));
            }
            env.push(cstr(&format!("{k}={v}"), "environment variable")?);
        }
        let mut fds = FdTable::default();
        let (stdin, tty) = self.stdin.unwrap_or_else(|| (Box::new(std::io::empty()), false));
        fds.set(0, Descriptor::reader(stdin, tty));
        let (stdout, tty) = self.stdout.unwrap_or_else(|| (Box::new(std::io::sink()), false));
        fds.set(1, Descriptor::writer(stdout, tty));
        let (stderr, tty) = self.stderr.unwrap_or_else(|| (Box::new(std::io::sink()), false));
        fds.set(2, Descriptor::writer(stderr, tty));
        for (host, guest, read_only) in self.preopens {
            let canonical = std::fs::canonicalize(&host)
                .map_err(|e| Error::other(format!("wasi: cannot preopen {}: {e}", host.display())))?;
            if !canonical.is_dir() {
                return Err(Error::other(format!(
                    "wasi: cannot preopen {}: not a directory",
                    host.display()
                )));
            }
            let root = Arc::new(sandbox::Root { host: canonical, read_only });
            let dir = Dir { root, rel: Vec::new(), preopen: Some(guest), listing: Vec::new() };
            fds.insert(Descriptor {
                kind: Kind::Dir(dir),
                rights_base: abi::rights::DIR,
                rights_inheriting: abi::rights::DIR | abi::rights::FILE,
                flags: 0,
            })
            .map_err(|e| Error::other(format!("wasi: too many preopens ({e:?})")))?;
        }
        Ok(WasiCtx { args, env, fds })
    }
}

/// A `Write` that collects what the guest writes, for tests and embedders:
/// clone it, hand one clone to the builder, read the other.
#[derive(Clone, Default)]
pub struct OutputPipe(Arc<Mutex<Vec<u8>>>);

impl OutputPipe {
    pub fn new() -> Self {
        Self::default()
    }
    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }
    /// Everything written so far, as (lossy) UTF-8.
    pub fn contents_string(&self) -> String {
        String::from_utf8_lossy(&self.contents()).into_owned()
    }
}

impl Write for OutputPipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The error `proc_exit(code)` ends execution with.
pub fn exit_error(code: i32) -> Error {
    Error::Exit(code)
}

/// The exit code, when `err` is the guest calling `proc_exit`.
pub fn exit_code(err: &Error) -> Option<i32> {
    match err {
        Error::Exit(code) => Some(*code),
        _ => None,
    }
}

/// Runs a WASI module instance: a command's `_start` (its exit code: 0 when
/// it returns, the code when it calls `proc_exit`), or else a reactor's
/// `_initialize` (0). Traps and other errors are returned as errors.
pub fn run_command<T>(store: &mut crate::Store<T>, instance: crate::Instance) -> Result<i32> {
    let entry = instance.get_func(&*store, "_start").or_else(|| instance.get_func(&*store, "_initialize"));
    let Some(entry) = entry else {
        return Err(Error::other("wasi: the module exports neither `_start` nor `_initialize`"));
    };
    match entry.call(&mut *store, &[], &mut []) {
        Ok(()) => Ok(0),
        Err(e) => exit_code(&e).ok_or(e),
    }
}
