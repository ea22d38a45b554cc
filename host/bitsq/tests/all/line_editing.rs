//! Issue 13, case 11: the shell on a terminal edits lines — arrow keys
//! move in the line and through the history instead of inserting raw
//! escape codes; Ctrl-C cancels the line being typed; Ctrl-D on an empty
//! line leaves with a newline. Driven through a pseudo-terminal (openpty),
//! each key sent only once the shell has answered the one before, so
//! nothing depends on timing.

use std::fs::File;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::open_pty;

/// Far above what any answer here takes: turns a hang into a failure.
const HANG: Duration = Duration::from_secs(60);

/// A pseudo-terminal's master side and everything read from it.
struct Terminal {
    input: File,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    /// What the terminal showed, so far.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned()
    }

    /// How much the terminal has shown.
    fn mark(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Waits until `wanted` shows after `from`; the offset after it.
    fn wait_for(&self, wanted: &str, from: usize) -> usize {
        let started = Instant::now();
        loop {
            {
                let seen = self.seen.lock().unwrap();
                let after = String::from_utf8_lossy(&seen[from.min(seen.len())..]).into_owned();
                if let Some(at) = after.find(wanted) {
                    return from + at + wanted.len();
                }
            }
            assert!(
                started.elapsed() < HANG,
                "`{wanted}` never showed; the terminal shows:\n{:?}",
                self.text()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }
}

/// Kills the shell if the test fails before it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_shell_on_a_terminal_edits_lines_and_keeps_a_history() {
    let (master, slave) = open_pty(80);
    let child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--queue", "memory:", "shell", "--no-transfer"])
        .env("TERM", "xterm")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("bitsq starts");
    let mut child = KillOnDrop(child);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut output = master.try_clone().unwrap();
    let reader = {
        let seen = seen.clone();
        thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // Ends with EIO once the shell (the slave's last holder) exits.
            while let Ok(n) = output.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                seen.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        })
    };
    let mut term = Terminal {
        input: master,
        seen,
    };

    let at = term.wait_for("bitsq> ", 0);
    // "create ac", Left, "b", Enter: the job is named abc.
    term.keys("create ac\x1b[Db\r");
    let at = term.wait_for("}\r\n", at);
    let at = term.wait_for("bitsq> ", at);
    // A line cancelled with Ctrl-C never runs.
    term.keys("create nope");
    let at = term.wait_for("nope", at);
    let cancelled = term.mark();
    term.keys("\x03");
    let at = term.wait_for("bitsq> ", cancelled.max(at));
    term.keys("list\r");
    let at = term.wait_for("1 job(s)\r\n", at);
    let at = term.wait_for("bitsq> ", at);
    // Up recalls `list` from the history.
    term.keys("\x1b[A\r");
    let at = term.wait_for("1 job(s)\r\n", at);
    let at = term.wait_for("bitsq> ", at);
    // Ctrl-D on an empty line leaves, ending the prompt's line.
    term.keys("\x04");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HANG {
            panic!("bitsq did not leave on Ctrl-D:\n{:?}", term.text());
        }
        thread::sleep(Duration::from_millis(10));
    };
    drop(term.input);
    reader.join().unwrap();
    let text = String::from_utf8_lossy(&term.seen.lock().unwrap()).into_owned();
    assert_eq!(status.code(), Some(0), "{text:?}");
    assert!(
        text[at..].contains('\n'),
        "no newline after Ctrl-D: {text:?}"
    );
    // The list shows one job, named abc: no escape code in its name.
    let listed: Vec<&str> = text
        .split("\r\n")
        .filter(|l| l.starts_with('{') && l.contains("suspended"))
        .collect();
    assert_eq!(listed.len(), 2, "{text:?}");
    assert!(listed.iter().all(|l| l.ends_with("  abc")), "{listed:?}");
}
