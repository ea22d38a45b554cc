//! Upload and upload-reply jobs through the engine (docs/contract.md §14),
//! natively, with a clock the tests set.

use bits_queue_contract::{
    Action, CallError, Change, Datetime, FailureDetail, FileMove, FileRef, JobErrorContext,
    NotifyEvent, ServerError, TransferFailure, UploadPhase, UploadProtocol,
};
use bits_queue_logic::clock::ManualClock;
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::random::SplitMix64;
use bits_queue_logic::{ErrorCode, JobState, JobType};

const T0: Datetime = Datetime::from_seconds(1_700_000_000);
const MTIME: &str = "mtime:1700000000123456789";

fn queue() -> (QueueState, ManualClock) {
    let clock = ManualClock::at(T0);
    (
        QueueState::with_clock(SplitMix64::new(11), clock.clone()),
        clock,
    )
}

/// A resumed job of `job_type` uploading /data/up.bin.
fn upload_job(queue: &QueueState, job_type: JobType) -> JobRef {
    let job = queue.create_job("up", job_type).unwrap();
    job.add_file("https://example.com/upload/up.bin", "/data/up.bin")
        .unwrap();
    job.resume().unwrap();
    job
}

fn file(job: &JobRef) -> FileRef {
    FileRef {
        job: job.id(),
        file_index: 0,
    }
}

/// Polls for the job's start order; returns it.
fn start(queue: &QueueState) -> bits_queue_contract::TransferOrder {
    queue
        .poll()
        .into_iter()
        .find_map(|a| match a {
            Action::Start(order) => Some(order),
            _ => None,
        })
        .expect("a start order")
}

/// Starts `job`'s order, records `session` and a snapshot of `size` bytes.
fn connect(queue: &QueueState, job: &JobRef, session: &str, size: u64) -> FileRef {
    start(queue);
    let f = file(job);
    queue.report_session(f, session, None, None).unwrap();
    queue
        .report_connected(f, Some(size), Some(MTIME.into()))
        .unwrap();
    f
}

/// Drives the upload phase of `job` to its end with a 10-byte file.
fn upload_all(queue: &QueueState, job: &JobRef) {
    let f = connect(queue, job, "{S1}", 10);
    queue.report_progress(f, 4).unwrap();
    queue.report_progress(f, 10).unwrap();
}

/// §14.2: upload → close → transferred; progress is the server's offset,
/// which may go down; report-done only in `close`.
#[test]
fn an_upload_goes_through_its_phases() {
    let (queue, _) = queue();
    let job = upload_job(&queue, JobType::Upload);
    let order = start(&queue);
    assert_eq!(order.job_type, JobType::Upload);
    assert_eq!(order.offset, 0);
    let details = queue.order_details(order.file).unwrap();
    let upload = details.upload.unwrap();
    assert_eq!(upload.phase, UploadPhase::Upload);
    assert_eq!(upload.session_id, None);
    assert_eq!(upload.target_url, "https://example.com/upload/up.bin");
    assert_eq!(upload.protocol, UploadProtocol::Bits);

    let f = file(&job);
    // A snapshot needs a size and an mtime: validator.
    for (size, validator) in [
        (None, Some(MTIME)),
        (Some(10), None),
        (Some(10), Some("\"e\"")),
    ] {
        assert_eq!(
            queue.report_connected(f, size, validator.map(Into::into)),
            Err(ErrorCode::InvalidArgument)
        );
    }
    for bad in ["", "a b", &"x".repeat(101)] {
        assert_eq!(
            queue.report_session(f, bad, None, None),
            Err(ErrorCode::InvalidArgument)
        );
    }
    queue.report_session(f, "{S1}", None, None).unwrap();
    queue
        .report_connected(f, Some(10), Some(MTIME.into()))
        .unwrap();
    assert_eq!(job.state(), JobState::Transferring);
    queue.report_progress(f, 6).unwrap();
    // A 416 resynchronises to a lower offset: accepted.
    queue.report_progress(f, 4).unwrap();
    assert_eq!(job.progress().bytes_transferred, 4);
    assert_eq!(
        queue.report_progress(f, 11),
        Err(ErrorCode::InvalidArgument)
    );
    assert_eq!(queue.report_done(f), Err(ErrorCode::InvalidState));
    queue.report_progress(f, 10).unwrap();
    assert_eq!(
        queue.order_details(f).unwrap().upload.unwrap().phase,
        UploadPhase::Close
    );
    // The reply reports are for upload-reply's phase `reply` only.
    assert_eq!(
        queue.report_reply_url(f, "https://example.com/r"),
        Err(ErrorCode::InvalidState)
    );
    queue.report_done(f).unwrap();
    assert_eq!(job.state(), JobState::Transferred);
    assert_eq!(job.progress().bytes_transferred, 10);
    assert_eq!(job.progress().bytes_total, 10);
    // Upload: no file action at complete; the closed session needs no cancel.
    job.complete().unwrap();
    assert!(queue.take_file_actions().is_empty());
    assert!(queue.take_session_cancels().is_empty());
}

