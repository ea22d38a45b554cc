//! `bitsq shell`: bitsadmin-like commands, one per line, from a terminal
//! (with a line editor and a prompt) or a pipe (without). A refused
//! command prints the queue's error with its Windows name and HRESULT and
//! the shell goes on; bad syntax prints the verb's usage; a wrong argument
//! is named with the reason. A call that fails in the sandbox (a trap, a
//! limit) changes nothing: the queue is reloaded from its store and the
//! shell goes on; only a queue that cannot be reloaded ends it.

use std::cell::Cell;
use std::io::{self, IsTerminal};

use std::time::Duration;

use bits_queue_host::{
    Datetime, Error, ErrorCode, FileInfo, Guid, Job, JobManager, JobPriority, JobState, JobType,
    Queue, QueueLimits,
};
use std::sync::Arc;

use bits_queue_service::ServiceConfig;
use bits_queue_store::{PersistError, PersistentQueue};

use crate::budget::{self, Grant};
use crate::editor::{Editor, Typed};
use crate::exit::Status;
use crate::input::{self, Next};
use crate::output::{Shown, cut, say, tell};
use crate::shell_transfers::Transfers;
use crate::words;

/// One shell verb: its name, its arguments and what it does.
struct Verb {
    name: &'static str,
    args: &'static str,
    about: &'static str,
}

const VERBS: &[Verb] = &[
    Verb {
        name: "create",
        args: "[--download|--upload|--upload-reply] [--] NAME",
        about: "create a suspended job (a download unless told) and print its GUID",
    },
    Verb {
        name: "list",
        args: "",
        about: "list every job in the queue, oldest first",
    },
    Verb {
        name: "info",
        args: "JOB",
        about: "show every property of a job, and each file's progress",
    },
    Verb {
        name: "addfile",
        args: "JOB REMOTE LOCAL",
        about: "add a file: an http(s):// or file:// URL and an absolute local path",
    },
    Verb {
        name: "files",
        args: "JOB",
        about: "list a job's files",
    },
    Verb {
        name: "setdisplayname",
        args: "JOB VALUE",
        about: "set a job's display name (at most 256 UTF-16 units)",
    },
    Verb {
        name: "setdescription",
        args: "JOB VALUE",
        about: "set a job's description (at most 1,024 UTF-16 units)",
    },
    Verb {
        name: "setpriority",
        args: "JOB foreground|high|normal|low",
        about: "set a job's priority",
    },
    Verb {
        name: "resume",
        args: "JOB",
        about: "queue a job for transfer",
    },
    Verb {
        name: "suspend",
        args: "JOB",
        about: "pause a job",
    },
    Verb {
        name: "cancel",
        args: "JOB",
        about: "cancel a job: it leaves the queue, its temporary files deleted",
    },
    Verb {
        name: "complete",
        args: "JOB",
        about: "acknowledge a job: its files take their local names, it leaves",
    },
    Verb {
        name: "geterror",
        args: "JOB",
        about: "show a job's error: Windows name, HRESULT, context, file",
    },
    Verb {
        name: "gettimes",
        args: "JOB",
        about: "show a job's creation, modification and completion times",
    },
    Verb {
        name: "setminretrydelay",
        args: "JOB SECONDS",
        about: "set the wait after a transient error (at least 5 s)",
    },
    Verb {
        name: "setnoprogresstimeout",
        args: "JOB SECONDS",
        about: "set how long without progress a job may retry (0: no retry)",
    },
    Verb {
        name: "setnotifyflags",
        args: "JOB FLAGS",
        about: "set notifications: 0x1 transferred, 0x2 error, 0x4 off, 0x8 change",
    },
    Verb {
        name: "monitor",
        args: "[SECONDS]",
        about: "show the jobs each second until Ctrl-C, or for SECONDS while any moves",
    },
    Verb {
        name: "limits",
        args: "[MAX_JOBS MAX_FILES]",
        about: "show the queue limits, or set them (each at least 1)",
    },
    Verb {
        name: "help",
        args: "[VERB]",
        about: "list the commands, or explain one",
    },
    Verb {
        name: "quit",
        args: "",
        about: "leave the shell (so does the end of input, or Ctrl-D)",
    },
];

