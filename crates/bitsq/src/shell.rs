//! `bitsq shell`: bitsadmin-like commands, one per line, from a terminal
//! (with a prompt) or a pipe (without). A refused command prints the queue's
//! error with its Windows name and HRESULT and the shell goes on; bad syntax
//! prints the verb's usage. Only a sandbox failure ends the shell early.

use std::io::{self, BufRead, IsTerminal, Write};

use std::time::Duration;

use bits_queue_host::{
    Datetime, Error, ErrorCode, FileInfo, Guid, Job, JobManager, JobPriority, JobState, JobType,
    Queue, QueueLimits,
};
use std::sync::Arc;

use bits_queue_service::{ServiceConfig, ServiceError, TransferService};
use bits_queue_store::{PersistError, PersistentQueue};

use crate::output::say;
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
        args: "[--upload|--upload-reply] NAME",
        about: "create a suspended job (download unless told) and print its GUID",
    },
    Verb {
        name: "list",
        args: "",
        about: "list the queued jobs in creation order",
    },
    Verb {
        name: "info",
        args: "GUID",
        about: "show every property of a job",
    },
    Verb {
        name: "addfile",
        args: "GUID REMOTE LOCAL",
        about: "add a file: an http(s):// or file:// URL and an absolute local path",
    },
    Verb {
        name: "files",
        args: "GUID",
        about: "list a job's files",
    },
    Verb {
        name: "setdisplayname",
        args: "GUID VALUE",
        about: "set a job's display name (at most 256 UTF-16 units)",
    },
    Verb {
        name: "setdescription",
        args: "GUID VALUE",
        about: "set a job's description (at most 1,024 UTF-16 units)",
    },
    Verb {
        name: "setpriority",
        args: "GUID foreground|high|normal|low",
        about: "set a job's priority",
    },
    Verb {
        name: "resume",
        args: "GUID",
        about: "queue a job for transfer",
    },
    Verb {
        name: "suspend",
        args: "GUID",
        about: "pause a job",
    },
    Verb {
        name: "cancel",
        args: "GUID",
        about: "cancel a job: it leaves the queue",
    },
    Verb {
        name: "complete",
        args: "GUID",
        about: "acknowledge a job: it leaves the queue",
    },
    Verb {
        name: "geterror",
        args: "GUID",
        about: "show a job's error: Windows name, HRESULT, context, file",
    },
    Verb {
        name: "gettimes",
        args: "GUID",
        about: "show a job's creation, modification and completion times",
    },
    Verb {
        name: "setminretrydelay",
        args: "GUID SECONDS",
        about: "set the wait after a transient error (at least 5 s)",
    },
    Verb {
        name: "setnoprogresstimeout",
        args: "GUID SECONDS",
        about: "set how long without progress a job may retry (0: no retry)",
    },
    Verb {
        name: "setnotifyflags",
        args: "GUID FLAGS",
        about: "set notifications: 0x1 transferred, 0x2 error, 0x4 off, 0x8 change",
    },
    Verb {
        name: "monitor",
        args: "[SECONDS]",
        about: "show the jobs each second until Ctrl-C, or up to SECONDS while any moves",
    },
    Verb {
        name: "limits",
        args: "[MAX_JOBS MAX_FILES]",
        about: "show the queue limits, or set them",
    },
    Verb {
        name: "help",
        args: "[VERB]",
        about: "list the commands, or explain one",
    },
    Verb {
        name: "quit",
        args: "",
        about: "leave the shell (so does the end of input)",
    },
];