/// §14.2: a zero-byte file's Ack at 0 ends phase `upload`.
#[test]
fn a_zero_byte_upload_ends_its_phase_at_zero() {
    let (queue, _) = queue();
    let job = upload_job(&queue, JobType::Upload);
    let f = connect(&queue, &job, "z", 0);
    queue.report_progress(f, 0).unwrap();
    queue.report_done(f).unwrap();
    assert_eq!(job.state(), JobState::Transferred);
}

/// §14.7: the new reports refuse downloads, and unknown jobs.
#[test]
fn upload_reports_refuse_downloads() {
    let (queue, _) = queue();
    let job = queue.create_job("d", JobType::Download).unwrap();
    job.add_file("https://example.com/d", "/data/d").unwrap();
    job.resume().unwrap();
    start(&queue);
    let f = file(&job);
    assert_eq!(
        queue.report_session(f, "s", None, None),
        Err(ErrorCode::InvalidArgument)
    );
    assert_eq!(
        queue.report_failure_detail(f, &FailureDetail::LocalFileChanged),
        Err(ErrorCode::InvalidArgument)
    );
    let other = FileRef {
        job: bits_queue_contract::Guid::from_bytes([9; 16]),
        file_index: 0,
    };
    assert_eq!(
        queue.report_session(other, "s", None, None),
        Err(ErrorCode::NotFound)
    );
}

/// §14.2: the local file changing in `upload` is fatal:
/// BG_E_LOCAL_FILE_CHANGED, local-file, file 0; the next poll stops it.
#[test]
fn a_changed_local_file_is_fatal() {
    let (queue, _) = queue();
    let job = upload_job(&queue, JobType::Upload);
    start(&queue);
    let f = file(&job);
    queue
        .report_connected(f, Some(10), Some(MTIME.into()))
        .unwrap();
    queue.report_progress(f, 4).unwrap();
    queue
        .report_failure(f, &TransferFailure::Interrupted("x".into()))
        .unwrap();
    job.resume().unwrap();
    let order = start(&queue);
    assert_eq!((order.offset, order.size), (4, Some(10)));
    assert_eq!(order.validator.as_deref(), Some(MTIME));
    queue.poll();
    // The file grew: the report succeeds, the job is in error at once.
    queue
        .report_connected(f, Some(11), Some(MTIME.into()))
        .unwrap();
    assert_eq!(job.state(), JobState::Error);
    let error = job.error().unwrap();
    assert_eq!(error.hresult, 0x8020_001D);
    assert_eq!(error.context, JobErrorContext::LocalFile);
    assert_eq!(error.file_index, Some(0));
    let actions = queue.poll();
    assert!(actions.contains(&Action::Stop(f)), "{actions:?}");
    assert!(actions.contains(&Action::Notify(job.id(), NotifyEvent::Error)));
    // The host's own report gives the same error.
    job.resume().unwrap();
    start(&queue);
    queue
        .report_failure_detail(f, &FailureDetail::LocalFileChanged)
        .unwrap();
    assert_eq!(job.error().unwrap().hresult, 0x8020_001D);
    assert_eq!(job.state(), JobState::Error);
}

fn server_error(status: u16, hresult: Option<u32>, context: Option<u32>) -> FailureDetail {
    FailureDetail::ServerError(ServerError {
        status,
        hresult,
        context,
        description: String::new(),
    })
}

