//! bitsadmin's security verbs (contract §15.4–§15.5): `setsecurityflags JOB
//! VALUE` and `getsecurityflags JOB` (Windows' bits, decimal or `0x` hex),
//! and the client-certificate verbs. bitsadmin names a certificate by a
//! store location, a store and a hash or subject; a Linux host has one set
//! of stores (the service's `--client-cert-dir`), so the location word is
//! accepted for bitsadmin's command lines, checked, and not kept.

use bits_queue_host::{CertificateId, ClientCertificate};

use crate::output::{Shown, say};
use crate::verbs::args::{exactly, positional};
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// `VALUE`: decimal, or hexadecimal after `0x`.
fn flags(text: &str) -> Result<u32, Failure> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| {
        Failure::Bad(format!(
            "VALUE must be a number (decimal, or hexadecimal after 0x), not `{}`",
            Shown(text)
        ))
    })
}

/// `JOB VALUE`.
pub fn setsecurityflags(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, value] = exactly(args)?;
    let value = flags(value)?;
    let job = job(call, id)?;
    job.set_security_flags(value)?;
    say!("{}: security flags {value:#06X}", job.id()?);
    Ok(())
}

/// `JOB`: the flags in hex, as bitsadmin's examples write them.
pub fn getsecurityflags(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    say!("{:#06X}", job(call, id)?.security_flags()?);
    Ok(())
}

/// bitsadmin's store locations, by name (with or without its
/// `BG_CERT_STORE_LOCATION_` prefix) or number 1–8.
const LOCATIONS: [&str; 8] = [
    "CURRENT_USER",
    "LOCAL_MACHINE",
    "CURRENT_SERVICE",
    "SERVICES",
    "USERS",
    "CURRENT_USER_GROUP_POLICY",
    "LOCAL_MACHINE_GROUP_POLICY",
    "LOCAL_MACHINE_ENTERPRISE",
];

fn is_location(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    let name = upper
        .strip_prefix("BG_CERT_STORE_LOCATION_")
        .unwrap_or(&upper);
    LOCATIONS.contains(&name) || matches!(word.parse::<u8>(), Ok(1..=8))
}

/// `JOB [LOCATION] STORE WHAT`: the job's name, the store, and the last
/// word.
fn reference(args: &[String]) -> Result<(&str, &str, &str), Failure> {
    match positional(args).as_slice() {
        [id, store, what] => Ok((id, store, what)),
        [id, location, store, what] if is_location(location) => Ok((id, store, what)),
        [_, location, _, _] => Err(Failure::Bad(format!(
            "LOCATION must be one of bitsadmin's store locations ({} or 1-8), not `{}`",
            LOCATIONS.join(", "),
            Shown(location)
        ))),
        _ => Err(Failure::Usage),
    }
}

fn set(call: &Call<'_>, id: &str, cert: ClientCertificate) -> Result<(), Failure> {
    let job = job(call, id)?;
    job.set_client_certificate(Some(&cert))?;
    say!("{}: client certificate {}", job.id()?, shown(&cert));
    Ok(())
}

/// `JOB [LOCATION] STORE HASH`: the certificate whose SHA-1 is HASH (40
/// hex digits).
pub fn setclientcertificatebyid(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let (id, store, hash) = reference(args)?;
    let bad = || {
        Failure::Bad(format!(
            "HASH must be a SHA-1 thumbprint of 40 hexadecimal digits, not `{}`",
            Shown(hash)
        ))
    };
    if hash.len() != 40 || !hash.is_ascii() {
        return Err(bad());
    }
    let bytes = (0..40)
        .step_by(2)
        .map(|at| u8::from_str_radix(&hash[at..at + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    let cert = ClientCertificate {
        store: store.to_owned(),
        id: CertificateId::Sha1(bytes),
    };
    set(call, id, cert)
}

/// `JOB [LOCATION] STORE SUBJECT`: the first certificate whose subject
/// holds SUBJECT.
pub fn setclientcertificatebyname(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let (id, store, subject) = reference(args)?;
    let cert = ClientCertificate {
        store: store.to_owned(),
        id: CertificateId::Subject(subject.to_owned()),
    };
    set(call, id, cert)
}

/// `JOB`.
pub fn removeclientcertificate(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call, id)?;
    job.set_client_certificate(None)?;
    say!("{}: no client certificate", job.id()?);
    Ok(())
}

/// `JOB`: the store and the hash or subject, or NONE.
pub fn getclientcertificate(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    match job(call, id)?.client_certificate()? {
        Some(cert) => say!("{}", shown(&cert)),
        None => say!("NONE"),
    }
    Ok(())
}

/// A reference as `info` and the getter show it: `STORE HASH` in hex, or
/// `STORE subject "TEXT"`.
pub fn shown(cert: &ClientCertificate) -> String {
    match &cert.id {
        CertificateId::Sha1(hash) => {
            let hex: String = hash.iter().map(|b| format!("{b:02X}")).collect();
            format!("{} {hex}", Shown(&cert.store))
        }
        CertificateId::Subject(subject) => {
            format!("{} subject \"{}\"", Shown(&cert.store), Shown(subject))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_locations() {
        assert_eq!(flags("0x0B1F").ok(), Some(0x0B1F));
        assert_eq!(flags("256").ok(), Some(256));
        assert!(flags("0xZ").is_err() && flags("-1").is_err());
        assert!(is_location("BG_CERT_STORE_LOCATION_CURRENT_USER"));
        assert!(is_location("local_machine") && is_location("8"));
        assert!(!is_location("9") && !is_location("MY"));
    }
}
