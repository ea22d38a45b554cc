//! Where a location string points: a file path (SQLite), `memory:`
//! (nothing kept), or `postgres://…` (a database many hosts share). Which
//! location to use when none is given is the application's choice (bitsq
//! has its default and its `BITSQ_QUEUE`); this crate only opens one.

use crate::error::StoreError;
use crate::memory::MemoryStore;
use crate::postgres_location::{PostgresOptions, is_shared_location};
use crate::store::Store;

/// The store a location names. The file of a path is created on first
/// use (its directory must exist).
pub fn open_location(location: &str) -> Result<Box<dyn Store>, StoreError> {
    open_location_with(location, PostgresOptions::default())
}

/// [`open_location`], with this host's name and lease duration for a
/// PostgreSQL queue. A location whose backend this build leaves out (the
/// `sqlite` and `postgres` features) is refused, naming the feature.
pub fn open_location_with(
    location: &str,
    postgres: PostgresOptions,
) -> Result<Box<dyn Store>, StoreError> {
    if location == "memory:" {
        return Ok(Box::new(MemoryStore::new()));
    }
    if is_shared_location(location) {
        return open_postgres(location, postgres);
    }
    if location.is_empty() {
        return Err(StoreError::new("the queue location is empty"));
    }
    open_sqlite(location)
}

/// [`open_location_with`] for a caller that only reads (issue 21 case 11):
/// a queue file that cannot be opened for writing (the file, or its
/// directory, is not writable; a read-only file system) is opened read-only
/// instead, and the second value says so, in words, with why. Any other
/// location opens as [`open_location_with`] opens it.
pub fn open_location_reading(
    location: &str,
    postgres: PostgresOptions,
) -> Result<(Box<dyn Store>, Option<String>), StoreError> {
    let writing = open_location_with(location, postgres);
    #[cfg(feature = "sqlite")]
    if let Err(e) = &writing
        && location != "memory:"
        && !is_shared_location(location)
        && std::path::Path::new(location).is_file()
    {
        let store = crate::SqliteStore::open_read_only(location).map_err(|_| e.clone())?;
        let note = format!("{location} cannot be written ({e}); it was opened read-only");
        return Ok((Box::new(store), Some(note)));
    }
    writing.map(|store| (store, None))
}

/// Sets up or migrates the queue at `location` as an explicit step, and
/// says what it did. A PostgreSQL queue is migrated here
/// ([`PostgresStore::migrate`](crate::PostgresStore::migrate)), so that
/// every other connection only checks its schema; a SQLite file is set up
/// by whoever opens it (one user owns it), and `memory:` has nothing to
/// set up.
pub fn migrate_location(location: &str) -> Result<String, StoreError> {
    if is_shared_location(location) {
        return migrate_postgres(location);
    }
    open_location(location)?;
    Ok(format!(
        "{location}: nothing to migrate (a local queue is set up when it is opened)"
    ))
}

#[cfg(feature = "postgres")]
fn migrate_postgres(url: &str) -> Result<String, StoreError> {
    let migrated = crate::PostgresStore::migrate(url)?;
    let location = crate::postgres_location::redact(url);
    Ok(if migrated.from == migrated.to {
        format!(
            "{location}: queue schema {} is current; nothing changed",
            migrated.to
        )
    } else {
        format!(
            "{location}: queue schema {} migrated to {}",
            migrated.from, migrated.to
        )
    })
}

#[cfg(not(feature = "postgres"))]
fn migrate_postgres(url: &str) -> Result<String, StoreError> {
    Err(left_out(&crate::postgres_location::redact(url), &POSTGRES))
}

#[cfg(feature = "postgres")]
fn open_postgres(url: &str, options: PostgresOptions) -> Result<Box<dyn Store>, StoreError> {
    Ok(Box::new(crate::PostgresStore::open_with(url, options)?))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(url: &str, _: PostgresOptions) -> Result<Box<dyn Store>, StoreError> {
    Err(left_out(&crate::postgres_location::redact(url), &POSTGRES))
}

#[cfg(feature = "sqlite")]
fn open_sqlite(path: &str) -> Result<Box<dyn Store>, StoreError> {
    Ok(Box::new(crate::SqliteStore::open(path)?))
}

#[cfg(not(feature = "sqlite"))]
fn open_sqlite(path: &str) -> Result<Box<dyn Store>, StoreError> {
    Err(left_out(path, &SQLITE))
}

/// A storage backend that a cargo feature of this crate builds.
struct Backend {
    /// Its name, for people.
    name: &'static str,
    /// The feature that builds it.
    feature: &'static str,
}

#[cfg_attr(feature = "sqlite", allow(dead_code))]
const SQLITE: Backend = Backend {
    name: "SQLite",
    feature: "sqlite",
};

#[cfg_attr(feature = "postgres", allow(dead_code))]
const POSTGRES: Backend = Backend {
    name: "PostgreSQL",
    feature: "postgres",
};

/// The refusal of a location whose backend this build left out.
/// `location` is shown as given: a PostgreSQL URL must come redacted.
#[cfg_attr(all(feature = "sqlite", feature = "postgres"), allow(dead_code))]
fn left_out(location: &str, backend: &Backend) -> StoreError {
    StoreError::new(format!(
        "{location} is a {name} queue, and this build of bits-queue-store has no {name} \
         support: build it with its `{feature}` feature",
        name = backend.name,
        feature = backend.feature,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres_location::redact;

    #[test]
    fn a_left_out_backend_is_named_with_its_feature() {
        let refused = left_out(&redact("postgres://ann:secret@db/q"), &POSTGRES).to_string();
        assert!(
            refused.starts_with("postgres://ann@db/q is a PostgreSQL queue"),
            "{refused}"
        );
        assert!(refused.contains("`postgres` feature"), "{refused}");
        assert!(!refused.contains("secret"), "{refused}");
        let refused = left_out("/var/q.sqlite3", &SQLITE).to_string();
        assert!(refused.contains("SQLite") && refused.contains("`sqlite` feature"));
    }

    /// In a build without a backend (`--no-default-features`), its
    /// locations are refused; `memory:` always opens.
    #[test]
    fn each_location_opens_only_with_its_backend_built() {
        assert!(open_location("memory:").is_ok());
        let dir = std::env::temp_dir().join(format!("bits-queue-location-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("q.sqlite3");
        let sqlite = open_location(file.to_str().unwrap());
        assert_eq!(sqlite.is_ok(), cfg!(feature = "sqlite"));
        if let Err(e) = sqlite {
            assert!(e.to_string().contains("`sqlite` feature"), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
        // Port 1 on 127.0.0.1: nothing listens, so a built backend fails
        // to connect; a left-out one refuses before trying.
        let postgres = open_location("postgres://ann:secret@127.0.0.1:1/q");
        let e = postgres.err().expect("no server on port 1");
        assert_eq!(
            e.to_string().contains("`postgres` feature"),
            !cfg!(feature = "postgres")
        );
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
