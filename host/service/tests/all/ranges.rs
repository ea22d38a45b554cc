//! The service fetching ranged files (docs/contract.md §16.4) and a file
//! found invalid fetched again (§16.6), against the in-process HTTP server
//! on 127.0.0.1.

use bits_queue_host::ranges::LENGTH_TO_EOF;
use bits_queue_host::{FileRange, Job, JobErrorContext, JobState, JobType};
use bits_queue_tests::http_server::{Fault, test_bytes};

use crate::transfers::{Setup, temporaries};

/// The remote file every test serves: 300,000 bytes.
const SIZE: usize = 300_000;

fn range(offset: u64, length: u64) -> FileRange {
    FileRange { offset, length }
}

/// The bytes of `ranges` of `bytes`, packed in order.
fn packed(bytes: &[u8], ranges: &[FileRange]) -> Vec<u8> {
    ranges
        .iter()
        .flat_map(|r| {
            let start = r.offset as usize;
            let end = if r.length == LENGTH_TO_EOF {
                bytes.len()
            } else {
                start + r.length as usize
            };
            bytes[start..end].iter().copied()
        })
        .collect()
}

/// A resumed download of `ranges` of `path` to `name`.
fn ranged(s: &Setup, path: &str, name: &str, ranges: &[FileRange]) -> Job {
    let job = s
        .queue
        .manager()
        .unwrap()
        .create_job(name, JobType::Download)
        .unwrap();
    let local = s.local(name);
    job.add_file_with_ranges(&s.server.url(path), local.to_str().unwrap(), ranges)
        .unwrap();
    job.set_minimum_retry_delay(5).unwrap();
    job.resume().unwrap();
    s.service().wake();
    job
}

/// §16.4: several ranges, out of order, and one to the end: one request
/// each, `bytes=a-b` (`a-` for the end), in the order given, and the local
/// file is exactly those bytes packed in that order.
#[test]
fn a_ranged_file_holds_exactly_the_ranges_asked() {
    let s = Setup::new();
    let bytes = test_bytes(SIZE, 61);
    s.server.put("/r.bin", bytes.clone());
    let ranges = [
        range(200_000, 1_000),
        range(10, 70_000),
        range(250_000, LENGTH_TO_EOF),
    ];
    let job = ranged(&s, "/r.bin", "r.bin", &ranges);
    s.wait(&job, JobState::Transferred);
    let progress = job.progress().unwrap();
    assert_eq!(progress.bytes_total, 121_000, "the packed size");
    assert_eq!(progress.bytes_transferred, 121_000);
    let asked: Vec<_> = s
        .server
        .requests("/r.bin")
        .into_iter()
        .map(|r| (r.range, r.status))
        .collect();
    assert_eq!(
        asked,
        [
            (Some("bytes=200000-200999".to_string()), 206),
            (Some("bytes=10-70009".to_string()), 206),
            (Some("bytes=250000-".to_string()), 206),
        ]
    );
    assert_eq!(job.file_ranges(0).unwrap(), ranges);
    assert_eq!(s.ended(&job, "r.bin").unwrap(), packed(&bytes, &ranges));
}

/// §16.4: a transfer dropped inside a range resumes inside it, with
/// `If-Range`, and the file still holds exactly the ranges.
#[test]
fn a_ranged_file_resumes_inside_a_range_after_a_drop() {
    let s = Setup::new();
    let bytes = test_bytes(SIZE, 62);
    s.server.put("/drop.bin", bytes.clone());
    s.server.fault("/drop.bin", Fault::DropAfter(20_000));
    let ranges = [range(100_000, 50_000), range(0, 1_000)];
    let job = ranged(&s, "/drop.bin", "drop.bin", &ranges);
    s.wait(&job, JobState::TransientError);
    s.retry();
    s.wait(&job, JobState::Transferred);
    let requests = s.server.requests("/drop.bin");
    let resumed = &requests[1];
    assert_eq!(resumed.range.as_deref(), Some("bytes=120000-149999"));
    assert_eq!(resumed.if_range.as_deref(), Some("\"v1\""));
    assert_eq!(s.ended(&job, "drop.bin").unwrap(), packed(&bytes, &ranges));
}

