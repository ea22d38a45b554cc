//! The verbs that set a job's properties: its names, priority, retry
//! settings and notify flags. Each prints the value the job now has.

use bits_queue_contract::notify_flags;
use bits_queue_host::{Error, ErrorCode, Job, JobPriority};

use crate::output::{Shown, cut, say};
use crate::verbs::about::notify_flags_text;
use crate::verbs::args::{exactly, number};
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

pub fn setdisplayname(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    set_text(
        call,
        args,
        "display name",
        Text {
            set: Job::set_display_name,
            get: Job::display_name,
            explain: crate::explain::display_name,
        },
    )
}

pub fn setdescription(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    set_text(
        call,
        args,
        "description",
        Text {
            set: Job::set_description,
            get: Job::description,
            explain: crate::explain::description,
        },
    )
}

/// A text property of a job: how it is set and read, and why a value of
/// it would be refused.
struct Text {
    set: fn(&Job, &str) -> bits_queue_host::Result<()>,
    get: fn(&Job) -> bits_queue_host::Result<String>,
    explain: fn(&str) -> Option<String>,
}

/// `JOB VALUE`: sets the text property `what`; a refused value is
/// explained by the rule it breaks.
fn set_text(call: &Call<'_>, args: &[String], what: &str, text: Text) -> Result<(), Failure> {
    let [id, value] = exactly(args)?;
    let job = job(call, id)?;
    match (text.set)(&job, value) {
        Err(Error::Queue(code @ (ErrorCode::InvalidArgument | ErrorCode::StringTooLong))) => {
            return Err(Failure::refused_because(code, (text.explain)(value)));
        }
        other => other?,
    }
    say!("{}: {what} {}", job.id()?, Shown(&(text.get)(&job)?));
    Ok(())
}

pub fn setpriority(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, value] = exactly(args)?;
    let priority: JobPriority = value.parse().map_err(|_| {
        Failure::Bad(format!(
            "`{}` is not a priority: foreground, high, normal or low",
            Shown(&cut(value, 40))
        ))
    })?;
    let job = job(call, id)?;
    job.set_priority(priority)?;
    say!("{}: priority {}", job.id()?, job.priority()?);
    Ok(())
}

pub fn setminretrydelay(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    set_seconds(call, args, "minimum retry delay", |job, seconds| {
        job.set_minimum_retry_delay(seconds)?;
        job.minimum_retry_delay()
    })
}

pub fn setnoprogresstimeout(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    set_seconds(call, args, "no-progress timeout", |job, seconds| {
        job.set_no_progress_timeout(seconds)?;
        job.no_progress_timeout()
    })
}

/// `JOB SECONDS`: sets a job's setting `what` with `set`, which answers
/// the value the job now has.
fn set_seconds(
    call: &Call<'_>,
    args: &[String],
    what: &str,
    set: fn(&Job, u32) -> bits_queue_host::Result<u32>,
) -> Result<(), Failure> {
    let [id, seconds] = exactly(args)?;
    let seconds = number("SECONDS", seconds, 0)?;
    let job = job(call, id)?;
    let now = set(&job, seconds)?;
    say!("{}: {what} {now} s", job.id()?);
    Ok(())
}

pub fn setnotifyflags(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, flags] = exactly(args)?;
    let flags = parse_flags(flags).ok_or_else(|| {
        Failure::Bad(format!(
            "FLAGS must be a number from 0 to 0x{:X} ({}), not `{}`",
            notify_flags::ALL,
            notify_flags_text(),
            Shown(&cut(flags, 40))
        ))
    })?;
    let job = job(call, id)?;
    job.set_notify_flags(flags)?;
    say!("{}: notify flags 0x{:X}", job.id()?, job.notify_flags()?);
    Ok(())
}

/// `0x8` or `8`.
fn parse_flags(text: &str) -> Option<u32> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()
    } else {
        text.parse().ok()
    }
}
