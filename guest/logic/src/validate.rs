//! Argument rules (contract §4): string lengths in UTF-16 code units, remote URLs
//! and local paths.
//!
//! Pure functions over `&str`, so they never allocate and the job can check
//! everything before it changes anything.

use bits_queue_contract::ErrorCode;

pub use bits_queue_contract::limits::{
    MAX_DESCRIPTION, MAX_DISPLAY_NAME, MAX_LOCAL_NAME, MAX_REMOTE_NAME,
};

/// The length of `text` as Windows counts characters: UTF-16 code units, so
/// "é" is 1 and "😀" (outside the BMP) is 2.
pub fn utf16_len(text: &str) -> usize {
    // Each char's UTF-16 length is at most its UTF-8 length, so the sum is at
    // most `text.len()` and cannot overflow.
    text.chars().map(char::len_utf16).sum()
}

/// Whether `text` is at most `max` UTF-16 code units.
pub fn fits_utf16(text: &str, max: usize) -> bool {
    // A char takes at most 3 UTF-8 bytes per UTF-16 unit and at least 1, so
    // the byte length settles most cases without a scan.
    if text.len() <= max {
        return true;
    }
    if text.len() / 3 > max {
        return false;
    }
    utf16_len(text) <= max
}

/// Checks a display name: at most [`MAX_DISPLAY_NAME`] units; empty is fine.
/// The error is [`ErrorCode::StringTooLong`]; `create-job` turns it into
/// `invalid-argument` (contract §4).
pub fn display_name(name: &str) -> Result<(), ErrorCode> {
    if fits_utf16(name, MAX_DISPLAY_NAME) {
        Ok(())
    } else {
        Err(ErrorCode::StringTooLong)
    }
}

/// Checks a description: at most [`MAX_DESCRIPTION`] units, else
/// [`ErrorCode::StringTooLong`].
pub fn description(text: &str) -> Result<(), ErrorCode> {
    if fits_utf16(text, MAX_DESCRIPTION) {
        Ok(())
    } else {
        Err(ErrorCode::StringTooLong)
    }
}

/// Whether `url` is an acceptable remote name: it breaks none of the rules
/// [`remote_name_fault`] checks.
pub fn is_remote_name(url: &str) -> bool {
    remote_name_fault(url).is_none()
}

/// The rule of contract §4 a remote name breaks, for a host that explains
/// a refusal in words (the queue itself answers a bare `invalid-argument`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoteNameFault {
    /// More than [`MAX_REMOTE_NAME`] UTF-16 units.
    TooLong,
    /// Whitespace or a control character, which a URL carries
    /// percent-encoded.
    WhitespaceOrControl,
    /// Not `http://`, `https://` or `file://`.
    Scheme,
    /// An `http`/`https` URL with an empty authority: no server.
    NoServer,
    /// A `file://` URL with nothing after `://`.
    NoFile,
}

/// The first rule `url` breaks as a remote name, if any.
///
/// The rules, in the order they are checked:
/// - at most [`MAX_REMOTE_NAME`] UTF-16 units;
/// - no whitespace or control characters anywhere: a URL carries those
///   percent-encoded, and a raw one is at best a typo, at worst an attempt
///   to smuggle a second line into a request;
/// - the scheme is `http`, `https` or `file` in any case, followed by `://`;
/// - for `http`/`https`, the authority (up to the first `/`, `?` or `#`) is
///   not empty, since there is no server to talk to otherwise;
/// - for `file`, something follows `://` (`file:///C:/x` and
///   `file://server/share/x` are both fine).
pub fn remote_name_fault(url: &str) -> Option<RemoteNameFault> {
    if !fits_utf16(url, MAX_REMOTE_NAME) {
        return Some(RemoteNameFault::TooLong);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(RemoteNameFault::WhitespaceOrControl);
    }
    if let Some(rest) = strip_scheme(url, "http").or_else(|| strip_scheme(url, "https")) {
        let authority_len = rest
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        (authority_len == 0).then_some(RemoteNameFault::NoServer)
    } else if let Some(rest) = strip_scheme(url, "file") {
        rest.is_empty().then_some(RemoteNameFault::NoFile)
    } else {
        Some(RemoteNameFault::Scheme)
    }
}

/// What follows `scheme://` in `url`, the scheme matched in any case; `None`
/// if `url` does not start that way. (Byte comparisons rather than
/// `split_once("://")`, whose substring searcher would cost the component
/// two kilobytes.)
fn strip_scheme<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    let prefix_len = scheme.len() + "://".len();
    let (prefix, rest) = (url.as_bytes().get(..prefix_len)?, url.get(prefix_len..)?);
    let (name, separator) = prefix.split_at_checked(scheme.len())?;
    (name.eq_ignore_ascii_case(scheme.as_bytes()) && separator == b"://").then_some(rest)
}

