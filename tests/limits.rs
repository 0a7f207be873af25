//! Resource limits through the public API: resumable fuel (a call that
//! runs out stops, and continues after fuel is added with the result of an
//! uninterrupted run) and the store's resource limiter. Every test runs on
//! both dispatch backends.

use weft::{
    Backend, Caller, Config, Engine, Error, Func, Instance, Limits, Linker, Memory, MemoryType, Module,
    RefType, ResourceLimiter, ResumableCall, ResumableCallOutOfFuel, Store, StoreLimits, StoreLimitsBuilder,
    Table, TableType, TrapCode, TypedResumableCall, Val,
};

mod common;
use common::wat;

/// The backends to test: the loop backend everywhere, the threaded one
/// where it is the default (optimized builds, where sibling calls hold).
fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Loop];
    if Backend::default() == Backend::Threaded {
        out.push(Backend::Threaded);
    }
    out
}

fn fuel_engines() -> Vec<Engine> {
    let mut out = Vec::new();
    for b in backends() {
        out.push(Engine::new(Config::new().backend(b).consume_fuel(true)));
        // Lazy lowering puts the first fuel check behind a lowering stub.
        out.push(Engine::new(Config::new().backend(b).consume_fuel(true).lazy(true)));
    }
    out
}

fn instantiate<T: 'static>(
    engine: &Engine,
    store: &mut Store<T>,
    linker: &Linker<T>,
    text: &str,
) -> Instance {
    let module = Module::new(engine, wat(text)).unwrap();
    linker.instantiate(store, &module).unwrap()
}

/// Runs `f` with `slice` fuel at a time until it finishes; returns the
/// results and how often it stopped.
fn run_in_slices<T>(store: &mut Store<T>, f: Func, params: &[Val], slice: u64) -> (Vec<Val>, usize) {
    let mut results: Vec<Val> = f.ty(store).results().iter().map(|&t| Val::default_for(t)).collect();
    store.set_fuel(slice).unwrap();
    let mut call = f.call_resumable(&mut *store, params, &mut results).unwrap();
    let mut stops = 0;
    while let ResumableCall::OutOfFuel(handle) = call {
        stops += 1;
        assert!(handle.required_fuel() > 0);
        store.set_fuel(slice.max(handle.required_fuel())).unwrap();
        call = handle.resume(&mut *store, &mut results).unwrap();
    }
    (results, stops)
}

const SUMS: &str = r#"(module
  (memory 1)
  (func (export "spin") (loop $l (br $l)))
  ;; 2 * (1^2 + 2^2 + ... + n^2), through locals, memory and the accumulator.
  (func (export "squares") (param $n i64) (result i64)
    (local $i i64) (local $acc i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get $i) (local.get $i))))
      (i64.store (i32.const 8) (local.get $acc))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $acc) (i64.load (i32.const 8))))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  ;; Deep recursion that does work in every frame on the way back.
  (func $deep (export "deep") (param $n i32) (result i64)
    (local $k i32)
    (if (result i64) (i32.eqz (local.get $n))
      (then (i64.const 1))
      (else
        (loop $l (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 3))))
        (i64.add (i64.extend_i32_u (local.get $n))
                 (i64.mul (i64.const 3) (call $deep (i32.sub (local.get $n) (i32.const 1)))))))))"#;

#[test]
fn fuel_stops_a_guest_that_loops_forever_resumably() {
    for engine in fuel_engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), SUMS);
        let spin = instance.get_func(&store, "spin").unwrap();
        store.set_fuel(1000).unwrap();
        let ResumableCall::OutOfFuel(mut handle) = spin.call_resumable(&mut store, &[], &mut []).unwrap()
        else {
            panic!("an endless loop finished")
        };
        // Fuel that is not charged stays in the store.
        assert!(store.get_fuel().unwrap() < handle.required_fuel());
        for _ in 0..5 {
            store.set_fuel(10_000).unwrap();
            match handle.resume(&mut store, &mut []).unwrap() {
                ResumableCall::OutOfFuel(h) => handle = h,
                ResumableCall::Finished => panic!("an endless loop finished"),
            }
        }
        drop(handle);
        // The plain call still traps, and leaves no fuel.
        store.set_fuel(1000).unwrap();
        let err = spin.call(&mut store, &[], &mut []).unwrap_err();
        assert_eq!(err.as_trap().map(|t| t.code), Some(TrapCode::OutOfFuel), "{err}");
        assert_eq!(store.get_fuel(), Some(0));
    }
}

