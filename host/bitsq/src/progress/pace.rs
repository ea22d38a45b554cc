//! When a plain progress line is due (no bar: a pipe, a file, a dumb
//! terminal): at each change of state, and otherwise when another tenth
//! of the job has arrived or [`EVERY`] has passed since the last line.
//! A long transfer writes a line every few seconds, never a flood.

use std::time::{Duration, Instant};

use bits_queue_host::JobState;

/// The longest wait between two lines while the job goes on.
pub const EVERY: Duration = Duration::from_secs(5);

/// What the last line showed.
#[derive(Default)]
pub struct Pace {
    last: Option<Shown>,
}

struct Shown {
    at: Instant,
    state: JobState,
    /// The tenth of the job reached (none when the size is unknown).
    tenth: Option<u64>,
}

impl Pace {
    /// Whether a line showing `state` with `done` of `total` bytes is due
    /// at `now`; when it is, it counts as shown.
    pub fn due(&mut self, now: Instant, state: JobState, done: u64, total: Option<u64>) -> bool {
        let tenth = total.map(|total| done.saturating_mul(10) / total.max(1));
        let due = match &self.last {
            None => true,
            Some(last) => {
                last.state != state
                    || tenth.is_some_and(|t| last.tenth.is_none_or(|l| t > l))
                    || now.duration_since(last.at) >= EVERY
            }
        };
        if due {
            self.last = Some(Shown {
                at: now,
                state,
                tenth,
            });
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::{EVERY, Pace};
    use bits_queue_host::JobState::{Transferred, Transferring};
    use std::time::{Duration, Instant};

    #[test]
    fn a_line_per_tenth_per_state_change_or_per_few_seconds() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut pace = Pace::default();
        assert!(pace.due(at(0), Transferring, 0, Some(1000)));
        // Ticks a fifth of a second apart with little progress: quiet.
        for tick in 1..20 {
            assert!(
                !pace.due(at(tick * 200), Transferring, tick, Some(1000)),
                "{tick}"
            );
        }
        // Another tenth arrived.
        assert!(pace.due(at(4000), Transferring, 100, Some(1000)));
        assert!(!pace.due(at(4200), Transferring, 150, Some(1000)));
        // A stall still says so now and then.
        let later = at(4000) + EVERY;
        assert!(pace.due(later, Transferring, 150, Some(1000)));
        assert!(!pace.due(later, Transferring, 150, Some(1000)));
        // A new state at once.
        assert!(pace.due(later, Transferred, 1000, Some(1000)));
    }

    #[test]
    fn an_unknown_size_gets_a_line_every_few_seconds() {
        let start = Instant::now();
        let mut pace = Pace::default();
        assert!(pace.due(start, Transferring, 0, None));
        assert!(!pace.due(start + EVERY / 2, Transferring, 1 << 30, None));
        assert!(pace.due(start + EVERY, Transferring, 2 << 30, None));
    }
}
