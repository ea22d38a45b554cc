//! bitsq's command line (clap): the global options, the subcommands and
//! their arguments. The verbs reach bitsq as one external subcommand; the
//! list `--help` gives of them, and `bitsq help VERB`, come from the verb
//! table (`verbs`).

use std::ffi::OsString;
use std::path::PathBuf;

use bits_queue_host::JobPriority;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::{budget, exit, flags};

/// The Windows BITS job queue, run as a sandboxed WebAssembly component.
#[derive(Parser, Debug)]
#[command(
    name = "bitsq",
    version,
    about,
    long_about = None,
    max_term_width = 80,
    // `help` is a verb of bitsq's own: `bitsq help VERB`.
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Where the queue is kept: a file (SQLite, created on first use),
    /// `postgres://USER@HOST/DB` (a queue many hosts share), or `memory:`
    /// (nothing kept). Default: $XDG_DATA_HOME/bitsq/queue.sqlite3,
    /// else ~/.local/share/bitsq/queue.sqlite3. The shell, `service` and
    /// the one-shot verbs use it; the demo and `transfer` run in memory.
    #[arg(long, global = true, value_name = "LOCATION", env = "BITSQ_QUEUE")]
    pub queue: Option<String>,

    /// Seed the GUID stream: the same seed gives the same GUIDs, on any
    /// machine. Without it GUIDs come from OS entropy.
    #[arg(long, global = true, value_name = "N")]
    pub seed: Option<u64>,

    /// Run another build of the bits:queue@0.1.0 contract instead of the
    /// embedded component.
    #[arg(long, global = true, value_name = "PATH")]
    pub component: Option<PathBuf>,

    /// Most linear memory the instance may use, in MiB (the default holds
    /// a queue full to its default limits with the longest strings).
    #[arg(long, global = true, value_name = "MIB",
          default_value_t = budget::default_memory_mib(),
          value_parser = flags::memory_limit)]
    pub memory_limit: usize,

    /// Most time one call into the component may run, in milliseconds (at
    /// least 10, the clock's tick; a call always gets at least this long).
    #[arg(long, global = true, value_name = "MS", default_value_t = 1000,
          value_parser = flags::timeout)]
    pub timeout: u64,

    /// Most instances alive at once: bitsq runs one, and a second while it
    /// rebuilds one that failed. The bound also sizes the pooling
    /// allocator's reservation, so keep it small.
    #[arg(long, global = true, value_name = "N", default_value_t = 4,
          value_parser = flags::max_instances)]
    pub max_instances: u32,

    /// Most bytes of strings one call may pass into the component (the
    /// default holds the largest job record at the default limits).
    #[arg(long, global = true, value_name = "BYTES",
          default_value_t = budget::default_argument_bytes(),
          value_parser = flags::max_argument_bytes)]
    pub max_argument_bytes: usize,

    /// Link all of WASI 0.2 (with nothing granted) for components that import
    /// more than wasi:random, such as ones built with Rust's std.
    #[arg(long, global = true)]
    pub full_wasi: bool,

    /// Let the component write to this process's stdout and stderr.
    #[arg(long, global = true)]
    pub guest_output: bool,

    /// Where to keep the compiled component, so that later runs start
    /// without compiling it: a directory (made owner-only), or `off`.
    /// Default: $XDG_CACHE_HOME/bitsq, else ~/.cache/bitsq.
    #[arg(long, global = true, value_name = "DIR|off", env = "BITSQ_COMPILE_CACHE",
          value_parser = flags::compile_cache)]
    pub compile_cache: Option<flags::CompileCache>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
    /// cancelled, and exits 1. Transient errors are retried. With
    /// `--upload`, upload one LOCAL file to a BITS server's REMOTE URL
    /// instead (exit 0 once the server acknowledged the close).
    Transfer(TransferArgs),
    /// Transfer the stored queue's jobs until Ctrl-C or SIGTERM: jobs
    /// resumed by other bitsq commands start within a second; on a signal
    /// the transfers stop and their progress is stored.
    Service(ServiceArgs),
    /// One shell verb on the stored queue, as bitsadmin runs one:
    /// `bitsq create NAME`, `bitsq addfile JOB REMOTE LOCAL`,
    /// `bitsq resume JOB`, `bitsq list`, … (`--help` lists them, `bitsq
    /// help VERB` explains one). JOB is a GUID or a display name only one
    /// job has.
    #[command(external_subcommand)]
    Verb(Vec<String>),
}

/// `bitsq service`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ServiceArgs {
    /// Write only below DIR (repeatable). Without it, the service may write
    /// wherever this user may.
    #[arg(long, value_name = "DIR")]
    pub allow_write: Vec<PathBuf>,

    /// Read file:// sources only below DIR (repeatable). Without it, any
    /// file this user may read.
    #[arg(long, value_name = "DIR")]
    pub allow_read: Vec<PathBuf>,

    /// Trust settings: CA files, CRL files, client-certificate stores.
    #[command(flatten)]
    pub tls: TlsArgs,

    /// On a PostgreSQL queue, how long this service's hold on a transfer
    /// lasts without renewal: if it dies, another host resumes its
    /// transfers this long after.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub lease: u64,
    /// On a PostgreSQL location, serve every queue of its database (those
    /// made later too), each as a service of that queue alone would; the
    /// location's own `queue` is ignored. Each queue takes an instance:
    /// raise --max-instances to the number of queues and a few more.
    #[arg(long)]
    pub all_queues: bool,
}

