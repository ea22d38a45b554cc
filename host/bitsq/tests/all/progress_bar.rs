//! `bitsq transfer`'s progress on a terminal: a bar redrawn in place that
//! fits the terminal's width; on a dumb terminal (as in a pipe, see
//! transfer.rs) plain lines, never an escape code. Driven through a
//! pseudo-terminal of a set width, copying a file:// source.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;

use bits_queue_tests::http_server::test_bytes;

use crate::common::{open_pty, wait_bounded};

/// Runs `bitsq transfer` of a 2 MiB file on a terminal of `columns`
/// columns whose `TERM` is `term`: what the terminal showed.
fn transfer_on_a_terminal(columns: u16, term: &str) -> String {
    let dir = bits_queue_tests::scratch_dir("bitsq-bar");
    let bytes = test_bytes(2 << 20, 31);
    let source = dir.join("source.bin");
    std::fs::write(&source, &bytes).unwrap();
    let local = dir.join("local.bin");
    let (mut master, slave) = open_pty(columns);
    let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("transfer")
        .arg(format!("file://{}", source.display()))
        .arg(&local)
        .env("TERM", term)
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("bitsq starts");
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
    let text = transfer_on_a_terminal(50, "xterm");
    // Redrawn in place: the line cleared, then the bar, full at the end.
    assert!(text.contains("\x1b[2K["), "{text:?}");
    assert!(text.contains(&format!("[{}]", "#".repeat(20))), "{text:?}");
    let shown = without_escapes(&text);
    let frames = shown.split(['\r', '\n']).filter(|f| f.starts_with('['));
    for frame in frames {
        assert!(frame.chars().count() <= 50, "{frame:?} in {text:?}");
    }
    // The summary starts a line of its own.
    assert!(
        text.contains("\r\ntransferred 1 file(s), 2.0 MiB\r\n"),
        "{text:?}"
    );
}

#[test]
fn a_dumb_terminal_gets_lines() {
    let text = transfer_on_a_terminal(50, "dumb");
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(
        text.contains("\r\ntransferred     2.0 MiB of 2.0 MiB, "),
        "{text:?}"
    );
    assert!(
        text.ends_with("transferred 1 file(s), 2.0 MiB\r\n"),
        "{text:?}"
    );
}