/// Why a command did not run.
enum Failure {
    /// Bad syntax: print the verb's usage.
    Usage(&'static Verb),
    /// The queue refused (or a GUID did not parse): print the error.
    Refused(ErrorCode, String),
    /// The sandbox failed: the shell cannot go on.
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

enum Flow {
    Continue,
    Quit,
}

/// Runs the shell on standard input until it ends or `quit`, on the
/// queue `backend` keeps: every command is one call, stored with its
/// changes. With a service configuration, a transfer service runs while
/// the shell is open, so resumed jobs really transfer.
pub fn run(backend: &Arc<PersistentQueue>, transfers: Option<ServiceConfig>) -> Result<(), Error> {
    let service = match transfers {
        Some(config) => match TransferService::start(backend.clone(), config) {
            Ok(service) => Some(service),
            Err(ServiceError::Queue(e)) => return Err(e),
            Err(e) => {
                eprintln!("bitsq: transfers are off: {e}");
                None
            }
        },
        None => None,
    };
    let shell = Shell {
        backend,
        service: service.as_ref(),
    };
    let outcome = shell.read_commands();
    if let Some(service) = service
        && let Err(e) = service.stop()
    {
        eprintln!("bitsq: the transfer service failed: {e}");
    }
    outcome
}

/// How one command ended, for a one-shot `bitsq VERB …`.
pub enum Ended {
    /// It ran.
    Done,
    /// The queue refused it, or its store failed.
    Refused,
    /// Its words were wrong.
    Usage,
}

/// Runs one command, as `bitsq VERB ARGS…` does: on the stored queue, with
/// its file actions carried out before it returns.
pub fn one_shot(backend: &Arc<PersistentQueue>, words: &[String]) -> Result<Ended, Error> {
    let Some((verb, args)) = words.split_first() else {
        return Ok(Ended::Usage);
    };
    let shell = Shell {
        backend,
        service: None,
    };
    shell.command(verb, args).map(|(_, ended)| ended)
}

/// What the shell's commands work on.
struct Shell<'a> {
    backend: &'a Arc<PersistentQueue>,
    service: Option<&'a TransferService<Arc<PersistentQueue>>>,
}

/// Verbs that only read the queue: they take no store lock.
const READING: &[&str] = &[
    "list", "info", "files", "geterror", "gettimes", "monitor", "help", "quit",
];

impl Shell<'_> {
    /// Runs one command as one call on the stored queue, and says how it
    /// went; a sandbox failure is the shell's end.
    fn command(&self, verb: &str, args: &[String]) -> Result<(Flow, Ended), Error> {
        if verb.eq_ignore_ascii_case("monitor") {
            let limit = match args {
                [] => None,
                [seconds] => match seconds.parse::<u64>() {
                    Ok(seconds) => Some(Duration::from_secs(seconds)),
                    Err(_) => {
                        eprintln!("usage: {}", usage(self::verb("monitor").expect("listed")));
                        return Ok((Flow::Continue, Ended::Usage));
                    }
                },
                _ => {
                    eprintln!("usage: {}", usage(self::verb("monitor").expect("listed")));
                    return Ok((Flow::Continue, Ended::Usage));
                }
            };
            return match self.monitor(limit) {
                Ok(()) => Ok((Flow::Continue, Ended::Done)),
                Err(PersistError::Queue(Error::Queue(code))) => {
                    eprintln!("error: {}", Error::Queue(code));
                    Ok((Flow::Continue, Ended::Refused))
                }
                Err(PersistError::Queue(e)) => Err(e),
                Err(PersistError::Store(e)) => {
                    eprintln!("error: the queue's store failed: {e}");
                    Ok((Flow::Continue, Ended::Refused))
                }
                // Only transfer reports are made under a lease.
                Err(e @ PersistError::LeaseLost(_)) => {
                    eprintln!("error: {e}");
                    Ok((Flow::Continue, Ended::Refused))
                }
            };
        }
        let reading = READING.iter().any(|r| r.eq_ignore_ascii_case(verb))
            || (verb.eq_ignore_ascii_case("limits") && args.is_empty());
        let run = |queue: &Queue| -> bits_queue_host::Result<Result<Flow, Failure>> {
            let manager = queue.manager()?;
            match execute(queue, &manager, verb, args) {
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
            Err(PersistError::Queue(e)) => return Err(e),
            Err(PersistError::Store(e)) => {
                eprintln!("error: the queue's store failed, nothing was stored: {e}");
                return Ok((Flow::Continue, Ended::Refused));
            }
            // Only transfer reports are made under a lease.
            Err(e @ PersistError::LeaseLost(_)) => {
                eprintln!("error: {e}");
                return Ok((Flow::Continue, Ended::Refused));
            }
        };
        if let Some(service) = self.service {
            service.wake();
        }
        Ok(match outcome {
            Ok(flow) => (flow, Ended::Done),
            Err(Failure::Usage(verb)) => {
                eprintln!("usage: {}", usage(verb));
                (Flow::Continue, Ended::Usage)
            }
            Err(Failure::Refused(code, context)) => {
                eprintln!("error: {}{context}", Error::Queue(code));
                (Flow::Continue, Ended::Refused)
            }
            Err(Failure::Sandbox(e)) => return Err(e),
        })
    }

    fn read_commands(&self) -> Result<(), Error> {
        let stdin = io::stdin();
        let interactive = stdin.is_terminal();
        if interactive {
            say!("bitsq shell: `help` lists the commands, `quit` or Ctrl-D leaves.");
        }
        let mut lines = stdin.lock().lines();
        loop {
            if interactive {
                print!("bitsq> ");
                let _ = io::stdout().flush();
            }
            let line = match lines.next() {
                None => break,
                Some(Ok(line)) => line,
                Some(Err(e)) => {
                    eprintln!("bitsq: cannot read input: {e}");
                    return Ok(());
                }
            };
            let words = match words::split(&line) {
                Ok(words) => words,
                Err(why) => {
                    eprintln!("error: {why}");
                    continue;
                }
            };
            let Some((verb, args)) = words.split_first() else {
                continue;
            };
            if verb.starts_with('#') {
                continue;
            }
            let (flow, _) = self.command(verb, args)?;
            if let Flow::Quit = flow {
                break;
            }
        }
        Ok(())
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

fn execute(
    queue: &Queue,
    manager: &JobManager,
    name: &str,
    args: &[String],
) -> Result<Flow, Failure> {
    let Some(v) = verb(name) else {
        eprintln!("error: unknown command `{name}`; `help` lists the commands");
        return Ok(Flow::Continue);
    };
    if args.iter().any(|a| a == "--help" || a == "-h") {
        say!("{}\n  {}", usage(v), v.about);
        return Ok(Flow::Continue);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match (v.name, args.as_slice()) {
        ("create", [flag, name]) => {
            let job_type = match *flag {
                "--upload" => JobType::Upload,
                "--upload-reply" => JobType::UploadReply,
                "--download" => JobType::Download,
                _ => return Err(Failure::Usage(v)),
            };
            create(manager, name, job_type)?
        }
        ("create", [name]) if !name.starts_with("--") => create(manager, name, JobType::Download)?,
        ("list", []) => list(manager)?,
        ("info", [id]) => info(&job(manager, id)?)?,
        ("addfile", [id, remote, local]) => {
            let job = job(manager, id)?;
            job.add_file(remote, local)?;
            say!("{}: {} file(s)", job.id()?, job.progress()?.files_total);
        }
        ("files", [id]) => files(&job(manager, id)?)?,
        ("setdisplayname", [id, value]) => job(manager, id)?.set_display_name(value)?,
        ("setdescription", [id, value]) => job(manager, id)?.set_description(value)?,
        ("setpriority", [id, value]) => {
            let priority: JobPriority = value.parse().map_err(|_| Failure::Usage(v))?;
            job(manager, id)?.set_priority(priority)?;
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
            let seconds = seconds.parse().map_err(|_| Failure::Usage(v))?;
            let job = job(manager, id)?;
            job.set_minimum_retry_delay(seconds)?;
            say!(
                "{}: minimum retry delay {} s",
                job.id()?,
                job.minimum_retry_delay()?
            );
        }
        ("setnoprogresstimeout", [id, seconds]) => {
            let seconds = seconds.parse().map_err(|_| Failure::Usage(v))?;
            let job = job(manager, id)?;
            job.set_no_progress_timeout(seconds)?;
            say!(
                "{}: no-progress timeout {} s",
                job.id()?,
                job.no_progress_timeout()?
            );
        }
        ("setnotifyflags", [id, flags]) => {
            let flags = parse_flags(flags).ok_or(Failure::Usage(v))?;
            let job = job(manager, id)?;
            job.set_notify_flags(flags)?;
            say!("{}: notify flags 0x{:X}", job.id()?, job.notify_flags()?);
        }
        // `monitor` runs between calls, so the service keeps transferring
        // (Shell::command).
        ("monitor", []) | ("monitor", [_]) => {}
        ("limits", []) => print_limits(queue.limits()?),
        ("limits", [jobs, files]) => {
            let (Ok(max_jobs), Ok(max_files_per_job)) = (jobs.parse(), files.parse()) else {
                return Err(Failure::Usage(v));
            };
            queue.set_limits(QueueLimits {
                max_jobs,
                max_files_per_job,
            })?;
            print_limits(queue.limits()?);
        }
        ("help", []) => help(),
        ("help", [name]) => match verb(name) {
            Some(v) => say!("{}\n  {}", usage(v), v.about),
            None => eprintln!("error: unknown command `{name}`; `help` lists the commands"),
        },
        ("quit", []) => return Ok(Flow::Quit),
        _ => return Err(Failure::Usage(v)),
    }
    Ok(Flow::Continue)
}

/// The job `text` names: its GUID (through `get-job`), or a display name
/// that exactly one job has, as bitsadmin allows.
fn job(manager: &JobManager, text: &str) -> Result<Job, Failure> {
    if let Ok(id) = text.parse::<Guid>() {
        return Ok(manager.get_job(id)?);
    }
    let mut named = Vec::new();
    for job in manager.jobs()? {
        if job.display_name()? == text {
            named.push(job);
        }
    }
    match named.len() {
        1 => Ok(named.remove(0)),
        0 => Err(Failure::Refused(
            ErrorCode::NotFound,
            format!(" (`{text}` is neither a GUID nor a job's display name)"),
        )),
        n => {
            let ids: Vec<String> = named
                .iter()
                .map(|j| j.id().map(|id| id.to_string()))
                .collect::<Result<_, _>>()?;
            Err(Failure::Refused(
                ErrorCode::InvalidArgument,
                format!(
                    " ({n} jobs are named `{text}`: {}; give a GUID)",
                    ids.join(", ")
                ),
            ))
        }
    }
}

fn create(manager: &JobManager, name: &str, job_type: JobType) -> Result<(), Failure> {
    say!("{}", manager.create_job(name, job_type)?.id()?);
    Ok(())
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

fn list(manager: &JobManager) -> Result<(), Failure> {
    let jobs = manager.jobs()?;
    if jobs.is_empty() {
        say!("no jobs");
        return Ok(());
    }
    say!(
        "{:<38}  {:<15}  {:<12}  {:<10}  {:>5}  NAME",
        "GUID",
        "STATE",
        "TYPE",
        "PRIORITY",
        "FILES"
    );
    for job in &jobs {
        say!(
            "{:<38}  {:<15}  {:<12}  {:<10}  {:>5}  {}",
            job.id()?.to_string(),
            job.state()?.to_string(),
            job.job_type()?.to_string(),
            job.priority()?.to_string(),
            job.progress()?.files_total,
            job.display_name()?
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
    say!("display name: {}", job.display_name()?);
    say!("description:  {}", job.description()?);
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
            file.remote_name,
            file.local_name
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
                    print!("\x1b[2J\x1b[H");
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
            if let Some(service) = self.service {
                service.wake();
            }
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
        say!("{} -> {}", f.remote_name, f.local_name);
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
    say!("commands (GUIDs in registry form, {{...}} braces optional; quote names with spaces):");
    for v in VERBS {
        say!("  {:<48} {}", usage(v), v.about);
    }
}
