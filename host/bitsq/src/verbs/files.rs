//! A job's files: `addfile` and `files`.

use bits_queue_host::{Error, ErrorCode};

use crate::output::say;
use crate::verbs::args::exactly;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};
use crate::views;

/// `addfile JOB REMOTE LOCAL`: a refused name is explained by the rule it
/// breaks.
pub fn addfile(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, remote, local] = exactly(args)?;
    let job = job(call, id)?;
    if let Some(why) = crate::local_name::refusal(local) {
        return Err(Failure::refused_because(
            ErrorCode::InvalidArgument,
            Some(why),
        ));
    }
    match job.add_file(remote, local) {
        Err(Error::Queue(ErrorCode::InvalidArgument)) => {
            return Err(Failure::refused_because(
                ErrorCode::InvalidArgument,
                crate::explain::file(remote, local),
            ));
        }
        other => other?,
    }
    say!("{}: {} file(s)", job.id()?, job.progress()?.files_total);
    Ok(())
}

pub fn files(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    Ok(views::files(&job(call, id)?)?)
}
