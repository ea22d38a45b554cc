//! Job owners (issue 23), as BITS has them: each job is its creator's;
//! a caller sees and uses its own jobs only, and another's is refused with
//! `E_ACCESSDENIED`; an administrator uses every job, lists them all with
//! `--allusers` (bitsadmin's `/allusers`) and takes one with
//! `takeownership` (`/takeownership`). Who owns a job, and who is an
//! administrator, is the store's to say (`bits_queue_store::Owners`):
//! the creating role on PostgreSQL, the queue file's owner for a file.

use bits_queue_host::{Guid, Job, JobManager, JobState, SecretSlot};
use bits_queue_store::{Caller, JobOwner, Owners};

use crate::output::say;
use crate::verbs::args::exactly;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// The flag of `list` and `monitor` that asks for every user's jobs.
pub const ALL_USERS: &str = "--allusers";

/// Who the administrators are, for messages.
const ADMINS: &str = "an administrator (on PostgreSQL a superuser or a member of the role \
                      bitsq_admin; for a queue file, root)";

fn store_failed(e: bits_queue_store::StoreError) -> Failure {
    Failure::Store(e.to_string())
}

/// Refuses `job` unless it is the caller's or the caller is an
/// administrator.
pub fn may_use(call: &Call<'_>, job: &Job) -> Result<(), Failure> {
    let Some(owners) = call.owners else {
        return Ok(());
    };
    let id = job.id()?;
    match owners.owner(id).map_err(store_failed)? {
        // A job the store does not hold yet is one this call made.
        None => Ok(()),
        Some(owner) if owner.callers => Ok(()),
        Some(owner) => {
            let caller = owners.caller().map_err(store_failed)?;
            if caller.admin {
                return Ok(());
            }
            Err(Failure::Denied(format!(
                "job {id} belongs to {}, not to {}; only its owner or {ADMINS} may use it",
                owner.name, caller.name
            )))
        }
    }
}

/// Which of `jobs` the caller may use, in their order (one look-up).
pub fn usable(call: &Call<'_>, jobs: &[Job]) -> Result<Vec<bool>, Failure> {
    let Some(owners) = call.owners else {
        return Ok(vec![true; jobs.len()]);
    };
    let shown = shown_jobs(owners, jobs, false)?;
    Ok(shown.into_iter().map(|s| s.is_some()).collect())
}

/// For each of `jobs`: `Some(owner name)` when an enumeration shows it —
/// the caller's own jobs, or with `all_users` every job (which only an
/// administrator may ask, refused otherwise); `None` when it is hidden.
pub fn shown_jobs(
    owners: &dyn Owners,
    jobs: &[Job],
    all_users: bool,
) -> Result<Vec<Option<String>>, Failure> {
    let caller = owners.caller().map_err(store_failed)?;
    if all_users {
        may_list_all(&caller)?;
    }
    let ids: Vec<Guid> = jobs.iter().map(Job::id).collect::<Result<_, _>>()?;
    let found = owners.owners(&ids).map_err(store_failed)?;
    Ok(found
        .into_iter()
        .map(|owner| shown(&caller, owner, all_users))
        .collect())
}

/// Refuses `--allusers` to a caller that is no administrator.
pub fn may_list_all(caller: &Caller) -> Result<(), Failure> {
    if caller.admin {
        return Ok(());
    }
    Err(Failure::Denied(format!(
        "{ALL_USERS} lists every user's jobs, which only {ADMINS} may; {} is not one",
        caller.name
    )))
}

/// Whether one job is shown: a job the store does not hold yet (made by
/// this very call) is the caller's.
fn shown(caller: &Caller, owner: Option<JobOwner>, all_users: bool) -> Option<String> {
    match owner {
        None => Some(caller.name.clone()),
        Some(owner) if owner.callers || all_users => Some(owner.name),
        Some(_) => None,
    }
}

