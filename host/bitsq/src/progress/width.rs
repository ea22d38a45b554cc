//! The terminal the bar is drawn on, and its width: `COLUMNS` when it is
//! set to a number (the user's word, as `ls` and libc programs take it),
//! else the terminal's own size.

use std::io;

use console::Term;
use indicatif::TermLike;

/// Stdout as indicatif draws on it, with the width bitsq chose.
#[derive(Debug, Clone)]
pub struct FittedTerm(Term);

impl FittedTerm {
    /// Stdout, when it is a terminal that can redraw a line: not a pipe or
    /// a file, and `TERM` is set and not `dumb` (console's `is_dumb`).
    pub fn stdout() -> Option<Self> {
        let term = Term::buffered_stdout();
        (term.is_term() && !console::is_dumb()).then_some(FittedTerm(term))
    }
}

/// `COLUMNS` as a width: a positive number, else nothing.
fn columns(value: Option<&str>) -> Option<u16> {
    value?.trim().parse().ok().filter(|&n: &u16| n > 0)
}

impl TermLike for FittedTerm {
    fn width(&self) -> u16 {
        let set = std::env::var("COLUMNS").ok();
        columns(set.as_deref()).unwrap_or_else(|| self.0.size().1)
    }

    fn height(&self) -> u16 {
        self.0.size().0
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_left(n)
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.0.write_line(s)
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.0.write_str(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.0.clear_line()
    }

    fn flush(&self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::columns;

    #[test]
    fn columns_takes_a_positive_number_only() {
        assert_eq!(columns(Some("30")), Some(30));
        assert_eq!(columns(Some(" 120\n")), Some(120));
        assert_eq!(columns(Some("0")), None);
        assert_eq!(columns(Some("wide")), None);
        assert_eq!(columns(Some("")), None);
        assert_eq!(columns(None), None);
    }
}
