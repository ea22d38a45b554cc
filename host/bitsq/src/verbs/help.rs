//! `help [VERB]` and `quit`, which need no queue, and the list of verbs
//! `bitsq --help` shows: all of it from the verb table.

use crate::output::say;
use crate::verbs::about::fill;
use crate::verbs::args::positional;
use crate::verbs::{Failure, Flow, VERBS, Verb, find};

/// `help`: every verb with its usage and what it does; `help VERB`: one.
pub fn help(args: &[String]) -> Result<Flow, Failure> {
    match positional(args).as_slice() {
        [] => {
            say!("Commands. JOB is a GUID (braces optional) or a display name only one job");
            say!("has; quote words with spaces (\"Nightly backup\"); `--` ends options.");
            for verb in VERBS {
                say!("  {}", verb.usage());
                say!("      {}", fill(verb.about));
            }
        }
        [name] => match find(name) {
            Some(verb) => verb_help(verb),
            None => return Err(Failure::Unknown(name.to_string())),
        },
        _ => return Err(Failure::Usage),
    }
    Ok(Flow::Continue)
}

/// `quit`: leaves the shell (a one-shot `bitsq quit` does nothing).
pub fn quit(args: &[String]) -> Result<Flow, Failure> {
    match positional(args).as_slice() {
        [] => Ok(Flow::Quit),
        _ => Err(Failure::Usage),
    }
}

/// One verb's help: its usage, then what it does.
pub fn verb_help(verb: &Verb) {
    say!("{}\n    {}", verb.usage(), fill(verb.about));
}

/// The verbs for `bitsq --help`: every name, wrapped to `width` columns.
pub fn overview(width: usize) -> String {
    let mut text = String::from(
        "Verbs, run on the stored queue as `bitsq VERB [ARGS]` or one per line in\n\
         `bitsq shell`; `bitsq help VERB` explains one:\n",
    );
    let mut line = String::from(" ");
    for (i, verb) in VERBS.iter().enumerate() {
        let word = if i + 1 < VERBS.len() {
            format!(" {},", verb.name)
        } else {
            format!(" {}", verb.name)
        };
        if line.len() + word.len() > width {
            text.push_str(&line);
            text.push('\n');
            line = String::from(" ");
        }
        line.push_str(&word);
    }
    text.push_str(&line);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overview_names_every_verb_within_its_width() {
        let text = overview(80);
        for verb in VERBS {
            assert!(
                text.split([' ', ',', '\n']).any(|w| w == verb.name),
                "{} missing:\n{text}",
                verb.name
            );
        }
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    }
}
