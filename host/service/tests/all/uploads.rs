//! Uploads over the BITS upload protocol (docs/contract.md §14) against
//! the BITS server of the test support code, on 127.0.0.1: the server's
//! file byte for byte, the packets it saw, and the job's end.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bits_queue_host::{
    Datetime, Job, JobErrorContext, JobState, JobType, ManualClock, Queue, QueueOptions,
};
use bits_queue_service::{
    Confinement, Context, ServiceConfig, TransferService, Transports, Trust, carry_out,
};
use bits_queue_tests::bits_server::{BitsFault, BitsServer, Packet};
use bits_queue_tests::http_server::test_bytes;
use bits_queue_tests::tls_server::{TestCa, TlsServer};
use bits_queue_tests::{runtime, scratch_dir};

use crate::transfers::PATIENCE;

/// Fragments of 64 KiB: files of a few hundred KiB take several.
const FRAGMENT: u64 = 64 << 10;

struct Setup {
    server: BitsServer,
    dir: PathBuf,
    queue: Queue,
    clock: ManualClock,
    service: Option<TransferService>,
}

impl Setup {
    fn new() -> Setup {
        Self::build(Confinement::none(), FRAGMENT)
    }

    fn confined(confinement: Confinement) -> Setup {
        Self::build(confinement, FRAGMENT)
    }

    /// A service whose Fragments hold `fragment` bytes.
    fn build(confinement: Confinement, fragment: u64) -> Setup {
        let transports = Transports::standard().with_fragment_size(fragment);
        Self::build_with(transports, confinement)
    }

    /// A service whose transports trust only `trust` (contract §15.5).
    fn trusting(trust: Trust) -> Setup {
        let transports = Transports::trusting(trust).with_fragment_size(FRAGMENT);
        Self::build_with(transports, Confinement::none())
    }

    fn build_with(transports: Transports, confinement: Confinement) -> Setup {
        let clock = ManualClock::at(Datetime::from_seconds(1_800_000_000));
        let queue = runtime()
            .new_queue_with(QueueOptions::new().clock(clock.clone()))
            .unwrap();
        let config = ServiceConfig {
            transports,
            context: Context {
                confinement,
                ..Context::default()
            },
            clock: Arc::new(clock.clone()),
            ..ServiceConfig::default()
        };
        let service = TransferService::start(queue.clone(), config).unwrap();
        Setup {
            server: BitsServer::start(),
            dir: scratch_dir("uploads"),
            queue,
            clock,
            service: Some(service),
        }
    }

    fn service(&self) -> &TransferService {
        self.service.as_ref().unwrap()
    }

    /// Writes `bytes` to `name` and uploads it to `path`, as `job_type`.
    fn upload(&self, job_type: JobType, path: &str, name: &str, bytes: &[u8]) -> Job {
        self.upload_to(job_type, &self.server.url(path), name, bytes)
    }

    /// Writes `bytes` to `name` and uploads it to `url`, as `job_type`.
    fn upload_to(&self, job_type: JobType, url: &str, name: &str, bytes: &[u8]) -> Job {
        self.upload_with(job_type, url, name, bytes, |_| {})
    }

    /// [`Setup::upload_to`] with `set` applied to the job before it is
    /// resumed.
    fn upload_with(
        &self,
        job_type: JobType,
        url: &str,
        name: &str,
        bytes: &[u8],
        set: impl FnOnce(&Job),
    ) -> Job {
        let local = self.dir.join(name);
        std::fs::write(&local, bytes).unwrap();
        let job = self
            .queue
            .manager()
            .unwrap()
            .create_job(name, job_type)
            .unwrap();
        job.add_file(url, local.to_str().unwrap()).unwrap();
        job.set_minimum_retry_delay(5).unwrap();
        set(&job);
        job.resume().unwrap();
        self.service().wake();
        job
    }

    /// Waits until `job` is in `state` (or in error, which is then shown).
    fn wait(&self, job: &Job, state: JobState) {
        let reached = self
            .service()
            .wait_for(
                job.id().unwrap(),
                |s| s == state || s == JobState::Error,
                PATIENCE,
            )
            .unwrap();
        assert_eq!(reached, state, "{:?}", job.error().unwrap());
    }

