//! Printing that survives a closed pipe (`bitsq | head` must not panic),
//! and that can be held back: what a changing command prints is shown only
//! once its changes are stored, so nothing is reported that a crash could
//! still undo.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::{self, Write};

thread_local! {
    /// Lines held back by [`hold`], if it is running.
    static HELD: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` with its lines held back; returns its result and the lines.
pub fn hold<T>(f: impl FnOnce() -> T) -> (T, String) {
    HELD.with(|held| *held.borrow_mut() = Some(String::new()));
    let result = f();
    let lines = HELD
        .with(|held| held.borrow_mut().take())
        .unwrap_or_default();
    (result, lines)
}

/// Writes lines held back by [`hold`].
pub fn release(lines: &str) {
    if !lines.is_empty() {
        write_out(lines.as_bytes());
    }
}

/// Writes one line to stdout (or holds it back, inside [`hold`]).
pub fn line(args: fmt::Arguments<'_>) {
    let held = HELD.with(|held| {
        let mut held = held.borrow_mut();
        match held.as_mut() {
            Some(buffer) => {
                let _ = buffer.write_fmt(args);
                buffer.push('\n');
                true
            }
            None => false,
        }
    });
    if !held {
        let mut text = String::new();
        let _ = text.write_fmt(args);
        text.push('\n');
        write_out(text.as_bytes());
    }
}

/// Writes to stdout. When the reader has gone (a closed pipe), there is no
/// one left to tell: exit quietly with success.
fn write_out(bytes: &[u8]) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("bitsq: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// `println!` through [`line()`].
macro_rules! say {
    ($($arg:tt)*) => { $crate::output::line(format_args!($($arg)*)) };
}
pub(crate) use say;
