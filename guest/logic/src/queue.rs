//! The queue (contract §3, §6): jobs by GUID, in creation order, under limits.
//!
//! Shared state follows wit-bindgen's `tests/runtime/resources` pattern: a
//! [`QueueState`] is a cheap handle (`Rc`) to the one queue state, and a
//! [`JobRef`] is a handle (`Rc<RefCell<Job>>` plus its key in the queue) to
//! one job. Every handle of a job sees its current properties; a handle of a
//! job that has left the queue keeps answering getters with the final state.
//! Dropping handles never removes or cancels a job.
//!
//! Costs: `get-job` is a hash lookup, O(1) on average. The table holds only
//! the job handles (4 bytes each in wasm32) and compares the GUID stored in
//! the job itself: a hit touches the table's control bytes, one slot of a
//! compact array and the job, which the new handle must touch anyway; a
//! table keyed by a copy of the GUID would touch one more line, on a page of
//! its own, and in a large queue those page misses are what a lookup costs. Creation order lives
//! in a vector of slots: `create-job` appends, leaving the queue empties the
//! job's slot, and the vector is compacted once empty slots outnumber jobs,
//! so both are O(1) amortized and `enum-jobs` is one pass in order.

use alloc::boxed::Box;
use alloc::rc::{Rc, Weak};
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, Ref, RefCell, RefMut};
use core::fmt;
use core::hash::{BuildHasher, BuildHasherDefault};

use hashbrown::HashTable;

use bits_queue_contract::guid::GuidHasher;
use bits_queue_contract::{
    Action, AuthScheme, AuthTarget, CallError, ClientCertificate, Credentials, Datetime, ErrorCode,
    FileInfo, FileMove, FileProgress, FileRange, Guid, JobError, JobPriority, JobState, JobTimes,
    JobType, NotifyCmdLine, NotifyEvent, Progress, ProxySettings, QueueLimits, SessionCancel,
    UploadProtocol,
};

use crate::clock::{Clock, ManualClock};
use crate::engine::TransferState;
use crate::job::Job;
use crate::random::{GetRandom, RandomSource};
use crate::validate;

/// How many times `create-job` draws a GUID before giving up.
///
/// A version-4 GUID has 122 random bits, so even one clash with a live job
/// means the random source is broken (a constant stream, say), and 64 in a
/// row cannot happen by chance. Giving up with an error beats looping for
/// ever. A failed draw (the source gave no bytes) counts the same way.
pub const MAX_GUID_DRAWS: u32 = 64;

/// The state every [`QueueState`] handle shares.
pub(crate) struct Inner {
    /// Jobs in the queue by GUID: `get-job`.
    /// Keyed by each job's `Shared::id` (see [`hash`]).
    by_id: HashTable<JobRef>,
    /// The same jobs in creation order, with `None` where a job has left:
    /// `enum-jobs`. Each job knows its slot (`Shared::slot`).
    pub(crate) order: Vec<Option<JobRef>>,
    limits: QueueLimits,
    random: Box<dyn RandomSource>,
    clock: Box<dyn Clock>,
    /// This instance's transfers, pending actions and notifications.
    pub(crate) transfers: TransferState,
    /// The next job's place in creation order (journal records keep it).
    pub(crate) next_sequence: u64,
    /// Jobs changed since the last `take-changes`, in the order of their
    /// first change (each job once: `Shared::dirty`).
    pub(crate) journal: Vec<JobRef>,
    /// Whether the limits changed since the last `take-changes`.
    pub(crate) limits_dirty: bool,
    /// Whether a host has asked for changes: until the first
    /// `take-changes`, nothing is recorded (that call gives every job
    /// instead), so a host that never persists pays nothing for it.
    pub(crate) journaling: bool,
}

impl Inner {
    /// A version-4 GUID no live job has (contract §2), drawing again on a clash
    /// or a failed draw, at most [`MAX_GUID_DRAWS`] times; then
    /// `too-many-jobs`: the queue cannot give another job an identity.
    fn draw_guid(&mut self) -> Result<Guid, ErrorCode> {
        let mut bytes = [0u8; 16];
        for _ in 0..MAX_GUID_DRAWS {
            if self.random.fill(&mut bytes).is_err() {
                continue;
            }
            let id = Guid::new_v4(bytes);
            if self.find(&id).is_none() {
                return Ok(id);
            }
        }
        Err(ErrorCode::TooManyJobs)
    }

    /// Takes `job` out of the map and its slot, if they hold this very job.
    pub(crate) fn remove(&mut self, job: &JobRef) {
        // The identity check guards against a GUID reissued after its first
        // job left: the table then holds the new job under the same GUID.
        if let Ok(entry) = self
            .by_id
            .find_entry(hash(&job.0.id), |held| held.same_job(job))
        {
            entry.remove();
        }
        if let Some(slot) = self.order.get_mut(job.0.slot.get())
            && slot.as_ref().is_some_and(|held| held.same_job(job))
        {
            *slot = None;
        }
        self.compact_if_sparse();
    }

    /// Records that `job` changed, for the next `take-changes`.
    pub(crate) fn mark(&mut self, job: &JobRef) {
        if self.journaling && !job.0.dirty.replace(true) {
            self.journal.push(job.clone());
        }
    }

    /// Whether `job` (this very job) is in the queue.
    pub(crate) fn holds(&self, job: &JobRef) -> bool {
        self.find(&job.0.id).is_some_and(|held| held.same_job(job))
    }

    /// Puts a job with GUID `id`, holding `state`, into the queue at its
    /// place in creation order (by `sequence`), for `apply`.
    pub(crate) fn insert_at(
        &mut self,
        queue: &Rc<RefCell<Inner>>,
        state: Job,
        sequence: u64,
    ) -> JobRef {
        let id = state.id();
        // Records mostly arrive in creation order: append; otherwise find
        // the place and renumber the slots after it.
        let at = if self
            .order
            .iter()
            .rev()
            .flatten()
            .next()
            .is_none_or(|last| last.0.sequence.get() < sequence)
        {
            self.order.len()
        } else {
            self.order
                .partition_point(|held| held.as_ref().is_none_or(|j| j.0.sequence.get() < sequence))
        };
        let job = JobRef(Rc::new(Shared {
            id,
            slot: Cell::new(at),
            queue: Rc::downgrade(queue),
            job: RefCell::new(state),
            sequence: Cell::new(sequence),
            dirty: Cell::new(false),
        }));
        self.by_id
            .insert_unique(hash(&id), job.clone(), |held| hash(&held.0.id));
        self.order.insert(at, Some(job.clone()));
        for (slot, held) in self.order.iter().enumerate().skip(at + 1) {
            if let Some(held) = held {
                held.0.slot.set(slot);
            }
        }
        self.next_sequence = self.next_sequence.max(sequence.saturating_add(1));
        job
    }

