//! `WWW-Authenticate` values read as RFC 9110 §11.6.1 writes them: one
//! value may hold several challenges, each a scheme and then either a
//! token68 or `name=value` parameters (a value a token or a quoted string),
//! all separated by commas.

/// One challenge: its scheme and its parameters (names in lower case,
/// quoted values unquoted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// Whether its scheme is `scheme` (schemes are case-insensitive).
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The parameter `name`'s value, if it has one.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The challenges of all `values`, in order; what does not parse is left
/// out (a challenge the client cannot read is one it cannot answer).
pub(crate) fn challenges(values: &[&str]) -> Vec<Challenge> {
    let mut found = Vec::new();
    for value in values {
        let mut rest = value.trim_start();
        // Right after a scheme, before any comma: a word there that is
        // not a parameter is the scheme's token68 (`Negotiate YWJj==`).
        let mut after_scheme = false;
        while !rest.is_empty() {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            if let Some(next) = trimmed.strip_prefix(',') {
                after_scheme = false;
                rest = next;
                continue;
            }
            rest = trimmed;
            let (word, after) = split_token(rest);
            if word.is_empty() {
                // Not a token: skip to the next comma.
                rest = after.split_once(',').map_or("", |(_, r)| r);
                after_scheme = false;
                continue;
            }
            let after_spaces = after.trim_start_matches([' ', '\t']);
            let is_param = after_spaces.starts_with('=') && !after_spaces.starts_with("==");
            if is_param && let Some(current) = found.last_mut() {
                let (value, left) = param_value(after_spaces[1..].trim_start());
                let current: &mut Challenge = current;
                current.params.push((word.to_ascii_lowercase(), value));
                rest = left;
                after_scheme = false;
            } else if after_scheme {
                // The token68, with its padding.
                rest = after.trim_start_matches('=');
                after_scheme = false;
            } else {
                found.push(Challenge {
                    scheme: word.to_string(),
                    params: Vec::new(),
                });
                rest = after;
                after_scheme = true;
            }
        }
    }
    found
}

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The token at the start of `text`, and what follows it.
fn split_token(text: &str) -> (&str, &str) {
    let end = text.find(|c: char| !is_tchar(c)).unwrap_or(text.len());
    text.split_at(end)
}

/// A parameter's value (a quoted string, unescaped, or a token; a token68
/// with its `=` padding is taken whole), and what follows it.
fn param_value(text: &str) -> (String, &str) {
    let Some(quoted) = text.strip_prefix('"') else {
        let end = text.find([',', ' ', '\t']).unwrap_or(text.len());
        return (text[..end].to_string(), &text[end..]);
    };
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return (value, &quoted[at + 1..]),
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    value.push(escaped);
                }
            }
            c => value.push(c),
        }
    }
    // An unterminated string: what there is.
    (value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(c: &Challenge) -> Vec<(&str, &str)> {
        c.params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn several_challenges_in_one_value_and_across_values() {
        let found = challenges(&[
            "Basic realm=\"a, b\", Digest Realm=\"r\", qop=\"auth,auth-int\", \
             algorithm=SHA-256, nonce=\"n\\\"x\"",
            "Bearer",
            "Negotiate YWJj==",
        ]);
        let schemes: Vec<_> = found.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Basic", "Digest", "Bearer", "Negotiate"]);
        assert_eq!(pairs(&found[0]), [("realm", "a, b")]);
        assert_eq!(
            pairs(&found[1]),
            [
                ("realm", "r"),
                ("qop", "auth,auth-int"),
                ("algorithm", "SHA-256"),
                ("nonce", "n\"x")
            ]
        );
        assert!(found[1].is("digest"));
        assert_eq!(found[1].param("nonce"), Some("n\"x"));
        assert!(found[2].params.is_empty());
    }

    #[test]
    fn nothing_readable_gives_nothing() {
        assert!(challenges(&["", " , ", "\"quoted\""]).is_empty());
    }
}
