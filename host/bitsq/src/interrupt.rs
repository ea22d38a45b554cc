//! Ctrl-C while `monitor` refreshes ends the view, not the shell; SIGINT
//! or SIGTERM stops `bitsq service` cleanly (its transfers' progress
//! stored). The handler only sets a flag; the previous handler comes back
//! when the catch ends.

use std::sync::atomic::{AtomicBool, Ordering};

static FIRED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_signal: libc::c_int) {
    // Async-signal-safe: one atomic store.
    FIRED.store(true, Ordering::SeqCst);
}

/// Signals caught for as long as this lives.
pub struct Caught {
    previous: Vec<(libc::c_int, libc::sighandler_t)>,
}

/// Catches SIGINT until the returned value is dropped.
pub fn catch() -> Caught {
    catch_signals(&[libc::SIGINT])
}

/// Catches SIGINT and SIGTERM (a service's stop) until dropped.
pub fn catch_stop() -> Caught {
    catch_signals(&[libc::SIGINT, libc::SIGTERM])
}

fn catch_signals(signals: &[libc::c_int]) -> Caught {
    FIRED.store(false, Ordering::SeqCst);
    let handler = on_interrupt as extern "C" fn(libc::c_int);
    let previous = signals
        .iter()
        .map(|&signal| {
            // SAFETY: the handler is async-signal-safe (an atomic store),
            // and the previous disposition is restored on drop.
            (signal, unsafe {
                libc::signal(signal, handler as libc::sighandler_t)
            })
        })
        .collect();
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
        for &(signal, previous) in &self.previous {
            // SAFETY: restores the disposition `catch_signals` replaced.
            unsafe {
                libc::signal(signal, previous);
            }
        }
    }
}