    /// The queue's limits, replaced by `apply`.
    pub(crate) fn replace_limits(&mut self, limits: QueueLimits) {
        self.limits = limits;
    }

    /// The queue's limits, for `take-changes`.
    pub(crate) fn current_limits(&self) -> QueueLimits {
        self.limits
    }

    /// The time now.
    pub(crate) fn now(&mut self) -> Datetime {
        self.clock.now()
    }

    /// The queued job with GUID `id`.
    pub(crate) fn find(&self, id: &Guid) -> Option<&JobRef> {
        self.by_id.find(hash(id), |job| job.0.id == *id)
    }

    /// Drops the empty slots once they outnumber the jobs (with some slack,
    /// so a small queue does not compact on every removal), renumbering the
    /// jobs' slots. A compaction costs O(slots) and follows at least
    /// slots / 2 removals, so removal stays O(1) amortized and the vector
    /// never grows past about twice the jobs in the queue.
    fn compact_if_sparse(&mut self) {
        let jobs = self.by_id.len();
        if self.order.len() <= jobs.saturating_mul(2).saturating_add(32) {
            return;
        }
        self.order.retain(Option::is_some);
        for (slot, job) in self.order.iter().flatten().enumerate() {
            job.0.slot.set(slot);
        }
    }
}

/// Only reachable natively (the component's queue lives as long as its
/// instance): when the last [`QueueState`] handle goes, the jobs still in it are
/// cancelled, so a job outside a queue is always in a final state and its
/// remaining handles refuse every change.
impl Drop for Inner {
    fn drop(&mut self) {
        for job in self.order.iter().flatten() {
            if let Ok(mut job) = job.0.job.try_borrow_mut() {
                // Cannot fail: jobs in the queue are never final.
                let _ = job.cancel();
            }
        }
    }
}

/// A handle to one queue. Clones share the same jobs, as every
/// `job-manager` in an instance does.
#[derive(Clone)]
pub struct QueueState(pub(crate) Rc<RefCell<Inner>>);

impl QueueState {
    /// An empty queue with the default limits, drawing GUIDs from `random`,
    /// whose clock stands still at the Unix epoch: for uses that never look
    /// at times (every job is made and changed "at" the epoch, and no retry
    /// ever comes due). [`QueueState::with_clock`] gives it a clock.
    pub fn new(random: impl RandomSource + 'static) -> QueueState {
        QueueState::with_clock(random, ManualClock::default())
    }

    /// An empty queue with the default limits, drawing GUIDs from `random`
    /// and reading the time from `clock`.
    pub fn with_clock(
        random: impl RandomSource + 'static,
        clock: impl Clock + 'static,
    ) -> QueueState {
        QueueState(Rc::new(RefCell::new(Inner {
            by_id: HashTable::new(),
            order: Vec::new(),
            limits: QueueLimits::default(),
            random: Box::new(random),
            clock: Box::new(clock),
            transfers: TransferState::default(),
            next_sequence: 0,
            journal: Vec::new(),
            limits_dirty: false,
            journaling: false,
        })))
    }

    /// The limits.
    pub fn limits(&self) -> QueueLimits {
        read(&self.0).limits
    }

    /// Sets the limits (contract §6): a zero field is `invalid-argument` and
    /// changes nothing. Lowering a limit removes nothing; it refuses new work.
    pub fn set_limits(&self, limits: QueueLimits) -> Result<(), ErrorCode> {
        if limits.max_jobs == 0 || limits.max_files_per_job == 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        let mut inner = write(&self.0);
        inner.limits = limits;
        inner.limits_dirty = inner.journaling;
        Ok(())
    }

    /// How many jobs are in the queue.
    pub fn len(&self) -> usize {
        read(&self.0).by_id.len()
    }

    /// Whether the queue holds no job.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Creates a suspended job with a new version-4 GUID (contract §2–§4).
    ///
    /// Checks, in order: a display name over 256 UTF-16 units →
    /// `invalid-argument`; `max-jobs` jobs already queued → `too-many-jobs`;
    /// no unused GUID in [`MAX_GUID_DRAWS`] draws → `too-many-jobs`. A call
    /// refused by the first two checks draws no randomness.
    pub fn create_job(
        &self,
        display_name: impl Into<String>,
        job_type: JobType,
    ) -> Result<JobRef, ErrorCode> {
        let display_name = display_name.into();
        validate::display_name(&display_name).map_err(|_| ErrorCode::InvalidArgument)?;

        let mut inner = write(&self.0);
        let max_jobs = usize::try_from(inner.limits.max_jobs).unwrap_or(usize::MAX);
        if inner.by_id.len() >= max_jobs {
            return Err(ErrorCode::TooManyJobs);
        }
        let id = inner.draw_guid()?;
        let now = inner.now();

        let sequence = inner.next_sequence;
        inner.next_sequence += 1;
        let job = JobRef(Rc::new(Shared {
            id,
            slot: Cell::new(inner.order.len()),
            queue: Rc::downgrade(&self.0),
            job: RefCell::new(Job::new(id, job_type, display_name, now)),
            sequence: Cell::new(sequence),
            dirty: Cell::new(false),
        }));
        inner.mark(&job);
        inner
            .by_id
            .insert_unique(hash(&id), job.clone(), |held| hash(&held.0.id));
        inner.order.push(Some(job.clone()));
        Ok(job)
    }

    /// A new handle to the queued job with this GUID, else `not-found`
    /// (including for jobs that have left the queue, and the all-zero GUID).
    pub fn get_job(&self, id: &Guid) -> Result<JobRef, ErrorCode> {
        read(&self.0).find(id).cloned().ok_or(ErrorCode::NotFound)
    }

    /// A handle to every job in the queue now, in creation order.
    pub fn jobs(&self) -> Vec<JobRef> {
        read(&self.0).order.iter().flatten().cloned().collect()
    }
}

impl Default for QueueState {
    /// An empty queue drawing from [`GetRandom`].
    fn default() -> QueueState {
        QueueState::new(GetRandom)
    }
}

impl fmt::Debug for QueueState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueState")
            .field("len", &self.len())
            .field("limits", &self.limits())
            .finish()
    }
}

/// The hash of a GUID in `Inner::by_id`.
fn hash(id: &Guid) -> u64 {
    BuildHasherDefault::<GuidHasher>::default().hash_one(id)
}

/// Borrows `cell` to read it.
///
/// A conflict would be a bug here, not something a caller can cause: every
/// method borrows for its own duration only and calls nothing that borrows
/// the same cell again. So it panics, but with a fixed message: the message
/// of `RefCell::borrow`'s own panic is formatted, and would pull `core::fmt`
/// into the component.
pub(crate) fn read<T>(cell: &RefCell<T>) -> Ref<'_, T> {
    cell.try_borrow().unwrap_or_else(|_| borrow_conflict())
}

/// Borrows `cell` to change it; see [`read`].
pub(crate) fn write<T>(cell: &RefCell<T>) -> RefMut<'_, T> {
    cell.try_borrow_mut().unwrap_or_else(|_| borrow_conflict())
}