/// Whether `path` is an acceptable local name: it breaks none of the rules
/// [`local_name_fault`] checks.
pub fn is_local_name(path: &str) -> bool {
    local_name_fault(path).is_none()
}

/// The rule of contract §4 a local name breaks, for a host that explains a
/// refusal in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalNameFault {
    /// More than [`MAX_LOCAL_NAME`] UTF-16 units.
    TooLong,
    /// Not an absolute path.
    NotAbsolute,
    /// A `*` or `?`.
    Wildcard,
    /// A control character (U+0000..U+001F).
    ControlCharacter,
}

/// The first rule `path` breaks as a local name, if any.
///
/// The rules, in the order they are checked:
/// - at most [`MAX_LOCAL_NAME`] UTF-16 units;
/// - absolute: starts with `/`, or with an ASCII drive letter in either case
///   followed by `:\` or `:/`;
/// - no `*` or `?` (wildcards, never a file name);
/// - no control characters (U+0000..U+001F): Windows allows none of them in
///   a file name, and no system allows NUL.
pub fn local_name_fault(path: &str) -> Option<LocalNameFault> {
    if !fits_utf16(path, MAX_LOCAL_NAME) {
        return Some(LocalNameFault::TooLong);
    }
    let absolute = match path.as_bytes() {
        [b'/', ..] => true,
        [drive, b':', b'\\' | b'/', ..] => drive.is_ascii_alphabetic(),
        _ => false,
    };
    if !absolute {
        Some(LocalNameFault::NotAbsolute)
    } else if path.contains(['*', '?']) {
        Some(LocalNameFault::Wildcard)
    } else if path.chars().any(|c| c < ' ') {
        Some(LocalNameFault::ControlCharacter)
    } else {
        None
    }
}

/// Checks one file's names: [`ErrorCode::InvalidArgument`] unless both are
/// acceptable.
pub fn file(remote_name: &str, local_name: &str) -> Result<(), ErrorCode> {
    if is_remote_name(remote_name) && is_local_name(local_name) {
        Ok(())
    } else {
        Err(ErrorCode::InvalidArgument)
    }
}

/// Whether `url`'s authority (from `://` to the first `/`, `?` or `#`)
/// holds user information (contract §15.3): such names are refused, never
/// turned into credentials. Records from before the rule still read.
pub fn has_userinfo(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest[..end].contains('@')
}

