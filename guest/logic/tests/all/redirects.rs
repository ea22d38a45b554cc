//! Redirect reports (docs/contract.md §15.4), natively: `report-redirected`
//! makes the URL the remote name (journaled; a URL it may not become is
//! `invalid-argument` and the name stays), `redirect-refused` makes the
//! location the name as Windows does, and a name a redirect moved to
//! another origin orders no server credentials and no custom headers until
//! a client names the file again. The mark is journaled as record version
//! 10, which reads back exactly and refuses what no job could hold.

use bits_queue_contract::{
    Action, AuthScheme, AuthTarget, CredentialSlot, Credentials, FailureDetail, FileRef,
    HttpSettings, JobType, TransferOrder, security,
};
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::{ErrorCode, JobState};

use crate::credentials::{download, queue, read_back, records};

/// The first `start` order the next poll gives.
fn start(queue: &QueueState) -> TransferOrder {
    queue
        .poll()
        .into_iter()
        .find_map(|a| match a {
            Action::Start(order) => Some(order),
            _ => None,
        })
        .expect("a start order")
}

/// A declared queue's download of `https://example.com/d` with readable
/// custom headers and server and proxy basic credentials, in flight.
fn in_flight(flags: u32) -> (QueueState, JobRef, FileRef) {
    let queue = queue();
    queue.declare_order_details();
    let job = download(&queue);
    job.set_security_flags(flags).unwrap();
    job.set_custom_headers(Some("X-Team: blue\r\n")).unwrap();
    for target in [AuthTarget::Server, AuthTarget::Proxy] {
        job.set_credentials(Credentials {
            target,
            scheme: AuthScheme::Basic,
            user_name: "ann".into(),
            password: "pw".into(),
        })
        .unwrap();
    }
    job.resume().unwrap();
    let file = start(&queue).file;
    (queue, job, file)
}

fn settings(queue: &QueueState, file: FileRef) -> HttpSettings {
    queue.order_details(file).expect("in flight").http
}

/// What the client gave: headers, and both credentials.
fn as_given(http: &HttpSettings) -> bool {
    http.custom_headers.as_deref() == Some("X-Team: blue\r\n") && http.credentials.len() == 2
}

/// Only the proxy's credential, no headers.
fn origin_stripped(http: &HttpSettings) -> bool {
    http.custom_headers.is_none()
        && !http.secret_headers
        && http.credentials
            == [CredentialSlot {
                target: AuthTarget::Proxy,
                scheme: AuthScheme::Basic,
            }]
}

fn name(job: &JobRef) -> String {
    job.files()[0].remote_name.clone()
}

#[test]
fn report_redirected_makes_the_url_the_remote_name() {
    let (queue, job, file) = in_flight(security::REDIRECT_POLICY_ALLOW_REPORT);
    queue.take_changes();
    queue
        .report_redirected(file, "https://example.com/v2/d")
        .unwrap();
    assert_eq!(name(&job), "https://example.com/v2/d");
    assert_eq!(records(&queue).len(), 1, "journaled");
    assert_eq!(job.state(), JobState::Connecting, "still in flight");
    assert!(as_given(&settings(&queue, file)), "the same origin");
    queue.report_connected(file, Some(10), None).unwrap();
    queue.report_progress(file, 10).unwrap();
    queue.report_done(file).unwrap();
    assert_eq!(job.state(), JobState::Transferred);
    // Reporting the same name again changes nothing (not even a record).
    let (queue, _, file) = in_flight(0);
    queue.take_changes();
    queue
        .report_redirected(file, "https://example.com/d")
        .unwrap();
    assert!(records(&queue).is_empty());
}

