//! A job's HTTP method (contract §15.7) on the wire, against the
//! in-process server that logs each request's method: sent with
//! `Content-Length: 0` and no body, never with a Range (a dropped
//! connection is fatal, and the resumed job asks for the whole file
//! again), and turned into GET by a 303 only.

use bits_queue_host::{Job, JobState};
use bits_queue_tests::http_server::{Fault, Logged, test_bytes};

use crate::download_limits::download;
use crate::transfers::Setup;

/// A resumed download of `url` to `name` with `method`.
fn download_with(s: &Setup, method: &str, url: &str, name: &str) -> Job {
    download(s, url, name, |job| job.set_http_method(method).unwrap())
}

fn has_header(request: &Logged, header: &str) -> bool {
    request
        .headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case(header))
}

#[test]
fn the_method_is_sent_without_a_body_and_never_resumes_with_a_range() {
    let mut s = Setup::declaring();
    let bytes = test_bytes(300_000, 51);
    s.server.put("/m.bin", bytes.clone());
    s.server.fault("/m.bin", Fault::DropAfter(100_000));
    let job = download_with(&s, "REPORT", &s.server.url("/m.bin"), "m.bin");
    // A dropped connection, transient for a GET, is fatal here.
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8020_002E);
    job.resume().unwrap();
    s.service().wake();
    s.wait(&job, JobState::Transferred);
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("m.bin")).unwrap(), bytes);

    let requests = s.server.requests("/m.bin");
    assert_eq!(requests.len(), 2, "{requests:?}");
    for request in &requests {
        assert_eq!(request.method, "REPORT", "{request:?}");
        assert!(has_header(request, "Content-Length: 0"), "{request:?}");
        assert_eq!(request.range, None, "each start from 0: {request:?}");
    }
    assert_eq!(requests[1].status, 200);
}

#[test]
fn a_303_turns_the_method_into_get_and_a_307_keeps_it() {
    let mut s = Setup::declaring();
    let bytes = test_bytes(20_000, 52);
    s.server.put("/there.bin", bytes.clone());
    s.server.fault(
        "/see-other.bin",
        Fault::StatusWith(303, "Location: /there.bin".into()),
    );
    s.server.fault(
        "/temporary.bin",
        Fault::StatusWith(307, "Location: /there.bin".into()),
    );
    let first = download_with(&s, "PURGE", &s.server.url("/see-other.bin"), "a.bin");
    s.wait(&first, JobState::Transferred);
    let second = download_with(&s, "PURGE", &s.server.url("/temporary.bin"), "b.bin");
    s.wait(&second, JobState::Transferred);
    s.complete(&first);
    assert_eq!(std::fs::read(s.local("a.bin")).unwrap(), bytes);

    let methods: Vec<_> = s
        .server
        .log()
        .into_iter()
        .map(|r| (r.path, r.method))
        .collect();
    let expected = [
        ("/see-other.bin", "PURGE"),
        ("/there.bin", "GET"),
        ("/temporary.bin", "PURGE"),
        ("/there.bin", "PURGE"),
    ]
    .map(|(p, m)| (p.to_string(), m.to_string()));
    assert_eq!(methods, expected);
}
