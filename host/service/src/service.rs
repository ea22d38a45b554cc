//! [`TransferService`]: the loop that drives one queue's engine (contract
//! §10). It polls, hands `start` orders to worker threads, stops them when
//! told, carries out `commit` and `discard` at once, passes notifications
//! on, reports what the workers saw back to the component, and sleeps until
//! the next report, a nudge, or the component's `next-wake`.
//!
//! Workers never touch the queue: one thread (the loop) makes every call,
//! so the component sees one report at a time, and progress arrives
//! coalesced.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bits_queue_host::{
    Action, Clock, Error, ErrorCode, FileRef, Guid, JobState, JobType, NotifyEvent, Queue,
    SandboxErrorKind, SystemClock, TransferFailure,
};
use bits_queue_store::{PersistError, ReportKind, StoreError, Watch};

use crate::actions::{FileActionError, carry_out};
use crate::backend::Backend;
use crate::endings::Ending;
use crate::transport::{Context, Mail, Report, Sink, Transports};

/// How a [`TransferService`] runs.
#[derive(Clone)]
pub struct ServiceConfig {
    /// The transports (HTTP(S) and `file://` by default).
    pub transports: Transports,
    /// Confinement and progress granularity.
    pub context: Context,
    /// Background jobs transferred at once (the component's default, 1,
    /// when `None`).
    pub background_slots: Option<u32>,
    /// The clock the queue reads, to sleep until its `next-wake`.
    pub clock: Arc<dyn Clock>,
    /// The longest the loop sleeps without a report or a nudge: changes
    /// made to the queue elsewhere are picked up at least this often.
    pub max_sleep: Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            transports: Transports::standard(),
            context: Context::default(),
            background_slots: None,
            clock: Arc::new(SystemClock),
            max_sleep: Duration::from_secs(1),
        }
    }
}

/// A job's notification, as the component gave it (contract §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The job.
    pub job: Guid,
    /// What happened.
    pub event: NotifyEvent,
}

/// Why the service could not do what was asked. A store's failure keeps
/// the [`StoreError`] itself (its [`source`](std::error::Error::source) is
/// the database's own error), so a caller can tell a server that went away
/// ([`ServiceError::is_disconnected`]) from a store that refused.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The queue refused or failed (a sandbox failure ends the service).
    #[error(transparent)]
    Queue(Error),
    /// The queue's store failed. It ends only the call that needed it:
    /// while serving, the loop waits for the store, with backoff, and goes
    /// on ([`TransferService::store_trouble`] tells the failure meanwhile).
    #[error("the queue's store failed: {0}")]
    Store(#[source] StoreError),
    /// This host's lease of the file ran out: another host transfers it.
    #[error("{}", PersistError::LeaseLost(*.0))]
    LeaseLost(FileRef),
    /// The wait ran out.
    #[error("timed out waiting for the job")]
    TimedOut,
    /// A `commit` or `discard` failed, so the call's changes were not
    /// stored.
    #[error("{}", PersistError::FileActions(.0.clone()))]
    FileActions(String),
    /// A thread could not be started.
    #[error("cannot start a thread: {0}")]
    Spawn(#[source] std::io::Error),
}

impl ServiceError {
    /// Whether the store's server went away (a restart, a network that
    /// dropped): the call was not stored, and a later one may succeed.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, ServiceError::Store(e) if e.is_disconnected())
    }
}

impl From<Error> for ServiceError {
    fn from(e: Error) -> Self {
        ServiceError::Queue(e)
    }
}

impl From<PersistError> for ServiceError {
    fn from(e: PersistError) -> Self {
        match e {
            PersistError::Queue(e) => ServiceError::Queue(e),
            PersistError::Store(e) => ServiceError::Store(e),
            PersistError::LeaseLost(file) => ServiceError::LeaseLost(file),
            PersistError::FileActions(why) => ServiceError::FileActions(why),
        }
    }
}

/// Counts of what the service did, for benchmarks and monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceStats {
    /// Calls into the component made by the loop.
    pub guest_calls: u64,
    /// Transfers started.
    pub transfers_started: u64,
    /// Bytes the component was told arrived (progress reports' increments).
    pub bytes_reported: u64,
    /// Polls made. Where hosts share the store each takes the queue's
    /// lock, which every other host's changing calls wait for.
    pub locked_polls: u64,
    /// Turns that made no poll: a look without the lock found nothing it
    /// would act on (another host's commit that changed no job this host
    /// could start or transfers).
    pub polls_skipped: u64,
}

/// A subscriber's function, called with each notification.
type Callback = Box<dyn Fn(Notification) + Send>;

