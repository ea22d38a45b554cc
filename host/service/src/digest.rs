//! HTTP Digest access authentication (RFC 7616) as a client answers a
//! challenge: MD5 and SHA-256, each also as `-sess`, with `qop=auth` (or
//! RFC 2069's form when the server names no qop), a new client nonce per
//! answer and `nc=00000001` (each challenge is answered once, contract
//! §15.2). `auth-int`, `userhash` and `username*` are not offered: a
//! challenge that needs them is one the job cannot answer.

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::challenge::Challenge;

/// The hash a challenge names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Md5,
    Sha256,
}

impl Hash {
    fn hex(self, text: &str) -> String {
        let bytes: Vec<u8> = match self {
            Hash::Md5 => Md5::digest(text.as_bytes()).to_vec(),
            Hash::Sha256 => Sha256::digest(text.as_bytes()).to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A digest challenge this client can answer.
#[derive(Debug)]
struct Usable<'a> {
    challenge: &'a Challenge,
    hash: Hash,
    sess: bool,
    /// `qop=auth` offered (else RFC 2069's form, with no qop).
    qop: bool,
    /// The algorithm as the challenge spelled it, sent back.
    algorithm: Option<&'a str>,
}

fn usable(challenge: &Challenge) -> Option<Usable<'_>> {
    if !challenge.is("digest") {
        return None;
    }
    challenge.param("realm")?;
    challenge.param("nonce")?;
    let algorithm = challenge.param("algorithm");
    let (hash, sess) = match algorithm.unwrap_or("MD5").to_ascii_uppercase().as_str() {
        "MD5" => (Hash::Md5, false),
        "MD5-SESS" => (Hash::Md5, true),
        "SHA-256" => (Hash::Sha256, false),
        "SHA-256-SESS" => (Hash::Sha256, true),
        _ => return None,
    };
    if challenge
        .param("userhash")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let qop = match challenge.param("qop") {
        None => false,
        Some(list) => {
            if !list
                .split(',')
                .any(|q| q.trim().eq_ignore_ascii_case("auth"))
            {
                return None;
            }
            true
        }
    };
    Some(Usable {
        challenge,
        hash,
        sess,
        qop,
        algorithm,
    })
}

/// Whether one of `challenges` is a digest challenge this client answers.
pub(crate) fn offered(challenges: &[Challenge]) -> bool {
    challenges.iter().any(|c| usable(c).is_some())
}

/// What is being authorized: who, and which request.
pub(crate) struct Request<'a> {
    pub user: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    /// The request target, as sent on the request line.
    pub uri: &'a str,
    /// The client nonce (fresh randomness for each answer).
    pub cnonce: &'a str,
}

/// The `Authorization` value answering the best digest challenge of
/// `challenges` (SHA-256 before MD5, as RFC 7616 §3.7 prefers the
/// stronger), or none when no challenge is usable or the user name cannot
/// be sent as a quoted string.
pub(crate) fn answer(challenges: &[Challenge], request: &Request<'_>) -> Option<String> {
    let best = challenges
        .iter()
        .filter_map(usable)
        .min_by_key(|u| (u.hash != Hash::Sha256, u.sess))?;
    if request.user.contains(['"', '\\']) || !request.user.is_ascii() {
        return None;
    }
    let c = best.challenge;
    let realm = c.param("realm")?;
    let nonce = c.param("nonce")?;
    let h = |text: &str| best.hash.hex(text);
    let mut ha1 = h(&format!("{}:{realm}:{}", request.user, request.password));
    if best.sess {
        ha1 = h(&format!("{ha1}:{nonce}:{}", request.cnonce));
    }
    let ha2 = h(&format!("{}:{}", request.method, request.uri));
    let nc = "00000001";
    let response = if best.qop {
        h(&format!("{ha1}:{nonce}:{nc}:{}:auth:{ha2}", request.cnonce))
    } else {
        h(&format!("{ha1}:{nonce}:{ha2}"))
    };
    let mut value = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\"",
        request.user,
        quoted(realm),
        quoted(nonce),
        quoted(request.uri)
    );
    if let Some(algorithm) = best.algorithm {
        value += &format!(", algorithm={algorithm}");
    }
    if best.qop {
        value += &format!(", qop=auth, nc={nc}, cnonce=\"{}\"", quoted(request.cnonce));
    }
    value += &format!(", response=\"{response}\"");
    if let Some(opaque) = c.param("opaque") {
        value += &format!(", opaque=\"{}\"", quoted(opaque));
    }
    Some(value)
}

/// `text` with `"` and `\` escaped for a quoted string.
fn quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A fresh client nonce: 128 random bits as hex.
pub(crate) fn cnonce() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::challenges;

    /// RFC 7616 §3.9.1's example, for both of its algorithms.
    #[test]
    fn the_rfc_examples() {
        let request = Request {
            user: "Mufasa",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        };
        for (algorithm, expected) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let header = format!(
                "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
                 algorithm={algorithm}, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
                 opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
            );
            let value = answer(&challenges(&[&header]), &request).unwrap();
            assert!(
                value.contains(&format!("response=\"{expected}\"")),
                "{value}"
            );
            assert!(value.contains("qop=auth, nc=00000001"), "{value}");
            assert!(value.contains("opaque=\"FQhe/"), "{value}");
        }
    }

    #[test]
    fn sha_256_is_chosen_over_md5_and_unusable_challenges_are_not_answered() {
        let request = Request {
            user: "ann",
            password: "pw",
            method: "GET",
            uri: "/",
            cnonce: "c",
        };
        let both = challenges(&[
            "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"",
            "Digest realm=\"r\", nonce=\"n\", qop=\"auth\", algorithm=SHA-256",
        ]);
        assert!(
            answer(&both, &request)
                .unwrap()
                .contains("algorithm=SHA-256")
        );
        for unusable in [
            "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"",
            "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256",
            "Digest nonce=\"n\"",
            "Basic realm=\"r\"",
        ] {
            let found = challenges(&[unusable]);
            assert!(!offered(&found), "{unusable}");
            assert_eq!(answer(&found, &request), None, "{unusable}");
        }
    }
}
