//! `bitsq`: the bits:queue component from the command line.
//!
//! With no command it runs a short demonstration on the embedded component;
//! `bitsq shell` reads bitsadmin-like commands, one per line; `bitsq VERB …`
//! runs one of them on the stored queue; `bitsq service` transfers the
//! stored queue's jobs; `bitsq transfer` downloads as bitsadmin /transfer.

mod budget;
mod component_file;
mod demo;
mod editor;
mod exit;
mod explain;
mod flags;
mod input;
mod interrupt;
mod location;
mod output;
mod service_cmd;
mod shell;
mod shell_transfers;
mod transfer;
mod words;

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;
use std::time::Duration;

use bits_queue_host::{Config, JobPriority, Queue, QueueOptions, Runtime};
use bits_queue_store::{PersistentQueue, PostgresOptions, open_location_with};
use clap::{Parser, Subcommand};

use crate::exit::Status;
use crate::location::default_location;
use crate::output::tell;

/// The Windows BITS job queue, run as a sandboxed WebAssembly component.
#[derive(Parser, Debug)]
#[command(
    name = "bitsq",
    version,
    about,
    long_about = None,
    max_term_width = 80,
    after_help = exit::HELP
)]
struct Cli {
    /// Where the queue is kept: a file (SQLite, created on first use),
    /// `postgres://USER@HOST/DB` (a queue many hosts share), or `memory:`
    /// (nothing kept). Default: $XDG_DATA_HOME/bitsq/queue.sqlite3,
    /// else ~/.local/share/bitsq/queue.sqlite3. The shell, `service` and
    /// the one-shot verbs use it; the demo and `transfer` run in memory.
    #[arg(long, global = true, value_name = "LOCATION", env = "BITSQ_QUEUE")]
    queue: Option<String>,

    /// Seed the GUID stream: the same seed gives the same GUIDs, on any
    /// machine. Without it GUIDs come from OS entropy.
    #[arg(long, global = true, value_name = "N")]
    seed: Option<u64>,

    /// Run another build of the bits:queue@0.1.0 contract instead of the
    /// embedded component.
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,

    /// Most linear memory the instance may use, in MiB (the default holds
    /// a queue full to its default limits with the longest strings).
    #[arg(long, global = true, value_name = "MIB",
          default_value_t = budget::default_memory_mib(),
          value_parser = flags::memory_limit)]
    memory_limit: usize,

    /// Most time one call into the component may run, in milliseconds (at
    /// least 10, the clock's tick; a call always gets at least this long).
    #[arg(long, global = true, value_name = "MS", default_value_t = 1000,
          value_parser = flags::timeout)]
    timeout: u64,

    /// Most instances alive at once: bitsq runs one, and a second while it
    /// rebuilds one that failed. The bound also sizes the pooling
    /// allocator's reservation, so keep it small.
    #[arg(long, global = true, value_name = "N", default_value_t = 4,
          value_parser = flags::max_instances)]
    max_instances: u32,

    /// Most bytes of strings one call may pass into the component (the
    /// default holds the largest job record at the default limits).
    #[arg(long, global = true, value_name = "BYTES",
          default_value_t = budget::default_argument_bytes(),
          value_parser = flags::max_argument_bytes)]
    max_argument_bytes: usize,

    /// Link all of WASI 0.2 (with nothing granted) for components that import
    /// more than wasi:random, such as ones built with Rust's std.
    #[arg(long, global = true)]
    full_wasi: bool,

    /// Let the component write to this process's stdout and stderr.
    #[arg(long, global = true)]
    guest_output: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the demonstration (the default): create jobs, print their GUIDs,
    /// get one back by GUID, move jobs through states, show a refusal.
    Demo,
    /// Read commands one per line from standard input (`help` lists them).
    /// A transfer service runs while the shell is open, so resumed jobs
    /// transfer.
    Shell(ShellArgs),
    /// Download files as `bitsadmin /transfer` does: create a job, add the
    /// files, resume it, show its progress, and complete it when every
    /// file has arrived (exit 0); a job that ends in error is printed,
    /// cancelled, and exits 1. Transient errors are retried.
    Transfer(TransferArgs),
    /// Transfer the stored queue's jobs until Ctrl-C or SIGTERM: jobs
    /// resumed by other bitsq commands start within a second; on a signal
    /// the transfers stop and their progress is stored.
    Service(ServiceArgs),
    /// One shell verb on the stored queue, as bitsadmin runs one:
    /// `bitsq create NAME`, `bitsq addfile JOB REMOTE LOCAL`,
    /// `bitsq resume JOB`, `bitsq list`, … (`bitsq shell` then `help`
    /// lists them). JOB is a GUID or a display name only one job has.
    #[command(external_subcommand)]
    Verb(Vec<String>),
}

