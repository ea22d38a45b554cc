//! The seam between the service and the ways bytes move: a [`Transport`]
//! carries out one `start` order and reports through a [`Sink`]; it never
//! touches the queue (the service's loop does, one call at a time) and
//! decides no rule (the component does).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bits_queue_host::{
    FailureDetail, FileRef, Guid, JobType, NotifyEvent, OrderDetails, TransferFailure,
    TransferOrder,
};

use crate::confine::Confinement;
use crate::stall::read_failure;
use crate::upload::{UploadCall, Uploader};

/// Bytes read from the source at a time.
const CHUNK: usize = 64 << 10;

/// One way of moving bytes (HTTP, `file://`, …).
pub trait Transport: Send + Sync + 'static {
    /// Whether this transport serves `url` (by its scheme).
    fn serves(&self, url: &str) -> bool;

    /// Carries out one order to its end, reporting progress through `sink`,
    /// and says how it ended.
    fn run(&self, order: &TransferOrder, context: &Context, sink: &mut Sink) -> Outcome;
}

/// How a transfer ended.
#[derive(Debug)]
pub enum Outcome {
    /// The whole file is in the temporary file, synced to disk.
    Done,
    /// It failed; the component decides what that means.
    Failed(TransferFailure),
    /// It failed in a way beyond §8's (TLS, a redirect, Retry-After:
    /// contract §15.8; a wait that ran out, `stalled`, §17.1; an upload's
    /// server error, a local file that changed, §14.4), reported with
    /// `report-failure-detail`.
    FailedDetail(FailureDetail),
    /// The local disk had no room for the file (`report-disk-full`).
    DiskFull(String),
    /// It cannot go on from here (the server sent part of a file the
    /// component restarted): the job is queued again.
    Lost,
    /// The order was stopped, or the service went away: nothing to report.
    Stopped,
}

impl From<Stopped> for Outcome {
    fn from(_: Stopped) -> Outcome {
        Outcome::Stopped
    }
}

impl From<FailureDetail> for Outcome {
    fn from(detail: FailureDetail) -> Outcome {
        Outcome::FailedDetail(detail)
    }
}

impl From<TransferFailure> for Outcome {
    fn from(failure: TransferFailure) -> Outcome {
        Outcome::Failed(failure)
    }
}

/// What every transfer of a service shares.
#[derive(Clone, Debug)]
pub struct Context {
    /// Where it may write and read.
    pub confinement: Confinement,
    /// Progress is reported at most this often in bytes…
    pub progress_bytes: u64,
    /// …and in time, whichever comes later.
    pub progress_interval: Duration,
    /// The job's custom headers and credentials, set per transfer by the
    /// service from the order's details (contract §15).
    pub auth: crate::auth::RequestAuth,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            confinement: Confinement::none(),
            progress_bytes: 64 << 10,
            progress_interval: Duration::from_millis(100),
            auth: crate::auth::RequestAuth::default(),
        }
    }
}

/// What a transfer tells the service's loop.
#[derive(Debug)]
pub(crate) enum Report {
    /// The server answered; the loop replies with the offset to write from
    /// (the component's count of the file's bytes, 0 if it restarted the
    /// file), or `None` if the transfer is no longer wanted.
    Connected {
        file: FileRef,
        size: Option<u64>,
        validator: Option<String>,
        /// The URL redirects led to, reported first (`report-redirected`,
        /// contract §15.4), when the job's policy is ALLOW_REPORT.
        redirected: Option<String>,
        reply: Sender<Option<u64>>,
    },
    Progress {
        file: FileRef,
        bytes: u64,
    },
    Done {
        file: FileRef,
    },
    Failed {
        file: FileRef,
        failure: TransferFailure,
    },
    FailedDetail {
        file: FileRef,
        detail: FailureDetail,
    },
    DiskFull {
        file: FileRef,
        why: String,
    },
    Lost {
        file: FileRef,
    },
    /// An upload's report beyond §10's (contract §14).
    Upload {
        file: FileRef,
        call: UploadCall,
    },
    /// Not from a transfer: the queue may have changed, poll now.
    Wake,
    /// A notify program ended (contract §16.1): its exit code, or why it
    /// has none.
    CommandExit {
        job: Guid,
        event: NotifyEvent,
        ran: Result<i32, String>,
    },
}

