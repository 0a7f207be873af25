//! Multi-memory through the public API: `tests/multi_memory.wast` on both
//! backends, the option-off rejections, memories other than 0 seen from the
//! host (exports, imports, growth limits), and the IR they lower to.

use weft::{Backend, Config, Engine, Extern, Linker, Memory, MemoryType, Module, Store, Val};

mod common;
use common::wat;

/// Configurations with multi-memory on, one per backend this build runs
/// (the threaded backend needs an optimized build: it is the default there).
fn configs() -> Vec<Config> {
    let mut backends = vec![Backend::Loop];
    if Backend::default() == Backend::Threaded {
        backends.push(Backend::Threaded);
    }
    backends
        .into_iter()
        .map(|b| {
            let mut c = Config::new();
            c.backend(b).multi_memory(true);
            c
        })
        .collect()
}

fn engines() -> Vec<Engine> {
    configs().iter().map(Engine::new).collect()
}

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/multi_memory.wast");

#[test]
fn script_passes_on_every_backend() {
    for config in configs() {
        let report = weft::wast::run_file(SCRIPT, &config).unwrap();
        assert!(report.failures.is_empty(), "{config:?}:\n{}", report.failures.join("\n"));
        assert!(report.passed > 150, "only {} directives passed", report.passed);
    }
}

#[test]
fn script_fails_with_the_option_off() {
    let mut config = Config::new();
    config.backend(Backend::Loop);
    let report = weft::wast::run_file(SCRIPT, &config).unwrap();
    // The first module is rejected (its memargs name memories), and with it
    // everything that uses it.
    let first = report.failures.first().map(String::as_str).unwrap_or("");
    assert!(first.contains("does not compile: malformed module"), "{first}");
    assert!(report.failed > report.passed, "{} passed", report.passed);
}

/// A module with one memory, one function body `code` of type [] -> [],
/// as raw bytes (for encodings the text format will not produce).
fn one_memory_module(code: &[u8]) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x03\x02\x01\0\x05\x03\x01\0\x01\x0a".to_vec();
    let body_len = code.len() + 1;
    m.extend([body_len as u8 + 2, 1, body_len as u8, 0]);
    m.extend(code);
    m
}

#[test]
fn option_off_keeps_the_wasm_2_errors() {
    let off = Engine::default();
    let on = Engine::new(Config::new().multi_memory(true));
    let two = wat("(module (memory 1) (memory 1))");
    let err = Module::new(&off, &two).unwrap_err();
    let not_enabled = " (multi-memory is not enabled)";
    assert_eq!(err.message(), format!("multiple memories{not_enabled}"), "{err}");
    assert!(Module::new(&on, &two).is_ok());
    let imported = wat(r#"(module (import "a" "m" (memory 1)) (memory 1))"#);
    assert_eq!(
        Module::new(&off, &imported).unwrap_err().message(),
        format!("multiple memories{not_enabled}")
    );
    assert!(Module::validate(&on, &imported).is_ok());

    // `i32.load` with the memory-index flag (memory 0), then `drop`.
    let memarg = one_memory_module(&[0x41, 0, 0x28, 0x42, 0x00, 0x00, 0x1a, 0x0b]);
    let err = Module::new(&off, &memarg).unwrap_err().message();
    assert_eq!(err, format!("malformed memop flags{not_enabled}"));
    assert!(Module::new(&on, &memarg).is_ok());
    // `memory.size` with a two-byte LEB128 zero as its index.
    let size = one_memory_module(&[0x3f, 0x80, 0x00, 0x1a, 0x0b]);
    assert_eq!(Module::new(&off, &size).unwrap_err().message(), format!("zero byte expected{not_enabled}"));
    assert!(Module::new(&on, &size).is_ok());
    // With the option on, indices are checked against the memory count.
    let past = one_memory_module(&[0x41, 0, 0x28, 0x42, 0x01, 0x00, 0x1a, 0x0b]);
    assert_eq!(Module::new(&on, &past).unwrap_err().message(), "unknown memory 1");
}

const TWO: &str = r#"
(module
  (memory $m0 (export "m0") 1)
  (memory $m1 (export "m1") 1 3)
  (data (memory $m1) (i32.const 4) "\2a")
  (func (export "load1") (param i32) (result i32) (i32.load8_u $m1 (local.get 0)))
  (func (export "store1") (param i32 i32) (i32.store8 $m1 (local.get 0) (local.get 1)))
  (func (export "size1") (result i32) (memory.size $m1))
  (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0)))
  (func (export "load0") (param i32) (result i32) (i32.load8_u $m0 (local.get 0))))
"#;