#[cold]
#[inline(never)]
fn borrow_conflict() -> ! {
    panic!("bits-queue: queue state borrowed re-entrantly")
}

/// What every handle of one job shares.
pub(crate) struct Shared {
    /// A copy of the job's GUID, readable without borrowing the job.
    id: Guid,
    /// Where the job sits in `Inner::order` while it is in the queue.
    slot: Cell<usize>,
    /// The queue, to leave it and to read `max-files-per-job`. Weak, so that
    /// jobs and queue do not keep each other alive.
    queue: Weak<RefCell<Inner>>,
    pub(crate) job: RefCell<Job>,
    /// The job's place in creation order, kept in its journal record.
    pub(crate) sequence: Cell<u64>,
    /// Whether it waits in `Inner::journal`.
    pub(crate) dirty: Cell<bool>,
}

/// A handle to one job (`IBackgroundCopyJob`). Clones are handles to the
/// same job.
///
/// Every method borrows the job only for its own duration and never calls
/// out while holding the borrow, so no sequence of calls can hit a `RefCell`
/// double borrow.
#[derive(Clone)]
pub struct JobRef(pub(crate) Rc<Shared>);

impl JobRef {
    /// Whether `self` and `other` are handles to the same job.
    pub fn same_job(&self, other: &JobRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// The GUID `create-job` gave this job.
    pub fn id(&self) -> Guid {
        self.0.id
    }

    /// The type given at creation.
    pub fn job_type(&self) -> JobType {
        read(&self.0.job).job_type()
    }

    /// The current state.
    pub fn state(&self) -> JobState {
        read(&self.0.job).state()
    }

    /// Whether the job is still in its queue (not in a final state).
    pub fn is_queued(&self) -> bool {
        !self.state().is_final()
    }

    /// The display name.
    pub fn display_name(&self) -> String {
        read(&self.0.job).display_name().into()
    }

    /// The description.
    pub fn description(&self) -> String {
        read(&self.0.job).description().into()
    }

    /// The priority.
    pub fn priority(&self) -> JobPriority {
        read(&self.0.job).priority()
    }

    /// Bytes and files added and arrived.
    pub fn progress(&self) -> Progress {
        read(&self.0.job).progress()
    }

    /// The files in the order they were added.
    pub fn files(&self) -> Vec<FileInfo> {
        read(&self.0.job).files().cloned().collect()
    }

    /// How many files the job holds.
    pub fn file_count(&self) -> usize {
        read(&self.0.job).file_count()
    }

    /// Each file's progress, in order.
    pub fn file_progress(&self) -> Vec<FileProgress> {
        read(&self.0.job).file_progress()
    }

    /// Creation, last modification and transfer completion.
    pub fn times(&self) -> JobTimes {
        read(&self.0.job).times()
    }

    /// The last error, while the job is in `error` or `transient-error`.
    pub fn error(&self) -> Option<JobError> {
        read(&self.0.job).error().cloned()
    }

    /// The retry delay, in seconds.
    pub fn minimum_retry_delay(&self) -> u32 {
        read(&self.0.job).minimum_retry_delay()
    }

    /// The no-progress timeout, in seconds.
    pub fn no_progress_timeout(&self) -> u32 {
        read(&self.0.job).no_progress_timeout()
    }

    /// The notify flags.
    pub fn notify_flags(&self) -> u32 {
        read(&self.0.job).notify_flags()
    }

    /// A copy of the job as it is now.
    pub fn snapshot(&self) -> Job {
        read(&self.0.job).clone()
    }

    /// Runs one change of the job through `f`. When it succeeds the job was
    /// modified now (contract §9) and gives a `modification` notice if its
    /// flags ask (§12); when it fails nothing changed.
    fn change<R, E>(&self, f: impl FnOnce(&mut Job) -> Result<R, E>) -> Result<R, E> {
        let result = f(&mut write(&self.0.job))?;
        if let Some(queue) = self.0.queue.upgrade() {
            let mut inner = write(&queue);
            let now = inner.now();
            write(&self.0.job).touch(now);
            inner.transfers.notice(self, NotifyEvent::Modification);
            inner.mark(self);
        }
        Ok(result)
    }

    /// See [`Job::set_display_name`].
    pub fn set_display_name(&self, name: impl Into<String>) -> Result<(), ErrorCode> {
        self.change(|job| job.set_display_name(name))
    }

    /// See [`Job::set_description`].
    pub fn set_description(&self, description: impl Into<String>) -> Result<(), ErrorCode> {
        self.change(|job| job.set_description(description))
    }

    /// See [`Job::set_priority`].
    pub fn set_priority(&self, priority: JobPriority) -> Result<(), ErrorCode> {
        self.change(|job| job.set_priority(priority))
    }

    /// See [`Job::set_minimum_retry_delay`].
    pub fn set_minimum_retry_delay(&self, seconds: u32) -> Result<(), ErrorCode> {
        self.change(|job| job.set_minimum_retry_delay(seconds))
    }

    /// See [`Job::set_no_progress_timeout`].
    pub fn set_no_progress_timeout(&self, seconds: u32) -> Result<(), ErrorCode> {
        self.change(|job| job.set_no_progress_timeout(seconds))
    }

    /// See [`Job::set_notify_flags`].
    pub fn set_notify_flags(&self, value: u32) -> Result<(), ErrorCode> {
        self.change(|job| job.set_notify_flags(value))
    }

    /// The queue's current `max-files-per-job`. Without a queue the job is
    /// final (see `Drop for Inner`) and refuses before the limit matters.
    fn max_files_per_job(&self) -> u32 {
        self.0
            .queue
            .upgrade()
            .map_or(0, |queue| read(&queue).limits.max_files_per_job)
    }

    /// Adds one file under the queue's `max-files-per-job`; see
    /// [`Job::add_files`].
    pub fn add_file(
        &self,
        remote_name: impl Into<String>,
        local_name: impl Into<String>,
    ) -> Result<(), ErrorCode> {
        let max = self.max_files_per_job();
        self.change(|job| job.add_file(remote_name, local_name, max))
    }

    /// Adds several files, all or none, under the queue's
    /// `max-files-per-job`; see [`Job::add_files`].
    pub fn add_files(&self, files: Vec<FileInfo>) -> Result<(), ErrorCode> {
        let max = self.max_files_per_job();
        self.change(|job| job.add_files(files, max))
    }

    /// Pauses the job; a transfer this instance has in flight is stopped
    /// (its bytes stay). See [`Job::suspend`].
    pub fn suspend(&self) -> Result<(), ErrorCode> {
        self.change(Job::suspend)?;
        self.with_transfers(|transfers| transfers.stop_if_in_flight(self));
        Ok(())
    }

    /// See [`Job::resume`].
    pub fn resume(&self) -> Result<(), ErrorCode> {
        self.change(Job::resume)
    }

    /// Cancels the job and takes it out of its queue; a transfer this
    /// instance has in flight is stopped and every temporary file is due
    /// for `discard` (contract §10). See [`Job::cancel`].
    pub fn cancel(&self) -> Result<(), ErrorCode> {
        self.change(Job::cancel)?;
        let (discard, session) = {
            let job = read(&self.0.job);
            let mut discard = job.temporary_names(|_| false);
            if job.reply_started() {
                discard.extend(job.reply_temporary_name());
            }
            (discard, self.session_cancel(&job))
        };
        self.with_transfers(|transfers| {
            transfers.stop_if_in_flight(self);
            transfers.file_action(Action::Discard(discard));
            if let Some(session) = session {
                transfers.session_cancel(session);
            }
        });
        self.leave_queue();
        Ok(())
    }

    /// Acknowledges the job and takes it out of its queue; see
    /// [`Job::complete`]. For a download a transfer this instance has in
    /// flight is stopped, every fully arrived file is due for `commit` to
    /// its local name and every other temporary file for `discard`
    /// (contract §10).
    pub fn complete(&self) -> Result<(), ErrorCode> {
        self.change(Job::complete)?;
        let (download, commit, discard, reply) = {
            let job = read(&self.0.job);
            let reply = job
                .reply_temporary_name()
                .zip(job.reply_file_name().ok().flatten());
            (
                job.job_type() == JobType::Download,
                job.file_moves(),
                job.temporary_names(|i| job.is_completed_file(i)),
                reply,
            )
        };
        self.with_transfers(|transfers| {
            transfers.stop_if_in_flight(self);
            if download {
                transfers.file_action(Action::Commit(commit));
                transfers.file_action(Action::Discard(discard));
            } else if let Some((temporary_name, local_name)) = reply {
                // An upload-reply's reply takes its name (contract §14.6).
                transfers.file_action(Action::Commit(alloc::vec![FileMove {
                    temporary_name,
                    local_name,
                }]));
            }
        });
        self.leave_queue();
        Ok(())
    }

    /// The Cancel-Session a cancel of `job` makes due: its session, if a
    /// Close-Session Ack has not closed it (contract §14.6).
    fn session_cancel(&self, job: &Job) -> Option<SessionCancel> {
        let session_id = job.open_session()?.into();
        let queue = self.0.queue.upgrade()?;
        let now = write(&queue).now();
        let wait = job.no_progress_timeout().min(86_400);
        Some(SessionCancel {
            job: job.id(),
            protocol: job.upload_protocol(),
            target_url: job.upload_target_url(),
            session_id,
            http: job.http_settings(),
            until: now.plus_seconds(u64::from(wait)),
            retry_delay: job.minimum_retry_delay(),
        })
    }

    /// See [`Job::custom_headers`].
    pub fn custom_headers(&self) -> Result<Option<String>, CallError> {
        read(&self.0.job).custom_headers()
    }

    /// See [`Job::set_custom_headers`]; a secret goes to `take-secret-ops`.
    pub fn set_custom_headers(&self, headers: Option<&str>) -> Result<(), CallError> {
        let op = self.change(|job| job.set_custom_headers(headers))?;
        self.with_transfers(|transfers| transfers.secret_ops.extend(op));
        Ok(())
    }

    /// See [`Job::make_custom_headers_write_only`].
    pub fn make_custom_headers_write_only(&self) -> Result<(), CallError> {
        let op = self.change(Job::make_custom_headers_write_only)?;
        self.with_transfers(|transfers| transfers.secret_ops.extend(op));
        Ok(())
    }

    /// See [`Job::set_credentials`]; the secret goes to `take-secret-ops`.
    pub fn set_credentials(&self, credentials: Credentials) -> Result<(), CallError> {
        let op = self.change(|job| job.set_credentials(credentials))?;
        self.with_transfers(|transfers| transfers.secret_ops.push(op));
        Ok(())
    }

    /// See [`Job::remove_credentials`]: whether one was set.
    pub fn remove_credentials(
        &self,
        target: AuthTarget,
        scheme: AuthScheme,
    ) -> Result<bool, CallError> {
        let op = self.change(|job| job.remove_credentials(target, scheme))?;
        let removed = op.is_some();
        self.with_transfers(|transfers| transfers.secret_ops.extend(op));
        Ok(removed)
    }

    /// See [`Job::notify_cmd_line`].
    pub fn notify_cmd_line(&self) -> Option<NotifyCmdLine> {
        read(&self.0.job).notify_cmd_line()
    }

    /// See [`Job::set_notify_cmd_line`].
    pub fn set_notify_cmd_line(&self, command: Option<NotifyCmdLine>) -> Result<(), CallError> {
        self.change(|job| job.set_notify_cmd_line(command))
    }

    /// See [`Job::maximum_download_time`].
    pub fn maximum_download_time(&self) -> u32 {
        read(&self.0.job).maximum_download_time()
    }

    /// See [`Job::set_maximum_download_time`].
    pub fn set_maximum_download_time(&self, seconds: u32) -> Result<(), CallError> {
        self.change(|job| job.set_maximum_download_time(seconds))
    }

    /// See [`Job::error_count`].
    pub fn error_count(&self) -> u32 {
        read(&self.0.job).error_count()
    }

    /// See [`Job::maximum_download_size`].
    pub fn maximum_download_size(&self) -> u64 {
        read(&self.0.job).maximum_download_size()
    }

    /// See [`Job::set_maximum_download_size`].
    pub fn set_maximum_download_size(&self, bytes: u64) -> Result<(), CallError> {
        self.change(|job| job.set_maximum_download_size(bytes))
    }

    /// See [`Job::dynamic_content`].
    pub fn dynamic_content(&self) -> bool {
        read(&self.0.job).dynamic_content()
    }

    /// See [`Job::set_dynamic_content`].
    pub fn set_dynamic_content(&self, enabled: bool) -> Result<(), CallError> {
        self.change(|job| job.set_dynamic_content(enabled))
    }

    /// See [`Job::set_remote_name`].
    pub fn set_remote_name(&self, index: u32, url: &str) -> Result<(), CallError> {
        self.change(|job| job.set_remote_name(index, url))
    }

    /// See [`Job::replace_remote_prefix`].
    pub fn replace_remote_prefix(&self, old: &str, new: &str) -> Result<bool, CallError> {
        self.change(|job| job.replace_remote_prefix(old, new))
    }

    /// See [`Job::add_file_with_ranges`], under the queue's
    /// `max-files-per-job`.
    pub fn add_file_with_ranges(
        &self,
        remote_name: &str,
        local_name: &str,
        ranges: Vec<FileRange>,
    ) -> Result<(), CallError> {
        let max = self.max_files_per_job();
        self.change(|job| job.add_file_with_ranges(remote_name, local_name, ranges, max))
    }

    /// See [`Job::file_ranges`].
    pub fn file_ranges(&self, index: u32) -> Result<Vec<FileRange>, CallError> {
        read(&self.0.job).file_ranges(index)
    }

    /// See [`Job::file_validation_state`].
    pub fn file_validation_state(&self, index: u32) -> Result<bool, CallError> {
        read(&self.0.job).file_validation_state(index)
    }

    /// See [`Job::set_file_validation_state`]. A file found invalid has
    /// its temporary file due for `discard`, a transfer this instance has
    /// in flight (of another file) is stopped, and the job, now in
    /// `error`, gives `notify error` (contract §16.6).
    pub fn set_file_validation_state(&self, index: u32, valid: bool) -> Result<(), CallError> {
        let discard = self.change(|job| job.set_file_validation_state(index, valid))?;
        if let Some(name) = discard {
            self.with_transfers(|transfers| {
                transfers.stop_if_in_flight(self);
                transfers.file_action(Action::Discard(alloc::vec![name]));
                transfers.notice(self, NotifyEvent::Error);
            });
        }
        Ok(())
    }

    /// See [`Job::set_proxy_settings`].
    pub fn set_proxy_settings(&self, settings: ProxySettings) -> Result<(), CallError> {
        self.change(|job| job.set_proxy_settings(settings))
    }

    /// See [`Job::proxy_settings`].
    pub fn proxy_settings(&self) -> ProxySettings {
        read(&self.0.job).proxy_settings()
    }

    /// See [`Job::http_method`].
    pub fn http_method(&self) -> String {
        read(&self.0.job).http_method()
    }

    /// See [`Job::set_http_method`].
    pub fn set_http_method(&self, method: &str) -> Result<(), CallError> {
        self.change(|job| job.set_http_method(method))
    }

    /// See [`Job::set_security_flags`].
    pub fn set_security_flags(&self, flags: u32) -> Result<(), CallError> {
        self.change(|job| job.set_security_flags(flags))
    }

    /// See [`Job::security_flags`].
    pub fn security_flags(&self) -> u32 {
        read(&self.0.job).security_flags()
    }

    /// See [`Job::set_client_certificate`].
    pub fn set_client_certificate(&self, cert: Option<ClientCertificate>) -> Result<(), CallError> {
        self.change(|job| job.set_client_certificate(cert))
    }

    /// See [`Job::client_certificate`].
    pub fn client_certificate(&self) -> Option<ClientCertificate> {
        read(&self.0.job).client_certificate()
    }

    /// See [`Job::set_upload_protocol`].
    pub fn set_upload_protocol(&self, protocol: UploadProtocol) -> Result<(), CallError> {
        self.change(|job| job.set_upload_protocol(protocol))
    }

    /// See [`Job::set_reply_file_name`].
    pub fn set_reply_file_name(&self, name: &str) -> Result<(), CallError> {
        self.change(|job| job.set_reply_file_name(name))
    }

    /// See [`Job::upload_protocol`].
    pub fn upload_protocol(&self) -> UploadProtocol {
        read(&self.0.job).upload_protocol()
    }

    /// See [`Job::reply_file_name`].
    pub fn reply_file_name(&self) -> Result<Option<String>, CallError> {
        read(&self.0.job).reply_file_name()
    }

    /// See [`Job::reply_progress`].
    pub fn reply_progress(&self) -> Result<FileProgress, CallError> {
        read(&self.0.job).reply_progress()
    }

    /// See [`Job::reply_data`].
    pub fn reply_data(&self) -> Result<Option<Vec<u8>>, CallError> {
        read(&self.0.job).reply_data()
    }

    /// Runs `f` on the queue's engine, if the queue is still there.
    fn with_transfers(&self, f: impl FnOnce(&mut TransferState)) {
        if let Some(queue) = self.0.queue.upgrade() {
            f(&mut write(&queue).transfers);
        }
    }

    /// Called once the job is final; the job's borrow has ended.
    fn leave_queue(&self) {
        if let Some(queue) = self.0.queue.upgrade() {
            write(&queue).remove(self);
        }
    }
}

impl fmt::Debug for JobRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("JobRef");
        out.field("id", &self.0.id);
        if let Ok(job) = self.0.job.try_borrow() {
            out.field("state", &job.state());
        }
        out.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{RandomUnavailable, SplitMix64};
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;
    use bits_queue_contract::guid;
    use core::cell::Cell;

