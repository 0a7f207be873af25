//! The dynamic linker, observed from the wasm programs it links: load-time
//! linking, symbol rules (weak, interposition, identity), dlopen and
//! friends, dlclose, TLS, and the table-slot calls underneath.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use weft::link::dylink::{self, DynamicLinker, Handle, Scope, Symbol};
use weft::{
    Caller, Engine, Error, Func, FuncType, Instance, Linker, Module, RefType, Store, Table, TableType,
    TrapCode, Val, ValType,
};

mod common;
use common::wat;

fn trap_code(e: &weft::Error) -> Option<TrapCode> {
    e.as_trap().map(|t| t.code)
}

/// A function bound to a table slot calls whatever the slot holds: a
/// rewrite of the slot redirects every caller, wasm or host.
#[test]
fn slot_function_follows_its_table_element() {
    for backend in [weft::Backend::Loop, weft::Backend::default()] {
        slot_function_follows_its_table_element_on(Engine::new(weft::Config::new().backend(backend)));
    }
}

fn slot_function_follows_its_table_element_on(engine: Engine) {
    let mut store = Store::new(&engine, ());
    let defs = Module::new(
        &engine,
        wat(r#"(module
            (func (export "one") (result i32) (i32.const 1))
            (func (export "two") (result i32) (i32.const 2))
            (func (export "other") (param i32) (result i32) (local.get 0)))"#),
    )
    .unwrap();
    let defs = Linker::new(&engine).instantiate(&mut store, &defs).unwrap();
    let one = defs.get_func(&store, "one").unwrap();
    let two = defs.get_func(&store, "two").unwrap();
    let other = defs.get_func(&store, "other").unwrap();

    let table = Table::new(
        &mut store,
        TableType { elem: RefType::FuncRef, limits: weft::Limits { min: 4, max: None } },
        Val::FuncRef(None),
    )
    .unwrap();
    table.set(&mut store, 3, Val::FuncRef(Some(one))).unwrap();
    let ty = FuncType::new(vec![], vec![ValType::I32]);
    let slot = Func::from_table_slot(&mut store, table, 3, ty.clone()).unwrap();

    let user = Module::new(
        &engine,
        wat(r#"(module
            (import "env" "g" (func $g (result i32)))
            (table 1 funcref)
            (elem (i32.const 0) $g)
            (type $t (func (result i32)))
            (func (export "direct") (result i32) (call $g))
            (func (export "indirect") (result i32) (call_indirect (type $t) (i32.const 0))))"#),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&mut store, "env", "g", slot).unwrap();
    let user = linker.instantiate(&mut store, &user).unwrap();
    let direct = user.get_typed_func::<(), i32>(&store, "direct").unwrap();
    let indirect = user.get_typed_func::<(), i32>(&store, "indirect").unwrap();
    let from_host = slot.typed::<(), i32>(&store).unwrap();

    assert_eq!(direct.call(&mut store, ()).unwrap(), 1);
    assert_eq!(indirect.call(&mut store, ()).unwrap(), 1);
    assert_eq!(from_host.call(&mut store, ()).unwrap(), 1);

    table.set(&mut store, 3, Val::FuncRef(Some(two))).unwrap();
    assert_eq!(direct.call(&mut store, ()).unwrap(), 2);
    assert_eq!(indirect.call(&mut store, ()).unwrap(), 2);
    assert_eq!(from_host.call(&mut store, ()).unwrap(), 2);

    // A host function in the slot.
    let host = Func::wrap(&mut store, || 40 + 2);
    table.set(&mut store, 3, Val::FuncRef(Some(host))).unwrap();
    assert_eq!(direct.call(&mut store, ()).unwrap(), 42);

    table.set(&mut store, 3, Val::FuncRef(None)).unwrap();
    let e = direct.call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&e), Some(TrapCode::UnresolvedSymbol), "{e}");
    assert!(e.to_string().contains("call to unresolved symbol"), "{e}");
    let e = from_host.call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&e), Some(TrapCode::UnresolvedSymbol), "{e}");

    table.set(&mut store, 3, Val::FuncRef(Some(other))).unwrap();
    let e = direct.call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&e), Some(TrapCode::BadSignature), "{e}");

    let far = Func::from_table_slot(&mut store, table, 99, ty).unwrap();
    let e = far.call(&mut store, &[], &mut [Val::I32(0)]).unwrap_err();
    assert_eq!(trap_code(&e), Some(TrapCode::UndefinedElement), "{e}");
}