/// Whether `url`'s server part is malformed: an `http`/`https` URL whose
/// host and port (its authority without user information) is no
/// `host[:port]` a request can be sent to. The host is a bracketed IPv6
/// literal (`[::1]`) or a name without `[`, `]` or `:`; the port, when a
/// `:` gives one, is 1 to 5 digits up to 65535. Such a name is no URL
/// (contract §4), refused when added; records from before the rule still
/// read, as with [`has_userinfo`]. Other schemes and names without a
/// server (which [`remote_name_fault`] refuses) are not judged here.
pub fn has_bad_authority(url: &str) -> bool {
    let Some(rest) = strip_scheme(url, "http").or_else(|| strip_scheme(url, "https")) else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((literal, after)) => {
                let port = match after {
                    "" => None,
                    _ => match after.strip_prefix(':') {
                        Some(port) => Some(port),
                        None => return true,
                    },
                };
                let literal_ok = !literal.is_empty()
                    && literal
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
                if !literal_ok {
                    return true;
                }
                // The literal is checked: only the port is left to judge.
                ("v6", port)
            }
            None => return true,
        },
        None => match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    let port_ok = port.is_none_or(|port| {
        (1..=5).contains(&port.len())
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')) <= 65_535
    });
    !port_ok || host.is_empty() || host.contains(['[', ']', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;

    #[test]
    fn userinfo_is_found_in_the_authority_only() {
        assert!(has_userinfo("https://ann:pw@example.com/f"));
        assert!(has_userinfo("http://ann@example.com"));
        assert!(!has_userinfo("https://example.com/a@b"));
        assert!(!has_userinfo("https://example.com?to=a@b"));
        assert!(!has_userinfo("file:///tmp/a@b"));
    }

    /// Issue 21 case 9: a server part that is no `host[:port]` is refused.
    #[test]
    fn malformed_authorities_are_found() {
        for url in [
            "http://[::1",
            "http://[::1/x",
            "https://[]/x",
            "http://[::1]x/",
            "http://[zz]/",
            "http://::1/x",
            "http://h:port/x",
            "http://h:/x",
            "http://h:65536/x",
            "http://h:123456/x",
            "http://a]b/",
            "http://user@[::1/x",
            "HTTP://h:8o/",
        ] {
            assert!(has_bad_authority(url), "{url}");
        }
        for url in [
            "http://[::1]/x",
            "http://[::1]:8080/x",
            "http://[::ffff:127.0.0.1]/",
            "http://h:65535/x",
            "http://h:1",
            "http://user:pw@example.com:8080/p?q=1#f",
            "https://例え.jp/ファイル",
            "http://example.com?q=[x]",
            "http://example.com/a:b[c]",
            "file:///[x",
            "ftp://[x",
        ] {
            assert!(!has_bad_authority(url), "{url}");
        }
    }

    /// `n` copies of `unit`.
    fn repeat(unit: &str, n: usize) -> String {
        unit.repeat(n)
    }

    /// §4: UTF-16 code units, not bytes or chars.
    #[test]
    fn utf16_length_counts_code_units() {
        assert_eq!(utf16_len(""), 0);
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("é"), 1);
        assert_eq!("é".len(), 2);
        assert_eq!(utf16_len("€"), 1);
        assert_eq!("€".len(), 3);
        assert_eq!(utf16_len("😀"), 2);
        assert_eq!("😀".len(), 4);
        assert_eq!(utf16_len("aé€😀"), 5);
    }

    /// §4: exactly 256 is fine, 257 is not, whichever characters make it up.
    #[test]
    fn display_name_boundary_256() {
        for (unit, units_each) in [("a", 1), ("é", 1), ("€", 1), ("😀", 2)] {
            let at = repeat(unit, 256 / units_each);
            assert_eq!(utf16_len(&at), 256);
            assert_eq!(display_name(&at), Ok(()), "{unit} x256 units");
            let over = format!("{at}a");
            assert_eq!(utf16_len(&over), 257);
            assert_eq!(display_name(&over), Err(ErrorCode::StringTooLong));
        }
        // 255 units + one emoji (2 units) = 257.
        let over = format!("{}😀", repeat("a", 255));
        assert_eq!(utf16_len(&over), 257);
        assert_eq!(display_name(&over), Err(ErrorCode::StringTooLong));
        // 254 + emoji = 256.
        let at = format!("{}😀", repeat("é", 254));
        assert_eq!(display_name(&at), Ok(()));
        // 256 chars but 512 units.
        assert_eq!(
            display_name(&repeat("😀", 256)),
            Err(ErrorCode::StringTooLong)
        );
        // 768 bytes, 256 units: the byte length alone must not refuse it.
        assert_eq!(display_name(&repeat("€", 256)), Ok(()));
        assert_eq!(display_name(""), Ok(()));
    }

    /// §4: exactly 1,024 is fine, 1,025 is not.
    #[test]
    fn description_boundary_1024() {
        for (unit, units_each) in [("a", 1), ("é", 1), ("€", 1), ("😀", 2)] {
            let at = repeat(unit, 1024 / units_each);
            assert_eq!(description(&at), Ok(()), "{unit}");
            assert_eq!(
                description(&format!("{at}é")),
                Err(ErrorCode::StringTooLong),
                "{unit}"
            );
        }
        let over = format!("{}😀", repeat("a", 1023));
        assert_eq!(utf16_len(&over), 1025);
        assert_eq!(description(&over), Err(ErrorCode::StringTooLong));
    }

    #[test]
    fn fits_utf16_agrees_with_utf16_len() {
        for text in ["", "a", "é", "€€€", "😀😀", "a😀é€"] {
            for max in 0..10 {
                assert_eq!(
                    fits_utf16(text, max),
                    utf16_len(text) <= max,
                    "{text} {max}"
                );
            }
        }
    }

    /// §4: http, https and file URLs, scheme in any case.
    #[test]
    fn remote_names_accepted() {
        for url in [
            "http://example.com/a.txt",
            "https://example.com/a.txt",
            "file://server/share/a.txt",
            "file:///C:/dir/a.txt",
            "HTTP://EXAMPLE.COM/A.TXT",
            "HtTpS://example.com",
            "FILE:///tmp/x",
            "http://example.com",
            "http://user:pw@example.com:8080/p?q=1#f",
            "https://例え.jp/ファイル",
            "http://[::1]/x",
        ] {
            assert!(is_remote_name(url), "{url}");
        }
    }

    #[test]
    fn remote_names_refused() {
        for url in [
            "",
            "example.com/a.txt",
            "/a.txt",
            "C:\\a.txt",
            "ftp://example.com/a.txt",
            "smb://server/share",
            "httpx://example.com/",
            "http:/example.com/a",
            "http:example.com",
            "http//example.com",
            "://example.com",
            " http://example.com/a",
            "http://example.com/a ",
            "http://exa mple.com/",
            "http://example.com/a\r\nHost: evil",
            "http://example.com/\0",
            "http://",
            "https://",
            "file://",
            "http:///path",
            "http://?q",
            "http://#f",
            "héttp://example.com",
        ] {
            assert!(!is_remote_name(url), "{url:?}");
        }
    }

    /// §4: at most 2,200 units, counted in UTF-16.
    #[test]
    fn remote_name_boundary_2200() {
        let prefix = "http://example.com/";
        let at = format!("{prefix}{}", repeat("a", 2200 - prefix.len()));
        assert_eq!(utf16_len(&at), 2200);
        assert!(is_remote_name(&at));
        assert!(!is_remote_name(&format!("{at}a")));
        // Multibyte path: 2,200 units of "é" after the prefix is still 2,200.
        let at = format!("{prefix}{}", repeat("é", 2200 - prefix.len()));
        assert!(is_remote_name(&at));
        let over = format!("{prefix}{}😀", repeat("é", 2199 - prefix.len()));
        assert_eq!(utf16_len(&over), 2201);
        assert!(!is_remote_name(&over));
    }

    /// §4: absolute local paths.
    #[test]
    fn local_names_accepted() {
        for path in [
            "/",
            "/tmp/a.txt",
            "C:\\a.txt",
            "C:/a.txt",
            "c:\\dir\\a.txt",
            "z:/x",
            "Z:\\",
            "/home/ü/😀.txt",
            "/dir with spaces/a b.txt",
        ] {
            assert!(is_local_name(path), "{path}");
        }
    }

    #[test]
    fn local_names_refused() {
        for path in [
            "",
            "a.txt",
            "dir/a.txt",
            "./a.txt",
            "..\\a.txt",
            "C:",
            "C:a.txt",
            "C\\a.txt",
            "1:\\a.txt",
            "é:\\a.txt",
            "\\\\server\\share\\a.txt",
            "\\a.txt",
            "~/a.txt",
            " /tmp/a.txt",
            "/tmp/*.txt",
            "/tmp/a?.txt",
            "C:\\*",
            "C:/?",
            "/tmp/a\0b",
            "/tmp/a\nb",
            "http://example.com/a",
        ] {
            assert!(!is_local_name(path), "{path:?}");
        }
    }

    /// §4: at most 260 units, counted in UTF-16.
    #[test]
    fn local_name_boundary_260() {
        let at = format!("/{}", repeat("a", 259));
        assert!(is_local_name(&at));
        assert!(!is_local_name(&format!("{at}a")));
        let at = format!("C:\\{}", repeat("é", 257));
        assert_eq!(utf16_len(&at), 260);
        assert!(is_local_name(&at));
        let over = format!("C:\\{}😀", repeat("é", 256));
        assert_eq!(utf16_len(&over), 261);
        assert!(!is_local_name(&over));
    }

    /// Each refusal names the rule it breaks, the first in the order the
    /// rules are checked.
    #[test]
    fn faults_name_the_rule_broken() {
        use LocalNameFault as L;
        use RemoteNameFault as R;
        let long_url = format!("http://h/{}", repeat("a", MAX_REMOTE_NAME));
        for (url, fault) in [
            (long_url.as_str(), Some(R::TooLong)),
            ("ftp://h/a b", Some(R::WhitespaceOrControl)),
            ("ftp://h/a", Some(R::Scheme)),
            ("https:///a", Some(R::NoServer)),
            ("file://", Some(R::NoFile)),
            ("file:///a", None),
        ] {
            assert_eq!(remote_name_fault(url), fault, "{url:?}");
        }
        let long_path = format!("/{}", repeat("a", MAX_LOCAL_NAME));
        for (path, fault) in [
            (long_path.as_str(), Some(L::TooLong)),
            ("a*\0", Some(L::NotAbsolute)),
            ("/a*\0", Some(L::Wildcard)),
            ("/a\0", Some(L::ControlCharacter)),
            ("C:/a", None),
        ] {
            assert_eq!(local_name_fault(path), fault, "{path:?}");
        }
    }

    #[test]
    fn file_checks_both_names() {
        assert_eq!(file("http://h/a", "/a"), Ok(()));
        assert_eq!(file("ftp://h/a", "/a"), Err(ErrorCode::InvalidArgument));
        assert_eq!(file("http://h/a", "a"), Err(ErrorCode::InvalidArgument));
    }
}