#[test]
fn resumed_loop_ends_with_the_uninterrupted_result() {
    for engine in fuel_engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), SUMS);
        let squares = instance.get_func(&store, "squares").unwrap();
        let n = 10_000i64;
        store.set_fuel(u64::MAX).unwrap();
        let mut whole = [Val::I64(0)];
        squares.call(&mut store, &[Val::I64(n)], &mut whole).unwrap();
        assert_eq!(whole[0], Val::I64(2 * n * (n + 1) * (2 * n + 1) / 6));
        for slice in [1, 7, 100, 12_345] {
            let (results, stops) = run_in_slices(&mut store, squares, &[Val::I64(n)], slice);
            assert_eq!(results, whole, "slice {slice}");
            assert!(stops > 0, "slice {slice}");
        }
        // The same through the typed API.
        let typed = squares.typed::<i64, i64>(&store).unwrap();
        store.set_fuel(50).unwrap();
        let mut call = typed.call_resumable(&mut store, n).unwrap();
        let result = loop {
            match call {
                TypedResumableCall::Finished(r) => break r,
                TypedResumableCall::OutOfFuel(h) => {
                    store.set_fuel(50).unwrap();
                    call = h.resume(&mut store).unwrap();
                }
            }
        };
        assert_eq!(Val::I64(result), whole[0]);
    }
}

#[test]
fn resume_across_nested_wasm_calls() {
    for engine in fuel_engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), SUMS);
        let fib = instance.get_func(&store, "fib").unwrap();
        let (results, stops) = run_in_slices(&mut store, fib, &[Val::I32(20)], 3);
        assert_eq!(results, [Val::I32(6765)]);
        assert!(stops > 1000, "stops: {stops}");

        let deep = instance.get_func(&store, "deep").unwrap();
        store.set_fuel(u64::MAX).unwrap();
        let mut whole = [Val::I64(0)];
        deep.call(&mut store, &[Val::I32(5000)], &mut whole).unwrap();
        for slice in [1, 5, 333] {
            let (results, _) = run_in_slices(&mut store, deep, &[Val::I32(5000)], slice);
            assert_eq!(results, whole, "slice {slice}");
        }
    }
}

#[test]
fn dropping_a_handle_releases_the_stack() {
    for engine in fuel_engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), SUMS);
        let deep = instance.get_func(&store, "deep").unwrap();
        // Suspend deep inside a recursion, many times over: if dropped
        // handles kept their frames, the stack would run out.
        for _ in 0..50 {
            store.set_fuel(40_000).unwrap();
            let mut out = [Val::I64(0)];
            let call = deep.call_resumable(&mut store, &[Val::I32(20_000)], &mut out).unwrap();
            assert!(matches!(call, ResumableCall::OutOfFuel(_)));
        }
        // A new resumable call is not refused once the handle is gone.
        let (results, _) = run_in_slices(&mut store, deep, &[Val::I32(3)], 1000);
        assert_eq!(results, [Val::I64(3 + 3 * (2 + 3 * (1 + 3)))]);
    }
}

#[test]
fn calls_while_a_call_is_suspended() {
    for engine in fuel_engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), SUMS);
        let fib = instance.get_func(&store, "fib").unwrap();
        let squares = instance.get_typed_func::<i64, i64>(&store, "squares").unwrap();
        store.set_fuel(500).unwrap();
        let mut out = [Val::I32(0)];
        let ResumableCall::OutOfFuel(handle) =
            fib.call_resumable(&mut store, &[Val::I32(25)], &mut out).unwrap()
        else {
            panic!("fib(25) finished on 500 fuel")
        };
        // Plain calls work meanwhile (above the suspended frames) ...
        store.set_fuel(1_000_000).unwrap();
        assert_eq!(squares.call(&mut store, 10).unwrap(), 770);
        let err = instance.get_func(&store, "spin").unwrap().call(&mut store, &[], &mut []).unwrap_err();
        assert_eq!(err.as_trap().map(|t| t.code), Some(TrapCode::OutOfFuel));
        // ... a second resumable call is refused ...
        store.set_fuel(1_000_000).unwrap();
        let err = squares.call_resumable(&mut store, 10).unwrap_err();
        assert!(err.to_string().contains("another resumable call is suspended"), "{err}");
        // ... the handle belongs to its store ...
        let mut other = Store::new(&engine, ());
        let err = handle.resume(&mut other, &mut out).unwrap_err();
        assert!(err.to_string().contains("does not belong"), "{err}");
        // ... and a handle that errs ends its call: resumable calls work again.
        store.set_fuel(u64::MAX).unwrap();
        let (results, _) = run_in_slices(&mut store, fib, &[Val::I32(25)], 10_000);
        assert_eq!(results, [Val::I32(75025)]);
    }
}