impl Report {
    /// The file a transfer's report is about (`None` for a nudge).
    pub(crate) fn file(&self) -> Option<FileRef> {
        match self {
            Report::Connected { file, .. }
            | Report::Progress { file, .. }
            | Report::Done { file }
            | Report::Failed { file, .. }
            | Report::FailedDetail { file, .. }
            | Report::DiskFull { file, .. }
            | Report::Lost { file }
            | Report::Upload { file, .. } => Some(*file),
            Report::Wake | Report::CommandExit { .. } => None,
        }
    }
}

/// A report and the serial of the worker that sent it (0: none, a nudge):
/// the loop ignores the reports of a worker it no longer runs.
pub(crate) type Mail = (u64, Report);

/// A transfer's line to the service: reports go to the loop, progress
/// coalesced; the stop flag says when to give up.
pub struct Sink {
    file: FileRef,
    worker: u64,
    reports: Sender<Mail>,
    stop: Arc<AtomicBool>,
    progress_bytes: u64,
    progress_interval: Duration,
    sent: u64,
    sent_at: Instant,
    /// Bytes of the file that are in the temporary file now.
    bytes: u64,
    /// The same count, for the loop: a graceful stop reports it (contract
    /// §17.3) without waiting for a worker that may sit in a read.
    written: Arc<AtomicU64>,
    /// The queue's cap on every wait (contract §17.1), if it sets one.
    cap: Option<Duration>,
    /// Where redirects led, for the next `connected` to report first.
    redirected: Option<String>,
}

/// The order was stopped, or the service went away: give up quietly.
#[derive(Debug)]
pub struct Stopped;

impl Sink {
    pub(crate) fn new(
        (file, worker): (FileRef, u64),
        offset: u64,
        reports: Sender<Mail>,
        stop: Arc<AtomicBool>,
        written: Arc<AtomicU64>,
        context: &Context,
    ) -> Sink {
        written.store(offset, Ordering::Release);
        Sink {
            written,
            file,
            worker,
            reports,
            stop,
            progress_bytes: context.progress_bytes,
            progress_interval: context.progress_interval,
            sent: offset,
            // As if the last report were an interval ago: the first 64 KiB
            // are reported at once, so a transfer that stalls after its
            // first burst still shows (and stores) what arrived.
            sent_at: Instant::now()
                .checked_sub(context.progress_interval)
                .unwrap_or_else(Instant::now),
            bytes: offset,
            cap: None,
            redirected: None,
        }
    }

    /// The same sink, whose waits the queue caps at `cap`.
    pub(crate) fn capped(mut self, cap: Option<Duration>) -> Sink {
        self.cap = cap;
        self
    }

    /// The queue's cap on every wait of this transfer (contract §17.1):
    /// the job's no-progress timeout, or the time left until its running
    /// no-progress deadline. A transport waits no longer than
    /// [`idle_limit`](crate::idle_limit) of its own limit and this.
    pub fn wait_cap(&self) -> Option<Duration> {
        self.cap
    }