    fn queue() -> QueueState {
        QueueState::new(SplitMix64::new(1))
    }

    fn file(n: usize) -> FileInfo {
        FileInfo::new(format!("http://example.com/{n}"), format!("/tmp/{n}"))
    }

    /// A source that replays `draws` then repeats the last, counting calls.
    fn replay(draws: Vec<[u8; 16]>, calls: Rc<Cell<usize>>) -> impl RandomSource {
        move |bytes: &mut [u8; 16]| {
            let n = calls.get();
            calls.set(n + 1);
            *bytes = draws[n.min(draws.len() - 1)];
        }
    }

    fn names(jobs: &[JobRef]) -> Vec<String> {
        jobs.iter().map(JobRef::display_name).collect()
    }

    /// §2, §4: a new job is suspended, v4, with the given name and type.
    #[test]
    fn create_job_makes_a_suspended_v4_job() {
        let queue = queue();
        let job = queue.create_job("first", JobType::UploadReply).unwrap();
        let id = job.id();
        assert_eq!(id.version(), 4);
        assert!(id.is_rfc9562_variant());
        assert_eq!(id.data3 >> 12, 4);
        assert_eq!(id.data4[0] & 0xC0, 0x80);
        assert_eq!(job.state(), JobState::Suspended);
        assert_eq!(job.job_type(), JobType::UploadReply);
        assert_eq!(job.display_name(), "first");
        assert_eq!(job.description(), "");
        assert_eq!(job.priority(), JobPriority::Normal);
        assert_eq!(job.progress(), Progress::default());
        assert!(job.files().is_empty());
        assert!(job.is_queued());
        assert_eq!(queue.len(), 1);
    }

