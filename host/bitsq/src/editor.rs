//! The interactive shell's line editor (rustyline): arrow keys move
//! through the line and the history instead of inserting raw escape
//! codes; Ctrl-C cancels the line being typed; Ctrl-D on an empty line
//! leaves, ending the prompt's line first.

use rustyline::error::ReadlineError;
use rustyline::{Config, DefaultEditor};

/// What the person at the terminal did.
pub enum Typed {
    /// Entered a line.
    Line(String),
    /// Pressed Ctrl-C: the line is dropped, the shell goes on.
    Cancelled,
    /// Pressed Ctrl-D on an empty line (or the terminal went away).
    End,
}

/// A line editor on the terminal, with its history of this session.
pub struct Editor(DefaultEditor);

/// Lines kept in the history.
const HISTORY: usize = 1000;

impl Editor {
    /// An editor on the terminal, or why none can be had.
    pub fn new() -> Result<Self, String> {
        let config = Config::builder()
            .auto_add_history(true)
            .history_ignore_dups(true)
            .and_then(|c| c.max_history_size(HISTORY))
            .map_err(|e| e.to_string())?
            // bitsq's output always ends its lines, and asking the terminal
            // where the cursor is would race with keys already typed.
            .check_cursor_position(false)
            .build();
        DefaultEditor::with_config(config)
            .map(Editor)
            .map_err(|e| e.to_string())
    }

    /// Reads one line after `prompt`.
    pub fn read(&mut self, prompt: &str) -> Result<Typed, String> {
        match self.0.readline(prompt) {
            Ok(line) => Ok(Typed::Line(line)),
            Err(ReadlineError::Interrupted) => Ok(Typed::Cancelled),
            Err(ReadlineError::Eof) => {
                crate::output::raw("\n");
                Ok(Typed::End)
            }
            Err(e) => Err(format!("cannot read the terminal: {e}")),
        }
    }
}
