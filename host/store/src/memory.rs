//! [`MemoryStore`]: a store in this process's memory. Nothing outlives
//! the process; clones share one store, so several queues in a process
//! can share it as hosts share a file.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use bits_queue_host::{Change, Guid, QueueLimits};

use crate::error::StoreError;
use crate::store::{Snapshot, Store};

#[derive(Default)]
struct Data {
    version: u64,
    /// Each job's record and the version that wrote it.
    jobs: BTreeMap<Guid, (Vec<u8>, u64)>,
    /// Jobs removed, and when, so hosts that knew them catch up.
    removed: BTreeMap<Guid, u64>,
    /// `jobs` and `removed` by the version that last wrote each, so a
    /// snapshot since version `v` reads only what came after `v` (a scan
    /// of every job on every call made each call slower than the one
    /// before: 99,000 creates took a minute).
    jobs_by_version: BTreeSet<(u64, Guid)>,
    removed_by_version: BTreeSet<(u64, Guid)>,
    limits: Option<(QueueLimits, u64)>,
    /// Whether a changing call holds the write lock.
    locked: bool,
}

/// A store in memory (`memory:`). Clones share the store (not a lock one
/// of them holds).
#[derive(Default)]
pub struct MemoryStore {
    shared: Arc<(Mutex<Data>, Condvar)>,
    holding: bool,
    /// The queue's secrets (contract §15.2), shared by its clones.
    secrets: Arc<crate::secrets::MemorySecrets>,
    /// Its pending Cancel-Sessions (contract §14.6), shared by its clones.
    cancels: Arc<crate::cancels::MemoryCancels>,
}

impl Clone for MemoryStore {
    fn clone(&self) -> Self {
        MemoryStore {
            shared: self.shared.clone(),
            holding: false,
            secrets: self.secrets.clone(),
            cancels: self.cancels.clone(),
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn data(&self) -> MutexGuard<'_, Data> {
        self.shared
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The entries of `by_version` written after version `seen`, in version
/// order (then GUID order within a version).
fn written_after(by_version: &BTreeSet<(u64, Guid)>, seen: u64) -> impl Iterator<Item = Guid> + '_ {
    let after = (seen, Guid::from_bytes([0xFF; 16]));
    by_version
        .range((Bound::Excluded(after), Bound::Unbounded))
        .map(|(_, id)| *id)
}

fn snapshot(data: &Data, seen: u64) -> Snapshot {
    let mut changes: Vec<Change> = written_after(&data.jobs_by_version, seen)
        .map(|id| {
            Change::Put(bits_queue_host::JobRecord {
                id,
                bytes: data.jobs[&id].0.clone(),
            })
        })
        .collect();
    if seen > 0 {
        let mut removed: Vec<Guid> = written_after(&data.removed_by_version, seen).collect();
        removed.sort_unstable();
        changes.extend(removed.into_iter().map(Change::Remove));
    }
    if let Some((limits, version)) = data.limits
        && version > seen
    {
        changes.push(Change::Limits(limits));
    }
    Snapshot {
        version: data.version,
        changes,
        unreadable: Vec::new(),
        reset: false,
    }
}

impl Store for MemoryStore {
    fn load(&mut self) -> Result<Snapshot, StoreError> {
        Ok(snapshot(&self.data(), 0))
    }

    fn since(&mut self, seen: u64) -> Result<Snapshot, StoreError> {
        Ok(snapshot(&self.data(), seen))
    }

    fn begin(&mut self, seen: u64) -> Result<Snapshot, StoreError> {
        let mut data = self.data();
        while data.locked {
            data = self
                .shared
                .1
                .wait(data)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        data.locked = true;
        let snapshot = snapshot(&data, seen);
        drop(data);
        self.holding = true;
        Ok(snapshot)
    }

    fn commit(&mut self, changes: &[Change]) -> Result<u64, StoreError> {
        if !self.holding {
            return Err(StoreError::new("commit without begin"));
        }
        let version = {
            let mut data = self.data();
            data.version += 1;
            let version = data.version;
            for change in changes {
                match change {
                    Change::Put(record) => {
                        if let Some(was) = data.removed.remove(&record.id) {
                            data.removed_by_version.remove(&(was, record.id));
                        }
                        if let Some((_, was)) =
                            data.jobs.insert(record.id, (record.bytes.clone(), version))
                        {
                            data.jobs_by_version.remove(&(was, record.id));
                        }
                        data.jobs_by_version.insert((version, record.id));
                    }
                    Change::Remove(id) => {
                        if let Some((_, was)) = data.jobs.remove(id) {
                            data.jobs_by_version.remove(&(was, *id));
                        }
                        if let Some(was) = data.removed.insert(*id, version) {
                            data.removed_by_version.remove(&(was, *id));
                        }
                        data.removed_by_version.insert((version, *id));
                    }
                    Change::Limits(limits) => data.limits = Some((*limits, version)),
                }
            }
            version
        };
        self.abort();
        Ok(version)
    }

    fn abort(&mut self) {
        if std::mem::take(&mut self.holding) {
            self.data().locked = false;
            self.shared.1.notify_all();
        }
    }

    fn location(&self) -> String {
        "memory:".into()
    }

    fn secrets(&self) -> Option<Arc<dyn crate::Secrets>> {
        Some(self.secrets.clone())
    }

    fn cancels(&self) -> Option<Arc<dyn crate::Cancels>> {
        Some(self.cancels.clone())
    }

    /// Every job in memory is the process's user's (issue 23).
    fn owners(&self) -> Option<Arc<dyn crate::Owners>> {
        Some(Arc::new(crate::LocalOwners::process()))
    }
}

impl Drop for MemoryStore {
    fn drop(&mut self) {
        self.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bits_queue_host::JobRecord;

    fn put(id: u8, byte: u8) -> Change {
        Change::Put(JobRecord {
            id: Guid::from_bytes([id; 16]),
            bytes: vec![byte],
        })
    }

    fn commit(store: &mut MemoryStore, changes: &[Change]) -> u64 {
        store.begin(0).unwrap();
        store.commit(changes).unwrap()
    }

    /// A snapshot since `v` holds each job written after `v` once, with its
    /// latest record, in the order the versions wrote them; removals after
    /// `v` follow (none in a first load).
    #[test]
    fn a_snapshot_holds_what_came_after_its_version_once_each() {
        let mut store = MemoryStore::new();
        let first = commit(&mut store, &[put(3, 0), put(1, 0), put(2, 0)]);
        commit(&mut store, &[put(2, 1)]);
        commit(
            &mut store,
            &[put(3, 2), Change::Remove(Guid::from_bytes([1; 16]))],
        );

        let since_first = store.since(first).unwrap();
        assert_eq!(since_first.version, 3);
        assert_eq!(
            since_first.changes,
            [
                put(2, 1),
                put(3, 2),
                Change::Remove(Guid::from_bytes([1; 16]))
            ]
        );
        // A first load: every job once, by the version that last wrote it.
        assert_eq!(store.load().unwrap().changes, [put(2, 1), put(3, 2)]);
        assert!(store.since(3).unwrap().changes.is_empty());

        // A job put again after its removal is a put, no longer a removal.
        commit(&mut store, &[put(1, 4)]);
        assert_eq!(
            store.since(first).unwrap().changes,
            [put(2, 1), put(3, 2), put(1, 4)]
        );
    }
}
