//! Printing that survives a closed pipe (`bitsq | head`, `2>&1 | head`,
//! `2>/dev/full` must not panic), that never lets a name drive the
//! terminal, and that can be held back: what a changing command prints is
//! shown only once its changes are stored, so nothing is reported that a
//! crash could still undo.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::exit::Status;

thread_local! {
    /// Lines held back by [`hold`], if it is running.
    static HELD: RefCell<Option<String>> = const { RefCell::new(None) };
    /// What every error line starts with (`line 3: ` while the shell runs
    /// line 3 of its input).
    static ERROR_PREFIX: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Sets what every error line starts with, or clears it.
pub fn set_error_prefix(prefix: Option<String>) {
    ERROR_PREFIX.with(|p| *p.borrow_mut() = prefix);
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

/// Writes one line to stdout (or holds it back, inside [`hold`]). Control
/// characters other than the line breaks bitsq writes itself are escaped.
pub fn line(args: fmt::Arguments<'_>) {
    let mut text = String::new();
    let _ = text.write_fmt(args);
    let mut text = escape_controls(&text, false);
    text.push('\n');
    let held = HELD.with(|held| match held.borrow_mut().as_mut() {
        Some(buffer) => {
            buffer.push_str(&text);
            true
        }
        None => false,
    });
    if !held {
        write_out(text.as_bytes());
    }
}

/// Writes text to stdout as it is, without a line break: the prompt,
/// `monitor`'s clearing of the screen. Only bitsq's own
/// text goes here, never a name.
pub fn raw(text: &str) {
    write_out(text.as_bytes());
}

/// Writes one line to stderr, control characters escaped.
pub fn error_line(args: fmt::Arguments<'_>) {
    let mut text = ERROR_PREFIX.with(|p| p.borrow().clone().unwrap_or_default());
    let _ = text.write_fmt(args);
    let mut text = escape_controls(&text, false);
    text.push('\n');
    let mut err = io::stderr().lock();
    if err
        .write_all(text.as_bytes())
        .and_then(|()| err.flush())
        .is_err()
    {
        // Nowhere is left to say anything (`2>&1 | head` after head
        // left, `2>/dev/full`): leave quietly, with the status an error
        // being reported deserves.
        std::process::exit(1);
    }
}

/// Set once a changing command's changes are stored.
static CHANGED: AtomicBool = AtomicBool::new(false);

/// The queue was changed and the change stored: output lost from now on
/// ends bitsq with [`Status::Unreported`].
pub fn mark_changed() {
    CHANGED.store(true, Ordering::Release);
}

/// Whether stdout was closed when bitsq started (`>&-`), as
/// [`guard_standard_descriptors`] found it.
static STDOUT_CLOSED: OnceLock<bool> = OnceLock::new();

/// Run first thing: finds out whether stdout was closed by whoever started
/// bitsq. Rust's runtime reopens a closed descriptor 0–2 on `/dev/null`
/// before `main` (so the queue's database never takes its number), which
/// makes every write succeed and a GUID printed nowhere pass for success.
/// It opens `/dev/null` read-write; a shell's `>/dev/null` opens it
/// write-only, so a read-write `/dev/null` on descriptor 1 is taken for a
/// closed stdout.
pub fn guard_standard_descriptors() {
    // SAFETY: fstat and F_GETFL only read the descriptor's state into a
    // zeroed struct owned here.
    let closed = unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        libc::fstat(1, &mut stat) == 0
            && (stat.st_mode & libc::S_IFMT) == libc::S_IFCHR
            && stat.st_rdev == libc::makedev(1, 3)
            && (libc::fcntl(1, libc::F_GETFL) & libc::O_ACCMODE) == libc::O_RDWR
    };
    let _ = STDOUT_CLOSED.set(closed);
}

fn stdout_closed() -> bool {
    STDOUT_CLOSED.get().copied().unwrap_or(false)
}

/// Writes to stdout. When the reader has gone (a closed pipe) after a
/// reading command, there is no one left to tell: exit quietly with
/// success. Output that cannot be written after the queue was changed
/// is said on stderr, and bitsq exits with its own status (6), so a script
/// never takes a stored change for a failed one, nor a lost GUID for
/// success.
fn write_out(bytes: &[u8]) {
    let mut out = io::stdout().lock();
    let written = if stdout_closed() {
        Err(io::Error::from_raw_os_error(libc::EBADF))
    } else {
        out.write_all(bytes).and_then(|()| out.flush())
    };
    if let Err(e) = written {
        if CHANGED.load(Ordering::Acquire) {
            error_line(format_args!(
                "bitsq: the queue was changed, but its output could not be written to stdout: {e}"
            ));
            std::process::exit(Status::Unreported as i32);
        }
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        error_line(format_args!("bitsq: cannot write to stdout: {e}"));
        std::process::exit(1);
    }
}

/// A string from outside (a name, a description, a word typed), shown with
/// every character that could move the cursor, recolour or retitle the
/// terminal, or break the line written as an escape (`\x1b`, `\n`,
/// `\u{202e}`). Backslashes stay as they are, so Windows paths read as
/// typed.
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&escape_controls(self.0, true))
    }
}

/// `text` with control characters escaped: C0 (all of them when
/// `line_breaks` is set, else all but `\n`), DEL, C1, and the invisible
/// marks that reorder or hide text (bidirectional overrides and isolates,
/// zero-width marks).
pub fn escape_controls(text: &str, line_breaks: bool) -> String {
    if !text.chars().any(|c| needs_escape(c, line_breaks)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs_escape(c, line_breaks) {
            out.push(c);
            continue;
        }
        let _ = match c {
            '\n' => write!(out, "\\n"),
            '\r' => write!(out, "\\r"),
            '\t' => write!(out, "\\t"),
            c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32),
            c => write!(out, "\\u{{{:x}}}", c as u32),
        };
    }
    out
}

fn needs_escape(c: char, line_breaks: bool) -> bool {
    match c {
        '\n' => line_breaks,
        c if c.is_control() => true,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        '\u{feff}' => true,
        _ => false,
    }
}

/// `text` cut to at most `max` characters, an ellipsis marking the cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `println!` through [`line()`].
macro_rules! say {
    ($($arg:tt)*) => { $crate::output::line(format_args!($($arg)*)) };
}
pub(crate) use say;

/// `eprintln!` through [`error_line()`]: no panic when stderr is closed.
macro_rules! tell {
    ($($arg:tt)*) => { $crate::output::error_line(format_args!($($arg)*)) };
}
pub(crate) use tell;

#[cfg(test)]
mod tests {
    use super::{Shown, cut, escape_controls};

    #[test]
    fn controls_are_escaped_and_backslashes_kept() {
        assert_eq!(Shown("\x1b[2Jname\x07\n").to_string(), r"\x1b[2Jname\x07\n");
        assert_eq!(Shown("a\u{9b}b\u{202e}").to_string(), r"a\u{9b}b\u{202e}");
        assert_eq!(Shown(r"C:\tmp\b.tar").to_string(), r"C:\tmp\b.tar");
        assert_eq!(escape_controls("two\nlines\r", false), "two\nlines\\r");
        assert_eq!(format!("{:<6}|", Shown("\t")), r"\t    |");
    }

    #[test]
    fn cut_marks_what_it_leaves_out() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abcde…");
    }
}
