//! Where the queue reads the time (contract §9): the component hands it the
//! host's `wasi:clocks/wall-clock`; native tests hand it a clock they set,
//! so no test waits for a retry delay to pass.

use alloc::rc::Rc;
use core::cell::Cell;

use bits_queue_contract::Datetime;

/// The current time, each time it is asked.
pub trait Clock {
    /// Now.
    fn now(&mut self) -> Datetime;
}

/// Any `FnMut() -> Datetime` is a clock.
impl<F: FnMut() -> Datetime> Clock for F {
    fn now(&mut self) -> Datetime {
        self()
    }
}

/// A clock that says what it was last set to, shared by its clones: a test
/// keeps one clone and moves time with [`ManualClock::advance`] while the
/// queue reads another.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Rc<Cell<Datetime>>);

impl ManualClock {
    /// A clock standing at `now`.
    pub fn at(now: Datetime) -> ManualClock {
        ManualClock(Rc::new(Cell::new(now)))
    }

    /// Sets the time.
    pub fn set(&self, now: Datetime) {
        self.0.set(now);
    }

    /// Moves the time on by `seconds`.
    pub fn advance(&self, seconds: u64) {
        self.0.set(self.0.get().plus_seconds(seconds));
    }

    /// The time it stands at.
    pub fn get(&self) -> Datetime {
        self.0.get()
    }
}

impl Clock for ManualClock {
    fn now(&mut self) -> Datetime {
        self.0.get()
    }
}
