//! JOB in a verb's words: a GUID, or a display name exactly one job has,
//! as bitsadmin allows.

use bits_queue_host::{Error, ErrorCode, Guid, Job, JobManager};

use crate::output::{Shown, cut};
use crate::verbs::Failure;

/// The job `text` names: its GUID (through `get-job`), or a display name
/// that exactly one job has. A GUID no job has may still be a job's
/// display name.
pub fn job(manager: &JobManager, text: &str) -> Result<Job, Failure> {
    let id = text.parse::<Guid>().ok();
    if let Some(id) = id {
        match manager.get_job(id) {
            Err(Error::Queue(ErrorCode::NotFound)) => {}
            other => return Ok(other?),
        }
    }
    let mut named = Vec::new();
    for job in manager.jobs()? {
        if job.display_name()? == text {
            named.push(job);
        }
    }
    match named.len() {
        1 => Ok(named.remove(0)),
        0 if id.is_some() => Err(Failure::Refused(ErrorCode::NotFound, String::new())),
        0 => Err(Failure::Refused(
            ErrorCode::NotFound,
            format!(
                " (`{}` is neither a GUID nor a job's display name)",
                Shown(&cut(text, 60))
            ),
        )),
        n => {
            let ids: Vec<String> = named
                .iter()
                .map(|j| j.id().map(|id| id.to_string()))
                .collect::<Result<_, _>>()?;
            Err(Failure::Refused(
                ErrorCode::InvalidArgument,
                format!(
                    " ({n} jobs are named `{}`: {}; give a GUID)",
                    Shown(&cut(text, 60)),
                    ids.join(", ")
                ),
            ))
        }
    }
}
