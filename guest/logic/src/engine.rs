//! The engine (contract §10, §12): what a host that moves bytes is told to
//! do, and what its reports do to the jobs. The component decides —
//! scheduling, retries, failures, times, notifications — and the host only
//! carries out [`Action`]s and reports back.
//!
//! Scheduling: every `foreground` job runs at once; of the background jobs
//! at most `background-slots` run at once (per instance: the transfers this
//! instance ordered), `high` before `normal` before `low`, and among equals
//! the one that ran least recently (never is least recent; then creation
//! order). A higher-priority job that finds every slot busy pre-empts the
//! lowest-priority transfer: `stop`, back to `queued`, progress kept.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::limits::{DEFAULT_BACKGROUND_SLOTS, MAX_PENDING_NOTIFICATIONS};
use bits_queue_contract::upload::MAX_SESSION_CANCELS;
use bits_queue_contract::{
    Action, Datetime, ErrorCode, FailureDetail, FileRef, Guid, JobPriority, JobState, JobType,
    NotifyCommand, NotifyEvent, OrderDetails, SecretOp, SessionCancel, TransferFailure,
    TransferOrder,
};

use crate::job::{Job, Wake};
use crate::queue::{Inner, JobRef, QueueState, read, write};

/// One instance's side of the transfers: not part of the queue (never
/// journaled), since another instance sharing the queue has its own.
#[derive(Debug)]
pub(crate) struct TransferState {
    background_slots: u32,
    /// The transfers this instance ordered and has not seen end.
    in_flight: Vec<InFlight>,
    /// `stop`, `commit` and `discard` actions due from client calls, in the
    /// order they happened.
    pending: VecDeque<Action>,
    /// Notifications not yet polled, oldest first, at most
    /// [`MAX_PENDING_NOTIFICATIONS`].
    notices: VecDeque<(bits_queue_contract::Guid, NotifyEvent)>,
    /// Whether this instance's host called `declare-order-details`
    /// (contract §14.1): it reads every order's details.
    pub(crate) declared: bool,
    /// Sessions of cancelled uploads still to end with Cancel-Session,
    /// oldest first, at most [`MAX_SESSION_CANCELS`].
    session_cancels: VecDeque<SessionCancel>,
    /// Secret-store operations not taken yet, in call order (contract
    /// §15.2). Never journaled.
    pub(crate) secret_ops: Vec<SecretOp>,
    /// Whether this instance's host takes notify programs (it called
    /// `take-notify-commands`): only then do their due times wake it.
    takes_notify_commands: bool,
    /// The files this instance's host declined (`decline`): it never
    /// orders them again; another instance sharing the queue may.
    declined: Vec<FileRef>,
}

impl Default for TransferState {
    fn default() -> TransferState {
        TransferState {
            background_slots: DEFAULT_BACKGROUND_SLOTS,
            in_flight: Vec::new(),
            pending: VecDeque::new(),
            notices: VecDeque::new(),
            declared: false,
            session_cancels: VecDeque::new(),
            secret_ops: Vec::new(),
            takes_notify_commands: false,
            declined: Vec::new(),
        }
    }
}

/// A transfer this instance ordered.
#[derive(Clone, Debug)]
struct InFlight {
    job: JobRef,
    file: usize,
    /// Whether it holds a background slot (the job was not foreground when
    /// it started).
    background: bool,
    priority: JobPriority,
}

impl InFlight {
    fn file_ref(&self) -> FileRef {
        FileRef {
            job: self.job.id(),
            file_index: u32::try_from(self.file).unwrap_or(u32::MAX),
        }
    }
}

/// Where a priority ranks: lower runs first.
fn rank(priority: JobPriority) -> u8 {
    match priority {
        JobPriority::Foreground => 0,
        JobPriority::High => 1,
        JobPriority::Normal => 2,
        JobPriority::Low => 3,
    }
}

