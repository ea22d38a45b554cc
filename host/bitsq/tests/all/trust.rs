//! HTTPS trust through the real binary (contract §15.5, §15.8): a server
//! whose certificate a CA made in the test signed is trusted through
//! `--ca-file` and through `SSL_CERT_FILE`, and refused without either
//! (fatal, ERROR_WINHTTP_SECURE_FAILURE, a description in words). And a
//! new default queue is its owner's alone (0700 directory, 0600 file).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bits_queue_tests::http_server::test_bytes;
use bits_queue_tests::scratch_dir;
use bits_queue_tests::tls_server::{TestCa, TlsServer};

/// `bitsq ARGS` with `env` set and the trust and queue variables of this
/// process removed, so only what the test gives counts.
fn bitsq(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    command
        .args(args)
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env_remove("BITSQ_QUEUE");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("bitsq runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A CA, its PEM file, a server it signed for 127.0.0.1, the bytes served.
struct Fixture {
    dir: PathBuf,
    ca_file: PathBuf,
    server: TlsServer,
    bytes: Vec<u8>,
}

fn fixture(what: &str) -> Fixture {
    let dir = scratch_dir(what);
    let ca = TestCa::new();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let bytes = test_bytes(200_000, 51);
    let server = TlsServer::start(ca.server(&["127.0.0.1"]), bytes.clone());
    Fixture {
        dir,
        ca_file,
        server,
        bytes,
    }
}

#[test]
fn transfer_trusts_a_ca_file() {
    let f = fixture("ca-file");
    let local = f.dir.join("out.bin");
    let url = f.server.url("/out.bin");
    let ca = f.ca_file.to_str().unwrap();
    let out = bitsq(
        &["transfer", "--ca-file", ca, &url, local.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&local).unwrap(), f.bytes);
}

#[test]
fn transfer_trusts_ssl_cert_file() {
    let f = fixture("ssl-cert-file");
    let local = f.dir.join("out.bin");
    let url = f.server.url("/out.bin");
    let out = bitsq(
        &["transfer", &url, local.to_str().unwrap()],
        &[("SSL_CERT_FILE", &f.ca_file)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&local).unwrap(), f.bytes);
}

#[test]
fn transfer_refuses_an_untrusted_server_at_once_in_words() {
    let f = fixture("untrusted");
    let local = f.dir.join("out.bin");
    let url = f.server.url("/out.bin");
    let out = bitsq(&["transfer", &url, local.to_str().unwrap()], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("0x80072F8F"), "{stderr}");
    assert!(
        stderr.contains("not signed by a certificate authority this host trusts"),
        "{stderr}"
    );
    assert!(!stderr.contains("transient error"), "not retried: {stderr}");
    assert!(!stderr.contains("UnknownIssuer"), "{stderr}");
    assert!(!local.exists());
    assert_eq!(f.server.served(), 0);
}

#[test]
fn a_ca_file_that_holds_no_certificate_is_a_usage_error_naming_it() {
    let dir = scratch_dir("bad-ca-file");
    let bad = dir.join("notes.txt");
    std::fs::write(&bad, "hello\n").unwrap();
    let local = dir.join("out.bin");
    let out = bitsq(
        &[
            "transfer",
            "--ca-file",
            bad.to_str().unwrap(),
            "https://127.0.0.1:9/x",
            local.to_str().unwrap(),
        ],
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--ca-file") && stderr.contains("notes.txt"),
        "{stderr}"
    );
}

#[test]
fn the_default_queue_directory_and_file_are_owner_only() {
    let data = scratch_dir("modes-data");
    let out = bitsq(&["create", "private"], &[("XDG_DATA_HOME", &data)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data.join("bitsq")), 0o700);
    assert_eq!(mode(&data.join("bitsq/queue.sqlite3")), 0o600);
}

/// A verb that transfers nothing never reads the trust roots: reading
/// them (some 150 files on Debian) was a third of every one-shot
/// command's start (issue 22 goal 2). `SSL_CERT_FILE` names a FIFO with no
/// writer, which blocks whoever opens it: a verb that read the roots
/// would never end (the test gives up after a minute and says so).
#[test]
fn a_verb_that_transfers_nothing_never_reads_the_trust_roots() {
    let dir = scratch_dir("trust-untouched");
    let fifo = dir.join("roots.pem");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let queue = dir.join("queue.sqlite3");
    for args in [&["create", "untouched"][..], &["list"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
            .args(args)
            .env_remove("SSL_CERT_DIR")
            .env("SSL_CERT_FILE", &fifo)
            .env("BITSQ_QUEUE", &queue)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("bitsq runs");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("bitsq {args:?} opened SSL_CERT_FILE (a FIFO) and blocked on it");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let output = child.wait_with_output().unwrap();
        assert!(status.success(), "bitsq {args:?}: {}", text(&output.stderr));
    }
    std::fs::remove_dir_all(dir).unwrap();
}
