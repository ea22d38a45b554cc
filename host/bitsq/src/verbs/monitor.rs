//! `monitor [--allusers] [SECONDS]`: the caller's jobs (an
//! administrator's: everyone's, with `--allusers`) with their progress,
//! redrawn every second. Each view is one reading call, so the shell's transfer service
//! goes on between them.

use std::io::{self, IsTerminal};
use std::time::{Duration, Instant};

use bits_queue_host::{Job, JobManager, JobState};
use bits_queue_store::PersistError;

use crate::output::{Shown, cut, say};
use crate::shell::{CommandEnd, Ended, Shell};
use crate::verbs::args::positional;
use crate::verbs::{Failure, Flow, find, report};

pub fn monitor(shell: &Shell<'_>, args: &[String]) -> CommandEnd {
    let (all_users, args) = crate::verbs::owners::all_users_flag(args);
    let limit = match positional(&args).as_slice() {
        [] => None,
        [seconds] => match seconds.parse::<u32>() {
            Ok(seconds) => Some(Duration::from_secs(seconds.into())),
            Err(_) => {
                let why = format!(
                    "SECONDS must be a whole number from 0 to {}, not `{}`",
                    crate::input::thousands(u32::MAX.into()),
                    Shown(&cut(seconds, 40))
                );
                return Ok((Flow::Continue, report(find("monitor"), Failure::Bad(why))));
            }
        },
        _ => return Ok((Flow::Continue, report(find("monitor"), Failure::Usage))),
    };
    let owners = shell.backend.owners();
    // Asked once, before any view: a refused --allusers shows nothing.
    if all_users && let Some(owners) = &owners {
        let asked = owners
            .caller()
            .map_err(|e| Failure::Store(e.to_string()))
            .and_then(|caller| crate::verbs::owners::may_list_all(&caller));
        if let Err(failure) = asked {
            return Ok((Flow::Continue, report(find("monitor"), failure)));
        }
    }
    let mut refused = None;
    let watched = watch(shell, limit, |manager| {
        match crate::verbs::owners::listed(owners.as_deref(), manager, all_users) {
            Ok(jobs) => show_jobs(&jobs, all_users),
            Err(Failure::Sandbox(e)) => Err(e),
            Err(failure) => {
                refused = Some(failure);
                Ok(false)
            }
        }
    });
    if let Some(failure) = refused {
        return Ok((Flow::Continue, report(find("monitor"), failure)));
    }
    match watched {
        Ok(()) => Ok((Flow::Continue, Ended::Done)),
        Err(e) => shell.persist_failure(e),
    }
}

/// Redraws the jobs every second: until Ctrl-C on a terminal; with
/// `limit`, until it passes or no job is left that could still move
/// (queued, connecting, transferring, transient-error); once when the
/// output is not a terminal and no limit is given.
fn watch(
    shell: &Shell<'_>,
    limit: Option<Duration>,
    mut view: impl FnMut(&JobManager) -> bits_queue_host::Result<bool>,
) -> Result<(), PersistError> {
    let interactive = io::stdout().is_terminal();
    let until = limit.map(|l| Instant::now() + l);
    let interrupted = crate::interrupt::catch();
    loop {
        let active = shell.backend.read(|queue| {
            if interactive {
                crate::output::raw("\x1b[2J\x1b[H");
            }
            let manager = queue.manager()?;
            view(&manager)
        })?;
        // With a limit, the view also ends when nothing is left to watch.
        let more = match until {
            Some(until) => active && Instant::now() < until,
            None => interactive,
        };
        if !more || interrupted.fired() {
            return Ok(());
        }
        shell.transfers.wake();
        std::thread::sleep(Duration::from_secs(1));
        if interrupted.fired() {
            return Ok(());
        }
    }
}

/// One view of `jobs`; says whether any of them can still move.
fn show_jobs(jobs: &[(Job, Option<String>)], owners: bool) -> bits_queue_host::Result<bool> {
    crate::views::list(jobs, owners)?;
    let mut active = false;
    for (job, _) in jobs {
        let state = job.state()?;
        active |= matches!(
            state,
            JobState::Queued
                | JobState::Connecting
                | JobState::Transferring
                | JobState::TransientError
        );
        let progress = job.progress()?;
        if state != JobState::Suspended && progress.files_total > 0 {
            say!(
                "  {}: {} transferred, file {} of {}",
                job.id()?,
                crate::transfer::bytes(progress.bytes_transferred),
                (progress.files_transferred + 1).min(progress.files_total),
                progress.files_total
            );
        }
    }
    Ok(active)
}