fn fixtures(version: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dylink").join(version)
}

/// A loaded program: its store, linker, main instance and what it printed
/// through `env.print_i32` / `env.print_str`.
struct Program {
    store: Store<()>,
    dl: DynamicLinker<()>,
    main: Instance,
    out: Arc<Mutex<Vec<String>>>,
}

/// A linker searching the fixtures of `version`, with the print imports.
fn linker(engine: &Engine, version: &str) -> (DynamicLinker<()>, Arc<Mutex<Vec<String>>>) {
    let dl = DynamicLinker::new(engine);
    dl.library_path(fixtures(version));
    let out = Arc::new(Mutex::new(Vec::new()));
    let o = out.clone();
    dl.func_wrap("env", "print_i32", move |x: i32| o.lock().unwrap().push(x.to_string())).unwrap();
    let o = out.clone();
    dl.func_wrap("env", "print_str", move |caller: Caller<'_, ()>, p: i32| {
        let mem = dylink::memory_of(&caller).expect("the caller has a memory");
        let text =
            dylink::read_c_string(mem.data(&caller), p as u32).unwrap_or_else(|| "<bad string>".into());
        o.lock().unwrap().push(text);
    })
    .unwrap();
    (dl, out)
}

fn load_with(version: &str, main: &str, preloads: &[&str]) -> Result<Program, Error> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let (dl, out) = linker(&engine, version);
    for p in preloads {
        dl.preload(*p);
    }
    let main = dl.load_main(&mut store, fixtures(version).join(main))?;
    Ok(Program { store, dl, main, out })
}

fn load(version: &str, main: &str) -> Program {
    load_with(version, main, &[]).unwrap_or_else(|e| panic!("{version}/{main}: {e}"))
}

