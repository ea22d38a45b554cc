//! Proxy and bypass lists (contract §15.6): their syntax, checked by the
//! component at `set-proxy-settings`, and their meaning, applied by hosts.
//!
//! A list is space-delimited. A proxy entry is `[scheme=][scheme://]host[:port]`
//! with scheme `http` or `https`; without `scheme=` it serves both. A bypass
//! entry is a host name, an IP literal, a name starting `*.`, or `<local>`
//! (names without a dot).

use alloc::vec::Vec;

/// The longest proxy list or bypass list, in UTF-16 code units (Windows'
/// parameter limit).
pub const MAX_PROXY_LIST: usize = 4_000;

/// One entry of a proxy list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyEntry<'a> {
    /// The URL scheme it serves (`http` or `https`); `None` for both.
    pub serves: Option<&'a str>,
    /// The proxy's own scheme (`http` unless `https://` is written).
    pub scheme: &'a str,
    /// Its host (a name, an IPv4 literal or a bracketed IPv6 literal).
    pub host: &'a str,
    /// Its port, if written.
    pub port: Option<u16>,
}

/// The entries of a proxy list, or `None` when one is malformed (userinfo
/// included).
pub fn parse_proxy_list(list: &str) -> Option<Vec<ProxyEntry<'_>>> {
    list.split_ascii_whitespace().map(parse_entry).collect()
}

fn parse_entry(entry: &str) -> Option<ProxyEntry<'_>> {
    let (serves, rest) = match entry.split_once('=') {
        Some((serves, rest)) => (Some(known_scheme(serves)?), rest),
        None => (None, entry),
    };
    let (scheme, authority) = match rest.split_once("://") {
        Some((scheme, authority)) => (known_scheme(scheme)?, authority),
        None => ("http", rest),
    };
    // A trailing `/` is tolerated; a path, query, fragment or userinfo is not.
    let authority = authority.strip_suffix('/').unwrap_or(authority);
    let (host, port) = split_host_port(authority)?;
    Some(ProxyEntry {
        serves,
        scheme,
        host,
        port,
    })
}

fn known_scheme(scheme: &str) -> Option<&'static str> {
    ["http", "https"]
        .into_iter()
        .find(|known| scheme.eq_ignore_ascii_case(known))
}

/// `host[:port]`, the host a name, IPv4 or `[IPv6]` literal.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let end = inner.find(']')?;
        let host = &authority[..end + 2];
        let rest = &inner[end + 1..];
        let ipv6 = &inner[..end];
        if ipv6.is_empty()
            || !ipv6
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        match rest {
            "" => (host, None),
            rest => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if !host.starts_with('[') && !is_host_name(host) {
        return None;
    }
    let port = match port {
        None => None,
        Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p > 0)?),
    };
    Some((host, port))
}

/// Letters, digits, `-` and `.`, dot-separated labels that are not empty.
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Whether a bypass list is well formed.
pub fn bypass_list_is_valid(list: &str) -> bool {
    list.split_ascii_whitespace().all(|entry| {
        entry == "<local>"
            || is_host_name(entry.strip_prefix("*.").unwrap_or(entry))
            || entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .is_some_and(|ip| !ip.is_empty() && ip.contains(':'))
            || (entry.contains(':')
                && entry
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.'))
    })
}

/// Whether `host` (as a URL names it: lowercase, an IPv6 literal in
/// brackets) is reached without the proxy under `bypass`.
pub fn bypasses(bypass: &str, host: &str) -> bool {
    let bare = |h: &'_ str| -> alloc::string::String {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase()
    };
    let host = bare(host);
    bypass.split_ascii_whitespace().any(|entry| {
        if entry == "<local>" {
            return !host.contains('.') && !host.contains(':');
        }
        match entry.strip_prefix("*.") {
            Some(suffix) => {
                let suffix = suffix.to_ascii_lowercase();
                host.len() > suffix.len()
                    && host.ends_with(&suffix)
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
            }
            None => bare(entry) == host,
        }
    })
}

/// The entry of `list` that serves URLs of `scheme`: the first naming it
/// with `scheme=`, else the first serving both.
pub fn proxy_for<'a>(list: &[ProxyEntry<'a>], scheme: &str) -> Option<ProxyEntry<'a>> {
    list.iter()
        .find(|e| e.serves.is_some_and(|s| s.eq_ignore_ascii_case(scheme)))
        .or_else(|| list.iter().find(|e| e.serves.is_none()))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_their_schemes() {
        let list = parse_proxy_list("https=https://p1:8443 proxy.example:3128").unwrap();
        assert_eq!(
            list[0],
            ProxyEntry {
                serves: Some("https"),
                scheme: "https",
                host: "p1",
                port: Some(8443)
            }
        );
        assert_eq!(proxy_for(&list, "https").unwrap().host, "p1");
        assert_eq!(proxy_for(&list, "http").unwrap().host, "proxy.example");
        assert_eq!(parse_proxy_list("[::1]:8080").unwrap()[0].host, "[::1]");
        for bad in [
            "u:p@proxy:80",
            "ftp=proxy",
            "socks5://proxy",
            "proxy:0",
            "proxy:99999",
            "proxy/path",
            "a..b",
            "[zz]:1",
        ] {
            assert_eq!(parse_proxy_list(bad), None, "{bad}");
        }
    }

    #[test]
    fn bypass_rules() {
        assert!(bypass_list_is_valid(
            "<local> *.corp example.org 10.0.0.1 [::1] ::1"
        ));
        assert!(!bypass_list_is_valid("http://x"));
        assert!(!bypass_list_is_valid("a@b"));
        let list = "<local> *.corp.example 10.0.0.1 [::1]";
        assert!(bypasses(list, "intranet"));
        assert!(bypasses(list, "a.corp.example"));
        assert!(!bypasses(list, "corp.example"));
        assert!(!bypasses(list, "xcorp.example"));
        assert!(bypasses(list, "10.0.0.1"));
        assert!(bypasses(list, "[::1]"));
        assert!(!bypasses(list, "example.org"));
        assert!(bypasses("EXAMPLE.org", "example.org"));
    }
}
