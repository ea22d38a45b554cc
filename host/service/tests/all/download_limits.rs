//! The service honouring a job's maximum download size and time and its
//! dynamic content (docs/contract.md §16.2, §16.7, §16.8) against the
//! in-process HTTP server on 127.0.0.1.

use std::time::Duration;

use bits_queue_host::{Job, JobErrorContext, JobState, JobType};
use bits_queue_tests::http_server::{Fault, test_bytes};

use crate::transfers::{PATIENCE, Setup};

/// A download of `url` to `name`, set up by `set` before its resume.
pub(crate) fn download(s: &Setup, url: &str, name: &str, set: impl FnOnce(&Job)) -> Job {
    let job = s
        .queue
        .manager()
        .unwrap()
        .create_job(name, JobType::Download)
        .unwrap();
    job.add_file(url, s.local(name).to_str().unwrap()).unwrap();
    job.set_minimum_retry_delay(5).unwrap();
    set(&job);
    job.resume().unwrap();
    s.service().wake();
    job
}

/// §16.8: a dynamic job's retry asks for the whole file again, without
/// `Range` or `If-Range`, and the file arrives whole.
#[test]
fn dynamic_content_is_fetched_whole_on_every_attempt() {
    let mut s = Setup::declaring();
    let bytes = test_bytes(400_000, 41);
    s.server.put("/dynamic.bin", bytes.clone());
    s.server.fault("/dynamic.bin", Fault::DropAfter(200_000));
    let url = s.server.url("/dynamic.bin");
    let job = download(&s, &url, "dynamic.bin", |job| {
        job.set_dynamic_content(true).unwrap();
    });
    s.wait(&job, JobState::TransientError);
    s.retry();
    s.wait(&job, JobState::Transferred);
    let requests = s.server.requests("/dynamic.bin");
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[1].range, None, "no Range with dynamic content");
    assert_eq!(requests[1].if_range, None);
    assert_eq!(requests[1].status, 200);
    assert_eq!(job.error_count().unwrap(), 1, "the dropped connection");
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("dynamic.bin")).unwrap(), bytes);
}

/// §16.7: a server size past the maximum download size ends the job in
/// error, and so do arriving bytes when the server gives no size.
#[test]
fn a_file_larger_than_the_maximum_download_size_fails_the_job() {
    let s = Setup::new();
    s.server.put("/big.bin", test_bytes(300_000, 42));
    s.server.put("/unsized.bin", test_bytes(300_000, 43));
    s.server.fault("/unsized.bin", Fault::NoLength);
    for name in ["big.bin", "unsized.bin"] {
        let url = s.server.url(&format!("/{name}"));
        let job = download(&s, &url, name, |job| {
            job.set_maximum_download_size(100_000).unwrap();
        });
        s.wait(&job, JobState::Error);
        let error = job.error().unwrap().unwrap();
        assert_eq!(error.hresult, 0x8020_0064, "{name}: {error:?}");
        assert_eq!(error.context, JobErrorContext::RemoteFile);
        assert_eq!(job.error_count().unwrap(), 1);
    }
}

/// §16.2: a transfer still going when the maximum download time runs out
/// is stopped, and the job is in error.
#[test]
fn the_maximum_download_time_stops_a_transfer() {
    let s = Setup::new();
    s.server.put("/slow.bin", test_bytes(100_000, 44));
    s.server
        .fault("/slow.bin", Fault::Pause(10_000, Duration::from_secs(5)));
    let url = s.server.url("/slow.bin");
    let job = download(&s, &url, "slow.bin", |job| {
        job.set_maximum_download_time(5).unwrap();
    });
    let id = job.id().unwrap();
    let moving = |state| matches!(state, JobState::Connecting | JobState::Transferring);
    s.service().wait_for(id, moving, PATIENCE).unwrap();
    // The clock moves on by the whole limit (the retry delay is 5 s too).
    s.retry();
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8020_0054, "BG_E_MAXDOWNLOAD_TIMEOUT");
    assert_eq!(error.context, JobErrorContext::GeneralQueueManager);
}
