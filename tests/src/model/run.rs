//! Runs [`Op`]s against the real component and the [`Model`] side by side:
//! every answer must be equal, every GUID a fresh version-4 one, every
//! list of engine actions equal, and (when checked) every job's whole state
//! equal. A disagreement is an `Err` that says what differed; a sandbox
//! failure is one too.

use std::fmt::Debug;
use std::time::Duration;

use bits_queue_host::{
    Datetime, Error, ErrorCode, FileInfo, FileRef, Guid, Job, JobError, JobManager, ManualClock,
    Queue, QueueLimits, QueueOptions, Result, Runtime,
};

use super::ops::{self, Bytes, FilePick, GuidPick, JobCall, Op, Report};
use super::spec::Model;

/// Where every run's clock starts (a nanosecond part, so carries show).
pub const T0: Datetime = Datetime {
    seconds: 1_750_000_000,
    nanoseconds: 999_999_000,
};

/// A session of a client, a transferring host and a clock: the real queue
/// with its handles and manual clock, and the model.
pub struct Run {
    queue: Queue,
    clock: ManualClock,
    manager: JobManager,
    /// Kept handles, each with the model's index of its job.
    handles: Vec<(Job, usize)>,
    model: Model,
}

/// What a comparison found.
pub type Verdict = std::result::Result<(), String>;

/// The queue's answer, or a failure of the sandbox (never expected).
fn queue_answer<T>(
    what: &str,
    r: Result<T>,
) -> std::result::Result<std::result::Result<T, ErrorCode>, String> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(Error::Queue(code)) => Ok(Err(code)),
        Err(Error::Call(call)) => Err(format!(
            "{what}: a call-error from an error-code call: {call}"
        )),
        Err(Error::Sandbox(e)) => Err(format!("{what}: the sandbox failed: {e}")),
    }
}

/// A call that cannot be refused.
fn value<T>(what: &str, r: Result<T>) -> std::result::Result<T, String> {
    r.map_err(|e| format!("{what}: {e}"))
}

fn agree<T: PartialEq + Debug>(what: &str, real: T, model: T) -> Verdict {
    if real == model {
        Ok(())
    } else {
        Err(format!(
            "{what}: the component said {real:?}, the model {model:?}"
        ))
    }
}

fn files(pairs: &[(String, String)]) -> Vec<FileInfo> {
    pairs
        .iter()
        .map(|(remote, local)| FileInfo::new(remote.as_str(), local.as_str()))
        .collect()
}

/// `get-error` as far as it is compared: the description only for being
/// non-empty.
fn error_shape(error: Option<JobError>) -> Option<JobError> {
    error.map(|mut e| {
        e.description = if e.description.is_empty() {
            String::new()
        } else {
            "(non-empty)".into()
        };
        e
    })
}

impl Run {
    /// A session on a fresh instance of `runtime` whose GUIDs come from
    /// `seed` and whose clock stands at [`T0`] until an [`Op::Advance`].
    pub fn new(runtime: &Runtime, seed: u64) -> std::result::Result<Self, String> {
        let clock = ManualClock::at(T0);
        let queue = value(
            "instantiate",
            runtime.new_queue_with(QueueOptions::new().seed(seed).clock(clock.clone())),
        )?;
        let manager = value("job-manager constructor", queue.manager())?;
        Ok(Run {
            queue,
            clock,
            manager,
            handles: Vec::new(),
            model: Model::new(T0),
        })
    }

