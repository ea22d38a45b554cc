//! `limits [MAX_JOBS MAX_FILES]`: the queue's limits, shown or set. Limits
//! the sandbox could not serve are refused here, before the queue takes
//! them.

use bits_queue_host::QueueLimits;

use crate::budget;
use crate::verbs::args::{number, positional};
use crate::verbs::{Call, Failure};
use crate::views;

pub fn limits(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    match positional(args).as_slice() {
        [] => {}
        [jobs, files] => {
            let max_jobs = number("MAX_JOBS", jobs, 1)?;
            let max_files_per_job = number("MAX_FILES", files, 1)?;
            let limits = QueueLimits {
                max_jobs,
                max_files_per_job,
            };
            if let Some(why) = budget::refusal(limits, call.grant) {
                return Err(Failure::Unservable(format!(
                    "limits {max_jobs} {max_files_per_job}: {why}; nothing changed"
                )));
            }
            call.queue.set_limits(limits)?;
        }
        _ => return Err(Failure::Usage),
    }
    views::limits(call.queue.limits()?);
    Ok(())
}
