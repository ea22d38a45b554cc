//! `bitsq shell`: bitsadmin-like commands, one per line, from a terminal
//! (with a prompt) or a pipe (without). A refused command prints the queue's
//! error with its Windows name and HRESULT and the shell goes on; bad syntax
//! prints the verb's usage. Only a sandbox failure ends the shell early.

use std::io::{self, BufRead, IsTerminal, Write};

use bits_queue_host::{
    Error, ErrorCode, FileInfo, Guid, Job, JobManager, JobPriority, JobType, Queue, QueueLimits,
};

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

/// Runs the shell on standard input until it ends or `quit`.
pub fn run(queue: &Queue) -> Result<(), Error> {
    let manager = queue.manager()?;
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
        match execute(queue, &manager, verb, args) {
            Ok(Flow::Continue) => {}
            Ok(Flow::Quit) => break,
            Err(Failure::Usage(verb)) => eprintln!("usage: {}", usage(verb)),
            Err(Failure::Refused(code, context)) => {
                eprintln!("error: {}{context}", Error::Queue(code))
            }
            Err(Failure::Sandbox(e)) => return Err(e),
        }
    }
    Ok(())
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

/// The job with the GUID `text`, through `get-job`.
fn job(manager: &JobManager, text: &str) -> Result<Job, Failure> {
    let id: Guid = text
        .parse()
        .map_err(|code| Failure::Refused(code, format!(" (`{text}` is not a GUID)")))?;
    Ok(manager.get_job(id)?)
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
    Ok(())
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
