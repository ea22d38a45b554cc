//! `resume`, `suspend`, `cancel` and `complete`: a job's state changes.

use bits_queue_host::Job;

use crate::output::say;
use crate::verbs::args::exactly;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

pub fn resume(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    transition(call, args, Job::resume)
}

pub fn suspend(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    transition(call, args, Job::suspend)
}

pub fn cancel(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    transition(call, args, Job::cancel)
}

pub fn complete(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    transition(call, args, Job::complete)
}

/// Moves the job `JOB` names with `change`, and prints its new state.
fn transition(
    call: &Call<'_>,
    args: &[String],
    change: fn(&Job) -> bits_queue_host::Result<()>,
) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call.manager, id)?;
    change(&job)?;
    say!("{}: {}", job.id()?, job.state()?);
    Ok(())
}
