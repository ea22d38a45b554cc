//! Issue 21, case 5: `bitsq transfer` stopped by Ctrl-C (SIGINT) or
//! SIGTERM mid-file cancels its job and deletes its temporary file, exits
//! 130, and the same command again starts clean and arrives byte-exact.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};

use crate::stored::{PATIENCE, text};

/// The temporary files in `dir`, with their sizes.
fn temporaries(dir: &Path) -> Vec<(String, u64)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("BIT"))
        .map(|e| {
            let size = e.metadata().map_or(0, |m| m.len());
            (e.file_name().to_string_lossy().into_owned(), size)
        })
        .collect()
}

fn stopped_mid_file_leaves_nothing_and_starts_clean(signal: libc::c_int) {
    let server = TestServer::start();
    let dir = bits_queue_tests::scratch_dir(&format!("bitsq-transfer-stop-{signal}"));
    let bytes = test_bytes(1 << 20, 51);
    server.put("/big.bin", bytes.clone());
    // Half the file, then nothing for far longer than the test.
    server.fault("/big.bin", Fault::Pause(1 << 19, Duration::from_secs(600)));
    let local = dir.join("big.bin");
    let args = ["transfer", &server.url("/big.bin"), local.to_str().unwrap()];
    let child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !temporaries(&dir).iter().any(|(_, size)| *size > 0) {
        assert!(started.elapsed() < PATIENCE, "no temporary file with bytes");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: a signal to our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("interrupted; cancelled"),
        "{}",
        text(&out.stderr)
    );
    let left = temporaries(&dir);
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!local.exists());

    let again = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    let left = temporaries(&dir);
    assert!(left.is_empty(), "left behind: {left:?}");
    let requests = server.requests("/big.bin");
    assert_eq!(requests.last().unwrap().range, None, "started clean");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_transfer_stopped_by_ctrl_c_leaves_nothing_and_starts_clean() {
    stopped_mid_file_leaves_nothing_and_starts_clean(libc::SIGINT);
}

#[test]
fn a_transfer_stopped_by_sigterm_leaves_nothing_and_starts_clean() {
    stopped_mid_file_leaves_nothing_and_starts_clean(libc::SIGTERM);
}
