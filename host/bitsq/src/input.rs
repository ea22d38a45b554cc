//! The shell's lines from a pipe or a file: bounded, numbered, and checked
//! for what people actually feed a shell. Memory stays bounded whatever
//! comes (`< /dev/zero`); a line that cannot be run is reported with its
//! number and skipped, never dropped silently; input that cannot be read
//! at all stops the shell with a message that names the problem.

use std::io::{self, BufRead};

/// The longest line run, in bytes. The longest command the queue can
/// accept (`addfile` with a 2,200-unit URL and a 260-unit path, every
/// character three bytes, every one escaped) is under 16 KiB.
pub const MAX_LINE: usize = 64 << 10;

/// How many bytes of one over-long line are skipped looking for its end
/// before the input is taken for something that is not text at all.
pub const MAX_SKIPPED: u64 = 16 << 20;

/// What the next line of input is.
pub enum Next {
    /// A line to run (without its line break or a carriage return).
    Line(String),
    /// A line that cannot be run, and why; the shell reports it and goes on.
    Skip(String),
    /// The input cannot be read further, and why.
    Stop(String),
    /// The input ended.
    End,
}

/// Reads lines from `reader`, counting them.
pub struct Lines<R> {
    reader: R,
    number: u64,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Lines { reader, number: 0 }
    }

    /// The number of the line [`Lines::next_line`] returned last (from 1).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The next line, or why there is none.
    pub fn next_line(&mut self) -> Next {
        self.number += 1;
        let n = self.number;
        let mut line = Vec::new();
        let ended = match self.read_bounded(&mut line) {
            Ok(ended) => ended,
            Err(e) => return Next::Stop(format!("cannot read the input at line {n}: {e}")),
        };
        if !ended && line.is_empty() {
            return Next::End;
        }
        if line.len() > MAX_LINE {
            return match self.skip_rest() {
                Ok(()) => Next::Skip(format!(
                    "line {n} is longer than {} bytes; skipped",
                    thousands(MAX_LINE as u64)
                )),
                Err(why) => Next::Stop(format!("line {n}: {why}")),
            };
        }
        if n == 1 {
            if line.starts_with(&[0xFF, 0xFE]) || line.starts_with(&[0xFE, 0xFF]) {
                return Next::Stop(
                    "the input is UTF-16 (it starts with a UTF-16 byte-order mark); \
                     bitsq reads UTF-8: convert it first, e.g. `iconv -f UTF-16 -t UTF-8`"
                        .to_string(),
                );
            }
            // A UTF-8 byte-order mark (Windows editors write one) is no
            // part of the first command.
            if line.starts_with(&[0xEF, 0xBB, 0xBF]) {
                line.drain(..3);
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.contains(&0) {
            return Next::Skip(format!(
                "line {n} contains NUL bytes (is the input UTF-16? bitsq reads UTF-8); skipped"
            ));
        }
        match String::from_utf8(line) {
            Ok(text) => Next::Line(text),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let byte = e.as_bytes()[at];
                Next::Skip(format!(
                    "line {n} is not valid UTF-8 (byte 0x{byte:02X} at column {}); skipped",
                    at + 1
                ))
            }
        }
    }

    /// Reads up to the next line break into `line`, keeping at most
    /// `MAX_LINE + 1` bytes; whether a line break ended it.
    fn read_bounded(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        loop {
            let buffer = match self.reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buffer.is_empty() {
                return Ok(false);
            }
            let room = MAX_LINE + 1 - line.len();
            match buffer.iter().position(|&b| b == b'\n') {
                Some(at) if at < room => {
                    line.extend_from_slice(&buffer[..at]);
                    self.reader.consume(at + 1);
                    return Ok(true);
                }
                _ => {
                    let take = buffer.len().min(room);
                    line.extend_from_slice(&buffer[..take]);
                    self.reader.consume(take);
                    if line.len() > MAX_LINE {
                        return Ok(false);
                    }
                }
            }
        }
    }

    /// Skips the rest of an over-long line, up to [`MAX_SKIPPED`] bytes.
    fn skip_rest(&mut self) -> Result<(), String> {
        let mut skipped = 0u64;
        loop {
            let buffer = match self.reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("cannot read the input: {e}")),
            };
            if buffer.is_empty() {
                return Ok(());
            }
            if let Some(at) = buffer.iter().position(|&b| b == b'\n') {
                self.reader.consume(at + 1);
                return Ok(());
            }
            let len = buffer.len();
            self.reader.consume(len);
            skipped += len as u64;
            if skipped > MAX_SKIPPED {
                return Err(format!(
                    "no line break in {} bytes: this input is not lines of text; \
                     the shell stops reading",
                    thousands(MAX_SKIPPED)
                ));
            }
        }
    }
}

/// `65536` as `65,536`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<String> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        loop {
            match lines.next_line() {
                Next::Line(l) => out.push(format!("line {l}")),
                Next::Skip(why) => out.push(format!("skip {why}")),
                Next::Stop(why) => {
                    out.push(format!("stop {why}"));
                    return out;
                }
                Next::End => return out,
            }
        }
    }

    #[test]
    fn lines_are_numbered_and_bad_ones_skipped() {
        assert_eq!(
            all(b"a\r\ncaf\xe9\nb"),
            [
                "line a",
                "skip line 2 is not valid UTF-8 (byte 0xE9 at column 4); skipped",
                "line b"
            ]
        );
        assert_eq!(all(b"\xef\xbb\xbfcreate x\n"), ["line create x"]);
        assert!(all(b"\xff\xfec\0")[0].starts_with("stop the input is UTF-16"));
        assert!(all(b"c\0r\0\n\0")[0].contains("NUL bytes"));
        assert_eq!(all(b""), Vec::<String>::new());
        assert_eq!(all(b"\n"), ["line "]);
    }

    #[test]
    fn a_long_line_is_skipped_and_endless_input_stops() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nlist\n");
        let out = all(&input);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out[0].contains("longer than 65,536 bytes"), "{out:?}");
        assert_eq!(out[1], "line list");
        // Exactly MAX_LINE bytes still run.
        let exact = vec![b'y'; MAX_LINE];
        assert_eq!(all(&exact)[0].len(), "line ".len() + MAX_LINE);
        let endless = std::io::BufReader::new(std::io::repeat(b'z'));
        let mut lines = Lines::new(endless);
        assert!(matches!(lines.next_line(), Next::Stop(why) if why.contains("not lines of text")));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(5), "5");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(16_777_216), "16,777,216");
    }
}
