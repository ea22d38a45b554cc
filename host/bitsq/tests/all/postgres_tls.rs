//! TLS to PostgreSQL (libpq's `sslmode` and `sslrootcert`), against a
//! server of the test process's own that takes TCP connections over TLS
//! only (`hostssl`; plain ones are rejected), its certificate for
//! `localhost` and `127.0.0.1` signed by a CA made for the test: a queue
//! that opens at all is encrypted.

use crate::stored::{bitsq, ok, text};

use bits_queue_tests::postgres::tls::{self, TlsServer};

macro_rules! server {
    () => {
        match tls::server() {
            Some(server) => server,
            None => {
                eprintln!("SKIPPED: no PostgreSQL server programs");
                return;
            }
        }
    };
}

/// The server's URL with `query` (`sslmode=…&…`).
fn url(server: &TlsServer, query: &str) -> String {
    format!("{}?{query}", server.url)
}

fn root(path: &std::path::Path) -> String {
    format!("sslrootcert={}", path.display())
}

#[test]
fn verify_full_with_the_servers_ca_creates_and_lists() {
    let server = server!();
    for host in ["127.0.0.1", "localhost"] {
        let at = url(
            server,
            &format!("sslmode=verify-full&{}", root(&server.ca_file)),
        )
        .replace("127.0.0.1", host);
        let name = format!("tls-{}", host.len());
        ok(bitsq(&at, &["create", &name]));
        let listed = ok(bitsq(&at, &["list"]));
        assert!(listed.contains(&name), "{listed}");
    }
}

#[test]
fn verify_full_with_another_ca_is_refused_saying_why() {
    let server = server!();
    let at = url(
        server,
        &format!("sslmode=verify-full&{}", root(&server.other_ca_file)),
    );
    let out = bitsq(&at, &["list"]);
    let why = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{why}");
    // Both CAs bear one name: the signature is what gives it away.
    assert!(why.contains("invalid peer certificate"), "{why}");
}

#[test]
fn verify_ca_checks_the_chain() {
    let server = server!();
    let with = |ca: &std::path::Path| url(server, &format!("sslmode=verify-ca&{}", root(ca)));
    ok(bitsq(with(&server.ca_file), &["list"]));
    let refused = bitsq(with(&server.other_ca_file), &["list"]);
    let why = text(&refused.stderr);
    assert_ne!(refused.status.code(), Some(0), "{why}");
    assert!(why.contains("invalid peer certificate"), "{why}");
}

#[test]
fn require_and_prefer_encrypt_without_a_root() {
    let server = server!();
    ok(bitsq(url(server, "sslmode=require"), &["list"]));
    // libpq's default, prefer, takes TLS when the server offers it.
    ok(bitsq(&server.url, &["list"]));
    // PGSSLMODE as libpq.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--queue", &server.url, "list"])
        .env("PGSSLMODE", "require")
        .output()
        .unwrap();
    ok(out);
}

#[test]
fn disable_against_a_tls_only_server_fails_saying_so() {
    let server = server!();
    let out = bitsq(url(server, "sslmode=disable"), &["list"]);
    let why = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{why}");
    assert!(why.contains("no encryption"), "{why}");
    // The same from PGSSLMODE.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--queue", &server.url, "list"])
        .env("PGSSLMODE", "disable")
        .output()
        .unwrap();
    assert!(text(&out.stderr).contains("no encryption"), "{out:?}");
}

#[test]
fn bad_tls_parameters_are_named() {
    let server = server!();
    let out = bitsq(url(server, "sslmode=strict"), &["list"]);
    let why = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{why}");
    assert!(why.contains("sslmode `strict` is not an sslmode"), "{why}");
    let out = bitsq(
        url(
            server,
            "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        ),
        &["list"],
    );
    let why = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{why}");
    assert!(
        why.contains("sslrootcert `/nonexistent/ca.pem`: cannot read it"),
        "{why}"
    );
}

/// A certificate the client refuses will not heal by waiting (issue 23):
/// `bitsq service` ends at once with exit 4, naming the refusal, where it
/// used to take it for a server out of reach and wait for good; a
/// one-shot verb exits 4 with the same words.
#[test]
fn a_refused_server_certificate_ends_the_service_with_exit_4() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let server = server!();
    let at = url(
        server,
        &format!("sslmode=verify-full&{}", root(&server.other_ca_file)),
    );
    let listed = bitsq(&at, &["list"]);
    let why = text(&listed.stderr);
    assert_eq!(listed.status.code(), Some(4), "{why}");
    assert!(why.contains("TLS certificate was refused"), "{why}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--queue", &at, "service"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > crate::stored::PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bitsq service still waits for a server whose certificate it refuses");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut why = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut why)
        .unwrap();
    assert_eq!(status.code(), Some(4), "{why}");
    assert!(why.contains("TLS certificate was refused"), "{why}");
    assert!(why.contains("invalid peer certificate"), "{why}");
    assert!(!why.contains("waiting for it"), "{why}");
}
