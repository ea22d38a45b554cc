//! [`InstanceSlots`]: how many instances of a runtime are alive, so
//! `Config::max_instances` holds with either allocator. The pooling
//! allocator refuses past its pool on its own, but the on-demand allocator
//! has no such bound, and wasmtime's `ResourceLimiter::instances` counts
//! per store, not per runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::{SandboxError, SandboxErrorKind};

/// The live-instance count of one runtime, and its bound.
pub(crate) struct InstanceSlots {
    live: AtomicU32,
    max: u32,
}

impl InstanceSlots {
    pub(crate) fn new(max: u32) -> Arc<Self> {
        Arc::new(InstanceSlots {
            live: AtomicU32::new(0),
            max,
        })
    }

    /// One slot for a new instance, or `InstanceLimit` if all are taken.
    pub(crate) fn take(self: &Arc<Self>) -> Result<Slot, SandboxError> {
        self.live
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |live| {
                (live < self.max).then_some(live + 1)
            })
            .map(|_| Slot(self.clone()))
            .map_err(|live| {
                SandboxError::new(
                    SandboxErrorKind::InstanceLimit,
                    format!(
                        "{live} instances are alive, the most this runtime allows \
                         (Config::max_instances); drop one to start another"
                    ),
                )
            })
    }
}

/// A taken slot; dropping it frees the slot.
pub(crate) struct Slot(Arc<InstanceSlots>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::AcqRel);
    }
}
