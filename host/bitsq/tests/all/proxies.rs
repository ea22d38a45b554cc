//! Proxies end to end (docs/contract.md §15.6, §15.2): `bitsq
//! setproxysettings` names an in-process proxy on 127.0.0.1 that counts
//! what it forwards; the job must go through it unless its bypass list
//! names the server; a proxy's 407 is answered once with the proxy
//! credential `setcredentials` gave, and ends the job without one.

use std::io::Read;

use bits_queue_tests::http_proxy::TestProxy;
use bits_queue_tests::http_server::{TestServer, test_bytes};

use crate::credentials::{PASSWORD, assert_no_secret, everything, job, ok_with_stdin, scratch};
use crate::stored::{Service, bitsq, ok, wait_for};

#[test]
fn a_job_goes_through_its_proxy_unless_the_bypass_list_names_the_server() {
    let server = TestServer::start();
    server.put("/p.bin", test_bytes(80_000, 8));
    let proxy = TestProxy::start();
    let dir = scratch("proxy");
    let queue = dir.join("queue.sqlite3");
    let _service = Service::start(&queue, &[]);

    let through = job(&queue, &server.url("/p.bin"), &dir.join("a.bin"));
    ok(bitsq(
        &queue,
        &["setproxysettings", &through, "override", &proxy.address()],
    ));
    assert_eq!(
        ok(bitsq(&queue, &["getproxyusage", &through])).trim(),
        "OVERRIDE"
    );
    assert_eq!(
        ok(bitsq(&queue, &["getproxylist", &through])).trim(),
        proxy.address()
    );
    assert_eq!(
        ok(bitsq(&queue, &["getproxybypasslist", &through])).trim(),
        "NULL"
    );
    ok(bitsq(&queue, &["resume", &through]));
    wait_for(&queue, &through, "state:        transferred");
    assert_eq!(proxy.forwarded(), 1, "{:?}", proxy.log());
    ok(bitsq(&queue, &["complete", &through]));
    assert_eq!(
        std::fs::read(dir.join("a.bin")).unwrap(),
        test_bytes(80_000, 8)
    );

    let bypassed = job(&queue, &server.url("/p.bin"), &dir.join("b.bin"));
    ok(bitsq(
        &queue,
        &[
            "setproxysettings",
            &bypassed,
            "override",
            &proxy.address(),
            "<local> 127.0.0.1",
        ],
    ));
    let info = ok(bitsq(&queue, &["info", &bypassed]));
    assert!(info.contains("proxy:        override via"), "{info}");
    ok(bitsq(&queue, &["resume", &bypassed]));
    wait_for(&queue, &bypassed, "state:        transferred");
    assert_eq!(proxy.forwarded(), 1, "{:?}", proxy.log());
    let served = server.requests("/p.bin");
    assert_eq!(
        served.iter().filter(|r| r.status == 200).count(),
        2,
        "{served:?}"
    );

    // Bad settings are refused with the argument named, and change nothing.
    for bad in [
        vec!["setproxysettings", bypassed.as_str(), "override"],
        vec![
            "setproxysettings",
            through.as_str(),
            "no_proxy",
            "127.0.0.1:1",
        ],
        vec![
            "setproxysettings",
            through.as_str(),
            "override",
            "ann:pw@127.0.0.1:1",
        ],
        vec!["setproxysettings", bypassed.as_str(), "autodetect"],
    ] {
        let out = bitsq(&queue, &bad);
        assert_ne!(out.status.code(), Some(0), "{bad:?}");
    }
    assert_eq!(
        ok(bitsq(&queue, &["getproxybypasslist", &bypassed])).trim(),
        "<local> 127.0.0.1"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_proxy_407_is_answered_once_with_the_proxy_credential_and_fatal_without() {
    let server = TestServer::start();
    server.put("/q.bin", test_bytes(60_000, 9));
    let proxy = TestProxy::start_demanding("pat", PASSWORD);
    let dir = scratch("proxy407");
    let queue = dir.join("queue.sqlite3");
    let mut service = Service::start(&queue, &[]);

    let bare = job(&queue, &server.url("/q.bin"), &dir.join("bare.bin"));
    ok(bitsq(
        &queue,
        &["setproxysettings", &bare, "override", &proxy.address()],
    ));
    ok(bitsq(&queue, &["resume", &bare]));
    wait_for(&queue, &bare, "state:        error");
    let error = ok(bitsq(&queue, &["geterror", &bare]));
    assert!(error.contains("0x80190197"), "{error}");
    assert_eq!(proxy.forwarded(), 0, "{:?}", proxy.log());

    let id = job(&queue, &server.url("/q.bin"), &dir.join("q.bin"));
    ok(bitsq(
        &queue,
        &["setproxysettings", &id, "override", &proxy.address()],
    ));
    ok_with_stdin(
        &queue,
        &["setcredentials", &id, "proxy", "basic", "pat", "-"],
        &format!("{PASSWORD}\n"),
    );
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transferred");
    let log = proxy.log();
    // One 407 for the bare job, one for this one's first CONNECT, then one
    // CONNECT with the credential: answered once.
    assert_eq!(proxy.forwarded(), 1, "{log:?}");
    assert_eq!(
        log.iter()
            .filter(|r| r.proxy_authorization.is_some())
            .count(),
        1,
        "{log:?}"
    );
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(server.requests("/q.bin").iter().all(|r| {
        !r.headers
            .iter()
            .any(|h| h.to_ascii_lowercase().starts_with("proxy-authorization"))
    }));

    let mut outputs = Vec::new();
    for args in [
        vec!["info", id.as_str()],
        vec!["info", bare.as_str()],
        vec!["geterror", bare.as_str()],
        vec!["getproxylist", id.as_str()],
        vec!["list"],
        vec!["monitor", "1"],
    ] {
        outputs.push(everything(&bitsq(&queue, &args)));
    }
    ok(bitsq(&queue, &["complete", &id]));
    service.signal(libc::SIGTERM);
    service.0.wait().unwrap();
    let mut logged = Vec::new();
    if let Some(mut out) = service.0.stdout.take() {
        out.read_to_end(&mut logged).unwrap();
    }
    if let Some(mut err) = service.0.stderr.take() {
        err.read_to_end(&mut logged).unwrap();
    }
    outputs.push(logged);
    for bytes in &outputs {
        assert_no_secret("an output", bytes);
    }
    for file in ["queue.sqlite3", "queue.sqlite3-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(file)) {
            assert_no_secret(file, &bytes);
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// §15.2: a proxy that demands digest gets one answer, computed with the
/// job's proxy digest credential (checked against the password, which is
/// never sent), and only the proxy sees it; a job with only a basic
/// credential cannot answer it and ends in `error` with the 407.
#[test]
fn a_proxys_digest_challenge_is_answered_once() {
    use bits_queue_tests::digest_demand::DigestDemand;
    let server = TestServer::start();
    server.put("/d.bin", test_bytes(40_000, 10));
    let proxy =
        TestProxy::start_demanding_digest(DigestDemand::new("pat", PASSWORD, &["MD5", "SHA-256"]));
    let dir = scratch("proxy-digest");
    let queue = dir.join("queue.sqlite3");
    let _service = Service::start(&queue, &[]);

    let basic_only = job(&queue, &server.url("/d.bin"), &dir.join("b.bin"));
    ok(bitsq(
        &queue,
        &[
            "setproxysettings",
            &basic_only,
            "override",
            &proxy.address(),
        ],
    ));
    ok_with_stdin(
        &queue,
        &["setcredentials", &basic_only, "proxy", "basic", "pat", "-"],
        &format!("{PASSWORD}\n"),
    );
    ok(bitsq(&queue, &["resume", &basic_only]));
    wait_for(&queue, &basic_only, "state:        error");
    let error = ok(bitsq(&queue, &["geterror", &basic_only]));
    assert!(error.contains("0x80190197"), "{error}");
    assert_eq!(proxy.forwarded(), 0, "{:?}", proxy.log());

    let id = job(&queue, &server.url("/d.bin"), &dir.join("d.bin"));
    ok(bitsq(
        &queue,
        &["setproxysettings", &id, "override", &proxy.address()],
    ));
    ok_with_stdin(
        &queue,
        &["setcredentials", &id, "proxy", "digest", "pat", "-"],
        &format!("{PASSWORD}\n"),
    );
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transferred");
    let log = proxy.log();
    assert_eq!(proxy.forwarded(), 1, "{log:?}");
    let answers: Vec<_> = log
        .iter()
        .filter_map(|r| r.proxy_authorization.as_deref())
        .collect();
    assert_eq!(answers.len(), 1, "answered once: {log:?}");
    assert!(answers[0].starts_with("Digest "), "{log:?}");
    assert!(answers[0].contains("algorithm=SHA-256"), "{log:?}");
    assert!(!answers[0].contains(PASSWORD));
    assert!(server.requests("/d.bin").iter().all(|r| {
        !r.headers
            .iter()
            .any(|h| h.to_ascii_lowercase().starts_with("proxy-authorization"))
    }));
    ok(bitsq(&queue, &["complete", &id]));
    assert_eq!(
        std::fs::read(dir.join("d.bin")).unwrap(),
        test_bytes(40_000, 10)
    );
    std::fs::remove_dir_all(dir).unwrap();
}