/// The jobs an enumeration shows, oldest first, each with its owner's
/// name: the caller's, or every job with `all_users` (administrators
/// only). Without owners (a store that keeps none) every job is shown.
pub fn listed(
    owners: Option<&dyn Owners>,
    manager: &JobManager,
    all_users: bool,
) -> Result<Vec<(Job, Option<String>)>, Failure> {
    let jobs = manager.jobs()?;
    let Some(owners) = owners else {
        return Ok(jobs.into_iter().map(|job| (job, None)).collect());
    };
    let shown = shown_jobs(owners, &jobs, all_users)?;
    Ok(jobs
        .into_iter()
        .zip(shown)
        .filter_map(|(job, owner)| owner.map(|owner| (job, Some(owner))))
        .collect())
}

/// `[--allusers] …`: whether the flag is among the words before `--`,
/// and the other words.
pub fn all_users_flag(args: &[String]) -> (bool, Vec<String>) {
    crate::verbs::args::take_flag(args, ALL_USERS)
}

/// `getowner [--raw] JOB`: who owns the job (bitsadmin's `/GetOwner`).
pub fn getowner(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let (raw, words) = crate::verbs::getters::raw_flag(args);
    let [id] = exactly(&words)?;
    let job = job(call, id)?;
    let id = job.id()?;
    let owner = match call.owners {
        Some(owners) => match owners.owner(id).map_err(store_failed)? {
            Some(owner) => owner.name,
            None => owners.caller().map_err(store_failed)?.name,
        },
        None => return Err(Failure::Store("this queue's store keeps no owners".into())),
    };
    if raw {
        say!("{owner}");
    } else {
        say!("{id}: owner {owner}");
    }
    Ok(())
}

/// `takeownership JOB`: an administrator becomes the job's owner
/// (bitsadmin's `/TakeOwnership`). As BITS does, the job loses its
/// credentials, client certificate, custom headers and notify command
/// line: they were the old owner's (and its secrets are readable by the
/// old owner's role only).
pub fn takeownership(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let Some(owners) = call.owners else {
        return Err(Failure::Store("this queue's store keeps no owners".into()));
    };
    let caller = owners.caller().map_err(store_failed)?;
    if !caller.admin {
        return Err(Failure::Denied(format!(
            "only {ADMINS} may take a job's ownership; {} is not one",
            caller.name
        )));
    }
    let job = job(call, id)?;
    let id = job.id()?;
    if matches!(job.state()?, JobState::Cancelled | JobState::Acknowledged) {
        return Err(Failure::refused_because(
            bits_queue_host::ErrorCode::InvalidState,
            Some(format!(
                "job {id} is {}: it cannot change owner",
                job.state()?
            )),
        ));
    }
    // First the owner, which a store may refuse (a queue file's jobs are
    // its owner's): a refusal changes nothing.
    match owners.take(id) {
        Ok(true) => {}
        Ok(false) => {
            return Err(Failure::Refused(
                bits_queue_host::ErrorCode::NotFound,
                String::new(),
            ));
        }
        Err(e) => return Err(Failure::Unservable(format!("takeownership: {e}"))),
    }
    let mut removed = Vec::new();
    for slot in crate::verbs::credentials::SLOTS {
        if let SecretSlot::Credential(c) = slot
            && job.remove_credentials(c.target, c.scheme)?
        {
            removed.push("credentials");
        }
    }
    if job.client_certificate()?.is_some() {
        job.set_client_certificate(None)?;
        removed.push("client certificate");
    }
    // Write-only headers are not read back (`access-denied`): held too.
    if !matches!(job.custom_headers(), Ok(None)) {
        job.set_custom_headers(None)?;
        removed.push("custom headers");
    }
    if job.notify_cmd_line()?.is_some() {
        job.set_notify_cmd_line(None)?;
        removed.push("notify command line");
    }
    removed.dedup();
    if removed.is_empty() {
        say!("{id}: owner {}", caller.name);
    } else {
        say!(
            "{id}: owner {} (the old owner's {} removed)",
            caller.name,
            removed.join(", ")
        );
    }
    Ok(())
}
