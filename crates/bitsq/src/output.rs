//! Printing that survives a closed pipe: `bitsq | head` must not panic.

use std::fmt;
use std::io::{self, Write};

/// Writes one line to stdout. When the reader has gone (a closed pipe),
/// there is no one left to tell: exit quietly with success.
pub fn line(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
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