    /// §2: the same random stream gives the same GUIDs; exact values for a
    /// fixed source.
    #[test]
    fn guids_are_deterministic_for_a_fixed_source() {
        let a = QueueState::new(SplitMix64::new(99));
        let b = QueueState::new(SplitMix64::new(99));
        for n in 0..50 {
            let x = a.create_job(n.to_string(), JobType::Download).unwrap();
            let y = b.create_job(n.to_string(), JobType::Download).unwrap();
            assert_eq!(x.id(), y.id());
        }
        let queue = QueueState::new(|bytes: &mut [u8; 16]| bytes.fill(0xAB));
        let job = queue.create_job("", JobType::Download).unwrap();
        assert_eq!(
            guid::to_string(&job.id()),
            "{ABABABAB-ABAB-4BAB-ABAB-ABABABABABAB}"
        );
        let mut n = 0u8;
        let queue = QueueState::new(move |bytes: &mut [u8; 16]| {
            for byte in bytes.iter_mut() {
                *byte = n;
                n = n.wrapping_add(1);
            }
        });
        let first = queue.create_job("", JobType::Download).unwrap();
        let second = queue.create_job("", JobType::Download).unwrap();
        assert_eq!(
            guid::to_string(&first.id()),
            "{00010203-0405-4607-8809-0A0B0C0D0E0F}"
        );
        assert_eq!(
            guid::to_string(&second.id()),
            "{10111213-1415-4617-9819-1A1B1C1D1E1F}"
        );
    }

