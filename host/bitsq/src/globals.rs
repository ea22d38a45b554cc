//! Global options after a verb: `bitsq list --queue X` works as
//! `bitsq --queue X list` does. clap reads `global = true` options after
//! its own subcommands (`shell`, `service`, …), but the verbs reach bitsq
//! as one external subcommand, whose words clap passes on unread; so the
//! global options among a verb's words, up to the `--` that ends its
//! options, are moved before the verb, and clap reads them as it reads
//! any (with its own messages for a bad value). Which options are global,
//! and which take a value, is read from the clap definition itself.

use std::ffi::{OsStr, OsString};

/// A global option of `command`: its long name and whether it takes a
/// value.
struct Global {
    long: String,
    takes_value: bool,
}

fn globals(command: &clap::Command) -> Vec<Global> {
    command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .filter_map(|arg| {
            Some(Global {
                long: arg.get_long()?.to_string(),
                takes_value: arg.get_action().takes_values(),
            })
        })
        .collect()
}

/// The global option `word` is (`--queue` or `--queue=X`), and whether
/// its value is in the word.
fn global<'a>(globals: &'a [Global], word: &OsStr) -> Option<(&'a Global, bool)> {
    let name = word.to_str()?.strip_prefix("--")?;
    let (name, inline) = match name.split_once('=') {
        Some((name, _)) => (name, true),
        None => (name, false),
    };
    globals.iter().find(|g| g.long == name).map(|g| (g, inline))
}

/// `args` (the program's name first) with the global options that follow
/// a verb moved before it. A global option left without its value at the
/// end goes last, with nothing after it, so clap says its value is
/// missing.
pub fn hoist(args: Vec<OsString>, command: &clap::Command) -> Vec<OsString> {
    let globals = globals(command);
    // The verb: the first word that is neither an option nor its value.
    let mut at = 1;
    while let Some(word) = args.get(at) {
        if word == "--" {
            return args;
        }
        match global(&globals, word) {
            Some((option, inline)) => at += if option.takes_value && !inline { 2 } else { 1 },
            None if word
                .to_str()
                .is_some_and(|w| w.starts_with('-') && w != "-") =>
            {
                at += 1
            }
            None => break,
        }
    }
    let Some(verb) = args.get(at) else {
        return args;
    };
    // clap's own subcommands read global options themselves.
    if verb
        .to_str()
        .is_some_and(|v| command.find_subcommand(v).is_some())
    {
        return args;
    }
    let mut before: Vec<OsString> = args[..at].to_vec();
    let mut words = vec![verb.clone()];
    let mut rest = args[at + 1..].iter();
    while let Some(word) = rest.next() {
        if word == "--" {
            words.push(word.clone());
            words.extend(rest.cloned());
            break;
        }
        match global(&globals, word) {
            Some((option, inline)) => {
                before.push(word.clone());
                if option.takes_value && !inline {
                    match rest.next() {
                        Some(value) => before.push(value.clone()),
                        None => return before,
                    }
                }
            }
            None => words.push(word.clone()),
        }
    }
    before.extend(words);
    before
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction, Command};

    fn command() -> Command {
        Command::new("bitsq")
            .arg(Arg::new("queue").long("queue").global(true))
            .arg(
                Arg::new("full-wasi")
                    .long("full-wasi")
                    .global(true)
                    .action(ArgAction::SetTrue),
            )
            .subcommand(Command::new("shell"))
            .allow_external_subcommands(true)
    }

    fn hoisted(args: &[&str]) -> Vec<String> {
        let args = args.iter().map(OsString::from).collect();
        hoist(args, &command())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn global_options_after_a_verb_go_before_it() {
        assert_eq!(
            hoisted(&["bitsq", "list", "--queue", "q", "--full-wasi"]),
            ["bitsq", "--queue", "q", "--full-wasi", "list"]
        );
        assert_eq!(
            hoisted(&[
                "bitsq",
                "--queue",
                "a",
                "create",
                "--upload",
                "--queue=b",
                "x"
            ]),
            [
                "bitsq",
                "--queue",
                "a",
                "--queue=b",
                "create",
                "--upload",
                "x"
            ]
        );
    }

    #[test]
    fn words_after_a_double_dash_and_clap_subcommands_stay() {
        for args in [
            &["bitsq", "create", "--", "--queue", "q"][..],
            &["bitsq", "shell", "--queue", "q"],
            &["bitsq", "--", "list", "--queue", "q"],
            &["bitsq", "--queue", "q"],
        ] {
            assert_eq!(hoisted(args), args, "{args:?}");
        }
    }

    #[test]
    fn a_missing_value_is_left_for_clap_to_name() {
        assert_eq!(hoisted(&["bitsq", "list", "--queue"]), ["bitsq", "--queue"]);
    }
}