/// §14.4: the failure table of upload packets.
#[test]
fn upload_failures() {
    let rows: [(FailureDetail, JobState, u32, JobErrorContext); 7] = [
        (
            server_error(500, Some(0x8020_0020), None),
            JobState::Error,
            0x8020_0020,
            JobErrorContext::RemoteFile,
        ),
        (
            server_error(503, None, None),
            JobState::TransientError,
            0x8019_01F7,
            JobErrorContext::RemoteFile,
        ),
        (
            server_error(400, Some(0x8007_0005), Some(7)),
            JobState::Error,
            0x8007_0005,
            JobErrorContext::RemoteApplication,
        ),
        (
            // A wire code without the failure bit is not an HRESULT.
            server_error(404, Some(0x1), None),
            JobState::Error,
            0x8019_0194,
            JobErrorContext::RemoteFile,
        ),
        (
            FailureDetail::ProtocolMismatch("no Ack".into()),
            JobState::Error,
            0x8020_0022,
            JobErrorContext::RemoteFile,
        ),
        (
            FailureDetail::InvalidResponse("range".into()),
            JobState::Error,
            0x8020_001B,
            JobErrorContext::RemoteFile,
        ),
        (
            FailureDetail::ReplyUrlMissing,
            JobState::Error,
            0x8020_001B,
            JobErrorContext::RemoteApplication,
        ),
    ];
    for (detail, state, hresult, context) in rows {
        let (queue, _) = queue();
        let job = upload_job(&queue, JobType::UploadReply);
        start(&queue);
        queue.report_failure_detail(file(&job), &detail).unwrap();
        assert_eq!(job.state(), state, "{detail:?}");
        let error = job.error().unwrap();
        assert_eq!(
            (error.hresult, error.context),
            (hresult, context),
            "{detail:?}"
        );
    }
}

/// §14.3 item 7, §14.4: BG_E_SESSION_NOT_FOUND drops the session; the next
/// order has none and starts from 0.
#[test]
fn a_lost_session_is_dropped() {
    let (queue, clock) = queue();
    let job = upload_job(&queue, JobType::Upload);
    let f = connect(&queue, &job, "{S1}", 10);
    queue.report_progress(f, 6).unwrap();
    queue
        .report_failure_detail(f, &server_error(400, Some(0x8020_001F), None))
        .unwrap();
    assert_eq!(job.progress().bytes_transferred, 0);
    job.resume().unwrap();
    clock.advance(1);
    let order = start(&queue);
    assert_eq!(order.offset, 0);
    assert_eq!(
        queue.order_details(f).unwrap().upload.unwrap().session_id,
        None
    );
}

/// §14.2: another session id is a new, empty session.
#[test]
fn a_new_session_id_starts_over() {
    let (queue, _) = queue();
    let job = upload_job(&queue, JobType::Upload);
    let f = connect(&queue, &job, "{S1}", 10);
    queue.report_progress(f, 6).unwrap();
    queue.report_session(f, "{S1}", None, None).unwrap();
    assert_eq!(job.progress().bytes_transferred, 6, "the same id keeps it");
    queue.report_session(f, "{S2}", None, None).unwrap();
    assert_eq!(job.progress().bytes_transferred, 0);
    let upload = queue.order_details(f).unwrap().upload.unwrap();
    assert_eq!(upload.session_id.as_deref(), Some("{S2}"));
}

/// §14.2: the session and the server's offset are journaled; a restarted
/// host continues the same session from the acknowledged offset.
#[test]
fn the_session_survives_a_restart() {
    let (queue, _) = queue();
    queue.take_changes();
    let job = upload_job(&queue, JobType::Upload);
    let f = connect(&queue, &job, "{S1}", 10);
    queue.report_progress(f, 7).unwrap();
    let changes = queue.take_changes();
    let Some(Change::Put(record)) = changes.last() else {
        panic!("{changes:?}");
    };
    // Version 2 holds the upload state; a job whose time is counting
    // (contract §16.2) needs the version that adds the count, which holds
    // version 2's part too.
    assert_eq!(
        record.bytes[0],
        bits_queue_logic::record::VERSION_LIMITS,
        "upload state and the time used"
    );

    let (restarted, _) = self::queue();
    restarted.apply(&changes).unwrap();
    restarted.report_lost(f).unwrap();
    let order = start(&restarted);
    assert_eq!((order.offset, order.size), (7, Some(10)));
    let upload = restarted.order_details(f).unwrap().upload.unwrap();
    assert_eq!(upload.session_id.as_deref(), Some("{S1}"));
}

