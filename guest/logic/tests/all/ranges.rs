//! File ranges (docs/contract.md §16.4) and file validation (§16.6),
//! natively: `add-file-with-ranges`'s checks in order, what ranges exclude,
//! packed sizes and what orders carry, a range outside the remote file,
//! a file found invalid fetched again, and both kept in a version-9
//! record.

use bits_queue_contract::ranges::LENGTH_TO_EOF;
use bits_queue_contract::{
    Action, CallError, FileRange, JobErrorContext, NotifyEvent, TransferFailure,
};
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::{JobState, JobType};

use crate::credentials::{queue, read_back, records};
use crate::download_limits::start;
use crate::engine::stops;

fn range(offset: u64, length: u64) -> FileRange {
    FileRange { offset, length }
}

/// A queue whose host reads order details.
fn declared() -> QueueState {
    let queue = queue();
    queue.declare_order_details();
    queue
}

/// A download job holding one file of `ranges`.
fn ranged(queue: &QueueState, ranges: &[FileRange]) -> JobRef {
    let job = queue.create_job("r", JobType::Download).unwrap();
    job.add_file_with_ranges("https://example.com/r", "/data/r", ranges.to_vec())
        .unwrap();
    job
}

fn error_notices(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::Notify(_, NotifyEvent::Error)))
        .count()
}

#[test]
fn add_file_with_ranges_checks_in_order_and_a_refusal_changes_nothing() {
    let queue = queue();
    let job = queue.create_job("r", JobType::Download).unwrap();
    let add = |remote: &str, ranges: &[FileRange]| {
        job.add_file_with_ranges(remote, "/data/r", ranges.to_vec())
    };
    let url = "https://example.com/r";
    assert_eq!(add(url, &[]), Err(CallError::InvalidArgument));
    for bad in [range(0, 0), range(u64::MAX, 1), range(u64::MAX - 5, 6)] {
        assert_eq!(add(url, &[bad]), Err(CallError::InvalidRange), "{bad:?}");
    }
    for overlapping in [
        vec![range(10, 10), range(15, 1)],
        vec![range(10, 10), range(10, 10)],
        vec![range(0, LENGTH_TO_EOF), range(5, 1)],
    ] {
        assert_eq!(add(url, &overlapping), Err(CallError::OverlappingRanges));
    }
    let many: Vec<FileRange> = (0..501).map(|i| range(i * 10, 5)).collect();
    assert_eq!(add(url, &many), Err(CallError::TooManyRangesInFile));
    // The ranges are checked before the names.
    assert_eq!(
        add("gopher://x/y", &[range(0, 0)]),
        Err(CallError::InvalidRange)
    );
    for name in ["file:///etc/passwd", "https://u:p@example.com/r", "nothing"] {
        assert_eq!(add(name, &[range(0, 1)]), Err(CallError::InvalidArgument));
    }
    assert_eq!(job.file_count(), 0, "a refusal changes nothing");
    assert_eq!(add(url, &many[..500]), Ok(()));
    assert_eq!(job.file_ranges(0).unwrap().len(), 500);

    let upload = queue.create_job("u", JobType::Upload).unwrap();
    assert_eq!(
        upload.add_file_with_ranges(url, "/data/u", vec![range(0, 0)]),
        Err(CallError::NotImplemented)
    );
    job.cancel().unwrap();
    assert_eq!(
        job.add_file_with_ranges("bad", "bad", Vec::new()),
        Err(CallError::InvalidState)
    );
}

#[test]
fn ranges_exclude_dynamic_content_and_a_custom_method_whichever_is_second() {
    let queue = queue();
    let dynamic = queue.create_job("d", JobType::Download).unwrap();
    dynamic.set_dynamic_content(true).unwrap();
    assert_eq!(
        dynamic.add_file_with_ranges("https://e.com/a", "/a", vec![range(0, 1)]),
        Err(CallError::InvalidState)
    );
    let method = queue.create_job("m", JobType::Download).unwrap();
    method.set_http_method("PROPFIND").unwrap();
    assert_eq!(
        method.add_file_with_ranges("https://e.com/a", "/a", vec![range(0, 1)]),
        Err(CallError::NotSupportedWithCustomMethod)
    );
    let job = ranged(&queue, &[range(0, 1)]);
    assert_eq!(job.set_dynamic_content(true), Err(CallError::InvalidState));
    assert_eq!(
        job.set_http_method("PROPFIND"),
        Err(CallError::NotSupportedWithCustomMethod)
    );
    // A ranged file's remote name stays http or https.
    assert_eq!(
        job.set_remote_name(0, "file:///data/x"),
        Err(CallError::InvalidArgument)
    );
    assert_eq!(
        job.replace_remote_prefix("https://example.com", "file:///x"),
        Err(CallError::InvalidArgument)
    );
    job.set_remote_name(0, "http://other.example/r").unwrap();
}

