//! bitsadmin's method verbs (contract §15.7): `sethttpmethod JOB METHOD`
//! and `gethttpmethod JOB`. The method is case-sensitive, as HTTP's are.

use bits_queue_host::{Error, ErrorCode};

use crate::output::{Shown, say};
use crate::verbs::args::exactly;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// `JOB METHOD`: a download job's method, before its first resume.
pub fn sethttpmethod(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, method] = exactly(args)?;
    let job = job(call, id)?;
    job.set_http_method(method).map_err(|e| why(e, method))?;
    say!("{}: HTTP method {}", job.id()?, Shown(method));
    Ok(())
}

/// The queue's refusal; a method it refuses is named, with why.
fn why(error: Error, method: &str) -> Failure {
    match &error {
        Error::Call(call) if call.error_code() == Some(ErrorCode::InvalidArgument) => {
            Failure::refused_because(
                ErrorCode::InvalidArgument,
                Some(format!(
                    "METHOD `{}` must be an HTTP token of 1 to 32 characters, \
                     and not CONNECT, TRACE, HEAD or BITS_POST",
                    Shown(method)
                )),
            )
        }
        _ => error.into(),
    }
}

/// `JOB`: GET, BITS_POST, or the method set.
pub fn gethttpmethod(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    say!("{}", Shown(&job(call, id)?.http_method()?));
    Ok(())
}
