//! How a service reaches its queue: directly (a queue in memory), or
//! through a store ([`PersistentQueue`]), where every changing call is
//! stored with its changes and applies what other hosts committed first.

use std::sync::Arc;

use bits_queue_host::{Error, Queue};
use bits_queue_store::{PersistError, PersistentQueue, StoreError};

/// A call that could not be made.
#[derive(Debug)]
pub enum Failure {
    /// The queue refused, or its sandbox failed.
    Queue(Error),
    /// The store could not be read or written.
    Store(StoreError),
}

impl From<PersistError> for Failure {
    fn from(e: PersistError) -> Self {
        match e {
            PersistError::Queue(e) => Failure::Queue(e),
            PersistError::Store(e) => Failure::Store(e),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Queue(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Queue(e) => e.fmt(f),
            Failure::Store(e) => write!(f, "the queue's store failed: {e}"),
        }
    }
}

/// The calls a service makes, each one call into the component (or a few
/// made together on one queue).
pub trait Backend: Send + Sync + 'static {
    /// A call that may change the queue.
    fn change<T>(&self, f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>)
    -> Result<T, Failure>;

    /// A progress report: its changes may be stored coalesced.
    fn change_progress<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, Failure> {
        self.change(f)
    }

    /// A call that only reads.
    fn read<T>(&self, f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>) -> Result<T, Failure>;

    /// Stores what is waiting (coalesced progress), when the service stops.
    fn flush(&self) -> Result<(), Failure> {
        Ok(())
    }

    /// Stores what has waited long enough; the loop calls this each turn.
    fn flush_if_due(&self) -> Result<(), Failure> {
        Ok(())
    }
}

impl Backend for Queue {
    fn change<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, Failure> {
        f(self).map_err(Failure::Queue)
    }

    fn read<T>(&self, f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>) -> Result<T, Failure> {
        f(self).map_err(Failure::Queue)
    }
}

impl Backend for Arc<PersistentQueue> {
    fn change<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, Failure> {
        Ok(PersistentQueue::change(self, f)?)
    }

    fn change_progress<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, Failure> {
        Ok(PersistentQueue::change_coalesced(self, f)?)
    }

    fn read<T>(&self, f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>) -> Result<T, Failure> {
        Ok(PersistentQueue::read(self, f)?)
    }

    fn flush(&self) -> Result<(), Failure> {
        Ok(PersistentQueue::flush(self)?)
    }

    fn flush_if_due(&self) -> Result<(), Failure> {
        Ok(PersistentQueue::flush_if_due(self)?)
    }
}