#[test]
fn exported_second_memory_is_visible_through_the_api() {
    let bytes = wat(TWO);
    for engine in engines() {
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let m0 = instance.get_memory(&store, "m0").unwrap();
        let m1 = instance.get_memory(&store, "m1").unwrap();
        assert_ne!(m0, m1);
        let kinds: Vec<_> = instance.exports(&store).into_iter().map(|(n, e)| (n, e.into_memory())).collect();
        assert!(kinds.contains(&("m1".to_string(), Some(m1))), "{kinds:?}");

        // The data segment went to memory 1 only.
        assert_eq!(m1.data(&store)[4], 42);
        assert_eq!(m0.data(&store)[4], 0);
        // Wasm stores show through the handle, host writes through wasm loads.
        let store1 = instance.get_typed_func::<(i32, i32), ()>(&store, "store1").unwrap();
        store1.call(&mut store, (100, 7)).unwrap();
        assert_eq!(m1.data(&store)[100], 7);
        m1.data_mut(&mut store)[200] = 9;
        let load1 = instance.get_typed_func::<i32, i32>(&store, "load1").unwrap();
        assert_eq!(load1.call(&mut store, 200).unwrap(), 9);
        let load0 = instance.get_typed_func::<i32, i32>(&store, "load0").unwrap();
        assert_eq!(load0.call(&mut store, 200).unwrap(), 0);

        // Growth from either side is seen by the other.
        let size1 = instance.get_typed_func::<(), i32>(&store, "size1").unwrap();
        assert_eq!(m1.grow(&mut store, 1).unwrap(), 1);
        assert_eq!(size1.call(&mut store, ()).unwrap(), 2);
        let grow1 = instance.get_typed_func::<i32, i32>(&store, "grow1").unwrap();
        assert_eq!(grow1.call(&mut store, 1).unwrap(), 2);
        assert_eq!((m1.size(&store), m0.size(&store)), (3, 1));
        assert_eq!(m1.ty(&store).limits.max, Some(3));
        assert_eq!(grow1.call(&mut store, 1).unwrap(), -1);
        assert_eq!(load1.call(&mut store, 3 * 65536 - 1).unwrap(), 0);
        assert!(load1.call(&mut store, 3 * 65536).is_err());
    }
}

#[test]
fn host_memories_import_at_any_index() {
    let bytes = wat(r#"(module
             (import "host" "a" (memory 1))
             (import "host" "b" (memory $b 1))
             (func (export "put") (param i32 i32) (i32.store $b (local.get 0) (local.get 1))))"#);
    for engine in engines() {
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let ty = MemoryType { limits: weft::Limits { min: 1, max: None }, shared: false, memory64: false };
        let a = Memory::new(&mut store, ty).unwrap();
        let b = Memory::new(&mut store, ty).unwrap();
        let mut linker = Linker::new(&engine);
        linker.define(&mut store, "host", "a", Extern::Memory(a)).unwrap();
        linker.define(&mut store, "host", "b", Extern::Memory(b)).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let put = instance.get_func(&store, "put").unwrap();
        put.call(&mut store, &[Val::I32(8), Val::I32(0x0403_0201)], &mut []).unwrap();
        assert_eq!(&b.data(&store)[8..12], &[1, 2, 3, 4]);
        assert_eq!(&a.data(&store)[8..12], &[0, 0, 0, 0]);
    }
}

#[test]
fn max_memory_bounds_every_memory() {
    let bytes = wat(TWO);
    for mut config in configs() {
        config.max_memory(2 * 65536);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let grow1 = instance.get_typed_func::<i32, i32>(&store, "grow1").unwrap();
        // Memory 1's own maximum is 3 pages; the engine allows 2.
        assert_eq!(grow1.call(&mut store, 2).unwrap(), -1);
        assert_eq!(grow1.call(&mut store, 1).unwrap(), 1);
        assert_eq!(grow1.call(&mut store, 1).unwrap(), -1);
        // A second memory that starts above the cap does not instantiate.
        let big = wat("(module (memory 1) (memory 3))");
        let module = Module::new(&engine, &big).unwrap();
        assert!(Linker::new(&engine).instantiate(&mut store, &module).is_err());
    }
}

#[test]
fn memory_0_keeps_its_own_instructions() {
    let engine = Engine::new(Config::new().multi_memory(true));
    let module = Module::new(&engine, wat(TWO)).unwrap();
    let ir = module.print_ir(None).unwrap();
    // Memory 1: the generic access naming its memory and the memory-0
    // instruction it stands for; memory 0: the plain load.
    assert!(ir.contains("AccessN mem=#1 Load8U dst="), "{ir}");
    assert!(ir.contains("AccessN mem=#1 Store8 addr="), "{ir}");
    assert!(ir.contains("MemorySizeN") && ir.contains("MemoryGrowN"), "{ir}");
    let load0 = ir.lines().filter(|l| l.contains(": Load8U ")).count();
    assert_eq!(load0, 1, "{ir}");
}