    /// Whether the order was stopped.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn send(&self, report: Report) -> Result<(), Stopped> {
        if self.stopped() {
            return Err(Stopped);
        }
        self.reports
            .send((self.worker, report))
            .map_err(|_| Stopped)
    }

    /// The request followed redirects to `url` under the job's
    /// ALLOW_REPORT policy (contract §15.4): the next
    /// [`connected`](Sink::connected) reports it first, in the same change
    /// of the queue.
    pub fn redirected(&mut self, url: String) {
        self.redirected = Some(url);
    }

    /// The server answered with `size` and `validator`. Returns the offset
    /// to write from: the component keeps the bytes so far, or (the file
    /// changed) starts it again from 0.
    pub fn connected(
        &mut self,
        size: Option<u64>,
        validator: Option<String>,
    ) -> Result<u64, Stopped> {
        let (reply, answer) = mpsc::channel();
        let redirected = self.redirected.take();
        self.send(Report::Connected {
            file: self.file,
            size,
            validator,
            redirected,
            reply,
        })?;
        let offset = answer.recv().ok().flatten().ok_or(Stopped)?;
        self.bytes = offset;
        self.sent = offset;
        self.written.store(offset, Ordering::Release);
        Ok(offset)
    }

    /// [`connected`](Sink::connected) for a transfer whose temporary file
    /// holds only `held` bytes: when the component counts more, its count
    /// is brought down to them (contract §17.3) and the transfer writes
    /// from there. Returns the offset to write from.
    pub fn connected_holding(
        &mut self,
        size: Option<u64>,
        validator: Option<String>,
        held: u64,
    ) -> Result<u64, Stopped> {
        let offset = self.connected(size, validator)?;
        if offset <= held {
            return Ok(offset);
        }
        self.send(Report::Progress {
            file: self.file,
            bytes: held,
        })?;
        self.bytes = held;
        self.sent = held;
        self.written.store(held, Ordering::Release);
        Ok(held)
    }

    /// `count` more bytes are in the temporary file. Reported at most every
    /// `progress_bytes` and `progress_interval`, whichever comes later.
    pub fn wrote(&mut self, count: u64) -> Result<(), Stopped> {
        self.bytes = self.bytes.saturating_add(count);
        self.written.store(self.bytes, Ordering::Release);
        if self.stopped() {
            return Err(Stopped);
        }
        let due = self.bytes - self.sent >= self.progress_bytes
            && self.sent_at.elapsed() >= self.progress_interval;
        if due {
            self.flush()?;
        }
        Ok(())
    }

    /// Reports the bytes so far now, if any arrived since the last report.
    pub fn flush(&mut self) -> Result<(), Stopped> {
        if self.bytes > self.sent {
            self.send(Report::Progress {
                file: self.file,
                bytes: self.bytes,
            })?;
            self.sent = self.bytes;
            self.sent_at = Instant::now();
        }
        Ok(())
    }

    /// An upload's report beyond §10's, passed on in order with the rest.
    pub(crate) fn upload(&self, call: UploadCall) -> Result<(), Stopped> {
        self.send(Report::Upload {
            file: self.file,
            call,
        })
    }

    /// The server acknowledged `offset` bytes of an upload: reported like
    /// progress (coalesced), at once when `last` (the Ack that ends the
    /// phase must reach the component even without a new byte).
    pub(crate) fn acknowledged(&mut self, offset: u64, last: bool) -> Result<(), Stopped> {
        self.bytes = offset;
        self.written.store(offset, Ordering::Release);
        if self.stopped() {
            return Err(Stopped);
        }
        let due = offset != self.sent && self.sent_at.elapsed() >= self.progress_interval;
        if due || last {
            self.send(Report::Progress {
                file: self.file,
                bytes: offset,
            })?;
            self.sent = offset;
            self.sent_at = Instant::now();
        }
        Ok(())
    }

    /// Reports how the transfer ended; bytes that arrived are reported
    /// first.
    pub(crate) fn finish(mut self, outcome: Outcome) {
        let last = match outcome {
            Outcome::Done => Report::Done { file: self.file },
            Outcome::Failed(failure) => Report::Failed {
                file: self.file,
                failure: bounded(failure),
            },
            Outcome::FailedDetail(detail) => Report::FailedDetail {
                file: self.file,
                detail: bounded_detail(detail),
            },
            Outcome::DiskFull(why) => Report::DiskFull {
                file: self.file,
                why: bounded_text(why),
            },
            Outcome::Lost => Report::Lost { file: self.file },
            Outcome::Stopped => return,
        };
        if self.flush().is_ok() {
            let _ = self.send(last);
        }
    }
}

/// The temporary file of one order: opened in the local name's directory
/// (checked against the service's confinement), holding `offset` bytes.
pub struct TempFile {
    file: File,
    path: PathBuf,
    held: u64,
    /// Syncs of what was written so far, made on a thread of their own
    /// while the transfer goes on (`WRITEBACK_AHEAD`).
    ahead: WritebackAhead,
}

