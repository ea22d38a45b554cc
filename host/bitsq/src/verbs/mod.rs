//! The shell's verbs, in one table, as cargo keeps its commands and
//! ripgrep its flags: each entry has the verb's name, its arguments, its
//! help, whether it only reads the queue, and the function that runs it.
//! The shell, the one-shot commands (`bitsq VERB ARGS…`), `help` and
//! `bitsq --help` all read this table, so a verb is added here and in the
//! module that holds its function, nowhere else.

mod about;
mod admin;
mod args;
mod create;
mod credentials;
pub mod download_limits;
mod failure;
mod files;
pub mod getters;
mod help;
mod job_name;
mod limits;
mod method;
mod monitor;
mod notify;
mod owners;
pub mod proxy;
pub mod ranges;
mod remote_names;
mod reply;
pub mod security;
mod settings;
mod show;
mod states;

use bits_queue_host::{JobManager, Queue};

use crate::budget::Grant;
use crate::shell::{CommandEnd, Shell};

pub use args::asks_help;
pub use failure::{Failure, report};
pub use help::{overview, verb_help};

/// One verb of the shell.
pub struct Verb {
    /// What is typed, in any case.
    pub name: &'static str,
    /// Its arguments, as its usage line shows them.
    pub args: &'static str,
    /// One line on what it does; `{NAME}` stands for a fact of the
    /// contract (see `about.rs`), so no number is written here twice.
    pub about: &'static str,
    /// Whether it only reads the queue (no store lock) or changes it.
    pub access: Access,
    /// What runs it.
    pub action: Action,
}

/// Whether a verb changes the queue: a changing verb's call takes the
/// store's lock and is stored with its changes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    /// It only reads.
    Reads,
    /// It changes the queue.
    Changes,
    /// It reads without arguments and changes with them (`limits`).
    ChangesWithArgs,
}