#[test]
fn the_ranges_are_kept_in_the_order_given_and_an_index_is_checked() {
    let queue = queue();
    let given = [range(500, 10), range(0, 20), range(600, LENGTH_TO_EOF)];
    let job = ranged(&queue, &given);
    job.add_file("https://example.com/w", "/data/w").unwrap();
    assert_eq!(job.file_ranges(0).unwrap(), given);
    assert_eq!(
        job.file_ranges(1).unwrap(),
        Vec::<FileRange>::new(),
        "a whole file"
    );
    assert_eq!(job.file_ranges(2), Err(CallError::InvalidArgument));
    assert_eq!(
        job.file_validation_state(2),
        Err(CallError::InvalidArgument)
    );
}

/// §16.4: the file's size is the packed size, unknown while a range to the
/// end waits for the remote size; orders carry the remote size and their
/// details every range; progress is bounded by the packed size.
#[test]
fn a_ranged_file_counts_packed_bytes_and_orders_carry_the_remote_size() {
    let queue = declared();
    let job = ranged(&queue, &[range(100, 10), range(0, 20)]);
    assert_eq!(job.file_progress()[0].bytes_total, 30);
    let eof = ranged(&queue, &[range(50, LENGTH_TO_EOF)]);
    assert_eq!(eof.file_progress()[0].bytes_total, u64::MAX, "unknown");

    job.resume().unwrap();
    let order = start(&queue);
    assert_eq!(order.size, None);
    let details = queue.order_details(order.file).unwrap();
    assert_eq!(details.ranges, [range(100, 10), range(0, 20)]);
    queue
        .report_connected(order.file, Some(1_000), Some("\"e\"".into()))
        .unwrap();
    assert_eq!(job.progress().bytes_total, 30);
    assert_eq!(
        queue.report_progress(order.file, 31),
        Err(bits_queue_contract::ErrorCode::InvalidArgument),
        "past the packed size"
    );
    queue.report_progress(order.file, 15).unwrap();
    queue
        .report_failure(order.file, &TransferFailure::Interrupted("x".into()))
        .unwrap();
    job.resume().unwrap();
    let again = start(&queue);
    assert_eq!(again.offset, 15, "packed bytes kept");
    assert_eq!(again.size, Some(1_000), "the remote file's size");
    assert_eq!(again.validator.as_deref(), Some("\"e\""));
    queue
        .report_connected(again.file, Some(1_000), Some("\"e\"".into()))
        .unwrap();
    queue.report_progress(again.file, 30).unwrap();
    queue.report_done(again.file).unwrap();
    assert_eq!(job.state(), JobState::Transferred);
    assert_eq!(job.progress().bytes_total, 30);

    eof.resume().unwrap();
    let order = start(&queue);
    queue.report_connected(order.file, Some(80), None).unwrap();
    assert_eq!(eof.file_progress()[0].bytes_total, 30, "resolved");
}

/// §14.1: an instance whose host does not read order details never starts
/// a ranged file.
#[test]
fn a_ranged_file_waits_for_a_host_that_reads_details() {
    let queue = queue();
    let job = ranged(&queue, &[range(0, 10)]);
    job.resume().unwrap();
    assert!(queue.poll().iter().all(|a| !matches!(a, Action::Start(_))));
    queue.declare_order_details();
    start(&queue);
}

