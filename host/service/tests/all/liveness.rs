//! No file stays in flight without a live worker (contract §10,
//! liveness): a transfer whose report the queue refuses, one whose worker
//! ends without a report, and one whose transport panics all end as a
//! failure that says why, and the queue goes on. Transports here are real
//! ones that misbehave on purpose, as `tests/hostile` is for the
//! component.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bits_queue_host::{JobErrorContext, JobState, TransferOrder};
use bits_queue_service::{Context, Outcome, Sink, Transport};
use bits_queue_tests::http_server::test_bytes;

use crate::transfers::Setup;

/// Serves the URLs ending in its `path` and misbehaves there as told.
struct Misbehaving {
    path: &'static str,
    how: How,
}

#[derive(Clone, Copy)]
enum How {
    /// Says the file has 10 bytes, then reports 100.
    OverCounts,
    /// Says nothing at all and returns.
    EndsSilently,
    /// Panics in the middle of the transfer.
    Panics,
}

impl Transport for Misbehaving {
    fn serves(&self, url: &str) -> bool {
        url.ends_with(self.path)
    }

    fn run(&self, _: &TransferOrder, _: &Context, sink: &mut Sink) -> Outcome {
        match self.how {
            How::OverCounts => {
                if sink.connected(Some(10), None).is_err() {
                    return Outcome::Stopped;
                }
                let _ = sink.wrote(100);
                let _ = sink.flush();
                Outcome::Done
            }
            How::EndsSilently => Outcome::Stopped,
            How::Panics => panic!("a transport's own bug"),
        }
    }
}

/// After the misbehaving job ends, a normal one behind it in the one
/// background slot still transfers: the queue is not wedged.
fn the_queue_goes_on(s: &Setup) {
    let bytes = test_bytes(10_000, 40);
    s.server.put("/after.bin", bytes);
    let job = s.download(&s.server.url("/after.bin"), "after.bin");
    s.wait(&job, JobState::Transferred);
}

#[test]
fn a_refused_progress_report_ends_the_transfer_as_a_retried_failure() {
    let s = Setup::with_transport(Misbehaving {
        path: "/overcount",
        how: How::OverCounts,
    });
    let job = s.download(&s.server.url("/overcount"), "over.bin");
    s.wait(&job, JobState::TransientError);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8020_002E, "BG_E_CONNECTION_CLOSED");
    assert!(
        error.description.contains("refused its report"),
        "{}",
        error.description
    );
    job.suspend().unwrap();
    the_queue_goes_on(&s);
}

#[test]
fn a_worker_that_ends_without_a_report_ends_as_one() {
    let s = Setup::with_transport(Misbehaving {
        path: "/silent",
        how: How::EndsSilently,
    });
    let job = s.download(&s.server.url("/silent"), "silent.bin");
    s.wait(&job, JobState::TransientError);
    let error = job.error().unwrap().unwrap();
    assert!(
        error.description.contains("without a report"),
        "{}",
        error.description
    );
    job.suspend().unwrap();
    the_queue_goes_on(&s);
}

#[test]
fn a_panicking_transport_is_a_failure_that_says_so() {
    let s = Setup::with_transport(Misbehaving {
        path: "/panics",
        how: How::Panics,
    });
    let job = s.download(&s.server.url("/panics"), "panics.bin");
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(
        (error.hresult, error.context),
        (0x8000_4001, JobErrorContext::GeneralTransport)
    );
    assert!(
        error.description.contains("a transport's own bug"),
        "{}",
        error.description
    );
    the_queue_goes_on(&s);
}

#[test]
fn a_source_that_yields_more_than_its_size_is_an_interruption() {
    // procfs files have size 0 and yield bytes: the first report above 0
    // used to be refused, leaving the job `transferring` for good.
    let s = Setup::new();
    let job = s.download("file:///proc/self/environ", "environ");
    s.wait(&job, JobState::TransientError);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8020_002E);
    assert!(
        error.description.contains("changed while it was copied"),
        "{}",
        error.description
    );
    job.suspend().unwrap();
    the_queue_goes_on(&s);
}

