//! `bitsq`: the bits:queue component from the command line.
//!
//! With no command it runs a short demonstration on the embedded component;
//! `bitsq shell` reads bitsadmin-like commands, one per line; `bitsq VERB …`
//! runs one of them on the stored queue; `bitsq service` transfers the
//! stored queue's jobs; `bitsq transfer` downloads as bitsadmin /transfer.

mod budget;
mod cli;
mod component_file;
mod demo;
mod editor;
mod exit;
mod explain;
mod flags;
mod globals;
mod input;
mod interrupt;
mod local_name;
mod location;
mod output;
mod progress;
mod service_all;
mod service_cmd;
mod shell;
mod stored;
mod transfer;
mod trust;
mod verbs;
mod views;
mod words;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bits_queue_host::{Config, Queue, Runtime};

use crate::cli::{Command, TransferArgs};
use crate::exit::Status;
use crate::location::{default_compile_cache, default_location};
use crate::output::tell;

fn main() -> ExitCode {
    output::guard_standard_descriptors();
    let cli = cli::parse();
    // `bitsq help …`, a verb's `--help`, `quit` and an unknown verb need
    // no component and no queue.
    if let Some(Command::Verb(words)) = &cli.command {
        cli::subcommand_help(words);
        if let Some(status) = shell::without_queue(words) {
            return status.into();
        }
    }
    // `transfer` reads the trust roots (some 150 files on Debian, 5-16 ms)
    // on a thread of its own while the component loads, rather than after
    // it (issue 22 goal 2); its answer is taken where it was read before.
    let early_trust = match &cli.command {
        Some(Command::Transfer(args)) => Some(trust::read_early(args.tls.clone())),
        _ => None,
    };
    let config = Config::new()
        .memory_limit(cli.memory_limit.saturating_mul(1 << 20))
        .call_timeout(Duration::from_millis(cli.timeout))
        .full_wasi(cli.full_wasi)
        .inherit_stdio(cli.guest_output)
        .max_instances(cli.max_instances)
        .max_argument_bytes(cli.max_argument_bytes)
        .compile_cache(match &cli.compile_cache {
            Some(flags::CompileCache::Off) => None,
            Some(flags::CompileCache::Dir(dir)) => Some(dir.clone()),
            None => default_compile_cache(),
        });
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
        return stored::run_stored(&runtime, grant, cli.seed, &location, command);
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
        Command::Transfer(args) => return run_transfer(&queue, args, early_trust),
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

fn run_transfer(queue: &Queue, args: TransferArgs, early_trust: Option<trust::Early>) -> ExitCode {
    if !args.files.len().is_multiple_of(2) {
        tell!("bitsq: transfer takes REMOTE LOCAL pairs; the last REMOTE has no LOCAL");
        return Status::Usage.into();
    }
    if args.upload && args.files.len() != 2 {
        tell!("bitsq: transfer --upload takes one REMOTE LOCAL pair: an upload job holds one file");
        return Status::Usage.into();
    }
    let confinement = match confinement(&args.allow_write, &args.allow_read) {
        Ok(confinement) => confinement,
        Err(message) => {
            tell!("bitsq: {message}");
            return Status::Usage.into();
        }
    };
    let transports =
        match early_trust.map_or_else(|| trust::transports(&args.tls), trust::Early::take) {
            Ok(transports) => transports,
            Err(message) => {
                tell!("bitsq: {message}");
                return Status::Usage.into();
            }
        };
    // Refused before a job exists: nothing is created or transferred.
    for pair in args.files.chunks(2) {
        if let Some(why) =
            local_name::bitsadmin_order(&pair[1]).or_else(|| local_name::refusal(&pair[1]))
        {
            let code = bits_queue_host::ErrorCode::InvalidArgument;
            tell!("bitsq: transfer: {code} (0x{:08X}): {why}", code.hresult());
            return Status::Failed.into();
        }
    }
    let request = transfer::Request {
        name: args.name,
        priority: args.priority,
        retry_delay: args.retry_delay,
        no_progress_timeout: args.no_progress_timeout,
        confinement,
        transports,
        job_type: match (args.upload, &args.reply) {
            (false, _) => bits_queue_host::JobType::Download,
            (true, None) => bits_queue_host::JobType::Upload,
            (true, Some(_)) => bits_queue_host::JobType::UploadReply,
        },
        reply: args.reply,
        files: args
            .files
            .chunks(2)
            .map(|pair| (pair[0].clone(), PathBuf::from(&pair[1])))
            .collect(),
    };
    match transfer::run(queue, request) {
        Ok(transfer::Ended::Transferred) => Status::Done.into(),
        Ok(transfer::Ended::Failed) => Status::Failed.into(),
        Ok(transfer::Ended::Interrupted) => Status::Interrupted.into(),
        Err(e) => {
            tell!("bitsq: {e}");
            Status::Failed.into()
        }
    }
}

/// The confinement `--allow-write` and `--allow-read` ask for.
pub fn confinement(
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
