//! Contract §16.2 (maximum download time), §16.3 (error count), §16.7
//! (maximum download size) and §16.8 (dynamic content), natively with a
//! clock the tests move.

use bits_queue_contract::job_limits::{
    DEFAULT_MAXIMUM_DOWNLOAD_TIME, MAX_DOWNLOAD_SIZE_LIMIT_REACHED, MAXDOWNLOAD_TIMEOUT,
};
use bits_queue_contract::{
    Action, CallError, Change, Datetime, JobErrorContext, NotifyEvent, TransferFailure,
    TransferOrder,
};
use bits_queue_logic::clock::ManualClock;

use crate::engine::stops;
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::random::SplitMix64;
use bits_queue_logic::{JobState, JobType};

const T0: Datetime = Datetime::from_seconds(1_700_000_000);

fn queue() -> (QueueState, ManualClock) {
    let clock = ManualClock::at(T0);
    let queue = QueueState::with_clock(SplitMix64::new(16), clock.clone());
    queue.declare_order_details();
    (queue, clock)
}

/// A download job of `files` files, not resumed.
fn download(queue: &QueueState, files: usize) -> JobRef {
    let job = queue.create_job("limits", JobType::Download).unwrap();
    for i in 0..files {
        job.add_file(format!("https://example.com/{i}"), format!("/data/{i}"))
            .unwrap();
    }
    job
}

/// Polls; the one start order there must be.
pub(crate) fn start(queue: &QueueState) -> TransferOrder {
    let orders: Vec<TransferOrder> = queue
        .poll()
        .into_iter()
        .filter_map(|a| match a {
            Action::Start(order) => Some(order),
            _ => None,
        })
        .collect();
    assert_eq!(orders.len(), 1, "{orders:?}");
    orders.into_iter().next().unwrap()
}

fn error_notices(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::Notify(_, NotifyEvent::Error)))
        .count()
}

/// §16.2: the limit counts only `connecting` and `transferring`; when it
/// is reached, the next poll stops the transfer and the job is in error
/// with BG_E_MAXDOWNLOAD_TIMEOUT, counted once.
#[test]
fn the_maximum_download_time_counts_only_transfers() {
    let (queue, clock) = queue();
    let job = download(&queue, 1);
    assert_eq!(job.maximum_download_time(), DEFAULT_MAXIMUM_DOWNLOAD_TIME);
    job.set_maximum_download_time(100).unwrap();
    job.set_minimum_retry_delay(60).unwrap();
    job.resume().unwrap();
    let file = start(&queue).file;
    queue.report_connected(file, Some(1000), None).unwrap();
    clock.advance(40);
    queue
        .report_failure(file, &TransferFailure::Interrupted("reset".into()))
        .unwrap();
    assert_eq!(job.state(), JobState::TransientError);
    // Waiting for the retry does not count.
    clock.advance(5_000);
    let again = start(&queue).file;
    assert_eq!(queue.next_wake(), Some(clock.get().plus_seconds(60)));
    clock.advance(59);
    let actions = queue.poll();
    assert!(stops(&actions).is_empty(), "{actions:?}");
    assert_eq!(job.state(), JobState::Connecting);
    clock.advance(1);
    let actions = queue.poll();
    assert_eq!(stops(&actions), [again]);
    assert_eq!(error_notices(&actions), 1);
    assert_eq!(job.state(), JobState::Error);
    let error = job.error().unwrap();
    assert_eq!(error.hresult, MAXDOWNLOAD_TIMEOUT);
    assert_eq!(error.context, JobErrorContext::GeneralQueueManager);
    assert_eq!(error.file_index, Some(0));
    // The transient failure and the time limit.
    assert_eq!(job.error_count(), 2);
}

/// §16.2: every successful resume starts the count again; a job at its
/// limit is never started; 0 is no limit; the deadline is in the order's
/// details.
#[test]
fn resume_restarts_the_count_and_a_job_at_its_limit_never_starts() {
    let (queue, clock) = queue();
    let job = download(&queue, 1);
    job.set_maximum_download_time(100).unwrap();
    job.resume().unwrap();
    let file = start(&queue).file;
    let details = queue.order_details(file).unwrap();
    assert_eq!(details.deadline, Some(clock.get().plus_seconds(100)));
    clock.advance(80);
    queue.report_lost(file).unwrap();
    job.set_maximum_download_time(80).unwrap();
    let actions = queue.poll();
    assert!(
        !actions.iter().any(|a| matches!(a, Action::Start(_))),
        "{actions:?}"
    );
    assert_eq!(job.error().unwrap().hresult, MAXDOWNLOAD_TIMEOUT);
    job.set_maximum_download_time(100).unwrap();
    job.resume().unwrap();
    start(&queue);
    clock.advance(99);
    queue.poll();
    assert_eq!(job.state(), JobState::Connecting, "counted from 0 again");
    job.set_maximum_download_time(0).unwrap();
    clock.advance(100_000_000);
    queue.poll();
    assert_eq!(job.state(), JobState::Connecting, "no limit");
    assert_eq!(queue.next_wake(), None);
}