impl TransferState {
    /// Records that `event` happened to `job`, if its notify flags ask for
    /// it (contract §12). Consecutive `modification` notices for one job
    /// become one; past [`MAX_PENDING_NOTIFICATIONS`] the oldest goes.
    /// Entering `transferred` or `error` also makes the job's notify
    /// program due (contract §16.1), under the same flags.
    pub(crate) fn notice(&mut self, job: &JobRef, event: NotifyEvent) {
        write(&job.0.job).arm_notify_run(event);
        if !event.wanted_by(job.notify_flags()) {
            return;
        }
        let entry = (job.id(), event);
        if event == NotifyEvent::Modification && self.notices.back() == Some(&entry) {
            return;
        }
        if self.notices.len() == MAX_PENDING_NOTIFICATIONS {
            self.notices.pop_front();
        }
        self.notices.push_back(entry);
    }

    /// A `commit` or `discard`, due at once; an empty one is nothing to do.
    pub(crate) fn file_action(&mut self, action: Action) {
        let empty = match &action {
            Action::Commit(moves) => moves.is_empty(),
            Action::Discard(names) => names.is_empty(),
            _ => false,
        };
        if !empty {
            self.pending.push_back(action);
        }
    }

    /// If this instance has `job` in flight, ends that transfer here and
    /// issues its `stop`.
    pub(crate) fn stop_if_in_flight(&mut self, job: &JobRef) {
        if let Some(at) = self.in_flight.iter().position(|t| t.job.same_job(job)) {
            let transfer = self.in_flight.swap_remove(at);
            self.pending.push_back(Action::Stop(transfer.file_ref()));
        }
    }

    /// A cancelled upload's open session, due for Cancel-Session.
    pub(crate) fn session_cancel(&mut self, cancel: SessionCancel) {
        if self.session_cancels.len() == MAX_SESSION_CANCELS {
            self.session_cancels.pop_front();
        }
        self.session_cancels.push_back(cancel);
    }

    /// Forgets the transfer of `job`'s file `file`, if this instance ordered
    /// it (a report ended it).
    fn forget(&mut self, job: &JobRef, file: usize) {
        self.in_flight
            .retain(|t| !(t.job.same_job(job) && t.file == file));
    }
}

/// A job's `start` order for file `index`.
fn order(job: &Job, index: usize) -> TransferOrder {
    let file = &job.files[index];
    TransferOrder {
        file: FileRef {
            job: job.id(),
            file_index: u32::try_from(index).unwrap_or(u32::MAX),
        },
        job_type: job.job_type(),
        remote_name: file.info.remote_name.clone(),
        local_name: file.info.local_name.clone(),
        temporary_name: job.temporary_name(index).unwrap_or_default(),
        offset: file.transferred,
        // A ranged file's order carries the remote file's size (§16.4).
        size: job.order_size(index),
        validator: file.validator.clone(),
    }
}

/// The engine's calls (contract §10).
impl QueueState {
    /// How many background jobs this instance transfers at once; 0 is
    /// `invalid-argument`.
    pub fn set_background_slots(&self, slots: u32) -> Result<(), ErrorCode> {
        if slots == 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        write(&self.0).transfers.background_slots = slots;
        Ok(())
    }

    /// The actions due now, in order: the `stop`, `commit` and `discard`
    /// actions client calls caused; then what the clock brings (due retries
    /// queue their jobs again, passed no-progress deadlines end theirs in
    /// `error`); `stop` for transfers this instance ordered whose jobs no
    /// longer transfer that file (changed from elsewhere); pre-emptions and
    /// `start` orders; and notifications.
    pub fn poll(&self) -> Vec<Action> {
        let mut inner = write(&self.0);
        let now = inner.now();
        let mut actions: Vec<Action> = inner.transfers.pending.drain(..).collect();
        wake_jobs(&mut inner, now);
        reconcile(&mut inner, &mut actions);
        schedule(&mut inner, now, &mut actions);
        let notices = core::mem::take(&mut inner.transfers.notices);
        actions.extend(
            notices
                .into_iter()
                .map(|(id, event)| Action::Notify(id, event)),
        );
        actions
    }

    /// The pending `commit` and `discard` actions only, for a host that
    /// does not transfer; never a `start`. Each action is returned once, by
    /// this or by [`QueueState::poll`].
    pub fn take_file_actions(&self) -> Vec<Action> {
        let mut inner = write(&self.0);
        let (file_actions, rest): (Vec<Action>, Vec<Action>) = inner
            .transfers
            .pending
            .drain(..)
            .partition(Action::is_file_action);
        inner.transfers.pending = rest.into();
        file_actions
    }

