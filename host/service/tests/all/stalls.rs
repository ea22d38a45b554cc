//! Stalls (contract §17.1): a server that goes silent costs a job no more
//! than its no-progress timeout, whatever the host's own idle limit (60 s
//! here, as in `bitsq`), and a silence is `stalled` (BG_E_NO_PROGRESS),
//! before the headers as after them, never a connect failure.

use std::time::{Duration, Instant};

use bits_queue_host::{JobErrorContext, JobState, JobType};
use bits_queue_service::Confinement;
use bits_queue_tests::http_server::{Fault, test_bytes};

use crate::transfers::Setup;

/// BG_E_NO_PROGRESS.
const NO_PROGRESS: u32 = 0x8020_0024;

/// Far beyond a 2 s no-progress timeout on a loaded machine, far below
/// the 60 s idle limit the silence used to cost (twice, with a retry).
const BOUND: Duration = Duration::from_secs(30);

/// A job on `fault`'s path with a 2 s no-progress timeout (below its 5 s
/// retry delay, so its first transient error is fatal): it ends in
/// `error`, with a stall, within the bound.
fn stalled_job_ends_in_time(path: &str, fault: Fault) {
    let s = Setup::with(Confinement::none(), Duration::from_secs(60));
    s.server.put(path, test_bytes(100_000, 21));
    s.server.fault(path, fault);
    let job = s
        .queue
        .manager()
        .unwrap()
        .create_job("stall", JobType::Download)
        .unwrap();
    job.add_file(&s.server.url(path), s.local("stall.bin").to_str().unwrap())
        .unwrap();
    job.set_minimum_retry_delay(5).unwrap();
    job.set_no_progress_timeout(2).unwrap();
    let began = Instant::now();
    job.resume().unwrap();
    s.service().wake();
    s.wait(&job, JobState::Error);
    let took = began.elapsed();
    let error = job.error().unwrap().unwrap();
    assert_eq!(
        error.hresult, NO_PROGRESS,
        "a stall, not {:#x}: {}",
        error.hresult, error.description
    );
    assert_eq!(error.context, JobErrorContext::GeneralTransport);
    assert!(took < BOUND, "the stall lasted {took:?}");
}

#[test]
fn a_stall_after_the_headers_ends_within_the_no_progress_timeout() {
    stalled_job_ends_in_time("/after.bin", Fault::Stall(0, Duration::from_secs(45)));
}

#[test]
fn a_stall_before_the_headers_is_a_stall_not_a_connect_failure() {
    stalled_job_ends_in_time(
        "/before.bin",
        Fault::StallBeforeHeaders(Duration::from_secs(45)),
    );
}
