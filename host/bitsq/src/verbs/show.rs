//! The verbs that show the queue: `list`, `info`, `geterror`, `gettimes`.

use crate::output::say;
use crate::verbs::args::exactly;
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};
use crate::views;

/// `list [--allusers]`: the caller's jobs, or an administrator's view of
/// every job with its owner.
pub fn list(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let (all_users, args) = crate::verbs::owners::all_users_flag(args);
    let [] = exactly(&args)?;
    let jobs = crate::verbs::owners::listed(call.owners, call.manager, all_users)?;
    Ok(views::list(&jobs, all_users)?)
}

pub fn info(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call, id)?;
    views::info(&job)?;
    views::upload_info(call.queue, &job)?;
    // The proxy settings, when not the default (contract §15.6).
    let proxy = job.proxy_settings()?;
    if proxy != bits_queue_host::ProxySettings::default() {
        let lists = match proxy.proxy_list.is_empty() {
            true => String::new(),
            false => format!(
                " via {} bypassing {}",
                crate::verbs::proxy::shown_list(&proxy.proxy_list),
                crate::verbs::proxy::shown_list(&proxy.bypass_list)
            ),
        };
        say!("proxy:        {}{lists}", proxy.usage.wit_name());
    }
    // The HTTP method, when not a download's GET (contract §15.7).
    let method = job.http_method()?;
    if !matches!(method.as_str(), "GET" | "BITS_POST") {
        say!("method:       {}", crate::output::Shown(&method));
    }
    // Security flags and the client certificate, when set (§15.4–§15.5).
    let flags = job.security_flags()?;
    if flags != 0 {
        say!("security:     {flags:#06X}");
    }
    if let Some(cert) = job.client_certificate()? {
        say!("client cert:  {}", crate::verbs::security::shown(&cert));
    }
    // Which slots hold a secret, from the host's secret store: the
    // component answers no call with them (contract §15.2).
    if let Some(secrets) = call.secrets {
        let id = job.id()?;
        let mut set = Vec::new();
        for slot in crate::verbs::credentials::SLOTS {
            if secrets.get(id, slot).is_ok_and(|s| s.is_some()) {
                set.push(bits_queue_store::slot_name(slot));
            }
        }
        if !set.is_empty() {
            crate::output::say!("secrets:      {}", set.join(", "));
        }
    }
    Ok(())
}

pub fn geterror(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call, id)?;
    match job.error()? {
        Some(error) => say!("{}", crate::transfer::describe(&error, &job)?),
        None => say!("{}: no error ({})", job.id()?, job.state()?),
    }
    Ok(())
}

pub fn gettimes(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    Ok(views::times(&job(call, id)?)?)
}
