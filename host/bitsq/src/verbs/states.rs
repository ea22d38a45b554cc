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
    transition(call, args, Job::cancel)?;
    if call.keeps_cancels {
        // The store keeps the cancel once the call is stored; it is sent
        // then (crate::shell), and by any service until it ends.
        return Ok(());
    }
    // A cancelled upload's session is ended on its server now: the
    // component hands the cancel to this instance, which a service in
    // another process never sees (one attempt; a component without the
    // call has none).
    let cancels = call.queue.take_session_cancels().unwrap_or_default();
    for left in bits_queue_service::cancel_sessions_once(cancels) {
        crate::output::tell!(
            "warning: Cancel-Session for {} did not reach {}",
            left.session_id,
            left.target_url
        );
    }
    Ok(())
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
    let job = job(call, id)?;
    change(&job)?;
    say!("{}: {}", job.id()?, job.state()?);
    Ok(())
}
