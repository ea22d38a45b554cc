//! The contract's exported functions: found by name and type-checked once
//! per [`Runtime`](crate::Runtime), then called on every instance without
//! checking again.
//!
//! `bindgen!`'s `QueuePre::instantiate` looks up and type-checks all the
//! exports of *every* new instance, which cost more than the rest of making
//! a pooled instance (BENCHMARKS.md). A function's type belongs to the
//! component, not to the instance — every instance of one `InstancePre`
//! has the same types, and `ResourceAny` accepts any instance's resources —
//! so one check, on a probe instance made when the runtime loads, holds for
//! them all. Per call, only `Instance::get_func` remains: an index, no
//! names, no types.
//!
//! The table of functions is generated from the WIT at build time
//! (build/exports_table.rs); `bindgen!` supplies the Rust types it names
//! (bindings.rs). BENCHMARKS.md has the paired figures behind this choice
//! over `bindgen!`'s own per-instance `QueuePre`.

use wasmtime::Store;
use wasmtime::component::{
    Component, ComponentExportIndex, Instance, InstancePre, ResourceAny, TypedFunc,
};

use crate::instance_state::InstanceState;

/// Declares each exported function once, giving: a field of [`Exports`]
/// (where the function is, if the component has it), its name and type for
/// [`Exports::locate`] and [`Exports::check`], and a method of [`Guest`]
/// calling it with exactly the types checked.
///
/// A `required` function must be there for the component to load; an
/// `optional` one (added after the contract's first release) may be
/// missing, and calling it then fails with [`MissingExport`], which names
/// it and leaves the instance alive.
macro_rules! contract {
    ($(
        $field:ident = $need:ident $interface:literal . $name:literal
            ($($arg:ident: $arg_ty:ty),*) -> $ret:ty as $results:ty;
    )*) => {
        /// Where each of the contract's functions is in one component.
        pub(crate) struct Exports {
            $($field: Option<ComponentExportIndex>,)*
        }

        impl Exports {
            /// Finds every function of the contract in `component`, or says
            /// which required one is missing.
            fn locate(component: &Component) -> Result<Self, String> {
                Ok(Exports {
                    $($field: locate!($need, component, $interface, $name),)*
                })
            }

            /// Checks the type of every function the component has on
            /// `instance`, an instance of the component `self` was located
            /// in, or says which differs from the contract and how.
            fn check(
                &self,
                store: &mut Store<InstanceState>,
                instance: Instance,
            ) -> Result<(), String> {
                $(
                    if let Some(index) = &self.$field {
                        instance
                            .get_func(&mut *store, index)
                            .ok_or_else(|| format!("`{}` in `{}` is not a function", $name, $interface))?
                            .typed::<($($arg_ty,)*), $results>(&*store)
                            .map_err(|e| {
                                format!("`{}` in `{}` has the wrong type: {e:#}", $name, $interface)
                            })?;
                    }
                )*
                Ok(())
            }

            /// The contract's optional functions this component lacks, as
            /// `interface#name`.
            pub(crate) fn missing(&self) -> Vec<String> {
                let mut missing = Vec::new();
                $(
                    if self.$field.is_none() {
                        missing.push(format!("{}#{}", $interface, $name));
                    }
                )*
                missing
            }
        }

        impl Guest<'_> {
            $(
                #[doc = concat!("Calls `", $name, "` of `", $interface, "`.")]
                // A function the WIT adds is generated here; until the host
                // calls it, the build fails instead of the host silently
                // ignoring part of the contract.
                #[deny(dead_code)]
                pub(crate) fn $field(
                    &self,
                    store: &mut Store<InstanceState>,
                    $($arg: $arg_ty),*
                ) -> wasmtime::Result<$ret> {
                    let index = self.exports.$field.as_ref().ok_or(MissingExport {
                        interface: $interface,
                        name: $name,
                    })?;
                    let func = self
                        .instance
                        .get_func(&mut *store, index)
                        .ok_or_else(|| wasmtime::format_err!(
                            "`{}` is not exported by this instance", $name
                        ))?;
                    // SAFETY: `Exports::check` checked this function against
                    // exactly these parameter and result types when the
                    // runtime loaded, on an instance of the same component
                    // (`Guest::new` pairs an instance only with its own
                    // runtime's `Exports`, and `get_func` finds nothing in
                    // another component's instance).
                    let typed =
                        unsafe { TypedFunc::<($($arg_ty,)*), $results>::new_unchecked(func) };
                    Ok(Results::result(typed.call(store, ($($arg,)*))?))
                }
            )*
        }
    };
}

/// A typed function's results as the function's one result: a function
/// without a result has none, one with a result gives a 1-tuple.
trait Results<R> {
    fn result(self) -> R;
}

impl Results<()> for () {
    fn result(self) {}
}

impl<T> Results<T> for (T,) {
    fn result(self) -> T {
        self.0
    }
}

/// Where a function is: a required one must be found, an optional one may
/// not be.
macro_rules! locate {
    (required, $component:expr, $interface:expr, $name:expr) => {
        Some(function($component, $interface, $name)?)
    };
    (optional, $component:expr, $interface:expr, $name:expr) => {
        function($component, $interface, $name).ok()
    };
}

// The table itself, generated from wit/ by build/exports_table.rs: one
// entry per exported function,
// `field = required|optional "interface"."name"(params) -> result;`.
include!(concat!(env!("OUT_DIR"), "/exports_table.rs"));

/// A call of a function the component lacks: it was built for an earlier
/// version of the contract. Not a failure of the instance.
#[derive(Debug)]
pub(crate) struct MissingExport {
    pub(crate) interface: &'static str,
    pub(crate) name: &'static str,
}

impl std::fmt::Display for MissingExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the component does not export `{}` of `{}`: it was built for an earlier \
             version of the bits:queue@0.1.0 contract",
            self.name, self.interface
        )
    }
}

impl std::error::Error for MissingExport {}

/// Finds `name` in the exported `interface` of `component`.
fn function(
    component: &Component,
    interface: &str,
    name: &str,
) -> Result<ComponentExportIndex, String> {
    let instance = component
        .get_export_index(None, interface)
        .ok_or_else(|| format!("it exports no `{interface}`"))?;
    component
        .get_export_index(Some(&instance), name)
        .ok_or_else(|| format!("its `{interface}` has no `{name}`"))
}

/// One instance's functions: what the call gate hands each call.
#[derive(Clone, Copy)]
pub(crate) struct Guest<'a> {
    exports: &'a Exports,
    instance: Instance,
}

impl<'a> Guest<'a> {
    /// Pairs `instance` with the `Exports` of the runtime that made it.
    pub(crate) fn new(exports: &'a Exports, instance: Instance) -> Self {
        Guest { exports, instance }
    }
}

impl Exports {
    /// The contract's functions in the component `pre` instantiates, each
    /// found and type-checked, on a probe instance made in `store`; or why
    /// not. The only way to make `Exports`, so the unchecked calls of
    /// [`Guest`] only ever use checked functions.
    pub(crate) fn new(
        pre: &InstancePre<InstanceState>,
        mut store: Store<InstanceState>,
    ) -> Result<Self, String> {
        let exports = Exports::locate(pre.component())?;
        let probe = pre
            .instantiate(&mut store)
            .map_err(|e| format!("its first instance failed to start: {e:#}"))?;
        exports.check(&mut store, probe)?;
        Ok(exports)
    }
}