#[test]
fn host_calls_between_suspensions() {
    let text = r#"(module
      (import "h" "tick" (func $tick (param i32) (result i32)))
      (func (export "ticks") (param $n i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s) (call $tick (local.get $n))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s)))"#;
    for engine in fuel_engines() {
        let mut store = Store::new(&engine, 0u32);
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("h", "tick", |mut caller: Caller<'_, u32>, x: i32| {
                *caller.data_mut() += 1;
                x * 2
            })
            .unwrap();
        let instance = instantiate(&engine, &mut store, &linker, text);
        let ticks = instance.get_func(&store, "ticks").unwrap();
        let (results, stops) = run_in_slices(&mut store, ticks, &[Val::I32(1000)], 9);
        assert_eq!(results, [Val::I32(1000 * 1001)]);
        assert!(stops > 10);
        assert_eq!(*store.data(), 1000);
    }
}

#[test]
fn out_of_fuel_under_a_host_function_is_a_plain_trap() {
    let text = r#"(module
      (import "h" "reenter" (func $reenter))
      (func (export "spin") (loop $l (br $l)))
      (func (export "outer") (result i32) (call $reenter) (i32.const 7)))"#;
    for engine in fuel_engines() {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("h", "reenter", |mut caller: Caller<'_, ()>| -> Result<(), Error> {
                let spin = caller.get_export("spin").unwrap().into_func().unwrap();
                // Resumable calls cannot start here ...
                let err = spin.call_resumable(&mut caller, &[], &mut []).unwrap_err();
                assert!(err.to_string().contains("cannot start while wasm runs"), "{err}");
                // ... and a plain call out of fuel is a trap.
                spin.call(&mut caller, &[], &mut [])
            })
            .unwrap();
        let instance = instantiate(&engine, &mut store, &linker, text);
        let outer = instance.get_func(&store, "outer").unwrap();
        store.set_fuel(10_000).unwrap();
        let mut out = [Val::I32(0)];
        let err = outer.call_resumable(&mut store, &[], &mut out).unwrap_err();
        assert_eq!(err.as_trap().map(|t| t.code), Some(TrapCode::OutOfFuel), "{err}");
        // Nothing is left suspended: a resumable call starts and finishes.
        let fresh = instantiate(&engine, &mut store, &Linker::new(&engine), SUMS);
        let fib = fresh.get_func(&store, "fib").unwrap();
        let (results, _) = run_in_slices(&mut store, fib, &[Val::I32(10)], 20);
        assert_eq!(results, [Val::I32(55)]);
    }
}

#[test]
fn a_host_function_above_the_suspended_call_cannot_resume_it() {
    let text = r#"(module
      (import "h" "poke" (func $poke))
      (func (export "poke") (call $poke))
      (func (export "count") (param $n i32) (result i32)
        (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (i32.const 42)))"#;
    type Data = Option<ResumableCallOutOfFuel>;
    for engine in fuel_engines() {
        let mut store: Store<Data> = Store::new(&engine, None);
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("h", "poke", |mut caller: Caller<'_, Data>| -> Result<(), Error> {
                let handle = caller.data_mut().take().unwrap();
                let err = handle.resume(&mut caller, &mut [Val::I32(0)]).unwrap_err();
                assert!(err.to_string().contains("cannot be resumed while"), "{err}");
                Ok(())
            })
            .unwrap();
        let instance = instantiate(&engine, &mut store, &linker, text);
        let count = instance.get_func(&store, "count").unwrap();
        store.set_fuel(100).unwrap();
        let mut out = [Val::I32(0)];
        let ResumableCall::OutOfFuel(handle) =
            count.call_resumable(&mut store, &[Val::I32(1000)], &mut out).unwrap()
        else {
            panic!("finished on 100 fuel")
        };
        *store.data_mut() = Some(handle);
        store.set_fuel(100).unwrap();
        instance.get_func(&store, "poke").unwrap().call(&mut store, &[], &mut []).unwrap();
        // The handle was consumed by the failed resume: the call is released
        // and the store runs a new one.
        let (results, _) = run_in_slices(&mut store, count, &[Val::I32(1000)], 100);
        assert_eq!(results, [Val::I32(42)]);
    }
}

/// A limiter that allows up to `pages` pages and `elems` elements and
/// records what it was asked.
#[derive(Default)]
struct Recorder {
    pages: usize,
    elems: u32,
    memory_asks: Vec<(usize, usize, Option<usize>)>,
    table_asks: Vec<(u32, u32, Option<u32>)>,
}

