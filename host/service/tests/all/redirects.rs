//! Redirects as contract §15.4 says: followed (301, 302, 303, 307, 308),
//! and `redirect-failed` (fatal, ERROR_WINHTTP_REDIRECT_FAILED) for a loop
//! or a Location that is not http or https, which is never requested.
//! Retry-After on a 503 (§15.8) keeps the job waiting that long.

use bits_queue_host::{JobErrorContext, JobState};
use bits_queue_tests::http_server::{Fault, test_bytes};

use crate::transfers::Setup;

/// ERROR_WINHTTP_REDIRECT_FAILED as an HRESULT.
const REDIRECT_FAILED: u32 = 0x8007_2F7C;

fn location(to: &str) -> Fault {
    Fault::StatusWith(302, format!("Location: {to}"))
}

#[test]
fn a_redirect_is_followed_to_the_file() {
    let mut s = Setup::new();
    let bytes = test_bytes(50_000, 41);
    s.server.put("/there.bin", bytes.clone());
    s.server.fault("/here.bin", location("/there.bin"));
    let job = s.download(&s.server.url("/here.bin"), "here.bin");
    s.wait(&job, JobState::Transferred);
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("here.bin")).unwrap(), bytes);
}

#[test]
fn a_redirect_loop_fails_without_retries() {
    let s = Setup::new();
    s.server.fault("/a.bin", location("/b.bin"));
    s.server.fault("/b.bin", location(&s.server.url("/a.bin")));
    let job = s.download(&s.server.url("/a.bin"), "a.bin");
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, REDIRECT_FAILED, "{}", error.description);
    assert_eq!(error.context, JobErrorContext::RemoteFile);
    assert!(error.description.contains("loop"), "{}", error.description);
}

#[test]
fn a_redirect_to_a_file_url_is_reported_as_such_and_not_followed() {
    let s = Setup::new();
    s.server.fault("/x.bin", location("file:///etc/passwd"));
    let job = s.download(&s.server.url("/x.bin"), "x.bin");
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, REDIRECT_FAILED, "{}", error.description);
    assert!(
        error.description.contains("file:///etc/passwd")
            && error.description.contains("not an http or https URL"),
        "{}",
        error.description
    );
    // Not asked of the same server as a path, as ureq's following did.
    assert!(s.server.requests("/etc/passwd").is_empty());
}

#[test]
fn retry_after_keeps_a_503_waiting_past_the_retry_delay() {
    let s = Setup::new();
    s.server.put("/busy.bin", test_bytes(1_000, 42));
    s.server.fault(
        "/busy.bin",
        Fault::StatusWith(503, "Retry-After: 3600".into()),
    );
    let job = s.download(&s.server.url("/busy.bin"), "busy.bin");
    s.wait(&job, JobState::TransientError);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8019_01F7);
    // The job's own delay is 5 s; the server asked for an hour, so the
    // queue wakes for this job no sooner (the clock stands still here).
    let wake = s.queue.next_wake().unwrap().expect("a retry is due");
    assert!(
        wake.seconds >= 1_800_000_000 + 3600,
        "the retry is due at {}, before the hour the server asked",
        wake.seconds
    );
    assert_eq!(s.server.requests("/busy.bin").len(), 1);
}

/// Whether a logged request carried the header `name`.
fn carried(request: &bits_queue_tests::http_server::Logged, name: &str) -> bool {
    request.headers.iter().any(|h| {
        h.split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
    })
}

/// §15.4: credentials and custom headers belong to the origin a client
/// gave the file. A redirect to another origin never carries them, and
/// once `report-redirected` (ALLOW_REPORT) moved the remote name there,
/// the file's next attempts, which now start at that origin, carry none
/// either; a redirect within the origin keeps them.
#[test]
fn headers_stay_with_the_origin_the_client_named() {
    use bits_queue_host::security::REDIRECT_POLICY_ALLOW_REPORT;
    let mut s = Setup::new();
    let elsewhere = bits_queue_tests::http_server::TestServer::start();
    let bytes = test_bytes(40_000, 43);
    elsewhere.put("/there.bin", bytes.clone());
    // The first answer there breaks off: the retry starts there.
    elsewhere.fault("/there.bin", Fault::DropAfter(1_000));
    s.server
        .fault("/here.bin", location(&elsewhere.url("/there.bin")));
    let job = s.download_with(&s.server.url("/here.bin"), "here.bin", |job| {
        job.set_security_flags(REDIRECT_POLICY_ALLOW_REPORT)
            .unwrap();
        job.set_custom_headers(Some("X-Team: blue\r\n")).unwrap();
    });
    s.wait(&job, JobState::TransientError);
    assert_eq!(
        job.files().unwrap()[0].remote_name,
        elsewhere.url("/there.bin"),
        "the name became the URL the redirect led to"
    );
    s.retry();
    s.wait(&job, JobState::Transferred);
    assert!(carried(&s.server.requests("/here.bin")[0], "x-team"));
    let there = elsewhere.requests("/there.bin");
    assert_eq!(there.len(), 2, "the redirect's request, then the retry's");
    for request in &there {
        assert!(!carried(request, "x-team"), "{request:?}");
    }

    // Within one origin the headers go on.
    s.server.put("/same.bin", vec![5; 10]);
    s.server.fault("/moved.bin", location("/same.bin"));
    let moved = s.download_with(&s.server.url("/moved.bin"), "moved.bin", |job| {
        job.set_security_flags(REDIRECT_POLICY_ALLOW_REPORT)
            .unwrap();
        job.set_custom_headers(Some("X-Team: blue\r\n")).unwrap();
    });
    s.wait(&moved, JobState::Transferred);
    assert!(carried(&s.server.requests("/same.bin")[0], "x-team"));
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("here.bin")).unwrap(), bytes);
}
