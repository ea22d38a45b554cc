//! `bitsq transfer`: what `bitsadmin /transfer` does. Creates a download
//! job (or, with `--upload`, an upload or upload-reply job: the job ends
//! `transferred` only once the server acknowledged Close-Session, and the
//! reply goes to its file at `complete`), adds the files, resumes it, shows its progress while the transfer
//! service moves the bytes, waits through transient errors (printing
//! each), and completes the job when every file has arrived: the files
//! appear at their local names and bitsq exits 0. A job that ends in
//! `error` is printed with its error, cancelled (its temporary files go),
//! and bitsq exits 1. Stopped by Ctrl-C or SIGTERM, it cancels its job
//! the same way (the queue is in memory: nothing could resume it), so the
//! same command again starts clean and nothing is left behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bits_queue_host::{
    Error, ErrorCode, Job, JobError, JobPriority, JobState, JobType, Queue, hresult_name,
};
use bits_queue_service::{Confinement, ServiceConfig, TransferService, Transports, carry_out};

use crate::output::say;

/// What `bitsq transfer` was asked.
pub struct Request {
    pub name: String,
    pub priority: JobPriority,
    pub retry_delay: Option<u32>,
    pub no_progress_timeout: Option<u32>,
    pub confinement: Confinement,
    /// HTTP(S), trusting `--ca-file`, and `file://`.
    pub transports: Transports,
    /// Download, upload or upload-reply.
    pub job_type: JobType,
    /// Where upload-reply's reply goes.
    pub reply: Option<PathBuf>,
    /// REMOTE LOCAL pairs.
    pub files: Vec<(String, PathBuf)>,
}

/// How the transfer ended.
pub enum Ended {
    /// Every file is at its local name.
    Transferred,
    /// The job ended in `error` and was cancelled.
    Failed,
    /// Ctrl-C or SIGTERM came: the job was cancelled.
    Interrupted,
}

/// How often the progress is read.
const TICK: Duration = Duration::from_millis(200);

/// What ends a transfer early: the queue or the service failed.
pub type Failure = Box<dyn std::error::Error>;

