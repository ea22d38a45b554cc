//! `resume`, `suspend`, `cancel` and `complete`: a job's state changes.

use std::io::{self, IsTerminal, Write};

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
    send_session_cancels(call);
    Ok(())
}

/// `reset [--force]`: cancels every job the caller may use (bitsadmin's
/// `/Reset`), each as `cancel` does. On a terminal it first asks, naming
/// how many jobs; `--force` (or input that is not a terminal: a script)
/// does not ask.
pub fn reset(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let force = args.first().is_some_and(|a| a == "--force");
    let [] = exactly(&args[usize::from(force)..])?;
    let listed = crate::verbs::owners::listed(call.owners, call.manager, false)?;
    let mut jobs = Vec::new();
    for (job, _) in listed {
        if !job.state()?.is_final() {
            jobs.push(job);
        }
    }
    if jobs.is_empty() {
        say!("no job to cancel");
        return Ok(());
    }
    if !force && io::stdin().is_terminal() && io::stderr().is_terminal() {
        eprint!(
            "cancel {} job(s) and delete their temporary files? [y/N] ",
            jobs.len()
        );
        let _ = io::stderr().flush();
        let mut answer = String::new();
        io::stdin()
            .read_line(&mut answer)
            .map_err(|e| Failure::Bad(format!("no answer read: {e}")))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            return Err(Failure::Bad(
                "reset: not confirmed; no job was cancelled".into(),
            ));
        }
    }
    for job in &jobs {
        job.cancel()?;
        say!("{}: {}", job.id()?, job.state()?);
    }
    send_session_cancels(call);
    Ok(())
}

/// After cancels: a cancelled upload's session is ended on its server.
fn send_session_cancels(call: &Call<'_>) {
    if call.keeps_cancels {
        // The store keeps the cancel once the call is stored; it is sent
        // then (crate::shell), and by any service until it ends.
        return;
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