/// Why a command did not run.
enum Failure {
    /// Wrong words: print the verb's usage.
    Usage(&'static Verb),
    /// A verb bitsq does not know (shown cut short).
    Unknown(String),
    /// A wrong argument, found by bitsq before the queue saw it: the
    /// message says which and why.
    Bad(String),
    /// Values the sandbox could not serve (limits over its memory or
    /// handles): refused by bitsq, like the queue's own refusals.
    Unservable(String),
    /// The queue refused: the error code, and what bitsq can tell about
    /// why (empty, or `: reason`, or ` (context)`).
    Refused(ErrorCode, String),
    /// The sandbox failed during the call.
    Sandbox(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Queue(code) => Failure::Refused(code, String::new()),
            other => Failure::Sandbox(other),
        }
    }
}

/// A refusal with bitsq's reason in place of the code's general meaning.
fn refused_because(code: ErrorCode, why: Option<String>) -> Failure {
    Failure::Refused(code, why.map(|why| format!(": {why}")).unwrap_or_default())
}

/// `E_INVALIDARG (0x80070057): the local name must be…`, or with the
/// code's own meaning when bitsq has no better reason.
fn refusal_text(code: ErrorCode, detail: &str) -> String {
    if let Some(why) = detail.strip_prefix(": ") {
        format!("{code} (0x{:08X}): {why}", code.hresult())
    } else {
        format!("{}{detail}", Error::Queue(code))
    }
}

enum Flow {
    Continue,
    Quit,
}

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

/// What the shell's commands work on.
struct Shell<'a> {
    backend: &'a Arc<PersistentQueue>,
    /// The transfer service, if one runs while the shell is open.
    transfers: Transfers,
    /// What the sandbox grants: `limits` refuses what it cannot serve.
    grant: Grant,
    /// Whether a call failed in the sandbox (the shell's exit status).
    sandbox_failed: Cell<bool>,
}

/// Verbs that only read the queue: they take no store lock.
const READING: &[&str] = &[
    "list", "info", "files", "geterror", "gettimes", "monitor", "help", "quit",
];