    /// §2: a clash with a live job's GUID draws again.
    #[test]
    fn clash_draws_again() {
        let calls = Rc::new(Cell::new(0));
        let queue = QueueState::new(replay(
            vec![[1; 16], [1; 16], [1; 16], [2; 16]],
            calls.clone(),
        ));
        let first = queue.create_job("a", JobType::Download).unwrap();
        assert_eq!(calls.get(), 1);
        let second = queue.create_job("b", JobType::Download).unwrap();
        assert_eq!(calls.get(), 4, "two clashes, then a fresh GUID");
        assert_eq!(first.id(), Guid::new_v4([1; 16]));
        assert_eq!(second.id(), Guid::new_v4([2; 16]));
        assert_ne!(first.id(), second.id());
    }

    /// Bytes that differ only in the bits the version and variant overwrite
    /// make the same GUID: a clash too.
    #[test]
    fn clash_after_version_bits_draws_again() {
        let calls = Rc::new(Cell::new(0));
        let mut other = [1u8; 16];
        other[6] = 0xF1; // version nibble replaced by 4: same GUID
        other[8] = 0x41; // variant bits replaced by 10: same GUID
        assert_eq!(Guid::new_v4(other), Guid::new_v4([1; 16]));
        let queue = QueueState::new(replay(vec![[1; 16], other, [3; 16]], calls.clone()));
        queue.create_job("a", JobType::Download).unwrap();
        let second = queue.create_job("b", JobType::Download).unwrap();
        assert_eq!(second.id(), Guid::new_v4([3; 16]));
        assert_eq!(calls.get(), 3);
    }

    /// A broken (constant) source: the second job cannot get a unique GUID;
    /// the call gives up after MAX_GUID_DRAWS draws and changes nothing.
    #[test]
    fn constant_source_gives_up_after_the_draw_limit() {
        let calls = Rc::new(Cell::new(0));
        let queue = QueueState::new(replay(vec![[5; 16]], calls.clone()));
        let first = queue.create_job("a", JobType::Download).unwrap();
        assert_eq!(
            queue.create_job("b", JobType::Download).unwrap_err(),
            ErrorCode::TooManyJobs
        );
        assert_eq!(calls.get(), 1 + 64);
        assert_eq!(queue.len(), 1);
        assert_eq!(names(&queue.jobs()), ["a"]);
        // Once the first job leaves, its GUID may be issued again.
        first.cancel().unwrap();
        let again = queue.create_job("c", JobType::Download).unwrap();
        assert_eq!(again.id(), first.id());
        assert!(queue.get_job(&first.id()).unwrap().same_job(&again));
        // The old handle stays cancelled and cannot touch the new job.
        assert_eq!(first.cancel(), Err(ErrorCode::InvalidState));
        assert_eq!(first.state(), JobState::Cancelled);
        assert_eq!(again.state(), JobState::Suspended);
        assert_eq!(queue.len(), 1);
    }

    /// A source that fails: draws again; if it never recovers the call fails
    /// with too-many-jobs instead of trapping.
    #[test]
    fn failing_source_is_retried_then_refused() {
        struct Flaky {
            failures_left: u32,
            calls: Rc<Cell<u32>>,
        }
        impl RandomSource for Flaky {
            fn fill(&mut self, bytes: &mut [u8; 16]) -> Result<(), RandomUnavailable> {
                self.calls.set(self.calls.get() + 1);
                if self.failures_left > 0 {
                    self.failures_left -= 1;
                    return Err(RandomUnavailable);
                }
                bytes.fill(9);
                Ok(())
            }
        }
        let calls = Rc::new(Cell::new(0));
        let queue = QueueState::new(Flaky {
            failures_left: 3,
            calls: calls.clone(),
        });
        let job = queue.create_job("a", JobType::Download).unwrap();
        assert_eq!(job.id(), Guid::new_v4([9; 16]));
        assert_eq!(calls.get(), 4);

        let calls = Rc::new(Cell::new(0));
        let queue = QueueState::new(Flaky {
            failures_left: u32::MAX,
            calls: calls.clone(),
        });
        assert_eq!(
            queue.create_job("a", JobType::Download).unwrap_err(),
            ErrorCode::TooManyJobs
        );
        assert_eq!(calls.get(), MAX_GUID_DRAWS);
        assert!(queue.is_empty());
    }

    /// §4: create-job over 256 units is invalid-argument (not
    /// string-too-long); exactly 256 is fine; empty and duplicate names are
    /// fine. A refused call draws no randomness.
    #[test]
    fn create_job_display_name_rules() {
        let calls = Rc::new(Cell::new(0));
        let mut n = 0u8;
        let counted = calls.clone();
        let queue = QueueState::new(move |bytes: &mut [u8; 16]| {
            counted.set(counted.get() + 1);
            n += 1;
            bytes.fill(n);
        });
        for over in [
            "a".repeat(257),
            "é".repeat(257),
            format!("{}😀", "a".repeat(255)),
            "😀".repeat(129),
        ] {
            assert_eq!(
                queue.create_job(over, JobType::Download).unwrap_err(),
                ErrorCode::InvalidArgument
            );
        }
        assert_eq!(calls.get(), 0);
        assert!(queue.is_empty());
        for at in ["a".repeat(256), "€".repeat(256), "😀".repeat(128)] {
            let job = queue.create_job(at.clone(), JobType::Download).unwrap();
            assert_eq!(job.display_name(), at);
        }
        queue.create_job("", JobType::Download).unwrap();
        queue.create_job("same", JobType::Download).unwrap();
        queue.create_job("same", JobType::Upload).unwrap();
        assert_eq!(queue.len(), 6);
        assert_eq!(calls.get(), 6);
    }

