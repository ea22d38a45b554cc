//! What a PostgreSQL location is, apart from the store that opens it (and
//! so also in a build without the `postgres` feature, which must still
//! recognise such a location to refuse it): [`is_shared_location`], the
//! [`PostgresOptions`] a host opens it with, and [`redact`], its URL
//! without the password, which is all a message may show of it.

use std::time::Duration;

/// Whether `location` names a queue that many hosts share (PostgreSQL),
/// whose services coordinate through leases rather than a lock file.
pub fn is_shared_location(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// How a `PostgresStore` takes part in a shared queue.
#[derive(Clone, Debug)]
pub struct PostgresOptions {
    /// How long a transfer's lease lasts without renewal: when a host dies,
    /// another resumes its transfers this long after its last word.
    pub lease: Duration,
    /// This host's name in leases: unique among the hosts sharing the
    /// queue (by default the machine's name, the process id and the time).
    pub host: String,
    /// How this host names itself to the server (`application_name`, as
    /// `pg_stat_activity` shows it) when the URL does not say:
    /// `bits-queue` by default; `bitsq` names itself `bitsq`.
    pub application_name: String,
    /// How many of the queue's latest versions keep their tombstones (the
    /// removals a host that knew a job reads to learn it left): each
    /// commit prunes older ones, so the table stays bounded. A host that
    /// fell further behind than this (a shell left open for days) reads
    /// the whole queue again instead, and misses nothing.
    pub tombstone_versions: u64,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            lease: Duration::from_secs(30),
            host: default_host(),
            application_name: "bits-queue".into(),
            tombstone_versions: 10_000,
        }
    }
}

/// This machine's name, this process and the time it asked: no two live
/// processes share it.
fn default_host() -> String {
    let machine = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .unwrap_or_default();
    let machine = if machine.is_empty() {
        "host".to_string()
    } else {
        machine
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{machine}/{}/{:x}", std::process::id(), nanos as u64)
}

/// A queue location as it may be shown: a URL without its password,
/// whether in the user part (`user:password@`) or in the query
/// (`?password=`); anything else as it is.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(name, _)| name);
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| {
                    let key = pair.split_once('=').map_or(*pair, |(key, _)| key);
                    !key.eq_ignore_ascii_case("password")
                })
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            redact("postgres://ann:secret@db.example:5432/queue"),
            "postgres://ann@db.example:5432/queue"
        );
        assert_eq!(
            redact("postgres://ann@127.0.0.1/q"),
            "postgres://ann@127.0.0.1/q"
        );
        assert_eq!(
            redact("postgres://127.0.0.1/q?user=ann&password=secret&sslmode=disable"),
            "postgres://127.0.0.1/q?user=ann&sslmode=disable"
        );
        assert_eq!(
            redact("postgres://ann:pw@127.0.0.1?PASSWORD=secret"),
            "postgres://ann@127.0.0.1"
        );
        assert_eq!(redact("/var/lib/queue.sqlite3"), "/var/lib/queue.sqlite3");
        assert_eq!(
            redact("postgresql://127.0.0.1/q"),
            "postgresql://127.0.0.1/q"
        );
    }
}
