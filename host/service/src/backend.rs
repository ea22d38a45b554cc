//! How a service reaches its queue: directly (a queue in memory), or
//! through a store ([`PersistentQueue`]), where every changing call is
//! stored with its changes and applies what other hosts committed first.

use std::sync::Arc;

use bits_queue_host::{Action, Error, FileRef, Queue};
use bits_queue_store::{
    PersistError, PersistentQueue, ReportKind, StoreError, Watch, in_flight, report_lost,
};

/// A call that could not be made.
#[derive(Debug)]
pub enum Failure {
    /// The queue refused, or its sandbox failed.
    Queue(Error),
    /// The store could not be read or written.
    Store(StoreError),
    /// This host no longer holds the lease of the file it reported about:
    /// another host transfers it now, and this host's transfer stops.
    LeaseLost(FileRef),
}

impl From<PersistError> for Failure {
    fn from(e: PersistError) -> Self {
        match e {
            PersistError::Queue(e) => Failure::Queue(e),
            PersistError::Store(e) => Failure::Store(e),
            PersistError::LeaseLost(file) => Failure::LeaseLost(file),
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
            Failure::LeaseLost(file) => PersistError::LeaseLost(*file).fmt(f),
        }
    }
}

/// The calls a service makes, each one call into the component (or a few
/// made together on one queue).
pub trait Backend: Send + Sync + 'static {
    /// A call that may change the queue.
    fn change<T>(&self, f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>)
    -> Result<T, Failure>;

    /// `poll`: in a store that hosts share, this host takes the lease of
    /// each file it is told to `start`, and gives up those it must `stop`,
    /// in the same transaction.
    fn poll(&self) -> Result<Vec<Action>, Failure> {
        self.change(|q| q.poll())
    }

    /// A report about this host's transfer of `file`. Where hosts share
    /// the store, it is made only while this host holds the file's lease
    /// ([`Failure::LeaseLost`] otherwise), and an ending report gives the
    /// lease up. Progress may be stored coalesced.
    fn report(
        &self,
        file: FileRef,
        kind: ReportKind,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<()>,
    ) -> Result<(), Failure> {
        let _ = (file, kind);
        self.change(f)
    }

    /// Reports lost the transfers whose host died: at a service's start,
    /// every transfer the queue shows in flight (this service runs the
    /// queue alone); where hosts share the store, those whose lease ran out.
    fn recover_lost(&self, at_start: bool) -> Result<Vec<FileRef>, Failure> {
        if !at_start {
            return Ok(Vec::new());
        }
        self.change(|q| report_lost(q, in_flight(q)?))
    }

    /// Each turn of the loop: stores what has waited long enough; where
    /// hosts share the store, renews this host's leases and takes back the
    /// transfers of hosts whose leases ran out.
    fn tend(&self) -> Result<(), Failure> {
        Ok(())
    }

    /// The files whose lease this host holds (none where nothing is leased).
    fn leased_here(&self) -> Result<Vec<FileRef>, Failure> {
        Ok(Vec::new())
    }

    /// Calls `wake` when another host changes the queue, while the watch
    /// lives (`None`: the loop looks every `max_sleep` instead).
    fn watch(&self, wake: Box<dyn Fn() + Send>) -> Result<Option<Watch>, Failure> {
        let _ = wake;
        Ok(None)
    }

    /// A call that only reads.
    fn read<T>(&self, f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>) -> Result<T, Failure>;

    /// Stores what is waiting (coalesced progress), when the service stops.
    fn flush(&self) -> Result<(), Failure> {
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

    fn read<T>(&self, f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>) -> Result<T, Failure> {
        Ok(PersistentQueue::read(self, f)?)
    }

    fn flush(&self) -> Result<(), Failure> {
        Ok(PersistentQueue::flush(self)?)
    }

    fn poll(&self) -> Result<Vec<Action>, Failure> {
        Ok(PersistentQueue::poll(self)?)
    }

    fn report(
        &self,
        file: FileRef,
        kind: ReportKind,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<()>,
    ) -> Result<(), Failure> {
        Ok(PersistentQueue::report(self, file, kind, f)?)
    }

    fn recover_lost(&self, at_start: bool) -> Result<Vec<FileRef>, Failure> {
        Ok(PersistentQueue::recover_lost(self, at_start)?)
    }

    fn tend(&self) -> Result<(), Failure> {
        PersistentQueue::tend(self)?;
        Ok(())
    }

    fn watch(&self, wake: Box<dyn Fn() + Send>) -> Result<Option<Watch>, Failure> {
        Ok(PersistentQueue::watch(self, wake)?)
    }

    fn leased_here(&self) -> Result<Vec<FileRef>, Failure> {
        Ok(PersistentQueue::leased_here(self)?)
    }
}