impl Shell<'_> {
    /// Runs one command as one call on the stored queue, and says how it
    /// went. Only a queue that cannot be reloaded after a sandbox failure
    /// is an error.
    fn command(&self, verb: &str, args: &[String]) -> Result<(Flow, Ended), Error> {
        // A service ended by an earlier failure runs again.
        self.transfers.revive();
        if verb.eq_ignore_ascii_case("monitor") {
            return self.monitor_command(args);
        }
        let reading = READING.iter().any(|r| r.eq_ignore_ascii_case(verb))
            || (verb.eq_ignore_ascii_case("limits") && args.is_empty());
        let grant = self.grant;
        let run = |queue: &Queue| -> bits_queue_host::Result<Result<Flow, Failure>> {
            let manager = queue.manager()?;
            match execute(queue, &manager, grant, verb, args) {
                Err(Failure::Sandbox(e)) => Err(e),
                other => Ok(other),
            }
        };
        // A changing command's lines are shown once its changes are stored.
        let (outcome, lines) = crate::output::hold(|| {
            if reading {
                self.backend.read(run)
            } else {
                self.backend.change(run)
            }
        });
        let outcome = match outcome {
            Ok(outcome) => {
                crate::output::release(&lines);
                outcome
            }
            Err(PersistError::Queue(Error::Queue(code))) => {
                Err(Failure::Refused(code, String::new()))
            }
            Err(PersistError::Queue(e)) => return self.sandbox_failure(e),
            Err(PersistError::Store(e)) => {
                tell!("error: the queue's store failed, nothing was stored: {e}");
                return Ok((Flow::Continue, Ended::Refused));
            }
            // Only transfer reports are made under a lease.
            Err(e @ PersistError::LeaseLost(_)) => {
                eprintln!("error: {e}");
                return Ok((Flow::Continue, Ended::Refused));
            }
        };
        self.transfers.wake();
        Ok(match outcome {
            Ok(flow) => (flow, Ended::Done),
            Err(failure) => (Flow::Continue, report(failure)),
        })
    }

    /// A call failed in the sandbox: its changes were not stored and the
    /// queue was rebuilt from the store. Says so and goes on, unless the
    /// queue could not be rebuilt.
    fn sandbox_failure(&self, e: Error) -> Result<(Flow, Ended), Error> {
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

    fn monitor_command(&self, args: &[String]) -> Result<(Flow, Ended), Error> {
        let usage = || {
            tell!("usage: {}", usage(verb("monitor").expect("listed")));
            Ok((Flow::Continue, Ended::Usage))
        };
        let limit = match positional(args).as_slice() {
            [] => None,
            [seconds] => match seconds.parse::<u32>() {
                Ok(seconds) => Some(Duration::from_secs(seconds.into())),
                Err(_) => {
                    tell!(
                        "error: monitor: SECONDS must be a whole number from 0 to 4,294,967,295, not `{}`",
                        Shown(&cut(seconds, 40))
                    );
                    return Ok((Flow::Continue, Ended::Usage));
                }
            },
            _ => return usage(),
        };
        match self.monitor(limit) {
            Ok(()) => Ok((Flow::Continue, Ended::Done)),
            Err(PersistError::Queue(Error::Queue(code))) => {
                tell!("error: {}", Error::Queue(code));
                Ok((Flow::Continue, Ended::Refused))
            }
            Err(PersistError::Queue(e)) => self.sandbox_failure(e),
            Err(PersistError::Store(e)) => {
                tell!("error: the queue's store failed: {e}");
                Ok((Flow::Continue, Ended::Refused))
            }
            // Only transfer reports are made under a lease.
            Err(e @ PersistError::LeaseLost(_)) => {
                tell!("error: {e}");
                Ok((Flow::Continue, Ended::Refused))
            }
        }
    }

    /// Reads and runs commands until the input ends or `quit`; the exit
    /// status the input alone gives.
    fn read_commands(&self) -> Result<Status, Error> {
        if io::stdin().is_terminal() && io::stdout().is_terminal() {
            match Editor::new() {
                Ok(editor) => return self.read_terminal(editor),
                Err(why) => tell!("bitsq: no line editing ({why}); reading lines as typed"),
            }
        }
        self.read_piped()
    }

    fn read_terminal(&self, mut editor: Editor) -> Result<Status, Error> {
        // Ctrl-C while a command runs must not end the shell (and, for a
        // `memory:` queue, its jobs): at the prompt it cancels the line,
        // and `monitor` ends its view on it.
        let _no_kill = crate::interrupt::catch();
        say!("bitsq shell: `help` lists the commands, `quit` or Ctrl-D leaves.");
        loop {
            match editor.read("bitsq> ") {
                Ok(Typed::Line(line)) => {
                    if let Flow::Quit = self.run_line(&line)? {
                        return Ok(Status::Done);
                    }
                }
                Ok(Typed::Cancelled) => continue,
                Ok(Typed::End) => return Ok(Status::Done),
                Err(why) => {
                    tell!("bitsq: {why}");
                    return Ok(Status::Input);
                }
            }
        }
    }

    /// Lines from a pipe or a file: each error names its line.
    fn read_piped(&self) -> Result<Status, Error> {
        let stdin = io::stdin();
        let mut lines = input::Lines::new(stdin.lock());
        let mut status = Status::Done;
        loop {
            match lines.next_line() {
                Next::End => return Ok(status),
                Next::Stop(why) => {
                    tell!("bitsq: {why}");
                    return Ok(Status::Input);
                }
                Next::Skip(why) => {
                    tell!("error: {why}");
                    status = Status::Input;
                }
                Next::Line(line) => {
                    crate::output::set_error_prefix(Some(format!("line {}: ", lines.number())));
                    let flow = self.run_line(&line);
                    crate::output::set_error_prefix(None);
                    if let Flow::Quit = flow? {
                        return Ok(status);
                    }
                }
            }
        }
    }

    /// Runs one line of the shell.
    fn run_line(&self, line: &str) -> Result<Flow, Error> {
        let words = match words::split(line) {
            Ok(words) => words,
            Err(why) => {
                tell!("error: {why}");
                return Ok(Flow::Continue);
            }
        };
        let Some((verb, args)) = words.split_first() else {
            return Ok(Flow::Continue);
        };
        if verb.starts_with('#') {
            return Ok(Flow::Continue);
        }
        let (flow, _) = self.command(verb, args)?;
        Ok(flow)
    }
}

