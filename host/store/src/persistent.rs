//! [`PersistentQueue`]: a queue whose every changing call is stored with
//! its changes in one transaction (contract §11), on the path
//!
//! ```text
//! store: lock, apply what others committed → the call → take-changes,
//! take-file-actions (carried out now) → store: commit → the answer
//! ```
//!
//! A call that traps, or a store write that fails, ends the same way: the
//! instance is dropped and rebuilt from the store, and the caller gets a
//! distinct error, so memory and the store never disagree. Progress
//! reports may be stored coalesced ([`PersistentQueue::report`] with
//! [`ReportKind::Progress`]):
//! a crash then loses at most that long of one file's progress, never a
//! job and never a state change reported to a caller.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bits_queue_host::{
    Action, Change, Error, FileRef, Guid, JobState, NotifyCommand, Queue, QueueOptions, Runtime,
};

use crate::decline::{TakeFilter, poll_declining};
use crate::error::{PersistError, StoreError};
use crate::notify_runs::{end_dead_runs, is_run_lease, run_lease};
use crate::store::Store;

/// Carries out a `commit` or `discard` before the call's changes are
/// stored (a crash in between leaves the job in the store, and the action
/// can be carried out again).
pub type FileActions = Box<dyn Fn(&Action) + Send + Sync>;

/// Carries out a `commit` or `discard` and says whether it could: an
/// `Err` (a `commit` whose rename failed) stores nothing of the call, which
/// fails with [`PersistError::FileActions`] — so a `complete` whose file
/// could not take its local name leaves the job as it was, to be completed
/// again (contract §10: the renames come before the call's changes).
pub type CheckedFileActions = Box<dyn Fn(&Action) -> Result<(), String> + Send + Sync>;

/// What a changing call's changes are: stored with the call, or (progress)
/// at most every so often.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Storing {
    /// The call's changes are stored with it. A call that changed nothing
    /// leaves coalesced changes waiting (their second is not up).
    Now,
    Coalesced,
    /// Store what waits, now.
    Flush,
    /// Ending reports and the `poll` after them, where one host runs the
    /// store ([`PersistentQueue::end_and_poll`]): coalesced like progress
    /// while every job they changed is still in flight (a file of a job
    /// ended and the job's next one started), stored with the call
    /// otherwise (a job `transferred`, in `error`, another job started).
    Settling,
}

/// A lease this host takes or gives up with a call (contract §10: a file
/// is transferred by one host at a time). Stores that one service runs
/// alone keep no leases and ignore these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseChange {
    /// A `start` order for the file was issued to this host.
    Claim(FileRef),
    /// This host's transfer of the file ended (done, failed, lost, stopped).
    Release(FileRef),
}

/// What a report about a transfer does to it, and so how it is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// `report-connected`: stored with the call where hosts share the
    /// store, else coalesced like progress; the transfer goes on.
    Connected,
    /// `report-progress`: may be stored coalesced; the transfer goes on.
    Progress,
    /// `report-done`, `report-failure`, `report-lost`: stored with the
    /// call, and the transfer's lease is given up with it.
    End,
}

/// What a call made inside the store's transaction: its answer, and
/// whether it wrote to the store beside the queue's changes (leases), so
/// the transaction must be committed even without them.
struct Answered<T> {
    answer: Result<T, PersistError>,
    wrote: bool,
}

impl<T> Answered<T> {
    fn of(answer: bits_queue_host::Result<T>) -> Self {
        Answered {
            answer: answer.map_err(PersistError::Queue),
            wrote: false,
        }
    }
}

struct State {
    queue: Queue,
    store: Box<dyn Store>,
    /// The store version this instance has applied.
    seen: u64,
    /// Coalesced changes not stored yet.
    pending: Vec<Change>,
    /// The jobs among `pending` that hold a file's end ([`Storing::Settling`]).
    /// If their pending changes are dropped (another host changed the job,
    /// or a rebuild), memory goes back to the job's stored record, which
    /// still shows the ended file in flight while this host has moved on:
    /// that file is reported lost, so the job is queued again instead of
    /// waiting for a transfer nobody makes.
    pending_ends: HashSet<Guid>,
    /// Changes the instance holds that must be stored with the next call
    /// (the reports of lost files above).
    must_store: bool,
    stored_at: Instant,
    /// The instance may hold changes the store does not (a rebuild after a
    /// failure failed too): the next call rebuilds it before anything.
    stale: bool,
    /// When this host's leases were last renewed, and expired ones looked
    /// for.
    tended_at: Instant,
    /// The jobs whose records the component could not read when the queue
    /// was opened: left out, yet still in the store until
    /// [`PersistentQueue::remove_unreadable`] removes one.
    left_out: Vec<Guid>,
    /// Whether a `poll` may have something to do that the last one did
    /// not: this host made a call since (its own calls queue `stop`
    /// orders and notifications), or applied another host's change that
    /// a poll acts on ([`PersistentQueue::poll_if_due`]).
    poll_due: bool,
}

