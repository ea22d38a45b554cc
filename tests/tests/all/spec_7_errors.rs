//! Contract §7 (docs/contract.md) Errors and their HRESULTs: the component's `hresult`, the host's
//! `ErrorCode::hresult()` and the spec's table agree for every code, and
//! every code is what the queue really returns for its cause.

use bits_queue_host::{ErrorCode, FileInfo, Guid, JobType, QueueLimits};
use bits_queue_tests::{fresh, refusal, units};

/// The table of §7, written out independently of the implementation.
const TABLE: [(ErrorCode, u32, &str); 8] = [
    (ErrorCode::NotFound, 0x8020_0001, "BG_E_NOT_FOUND"),
    (ErrorCode::InvalidState, 0x8020_0002, "BG_E_INVALID_STATE"),
    (ErrorCode::Empty, 0x8020_0003, "BG_E_EMPTY"),
    (ErrorCode::InvalidArgument, 0x8007_0057, "E_INVALIDARG"),
    (
        ErrorCode::StringTooLong,
        0x8020_0021,
        "BG_E_STRING_TOO_LONG",
    ),
    (ErrorCode::TooManyFiles, 0x8020_001C, "BG_E_TOO_MANY_FILES"),
    (
        ErrorCode::TooManyFilesInJob,
        0x8020_0051,
        "BG_E_TOO_MANY_FILES_IN_JOB",
    ),
    (
        ErrorCode::TooManyJobs,
        0x8020_0049,
        "BG_E_TOO_MANY_JOBS_PER_USER",
    ),
];

#[test]
fn the_component_maps_every_code_to_the_table_hresult() {
    let (queue, _manager) = fresh();
    for (code, hresult, name) in TABLE {
        assert_eq!(queue.hresult(code).unwrap(), hresult, "{name}");
        assert_eq!(code.hresult(), hresult, "host {name}");
        assert_eq!(code.windows_name(), name);
    }
}

#[test]
fn the_table_covers_every_code_in_wit_order() {
    let codes: Vec<ErrorCode> = TABLE.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(ErrorCode::ALL, codes.as_slice());
    // Eight distinct HRESULTs, all failures (the top bit set).
    let mut hresults: Vec<u32> = TABLE.iter().map(|(_, h, _)| *h).collect();
    hresults.sort();
    hresults.dedup();
    assert_eq!(hresults.len(), 8);
    assert!(hresults.iter().all(|h| h & 0x8000_0000 != 0));
}

/// Each code, provoked through the contract by the cause the spec gives it.
#[test]
fn every_code_is_returned_for_its_cause() {
    let (queue, manager) = fresh();
    let download = manager.create_job("d", JobType::Download).unwrap();
    let upload = manager.create_job("u", JobType::Upload).unwrap();
    upload.add_file("https://example.com/u", "/tmp/u").unwrap();
    let cancelled = manager.create_job("c", JobType::Download).unwrap();
    cancelled.cancel().unwrap();

    let mut seen = vec![
        refusal(manager.get_job(Guid::NIL)),
        refusal(cancelled.resume()),
        refusal(download.resume()),
        refusal(queue.parse_guid("{not-a-guid}")),
        refusal(download.set_description(&units("x", 1025))),
        refusal(upload.add_file("https://example.com/2", "/tmp/2")),
    ];
    queue
        .set_limits(QueueLimits {
            max_jobs: 2,
            max_files_per_job: 1,
        })
        .unwrap();
    download
        .add_file_set(&[FileInfo::new("https://example.com/1", "/tmp/1")])
        .unwrap();
    seen.push(refusal(
        download.add_file("https://example.com/2", "/tmp/2"),
    ));
    seen.push(refusal(manager.create_job("third", JobType::Download)));

    assert_eq!(seen, ErrorCode::ALL);
    for code in seen {
        let hresult = queue.hresult(code).unwrap();
        let row = TABLE.iter().find(|(c, _, _)| *c == code).unwrap();
        assert_eq!(hresult, row.1, "{}", row.2);
    }
}
