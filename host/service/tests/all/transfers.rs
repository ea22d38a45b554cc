//! The transfer service against a real HTTP server in this process, on
//! 127.0.0.1, with injected faults (docs/contract.md §10): the final
//! state, the error, and the file byte for byte. Retries run on a clock the
//! tests set, so no test sleeps through a retry delay.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bits_queue_host::{
    Datetime, Job, JobErrorContext, JobState, JobType, ManualClock, Queue, QueueOptions,
};
use bits_queue_service::{
    Confinement, Context, HttpTransport, ServiceConfig, TransferService, Transport, Transports,
    carry_out,
};
use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};
use bits_queue_tests::{runtime, scratch_dir};

/// Far above what any of these transfers takes on a loaded machine: it
/// turns a hang into a failure, it is no performance bound.
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// A fresh directory of its own.
fn scratch() -> PathBuf {
    scratch_dir("transfers")
}

/// A queue on a manual clock, a server, a directory, a running service.
pub(crate) struct Setup {
    pub(crate) server: TestServer,
    pub(crate) dir: PathBuf,
    pub(crate) queue: Queue,
    clock: ManualClock,
    pub(crate) service: Option<TransferService>,
    /// Tried before the standard ones.
    extra: Option<Transports>,
}

impl Setup {
    pub(crate) fn new() -> Setup {
        Self::with(Confinement::none(), Duration::from_secs(30))
    }

    pub(crate) fn with(confinement: Confinement, idle: Duration) -> Setup {
        Self::with_options(confinement, idle, QueueOptions::new())
    }

    /// A setup whose queue's host reads every order's details (contract
    /// §14.1), as `bitsq service` does: it may start jobs a §8 order
    /// cannot describe.
    pub(crate) fn declaring() -> Setup {
        let options = QueueOptions::new().declare_order_details();
        Self::with_options(Confinement::none(), Duration::from_secs(30), options)
    }

    fn with_options(confinement: Confinement, idle: Duration, options: QueueOptions) -> Setup {
        let clock = ManualClock::at(Datetime::from_seconds(1_800_000_000));
        let queue = runtime()
            .new_queue_with(options.clock(clock.clone()))
            .unwrap();
        let mut setup = Setup {
            server: TestServer::start(),
            dir: scratch(),
            queue,
            clock,
            service: None,
            extra: None,
        };
        setup.start_service(confinement, idle);
        setup
    }

    fn start_service(&mut self, confinement: Confinement, idle: Duration) {
        self.start_service_reporting(confinement, idle, Context::default().progress_interval);
    }

    /// A service reporting progress at most every `interval`.
    fn start_service_reporting(
        &mut self,
        confinement: Confinement,
        idle: Duration,
        interval: Duration,
    ) {
        let context = Context {
            confinement,
            progress_interval: interval,
            ..Context::default()
        };
        self.start_service_in(context, idle);
    }

    /// A service (the one running stopped first) with `context`.
    pub(crate) fn restart_service_in(&mut self, context: Context) {
        if let Some(service) = self.service.take() {
            service.stop().unwrap();
        }
        self.start_service_in(context, Duration::from_secs(30));
    }

    fn start_service_in(&mut self, context: Context, idle: Duration) {
        let transports = self
            .extra
            .clone()
            .unwrap_or_else(|| Transports::standard().with(HttpTransport::with_idle_timeout(idle)));
        let config = ServiceConfig {
            transports,
            context,
            clock: std::sync::Arc::new(self.clock.clone()),
            ..ServiceConfig::default()
        };
        self.service = Some(TransferService::start(self.queue.clone(), config).unwrap());
    }

    /// A setup whose service tries `transport` before the standard ones.
    pub(crate) fn with_transport(transport: impl Transport) -> Setup {
        let mut setup = Setup::new();
        setup.service.take().unwrap().stop().unwrap();
        setup.extra = Some(Transports::standard().with(transport));
        setup.start_service(Confinement::none(), Duration::from_secs(30));
        setup
    }

    pub(crate) fn service(&self) -> &TransferService {
        self.service.as_ref().unwrap()
    }

    /// A resumed download of `url` to `name` in the directory, retried
    /// after 5 s.
    pub(crate) fn download(&self, url: &str, name: &str) -> Job {
        let job = self
            .queue
            .manager()
            .unwrap()
            .create_job(name, JobType::Download)
            .unwrap();
        job.add_file(url, self.local(name).to_str().unwrap())
            .unwrap();
        job.set_minimum_retry_delay(5).unwrap();
        job.resume().unwrap();
        self.service().wake();
        job
    }