impl Program {
    fn try_call(&mut self, name: &str, args: &[i32]) -> Result<i32, Error> {
        let f = self.main.get_func(&self.store, name).unwrap_or_else(|| panic!("no export {name}"));
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        let mut r = [Val::I32(0)];
        f.call(&mut self.store, &args, &mut r)?;
        Ok(r[0].i32().unwrap())
    }
    fn call(&mut self, name: &str, args: &[i32]) -> i32 {
        self.try_call(name, args).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
    fn printed(&self) -> Vec<String> {
        self.out.lock().unwrap().clone()
    }
    fn names(&self) -> Vec<String> {
        self.dl.loaded().into_iter().map(|(_, n, _, _)| n).collect()
    }
}

/// One test per toolchain for each behaviour: `name::llvm19`, ...
macro_rules! each_llvm {
    ($($(#[$doc:meta])* fn $name:ident($v:ident) $body:block)*) => {$(
        $(#[$doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn check($v: &str) $body
            #[test]
            fn llvm19() { check("llvm19") }
            #[test]
            fn llvm16() { check("llvm16") }
            #[test]
            fn llvm14() { check("llvm14") }
        }
    )*};
}

each_llvm! {
    /// A main program with two NEEDED libraries, one needing the other.
    fn load_time_linking(v) {
        let mut p = load(v, "main.wasm");
        assert_eq!(p.call("t_load", &[]), 86);
        assert_eq!(p.names(), ["main.wasm", "libbase.so", "libuse.so"]);
    }

    /// Constructors run dependencies first, and may call into another
    /// module; the main program's last.
    fn constructor_order(v) {
        let p = load(v, "main.wasm");
        assert_eq!(p.printed(), ["ctor base", "ctor use", "1", "42", "ctor main"]);
    }

    /// The main program's strong definition replaces a library's weak one,
    /// both for the library's calls and for the function's address.
    fn strong_interposes_weak(v) {
        let mut p = load(v, "main.wasm");
        assert_eq!(p.call("t_interpose_call", &[]), 99);
        assert_eq!(p.call("t_interpose_addr", &[]), 1);
    }

    /// A weak definition nobody overrides is used.
    fn weak_definition_used(v) {
        let mut p = load(v, "main.wasm");
        assert_eq!(p.call("t_weak_default", &[]), 7);
    }

    /// Undefined weak function and data symbols have address 0.
    fn weak_undefined_is_null(v) {
        let mut p = load(v, "main.wasm");
        assert_eq!(p.call("t_weak_undef", &[]), 0);
    }

    /// Calling an undefined weak function traps, naming it.
    fn unresolved_weak_call_traps(v) {
        let mut p = load(v, "main.wasm");
        let e = p.try_call("t_call_missing", &[]).unwrap_err();
        assert_eq!(trap_code(&e), Some(TrapCode::UnresolvedSymbol), "{e}");
        let text = e.to_string();
        assert!(text.contains("call to unresolved symbol") && text.contains("weak_missing_fn"), "{text}");
        assert!(text.contains("libbase.so"), "{text}");
    }

    /// A function's address is the same table slot in every module.
    fn function_pointer_identity(v) {
        let mut p = load(v, "main.wasm");
        assert_eq!(p.call("t_fnptr_identity", &[]), 15);
    }

    /// Data relocations hold pointers into other modules' data and table.
    fn data_relocations(v) {
        let mut p = load(v, "main.wasm");
        assert_eq!(p.call("t_data_reloc", &[]), 15);
    }

    /// MEM_INFO alignment is honoured and the bss is zero.
    fn mem_info_alignment_and_bss(v) {
        let mut p = load(v, "main.wasm");
        assert_eq!(p.call("t_bss", &[]), 1);
        assert_eq!(p.call("t_align", &[]), 1);
        let base = p.dl.loaded().into_iter().find(|l| l.1 == "libbase.so").unwrap().2;
        assert_eq!(base % 64, 0, "libbase.so's __memory_base {base}");
    }

    /// Replacing a function at run time through its table slot redirects
    /// every caller: imports in other modules and function pointers.
    fn runtime_interposition(v) {
        let mut p = load(v, "main.wasm");
        assert_eq!(p.call("t_call_add", &[2]), 44);
        let triple = Func::wrap(&mut p.store, |x: i32| x * 3);
        let old = p.dl.interpose(&mut p.store, "base_add", triple).unwrap();
        assert_eq!(p.call("t_call_add", &[2]), 6);
        assert_eq!(p.call("t_call_fnptr", &[2]), 6);
        assert_eq!(p.call("t_use_twice", &[2]), 12);
        // A wasm function of another module works the same way.
        let main_add = p.main.get_func(&p.store, "main_add").unwrap();
        p.dl.interpose(&mut p.store, "base_add", main_add).unwrap();
        assert_eq!(p.call("t_use_twice", &[1]), 2002);
        // Putting the original back.
        p.dl.interpose(&mut p.store, "base_add", old).unwrap();
        assert_eq!(p.call("t_call_fnptr", &[2]), 44);
        assert_eq!(p.call("t_use_twice", &[1]), 86);
        // The type must match.
        let wrong = Func::wrap(&mut p.store, |x: i64| x);
        assert!(p.dl.interpose(&mut p.store, "base_add", wrong).is_err());
    }

    /// A preloaded library interposes the NEEDED libraries' definitions.
    fn preload_interposes(v) {
        let mut p = load_with(v, "main.wasm", &["libpre.so"]).unwrap();
        assert_eq!(p.call("t_call_add", &[1]), 2);
        assert_eq!(p.call("t_use_twice", &[1]), 4);
        assert_eq!(p.names(), ["main.wasm", "libpre.so", "libbase.so", "libuse.so"]);
    }

    /// Between two weak definitions, the library loaded first wins.
    fn load_order_decides_between_weak_definitions(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_weak_order", &[]), 11);
    }

    /// dlopen, then calls through dlsym'd function and data pointers.
    fn dlopen_dlsym(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_dlopen_call", &[]), 5045);
        assert!(p.printed().contains(&"ctor plug".to_string()));
    }

    /// dlopen of a missing file fails; dlerror names it once.
    fn missing_file(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_missing_file", &[]), 3, "{:?}", p.printed());
    }

    /// An unresolved strong symbol fails dlopen with a message naming it
    /// and the library, and nothing of the library stays registered.
    fn unresolved_strong_symbol(v) {
        let mut p = load(v, "dlmain.wasm");
        let before = p.names();
        assert_eq!(p.call("t_unresolved", &[]), 15, "{:?}", p.printed());
        assert_eq!(p.names(), before);
    }

    /// RTLD_LOCAL hides symbols from the global scope (not from dlsym on
    /// the handle); reopening with RTLD_GLOBAL promotes them.
    fn local_global_promotion(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_local_global", &[]), 63);
    }

    /// Reopening returns the same handle and counts; the last dlclose
    /// unloads.
    fn reopen_refcount(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_refcount", &[]), 31);
        assert!(!p.names().contains(&"libplug.so".to_string()));
    }

    /// After the last dlclose the library's slots and memory (zeroed) go
    /// to the next library.
    fn dlclose_reuses_slots_and_memory(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_dlclose_reuse", &[]), 15);
    }

    /// Calling a function pointer into an unloaded library traps cleanly.
    fn stale_pointer_traps(v) {
        let mut p = load(v, "dlmain.wasm");
        let e = p.try_call("t_stale", &[]).unwrap_err();
        assert_eq!(trap_code(&e), Some(TrapCode::IndirectCallToNull), "{e}");
    }

    /// RTLD_NODELETE keeps a library past its last dlclose.
    fn nodelete(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_nodelete", &[]), 35);
    }

    /// dlopen(NULL) is the main program; RTLD_NEXT finds the next
    /// definition after the caller.
    fn self_handle_and_rtld_next(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_self", &[]), 77);
        assert_eq!(p.call("t_next", &[]), 12);
    }

    /// Libraries that need each other load once each.
    fn needed_cycle(v) {
        let mut p = load(v, "dlmain.wasm");
        assert_eq!(p.call("t_cycle", &[]), 22, "{:?}", p.printed());
        let printed = p.printed();
        let ctors: Vec<&String> = printed.iter().filter(|s| s.starts_with("ctor cyc")).collect();
        assert_eq!(ctors, ["ctor cycb", "ctor cyca"]);
    }
}

/// A `dylink.0` section: MEM_INFO, NEEDED, EXPORT_INFO (name, flags).
fn dylink0(mem: (u32, u32), needed: &[&str], exports: &[(&str, u32)]) -> Vec<u8> {
    dylink0_with_runtime_path(mem, needed, exports, &[])
}

/// The same with a RUNTIME_PATH subsection.
fn dylink0_with_runtime_path(
    mem: (u32, u32),
    needed: &[&str],
    exports: &[(&str, u32)],
    runtime_path: &[&str],
) -> Vec<u8> {
    fn leb(mut v: u32, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            out.push(if v == 0 { b } else { b | 0x80 });
            if v == 0 {
                break;
            }
        }
    }
    fn name(s: &str, out: &mut Vec<u8>) {
        leb(s.len() as u32, out);
        out.extend_from_slice(s.as_bytes());
    }
    fn sub(ty: u8, body: Vec<u8>, out: &mut Vec<u8>) {
        out.push(ty);
        leb(body.len() as u32, out);
        out.extend(body);
    }
    let mut payload = Vec::new();
    let mut b = Vec::new();
    for v in [mem.0, mem.1, 0, 0] {
        leb(v, &mut b);
    }
    sub(1, b, &mut payload);
    if !needed.is_empty() {
        let mut b = Vec::new();
        leb(needed.len() as u32, &mut b);
        for n in needed {
            name(n, &mut b);
        }
        sub(2, b, &mut payload);
    }
    if !exports.is_empty() {
        let mut b = Vec::new();
        leb(exports.len() as u32, &mut b);
        for (n, f) in exports {
            name(n, &mut b);
            leb(*f, &mut b);
        }
        sub(3, b, &mut payload);
    }
    if !runtime_path.is_empty() {
        let mut b = Vec::new();
        leb(runtime_path.len() as u32, &mut b);
        for p in runtime_path {
            name(p, &mut b);
        }
        sub(5, b, &mut payload);
    }
    let mut body = Vec::new();
    name("dylink.0", &mut body);
    body.extend(payload);
    let mut section = vec![0];
    leb(body.len() as u32, &mut section);
    section.extend(body);
    section
}

/// A side module from text, with its `dylink.0` section first.
fn side_module(text: &str, dylink: Vec<u8>) -> Vec<u8> {
    let bytes = wat(text);
    let mut out = bytes[..8].to_vec();
    out.extend(dylink);
    out.extend_from_slice(&bytes[8..]);
    out
}

/// TLS: the loader allocates each module's block (`__tls_size` bytes
/// aligned to `__tls_align`), hands it to `__wasm_init_tls`, and resolves
/// TLS symbols (EXPORT_INFO flag TLS) relative to it, in `GOT.mem` and
/// `dlsym`. Written by hand: LLVM emits TLS for shared libraries only with
/// atomics and shared memory, which the engine does not run yet; the shape
/// follows wasm-ld's (`--export-if-defined=__wasm_init_tls` etc.).
#[test]
fn tls_blocks_and_symbols() {
    let tls_lib = side_module(
        r#"(module
            (import "env" "memory" (memory 1))
            (import "env" "__memory_base" (global $mb i32))
            (import "env" "__table_base" (global $tb i32))
            (global $tls_base (mut i32) (i32.const 0))
            (global (export "__tls_size") i32 (i32.const 24))
            (global (export "__tls_align") i32 (i32.const 16))
            (global (export "tls_var") i32 (i32.const 0))
            (global (export "tls_bss") i32 (i32.const 4))
            (global (export "plain") i32 (i32.const 0))
            (func (export "__wasm_init_tls") (param $p i32)
              (global.set $tls_base (local.get $p))
              (memory.init $tdata (local.get $p) (i32.const 0) (i32.const 4)))
            (func (export "get_tls") (result i32) (local $v i32)
              (local.set $v (i32.load (global.get $tls_base)))
              (i32.store (global.get $tls_base) (i32.add (local.get $v) (i32.const 1)))
              (local.get $v))
            (func (export "tls_addr") (result i32) (global.get $tls_base))
            (data (global.get $mb) "\2a\00\00\00")
            (data $tdata "\07\00\00\00"))"#,
        dylink0((4, 2), &[], &[("tls_var", 0x100), ("tls_bss", 0x100)]),
    );
    let user = side_module(
        r#"(module
            (import "env" "memory" (memory 1))
            (import "env" "__memory_base" (global $mb i32))
            (import "env" "__table_base" (global $tb i32))
            (import "GOT.mem" "tls_var" (global $tls_var (mut i32)))
            (import "GOT.mem" "tls_bss" (global $tls_bss (mut i32)))
            (import "GOT.mem" "plain" (global $plain (mut i32)))
            (func (export "var_addr") (result i32) (global.get $tls_var))
            (func (export "bss_addr") (result i32) (global.get $tls_bss))
            (func (export "bss_value") (result i32) (i32.load (global.get $tls_bss)))
            (func (export "plain_value") (result i32) (i32.load (global.get $plain))))"#,
        dylink0((0, 0), &["libtls.so"], &[]),
    );
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let (dl, _) = linker(&engine, "llvm19");
    dl.add_library("libtls.so", tls_lib).add_library("libtlsuse.so", user);
    let h = dl.dlopen(&mut store, Some("libtlsuse.so"), dylink::RTLD_NOW).unwrap().unwrap();
    let tls = dl.dlopen(&mut store, Some("libtls.so"), dylink::RTLD_NOLOAD).unwrap().unwrap();
    let call = |store: &mut Store<()>, inst: Instance, name: &str| {
        inst.get_typed_func::<(), i32>(&*store, name).unwrap().call(&mut *store, ()).unwrap()
    };
    let tls_inst = dl.instance(tls).unwrap();
    let user_inst = dl.instance(h).unwrap();
    let block = call(&mut store, tls_inst, "tls_addr");
    assert!(block >= 1024 && block % 16 == 0, "TLS block at {block}");
    // The block was initialised from the module's TLS image.
    assert_eq!(call(&mut store, tls_inst, "get_tls"), 7);
    assert_eq!(call(&mut store, tls_inst, "get_tls"), 8);
    // Other modules reach TLS symbols in this thread's block.
    assert_eq!(call(&mut store, user_inst, "var_addr"), block);
    assert_eq!(call(&mut store, user_inst, "bss_addr"), block + 4);
    assert_eq!(call(&mut store, user_inst, "bss_value"), 0);
    // Non-TLS data stays relative to __memory_base.
    assert_eq!(call(&mut store, user_inst, "plain_value"), 42);
    match dl.dlsym(&mut store, Scope::Handle(tls), "tls_var").unwrap() {
        Symbol::Data { addr } => assert_eq!(addr as i32, block),
        s => panic!("{s:?}"),
    }
}