/// After this many bytes written, a sync of the file starts on a thread of
/// its own. The kernel starts writing dirty pages back only past a share
/// of memory (gigabytes here), so a large file was written back all at
/// its final sync, after the last byte arrived: the disk's time added to
/// the network's. Syncing ahead overlaps them, and the final sync flushes
/// only the tail (issue 22 goal 6).
const WRITEBACK_AHEAD: u64 = 8 << 20;

/// The sync in flight, and the first error any of them met: the file's
/// final sync reports it, since a sync on a clone of the file may be the
/// one the kernel tells of a failed write-back.
#[derive(Default)]
struct WritebackAhead {
    running: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    since: u64,
    failed: Option<std::io::Error>,
}

impl WritebackAhead {
    /// Counts `bytes` written to `file`; past the mark, starts a sync of it
    /// unless one still runs.
    fn wrote(&mut self, file: &File, bytes: u64) {
        self.since += bytes;
        if self.since < WRITEBACK_AHEAD {
            return;
        }
        if self.running.as_ref().is_some_and(|r| !r.is_finished()) {
            return;
        }
        self.settle();
        // No clone, no thread: the final sync does it all, as before.
        let Ok(clone) = file.try_clone() else { return };
        self.since = 0;
        self.running = std::thread::Builder::new()
            .name("bits-queue-sync".into())
            .spawn(move || clone.sync_data())
            .ok();
    }

    /// Waits for the sync in flight and keeps its error.
    fn settle(&mut self) {
        if let Some(running) = self.running.take() {
            let result = running
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a sync ahead panicked")));
            if let Err(e) = result {
                self.failed.get_or_insert(e);
            }
        }
    }
}

impl TempFile {
    /// Opens (or creates) the order's temporary file and cuts it to the
    /// `offset` bytes the component counts; bytes after them were never
    /// reported and are dropped.
    pub fn open(order: &TransferOrder, confinement: &Confinement) -> Result<TempFile, Outcome> {
        let local = confinement
            .check_write(Path::new(&order.local_name))
            .map_err(TransferFailure::LocalIo)?;
        if let Some(why) = not_replaceable(&local) {
            return Err(TransferFailure::LocalIo(why).into());
        }
        let path = confinement
            .check_write(Path::new(&order.temporary_name))
            .map_err(TransferFailure::LocalIo)?;
        // A generation's file that is not there yet starts with the bytes
        // an earlier host reported (the service names the order's file
        // after its lease's generation: `fence`).
        crate::fence::take_over(&path, order.offset).map_err(|e| write_failure(&path, &e))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| write_failure(&path, &e))?;
        // Fewer bytes than the component counts (a crash lost unsynced
        // ones, a cleaner deleted the file): the transfer goes on from
        // those it holds, and says so right after `report-connected`
        // (contract §17.3; [`Sink::connected_holding`]).
        let held = file
            .metadata()
            .map_err(|e| write_failure(&path, &e))?
            .len()
            .min(order.offset);
        let mut temp = TempFile {
            file,
            path,
            held,
            ahead: WritebackAhead::default(),
        };
        temp.restart_at(held)?;
        Ok(temp)
    }

    /// The bytes of the file it holds and keeps: the order's offset, or
    /// fewer when it lost some.
    pub fn held(&self) -> u64 {
        self.held
    }

    /// Cuts the file to `offset` bytes and writes from there.
    pub fn restart_at(&mut self, offset: u64) -> Result<(), Outcome> {
        self.file
            .set_len(offset)
            .and_then(|()| self.file.seek(SeekFrom::Start(offset)).map(drop))
            .map_err(|e| write_failure(&self.path, &e))
    }

    /// Takes away every permission `source` lacks but the owner's write:
    /// the file keeps only those both it (made under the umask) and the
    /// source have, so a copy is never more readable than what it copies
    /// (issue 21 case 14). Unix modes; a no-op elsewhere.
    pub fn narrow_mode(&mut self, source: &std::fs::Metadata) -> Result<(), Outcome> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let own = self
                .file
                .metadata()
                .map_err(|e| write_failure(&self.path, &e))?;
            // The owner keeps writing it (a resumed transfer opens it
            // again); only reading and running are narrowed.
            let mode = own.permissions().mode() & (source.permissions().mode() | 0o200) & 0o777;
            if mode != own.permissions().mode() & 0o777 {
                self.file
                    .set_permissions(std::fs::Permissions::from_mode(mode))
                    .map_err(|e| write_failure(&self.path, &e))?;
            }
        }
        #[cfg(not(unix))]
        let _ = source;
        Ok(())
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Outcome> {
        self.file
            .write_all(bytes)
            .map_err(|e| write_failure(&self.path, &e))?;
        self.ahead.wrote(&self.file, bytes.len() as u64);
        Ok(())
    }

    /// Appends everything `source` gives, reporting through `sink`; returns
    /// the bytes written. A read that fails is an `interrupted` failure (a
    /// `stalled` one when it waited too long); a stop ends the copy before another byte is written.
    pub fn copy_from(&mut self, source: &mut impl Read, sink: &mut Sink) -> Result<u64, Outcome> {
        let mut buffer = vec![0; CHUNK];
        let mut written = 0u64;
        loop {
            let read = source.read(&mut buffer).map_err(read_failure)?;
            if read == 0 {
                return Ok(written);
            }
            if sink.stopped() {
                // Stopped while reading: not a byte more into the file.
                return Err(Outcome::Stopped);
            }
            self.write(&buffer[..read])?;
            written += read as u64;
            sink.wrote(read as u64)?;
        }
    }

    /// Syncs the bytes to disk: the file is complete only once they are.
    pub fn sync(&mut self) -> Result<(), Outcome> {
        self.ahead.settle();
        if let Some(e) = self.ahead.failed.take() {
            return Err(write_failure(&self.path, &e));
        }
        self.file
            .sync_all()
            .map_err(|e| write_failure(&self.path, &e))
    }
}