    pub(crate) fn local(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Waits for `job` to reach `state`.
    pub(crate) fn wait(&self, job: &Job, state: JobState) {
        let id = job.id().unwrap();
        let reached = self
            .service()
            .wait_for(id, |s| s == state || s == JobState::Error, PATIENCE)
            .unwrap();
        assert_eq!(
            reached,
            state,
            "error: {:?}",
            job.error().unwrap().map(|e| e.description)
        );
    }

    /// Moves the clock past the retry delay and nudges the service.
    pub(crate) fn retry(&self) {
        self.clock.advance(Duration::from_secs(5));
        self.service().wake();
    }

    /// Completes `job` as a one-shot host would: the service stops first,
    /// then the file actions are carried out before anything else.
    pub(crate) fn complete(&mut self, job: &Job) {
        self.service.take().unwrap().stop().unwrap();
        job.complete().unwrap();
        for action in self.queue.take_file_actions().unwrap() {
            assert!(carry_out(&action, &Confinement::none()).is_empty());
        }
    }

    /// The files in the directory now.
    pub(crate) fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn temporaries(files: &[String]) -> usize {
    files
        .iter()
        .filter(|f| f.starts_with("BIT") && f.ends_with(".tmp"))
        .count()
}

#[test]
fn a_file_arrives_whole_and_appears_only_at_complete() {
    let mut s = Setup::new();
    let bytes = test_bytes(300_000, 1);
    s.server.put("/a.bin", bytes.clone());
    let job = s.download(&s.server.url("/a.bin"), "a.bin");
    s.wait(&job, JobState::Transferred);
    assert!(!s.local("a.bin").exists(), "not before complete");
    assert_eq!(temporaries(&s.files()), 1, "{:?}", s.files());
    let progress = job.progress().unwrap();
    assert_eq!(
        (progress.bytes_total, progress.bytes_transferred),
        (300_000, 300_000)
    );
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("a.bin")).unwrap(), bytes);
    assert_eq!(s.files(), ["a.bin"], "no temporary file left");
}

#[test]
fn a_dropped_connection_resumes_with_a_range_request() {
    let mut s = Setup::new();
    let bytes = test_bytes(500_000, 2);
    s.server.put("/drop.bin", bytes.clone());
    s.server.fault("/drop.bin", Fault::DropAfter(200_000));
    let job = s.download(&s.server.url("/drop.bin"), "drop.bin");
    s.wait(&job, JobState::TransientError);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8020_002E, "BG_E_CONNECTION_CLOSED");
    assert_eq!(error.context, JobErrorContext::GeneralTransport);
    s.retry();
    s.wait(&job, JobState::Transferred);
    let requests = s.server.requests("/drop.bin");
    assert_eq!(requests.len(), 2, "{requests:?}");
    let range = requests[1].range.as_deref().unwrap();
    let offset: u64 = range["bytes=".len()..range.len() - 1].parse().unwrap();
    assert!(offset <= 200_000 && 200_000 - offset <= 64 << 10, "{range}");
    assert_eq!(requests[1].if_range.as_deref(), Some("\"v1\""));
    assert_eq!(requests[1].status, 206);
    let served: u64 = requests.iter().map(|r| r.body_bytes).sum();
    assert!(
        served <= 500_000 + (64 << 10),
        "at most one chunk twice: {served}"
    );
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("drop.bin")).unwrap(), bytes);
}

#[test]
fn a_stalled_server_is_a_stall_retried_later() {
    let s = Setup::with(Confinement::none(), Duration::from_millis(300));
    let bytes = test_bytes(100_000, 3);
    s.server.put("/stall.bin", bytes);
    s.server
        .fault("/stall.bin", Fault::Stall(10_000, Duration::from_secs(5)));
    let job = s.download(&s.server.url("/stall.bin"), "stall.bin");
    s.wait(&job, JobState::TransientError);
    assert_eq!(
        job.error().unwrap().unwrap().hresult,
        0x8020_0024,
        "BG_E_NO_PROGRESS (contract §17.1)"
    );
    s.retry();
    s.wait(&job, JobState::Transferred);
}

