//! bitsadmin's single-value getters (`/GetState`, `/GetBytesTotal`, …):
//! one property of one job per verb, printed as `GUID: name value`, or with
//! `--raw` (bitsadmin's `/RawReturn`) the value alone, for scripts. Names
//! and descriptions go through `Shown`, raw or not: a job's text never
//! reaches a terminal as control characters.

use bits_queue_host::Job;

use crate::output::{Shown, say};
use crate::verbs::args::exactly;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// The flag that prints only the value.
pub const RAW: &str = "--raw";

/// `args` without `--raw` (before a `--`, after which every word is an
/// argument), and whether it was there.
pub fn raw_flag(args: &[String]) -> (bool, Vec<String>) {
    crate::verbs::args::take_flag(args, RAW)
}

/// `[--raw] JOB`: prints `label`'s `value` of the job.
fn show(
    call: &Call<'_>,
    args: &[String],
    label: &str,
    value: impl FnOnce(&Job) -> bits_queue_host::Result<String>,
) -> Result<(), Failure> {
    let (raw, words) = raw_flag(args);
    let [id] = exactly(&words)?;
    let job = job(call, id)?;
    let value = value(&job)?;
    if raw {
        say!("{value}");
    } else {
        say!("{}: {label} {value}", job.id()?);
    }
    Ok(())
}

/// One getter verb per property: its function, the label it prints, and
/// how the value is read and written out.
macro_rules! getters {
    ($($name:ident, $label:literal, |$job:ident| $value:expr;)*) => {$(
        pub fn $name(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
            show(call, args, $label, |$job| Ok($value))
        }
    )*};
}

getters! {
    getstate, "state", |job| job.state()?.to_string();
    gettype, "type", |job| job.job_type()?.to_string();
    getpriority, "priority", |job| job.priority()?.to_string();
    getbytestotal, "bytes total", |job| crate::views::size(job.progress()?.bytes_total);
    getbytestransferred, "bytes transferred", |job| job.progress()?.bytes_transferred.to_string();
    getfilestotal, "files total", |job| job.progress()?.files_total.to_string();
    getfilestransferred, "files transferred", |job| job.progress()?.files_transferred.to_string();
    getdisplayname, "display name", |job| Shown(&job.display_name()?).to_string();
    getdescription, "description", |job| Shown(&job.description()?).to_string();
    getnotifyflags, "notify flags", |job| format!("0x{:X}", job.notify_flags()?);
    getminretrydelay, "minimum retry delay", |job| job.minimum_retry_delay()?.to_string();
    getnoprogresstimeout, "no-progress timeout", |job| job.no_progress_timeout()?.to_string();
}
