//! `dlopen`, `dlsym`, `dlclose` and `dlerror` as the host imports
//! `env.dlopen(i32 path, i32 flags) -> i32`, `env.dlsym(i32 handle, i32
//! name) -> i32`, `env.dlclose(i32) -> i32` and `env.dlerror() -> i32`,
//! with C strings in the shared memory; and `dlsym` itself. Failures never
//! trap: they return 0 (or -1) and leave a message for `dlerror`.

use super::loader::{in_file, run_inits};
use super::symbols::{FuncKey, LibId, Sym};
use super::{lock, Handle, State, Symbol, RTLD_DEFAULT, RTLD_NEXT};
use crate::error::{Error, Result};
use crate::runtime::store::{AsContextMut, Store};
use crate::{Caller, Func, Val};
use std::sync::{Mutex, Weak};

/// Where `dlsym` searches.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lookup {
    Default,
    /// After the calling library (`RTLD_NEXT`).
    Next(Option<LibId>),
    Lib(LibId),
}

impl<T: 'static> State<T> {
    pub(crate) fn dlsym(&mut self, store: &mut Store<T>, sel: Lookup, name: &str) -> Result<Symbol> {
        let Some(proc) = self.proc.as_mut() else {
            return Err(Error::link("dlsym: nothing is loaded"));
        };
        let (scope, place) = match sel {
            Lookup::Default => (proc.global_scope.clone(), "the global scope".to_owned()),
            Lookup::Lib(id) => {
                let Some(lib) = proc.lib(id) else {
                    return Err(Error::link(format!("dlsym: invalid handle {}", Handle::of(id).raw())));
                };
                let place = lib.name.clone();
                if proc.main == Some(id) {
                    (proc.global_scope.clone(), place)
                } else {
                    (proc.group(id), place)
                }
            }
            Lookup::Next(caller) => {
                let s = proc.scope(caller);
                let after = caller.and_then(|c| s.iter().position(|&x| x == c)).map_or(0, |i| i + 1);
                (s[after..].to_vec(), "the libraries after the caller".to_owned())
            }
        };
        match proc.lookup(name, &scope) {
            Some((d, Sym::Func { index, .. })) => {
                let slot = proc.func_slot(store, FuncKey::Lib(d, index))?;
                let func = match proc.table.get(&*store, u64::from(slot)) {
                    Some(Val::FuncRef(Some(f))) => Some(f),
                    _ => proc.func_of(store, d, index),
                };
                let func =
                    func.ok_or_else(|| Error::link(format!("dlsym: `{name}` is not instantiated yet")))?;
                Ok(Symbol::Func { slot, func })
            }
            Some((_, Sym::Data { addr })) => Ok(Symbol::Data { addr }),
            None => Err(Error::link(format!("dlsym: symbol `{name}` not found in {place}"))),
        }
    }

    /// Reads a NUL-terminated string at `ptr` of the shared memory.
    fn read_cstr(&self, store: &Store<T>, ptr: u32) -> Result<String> {
        let mem = self.proc.as_ref().and_then(|p| p.memory).ok_or_else(|| Error::link("no shared memory"))?;
        let data = mem.data(store);
        let tail = data
            .get(ptr as usize..)
            .ok_or_else(|| Error::link(format!("string pointer {ptr} is out of bounds")))?;
        let len = tail.iter().position(|&b| b == 0).ok_or_else(|| Error::link("unterminated string"))?;
        Ok(String::from_utf8_lossy(&tail[..len]).into_owned())
    }

    fn set_error(&mut self, e: &Error) {
        let msg = match e {
            Error::Link { message } | Error::Other { message } => message.clone(),
            e => e.to_string(),
        };
        if let Some(p) = self.proc.as_mut() {
            p.dlerror = Some(msg);
        }
    }

    /// The pending error as a C string in the shared memory (the previous
    /// one's memory is reused), or 0.
    fn take_error(&mut self, store: &mut Store<T>) -> Result<u32> {
        let Some(proc) = self.proc.as_mut() else { return Ok(0) };
        let Some(msg) = proc.dlerror.take() else { return Ok(0) };
        if let Some((at, size)) = proc.dlerror_buf.take() {
            proc.free(store, at, size);
        }
        let mut bytes = msg.into_bytes();
        bytes.push(0);
        let size = bytes.len() as u32;
        let at = proc.alloc(store, size, 1)?;
        let mem = proc.memory.ok_or_else(|| Error::link("no shared memory"))?;
        mem.data_mut(store)[at as usize..(at + size) as usize].copy_from_slice(&bytes);
        proc.dlerror_buf = Some((at, size));
        Ok(at)
    }
}

