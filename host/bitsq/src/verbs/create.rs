//! `create [--download|--upload|--upload-reply] [--] NAME`: the one verb
//! with options of its own.

use bits_queue_host::{Error, ErrorCode, JobType};

use crate::output::{Shown, cut, say};
use crate::verbs::{Call, Failure};

pub fn create(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let mut job_type = JobType::Download;
    let mut rest = args;
    while let Some((first, after)) = rest.split_first() {
        match first.as_str() {
            "--download" => job_type = JobType::Download,
            "--upload" => job_type = JobType::Upload,
            "--upload-reply" => job_type = JobType::UploadReply,
            "--" => {
                rest = after;
                break;
            }
            option if option.starts_with("--") => {
                return Err(Failure::Bad(format!(
                    "unknown option `{}`; a name that begins with -- goes after \
                     `--` (create -- --name)",
                    Shown(&cut(option, 40))
                )));
            }
            _ => break,
        }
        rest = after;
    }
    let [name] = rest else {
        return Err(Failure::Usage);
    };
    let job = match call.manager.create_job(name, job_type) {
        Err(Error::Queue(ErrorCode::InvalidArgument)) => {
            return Err(Failure::refused_because(
                ErrorCode::InvalidArgument,
                crate::explain::display_name(name),
            ));
        }
        other => other?,
    };
    say!("{}", job.id()?);
    Ok(())
}