#[test]
fn a_source_that_grows_during_the_copy_restarts_from_zero_once_it_settles() {
    let mut s = Setup::new();
    let source = s.dir.join("growing.log");
    std::fs::write(&source, test_bytes(32 << 20, 41)).unwrap();
    // Appends without pause, from before the copy starts until the first
    // attempt has failed.
    let settle = Arc::new(AtomicBool::new(false));
    let (started, appending) = std::sync::mpsc::channel();
    let appender = {
        let (source, settle) = (source.clone(), settle.clone());
        std::thread::spawn(move || {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(source)
                .unwrap();
            file.write_all(b"more\n").unwrap();
            started.send(()).unwrap();
            while !settle.load(Ordering::Acquire) {
                file.write_all(b"more\n").unwrap();
            }
        })
    };
    appending.recv().unwrap();
    let job = s.download(&format!("file://{}", source.display()), "copy.log");
    let first = s
        .service()
        .wait_for(
            job.id().unwrap(),
            |state| {
                !matches!(
                    state,
                    JobState::Queued | JobState::Connecting | JobState::Transferring
                )
            },
            crate::transfers::PATIENCE,
        )
        .unwrap();
    assert_eq!(first, JobState::TransientError, "the copy saw no change");
    settle.store(true, Ordering::Release);
    appender.join().unwrap();
    let error = job.error().unwrap().unwrap();
    assert!(
        error.description.contains("changed while it was copied"),
        "{}",
        error.description
    );
    // The retry sees another size: the file starts again from 0 and
    // arrives as the source is now.
    s.retry();
    s.wait(&job, JobState::Transferred);
    s.complete(&job);
    assert_eq!(
        std::fs::read(s.local("copy.log")).unwrap(),
        std::fs::read(&source).unwrap()
    );
}

#[test]
fn a_failure_text_goes_through_the_argument_size_check() {
    use bits_queue_host::{FileRef, SandboxErrorKind, TransferFailure};
    let s = Setup::new();
    let job = s.download("file:///nowhere/else", "x");
    s.wait(&job, JobState::Error);
    let file = FileRef {
        job: job.id().unwrap(),
        file_index: 0,
    };
    let huge = TransferFailure::Interrupted("x".repeat(4 << 20));
    let refused = s.queue.report_failure(file, &huge).unwrap_err();
    assert_eq!(
        refused.sandbox().map(|e| e.kind()),
        Some(SandboxErrorKind::ArgumentTooLarge),
        "{refused}"
    );
    // Refused before the guest saw it: the instance lives on.
    assert_eq!(job.state().unwrap(), JobState::Error);
}

/// A graceful stop stores the bytes on disk before it reports the transfer
/// lost (contract §17.3): here no progress is reported while the transfer
/// runs, so all that is kept comes from the stop itself.
#[test]
fn a_graceful_stop_reports_the_bytes_on_disk_first() {
    use bits_queue_service::Context;
    use bits_queue_tests::http_server::Fault;
    let mut s = Setup::new();
    s.restart_service_in(Context {
        progress_bytes: u64::MAX,
        ..Context::default()
    });
    s.server.put("/g.bin", test_bytes(600_000, 42));
    s.server.fault(
        "/g.bin",
        Fault::Stall(300_000, std::time::Duration::from_secs(30)),
    );
    let job = s.download(&s.server.url("/g.bin"), "g.bin");
    // Wait until the stalled transfer's bytes are in its temporary file.
    let deadline = std::time::Instant::now() + crate::transfers::PATIENCE;
    let held = || {
        std::fs::read_dir(&s.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("BIT"))
            .map(|e| e.metadata().unwrap().len())
            .max()
            .unwrap_or(0)
    };
    while held() < 300_000 {
        assert!(std::time::Instant::now() < deadline, "no bytes arrived");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        job.progress().unwrap().bytes_transferred,
        0,
        "none reported yet"
    );
    s.service.take().unwrap().stop().unwrap();
    assert_eq!(job.state().unwrap(), JobState::Queued);
    assert_eq!(job.progress().unwrap().bytes_transferred, 300_000);
}
