//! Why the queue refused an argument, in words: the component answers a
//! bare `E_INVALIDARG` (as BITS does), and bitsq says which argument is
//! wrong and why, from the same rules (contract §4). The component stays
//! the judge: these words are only looked for after it has refused.

use bits_queue_contract::limits::{
    MAX_DESCRIPTION, MAX_DISPLAY_NAME, MAX_LOCAL_NAME, MAX_REMOTE_NAME,
};

use crate::input::thousands;

fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

fn too_long(what: &str, text: &str, max: usize) -> Option<String> {
    let n = units(text);
    (n > max).then(|| {
        format!(
            "the {what} is {} UTF-16 units long; at most {} are allowed",
            thousands(n as u64),
            thousands(max as u64)
        )
    })
}

/// Why a display name was refused, if it breaks a rule.
pub fn display_name(name: &str) -> Option<String> {
    too_long("display name", name, MAX_DISPLAY_NAME)
}

/// Why a description was refused, if it breaks a rule.
pub fn description(text: &str) -> Option<String> {
    too_long("description", text, MAX_DESCRIPTION)
}

/// Why `addfile REMOTE LOCAL` was refused, if either name breaks a rule.
pub fn file(remote: &str, local: &str) -> Option<String> {
    remote_name(remote).or_else(|| local_name(local))
}

fn remote_name(url: &str) -> Option<String> {
    if let Some(why) = too_long("remote name", url, MAX_REMOTE_NAME) {
        return Some(why);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(
            "the remote name contains whitespace or a control character; a URL carries \
             them percent-encoded (%20 for a space)"
                .to_string(),
        );
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("file://") {
        return url[7..]
            .is_empty()
            .then(|| "the remote file:// URL names no file".to_string());
    } else {
        return Some("the remote name must be an http://, https:// or file:// URL".to_string());
    };
    match rest.chars().next() {
        None | Some('/' | '?' | '#') => Some("the remote URL names no server".to_string()),
        _ => None,
    }
}

fn local_name(path: &str) -> Option<String> {
    if let Some(why) = too_long("local name", path, MAX_LOCAL_NAME) {
        return Some(why);
    }
    let absolute = match path.as_bytes() {
        [b'/', ..] => true,
        [drive, b':', b'\\' | b'/', ..] => drive.is_ascii_alphabetic(),
        _ => false,
    };
    if !absolute {
        return Some(
            "the local name must be an absolute path (/dir/file or C:\\dir\\file)".to_string(),
        );
    }
    if path.contains(['*', '?']) {
        return Some("the local name may not contain * or ?".to_string());
    }
    if path.chars().any(|c| c < ' ') {
        return Some("the local name contains a control character".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_is_named() {
        assert!(
            file("ftp://x/y", "/tmp/y")
                .unwrap()
                .contains("http://, https:// or file://")
        );
        assert!(file("https:///y", "/tmp/y").unwrap().contains("no server"));
        assert!(
            file("https://x/a b", "/tmp/y")
                .unwrap()
                .contains("whitespace")
        );
        assert!(
            file("https://x/y", "relative/y")
                .unwrap()
                .contains("must be an absolute path")
        );
        assert!(file("https://x/y", "/tmp/*").unwrap().contains("* or ?"));
        assert_eq!(file("https://x/y", r"C:\tmp\y"), None);
        let long = "d".repeat(1025);
        assert_eq!(
            description(&long).unwrap(),
            "the description is 1,025 UTF-16 units long; at most 1,024 are allowed"
        );
        assert_eq!(display_name("fine"), None);
    }
}
