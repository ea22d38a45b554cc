//! Why a verb did not run, and how that is told: its usage, a wrong
//! argument named with the reason, or the queue's refusal with its Windows
//! name and HRESULT.

use bits_queue_host::{CallError, Error, ErrorCode};

use crate::output::{Shown, cut, tell};
use crate::shell::Ended;
use crate::verbs::Verb;

/// Why a verb did not run.
pub enum Failure {
    /// Wrong words: print the verb's usage.
    Usage,
    /// A verb bitsq does not know (shown cut short).
    Unknown(String),
    /// A wrong argument, found by bitsq before the queue saw it: the
    /// message says which and why (the verb's name is put before it).
    Bad(String),
    /// Values the sandbox could not serve (limits over its memory or
    /// handles): refused by bitsq, like the queue's own refusals.
    Unservable(String),
    /// The queue refused: the error code, and what bitsq can tell about
    /// why (empty, or `: reason`, or ` (context)`).
    Refused(ErrorCode, String),
    /// The job is another user's (issue 23): `E_ACCESSDENIED`, with why.
    Denied(String),
    /// The queue's store could not say who owns a job (issue 23): nothing
    /// was done.
    Store(String),
    /// The queue refused a call added after §8 (contract §14.1).
    CallRefused(CallError),
    /// The sandbox failed during the call.
    Sandbox(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Queue(code) => Failure::Refused(code, String::new()),
            Error::Call(call) => match call.error_code() {
                Some(code) => Failure::Refused(code, String::new()),
                None => Failure::CallRefused(call),
            },
            other => Failure::Sandbox(other),
        }
    }
}

impl Failure {
    /// A refusal with bitsq's reason in place of the code's general meaning.
    pub fn refused_because(code: ErrorCode, why: Option<String>) -> Failure {
        Failure::Refused(code, why.map(|why| format!(": {why}")).unwrap_or_default())
    }
}

/// `E_INVALIDARG (0x80070057): the local name must be…`, or with the
/// code's own meaning when bitsq has no better reason.
fn refusal_text(code: ErrorCode, detail: &str) -> String {
    if let Some(why) = detail.strip_prefix(": ") {
        format!("{code} (0x{:08X}): {why}", code.hresult())
    } else {
        format!("{}{detail}", Error::Queue(code))
    }
}

/// Prints why `verb` (`None`: a verb not known) did not run; how it ended.
pub fn report(verb: Option<&Verb>, failure: Failure) -> Ended {
    let name = verb.map_or("", |v| v.name);
    match failure {
        Failure::Usage => {
            match verb {
                Some(verb) => tell!("usage: {}", verb.usage()),
                None => tell!("usage: VERB [ARGS]; `help` lists the commands"),
            }
            Ended::Usage
        }
        Failure::Unknown(name) => {
            tell!(
                "error: unknown command `{}`; `help` lists the commands",
                Shown(&cut(&name, 40))
            );
            Ended::Usage
        }
        Failure::Bad(message) => {
            tell!("error: {name}: {message}");
            Ended::Usage
        }
        Failure::Unservable(message) => {
            tell!("error: {message}");
            Ended::Refused
        }
        Failure::Refused(code, detail) => {
            tell!("error: {}", refusal_text(code, &detail));
            Ended::Refused
        }
        Failure::Denied(why) => {
            tell!("error: E_ACCESSDENIED (0x80070005): {why}");
            Ended::Refused
        }
        Failure::Store(why) => {
            tell!("error: the queue's store failed, nothing was done: {why}");
            Ended::Refused
        }
        Failure::CallRefused(call) => {
            tell!("error: {}", Error::Call(call));
            Ended::Refused
        }
        Failure::Sandbox(e) => {
            tell!("error: {e}");
            Ended::Failed
        }
    }
}