/// What the loop and its users share.
struct Shared<B> {
    backend: B,
    stop: AtomicBool,
    status: Mutex<Status>,
    changed: Condvar,
    subscribers: Mutex<Vec<Sender<Notification>>>,
    callbacks: Mutex<Vec<Callback>>,
    guest_calls: AtomicU64,
    transfers_started: AtomicU64,
    bytes_reported: AtomicU64,
    locked_polls: AtomicU64,
    polls_skipped: AtomicU64,
}

#[derive(Default)]
struct Status {
    /// Bumped after every round of the loop.
    generation: u64,
    /// The failure that ended the loop.
    failed: Option<PersistError>,
    /// `commit` and `discard` files that failed.
    file_errors: Vec<FileActionError>,
    /// Whether the loop has ended.
    ended: bool,
    /// The store failed (the loop waits and tries again).
    store_trouble: Option<StoreError>,
    /// Notify programs that failed, in words (contract §16.1).
    notify_failures: Vec<String>,
}

/// Runs transfers for one queue on a thread of its own until stopped. The
/// queue is a [`Queue`] in memory, or an `Arc<PersistentQueue>` whose
/// every call is stored ([`Backend`]).
pub struct TransferService<B: Backend = Queue> {
    shared: Arc<Shared<B>>,
    nudge: Sender<Mail>,
    thread: Option<JoinHandle<()>>,
    _watch: Option<Watch>,
}

impl<B: Backend> TransferService<B> {
    /// Starts the loop for `backend`'s queue. Transfers the queue shows in
    /// flight when it starts died with an earlier host (this service is the
    /// one that runs them now): they are reported lost and queued again,
    /// with their progress.
    pub fn start(backend: B, config: ServiceConfig) -> Result<Self, ServiceError> {
        if let Some(slots) = config.background_slots {
            backend.change(|q| q.set_background_slots(slots))?;
        }
        let shared = Arc::new(Shared {
            backend,
            stop: AtomicBool::new(false),
            status: Mutex::new(Status::default()),
            changed: Condvar::new(),
            subscribers: Mutex::new(Vec::new()),
            callbacks: Mutex::new(Vec::new()),
            guest_calls: AtomicU64::new(0),
            transfers_started: AtomicU64::new(0),
            bytes_reported: AtomicU64::new(0),
            locked_polls: AtomicU64::new(0),
            polls_skipped: AtomicU64::new(0),
        });
        shared.backend.recover_lost(true)?;
        let (nudge, reports) = mpsc::channel();
        // Another host's commit wakes the loop at once (PostgreSQL's
        // NOTIFY); other stores are looked at every `max_sleep`.
        let waker = Mutex::new(nudge.clone());
        let watch = shared.backend.watch(Box::new(move || {
            let _ = lock(&waker).send((0, Report::Wake));
        }))?;
        let cancels = config.transports.pending_cancels();
        let looping = Loop {
            shared: shared.clone(),
            config,
            reports,
            sender: nudge.clone(),
            workers: HashMap::new(),
            orphans: Vec::new(),
            reclaim: false,
            next_worker: 1,
            endings: Vec::new(),
            notify_due: true,
            cancels,
            exits: Vec::new(),
        };
        let thread = thread::Builder::new()
            // At most 15 bytes: Linux keeps no more of a thread's name.
            .name("bits-queue-svc".into())
            .spawn(move || looping.run())
            .map_err(ServiceError::Spawn)?;
        Ok(TransferService {
            shared,
            nudge,
            thread: Some(thread),
            _watch: watch,
        })
    }

    /// The queue the service drives.
    pub fn backend(&self) -> &B {
        &self.shared.backend
    }

    /// Tells the loop the queue may have changed (a job resumed, the clock
    /// moved): it polls now instead of at its next wake.
    pub fn wake(&self) {
        let _ = self.nudge.send((0, Report::Wake));
    }

    /// A channel that receives every notification from now on.
    pub fn subscribe(&self) -> Receiver<Notification> {
        let (sender, receiver) = mpsc::channel();
        lock(&self.shared.subscribers).push(sender);
        receiver
    }

    /// Calls `f` with every notification from now on (on the loop's
    /// thread: keep it short).
    pub fn on_notify(&self, f: impl Fn(Notification) + Send + 'static) {
        lock(&self.shared.callbacks).push(Box::new(f));
    }

