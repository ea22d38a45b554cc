//! Redirects followed by the host itself, so each step is checked as
//! contract §15.4 says (ureq's own following would request a `file://`
//! Location as a path on the same server, and end a loop only after ten
//! requests as a generic error).
//!
//! The host follows 301, 302, 303, 307 and 308 (the service sends only
//! GET, so a 303 changes nothing). A chain fails as `redirect-failed` on
//! its 11th redirect, on a URL it has already requested, on a Location
//! that is not `http` or `https`, and on an https → http step. A Location
//! with userinfo is stripped of it (§15.3), never used as a credential.
//! The job's security flags (§15.4) choose the policy: ALLOW_SILENT (the
//! default) follows; DISALLOW stops at the first redirect as
//! `redirect-refused(status, location)`; ALLOW_HTTPS_TO_HTTP lets an
//! https → http step pass. ALLOW_REPORT follows as ALLOW_SILENT does;
//! the transport then reports where the chain ended (http.rs,
//! `report-redirected`) with its `report-connected`.

use bits_queue_host::{FailureDetail, security};
use url::Url;

/// Redirects one request may follow; the 11th fails.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// The statuses that are followed.
fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The URLs one request's chain has requested.
pub(crate) struct Chain {
    seen: Vec<String>,
    /// The job's security flags: the redirect policy's bits.
    flags: u32,
}

impl Chain {
    /// A chain that starts at `url`, for a job with security `flags`.
    pub(crate) fn new(url: &str, flags: u32) -> Chain {
        Chain {
            seen: vec![url.to_owned()],
            flags,
        }
    }

    /// Where to go after `status` with `location` answered `current`:
    /// `None` when the answer is not a redirect to follow (a 3xx without a
    /// Location is the component's to judge by its status).
    pub(crate) fn next(
        &mut self,
        current: &str,
        status: u16,
        location: Option<&str>,
    ) -> Result<Option<String>, FailureDetail> {
        let Some(location) = location.filter(|_| is_redirect(status)) else {
            return Ok(None);
        };
        let failed = |why: String| FailureDetail::RedirectFailed(why);
        let base = Url::parse(current)
            .map_err(|e| failed(format!("the URL {} cannot be parsed: {e}", shown(current))))?;
        if self.flags & security::REDIRECT_POLICY_MASK == security::REDIRECT_POLICY_DISALLOW {
            // Not followed: the location as a URL, without userinfo
            // (§15.3), for the component to take as the remote name if §4
            // accepts it.
            let reported = match base.join(location.trim()) {
                Ok(mut target) => {
                    let _ = target.set_username("");
                    let _ = target.set_password(None);
                    target.to_string()
                }
                Err(_) => location.trim().to_owned(),
            };
            return Err(FailureDetail::RedirectRefused(status, reported));
        }
        let mut target = base.join(location.trim()).map_err(|e| {
            failed(format!(
                "HTTP {status} to {}, which is not a URL: {e}",
                shown(location)
            ))
        })?;
        if !matches!(target.scheme(), "http" | "https") {
            return Err(failed(format!(
                "HTTP {status} to {}, which is not an http or https URL",
                shown(target.as_str())
            )));
        }
        let downgrade_allowed = self.flags & security::REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP != 0;
        if base.scheme() == "https" && target.scheme() == "http" && !downgrade_allowed {
            return Err(failed(format!(
                "HTTP {status} from https to http ({}), which the job does not allow",
                shown(target.as_str())
            )));
        }
        // Userinfo in a Location is dropped, never used (§15.3).
        let _ = target.set_username("");
        let _ = target.set_password(None);
        target.set_fragment(None);
        let target = target.to_string();
        if self.seen.contains(&target) {
            return Err(failed(format!(
                "a redirect loop: HTTP {status} back to {}",
                shown(&target)
            )));
        }
        if self.seen.len() > MAX_REDIRECTS {
            return Err(failed(format!(
                "more than {MAX_REDIRECTS} redirects (the last to {})",
                shown(&target)
            )));
        }
        self.seen.push(target.clone());
        Ok(Some(target))
    }
}