/// §16.2: the time used and when the count began are journaled, so the
/// count goes on in another instance of the queue.
#[test]
fn the_count_is_journaled() {
    let (queue, clock) = queue();
    let job = download(&queue, 1);
    job.set_maximum_download_time(100).unwrap();
    job.resume().unwrap();
    start(&queue);
    clock.advance(30);
    let changes: Vec<Change> = queue.take_changes();
    let other = QueueState::with_clock(SplitMix64::new(17), clock.clone());
    other.apply(&changes).unwrap();
    let copy = other.get_job(&job.id()).unwrap();
    assert_eq!(copy.snapshot(), job.snapshot());
    assert_eq!(other.next_wake(), Some(T0.plus_seconds(100)));
    clock.advance(70);
    other.poll();
    assert_eq!(copy.state(), JobState::Error);
    assert_eq!(copy.error().unwrap().hresult, MAXDOWNLOAD_TIMEOUT);
}

/// §16.3: every accepted failure report counts, transient or fatal; the
/// no-progress deadline, report-lost and refused reports do not.
#[test]
fn the_error_count_counts_failure_reports() {
    let (queue, clock) = queue();
    let job = download(&queue, 1);
    job.set_no_progress_timeout(100).unwrap();
    job.resume().unwrap();
    assert_eq!(job.error_count(), 0);
    let file = start(&queue).file;
    queue.report_lost(file).unwrap();
    assert_eq!(job.error_count(), 0, "report-lost does not count");
    let file = start(&queue).file;
    queue
        .report_failure(file, &TransferFailure::Interrupted("reset".into()))
        .unwrap();
    assert_eq!(job.error_count(), 1);
    assert!(
        queue
            .report_failure(file, &TransferFailure::HttpStatus(404))
            .is_err(),
        "not in flight"
    );
    assert_eq!(job.error_count(), 1, "a refused report does not count");
    clock.advance(100);
    queue.poll();
    assert_eq!(job.state(), JobState::Error, "no-progress deadline");
    assert_eq!(job.error_count(), 1, "the deadline does not count");
    job.resume().unwrap();
    let file = start(&queue).file;
    queue
        .report_failure(file, &TransferFailure::HttpStatus(404))
        .unwrap();
    assert_eq!(job.state(), JobState::Error);
    assert_eq!(job.error_count(), 2, "never reset by resume");
}

/// §16.7: the setter's checks, in the contract's order.
#[test]
fn the_maximum_download_size_setter_checks() {
    let (queue, _) = queue();
    let upload = queue.create_job("u", JobType::Upload).unwrap();
    assert_eq!(
        upload.set_maximum_download_size(5),
        Err(CallError::DownloadJobsOnly)
    );
    let job = download(&queue, 1);
    assert_eq!(job.maximum_download_size(), 0);
    job.set_maximum_download_size(5).unwrap();
    assert_eq!(job.maximum_download_size(), 5);
    job.resume().unwrap();
    job.suspend().unwrap();
    assert_eq!(
        job.set_maximum_download_size(6),
        Err(CallError::ReadOnlyAfterResume)
    );
    assert_eq!(job.maximum_download_size(), 5);
    job.cancel().unwrap();
    assert_eq!(
        job.set_maximum_download_size(6),
        Err(CallError::InvalidState)
    );
}

/// §16.7: the first report whose known sizes add up to more than the limit
/// puts the job in error (the report succeeds); the next poll stops it.
#[test]
fn known_sizes_past_the_maximum_download_size_fail_the_job() {
    let (queue, _) = queue();
    let job = download(&queue, 2);
    job.set_maximum_download_size(100).unwrap();
    job.resume().unwrap();
    let first = start(&queue).file;
    queue.report_connected(first, Some(60), None).unwrap();
    queue.report_progress(first, 60).unwrap();
    queue.report_done(first).unwrap();
    let second = start(&queue).file;
    assert_eq!(job.state(), JobState::Connecting);
    queue.report_connected(second, Some(41), None).unwrap();
    assert_eq!(job.state(), JobState::Error);
    let error = job.error().unwrap();
    assert_eq!(error.hresult, MAX_DOWNLOAD_SIZE_LIMIT_REACHED);
    assert_eq!(error.context, JobErrorContext::RemoteFile);
    assert_eq!(error.file_index, Some(1));
    assert_eq!(job.error_count(), 1);
    let actions = queue.poll();
    assert_eq!(stops(&actions), [second]);
    assert_eq!(error_notices(&actions), 1);
}