/// §16.4, §16.10: a range outside the remote file, told by its size or by
/// a 416, puts the job in error with BG_E_INVALID_RANGE (counted, notify
/// error), and the next poll stops the transfer.
#[test]
fn a_range_outside_the_remote_file_fails_the_job() {
    for (ranges, size) in [
        (vec![range(0, 10), range(95, 10)], 100),
        (vec![range(100, LENGTH_TO_EOF)], 100),
        (vec![range(0, 10), range(100, 1)], 100),
    ] {
        let queue = declared();
        let job = ranged(&queue, &ranges);
        job.resume().unwrap();
        let file = start(&queue).file;
        queue.report_connected(file, Some(size), None).unwrap();
        assert_eq!(job.state(), JobState::Error, "{ranges:?}");
        let error = job.error().unwrap();
        assert_eq!(error.hresult, 0x8020_002B);
        assert_eq!(error.context, JobErrorContext::RemoteFile);
        assert_eq!(error.file_index, Some(0));
        assert_eq!(job.error_count(), 1);
        let actions = queue.poll();
        assert_eq!(stops(&actions), [file]);
        assert_eq!(error_notices(&actions), 1);
    }
    // Inside it: fine.
    let queue = declared();
    let job = ranged(&queue, &[range(0, 10), range(90, LENGTH_TO_EOF)]);
    job.resume().unwrap();
    let file = start(&queue).file;
    queue.report_connected(file, Some(100), None).unwrap();
    assert_eq!(job.state(), JobState::Transferring);

    // A 416: a ranged file's is BG_E_INVALID_RANGE, a whole file's the
    // server's status.
    let queue = declared();
    let job = ranged(&queue, &[range(500, 1)]);
    job.resume().unwrap();
    let file = start(&queue).file;
    queue
        .report_failure(file, &TransferFailure::HttpStatus(416))
        .unwrap();
    assert_eq!(job.error().unwrap().hresult, 0x8020_002B);
    let whole = queue.create_job("w", JobType::Download).unwrap();
    whole.add_file("https://e.com/w", "/data/w").unwrap();
    whole.resume().unwrap();
    let file = start(&queue).file;
    queue
        .report_failure(file, &TransferFailure::HttpStatus(416))
        .unwrap();
    assert_eq!(whole.error().unwrap().hresult, 0x8019_01A0);
}

/// Brings `job`'s files through transfers of `size` bytes each.
fn transfer_all(queue: &QueueState, job: &JobRef, size: u64) {
    job.resume().unwrap();
    while job.state() != JobState::Transferred {
        let file = start(queue).file;
        queue.report_connected(file, Some(size), None).unwrap();
        queue.report_progress(file, size).unwrap();
        queue.report_done(file).unwrap();
    }
}

/// §16.6: only a completed file is judged; false sets its progress to 0,
/// discards its bytes, puts the job in error (BG_E_VALIDATION_FAILED,
/// naming it, not counted) with notify error, and `resume` fetches it
/// again from 0 while the files after it stay completed.
#[test]
fn a_file_found_invalid_is_fetched_again_and_only_it() {
    let queue = declared();
    let job = queue.create_job("v", JobType::Download).unwrap();
    for i in 0..3 {
        job.add_file(format!("https://e.com/{i}"), format!("/data/{i}"))
            .unwrap();
    }
    assert_eq!(
        job.set_file_validation_state(0, true),
        Err(CallError::Pending)
    );
    assert_eq!(
        job.set_file_validation_state(3, true),
        Err(CallError::InvalidArgument)
    );
    transfer_all(&queue, &job, 40);
    queue.poll();
    assert!(!job.file_validation_state(2).unwrap());
    job.set_file_validation_state(2, true).unwrap();
    assert!(job.file_validation_state(2).unwrap());

    job.set_file_validation_state(1, false).unwrap();
    assert_eq!(job.state(), JobState::Error);
    let error = job.error().unwrap();
    assert_eq!(error.hresult, 0x8020_0053);
    assert_eq!(error.context, JobErrorContext::RemoteFile);
    assert_eq!(error.file_index, Some(1));
    assert_eq!(job.error_count(), 0, "validation failures are not counted");
    assert_eq!(job.times().transfer_completion, None);
    let progress = job.progress();
    assert_eq!(
        (progress.bytes_transferred, progress.files_transferred),
        (80, 2)
    );
    assert!(!job.file_progress()[1].completed);
    let actions = queue.poll();
    assert_eq!(error_notices(&actions), 1);
    let temporary = job.snapshot().temporary_name(1).unwrap();
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Discard(names) if *names == [temporary.clone()])),
        "{actions:?}"
    );

    job.resume().unwrap();
    let order = start(&queue);
    assert_eq!(order.file.file_index, 1);
    assert_eq!(order.offset, 0);
    queue.report_connected(order.file, Some(40), None).unwrap();
    queue.report_progress(order.file, 40).unwrap();
    queue.report_done(order.file).unwrap();
    assert_eq!(job.state(), JobState::Transferred, "file 2 stays completed");
    assert!(job.file_validation_state(2).unwrap());
    assert!(!job.file_validation_state(1).unwrap());

    // Not for uploads; not in a final state.
    let upload = queue.create_job("u", JobType::Upload).unwrap();
    upload.add_file("https://e.com/u", "/data/u").unwrap();
    assert_eq!(
        upload.set_file_validation_state(0, true),
        Err(CallError::NotImplemented)
    );
    job.complete().unwrap();
    assert_eq!(
        job.set_file_validation_state(0, false),
        Err(CallError::InvalidState)
    );
}