/// Why the file at `local` may not be replaced by a download, if it may
/// not: a download ends as a regular file, so a directory or a special
/// file (a device, FIFO or socket) there is never renamed over.
pub(crate) fn not_replaceable(local: &Path) -> Option<String> {
    let meta = std::fs::metadata(local).ok()?;
    (!meta.is_file()).then(|| {
        format!(
            "{} is {}: a download replaces only a regular file",
            local.display(),
            if meta.is_dir() {
                "a directory"
            } else {
                "a special file (a device, FIFO or socket)"
            }
        )
    })
}

/// A local file error as a failure.
pub(crate) fn local_io(path: &Path, e: &io::Error) -> TransferFailure {
    TransferFailure::LocalIo(format!("{}: {e}", path.display()))
}

/// A failure to make or write a temporary file: a full disk (or a full
/// quota) is said as one, `report-disk-full` (ERROR_DISK_FULL, issue 21
/// case 9); anything else is `local-io`.
pub(crate) fn write_failure(path: &Path, e: &io::Error) -> Outcome {
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            Outcome::DiskFull(format!("{}: {e}", path.display()))
        }
        _ => local_io(path, e).into(),
    }
}

/// The transports a service has, chosen by each order's URL; an order none
/// serves is `unsupported`. Uploads go to the BITS upload client.
#[derive(Clone)]
pub struct Transports(Vec<Arc<dyn Transport>>, LazyUploader);

impl Transports {
    /// HTTP and HTTPS (`ureq`, trusting the system's roots), and
    /// `file://` (copying).
    pub fn standard() -> Self {
        Self::trusting(crate::trust::Trust::system_or_none())
    }

    /// The standard transports, HTTPS trusting `trust`'s certificate
    /// authorities (contract §15.5: a host setting, such as `--ca-file`).
    /// Upload packets and replies trust the same authorities.
    pub fn trusting(trust: crate::trust::Trust) -> Self {
        let uploader = LazyUploader::made(Uploader::trusting(&trust));
        Transports(
            vec![
                Arc::new(crate::http::HttpTransport::with_trust(
                    trust,
                    crate::http::IDLE_TIMEOUT,
                )),
                Arc::new(crate::file::FileTransport),
            ],
            uploader,
        )
    }