/// The host's TLS settings (contract §15.4–§15.5), never stored in the
/// queue: `service`, `shell` and `transfer` take them.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct TlsArgs {
    /// Trust the certificate authorities in the PEM file FILE too, beside
    /// the system's (or SSL_CERT_FILE/SSL_CERT_DIR's); repeatable.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Vec<PathBuf>,

    /// Check revocation against the CRLs in the PEM file FILE for jobs
    /// with security flag 0x0001 (repeatable); without one, such a job
    /// fails as revocation-unchecked.
    #[arg(long, value_name = "FILE")]
    pub crl_file: Vec<PathBuf>,

    /// Find client certificates in DIR: one subdirectory per store (MY…),
    /// each holding PEM files of a certificate, its chain and its key.
    #[arg(long, value_name = "DIR")]
    pub client_cert_dir: Option<PathBuf>,
}

/// `bitsq shell`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ShellArgs {
    /// Run no transfer service: resumed jobs stay queued.
    #[arg(long)]
    pub no_transfer: bool,

    /// Write only below DIR (repeatable). Without it, transfers may write
    /// wherever this user may.
    #[arg(long, value_name = "DIR")]
    pub allow_write: Vec<PathBuf>,

    /// Read file:// sources only below DIR (repeatable).
    #[arg(long, value_name = "DIR")]
    pub allow_read: Vec<PathBuf>,

    /// Trust settings: CA files, CRL files, client-certificate stores.
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// `bitsq transfer`'s arguments.
#[derive(clap::Args, Debug)]
pub struct TransferArgs {
    /// The job's display name.
    #[arg(long, default_value = "bitsq transfer")]
    pub name: String,

    /// foreground, high, normal or low.
    #[arg(long, default_value = "foreground", value_parser = parse_priority)]
    pub priority: JobPriority,

    /// Seconds to wait after a transient error before retrying (at least 5).
    #[arg(long, value_name = "SECS")]
    pub retry_delay: Option<u32>,

    /// Seconds without progress, from the first transient error, after
    /// which the job fails (0: the first error is fatal).
    #[arg(long, value_name = "SECS")]
    pub no_progress_timeout: Option<u32>,

    /// Write only below DIR (repeatable). Without it, the service may write
    /// wherever this user may.
    #[arg(long, value_name = "DIR")]
    pub allow_write: Vec<PathBuf>,

    /// Read file:// sources only below DIR (repeatable). Without it, any
    /// file this user may read.
    #[arg(long, value_name = "DIR")]
    pub allow_read: Vec<PathBuf>,

    /// Trust settings: CA files, CRL files, client-certificate stores.
    #[command(flatten)]
    pub tls: TlsArgs,

    /// Upload LOCAL to REMOTE over the BITS upload protocol (one pair):
    /// an upload job, as `bitsadmin /transfer NAME /upload`.
    #[arg(long)]
    pub upload: bool,

    /// With --upload: an upload-reply job, whose server's reply is
    /// written to FILE.
    #[arg(long, value_name = "FILE", requires = "upload")]
    pub reply: Option<PathBuf>,

    /// REMOTE LOCAL pairs: an http://, https:// or file:// URL, and where
    /// the file goes (a relative path is taken from the current directory);
    /// with --upload, the file read and sent.
    #[arg(value_name = "REMOTE LOCAL", required = true, num_args = 2..)]
    pub files: Vec<String>,
}

fn parse_priority(text: &str) -> Result<JobPriority, String> {
    text.parse()
        .map_err(|e: bits_queue_host::UnknownName| e.to_string())
}

/// The width `--help` fits (`max_term_width` above).
const HELP_WIDTH: usize = 80;

/// The command line clap reads: the definition above, with the verbs and
/// the exit statuses after the options in `--help`.
fn command() -> clap::Command {
    Cli::command().after_help(format!(
        "{}\n\n{}",
        crate::verbs::overview(HELP_WIDTH),
        exit::HELP
    ))
}

/// The command line, parsed; a usage error, `--help` or `--version` ends
/// the process as clap ends it (exit 2, 0, 0).
pub fn parse() -> Cli {
    parse_from(std::env::args_os().collect())
}

fn parse_from(args: Vec<OsString>) -> Cli {
    let mut command = command();
    let args = crate::globals::hoist(args, &command);
    command
        .try_get_matches_from_mut(args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches))
        .map_err(|e| e.format(&mut command))
        .unwrap_or_else(|e| e.exit())
}

/// `bitsq help shell` (and `transfer`, `service`, `demo`): clap's help
/// for that subcommand, as `bitsq shell --help` prints it; this ends the
/// process. Returns if `words` ask for no such help.
pub fn subcommand_help(words: &[String]) {
    if let [help, name] = words
        && help.eq_ignore_ascii_case("help")
        && command().find_subcommand(name).is_some()
    {
        parse_from(vec!["bitsq".into(), name.into(), "--help".into()]);
    }
}
