//! The HTTP method (docs/contract.md §15.7), natively: what
//! `set-http-method` accepts and refuses (in §14.1's order, a refusal
//! changing nothing), how a custom method changes the job (foreground for
//! good, transient failures fatal, each start from 0), what an order's
//! details carry, and that the method survives a record as version 6.

use bits_queue_contract::{CallError, ErrorCode, FileRef, TransferFailure};
use bits_queue_logic::queue::JobRef;
use bits_queue_logic::{JobPriority, JobState, JobType};

use crate::credentials::{download, queue, read_back, records};

use crate::download_limits::start as started;

fn first(job: &JobRef) -> FileRef {
    FileRef {
        job: job.id(),
        file_index: 0,
    }
}

#[test]
fn the_method_is_checked_in_order_and_a_refusal_changes_nothing() {
    let queue = queue();
    let job = download(&queue);
    assert_eq!(job.http_method(), "GET");
    let upload = queue.create_job("u", JobType::Upload).unwrap();
    assert_eq!(upload.http_method(), "BITS_POST");
    assert_eq!(
        upload.set_http_method("PURGE"),
        Err(CallError::NotImplemented)
    );

    let long = "X".repeat(33);
    for bad in [
        "",
        long.as_str(),
        "GE T",
        "GET\r\n",
        "PÜT",
        "CONNECT",
        "TRACE",
        "HEAD",
        "BITS_POST",
    ] {
        assert_eq!(
            job.set_http_method(bad),
            Err(CallError::InvalidArgument),
            "{bad:?}"
        );
    }
    assert_eq!(job.http_method(), "GET", "a refusal changes nothing");
    assert_eq!(job.priority(), JobPriority::Normal);

    // Case-sensitive: `head` is a method of its own; 32 characters fit.
    job.set_http_method("head").unwrap();
    job.set_http_method(&"M".repeat(32)).unwrap();
    job.set_http_method("PURGE").unwrap();
    assert_eq!(job.http_method(), "PURGE");
    assert_eq!(job.priority(), JobPriority::Foreground);

    // Foreground for good (§15.10 item 3); GET restores the default.
    assert_eq!(
        job.set_priority(JobPriority::Normal),
        Err(ErrorCode::InvalidState)
    );
    job.set_priority(JobPriority::Foreground).unwrap();
    job.set_http_method("GET").unwrap();
    assert_eq!(job.http_method(), "GET");
    job.set_priority(JobPriority::Low).unwrap();

    // Only before the first resume; never on a final job.
    job.set_http_method("PURGE").unwrap();
    job.resume().unwrap();
    assert_eq!(
        job.set_http_method("GET"),
        Err(CallError::ReadOnlyAfterResume)
    );
    job.cancel().unwrap();
    assert_eq!(job.set_http_method("GET"), Err(CallError::InvalidState));
    assert_eq!(job.http_method(), "PURGE", "getters answer in every state");
}

#[test]
fn a_custom_method_makes_transient_failures_fatal_and_starts_from_zero() {
    let queue = queue();
    queue.declare_order_details();
    let job = download(&queue);
    job.set_http_method("REPORT").unwrap();
    job.resume().unwrap();
    let order = started(&queue);
    let details = queue.order_details(order.file).unwrap();
    assert_eq!(details.http.method, "REPORT");

    queue
        .report_connected(first(&job), Some(1_000), Some("\"v1\"".into()))
        .unwrap();
    queue.report_progress(first(&job), 400).unwrap();
    // A lost transfer is queued again as usual, but starts from 0.
    queue.report_lost(first(&job)).unwrap();
    let order = started(&queue);
    assert_eq!(order.offset, 0, "no Range: each start begins at 0");
    assert_eq!(job.progress().bytes_transferred, 0);

    // A failure every GET would retry is fatal.
    queue
        .report_failure(first(&job), &TransferFailure::ConnectFailed("reset".into()))
        .unwrap();
    assert_eq!(job.state(), JobState::Error);
    assert_eq!(job.error().unwrap().hresult, 0x8020_002D);

    // The same failure of a GET job is transient.
    let plain = download(&queue);
    plain.set_priority(JobPriority::Foreground).unwrap();
    plain.resume().unwrap();
    let order = started(&queue);
    queue
        .report_failure(order.file, &TransferFailure::ConnectFailed("reset".into()))
        .unwrap();
    assert_eq!(plain.state(), JobState::TransientError);
}

#[test]
fn the_method_survives_a_record_as_version_6() {
    let queue = queue();
    let job = download(&queue);
    assert!(
        records(&queue).iter().all(|r| r[0] < 6),
        "GET needs no version 6"
    );
    job.set_http_method("PROPFIND").unwrap();
    let bytes = records(&queue).pop().expect("a record");
    assert_eq!(bytes[0], 6);
    let other = read_back(job.id(), bytes.clone()).unwrap();
    let copy = other.get_job(&job.id()).unwrap();
    assert_eq!(copy.http_method(), "PROPFIND");
    assert_eq!(copy.priority(), JobPriority::Foreground);

    // A version-6 record holding a method a call would refuse is
    // unreadable.
    let mut forged = bytes;
    let at = forged.len() - "PROPFIND".len();
    forged[at..].copy_from_slice(b"PROP FND");
    assert!(read_back(job.id(), forged).is_err());
}