/// The same operations from Rust: dlopen, dlsym (functions callable from
/// the host, data readable), dlclose.
#[test]
fn rust_api_dlopen_dlsym_dlclose() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let (dl, out) = linker(&engine, "llvm19");
    let h = dl.dlopen(&mut store, Some("libplug.so"), dylink::RTLD_NOW).unwrap().unwrap();
    assert_eq!(*out.lock().unwrap(), ["ctor plug"]);
    let Symbol::Func { slot, func } = dl.dlsym(&mut store, Scope::Handle(h), "plug_fn").unwrap() else {
        panic!("plug_fn is a function")
    };
    assert_eq!(func.typed::<i32, i32>(&store).unwrap().call(&mut store, 4).unwrap(), 45);
    let table = dl.table().unwrap();
    assert_eq!(table.get(&store, slot as u64), Some(Val::FuncRef(Some(func))));
    // RTLD_LOCAL: not in the global scope, but through the handle.
    assert!(dl.dlsym(&mut store, Scope::Default, "plug_data").is_err());
    let Symbol::Data { addr } = dl.dlsym(&mut store, Scope::Handle(h), "plug_data").unwrap() else {
        panic!("plug_data is data")
    };
    let mem = dl.memory().unwrap();
    let bytes = &mem.data(&store)[addr as usize..addr as usize + 4];
    assert_eq!(i32::from_le_bytes(bytes.try_into().unwrap()), 5);
    // A second reference, then two closes.
    assert_eq!(dl.dlopen(&mut store, Some("libplug.so"), dylink::RTLD_NOW).unwrap(), Some(h));
    dl.dlclose(&mut store, h).unwrap();
    assert!(dl.dlsym(&mut store, Scope::Handle(h), "plug_fn").is_ok());
    dl.dlclose(&mut store, h).unwrap();
    let e = dl.dlsym(&mut store, Scope::Handle(h), "plug_fn").unwrap_err();
    assert!(e.to_string().contains("invalid handle"), "{e}");
    assert_eq!(table.get(&store, slot as u64), Some(Val::FuncRef(None)));
    assert!(dl.dlclose(&mut store, h).is_err());
    assert!(dl.dlclose(&mut store, Handle::from_raw(999)).is_err());
}

