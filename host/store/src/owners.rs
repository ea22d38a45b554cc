//! Who owns each job, and who is asking (issue 23): the host's side of
//! BITS's job owners. The component knows nothing of owners; a store
//! records them and a host (bitsq) checks them before it lets a caller
//! name a job, as BITS does:
//!
//! - every job has an owner: the user or role that created it;
//! - a caller sees and acts on its own jobs only; another's job is
//!   refused with `E_ACCESSDENIED`, and enumerating the queue shows only
//!   the caller's jobs;
//! - an administrator acts on every job, lists them all when asked
//!   (bitsadmin's `/allusers`) and may take a job's ownership
//!   (`/takeownership`).
//!
//! Who the owner is depends on the store: for a PostgreSQL queue the
//! database role that created the job (`postgresql/owners.rs`); for a
//! queue file the OS user who owns the file ([`LocalOwners`]).

use bits_queue_host::Guid;

use crate::error::StoreError;

/// Who calls: a name as owners are named, and whether it may act on every
/// job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The user or role, as a job's owner would name it.
    pub name: String,
    /// Whether it is an administrator of the queue: `root` for a queue
    /// file, a superuser or a member of the role `bitsq_admin` for a
    /// PostgreSQL queue.
    pub admin: bool,
}

/// A job's owner, as the caller sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobOwner {
    /// The owner's name (a role, an OS user).
    pub name: String,
    /// Whether the job is the caller's: it is its owner, or a member of
    /// the owner's role (as a fleet's service role, granted its tenants'
    /// roles, is for their secrets too). An administrator's own jobs are
    /// only those it owns.
    pub callers: bool,
}

/// The owners of a queue's jobs, as a store keeps them.
pub trait Owners: Send + Sync {
    /// Who this host calls as.
    fn caller(&self) -> Result<Caller, StoreError>;

    /// The owner of `job`; `None` when the store holds no such job.
    fn owner(&self, job: Guid) -> Result<Option<JobOwner>, StoreError>;

    /// The owners of `jobs`, in their order (`None`: no such job), in one
    /// look-up.
    fn owners(&self, jobs: &[Guid]) -> Result<Vec<Option<JobOwner>>, StoreError>;

    /// Makes the caller the owner of `job` (checking that it may is the
    /// host's part: only an administrator may). Returns whether the store
    /// held the job. A store whose jobs cannot change owner says why.
    fn take(&self, job: Guid) -> Result<bool, StoreError>;
}

/// The owners of a queue file's jobs (and of a queue in memory): all of
/// them are one user's, the file's owner (the process's user in memory).
/// The file's mode is the access control: a new queue file is its
/// owner's alone (0600), and whoever the mode lets open it (its owner,
/// `root`, a group it is shared with on purpose) uses every job of it, as
/// the owner would. `root` is the administrator. The jobs cannot change
/// owner: the file's owner does, with `chown`.
#[derive(Clone, Debug)]
pub struct LocalOwners {
    /// The owner of every job.
    owner: String,
    /// Who calls.
    caller: Caller,
}

impl LocalOwners {
    /// The jobs of a queue in memory: the process's user's.
    pub fn process() -> Self {
        let me = os_user::current();
        LocalOwners {
            owner: os_user::name(me),
            caller: Caller {
                name: os_user::name(me),
                admin: me == 0,
            },
        }
    }

    /// The jobs of the queue file at `path`: the file owner's.
    pub fn of_file(path: &std::path::Path) -> Self {
        let me = os_user::current();
        let owner = os_user::owner(path).unwrap_or(me);
        LocalOwners {
            owner: os_user::name(owner),
            caller: Caller {
                name: os_user::name(me),
                admin: me == 0,
            },
        }
    }

    fn job_owner(&self) -> JobOwner {
        JobOwner {
            name: self.owner.clone(),
            callers: true,
        }
    }
}

impl Owners for LocalOwners {
    fn caller(&self) -> Result<Caller, StoreError> {
        Ok(self.caller.clone())
    }

    fn owner(&self, _job: Guid) -> Result<Option<JobOwner>, StoreError> {
        Ok(Some(self.job_owner()))
    }

    fn owners(&self, jobs: &[Guid]) -> Result<Vec<Option<JobOwner>>, StoreError> {
        Ok(jobs.iter().map(|_| Some(self.job_owner())).collect())
    }

    fn take(&self, _job: Guid) -> Result<bool, StoreError> {
        Err(StoreError::new(format!(
            "every job of a queue file belongs to the file's owner ({}); a job of it \
             cannot change owner (the file can: chown)",
            self.owner
        )))
    }
}

/// The OS users of a local queue: numbers and names.
mod os_user {
    use std::path::Path;

    /// The effective user of this process.
    #[cfg(unix)]
    pub fn current() -> u32 {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    #[cfg(not(unix))]
    pub fn current() -> u32 {
        u32::MAX
    }

    /// The user who owns `path`.
    pub fn owner(path: &Path) -> Option<u32> {
        #[cfg(unix)]
        {
            std::fs::metadata(path)
                .ok()
                .map(|meta| std::os::unix::fs::MetadataExt::uid(&meta))
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }

    /// The login name of user `uid` (the system's user database, as `ls
    /// -l` shows it), else its number.
    #[cfg(unix)]
    pub fn name(uid: u32) -> String {
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let mut buffer = vec![0 as libc::c_char; 4096];
        // SAFETY: every pointer is to a live local of the size given; the
        // name it fills in points into `buffer`, read before it goes.
        let status = unsafe {
            libc::getpwuid_r(
                uid,
                &mut entry,
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut found,
            )
        };
        if status != 0 || found.is_null() || entry.pw_name.is_null() {
            return uid.to_string();
        }
        // SAFETY: getpwuid_r succeeded, so pw_name is a NUL-terminated
        // string inside `buffer`.
        unsafe { std::ffi::CStr::from_ptr(entry.pw_name) }
            .to_string_lossy()
            .into_owned()
    }

    #[cfg(not(unix))]
    pub fn name(uid: u32) -> String {
        uid.to_string()
    }
}
