//! Splits a shell line into words: whitespace separates, double or single
//! quotes group, so names with spaces can be given as `"Nightly backup"`.
//!
//! A backslash escapes only what would otherwise split or quote — a quote,
//! whitespace, or another backslash — and is an ordinary character before
//! anything else: Windows paths such as `C:\tmp\b.tar` work unquoted (the
//! demo prints them so), while `a\ b`, `\"` and `\\` still escape.

/// The words of `line`, or a description of what is unbalanced.
pub fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => word.push(c),
            (_, '\\') => {
                in_word = true;
                match chars.peek() {
                    Some(&next) if escapable(next) => {
                        word.push(next);
                        chars.next();
                    }
                    _ => word.push('\\'),
                }
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed");
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// What a backslash escapes: the characters that would otherwise end a
/// word, open or close a quote, or start an escape.
fn escapable(c: char) -> bool {
    matches!(c, '\\' | '"' | '\'') || c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_on_whitespace_and_groups_quotes() {
        assert_eq!(split("  a  b\tc ").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            split(r#"create "Nightly backup""#).unwrap(),
            ["create", "Nightly backup"]
        );
        assert_eq!(split("x 'it''s' \"\"").unwrap(), ["x", "its", ""]);
        assert_eq!(split(r"a\ b c\\").unwrap(), ["a b", r"c\"]);
        assert_eq!(split(r#"'a "b" \c'"#).unwrap(), [r#"a "b" \c"#]);
        assert_eq!(split(r#""say \"hi\"""#).unwrap(), [r#"say "hi""#]);
    }

    /// Issue 13 case 9: a backslash before an ordinary character is that
    /// backslash, so Windows paths need no quotes.
    #[test]
    fn windows_paths_work_unquoted() {
        assert_eq!(
            split(r"addfile G https://example.com/b C:\tmp\b.tar").unwrap(),
            ["addfile", "G", "https://example.com/b", r"C:\tmp\b.tar"]
        );
        assert_eq!(split(r"C:\new\table\x").unwrap(), [r"C:\new\table\x"]);
        assert_eq!(split(r#""C:\data\b.iso""#).unwrap(), [r"C:\data\b.iso"]);
        assert_eq!(split(r"C:\\data").unwrap(), [r"C:\data"]);
        assert_eq!(split(r"C:\dir\").unwrap(), [r"C:\dir\"]);
    }

    #[test]
    fn refuses_unbalanced_input() {
        assert!(split("\"open").is_err());
        assert!(split("it's").is_err());
    }
}