/// Runs the transfer to its end.
pub fn run(queue: &Queue, request: Request) -> Result<Ended, Failure> {
    // From before the job exists: a stop never leaves it, or its
    // temporary files, behind.
    let stop = crate::interrupt::catch_stop();
    let manager = queue.manager()?;
    let job = manager.create_job(&request.name, request.job_type)?;
    let id = job.id()?;
    for (remote, local) in &request.files {
        let local = absolute(local).to_string_lossy().into_owned();
        match job.add_file(remote, &local) {
            // Which argument and why, not a bare E_INVALIDARG (the words
            // are the logic's own checks: `explain`).
            Err(Error::Queue(code @ ErrorCode::InvalidArgument)) => {
                let why = crate::explain::file(remote, &local)
                    .unwrap_or_else(|| "the queue refused this pair".into());
                return Err(format!(
                    "transfer: {code} (0x{:08X}): REMOTE `{}` LOCAL `{local}`: {why}",
                    code.hresult(),
                    crate::views::remote(remote)
                )
                .into());
            }
            other => other?,
        }
    }
    if let Some(reply) = &request.reply {
        job.set_reply_file_name(&absolute(reply).to_string_lossy())?;
    }
    job.set_priority(request.priority)?;
    if let Some(seconds) = request.retry_delay {
        job.set_minimum_retry_delay(seconds)?;
        // The queue raises a delay below its least one: say so rather
        // than wait longer than asked without a word.
        let kept = job.minimum_retry_delay()?;
        if kept != seconds {
            crate::output::tell!(
                "note: --retry-delay {seconds} is below the least retry delay; {kept} s is used"
            );
        }
    }
    if let Some(seconds) = request.no_progress_timeout {
        job.set_no_progress_timeout(seconds)?;
    }
    say!("{id} {:?}: {} file(s)", request.name, request.files.len());
    job.resume()?;

    let config = ServiceConfig {
        context: bits_queue_service::Context {
            confinement: request.confinement.clone(),
            ..Default::default()
        },
        transports: request.transports.clone(),
        ..ServiceConfig::default()
    };
    let service = TransferService::start(queue.clone(), config)?;
    let mut display = crate::progress::Display::new();
    let mut seen_error: Option<(u32, String)> = None;
    let ended = loop {
        if stop.fired() {
            break Ended::Interrupted;
        }
        let state = job.state()?;
        display.show(state, job.progress()?);
        match state {
            JobState::Transferred => break Ended::Transferred,
            JobState::Error => break Ended::Failed,
            JobState::TransientError => {
                if let Some(error) = job.error()? {
                    let key = (error.hresult, error.description.clone());
                    if seen_error.as_ref() != Some(&key) {
                        let delay = job.minimum_retry_delay()?;
                        let why = describe(&error, &job)?;
                        display.note(|| {
                            crate::output::tell!("transient error, retrying in {delay} s: {why}")
                        });
                        seen_error = Some(key);
                    }
                }
            }
            _ => seen_error = None,
        }
        // Woken early by any change the service makes, so the end of the
        // transfer is seen at once.
        let _ = service.wait_for(id, |s| s != state, TICK);
    };
    let error = job.error()?;
    service.stop()?;
    display.finish();
    match ended {
        Ended::Transferred => {
            job.complete()?;
            if !carry_out_file_actions(queue, &request.confinement)? {
                // The bytes stay in the temporary file the warning names;
                // no success is claimed for a file that is not there.
                crate::output::tell!("error: {id}: a file could not take its local name");
                return Ok(Ended::Failed);
            }
            let progress = job.progress()?;
            say!(
                "transferred {} file(s), {}",
                progress.files_transferred,
                bytes(progress.bytes_transferred)
            );
            if let Some(reply) = &request.reply {
                say!("reply: {}", reply.display());
            }
        }
        Ended::Failed => {
            if let Some(error) = error {
                crate::output::tell!("error: {}", describe(&error, &job)?);
            }
            job.cancel()?;
            carry_out_file_actions(queue, &request.confinement)?;
            crate::output::tell!("{id}: cancelled");
        }
        Ended::Interrupted => {
            // The service stopped above: no transfer writes any more, so
            // the temporary files the cancel discards stay gone.
            job.cancel()?;
            carry_out_file_actions(queue, &request.confinement)?;
            crate::output::tell!("{id}: interrupted; cancelled, its temporary files deleted");
        }
    }
    Ok(ended)
}

/// The `commit` and `discard` a `complete` or `cancel` made due, carried
/// out now, before bitsq answers. `false` when a `commit` failed (a file
/// is not at its local name).
pub fn carry_out_file_actions(queue: &Queue, confinement: &Confinement) -> Result<bool, Error> {
    let mut committed = true;
    for action in queue.take_file_actions()? {
        let failures = carry_out(&action, confinement);
        if matches!(action, bits_queue_host::Action::Commit(_)) && !failures.is_empty() {
            committed = false;
        }
        for failure in failures {
            crate::output::tell!("warning: {failure}");
        }
    }
    Ok(committed)
}

/// A job error for people: `BG_E_HTTP_ERROR_404 (0x80190194) in
/// remote-file, file 0 (URL): the server answered HTTP 404`.
pub fn describe(error: &JobError, job: &Job) -> Result<String, Error> {
    let name = hresult_name(error.hresult).unwrap_or_else(|| "HRESULT".into());
    let file = match error.file_index {
        Some(index) => {
            let files = job.files()?;
            match files.get(index as usize) {
                Some(f) => format!(", file {index} ({})", crate::views::remote(&f.remote_name)),
                None => format!(", file {index}"),
            }
        }
        None => String::new(),
    };
    Ok(format!(
        "{name} (0x{:08X}) in {}{file}: {}",
        error.hresult, error.context, error.description
    ))
}

/// `path` made absolute against the current directory (the queue takes
/// absolute local names only).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `1.5 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
