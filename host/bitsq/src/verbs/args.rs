//! A verb's words: `--` ends its options, `--help` asks for its help, and
//! numbers are read with a message naming the argument.

use crate::input::thousands;
use crate::output::{Shown, cut};
use crate::verbs::Failure;

/// A verb's words without the first `--`, which ends the options (so a
/// later word, such as a value, may begin with `--`).
pub fn positional(args: &[String]) -> Vec<&str> {
    let mut words: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Some(at) = words.iter().position(|w| *w == "--") {
        words.remove(at);
    }
    words
}

/// Exactly `N` words (after [`positional`]), or the verb's usage.
pub fn exactly<const N: usize>(args: &[String]) -> Result<[&str; N], Failure> {
    positional(args).try_into().map_err(|_| Failure::Usage)
}

/// Whether the option `flag` is among the words before any `--`, and the
/// words without it (after `--`, every word is an argument and is kept).
pub fn take_flag(args: &[String], flag: &str) -> (bool, Vec<String>) {
    let before = args.iter().take_while(|a| *a != "--").count();
    let found = args[..before].iter().any(|a| a == flag);
    let rest = args
        .iter()
        .enumerate()
        .filter(|(at, a)| *at >= before || *a != flag)
        .map(|(_, a)| a.clone())
        .collect();
    (found, rest)
}

/// Whether `--help` or `-h` comes before any `--`.
pub fn asks_help(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--help" || a == "-h")
}

/// A whole number for the argument `what`, from `min` up, or a message
/// saying so.
pub fn number(what: &str, text: &str, min: u32) -> Result<u32, Failure> {
    match text.parse::<u32>() {
        Ok(n) if n >= min => Ok(n),
        Ok(n) => Err(Failure::Bad(format!("{what} must be ≥ {min}, not {n}"))),
        Err(_) => Err(Failure::Bad(format!(
            "{what} must be a whole number from {min} to {}, not `{}`",
            thousands(u32::MAX.into()),
            Shown(&cut(text, 40))
        ))),
    }
}

/// A last argument of TRUE or FALSE (any case), as bitsadmin's verbs take it.
pub fn true_or_false(value: &str) -> Result<bool, Failure> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(Failure::Bad(format!(
            "the last argument must be TRUE or FALSE, not `{}`",
            Shown(&cut(value, 40))
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &[&str]) -> Vec<String> {
        text.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn the_first_double_dash_ends_options() {
        assert_eq!(
            positional(&words(&["a", "--", "--", "b"])),
            ["a", "--", "b"]
        );
        assert!(asks_help(&words(&["x", "-h"])));
        assert!(!asks_help(&words(&["--", "--help"])));
        assert!(exactly::<2>(&words(&["a"])).is_err());
        assert_eq!(exactly::<1>(&words(&["--", "--x"])).ok(), Some(["--x"]));
    }

    #[test]
    fn numbers_name_the_argument() {
        assert_eq!(number("N", "7", 1).ok(), Some(7));
        let Err(Failure::Bad(why)) = number("MAX_JOBS", "0", 1) else {
            panic!("0 is under 1");
        };
        assert_eq!(why, "MAX_JOBS must be ≥ 1, not 0");
    }
}