#[test]
fn a_whole_file_in_answer_to_a_range_is_range_unsupported() {
    let s = Setup::new();
    s.server.put("/norange.bin", test_bytes(100_000, 4));
    s.server.fault("/norange.bin", Fault::DropAfter(50_000));
    s.server.fault("/norange.bin", Fault::IgnoreRange);
    let job = s.download(&s.server.url("/norange.bin"), "norange.bin");
    s.wait(&job, JobState::TransientError);
    s.retry();
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(
        error.hresult, 0x8020_0013,
        "BG_E_INSUFFICIENT_RANGE_SUPPORT"
    );
    assert_eq!(error.context, JobErrorContext::RemoteFile);
}

#[test]
fn a_wrong_content_range_is_refused() {
    let s = Setup::new();
    s.server.put("/wrong.bin", test_bytes(100_000, 5));
    s.server.fault("/wrong.bin", Fault::DropAfter(50_000));
    s.server.fault("/wrong.bin", Fault::WrongRange);
    let job = s.download(&s.server.url("/wrong.bin"), "wrong.bin");
    s.wait(&job, JobState::TransientError);
    s.retry();
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8020_0013);
}

#[test]
fn a_file_changed_between_requests_restarts_from_zero() {
    let mut s = Setup::new();
    s.server.put("/changing.bin", test_bytes(400_000, 6));
    s.server.fault("/changing.bin", Fault::DropAfter(150_000));
    let job = s.download(&s.server.url("/changing.bin"), "changing.bin");
    s.wait(&job, JobState::TransientError);
    let fresh = test_bytes(250_000, 7);
    s.server.put("/changing.bin", fresh.clone());
    s.retry();
    s.wait(&job, JobState::Transferred);
    let requests = s.server.requests("/changing.bin");
    assert_eq!(requests[1].if_range.as_deref(), Some("\"v1\""));
    assert_eq!(
        requests[1].status, 200,
        "If-Range no longer matches: the whole file"
    );
    s.complete(&job);
    assert_eq!(
        std::fs::read(s.local("changing.bin")).unwrap(),
        fresh,
        "not spliced"
    );
}

#[test]
fn http_statuses_end_as_the_contract_says() {
    let s = Setup::new();
    let job = s.download(&s.server.url("/missing.bin"), "missing.bin");
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8019_0194, "BG_E_HTTP_ERROR_404");
    assert_eq!(error.context, JobErrorContext::RemoteFile);
    assert_eq!(error.file_index, Some(0));

    s.server.put("/forbidden.bin", vec![1; 10]);
    s.server.fault("/forbidden.bin", Fault::Status(403));
    let job = s.download(&s.server.url("/forbidden.bin"), "forbidden.bin");
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8019_0193);

    let bytes = test_bytes(20_000, 8);
    s.server.put("/busy.bin", bytes);
    s.server.fault("/busy.bin", Fault::Status(503));
    let job = s.download(&s.server.url("/busy.bin"), "busy.bin");
    s.wait(&job, JobState::TransientError);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8019_01F7);
    s.retry();
    s.wait(&job, JobState::Transferred);
}

#[test]
fn a_file_without_content_length_arrives_whole() {
    let mut s = Setup::new();
    let bytes = test_bytes(123_457, 9);
    s.server.put("/nolength.bin", bytes.clone());
    s.server.fault("/nolength.bin", Fault::NoLength);
    let job = s.download(&s.server.url("/nolength.bin"), "nolength.bin");
    s.wait(&job, JobState::Transferred);
    assert_eq!(
        job.progress().unwrap().bytes_total,
        123_457,
        "known once it arrived"
    );
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("nolength.bin")).unwrap(), bytes);
}

#[test]
fn cancel_leaves_no_temporary_file() {
    let mut s = Setup::new();
    s.server.put("/cancel.bin", test_bytes(200_000, 10));
    s.server.fault("/cancel.bin", Fault::DropAfter(100_000));
    let job = s.download(&s.server.url("/cancel.bin"), "cancel.bin");
    s.wait(&job, JobState::TransientError);
    assert_eq!(temporaries(&s.files()), 1);
    s.service.take().unwrap().stop().unwrap();
    job.cancel().unwrap();
    for action in s.queue.take_file_actions().unwrap() {
        assert!(carry_out(&action, &Confinement::none()).is_empty());
    }
    assert!(s.files().is_empty(), "{:?}", s.files());
}

#[test]
fn file_urls_are_copied() {
    let mut s = Setup::new();
    let source = s.dir.join("source.dat");
    let bytes = test_bytes(70_000, 11);
    std::fs::write(&source, &bytes).unwrap();
    let job = s.download(&format!("file://{}", source.display()), "copy.dat");
    s.wait(&job, JobState::Transferred);
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("copy.dat")).unwrap(), bytes);
    let missing = Setup::new();
    let job = missing.download("file:///nowhere/at/all", "x.dat");
    missing.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8007_0002);
}

