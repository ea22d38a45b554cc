//! Where the shell's lines come from: a terminal (with a line editor and
//! a prompt) or a pipe or file (numbered, without). Each line is split
//! into words and run as one command.

use std::io::{self, IsTerminal};

use bits_queue_host::Error;

use crate::editor::{Editor, Typed};
use crate::exit::Status;
use crate::input::{self, Next};
use crate::output::{say, tell};
use crate::shell::Shell;
use crate::verbs::Flow;
use crate::words;

impl Shell<'_> {
    /// Reads and runs commands until the input ends or `quit`; the exit
    /// status the input alone gives.
    pub(super) fn read_commands(&self) -> Result<Status, Error> {
        if io::stdin().is_terminal() && io::stdout().is_terminal() {
            match Editor::new() {
                Ok(editor) => return self.read_terminal(editor),
                Err(why) => tell!("bitsq: no line editing ({why}); reading lines as typed"),
            }
        }
        self.read_piped()
    }

    fn read_terminal(&self, mut editor: Editor) -> Result<Status, Error> {
        // Ctrl-C while a command runs must not end the shell (and, for a
        // `memory:` queue, its jobs): at the prompt it cancels the line,
        // and `monitor` ends its view on it.
        let _no_kill = crate::interrupt::catch();
        say!("bitsq shell: `help` lists the commands, `quit` or Ctrl-D leaves.");
        loop {
            match editor.read("bitsq> ") {
                Ok(Typed::Line(line)) => {
                    if let Flow::Quit = self.run_line(&line)? {
                        return Ok(Status::Done);
                    }
                }
                Ok(Typed::Cancelled) => continue,
                Ok(Typed::End) => return Ok(Status::Done),
                Err(why) => {
                    tell!("bitsq: {why}");
                    return Ok(Status::Input);
                }
            }
        }
    }

    /// Lines from a pipe or a file: each error names its line.
    fn read_piped(&self) -> Result<Status, Error> {
        let stdin = io::stdin();
        let mut lines = input::Lines::new(stdin.lock());
        let mut status = Status::Done;
        loop {
            match lines.next_line() {
                Next::End => return Ok(status),
                Next::Stop(why) => {
                    tell!("bitsq: {why}");
                    return Ok(Status::Input);
                }
                Next::Skip(why) => {
                    tell!("error: {why}");
                    status = Status::Input;
                }
                Next::Line(line) => {
                    crate::output::set_error_prefix(Some(format!("line {}: ", lines.number())));
                    let flow = self.run_line(&line);
                    crate::output::set_error_prefix(None);
                    if let Flow::Quit = flow? {
                        return Ok(status);
                    }
                }
            }
        }
    }

    /// Runs one line of the shell.
    fn run_line(&self, line: &str) -> Result<Flow, Error> {
        let words = match words::split(line) {
            Ok(words) => words,
            Err(why) => {
                tell!("error: {why}");
                return Ok(Flow::Continue);
            }
        };
        let Some((verb, args)) = words.split_first() else {
            return Ok(Flow::Continue);
        };
        if verb.starts_with('#') {
            return Ok(Flow::Continue);
        }
        let (flow, _) = self.command(verb, args)?;
        Ok(flow)
    }
}
