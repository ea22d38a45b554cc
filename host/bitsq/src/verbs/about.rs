//! The contract's facts the verbs' help names, filled in where an `about`
//! line says `{NAME}`: the numbers come from `bits-queue-contract`, so the
//! help cannot tell of a limit the queue does not have.

use bits_queue_contract::limits::{LEAST_MINIMUM_RETRY_DELAY, MAX_DESCRIPTION, MAX_DISPLAY_NAME};
use bits_queue_contract::notify_flags;

use crate::input::thousands;

/// Each `{NAME}` an `about` line may hold, and what stands there.
fn fact(name: &str) -> Option<String> {
    Some(match name {
        "MAX_DISPLAY_NAME" => thousands(MAX_DISPLAY_NAME as u64),
        "MAX_DESCRIPTION" => thousands(MAX_DESCRIPTION as u64),
        "LEAST_MINIMUM_RETRY_DELAY" => thousands(LEAST_MINIMUM_RETRY_DELAY.into()),
        "NOTIFY_FLAGS" => notify_flags_text(),
        _ => return None,
    })
}

/// The contract's notify flags, each with the word the help gives it.
const NOTIFY_BITS: [(u32, &str); 4] = [
    (notify_flags::TRANSFERRED, "transferred"),
    (notify_flags::ERROR, "error"),
    (notify_flags::DISABLE, "off"),
    (notify_flags::MODIFICATION, "change"),
];

/// `0x1 transferred, 0x2 error, 0x4 off, 0x8 change`: the notify flags'
/// bits, from the contract's.
pub fn notify_flags_text() -> String {
    NOTIFY_BITS
        .iter()
        .map(|(bit, what)| format!("0x{bit:X} {what}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `about` with every `{NAME}` replaced by its fact. A name with no fact
/// stays as written (a unit test sees that none does).
pub fn fill(about: &str) -> String {
    let mut out = String::with_capacity(about.len());
    let mut rest = about;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| Some((close, fact(&after[..close])?)))
        {
            Some((close, text)) => {
                out.push_str(&text);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verbs::VERBS;

    /// Every `{NAME}` is known, and no `about` writes a number itself: a
    /// limit of the queue is named through the contract's constant.
    #[test]
    fn help_numbers_come_from_the_contract() {
        for verb in VERBS {
            let filled = fill(verb.about);
            assert!(!filled.contains(['{', '}']), "{}: {filled}", verb.name);
            assert!(
                !verb
                    .about
                    .replace("UTF-16", "")
                    .chars()
                    .any(|c| c.is_ascii_digit()),
                "{}: a number written into its help: {}",
                verb.name,
                verb.about
            );
        }
        let help = |name: &str| fill(VERBS.iter().find(|v| v.name == name).expect("listed").about);
        assert!(help("setdescription").contains(&format!(
            "at most {} UTF-16",
            thousands(MAX_DESCRIPTION as u64)
        )));
        assert!(help("setdisplayname").contains(&format!("at most {MAX_DISPLAY_NAME} UTF-16")));
        assert!(help("setminretrydelay").contains(&format!("{LEAST_MINIMUM_RETRY_DELAY} s")));
        // Every bit the contract gives meaning to is explained.
        let named = NOTIFY_BITS.iter().fold(0, |all, (bit, _)| all | bit);
        assert_eq!(named, notify_flags::ALL);
        assert_eq!(
            notify_flags_text(),
            "0x1 transferred, 0x2 error, 0x4 off, 0x8 change"
        );
    }

    #[test]
    fn unknown_names_and_lone_braces_stay() {
        assert_eq!(fill("a {NOPE} b { c"), "a {NOPE} b { c");
        assert_eq!(fill("{MAX_DESCRIPTION}"), "1,024");
    }
}
