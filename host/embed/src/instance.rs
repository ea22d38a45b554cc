//! One component instance and the gate every call goes through: the
//! per-call deadline, the dead-instance check, the translation of wasmtime
//! failures into [`SandboxError`]s, and the release of guest handles.
//!
//! A handle dropped while its own thread is inside a call on the same
//! instance (say, a handle moved into the call's closure) cannot take the
//! instance's lock again: that thread already holds it. Such a release is
//! deferred and carried out by the gate before the call returns, so a drop
//! never deadlocks and never leaks the guest's handle.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::exports::{Guest, MissingExport};
use crate::instance_state::{InstanceState, MemoryLimitHit, new_store};
use crate::runtime::{QueueOptions, RuntimeInner, system_clock};
use crate::slots::Slot;
use crate::{Result, SandboxError, SandboxErrorKind};

/// An instance, shared by its [`Queue`](crate::Queue) and every handle made
/// from it (a handle must reach the store to be released when dropped).
pub(crate) struct Instance {
    live: Mutex<Live>,
    /// The thread inside a call now ([`thread_token`]), 0 when none: tells
    /// a release from inside a call (deferred) from one on another thread
    /// (which waits for the lock).
    caller: AtomicUsize,
    /// Handles released from inside a call, freed before that call returns.
    deferred: Mutex<Vec<ResourceAny>>,
    runtime: Arc<RuntimeInner>,
    /// Freed after `live` (fields drop in order), so the store is gone
    /// before the slot counts as free.
    _slot: Slot,
}

struct Live {
    store: Store<InstanceState>,
    instance: wasmtime::component::Instance,
    /// Set by the first failure during a call; every later call reports it.
    dead: Option<SandboxError>,
}

