//! [`Pool`]: the connections that the stores of one host's many queues
//! share (`bitsq service --all-queues`). A store holds a connection only
//! for one call (one transaction) and gives it back after, so a host that
//! serves a hundred queues keeps a handful of connections open, not a
//! hundred (a server allows 100 by default, for every host together).

use std::sync::{Condvar, Mutex, MutexGuard};

use super::Connection;

/// Idle connections, and how many exist (idle or in use), at most `most`.
pub(crate) struct Pool {
    state: Mutex<State>,
    freed: Condvar,
    most: usize,
}

struct State {
    idle: Vec<Connection>,
    open: usize,
}

/// What [`Pool::take`] gives.
pub(crate) enum Taken {
    /// An idle connection.
    Idle(Box<Connection>),
    /// Room for one more: the caller connects, and tells [`Pool::lost`]
    /// if it cannot.
    Room,
}

impl Pool {
    /// A pool of at most `most` connections (at least 1).
    pub(crate) fn new(most: usize) -> Self {
        Pool {
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
            most: most.max(1),
        }
    }

    /// An idle connection, or room to make one; waits while every
    /// connection is in use and no more may be made.
    pub(crate) fn take(&self) -> Taken {
        let mut state = self.lock();
        loop {
            if let Some(connection) = state.idle.pop() {
                return Taken::Idle(Box::new(connection));
            }
            if state.open < self.most {
                state.open += 1;
                return Taken::Room;
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// A connection given back after a call.
    pub(crate) fn give(&self, connection: Connection) {
        self.lock().idle.push(connection);
        self.freed.notify_one();
    }

    /// A connection taken (or room made) that is gone: closed, or never
    /// made.
    pub(crate) fn lost(&self) {
        let mut state = self.lock();
        state.open = state.open.saturating_sub(1);
        drop(state);
        self.freed.notify_one();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