    /// §3: get-job gives a new handle to the same job; all handles see the
    /// current properties; unknown and all-zero GUIDs are not-found.
    #[test]
    fn get_job_and_shared_handles() {
        let queue = queue();
        let job = queue.create_job("x", JobType::Download).unwrap();
        let again = queue.get_job(&job.id()).unwrap();
        let third = queue.get_job(&job.id()).unwrap();
        assert!(again.same_job(&job));
        assert_eq!(again.id(), job.id());
        again.set_description("seen by all").unwrap();
        job.set_priority(JobPriority::High).unwrap();
        third.add_file("http://h/a", "/a").unwrap();
        third.resume().unwrap();
        for handle in [&job, &again, &third] {
            assert_eq!(handle.description(), "seen by all");
            assert_eq!(handle.priority(), JobPriority::High);
            assert_eq!(handle.files(), [FileInfo::new("http://h/a", "/a")]);
            assert_eq!(handle.state(), JobState::Queued);
        }
        assert_eq!(queue.get_job(&Guid::NIL).unwrap_err(), ErrorCode::NotFound);
        let never = guid::parse("{6B29FC40-CA47-4067-B31D-00DD010662DA}").unwrap();
        assert_eq!(queue.get_job(&never).unwrap_err(), ErrorCode::NotFound);
    }

    /// §3: dropping handles (or a queue clone) neither removes nor cancels.
    #[test]
    fn dropping_handles_keeps_the_job() {
        let queue = queue();
        let id = {
            let manager = queue.clone();
            let job = manager.create_job("kept", JobType::Download).unwrap();
            let _other = manager.get_job(&job.id()).unwrap();
            job.id()
        };
        let job = queue.get_job(&id).unwrap();
        assert_eq!(job.state(), JobState::Suspended);
        assert_eq!(job.display_name(), "kept");
        assert_eq!(queue.len(), 1);
    }

    /// §3: every clone (job-manager) sees the same queue.
    #[test]
    fn clones_share_the_queue() {
        let a = queue();
        let b = a.clone();
        let job = a.create_job("one", JobType::Download).unwrap();
        assert!(b.get_job(&job.id()).unwrap().same_job(&job));
        b.set_limits(QueueLimits {
            max_jobs: 7,
            max_files_per_job: 3,
        })
        .unwrap();
        assert_eq!(a.limits().max_jobs, 7);
        assert_eq!(names(&b.jobs()), ["one"]);
    }

    /// §3: enum-jobs is a snapshot in creation order; removal keeps the order
    /// of the rest; later jobs are not in an earlier snapshot.
    #[test]
    fn enum_jobs_in_creation_order() {
        let queue = queue();
        let jobs: Vec<_> = (0..6)
            .map(|n| {
                queue
                    .create_job(format!("j{n}"), JobType::Download)
                    .unwrap()
            })
            .collect();
        let snapshot = queue.jobs();
        assert_eq!(names(&snapshot), ["j0", "j1", "j2", "j3", "j4", "j5"]);
        for (a, b) in snapshot.iter().zip(&jobs) {
            assert!(a.same_job(b));
        }
        jobs[2].cancel().unwrap();
        jobs[0].complete().unwrap();
        jobs[5].cancel().unwrap();
        queue.create_job("j6", JobType::Upload).unwrap();
        assert_eq!(names(&queue.jobs()), ["j1", "j3", "j4", "j6"]);
        assert_eq!(snapshot.len(), 6, "earlier snapshot unchanged");
        assert_eq!(queue.len(), 4);
    }

    /// §3, §5: cancel and complete take the job out; old handles report the
    /// final state and refuse every change with invalid-state.
    #[test]
    fn leaving_the_queue() {
        for (leave, final_state) in [
            (
                JobRef::cancel as fn(&JobRef) -> Result<(), ErrorCode>,
                JobState::Cancelled,
            ),
            (JobRef::complete, JobState::Acknowledged),
        ] {
            let queue = queue();
            let job = queue.create_job("gone", JobType::Download).unwrap();
            job.add_file("http://h/a", "/a").unwrap();
            job.set_description("d").unwrap();
            let other = queue.get_job(&job.id()).unwrap();
            leave(&job).unwrap();
            assert_eq!(queue.get_job(&job.id()).unwrap_err(), ErrorCode::NotFound);
            assert!(queue.jobs().is_empty());
            assert!(queue.is_empty());
            for handle in [&job, &other] {
                assert_eq!(handle.state(), final_state);
                assert!(!handle.is_queued());
                assert_eq!(handle.display_name(), "gone");
                assert_eq!(handle.description(), "d");
                assert_eq!(handle.job_type(), JobType::Download);
                assert_eq!(handle.files().len(), 1);
                assert_eq!(handle.progress().files_total, 1);
                let e = Err(ErrorCode::InvalidState);
                assert_eq!(handle.set_display_name("n"), e);
                assert_eq!(handle.set_description("n"), e);
                assert_eq!(handle.set_priority(JobPriority::Low), e);
                assert_eq!(handle.add_file("http://h/b", "/b"), e);
                assert_eq!(handle.add_files(vec![file(1)]), e);
                assert_eq!(handle.add_files(Vec::new()), e);
                assert_eq!(handle.suspend(), e);
                assert_eq!(handle.resume(), e);
                assert_eq!(handle.cancel(), e);
                assert_eq!(handle.complete(), e);
                assert_eq!(handle.state(), final_state);
                assert_eq!(handle.files().len(), 1);
            }
        }
    }

    /// §5: an upload job that cannot complete stays in the queue.
    #[test]
    fn refused_complete_stays_queued() {
        let queue = queue();
        let job = queue.create_job("up", JobType::Upload).unwrap();
        assert_eq!(job.complete(), Err(ErrorCode::InvalidState));
        assert!(queue.get_job(&job.id()).is_ok());
        job.add_file("https://h/u", "C:\\u").unwrap();
        job.resume().unwrap();
        // The engine drives it to `transferred`, as a host would.
        let Some(Action::Start(order)) = queue.poll().into_iter().next() else {
            panic!("a start order");
        };
        // An upload reports its local snapshot (contract §14.2), and is
        // done only once the server acknowledged every byte.
        assert_eq!(
            queue.report_connected(order.file, Some(5), None),
            Err(ErrorCode::InvalidArgument)
        );
        queue
            .report_connected(order.file, Some(5), Some("mtime:7".into()))
            .unwrap();
        assert_eq!(job.state(), JobState::Transferring);
        assert_eq!(job.complete(), Err(ErrorCode::InvalidState));
        assert_eq!(queue.report_done(order.file), Err(ErrorCode::InvalidState));
        queue.report_progress(order.file, 5).unwrap();
        queue.report_done(order.file).unwrap();
        assert_eq!(job.state(), JobState::Transferred);
        assert_eq!(job.complete(), Ok(()));
        assert_eq!(job.state(), JobState::Acknowledged);
        assert!(queue.is_empty());
    }