/// Prints why a command did not run; how it ended.
fn report(failure: Failure) -> Ended {
    match failure {
        Failure::Usage(verb) => {
            tell!("usage: {}", usage(verb));
            Ended::Usage
        }
        Failure::Unknown(name) => {
            tell!(
                "error: unknown command `{}`; `help` lists the commands",
                Shown(&cut(&name, 40))
            );
            Ended::Usage
        }
        Failure::Bad(message) => {
            tell!("error: {message}");
            Ended::Usage
        }
        Failure::Unservable(message) => {
            tell!("error: {message}");
            Ended::Refused
        }
        Failure::Refused(code, detail) => {
            tell!("error: {}", refusal_text(code, &detail));
            Ended::Refused
        }
        Failure::Sandbox(e) => {
            tell!("error: {e}");
            Ended::Failed
        }
    }
}

fn usage(verb: &Verb) -> String {
    if verb.args.is_empty() {
        verb.name.to_string()
    } else {
        format!("{} {}", verb.name, verb.args)
    }
}

fn verb(name: &str) -> Option<&'static Verb> {
    VERBS.iter().find(|v| v.name.eq_ignore_ascii_case(name))
}

/// A verb's words without the first `--`, which ends the options (so a
/// later word, such as a value, may begin with `--`).
fn positional(args: &[String]) -> Vec<&str> {
    let mut words: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Some(at) = words.iter().position(|w| *w == "--") {
        words.remove(at);
    }
    words
}

/// Whether `--help` or `-h` comes before any `--`.
fn asks_help(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--help" || a == "-h")
}

/// A whole number for `what`, from `min` up, or a message saying so.
fn number(verb: &Verb, what: &str, text: &str, min: u32) -> Result<u32, Failure> {
    match text.parse::<u32>() {
        Ok(n) if n >= min => Ok(n),
        Ok(n) => Err(Failure::Bad(format!(
            "{}: {what} must be ≥ {min}, not {n}",
            verb.name
        ))),
        Err(_) => Err(Failure::Bad(format!(
            "{}: {what} must be a whole number from {min} to 4,294,967,295, not `{}`",
            verb.name,
            Shown(&cut(text, 40))
        ))),
    }
}