/// A queue kept in a [`Store`]. `Send + Sync`; calls are serialised.
pub struct PersistentQueue {
    state: Mutex<State>,
    runtime: Runtime,
    options: QueueOptions,
    file_actions: CheckedFileActions,
    coalesce: Duration,
    /// The generation of each lease this host claimed whose transfer has
    /// not been started yet ([`PersistentQueue::take_fence`]).
    fences: Mutex<HashMap<FileRef, u64>>,
    /// Which orders this host can carry out, where hosts share the store.
    may_take: Option<TakeFilter>,
    /// The jobs this host was ordered to `start` a file of and has not
    /// seen end or stop: another host's change to one of them may need a
    /// `stop` here. Kept generously (a stale entry costs one poll).
    ours: Mutex<HashSet<Guid>>,
}

impl PersistentQueue {
    /// Opens the queue `store` keeps: a fresh instance of `runtime` with
    /// every stored record applied. A record the component cannot read is
    /// left out (the others load); each such job is named in the warnings
    /// returned. `file_actions` carries out `commit` and `discard`.
    pub fn open(
        runtime: &Runtime,
        options: QueueOptions,
        store: Box<dyn Store>,
        file_actions: FileActions,
    ) -> Result<(Self, Vec<String>), PersistError> {
        let checked: CheckedFileActions = Box::new(move |action| {
            file_actions(action);
            Ok(())
        });
        Self::open_checked(runtime, options, store, checked)
    }

    /// [`PersistentQueue::open`], with file actions that may fail: a call
    /// whose `commit` or `discard` failed stores nothing and fails with
    /// [`PersistError::FileActions`].
    pub fn open_checked(
        runtime: &Runtime,
        options: QueueOptions,
        mut store: Box<dyn Store>,
        file_actions: CheckedFileActions,
    ) -> Result<(Self, Vec<String>), PersistError> {
        let (queue, seen, warnings, left_out) = restore(runtime, &options, store.as_mut())?;
        let persistent = PersistentQueue {
            state: Mutex::new(State {
                queue,
                store,
                seen,
                pending: Vec::new(),
                pending_ends: HashSet::new(),
                must_store: false,
                stored_at: Instant::now(),
                stale: false,
                tended_at: Instant::now(),
                left_out,
                poll_due: true,
            }),
            runtime: runtime.clone(),
            options,
            file_actions,
            coalesce: Duration::from_secs(1),
            fences: Mutex::new(HashMap::new()),
            may_take: None,
            ours: Mutex::new(HashSet::new()),
        };
        Ok((persistent, warnings))
    }

    /// Where hosts share the store, `poll` declines each `start` that
    /// `may_take` refuses (the `decline` module says why), so another host
    /// takes it. A queue one service runs alone takes every order, and the
    /// host reports a failure for what it cannot carry out.
    pub fn taking_only(mut self, may_take: TakeFilter) -> Self {
        self.may_take = Some(may_take);
        self
    }

    /// Removes from the store the job `id` whose record could not be read
    /// when the queue was opened (it was left out, with a warning): true
    /// if `id` was such a job, false (nothing done) otherwise. The way a
    /// damaged job leaves the queue, as `cancel` (issue 21 case 12).
    pub fn remove_unreadable(&self, id: Guid) -> Result<bool, PersistError> {
        let mut state = self.lock();
        let Some(at) = state.left_out.iter().position(|held| *held == id) else {
            return Ok(false);
        };
        let seen = state.seen;
        let snapshot = state.store.begin(seen)?;
        if let Err(e) = self.catch_up(&mut state, snapshot) {
            state.store.abort();
            return Err(e);
        }
        let mut pending = std::mem::take(&mut state.pending);
        pending.push(Change::Remove(id));
        match state.store.commit(&pending) {
            Ok(version) => {
                state.seen = version;
                state.stored_at = Instant::now();
                state.pending_ends.clear();
                state.left_out.remove(at);
                Ok(true)
            }
            Err(e) => {
                pending.pop();
                state.pending = pending;
                Err(e.into())
            }
        }
    }

    /// Where the queue is kept.
    pub fn location(&self) -> String {
        self.lock().store.location()
    }