    /// Waits until the server's log shows a packet `f` accepts.
    fn wait_for_packet(&self, f: impl Fn(&Packet) -> bool) -> Packet {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(packet) = self.server.log().into_iter().find(|p| f(p)) {
                return packet;
            }
            assert!(Instant::now() < deadline, "{:#?}", self.server.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the server acknowledged at least `bytes` of `job`.
    fn wait_for_progress(&self, job: &Job, bytes: u64) {
        let deadline = Instant::now() + PATIENCE;
        while job.progress().unwrap().bytes_transferred < bytes {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// An upload of 300,000 bytes to `/up/NAME` whose second Fragment
    /// stalls for 2 s, once the server acknowledged the first.
    fn stalled_upload(&self, name: &str, seed: u64) -> Job {
        self.server.fault([
            BitsFault::Pass,
            BitsFault::Pass,
            BitsFault::Stall(Duration::from_secs(2)),
        ]);
        let path = format!("/up/{name}");
        let job = self.upload(JobType::Upload, &path, name, &test_bytes(300_000, seed));
        self.wait_for_progress(&job, FRAGMENT);
        job
    }

    /// Moves the clock past the retry delay and nudges the service.
    fn retry(&self) {
        self.clock.advance(Duration::from_secs(5));
        self.service().wake();
    }

    /// Completes `job` with the service stopped, carrying out its actions.
    fn complete(&mut self, job: &Job) {
        self.service.take().unwrap().stop().unwrap();
        job.complete().unwrap();
        for action in self.queue.take_file_actions().unwrap() {
            assert!(carry_out(&action, &Confinement::none()).is_empty());
        }
    }

    fn fragments(&self) -> Vec<Packet> {
        let log = self.server.log();
        log.into_iter()
            .filter(|p| p.packet_type == "Fragment")
            .collect()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn an_upload_arrives_byte_exact_in_fragments_and_is_closed() {
    let mut s = Setup::new();
    let bytes = test_bytes(300_001, 11);
    let job = s.upload(JobType::Upload, "/up/a.bin", "a.bin", &bytes);
    s.wait(&job, JobState::Transferred);
    assert_eq!(s.server.file("/up/a.bin").as_deref(), Some(&bytes[..]));
    let progress = job.progress().unwrap();
    assert_eq!(
        (progress.bytes_total, progress.bytes_transferred),
        (300_001, 300_001)
    );
    let log = s.server.log();
    let types: Vec<&str> = log.iter().map(|p| p.packet_type.as_str()).collect();
    assert_eq!(types.first(), Some(&"Create-Session"));
    assert_eq!(types.last(), Some(&"Close-Session"));
    let fragments = s.fragments();
    assert_eq!(fragments.len(), 5, "{fragments:#?}");
    assert_eq!(fragments[0].range.as_deref(), Some("bytes 0-65535/300001"));
    assert_eq!(
        fragments[4].range.as_deref(),
        Some("bytes 262144-300000/300001")
    );
    s.complete(&job);
    assert_eq!(job.state().unwrap(), JobState::Acknowledged);
}

#[test]
fn a_zero_byte_upload_is_one_empty_fragment() {
    let s = Setup::new();
    let job = s.upload(JobType::Upload, "/up/empty", "empty", &[]);
    s.wait(&job, JobState::Transferred);
    assert_eq!(s.server.file("/up/empty"), Some(Vec::new()));
    let fragments = s.fragments();
    assert_eq!(fragments.len(), 1);
    assert_eq!(fragments[0].range.as_deref(), Some("bytes */0"));
}

#[test]
fn upload_reply_leaves_the_reply_file_with_the_servers_bytes() {
    let mut s = Setup::new();
    let reply = test_bytes(70_000, 12);
    s.server.reply("/replies/1", &reply);
    let bytes = test_bytes(100_000, 13);
    let job = s.upload(JobType::UploadReply, "/up/r.bin", "r.bin", &bytes);
    s.wait(&job, JobState::Transferred);
    assert_eq!(s.server.file("/up/r.bin").as_deref(), Some(&bytes[..]));
    let progress = job.reply_progress().unwrap();
    assert_eq!(
        (progress.bytes_total, progress.bytes_transferred),
        (70_000, 70_000)
    );
    assert_eq!(job.reply_data().unwrap().as_deref(), Some(&reply[..]));
    let name = job.reply_file_name().unwrap().unwrap();
    s.complete(&job);
    assert_eq!(std::fs::read(&name).unwrap(), reply);
}

#[test]
fn a_416_resynchronises_the_offset_from_the_server() {
    let s = Setup::new();
    let bytes = test_bytes(300_000, 14);
    // Create-Session and two Fragments pass; before the third the server
    // loses all but 10,000 bytes, so it answers 416 naming 10,000.
    s.server.fault([
        BitsFault::Pass,
        BitsFault::Pass,
        BitsFault::Pass,
        BitsFault::Rewind(10_000),
    ]);
    let job = s.upload(JobType::Upload, "/up/rw.bin", "rw.bin", &bytes);
    s.wait(&job, JobState::Transferred);
    assert_eq!(s.server.file("/up/rw.bin").as_deref(), Some(&bytes[..]));
    let fragments = s.fragments();
    assert_eq!(fragments[2].status, 416, "{fragments:#?}");
    assert_eq!(
        fragments[3].range.as_deref(),
        Some("bytes 10000-75535/300000"),
        "the next Fragment starts where the 416 said"
    );
}

#[test]
fn a_server_error_code_ends_the_job_with_that_error() {
    let s = Setup::new();
    s.server
        .fault([BitsFault::Pass, BitsFault::Error(403, 0x8007_0005)]);
    let job = s.upload(
        JobType::Upload,
        "/up/no.bin",
        "no.bin",
        &test_bytes(1000, 15),
    );
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8007_0005);
    assert_eq!(error.context, JobErrorContext::RemoteFile);
}

#[test]
fn a_size_cap_ends_in_too_large() {
    let s = Setup::new();
    s.server.size_cap(1000);
    let job = s.upload(
        JobType::Upload,
        "/up/big.bin",
        "big.bin",
        &test_bytes(5000, 16),
    );
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8020_0020);
}

#[test]
fn a_local_file_changed_mid_upload_ends_in_0x8020001d() {
    let s = Setup::new();
    // The file changes while the second Fragment stalls, and the check
    // before the third sees it.
    let job = s.stalled_upload("ch.bin", 17);
    let mut changed = test_bytes(300_000, 17);
    changed.push(0);
    std::fs::write(s.dir.join("ch.bin"), changed).unwrap();
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    assert_eq!(error.hresult, 0x8020_001D);
    assert_eq!(error.context, JobErrorContext::LocalFile);
    assert!(s.server.file("/up/ch.bin").is_none(), "never closed");
}

#[test]
fn cancel_sends_cancel_session() {
    let s = Setup::new();
    let job = s.stalled_upload("c.bin", 18);
    job.cancel().unwrap();
    s.service().wake();
    let session = s.fragments()[0].session.clone();
    let cancel = s.wait_for_packet(|p| p.packet_type == "Cancel-Session");
    assert_eq!(cancel.session, session);
    assert!(s.server.file("/up/c.bin").is_none());
}

#[test]
fn a_forgotten_session_starts_a_new_one_and_ends_byte_exact() {
    let s = Setup::new();
    s.server
        .fault([BitsFault::Pass, BitsFault::Pass, BitsFault::ForgetSession]);
    let bytes = test_bytes(200_000, 19);
    let job = s.upload(JobType::Upload, "/up/f.bin", "f.bin", &bytes);
    s.wait(&job, JobState::Transferred);
    assert_eq!(s.server.file("/up/f.bin").as_deref(), Some(&bytes[..]));
    let creates = s
        .server
        .log()
        .iter()
        .filter(|p| p.packet_type == "Create-Session")
        .count();
    assert_eq!(creates, 2);
}

/// 64 MiB with the service's own 4 MiB Fragments: sixteen of them, and
/// the server's file byte for byte.
#[test]
fn a_64_mib_upload_arrives_byte_exact() {
    const SIZE: usize = 64 << 20;
    let s = Setup::build(Confinement::none(), 4 << 20);
    let bytes = test_bytes(SIZE, 22);
    let job = s.upload(JobType::Upload, "/up/64.bin", "64.bin", &bytes);
    s.wait(&job, JobState::Transferred);
    let file = s.server.file("/up/64.bin").expect("closed on the server");
    assert_eq!(file.len(), SIZE);
    assert!(file == bytes, "the server's 64 MiB differ from the file's");
    let fragments = s.fragments();
    assert_eq!(fragments.len(), 16);
    assert_eq!(
        fragments[15].range.as_deref(),
        Some("bytes 62914560-67108863/67108864")
    );
    let progress = job.progress().unwrap();
    assert_eq!(progress.bytes_transferred, SIZE as u64);
}

/// Three connections dropped mid-Fragment, at different offsets: the
/// bytes that reached the server beyond the file's size (the dropped
/// halves and whatever was sent again) stay within one Fragment per drop.
#[test]
fn three_drops_mid_fragment_cost_at_most_one_fragment_each() {
    const SIZE: usize = 600_000;
    const DROPS: usize = 3;
    let s = Setup::new();
    let bytes = test_bytes(SIZE, 20);
    // Create-Session and two Fragments pass, the third drops; after each
    // retry (which resumes the stored session: no Create-Session) one
    // Fragment passes and the next drops.
    s.server.fault([
        BitsFault::Pass,
        BitsFault::Pass,
        BitsFault::Pass,
        BitsFault::DropFragmentHalfway,
    ]);
    let job = s.upload(JobType::Upload, "/up/d.bin", "d.bin", &bytes);
    let drops = || s.server.log().iter().filter(|p| p.status == 0).count();
    for drop in 1..=DROPS {
        // The job stays in its earlier transient error until the retry
        // starts: the drop is waited for in the server's log first.
        s.wait_for_packet(|_| drops() == drop);
        s.wait(&job, JobState::TransientError);
        if drop < DROPS {
            s.server
                .fault([BitsFault::Pass, BitsFault::DropFragmentHalfway]);
        }
        s.retry();
    }
    s.wait(&job, JobState::Transferred);
    assert_eq!(s.server.file("/up/d.bin").as_deref(), Some(&bytes[..]));
    let fragments = s.fragments();
    assert_eq!(fragments.iter().filter(|p| p.status == 0).count(), DROPS);
    let arrived: u64 = fragments.iter().map(|p| p.received).sum();
    let resent = arrived - SIZE as u64;
    assert!(
        resent <= DROPS as u64 * FRAGMENT,
        "{DROPS} drops cost {resent} bytes, more than a Fragment ({FRAGMENT}) each: {fragments:#?}"
    );
}

#[test]
fn a_local_file_outside_allow_read_is_not_read() {
    let allowed = scratch_dir("uploads-allowed");
    let s = Setup::confined(Confinement::none().allow_read(&allowed).unwrap());
    let job = s.upload(JobType::Upload, "/up/x.bin", "x.bin", &test_bytes(10, 21));
    s.wait(&job, JobState::Error);
    assert!(s.server.log().is_empty(), "{:?}", s.server.log());
    let _ = std::fs::remove_dir_all(allowed);
}

/// §15.5: upload packets trust the host's authorities, as downloads do:
/// an upload over HTTPS to a server whose CA the host was given arrives
/// whole; the same server with no CA given is refused at the handshake
/// (fatal, 0x80072F8F) and never reached.
#[test]
fn upload_packets_trust_the_hosts_ca_file_and_only_it() {
    let ca = TestCa::new();
    let pem = scratch_dir("upload-ca").join("ca.pem");
    std::fs::write(&pem, ca.pem()).unwrap();

    let mut s = Setup::trusting(Trust::none().with_ca_file(&pem).unwrap());
    let front = TlsServer::in_front_of(ca.server(&["127.0.0.1"]), s.server.port());
    let bytes = test_bytes(150_000, 31);
    let job = s.upload_to(
        JobType::Upload,
        &front.url("/up/tls.bin"),
        "tls.bin",
        &bytes,
    );
    s.wait(&job, JobState::Transferred);
    s.complete(&job);
    assert_eq!(s.server.file("/up/tls.bin").as_deref(), Some(&bytes[..]));
    assert!(front.served() >= 3, "{} requests", front.served());

    let s = Setup::trusting(Trust::none());
    let front = TlsServer::in_front_of(ca.server(&["127.0.0.1"]), s.server.port());
    let job = s.upload_to(JobType::Upload, &front.url("/up/no.bin"), "no.bin", &bytes);
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8007_2F8F);
    assert_eq!(front.served(), 0);
    assert!(s.server.log().is_empty(), "{:?}", s.server.log());
}

/// §15.4–§15.5: TLS flags and the client certificate apply to upload
/// packets as to downloads. A front whose certificate names another host
/// is refused (0x80072F8F) unless the job ignores that fault; a front that
/// demands a client certificate gets the whole file from a job that names
/// one in the host's store, and refuses one that names none (0x80072F0C).
#[test]
fn upload_packets_use_the_jobs_tls_flags_and_certificate() {
    use bits_queue_host::{CertificateId, ClientCertificate, security};
    let ca = TestCa::new();
    let client_ca = TestCa::new();
    let dir = scratch_dir("upload-tls");
    let pem = dir.join("ca.pem");
    std::fs::write(&pem, ca.pem()).unwrap();
    let stores = dir.join("stores");
    std::fs::create_dir_all(stores.join("MY")).unwrap();
    let ann = client_ca.client("Ann Example");
    std::fs::write(stores.join("MY").join("ann.pem"), ann.pem()).unwrap();
    let trust = Trust::none()
        .with_ca_file(&pem)
        .unwrap()
        .with_client_cert_dir(&stores)
        .unwrap();
    let s = Setup::trusting(trust);
    let bytes = test_bytes(150_000, 33);

    let misnamed = TlsServer::in_front_of(ca.server(&["elsewhere.example"]), s.server.port());
    let job = s.upload_to(JobType::Upload, &misnamed.url("/up/n.bin"), "n.bin", &bytes);
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8007_2F8F);
    let job = s.upload_with(
        JobType::Upload,
        &misnamed.url("/up/ignored.bin"),
        "ignored.bin",
        &bytes,
        |job| {
            job.set_security_flags(security::IGNORE_CERT_CN_INVALID)
                .unwrap()
        },
    );
    s.wait(&job, JobState::Transferred);
    assert_eq!(
        s.server.file("/up/ignored.bin").as_deref(),
        Some(&bytes[..])
    );

    let demanding = TlsServer::in_front_of_requiring_clients_of(
        &client_ca,
        ca.server(&["127.0.0.1"]),
        s.server.port(),
    );
    let job = s.upload_to(
        JobType::Upload,
        &demanding.url("/up/c.bin"),
        "c.bin",
        &bytes,
    );
    s.wait(&job, JobState::Error);
    assert_eq!(job.error().unwrap().unwrap().hresult, 0x8007_2F0C);
    let cert = ClientCertificate {
        store: "MY".into(),
        id: CertificateId::Subject("CN=Ann Example".into()),
    };
    // An upload-reply: its reply's GET goes through the front too.
    let reply = test_bytes(20_000, 34);
    s.server.reply("/replies/c", &reply);
    let job = s.upload_with(
        JobType::UploadReply,
        &demanding.url("/up/cert.bin"),
        "cert.bin",
        &bytes,
        |job| job.set_client_certificate(Some(&cert)).unwrap(),
    );
    s.wait(&job, JobState::Transferred);
    assert_eq!(s.server.file("/up/cert.bin").as_deref(), Some(&bytes[..]));
    assert_eq!(job.reply_data().unwrap().as_deref(), Some(&reply[..]));
    assert!(demanding.served() >= 4, "{} requests", demanding.served());
}

/// §15.8: an upload packet's 429 or 503 with Retry-After is `retry-after`:
/// transient, and the retry waits as long as the server asked, not the
/// job's 5 s.
#[test]
fn an_upload_packets_retry_after_keeps_the_job_waiting() {
    for status in [429u16, 503] {
        let s = Setup::new();
        s.server
            .fault([BitsFault::Pass, BitsFault::RetryAfter(status, 3600)]);
        let job = s.upload(
            JobType::Upload,
            "/up/busy.bin",
            "busy.bin",
            &test_bytes(1000, 8),
        );
        s.wait(&job, JobState::TransientError);
        let error = job.error().unwrap().unwrap();
        assert_eq!(error.hresult, 0x8019_0000 + u32::from(status));
        let wake = s.queue.next_wake().unwrap().expect("a retry is due");
        assert!(
            wake.seconds >= 1_800_000_000 + 3600,
            "HTTP {status}: the retry is due at {}, before the hour asked",
            wake.seconds
        );
    }
}
