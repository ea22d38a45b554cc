//! Changing where a download job's files come from (contract §16.5):
//! bitsadmin's `/ReplaceRemotePrefix`, and `setremotename` for one file
//! (BITS' IBackgroundCopyFile2::SetRemoteName, which bitsadmin lacks). A
//! file keeps what has arrived; the next attempt resumes it from the new
//! URL when the server's validator still matches.

use bits_queue_host::{CallError, Error, ErrorCode, Job};

use crate::output::{Shown, cut, say};
use crate::verbs::args::{exactly, number};
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};
use crate::views::remote;

/// `JOB FILE_INDEX URL`.
pub fn setremotename(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, index, url] = exactly(args)?;
    let index = number("FILE_INDEX", index, 0)?;
    let job = job(call, id)?;
    let files = job.files()?.len();
    if usize::try_from(index).map_or(true, |i| i >= files) {
        return Err(Failure::Bad(format!(
            "FILE_INDEX must name one of the job's {files} file(s), from 0, not {index}"
        )));
    }
    match job.set_remote_name(index, url) {
        Err(Error::Call(CallError::InvalidArgument)) => {
            return Err(Failure::refused_because(
                ErrorCode::InvalidArgument,
                Some(url_rule(url)),
            ));
        }
        other => other?,
    }
    let name = &job.files()?[index as usize].remote_name;
    say!("{}: file {index} from {}", job.id()?, Shown(&remote(name)));
    Ok(())
}

/// `JOB OLD NEW`.
pub fn replaceremoteprefix(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, old, new] = exactly(args)?;
    if old.is_empty() {
        return Err(Failure::Bad("OLD must not be empty".into()));
    }
    let job = job(call, id)?;
    let matched = match job.replace_remote_prefix(old, new) {
        Err(Error::Call(CallError::InvalidArgument)) => {
            let why = "with NEW in place of OLD, a remote name would not be an http://, \
                       https:// or file:// URL of at most 2,200 UTF-16 units without \
                       user information";
            return Err(Failure::refused_because(
                ErrorCode::InvalidArgument,
                Some(why.into()),
            ));
        }
        other => other?,
    };
    if !matched {
        say!(
            "{}: no remote name starts with `{}`",
            job.id()?,
            Shown(&cut(old, 80))
        );
        return Ok(());
    }
    show_files(&job)
}

fn show_files(job: &Job) -> Result<(), Failure> {
    let id = job.id()?;
    for (index, file) in job.files()?.iter().enumerate() {
        say!(
            "{id}: file {index} from {}",
            Shown(&remote(&file.remote_name))
        );
    }
    Ok(())
}

/// Why `url` cannot be a remote name: `addfile`'s explanation of it (with
/// a local name that breaks no rule).
fn url_rule(url: &str) -> String {
    crate::explain::file(url, "/data").unwrap_or_else(|| {
        "URL must be an http://, https:// or file:// URL without user information".into()
    })
}
