//! Where a queue's component reads the time (`wasi:clocks/wall-clock`):
//! the system's clock by default, or one a test sets, as the random stream
//! is OS entropy or a seeded one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bits_queue_contract::Datetime;

/// A wall clock the host hands a component. `Send + Sync`: one clock may
/// serve queues on several threads.
pub trait Clock: Send + Sync + 'static {
    /// Now, as seconds and nanoseconds since the Unix epoch.
    fn now(&self) -> Datetime;
}

/// The system's wall clock (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Datetime {
        // A clock set before 1970 reads as the epoch.
        from_duration(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
        )
    }
}

/// A clock that stands where it is set, shared by its clones: a test keeps
/// one and moves time on while the queue reads another, so no test sleeps
/// through a retry delay.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<Mutex<Datetime>>);

impl ManualClock {
    /// A clock standing at `now`.
    pub fn at(now: Datetime) -> Self {
        ManualClock(Arc::new(Mutex::new(now)))
    }

    /// Sets the time.
    pub fn set(&self, now: Datetime) {
        *self.lock() = now;
    }

    /// Moves the time on by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now = from_duration(to_duration(*now).saturating_add(by));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Datetime> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Datetime {
        *self.lock()
    }
}

/// A duration since the epoch as a `Datetime`.
pub(crate) fn from_duration(since_epoch: Duration) -> Datetime {
    Datetime {
        seconds: since_epoch.as_secs(),
        nanoseconds: since_epoch.subsec_nanos(),
    }
}

/// A `Datetime` as a duration since the epoch.
pub(crate) fn to_duration(at: Datetime) -> Duration {
    Duration::new(at.seconds, at.nanoseconds.min(999_999_999))
}

/// A shared clock as wasmtime-wasi's wall clock, for full WASI.
pub(crate) struct WasiWallClock(pub(crate) Arc<dyn Clock>);

impl wasmtime_wasi::HostWallClock for WasiWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        to_duration(self.0.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clocks_share_their_time_and_move_on() {
        let clock = ManualClock::at(Datetime::from_seconds(100));
        let seen_by_queue = clock.clone();
        clock.advance(Duration::from_millis(1_500));
        assert_eq!(
            seen_by_queue.now(),
            Datetime {
                seconds: 101,
                nanoseconds: 500_000_000
            }
        );
        clock.set(Datetime::from_seconds(7));
        assert_eq!(seen_by_queue.now(), Datetime::from_seconds(7));
    }

    #[test]
    fn the_system_clock_is_after_2020() {
        assert!(SystemClock.now().seconds > 1_577_836_800);
    }
}