/// `bitsq service`'s arguments.
#[derive(clap::Args, Debug)]
struct ServiceArgs {
    /// Write only below DIR (repeatable). Without it, the service may write
    /// wherever this user may.
    #[arg(long, value_name = "DIR")]
    allow_write: Vec<PathBuf>,

    /// Read file:// sources only below DIR (repeatable). Without it, any
    /// file this user may read.
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,

    /// On a PostgreSQL queue, how long this service's hold on a transfer
    /// lasts without renewal: if it dies, another host resumes its
    /// transfers this long after.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    lease: u64,
}

/// `bitsq shell`'s arguments.
#[derive(clap::Args, Debug)]
struct ShellArgs {
    /// Run no transfer service: resumed jobs stay queued.
    #[arg(long)]
    no_transfer: bool,

    /// Write only below DIR (repeatable). Without it, transfers may write
    /// wherever this user may.
    #[arg(long, value_name = "DIR")]
    allow_write: Vec<PathBuf>,

    /// Read file:// sources only below DIR (repeatable).
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,
}

/// `bitsq transfer`'s arguments.
#[derive(clap::Args, Debug)]
struct TransferArgs {
    /// The job's display name.
    #[arg(long, default_value = "bitsq transfer")]
    name: String,

    /// foreground, high, normal or low.
    #[arg(long, default_value = "foreground", value_parser = parse_priority)]
    priority: JobPriority,

    /// Seconds to wait after a transient error before retrying (at least 5).
    #[arg(long, value_name = "SECS")]
    retry_delay: Option<u32>,

    /// Seconds without progress, from the first transient error, after
    /// which the job fails (0: the first error is fatal).
    #[arg(long, value_name = "SECS")]
    no_progress_timeout: Option<u32>,

    /// Write only below DIR (repeatable). Without it, the service may write
    /// wherever this user may.
    #[arg(long, value_name = "DIR")]
    allow_write: Vec<PathBuf>,

    /// Read file:// sources only below DIR (repeatable). Without it, any
    /// file this user may read.
    #[arg(long, value_name = "DIR")]
    allow_read: Vec<PathBuf>,

    /// REMOTE LOCAL pairs: an http://, https:// or file:// URL, and where
    /// the file goes (a relative path is taken from the current directory).
    #[arg(value_name = "REMOTE LOCAL", required = true, num_args = 2..)]
    files: Vec<String>,
}

