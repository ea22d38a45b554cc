//! The notify program's verbs (contract §16.1), as bitsadmin names them:
//! the program the transfer service runs, once per event, when a job is
//! transferred (notify flag 0x1) or in error (0x2).

use bits_queue_contract::notify::{MAX_PARAMETERS, MAX_PROGRAM};
use bits_queue_host::{CallError, Error, ErrorCode, NotifyCmdLine};

use crate::output::{Shown, say};
use crate::verbs::args::positional;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// `JOB PROGRAM [PARAMETERS]`; a PROGRAM of `NULL` or "" removes it, as
/// bitsadmin's `/setnotifycmdline JOB NULL NULL`.
pub fn setnotifycmdline(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let words = positional(args);
    let (id, program, parameters) = match words[..] {
        [id, program] => (id, program, ""),
        [id, program, parameters] => (id, program, parameters),
        _ => return Err(Failure::Usage),
    };
    let command = if program.is_empty() || program.eq_ignore_ascii_case("NULL") {
        None
    } else {
        Some(NotifyCmdLine {
            program: program.to_owned(),
            parameters: parameters.to_owned(),
        })
    };
    let job = job(call, id)?;
    match job.set_notify_cmd_line(command.as_ref()) {
        Err(Error::Call(CallError::InvalidArgument | CallError::StringTooLong)) => {
            let why = format!(
                "PROGRAM must be an absolute path (no PATH is searched) of at most \
                 {MAX_PROGRAM} UTF-16 units, without * ? or control characters; \
                 PARAMETERS at most {MAX_PARAMETERS} units, without NUL"
            );
            return Err(Failure::refused_because(
                ErrorCode::InvalidArgument,
                Some(why),
            ));
        }
        other => other?,
    }
    show(&job)
}

/// `JOB`: the program and its parameters.
pub fn getnotifycmdline(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = crate::verbs::args::exactly(args)?;
    show(&job(call, id)?)
}

fn show(job: &bits_queue_host::Job) -> Result<(), Failure> {
    match job.notify_cmd_line()? {
        Some(command) => say!(
            "{}: notify program '{}' parameters '{}'",
            job.id()?,
            Shown(&command.program),
            Shown(&command.parameters)
        ),
        None => say!("{}: no notify program", job.id()?),
    }
    Ok(())
}
