//! [`MemoryStore`]: a store in this process's memory. Nothing outlives
//! the process; clones share one store, so several queues in a process
//! can share it as hosts share a file.

use std::collections::BTreeMap;
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
}

impl Clone for MemoryStore {
    fn clone(&self) -> Self {
        MemoryStore {
            shared: self.shared.clone(),
            holding: false,
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

fn snapshot(data: &Data, seen: u64) -> Snapshot {
    let mut puts: Vec<(u64, Change)> = data
        .jobs
        .iter()
        .filter(|(_, (_, version))| *version > seen)
        .map(|(id, (bytes, version))| {
            (
                *version,
                Change::Put(bits_queue_host::JobRecord {
                    id: *id,
                    bytes: bytes.clone(),
                }),
            )
        })
        .collect();
    puts.sort_by_key(|(version, _)| *version);
    let mut changes: Vec<Change> = puts.into_iter().map(|(_, c)| c).collect();
    if seen > 0 {
        changes.extend(
            data.removed
                .iter()
                .filter(|(_, version)| **version > seen)
                .map(|(id, _)| Change::Remove(*id)),
        );
    }
    if let Some((limits, version)) = data.limits
        && version > seen
    {
        changes.push(Change::Limits(limits));
    }
    Snapshot {
        version: data.version,
        changes,
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
                        data.removed.remove(&record.id);
                        data.jobs.insert(record.id, (record.bytes.clone(), version));
                    }
                    Change::Remove(id) => {
                        data.jobs.remove(id);
                        data.removed.insert(*id, version);
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
}

impl Drop for MemoryStore {
    fn drop(&mut self) {
        self.abort();
    }
}
