//! Where a bits-queue queue is kept (contract §11).
//!
//! - [`Store`]: the seam — load everything, what others committed since a
//!   version, and one locked transaction per changing call;
//! - [`MemoryStore`] (`memory:`), always built;
//! - `SqliteStore` (a file: WAL, `synchronous=FULL`, shared by several
//!   processes), with the `sqlite` feature;
//! - `PostgresStore` (`postgres://…`): one queue many hosts share, with
//!   leases ([`Leases`]) so a file is transferred by one host at a time,
//!   with the `postgres` feature;
//! - [`PersistentQueue`]: a queue whose every changing call is stored with
//!   its changes, and that applies what other hosts committed first;
//! - [`open_location`]: a store from a location string; [`migrate_location`]:
//!   its tables created or migrated, as an explicit step;
//! - [`Owners`]: who owns each job and who calls (issue 23);
//! - [`StoreError`] and [`PersistError`]: what failed, each with the error
//!   it came from as its [`source`](std::error::Error::source).
//!
//! Both backends are default features. An embedder that keeps its queue
//! in memory (or in a store of its own) turns them off with
//! `default-features = false` and builds neither `rusqlite` nor `postgres`.

mod cancels;
mod decline;
mod error;
mod location;
mod memory;
mod notify_runs;
#[cfg(feature = "sqlite")]
mod owner_only;
mod owners;
mod persistent;
mod postgres_location;
#[cfg(feature = "postgres")]
mod postgresql;
mod queue_name;
mod secrets;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;

pub use cancels::{Cancels, FileCancels, MemoryCancels};
pub use decline::TakeFilter;
pub use error::{PersistError, StoreError};
pub use location::{migrate_location, open_location, open_location_reading, open_location_with};
pub use memory::MemoryStore;
pub use notify_runs::{RUN_INDEX, is_run_lease, run_lease};
pub use owners::{Caller, JobOwner, LocalOwners, Owners};
pub use persistent::{
    CheckedFileActions, FileActions, LeaseChange, PersistentQueue, ReportKind, in_flight,
    report_lost,
};
pub use postgres_location::{PostgresOptions, is_shared_location, redact};
#[cfg(feature = "postgres")]
pub use postgresql::{ADMIN_ROLE, Migrated, PostgresDatabase, PostgresOwners, PostgresStore};
pub use queue_name::{DEFAULT_QUEUE, MAX_QUEUE_NAME, queue_name_problem, split_queue, with_queue};
pub use secrets::{FileSecrets, MemorySecrets, Secrets, slot_name};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::{Leases, Snapshot, Store, Watch};