/// §14.1: a job without upload state is written as version 1, which
/// older components read; a version-1 record reads as resumed unless
/// suspended and never started.
#[test]
fn records_use_the_oldest_version_that_holds_them() {
    let (queue, _) = queue();
    queue.take_changes();
    let job = queue.create_job("d", JobType::Download).unwrap();
    job.add_file("https://example.com/d", "/data/d").unwrap();
    let changes = queue.take_changes();
    let Some(Change::Put(record)) = changes.last() else {
        panic!();
    };
    assert_eq!(record.bytes[0], 1);
    // Resumed, then suspended before any start: only version 2 says so.
    job.resume().unwrap();
    job.suspend().unwrap();
    let changes = queue.take_changes();
    let Some(Change::Put(record)) = changes.last() else {
        panic!();
    };
    assert_eq!(record.bytes[0], 2);
    let (other, _) = self::queue();
    other.apply(&changes).unwrap();
    let copy = other.get_job(&job.id()).unwrap();
    // Fixed after resume: the upload protocol (not-implemented on a
    // download comes first).
    assert_eq!(
        copy.set_upload_protocol(UploadProtocol::Tus),
        Err(CallError::NotImplemented)
    );
    let up = queue.create_job("u", JobType::Upload).unwrap();
    up.set_upload_protocol(UploadProtocol::Tus).unwrap();
    assert_eq!(up.upload_protocol(), UploadProtocol::Tus);
    up.add_file("https://example.com/u", "/data/u").unwrap();
    up.resume().unwrap();
    up.suspend().unwrap();
    assert_eq!(
        up.set_upload_protocol(UploadProtocol::Bits),
        Err(CallError::ReadOnlyAfterResume)
    );
    let changes = queue.take_changes();
    let (other, _) = self::queue();
    other.apply(&changes).unwrap();
    let copy = other.get_job(&up.id()).unwrap();
    assert_eq!(copy.upload_protocol(), UploadProtocol::Tus);
    assert_eq!(
        copy.set_upload_protocol(UploadProtocol::Bits),
        Err(CallError::ReadOnlyAfterResume)
    );
}

/// §14.5, §14.6: upload-reply's reply: URL, name, progress, data, commit.
#[test]
fn an_upload_reply_keeps_its_reply() {
    let (queue, _) = queue();
    let job = queue.create_job("ur", JobType::UploadReply).unwrap();
    assert_eq!(job.reply_file_name(), Ok(None));
    job.add_file("https://example.com/ur", "/data/in/up.bin")
        .unwrap();
    let generated = format!(
        "/data/in/{}.reply",
        bits_queue_contract::guid::to_string(&job.id())
    );
    assert_eq!(job.reply_file_name(), Ok(Some(generated.clone())));
    assert_eq!(
        job.set_reply_file_name("relative"),
        Err(CallError::InvalidArgument)
    );
    job.set_reply_file_name("/data/out/reply.txt").unwrap();
    job.set_reply_file_name("").unwrap();
    assert_eq!(job.reply_file_name(), Ok(Some(generated)));
    job.set_reply_file_name("/data/out/reply.txt").unwrap();
    assert_eq!(job.reply_data(), Err(CallError::InvalidState));
    job.resume().unwrap();
    upload_all(&queue, &job);
    let f = file(&job);
    let upload = queue.order_details(f).unwrap().upload.unwrap();
    assert_eq!(upload.phase, UploadPhase::Reply);
    let temporary = upload.reply_temporary_name.unwrap();
    assert!(temporary.starts_with("/data/out/BIT") && temporary.ends_with(".tmp"));
    for bad in ["/relative", "ftp://a/r", "http://a/r", "https://u:p@a/r"] {
        assert_eq!(
            queue.report_reply_url(f, bad),
            Err(ErrorCode::InvalidArgument),
            "{bad}"
        );
    }
    queue
        .report_reply_url(f, "https://example.com/reply/1")
        .unwrap();
    assert_eq!(
        queue.report_reply_connected(f, Some(5), None, 3),
        Err(ErrorCode::InvalidArgument)
    );
    queue.report_reply_connected(f, Some(5), None, 0).unwrap();
    assert_eq!(
        job.set_reply_file_name("/data/x"),
        Err(CallError::InvalidState)
    );
    queue.report_reply_progress(f, 5).unwrap();
    assert_eq!(
        job.reply_progress().unwrap(),
        bits_queue_contract::FileProgress {
            bytes_total: 5,
            bytes_transferred: 5,
            completed: false
        }
    );
    assert_eq!(
        queue.report_reply_done(f, Some(b"four".to_vec())),
        Err(ErrorCode::InvalidArgument)
    );
    assert_eq!(
        queue.report_reply_done(f, None),
        Err(ErrorCode::InvalidArgument)
    );
    queue.report_reply_done(f, Some(b"hello".to_vec())).unwrap();
    assert!(job.reply_progress().unwrap().completed);
    queue.report_done(f).unwrap();
    assert_eq!(job.state(), JobState::Transferred);
    assert_eq!(job.reply_data(), Ok(Some(b"hello".to_vec())));
    job.complete().unwrap();
    assert_eq!(
        queue.take_file_actions(),
        [Action::Commit(vec![FileMove {
            temporary_name: temporary,
            local_name: "/data/out/reply.txt".into()
        }])]
    );
    assert_eq!(job.reply_data(), Ok(Some(b"hello".to_vec())));
}