/// The library a calling instance belongs to.
fn caller_lib<T: 'static>(state: &State<T>, caller: &Caller<'_, T>) -> Option<LibId> {
    let inst = caller.instance?;
    state.proc.as_ref()?.by_instance.get(&inst).copied()
}

fn record<T: 'static>(state: &Mutex<State<T>>, e: &Error) {
    if let Ok(mut s) = lock(state) {
        s.set_error(e);
    }
}

fn dlopen<T: 'static>(state: &Mutex<State<T>>, caller: &mut Caller<'_, T>, path: i32, flags: i32) -> i32 {
    let result = (|| {
        let mut s = lock(state)?;
        let requester = caller_lib(&s, caller);
        let store = caller.store_mut();
        let name = if path == 0 { None } else { Some(s.read_cstr(store, path as u32)?) };
        let opened = s.open(store, name.as_deref(), flags, requester);
        drop(s);
        let opened = opened.map_err(|e| match &name {
            Some(n) if !e.message().contains(n.as_str()) => in_file(e, n),
            _ => e,
        })?;
        if let Some(loaded) = opened.loaded {
            run_inits(state, store, loaded)?;
        }
        match opened.handle {
            Some(h) => Ok(h.raw() as i32),
            None => Err(Error::link(format!("{}: not loaded (RTLD_NOLOAD)", name.unwrap_or_default()))),
        }
    })();
    result.unwrap_or_else(|e| {
        record(state, &e);
        0
    })
}

fn dlsym<T: 'static>(state: &Mutex<State<T>>, caller: &mut Caller<'_, T>, handle: i32, name: i32) -> i32 {
    let result = (|| {
        let mut s = lock(state)?;
        let sel = match handle {
            RTLD_DEFAULT => Lookup::Default,
            RTLD_NEXT => Lookup::Next(caller_lib(&s, caller)),
            h => Lookup::Lib(Handle::from_raw(h as u32).lib()),
        };
        let store = caller.store_mut();
        let name = s.read_cstr(store, name as u32)?;
        s.dlsym(store, sel, &name)
    })();
    match result {
        Ok(sym) => sym.value() as i32,
        Err(e) => {
            record(state, &e);
            0
        }
    }
}

fn dlclose<T: 'static>(state: &Mutex<State<T>>, caller: &mut Caller<'_, T>, handle: i32) -> i32 {
    let result = lock(state).and_then(|mut s| s.dlclose(caller.store_mut(), Handle::from_raw(handle as u32)));
    match result {
        Ok(()) => 0,
        Err(e) => {
            record(state, &e);
            -1
        }
    }
}

fn dlerror<T: 'static>(state: &Mutex<State<T>>, caller: &mut Caller<'_, T>) -> i32 {
    lock(state).and_then(|mut s| s.take_error(caller.store_mut())).map_or(0, |p| p as i32)
}

/// The four host functions, bound to `state` (which they do not keep
/// alive: a dropped linker makes them fail).
pub(crate) fn builtins<T: 'static>(
    store: &mut Store<T>,
    state: Weak<Mutex<State<T>>>,
) -> hashbrown::HashMap<&'static str, Func> {
    let mut m = hashbrown::HashMap::new();
    let s = state.clone();
    let f = Func::wrap(store, move |mut c: Caller<'_, T>, path: i32, flags: i32| -> i32 {
        s.upgrade().map_or(0, |st| dlopen(&st, &mut c, path, flags))
    });
    m.insert("dlopen", f);
    let s = state.clone();
    let f = Func::wrap(store, move |mut c: Caller<'_, T>, handle: i32, name: i32| -> i32 {
        s.upgrade().map_or(0, |st| dlsym(&st, &mut c, handle, name))
    });
    m.insert("dlsym", f);
    let s = state.clone();
    let f = Func::wrap(store, move |mut c: Caller<'_, T>, handle: i32| -> i32 {
        s.upgrade().map_or(-1, |st| dlclose(&st, &mut c, handle))
    });
    m.insert("dlclose", f);
    let s = state;
    let f = Func::wrap(store, move |mut c: Caller<'_, T>| -> i32 {
        s.upgrade().map_or(0, |st| dlerror(&st, &mut c))
    });
    m.insert("dlerror", f);
    m
}