/// §16.6: a file found invalid while the job transfers the next one stops
/// that transfer.
#[test]
fn a_file_found_invalid_stops_the_transfer_in_flight() {
    let queue = declared();
    let job = queue.create_job("v", JobType::Download).unwrap();
    job.add_file("https://e.com/0", "/data/0").unwrap();
    job.add_file("https://e.com/1", "/data/1").unwrap();
    job.resume().unwrap();
    let first = start(&queue).file;
    queue.report_connected(first, Some(5), None).unwrap();
    queue.report_progress(first, 5).unwrap();
    queue.report_done(first).unwrap();
    let second = start(&queue).file;
    job.set_file_validation_state(0, false).unwrap();
    assert_eq!(stops(&queue.poll()), [second]);
    assert_eq!(
        queue.report_progress(second, 1),
        Err(bits_queue_contract::ErrorCode::InvalidState)
    );
}

/// §14.1: ranges, remote sizes, validation and a file fetched again after
/// later ones survive a record as version 9; a job without them keeps an
/// older version; a version-9 record a job could not hold is unreadable.
#[test]
fn ranges_and_validation_survive_a_record_as_version_9() {
    let queue = declared();
    let plain = queue.create_job("p", JobType::Download).unwrap();
    plain.add_file("https://e.com/p", "/data/p").unwrap();
    assert!(records(&queue).iter().all(|r| r[0] < 9));

    let job = ranged(&queue, &[range(7, 3), range(20, LENGTH_TO_EOF)]);
    job.add_file("https://e.com/w", "/data/w").unwrap();
    job.resume().unwrap();
    let file = start(&queue).file;
    queue
        .report_connected(file, Some(30), Some("\"x\"".into()))
        .unwrap();
    queue.report_progress(file, 5).unwrap();
    let bytes = records(&queue).pop().expect("a record");
    assert_eq!(bytes[0], 9);
    let other = read_back(job.id(), bytes.clone()).unwrap();
    let copy = other.get_job(&job.id()).unwrap();
    assert_eq!(copy.snapshot(), job.snapshot());
    assert_eq!(
        copy.file_ranges(0).unwrap(),
        [range(7, 3), range(20, LENGTH_TO_EOF)]
    );
    assert_eq!(copy.file_progress()[0].bytes_total, 13);

    // Both files done, the first found valid, the second invalid: the
    // record holds a completed file after one that is not.
    queue.report_progress(file, 13).unwrap();
    queue.report_done(file).unwrap();
    let second = start(&queue).file;
    queue.report_connected(second, Some(4), None).unwrap();
    queue.report_progress(second, 4).unwrap();
    queue.report_done(second).unwrap();
    job.set_file_validation_state(0, false).unwrap();
    job.set_file_validation_state(1, true).unwrap();
    let bytes = records(&queue).pop().expect("a record");
    assert_eq!(bytes[0], 9);
    let copy = read_back(job.id(), bytes.clone()).unwrap();
    let copy = copy.get_job(&job.id()).unwrap();
    assert_eq!(copy.snapshot(), job.snapshot());
    assert!(copy.file_validation_state(1).unwrap());

    // The same record claiming version 8 cannot be read.
    let mut older = bytes.clone();
    older[0] = 8;
    assert!(read_back(job.id(), older).is_err());
    // A version-9 record of overlapping ranges cannot be read.
    let plain = queue.create_job("o", JobType::Download).unwrap();
    plain
        .add_file_with_ranges("https://e.com/o", "/data/o", vec![range(1, 2), range(5, 2)])
        .unwrap();
    let mut forged = records(&queue).pop().expect("a record");
    let at = forged.windows(4).rposition(|w| w == [2, 1, 2, 5]).unwrap();
    forged[at + 3] = 2;
    assert!(read_back(plain.id(), forged).is_err());

    // A version-8 record with version 9's part added reads when the part
    // holds a range, and not when it holds nothing a version 8 could not
    // (a needless version 9), nor a range beside what excludes ranges.
    let nine = |job: &JobRef, part: &[u8]| {
        let mut bytes = records(&queue).pop().expect("a record");
        assert_eq!(bytes[0], 8);
        bytes[0] = 9;
        bytes.extend_from_slice(part);
        read_back(job.id(), bytes)
    };
    let limited = queue.create_job("l", JobType::Download).unwrap();
    limited.add_file("https://e.com/l", "/data/l").unwrap();
    limited.set_maximum_download_size(7).unwrap();
    assert!(nine(&limited, &[1, 0, 5, 0, 0]).is_ok());
    limited.set_maximum_download_size(8).unwrap();
    assert!(nine(&limited, &[0, 0, 0]).is_err(), "needless");
    limited.set_dynamic_content(true).unwrap();
    assert!(
        nine(&limited, &[1, 0, 5, 0, 0]).is_err(),
        "dynamic and ranged"
    );
}