    /// When [`QueueState::poll`] next has something to do on its own: the
    /// earliest retry or no-progress deadline, and for a host that takes
    /// notify programs the earliest one due (contract §16.1; a host that
    /// never takes them is never woken for them); `None` if nothing waits
    /// on the clock.
    pub fn next_wake(&self) -> Option<Datetime> {
        let inner = read(&self.0);
        let runs = inner.transfers.takes_notify_commands;
        inner
            .order
            .iter()
            .flatten()
            .filter_map(|job| {
                let job = read(&job.0.job);
                let run = if runs { job.notify_due() } else { None };
                [job.next_wake(), run].into_iter().flatten().min()
            })
            .min()
    }

    /// `report-connected`: the server answered for `file`.
    pub fn report_connected(
        &self,
        file: FileRef,
        size: Option<u64>,
        validator: Option<String>,
    ) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            job.report_connected(file.file_index, size, validator)
                .map(Reported::failed_or_changed)
        })
    }

    /// `report-progress`: the file's bytes so far (absolute).
    pub fn report_progress(&self, file: FileRef, bytes: u64) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            let advanced = job.report_progress(file.file_index, bytes)?;
            Ok(if !advanced {
                Reported::Unchanged
            } else if job.job_type() == JobType::Download && job.enforce_download_size() {
                // More bytes than the maximum download size (§16.7).
                Reported::Failed
            } else {
                Reported::Changed
            })
        })
    }

    /// `report-done`: the whole file arrived.
    pub fn report_done(&self, file: FileRef) -> Result<(), ErrorCode> {
        self.report(file, |job, now| {
            job.report_done(file.file_index, now).map(|transferred| {
                if transferred {
                    Reported::Ended(Some(NotifyEvent::Transferred))
                } else {
                    Reported::Ended(None)
                }
            })
        })
    }

    /// `report-failure`: the transfer failed.
    pub fn report_failure(
        &self,
        file: FileRef,
        failure: &TransferFailure,
    ) -> Result<(), ErrorCode> {
        self.report(file, |job, now| {
            job.report_failure(file.file_index, failure, now)
                .map(|fatal| Reported::Ended(fatal.then_some(NotifyEvent::Error)))
        })
    }

    /// `report-failure-detail` (contract §14.1): a failure beyond §8's.
    pub fn report_failure_detail(
        &self,
        file: FileRef,
        detail: &FailureDetail,
    ) -> Result<(), ErrorCode> {
        self.report(file, |job, now| {
            job.report_failure_detail(file.file_index, detail, now)
                .map(|fatal| Reported::Ended(fatal.then_some(NotifyEvent::Error)))
        })
    }

    /// `report-disk-full`: the transfer failed for want of room on the
    /// local disk (issue 21: ERROR_DISK_FULL, not E_ACCESSDENIED).
    pub fn report_disk_full(&self, file: FileRef, why: &str) -> Result<(), ErrorCode> {
        self.report(file, |job, now| {
            job.report_disk_full(file.file_index, why, now)
                .map(|fatal| Reported::Ended(fatal.then_some(NotifyEvent::Error)))
        })
    }

    /// `report-session` (contract §14.2): the upload's session id and its
    /// BITS-Host-Id.
    pub fn report_session(
        &self,
        file: FileRef,
        session_id: &str,
        host_id: Option<&str>,
        fallback: Option<u32>,
    ) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            job.report_session(file.file_index, session_id, host_id, fallback)
                .map(|()| Reported::Changed)
        })
    }

    /// `report-redirected` (contract §15.4): the host followed redirects
    /// to `url` under the ALLOW_REPORT policy; the file's remote name
    /// becomes it (redirects.rs), journaled. A URL it cannot become is
    /// `invalid-argument` and changes nothing.
    pub fn report_redirected(&self, file: FileRef, url: &str) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            job.report_redirected(file.file_index, url).map(|renamed| {
                if renamed {
                    Reported::Changed
                } else {
                    Reported::Unchanged
                }
            })
        })
    }

    /// `report-reply-url` (contract §14.5).
    pub fn report_reply_url(&self, file: FileRef, url: &str) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            job.report_reply_url(file.file_index, url)
                .map(|()| Reported::Changed)
        })
    }

    /// `report-reply-connected` (contract §14.5).
    pub fn report_reply_connected(
        &self,
        file: FileRef,
        size: Option<u64>,
        validator: Option<String>,
        offset: u64,
    ) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            job.report_reply_connected(file.file_index, size, validator, offset)
                .map(|()| Reported::Changed)
        })
    }

    /// `report-reply-progress` (contract §14.5).
    pub fn report_reply_progress(&self, file: FileRef, bytes: u64) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            job.report_reply_progress(file.file_index, bytes)
                .map(|advanced| {
                    if advanced {
                        Reported::Changed
                    } else {
                        Reported::Unchanged
                    }
                })
        })
    }

    /// `report-reply-done` (contract §14.5).
    pub fn report_reply_done(&self, file: FileRef, data: Option<Vec<u8>>) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            job.report_reply_done(file.file_index, data)
                .map(|()| Reported::Changed)
        })
    }

    /// `declare-order-details` (contract §14.1): this instance's host reads
    /// every order's details. Not journaled.
    pub fn declare_order_details(&self) {
        write(&self.0).transfers.declared = true;
    }

    /// `get-order-details` (contract §14.1): what an order in flight needs
    /// beyond §8's; none when `file` is not in flight.
    pub fn order_details(&self, file: FileRef) -> Option<OrderDetails> {
        let inner = read(&self.0);
        let job = read(&inner.find(&file.job)?.0.job);
        let index = job.check_in_flight(file.file_index).ok()?;
        Some(OrderDetails {
            upload: job.job_type().is_upload().then(|| job.upload_details()),
            ranges: job.order_ranges(index),
            dynamic: job.dynamic_content(),
            http: job.http_settings_for(index),
            // The earlier of the no-progress deadline and the maximum
            // download time's end (contract §17.1).
            deadline: [job.no_progress_deadline(), job.download_time_deadline()]
                .into_iter()
                .flatten()
                .min(),
        })
    }

    /// `take-session-cancels` (contract §14.6): the sessions of cancelled
    /// uploads, each returned once.
    pub fn take_session_cancels(&self) -> Vec<SessionCancel> {
        write(&self.0).transfers.session_cancels.drain(..).collect()
    }

    /// `take-secret-ops` (contract §15.2): the secret-store operations due,
    /// in call order, each returned once.
    pub fn take_secret_ops(&self) -> Vec<SecretOp> {
        core::mem::take(&mut write(&self.0).transfers.secret_ops)
    }

    /// `take-notify-commands` (contract §16.1): the notify programs due
    /// now, each handed out once and marked running (journaled, so another
    /// host of the queue does not run it too). No modification stamp, no
    /// notice.
    pub fn take_notify_commands(&self) -> Vec<NotifyCommand> {
        let mut inner = write(&self.0);
        inner.transfers.takes_notify_commands = true;
        let now = inner.now();
        let jobs: Vec<JobRef> = inner.order.iter().flatten().cloned().collect();
        let mut commands = Vec::new();
        for job in jobs {
            let taken = write(&job.0.job).take_notify_run(now);
            if let Some(command) = taken {
                inner.mark(&job);
                commands.push(command);
            }
        }
        commands
    }

    /// `report-command-exit` (contract §16.1): how a run ended; `not-found`
    /// for a job not in the queue, `invalid-state` for a run not running.
    pub fn report_command_exit(
        &self,
        job: Guid,
        event: NotifyEvent,
        exit_code: Option<i32>,
    ) -> Result<(), ErrorCode> {
        let mut inner = write(&self.0);
        let job = inner.find(&job).cloned().ok_or(ErrorCode::NotFound)?;
        let now = inner.now();
        write(&job.0.job).report_command_exit(event, exit_code, now)?;
        inner.mark(&job);
        Ok(())
    }

    /// `report-lost`: the transfer died with its host.
    pub fn report_lost(&self, file: FileRef) -> Result<(), ErrorCode> {
        self.report(file, |job, _| {
            job.report_lost(file.file_index)
                .map(|()| Reported::Ended(None))
        })
    }

    /// `decline`: this instance's host cannot take `file`, whose `start`
    /// this instance ordered (it may not write the local name, or read it
    /// for an upload). The order is undone as `report-lost` undoes one
    /// (the job back to `queued`, its progress kept, no error) and this
    /// instance never orders that file again, so its slot goes to a job it
    /// can take and another instance sharing the queue takes this one.
    /// `invalid-state` for a file this instance did not order.
    pub fn decline(&self, file: FileRef) -> Result<(), ErrorCode> {
        let ordered = {
            let inner = read(&self.0);
            let index = usize::try_from(file.file_index).unwrap_or(usize::MAX);
            inner.find(&file.job).is_some_and(|job| {
                inner
                    .transfers
                    .in_flight
                    .iter()
                    .any(|t| t.job.same_job(job) && t.file == index)
            })
        };
        if !ordered {
            return Err(ErrorCode::InvalidState);
        }
        self.report_lost(file)?;
        write(&self.0).transfers.declined.push(file);
        Ok(())
    }

    /// Runs one report about `file` through `f`: `not-found` for a job not
    /// in the queue; `f` refuses a file not in flight. Then the job was
    /// modified now if anything changed, a transfer that ended frees this
    /// instance's slot, and notices go out.
    fn report(
        &self,
        file: FileRef,
        f: impl FnOnce(&mut Job, Datetime) -> Result<Reported, ErrorCode>,
    ) -> Result<(), ErrorCode> {
        let mut inner = write(&self.0);
        let job = inner.find(&file.job).cloned().ok_or(ErrorCode::NotFound)?;
        let now = inner.now();
        let outcome = f(&mut write(&job.0.job), now)?;
        if outcome == Reported::Unchanged {
            return Ok(());
        }
        write(&job.0.job).touch(now);
        inner.mark(&job);
        if outcome == Reported::Failed {
            inner.transfers.notice(&job, NotifyEvent::Error);
        }
        if let Reported::Ended(event) = outcome {
            let index = usize::try_from(file.file_index).unwrap_or(usize::MAX);
            inner.transfers.forget(&job, index);
            if let Some(event) = event {
                inner.transfers.notice(&job, event);
            }
        }
        inner.transfers.notice(&job, NotifyEvent::Modification);
        Ok(())
    }
}

