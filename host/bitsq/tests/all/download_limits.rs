//! The verbs of docs/contract.md §16.2, §16.3, §16.7 and §16.8 on a stored
//! queue: each setter prints what the job now has, the getters and `info`
//! show it, bad input is refused naming the argument, and a setting frozen
//! by the first resume says so. End to end, `bitsq service` fails a job
//! whose file is larger than its maximum download size.

use bits_queue_tests::http_server::{TestServer, test_bytes};

use crate::stored::{Service, bitsq, ok, scratch, text, wait_for};

#[test]
fn the_limit_verbs_set_show_and_refuse() {
    let dir = scratch("download-limits");
    let queue = dir.join("queue.sqlite3");
    let id = ok(bitsq(&queue, &["create", "limited"])).trim().to_string();
    let local = dir.join("a.bin");
    ok(bitsq(
        &queue,
        &[
            "addfile",
            &id,
            "http://127.0.0.1:9/a.bin",
            local.to_str().unwrap(),
        ],
    ));

    let got = ok(bitsq(&queue, &["getmaxdownloadtime", &id]));
    assert_eq!(
        got.trim(),
        format!("{id}: maximum download time 7,776,000 s")
    );
    let set = ok(bitsq(&queue, &["setmaxdownloadtime", &id, "3600"]));
    assert_eq!(set.trim(), format!("{id}: maximum download time 3,600 s"));
    assert_eq!(ok(bitsq(&queue, &["getmaxdownloadtime", &id])), set);
    let none = ok(bitsq(&queue, &["setmaxdownloadtime", &id, "0"]));
    assert!(none.contains("no limit"), "{none}");
    ok(bitsq(&queue, &["setmaxdownloadtime", &id, "3600"]));
    let count = ok(bitsq(&queue, &["geterrorcount", &id]));
    assert_eq!(count.trim(), format!("{id}: error count 0"));

    let set = ok(bitsq(&queue, &["setmaxdownloadsize", &id, "1000000"]));
    assert_eq!(
        set.trim(),
        format!("{id}: maximum download size 1,000,000 bytes")
    );
    assert_eq!(ok(bitsq(&queue, &["getmaxdownloadsize", &id])), set);
    let on = ok(bitsq(&queue, &["setdynamiccontent", &id, "TRUE"]));
    assert_eq!(on.trim(), format!("{id}: dynamic content on"));
    assert_eq!(ok(bitsq(&queue, &["getdynamiccontent", &id])), on);

    let info = ok(bitsq(&queue, &["info", &id]));
    assert!(
        info.contains("limits:       maximum download time 3,600 s, error count 0"),
        "{info}"
    );
    assert!(
        info.contains("download:     maximum size 1,000,000 bytes, dynamic content on"),
        "{info}"
    );

    // Bad input names the argument and changes nothing.
    let bad = bitsq(&queue, &["setmaxdownloadsize", &id, "-1"]);
    assert_ne!(bad.status.code(), Some(0));
    assert!(text(&bad.stderr).contains("BYTES must be a whole number"));
    let bad = bitsq(&queue, &["setdynamiccontent", &id, "yes"]);
    assert_ne!(bad.status.code(), Some(0));
    assert!(text(&bad.stderr).contains("TRUE or FALSE"));
    let bad = bitsq(&queue, &["setmaxdownloadtime", &id, "soon"]);
    assert_ne!(bad.status.code(), Some(0));
    assert!(text(&bad.stderr).contains("SECONDS must be a whole number"));
    assert_eq!(ok(bitsq(&queue, &["getmaxdownloadsize", &id])), set);

    // Frozen by the first resume; an upload job has neither.
    ok(bitsq(&queue, &["resume", &id]));
    ok(bitsq(&queue, &["suspend", &id]));
    let frozen = bitsq(&queue, &["setmaxdownloadsize", &id, "5"]);
    assert_eq!(frozen.status.code(), Some(1));
    assert!(
        text(&frozen.stderr).contains("BG_E_READ_ONLY_PROPERTY_AFTER_RESUME"),
        "{}",
        text(&frozen.stderr)
    );
    let upload = ok(bitsq(&queue, &["create", "--upload", "up"]))
        .trim()
        .to_string();
    let refused = bitsq(&queue, &["setdynamiccontent", &upload, "true"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY"),
        "{}",
        text(&refused.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_service_fails_a_job_past_its_maximum_download_size() {
    let server = TestServer::start();
    server.put("/big.bin", test_bytes(50_000, 51));
    let dir = scratch("download-size");
    let queue = dir.join("queue.sqlite3");
    let id = ok(bitsq(&queue, &["create", "sized"])).trim().to_string();
    let local = dir.join("big.bin");
    ok(bitsq(
        &queue,
        &[
            "addfile",
            &id,
            &server.url("/big.bin"),
            local.to_str().unwrap(),
        ],
    ));
    ok(bitsq(&queue, &["setmaxdownloadsize", &id, "10000"]));
    ok(bitsq(&queue, &["resume", &id]));
    let mut service = Service::start(&queue, &[]);
    let info = wait_for(&queue, &id, "state:        error");
    service.signal(libc::SIGTERM);
    service.0.wait().unwrap();
    assert!(info.contains("0x80200064"), "{info}");
    assert!(info.contains("error count 1"), "{info}");
    let _ = std::fs::remove_dir_all(&dir);
}
