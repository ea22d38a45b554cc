//! `bitsq`: the bits:queue component from the command line.
//!
//! With no command it runs a short demonstration on the embedded component;
//! `bitsq shell` reads bitsadmin-like commands, one per line.

mod demo;
mod output;
mod shell;
mod words;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bits_queue_host::{Config, Queue, Runtime};
use clap::{Parser, Subcommand};

/// The Windows BITS job queue, run as a sandboxed WebAssembly component.
#[derive(Parser, Debug)]
#[command(name = "bitsq", version, about, long_about = None)]
struct Cli {
    /// Seed the GUID stream: the same seed gives the same GUIDs, on any
    /// machine. Without it GUIDs come from OS entropy.
    #[arg(long, global = true, value_name = "N")]
    seed: Option<u64>,

    /// Run another build of the bits:queue@0.1.0 contract instead of the
    /// embedded component.
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,

    /// Most linear memory the instance may use, in MiB.
    #[arg(long, global = true, value_name = "MIB", default_value_t = 64)]
    memory_limit: usize,

    /// Most time one call into the component may run, in milliseconds.
    #[arg(long, global = true, value_name = "MS", default_value_t = 1000)]
    timeout: u64,

    /// Most instances alive at once. bitsq runs one; the bound also sizes
    /// the pooling allocator's reservation, so keep it small.
    #[arg(long, global = true, value_name = "N", default_value_t = 4)]
    max_instances: u32,

    /// Most bytes of strings one call may pass into the component.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = 1 << 20)]
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
    Shell,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = Config::new()
        .memory_limit(cli.memory_limit.saturating_mul(1 << 20))
        .call_timeout(Duration::from_millis(cli.timeout))
        .full_wasi(cli.full_wasi)
        .inherit_stdio(cli.guest_output)
        .max_instances(cli.max_instances)
        .max_argument_bytes(cli.max_argument_bytes);
    let runtime = match &cli.component {
        Some(path) => Runtime::from_file(path, config),
        None => Runtime::with_config(config),
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bitsq: {e}");
            return ExitCode::from(2);
        }
    };
    let queue = match new_queue(&runtime, cli.seed) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("bitsq: {e}");
            return ExitCode::from(2);
        }
    };
    let source = match &cli.component {
        Some(path) => path.display().to_string(),
        None => format!(
            "embedded ({} bytes)",
            bits_queue_host::EMBEDDED_COMPONENT.len()
        ),
    };
    let outcome = match cli.command.unwrap_or(Command::Demo) {
        Command::Demo => demo::run(&runtime, &queue, &source, cli.seed),
        Command::Shell => shell::run(&queue),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bitsq: {e}");
            ExitCode::FAILURE
        }
    }
}

fn new_queue(runtime: &Runtime, seed: Option<u64>) -> bits_queue_host::Result<Queue> {
    match seed {
        Some(seed) => runtime.new_queue_seeded(seed),
        None => runtime.new_queue(),
    }
}