/// A URL the name may not become: `invalid-argument`, nothing changes.
#[test]
fn a_url_the_name_cannot_become_is_refused() {
    let (queue, job, file) = in_flight(security::REDIRECT_POLICY_ALLOW_REPORT);
    let long = format!("https://example.com/{}", "a".repeat(2200));
    queue.take_changes();
    for bad in [
        "file:///etc/passwd",
        "ftp://example.com/d",
        "https://ann:pw@example.com/d",
        "https://example.com:99999/d",
        "https://exa mple.com/d",
        // https → http without ALLOW_HTTPS_TO_HTTP.
        "http://example.com/d",
        long.as_str(),
    ] {
        assert_eq!(
            queue.report_redirected(file, bad),
            Err(ErrorCode::InvalidArgument),
            "{bad}"
        );
    }
    assert_eq!(name(&job), "https://example.com/d");
    assert!(records(&queue).is_empty(), "a refusal changes nothing");
    // With the flag, the downgrade may be the name.
    let downgrade =
        security::REDIRECT_POLICY_ALLOW_REPORT | security::REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP;
    let (queue, job, file) = in_flight(downgrade);
    queue
        .report_redirected(file, "http://example.com/d")
        .unwrap();
    assert_eq!(name(&job), "http://example.com/d");
    // Not in flight: `invalid-state`; an unknown job: `not-found`.
    job.suspend().unwrap();
    assert_eq!(
        queue.report_redirected(file, "https://example.com/e"),
        Err(ErrorCode::InvalidState)
    );
    let gone = FileRef {
        job: bits_queue_contract::Guid::from_bytes([7; 16]),
        file_index: 0,
    };
    assert_eq!(
        queue.report_redirected(gone, "https://example.com/e"),
        Err(ErrorCode::NotFound)
    );
    // An upload's redirects are never reported.
    let queue = queue_declared();
    let upload = queue.create_job("u", JobType::Upload).unwrap();
    upload.add_file("https://example.com/u", "/data/u").unwrap();
    upload.resume().unwrap();
    let file = start(&queue).file;
    assert_eq!(
        queue.report_redirected(file, "https://example.com/v"),
        Err(ErrorCode::InvalidArgument)
    );
    assert_eq!(upload.files()[0].remote_name, "https://example.com/u");
}

fn queue_declared() -> QueueState {
    let queue = queue();
    queue.declare_order_details();
    queue
}

/// §15.4: once a report moves the name to another origin, the file's
/// orders carry no server credentials and no custom headers (the proxy's
/// credential stays), until a client names the file again.
#[test]
fn another_origin_gets_no_credentials_or_headers_until_renamed() {
    let (queue, job, file) = in_flight(security::REDIRECT_POLICY_ALLOW_REPORT);
    assert!(as_given(&settings(&queue, file)));
    queue
        .report_redirected(file, "https://cdn.example.net/d")
        .unwrap();
    assert!(origin_stripped(&settings(&queue, file)));
    // Back at the first origin by a later redirect: still stripped, since
    // no client named it.
    queue
        .report_redirected(file, "https://example.com/back")
        .unwrap();
    assert!(origin_stripped(&settings(&queue, file)));
    // The next attempt too, and after a restore from the journal.
    queue.report_lost(file).unwrap();
    let bytes = records(&queue).pop().unwrap();
    let other = read_back(job.id(), bytes).unwrap();
    other.declare_order_details();
    let restored = other.get_job(&job.id()).unwrap();
    assert_eq!(restored.snapshot(), job.snapshot(), "exactly");
    let order = start(&other);
    assert!(origin_stripped(&settings(&other, order.file)));
    // A client names the file: what it gave applies again.
    restored
        .set_remote_name(0, "https://cdn.example.net/d")
        .unwrap();
    let order = start(&other);
    assert!(as_given(&settings(&other, order.file)));
    // replace-remote-prefix names it too.
    let (queue, job, file) = in_flight(security::REDIRECT_POLICY_ALLOW_REPORT);
    queue
        .report_redirected(file, "http://example.com:8080/d")
        .unwrap_err();
    queue
        .report_redirected(file, "https://example.com:8443/d")
        .unwrap();
    assert!(origin_stripped(&settings(&queue, file)), "another port");
    assert!(
        job.replace_remote_prefix("https://example.com:8443/", "https://mirror.example/")
            .unwrap()
    );
    let order = start(&queue);
    assert!(as_given(&settings(&queue, order.file)));
}

