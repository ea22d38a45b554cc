//! What a redirect report does to a download's file (contract §15.4).
//!
//! - `report-redirected(file, url)` (policy ALLOW_REPORT): the host
//!   followed redirects to `url`; the file's remote name becomes it.
//! - `redirect-refused(status, location)` (policy DISALLOW): the job ends
//!   in `error` (failure.rs), and, as in Windows, the remote name becomes
//!   the location.
//!
//! Either way the new name must be one a client could give (§4, §15.3)
//! and one the redirect itself could lead to: `http` or `https` (a
//! redirect never leads to `file://`, which would make the next attempt
//! read a local file the server chose) and not https → http unless the
//! job allows that step (0x0800). Otherwise the name stays.
//!
//! Credentials and custom headers belong to the origin a client named.
//! When a report moves a name to another origin (scheme, host and port;
//! the default port counts as written), the file is marked
//! [`foreign_origin`](crate::job::FileEntry::foreign_origin): its orders
//! then carry no server credentials, no custom headers and
//! `secret-headers` false (engine.rs), until `set-remote-name`,
//! `replace-remote-prefix` or a new `add-file` names it again. Proxy
//! credentials stay: they go to the job's proxy, never to the origin.

use alloc::string::String;

use bits_queue_contract::{ErrorCode, JobType, security};

use crate::job::Job;

/// An `http`/`https` URL's origin: whether it is https, its host (cased
/// as written, compared without case) and its port (the scheme's default
/// when none is written). `None` for anything else.
fn origin(url: &str) -> Option<(bool, &str, u16)> {
    let (https, rest) = if let Some(rest) = strip_scheme(url, "https") {
        (true, rest)
    } else {
        (false, strip_scheme(url, "http")?)
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.strip_prefix('[') {
        Some(bracketed) => {
            let (literal, after) = bracketed.split_once(']')?;
            (literal, after.strip_prefix(':'))
        }
        None => match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    let port = match port {
        None | Some("") => {
            if https {
                443
            } else {
                80
            }
        }
        Some(digits) => digits.parse().ok()?,
    };
    (!host.is_empty()).then_some((https, host, port))
}

/// What follows `scheme://`, the scheme matched in any case.
fn strip_scheme<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    let head = url.get(..scheme.len())?;
    let rest = url.get(scheme.len()..)?.strip_prefix("://")?;
    head.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// Whether `a` and `b` have one origin; a URL without one (not http or
/// https, or malformed) shares none.
pub(crate) fn same_origin(a: &str, b: &str) -> bool {
    match (origin(a), origin(b)) {
        (Some((a_https, a_host, a_port)), Some((b_https, b_host, b_port))) => {
            a_https == b_https && a_port == b_port && a_host.eq_ignore_ascii_case(b_host)
        }
        _ => false,
    }
}

impl Job {
    /// `report-redirected` for file `index`: a download in flight only
    /// (`invalid-state` otherwise; an upload job's is `invalid-argument`,
    /// as its redirects are never reported). A URL the name cannot become
    /// is `invalid-argument`, and the name stays. Returns whether the name
    /// changed.
    pub(crate) fn report_redirected(&mut self, index: u32, url: &str) -> Result<bool, ErrorCode> {
        if self.job_type != JobType::Download {
            return Err(ErrorCode::InvalidArgument);
        }
        let index = self.check_in_flight(index)?;
        if !self.may_redirect_to(index, url) {
            return Err(ErrorCode::InvalidArgument);
        }
        Ok(self.move_by_redirect(index, url))
    }

    /// A download's `redirect-refused` to `location`: the remote name
    /// becomes it if it may (the failure is recorded either way).
    pub(crate) fn take_refused_location(&mut self, index: usize, location: &str) {
        if self.job_type == JobType::Download && self.may_redirect_to(index, location) {
            self.move_by_redirect(index, location);
        }
    }

    /// Whether a redirect report may make `url` file `index`'s name.
    fn may_redirect_to(&self, index: usize, url: &str) -> bool {
        let Some(file) = self.files.get(index) else {
            return false;
        };
        let Some((to_https, _, _)) = origin(url) else {
            return false;
        };
        let from_https = origin(&file.info.remote_name).is_some_and(|(https, _, _)| https);
        let downgrade_allowed =
            self.trust.security_flags & security::REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP != 0;
        crate::remote_names::acceptable(url, file.is_ranged())
            && (to_https || !from_https || downgrade_allowed)
    }

    /// Renames file `index` to `url`, marking it when the origin changes;
    /// whether anything changed.
    fn move_by_redirect(&mut self, index: usize, url: &str) -> bool {
        let file = &mut self.files[index];
        if file.info.remote_name == url {
            return false;
        }
        if !same_origin(&file.info.remote_name, url) {
            file.foreign_origin = true;
        }
        file.info.remote_name = String::from(url);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        for (a, b) in [
            ("http://h/a", "http://H:80/b?q"),
            ("HTTPS://h.example:443", "https://h.EXAMPLE/x"),
            ("http://[::1]:8080/a", "http://[::1]:8080#f"),
            ("http://u@h/a", "http://h/b"),
        ] {
            assert!(same_origin(a, b), "{a} {b}");
        }
        for (a, b) in [
            ("http://h/a", "https://h/a"),
            ("http://h/a", "http://h:81/a"),
            ("http://h/a", "http://g/a"),
            ("http://h.example/a", "http://h.example.evil/a"),
            ("file:///a", "file:///a"),
            ("http://h:x/a", "http://h:x/a"),
            ("http:///a", "http:///a"),
        ] {
            assert!(!same_origin(a, b), "{a} {b}");
        }
    }
}
