//! What the verbs print about jobs: the job list (`list`, `monitor`), a
//! job's properties (`info`), its files and times, the queue's limits.
//! Every name is shown escaped (`Shown`), never raw.

use bits_queue_host::{Datetime, Job, Progress, QueueLimits, Result};

use crate::output::{Shown, cut, escape_controls, say};

/// `list` fits 80 columns: the GUID, the state, the file count, and as
/// much of the name as is left (`info` shows the rest).
const LIST_WIDTH: usize = 80;

/// The owner column of `list --allusers` (`getowner` shows all of it).
const OWNER_WIDTH: usize = 14;

/// `jobs`, oldest first, one line each; with `owners` (an
/// administrator's `--allusers` view), each job's owner in place of its
/// file count.
pub fn list(jobs: &[(Job, Option<String>)], owners: bool) -> Result<()> {
    if jobs.is_empty() {
        say!("no jobs");
        return Ok(());
    }
    let third = match owners {
        true => format!("{:<OWNER_WIDTH$}", "OWNER"),
        false => format!("{:>5}", "FILES"),
    };
    let head = format!("{:<38}  {:<15}  {third}  ", "GUID", "STATE");
    let room = LIST_WIDTH - head.chars().count();
    say!("{head}NAME");
    for (job, owner) in jobs {
        let name = escape_controls(&job.display_name()?, true);
        let third = match owners {
            true => {
                let owner = escape_controls(owner.as_deref().unwrap_or("?"), true);
                format!("{:<OWNER_WIDTH$}", cut(&owner, OWNER_WIDTH))
            }
            false => format!("{:>5}", job.progress()?.files_total),
        };
        say!(
            "{:<38}  {:<15}  {third}  {}",
            job.id()?.to_string(),
            job.state()?.to_string(),
            cut(&name, room)
        );
    }
    say!("{} job(s)", jobs.len());
    Ok(())
}

/// `1234` or `unknown`.
pub(crate) fn size(bytes_total: u64) -> String {
    if bytes_total == Progress::SIZE_UNKNOWN {
        "unknown".to_string()
    } else {
        bytes_total.to_string()
    }
}

