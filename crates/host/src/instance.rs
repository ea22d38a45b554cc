//! One component instance and the gate every call goes through: the
//! per-call deadline, the dead-instance check, and the translation of
//! wasmtime failures into [`SandboxError`]s.

use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::exports::Guest;
use crate::runtime::RuntimeInner;
use crate::slots::Slot;
use crate::store::{MemoryLimitHit, StoreData, new_store};
use crate::{Result, SandboxError, SandboxErrorKind};

/// An instance, shared by its [`Queue`](crate::Queue) and every handle made
/// from it (a handle must reach the store to be released when dropped).
pub(crate) struct Instance {
    live: Mutex<Live>,
    runtime: Arc<RuntimeInner>,
    /// Freed after `live` (fields drop in order), so the store is gone
    /// before the slot counts as free.
    _slot: Slot,
}

struct Live {
    store: Store<StoreData>,
    instance: wasmtime::component::Instance,
    /// Set by the first failure during a call; every later call reports it.
    dead: Option<SandboxError>,
}

impl Instance {
    pub(crate) fn new(runtime: Arc<RuntimeInner>, seed: Option<u64>) -> Result<Arc<Self>> {
        let slot = runtime.slots.take()?;
        let mut store = new_store(&runtime.engine, &runtime.config, seed);
        // Only the instance: its exports were found and type-checked once,
        // when the runtime loaded (exports.rs).
        let instance = runtime
            .pre
            .instantiate(&mut store)
            .map_err(instantiation_error)?;
        Ok(Arc::new(Instance {
            live: Mutex::new(Live {
                store,
                instance,
                dead: None,
            }),
            runtime,
            _slot: slot,
        }))
    }

    /// Runs one call into the guest. Refuses if the instance is dead; gives
    /// the call a fresh deadline; on failure marks the instance dead (after a
    /// trap wasmtime may not re-enter it) and says why in plain words.
    pub(crate) fn call<R>(
        &self,
        f: impl FnOnce(&mut Store<StoreData>, Guest<'_>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let mut live = self.lock();
        if let Some(cause) = &live.dead {
            return Err(dead_error(cause).into());
        }
        let Live {
            store, instance, ..
        } = &mut *live;
        store.set_epoch_deadline(self.runtime.config.deadline_ticks());
        match f(store, Guest::new(&self.runtime.exports, *instance)) {
            Ok(r) => Ok(r),
            Err(e) => {
                let err = call_error(e);
                live.dead = Some(err.clone());
                Err(err.into())
            }
        }
    }

    /// Refuses, before the guest sees it, an argument larger than the host
    /// passes into a sandbox.
    pub(crate) fn check_argument_bytes(&self, bytes: usize) -> Result<()> {
        let max = self.runtime.config.max_argument_bytes;
        if bytes > max {
            return Err(SandboxError::new(
                SandboxErrorKind::ArgumentTooLarge,
                format!("{bytes} bytes of arguments, over the limit of {max} bytes"),
            )
            .into());
        }
        Ok(())
    }

    /// Releases a guest resource handle. A dead instance's handles are freed
    /// with its store, so there is nothing to do; a failure here (a hostile
    /// destructor) kills the instance like any other call.
    pub(crate) fn release(&self, handle: ResourceAny) {
        let _ = self.call(|store, _| handle.resource_drop(store));
    }

    /// Why the instance died, if it did.
    pub(crate) fn dead(&self) -> Option<SandboxError> {
        self.lock().dead.clone()
    }

    /// The instance's linear memory size in bytes.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.lock().store.data().limiter.memory_bytes()
    }

    pub(crate) fn runtime(&self) -> &Arc<RuntimeInner> {
        &self.runtime
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        // A panic while locked cannot leave the store half-changed in a way
        // that matters more than the panic itself; keep serving.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn dead_error(cause: &SandboxError) -> SandboxError {
    SandboxError::new(
        SandboxErrorKind::Dead,
        format!(
            "an earlier call failed ({cause}); this instance takes no more calls, \
             start a new one with Runtime::new_queue"
        ),
    )
}

/// A failure during a call, in plain words.
fn call_error(e: wasmtime::Error) -> SandboxError {
    if let Some(hit) = e.downcast_ref::<MemoryLimitHit>() {
        return SandboxError::new(SandboxErrorKind::OutOfMemory, hit.to_string());
    }
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => SandboxError::new(
            SandboxErrorKind::TimedOut,
            "the guest ran past the per-call time limit".to_string(),
        ),
        Some(trap) => SandboxError::new(SandboxErrorKind::Trap, trap.to_string()),
        None => SandboxError::new(SandboxErrorKind::Trap, format!("{e:#}")),
    }
}

/// A failure while instantiating: the pool being full is its own kind; the
/// rest is a failure of the guest's start-up code.
fn instantiation_error(e: wasmtime::Error) -> crate::Error {
    if let Some(full) = e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>() {
        return SandboxError::new(SandboxErrorKind::InstanceLimit, full.to_string()).into();
    }
    call_error(e).into()
}