/// §16.4: a 206 that ends early is kept, and the rest of its range asked
/// for in the same transfer.
#[test]
fn a_part_that_ends_early_is_kept_and_the_rest_asked_for() {
    let s = Setup::new();
    let bytes = test_bytes(SIZE, 63);
    s.server.put("/short.bin", bytes.clone());
    s.server.fault("/short.bin", Fault::ShortRange(4_000));
    let ranges = [range(5_000, 10_000)];
    let job = ranged(&s, "/short.bin", "short.bin", &ranges);
    assert_eq!(s.ended(&job, "short.bin").unwrap(), packed(&bytes, &ranges));
    let asked: Vec<_> = s
        .server
        .requests("/short.bin")
        .into_iter()
        .map(|r| r.range.unwrap())
        .collect();
    assert_eq!(asked, ["bytes=5000-14999", "bytes=9000-14999"]);
    assert_eq!(job.error_count().unwrap(), 0);
}

/// §16.4: the server's answers a ranged file cannot take end the job: a
/// 200 (range-unsupported), a 206 at the wrong start (invalid-response),
/// a range outside the remote file, told by its size or by a 416
/// (BG_E_INVALID_RANGE).
#[test]
fn answers_a_ranged_file_cannot_take_end_the_job() {
    let s = Setup::new();
    s.server.put("/f.bin", test_bytes(SIZE, 64));
    let cases: [(&str, Option<Fault>, Vec<FileRange>, u32); 4] = [
        (
            "whole.bin",
            Some(Fault::IgnoreRange),
            vec![range(0, 100)],
            0x8020_0013,
        ),
        (
            "wrong.bin",
            Some(Fault::WrongRange),
            vec![range(10, 100)],
            0x8020_001B,
        ),
        (
            "past.bin",
            None,
            vec![range(0, 10), range(299_990, 100)],
            0x8020_002B,
        ),
        (
            "beyond.bin",
            None,
            vec![range(400_000, LENGTH_TO_EOF)],
            0x8020_002B,
        ),
    ];
    for (name, fault, ranges, hresult) in cases {
        if let Some(fault) = fault {
            s.server.fault("/f.bin", fault);
        }
        let job = ranged(&s, "/f.bin", name, &ranges);
        let (code, context, why) = s.ended(&job, name).unwrap_err();
        assert_eq!(code, hresult, "{name}: {why}");
        assert_eq!(context, JobErrorContext::RemoteFile, "{name}");
        assert_eq!(job.error_count().unwrap(), 1, "{name}");
    }
}

/// §16.6: a completed file found invalid loses its bytes, the job is in
/// error (BG_E_VALIDATION_FAILED, naming the file), and `resume` fetches
/// it again; a file found valid says so.
#[test]
fn a_file_found_invalid_is_fetched_again_after_resume() {
    let s = Setup::new();
    let bytes = test_bytes(SIZE, 65);
    s.server.put("/v.bin", bytes.clone());
    let job = s.download(&s.server.url("/v.bin"), "v.bin");
    s.wait(&job, JobState::Transferred);
    assert!(!job.file_validation_state(0).unwrap());
    job.set_file_validation_state(0, false).unwrap();
    assert_eq!(job.state().unwrap(), JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8020_0053);
    assert_eq!(error.context, JobErrorContext::RemoteFile);
    assert_eq!(error.file_index, Some(0));
    assert_eq!(job.file_progress().unwrap()[0].bytes_transferred, 0);
    assert_eq!(job.error_count().unwrap(), 0, "not counted");
    // The service discards the temporary file at its next poll.
    s.service().wake();
    let gone = || temporaries(&s.files()) == 0;
    let deadline = std::time::Instant::now() + crate::transfers::PATIENCE;
    while !gone() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(gone(), "{:?}", s.files());
    job.resume().unwrap();
    s.service().wake();
    s.wait(&job, JobState::Transferred);
    let requests = s.server.requests("/v.bin");
    assert_eq!(requests.len(), 2, "fetched again: {requests:?}");
    assert_eq!(requests[1].range, None, "from byte 0");
    job.set_file_validation_state(0, true).unwrap();
    assert!(job.file_validation_state(0).unwrap());
    assert_eq!(s.ended(&job, "v.bin").unwrap(), bytes);
}
