//! Ctrl-C while `monitor` refreshes: it ends the view, not the shell (and
//! with it every job of an in-memory queue). The handler only sets a flag;
//! the previous handler comes back when the view ends.

use std::sync::atomic::{AtomicBool, Ordering};

static FIRED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_signal: libc::c_int) {
    // Async-signal-safe: one atomic store.
    FIRED.store(true, Ordering::SeqCst);
}

/// SIGINT caught for as long as this lives.
pub struct Caught {
    previous: libc::sighandler_t,
}

/// Catches SIGINT until the returned value is dropped.
pub fn catch() -> Caught {
    FIRED.store(false, Ordering::SeqCst);
    let handler = on_interrupt as extern "C" fn(libc::c_int);
    // SAFETY: the handler is async-signal-safe (an atomic store), and the
    // previous disposition is restored on drop.
    let previous = unsafe { libc::signal(libc::SIGINT, handler as libc::sighandler_t) };
    Caught { previous }
}

impl Caught {
    /// Whether Ctrl-C came since [`catch`].
    pub fn fired(&self) -> bool {
        FIRED.load(Ordering::SeqCst)
    }
}

impl Drop for Caught {
    fn drop(&mut self) {
        // SAFETY: restores the disposition `catch` replaced.
        unsafe {
            libc::signal(libc::SIGINT, self.previous);
        }
    }
}
