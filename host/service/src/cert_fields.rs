//! The fields of an X.509 certificate a client-certificate store compares
//! (contract §15.5): its subject as RFC 4514 writes it, its validity and
//! its extended key usage, read from the DER with `yasna` (the ASN.1
//! reader rcgen already brings; a full X.509 parser would rebuild much of
//! the workspace for three fields).

use std::time::SystemTime;

use yasna::models::ObjectIdentifier;
use yasna::tags::{
    TAG_BMPSTRING, TAG_GENERALIZEDTIME, TAG_IA5STRING, TAG_PRINTABLESTRING, TAG_TELETEXSTRING,
    TAG_UTCTIME, TAG_UTF8STRING,
};
use yasna::{ASN1Result, BERReader, Tag};

/// What a store compares of a certificate.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CertFields {
    /// The subject, RFC 4514 (the last RDN first).
    pub(crate) subject: String,
    /// Whether it is valid now.
    pub(crate) current: bool,
    /// Its extended key usage allows client authentication (or it has
    /// none).
    pub(crate) for_clients: bool,
}

/// id-ce-extKeyUsage.
const EXT_KEY_USAGE: [u64; 4] = [2, 5, 29, 37];
/// id-kp-clientAuth.
const CLIENT_AUTH: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 3, 2];
/// anyExtendedKeyUsage.
const ANY_USAGE: [u64; 5] = [2, 5, 29, 37, 0];

/// The fields of the certificate `der`, or none if it is not one.
pub(crate) fn read(der: &[u8]) -> Option<CertFields> {
    let tbs = yasna::parse_der(der, |r| {
        r.read_sequence(|r| {
            let tbs = r.next().read_der()?;
            r.next().read_der()?;
            r.next().read_der()?;
            Ok(tbs)
        })
    })
    .ok()?;
    yasna::parse_der(&tbs, |r| {
        r.read_sequence(|r| {
            r.read_optional(|r| r.read_tagged(Tag::context(0), |r| r.read_der()))?;
            r.next().read_der()?; // serial
            r.next().read_der()?; // signature algorithm
            r.next().read_der()?; // issuer
            let (not_before, not_after) = r
                .next()
                .read_sequence(|r| Ok((time(r.next())?, time(r.next())?)))?;
            let subject = name(r.next())?;
            r.next().read_der()?; // public key
            r.read_optional(|r| r.read_tagged_implicit(Tag::context(1), |r| r.read_der()))?;
            r.read_optional(|r| r.read_tagged_implicit(Tag::context(2), |r| r.read_der()))?;
            let usages = r
                .read_optional(|r| r.read_tagged(Tag::context(3), extended_key_usage))?
                .flatten();
            let now = SystemTime::now();
            Ok(CertFields {
                subject,
                current: not_before <= now && now <= not_after,
                for_clients: usages.is_none_or(|oids| {
                    oids.iter().any(|oid| {
                        oid.components()[..] == CLIENT_AUTH || oid.components()[..] == ANY_USAGE
                    })
                }),
            })
        })
    })
    .ok()
}

/// A Time: UTCTime or GeneralizedTime, as a point in time.
fn time(r: BERReader<'_, '_>) -> ASN1Result<SystemTime> {
    let at = if r.lookahead_tag()? == TAG_UTCTIME {
        *r.read_utctime()?.datetime()
    } else if r.lookahead_tag()? == TAG_GENERALIZEDTIME {
        *r.read_generalized_time()?.datetime()
    } else {
        return Err(yasna::ASN1Error::new(yasna::ASN1ErrorKind::Invalid));
    };
    Ok(at.into())
}

/// The extensions' extended key usage OIDs, if the extension is there.
fn extended_key_usage(r: BERReader<'_, '_>) -> ASN1Result<Option<Vec<ObjectIdentifier>>> {
    let mut usages = None;
    r.read_sequence_of(|r| {
        r.read_sequence(|r| {
            let oid = r.next().read_oid()?;
            r.read_optional(|r| r.read_bool())?;
            let value = r.next().read_bytes()?;
            if oid.components()[..] == EXT_KEY_USAGE {
                let mut oids = Vec::new();
                yasna::parse_der(&value, |r| {
                    r.read_sequence_of(|r| {
                        oids.push(r.read_oid()?);
                        Ok(())
                    })
                })?;
                usages = Some(oids);
            }
            Ok(())
        })
    })?;
    Ok(usages)
}

/// A Name as RFC 4514 writes it: the last RDN first, `,` between RDNs,
/// `+` within one, the RFC's short names, special characters escaped, and
/// a value that is not a string as `#` and its DER in hex.
fn name(r: BERReader<'_, '_>) -> ASN1Result<String> {
    let mut rdns = Vec::new();
    r.read_sequence_of(|r| {
        let mut attributes = Vec::new();
        r.read_set_of(|r| {
            let (oid, value) = r.read_sequence(|r| {
                let oid = r.next().read_oid()?;
                Ok((oid, r.next().read_tagged_der()?))
            })?;
            let text = match value.tag() {
                TAG_UTF8STRING | TAG_PRINTABLESTRING | TAG_IA5STRING | TAG_TELETEXSTRING => {
                    escape(&String::from_utf8_lossy(value.value()))
                }
                TAG_BMPSTRING => {
                    let units: Vec<u16> = value
                        .value()
                        .chunks(2)
                        .map(|pair| u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
                        .collect();
                    escape(&String::from_utf16_lossy(&units))
                }
                _ => format!(
                    "#{}",
                    hex(&yasna::construct_der(|w| w.write_tagged_der(&value)))
                ),
            };
            attributes.push(format!("{}={text}", short_name(&oid)));
            Ok(())
        })?;
        rdns.push(attributes.join("+"));
        Ok(())
    })?;
    rdns.reverse();
    Ok(rdns.join(","))
}

/// RFC 4514 §3's short names, else the dotted OID.
fn short_name(oid: &ObjectIdentifier) -> String {
    let known: [(&[u64], &str); 9] = [
        (&[2, 5, 4, 3], "CN"),
        (&[2, 5, 4, 7], "L"),
        (&[2, 5, 4, 8], "ST"),
        (&[2, 5, 4, 10], "O"),
        (&[2, 5, 4, 11], "OU"),
        (&[2, 5, 4, 6], "C"),
        (&[2, 5, 4, 9], "STREET"),
        (&[0, 9, 2342, 19200300, 100, 1, 25], "DC"),
        (&[0, 9, 2342, 19200300, 100, 1, 1], "UID"),
    ];
    match known
        .iter()
        .find(|(parts, _)| oid.components()[..] == **parts)
    {
        Some((_, short)) => (*short).to_owned(),
        None => oid
            .components()
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 4514 §2.4's escapes.
fn escape(value: &str) -> String {
    let last = value.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let edge_space = c == ' ' && (i == 0 || i == last);
        if matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || edge_space
            || (i == 0 && c == '#')
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn rfc4514_escapes() {
        assert_eq!(escape("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape(" x "), "\\ x\\ ");
        assert_eq!(escape("#1"), "\\#1");
        assert_eq!(escape("plain"), "plain");
    }
}