    /// §6: defaults, zero refused, too-many-jobs, lowering removes nothing.
    #[test]
    fn limits() {
        let queue = queue();
        assert_eq!(
            queue.limits(),
            QueueLimits {
                max_jobs: 300,
                max_files_per_job: 200
            }
        );
        for zero in [
            QueueLimits {
                max_jobs: 0,
                max_files_per_job: 5,
            },
            QueueLimits {
                max_jobs: 5,
                max_files_per_job: 0,
            },
            QueueLimits {
                max_jobs: 0,
                max_files_per_job: 0,
            },
        ] {
            assert_eq!(queue.set_limits(zero), Err(ErrorCode::InvalidArgument));
            assert_eq!(queue.limits(), QueueLimits::default(), "unchanged");
        }
        let jobs: Vec<_> = (0..300)
            .map(|n| queue.create_job(n.to_string(), JobType::Download).unwrap())
            .collect();
        assert_eq!(
            queue.create_job("301", JobType::Download).unwrap_err(),
            ErrorCode::TooManyJobs
        );
        assert_eq!(queue.len(), 300);
        // Leaving frees a place.
        jobs[10].cancel().unwrap();
        queue.create_job("again", JobType::Download).unwrap();
        assert_eq!(
            queue.create_job("over", JobType::Download).unwrap_err(),
            ErrorCode::TooManyJobs
        );
        // Lowering below what is there removes nothing, refuses new jobs.
        queue
            .set_limits(QueueLimits {
                max_jobs: 2,
                max_files_per_job: 1,
            })
            .unwrap();
        assert_eq!(queue.len(), 300);
        assert_eq!(
            queue.create_job("x", JobType::Download).unwrap_err(),
            ErrorCode::TooManyJobs
        );
        // Name validation comes first.
        assert_eq!(
            queue
                .create_job("x".repeat(257), JobType::Download)
                .unwrap_err(),
            ErrorCode::InvalidArgument
        );
        // max-files-per-job applies through the handles, at its current value.
        let job = &jobs[0];
        job.add_file("http://h/1", "/1").unwrap();
        assert_eq!(
            job.add_file("http://h/2", "/2"),
            Err(ErrorCode::TooManyFilesInJob)
        );
        queue
            .set_limits(QueueLimits {
                max_jobs: u32::MAX,
                max_files_per_job: 3,
            })
            .unwrap();
        assert_eq!(job.add_files(vec![file(2), file(3)]), Ok(()));
        assert_eq!(
            job.add_files(vec![file(4)]),
            Err(ErrorCode::TooManyFilesInJob)
        );
        queue
            .set_limits(QueueLimits {
                max_jobs: u32::MAX,
                max_files_per_job: 1,
            })
            .unwrap();
        assert_eq!(job.file_count(), 3, "lowering removes no file");
        queue.create_job("fits now", JobType::Download).unwrap();
    }

    /// Not the component's situation (its queue lives as long as the
    /// instance): a job whose queue is gone is cancelled and refuses changes.
    #[test]
    fn dropping_the_last_queue_handle_cancels_its_jobs() {
        let queue = queue();
        let job = queue.create_job("orphan", JobType::Download).unwrap();
        let done = queue.create_job("done", JobType::Download).unwrap();
        done.complete().unwrap();
        drop(queue);
        assert_eq!(job.state(), JobState::Cancelled);
        assert_eq!(done.state(), JobState::Acknowledged);
        assert_eq!(
            job.add_file("http://h/a", "/a"),
            Err(ErrorCode::InvalidState)
        );
        assert_eq!(job.cancel(), Err(ErrorCode::InvalidState));
    }

    /// Scale: many jobs, removal from the middle, lookups stay correct.
    #[test]
    fn many_jobs() {
        let queue = QueueState::new(SplitMix64::new(7));
        queue
            .set_limits(QueueLimits {
                max_jobs: 20_000,
                max_files_per_job: 1,
            })
            .unwrap();
        let jobs: Vec<_> = (0..20_000)
            .map(|n| queue.create_job(n.to_string(), JobType::Download).unwrap())
            .collect();
        for job in jobs.iter().step_by(2) {
            job.cancel().unwrap();
        }
        assert_eq!(queue.len(), 10_000);
        for (n, job) in jobs.iter().enumerate() {
            let found = queue.get_job(&job.id());
            if n % 2 == 0 {
                assert_eq!(found.unwrap_err(), ErrorCode::NotFound);
            } else {
                assert!(found.unwrap().same_job(job));
            }
        }
        let listed = queue.jobs();
        assert_eq!(listed.len(), 10_000);
        assert!(
            listed
                .iter()
                .zip(jobs.iter().skip(1).step_by(2))
                .all(|(a, b)| a.same_job(b))
        );
    }

    /// The order vector is compacted as jobs leave, keeps creation order
    /// through compactions, and its renumbered slots still take the right
    /// job out.
    #[test]
    fn order_compaction() {
        let queue = QueueState::new(SplitMix64::new(3));
        queue
            .set_limits(QueueLimits {
                max_jobs: 1000,
                max_files_per_job: 1,
            })
            .unwrap();
        let slots = |queue: &QueueState| read(&queue.0).order.len();
        let keeper = queue.create_job("keeper", JobType::Download).unwrap();
        // Churn: one long-lived job, thousands created and cancelled behind
        // it. Without compaction the vector would grow by one each time.
        for n in 0..5000 {
            let job = queue.create_job(n.to_string(), JobType::Download).unwrap();
            job.cancel().unwrap();
            assert!(slots(&queue) <= 2 * queue.len() + 33, "bounded");
        }
        assert_eq!(queue.len(), 1);
        assert!(keeper.is_queued());

        // Interleave: create 100, remove every third, create more, remove
        // from the front and back, checking order against a model each time.
        let mut model: Vec<JobRef> = alloc::vec![keeper];
        for round in 0..5 {
            for n in 0..100 {
                let name = format!("r{round}-{n}");
                model.push(queue.create_job(name, JobType::Download).unwrap());
            }
            let mut n = 0;
            model.retain(|job| {
                n += 1;
                if n % 3 == 0 {
                    job.cancel().unwrap();
                    false
                } else {
                    true
                }
            });
            let first = model.remove(0);
            first.complete().unwrap();
            if let Some(last) = model.pop() {
                last.cancel().unwrap();
            }
            let listed = queue.jobs();
            assert_eq!(listed.len(), model.len());
            assert!(listed.iter().zip(&model).all(|(a, b)| a.same_job(b)));
            for job in &model {
                assert!(queue.get_job(&job.id()).unwrap().same_job(job));
            }
        }
        // Empty it through the handles: every slot found its job.
        for job in &model {
            job.cancel().unwrap();
        }
        assert!(queue.is_empty());
        assert!(queue.jobs().is_empty());
        assert!(slots(&queue) <= 33);
    }

    #[test]
    fn debug_output() {
        let queue = QueueState::new(|bytes: &mut [u8; 16]| bytes.fill(0));
        let job = queue.create_job("", JobType::Download).unwrap();
        assert_eq!(
            format!("{job:?}"),
            "JobRef { id: Guid { data1: 0, data2: 0, data3: 16384, data4: [128, 0, 0, 0, 0, 0, 0, 0] }, state: Suspended, .. }"
        );
        assert_eq!(
            format!("{queue:?}"),
            "QueueState { len: 1, limits: QueueLimits { max_jobs: 300, max_files_per_job: 200 } }"
        );
    }
}