impl ResourceLimiter for Recorder {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool {
        self.memory_asks.push((current, desired, maximum));
        desired <= self.pages * PAGE
    }
    fn table_growing(&mut self, current: u32, desired: u32, maximum: Option<u32>) -> bool {
        self.table_asks.push((current, desired, maximum));
        desired <= self.elems
    }
}

const PAGE: usize = 65536;

const GROWS: &str = r#"(module
  (memory (export "mem") 1 100)
  (table (export "tab") 2 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "tgrow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0)))
  (func (export "tsize") (result i32) (table.size)))"#;

#[test]
fn limiter_decides_memory_grow() {
    for b in backends() {
        let engine = Engine::new(Config::new().backend(b));
        let mut store = Store::new(&engine, Recorder { pages: 4, elems: 100, ..Default::default() });
        store.limiter(|r| r);
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), GROWS);
        // Instantiation asked for the initial size.
        assert_eq!(store.data().memory_asks, [(0, PAGE, Some(100 * PAGE))]);
        let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
        let size = instance.get_typed_func::<(), i32>(&store, "size").unwrap();
        assert_eq!(grow.call(&mut store, 2).unwrap(), 1);
        assert_eq!(grow.call(&mut store, 2).unwrap(), -1, "5 pages are past the limiter's 4");
        assert_eq!(grow.call(&mut store, 0).unwrap(), 3, "growth by zero is not asked");
        assert_eq!(grow.call(&mut store, 1).unwrap(), 3);
        assert_eq!(grow.call(&mut store, 1000).unwrap(), -1, "past the type's maximum: not asked");
        assert_eq!(size.call(&mut store, ()).unwrap(), 4);
        assert_eq!(
            store.data().memory_asks[1..],
            [
                (PAGE, 3 * PAGE, Some(100 * PAGE)),
                (3 * PAGE, 5 * PAGE, Some(100 * PAGE)),
                (3 * PAGE, 4 * PAGE, Some(100 * PAGE))
            ]
        );
        // The host grows through the limiter too.
        let mem = instance.get_memory(&store, "mem").unwrap();
        let err = mem.grow(&mut store, 1).unwrap_err();
        assert!(err.to_string().contains("resource limiter refused"), "{err}");
        store.data_mut().pages = 6;
        assert_eq!(mem.grow(&mut store, 2).unwrap(), 4);
        assert_eq!(size.call(&mut store, ()).unwrap(), 6);
    }
}

#[test]
fn limiter_decides_table_grow() {
    for b in backends() {
        let engine = Engine::new(Config::new().backend(b));
        let limits = StoreLimitsBuilder::new().table_elements(5).build();
        let mut store = Store::new(&engine, limits);
        store.limiter(|l| l);
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), GROWS);
        let tgrow = instance.get_typed_func::<i32, i32>(&store, "tgrow").unwrap();
        let tsize = instance.get_typed_func::<(), i32>(&store, "tsize").unwrap();
        assert_eq!(tgrow.call(&mut store, 2).unwrap(), 2);
        assert_eq!(tgrow.call(&mut store, 2).unwrap(), -1);
        assert_eq!(tgrow.call(&mut store, 1).unwrap(), 4);
        assert_eq!(tsize.call(&mut store, ()).unwrap(), 5);
        let tab = instance.get_table(&store, "tab").unwrap();
        let err = tab.grow(&mut store, 1, Val::FuncRef(None)).unwrap_err();
        assert!(err.to_string().contains("resource limiter refused"), "{err}");
        assert_eq!(tab.grow(&mut store, 0, Val::FuncRef(None)).unwrap(), 5);

        // The arguments the limiter sees.
        let mut store = Store::new(&engine, Recorder { pages: 10, elems: 3, ..Default::default() });
        store.limiter(|r| r);
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), GROWS);
        let tgrow = instance.get_typed_func::<i32, i32>(&store, "tgrow").unwrap();
        assert_eq!(tgrow.call(&mut store, 1).unwrap(), 2);
        assert_eq!(tgrow.call(&mut store, 1).unwrap(), -1);
        assert_eq!(store.data().table_asks, [(0, 2, None), (2, 3, None), (3, 4, None)]);
    }
}