/// What a report did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reported {
    /// Nothing (progress that brought no new byte).
    Unchanged,
    /// The job changed; its transfer goes on.
    Changed,
    /// The transfer ended; the job entered a state that notifies, or not.
    Ended(Option<NotifyEvent>),
    /// The report put the job in `error` while its transfer is in flight:
    /// the next `poll` issues the `stop` (contract §16.10).
    Failed,
}

impl Reported {
    /// A report that changed the job, or ended it in `error`.
    fn failed_or_changed(failed: bool) -> Reported {
        if failed {
            Reported::Failed
        } else {
            Reported::Changed
        }
    }
}

/// Due retries and passed no-progress deadlines.
fn wake_jobs(inner: &mut Inner, now: Datetime) {
    let jobs: Vec<JobRef> = inner.order.iter().flatten().cloned().collect();
    for job in jobs {
        let woke = write(&job.0.job).wake(now);
        match woke {
            Wake::Nothing => continue,
            Wake::Failed => inner.transfers.notice(&job, NotifyEvent::Error),
            Wake::Requeued => {}
        }
        write(&job.0.job).touch(now);
        inner.transfers.notice(&job, NotifyEvent::Modification);
        inner.mark(&job);
    }
}

/// Ends, with a `stop`, each transfer this instance ordered whose job no
/// longer transfers that file: it left the queue, or changes applied from
/// elsewhere moved it.
fn reconcile(inner: &mut Inner, actions: &mut Vec<Action>) {
    let transfers = &mut inner.transfers;
    let mut kept = Vec::with_capacity(transfers.in_flight.len());
    for transfer in transfers.in_flight.drain(..) {
        let still = transfer.job.is_queued()
            && read(&transfer.job.0.job).in_flight_file() == Some(transfer.file);
        if still {
            kept.push(transfer);
        } else {
            actions.push(Action::Stop(transfer.file_ref()));
        }
    }
    transfers.in_flight = kept;
}