/// Whether `a` and `b` have one origin (scheme, host and port): a
/// request to another origin carries no credentials (§15.3). A URL that
/// cannot be parsed has no origin in common with anything.
pub(crate) fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// `url` as a host prints it: userinfo replaced by `***@` (§15.3), and
/// cut to a length an error description can carry.
pub(crate) fn shown(url: &str) -> String {
    let text = match Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let plain = parsed.to_string();
            match plain.split_once("://") {
                Some((scheme, rest)) => format!("{scheme}://***@{rest}"),
                None => plain,
            }
        }
        _ => url.to_owned(),
    };
    let mut cut = text;
    if cut.len() > 300 {
        let mut end = 300;
        while !cut.is_char_boundary(end) {
            end -= 1;
        }
        cut.truncate(end);
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(result: Result<Option<String>, FailureDetail>) -> String {
        match result {
            Err(FailureDetail::RedirectFailed(why)) => why,
            other => panic!("not redirect-failed: {other:?}"),
        }
    }

    #[test]
    fn a_relative_location_is_followed_and_stripped_of_userinfo() {
        let mut chain = Chain::new("http://h/a", 0);
        assert_eq!(
            chain.next("http://h/a", 302, Some("/b")).unwrap(),
            Some("http://h/b".into())
        );
        assert_eq!(
            chain
                .next("http://h/b", 301, Some("http://u:secret@g/c#f"))
                .unwrap(),
            Some("http://g/c".into())
        );
        assert_eq!(chain.next("http://g/c", 200, Some("/d")).unwrap(), None);
        assert_eq!(chain.next("http://g/c", 300, Some("/d")).unwrap(), None);
        assert_eq!(chain.next("http://g/c", 302, None).unwrap(), None);
    }

    #[test]
    fn failures_say_why_without_secrets() {
        let mut chain = Chain::new("http://h/a", 0);
        assert!(
            why(chain.next("http://h/a", 302, Some("file:///etc/passwd")))
                .contains("file:///etc/passwd")
        );
        let mut chain = Chain::new("https://h/a", 0);
        assert!(why(chain.next("https://h/a", 302, Some("http://h/a"))).contains("https to http"));
        let mut chain = Chain::new("http://h/a", 0);
        chain.next("http://h/a", 302, Some("/b")).unwrap();
        assert!(why(chain.next("http://h/b", 307, Some("/a"))).contains("loop"));
        let mut chain = Chain::new("http://h/0", 0);
        for n in 1..=MAX_REDIRECTS {
            let to = format!("/{n}");
            chain.next("http://h/x", 308, Some(&to)).unwrap();
        }
        assert!(why(chain.next("http://h/x", 308, Some("/last"))).contains("more than 10"));
        let words =
            why(Chain::new("http://h/a", 0).next("http://h/a", 302, Some("ftp://u:pw@h/x")));
        assert!(!words.contains("pw"), "{words}");
        assert!(words.contains("ftp://***@h/x"), "{words}");
    }

    #[test]
    fn the_jobs_policy_chooses() {
        let allow_downgrade = security::REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP;
        let mut chain = Chain::new("https://h/a", allow_downgrade);
        assert_eq!(
            chain.next("https://h/a", 302, Some("http://h/b")).unwrap(),
            Some("http://h/b".into())
        );
        let mut chain = Chain::new("https://h/a", security::REDIRECT_POLICY_DISALLOW);
        assert_eq!(
            chain.next("https://h/a", 301, Some("//u:pw@g/c")),
            Err(FailureDetail::RedirectRefused(301, "https://g/c".into()))
        );
        assert_eq!(
            chain.next("https://h/a", 302, Some("file:///etc/passwd")),
            Err(FailureDetail::RedirectRefused(
                302,
                "file:///etc/passwd".into()
            ))
        );
        assert_eq!(chain.next("https://h/a", 200, Some("/x")), Ok(None));
    }
}
