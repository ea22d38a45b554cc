//! The verbs that show the queue: `list`, `info`, `geterror`, `gettimes`.

use crate::output::say;
use crate::verbs::args::exactly;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};
use crate::views;

pub fn list(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [] = exactly(args)?;
    Ok(views::list(call.manager)?)
}

pub fn info(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call.manager, id)?;
    views::info(&job)?;
    Ok(views::upload_info(call.queue, &job)?)
}

pub fn geterror(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call.manager, id)?;
    match job.error()? {
        Some(error) => say!("{}", crate::transfer::describe(&error, &job)?),
        None => say!("{}: no error ({})", job.id()?, job.state()?),
    }
    Ok(())
}

pub fn gettimes(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    Ok(views::times(&job(call.manager, id)?)?)
}
