//! One adapter per runtime: set a program up once (compile, instantiate,
//! look up `run`) and hand back a closure that calls `run` once.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// What one call of `run` gave: the checksum and, for runtimes that time
/// themselves (the native subprocess), the time of `run` alone.
pub struct Sample {
    pub checksum: i64,
    pub self_timed: Option<Duration>,
}

pub type Runner = Box<dyn FnMut() -> Result<Sample, String>>;

pub struct Runtime {
    /// Column name in the report.
    pub name: &'static str,
    pub setup: fn(&Program) -> Result<Runner, String>,
    /// Executes Wasm 2.0 SIMD (`v128`). Runtimes without it are not set up
    /// for SIMD programs: the report shows them as unsupported there.
    pub simd: bool,
}

pub struct Program {
    pub name: String,
    pub wasm: Vec<u8>,
    pub native: std::path::PathBuf,
    pub expected: i64,
    /// Uses Wasm SIMD (`simd_*.c`, which build.sh compiles with -msimd128).
    pub simd: bool,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn sample(checksum: i64) -> Sample {
    Sample { checksum, self_timed: None }
}

/// Every runtime, in report column order.
pub fn all() -> Vec<Runtime> {
    vec![
        Runtime { name: "native", setup: native, simd: true },
        Runtime { name: "wasmtime", setup: wasmtime_cranelift, simd: true },
        Runtime { name: "weft", setup: weft_threaded, simd: true },
        Runtime { name: "weft-loop", setup: weft_loop, simd: true },
        // With the crate's `simd` feature (Cargo.toml), on by default in Config.
        Runtime { name: "wasmi", setup: wasmi, simd: true },
        // makepad-stitch 0.1 and wasm3 0.3 implement the MVP only.
        Runtime { name: "stitch", setup: stitch, simd: false },
        Runtime { name: "wasm3", setup: wasm3, simd: false },
        Runtime { name: "pulley", setup: wasmtime_pulley, simd: true },
    ]
}

fn native(p: &Program) -> Result<Runner, String> {
    let exe = p.native.clone();
    if !Path::new(&exe).exists() {
        return Err(format!("{} missing (run benches/programs/build.sh)", exe.display()));
    }
    Ok(Box::new(move || {
        let out = Command::new(&exe).args(["--time", "1"]).output().map_err(err)?;
        if !out.status.success() {
            return Err(format!("{} exited with {}", exe.display(), out.status));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut fields = text.split_whitespace();
        let ns: u64 = fields.next().and_then(|s| s.parse().ok()).ok_or("no time")?;
        let checksum: i64 = fields.next().and_then(|s| s.parse().ok()).ok_or("no checksum")?;
        Ok(Sample { checksum, self_timed: Some(Duration::from_nanos(ns)) })
    }))
}

fn weft_with(p: &Program, backend: weft::Backend) -> Result<Runner, String> {
    use weft::{Config, Engine, Linker, Module, Store};
    let engine = Engine::new(Config::new().backend(backend));
    let module = Module::new(&engine, &p.wasm).map_err(err)?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::<()>::new(&engine).instantiate(&mut store, &module).map_err(err)?;
    let run = instance.get_typed_func::<(), i64>(&store, "run").map_err(err)?;
    Ok(Box::new(move || run.call(&mut store, ()).map(sample).map_err(err)))
}

fn weft_threaded(p: &Program) -> Result<Runner, String> {
    weft_with(p, weft::Backend::Threaded)
}

fn weft_loop(p: &Program) -> Result<Runner, String> {
    weft_with(p, weft::Backend::Loop)
}

fn wasmi(p: &Program) -> Result<Runner, String> {
    use wasmi::{CompilationMode, Config, Engine, Linker, Module, Store};
    let mut config = Config::default();
    config.compilation_mode(CompilationMode::Eager);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, &p.wasm).map_err(err)?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::<()>::new(&engine).instantiate_and_start(&mut store, &module).map_err(err)?;
    let run = instance.get_typed_func::<(), i64>(&store, "run").map_err(err)?;
    Ok(Box::new(move || run.call(&mut store, ()).map(sample).map_err(err)))
}

fn stitch(p: &Program) -> Result<Runner, String> {
    use makepad_stitch::{Engine, Linker, Module, Store, Val};
    let mut store = Store::new(Engine::new());
    let module = Module::new(store.engine(), &p.wasm).map_err(err)?;
    let instance = Linker::new().instantiate(&mut store, &module).map_err(err)?;
    let run = instance.exported_func("run").ok_or("no export `run`")?;
    Ok(Box::new(move || {
        let mut results = [Val::I64(0)];
        run.call(&mut store, &[], &mut results).map_err(err)?;
        match results[0] {
            Val::I64(v) => Ok(sample(v)),
            _ => Err("`run` returned a non-i64".into()),
        }
    }))
}

fn wasm3(p: &Program) -> Result<Runner, String> {
    let env = wasm3::Environment::new().map_err(err)?;
    // The wasm3 value stack (not the program's shadow stack in linear
    // memory): deep enough for fib's and bintrees' recursion.
    let runtime = env.create_runtime(8 << 20).map_err(err)?;
    // Functions borrow their runtime; the runtime lives as long as the
    // benchmark process.
    let runtime: &'static wasm3::Runtime = Box::leak(Box::new(runtime));
    runtime.parse_and_load_module(p.wasm.clone()).map_err(err)?;
    let run = runtime.find_function::<(), i64>("run").map_err(err)?;
    Ok(Box::new(move || run.call().map(sample).map_err(err)))
}

fn wasmtime_with(p: &Program, pulley: bool) -> Result<Runner, String> {
    use wasmtime::{Config, Engine, Instance, Module, Store};
    let mut config = Config::new();
    if pulley {
        // Compiles to Pulley bytecode and runs it in wasmtime's interpreter.
        config.target("pulley64").map_err(err)?;
    }
    let engine = Engine::new(&config).map_err(err)?;
    let module = Module::new(&engine, &p.wasm).map_err(err)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).map_err(err)?;
    let run = instance.get_typed_func::<(), i64>(&mut store, "run").map_err(err)?;
    Ok(Box::new(move || run.call(&mut store, ()).map(sample).map_err(err)))
}

fn wasmtime_cranelift(p: &Program) -> Result<Runner, String> {
    wasmtime_with(p, false)
}

fn wasmtime_pulley(p: &Program) -> Result<Runner, String> {
    wasmtime_with(p, true)
}