#[test]
fn writes_and_reads_stay_inside_the_allowed_directories() {
    let allowed = scratch();
    let outside = scratch();
    let confinement = Confinement::none()
        .allow_write(&allowed)
        .unwrap()
        .allow_read(&allowed)
        .unwrap();
    let s = Setup::with(confinement, Duration::from_secs(30));
    s.server.put("/c.bin", vec![7; 1000]);
    // s.dir is not among the allowed directories.
    let job = s.download(&s.server.url("/c.bin"), "c.bin");
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(
        (error.hresult, error.context),
        (0x8007_0005, JobErrorContext::LocalFile)
    );
    assert!(
        error.description.contains("access denied"),
        "{}",
        error.description
    );
    assert!(s.files().is_empty(), "nothing written: {:?}", s.files());
    // A file:// source outside the read directories is missing.
    std::fs::write(outside.join("secret"), b"secret").unwrap();
    let job = s
        .queue
        .manager()
        .unwrap()
        .create_job("read", JobType::Download)
        .unwrap();
    job.add_file(
        &format!("file://{}", outside.join("secret").display()),
        allowed.join("copy").to_str().unwrap(),
    )
    .unwrap();
    job.resume().unwrap();
    s.service().wake();
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8007_0002);
    // A destination directory that does not exist is local-io.
    let job = s
        .queue
        .manager()
        .unwrap()
        .create_job("nodir", JobType::Download)
        .unwrap();
    job.add_file(
        &s.server.url("/c.bin"),
        allowed.join("no/such/dir/c.bin").to_str().unwrap(),
    )
    .unwrap();
    job.resume().unwrap();
    s.service().wake();
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8007_0005);
    for dir in [allowed, outside] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn a_stopped_service_leaves_the_job_queued_and_a_new_one_resumes_it() {
    let mut s = Setup::with(Confinement::none(), Duration::from_secs(30));
    // Progress reported every 64 KiB, so some is reported before the stall.
    s.service.take().unwrap().stop().unwrap();
    s.start_service_reporting(Confinement::none(), Duration::from_secs(30), Duration::ZERO);
    let bytes = test_bytes(600_000, 12);
    s.server.put("/long.bin", bytes.clone());
    s.server
        .fault("/long.bin", Fault::Stall(300_000, Duration::from_secs(20)));
    let job = s.download(&s.server.url("/long.bin"), "long.bin");
    // Wait until bytes arrived, then stop the service mid-transfer.
    let deadline = std::time::Instant::now() + PATIENCE;
    while job.progress().unwrap().bytes_transferred < 200_000 {
        assert!(std::time::Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    s.service.take().unwrap().stop().unwrap();
    assert_eq!(job.state().unwrap(), JobState::Queued, "reported lost");
    let kept = job.progress().unwrap().bytes_transferred;
    s.start_service(Confinement::none(), Duration::from_secs(30));
    s.wait(&job, JobState::Transferred);
    let last = s.server.requests("/long.bin").pop().unwrap();
    assert_eq!(last.range, Some(format!("bytes={kept}-")));
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("long.bin")).unwrap(), bytes);
}

#[test]
fn notifications_reach_subscribers_and_callbacks() {
    let s = Setup::new();
    let channel = s.service().subscribe();
    let counted = std::sync::Arc::new(AtomicU32::new(0));
    let count = counted.clone();
    s.service().on_notify(move |n| {
        if n.event == bits_queue_host::NotifyEvent::Transferred {
            count.fetch_add(1, Ordering::Relaxed);
        }
    });
    s.server.put("/n.bin", test_bytes(1000, 13));
    let job = s.download(&s.server.url("/n.bin"), "n.bin");
    s.wait(&job, JobState::Transferred);
    let notification = channel.recv_timeout(PATIENCE).unwrap();
    assert_eq!(notification.job, job.id().unwrap());
    assert_eq!(
        notification.event,
        bits_queue_host::NotifyEvent::Transferred
    );
    assert_eq!(counted.load(Ordering::Relaxed), 1);
    // A 404 notifies `error`: default flags ask for it.
    let failing = s.download(&s.server.url("/absent.bin"), "absent.bin");
    s.wait(&failing, JobState::Error);
    let notification = channel.recv_timeout(PATIENCE).unwrap();
    assert_eq!(notification.job, failing.id().unwrap());
    assert_eq!(notification.event, bits_queue_host::NotifyEvent::Error);
}