    /// The model, for tests that look at what it expects.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Sends `op` to both and compares the answers.
    pub fn apply(&mut self, op: &Op) -> Verdict {
        match op {
            Op::CreateJob { name, job_type } => {
                let job_type = ops::job_type(*job_type);
                let real = queue_answer("create-job", self.manager.create_job(name, job_type))?;
                let model = self.model.create_job(name, job_type);
                match (real, model) {
                    (Ok(job), Ok(index)) => {
                        let id = value("get-id", job.id())?;
                        self.model.assign_id(index, id)?;
                        self.handles.push((job, index));
                        Ok(())
                    }
                    (real, model) => agree("create-job", real.map(drop), model.map(drop)),
                }
            }
            Op::GetJob(pick) => {
                let id = self.pick_guid(pick);
                let real = queue_answer("get-job", self.manager.get_job(id))?;
                let model = self.model.get_job(id);
                match (real, model) {
                    (Ok(job), Ok(index)) => {
                        agree("get-job's get-id", value("get-id", job.id())?, id)?;
                        self.handles.push((job, index));
                        Ok(())
                    }
                    (real, model) => agree("get-job", real.map(drop), model.map(drop)),
                }
            }
            Op::EnumJobs => {
                let jobs = value("enum-jobs", self.manager.jobs())?;
                let real: Vec<Guid> = jobs
                    .iter()
                    .map(|j| value("get-id", j.id()))
                    .collect::<std::result::Result<_, _>>()?;
                let indices = self.model.enum_jobs().to_vec();
                let model: Vec<Guid> = indices.iter().map(|&i| self.model.job(i).id).collect();
                agree("enum-jobs", real, model)?;
                self.handles.extend(jobs.into_iter().zip(indices));
                Ok(())
            }
            Op::NewManager => {
                self.manager = value("job-manager constructor", self.queue.manager())?;
                Ok(())
            }
            Op::DropHandle(pick) => {
                if !self.handles.is_empty() {
                    let at = usize::from(*pick) % self.handles.len();
                    self.handles.remove(at);
                }
                Ok(())
            }
            Op::Job { handle, call } => {
                if self.handles.is_empty() {
                    return Ok(());
                }
                let at = usize::from(*handle) % self.handles.len();
                self.job_call(at, call)
            }
            Op::SetLimits {
                max_jobs,
                max_files_per_job,
            } => {
                let limits = QueueLimits {
                    max_jobs: *max_jobs,
                    max_files_per_job: *max_files_per_job,
                };
                let real = queue_answer("set-limits", self.queue.set_limits(limits))?;
                agree("set-limits", real, self.model.set_limits(limits))
            }
            Op::GetLimits => agree(
                "get-limits",
                value("get-limits", self.queue.limits())?,
                self.model.limits(),
            ),
            Op::ParseGuid(text) => {
                let real = queue_answer("parse-guid", self.queue.parse_guid(text))?;
                // The host's native `FromStr` is the guest's own parser; the
                // spec's grammar is checked by the fuzz target and tests.
                match real {
                    Ok(id) => agree(
                        "parse-guid round trip",
                        value("guid-to-string", self.queue.guid_to_string(id))?
                            .trim_matches(['{', '}'])
                            .to_owned(),
                        text.trim_start_matches('{')
                            .trim_end_matches('}')
                            .to_ascii_uppercase(),
                    ),
                    Err(code) => agree("parse-guid", code, ErrorCode::InvalidArgument),
                }
            }
            Op::Poll => {
                let real = value("poll", self.queue.poll())?;
                let model = self.model.poll(&real);
                agree("poll", real, model)
            }
            Op::TakeFileActions => agree(
                "take-file-actions",
                value("take-file-actions", self.queue.take_file_actions())?,
                self.model.take_file_actions(),
            ),
            Op::NextWake => agree(
                "next-wake",
                value("next-wake", self.queue.next_wake())?,
                self.model.next_wake(),
            ),
            Op::SetBackgroundSlots(slots) => agree(
                "set-background-slots",
                queue_answer(
                    "set-background-slots",
                    self.queue.set_background_slots(*slots),
                )?,
                self.model.set_background_slots(*slots),
            ),
            Op::Report { file, report } => self.report(file, report),
            Op::Advance {
                seconds,
                nanoseconds,
            } => {
                let nanoseconds = nanoseconds % 1_000_000_000;
                self.clock
                    .advance(Duration::new(u64::from(*seconds), nanoseconds));
                self.model.advance(u64::from(*seconds), nanoseconds);
                Ok(())
            }
        }
    }

    /// The file a report names.
    fn pick_file(&self, pick: &FilePick) -> FileRef {
        match pick {
            FilePick::InFlight(n) => {
                let flying = self.model.in_flight();
                match flying.get(usize::from(*n) % flying.len().max(1)) {
                    Some(&file) => file,
                    None => FileRef {
                        job: self.model.all_jobs().first().map_or(Guid::NIL, |j| j.id),
                        file_index: 0,
                    },
                }
            }
            FilePick::Any { job, file_index } => FileRef {
                job: self.pick_guid(job),
                file_index: u32::from(*file_index),
            },
        }
    }

