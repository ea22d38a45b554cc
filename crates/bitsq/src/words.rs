//! Splits a shell line into words: whitespace separates, double or single
//! quotes group, a backslash escapes the next character (outside single
//! quotes), so names with spaces can be given as `"Nightly backup"`.

/// The words of `line`, or a description of what is unbalanced.
pub fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => word.push(c),
            (_, '\\') => {
                word.push(chars.next().ok_or("a backslash ends the line")?);
                in_word = true;
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
    }

    #[test]
    fn refuses_unbalanced_input() {
        assert!(split("\"open").is_err());
        assert!(split("trailing\\").is_err());
    }
}
