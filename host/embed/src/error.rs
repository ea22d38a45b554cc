//! The two kinds of failure, kept apart so a caller can tell them apart:
//! the queue said no ([`ErrorCode`], with its Windows HRESULT), or the sandbox
//! failed ([`SandboxError`]: load, trap, limit, dead instance).

use std::fmt;

use bits_queue_contract::{CallError, ErrorCode};

/// What kind of sandbox failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SandboxErrorKind {
    /// The component could not be read, compiled, linked or instantiated, or
    /// does not export the contract, or imports what the host does not grant.
    Load,
    /// The guest trapped (a panic, `unreachable`, a bad handle…).
    Trap,
    /// The guest hit the per-instance memory limit.
    OutOfMemory,
    /// A call ran past the per-call time limit.
    TimedOut,
    /// The instance failed earlier; it takes no more calls.
    Dead,
    /// The runtime already runs as many instances as it is allowed.
    InstanceLimit,
    /// An argument is larger than the host passes into a sandbox.
    ArgumentTooLarge,
    /// The component lacks the function called: it was built for an
    /// earlier version of the contract. The instance goes on working.
    NotExported,
}

/// The sandbox failed: the call did not get a queue answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxError {
    kind: SandboxErrorKind,
    message: String,
    /// The import the host refused to link, for a load error of that kind.
    ungranted_import: Option<String>,
}

impl SandboxError {
    pub(crate) fn new(kind: SandboxErrorKind, message: impl Into<String>) -> Self {
        SandboxError {
            kind,
            message: message.into(),
            ungranted_import: None,
        }
    }

    /// A load error: the component imports `import`, which the host does
    /// not grant.
    pub(crate) fn ungranted(import: &str, message: impl Into<String>) -> Self {
        SandboxError {
            ungranted_import: Some(import.to_string()),
            ..SandboxError::new(SandboxErrorKind::Load, message)
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> SandboxErrorKind {
        self.kind
    }

    /// The details.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For a component refused at load because it imports what this host
    /// does not grant: that import (an application may then say how to
    /// grant more, as [`Config::full_wasi`](crate::Config::full_wasi) does).
    pub fn ungranted_import(&self) -> Option<&str> {
        self.ungranted_import.as_deref()
    }

    /// Whether the instance is unusable after this error: every failure
    /// during a call kills it; load errors, the instance limit and oversized
    /// arguments happen before any guest code runs.
    pub fn kills_instance(&self) -> bool {
        matches!(
            self.kind,
            SandboxErrorKind::Trap
                | SandboxErrorKind::OutOfMemory
                | SandboxErrorKind::TimedOut
                | SandboxErrorKind::Dead
        )
    }
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            SandboxErrorKind::Load => "cannot load the component",
            SandboxErrorKind::Trap => "the component trapped",
            SandboxErrorKind::OutOfMemory => "the component ran out of memory",
            SandboxErrorKind::TimedOut => "the call timed out",
            SandboxErrorKind::Dead => "the instance is dead",
            SandboxErrorKind::InstanceLimit => "too many instances",
            SandboxErrorKind::ArgumentTooLarge => "argument too large",
            SandboxErrorKind::NotExported => "not in this component",
        };
        write!(f, "{what}: {}", self.message)
    }
}

impl std::error::Error for SandboxError {}

/// Every failure of a call: the queue said no, or the sandbox failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The queue refused the call (the guest returned an `error-code`).
    Queue(ErrorCode),
    /// The queue refused a call added after §8 (the guest returned a
    /// `call-error`, contract §14.1).
    Call(CallError),
    /// The sandbox failed (load, trap, limit, dead instance).
    Sandbox(SandboxError),
}

impl Error {
    /// The queue's error code, if the queue refused the call.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Queue(code) => Some(*code),
            Error::Call(call) => call.error_code(),
            Error::Sandbox(_) => None,
        }
    }

    /// The sandbox failure, if the sandbox failed.
    pub fn sandbox(&self) -> Option<&SandboxError> {
        match self {
            Error::Queue(_) | Error::Call(_) => None,
            Error::Sandbox(e) => Some(e),
        }
    }

    /// The sandbox failure's kind, if the sandbox failed.
    pub fn sandbox_kind(&self) -> Option<SandboxErrorKind> {
        self.sandbox().map(SandboxError::kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // BG_E_NOT_FOUND (0x80200001): no job in the queue has that GUID
            Error::Queue(code) => {
                write!(f, "{code} (0x{:08X}): {}", code.hresult(), code.meaning())
            }
            Error::Call(call) => write!(f, "{call} (0x{:08X})", call.hresult()),
            Error::Sandbox(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Queue(code) => Some(code),
            Error::Call(call) => Some(call),
            Error::Sandbox(e) => Some(e),
        }
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Error::Queue(code)
    }
}

impl From<SandboxError> for Error {
    fn from(e: SandboxError) -> Self {
        Error::Sandbox(e)
    }
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