#[test]
fn limiter_refuses_instantiation_past_its_limits() {
    for b in backends() {
        let engine = Engine::new(Config::new().backend(b));
        let limits = StoreLimitsBuilder::new().memory_size(4 * PAGE).table_elements(10).instances(3).build();
        let mut store = Store::new(&engine, limits);
        store.limiter(|l| l);
        let linker = Linker::new(&engine);
        let try_new = |store: &mut Store<StoreLimits>, text: &str| {
            let module = Module::new(&engine, wat(text)).unwrap();
            linker.instantiate(store, &module)
        };
        let err = try_new(&mut store, "(module (memory 5))").unwrap_err();
        assert!(err.to_string().contains("refused memory 0 of 5 pages"), "{err}");
        let err = try_new(&mut store, "(module (table 11 funcref))").unwrap_err();
        assert!(err.to_string().contains("refused table 0 of 11 elements"), "{err}");
        // Refused instances leave nothing behind: three still fit.
        for _ in 0..3 {
            try_new(&mut store, "(module (memory 4) (table 10 funcref))").unwrap();
        }
        let err = try_new(&mut store, "(module)").unwrap_err();
        assert!(err.to_string().contains("refused another instance (limit: 3)"), "{err}");

        // Host-created objects count and are sized through it too.
        let limits = StoreLimitsBuilder::new().memory_size(2 * PAGE).memories(1).tables(0).build();
        let mut store = Store::new(&engine, limits);
        store.limiter(|l| l);
        let ty = |min| MemoryType { limits: Limits { min, max: None }, shared: false, memory64: false };
        assert!(Memory::new(&mut store, ty(3)).is_err());
        let mem = Memory::new(&mut store, ty(2)).unwrap();
        assert!(mem.grow(&mut store, 1).is_err());
        let err = Memory::new(&mut store, ty(0)).unwrap_err();
        assert!(err.to_string().contains("another memory (limit: 1)"), "{err}");
        let tt = TableType { elem: RefType::FuncRef, limits: Limits { min: 0, max: None } };
        assert!(Table::new(&mut store, tt, Val::FuncRef(None)).is_err());
        let err = try_new(&mut store, "(module (memory 1))").unwrap_err();
        assert!(err.to_string().contains("1 more memories (limit: 1)"), "{err}");
    }
}

#[test]
fn limiter_works_with_a_resumable_call() {
    // memory.grow inside a call that is suspended and resumed asks the
    // limiter of the store it is resumed in.
    let text = r#"(module (memory 0)
      (func (export "fill") (result i32) (local $n i32)
        (loop $l
          (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1))
            (then (local.set $n (i32.add (local.get $n) (i32.const 1))) (br $l))))
        (local.get $n)))"#;
    for b in backends() {
        let engine = Engine::new(Config::new().backend(b).consume_fuel(true));
        let mut store = Store::new(&engine, StoreLimitsBuilder::new().memory_size(7 * PAGE).build());
        store.limiter(|l| l);
        let instance = instantiate(&engine, &mut store, &Linker::new(&engine), text);
        let fill = instance.get_func(&store, "fill").unwrap();
        let (results, stops) = run_in_slices(&mut store, fill, &[], 3);
        assert_eq!(results, [Val::I32(7)]);
        assert!(stops > 0);
    }
}

#[test]
fn a_suspended_call_survives_moving_its_store() {
    let text = r#"(module
      (import "h" "tick" (func $tick (param i32) (result i32)))
      (memory (export "memory") 0)
      (func (export "ticks") (param $n i32) (result i32) (local $s i32)
        (loop $l
          (drop (memory.grow (i32.const 1)))
          (local.set $s (i32.add (local.get $s) (call $tick (local.get $n))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s)))"#;
    for engine in fuel_engines() {
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("h", "tick", |mut caller: Caller<'_, (u32, StoreLimits)>, x: i32| {
                caller.data_mut().0 += 1;
                x
            })
            .unwrap();
        let mut store = Store::new(&engine, (0u32, StoreLimitsBuilder::new().memory_size(20 * PAGE).build()));
        store.limiter(|d| &mut d.1);
        let instance = instantiate(&engine, &mut store, &linker, text);
        let ticks = instance.get_func(&store, "ticks").unwrap();
        let mut out = [Val::I32(0)];
        store.set_fuel(5).unwrap();
        let mut call = ticks.call_resumable(&mut store, &[Val::I32(100)], &mut out).unwrap();
        // Move the store to the heap and back between every resumption.
        let mut boxed = Box::new(store);
        // (The first resumption runs at another address than the call.)
        let mut stops = 0;
        while let ResumableCall::OutOfFuel(h) = call {
            stops += 1;
            let mut moved = *boxed;
            moved.set_fuel(5.max(h.required_fuel())).unwrap();
            call = h.resume(&mut moved, &mut out).unwrap();
            *boxed = moved;
        }
        assert!(stops > 10);
        assert_eq!(out, [Val::I32(5050)]);
        assert_eq!(boxed.data().0, 100);
        // Growth stopped at the limiter's 20 pages.
        assert_eq!(instance.get_memory(&*boxed, "memory").unwrap().size(&*boxed), 20);
    }
}