fn execute(
    queue: &Queue,
    manager: &JobManager,
    grant: Grant,
    name: &str,
    args: &[String],
) -> Result<Flow, Failure> {
    let Some(v) = verb(name) else {
        return Err(Failure::Unknown(name.to_string()));
    };
    if asks_help(args) {
        say!("{}\n    {}", usage(v), v.about);
        return Ok(Flow::Continue);
    }
    if v.name == "create" {
        return create(manager, v, args).map(|()| Flow::Continue);
    }
    let args = positional(args);
    match (v.name, args.as_slice()) {
        ("list", []) => list(manager)?,
        ("info", [id]) => info(&job(manager, id)?)?,
        ("addfile", [id, remote, local]) => {
            let job = job(manager, id)?;
            match job.add_file(remote, local) {
                Err(Error::Queue(ErrorCode::InvalidArgument)) => {
                    return Err(refused_because(
                        ErrorCode::InvalidArgument,
                        crate::explain::file(remote, local),
                    ));
                }
                other => other?,
            }
            say!("{}: {} file(s)", job.id()?, job.progress()?.files_total);
        }
        ("files", [id]) => files(&job(manager, id)?)?,
        ("setdisplayname", [id, value]) => {
            let job = job(manager, id)?;
            match job.set_display_name(value) {
                Err(Error::Queue(
                    code @ (ErrorCode::InvalidArgument | ErrorCode::StringTooLong),
                )) => {
                    return Err(refused_because(code, crate::explain::display_name(value)));
                }
                other => other?,
            }
            say!(
                "{}: display name {}",
                job.id()?,
                Shown(&job.display_name()?)
            );
        }
        ("setdescription", [id, value]) => {
            let job = job(manager, id)?;
            match job.set_description(value) {
                Err(Error::Queue(
                    code @ (ErrorCode::InvalidArgument | ErrorCode::StringTooLong),
                )) => {
                    return Err(refused_because(code, crate::explain::description(value)));
                }
                other => other?,
            }
            say!("{}: description {}", job.id()?, Shown(&job.description()?));
        }
        ("setpriority", [id, value]) => {
            let priority: JobPriority = value.parse().map_err(|_| {
                Failure::Bad(format!(
                    "setpriority: `{}` is not a priority: foreground, high, normal or low",
                    Shown(&cut(value, 40))
                ))
            })?;
            let job = job(manager, id)?;
            job.set_priority(priority)?;
            say!("{}: priority {}", job.id()?, job.priority()?);
        }
        ("resume", [id]) => transition(manager, id, Job::resume)?,
        ("suspend", [id]) => transition(manager, id, Job::suspend)?,
        ("cancel", [id]) => transition(manager, id, Job::cancel)?,
        ("complete", [id]) => transition(manager, id, Job::complete)?,
        ("geterror", [id]) => {
            let job = job(manager, id)?;
            match job.error()? {
                Some(error) => say!("{}", crate::transfer::describe(&error, &job)?),
                None => say!("{}: no error ({})", job.id()?, job.state()?),
            }
        }
        ("gettimes", [id]) => times(&job(manager, id)?)?,
        ("setminretrydelay", [id, seconds]) => {
            let seconds = number(v, "SECONDS", seconds, 0)?;
            let job = job(manager, id)?;
            job.set_minimum_retry_delay(seconds)?;
            say!(
                "{}: minimum retry delay {} s",
                job.id()?,
                job.minimum_retry_delay()?
            );
        }
        ("setnoprogresstimeout", [id, seconds]) => {
            let seconds = number(v, "SECONDS", seconds, 0)?;
            let job = job(manager, id)?;
            job.set_no_progress_timeout(seconds)?;
            say!(
                "{}: no-progress timeout {} s",
                job.id()?,
                job.no_progress_timeout()?
            );
        }
        ("setnotifyflags", [id, flags]) => {
            let flags = parse_flags(flags).ok_or_else(|| {
                Failure::Bad(format!(
                    "setnotifyflags: FLAGS must be a number from 0 to 0xF (0x1 transferred, \
                     0x2 error, 0x4 off, 0x8 change), not `{}`",
                    Shown(&cut(flags, 40))
                ))
            })?;
            let job = job(manager, id)?;
            job.set_notify_flags(flags)?;
            say!("{}: notify flags 0x{:X}", job.id()?, job.notify_flags()?);
        }
        ("limits", []) => print_limits(queue.limits()?),
        ("limits", [jobs, files]) => {
            let max_jobs = number(v, "MAX_JOBS", jobs, 1)?;
            let max_files_per_job = number(v, "MAX_FILES", files, 1)?;
            let limits = QueueLimits {
                max_jobs,
                max_files_per_job,
            };
            if let Some(why) = budget::refusal(limits, grant) {
                return Err(Failure::Unservable(format!(
                    "limits {max_jobs} {max_files_per_job}: {why}; nothing changed"
                )));
            }
            queue.set_limits(limits)?;
            print_limits(queue.limits()?);
        }
        ("help", []) => help(),
        ("help", [name]) => match verb(name) {
            Some(v) => say!("{}\n    {}", usage(v), v.about),
            None => return Err(Failure::Unknown(name.to_string())),
        },
        ("quit", []) => return Ok(Flow::Quit),
        _ => return Err(Failure::Usage(v)),
    }
    Ok(Flow::Continue)
}

