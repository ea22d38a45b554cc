//! The demonstration `bitsq` runs with no command: the mission in a minute.

use bits_queue_host::{Error, ErrorCode, Job, JobType, Queue, Result, Runtime};

use crate::output::say;

/// Creates jobs, prints their GUIDs, gets one back by GUID, moves jobs
/// through their states and shows refusals with their HRESULTs.
pub fn run(runtime: &Runtime, queue: &Queue, source: &str, seed: Option<u64>) -> Result<()> {
    say!("bitsq: the Windows BITS job queue in a WebAssembly sandbox");
    say!("component: {source}");
    say!("queue:     memory: (nothing is kept; the shell and `bitsq VERB` keep theirs)");
    say!("imports:   {}", runtime.imports().join(", "));
    match seed {
        Some(seed) => say!("GUIDs:     from a stream seeded with {seed} (reproducible)"),
        None => say!("GUIDs:     from OS entropy (--seed N makes them reproducible)"),
    }

    let manager = queue.manager()?;
    say!("\nCreate jobs (each gets a version-4 GUID; new jobs are suspended):");
    let backup = manager.create_job("Nightly backup", JobType::Download)?;
    let report = manager.create_job("Crash report", JobType::Upload)?;
    let telemetry = manager.create_job("Telemetry round trip", JobType::UploadReply)?;
    for job in [&backup, &report, &telemetry] {
        print_row(job)?;
    }

    say!("\nGet a job back by its GUID:");
    let id = backup.id()?;
    let again = manager.get_job(id)?;
    say!(
        "  get-job {id} -> \"{}\", get-id {}: {}",
        again.display_name()?,
        again.id()?,
        if again.id()? == id {
            "the same job"
        } else {
            "A DIFFERENT JOB"
        }
    );
    again.set_description("Backs up /home every night")?;
    say!(
        "  set-description through the new handle; the first handle reads: \"{}\"",
        backup.description()?
    );

    say!("\nMove jobs through their states:");
    step(&backup, "resume", Job::resume)?;
    let (remote, local) = ("https://example.com/backup.tar", "/var/backups/backup.tar");
    backup.add_file(remote, local)?;
    say!("  {id} add-file {remote} -> {local}");
    step(&backup, "resume", Job::resume)?;
    step(&backup, "suspend", Job::suspend)?;
    step(&backup, "complete", Job::complete)?;
    report.add_file("https://example.com/upload", "C:\\reports\\crash.dmp")?;
    say!(
        "  {} add-file https://example.com/upload <- C:\\reports\\crash.dmp",
        report.id()?
    );
    step(&report, "complete", Job::complete)?;
    step(&report, "cancel", Job::cancel)?;
    step(&report, "resume", Job::resume)?;

    say!("\nA refused call, with its error name and HRESULT:");
    let gone = report.id()?;
    match manager.get_job(gone) {
        Err(e @ Error::Queue(_)) => say!("  get-job {gone} -> {e}"),
        Err(other) => return Err(other),
        Ok(_) => say!("  get-job {gone} -> found (unexpected: it was cancelled)"),
    }
    let hresult = queue.hresult(ErrorCode::NotFound)?;
    say!("  the component's hresult(not-found) = 0x{hresult:08X}");

    say!("\nThe queue now (enum-jobs, in creation order):");
    for job in manager.jobs()? {
        print_row(&job)?;
    }
    Ok(())
}

fn print_row(job: &Job) -> Result<()> {
    say!(
        "  {}  {:<12}  {:<10}  {}",
        job.id()?,
        job.job_type()?.to_string(),
        job.state()?.to_string(),
        job.display_name()?
    );
    Ok(())
}

/// Runs one state change and prints what it did, or the refusal.
fn step(job: &Job, what: &str, call: fn(&Job) -> Result<()>) -> Result<()> {
    let before = job.state()?;
    let outcome = match call(job) {
        Ok(()) => {
            let after = job.state()?;
            let left = if after.is_final() {
                " (left the queue)"
            } else {
                ""
            };
            format!("{before} -> {after}{left}")
        }
        Err(e @ Error::Queue(_)) => format!("refused: {e}"),
        Err(other) => return Err(other),
    };
    say!("  {} {what:<8} {outcome}", job.id()?);
    Ok(())
}
