//! Behaviour of the embedding API: calls, host functions, re-entry, traps
//! with backtraces, stack exhaustion, lazy lowering, and that wasm recursion
//! never grows the native stack.

use weft::{Backend, Caller, Config, Engine, Error, Func, Linker, Module, Store, TrapCode, Val};

mod common;
use common::wat;

fn engines() -> Vec<Engine> {
    let mut out = vec![Engine::new(Config::new().backend(Backend::Loop))];
    // The threaded backend relies on sibling calls, which only optimized
    // builds guarantee; it is the default exactly there.
    if Backend::default() == Backend::Threaded {
        out.push(Engine::new(Config::new().backend(Backend::Threaded)));
    }
    out
}

const RECURSE: &str = r#"
(module
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))
"#;

#[test]
fn deep_recursion_runs_on_a_small_native_stack() {
    let bytes = wat(RECURSE);
    for engine in engines() {
        let bytes = bytes.clone();
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let module = Module::new(&engine, &bytes).unwrap();
                let mut store = Store::new(&engine, ());
                let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
                let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
                down.call(&mut store, 100_000).unwrap()
            })
            .unwrap();
        assert_eq!(handle.join().expect("no native stack overflow"), 100_000);
    }
}

#[test]
fn runaway_recursion_is_a_trap() {
    let bytes = wat(r#"(module (func $f (export "f") (call $f)))"#);
    for engine in engines() {
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let f = instance.get_func(&store, "f").unwrap();
        let err = f.call(&mut store, &[], &mut []).unwrap_err();
        assert_eq!(err.as_trap().map(|t| t.code), Some(TrapCode::StackOverflow), "{err}");
        // The store stays usable after a trap.
        let err = f.call(&mut store, &[], &mut []).unwrap_err();
        assert_eq!(err.as_trap().map(|t| t.code), Some(TrapCode::StackOverflow));
    }
}

#[test]
fn trap_carries_kind_and_named_backtrace() {
    let bytes = wat(r#"(module
          (func $inner (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
          (func $outer (export "outer") (param i32) (result i32) (call $inner (local.get 0))))"#);
    for engine in engines() {
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let outer = instance.get_typed_func::<i32, i32>(&store, "outer").unwrap();
        assert_eq!(outer.call(&mut store, 1).unwrap(), 1);
        let err = outer.call(&mut store, 0).unwrap_err();
        let trap = err.as_trap().expect("a trap");
        assert_eq!(trap.code, TrapCode::IntegerDivisionByZero);
        let names: Vec<_> = trap.backtrace.iter().map(|f| f.func_name.clone().unwrap_or_default()).collect();
        assert_eq!(names, ["inner", "outer"]);
        let text = err.to_string();
        assert!(text.contains("integer divide by zero") && text.contains("inner"), "{text}");
    }
}

#[test]
fn host_functions_reach_state_memory_and_reenter_wasm() {
    let bytes = wat(r#"(module
          (import "host" "log" (func $log (param i32 i32)))
          (import "host" "twice" (func $twice (param i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hello")
          (func (export "square") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
          (func (export "run") (result i32)
            (call $log (i32.const 16) (i32.const 5))
            (call $twice (i32.const 7))))"#);
    for engine in engines() {
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, Vec::<String>::new());
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("host", "log", |caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| {
                let mem = caller.get_export("memory").unwrap().into_memory().unwrap();
                let text = mem.data(&caller)[ptr as usize..(ptr + len) as usize].to_vec();
                let mut caller = caller;
                caller.data_mut().push(String::from_utf8(text).unwrap());
            })
            .unwrap();
        linker
            .func_wrap("host", "twice", |mut caller: Caller<'_, Vec<String>>, x: i32| -> Result<i32, Error> {
                // Re-enter wasm from inside a host call.
                let square = caller.get_export("square").unwrap().into_func().unwrap();
                let mut out = [Val::I32(0)];
                square.call(&mut caller, &[Val::I32(x)], &mut out)?;
                Ok(out[0].i32().unwrap() * 2)
            })
            .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, ()).unwrap(), 98);
        assert_eq!(store.data(), &["hello".to_string()]);
    }
}

#[test]
fn host_errors_become_errors_not_crashes() {
    let bytes = wat(r#"(module (import "h" "fail" (func $f)) (func (export "go") (call $f)))"#);
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let fail = Func::wrap(&mut store, || -> Result<(), Error> { Err(Error::other("host says no")) });
    let mut linker = Linker::new(&engine);
    linker.define(&mut store, "h", "fail", fail).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let err = instance.get_func(&store, "go").unwrap().call(&mut store, &[], &mut []).unwrap_err();
    assert!(err.to_string().contains("host says no"), "{err}");
}

#[test]
fn lazy_mode_lowers_on_first_call_and_reports_invalid_bodies_then() {
    let engine = Engine::new(Config::new().lazy(true));
    let good = wat(r#"(module (func (export "f") (result i32) (i32.const 42)))"#);
    let module = Module::new(&engine, &good).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let f = instance.get_typed_func::<(), i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 42);
    assert!(module.print_ir(None).unwrap().contains("Return"));

    // A body that does not validate is only looked at when first called.
    let bad = wat(r#"(module (func (export "ok") (result i32) (i32.const 1))
                            (func (export "bad") (result i32) (i64.const 1)))"#);
    let module = Module::new(&engine, &bad).expect("lazy modules defer body validation");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let ok = instance.get_typed_func::<(), i32>(&store, "ok").unwrap();
    assert_eq!(ok.call(&mut store, ()).unwrap(), 1);
    let bad = instance.get_typed_func::<(), i32>(&store, "bad").unwrap();
    match bad.call(&mut store, ()) {
        Err(Error::Invalid { func: Some(1), message, .. }) => assert!(message.contains("type mismatch")),
        other => panic!("expected a validation error, got {other:?}"),
    }
    // And eagerly, the same module is rejected up front.
    assert!(matches!(Module::new(&Engine::default(), bad_bytes()), Err(Error::Invalid { .. })));
}

fn bad_bytes() -> Vec<u8> {
    wat(r#"(module (func (result i32) (i64.const 1)))"#)
}

#[test]
fn missing_import_names_module_and_field() {
    let bytes = wat(r#"(module (import "env" "nothere" (func)))"#);
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let err = Linker::new(&engine).instantiate(&mut store, &module).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("env") && text.contains("nothere"), "{text}");
}

#[test]
fn memory_base_does_not_move_on_growth() {
    let bytes = wat(
        r#"(module (memory (export "m") 1 100) (func (export "grow") (result i32) (memory.grow (i32.const 10))))"#,
    );
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let mem = instance.get_memory(&store, "m").unwrap();
    let before = mem.data(&store).as_ptr();
    let grow = instance.get_typed_func::<(), i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, ()).unwrap(), 1);
    assert_eq!(mem.size(&store), 11);
    assert_eq!(mem.data(&store).as_ptr(), before);
}

#[test]
fn malformed_and_invalid_modules_are_errors_with_offsets() {
    let engine = Engine::default();
    match Module::new(&engine, b"\0asm\x02\0\0\0") {
        Err(Error::Malformed { offset, message }) => {
            assert_eq!(offset, 4);
            assert!(message.contains("unknown binary version"), "{message}");
        }
        other => panic!("expected malformed, got {other:?}"),
    }
    let bytes = wat(r#"(module (func (result i32) (i64.const 1)))"#);
    match Module::new(&engine, &bytes) {
        Err(Error::Invalid { func: Some(0), message, .. }) => assert!(message.contains("type mismatch")),
        other => panic!("expected invalid, got {other:?}"),
    }
}

/// Every handler must end in a jump to the next one: a handler that
/// *called* the next one would grow the native stack on each instruction,
/// and this loop over the out-of-line instructions (bulk memory, tables,
/// host and indirect calls, rounding) would overflow a 256 KiB stack.
#[test]
fn no_instruction_grows_the_native_stack() {
    let bytes = wat(r#"(module
          (import "h" "nop" (func $host (param i32) (result i32)))
          (memory 1 2)
          (table $t 4 8 funcref)
          (elem $e func $id $id)
          (data $d "abcd")
          (type $ii (func (param i32) (result i32)))
          (func $id (param i32) (result i32) (local.get 0))
          (func (export "spin") (param $n i32) (result i32) (local $acc i32)
            (loop $top
              (memory.fill (i32.const 0) (i32.const 7) (i32.const 16))
              (memory.copy (i32.const 32) (i32.const 0) (i32.const 16))
              (memory.init $d (i32.const 64) (i32.const 0) (i32.const 4))
              (drop (memory.grow (i32.const 0)))
              (drop (memory.size))
              (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 2))
              (table.copy (i32.const 2) (i32.const 0) (i32.const 2))
              (table.fill $t (i32.const 3) (ref.null func) (i32.const 1))
              (table.set $t (i32.const 3) (table.get $t (i32.const 0)))
              (drop (table.grow $t (ref.null func) (i32.const 0)))
              (drop (table.size $t))
              (local.set $acc (call_indirect (type $ii) (local.get $acc) (i32.const 1)))
              (local.set $acc (call $host (local.get $acc)))
              (drop (f32.ceil (f32.const 1.5)))
              (drop (f64.nearest (f64.const 2.5)))
              (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
              (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $acc)))"#);
    for engine in engines() {
        let bytes = bytes.clone();
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let module = Module::new(&engine, &bytes).unwrap();
                let mut store = Store::new(&engine, ());
                let mut linker = Linker::new(&engine);
                linker.func_wrap("h", "nop", |x: i32| x).unwrap();
                let instance = linker.instantiate(&mut store, &module).unwrap();
                let spin = instance.get_typed_func::<i32, i32>(&store, "spin").unwrap();
                spin.call(&mut store, 50_000).unwrap()
            })
            .unwrap();
        assert_eq!(handle.join().expect("no native stack overflow"), 50_000);
    }
}

#[test]
fn fuel_stops_infinite_loops_and_recursion() {
    let bytes = wat(r#"(module
          (func (export "spin") (loop $l (br $l)))
          (func $rec (export "rec") (call $rec))
          (func (export "count") (param i32) (result i32)
            (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
            (local.get 0)))"#);
    for backend in [Backend::Loop, Backend::default()] {
        let engine = Engine::new(Config::new().backend(backend).consume_fuel(true));
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        for name in ["spin", "rec"] {
            store.set_fuel(10_000).unwrap();
            let f = instance.get_func(&store, name).unwrap();
            let err = f.call(&mut store, &[], &mut []).unwrap_err();
            assert_eq!(err.as_trap().map(|t| t.code), Some(TrapCode::OutOfFuel), "{name}: {err}");
            assert_eq!(store.get_fuel(), Some(0));
        }
        // Enough fuel: the loop finishes, and what is left went down.
        store.set_fuel(1_000_000).unwrap();
        let count = instance.get_typed_func::<i32, i32>(&store, "count").unwrap();
        assert_eq!(count.call(&mut store, 1000).unwrap(), 0);
        let left = store.get_fuel().unwrap();
        assert!(left < 1_000_000 - 1000 && left > 0, "fuel left: {left}");
    }
    // Without the engine setting there is no fuel to set.
    let mut store = Store::new(&Engine::default(), ());
    assert!(store.set_fuel(1).is_err());
    assert_eq!(store.get_fuel(), None);
}

#[test]
fn max_memory_caps_growth() {
    let bytes = wat(
        r#"(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let engine = Engine::new(Config::new().max_memory(4 * 65536));
    let module = Module::new(&engine, &bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 3).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    // A module that starts above the limit does not instantiate.
    let big = wat(r#"(module (memory 5))"#);
    let module = Module::new(&engine, &big).unwrap();
    assert!(Linker::new(&engine).instantiate(&mut store, &module).is_err());
}

#[test]
fn interrupt_stops_a_guest_that_loops_forever() {
    let bytes = wat(r#"(module (func (export "spin") (loop $l (br $l))))"#);
    for backend in [Backend::Loop, Backend::default()] {
        let engine = Engine::new(Config::new().backend(backend).interruptible(true));
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let spin = instance.get_func(&store, "spin").unwrap();
        let interrupter = {
            let engine = engine.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                engine.interrupt();
            })
        };
        let err = spin.call(&mut store, &[], &mut []).unwrap_err();
        interrupter.join().unwrap();
        assert_eq!(err.as_trap().map(|t| t.code), Some(TrapCode::Interrupted), "{err}");
    }
}

#[test]
fn a_panicking_host_function_is_a_trap_not_a_crash() {
    let bytes = wat(r#"(module (import "h" "boom" (func $b)) (func (export "go") (call $b)))"#);
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("h", "boom", || -> () { panic!("kaboom") }).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let go = instance.get_func(&store, "go").unwrap();
    let err = go.call(&mut store, &[], &mut []).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code, TrapCode::HostError);
    assert!(trap.message.as_deref().unwrap_or("").contains("kaboom"), "{err}");
    // The store is still usable.
    assert!(go.call(&mut store, &[], &mut []).is_err());
}

/// A superinstruction pair keeps its second instruction's word, so a branch
/// to the second (here the loop head) runs it alone. The IR must show the
/// pair, or this test checks nothing.
#[test]
fn branch_into_the_second_instruction_of_a_pair() {
    let bytes = wat(r#"
        (module
          (func (export "f") (param i32) (result i32) (local i32)
            (local.set 0 (i32.add (local.get 0) (i32.const 1)))
            (loop
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (br_if 0 (i32.lt_u (local.get 1) (i32.const 10))))
            (i32.add (local.get 0) (local.get 1))))
    "#);
    for engine in engines() {
        let module = Module::new(&engine, &bytes).unwrap();
        let ir = module.print_ir(Some(0)).unwrap();
        assert!(ir.contains("I32AddImm_I32AddImm"), "no pair in:\n{ir}");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        assert_eq!(f.call(&mut store, 5).unwrap(), 16);
    }
}

/// A module with more than enough code for eager lowering to use several
/// threads; functions listed in `bad` return an i64 where an i32 is due.
fn many_functions(bad: &[usize]) -> Vec<u8> {
    let mut text = String::from("(module\n");
    for i in 0..1000 {
        text += &format!("(func (export \"f{i}\") (param i32) (result i32)\n");
        for k in 0..20 {
            text += &format!(
                "(local.set 0 (i32.add (i32.mul (local.get 0) (i32.const {})) (i32.const {k})))\n",
                i + 3
            );
        }
        text += if bad.contains(&i) { "(drop (local.get 0)) (i64.const 0))\n" } else { "(local.get 0))\n" };
    }
    wat(&(text + ")"))
}

#[test]
fn parallel_lowering_gives_the_same_code_and_the_first_error() {
    let serial = Engine::new(Config::new().parallel_compilation(false));
    let parallel = Engine::new(Config::new().parallel_compilation(true));
    let bytes = many_functions(&[]);
    let a = Module::new(&serial, &bytes).unwrap();
    let b = Module::new(&parallel, &bytes).unwrap();
    assert_eq!(a.print_ir(None).unwrap(), b.print_ir(None).unwrap());
    let mut store = Store::new(&parallel, ());
    let instance = Linker::new(&parallel).instantiate(&mut store, &b).unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f999").unwrap();
    let expect = (0..20).fold(1i32, |x, k| x.wrapping_mul(1002).wrapping_add(k));
    assert_eq!(f.call(&mut store, 1).unwrap(), expect);

    // Two invalid bodies far apart: both report the lower one.
    let bytes = many_functions(&[870, 130]);
    for engine in [&serial, &parallel] {
        match Module::new(engine, &bytes) {
            Err(Error::Invalid { func: Some(130), message, .. }) => {
                assert!(message.contains("type mismatch"))
            }
            other => panic!("expected function 130 to be reported, got {other:?}"),
        }
    }
}