/// A remote name as printed: user information, which a record from before
/// contract §15.3 may hold, shows as `***@`.
pub fn remote(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Every property of a job, each file's progress, its error and times.
pub fn info(job: &Job) -> Result<()> {
    let progress = job.progress()?;
    say!("guid:         {}", job.id()?);
    say!("display name: {}", Shown(&job.display_name()?));
    say!("description:  {}", Shown(&job.description()?));
    say!("type:         {}", job.job_type()?);
    say!("state:        {}", job.state()?);
    say!("priority:     {}", job.priority()?);
    say!(
        "files:        {} of {} transferred",
        progress.files_transferred,
        progress.files_total
    );
    say!(
        "bytes:        {} of {} transferred",
        progress.bytes_transferred,
        size(progress.bytes_total)
    );
    let files = job.files()?;
    for (index, (file, progress)) in files.iter().zip(job.file_progress()?).enumerate() {
        let done = if progress.completed { ", complete" } else { "" };
        say!(
            "file {index}:       {} of {} bytes{done}{}: {} -> {}",
            progress.bytes_transferred,
            size(progress.bytes_total),
            file_extras(job, index),
            Shown(&remote(&file.remote_name)),
            Shown(&file.local_name)
        );
    }
    match job.error()? {
        Some(error) => say!("error:        {}", crate::transfer::describe(&error, job)?),
        None => say!("error:        none"),
    }
    times(job)?;
    say!(
        "retry:        after {} s, no progress for {} s ends it; notify flags 0x{:X}",
        job.minimum_retry_delay()?,
        job.no_progress_timeout()?,
        job.notify_flags()?
    );
    limits_info(job);
    // Shown only when set; a component without the call has none.
    if let Some(command) = job.notify_cmd_line().ok().flatten() {
        say!(
            "notify:       '{}' parameters '{}'",
            Shown(&command.program),
            Shown(&command.parameters)
        );
    }
    Ok(())
}

/// The maximum download time and size, the error count and dynamic
/// content (contract §16.2, §16.3, §16.7, §16.8); a component without
/// these calls shows none of them.
fn limits_info(job: &Job) {
    use crate::verbs::download_limits::{size_text, time_text};
    let (Ok(time), Ok(errors)) = (job.maximum_download_time(), job.error_count()) else {
        return;
    };
    say!(
        "limits:       maximum download time {}, error count {errors}",
        time_text(time)
    );
    if let (Ok(size), Ok(dynamic)) = (job.maximum_download_size(), job.dynamic_content())
        && (size != 0 || dynamic)
    {
        let dynamic = if dynamic { "on" } else { "off" };
        say!(
            "download:     maximum size {}, dynamic content {dynamic}",
            size_text(size)
        );
    }
}

/// An upload job's session and reply (contract §14): the bytes the server
/// acknowledged are the job's `bytes` above; the session shows while the
/// file is in flight (the component gives it in the order's details).
pub fn upload_info(queue: &bits_queue_host::Queue, job: &Job) -> Result<()> {
    let job_type = job.job_type()?;
    if !job_type.is_upload() {
        return Ok(());
    }
    let progress = job.progress()?;
    say!(
        "acknowledged: {} of {} bytes by the server",
        progress.bytes_transferred,
        size(progress.bytes_total)
    );
    let file = bits_queue_host::FileRef {
        job: job.id()?,
        file_index: 0,
    };
    // A component without the call, or a file not in flight: none shown.
    let upload = queue
        .order_details(file)
        .ok()
        .flatten()
        .and_then(|d| d.upload);
    match upload.as_ref().and_then(|u| u.session_id.as_deref()) {
        Some(session) => say!("session:      {}", Shown(session)),
        None => say!("session:      none in flight"),
    }
    if job_type == bits_queue_host::JobType::UploadReply {
        match job.reply_file_name()? {
            Some(name) => say!("reply file:   {}", Shown(&name)),
            None => say!("reply file:   none yet"),
        }
        if let Some(url) = upload.as_ref().and_then(|u| u.reply_url.as_deref()) {
            say!("reply url:    {}", Shown(url));
        }
        let reply = job.reply_progress()?;
        say!(
            "reply:        {} of {} bytes{}",
            reply.bytes_transferred,
            size(reply.bytes_total),
            if reply.completed { ", complete" } else { "" }
        );
    }
    Ok(())
}

/// A job's files, `REMOTE -> LOCAL`, with their ranges and validation
/// when they have them.
pub fn files(job: &Job) -> Result<()> {
    let files = job.files()?;
    for (index, f) in files.iter().enumerate() {
        say!(
            "{} -> {}{}",
            Shown(&remote(&f.remote_name)),
            Shown(&f.local_name),
            file_extras(job, index)
        );
    }
    say!("{} file(s)", files.len());
    Ok(())
}

/// `, ranges 0:100,500:eof` and `, valid` for a file that has them
/// (contract §16.4, §16.6); nothing for a component without the calls.
fn file_extras(job: &Job, index: usize) -> String {
    let Ok(index) = u32::try_from(index) else {
        return String::new();
    };
    let mut extras = String::new();
    if let Ok(ranges) = job.file_ranges(index)
        && !ranges.is_empty()
    {
        extras += &format!(", ranges {}", crate::verbs::ranges::text(&ranges));
    }
    if job.file_validation_state(index).unwrap_or(false) {
        extras += ", valid";
    }
    extras
}

/// A job's times, each as a UTC date.
pub fn times(job: &Job) -> Result<()> {
    let times = job.times()?;
    say!("created:      {}", date(times.creation));
    say!("modified:     {}", date(times.modification));
    match times.transfer_completion {
        Some(at) => say!("transferred:  {}", date(at)),
        None => say!("transferred:  not yet"),
    }
    Ok(())
}

/// `2026-11-30 08:12:01 UTC`; a time past the calendar's end (jiff's, at
/// the end of the year 9999) as seconds since the Unix epoch.
fn date(at: Datetime) -> String {
    i64::try_from(at.seconds)
        .ok()
        .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
        .map(|at| at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("{} s after 1970-01-01 00:00:00 UTC", at.seconds))
}

/// `max-jobs 300, max-files-per-job 200`.
pub fn limits(limits: QueueLimits) {
    say!(
        "max-jobs {}, max-files-per-job {}",
        limits.max_jobs,
        limits.max_files_per_job
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        let at = |seconds| date(Datetime::from_seconds(seconds));
        assert_eq!(at(0), "1970-01-01 00:00:00 UTC");
        // A leap day, and the last second of a year.
        assert_eq!(at(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(at(1_798_761_599), "2026-12-31 23:59:59 UTC");
        assert_eq!(at(253_402_207_200), "9999-12-30 22:00:00 UTC");
        assert_eq!(
            at(253_402_207_201),
            "253402207201 s after 1970-01-01 00:00:00 UTC"
        );
    }
}
