//! `bitsq transfer --upload` against a BITS server nobody on this project
//! wrote (the vendored Python BITSServer, tests/vendor/BITSServer): the
//! packets as the protocol spells them, not as our own test server reads
//! them. Skipped, saying why, only where python3 is missing.

use bits_queue_tests::foreign_bits_server::ForeignBitsServer;
use bits_queue_tests::http_server::test_bytes;

use crate::upload::{scratch, text, transfer};

#[test]
fn transfer_upload_to_a_bits_server_nobody_here_wrote_is_byte_exact() {
    let server = match ForeignBitsServer::start() {
        Ok(server) => server,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let dir = scratch("foreign");
    // Three 4 MiB Fragments, the last one short.
    let bytes = test_bytes((9 << 20) + 12_345, 61);
    let local = dir.join("crash.dmp");
    std::fs::write(&local, &bytes).unwrap();
    let out = transfer(&[
        "--upload",
        &server.url("/crash.dmp"),
        local.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\nserver log:\n{}",
        text(&out.stderr),
        server.log()
    );
    let arrived = server
        .file("/crash.dmp")
        .expect("the server wrote the file");
    assert_eq!(arrived.len(), bytes.len());
    assert!(
        arrived == bytes,
        "the server's file differs from the upload"
    );
    let log = server.log();
    for packet in ["CREATE-SESSION", "CLOSE-SESSION"] {
        assert!(log.contains(packet), "{packet} missing: {log}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