impl Instance {
    pub(crate) fn new(runtime: Arc<RuntimeInner>, options: QueueOptions) -> Result<Arc<Self>> {
        let slot = runtime.slots.take()?;
        let clock = options.clock.unwrap_or_else(system_clock);
        let mut store = new_store(&runtime.engine, &runtime.config, options.seed, clock);
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
            caller: AtomicUsize::new(0),
            deferred: Mutex::new(Vec::new()),
            runtime,
            _slot: slot,
        }))
    }

    /// Runs one call into the guest. Refuses if the instance is dead; gives
    /// the call a fresh deadline; on failure marks the instance dead (after a
    /// trap wasmtime may not re-enter it) and says why in plain words. Before
    /// it returns, frees the handles released during the call.
    pub(crate) fn call<R>(
        &self,
        f: impl FnOnce(&mut Store<InstanceState>, Guest<'_>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let mut live = self.lock();
        if let Some(cause) = &live.dead {
            return Err(dead_error(cause).into());
        }
        self.caller.store(thread_token(), Ordering::Release);
        let result = self.run(&mut live, f);
        self.release_deferred(&mut live);
        self.caller.store(0, Ordering::Release);
        result
    }

    /// One guest call on the locked instance, marking it dead on failure.
    fn run<R>(
        &self,
        live: &mut Live,
        f: impl FnOnce(&mut Store<InstanceState>, Guest<'_>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let Live {
            store, instance, ..
        } = live;
        store.set_epoch_deadline(self.runtime.config.deadline_ticks());
        f(store, Guest::new(&self.runtime.exports, *instance)).map_err(|e| {
            if let Some(missing) = e.downcast_ref::<MissingExport>() {
                // Refused before any guest code ran: the instance is fine.
                return SandboxError::new(SandboxErrorKind::NotExported, missing.to_string())
                    .into();
            }
            let err = call_error(e);
            live.dead = Some(err.clone());
            err.into()
        })
    }

    /// Frees the handles released during the call that holds `live`. A
    /// failure kills the instance like any other call, so it is reported by
    /// every later call.
    fn release_deferred(&self, live: &mut Live) {
        loop {
            let Some(handle) = self.deferred_lock().pop() else {
                return;
            };
            if live.dead.is_none() {
                let _ = self.run(live, |store, _| handle.resource_drop(store));
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

    /// Releases a guest resource handle. A dead instance's handles are
    /// freed with its store, so there is nothing to do. A failure here (a
    /// hostile destructor) kills the instance like any other call, and is
    /// returned: callers that drop a handle cannot see it, but every later
    /// call on the instance reports it as the cause of death.
    pub(crate) fn release(&self, handle: ResourceAny) -> Result<()> {
        if self.caller.load(Ordering::Acquire) == thread_token() {
            // Inside a call on this instance, on this thread: the lock is
            // ours already. The gate frees it before the call returns.
            self.deferred_lock().push(handle);
            return Ok(());
        }
        match self.call(|store, _| handle.resource_drop(store)) {
            Err(crate::Error::Sandbox(e)) if e.kind() == SandboxErrorKind::Dead => Ok(()),
            other => other,
        }
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

    fn deferred_lock(&self) -> MutexGuard<'_, Vec<ResourceAny>> {
        self.deferred
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        // A panic while locked cannot leave the store half-changed in a way
        // that matters more than the panic itself; keep serving.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A number for the current thread, never 0: the address of a thread-local.
fn thread_token() -> usize {
    thread_local!(static TOKEN: u8 = const { 0 });
    TOKEN.with(|token| std::ptr::from_ref(token) as usize)
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

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    use crate::{JobType, Runtime, SandboxErrorKind};

    /// Runs `f` on another thread and fails, instead of hanging, if it does
    /// not finish: a deadlock shows as a failure. The bound is far above
    /// what the work takes on any machine (milliseconds).
    fn within_a_minute(f: impl FnOnce() + Send + 'static) {
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            f();
            let _ = done.send(());
        });
        finished
            .recv_timeout(Duration::from_secs(60))
            .expect("finished (a deadlock otherwise)");
    }

    /// A handle dropped inside a call on its own instance is released
    /// before that call returns, instead of deadlocking on the lock the
    /// call holds.
    #[test]
    fn a_handle_dropped_inside_a_call_is_released_without_deadlock() {
        within_a_minute(|| {
            let queue = Runtime::new().unwrap().new_queue_seeded(1).unwrap();
            let manager = queue.manager().unwrap();
            let job = manager
                .create_job("dropped in a call", JobType::Download)
                .unwrap();
            let (instance, raw) = job.parts();
            instance
                .call(move |_, _| {
                    drop(job);
                    Ok(())
                })
                .expect("the call returns");
            assert!(instance.deferred_lock().is_empty(), "released, not left");
            assert!(instance.dead().is_none());
            // The job stays; only its handle went.
            assert_eq!(manager.jobs().unwrap().len(), 1);
            // Released for real: the guest no longer knows the handle.
            let again = instance.release(raw).unwrap_err();
            assert_eq!(
                again.sandbox_kind(),
                Some(SandboxErrorKind::Trap),
                "{again}"
            );
        });
    }

    /// A release that fails is returned, and kills the instance so that
    /// every later call reports it; releasing on a dead instance is a no-op.
    #[test]
    fn a_failed_release_is_reported_not_discarded() {
        let queue = Runtime::new().unwrap().new_queue_seeded(2).unwrap();
        let manager = queue.manager().unwrap();
        let job = manager
            .create_job("released twice", JobType::Upload)
            .unwrap();
        let (instance, raw) = job.parts();
        job.release().expect("the first release succeeds");
        let e = instance.release(raw).unwrap_err();
        assert_eq!(e.sandbox_kind(), Some(SandboxErrorKind::Trap), "{e}");
        let later = manager.jobs().unwrap_err();
        assert_eq!(later.sandbox_kind(), Some(SandboxErrorKind::Dead));
        assert!(
            later
                .to_string()
                .contains(&e.sandbox().unwrap().to_string()),
            "{later}"
        );
        // Dropping the manager now releases nothing and reports nothing.
        manager
            .release()
            .expect("a dead instance's handles go with its store");
    }
}
