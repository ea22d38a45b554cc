//! Custom headers' text (contract §15.1): lines of `name: value`, each
//! ending in CRLF. The component checks them with these rules and the hosts
//! split them with the same ones, so both read a header the same way.

/// The most UTF-16 code units a job's custom headers may take (Windows'
/// 16,384 counts the terminating NUL).
pub const MAX_CUSTOM_HEADERS: usize = 16_383;

/// Header names the host owns, refused in any case (`BITS-*` too).
pub const HOST_OWNED: [&str; 14] = [
    "Host",
    "Content-Length",
    "Content-Range",
    "Content-Name",
    "Range",
    "If-Range",
    "Transfer-Encoding",
    "TE",
    "Trailer",
    "Connection",
    "Keep-Alive",
    "Proxy-Connection",
    "Upgrade",
    "Expect",
];

/// Header names whose headers are secrets at once: custom headers naming
/// one become write-only when set.
pub const SECRET_NAMES: [&str; 3] = ["Authorization", "Proxy-Authorization", "Cookie"];

/// Whether `name` is an RFC 9110 token.
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether the host owns `name` (any case).
pub fn is_host_owned(name: &str) -> bool {
    HOST_OWNED
        .iter()
        .any(|owned| owned.eq_ignore_ascii_case(name))
        || name
            .get(..5)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("BITS-"))
}

/// Whether a header named `name` is a secret (any case).
pub fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// The (name, value) pairs of `text`, the value without surrounding spaces
/// or tabs; `None` when a line breaks the syntax: no final CRLF, a name
/// that is not a token or is the host's, a CR, LF or NUL in a value.
pub fn parse(text: &str) -> Option<alloc::vec::Vec<(&str, &str)>> {
    let body = text.strip_suffix("\r\n")?;
    let mut pairs = alloc::vec::Vec::new();
    for line in body.split("\r\n") {
        let (name, value) = line.split_once(':')?;
        let value = value.trim_matches([' ', '\t']);
        if !is_token(name) || is_host_owned(name) || value.contains(['\r', '\n', '\0']) {
            return None;
        }
        pairs.push((name, value));
    }
    Some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_into_names_and_values() {
        assert_eq!(
            parse("X-A: 1\r\nX-B:two words \r\n"),
            Some(alloc::vec![("X-A", "1"), ("X-B", "two words")])
        );
    }

    #[test]
    fn bad_lines_are_refused() {
        for text in [
            "X-A: 1",
            "X-A: 1\r\n\r\n",
            "X A: 1\r\n",
            "host: h\r\n",
            "BITS-Packet-Type: x\r\n",
            "X-A: 1\nX-B: 2\r\n",
            "X-A: a\0b\r\n",
            "no colon\r\n",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
