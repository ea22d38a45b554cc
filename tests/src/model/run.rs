//! Runs [`Op`]s against the real component and the [`Model`] side by side:
//! every answer must be equal, every GUID a fresh version-4 one, and (when
//! checked) every job's whole state equal. A disagreement is an `Err` that
//! says what differed; a sandbox failure is one too.

use std::fmt::Debug;

use bits_queue_host::{
    Error, ErrorCode, FileInfo, Guid, Job, JobManager, Queue, QueueLimits, Result,
};

use super::ops::{self, GuidPick, JobCall, Op};
use super::spec::Model;

/// A client session: the real queue with its handles, and the model.
pub struct Run {
    queue: Queue,
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

impl Run {
    /// A session on a fresh `queue`.
    pub fn new(queue: Queue) -> std::result::Result<Self, String> {
        let manager = value("job-manager constructor", queue.manager())?;
        Ok(Run {
            queue,
            manager,
            handles: Vec::new(),
            model: Model::new(),
        })
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
        }
    }

    /// Compares the whole state: the queue's jobs in order, the limits, and
    /// every property of the job behind every kept handle.
    pub fn check_state(&self) -> Verdict {
        agree(
            "get-limits",
            value("get-limits", self.queue.limits())?,
            self.model.limits(),
        )?;
        let real: Vec<Guid> = value("enum-jobs", self.manager.jobs())?
            .iter()
            .map(|j| value("get-id", j.id()))
            .collect::<std::result::Result<_, _>>()?;
        let model: Vec<Guid> = self
            .model
            .enum_jobs()
            .iter()
            .map(|&i| self.model.job(i).id)
            .collect();
        agree("enum-jobs", real, model)?;
        for (job, index) in &self.handles {
            let m = self.model.job(*index);
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
                self.model.progress(*index),
            )?;
            agree(
                "enum-files",
                value("enum-files", job.files())?,
                m.files.clone(),
            )?;
        }
        if let Some(dead) = self.queue.dead() {
            return Err(format!("the instance died: {dead}"));
        }
        Ok(())
    }
}