    /// One changing call: with the store's lock, after applying what others
    /// committed; its file actions carried out, then its changes stored.
    pub fn change<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        self.call(Storing::Now, |queue, _| Ok(Answered::of(f(queue))))
    }

    /// Ending reports and the `poll` that follows them, as one call, in a
    /// store one host runs alone (no leases; with leases, each report is a
    /// [`PersistentQueue::report`] of its own). While every job the call
    /// changed is still in flight — a file of a job ended and the job's
    /// next file started — its changes are stored coalesced, like
    /// progress: each file was synced before its end was reported, so a
    /// file the store shows transferred is on disk; a crash loses at most
    /// the coalescing second's endings, whose files are fetched again from
    /// the progress stored. A job that left flight (`transferred`,
    /// `error`), or one that started, is stored with the call.
    pub fn end_and_poll<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        let storing = if self.leases_transfers() {
            Storing::Now
        } else {
            Storing::Settling
        };
        self.call(storing, |queue, _| Ok(Answered::of(f(queue))))
    }

    /// A changing call that starts or ends transfers: `leases` says, from
    /// its answer, which leases this host takes or gives up, in the same
    /// transaction (`poll`: a claim for each `start`, a release for each
    /// `stop`).
    pub fn change_leasing<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
        leases: impl FnOnce(&bits_queue_host::Result<T>) -> Vec<LeaseChange>,
    ) -> Result<T, PersistError> {
        self.leasing_call(Calling::Other, f, leases)
    }

    /// [`PersistentQueue::change_leasing`], as a `poll` or not.
    fn leasing_call<T>(
        &self,
        calling: Calling,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
        leases: impl FnOnce(&bits_queue_host::Result<T>) -> Vec<LeaseChange>,
    ) -> Result<T, PersistError> {
        let mut claimed = Vec::new();
        let answer = self.call_as(Storing::Now, calling, |queue, store| {
            let answer = f(queue);
            if let Err(Error::Sandbox(_)) = &answer {
                return Ok(Answered::of(answer));
            }
            let changes = leases(&answer);
            let wrote = match store.leases() {
                Some(held) if !changes.is_empty() => {
                    // Noted while the call holds the queue, so no catch-up
                    // in between misses a change to a job started here.
                    let mut ours = guard(&self.ours);
                    for change in changes {
                        match change {
                            LeaseChange::Claim(file) => {
                                ours.insert(file.job);
                                claimed.push((file, held.claim(file)?));
                            }
                            LeaseChange::Release(file) => {
                                ours.remove(&file.job);
                                held.release(file)?;
                            }
                        }
                    }
                    true
                }
                _ => false,
            };
            Ok(Answered {
                answer: answer.map_err(PersistError::Queue),
                wrote,
            })
        })?;
        // Only claims that were stored carry a token.
        self.fences
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(claimed);
        Ok(answer)
    }

    /// The fencing token of the lease this host claimed for `file` (its
    /// generation, see [`crate::Leases::claim`]), taken once, when the
    /// transfer it was claimed for starts; 0 in a store without leases
    /// (one service runs the queue alone: nothing to fence).
    pub fn take_fence(&self, file: FileRef) -> u64 {
        self.fences
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&file)
            .unwrap_or(0)
    }

    /// `poll` (contract §10), taking the lease of each file it orders this
    /// host to `start` and giving up those it must `stop`, in the same
    /// transaction: no two hosts ever start one file.
    pub fn poll(&self) -> Result<Vec<Action>, PersistError> {
        let leases = |actions: &bits_queue_host::Result<Vec<Action>>| {
            let Ok(actions) = actions else {
                return Vec::new();
            };
            actions
                .iter()
                .filter_map(|action| match action {
                    Action::Start(order) => Some(LeaseChange::Claim(order.file)),
                    Action::Stop(file) => Some(LeaseChange::Release(*file)),
                    _ => None,
                })
                .collect()
        };
        let filter = self.may_take.as_ref().filter(|_| self.leases_transfers());
        self.leasing_call(
            Calling::Poll,
            |q| match filter {
                Some(may_take) => poll_declining(q, may_take),
                None => q.poll(),
            },
            leases,
        )
    }

    /// `poll`, unless a look without the store's lock shows it would do
    /// nothing (`None`: no poll made). Where hosts share the store, every
    /// host is woken by every commit of another, and a poll takes the
    /// queue's lock, which each changing call of every host waits for: an
    /// idle host that polled on each wake halved a busy host's rate (issue
    /// 23, defect 6). So it first catches up with a read of its own (a
    /// snapshot, no lock), and polls only when a poll may act:
    ///
    /// - this host made a call since its last poll (its calls queue `stop`
    ///   orders and notifications that only a poll hands out);
    /// - a change it applied since (here or in any read) made a job
    ///   `queued` (a file to start), or changed or removed a job this host
    ///   transfers (a `stop`), or changed the queue's limits;
    /// - `clock_due`: the caller saw the queue's `next-wake` pass (due
    ///   retries, no-progress deadlines and notify programs are the
    ///   clock's, which only a poll acts on).
    ///
    /// Everything else a poll does is this instance's own (its slots, its
    /// declined files), which only its own calls change. A store one
    /// service runs alone polls every time: no other host waits for it.
    pub fn poll_if_due(&self, clock_due: bool) -> Result<Option<Vec<Action>>, PersistError> {
        if !clock_due && self.leases_transfers() {
            let mut state = self.lock();
            if !state.poll_due {
                self.refresh(&mut state)?;
                let seen = state.seen;
                let snapshot = state.store.since(seen)?;
                self.catch_up(&mut state, snapshot)?;
            }
            if !state.poll_due {
                return Ok(None);
            }
        }
        self.poll().map(Some)
    }

    /// A report about this host's transfer of `file`, made only while this
    /// host holds its lease (else [`PersistError::LeaseLost`], and nothing
    /// is called). An ending report gives the lease up with it; progress
    /// may be stored coalesced.
    pub fn report<T>(
        &self,
        file: FileRef,
        kind: ReportKind,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        let storing = match kind {
            ReportKind::Progress => Storing::Coalesced,
            // Where one host runs the queue, `connected` is stored with
            // what follows it (the file's end, at the latest): a crash
            // before then loses the transfer, which is queued again from
            // the progress stored, with the validator that matches it.
            // Where hosts share the store, it is stored at once.
            ReportKind::Connected if !self.leases_transfers() => Storing::Coalesced,
            ReportKind::Connected | ReportKind::End => Storing::Now,
        };
        let ends = kind == ReportKind::End;
        self.call(storing, |queue, store| {
            let Some(held) = store.leases() else {
                return Ok(Answered::of(f(queue)));
            };
            if !held.holds(file)? {
                return Ok(Answered {
                    answer: Err(PersistError::LeaseLost(file)),
                    wrote: false,
                });
            }
            let answer = f(queue);
            let wrote = ends && !matches!(answer, Err(Error::Sandbox(_)));
            if wrote {
                held.release(file)?;
            }
            if ends && answer.is_ok() {
                guard(&self.ours).remove(&file.job);
            }
            Ok(Answered {
                answer: answer.map_err(PersistError::Queue),
                wrote,
            })
        })
    }

    /// Reports lost the transfers whose host died, and returns them: in a
    /// store with leases, those whose lease ran out (and, `at_start`, those
    /// in flight that no live lease covers); in a store one service runs
    /// alone, at its start, every transfer in flight. They are queued again
    /// with their progress (contract §10–§11).
    pub fn recover_lost(&self, at_start: bool) -> Result<Vec<FileRef>, PersistError> {
        self.call(Storing::Now, |queue, store| {
            let Some(held) = store.leases() else {
                if !at_start {
                    return Ok(Answered::of(Ok(Vec::new())));
                }
                // Notify runs marked running died with the earlier service
                // too (crate::notify_runs).
                let lost = in_flight(queue)
                    .and_then(|files| report_lost(queue, files))
                    .and_then(|lost| end_dead_runs(queue, |_| true).map(|_| lost));
                return Ok(Answered::of(lost));
            };
            // Notify runs' leases apart from transfers' (crate::notify_runs).
            let (runs, mut dead): (Vec<FileRef>, Vec<FileRef>) =
                held.expired()?.into_iter().partition(is_run_lease);
            let mut live_runs = None;
            if at_start {
                let live = held.live()?;
                let files = match in_flight(queue) {
                    Ok(files) => files,
                    Err(e) => return Ok(Answered::of(Err(e))),
                };
                dead.extend(files.into_iter().filter(|f| !live.contains(f)));
                dead.sort_by_key(|f| (f.job, f.file_index));
                dead.dedup();
                live_runs = Some(
                    live.iter()
                        .filter(|f| is_run_lease(f))
                        .map(|f| f.job)
                        .collect::<Vec<_>>(),
                );
            }
            for file in dead.iter().chain(&runs) {
                held.forget(*file)?;
            }
            let wrote = !dead.is_empty() || !runs.is_empty();
            // A run is dead when its lease ran out; at a host's start, also
            // when no live lease covers it (taken by a host of a release
            // that took none).
            let run_dead = |job| {
                runs.iter().any(|f| f.job == job)
                    || live_runs.as_ref().is_some_and(|live| !live.contains(&job))
            };
            let answer = report_lost(queue, dead)
                .and_then(|lost| end_dead_runs(queue, run_dead).map(|_| lost));
            Ok(Answered {
                answer: answer.map_err(PersistError::Queue),
                wrote,
            })
        })
    }

    /// What a transferring host does every turn of its loop: stores
    /// coalesced progress that has waited its second, and, in a store with
    /// leases, every third of a lease's time renews this host's leases and
    /// reports lost the transfers whose lease ran out (returned).
    pub fn tend(&self) -> Result<Vec<FileRef>, PersistError> {
        self.flush_if_due()?;
        let due = {
            let mut guard = self.lock();
            let state = &mut *guard;
            let Some(held) = state.store.leases() else {
                return Ok(Vec::new());
            };
            let due = state.tended_at.elapsed() >= held.duration() / 3;
            if due {
                held.renew()?;
                state.tended_at = Instant::now();
            }
            // Looked for without the queue's lock first (a lease's expiry
            // is a row of its own): a host with no dead peer takes no lock.
            due && !held.expired()?.is_empty()
        };
        if due {
            self.recover_lost(false)
        } else {
            Ok(Vec::new())
        }
    }

    /// The files whose lease this host holds (none in a store without
    /// leases): after the store was out of reach, those a transferring
    /// host has no transfer for are reported lost (a `poll` whose answer
    /// was lost may have taken them).
    pub fn leased_here(&self) -> Result<Vec<FileRef>, PersistError> {
        let mut state = self.lock();
        match state.store.leases() {
            // Transfers only: a notify run's lease is given up by its
            // exit report (crate::notify_runs).
            Some(held) => Ok(held
                .mine()?
                .into_iter()
                .filter(|f| !is_run_lease(f))
                .collect()),
            None => Ok(Vec::new()),
        }
    }

    /// `take-notify-commands` (contract §16.1): the notify programs due,
    /// each marked running; where hosts share the store, this host takes
    /// the lease of each run in the same transaction, and gives it up with
    /// the run's exit report ([`PersistentQueue::report`] of
    /// [`run_lease`]`(job)`, [`ReportKind::End`]), so a run whose host
    /// died is ended by another (crate::notify_runs).
    pub fn take_notify_commands(&self) -> Result<Vec<NotifyCommand>, PersistError> {
        self.call(Storing::Now, |queue, store| {
            let commands = match queue.take_notify_commands() {
                Ok(commands) => commands,
                Err(e) => return Ok(Answered::of(Err(e))),
            };
            let mut wrote = false;
            if let Some(held) = store.leases() {
                for command in &commands {
                    held.claim(run_lease(command.job))?;
                    wrote = true;
                }
            }
            Ok(Answered {
                answer: Ok(commands),
                wrote,
            })
        })
    }

    /// Calls `wake` whenever another host commits to the store, until the
    /// returned watch is dropped (`None`: the store cannot tell).
    pub fn watch(
        &self,
        wake: Box<dyn Fn() + Send>,
    ) -> Result<Option<crate::store::Watch>, PersistError> {
        Ok(self.lock().store.watch(wake)?)
    }

    /// Where the queue's secrets are kept (contract §15.2), if anywhere.
    pub fn secrets(&self) -> Option<std::sync::Arc<dyn crate::Secrets>> {
        self.lock().store.secrets()
    }

    /// Who owns the queue's jobs, and who calls (issue 23), if its store
    /// keeps owners.
    pub fn owners(&self) -> Option<std::sync::Arc<dyn crate::Owners>> {
        self.lock().store.owners()
    }

    /// Where the queue's pending Cancel-Sessions wait (contract §14.6), if
    /// its store keeps them: each changing call's are kept there once the
    /// call is stored, for whichever host sends them.
    pub fn cancels(&self) -> Option<std::sync::Arc<dyn crate::Cancels>> {
        self.lock().store.cancels()
    }

    /// Whether the store is shared by transferring hosts through leases.
    pub fn leases_transfers(&self) -> bool {
        self.lock().store.leases().is_some()
    }

    /// A reading call, after applying what others committed (no lock).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        let mut state = self.lock();
        self.refresh(&mut state)?;
        let seen = state.seen;
        let snapshot = state.store.since(seen)?;
        self.catch_up(&mut state, snapshot)?;
        Ok(f(&state.queue)?)
    }

    /// Stores the coalesced changes now (a service that stops calls this).
    pub fn flush(&self) -> Result<(), PersistError> {
        self.call(Storing::Flush, |_, _| Ok(Answered::of(Ok(()))))
    }

    /// Stores the coalesced changes if they have waited their second: a
    /// transfer that stalls after a burst still has its progress stored.
    pub fn flush_if_due(&self) -> Result<(), PersistError> {
        let due = {
            let state = self.lock();
            !state.pending.is_empty() && state.stored_at.elapsed() >= self.coalesce
        };
        if due { self.flush() } else { Ok(()) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Rebuilds an instance left stale by a failed rebuild.
    fn refresh(&self, state: &mut State) -> Result<(), PersistError> {
        if state.stale {
            self.rebuild(state)?;
        }
        Ok(())
    }

    /// One call in one transaction of the store: lock and catch up, `f`
    /// (the call into the component, and what it writes to the store
    /// beside), the call's file actions, then its changes committed.
    fn call<T>(
        &self,
        storing: Storing,
        f: impl FnOnce(&Queue, &mut dyn Store) -> Result<Answered<T>, StoreError>,
    ) -> Result<T, PersistError> {
        self.call_as(storing, Calling::Other, f)
    }

    /// [`PersistentQueue::call`]; a `poll` that succeeds leaves nothing
    /// due for the next ([`PersistentQueue::poll_if_due`]), any other call
    /// that reaches the component leaves a poll due.
    fn call_as<T>(
        &self,
        storing: Storing,
        calling: Calling,
        f: impl FnOnce(&Queue, &mut dyn Store) -> Result<Answered<T>, StoreError>,
    ) -> Result<T, PersistError> {
        let mut state = self.lock();
        self.refresh(&mut state)?;
        if calling == Calling::Other && storing != Storing::Flush {
            state.poll_due = true;
        }
        let answer = self.call_locked(&mut state, storing, f);
        if calling == Calling::Poll && answer.is_ok() {
            state.poll_due = false;
        }
        answer
    }

    fn call_locked<T>(
        &self,
        state: &mut State,
        storing: Storing,
        f: impl FnOnce(&Queue, &mut dyn Store) -> Result<Answered<T>, StoreError>,
    ) -> Result<T, PersistError> {
        let seen = state.seen;
        let snapshot = state.store.begin(seen)?;
        if let Err(e) = self.catch_up(state, snapshot) {
            state.store.abort();
            return Err(e);
        }
        let outcome = match f(&state.queue, state.store.as_mut()) {
            Ok(outcome) => outcome,
            Err(e) => {
                state.store.abort();
                self.rebuild(state)?;
                return Err(e.into());
            }
        };
        let answer = outcome.answer;
        if let Err(PersistError::Queue(Error::Sandbox(_))) = &answer {
            state.store.abort();
            self.rebuild(state)?;
            return answer;
        }
        let taken = state.queue.take_changes().and_then(|changes| {
            let actions = state.queue.take_file_actions()?;
            Ok((changes, actions))
        });
        let (changes, actions) = match taken {
            Ok(taken) => taken,
            Err(e) => {
                state.store.abort();
                self.rebuild(state)?;
                return Err(e.into());
            }
        };
        // Secrets go to the secret store before the call's changes are
        // stored, like file actions (contract §15.2).
        if let Err(e) = carry_out_secret_ops(&state.queue, state.store.as_ref()) {
            state.store.abort();
            self.rebuild(state)?;
            return Err(e);
        }
        let cancels = match take_session_cancels(&state.queue, state.store.as_ref()) {
            Ok(cancels) => cancels,
            Err(e) => {
                state.store.abort();
                self.rebuild(state)?;
                return Err(e);
            }
        };
        let failed: Vec<String> = actions
            .iter()
            .filter_map(|action| (self.file_actions)(action).err())
            .collect();
        if !failed.is_empty() {
            // The job stays as stored (`transferred`, say): nothing of the
            // call is kept, and it can be made again.
            state.store.abort();
            self.rebuild(state)?;
            return Err(PersistError::FileActions(failed.join("; ")));
        }
        let only_progress = changes.iter().all(|c| matches!(c, Change::Put(_)));
        let changed = !changes.is_empty();
        let fresh = state.stored_at.elapsed() < self.coalesce && !state.must_store;
        let settling = storing == Storing::Settling
            && only_progress
            && fresh
            && actions.is_empty()
            && all_in_flight(&state.queue, &changes);
        if settling {
            state
                .pending_ends
                .extend(changes.iter().filter_map(|c| match c {
                    Change::Put(record) => Some(record.id),
                    _ => None,
                }));
        }
        state.pending.extend(changes);
        let wait = match storing {
            Storing::Coalesced => only_progress && fresh,
            Storing::Settling => settling,
            // A call that changed nothing (a `poll` with nothing to
            // start) does not store what waits before its second is up:
            // it used to, and a transfer's coalesced reports cost a
            // journal sync each (2.3 syncs per file of a job of small
            // files, counted with strace).
            Storing::Now => !changed && fresh,
            Storing::Flush => false,
        };
        if !outcome.wrote && (state.pending.is_empty() || wait) {
            state.store.abort();
            keep_session_cancels(state.store.as_ref(), &cancels);
            return answer;
        }
        let pending = std::mem::take(&mut state.pending);
        // Only a store that hosts share wakes anyone.
        let shared = state.store.leases().is_some();
        let stored = if shared && quiet(&state.queue, &pending) {
            state.store.commit_quiet(&pending)
        } else {
            state.store.commit(&pending)
        };
        match stored {
            Ok(version) => {
                state.seen = version;
                state.stored_at = Instant::now();
                state.pending_ends.clear();
                state.must_store = false;
                forget_secrets_of_removed(state.store.as_ref(), &pending);
                keep_session_cancels(state.store.as_ref(), &cancels);
                answer
            }
            Err(e) => {
                self.rebuild(state)?;
                Err(e.into())
            }
        }
    }

    /// Applies what others committed. Coalesced changes of a job another
    /// host changed are dropped: its record wins, and progress not stored
    /// is reported again as the transfer goes on.
    fn catch_up(&self, state: &mut State, snapshot: crate::Snapshot) -> Result<(), PersistError> {
        if snapshot.reset {
            // Too far behind to catch up change by change (the store pruned
            // removals this host has not seen): start again from what the
            // store holds, as a rebuild does.
            state.pending.clear();
            let ended = std::mem::take(&mut state.pending_ends);
            let location = state.store.location();
            let (queue, seen, _, left_out) =
                restore_from(&self.runtime, &self.options, snapshot, &location)?;
            state.queue = queue;
            state.left_out = left_out;
            state.seen = seen;
            return self.lose_ended(state, ended);
        }
        if snapshot.changes.is_empty() {
            state.seen = snapshot.version.max(state.seen);
            return Ok(());
        }
        let theirs: Vec<bits_queue_host::Guid> = snapshot
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Put(r) => Some(r.id),
                Change::Remove(id) => Some(*id),
                Change::Limits(_) => None,
            })
            .collect();
        state.pending.retain(|c| match c {
            Change::Put(r) => !theirs.contains(&r.id),
            _ => true,
        });
        let ended: HashSet<Guid> = theirs
            .iter()
            .filter(|id| state.pending_ends.remove(id))
            .copied()
            .collect();
        match apply_in_parts(&state.queue, &snapshot.changes) {
            Ok(()) => {
                state.seen = snapshot.version;
                if !state.poll_due {
                    state.poll_due = self.poll_acts_on(&state.queue, &snapshot.changes);
                }
                self.lose_ended(state, ended)
            }
            // A record committed by another host that this component
            // cannot read: start again from the store, leaving it out.
            Err(Error::Queue(_)) | Err(Error::Call(_)) | Err(Error::Sandbox(_)) => {
                self.rebuild(state)?;
                Ok(())
            }
        }
    }

    /// Whether a `poll` may act on `changes` another host committed (just
    /// applied): a job now `queued`, a job this host transfers changed or
    /// removed, new limits. A job that cannot be read is taken to matter.
    fn poll_acts_on(&self, queue: &Queue, changes: &[Change]) -> bool {
        let ours = guard(&self.ours);
        changes.iter().any(|change| match change {
            Change::Put(record) => {
                let state = queue.manager().and_then(|m| m.get_job(record.id)?.state());
                ours.contains(&record.id) || !matches!(state, Ok(s) if s != JobState::Queued)
            }
            Change::Remove(id) => ours.contains(id),
            Change::Limits(_) => true,
        })
    }

    /// Drops the instance and makes a fresh one from the store. If that
    /// fails too (the store is out of reach), the instance is marked stale
    /// and the next call tries again before anything else: memory never
    /// answers with changes the store does not hold.
    fn rebuild(&self, state: &mut State) -> Result<(), PersistError> {
        state.pending.clear();
        state.must_store = false;
        state.stale = true;
        let (queue, seen, _, left_out) =
            restore(&self.runtime, &self.options, state.store.as_mut())?;
        state.queue = queue;
        state.left_out = left_out;
        state.seen = seen;
        state.stale = false;
        // A fresh instance orders nothing yet: the next poll decides.
        state.poll_due = true;
        let ended = std::mem::take(&mut state.pending_ends);
        self.lose_ended(state, ended)
    }

    /// Reports lost the file in flight of each job in `ended`, whose
    /// coalesced end was dropped for the job's stored record (see
    /// `State::pending_ends`); the next call stores the reports.
    fn lose_ended(&self, state: &mut State, ended: HashSet<Guid>) -> Result<(), PersistError> {
        if ended.is_empty() {
            return Ok(());
        }
        let files: Vec<FileRef> = in_flight(&state.queue)?
            .into_iter()
            .filter(|file| ended.contains(&file.job))
            .collect();
        if !report_lost(&state.queue, files)?.is_empty() {
            state.must_store = true;
            state.poll_due = true;
        }
        Ok(())
    }
}