/// §16.7: with no size known, the bytes that arrived decide; exactly the
/// limit is fine.
#[test]
fn bytes_past_the_maximum_download_size_fail_the_job() {
    let (queue, _) = queue();
    let job = download(&queue, 1);
    job.set_maximum_download_size(100).unwrap();
    job.resume().unwrap();
    let file = start(&queue).file;
    queue.report_connected(file, None, None).unwrap();
    queue.report_progress(file, 100).unwrap();
    assert_eq!(job.state(), JobState::Transferring);
    queue.report_progress(file, 101).unwrap();
    assert_eq!(job.state(), JobState::Error);
    assert_eq!(
        job.error().unwrap().hresult,
        MAX_DOWNLOAD_SIZE_LIMIT_REACHED
    );
    assert_eq!(stops(&queue.poll()), [file]);
}

/// §16.8: download jobs only, before the first resume.
#[test]
fn the_dynamic_content_setter_checks() {
    let (queue, _) = queue();
    let upload = queue.create_job("u", JobType::Upload).unwrap();
    assert_eq!(
        upload.set_dynamic_content(true),
        Err(CallError::DownloadJobsOnly)
    );
    let job = download(&queue, 1);
    assert!(!job.dynamic_content());
    job.set_dynamic_content(true).unwrap();
    assert!(job.dynamic_content());
    job.resume().unwrap();
    assert_eq!(
        job.set_dynamic_content(false),
        Err(CallError::ReadOnlyAfterResume)
    );
    assert!(job.dynamic_content());
}

/// §15.7 with §16.8: a custom method and dynamic content exclude each
/// other, whichever is set second being refused, and the refusal changes
/// nothing.
#[test]
fn dynamic_content_and_a_custom_method_exclude_each_other() {
    let (queue, _) = queue();
    let first_method = download(&queue, 1);
    first_method.set_http_method("PURGE").unwrap();
    assert_eq!(
        first_method.set_dynamic_content(true),
        Err(CallError::NotSupportedWithCustomMethod)
    );
    assert!(!first_method.dynamic_content());
    let first_dynamic = download(&queue, 1);
    first_dynamic.set_dynamic_content(true).unwrap();
    assert_eq!(
        first_dynamic.set_http_method("PURGE"),
        Err(CallError::NotSupportedWithCustomMethod)
    );
    assert_eq!(first_dynamic.http_method(), "GET");
}

/// §16.8: every start begins the file at 0 with no validator, the details
/// say so, and an instance that does not read details never starts it.
#[test]
fn dynamic_content_starts_every_attempt_at_zero() {
    let (queue, clock) = queue();
    let job = download(&queue, 1);
    job.set_dynamic_content(true).unwrap();
    job.set_minimum_retry_delay(5).unwrap();
    job.resume().unwrap();
    let undeclared = QueueState::with_clock(SplitMix64::new(18), clock.clone());
    undeclared.apply(&queue.take_changes()).unwrap();
    assert!(
        !undeclared
            .poll()
            .iter()
            .any(|a| matches!(a, Action::Start(_))),
        "a §8 order cannot say it"
    );
    let order = start(&queue);
    assert!(queue.order_details(order.file).unwrap().dynamic);
    queue
        .report_connected(order.file, Some(50), Some("\"v1\"".into()))
        .unwrap();
    queue.report_progress(order.file, 30).unwrap();
    queue
        .report_failure(order.file, &TransferFailure::Interrupted("reset".into()))
        .unwrap();
    assert_eq!(job.state(), JobState::TransientError);
    clock.advance(5);
    let order = start(&queue);
    assert_eq!(order.offset, 0);
    assert_eq!(order.validator, None);
    assert_eq!(job.progress().bytes_transferred, 0);
}

/// §14.1: a job with these properties at their defaults keeps the oldest
/// record format; one that ran needs version 8, which reads back exactly.
#[test]
fn the_properties_are_journaled_in_version_8() {
    let (queue, clock) = queue();
    let job = download(&queue, 1);
    let version = |queue: &QueueState| match queue.take_changes().last() {
        Some(Change::Put(record)) => record.bytes[0],
        other => panic!("{other:?}"),
    };
    assert_eq!(version(&queue), 1);
    job.set_maximum_download_size(7).unwrap();
    job.set_dynamic_content(true).unwrap();
    assert_eq!(version(&queue), 8);
    job.resume().unwrap();
    let file = start(&queue).file;
    clock.advance(3);
    queue
        .report_failure(file, &TransferFailure::HttpStatus(404))
        .unwrap();
    let changes = queue.take_changes();
    let other = QueueState::new(SplitMix64::new(19));
    other.apply(&changes).unwrap();
    let copy = other.get_job(&job.id()).unwrap();
    assert_eq!(copy.snapshot(), job.snapshot());
    assert_eq!(copy.error_count(), 1);
    assert_eq!(copy.maximum_download_size(), 7);
    assert!(copy.dynamic_content());
}
