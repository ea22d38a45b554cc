//! The `journal` interface on a [`Queue`] (contract §11): for hosts that
//! persist. A component built before the journal lacks it: each call then
//! fails with `NotExported`, naming the function.

use bits_queue_contract::Change;

use crate::bindings::exports::bits::queue::journal as wit;
use crate::convert::queue_result;
use crate::{Queue, Result};

impl Queue {
    /// The changes since the last call, in the order they happened
    /// (`take-changes`): store them in one transaction with the call that
    /// made them.
    pub fn take_changes(&self) -> Result<Vec<Change>> {
        let changes = self
            .instance()
            .call(|store, guest| guest.take_changes(store))?;
        Ok(changes.into_iter().map(Change::from).collect())
    }

    /// Applies stored changes (`apply`): to a fresh queue to restore it, or
    /// to a live one with what other hosts committed. A record the
    /// component cannot read is `InvalidArgument`, and nothing changes.
    pub fn apply(&self, changes: &[Change]) -> Result<()> {
        let bytes = changes
            .iter()
            .map(|c| match c {
                Change::Put(record) => record.bytes.len() + 24,
                _ => 24,
            })
            .sum();
        self.instance().check_argument_bytes(bytes)?;
        let changes: Vec<wit::Change> = changes.iter().cloned().map(wit::Change::from).collect();
        queue_result(
            self.instance()
                .call(|store, guest| guest.apply(store, &changes))?,
        )
    }
}