    /// Waits until job `id` is in a state `until` accepts, at most
    /// `timeout`; returns that state. A job that left the queue is the
    /// queue's `not-found`; a failed loop is its error.
    pub fn wait_for(
        &self,
        id: Guid,
        until: impl Fn(JobState) -> bool,
        timeout: Duration,
    ) -> Result<JobState, ServiceError> {
        let deadline = Instant::now() + timeout;
        loop {
            let generation = {
                let status = lock(&self.shared.status);
                if let Some(e) = status.failure() {
                    return Err(e);
                }
                status.generation
            };
            let state = self
                .shared
                .backend
                .read(|q| q.manager()?.get_job(id)?.state())?;
            if until(state) {
                return Ok(state);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(ServiceError::TimedOut);
            }
            let status = lock(&self.shared.status);
            if status.generation == generation && !status.ended {
                let _ = self
                    .shared
                    .changed
                    .wait_timeout(status, (deadline - now).min(Duration::from_millis(100)));
            }
        }
    }

    /// The failure that ended the loop, if one did (the service then
    /// transfers nothing more).
    pub fn check(&self) -> Result<(), ServiceError> {
        match lock(&self.shared.status).failure() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Why the store failed, while it does (the service goes on, waiting
    /// with backoff, and reconnects; its transfers resume once the store
    /// answers): a lost server ([`StoreError::is_disconnected`]) or a
    /// refusal.
    pub fn store_trouble(&self) -> Option<StoreError> {
        lock(&self.shared.status).store_trouble.clone()
    }

    /// `commit` and `discard` files that failed so far (taken).
    pub fn take_file_errors(&self) -> Vec<FileActionError> {
        std::mem::take(&mut lock(&self.shared.status).file_errors)
    }

    /// Notify programs that could not start, were killed, or exited with
    /// a code other than 0, in words (taken). Each is also reported to the
    /// queue, which runs it again later (contract §16.1).
    pub fn take_notify_failures(&self) -> Vec<String> {
        std::mem::take(&mut lock(&self.shared.status).notify_failures)
    }

    /// What the service has done so far.
    pub fn stats(&self) -> ServiceStats {
        ServiceStats {
            guest_calls: self.shared.guest_calls.load(Ordering::Relaxed),
            transfers_started: self.shared.transfers_started.load(Ordering::Relaxed),
            bytes_reported: self.shared.bytes_reported.load(Ordering::Relaxed),
            locked_polls: self.shared.locked_polls.load(Ordering::Relaxed),
            polls_skipped: self.shared.polls_skipped.load(Ordering::Relaxed),
        }
    }

    /// Stops the loop: transfers in flight stop (their bytes stay in their
    /// temporary files) and are reported lost, so their jobs are queued
    /// again with their progress. Returns the failure that ended the loop
    /// early, if one did.
    pub fn stop(mut self) -> Result<(), ServiceError> {
        self.halt()
    }

    fn halt(&mut self) -> Result<(), ServiceError> {
        self.shared.stop.store(true, Ordering::Release);
        self.wake();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        match lock(&self.shared.status).failure() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Status {
    /// The failure that ended the loop, as an error.
    fn failure(&self) -> Option<ServiceError> {
        self.failed.clone().map(ServiceError::from)
    }
}

impl<B: Backend> Drop for TransferService<B> {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}

/// A running transfer.
struct Worker {
    /// Its serial: the reports it sends carry it.
    serial: u64,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    /// The bytes of its file the component counts, as last reported: the
    /// increments feed `bytes_reported` without a call to ask.
    counted: u64,
    /// The bytes it has written to its temporary file so far.
    written: Arc<AtomicU64>,
    /// Its temporary file.
    temporary: String,
}

/// The loop's own state, owned by its thread.
struct Loop<B> {
    shared: Arc<Shared<B>>,
    config: ServiceConfig,
    reports: Receiver<Mail>,
    sender: Sender<Mail>,
    workers: HashMap<FileRef, Worker>,
    /// Transfers stopped when the store went away, to report lost.
    orphans: Vec<FileRef>,
    /// The store came back: look for leases held without a transfer.
    reclaim: bool,
    /// The serial of the next worker: reports carry their worker's, so
    /// those of a worker the loop gave up on are told apart.
    next_worker: u64,
    /// Ending reports taken this turn, made with the next `poll` in one
    /// call (crate::endings). Their workers stay in `workers` until then.
    endings: Vec<(FileRef, Ending)>,
    /// Whether notify programs may be due: at the start, after a turn
    /// that changed jobs, and once the component's next wake has passed.
    notify_due: bool,
    /// The Cancel-Sessions the store keeps, sent and tried again.
    cancels: crate::upload::PendingCancels,
    /// Notify programs' exits whose report the store failed: reported once
    /// it answers, so a run never keeps its running mark (or its lease)
    /// for an outage's sake.
    exits: Vec<(Guid, NotifyEvent, Option<i32>)>,
}

/// The wait after `failed` turns in a row failed on the store: 100 ms,
/// doubling, at most 5 s, so a store that is back is used again soon and
/// one that stays away is not hammered. (bitsq waits as long between
/// tries to open a store it cannot reach.)
pub fn store_backoff(failed: u32) -> Duration {
    const FIRST: Duration = Duration::from_millis(100);
    const MOST: Duration = Duration::from_secs(5);
    FIRST
        .saturating_mul(1 << failed.saturating_sub(1).min(6))
        .min(MOST)
}

impl<B: Backend> Loop<B> {
    fn run(mut self) {
        let outcome = self.turn_until_stopped();
        // Stop every transfer; report it lost so its job is queued again
        // with its progress (it died with this host).
        // A graceful stop (contract §17.3): each transfer's temporary file
        // is synced, the bytes it holds reported, then the transfer lost,
        // so the next host resumes where this one stopped.
        // Transfers that ended before the stop are reported as they ended.
        for (file, ending) in std::mem::take(&mut self.endings) {
            let ended = self
                .shared
                .backend
                .report(file, ReportKind::End, |q| ending.report(q, file));
            if ended.is_ok() {
                self.workers.remove(&file);
            }
        }
        for (file, worker) in self.workers.drain() {
            worker.stop.store(true, Ordering::Release);
            let written = worker.written.load(Ordering::Acquire);
            let synced = std::fs::File::open(&worker.temporary)
                .and_then(|f| f.sync_all())
                .is_ok();
            if synced && written > worker.counted {
                let _ = self.shared.backend.report(file, ReportKind::Progress, |q| {
                    q.report_progress(file, written)
                });
            }
            let _ = self
                .shared
                .backend
                .report(file, ReportKind::End, |q| q.report_lost(file));
        }
        let _ = self.shared.backend.flush();
        let mut status = lock(&self.shared.status);
        status.failed = outcome.err();
        status.ended = true;
        status.generation += 1;
        self.shared.changed.notify_all();
    }

    fn turn_until_stopped(&mut self) -> Result<(), PersistError> {
        // Failed turns in a row: the wait before the next one doubles.
        let mut failed_turns = 0u32;
        while !self.shared.stop.load(Ordering::Acquire) {
            match self.turn() {
                Ok(true) => failed_turns = 0,
                Ok(false) => return Ok(()),
                // The store failed (its server went away, or refused: a
                // session ended while it was set up, a lock timeout, a
                // role's rights changed): this host's transfers stop (what
                // they reported may not be stored), and once the store
                // answers again they are reported lost and queued again
                // with their progress. A store's failure never ends the
                // service; other failures do.
                Err(PersistError::Store(e)) => {
                    // Ending reports not made yet: their workers are among
                    // those reported lost below.
                    self.endings.clear();
                    for (file, worker) in self.workers.drain() {
                        worker.stop.store(true, Ordering::Release);
                        self.orphans.push(file);
                    }
                    self.reclaim = true;
                    lock(&self.shared.status).store_trouble = Some(e);
                    failed_turns = failed_turns.saturating_add(1);
                    let _ = self.reports.recv_timeout(store_backoff(failed_turns));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// One turn: poll and carry out, wait for a report or the next wake,
    /// pass on what arrived, tend the store. `false` when the reports'
    /// channel is gone.
    fn turn(&mut self) -> Result<bool, PersistError> {
        self.report_orphans()?;
        let endings = std::mem::take(&mut self.endings);
        // Ending reports are made with a poll; without any, the queue may
        // look first and leave the poll (and its lock) out when it would do
        // nothing (issue 23: idle hosts woken by every commit of a busy
        // one). The clock's work (`sleep` saw the next wake pass) is done
        // only by a poll.
        let polled = if endings.is_empty() {
            let clock_due = self.notify_due;
            (self.shared.backend.poll_if_due(clock_due)).map(|a| a.map(|a| (Vec::new(), a)))
        } else {
            self.shared.backend.end_then_poll(&endings).map(Some)
        };
        let actions = match polled {
            Ok(Some((answers, actions))) => {
                self.shared.locked_polls.fetch_add(1, Ordering::Relaxed);
                self.shared
                    .guest_calls
                    .fetch_add(1 + endings.len() as u64, Ordering::Relaxed);
                for ((file, _), answer) in endings.iter().zip(answers) {
                    self.settle(*file, answer, true)?;
                }
                actions
            }
            Ok(None) => {
                self.shared.polls_skipped.fetch_add(1, Ordering::Relaxed);
                Vec::new()
            }
            // A commit polled here failed: the poll stored nothing and the
            // queue was rebuilt from the store; the next turn polls again.
            Err(PersistError::FileActions(why)) => {
                lock(&self.shared.status).file_errors.push(FileActionError {
                    path: String::new(),
                    reason: why,
                });
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let acted = !actions.is_empty();
        // A start whose request could not be made ready because the store
        // failed is waited out like any store failure (below, in
        // `turn_until_stopped`); the other actions are carried out first.
        let mut trouble = None;
        for action in actions {
            if let Err(e) = self.carry_out(action) {
                trouble.get_or_insert(e);
            }
        }
        if let Some(e) = trouble {
            return Err(PersistError::Store(e));
        }
        if std::mem::take(&mut self.notify_due) || acted || !endings.is_empty() {
            self.run_notify_commands()?;
        }
        if let Some(kept) = self.shared.backend.cancels() {
            // A cancelled upload's session is ended with Cancel-Session:
            // the store keeps each (whichever host cancelled) until it ends.
            self.cancels
                .send_due(&kept, self.config.clock.now().seconds);
        } else if acted {
            // Taken and sent from memory. A component without the call
            // has none.
            match self.shared.backend.change(|q| q.take_session_cancels()) {
                Ok(cancels) => self.config.transports.cancel_sessions(cancels),
                Err(PersistError::Store(e)) => return Err(PersistError::Store(e)),
                Err(_) => {}
            }
        }
        self.bump();
        let sleep = self.sleep()?;
        match self.reports.recv_timeout(sleep) {
            Ok(report) => self.handle(report)?,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(false),
        }
        // Workers whose threads ended before the reports below are read:
        // whatever they said is among them.
        let ended: Vec<(FileRef, u64)> = self
            .workers
            .iter()
            .filter(|(_, w)| w.thread.is_finished())
            .map(|(file, w)| (*file, w.serial))
            .collect();
        // Everything else that arrived meanwhile, before polling again.
        while let Ok(report) = self.reports.try_recv() {
            self.handle(report)?;
        }
        self.end_silent_workers(ended)?;
        // Coalesced progress is stored within about a second even when no
        // further report comes (a stalled transfer); leases are renewed,
        // and those of dead hosts taken back.
        self.shared.backend.tend()?;
        Ok(true)
    }

    /// Reports lost the transfers stopped when the store went away, and
    /// any other file this host holds the lease of without a transfer (a
    /// `poll` whose answer was lost with the connection may have taken
    /// it).
    fn report_orphans(&mut self) -> Result<(), PersistError> {
        while let Some(&(job, event, code)) = self.exits.last() {
            self.report_exit(job, event, code)?;
            self.exits.pop();
        }
        if self.reclaim {
            for file in self.shared.backend.leased_here()? {
                if !self.workers.contains_key(&file) && !self.orphans.contains(&file) {
                    self.orphans.push(file);
                }
            }
            self.reclaim = false;
        }
        while let Some(&file) = self.orphans.last() {
            match self.end(file, |q| q.report_lost(file)) {
                Ok(())
                | Err(PersistError::Queue(Error::Queue(_)))
                | Err(PersistError::LeaseLost(_)) => {
                    self.orphans.pop();
                }
                Err(e) => return Err(e),
            }
        }
        lock(&self.shared.status).store_trouble = None;
        Ok(())
    }

    /// A report that ends this host's transfer of `file`, counted.
    fn end(
        &self,
        file: FileRef,
        f: impl FnOnce(&Queue) -> Result<(), Error>,
    ) -> Result<(), PersistError> {
        self.shared.guest_calls.fetch_add(1, Ordering::Relaxed);
        self.shared.backend.report(file, ReportKind::End, f)
    }

    /// One reading call into the component, counted.
    fn read<T>(&self, f: impl FnOnce(&Queue) -> Result<T, Error>) -> Result<T, PersistError> {
        self.shared.guest_calls.fetch_add(1, Ordering::Relaxed);
        self.shared.backend.read(f)
    }

    /// Until the component's next wake, at most `max_sleep`. A wake that
    /// has passed may be a notify program's: the next turn takes them.
    fn sleep(&mut self) -> Result<Duration, PersistError> {
        let Some(wake) = self.read(|q| q.next_wake())? else {
            return Ok(self.config.max_sleep);
        };
        let now = self.config.clock.now();
        let until = if wake <= now {
            self.notify_due = true;
            Duration::ZERO
        } else {
            let secs = wake.seconds - now.seconds;
            Duration::new(secs, 0) + Duration::from_nanos(u64::from(wake.nanoseconds))
                - Duration::from_nanos(u64::from(now.nanoseconds))
        };
        Ok(until.min(self.config.max_sleep))
    }

    /// Takes the notify programs due and runs each on a thread of its
    /// own; its end comes back as a report (contract §16.1). A component
    /// without the call has none to run.
    fn run_notify_commands(&mut self) -> Result<(), PersistError> {
        self.shared.guest_calls.fetch_add(1, Ordering::Relaxed);
        let commands = match self.shared.backend.take_notify_commands() {
            Ok(commands) => commands,
            Err(PersistError::Store(e)) => return Err(PersistError::Store(e)),
            Err(_) => return Ok(()),
        };
        for command in commands {
            let (job, event) = (command.job, command.event);
            let sender = self.sender.clone();
            let spawned = thread::Builder::new()
                .name("bits-queue-cmd".into())
                .spawn(move || {
                    let ran = crate::notify::run(
                        &command.command,
                        &job.to_string(),
                        event,
                        crate::notify::LIMIT,
                    );
                    let _ = sender.send((0, Report::CommandExit { job, event, ran }));
                });
            if let Err(e) = spawned {
                let ran = Err(format!("no thread to run it: {e}"));
                self.command_exit(job, event, ran)?;
            }
        }
        Ok(())
    }

    /// Reports how a notify program ended; a failure is kept in words for
    /// the service's owner. Only a store failure is the loop's concern.
    fn command_exit(
        &mut self,
        job: bits_queue_host::Guid,
        event: bits_queue_host::NotifyEvent,
        ran: Result<i32, String>,
    ) -> Result<(), PersistError> {
        let failure = match &ran {
            Ok(0) => None,
            Ok(code) => Some(format!("exited with {code}")),
            Err(why) => Some(why.clone()),
        };
        if let Some(why) = failure {
            lock(&self.shared.status)
                .notify_failures
                .push(format!("the notify program of job {job}: {why}"));
        }
        let code = ran.ok();
        if let Err(e) = self.report_exit(job, event, code) {
            self.exits.push((job, event, code));
            return Err(e);
        }
        Ok(())
    }

    /// Reports a notify program's exit; only a store failure is an error.
    /// Made under the run's lease where hosts share the store, and giving
    /// it up: a run whose lease ran out was ended by the host that found
    /// it dead (bits_queue_store's notify_runs), and its exit is no longer
    /// this host's to report.
    fn report_exit(
        &self,
        job: Guid,
        event: NotifyEvent,
        code: Option<i32>,
    ) -> Result<(), PersistError> {
        self.shared.guest_calls.fetch_add(1, Ordering::Relaxed);
        let lease = bits_queue_store::run_lease(job);
        match (self.shared.backend).report(lease, ReportKind::End, |q| {
            q.report_command_exit(job, event, code)
        }) {
            Err(PersistError::Store(e)) => Err(PersistError::Store(e)),
            _ => Ok(()),
        }
    }

    fn bump(&self) {
        lock(&self.shared.status).generation += 1;
        self.shared.changed.notify_all();
    }

    /// Carries out one action of `poll`. A store that fails while a start
    /// reads what it needs (the order's details, the job's secrets) is
    /// returned: the file is reported lost once the store answers (an
    /// orphan), and the job is queued again, never failed for it.
    fn carry_out(&mut self, action: Action) -> Result<(), StoreError> {
        match action {
            Action::Start(mut order) => {
                // Fencing: the transfer writes only into its lease
                // generation's own file (`fence`).
                let fence = self.shared.backend.take_fence(order.file);
                order.temporary_name = crate::fence::fenced_name(&order.temporary_name, fence);
                let stop = Arc::new(AtomicBool::new(false));
                let written = Arc::new(AtomicU64::new(order.offset));
                let serial = self.next_worker;
                self.next_worker += 1;
                let clock = self.config.clock.clone();
                let cap = self
                    .read(|q| Ok(crate::stall::queue_cap(q, order.file, clock.as_ref())))
                    .ok()
                    .flatten();
                let sink = Sink::new(
                    (order.file, serial),
                    order.offset,
                    self.sender.clone(),
                    stop.clone(),
                    written.clone(),
                    &self.config.context,
                )
                .capped(cap);
                let temporary = order.temporary_name.clone();
                let transports = self.config.transports.clone();
                let mut context = self.config.context.clone();
                context.auth = match crate::auth::for_start(&self.shared.backend, &order) {
                    Ok(auth) => auth,
                    Err(crate::auth::StartFailure::Transfer(failure)) => {
                        let file = order.file;
                        let _ = self
                            .shared
                            .backend
                            .report(file, ReportKind::End, |q| q.report_failure(file, &failure));
                        return Ok(());
                    }
                    Err(crate::auth::StartFailure::Store(e)) => {
                        self.orphans.push(order.file);
                        return Err(e);
                    }
                };
                let (file, offset) = (order.file, order.offset);
                // An upload's phase and session are in its details.
                let details = match order.job_type {
                    JobType::Download => None,
                    _ => match self.read(|q| q.order_details(file)) {
                        Ok(details) => details,
                        Err(PersistError::Store(e)) => {
                            self.orphans.push(file);
                            return Err(e);
                        }
                        Err(_) => None,
                    },
                };
                let spawned = thread::Builder::new()
                    .name("bits-queue-xfer".into())
                    .spawn(move || transports.run(&order, details, &context, sink));
                match spawned {
                    Ok(thread) => {
                        self.shared
                            .transfers_started
                            .fetch_add(1, Ordering::Relaxed);
                        self.workers.insert(
                            file,
                            Worker {
                                serial,
                                stop,
                                thread,
                                counted: offset,
                                written,
                                temporary,
                            },
                        );
                    }
                    // No thread for it: the job goes back to the queue.
                    Err(_) => {
                        let _ = self
                            .shared
                            .backend
                            .report(file, ReportKind::End, |q| q.report_lost(file));
                    }
                }
            }
            Action::Stop(file) => self.stop_worker(file),
            Action::Commit(_) | Action::Discard(_) => {
                let errors = carry_out(&action, &self.config.context.confinement);
                if !errors.is_empty() {
                    lock(&self.shared.status).file_errors.extend(errors);
                }
            }
            Action::Notify(job, event) => {
                let notification = Notification { job, event };
                lock(&self.shared.subscribers).retain(|s| s.send(notification).is_ok());
                for callback in lock(&self.shared.callbacks).iter() {
                    callback(notification);
                }
            }
        }
        Ok(())
    }

    fn stop_worker(&mut self, file: FileRef) {
        if let Some(worker) = self.workers.remove(&file) {
            worker.stop.store(true, Ordering::Release);
        }
    }

    /// Passes one report to the component. A refusal means the transfer is
    /// no longer wanted (the job moved on): its worker stops. A sandbox or
    /// store failure ends the loop.
    fn handle(&mut self, (serial, report): Mail) -> Result<(), PersistError> {
        if let Some(file) = report.file() {
            // A worker the loop gave up on (stopped, or cut off when the
            // store went away) may still have reports in the channel; a
            // new worker may run its file now. Its word no longer counts
            // (a `Connected` left unanswered ends it).
            if self.workers.get(&file).map(|w| w.serial) != Some(serial) {
                return Ok(());
            }
        }
        let (file, result) = match report {
            Report::Wake => return Ok(()),
            Report::CommandExit { job, event, ran } => return self.command_exit(job, event, ran),
            Report::Connected {
                file,
                size,
                validator,
                redirected,
                reply,
            } => {
                self.shared.guest_calls.fetch_add(1, Ordering::Relaxed);
                let result = self
                    .shared
                    .backend
                    .report(file, ReportKind::Connected, |q| {
                        if let Some(url) = &redirected {
                            report_redirected(q, file, url)?;
                        }
                        q.report_connected(file, size, validator.as_deref())
                    });
                let offset = match &result {
                    // Started from 0, the file holds 0 bytes: the component
                    // only keeps a count or restarts it. Asking would cost a
                    // call that lists every file of the job (a job of 1,000
                    // files paid it 1,000 times).
                    Ok(()) if self.workers.get(&file).is_some_and(|w| w.counted == 0) => Some(0),
                    Ok(()) => self.bytes_held(file)?,
                    Err(_) => None,
                };
                if let (Some(offset), Some(worker)) = (offset, self.workers.get_mut(&file)) {
                    worker.counted = offset;
                }
                let _ = reply.send(offset);
                (file, result)
            }
            Report::Progress { file, bytes } => {
                self.shared.guest_calls.fetch_add(1, Ordering::Relaxed);
                let result = self.shared.backend.report(file, ReportKind::Progress, |q| {
                    q.report_progress(file, bytes)
                });
                if result.is_ok()
                    && let Some(worker) = self.workers.get_mut(&file)
                {
                    let arrived = bytes.saturating_sub(worker.counted);
                    worker.counted = bytes;
                    self.shared
                        .bytes_reported
                        .fetch_add(arrived, Ordering::Relaxed);
                }
                (file, result)
            }
            // Made with the next poll, in one call (crate::endings).
            Report::Done { file } => {
                self.endings.push((file, Ending::Done));
                return Ok(());
            }
            Report::Failed { file, failure } => {
                self.endings.push((file, Ending::Failed(failure)));
                return Ok(());
            }
            Report::Lost { file } => {
                self.endings.push((file, Ending::Lost));
                return Ok(());
            }
            Report::FailedDetail { file, detail } => {
                self.endings.push((file, Ending::Detail(detail)));
                return Ok(());
            }
            Report::DiskFull { file, why } => {
                self.endings.push((file, Ending::DiskFull(why)));
                return Ok(());
            }
            Report::Upload { file, call } => {
                self.shared.guest_calls.fetch_add(1, Ordering::Relaxed);
                let result =
                    (self.shared.backend).report(file, call.kind(), |q| call.apply(file, q));
                (file, result)
            }
        };
        self.settle(file, result, false)
    }

    /// What the loop does with a report's answer: a refusal stops the
    /// transfer (and, if it is still in flight, ends it as a failure);
    /// an ending report that landed ends its worker.
    fn settle(
        &mut self,
        file: FileRef,
        result: Result<(), PersistError>,
        ends: bool,
    ) -> Result<(), PersistError> {
        match result {
            // Refused because the job moved on (`invalid-state`,
            // `not-found`), or the file is another host's now: this
            // transfer is not wanted.
            Err(PersistError::Queue(Error::Queue(
                ErrorCode::InvalidState | ErrorCode::NotFound,
            )))
            | Err(PersistError::LeaseLost(_)) => self.stop_worker(file),
            // Refused for what it said (a count above the file's size):
            // the file is still in flight, and its transfer cannot go on.
            // It ends as a failure that says why, so the job never waits
            // for a worker that is gone (contract §10, liveness).
            Err(PersistError::Queue(Error::Queue(code))) => {
                self.stop_worker(file);
                self.abandon(file, &format!("the queue refused its report ({code})"))?;
            }
            Err(e) => return Err(e),
            Ok(()) if ends => {
                self.workers.remove(&file);
            }
            Ok(()) => {}
        }
        Ok(())
    }

    /// Ends the transfers whose worker thread ended without a last report
    /// the loop took (a transport that returned `Stopped` on its own, a
    /// thread that died): their files are no longer in flight.
    fn end_silent_workers(&mut self, ended: Vec<(FileRef, u64)>) -> Result<(), PersistError> {
        for (file, serial) in ended {
            let reported = self.endings.iter().any(|(f, _)| *f == file);
            if !reported && self.workers.get(&file).map(|w| w.serial) == Some(serial) {
                self.workers.remove(&file);
                self.abandon(file, "its transfer ended without a report")?;
            }
        }
        Ok(())
    }

    /// Ends this host's transfer of `file`, which no worker carries on,
    /// as an `interrupted` failure (transient: the job is retried); if even
    /// that is refused while the file is in flight, as lost.
    fn abandon(&self, file: FileRef, why: &str) -> Result<(), PersistError> {
        let failure = TransferFailure::Interrupted(why.to_owned());
        match self.end(file, |q| q.report_failure(file, &failure)) {
            Err(PersistError::Queue(Error::Queue(
                ErrorCode::InvalidState | ErrorCode::NotFound,
            )))
            | Err(PersistError::LeaseLost(_))
            | Ok(()) => Ok(()),
            Err(PersistError::Queue(Error::Queue(_))) => {
                match self.end(file, |q| q.report_lost(file)) {
                    Ok(())
                    | Err(PersistError::Queue(Error::Queue(_)))
                    | Err(PersistError::LeaseLost(_)) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The bytes of `file` the component counts, or `None` if the job is
    /// gone.
    fn bytes_held(&self, file: FileRef) -> Result<Option<u64>, PersistError> {
        let index = usize::try_from(file.file_index).unwrap_or(usize::MAX);
        let progress = self.read(|q| q.manager()?.get_job(file.job)?.file_progress());
        match progress {
            Ok(progress) => Ok(progress.get(index).map(|f| f.bytes_transferred)),
            Err(PersistError::Queue(Error::Queue(_))) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// `report-redirected` (contract §15.4), before the `report-connected` of
/// the same change. A URL the component will not take as the remote name
/// (`invalid-argument`) leaves the name as it was, and a component built
/// before the call has no remote names to update: the transfer goes on
/// either way, since the server's answer is the file's.
fn report_redirected(queue: &Queue, file: FileRef, url: &str) -> bits_queue_host::Result<()> {
    match queue.report_redirected(file, url) {
        Err(Error::Queue(ErrorCode::InvalidArgument)) => Ok(()),
        Err(e) if e.sandbox_kind() == Some(SandboxErrorKind::NotExported) => Ok(()),
        other => other,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
