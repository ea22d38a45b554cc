//! The verbs of docs/contract.md §16.4 and §16.6 on a stored queue:
//! `addfilewithranges` in bitsadmin's range syntax, `getfileranges`, `info`
//! and `files` showing the ranges, bad input refused naming the argument
//! and changing nothing; end to end, `bitsq service` fetches only the
//! ranges, and a file found invalid is fetched again after `resume`.

use bits_queue_tests::http_server::{TestServer, test_bytes};

use crate::stored::{Service, bitsq, ok, scratch, text, wait_for};

#[test]
fn ranges_are_added_shown_and_bad_ones_refused() {
    let dir = scratch("ranges-verbs");
    let queue = dir.join("queue.sqlite3");
    let id = ok(bitsq(&queue, &["create", "ranged"])).trim().to_string();
    let local = dir.join("head.bin");
    let local = local.to_str().unwrap();
    let url = "https://example.com/a.iso";
    for (ranges, why) in [
        ("", "RANGES must be OFFSET:LENGTH"),
        ("0:100,x:5", "RANGES must be OFFSET:LENGTH"),
        ("0:0", "RANGES hold a range of length 0"),
        ("0:100,50:10", "RANGES overlap"),
        ("0:eof,500:1", "RANGES overlap"),
    ] {
        let bad = bitsq(&queue, &["addfilewithranges", &id, url, local, ranges]);
        assert_ne!(bad.status.code(), Some(0), "{ranges}");
        assert!(
            text(&bad.stderr).contains(why),
            "{ranges}: {}",
            text(&bad.stderr)
        );
    }
    let many: Vec<String> = (0..501).map(|i| format!("{}:1", i * 2)).collect();
    let bad = bitsq(
        &queue,
        &["addfilewithranges", &id, url, local, &many.join(",")],
    );
    assert!(
        text(&bad.stderr).contains("at most 500 ranges"),
        "{}",
        text(&bad.stderr)
    );
    let bad = bitsq(
        &queue,
        &["addfilewithranges", &id, "file:///srv/a.iso", local, "0:1"],
    );
    assert!(text(&bad.stderr).contains("REMOTE must be an http:// or https://"));
    let files = ok(bitsq(&queue, &["files", &id]));
    assert!(files.contains("0 file(s)"), "nothing added: {files}");

    let added = ok(bitsq(
        &queue,
        &["addfilewithranges", &id, url, local, "1048576:EOF,0:4096"],
    ));
    assert_eq!(added.trim(), format!("{id}: 1 file(s)"));
    let got = ok(bitsq(&queue, &["getfileranges", &id, "0"]));
    assert_eq!(
        got.trim(),
        format!("{id}: file 0 ranges 1048576:eof,0:4096")
    );
    let info = ok(bitsq(&queue, &["info", &id]));
    assert!(
        info.contains(", ranges 1048576:eof,0:4096: https://"),
        "{info}"
    );
    let files = ok(bitsq(&queue, &["files", &id]));
    assert!(files.contains(", ranges 1048576:eof,0:4096"), "{files}");
    let state = ok(bitsq(&queue, &["getvalidationstate", &id, "0"]));
    assert_eq!(state.trim(), format!("{id}: file 0 not validated"));
    let pending = bitsq(&queue, &["setvalidationstate", &id, "0", "true"]);
    assert_eq!(pending.status.code(), Some(1));
    assert!(
        text(&pending.stderr).contains("E_PENDING"),
        "{}",
        text(&pending.stderr)
    );
    let bad = bitsq(&queue, &["getfileranges", &id, "1"]);
    assert!(text(&bad.stderr).contains("FILE_INDEX must name one of the job's 1 file(s)"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_service_fetches_only_the_ranges_and_an_invalid_file_again() {
    let server = TestServer::start();
    let bytes = test_bytes(100_000, 71);
    server.put("/r.bin", bytes.clone());
    let dir = scratch("ranges-service");
    let queue = dir.join("queue.sqlite3");
    let id = ok(bitsq(&queue, &["create", "ranged"])).trim().to_string();
    let local = dir.join("r.bin");
    ok(bitsq(
        &queue,
        &[
            "addfilewithranges",
            &id,
            &server.url("/r.bin"),
            local.to_str().unwrap(),
            "90000:eof,100:50",
        ],
    ));
    ok(bitsq(&queue, &["resume", &id]));
    let mut service = Service::start(&queue, &[]);
    wait_for(&queue, &id, "state:        transferred");
    let set = ok(bitsq(&queue, &["setvalidationstate", &id, "0", "FALSE"]));
    assert_eq!(set.trim(), format!("{id}: file 0 not validated"));
    let info = ok(bitsq(&queue, &["info", &id]));
    assert!(info.contains("0x80200053"), "{info}");
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transferred");
    let set = ok(bitsq(&queue, &["setvalidationstate", &id, "0", "true"]));
    assert_eq!(set.trim(), format!("{id}: file 0 valid"));
    service.signal(libc::SIGTERM);
    service.0.wait().unwrap();
    ok(bitsq(&queue, &["complete", &id]));
    let mut expected = bytes[90_000..].to_vec();
    expected.extend_from_slice(&bytes[100..150]);
    assert_eq!(std::fs::read(&local).unwrap(), expected);
    assert_eq!(server.requests("/r.bin").len(), 4, "two ranges, twice");
    let _ = std::fs::remove_dir_all(&dir);
}
