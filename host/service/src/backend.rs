//! How a service reaches its queue: directly (a queue in memory), or
//! through a store ([`PersistentQueue`]), where every changing call is
//! stored with its changes and applies what other hosts committed first.
//! Either way a call fails with the store's [`PersistError`] (a queue in
//! memory only ever with its `Queue` variant), so what the store said
//! reaches the service's caller whole.

use std::sync::Arc;

use crate::endings::{Ended, Ending};
use bits_queue_host::{Action, FileRef, Queue};
use bits_queue_store::{
    Cancels, PersistError, PersistentQueue, ReportKind, Secrets, Watch, in_flight, report_lost,
};

/// The calls a service makes, each one call into the component (or a few
/// made together on one queue).
pub trait Backend: Send + Sync + 'static {
    /// A call that may change the queue.
    fn change<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError>;

    /// `poll`: in a store that hosts share, this host takes the lease of
    /// each file it is told to `start`, and gives up those it must `stop`,
    /// in the same transaction.
    fn poll(&self) -> Result<Vec<Action>, PersistError> {
        self.change(|q| q.poll())
    }

    /// `poll`, unless it would do nothing (`None`: no poll made). Where
    /// hosts share the store a poll takes the queue's lock, so a store
    /// looks first, without it (see `PersistentQueue::poll_if_due`).
    /// `clock_due`: the queue's next wake has passed.
    fn poll_if_due(&self, clock_due: bool) -> Result<Option<Vec<Action>>, PersistError> {
        let _ = clock_due;
        self.poll().map(Some)
    }

    /// A report about this host's transfer of `file`. Where hosts share
    /// the store, it is made only while this host holds the file's lease
    /// ([`PersistError::LeaseLost`] otherwise), and an ending report gives the
    /// lease up. Progress may be stored coalesced.
    fn report(
        &self,
        file: FileRef,
        kind: ReportKind,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<()>,
    ) -> Result<(), PersistError> {
        let _ = (file, kind);
        self.change(f)
    }

    /// Ending reports about this host's transfers (each answered on its
    /// own), then `poll`. By default each report is a call of its own; a
    /// store without leases makes them all in one call, one transaction
    /// (crate::endings explains why that keeps every promise).
    fn end_then_poll(&self, endings: &[(FileRef, Ending)]) -> Result<Ended, PersistError>
    where
        Self: Sized,
    {
        crate::endings::one_by_one(self, endings)
    }

    /// Reports lost the transfers whose host died: at a service's start,
    /// every transfer the queue shows in flight (this service runs the
    /// queue alone); where hosts share the store, those whose lease ran out.
    fn recover_lost(&self, at_start: bool) -> Result<Vec<FileRef>, PersistError> {
        if !at_start {
            return Ok(Vec::new());
        }
        self.change(|q| report_lost(q, in_flight(q)?))
    }

    /// Each turn of the loop: stores what has waited long enough; where
    /// hosts share the store, renews this host's leases and takes back the
    /// transfers of hosts whose leases ran out.
    fn tend(&self) -> Result<(), PersistError> {
        Ok(())
    }

    /// The fencing token of the lease the last `poll` took for `file`, taken
    /// once when its transfer starts (0 where nothing is leased): the
    /// transfer writes only into its generation's file (`fence`).
    fn take_fence(&self, file: FileRef) -> u64 {
        let _ = file;
        0
    }

    /// `take-notify-commands` (contract §16.1): the notify programs due,
    /// each marked running. Where hosts share the store, this host takes
    /// each run's lease with it; the run's exit is reported with
    /// [`Backend::report`] of `run_lease(job)`, an ending report.
    fn take_notify_commands(&self) -> Result<Vec<bits_queue_host::NotifyCommand>, PersistError> {
        self.change(|q| q.take_notify_commands())
    }

    /// The files whose lease this host holds (none where nothing is leased).
    fn leased_here(&self) -> Result<Vec<FileRef>, PersistError> {
        Ok(Vec::new())
    }

    /// Calls `wake` when another host changes the queue, while the watch
    /// lives (`None`: the loop looks every `max_sleep` instead).
    fn watch(&self, wake: Box<dyn Fn() + Send>) -> Result<Option<Watch>, PersistError> {
        let _ = wake;
        Ok(None)
    }

    /// A call that only reads.
    fn read<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError>;

    /// Stores what is waiting (coalesced progress), when the service stops.
    fn flush(&self) -> Result<(), PersistError> {
        Ok(())
    }

    /// Where the queue's secrets are kept (contract §15.2), if anywhere.
    fn secrets(&self) -> Option<Arc<dyn Secrets>> {
        None
    }

    /// Where the queue's pending Cancel-Sessions wait (contract §14.6), if
    /// its store keeps them; `None`: the service takes them itself.
    fn cancels(&self) -> Option<Arc<dyn Cancels>> {
        None
    }
}

impl Backend for Queue {
    fn change<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        f(self).map_err(PersistError::Queue)
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        f(self).map_err(PersistError::Queue)
    }
}

impl Backend for Arc<PersistentQueue> {
    fn change<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        PersistentQueue::change(self, f)
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        PersistentQueue::read(self, f)
    }

    fn flush(&self) -> Result<(), PersistError> {
        PersistentQueue::flush(self)
    }

    fn poll(&self) -> Result<Vec<Action>, PersistError> {
        PersistentQueue::poll(self)
    }

    fn poll_if_due(&self, clock_due: bool) -> Result<Option<Vec<Action>>, PersistError> {
        PersistentQueue::poll_if_due(self, clock_due)
    }

    fn report(
        &self,
        file: FileRef,
        kind: ReportKind,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<()>,
    ) -> Result<(), PersistError> {
        PersistentQueue::report(self, file, kind, f)
    }

    fn recover_lost(&self, at_start: bool) -> Result<Vec<FileRef>, PersistError> {
        PersistentQueue::recover_lost(self, at_start)
    }

    fn end_then_poll(&self, endings: &[(FileRef, Ending)]) -> Result<Ended, PersistError> {
        // With leases (a shared store) each report is checked against its
        // lease and gives it up: one call each, as before.
        if self.leases_transfers() {
            return crate::endings::one_by_one(self, endings);
        }
        // One call, stored coalesced while the job goes on with its next
        // file (PersistentQueue::end_and_poll says why that keeps every
        // file the store shows transferred on disk).
        let (answers, actions) =
            PersistentQueue::end_and_poll(self, |q| crate::endings::report_then_poll(q, endings))?;
        let answers = answers
            .into_iter()
            .map(|a| a.map_err(PersistError::Queue))
            .collect();
        Ok((answers, actions))
    }

    fn tend(&self) -> Result<(), PersistError> {
        PersistentQueue::tend(self)?;
        Ok(())
    }

    fn watch(&self, wake: Box<dyn Fn() + Send>) -> Result<Option<Watch>, PersistError> {
        PersistentQueue::watch(self, wake)
    }

    fn leased_here(&self) -> Result<Vec<FileRef>, PersistError> {
        PersistentQueue::leased_here(self)
    }

    fn take_fence(&self, file: FileRef) -> u64 {
        PersistentQueue::take_fence(self, file)
    }

    fn take_notify_commands(&self) -> Result<Vec<bits_queue_host::NotifyCommand>, PersistError> {
        PersistentQueue::take_notify_commands(self)
    }

    fn secrets(&self) -> Option<Arc<dyn Secrets>> {
        PersistentQueue::secrets(self)
    }

    fn cancels(&self) -> Option<Arc<dyn Cancels>> {
        PersistentQueue::cancels(self)
    }
}
