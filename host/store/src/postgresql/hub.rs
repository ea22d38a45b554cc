//! [`Hub`]: one `LISTEN` connection for the many queues one host serves
//! (`bitsq service --all-queues`), calling each queue's wakes for the
//! notifications of its channel. A channel registered while the hub runs
//! is listened to within a tick; a lost connection is made again (once a
//! second at most), every channel listened to again, and every wake
//! called, since notifications may have been missed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;
use crate::store::Watch;

/// How often the hub's thread looks for new channels and whether to end.
const TICK: Duration = Duration::from_millis(200);

type Wake = Box<dyn Fn() + Send>;

/// What the hub's thread and its users share.
struct Shared {
    /// Each channel's wakes, by registration number.
    wakes: Mutex<HashMap<String, Vec<(u64, Wake)>>>,
    /// Channels registered since the thread last listened.
    added: Mutex<Vec<String>>,
    next: AtomicU64,
    stop: AtomicBool,
}

/// The listening thread of one host's queues; it ends when the hub goes.
pub(crate) struct Hub {
    config: postgres::Config,
    tls: MakeRustlsConnect,
    location: String,
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Hub {
    pub(crate) fn new(config: postgres::Config, tls: MakeRustlsConnect, location: String) -> Self {
        Hub {
            config,
            tls,
            location,
            shared: Arc::new(Shared {
                wakes: Mutex::new(HashMap::new()),
                added: Mutex::new(Vec::new()),
                next: AtomicU64::new(0),
                stop: AtomicBool::new(false),
            }),
            thread: Mutex::new(None),
        }
    }

    /// Calls `wake` for each notification on `channel` until the returned
    /// watch is dropped. The hub's first registration connects (so a hub
    /// that cannot listen says so to its caller) and starts its thread.
    pub(crate) fn register(&self, channel: &str, wake: Wake) -> Result<Watch, StoreError> {
        let number = self.shared.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.shared.wakes)
            .entry(channel.to_string())
            .or_default()
            .push((number, wake));
        lock(&self.shared.added).push(channel.to_string());
        let mut thread = lock(&self.thread);
        if thread.is_none() {
            let client = self.config.connect(self.tls.clone()).map_err(|e| {
                super::connect_failed(
                    format!("cannot watch {}: {}", self.location, super::detail(&e)),
                    e,
                )
            })?;
            let (config, tls, shared) =
                (self.config.clone(), self.tls.clone(), self.shared.clone());
            let spawned = std::thread::Builder::new()
                .name("bits-queue-hub".into())
                .spawn(move || run(client, &config, &tls, &shared))
                .map_err(|e| {
                    StoreError::new(format!("cannot start watching {}: {e}", self.location))
                        .caused_by(e)
                })?;
            *thread = Some(spawned);
        }
        let (shared, channel) = (self.shared.clone(), channel.to_string());
        Ok(Watch::new(move || {
            if let Some(wakes) = lock(&shared.wakes).get_mut(&channel) {
                wakes.retain(|(n, _)| *n != number);
            }
        }))
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = lock(&self.thread).take() {
            let _ = thread.join();
        }
    }
}

/// The hub's thread: listens to each channel registered, and passes each
/// notification to its channel's wakes, until the hub goes.
fn run(
    mut client: postgres::Client,
    config: &postgres::Config,
    tls: &MakeRustlsConnect,
    shared: &Shared,
) {
    while !shared.stop.load(Ordering::Acquire) {
        let added = std::mem::take(&mut *lock(&shared.added));
        let listened = added
            .iter()
            .try_for_each(|channel| client.batch_execute(&listen(channel)));
        let next = match listened {
            Ok(()) => client.notifications().timeout_iter(TICK).next(),
            Err(e) => Err(e),
        };
        match next {
            // A quiet commit wakes no one (`super::wakes`).
            Ok(Some(notification)) if !super::wakes(notification.payload()) => {}
            Ok(Some(notification)) => {
                if let Some(wakes) = lock(&shared.wakes).get(notification.channel()) {
                    wakes.iter().for_each(|(_, wake)| wake());
                }
            }
            Ok(None) if !client.is_closed() => {}
            Ok(None) | Err(_) => loop {
                if shared.stop.load(Ordering::Acquire) {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
                let Ok(mut again) = config.connect(tls.clone()) else {
                    continue;
                };
                let wakes = lock(&shared.wakes);
                let all = wakes
                    .keys()
                    .try_for_each(|channel| again.batch_execute(&listen(channel)));
                if all.is_ok() {
                    wakes.values().flatten().for_each(|(_, wake)| wake());
                    drop(wakes);
                    client = again;
                    break;
                }
            },
        }
    }
}

/// `LISTEN` to `channel` (a queue's name is checked to be safe in a quoted
/// identifier: `crate::queue_name`).
fn listen(channel: &str) -> String {
    format!("LISTEN \"{channel}\"")
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
