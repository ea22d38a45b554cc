//! [`Queue`]: one component instance, its queue, and the contract's
//! instance-wide functions.

use std::fmt;
use std::sync::Arc;

use crate::convert::queue_result;
use crate::instance::Instance;
use crate::runtime::{QueueOptions, RuntimeInner};
use crate::{CallError, ErrorCode, Guid, JobManager, QueueLimits, Result, Runtime, SandboxError};

/// One instance of the component, holding one queue. Every [`JobManager`]
/// made from it sees the same jobs; another `Queue` sees none of them.
///
/// Dropping the `Queue` does not end the instance while handles made from
/// it live; it ends with the last of them. `Send` and `Sync`: calls into one
/// instance are serialised.
#[derive(Clone)]
pub struct Queue {
    instance: Arc<Instance>,
}

impl Queue {
    pub(crate) fn instantiate(runtime: Arc<RuntimeInner>, options: QueueOptions) -> Result<Self> {
        Ok(Queue {
            instance: Instance::new(runtime, options)?,
        })
    }

    /// The instance, for the `engine` interface's calls (transfer_calls.rs).
    pub(crate) fn instance(&self) -> &Arc<Instance> {
        &self.instance
    }

    /// Opens the queue (`job-manager`'s constructor).
    pub fn manager(&self) -> Result<JobManager> {
        let raw = self
            .instance
            .call(|store, guest| guest.new_job_manager(store))?;
        Ok(JobManager::new(self.instance.clone(), raw))
    }

    /// The HRESULT the component gives for `code` (`hresult`).
    pub fn hresult(&self, code: ErrorCode) -> Result<u32> {
        self.instance
            .call(|store, guest| guest.hresult(store, code.into()))
    }

    /// The HRESULT the component gives for a `call-error` (`call-hresult`,
    /// contract §14.1).
    pub fn call_hresult(&self, code: CallError) -> Result<u32> {
        self.instance
            .call(|store, guest| guest.call_hresult(store, code.into()))
    }

    /// The registry form of `id`, as the component writes it (`guid-to-string`).
    pub fn guid_to_string(&self, id: Guid) -> Result<String> {
        self.instance
            .call(|store, guest| guest.guid_to_string(store, id.into()))
    }

    /// Parses a GUID as the component does (`parse-guid`).
    pub fn parse_guid(&self, text: &str) -> Result<Guid> {
        self.instance.check_argument_bytes(text.len())?;
        let r = self
            .instance
            .call(|store, guest| guest.parse_guid(store, text))?;
        queue_result(r)
    }

    /// Sets the instance's limits (`set-limits`); a zero field is refused.
    pub fn set_limits(&self, limits: QueueLimits) -> Result<()> {
        let r = self
            .instance
            .call(|store, guest| guest.set_limits(store, limits.into()))?;
        queue_result(r)
    }

    /// The instance's limits (`get-limits`).
    pub fn limits(&self) -> Result<QueueLimits> {
        self.instance
            .call(|store, guest| guest.get_limits(store))
            .map(QueueLimits::from)
    }

    /// Why the instance died, if an earlier call killed it. A dead instance
    /// answers every call with [`SandboxErrorKind::Dead`](crate::SandboxErrorKind::Dead).
    pub fn dead(&self) -> Option<SandboxError> {
        self.instance.dead()
    }

    /// The instance's linear memory size in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.instance.memory_bytes()
    }

    /// The runtime this instance came from (to start a fresh one).
    pub fn runtime(&self) -> Runtime {
        Runtime::from_inner(self.instance.runtime().clone())
    }
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("dead", &self.instance.dead())
            .finish_non_exhaustive()
    }
}
