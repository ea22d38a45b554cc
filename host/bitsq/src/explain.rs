//! Why the queue refused an argument, in words: the component answers a
//! bare `E_INVALIDARG` (as BITS does), and bitsq says which argument is
//! wrong and why. The rules are not written here again: bitsq asks the
//! logic crate's own checks (`bits_queue_logic::validate`, the code the
//! component runs) which rule an argument breaks, and only puts that rule
//! into words. The component stays the judge: these words are only looked
//! for after it has refused.

use bits_queue_contract::limits::{
    MAX_DESCRIPTION, MAX_DISPLAY_NAME, MAX_LOCAL_NAME, MAX_REMOTE_NAME,
};
use bits_queue_logic::validate::{
    self, LocalNameFault, RemoteNameFault, local_name_fault, remote_name_fault, utf16_len,
};

use crate::input::thousands;

fn too_long(what: &str, text: &str, max: usize) -> String {
    format!(
        "the {what} is {} UTF-16 units long; at most {} are allowed",
        thousands(utf16_len(text) as u64),
        thousands(max as u64)
    )
}

/// Why a display name was refused, if it breaks a rule.
pub fn display_name(name: &str) -> Option<String> {
    validate::display_name(name)
        .is_err()
        .then(|| too_long("display name", name, MAX_DISPLAY_NAME))
}

/// Why a description was refused, if it breaks a rule.
pub fn description(text: &str) -> Option<String> {
    validate::description(text)
        .is_err()
        .then(|| too_long("description", text, MAX_DESCRIPTION))
}

/// Why `addfile REMOTE LOCAL` was refused, if either name breaks a rule.
pub fn file(remote: &str, local: &str) -> Option<String> {
    let remote_why = remote_name_fault(remote).map(|fault| match fault {
        RemoteNameFault::TooLong => too_long("remote name", remote, MAX_REMOTE_NAME),
        RemoteNameFault::WhitespaceOrControl => "the remote name contains whitespace or a \
             control character; a URL carries them percent-encoded (%20 for a space)"
            .to_string(),
        RemoteNameFault::Scheme => {
            "the remote name must be an http://, https:// or file:// URL".to_string()
        }
        RemoteNameFault::NoServer => "the remote URL names no server".to_string(),
        RemoteNameFault::NoFile => "the remote file:// URL names no file".to_string(),
    });
    let userinfo = || {
        validate::has_userinfo(remote).then(|| {
            "the remote name holds a user name or password (user:password@), which a URL may \
             not carry: give them with setcredentials instead"
                .to_string()
        })
    };
    let authority = || {
        validate::has_bad_authority(remote).then(|| {
            "the remote URL's server part is not host[:port]: a name or an IPv6 address in \
             brackets ([::1]), then, after a colon, a port of at most 65535"
                .to_string()
        })
    };
    remote_why.or_else(userinfo).or_else(authority).or_else(|| {
        local_name_fault(local).map(|fault| match fault {
            LocalNameFault::TooLong => too_long("local name", local, MAX_LOCAL_NAME),
            LocalNameFault::NotAbsolute => {
                "the local name must be an absolute path (/dir/file or C:\\dir\\file)".to_string()
            }
            LocalNameFault::Wildcard => "the local name may not contain * or ?".to_string(),
            LocalNameFault::ControlCharacter => {
                "the local name contains a control character".to_string()
            }
        })
    })
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
        assert!(file("file://", "/tmp/y").unwrap().contains("names no file"));
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
        assert!(
            file("https://x/y", "/tmp/\x01")
                .unwrap()
                .contains("control")
        );
        assert!(
            file("http://[::1", "/tmp/y")
                .unwrap()
                .contains("server part is not host[:port]")
        );
        assert_eq!(file("https://x/y", r"C:\tmp\y"), None);
        let long = "d".repeat(1025);
        assert_eq!(
            description(&long).unwrap(),
            "the description is 1,025 UTF-16 units long; at most 1,024 are allowed"
        );
        assert_eq!(display_name("fine"), None);
        assert!(
            display_name(&"😀".repeat(129))
                .unwrap()
                .contains("258 UTF-16")
        );
    }

    /// bitsq explains exactly what the queue's own checks refuse: an
    /// explanation for every refused argument, none for an accepted one.
    #[test]
    fn explanations_agree_with_the_queues_checks() {
        let remotes = [
            "https://example.com/a",
            "HTTP://h",
            "file:///tmp/x",
            "file://",
            "ftp://h/a",
            "https:///a",
            "http://?q",
            "https://h/a b",
            "https://h/\u{7f}",
            "",
        ];
        let long_remote = format!("https://h/{}", "é".repeat(MAX_REMOTE_NAME));
        let locals = [
            "/tmp/a", r"C:\a", "c:/a", "a", "C:a", "/tmp/a*", "/tmp/a?", "/tmp/\n", "",
        ];
        let long_local = format!("/{}", "a".repeat(MAX_LOCAL_NAME));
        for remote in remotes.iter().copied().chain([long_remote.as_str()]) {
            for local in locals.iter().copied().chain([long_local.as_str()]) {
                assert_eq!(
                    file(remote, local).is_some(),
                    validate::file(remote, local).is_err(),
                    "{remote:?} {local:?}: {:?}",
                    file(remote, local)
                );
            }
        }
        for len in [
            0,
            MAX_DISPLAY_NAME,
            MAX_DISPLAY_NAME + 1,
            MAX_DESCRIPTION + 1,
        ] {
            let text = "n".repeat(len);
            assert_eq!(
                display_name(&text).is_some(),
                validate::display_name(&text).is_err()
            );
            assert_eq!(
                description(&text).is_some(),
                validate::description(&text).is_err()
            );
        }
    }
}
