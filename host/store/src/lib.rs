//! Where a bits-queue queue is kept (contract §11).
//!
//! - [`Store`]: the seam — load everything, what others committed since a
//!   version, and one locked transaction per changing call;
//! - [`MemoryStore`] (`memory:`) and [`SqliteStore`] (a file: WAL,
//!   `synchronous=FULL`, shared by several processes);
//! - [`PostgresStore`] (`postgres://…`): one queue many hosts share, with
//!   leases ([`Leases`]) so a file is transferred by one host at a time;
//! - [`PersistentQueue`]: a queue whose every changing call is stored with
//!   its changes, and that applies what other hosts committed first;
//! - [`open_location`]: a store from a `--queue` location.

mod location;
mod memory;
mod persistent;
mod postgresql;
mod sqlite;
mod store;

pub use location::{default_location, is_shared_location, open_location, open_location_with};
pub use memory::MemoryStore;
pub use persistent::{
    FileActions, LeaseChange, PersistError, PersistentQueue, ReportKind, in_flight, report_lost,
};
pub use postgresql::{PostgresOptions, PostgresStore};
pub use sqlite::SqliteStore;
pub use store::{Leases, Snapshot, Store, StoreError, Watch};