/// `create [--download|--upload|--upload-reply] [--] NAME`.
fn create(manager: &JobManager, v: &'static Verb, args: &[String]) -> Result<(), Failure> {
    let mut job_type = JobType::Download;
    let mut rest = args;
    while let Some((first, after)) = rest.split_first() {
        match first.as_str() {
            "--download" => job_type = JobType::Download,
            "--upload" => job_type = JobType::Upload,
            "--upload-reply" => job_type = JobType::UploadReply,
            "--" => {
                rest = after;
                break;
            }
            option if option.starts_with("--") => {
                return Err(Failure::Bad(format!(
                    "create: unknown option `{}`; a name that begins with -- goes after \
                     `--` (create -- --name)",
                    Shown(&cut(option, 40))
                )));
            }
            _ => break,
        }
        rest = after;
    }
    let [name] = rest else {
        return Err(Failure::Usage(v));
    };
    let job = match manager.create_job(name, job_type) {
        Err(Error::Queue(ErrorCode::InvalidArgument)) => {
            return Err(refused_because(
                ErrorCode::InvalidArgument,
                crate::explain::display_name(name),
            ));
        }
        other => other?,
    };
    say!("{}", job.id()?);
    Ok(())
}

/// The job `text` names: its GUID (through `get-job`), or a display name
/// that exactly one job has, as bitsadmin allows. A GUID no job has may
/// still be a job's display name.
fn job(manager: &JobManager, text: &str) -> Result<Job, Failure> {
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

fn transition(
    manager: &JobManager,
    id: &str,
    call: fn(&Job) -> bits_queue_host::Result<()>,
) -> Result<(), Failure> {
    let job = job(manager, id)?;
    call(&job)?;
    say!("{}: {}", job.id()?, job.state()?);
    Ok(())
}

/// `list` fits 80 columns: the GUID, the state, the file count, and as
/// much of the name as is left (`info` shows the rest).
const LIST_WIDTH: usize = 80;

fn list(manager: &JobManager) -> Result<(), Failure> {
    let jobs = manager.jobs()?;
    if jobs.is_empty() {
        say!("no jobs");
        return Ok(());
    }
    let head = format!("{:<38}  {:<15}  {:>5}  ", "GUID", "STATE", "FILES");
    let room = LIST_WIDTH - head.chars().count();
    say!("{head}NAME");
    for job in &jobs {
        let name = crate::output::escape_controls(&job.display_name()?, true);
        say!(
            "{:<38}  {:<15}  {:>5}  {}",
            job.id()?.to_string(),
            job.state()?.to_string(),
            job.progress()?.files_total,
            cut(&name, room)
        );
    }
    say!("{} job(s)", jobs.len());
    Ok(())
}

fn info(job: &Job) -> Result<(), Failure> {
    let progress = job.progress()?;
    let bytes_total = if progress.bytes_total == bits_queue_host::Progress::SIZE_UNKNOWN {
        "unknown".to_string()
    } else {
        progress.bytes_total.to_string()
    };
    say!("guid:         {}", job.id()?);
    say!("display name: {}", Shown(&job.display_name()?));
    say!("description:  {}", Shown(&job.description()?));
    say!("type:         {}", job.job_type()?);
    say!("state:        {}", job.state()?);
    say!("priority:     {}", job.priority()?);
    say!(
        "files:        {} of {} transferred",
        progress.files_transferred,
        progress.files_total
    );
    say!(
        "bytes:        {} of {bytes_total} transferred",
        progress.bytes_transferred
    );
    let files = job.files()?;
    for (index, (file, progress)) in files.iter().zip(job.file_progress()?).enumerate() {
        let total = if progress.bytes_total == bits_queue_host::Progress::SIZE_UNKNOWN {
            "unknown".to_string()
        } else {
            progress.bytes_total.to_string()
        };
        let done = if progress.completed { ", complete" } else { "" };
        say!(
            "file {index}:       {} of {total} bytes{done}: {} -> {}",
            progress.bytes_transferred,
            Shown(&file.remote_name),
            Shown(&file.local_name)
        );
    }
    match job.error()? {
        Some(error) => say!("error:        {}", crate::transfer::describe(&error, job)?),
        None => say!("error:        none"),
    }
    times(job)?;
    say!(
        "retry:        after {} s, no progress for {} s ends it; notify flags 0x{:X}",
        job.minimum_retry_delay()?,
        job.no_progress_timeout()?,
        job.notify_flags()?
    );
    Ok(())
}

/// A job's times, as seconds since the Unix epoch and as a UTC date.
fn times(job: &Job) -> Result<(), Failure> {
    let times = job.times()?;
    say!("created:      {}", date(times.creation));
    say!("modified:     {}", date(times.modification));
    match times.transfer_completion {
        Some(at) => say!("transferred:  {}", date(at)),
        None => say!("transferred:  not yet"),
    }
    Ok(())
}

/// `2026-11-30 08:12:01 UTC`.
fn date(at: Datetime) -> String {
    let days = at.seconds / 86_400;
    let rest = at.seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// `0x8`, `8` or `0b1000`.
fn parse_flags(text: &str) -> Option<u32> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()
    } else {
        text.parse().ok()
    }
}

