//! Running bitsq for the issue-13 tests: input fed on a pipe, output
//! collected, and a bound that turns a hang into a failure (never a
//! duration asserted: the bound is far above any run here).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Far above what any run here takes; a run past it is a hang.
pub const HANG: Duration = Duration::from_secs(120);

/// What a run left.
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// The raw bytes, for checks of what reached the terminal.
    pub stdout_bytes: Vec<u8>,
    pub stderr_bytes: Vec<u8>,
}

impl Ran {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Panics unless the run ended on its own, without a panic.
    pub fn no_panic(&self) {
        assert_ne!(self.code(), Some(101), "a panic: {}", self.stderr);
        assert!(
            self.code().is_some(),
            "killed by a signal: {:?}",
            self.status
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }
}

pub fn bitsq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
}

/// `bitsq <args> --queue memory: shell --no-transfer` with `input` on a
/// pipe.
pub fn shell(args: &[&str], input: impl Into<Vec<u8>>) -> Ran {
    let mut command = bitsq();
    command
        .args(args)
        .args(["--queue", "memory:", "shell", "--no-transfer"]);
    feed(command, input.into())
}

/// Runs `command` with `input` on a pipe, within [`HANG`].
pub fn feed(mut command: Command, input: Vec<u8>) -> Ran {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bitsq starts");
    let mut stdin = child.stdin.take().expect("piped");
    let writer = thread::spawn(move || {
        // The shell may stop reading early (a stopped input): ignore EPIPE.
        let _ = stdin.write_all(&input);
    });
    let ran = collect(child);
    let _ = writer.join();
    ran
}

/// Waits for `child` within [`HANG`], killing it past the bound.
pub fn collect(mut child: Child) -> Ran {
    let out = child.stdout.take().map(reader);
    let err = child.stderr.take().map(reader);
    let status = wait_bounded(&mut child, |_| true);
    let stdout_bytes = out.map(|t| t.join().unwrap()).unwrap_or_default();
    let stderr_bytes = err.map(|t| t.join().unwrap()).unwrap_or_default();
    Ran {
        status,
        stdout: String::from_utf8_lossy(&stdout_bytes).into_owned(),
        stderr: String::from_utf8_lossy(&stderr_bytes).into_owned(),
        stdout_bytes,
        stderr_bytes,
    }
}

/// Waits for `child`, checking `healthy(pid)` as it runs: a child past
/// [`HANG`], or unhealthy, is killed and the test fails.
pub fn wait_bounded(child: &mut Child, healthy: impl Fn(u32) -> bool) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        let ok = healthy(child.id());
        if !ok || started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bitsq {}", if ok { "hung" } else { "grew past its bound" });
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn reader(mut stream: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        bytes
    })
}

/// The resident memory of process `pid`, in KiB (0 if it is gone).
pub fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A pseudo-terminal of `columns` columns and 24 rows: (master, slave).
pub fn open_pty(columns: u16) -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let mut master = 0;
    let mut slave = 0;
    let size = libc::winsize {
        ws_row: 24,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two new descriptors, which the Files own.
    let done = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(done, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned only here.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    }
}

/// The GUID-shaped words of `text`, in order.
pub fn guids(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ':')
        .filter(|w| w.len() == 38 && w.starts_with('{') && w.ends_with('}'))
        .map(str::to_string)
        .collect()
}
