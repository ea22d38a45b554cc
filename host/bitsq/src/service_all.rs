//! `bitsq service --all-queues`: one service for every queue of a
//! PostgreSQL database (issue 23: throughput grows with queues, so a fleet
//! of hosts serves them all). Each queue gets a transfer service of its
//! own, exactly as `bitsq service` on that queue would run it (its own
//! instance, leases and wakes); the queues share this host's few
//! connections to the server. A queue made later (its first commit tells
//! the `bitsq_queues` channel) is served within a moment; the list is
//! also read again every few seconds, in case a notification was missed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bits_queue_service::{ServiceConfig, TransferService};
use bits_queue_store::{PersistentQueue, PostgresDatabase, PostgresOptions, Store};

use crate::interrupt::Caught;
use crate::output::{say, tell};
use crate::service_cmd::{Outage, wait};

/// How often the queues are listed again without a notification.
const RESCAN: Duration = Duration::from_secs(5);

/// Opens a queue kept in a store, as `bitsq` opens its own.
pub type Open<'a> = dyn Fn(Box<dyn Store>) -> Result<Arc<PersistentQueue>, String> + 'a;

/// Serves every queue of the database at `location` until a stop signal;
/// its failure, if one ends it.
pub fn run(
    location: &str,
    options: PostgresOptions,
    open: &Open<'_>,
    config: ServiceConfig,
    stop: &Caught,
) -> Result<(), String> {
    if !bits_queue_store::is_shared_location(location) {
        return Err(format!(
            "--all-queues serves the queues of a PostgreSQL database; {location} is not one"
        ));
    }
    let Some(mut database) = connect(location, &options, stop)? else {
        return Ok(());
    };
    let rescan = Arc::new(AtomicBool::new(true));
    let told = rescan.clone();
    let _watch = database
        .watch_queues(Box::new(move || told.store(true, Ordering::Release)))
        .map_err(|e| e.to_string())?;
    say!(
        "bitsq service: transferring the jobs of every queue of {} (stop with Ctrl-C or SIGTERM)",
        database.location()
    );
    let mut services: BTreeMap<String, TransferService<Arc<PersistentQueue>>> = BTreeMap::new();
    // Queues that could not be opened, with why (said once each).
    let mut failing: BTreeMap<String, String> = BTreeMap::new();
    let mut scanned = Instant::now();
    let mut outage = Outage::default();
    while !stop.fired() {
        if rescan.swap(false, Ordering::AcqRel) || scanned.elapsed() >= RESCAN {
            scanned = Instant::now();
            match database.queues() {
                Ok(names) => {
                    for name in names {
                        if services.contains_key(&name) {
                            continue;
                        }
                        match serve(&database, &name, open, &config) {
                            Ok(service) => {
                                failing.remove(&name);
                                services.insert(name, service);
                            }
                            Err(why) => {
                                if failing.get(&name) != Some(&why) {
                                    tell!("bitsq service: queue {name}: {why}; trying again");
                                }
                                failing.insert(name, why);
                            }
                        }
                    }
                    outage.watch(None);
                }
                Err(e) => outage.watch(Some(e)),
            }
        }
        std::thread::sleep(Duration::from_millis(100));
        for (name, service) in &services {
            service.check().map_err(|e| format!("queue {name}: {e}"))?;
            if let Some(trouble) = service.store_trouble() {
                outage.watch(Some(trouble));
            }
            for why in service.take_notify_failures() {
                tell!("bitsq service: queue {name}: {why}");
            }
        }
    }
    let mut failed = None;
    for (name, service) in services {
        if let Err(e) = service.stop() {
            failed.get_or_insert(format!("queue {name}: {e}"));
        }
    }
    match failed {
        Some(why) => Err(why),
        None => {
            say!("bitsq service: stopped; progress stored");
            Ok(())
        }
    }
}

/// The database, once its server answers (waited for with backoff, as a
/// single queue's service waits); `None` when a stop signal came first.
fn connect(
    location: &str,
    options: &PostgresOptions,
    stop: &Caught,
) -> Result<Option<PostgresDatabase>, String> {
    let mut failed = 0u32;
    loop {
        match PostgresDatabase::open(location, options.clone()) {
            Ok(database) => return Ok(Some(database)),
            Err(e) if e.is_disconnected() => {
                if failed == 0 {
                    tell!("bitsq service: {e}; waiting for it (trying again with backoff)");
                }
                failed = failed.saturating_add(1);
                if !wait(bits_queue_service::store_backoff(failed), stop) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Queue `name`'s own transfer service.
fn serve(
    database: &PostgresDatabase,
    name: &str,
    open: &Open<'_>,
    config: &ServiceConfig,
) -> Result<TransferService<Arc<PersistentQueue>>, String> {
    let store = database.open_queue(name).map_err(|e| e.to_string())?;
    let backend = open(Box::new(store))?;
    TransferService::start(backend, config.clone()).map_err(|e| e.to_string())
}