/// Starts what may run now: every queued foreground job, and background
/// jobs into free slots, pre-empting lower priorities when none is free.
fn schedule(inner: &mut Inner, now: Datetime, actions: &mut Vec<Action>) {
    let declared = inner.transfers.declared;
    // A declined file whose job left the queue is forgotten.
    let mut declined = core::mem::take(&mut inner.transfers.declined);
    declined.retain(|file| inner.find(&file.job).is_some());
    let mut queued: Vec<(usize, JobRef)> = inner
        .order
        .iter()
        .enumerate()
        .filter_map(|(at, job)| Some((at, job.clone()?)))
        .filter(|(_, job)| {
            let job = read(&job.0.job);
            // Until its host declares that it reads order details, an
            // instance starts only downloads a §8 order fully describes
            // (contract §14.1).
            let described = declared
                || job.job_type().is_upload()
                || (job.http.is_default()
                    && job.trust.is_default()
                    && !job.dynamic_content()
                    && !job.has_ranges());
            let refused = job.current_file().is_some_and(|index| {
                declined
                    .iter()
                    .any(|f| f.job == job.id() && usize::try_from(f.file_index) == Ok(index))
            });
            job.state() == JobState::Queued && job.current_file().is_some() && described && !refused
        })
        .collect();
    inner.transfers.declined = declined;
    // Foreground jobs take no slot: all of them start, in creation order.
    queued.retain(|(_, job)| {
        let foreground = job.priority() == JobPriority::Foreground;
        if foreground {
            start(inner, job, now, false, actions);
        }
        !foreground
    });
    // Background jobs best first: by priority, then the least recently run
    // (`None`, never, first), then creation order. Picked one at a time
    // rather than sorted: few start per poll, and a sort would cost the
    // component kilobytes.
    while let Some(best) = (0..queued.len()).min_by_key(|&i| {
        let (at, job) = &queued[i];
        let job = read(&job.0.job);
        (rank(job.priority()), job.last_run, *at)
    }) {
        let (_, job) = queued.swap_remove(best);
        if !free_slot(inner, job.priority(), actions) {
            // The best waiting job found no slot: no other can have one.
            break;
        }
        start(inner, &job, now, true, actions);
    }
}

