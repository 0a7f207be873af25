//! `Linker`: resolves a module's imports by `(module, name)` and
//! instantiates it. The dynamic linker for `dylink.0` modules lives beside
//! it, in `dylink`.

pub mod dylink;

use crate::decode::FuncType;
use crate::error::{Error, Result};
use crate::runtime::func::{Caller, IntoFunc};
use crate::runtime::store::{AsContextMut, HostFn};
use crate::{Extern, Func, Instance, Module, Val};
use std::sync::Arc;

enum Definition {
    Extern(Extern),
    /// A host function not yet bound to a store.
    Host(FuncType, Arc<HostFn>),
}

/// Maps import names to definitions and instantiates modules.
pub struct Linker<T> {
    engine: crate::Engine,
    defs: hashbrown::HashMap<(String, String), Definition>,
    _data: std::marker::PhantomData<fn(T)>,
}

impl<T: 'static> Linker<T> {
    pub fn new(engine: &crate::Engine) -> Self {
        Linker { engine: engine.clone(), defs: hashbrown::HashMap::new(), _data: std::marker::PhantomData }
    }

    pub fn engine(&self) -> &crate::Engine {
        &self.engine
    }

    /// Defines `module.name` as `item` (replacing an earlier definition).
    pub fn define(
        &mut self,
        _store: &mut impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.defs.insert((module.to_owned(), name.to_owned()), Definition::Extern(item.into()));
        Ok(self)
    }

    /// Defines a host function from a typed closure (bound to a store when
    /// a module is instantiated).
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, host) = f.into_host();
        self.defs.insert((module.to_owned(), name.to_owned()), Definition::Host(ty, host));
        Ok(self)
    }

    /// Defines a host function with a dynamic signature.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let host = crate::runtime::func::host_fn_dynamic(ty.clone(), f);
        self.defs.insert((module.to_owned(), name.to_owned()), Definition::Host(ty, host));
        Ok(self)
    }

    /// Defines every export of `instance` under the module name `name`.
    pub fn instance(
        &mut self,
        store: &mut impl AsContextMut<Data = T>,
        name: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for (export, ext) in instance.exports(&*store) {
            self.defs.insert((name.to_owned(), export), Definition::Extern(ext));
        }
        Ok(self)
    }

    /// The definition of `module.name`, bound to `store`.
    pub fn get(&self, store: &mut impl AsContextMut<Data = T>, module: &str, name: &str) -> Option<Extern> {
        match self.defs.get(&(module.to_owned(), name.to_owned()))? {
            Definition::Extern(e) => Some(*e),
            Definition::Host(ty, host) => {
                Some(Extern::Func(Func::from_host(&mut store.store_mut().inner, ty.clone(), host.clone())))
            }
        }
    }

    /// Resolves `module`'s imports and instantiates it (running its start
    /// function).
    pub fn instantiate(&self, store: &mut impl AsContextMut<Data = T>, module: &Module) -> Result<Instance> {
        let mut imports = Vec::with_capacity(module.decoded().imports.len());
        for imp in &module.decoded().imports {
            let ext = self.get(store, &imp.module, &imp.name).ok_or_else(|| {
                Error::link(format!("unknown import: `{}`.`{}` is not defined", imp.module, imp.name))
            })?;
            imports.push(ext);
        }
        Instance::new(store, module, &imports)
    }
}