impl Shell<'_> {
    /// The jobs with their progress, redrawn every second: until Ctrl-C on
    /// a terminal; with `limit`, until it passes or no job is left that
    /// could still move (queued, connecting, transferring,
    /// transient-error); once when the output is not a terminal and no
    /// limit is given. Each view is one reading call, so the service goes
    /// on between them.
    fn monitor(&self, limit: Option<Duration>) -> Result<(), PersistError> {
        let interactive = io::stdout().is_terminal();
        let until = limit.map(|l| std::time::Instant::now() + l);
        let interrupted = crate::interrupt::catch();
        loop {
            let active = self.backend.read(|queue| {
                if interactive {
                    crate::output::raw("\x1b[2J\x1b[H");
                }
                let manager = queue.manager()?;
                show_jobs(&manager)
            })?;
            // With a limit, the view also ends when nothing is left to watch.
            let more = match until {
                Some(until) => active && std::time::Instant::now() < until,
                None => interactive,
            };
            if !more || interrupted.fired() {
                return Ok(());
            }
            self.transfers.wake();
            std::thread::sleep(Duration::from_secs(1));
            if interrupted.fired() {
                return Ok(());
            }
        }
    }
}

/// One view of `monitor`; says whether any job can still move.
fn show_jobs(manager: &JobManager) -> bits_queue_host::Result<bool> {
    if let Err(Failure::Sandbox(e)) = list(manager) {
        return Err(e);
    }
    let mut active = false;
    for job in manager.jobs()? {
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

fn files(job: &Job) -> Result<(), Failure> {
    let files: Vec<FileInfo> = job.files()?;
    for f in &files {
        say!("{} -> {}", Shown(&f.remote_name), Shown(&f.local_name));
    }
    say!("{} file(s)", files.len());
    Ok(())
}

fn print_limits(limits: QueueLimits) {
    say!(
        "max-jobs {}, max-files-per-job {}",
        limits.max_jobs,
        limits.max_files_per_job
    );
}

fn help() {
    say!("Commands. JOB is a GUID (braces optional) or a display name only one job");
    say!("has; quote words with spaces (\"Nightly backup\"); `--` ends options.");
    for v in VERBS {
        say!("  {}", usage(v));
        say!("      {}", v.about);
    }
}