/// Whether no host but this one can act on `changes` now, so other hosts
/// need not be woken for them ([`Store::commit_quiet`]): each is the record
/// of a job that is `suspended` (a job being filled in before its
/// `resume`, the most common commit of a busy client). A suspended job has
/// nothing to start and nothing on the clock (no retry, no deadline, no
/// notify program due); whether another host still transfers it is the
/// store's to check.
fn quiet(queue: &Queue, changes: &[Change]) -> bool {
    every_job_put(queue, changes, |state| state == JobState::Suspended)
}

/// Whether every job `changes` put is in flight (`connecting` or
/// `transferring`): a [`Storing::Settling`] call that may wait.
fn all_in_flight(queue: &Queue, changes: &[Change]) -> bool {
    every_job_put(queue, changes, |state| {
        matches!(state, JobState::Connecting | JobState::Transferring)
    })
}

/// Whether `changes` are only records of jobs whose state now passes
/// `test`. Asked of the component for a short list only: a long one (a
/// catch-up's, a flush's) simply does not pass.
fn every_job_put(queue: &Queue, changes: &[Change], test: impl Fn(JobState) -> bool) -> bool {
    const ASKED: usize = 16;
    !changes.is_empty()
        && changes.len() <= ASKED
        && changes.iter().all(|change| match change {
            Change::Put(record) => queue
                .manager()
                .and_then(|m| m.get_job(record.id)?.state())
                .is_ok_and(&test),
            Change::Remove(_) | Change::Limits(_) => false,
        })
}