/// A failed dlopen gives back everything it took: the next library gets
/// the memory and slots it would have had anyway.
#[test]
fn failed_load_leaves_nothing() {
    let open_plug = |try_bad_first: bool| {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let (dl, _) = linker(&engine, "llvm19");
        if try_bad_first {
            let e = dl.dlopen(&mut store, Some("libbad.so"), dylink::RTLD_NOW).unwrap_err();
            let text = e.to_string();
            assert!(text.contains("bad_missing") && text.contains("libbad.so"), "{text}");
            assert!(dl.loaded().is_empty());
            assert!(dl.dlsym(&mut store, Scope::Default, "bad_fn").is_err());
        }
        let h = dl.dlopen(&mut store, Some("libplug.so"), dylink::RTLD_NOW).unwrap().unwrap();
        let Symbol::Func { slot, .. } = dl.dlsym(&mut store, Scope::Handle(h), "plug_fn").unwrap() else {
            panic!()
        };
        let base = dl.loaded()[0].2;
        (base, slot)
    };
    assert_eq!(open_plug(true), open_plug(false));
}

/// Load errors name the file and the symbol.
#[test]
fn load_errors_name_file_and_symbol() {
    let engine = Engine::default();
    // A NEEDED library that cannot be found.
    let bytes = std::fs::read(fixtures("llvm19").join("main.wasm")).unwrap();
    let mut store = Store::new(&engine, ());
    let dl = DynamicLinker::<()>::new(&engine);
    let e = dl.load_main_bytes(&mut store, "/nonexistent/main.wasm", &bytes).unwrap_err();
    assert!(e.to_string().contains("cannot find library `libbase.so` (needed by main.wasm)"), "{e}");
    // After a failed main, the linker can load one again.
    let (dl, _) = linker(&engine, "llvm19");
    let mut store = Store::new(&engine, ());
    let e = dl.load_main_bytes(&mut store, "/nonexistent/main.wasm", &bytes[..100]).unwrap_err();
    assert!(e.to_string().contains("main.wasm"), "{e}");
    dl.load_main(&mut store, fixtures("llvm19").join("main.wasm")).unwrap();
    // An undefined import with no host definition.
    let (dl, _) = linker(&engine, "llvm19");
    let dl2 = DynamicLinker::<()>::new(&engine);
    dl2.library_path(fixtures("llvm19"));
    let mut store = Store::new(&engine, ());
    let e = dl2.load_main(&mut store, fixtures("llvm19").join("main.wasm")).unwrap_err();
    assert!(e.to_string().contains("undefined symbol `print_str`"), "{e}");
    drop(dl);
    // A signature mismatch between an import and the definition.
    let (dl, _) = linker(&engine, "llvm19");
    let mut store = Store::new(&engine, ());
    dl.dlopen(&mut store, Some("libprov.so"), dylink::RTLD_NOW | dylink::RTLD_GLOBAL).unwrap();
    let mismatched = side_module(
        r#"(module
            (import "env" "prov_value" (func (param i32) (result i32))))"#,
        dylink0((0, 0), &[], &[]),
    );
    dl.add_library("libmis.so", mismatched);
    let e = dl.dlopen(&mut store, Some("libmis.so"), dylink::RTLD_NOW).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("signature mismatch for `prov_value`") && text.contains("libmis.so"), "{text}");
    // Not a dynamic library.
    dl.add_library("plain.so", wat("(module)"));
    let e = dl.dlopen(&mut store, Some("plain.so"), dylink::RTLD_NOW).unwrap_err();
    assert!(e.to_string().contains("plain.so: not a dynamic library"), "{e}");
}