/// Whether a background job of `priority` can have a slot: one is free, or
/// the lowest-priority background transfer ranks below it and is stopped
/// to make room.
fn free_slot(inner: &mut Inner, priority: JobPriority, actions: &mut Vec<Action>) -> bool {
    let transfers = &mut inner.transfers;
    let busy = transfers.in_flight.iter().filter(|t| t.background).count();
    if busy < usize::try_from(transfers.background_slots).unwrap_or(usize::MAX) {
        return true;
    }
    let lowest = transfers
        .in_flight
        .iter()
        .enumerate()
        .filter(|(_, t)| t.background)
        .max_by_key(|(_, t)| rank(t.priority))
        .map(|(at, t)| (at, t.priority));
    match lowest {
        Some((at, lowest)) if rank(lowest) > rank(priority) => {
            let transfer = transfers.in_flight.swap_remove(at);
            write(&transfer.job.0.job).end_transfer();
            let now = inner.now();
            write(&transfer.job.0.job).touch(now);
            inner
                .transfers
                .notice(&transfer.job, NotifyEvent::Modification);
            inner.mark(&transfer.job);
            actions.push(Action::Stop(transfer.file_ref()));
            true
        }
        _ => false,
    }
}

/// Issues `job`'s `start` order: `queued` → `connecting`.
fn start(
    inner: &mut Inner,
    job: &JobRef,
    now: Datetime,
    background: bool,
    actions: &mut Vec<Action>,
) {
    let started = {
        let mut state = write(&job.0.job);
        state
            .begin_transfer(now)
            .map(|index| (index, order(&state, index), state.priority()))
    };
    let Ok((file, order, priority)) = started else {
        return;
    };
    write(&job.0.job).touch(now);
    inner.mark(job);
    inner.transfers.in_flight.push(InFlight {
        job: job.clone(),
        file,
        background,
        priority,
    });
    inner.transfers.notice(job, NotifyEvent::Modification);
    actions.push(Action::Start(order));
}