/// Whether a call is a `poll` ([`PersistentQueue::poll_if_due`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Calling {
    Poll,
    Other,
}

fn guard<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes the call's secret-store operations and carries them out in the
/// store's secret store. A component built before `take-secret-ops` gives
/// none; a store that keeps no secrets refuses the call.
fn carry_out_secret_ops(queue: &Queue, store: &dyn Store) -> Result<(), PersistError> {
    let ops = match queue.take_secret_ops() {
        Ok(ops) => ops,
        Err(Error::Sandbox(e)) if e.kind() == bits_queue_host::SandboxErrorKind::NotExported => {
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    if ops.is_empty() {
        return Ok(());
    }
    let Some(secrets) = store.secrets() else {
        return Err(StoreError::new(format!(
            "{} keeps no secrets: credentials and write-only custom headers need a \
             queue file or a queue in memory",
            store.location()
        ))
        .into());
    };
    Ok(secrets.apply(&ops)?)
}

/// Takes the call's Cancel-Sessions when the store keeps them (a store
/// that does not leaves them to the host that takes them itself). A
/// component built before `take-session-cancels` gives none.
fn take_session_cancels(
    queue: &Queue,
    store: &dyn Store,
) -> Result<Vec<bits_queue_host::SessionCancel>, PersistError> {
    if store.cancels().is_none() {
        return Ok(Vec::new());
    }
    match queue.take_session_cancels() {
        Ok(cancels) => Ok(cancels),
        Err(Error::Sandbox(e)) if e.kind() == bits_queue_host::SandboxErrorKind::NotExported => {
            Ok(Vec::new())
        }
        Err(e) => Err(e.into()),
    }
}

/// Keeps the call's Cancel-Sessions once the call is stored: a crash in
/// between loses them (the server forgets an idle session in time), while
/// keeping them first could end the session of a job the store still
/// holds. The call was stored: a cancel that cannot be kept does not turn
/// it into a failure (its session is left to the server's own timeout).
fn keep_session_cancels(store: &dyn Store, cancels: &[bits_queue_host::SessionCancel]) {
    if let Some(kept) = store.cancels()
        && !cancels.is_empty()
    {
        let _ = kept.keep(cancels);
    }
}

/// The host forgets a job's secrets once it has stored the job's removal
/// (contract §15.2). A secret that cannot be deleted is left behind in the
/// owner-only store; the job is gone either way.
fn forget_secrets_of_removed(store: &dyn Store, stored: &[Change]) {
    let Some(secrets) = store.secrets() else {
        return;
    };
    for change in stored {
        if let Change::Remove(id) = change {
            let _ = secrets.forget(*id);
        }
    }
}

/// The files the queue shows in flight: the file being transferred of each
/// `connecting` or `transferring` job.
pub fn in_flight(queue: &Queue) -> bits_queue_host::Result<Vec<FileRef>> {
    let mut files = Vec::new();
    for job in queue.manager()?.jobs()? {
        if matches!(job.state()?, JobState::Connecting | JobState::Transferring) {
            let index = job.file_progress()?.iter().position(|f| !f.completed);
            if let Some(index) = index {
                files.push(FileRef {
                    job: job.id()?,
                    file_index: u32::try_from(index).unwrap_or(u32::MAX),
                });
            }
        }
    }
    Ok(files)
}

/// Reports each of `files` lost; a refusal (the job moved meanwhile) is
/// skipped. Returns the files the queue took back.
pub fn report_lost(queue: &Queue, files: Vec<FileRef>) -> bits_queue_host::Result<Vec<FileRef>> {
    let mut lost = Vec::with_capacity(files.len());
    for file in files {
        match queue.report_lost(file) {
            Ok(()) => lost.push(file),
            Err(Error::Queue(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(lost)
}

/// A fresh instance with the store's records applied, the version they
/// bring it to, a warning for each record left out, and the jobs left out.
fn restore(
    runtime: &Runtime,
    options: &QueueOptions,
    store: &mut dyn Store,
) -> Result<(Queue, u64, Vec<String>, Vec<Guid>), PersistError> {
    let snapshot = store.load()?;
    restore_from(runtime, options, snapshot, &store.location())
}

/// A fresh instance with `snapshot` (everything the store at `location`
/// holds) applied; as [`restore`].
fn restore_from(
    runtime: &Runtime,
    options: &QueueOptions,
    snapshot: crate::Snapshot,
    location: &str,
) -> Result<(Queue, u64, Vec<String>, Vec<Guid>), PersistError> {
    let queue = runtime.new_queue_with(options.clone())?;
    let mut warnings = snapshot.unreadable.clone();
    let mut left_out = Vec::new();
    if apply_in_parts(&queue, &snapshot.changes).is_err() {
        // Some record cannot be read: apply them one by one, leaving out
        // (and naming) each that is refused.
        let queue = runtime.new_queue_with(options.clone())?;
        for change in &snapshot.changes {
            if let Err(e) = queue.apply(std::slice::from_ref(change)) {
                let what = match change {
                    Change::Put(r) => {
                        left_out.push(r.id);
                        format!("job {} (`cancel` removes it)", r.id)
                    }
                    Change::Remove(id) => format!("the removal of job {id}"),
                    Change::Limits(_) => "the queue's limits".to_string(),
                };
                warnings.push(format!(
                    "{what} in {location} cannot be read ({e}); it is left out"
                ));
            }
        }
        return Ok((queue, snapshot.version, warnings, left_out));
    }
    Ok((queue, snapshot.version, warnings, left_out))
}

/// Bytes of records passed to the component in one `apply`: well under the
/// host's default argument limit (1 MiB), so a large store loads in a few
/// calls, not one per job.
const APPLY_PART_BYTES: usize = 256 << 10;

/// Applies `changes` in parts of at most [`APPLY_PART_BYTES`] of records.
/// Each part is all or nothing; a part that is refused stops the rest (the
/// callers then start again from the store).
fn apply_in_parts(queue: &Queue, changes: &[Change]) -> bits_queue_host::Result<()> {
    let mut start = 0;
    let mut bytes = 0;
    for (at, change) in changes.iter().enumerate() {
        let size = match change {
            Change::Put(record) => record.bytes.len() + 24,
            _ => 24,
        };
        if bytes + size > APPLY_PART_BYTES && at > start {
            queue.apply(&changes[start..at])?;
            start = at;
            bytes = 0;
        }
        bytes += size;
    }
    queue.apply(&changes[start..])
}
