//! The notify program (contract §16.1): what a job runs when it is
//! transferred or in error, and a run the component hands a host.

use alloc::string::String;

use crate::{Guid, NotifyEvent};

/// Most UTF-16 code units in a notify program's path (`MAX_PATH`).
pub const MAX_PROGRAM: usize = 260;
/// Most UTF-16 code units in a notify program's parameters.
pub const MAX_PARAMETERS: usize = 4000;

/// A program and its command line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NotifyCmdLine {
    /// An absolute path; no PATH is searched.
    pub program: String,
    /// The command line, split as CommandLineToArgvW splits it; its first
    /// token is argv[0].
    pub parameters: String,
}

/// A run due: the job, the event that made it due, what to run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NotifyCommand {
    /// The job.
    pub job: Guid,
    /// `transferred` or `error`.
    pub event: NotifyEvent,
    /// What to run.
    pub command: NotifyCmdLine,
}