/// DISALLOW: `redirect-refused` ends the job in `error`, and the name
/// becomes the location if it may; otherwise it stays. A location at
/// another origin is marked as a report's would be.
#[test]
fn redirect_refused_makes_the_location_the_name() {
    let disallow = security::REDIRECT_POLICY_DISALLOW;
    let refused = |location: &str| FailureDetail::RedirectRefused(302, location.into());
    let (queue, job, file) = in_flight(disallow);
    queue
        .report_failure_detail(file, &refused("https://cdn.example.net/d"))
        .unwrap();
    assert_eq!(job.state(), JobState::Error);
    assert_eq!(job.error().unwrap().hresult, 0x8007_012E);
    assert_eq!(name(&job), "https://cdn.example.net/d");
    job.resume().unwrap();
    let order = start(&queue);
    assert_eq!(order.remote_name, "https://cdn.example.net/d");
    assert!(origin_stripped(&settings(&queue, order.file)));
    for stays in [
        "file:///etc/passwd",
        "https://ann:pw@example.com/x",
        "http://example.com/d",
        "not a url",
    ] {
        let (queue, job, file) = in_flight(disallow);
        queue.report_failure_detail(file, &refused(stays)).unwrap();
        assert_eq!(job.state(), JobState::Error, "{stays}");
        assert_eq!(name(&job), "https://example.com/d", "{stays}");
    }
}

/// §14.1: the mark is journaled as version 10, written only for a job
/// with a marked file; a record no job could hold does not read.
#[test]
fn the_mark_is_journaled_as_version_10() {
    let (queue, job, file) = in_flight(security::REDIRECT_POLICY_ALLOW_REPORT);
    job.add_file("https://example.com/e", "/data/e").unwrap();
    let before = records(&queue).pop().unwrap();
    assert!(before[0] < 10, "no mark, no version 10");
    queue
        .report_redirected(file, "https://example.com/same-origin")
        .unwrap();
    assert!(records(&queue).pop().unwrap()[0] < 10, "the same origin");
    queue
        .report_redirected(file, "https://cdn.example.net/d")
        .unwrap();
    let bytes = records(&queue).pop().unwrap();
    assert_eq!(bytes[0], 10);
    // The addition ends the record: one marked file, index 0.
    assert_eq!(&bytes[bytes.len() - 2..], &[1, 0]);
    let other = read_back(job.id(), bytes.clone()).unwrap();
    assert_eq!(other.get_job(&job.id()).unwrap().snapshot(), job.snapshot());
    let forge = |tail: &[u8]| {
        let mut forged = bytes[..bytes.len() - 2].to_vec();
        forged.extend_from_slice(tail);
        read_back(job.id(), forged)
    };
    assert!(forge(&[1, 1]).is_ok(), "the other file");
    assert!(forge(&[2, 0, 1]).is_ok(), "both");
    assert!(forge(&[0]).is_err(), "a needless version 10");
    assert!(forge(&[1, 2]).is_err(), "no such file");
    assert!(forge(&[2, 1, 0]).is_err(), "not ascending");
    assert!(forge(&[2, 0, 0]).is_err(), "twice");
    assert!(forge(&[3, 0, 1, 1]).is_err(), "more marks than files");
    assert!(forge(&[1, 0, 0]).is_err(), "trailing bytes");
    let mut nine = bytes.clone();
    nine[0] = 9;
    assert!(
        read_back(job.id(), nine).is_err(),
        "version 9 is not this tree's"
    );
    // A client naming the file again leaves version 10.
    job.set_remote_name(0, "https://example.com/d").unwrap();
    assert!(records(&queue).pop().unwrap()[0] < 10);
}