/// §14.5: the reply getters and setter are for upload-reply only.
#[test]
fn reply_calls_are_not_implemented_elsewhere() {
    let (queue, _) = queue();
    for job_type in [JobType::Download, JobType::Upload] {
        let job = queue.create_job("x", job_type).unwrap();
        assert_eq!(job.reply_file_name(), Err(CallError::NotImplemented));
        assert_eq!(job.set_reply_file_name(""), Err(CallError::NotImplemented));
        assert_eq!(job.reply_progress(), Err(CallError::NotImplemented));
        assert_eq!(job.reply_data(), Err(CallError::NotImplemented));
    }
}

/// §14.6: cancelling an upload with an open session makes a Cancel-Session
/// due, until the cancel time + min(1 day, no-progress timeout); the reply's
/// temporary file is discarded once the reply phase began.
#[test]
fn cancel_makes_a_session_cancel_due() {
    let (queue, _) = queue();
    let job = upload_job(&queue, JobType::UploadReply);
    job.set_minimum_retry_delay(60).unwrap();
    upload_all(&queue, &job);
    let temporary = queue
        .order_details(file(&job))
        .unwrap()
        .upload
        .unwrap()
        .reply_temporary_name
        .unwrap();
    job.cancel().unwrap();
    let cancels = queue.take_session_cancels();
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].session_id, "{S1}");
    assert_eq!(cancels[0].job, job.id());
    assert_eq!(cancels[0].until, T0.plus_seconds(86_400));
    assert_eq!(cancels[0].retry_delay, 60);
    assert_eq!(cancels[0].target_url, "https://example.com/upload/up.bin");
    assert!(queue.take_session_cancels().is_empty(), "taken once");
    let actions = queue.take_file_actions();
    let Some(Action::Discard(names)) = actions.first() else {
        panic!("{actions:?}");
    };
    assert!(names.contains(&temporary), "{names:?}");
}

/// §14.2: BITS-Host-Id redirects packets until its fallback time runs out
/// after a connect failure.
#[test]
fn host_id_and_its_fallback() {
    let (queue, clock) = queue();
    let job = upload_job(&queue, JobType::Upload);
    job.set_minimum_retry_delay(5).unwrap();
    start(&queue);
    let f = file(&job);
    assert_eq!(
        queue.report_session(f, "{S1}", Some("bad host"), None),
        Err(ErrorCode::InvalidArgument)
    );
    queue
        .report_session(f, "{S1}", Some("node7"), Some(30))
        .unwrap();
    let upload = queue.order_details(f).unwrap().upload.unwrap();
    assert_eq!(upload.target_url, "https://node7/upload/up.bin");
    queue
        .report_failure(f, &TransferFailure::ConnectFailed("refused".into()))
        .unwrap();
    clock.advance(10);
    start(&queue);
    let upload = queue.order_details(f).unwrap().upload.unwrap();
    assert_eq!(upload.target_url, "https://node7/upload/up.bin", "not yet");
    queue
        .report_failure(f, &TransferFailure::ConnectFailed("refused".into()))
        .unwrap();
    clock.advance(25);
    start(&queue);
    let upload = queue.order_details(f).unwrap().upload.unwrap();
    assert_eq!(upload.target_url, "https://example.com/upload/up.bin");
}

/// §14.1: get-order-details gives none for a file not in flight.
#[test]
fn order_details_only_in_flight() {
    let (queue, _) = queue();
    let job = upload_job(&queue, JobType::Upload);
    assert_eq!(queue.order_details(file(&job)), None);
    queue.declare_order_details();
    start(&queue);
    let details = queue.order_details(file(&job)).unwrap();
    assert!(details.ranges.is_empty());
    assert_eq!(details.http.method, "GET");
}