/// How a verb runs.
pub enum Action {
    /// On its words alone, with no queue (`help`, `quit`): `bitsq help`
    /// opens no store.
    Alone(fn(&[String]) -> Result<Flow, Failure>),
    /// As one call on the queue, reading or changing it as `access` says.
    Call(fn(&Call<'_>, &[String]) -> Result<(), Failure>),
    /// As many calls over time on the shell's queue (`monitor`).
    Shell(fn(&Shell<'_>, &[String]) -> CommandEnd),
    /// On the queue's location, before any queue is opened (`admin
    /// migrate`, which sets up what opening needs): a one-shot command
    /// only.
    Location(fn(&str, &[String]) -> crate::exit::Status),
}

/// What a verb run as one call works on.
pub struct Call<'a> {
    pub queue: &'a Queue,
    pub manager: &'a JobManager,
    /// What the sandbox grants: `limits` refuses what it cannot serve.
    pub grant: Grant,
    /// The queue's secret store (contract §15.2): `info` shows which
    /// credential slots hold a secret, never the secret.
    pub secrets: Option<&'a dyn bits_queue_store::Secrets>,
    /// Whether the store keeps the queue's pending Cancel-Sessions (the
    /// call's are kept once it is stored, and sent after it).
    pub keeps_cancels: bool,
    /// Who owns each job and who calls (issue 23): a job that is not the
    /// caller's is refused unless the caller is an administrator.
    pub owners: Option<&'a dyn bits_queue_store::Owners>,
}

/// Whether the shell goes on after a verb.
pub enum Flow {
    Continue,
    Quit,
}

/// Every verb, in the order `help` lists them.
pub static VERBS: &[Verb] = &[
    Verb {
        name: "create",
        args: "[--download|--upload|--upload-reply] [--] NAME",
        about: "create a suspended job (a download unless told) and print its GUID",
        access: Access::Changes,
        action: Action::Call(create::create),
    },
    Verb {
        name: "list",
        args: "[--allusers]",
        about: "list your jobs, oldest first; --allusers: everyone's (administrators)",
        access: Access::Reads,
        action: Action::Call(show::list),
    },
    Verb {
        name: "info",
        args: "JOB",
        about: "show every property of a job, and each file's progress",
        access: Access::Reads,
        action: Action::Call(show::info),
    },
    Verb {
        name: "addfile",
        args: "JOB REMOTE LOCAL",
        about: "add a file: an http(s):// or file:// URL and an absolute local path",
        access: Access::Changes,
        action: Action::Call(files::addfile),
    },
    Verb {
        name: "files",
        args: "JOB",
        about: "list a job's files",
        access: Access::Reads,
        action: Action::Call(files::files),
    },
    Verb {
        name: "setdisplayname",
        args: "JOB VALUE",
        about: "set a job's display name (at most {MAX_DISPLAY_NAME} UTF-16 units)",
        access: Access::Changes,
        action: Action::Call(settings::setdisplayname),
    },
    Verb {
        name: "setdescription",
        args: "JOB VALUE",
        about: "set a job's description (at most {MAX_DESCRIPTION} UTF-16 units)",
        access: Access::Changes,
        action: Action::Call(settings::setdescription),
    },
    Verb {
        name: "setpriority",
        args: "JOB foreground|high|normal|low",
        about: "set a job's priority",
        access: Access::Changes,
        action: Action::Call(settings::setpriority),
    },
    Verb {
        name: "resume",
        args: "JOB",
        about: "queue a job for transfer",
        access: Access::Changes,
        action: Action::Call(states::resume),
    },
    Verb {
        name: "suspend",
        args: "JOB",
        about: "pause a job",
        access: Access::Changes,
        action: Action::Call(states::suspend),
    },
    Verb {
        name: "cancel",
        args: "JOB",
        about: "cancel a job: it leaves the queue, its temporary files deleted",
        access: Access::Changes,
        action: Action::Call(states::cancel),
    },
    Verb {
        name: "complete",
        args: "JOB",
        about: "acknowledge a job: its files take their local names, it leaves",
        access: Access::Changes,
        action: Action::Call(states::complete),
    },
    Verb {
        name: "geterror",
        args: "JOB",
        about: "show a job's error: Windows name, HRESULT, context, file",
        access: Access::Reads,
        action: Action::Call(show::geterror),
    },
    Verb {
        name: "getreplyfilename",
        args: "JOB",
        about: "show an upload-reply job's reply file name",
        access: Access::Reads,
        action: Action::Call(reply::getreplyfilename),
    },
    Verb {
        name: "setreplyfilename",
        args: "JOB FILE",
        about: "set an upload-reply job's reply file (\"\" for the generated name)",
        access: Access::Changes,
        action: Action::Call(reply::setreplyfilename),
    },
    Verb {
        name: "getreplydata",
        args: "JOB",
        about: "show an upload-reply job's reply, once transferred",
        access: Access::Reads,
        action: Action::Call(reply::getreplydata),
    },
    Verb {
        name: "setcredentials",
        args: "JOB server|proxy basic|digest USER SECRET",
        about: "or JOB server bearer TOKEN; a SECRET or TOKEN of - is read from stdin",
        access: Access::Changes,
        action: Action::Call(credentials::setcredentials),
    },
    Verb {
        name: "removecredentials",
        args: "JOB server|proxy basic|digest|bearer",
        about: "remove a credential",
        access: Access::Changes,
        action: Action::Call(credentials::removecredentials),
    },
    Verb {
        name: "setcustomheaders",
        args: "JOB [\"NAME: VALUE\"…]",
        about: "set the headers sent with every request (none: remove them)",
        access: Access::Changes,
        action: Action::Call(credentials::setcustomheaders),
    },
    Verb {
        name: "getcustomheaders",
        args: "JOB",
        about: "show the custom headers, unless write-only",
        access: Access::Reads,
        action: Action::Call(credentials::getcustomheaders),
    },
    Verb {
        name: "makecustomheaderswriteonly",
        args: "JOB",
        about: "make the custom headers write-only, for good",
        access: Access::Changes,
        action: Action::Call(credentials::makecustomheaderswriteonly),
    },
    Verb {
        name: "setproxysettings",
        args: "JOB preconfig|no_proxy|override [LIST [BYPASS]]",
        about: "how a job reaches servers; LIST and BYPASS space-delimited",
        access: Access::Changes,
        action: Action::Call(proxy::setproxysettings),
    },
    Verb {
        name: "getproxyusage",
        args: "JOB",
        about: "show a job's proxy usage",
        access: Access::Reads,
        action: Action::Call(proxy::getproxyusage),
    },
    Verb {
        name: "getproxylist",
        args: "JOB",
        about: "show a job's proxy list",
        access: Access::Reads,
        action: Action::Call(proxy::getproxylist),
    },
    Verb {
        name: "getproxybypasslist",
        args: "JOB",
        about: "show a job's proxy bypass list",
        access: Access::Reads,
        action: Action::Call(proxy::getproxybypasslist),
    },
    Verb {
        name: "sethttpmethod",
        args: "JOB METHOD",
        about: "a download's HTTP method before its first resume (GET: the default)",
        access: Access::Changes,
        action: Action::Call(method::sethttpmethod),
    },
    Verb {
        name: "gethttpmethod",
        args: "JOB",
        about: "show a job's HTTP method",
        access: Access::Reads,
        action: Action::Call(method::gethttpmethod),
    },
    Verb {
        name: "setsecurityflags",
        args: "JOB VALUE",
        about: "set certificate checks and redirect policy (Windows' bits, decimal/hex)",
        access: Access::Changes,
        action: Action::Call(security::setsecurityflags),
    },
    Verb {
        name: "getsecurityflags",
        args: "JOB",
        about: "show a job's security flags",
        access: Access::Reads,
        action: Action::Call(security::getsecurityflags),
    },
    Verb {
        name: "setclientcertificatebyid",
        args: "JOB [LOCATION] STORE SHA1_HEX",
        about: "present the certificate with this thumbprint from a host store",
        access: Access::Changes,
        action: Action::Call(security::setclientcertificatebyid),
    },
    Verb {
        name: "setclientcertificatebyname",
        args: "JOB [LOCATION] STORE SUBJECT",
        about: "present the first certificate whose subject holds SUBJECT",
        access: Access::Changes,
        action: Action::Call(security::setclientcertificatebyname),
    },
    Verb {
        name: "removeclientcertificate",
        args: "JOB",
        about: "present no client certificate",
        access: Access::Changes,
        action: Action::Call(security::removeclientcertificate),
    },
    Verb {
        name: "getclientcertificate",
        args: "JOB",
        about: "show a job's client certificate reference",
        access: Access::Reads,
        action: Action::Call(security::getclientcertificate),
    },
    Verb {
        name: "gettimes",
        args: "JOB",
        about: "show a job's creation, modification and completion times",
        access: Access::Reads,
        action: Action::Call(show::gettimes),
    },
    Verb {
        name: "setminretrydelay",
        args: "JOB SECONDS",
        about: "set the wait after a transient error (at least {LEAST_MINIMUM_RETRY_DELAY} s)",
        access: Access::Changes,
        action: Action::Call(settings::setminretrydelay),
    },
    Verb {
        name: "setnoprogresstimeout",
        args: "JOB SECONDS",
        about: "set how long without progress a job may retry (zero: no retry)",
        access: Access::Changes,
        action: Action::Call(settings::setnoprogresstimeout),
    },
    Verb {
        name: "setnotifyflags",
        args: "JOB FLAGS",
        about: "set notifications: {NOTIFY_FLAGS}",
        access: Access::Changes,
        action: Action::Call(settings::setnotifyflags),
    },
    Verb {
        name: "setnotifycmdline",
        args: "JOB PROGRAM [PARAMETERS]",
        about: "run PROGRAM (absolute, no shell) when transferred or in error; NULL: none",
        access: Access::Changes,
        action: Action::Call(notify::setnotifycmdline),
    },
    Verb {
        name: "getnotifycmdline",
        args: "JOB",
        about: "show the job's notify program and its parameters",
        access: Access::Reads,
        action: Action::Call(notify::getnotifycmdline),
    },
    Verb {
        name: "setmaxdownloadtime",
        args: "JOB SECONDS",
        about: "set how long a job may spend transferring after a resume (zero: no limit)",
        access: Access::Changes,
        action: Action::Call(download_limits::setmaxdownloadtime),
    },
    Verb {
        name: "getmaxdownloadtime",
        args: "JOB",
        about: "show a job's maximum download time",
        access: Access::Reads,
        action: Action::Call(download_limits::getmaxdownloadtime),
    },
    Verb {
        name: "getstate",
        args: "[--raw] JOB",
        about: "show the job's state",
        access: Access::Reads,
        action: Action::Call(getters::getstate),
    },
    Verb {
        name: "gettype",
        args: "[--raw] JOB",
        about: "show the job's type",
        access: Access::Reads,
        action: Action::Call(getters::gettype),
    },
    Verb {
        name: "getpriority",
        args: "[--raw] JOB",
        about: "show the job's priority",
        access: Access::Reads,
        action: Action::Call(getters::getpriority),
    },
    Verb {
        name: "getbytestotal",
        args: "[--raw] JOB",
        about: "show the bytes of all its files (unknown while a size is)",
        access: Access::Reads,
        action: Action::Call(getters::getbytestotal),
    },
    Verb {
        name: "getbytestransferred",
        args: "[--raw] JOB",
        about: "show the bytes transferred",
        access: Access::Reads,
        action: Action::Call(getters::getbytestransferred),
    },
    Verb {
        name: "getfilestotal",
        args: "[--raw] JOB",
        about: "show how many files the job has",
        access: Access::Reads,
        action: Action::Call(getters::getfilestotal),
    },
    Verb {
        name: "getfilestransferred",
        args: "[--raw] JOB",
        about: "show how many files are transferred",
        access: Access::Reads,
        action: Action::Call(getters::getfilestransferred),
    },
    Verb {
        name: "getdisplayname",
        args: "[--raw] JOB",
        about: "show the job's display name",
        access: Access::Reads,
        action: Action::Call(getters::getdisplayname),
    },
    Verb {
        name: "getdescription",
        args: "[--raw] JOB",
        about: "show the job's description",
        access: Access::Reads,
        action: Action::Call(getters::getdescription),
    },
    Verb {
        name: "getnotifyflags",
        args: "[--raw] JOB",
        about: "show the job's notify flags",
        access: Access::Reads,
        action: Action::Call(getters::getnotifyflags),
    },
    Verb {
        name: "getminretrydelay",
        args: "[--raw] JOB",
        about: "show the seconds before a retry",
        access: Access::Reads,
        action: Action::Call(getters::getminretrydelay),
    },
    Verb {
        name: "getnoprogresstimeout",
        args: "[--raw] JOB",
        about: "show the seconds without progress that end the job",
        access: Access::Reads,
        action: Action::Call(getters::getnoprogresstimeout),
    },
    Verb {
        name: "reset",
        args: "[--force]",
        about: "cancel every job of yours (asks first on a terminal)",
        access: Access::Changes,
        action: Action::Call(states::reset),
    },
    Verb {
        name: "geterrorcount",
        args: "JOB",
        about: "show how many failures a job has met",
        access: Access::Reads,
        action: Action::Call(download_limits::geterrorcount),
    },
    Verb {
        name: "setmaxdownloadsize",
        args: "JOB BYTES",
        about: "set the most bytes a download job's files may hold (zero: no limit)",
        access: Access::Changes,
        action: Action::Call(download_limits::setmaxdownloadsize),
    },
    Verb {
        name: "getmaxdownloadsize",
        args: "JOB",
        about: "show a job's maximum download size",
        access: Access::Reads,
        action: Action::Call(download_limits::getmaxdownloadsize),
    },
    Verb {
        name: "setdynamiccontent",
        args: "JOB TRUE|FALSE",
        about: "fetch a download job's files whole, from their start, on every attempt",
        access: Access::Changes,
        action: Action::Call(download_limits::setdynamiccontent),
    },
    Verb {
        name: "getdynamiccontent",
        args: "JOB",
        about: "show whether a job has dynamic content",
        access: Access::Reads,
        action: Action::Call(download_limits::getdynamiccontent),
    },
    Verb {
        name: "setremotename",
        args: "JOB FILE_INDEX URL",
        about: "fetch a download job's file from URL from now on (what arrived stays)",
        access: Access::Changes,
        action: Action::Call(remote_names::setremotename),
    },
    Verb {
        name: "replaceremoteprefix",
        args: "JOB OLD NEW",
        about: "replace OLD by NEW at the start of a download job's remote names",
        access: Access::Changes,
        action: Action::Call(remote_names::replaceremoteprefix),
    },
    Verb {
        name: "getowner",
        args: "[--raw] JOB",
        about: "show who owns a job (--raw: only the name)",
        access: Access::Reads,
        action: Action::Call(owners::getowner),
    },
    Verb {
        name: "takeownership",
        args: "JOB",
        about: "make yourself the owner of another's job (administrators only)",
        access: Access::Changes,
        action: Action::Call(owners::takeownership),
    },
    Verb {
        name: "addfilewithranges",
        args: "JOB REMOTE LOCAL RANGES",
        about: "add only RANGES (OFFSET:LENGTH, comma-separated) of an http(s):// file",
        access: Access::Changes,
        action: Action::Call(ranges::addfilewithranges),
    },
    Verb {
        name: "getfileranges",
        args: "JOB FILE_INDEX",
        about: "show the ranges of a job's file (none: the whole file)",
        access: Access::Reads,
        action: Action::Call(ranges::getfileranges),
    },
    Verb {
        name: "setvalidationstate",
        args: "JOB FILE_INDEX TRUE|FALSE",
        about: "say whether a transferred file is valid; FALSE fetches it again",
        access: Access::Changes,
        action: Action::Call(ranges::setvalidationstate),
    },
    Verb {
        name: "getvalidationstate",
        args: "JOB FILE_INDEX",
        about: "show whether a job's file was found valid",
        access: Access::Reads,
        action: Action::Call(ranges::getvalidationstate),
    },
    Verb {
        name: "monitor",
        args: "[--allusers] [SECONDS]",
        about: "show your jobs each second until Ctrl-C, or for SECONDS while any moves",
        access: Access::Reads,
        action: Action::Shell(monitor::monitor),
    },
    Verb {
        name: "limits",
        args: "[MAX_JOBS MAX_FILES]",
        about: "show the queue limits, or set them (neither may be zero)",
        access: Access::ChangesWithArgs,
        action: Action::Call(limits::limits),
    },
    Verb {
        name: "admin",
        args: "migrate",
        about: "create or migrate the queue's tables (needs a role that may create)",
        access: Access::Changes,
        action: Action::Location(admin::admin),
    },
    Verb {
        name: "help",
        args: "[VERB]",
        about: "list the commands, or explain one",
        access: Access::Reads,
        action: Action::Alone(help::help),
    },
    Verb {
        name: "quit",
        args: "",
        about: "leave the shell (so does the end of input, or Ctrl-D)",
        access: Access::Reads,
        action: Action::Alone(help::quit),
    },
];

/// The verb called `name`, in any case.
pub fn find(name: &str) -> Option<&'static Verb> {
    VERBS.iter().find(|v| v.name.eq_ignore_ascii_case(name))
}

impl Verb {
    /// `addfile JOB REMOTE LOCAL`.
    pub fn usage(&self) -> String {
        if self.args.is_empty() {
            self.name.to_string()
        } else {
            format!("{} {}", self.name, self.args)
        }
    }

    /// Whether running it with `args` only reads the queue.
    pub fn reads(&self, args: &[String]) -> bool {
        match self.access {
            Access::Reads => true,
            Access::Changes => false,
            Access::ChangesWithArgs => args::positional(args).is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lower_case_words() {
        for (i, verb) in VERBS.iter().enumerate() {
            assert!(
                verb.name.chars().all(|c| c.is_ascii_lowercase()),
                "{}",
                verb.name
            );
            assert!(
                VERBS[i + 1..].iter().all(|other| other.name != verb.name),
                "{} twice",
                verb.name
            );
            assert!(std::ptr::eq(find(&verb.name.to_uppercase()).unwrap(), verb));
        }
    }

    /// Only what the queue itself is asked to change takes the lock.
    #[test]
    fn access_follows_the_words() {
        let limits = find("limits").unwrap();
        assert!(limits.reads(&[]));
        assert!(!limits.reads(&["1".into(), "2".into()]));
        assert!(find("list").unwrap().reads(&[]));
        assert!(!find("create").unwrap().reads(&["x".into()]));
    }
}
