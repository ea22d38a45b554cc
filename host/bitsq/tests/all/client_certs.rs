//! Security flags and client certificates through the real binary
//! (docs/contract.md §15.4–§15.5): `setsecurityflags` lets a server of an
//! unknown authority through and `getsecurityflags`/`info` show the flags;
//! `setclientcertificatebyname` names a certificate of `bitsq service
//! --client-cert-dir`, which a server that demands one accepts, the file
//! arriving byte-exact; and the certificate's private key is in no output,
//! nor in the queue file or its WAL.

use std::ffi::OsStr;

use bits_queue_tests::http_server::test_bytes;
use bits_queue_tests::tls_server::{TestCa, TlsServer};

use crate::credentials::{everything, job, scratch};
use crate::stored::{Service, bitsq, ok, wait_for};

#[test]
fn flags_and_a_client_certificate_end_to_end_without_the_key_anywhere() {
    let dir = scratch("client-cert");
    let queue = dir.join("queue.sqlite3");
    let server_ca = TestCa::new();
    let client_ca = TestCa::new();
    let ann = client_ca.client("Ann Example");
    let stores = dir.join("certs");
    std::fs::create_dir_all(stores.join("MY")).unwrap();
    std::fs::write(stores.join("MY").join("ann.pem"), ann.pem()).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, server_ca.pem()).unwrap();
    let bytes = test_bytes(90_000, 61);
    let demanding = TlsServer::requiring_clients_of(
        &client_ca,
        server_ca.server(&["127.0.0.1"]),
        bytes.clone(),
    );
    let unknown = TlsServer::start(TestCa::new().server(&["127.0.0.1"]), bytes.clone());
    let extra: [&OsStr; 4] = [
        "--ca-file".as_ref(),
        ca_file.as_os_str(),
        "--client-cert-dir".as_ref(),
        stores.as_os_str(),
    ];
    let _service = Service::start(&queue, &extra);
    let mut outputs = Vec::new();

    let flagged = job(&queue, &unknown.url("/u.bin"), &dir.join("u.bin"));
    outputs.push(bitsq(&queue, &["setsecurityflags", &flagged, "8"]));
    assert_eq!(
        ok(bitsq(&queue, &["getsecurityflags", &flagged])).trim(),
        "0x0008"
    );
    let refused = bitsq(&queue, &["setsecurityflags", &flagged, "0x0300"]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    ok(bitsq(&queue, &["resume", &flagged]));
    wait_for(&queue, &flagged, "state:        transferred");

    let id = job(&queue, &demanding.url("/c.bin"), &dir.join("c.bin"));
    outputs.push(bitsq(
        &queue,
        &[
            "setclientcertificatebyname",
            &id,
            "CURRENT_USER",
            "MY",
            "cn=ann",
        ],
    ));
    assert_eq!(
        ok(bitsq(&queue, &["getclientcertificate", &id])).trim(),
        "MY subject \"cn=ann\""
    );
    let info = bitsq(&queue, &["info", &id]);
    assert!(
        String::from_utf8_lossy(&info.stdout).contains("client cert:  MY subject"),
        "{info:?}"
    );
    outputs.push(info);
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transferred");
    outputs.push(bitsq(&queue, &["complete", &id]));
    assert_eq!(std::fs::read(dir.join("c.bin")).unwrap(), bytes);
    outputs.push(bitsq(&queue, &["list"]));
    outputs.push(bitsq(&queue, &["monitor", "1"]));

    // The key is the store's alone.
    let key = ann
        .pem()
        .split("-----BEGIN PRIVATE KEY-----")
        .nth(1)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    let mut places: Vec<(String, Vec<u8>)> = outputs
        .iter()
        .map(|out| ("an output".to_owned(), everything(out)))
        .collect();
    for file in ["queue.sqlite3", "queue.sqlite3-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(file)) {
            places.push((file.to_owned(), bytes));
        }
    }
    for (place, bytes) in places {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&key) && !text.contains("PRIVATE KEY"),
            "{place} holds the key"
        );
    }
}
