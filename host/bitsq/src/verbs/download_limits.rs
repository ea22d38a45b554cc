//! The verbs of what bounds a job's transfer and what it has cost
//! (contract §16.2, §16.3, §16.7, §16.8): bitsadmin's
//! `/SetMaxDownloadTime`, `/GetMaxDownloadTime` and `/GetErrorCount`, and,
//! named after them since bitsadmin has none, the maximum download size
//! and dynamic content. Each setter prints the value the job now has.

use bits_queue_host::Job;

use crate::input::thousands;
use crate::output::{Shown, cut, say};
use crate::verbs::args::{exactly, number};
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// `JOB SECONDS`: 0 is no limit.
pub fn setmaxdownloadtime(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, seconds] = exactly(args)?;
    let seconds = number("SECONDS", seconds, 0)?;
    let job = job(call, id)?;
    job.set_maximum_download_time(seconds)?;
    show_time(&job)
}

/// `JOB`.
pub fn getmaxdownloadtime(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    show_time(&job(call, id)?)
}

fn show_time(job: &Job) -> Result<(), Failure> {
    say!(
        "{}: maximum download time {}",
        job.id()?,
        time_text(job.maximum_download_time()?)
    );
    Ok(())
}

/// The maximum download time as `info` and the verbs show it.
pub fn time_text(seconds: u32) -> String {
    match seconds {
        0 => "none (no limit)".into(),
        s => format!("{} s", thousands(s.into())),
    }
}

/// `JOB`.
pub fn geterrorcount(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call, id)?;
    say!("{}: error count {}", job.id()?, job.error_count()?);
    Ok(())
}

/// `JOB BYTES`: 0 is no limit; download jobs only, before the first resume.
pub fn setmaxdownloadsize(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, bytes] = exactly(args)?;
    let bytes = bytes.parse::<u64>().map_err(|_| {
        Failure::Bad(format!(
            "BYTES must be a whole number from 0 (no limit) to {}, not `{}`",
            thousands(u64::MAX),
            Shown(&cut(bytes, 40))
        ))
    })?;
    let job = job(call, id)?;
    job.set_maximum_download_size(bytes)?;
    show_size(&job)
}

/// `JOB`.
pub fn getmaxdownloadsize(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    show_size(&job(call, id)?)
}

fn show_size(job: &Job) -> Result<(), Failure> {
    say!(
        "{}: maximum download size {}",
        job.id()?,
        size_text(job.maximum_download_size()?)
    );
    Ok(())
}

/// The maximum download size as `info` and the verbs show it.
pub fn size_text(bytes: u64) -> String {
    match bytes {
        0 => "none (no limit)".into(),
        b => format!("{} bytes", thousands(b)),
    }
}

/// `JOB TRUE|FALSE`: download jobs only, before the first resume.
pub fn setdynamiccontent(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, value] = exactly(args)?;
    let enabled = crate::verbs::args::true_or_false(value)?;
    let job = job(call, id)?;
    job.set_dynamic_content(enabled)?;
    show_dynamic(&job)
}

/// `JOB`.
pub fn getdynamiccontent(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    show_dynamic(&job(call, id)?)
}

fn show_dynamic(job: &Job) -> Result<(), Failure> {
    let on = if job.dynamic_content()? { "on" } else { "off" };
    say!("{}: dynamic content {on}", job.id()?);
    Ok(())
}