    /// A report about one file, to both.
    fn report(&mut self, pick: &FilePick, report: &Report) -> Verdict {
        let file = self.pick_file(pick);
        // What the model knows of the file: bytes so far and known size.
        let known = self
            .model
            .get_job(file.job)
            .ok()
            .and_then(|i| self.model.job(i).transfer.get(file.file_index as usize))
            .map_or((0, None), |f| (f.bytes, f.size));
        match report {
            Report::Connected { size, validator } => {
                let size = size.map(u64::from);
                let validator = validator.map(ops::validator);
                agree(
                    "report-connected",
                    queue_answer(
                        "report-connected",
                        self.queue.report_connected(file, size, validator),
                    )?,
                    self.model.report_connected(file, size, validator),
                )
            }
            Report::Progress(bytes) => {
                let (so_far, size) = known;
                let count = match bytes {
                    Bytes::More(n) => so_far + u64::from(*n),
                    Bytes::Exactly(n) => u64::from(*n),
                    Bytes::Same => so_far,
                    Bytes::Fewer(n) => so_far.saturating_sub(u64::from(*n) + 1),
                    Bytes::Size => size.unwrap_or(so_far + 1),
                    Bytes::PastSize => size.unwrap_or(so_far) + 1,
                };
                agree(
                    "report-progress",
                    queue_answer("report-progress", self.queue.report_progress(file, count))?,
                    self.model.report_progress(file, count),
                )
            }
            Report::Done => agree(
                "report-done",
                queue_answer("report-done", self.queue.report_done(file))?,
                self.model.report_done(file),
            ),
            Report::Failure(failure) => {
                let failure = failure.to_failure();
                agree(
                    "report-failure",
                    queue_answer("report-failure", self.queue.report_failure(file, &failure))?,
                    self.model.report_failure(file, &failure),
                )
            }
            Report::Lost => agree(
                "report-lost",
                queue_answer("report-lost", self.queue.report_lost(file))?,
                self.model.report_lost(file),
            ),
        }
    }

    fn pick_guid(&self, pick: &GuidPick) -> Guid {
        match pick {
            GuidPick::Known(n) => {
                let jobs = self.model.all_jobs();
                if jobs.is_empty() {
                    Guid::NIL
                } else {
                    jobs[usize::from(*n) % jobs.len()].id
                }
            }
            GuidPick::Nil => Guid::NIL,
            GuidPick::Other(bytes) => Guid::from(uuid::Uuid::from_bytes(*bytes)),
        }
    }

    fn job_call(&mut self, at: usize, call: &JobCall) -> Verdict {
        let (job, index) = (&self.handles[at].0, self.handles[at].1);
        let model = &mut self.model;
        let changed = |what: &str, r: Result<()>, m: std::result::Result<(), ErrorCode>| {
            agree(what, queue_answer(what, r)?, m)
        };
        let expected = model.job(index).clone();
        match call {
            JobCall::Id => agree("get-id", value("get-id", job.id())?, expected.id),
            JobCall::Type => agree(
                "get-type",
                value("get-type", job.job_type())?,
                expected.job_type,
            ),
            JobCall::State => agree(
                "get-state",
                value("get-state", job.state())?,
                expected.state,
            ),
            JobCall::DisplayName => agree(
                "get-display-name",
                value("get-display-name", job.display_name())?,
                expected.display_name,
            ),
            JobCall::SetDisplayName(name) => changed(
                "set-display-name",
                job.set_display_name(name),
                model.set_display_name(index, name),
            ),
            JobCall::Description => agree(
                "get-description",
                value("get-description", job.description())?,
                expected.description,
            ),
            JobCall::SetDescription(text) => changed(
                "set-description",
                job.set_description(text),
                model.set_description(index, text),
            ),
            JobCall::Priority => agree(
                "get-priority",
                value("get-priority", job.priority())?,
                expected.priority,
            ),
            JobCall::SetPriority(pick) => changed(
                "set-priority",
                job.set_priority(ops::priority(*pick)),
                model.set_priority(index, ops::priority(*pick)),
            ),
            JobCall::Progress => agree(
                "get-progress",
                value("get-progress", job.progress())?,
                model.progress(index),
            ),
            JobCall::AddFile(remote, local) => changed(
                "add-file",
                job.add_file(remote, local),
                model.add_files(index, &files(&[(remote.clone(), local.clone())])),
            ),
            JobCall::AddFileSet(pairs) => changed(
                "add-file-set",
                job.add_file_set(&files(pairs)),
                model.add_files(index, &files(pairs)),
            ),
            JobCall::Files => agree(
                "enum-files",
                value("enum-files", job.files())?,
                expected.files,
            ),
            JobCall::Suspend => changed("suspend", job.suspend(), model.suspend(index)),
            JobCall::Resume => changed("resume", job.resume(), model.resume(index)),
            JobCall::Cancel => changed("cancel", job.cancel(), model.cancel(index)),
            JobCall::Complete => changed("complete", job.complete(), model.complete(index)),
            JobCall::Times => agree(
                "get-times",
                value("get-times", job.times())?,
                expected.times,
            ),
            JobCall::Error => agree(
                "get-error",
                error_shape(value("get-error", job.error())?),
                error_shape(expected.visible_error()),
            ),
            JobCall::FileProgress => agree(
                "get-file-progress",
                value("get-file-progress", job.file_progress())?,
                expected.file_progress(),
            ),
            JobCall::MinimumRetryDelay => agree(
                "get-minimum-retry-delay",
                value("get-minimum-retry-delay", job.minimum_retry_delay())?,
                expected.minimum_retry_delay,
            ),
            JobCall::SetMinimumRetryDelay(seconds) => changed(
                "set-minimum-retry-delay",
                job.set_minimum_retry_delay(*seconds),
                model.set_minimum_retry_delay(index, *seconds),
            ),
            JobCall::NoProgressTimeout => agree(
                "get-no-progress-timeout",
                value("get-no-progress-timeout", job.no_progress_timeout())?,
                expected.no_progress_timeout,
            ),
            JobCall::SetNoProgressTimeout(seconds) => changed(
                "set-no-progress-timeout",
                job.set_no_progress_timeout(*seconds),
                model.set_no_progress_timeout(index, *seconds),
            ),
            JobCall::NotifyFlags => agree(
                "get-notify-flags",
                value("get-notify-flags", job.notify_flags())?,
                expected.notify_flags,
            ),
            JobCall::SetNotifyFlags(flags) => changed(
                "set-notify-flags",
                job.set_notify_flags(*flags),
                model.set_notify_flags(index, *flags),
            ),
        }
    }