    /// Uploads in fragments of `bytes` (at least 64 KiB; 4 MiB by
    /// default: contract §14.3).
    pub fn with_fragment_size(mut self, bytes: u64) -> Self {
        self.1 = self.1.with_fragment_size(bytes);
        self
    }

    /// What sends the cancels a store keeps, with this service's agent.
    pub(crate) fn pending_cancels(&self) -> crate::upload::PendingCancels {
        crate::upload::PendingCancels::new(self.1.get())
    }

    /// Sends Cancel-Session for `cancels` (on a thread of their own).
    pub(crate) fn cancel_sessions(&self, cancels: Vec<bits_queue_host::SessionCancel>) {
        if !cancels.is_empty() {
            self.1.get().cancel_sessions(cancels);
        }
    }

    /// No download transport: every download is `unsupported` (a host
    /// that runs no transfer, or one that adds its own with
    /// [`Transports::with`]); uploads keep the BITS upload client.
    pub fn none() -> Self {
        Transports(Vec::new(), LazyUploader::system())
    }

    /// Another transport, tried before those already there.
    pub fn with(mut self, transport: impl Transport) -> Self {
        self.0.insert(0, Arc::new(transport));
        self
    }

    /// Carries out `order` with the transport that serves it. A transport
    /// that panics is caught here: its transfer ends as a failure that says
    /// so, never silently (the order comes from the component, which the
    /// host does not trust, and the transport may be anyone's).
    /// `details` are the order's `get-order-details`, read for uploads.
    pub(crate) fn run(
        &self,
        order: &TransferOrder,
        details: Option<OrderDetails>,
        context: &Context,
        mut sink: Sink,
    ) {
        if sink.cap == Some(Duration::ZERO) {
            // Its deadline has passed: it is not started (contract §17.1).
            let why = "the no-progress deadline passed before the transfer started";
            return sink.finish(FailureDetail::Stalled(why.into()).into());
        }
        let transport: Option<&dyn Transport> = if order.job_type != JobType::Download {
            None
        } else {
            match self.0.iter().find(|t| t.serves(&order.remote_name)) {
                Some(transport) => Some(transport.as_ref()),
                None => {
                    let why = format!("no transport serves {}", order.remote_name);
                    return sink.finish(Outcome::Failed(TransferFailure::Unsupported(why)));
                }
            }
        };
        let ran = panic::catch_unwind(AssertUnwindSafe(|| match transport {
            Some(transport) => transport.run(order, context, &mut sink),
            None => self
                .1
                .get()
                .run(order, details.as_ref(), context, &mut sink),
        }));
        let outcome = ran.unwrap_or_else(|payload| {
            Outcome::Failed(TransferFailure::Unsupported(format!(
                "the transport failed: {}",
                panic_text(payload.as_ref())
            )))
        });
        sink.finish(outcome);
    }
}

impl Default for Transports {
    fn default() -> Self {
        Self::standard()
    }
}

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transports({})", self.0.len())
    }
}

/// The longest text a failure carries to the component (bytes): a server's
/// or a transport's words are cut there, so a report never trips the
/// host's argument-size check.
pub(crate) const MAX_FAILURE_TEXT: usize = 1024;

/// `failure` with its text cut to [`MAX_FAILURE_TEXT`] bytes, on a
/// character boundary.
pub(crate) fn bounded(failure: TransferFailure) -> TransferFailure {
    let cut = bounded_text;
    match failure {
        TransferFailure::ConnectFailed(why) => TransferFailure::ConnectFailed(cut(why)),
        TransferFailure::Interrupted(why) => TransferFailure::Interrupted(cut(why)),
        TransferFailure::LocalIo(why) => TransferFailure::LocalIo(cut(why)),
        TransferFailure::Unsupported(why) => TransferFailure::Unsupported(cut(why)),
        other => other,
    }
}

