//! `bitsq shell` and the one-shot verbs: each command runs one verb of the
//! table (`verbs`) on the stored queue. A refused command prints the
//! queue's error with its Windows name and HRESULT and the shell goes on;
//! bad syntax prints the verb's usage; a wrong argument is named with the
//! reason. A call that fails in the sandbox (a trap, a limit) changes
//! nothing: the queue is reloaded from its store and the shell goes on;
//! only a queue that cannot be reloaded ends it.

mod read;
mod transfers;

use std::cell::Cell;
use std::sync::Arc;

use bits_queue_host::{Error, Queue};
use bits_queue_service::ServiceConfig;
use bits_queue_store::{PersistError, PersistentQueue};

use crate::budget::Grant;
use crate::exit::Status;
use crate::output::tell;
use crate::verbs::{self, Action, Call, Failure, Flow, Verb};

pub use transfers::Transfers;

/// How one command ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It ran.
    Done,
    /// The queue refused it, or its store failed; nothing changed.
    Refused,
    /// Its words were wrong.
    Usage,
    /// It failed in the sandbox; nothing changed, the queue was reloaded.
    Failed,
}

impl From<Ended> for Status {
    fn from(ended: Ended) -> Self {
        match ended {
            Ended::Done => Status::Done,
            Ended::Refused | Ended::Failed => Status::Failed,
            Ended::Usage => Status::Usage,
        }
    }
}

/// How a command ended, and whether the shell goes on; an error only
/// when the queue cannot be reloaded after a sandbox failure.
pub type CommandEnd = Result<(Flow, Ended), Error>;

/// Runs the shell on standard input until it ends or `quit`, on the
/// queue `backend` keeps: every command is one call, stored with its
/// changes. With a service configuration, a transfer service runs while
/// the shell is open, so resumed jobs really transfer.
pub fn run(
    backend: &Arc<PersistentQueue>,
    grant: Grant,
    transfers: Option<ServiceConfig>,
) -> Status {
    let transfers = match transfers {
        Some(config) => match Transfers::start(backend, config) {
            Ok(transfers) => transfers,
            Err(e) => {
                tell!("bitsq: {e}");
                return Status::Component;
            }
        },
        None => Transfers::none(backend),
    };
    let shell = Shell {
        backend,
        transfers,
        grant,
        sandbox_failed: Cell::new(false),
    };
    let outcome = shell.read_commands();
    let sandbox_failed = shell.sandbox_failed.get();
    shell.transfers.stop();
    let status = match outcome {
        Ok(status) => status,
        Err(e) => {
            tell!("bitsq: {e}; the shell cannot go on");
            return Status::Failed;
        }
    };
    if sandbox_failed {
        Status::Failed
    } else {
        status
    }
}

/// Runs one command, as `bitsq VERB ARGS…` does: on the stored queue, with
/// its file actions carried out before it returns.
pub fn one_shot(backend: &Arc<PersistentQueue>, grant: Grant, words: &[String]) -> Status {
    let Some((verb, args)) = words.split_first() else {
        return Status::Usage;
    };
    let shell = Shell {
        backend,
        transfers: Transfers::none(backend),
        grant,
        sandbox_failed: Cell::new(false),
    };
    match shell.command(verb, args) {
        Ok((_, ended)) => ended.into(),
        Err(e) => {
            tell!("bitsq: {e}");
            Status::Failed
        }
    }
}

/// Runs a one-shot command that needs no queue, if it is one: an unknown
/// verb, a verb's `--help`, `help` or `quit`. `None`: it needs the queue.
pub fn without_queue(words: &[String]) -> Option<Status> {
    let (name, args) = words.split_first()?;
    let Some(verb) = verbs::find(name) else {
        return Some(verbs::report(None, Failure::Unknown(name.clone())).into());
    };
    if verbs::asks_help(args) {
        verbs::verb_help(verb);
        return Some(Status::Done);
    }
    match verb.action {
        Action::Alone(run) => Some(finish(verb, run(args)).1.into()),
        Action::Call(_) | Action::Shell(_) | Action::Location(_) => None,
    }
}

/// What the shell's commands work on.
pub struct Shell<'a> {
    pub backend: &'a Arc<PersistentQueue>,
    /// The transfer service, if one runs while the shell is open.
    pub transfers: Transfers,
    /// What the sandbox grants: `limits` refuses what it cannot serve.
    grant: Grant,
    /// Whether a call failed in the sandbox (the shell's exit status).
    sandbox_failed: Cell<bool>,
}

/// How a verb's outcome ends the command: a failure is reported.
fn finish(verb: &Verb, outcome: Result<Flow, Failure>) -> (Flow, Ended) {
    match outcome {
        Ok(flow) => (flow, Ended::Done),
        Err(failure) => (Flow::Continue, verbs::report(Some(verb), failure)),
    }
}

