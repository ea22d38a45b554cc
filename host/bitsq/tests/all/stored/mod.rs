//! What the tests that run bitsq on a stored queue share: running one
//! command, a `bitsq service` child, and waiting for what `info` shows.
//! `QUEUE` is anything `--queue` takes: a file's path or a URL.

#![allow(dead_code)] // each test binary uses the part it needs

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Far above what any step takes: turns a hang into a failure.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// `bitsq --queue QUEUE ARGS…`, run to its end.
pub fn bitsq(queue: impl AsRef<OsStr>, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--queue")
        .arg(queue)
        .args(args)
        .output()
        .expect("bitsq runs")
}

/// A fresh, empty directory for one test: `bitsq-NAME-PID` in the
/// temporary directory.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The standard output of a command that must exit 0.
pub fn ok(out: Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A `bitsq service` child, killed when dropped.
pub struct Service(pub Child);

impl Service {
    /// `bitsq --queue QUEUE service EXTRA…`, once it says it runs.
    pub fn start(queue: impl AsRef<OsStr>, extra: &[&OsStr]) -> Service {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
            .arg("--queue")
            .arg(queue)
            .arg("service")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bitsq service starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("transferring the jobs of"), "{line}");
        Service(child)
    }

    pub fn signal(&mut self, signal: libc::c_int) {
        // SAFETY: a signal to our own child.
        unsafe {
            libc::kill(self.0.id() as libc::pid_t, signal);
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `bitsq info JOB` shows `needle`; returns what it showed.
pub fn wait_for(queue: impl AsRef<OsStr>, id: &str, needle: &str) -> String {
    let started = Instant::now();
    loop {
        let info = ok(bitsq(queue.as_ref(), &["info", id]));
        if info.contains(needle) {
            return info;
        }
        assert!(started.elapsed() < PATIENCE, "never `{needle}`:\n{info}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the store holds some of job `id`'s bytes (progress is
/// stored at most a second late); returns how many.
pub fn wait_for_stored_bytes(queue: impl AsRef<OsStr>, id: &str) -> u64 {
    let started = Instant::now();
    loop {
        let info = ok(bitsq(queue.as_ref(), &["info", id]));
        let bytes: u64 = info
            .lines()
            .find_map(|l| l.strip_prefix("bytes:        "))
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if bytes > 0 {
            return bytes;
        }
        assert!(started.elapsed() < PATIENCE, "no progress stored");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The offset a `Range: bytes=N-` header asks for.
pub fn range_start(range: &str) -> u64 {
    range["bytes=".len()..range.len() - 1].parse().unwrap()
}
