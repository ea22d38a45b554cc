//! [`start`]: `LISTEN` to a queue's channel on a connection of its own, calling
//! `wake` for each commit any host makes (but a quiet one, `super::wakes`),
//! until the [`Watch`] is dropped.
//! A lost connection is made again (once a second at most); `wake` is
//! called after each reconnect too, since commits may have been missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;
use crate::store::Watch;

/// How often the watching thread looks whether it should end.
const TICK: Duration = Duration::from_millis(200);

pub fn start(
    config: postgres::Config,
    tls: MakeRustlsConnect,
    location: String,
    channel: String,
    wake: Box<dyn Fn() + Send>,
) -> Result<Watch, StoreError> {
    // The first connection is made here, so a watch that cannot start says
    // so to its caller.
    let mut client = listen(&config, &tls, &channel).map_err(|e| {
        super::connect_failed(format!("cannot watch {location}: {}", super::detail(&e)), e)
    })?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::Builder::new()
        // The LISTEN thread of a PostgreSQL store (at most 15 bytes:
        // Linux keeps no more of a thread's name).
        .name("bits-queue-pg".into())
        .spawn(move || {
            while !stopping.load(Ordering::Acquire) {
                // One notification, or none within a tick; the stop flag is
                // looked at after each, so a steady stream of commits can
                // neither hold back a wake nor the end of the watch.
                let next = client.notifications().timeout_iter(TICK).next();
                match next {
                    Ok(Some(told)) if super::wakes(told.payload()) => wake(),
                    Ok(Some(_)) => {}
                    Ok(None) if !client.is_closed() => {}
                    Ok(None) | Err(_) => loop {
                        if stopping.load(Ordering::Acquire) {
                            return;
                        }
                        std::thread::sleep(Duration::from_secs(1));
                        if let Ok(again) = listen(&config, &tls, &channel) {
                            client = again;
                            wake();
                            break;
                        }
                    },
                }
            }
        })
        .map_err(|e| {
            StoreError::new(format!("cannot start watching {location}: {e}")).caused_by(e)
        })?;
    Ok(Watch::new(move || {
        stop.store(true, Ordering::Release);
        let _ = thread.join();
    }))
}

/// A connection listening on `channel` (a queue's name is checked to be
/// safe in a quoted identifier: `crate::queue_name`).
fn listen(
    config: &postgres::Config,
    tls: &MakeRustlsConnect,
    channel: &str,
) -> Result<postgres::Client, postgres::Error> {
    let mut client = config.connect(tls.clone())?;
    client.batch_execute(&format!("LISTEN \"{channel}\""))?;
    Ok(client)
}