impl Shell<'_> {
    /// Runs one command, and says how it went. Only a queue that cannot
    /// be reloaded after a sandbox failure is an error.
    fn command(&self, name: &str, args: &[String]) -> CommandEnd {
        // A service ended by an earlier failure runs again.
        self.transfers.revive();
        let Some(verb) = verbs::find(name) else {
            let ended = verbs::report(None, Failure::Unknown(name.to_string()));
            return Ok((Flow::Continue, ended));
        };
        if verbs::asks_help(args) {
            verbs::verb_help(verb);
            return Ok((Flow::Continue, Ended::Done));
        }
        match verb.action {
            Action::Alone(run) => Ok(finish(verb, run(args))),
            Action::Shell(run) => run(self, args),
            Action::Call(run) => self.call(verb, run, args),
            Action::Location(_) => {
                tell!(
                    "error: {}: run it as a command of its own (`bitsq {}`), not in the shell",
                    verb.name,
                    verb.usage()
                );
                Ok((Flow::Continue, Ended::Usage))
            }
        }
    }

    /// Sends the Cancel-Sessions the store keeps (a cancelled upload's
    /// open session, contract §14.6) once, now that the cancel is stored;
    /// those that do not end yet stay kept for `bitsq service`.
    fn send_kept_cancels(&self) {
        let Some(kept) = self.backend.cancels() else {
            return;
        };
        for left in bits_queue_service::send_kept_cancels_once(kept.as_ref()) {
            tell!(
                "warning: Cancel-Session for {} did not reach {}; kept for `bitsq service` to send again",
                left.session_id,
                left.target_url
            );
        }
    }

    /// Runs a verb as one call on the stored queue: a reading call, or a
    /// changing one whose lines are shown once its changes are stored.
    fn call(
        &self,
        verb: &Verb,
        run: fn(&Call<'_>, &[String]) -> Result<(), Failure>,
        args: &[String],
    ) -> CommandEnd {
        let grant = self.grant;
        let secrets = self.backend.secrets();
        let keeps_cancels = self.backend.cancels().is_some();
        let owners = self.backend.owners();
        let in_call = |queue: &Queue| -> bits_queue_host::Result<Result<(), Failure>> {
            let manager = queue.manager()?;
            let call = Call {
                queue,
                manager: &manager,
                grant,
                secrets: secrets.as_deref(),
                keeps_cancels,
                owners: owners.as_deref(),
            };
            match run(&call, args) {
                Err(Failure::Sandbox(e)) => Err(e),
                other => Ok(other),
            }
        };
        let (outcome, lines) = crate::output::hold(|| {
            if verb.reads(args) {
                self.backend.read(in_call)
            } else {
                self.backend.change(in_call)
            }
        });
        let outcome = match outcome {
            Ok(outcome) => {
                if outcome.is_ok() && !verb.reads(args) {
                    // Stored: from here on, output that cannot be written
                    // is a distinct exit status (README, exit statuses).
                    crate::output::mark_changed();
                }
                crate::output::release(&lines);
                if outcome.is_ok() && verb.name == "cancel" {
                    self.send_kept_cancels();
                }
                outcome
            }
            Err(e) => return self.persist_failure(e),
        };
        let outcome = match outcome {
            Err(Failure::Refused(bits_queue_host::ErrorCode::NotFound, detail))
                if verb.name == "cancel" =>
            {
                match self.cancel_unreadable(args) {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(Failure::Refused(
                        bits_queue_host::ErrorCode::NotFound,
                        detail,
                    )),
                    Err(e) => return self.persist_failure(e),
                }
            }
            other => other,
        };
        self.transfers.wake();
        Ok(finish(verb, outcome.map(|()| Flow::Continue)))
    }

    /// `cancel GUID` of a job the queue left out because its record could
    /// not be read (issue 21 case 12): its row is removed from the store,
    /// and said. False when GUID names no such job.
    fn cancel_unreadable(&self, args: &[String]) -> Result<bool, PersistError> {
        let Some(id) = args.first().and_then(|text| text.parse().ok()) else {
            return Ok(false);
        };
        let removed = self.backend.remove_unreadable(id)?;
        if removed {
            crate::output::mark_changed();
            crate::output::say!("{id}: removed (its record could not be read)");
        }
        Ok(removed)
    }

    /// A call on the stored queue failed: the queue refused it, its store
    /// failed (nothing was stored), or it failed in the sandbox.
    pub fn persist_failure(&self, e: PersistError) -> CommandEnd {
        match e {
            PersistError::Queue(Error::Queue(code)) => {
                tell!("error: {}", Error::Queue(code));
                Ok((Flow::Continue, Ended::Refused))
            }
            PersistError::Queue(e) => self.sandbox_failure(e),
            PersistError::Store(e) => {
                tell!("error: the queue's store failed, nothing was stored: {e}");
                Ok((Flow::Continue, Ended::Refused))
            }
            // Only transfer reports are made under a lease.
            e @ PersistError::LeaseLost(_) => {
                tell!("error: {e}");
                Ok((Flow::Continue, Ended::Refused))
            }
            // A `complete` whose file could not take its local name: the
            // job is as it was (`transferred`), and `complete` can be
            // called again (README, "When complete cannot rename").
            PersistError::FileActions(why) => {
                tell!("error: {why}; the command changed nothing, run it again once fixed");
                Ok((Flow::Continue, Ended::Refused))
            }
        }
    }

    /// A call failed in the sandbox: its changes were not stored and the
    /// queue was rebuilt from the store. Says so and goes on, unless the
    /// queue could not be rebuilt.
    fn sandbox_failure(&self, e: Error) -> CommandEnd {
        let kills = e
            .sandbox()
            .is_some_and(bits_queue_host::SandboxError::kills_instance);
        if !kills {
            // Refused before any guest code ran (an argument too large, a
            // function this component lacks): a refusal of this command.
            tell!("error: {e}; nothing changed");
            return Ok((Flow::Continue, Ended::Refused));
        }
        // A changing call's failure rebuilt the queue from the store; a
        // reading call's left the dead instance, and the store rebuilds
        // it on the next call that stores (this one stores nothing).
        if !matches!(self.backend.read(|queue| Ok(queue.dead())), Ok(None)) {
            let _ = self.backend.flush();
        }
        match self.backend.read(|queue| Ok(queue.dead())) {
            Ok(None) => {
                tell!("error: {e}; the command changed nothing (the queue was reloaded)");
                self.sandbox_failed.set(true);
                self.transfers.revive();
                Ok((Flow::Continue, Ended::Failed))
            }
            _ => Err(e),
        }
    }
}
