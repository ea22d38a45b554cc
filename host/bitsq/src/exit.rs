//! bitsq's exit statuses: one per kind of ending, so a script can tell a
//! typo from a broken component from a refusal.

use std::process::ExitCode;

/// How bitsq ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It ran (the shell: its input ended, or `quit`).
    Done = 0,
    /// The queue refused the command, a transfer failed, or (the shell) a
    /// call failed in the sandbox.
    Failed = 1,
    /// Wrong flags or words: nothing ran.
    Usage = 2,
    /// The component cannot be loaded or started.
    Component = 3,
    /// The queue's store cannot be opened, or another service holds it.
    Store = 4,
    /// The shell could not read some of its input (a line that is not
    /// UTF-8, too long, or input that is not text); the rest ran.
    Input = 5,
    /// A command changed the queue (its changes are stored) but what it
    /// had to print could not be written (stdout full, closed or gone): the
    /// change happened, so a script must not simply run it again.
    Unreported = 6,
    /// `transfer` was stopped by Ctrl-C or SIGTERM: its job was cancelled
    /// and its temporary files deleted (128 + SIGINT, as shells report a
    /// Ctrl-C).
    Interrupted = 130,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        ExitCode::from(status as u8)
    }
}

/// The exit statuses, for `--help`.
pub const HELP: &str = "\
Exit status:
  0  it ran (the shell: its input ended, or quit)
  1  the queue refused the command, a transfer failed, or a call failed in
     the sandbox
  2  usage: wrong flags or words, nothing ran
  3  the component cannot be loaded or started
  4  the queue's store cannot be opened, or another service holds it
  5  the shell could not read some of its input (the rest ran)
  6  the queue was changed, but the output could not be written (stdout
     full, closed or gone): look with list before running it again
  130  transfer stopped by Ctrl-C or SIGTERM: its job cancelled, its
     temporary files deleted";