    /// Compares the whole state: the queue's jobs in order, the limits, the
    /// next wake, and every property of the job behind every kept handle.
    pub fn check_state(&self) -> Verdict {
        agree(
            "get-limits",
            value("get-limits", self.queue.limits())?,
            self.model.limits(),
        )?;
        agree(
            "next-wake",
            value("next-wake", self.queue.next_wake())?,
            self.model.next_wake(),
        )?;
        let queued = value("enum-jobs", self.manager.jobs())?;
        let real: Vec<Guid> = queued
            .iter()
            .map(|j| value("get-id", j.id()))
            .collect::<std::result::Result<_, _>>()?;
        let indices = self.model.enum_jobs();
        let model: Vec<Guid> = indices.iter().map(|&i| self.model.job(i).id).collect();
        agree("enum-jobs", real, model)?;
        // Every job in the queue, and every job behind a kept handle (which
        // may have left the queue).
        for (job, &index) in queued.iter().zip(indices) {
            self.check_job(job, index)?;
        }
        for (job, index) in &self.handles {
            self.check_job(job, *index)?;
        }
        if let Some(dead) = self.queue.dead() {
            return Err(format!("the instance died: {dead}"));
        }
        Ok(())
    }

    /// Compares every property of one job.
    fn check_job(&self, job: &Job, index: usize) -> Verdict {
        let m = self.model.job(index);
        agree("get-id", value("get-id", job.id())?, m.id)?;
        agree("get-type", value("get-type", job.job_type())?, m.job_type)?;
        agree("get-state", value("get-state", job.state())?, m.state)?;
        agree(
            "get-display-name",
            value("get-display-name", job.display_name())?,
            m.display_name.clone(),
        )?;
        agree(
            "get-description",
            value("get-description", job.description())?,
            m.description.clone(),
        )?;
        agree(
            "get-priority",
            value("get-priority", job.priority())?,
            m.priority,
        )?;
        agree(
            "get-progress",
            value("get-progress", job.progress())?,
            self.model.progress(index),
        )?;
        agree(
            "enum-files",
            value("enum-files", job.files())?,
            m.files.clone(),
        )?;
        agree(
            "get-file-progress",
            value("get-file-progress", job.file_progress())?,
            m.file_progress(),
        )?;
        agree("get-times", value("get-times", job.times())?, m.times)?;
        agree(
            "get-error",
            error_shape(value("get-error", job.error())?),
            error_shape(m.visible_error()),
        )?;
        agree(
            "get-minimum-retry-delay",
            value("get-minimum-retry-delay", job.minimum_retry_delay())?,
            m.minimum_retry_delay,
        )?;
        agree(
            "get-no-progress-timeout",
            value("get-no-progress-timeout", job.no_progress_timeout())?,
            m.no_progress_timeout,
        )?;
        agree(
            "get-notify-flags",
            value("get-notify-flags", job.notify_flags())?,
            m.notify_flags,
        )
    }
}
