//! `bitsq transfer`'s progress on a terminal: a bar redrawn in place that
//! fits the terminal's width, or `COLUMNS` when set; on a dumb terminal
//! (as in a pipe, see transfer.rs) plain lines, never an escape code or a
//! carriage return. Driven through a pseudo-terminal of a set width,
//! copying a file:// source.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;

use bits_queue_tests::http_server::test_bytes;

use crate::common::{open_pty, wait_bounded};

/// Runs `bitsq transfer` of a 2 MiB file on a terminal of `columns`
/// columns whose `TERM` is `term` (or unset), with `COLUMNS` set to `env_columns`
/// or unset: what the terminal showed. With `raw`, the terminal passes
/// the output on as written (no `\n` made `\r\n`), so every carriage
/// return seen is bitsq's own.
fn transfer_on_a_terminal(
    columns: u16,
    term: Option<&str>,
    env_columns: Option<&str>,
    raw: bool,
) -> String {
    let dir = bits_queue_tests::scratch_dir("bitsq-bar");
    let bytes = test_bytes(2 << 20, 31);
    let source = dir.join("source.bin");
    std::fs::write(&source, &bytes).unwrap();
    let local = dir.join("local.bin");
    let (mut master, slave) = open_pty(columns);
    if raw {
        raw_output(&slave);
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    match env_columns {
        Some(value) => command.env("COLUMNS", value),
        None => command.env_remove("COLUMNS"),
    };
    match term {
        Some(term) => command.env("TERM", term),
        None => command.env_remove("TERM"),
    };
    let mut child = command
        .arg("transfer")
        .arg(format!("file://{}", source.display()))
        .arg(&local)
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("bitsq starts");
    // The command holds the terminal's other end too: the child must hold
    // the only copy.
    drop(command);
    // The child holds the terminal's only other end: reading ends (EIO)
    // once it exits.
    let reader = thread::spawn(move || {
        let mut seen = Vec::new();
        let _ = master.read_to_end(&mut seen);
        seen
    });
    let status = wait_bounded(&mut child, |_| true);
    let text = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    assert_eq!(status.code(), Some(0), "{text:?}");
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    std::fs::remove_dir_all(dir).unwrap();
    text
}

/// Turns off the terminal's output processing (`OPOST`): bytes reach the
/// other end as the program wrote them.
fn raw_output(slave: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: a termios read and written back on a descriptor this test
    // owns.
    unsafe {
        let mut mode: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(slave.as_raw_fd(), &mut mode), 0);
        mode.c_oflag &= !libc::OPOST;
        assert_eq!(libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &mode), 0);
    }
}

/// The lines the bar drew, escape sequences left out: what is between
/// two carriage returns or line ends and starts as a bar does.
fn frames(text: &str) -> Vec<String> {
    without_escapes(text)
        .split(['\r', '\n'])
        .filter(|f| f.starts_with('['))
        .map(str::to_string)
        .collect()
}

/// `text` without its escape sequences (`ESC [ … letter`).
fn without_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn the_bar_fits_the_terminal_and_ends_its_line() {
    let text = transfer_on_a_terminal(50, Some("xterm"), None, false);
    // Redrawn in place: the line cleared, then the bar (a quarter of the
    // width), full at the end.
    assert!(text.contains("\x1b[2K["), "{text:?}");
    assert!(text.contains(&format!("[{}]", "#".repeat(12))), "{text:?}");
    let drawn = frames(&text);
    assert!(!drawn.is_empty(), "{text:?}");
    for frame in drawn {
        assert!(frame.chars().count() <= 50, "{frame:?} in {text:?}");
    }
    // The summary starts a line of its own.
    assert!(
        text.contains("\r\ntransferred 1 file(s), 2.0 MiB\r\n"),
        "{text:?}"
    );
}

/// `COLUMNS` narrower than the terminal: the bar takes the user's word.
#[test]
fn columns_narrows_the_bar() {
    let text = transfer_on_a_terminal(120, Some("xterm"), Some("30"), false);
    let drawn = frames(&text);
    assert!(!drawn.is_empty(), "{text:?}");
    for frame in drawn {
        assert!(frame.chars().count() <= 30, "{frame:?} in {text:?}");
    }
    // A `COLUMNS` that is not a width is not taken: the terminal's is.
    let text = transfer_on_a_terminal(40, Some("xterm"), Some("wide"), false);
    for frame in frames(&text) {
        assert!(frame.chars().count() <= 40, "{frame:?} in {text:?}");
    }
}

#[test]
fn a_dumb_terminal_gets_plain_lines() {
    let text = transfer_on_a_terminal(30, Some("dumb"), Some("30"), true);
    // No cursor control at all: no escape code, no carriage return.
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(!text.contains('\r'), "{text:?}");
    assert!(
        text.contains("\ntransferred     2.0 MiB of 2.0 MiB, "),
        "{text:?}"
    );
    assert!(
        text.ends_with("transferred 1 file(s), 2.0 MiB\n"),
        "{text:?}"
    );
}

/// No `TERM` at all is a terminal that cannot redraw either.
#[test]
fn no_term_gets_plain_lines() {
    let text = transfer_on_a_terminal(30, None, None, true);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(!text.contains('\r'), "{text:?}");
}