/// `weft run` on a dynamically linked program, its library search and its
/// errors (naming file and symbol, with a failing exit status).
#[test]
fn cli_runs_dynamically_linked_programs() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let plugin = root.join("examples/plugin");
    let weft = |args: &[&std::ffi::OsStr], env: Option<&std::path::Path>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_weft"));
        c.arg("run").args(args).env_remove("WEFT_LIBRARY_PATH");
        if let Some(dir) = env {
            c.env("WEFT_LIBRARY_PATH", dir);
        }
        let out = c.output().expect("weft runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let main = plugin.join("main.wasm");
    // The plugin example: the library sits beside the program.
    let (code, out, err) = weft(&[main.as_os_str()], None);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "hello, weft, from the plugin\ngreet returned 43\n");

    // Elsewhere, the program finds its plugin through --lib-path or
    // WEFT_LIBRARY_PATH; without them dlopen fails and it says why.
    let dir = std::env::temp_dir().join(format!("weft-dylink-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let moved = dir.join("main.wasm");
    std::fs::copy(&main, &moved).unwrap();
    let (code, out, _) = weft(&[moved.as_os_str()], None);
    assert_eq!(code, Some(1));
    assert!(out.contains("dlopen: cannot find library `libgreeter.so`"), "{out}");
    let (code, out, err) = weft(&["--lib-path".as_ref(), plugin.as_os_str(), moved.as_os_str()], None);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("greet returned 43"));
    let (code, out, err) = weft(&[moved.as_os_str()], Some(&plugin));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("greet returned 43"));
    // A preloaded library is loaded first (and dlopen then reuses it).
    let (code, out, err) = weft(
        &[
            "--lib-path".as_ref(),
            plugin.as_os_str(),
            "--preload".as_ref(),
            "libgreeter.so".as_ref(),
            moved.as_os_str(),
        ],
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("greet returned 43"));
    let (code, _, err) = weft(&["--preload".as_ref(), "libnope.so".as_ref(), main.as_os_str()], None);
    assert_eq!(code, Some(1));
    assert!(err.contains("main.wasm") && err.contains("cannot find library `libnope.so`"), "{err}");
    std::fs::remove_dir_all(&dir).ok();

    // An unresolved strong symbol names itself and the module needing it.
    let fixtures = fixtures("llvm19");
    let dlmain = fixtures.join("dlmain.wasm");
    let (code, _, err) = weft(&["--invoke".as_ref(), "t_weak_order".as_ref(), dlmain.as_os_str()], None);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("dlmain.wasm") && err.contains("undefined symbol `print_str` (needed by dlmain.wasm)"),
        "{err}"
    );
}

