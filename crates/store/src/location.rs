//! Where `--queue LOCATION` (or `BITSQ_QUEUE`) points: a file path
//! (SQLite), `memory:` (nothing kept), and, later, `postgres://…`.

use std::path::PathBuf;

use crate::memory::MemoryStore;
use crate::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// The store a location names. The file of a path is created on first
/// use; for the default location its directory is created too.
pub fn open_location(location: &str) -> Result<Box<dyn Store>, StoreError> {
    if location == "memory:" {
        return Ok(Box::new(MemoryStore::new()));
    }
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        return Err(StoreError::new(
            "PostgreSQL queues are not supported by this build yet; use a file path or memory:",
        ));
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
