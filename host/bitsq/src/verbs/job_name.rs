//! JOB in a verb's words: a GUID, or a display name exactly one job has,
//! as bitsadmin allows; either way a job the caller may use (issue 23:
//! another user's job is refused with `E_ACCESSDENIED`, unless the caller
//! is an administrator).

use bits_queue_host::{Error, ErrorCode, Guid, Job};

use crate::output::{Shown, cut};
use crate::verbs::owners::{may_use, usable};
use crate::verbs::{Call, Failure};

/// The job `text` names: its GUID (through `get-job`), or a display name
/// that exactly one of the caller's jobs has (an administrator's: any
/// job's). A GUID no job has may still be a job's display name.
pub fn job(call: &Call<'_>, text: &str) -> Result<Job, Failure> {
    let manager = call.manager;
    let id = text.parse::<Guid>().ok();
    if let Some(id) = id {
        match manager.get_job(id) {
            Err(Error::Queue(ErrorCode::NotFound)) => {}
            Ok(job) => {
                may_use(call, &job)?;
                return Ok(job);
            }
            Err(other) => return Err(other.into()),
        }
    }
    let mut named = Vec::new();
    for job in manager.jobs()? {
        if job.display_name()? == text {
            named.push(job);
        }
    }
    // Another user's job is not found by its name, as it is not listed.
    if !named.is_empty() {
        let keep = usable(call, &named)?;
        let mut keep = keep.into_iter();
        named.retain(|_| keep.next().unwrap_or(false));
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