/// NEEDED libraries are found through the RUNTIME_PATH, with `$ORIGIN`
/// standing for the needing library's directory.
#[test]
fn runtime_path_with_origin() {
    let dir = std::env::temp_dir().join(format!("weft-dylink-rpath-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("deps")).unwrap();
    std::fs::copy(fixtures("llvm19").join("libprov.so"), dir.join("deps/libprov.so")).unwrap();
    let lib = side_module(
        r#"(module
            (import "env" "prov_value" (func $p (result i32)))
            (func (export "twice") (result i32) (i32.mul (call $p) (i32.const 2))))"#,
        dylink0_with_runtime_path((0, 0), &["libprov.so"], &[], &["$ORIGIN/deps"]),
    );
    std::fs::write(dir.join("librp.so"), lib).unwrap();
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let dl = DynamicLinker::<()>::new(&engine);
    let path = dir.join("librp.so");
    let h = dl.dlopen(&mut store, Some(path.to_str().unwrap()), dylink::RTLD_NOW).unwrap().unwrap();
    let Symbol::Func { func, .. } = dl.dlsym(&mut store, Scope::Handle(h), "twice").unwrap() else {
        panic!()
    };
    assert_eq!(func.typed::<(), i32>(&store).unwrap().call(&mut store, ()).unwrap(), 2468);
    // Without the RUNTIME_PATH entry the dependency is not found.
    let lib = side_module(r#"(module)"#, dylink0((0, 0), &["libprov.so"], &[]));
    std::fs::write(dir.join("libnorp.so"), lib).unwrap();
    let path = dir.join("libnorp.so");
    let dl = DynamicLinker::<()>::new(&engine);
    let e = dl.dlopen(&mut store, Some(path.to_str().unwrap()), dylink::RTLD_NOW).unwrap_err();
    assert!(e.to_string().contains("cannot find library `libprov.so` (needed by libnorp.so)"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Modules with only the legacy `dylink` section (LLVM 13 and older) load;
/// that section cannot say which imports are weak, so undefined ones are
/// tolerated and trap by name when called.
#[test]
fn legacy_dylink_section() {
    // memsize 4, memalign 2, tablesize 0, tablealign 0, no NEEDED.
    let mut section = vec![0u8];
    let payload = [&[6u8][..], b"dylink", &[4, 2, 0, 0, 0]].concat();
    section.push(payload.len() as u8);
    section.extend(payload);
    let lib = side_module(
        r#"(module
            (import "env" "memory" (memory 1))
            (import "env" "__memory_base" (global $mb i32))
            (import "env" "gone" (func $gone (result i32)))
            (func (export "value") (result i32) (i32.load (global.get $mb)))
            (func (export "call_gone") (result i32) (call $gone))
            (data (global.get $mb) "\2a\00\00\00"))"#,
        section,
    );
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let dl = DynamicLinker::<()>::new(&engine);
    dl.add_library("libold.so", lib);
    let h = dl.dlopen(&mut store, Some("libold.so"), dylink::RTLD_NOW).unwrap().unwrap();
    let inst = dl.instance(h).unwrap();
    let value = inst.get_typed_func::<(), i32>(&store, "value").unwrap();
    assert_eq!(value.call(&mut store, ()).unwrap(), 42);
    let e = inst.get_typed_func::<(), i32>(&store, "call_gone").unwrap().call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&e), Some(TrapCode::UnresolvedSymbol));
    assert!(e.to_string().contains("`gone`"), "{e}");
}
