//! `bitsq transfer` end to end: the real binary against a real HTTP server
//! in this process on 127.0.0.1.

use std::path::PathBuf;
use std::process::{Command, Output};

use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-transfer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bitsq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(args)
        .output()
        .expect("bitsq runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn transfer_writes_the_file_byte_for_byte() {
    let server = TestServer::start();
    let dir = scratch("plain");
    let bytes = test_bytes(1 << 20, 21);
    server.put("/one.bin", bytes.clone());
    let local = dir.join("one.bin");
    let out = bitsq(&["transfer", &server.url("/one.bin"), local.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("transferred 1 file(s), 1.0 MiB"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// One retry delay (5 s, the least there is) passes in real time here: the
/// binary reads the system's clock. The retry rules themselves are tested
/// on a set clock (guest/logic/tests/engine.rs, host/service/tests).
#[test]
fn transfer_resumes_after_a_drop_halfway() {
    let server = TestServer::start();
    let dir = scratch("drop");
    let bytes = test_bytes(1 << 20, 22);
    server.put("/half.bin", bytes.clone());
    server.fault("/half.bin", Fault::DropAfter(1 << 19));
    let local = dir.join("half.bin");
    let out = bitsq(&[
        "transfer",
        "--retry-delay",
        "5",
        "--priority",
        "normal",
        &server.url("/half.bin"),
        local.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("BG_E_CONNECTION_CLOSED (0x8020002E)"),
        "{}",
        text(&out.stderr)
    );
    let requests = server.requests("/half.bin");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].range.as_deref(), Some("bytes=524288-"));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn transfer_reports_a_404_and_leaves_nothing() {
    let server = TestServer::start();
    let dir = scratch("missing");
    let local = dir.join("missing.bin");
    let out = bitsq(&[
        "transfer",
        &server.url("/missing.bin"),
        local.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("BG_E_HTTP_ERROR_404 (0x80190194)"),
        "{stderr}"
    );
    assert!(stderr.contains("remote-file"), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no file, no temporary"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn transfer_wants_pairs() {
    let out = bitsq(&[
        "transfer",
        "http://127.0.0.1:1/a",
        "/tmp/a",
        "http://127.0.0.1:1/b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("REMOTE LOCAL pairs"),
        "{}",
        text(&out.stderr)
    );
}

/// The shell runs the transfer service while it is open: a resumed job
/// transfers, `complete` puts the file at its local name, and the new
/// verbs show errors, times and settings.
#[test]
fn the_shell_transfers_resumed_jobs() {
    use std::io::Write;
    use std::process::Stdio;

    let server = TestServer::start();
    let dir = scratch("shell");
    let bytes = test_bytes(200_000, 23);
    server.put("/s.bin", bytes.clone());
    let local = dir.join("s.bin");
    let script = "create good\ncreate bad\n";
    let ids = {
        // The seed makes the two GUIDs known in advance.
        let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
            .args([
                "--seed",
                "5",
                "--queue",
                "memory:",
                "shell",
                "--no-transfer",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        text(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (good, bad) = (&ids[0], &ids[1]);
    let script = format!(
        "create good\ncreate bad\n\
         addfile {good} {} {}\n\
         addfile {bad} {} {}\n\
         setminretrydelay {good} 2\n\
         setnoprogresstimeout {good} 3600\n\
         setnotifyflags {good} 0xB\n\
         resume {good}\nresume {bad}\n\
         monitor 60\n\
         info {good}\ngeterror {bad}\ngettimes {good}\n\
         complete {good}\ncancel {bad}\nlist\n",
        server.url("/s.bin"),
        local.display(),
        server.url("/none.bin"),
        dir.join("none.bin").display(),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--seed", "5", "--queue", "memory:", "shell"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("{good}: minimum retry delay 5 s")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{good}: no-progress timeout 3600 s")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{good}: notify flags 0xB")),
        "{stdout}"
    );
    assert!(stdout.contains("state:        transferred"), "{stdout}");
    assert!(
        stdout.contains("200000 of 200000 bytes, complete"),
        "{stdout}"
    );
    assert!(
        stdout.contains("BG_E_HTTP_ERROR_404 (0x80190194) in remote-file, file 0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("transferred:  20"),
        "a completion date: {stdout}"
    );
    assert!(
        stdout.contains(&format!("{good}: acknowledged")),
        "{stdout}"
    );
    assert!(stdout.contains("no jobs"), "{stdout}");
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "the file, no temporary"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
