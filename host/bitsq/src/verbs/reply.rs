//! bitsadmin's reply verbs for upload-reply jobs (contract §14.5): the
//! reply file's name, read and set, and the reply's bytes.

use crate::output::{Shown, say};
use crate::verbs::args::exactly;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// `JOB`: the reply file's name, or that it has none yet.
pub fn getreplyfilename(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call, id)?;
    match job.reply_file_name()? {
        Some(name) => say!("{}: reply file {}", job.id()?, Shown(&name)),
        None => say!("{}: no reply file yet", job.id()?),
    }
    Ok(())
}

/// `JOB FILE`: sets the reply file's name ("" for the generated one).
pub fn setreplyfilename(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, name] = exactly(args)?;
    let job = job(call, id)?;
    job.set_reply_file_name(name)?;
    let name = job.reply_file_name()?.unwrap_or_default();
    say!("{}: reply file {}", job.id()?, Shown(&name));
    Ok(())
}

/// `JOB`: the reply's bytes, as text when they are UTF-8, else in hex.
pub fn getreplydata(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call, id)?;
    let data = job.reply_data()?.unwrap_or_default();
    match std::str::from_utf8(&data) {
        Ok(text) => say!(
            "{}: reply ({} bytes) {}",
            job.id()?,
            data.len(),
            Shown(text)
        ),
        Err(_) => {
            let hex: String = data.iter().map(|b| format!("{b:02X}")).collect();
            say!("{}: reply ({} bytes, hex) {hex}", job.id()?, data.len());
        }
    }
    Ok(())
}
