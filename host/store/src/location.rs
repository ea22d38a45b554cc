//! Where `--queue LOCATION` (or `BITSQ_QUEUE`) points: a file path
//! (SQLite), `memory:` (nothing kept), or `postgres://…` (a database many
//! hosts share).

use std::path::PathBuf;

use crate::memory::MemoryStore;
use crate::postgresql::{PostgresOptions, PostgresStore};
use crate::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// The store a location names. The file of a path is created on first
/// use; for the default location its directory is created too.
pub fn open_location(location: &str) -> Result<Box<dyn Store>, StoreError> {
    open_location_with(location, PostgresOptions::default())
}

/// [`open_location`], with this host's name and lease duration for a
/// PostgreSQL queue.
pub fn open_location_with(
    location: &str,
    postgres: PostgresOptions,
) -> Result<Box<dyn Store>, StoreError> {
    if location == "memory:" {
        return Ok(Box::new(MemoryStore::new()));
    }
    if is_shared_location(location) {
        return Ok(Box::new(PostgresStore::open_with(location, postgres)?));
    }
    if location.is_empty() {
        return Err(StoreError::new("the queue location is empty"));
    }
    let path = PathBuf::from(location);
    if Some(&path) == default_location().as_ref()
        && let Some(dir) = path.parent()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::new(format!("cannot create {}: {e}", dir.display())))?;
    }
    Ok(Box::new(SqliteStore::open(&path)?))
}

/// Whether `location` names a queue that many hosts share (PostgreSQL),
/// whose services coordinate through leases rather than a lock file.
pub fn is_shared_location(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// The default queue: `$XDG_DATA_HOME/bitsq/queue.sqlite3`, else
/// `~/.local/share/bitsq/queue.sqlite3`; `None` without either variable.
pub fn default_location() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".local/share"))
        })?;
    Some(data.join("bitsq").join("queue.sqlite3"))
}