fn parse_priority(text: &str) -> Result<JobPriority, String> {
    text.parse()
        .map_err(|e: bits_queue_host::UnknownName| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = Config::new()
        .memory_limit(cli.memory_limit.saturating_mul(1 << 20))
        .call_timeout(flags::host_call_timeout(cli.timeout))
        .full_wasi(cli.full_wasi)
        .inherit_stdio(cli.guest_output)
        .max_instances(cli.max_instances)
        .max_argument_bytes(cli.max_argument_bytes);
    let grant = budget::Grant {
        memory_bytes: (cli.memory_limit as u64).saturating_mul(1 << 20),
        argument_bytes: cli.max_argument_bytes as u64,
    };
    let runtime = match &cli.component {
        Some(path) => component_file::read(path).and_then(|bytes| {
            Runtime::from_bytes(&bytes, config).map_err(|e| component_file::load_error(path, &e))
        }),
        None => Runtime::with_config(config).map_err(|e| e.to_string()),
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(message) => {
            tell!("bitsq: {message}");
            return Status::Component.into();
        }
    };
    let command = cli.command.unwrap_or(Command::Demo);
    if !matches!(command, Command::Demo | Command::Transfer(_)) {
        let location = match cli
            .queue
            .clone()
            .or_else(|| default_location().map(|p| p.display().to_string()))
        {
            Some(location) => location,
            None => {
                tell!("bitsq: no queue location: set --queue, BITSQ_QUEUE, XDG_DATA_HOME or HOME");
                return Status::Store.into();
            }
        };
        return run_stored(&runtime, grant, cli.seed, &location, command);
    }
    let queue = match new_queue(&runtime, cli.seed) {
        Ok(q) => q,
        Err(e) => {
            tell!("bitsq: {e}");
            return Status::Component.into();
        }
    };
    let source = match &cli.component {
        Some(path) => path.display().to_string(),
        None => format!(
            "embedded ({} bytes)",
            bits_queue_host::EMBEDDED_COMPONENT.len()
        ),
    };
    let outcome = match command {
        Command::Demo => demo::run(&runtime, &queue, &source, cli.seed),
        Command::Transfer(args) => return run_transfer(&queue, args),
        Command::Shell(_) | Command::Service(_) | Command::Verb(_) => {
            unreachable!("stored-queue commands run in run_stored")
        }
    };
    match outcome {
        Ok(()) => Status::Done.into(),
        Err(e) => {
            tell!("bitsq: {e}");
            Status::Failed.into()
        }
    }
}

fn new_queue(runtime: &Runtime, seed: Option<u64>) -> bits_queue_host::Result<Queue> {
    match seed {
        Some(seed) => runtime.new_queue_seeded(seed),
        None => runtime.new_queue(),
    }
}

fn run_transfer(queue: &Queue, args: TransferArgs) -> ExitCode {
    if !args.files.len().is_multiple_of(2) {
        tell!("bitsq: transfer takes REMOTE LOCAL pairs; the last REMOTE has no LOCAL");
        return Status::Usage.into();
    }
    let confinement = match confinement(&args.allow_write, &args.allow_read) {
        Ok(confinement) => confinement,
        Err(message) => {
            tell!("bitsq: {message}");
            return Status::Usage.into();
        }
    };
    let request = transfer::Request {
        name: args.name,
        priority: args.priority,
        retry_delay: args.retry_delay,
        no_progress_timeout: args.no_progress_timeout,
        confinement,
        files: args
            .files
            .chunks(2)
            .map(|pair| (pair[0].clone(), PathBuf::from(&pair[1])))
            .collect(),
    };
    match transfer::run(queue, request) {
        Ok(transfer::Ended::Transferred) => Status::Done.into(),
        Ok(transfer::Ended::Failed) => Status::Failed.into(),
        Err(e) => {
            tell!("bitsq: {e}");
            Status::Failed.into()
        }
    }
}

/// The confinement `--allow-write` and `--allow-read` ask for.
fn confinement(
    write: &[PathBuf],
    read: &[PathBuf],
) -> Result<bits_queue_service::Confinement, String> {
    let mut confinement = bits_queue_service::Confinement::none();
    for dir in write {
        confinement = confinement
            .allow_write(dir)
            .map_err(|e| format!("--allow-write {e}"))?;
    }
    for dir in read {
        confinement = confinement
            .allow_read(dir)
            .map_err(|e| format!("--allow-read {e}"))?;
    }
    Ok(confinement)
}

/// The commands that work on the stored queue: the shell, the service and
/// the one-shot verbs.
fn run_stored(
    runtime: &Runtime,
    grant: budget::Grant,
    seed: Option<u64>,
    location: &str,
    command: Command,
) -> ExitCode {
    let _lock = match &command {
        Command::Service(_) => match service_cmd::lock(location) {
            Ok(lock) => lock,
            Err(message) => {
                tell!("bitsq: {message}");
                return Status::Store.into();
            }
        },
        _ => None,
    };
    let mut postgres = PostgresOptions {
        application_name: "bitsq".into(),
        ..PostgresOptions::default()
    };
    if let Command::Service(args) = &command {
        postgres.lease = Duration::from_secs(args.lease);
    }
    if let Err(message) = location::create_default_dir(location) {
        tell!("bitsq: the queue {location}: {message}");
        return Status::Store.into();
    }
    let store = match open_location_with(location, postgres) {
        Ok(store) => store,
        Err(e) => {
            tell!("bitsq: the queue {location}: {e}");
            return Status::Store.into();
        }
    };
    let options = match seed {
        Some(seed) => QueueOptions::new().seed(seed),
        None => QueueOptions::new(),
    };
    let (write, read) = match &command {
        Command::Shell(args) => (&args.allow_write[..], &args.allow_read[..]),
        Command::Service(args) => (&args.allow_write[..], &args.allow_read[..]),
        _ => (&[][..], &[][..]),
    };
    let confinement = match confinement(write, read) {
        Ok(confinement) => confinement,
        Err(message) => {
            tell!("bitsq: {message}");
            return Status::Usage.into();
        }
    };
    // `commit` and `discard` are carried out before a call's changes are
    // stored (contract §11), inside the same confinement as the transfers.
    let actions_confinement = confinement.clone();
    let file_actions = Box::new(move |action: &bits_queue_host::Action| {
        for failure in bits_queue_service::carry_out(action, &actions_confinement) {
            tell!("warning: {failure}");
        }
    });
    let backend = match PersistentQueue::open(runtime, options, store, file_actions) {
        Ok((backend, warnings)) => {
            for warning in warnings {
                tell!("warning: {warning}");
            }
            warn_if_unservable(&backend, grant);
            Arc::new(backend)
        }
        Err(bits_queue_store::PersistError::Store(e)) => {
            tell!("bitsq: the queue {location}: {e}");
            return Status::Store.into();
        }
        Err(bits_queue_store::PersistError::Queue(e)) => {
            tell!("bitsq: the queue {location}: {e}");
            return Status::Component.into();
        }
        // Only transfer reports are made under a lease; opening makes none.
        Err(e @ bits_queue_store::PersistError::LeaseLost(_)) => {
            tell!("bitsq: the queue {location}: {e}");
            return Status::Store.into();
        }
    };
    match command {
        Command::Shell(args) => {
            let transfers = (!args.no_transfer).then(|| service_config(confinement));
            shell::run(&backend, grant, transfers).into()
        }
        Command::Service(_) => match service_cmd::run(&backend, service_config(confinement)) {
            Ok(()) => Status::Done.into(),
            Err(message) => {
                tell!("bitsq: {message}");
                Status::Failed.into()
            }
        },
        Command::Verb(words) => shell::one_shot(&backend, grant, &words).into(),
        Command::Demo | Command::Transfer(_) => unreachable!("in-memory commands"),
    }
}

fn service_config(
    confinement: bits_queue_service::Confinement,
) -> bits_queue_service::ServiceConfig {
    bits_queue_service::ServiceConfig {
        context: bits_queue_service::Context {
            confinement,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Warns when the queue's stored limits are more than the sandbox flags
/// can serve (limits set under larger flags, or flags lowered since): a
/// job at those limits could run the component out of memory, or be too
/// large to load back from the store (it would be left out, with a
/// warning, until bitsq runs with larger flags).
fn warn_if_unservable(backend: &PersistentQueue, grant: budget::Grant) {
    if let Ok(limits) = backend.read(|queue| queue.limits())
        && let Some(why) = budget::refusal(limits, grant)
    {
        tell!(
            "warning: the queue's limits (max-jobs {}, max-files-per-job {}) are more than \
             these flags serve: {why}",
            limits.max_jobs,
            limits.max_files_per_job
        );
    }
}
