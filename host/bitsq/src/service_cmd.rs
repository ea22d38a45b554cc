//! `bitsq service`: runs the transfers of the stored queue until SIGINT or
//! SIGTERM. Jobs resumed by other invocations start within a second; on a
//! signal the transfers stop, their progress is stored, and bitsq exits 0.
//!
//! One service runs a queue file at a time: it holds an exclusive lock on
//! `<queue file>.service-lock` while it lives (the system drops it when
//! the process dies, however it dies). So a service that starts knows the
//! transfers the store shows in flight died with an earlier one, and
//! reports them lost: they are queued again with their progress.
//!
//! On a PostgreSQL queue many services run at once, on one machine or many:
//! each transfer is leased to the service that started it (`--lease`), and
//! a service that dies leaves its transfers to the others once its leases
//! run out.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bits_queue_service::{ServiceConfig, TransferService, store_backoff};
use bits_queue_store::PersistentQueue;

use crate::interrupt::Caught;
use crate::output::{say, tell};

/// The lock that makes this the queue's one service.
pub struct ServiceLock {
    _file: File,
}

/// Takes the service lock of the queue at `location` (a file), or says
/// that another service holds it. `memory:` needs none, and neither does a
/// PostgreSQL queue: its services share it, each transfer under a lease.
pub fn lock(location: &str) -> Result<Option<ServiceLock>, String> {
    if location == "memory:" || bits_queue_store::is_shared_location(location) {
        return Ok(None);
    }
    // One lock per queue file, whatever path names it: a symbolic link or
    // a relative path to the same file takes the same lock.
    let path = format!("{}.service-lock", canonical(location).display());
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(Path::new(&path))
        .map_err(|e| format!("cannot open {path}: {e}"))?;
    // SAFETY: flock on a file descriptor this process owns.
    let taken = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    if !taken {
        return Err(format!(
            "another bitsq service runs the queue {location} (it holds {path})"
        ));
    }
    Ok(Some(ServiceLock { _file: file }))
}

/// `location` with its directory and any symbolic link resolved; a file
/// not created yet is named inside its resolved directory.
fn canonical(location: &str) -> std::path::PathBuf {
    let path = Path::new(location);
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return resolved;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir).map_or_else(|_| path.to_path_buf(), |d| d.join(name))
        }
        _ => path.to_path_buf(),
    }
}

/// Runs the service until a stop signal; its failure, if one ends it.
/// While the store's server cannot be reached the service waits for it,
/// starting too.
pub fn run(
    backend: &Arc<PersistentQueue>,
    config: ServiceConfig,
    stop: &Caught,
) -> Result<(), String> {
    let mut failed = 0u32;
    let service = loop {
        match TransferService::start(backend.clone(), config.clone()) {
            Ok(service) => break service,
            Err(e) if e.is_disconnected() => {
                if failed == 0 {
                    tell!("bitsq service: {e}; waiting for it (trying again with backoff)");
                }
                failed = failed.saturating_add(1);
                if !wait(store_backoff(failed), stop) {
                    return Ok(());
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    say!(
        "bitsq service: transferring the jobs of {} (stop with Ctrl-C or SIGTERM)",
        backend.location()
    );
    let mut outage = Outage::default();
    while !stop.fired() {
        std::thread::sleep(Duration::from_millis(100));
        service.check().map_err(|e| e.to_string())?;
        outage.watch(service.store_trouble());
        // A notify program that failed is said, never fatal (contract
        // §16.1: the queue runs it again later).
        for why in service.take_notify_failures() {
            tell!("bitsq service: {why}");
        }
    }
    service.stop().map_err(|e| e.to_string())?;
    say!("bitsq service: stopped; progress stored");
    Ok(())
}

/// Waits `how_long`, or less when a stop signal comes: whether it waited
/// without one.
pub fn wait(how_long: Duration, stop: &Caught) -> bool {
    let until = std::time::Instant::now() + how_long;
    while !stop.fired() {
        let now = std::time::Instant::now();
        if now >= until {
            return true;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
    false
}

/// The store's outages, told once each: when the store first fails, and
/// when it has answered for a while again (a store that fails between
/// good turns is one outage, not one line per failed call).
#[derive(Default)]
pub struct Outage {
    /// Since when the store fails, or answers again within an outage.
    failing: Option<std::time::Instant>,
    answering_since: Option<std::time::Instant>,
}

impl Outage {
    /// How long the store must answer before the outage is over.
    const OVER: Duration = Duration::from_secs(5);

    pub fn watch(&mut self, trouble: Option<bits_queue_store::StoreError>) {
        let now = std::time::Instant::now();
        match (trouble, self.failing) {
            (Some(e), None) => {
                tell!(
                    "bitsq service: the queue's store failed: {e}; waiting for it (trying again with backoff)"
                );
                self.failing = Some(now);
                self.answering_since = None;
            }
            (Some(_), Some(_)) => self.answering_since = None,
            (None, Some(since)) => {
                let answering = *self.answering_since.get_or_insert(now);
                if now.duration_since(answering) >= Self::OVER {
                    tell!(
                        "bitsq service: the queue's store answers again (after {} s)",
                        answering.duration_since(since).as_secs()
                    );
                    self.failing = None;
                    self.answering_since = None;
                }
            }
            (None, None) => {}
        }
    }
}
