//! Where a bits-queue queue is kept (contract §11).
//!
//! - [`Store`]: the seam — load everything, what others committed since a
//!   version, and one locked transaction per changing call;
//! - [`MemoryStore`] (`memory:`) and [`SqliteStore`] (a file: WAL,
//!   `synchronous=FULL`, shared by several processes);
//! - [`PersistentQueue`]: a queue whose every changing call is stored with
//!   its changes, and that applies what other hosts committed first;
//! - [`open_location`]: a store from a `--queue` location.

mod location;
mod memory;
mod persistent;
mod sqlite;
mod store;

pub use location::{default_location, open_location};
pub use memory::MemoryStore;
pub use persistent::{FileActions, PersistError, PersistentQueue};
pub use sqlite::SqliteStore;
pub use store::{Snapshot, Store, StoreError};