/// A detail whose text is cut as [`bounded`] cuts a failure's.
fn bounded_detail(detail: FailureDetail) -> FailureDetail {
    let cut = bounded_text;
    match detail {
        FailureDetail::Tls(kind, why) => FailureDetail::Tls(kind, cut(why)),
        FailureDetail::RedirectFailed(why) => FailureDetail::RedirectFailed(cut(why)),
        FailureDetail::RedirectRefused(status, location) => {
            FailureDetail::RedirectRefused(status, cut(location))
        }
        FailureDetail::Stalled(why) => FailureDetail::Stalled(cut(why)),
        other => other,
    }
}

/// `text` cut to [`MAX_FAILURE_TEXT`] bytes, on a character boundary.
pub(crate) fn bounded_text(mut text: String) -> String {
    if text.len() > MAX_FAILURE_TEXT {
        let mut end = MAX_FAILURE_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// What a panic said, as text.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Whether `url` has `scheme` (any case) followed by `://`. Compared as
/// bytes: a URL may hold any character where the scheme should be.
pub(crate) fn has_scheme(url: &str, scheme: &str) -> bool {
    let (url, scheme) = (url.as_bytes(), scheme.as_bytes());
    url.len() > scheme.len() + 3
        && url[..scheme.len()].eq_ignore_ascii_case(scheme)
        && url[scheme.len()..].starts_with(b"://")
}

/// The upload client of [`Transports::none`], made on first use: it
/// trusts the system's roots, and reading them (some 150 files on Debian)
/// was a third of every one-shot `bitsq` verb's start, though none of them
/// uploads (issue 22 goal 2). Clones share the one client.
#[derive(Clone)]
struct LazyUploader {
    made: Arc<OnceLock<Uploader>>,
    /// The fragment size for a client not made yet.
    fragment: u64,
}

impl LazyUploader {
    /// A client made already.
    fn made(uploader: Uploader) -> Self {
        LazyUploader {
            made: Arc::new(OnceLock::from(uploader)),
            fragment: crate::upload::DEFAULT_FRAGMENT,
        }
    }

    /// A client trusting the system's roots, read when it is first used.
    fn system() -> Self {
        LazyUploader {
            made: Arc::new(OnceLock::new()),
            fragment: crate::upload::DEFAULT_FRAGMENT,
        }
    }

    fn get(&self) -> &Uploader {
        self.made
            .get_or_init(|| Uploader::new().with_fragment_size(self.fragment))
    }

    fn with_fragment_size(self, bytes: u64) -> Self {
        match self.made.get() {
            Some(uploader) => Self::made(uploader.clone().with_fragment_size(bytes)),
            None => LazyUploader {
                made: Arc::new(OnceLock::new()),
                fragment: bytes,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{WRITEBACK_AHEAD, WritebackAhead, has_scheme};

    #[test]
    fn schemes_are_compared_without_slicing_characters() {
        assert!(has_scheme("HTTP://x", "http"));
        assert!(!has_scheme("ab\u{20ac}x://y", "http"));
        assert!(!has_scheme("\u{20ac}://yyyy", "file"));
        assert!(!has_scheme("file://", "file"));
    }

    /// A sync ahead starts only past the mark, and its failure is kept for
    /// the final sync: a sync on a pipe fails (EINVAL), as a write-back
    /// error would, and it must not be lost with the thread.
    #[test]
    fn a_sync_ahead_starts_past_the_mark_and_its_failure_is_kept() {
        let (_reader, writer) = std::io::pipe().unwrap();
        let pipe = std::fs::File::from(std::os::fd::OwnedFd::from(writer));
        let mut ahead = WritebackAhead::default();
        ahead.wrote(&pipe, WRITEBACK_AHEAD - 1);
        assert!(ahead.running.is_none(), "no sync before the mark");
        ahead.wrote(&pipe, 1);
        assert!(ahead.running.is_some(), "a sync starts at the mark");
        ahead.settle();
        assert!(ahead.failed.is_some(), "the sync's failure is kept");
    }
}
