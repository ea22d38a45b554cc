//! bitsadmin's proxy verbs (contract §15.6): `setproxysettings JOB
//! preconfig|no_proxy|override [LIST [BYPASS]]` and the three getters. A
//! list is one argument (quote it), space-delimited; `NULL` (bitsadmin's
//! word) or "" is an empty list.

use bits_queue_host::{ProxySettings, ProxyUsage};

use crate::output::{Shown, say};
use crate::verbs::args::{exactly, positional};
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// bitsadmin's usage words, and the WIT names.
fn usage(text: &str) -> Result<ProxyUsage, Failure> {
    match text.to_ascii_lowercase().replace('_', "-").as_str() {
        "preconfig" => Ok(ProxyUsage::Preconfig),
        "no-proxy" => Ok(ProxyUsage::NoProxy),
        "override" => Ok(ProxyUsage::Override),
        "autodetect" => Err(Failure::Bad(
            "USAGE autodetect (WPAD) is not offered; use preconfig, no_proxy or override".into(),
        )),
        _ => Err(Failure::Bad(format!(
            "USAGE must be preconfig, no_proxy or override, not `{}`",
            Shown(text)
        ))),
    }
}

/// bitsadmin's spelling of a usage.
fn usage_word(usage: ProxyUsage) -> &'static str {
    match usage {
        ProxyUsage::Preconfig => "PRECONFIG",
        ProxyUsage::NoProxy => "NO_PROXY",
        ProxyUsage::Override => "OVERRIDE",
    }
}

fn list(text: Option<&&str>) -> String {
    match text {
        Some(text) if !text.eq_ignore_ascii_case("null") => (*text).to_owned(),
        _ => String::new(),
    }
}

/// `JOB USAGE [LIST [BYPASS]]`.
pub fn setproxysettings(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let words = positional(args);
    let [id, usage_text, lists @ ..] = words.as_slice() else {
        return Err(Failure::Usage);
    };
    if lists.len() > 2 {
        return Err(Failure::Usage);
    }
    let settings = ProxySettings {
        usage: usage(usage_text)?,
        proxy_list: list(lists.first()),
        bypass_list: list(lists.get(1)),
    };
    let job = job(call, id)?;
    job.set_proxy_settings(&settings)?;
    say!("{}: proxy usage {}", job.id()?, usage_word(settings.usage));
    Ok(())
}

/// `JOB`: PRECONFIG, NO_PROXY or OVERRIDE.
pub fn getproxyusage(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    say!("{}", usage_word(job(call, id)?.proxy_settings()?.usage));
    Ok(())
}

/// `JOB`: the proxy list, or NULL.
pub fn getproxylist(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    say!(
        "{}",
        shown_list(&job(call, id)?.proxy_settings()?.proxy_list)
    );
    Ok(())
}

/// `JOB`: the bypass list, or NULL.
pub fn getproxybypasslist(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let settings = job(call, id)?.proxy_settings()?;
    say!("{}", shown_list(&settings.bypass_list));
    Ok(())
}

/// A list as bitsadmin shows it: NULL when empty.
pub fn shown_list(list: &str) -> String {
    if list.is_empty() {
        "NULL".into()
    } else {
        Shown(list).to_string()
    }
}
