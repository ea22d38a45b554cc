//! Contract §14 (docs/contract.md) through the real component: call-error
//! and its HRESULTs, an upload-reply job through every phase across the
//! sandbox boundary, failure details, session cancels, and a restarted
//! host continuing the same session from the journal.

use bits_queue_host::{
    Action, CallError, Change, Datetime, ErrorCode, FailureDetail, FileRef, JobErrorContext,
    JobState, JobType, ManualClock, QueueOptions, ServerError, UploadPhase, UploadProtocol,
};
use bits_queue_tests::{call_refusal, refusal, runtime};

const T0: Datetime = Datetime {
    seconds: 1_750_000_000,
    nanoseconds: 0,
};
const MTIME: &str = "mtime:1750000000000000000";

fn queue() -> bits_queue_host::Queue {
    runtime()
        .new_queue_with(QueueOptions::new().seed(14).clock(ManualClock::at(T0)))
        .unwrap()
}

fn start(queue: &bits_queue_host::Queue) -> FileRef {
    queue
        .poll()
        .unwrap()
        .into_iter()
        .find_map(|a| match a {
            Action::Start(order) => Some(order.file),
            _ => None,
        })
        .expect("a start order")
}

/// A resumed upload job of /data/u.bin, started: its file in flight.
fn started_upload(queue: &bits_queue_host::Queue) -> (bits_queue_host::Job, FileRef) {
    let job = queue
        .manager()
        .unwrap()
        .create_job("u", JobType::Upload)
        .unwrap();
    job.add_file("https://example.com/u", "/data/u.bin")
        .unwrap();
    job.resume().unwrap();
    (job, start(queue))
}

/// §14.1: call-hresult maps every case as the component's contract says.
#[test]
fn call_hresult_of_every_case() {
    let queue = queue();
    for code in CallError::ALL {
        assert_eq!(
            queue.call_hresult(code).unwrap(),
            code.hresult(),
            "{code:?}"
        );
    }
    assert_eq!(
        queue.call_hresult(CallError::TooLarge).unwrap(),
        0x8020_0020
    );
    assert_eq!(
        queue.call_hresult(CallError::ReadOnlyAfterResume).unwrap(),
        0x8020_0062
    );
}

/// §14.2–§14.6: an upload-reply job from creation to its committed reply.
#[test]
fn an_upload_reply_through_the_component() {
    let queue = queue();
    let job = queue
        .manager()
        .unwrap()
        .create_job("ur", JobType::UploadReply)
        .unwrap();
    job.add_file("https://example.com/u", "/data/u.bin")
        .unwrap();
    assert_eq!(
        refusal(job.add_file("https://example.com/v", "/data/v.bin")),
        ErrorCode::TooManyFiles
    );
    job.set_reply_file_name("/data/reply.txt").unwrap();
    assert_eq!(
        call_refusal(job.set_reply_file_name("reply.txt")),
        CallError::InvalidArgument
    );
    job.set_upload_protocol(UploadProtocol::Bits).unwrap();
    job.resume().unwrap();
    assert_eq!(
        call_refusal(job.set_upload_protocol(UploadProtocol::Tus)),
        CallError::ReadOnlyAfterResume
    );
    queue.declare_order_details().unwrap();
    let f = start(&queue);
    let details = queue.order_details(f).unwrap().unwrap();
    let upload = details.upload.unwrap();
    assert_eq!(
        (upload.phase, upload.session_id),
        (UploadPhase::Upload, None)
    );
    queue.report_session(f, "{S-1}", None, None).unwrap();
    queue.report_connected(f, Some(8), Some(MTIME)).unwrap();
    queue.report_progress(f, 8).unwrap();
    queue
        .report_reply_url(f, "https://example.com/reply/1")
        .unwrap();
    queue.report_reply_connected(f, Some(2), None, 0).unwrap();
    queue.report_reply_progress(f, 2).unwrap();
    queue.report_reply_done(f, Some(b"ok")).unwrap();
    queue.report_done(f).unwrap();
    assert_eq!(job.state().unwrap(), JobState::Transferred);
    assert_eq!(job.reply_data().unwrap(), Some(b"ok".to_vec()));
    assert!(job.reply_progress().unwrap().completed);
    job.complete().unwrap();
    let actions = queue.take_file_actions().unwrap();
    let Some(Action::Commit(moves)) = actions.first() else {
        panic!("{actions:?}");
    };
    assert_eq!(moves[0].local_name, "/data/reply.txt");
    assert!(queue.take_session_cancels().unwrap().is_empty());
}

/// §14.4: a size cap is BG_E_TOO_LARGE and fatal; §14.6: cancelling the
/// job then makes its Cancel-Session due.
#[test]
fn too_large_then_cancel() {
    let queue = queue();
    let (job, f) = started_upload(&queue);
    queue.report_session(f, "{S-2}", None, None).unwrap();
    queue.report_connected(f, Some(8), Some(MTIME)).unwrap();
    queue
        .report_failure_detail(
            f,
            &FailureDetail::ServerError(ServerError {
                status: 413,
                hresult: Some(0x8020_0020),
                context: Some(5),
                description: "too large".into(),
            }),
        )
        .unwrap();
    assert_eq!(job.state().unwrap(), JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8020_0020);
    assert_eq!(error.context, JobErrorContext::RemoteFile);
    job.cancel().unwrap();
    let cancels = queue.take_session_cancels().unwrap();
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].session_id, "{S-2}");
}

/// §14.2: the session and the server's offset survive a restart.
#[test]
fn a_restarted_host_continues_the_session() {
    let queue = queue();
    queue.take_changes().unwrap();
    let (_job, f) = started_upload(&queue);
    queue.report_session(f, "{S-3}", None, None).unwrap();
    queue.report_connected(f, Some(100), Some(MTIME)).unwrap();
    queue.report_progress(f, 40).unwrap();
    let changes: Vec<Change> = queue.take_changes().unwrap();

    let restarted = self::queue();
    restarted.apply(&changes).unwrap();
    restarted.report_lost(f).unwrap();
    let order = restarted
        .poll()
        .unwrap()
        .into_iter()
        .find_map(|a| match a {
            Action::Start(order) => Some(order),
            _ => None,
        })
        .unwrap();
    assert_eq!((order.offset, order.size), (40, Some(100)));
    let upload = restarted.order_details(f).unwrap().unwrap().upload.unwrap();
    assert_eq!(upload.session_id.as_deref(), Some("{S-3}"));
}
