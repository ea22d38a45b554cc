//! What the test server demands of a digest client (RFC 7616): it offers
//! challenges for the algorithms it is given and accepts an
//! `Authorization: Digest …` only when the response hash, computed here
//! from the password the client never sent, matches. A wrong password or
//! a wrong computation on the client's side is refused with a 401.

use md5::Md5;
use sha2::{Digest, Sha256};

const REALM: &str = "bits-test@127.0.0.1";
const NONCE: &str = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
const OPAQUE: &str = "5ccc069c403ebaf9f0171e9517f40e41";

/// A path's digest demand.
#[derive(Clone, Debug)]
pub struct DigestDemand {
    pub user: String,
    pub password: String,
    /// The algorithms offered, one challenge each, in this order
    /// (`MD5`, `SHA-256`, `MD5-sess`, `SHA-256-sess`).
    pub algorithms: Vec<String>,
    /// A `Basic` challenge offered first as well, and the exact
    /// `Authorization` it accepts.
    pub basic: Option<String>,
}

impl DigestDemand {
    /// A demand for `user` and `password` with challenges for `algorithms`.
    pub fn new(user: &str, password: &str, algorithms: &[&str]) -> DigestDemand {
        DigestDemand {
            user: user.into(),
            password: password.into(),
            algorithms: algorithms.iter().map(|a| a.to_string()).collect(),
            basic: None,
        }
    }

    /// The `WWW-Authenticate` values of the 401.
    pub(crate) fn challenges(&self) -> Vec<String> {
        let basic = self
            .basic
            .iter()
            .map(|_| format!("Basic realm=\"{REALM}\""));
        let digest = self.algorithms.iter().map(|algorithm| {
            format!(
                "Digest realm=\"{REALM}\", qop=\"auth\", algorithm={algorithm}, \
                 nonce=\"{NONCE}\", opaque=\"{OPAQUE}\""
            )
        });
        basic.chain(digest).collect()
    }

    /// Whether `authorization`, sent with `method` `target`, is accepted.
    pub(crate) fn accepts(&self, method: &str, target: &str, authorization: Option<&str>) -> bool {
        let Some(authorization) = authorization else {
            return false;
        };
        if self.basic.as_deref() == Some(authorization) {
            return true;
        }
        let Some(fields) = authorization.strip_prefix("Digest ") else {
            return false;
        };
        let fields = fields_of(fields);
        let field = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let algorithm = field("algorithm");
        let Some(offered) = self
            .algorithms
            .iter()
            .find(|a| a.eq_ignore_ascii_case(algorithm))
        else {
            return false;
        };
        let expected = [
            ("username", self.user.as_str()),
            ("realm", REALM),
            ("nonce", NONCE),
            ("opaque", OPAQUE),
            ("uri", target),
            ("qop", "auth"),
        ];
        if expected.iter().any(|(name, value)| field(name) != *value)
            || field("nc").is_empty()
            || field("cnonce").is_empty()
        {
            return false;
        }
        let hash: fn(&str) -> String = if offered.to_ascii_uppercase().starts_with("SHA-256") {
            |s| hex(&Sha256::digest(s.as_bytes()))
        } else {
            |s| hex(&Md5::digest(s.as_bytes()))
        };
        let cnonce = field("cnonce");
        let mut secret = hash(&[self.user.as_str(), REALM, &self.password].join(":"));
        if offered.to_ascii_lowercase().ends_with("-sess") {
            secret = hash(&[secret.as_str(), NONCE, cnonce].join(":"));
        }
        let request = hash(&[method, target].join(":"));
        let response = hash(&[&secret, NONCE, field("nc"), cnonce, "auth", &request].join(":"));
        field("response") == response
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `name=value, name="value", …` as pairs, quotes and escapes removed.
fn fields_of(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut name = String::new();
    let mut value = String::new();
    let (mut in_value, mut in_quotes, mut escaped) = (false, false, false);
    for c in text.chars().chain([',']) {
        match c {
            _ if escaped => {
                value.push(c);
                escaped = false;
            }
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                pairs.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
                (name, value, in_value) = (String::new(), String::new(), false);
            }
            '=' if !in_value => in_value = true,
            _ if in_value => value.push(c),
            _ => name.push(c),
        }
    }
    pairs
}
