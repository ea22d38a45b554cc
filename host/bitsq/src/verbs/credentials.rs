//! bitsadmin's credential and header verbs (contract §15.1–§15.2). A
//! secret given as `-` is read from stdin, so it never sits in a shell's
//! history; no verb ever prints one.

use std::io::BufRead;

use bits_queue_host::{AuthScheme, AuthTarget, CredentialSlot, Credentials, SecretSlot};

use crate::output::{Shown, say};
use crate::verbs::args::{exactly, positional};
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// Every slot a secret can be kept in, in the order `info` lists them.
pub const SLOTS: [SecretSlot; 6] = [
    slot(AuthTarget::Server, AuthScheme::Basic),
    slot(AuthTarget::Server, AuthScheme::Digest),
    slot(AuthTarget::Server, AuthScheme::Bearer),
    slot(AuthTarget::Proxy, AuthScheme::Basic),
    slot(AuthTarget::Proxy, AuthScheme::Digest),
    SecretSlot::CustomHeaders,
];

const fn slot(target: AuthTarget, scheme: AuthScheme) -> SecretSlot {
    SecretSlot::Credential(CredentialSlot { target, scheme })
}

fn target(text: &str) -> Result<AuthTarget, Failure> {
    text.parse().map_err(|_| {
        Failure::Bad(format!(
            "TARGET must be server or proxy, not `{}`",
            Shown(text)
        ))
    })
}

fn scheme(text: &str) -> Result<AuthScheme, Failure> {
    text.parse().map_err(|_| {
        Failure::Bad(format!(
            "SCHEME must be basic, digest or bearer, not `{}`",
            Shown(text)
        ))
    })
}

/// `text`, or for `-` one line of stdin without its line ending.
fn secret(what: &str, text: &str) -> Result<String, Failure> {
    if text != "-" {
        return Ok(text.to_owned());
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Bad(format!("{what} could not be read from stdin: {e}")))?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    Ok(line.strip_suffix('\r').unwrap_or(line).to_owned())
}

/// `JOB TARGET basic|digest USER SECRET` or `JOB server bearer TOKEN`.
pub fn setcredentials(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let words = positional(args);
    let (id, target, scheme, user_name, password) = match words.as_slice() {
        [id, t, s, token] if scheme(s)? == AuthScheme::Bearer => (
            *id,
            target(t)?,
            AuthScheme::Bearer,
            String::new(),
            secret("TOKEN", token)?,
        ),
        [id, t, s, user, password] if scheme(s)? != AuthScheme::Bearer => (
            *id,
            target(t)?,
            scheme(s)?,
            (*user).to_owned(),
            secret("SECRET", password)?,
        ),
        _ => return Err(Failure::Usage),
    };
    let job = job(call, id)?;
    job.set_credentials(&Credentials {
        target,
        scheme,
        user_name,
        password,
    })?;
    say!(
        "{}: {} {} credentials set",
        job.id()?,
        target.wit_name(),
        scheme.wit_name()
    );
    Ok(())
}

/// `JOB TARGET SCHEME`.
pub fn removecredentials(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, t, s] = exactly(args)?;
    let (target, scheme) = (target(t)?, scheme(s)?);
    let job = job(call, id)?;
    if job.remove_credentials(target, scheme)? {
        say!(
            "{}: {} {} credentials removed",
            job.id()?,
            target.wit_name(),
            scheme.wit_name()
        );
    } else {
        say!(
            "{}: no {} {} credentials were set",
            job.id()?,
            target.wit_name(),
            scheme.wit_name()
        );
    }
    Ok(())
}

/// `JOB ["NAME: VALUE"…]`: each argument one header; none removes them.
pub fn setcustomheaders(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let words = positional(args);
    let Some((id, lines)) = words.split_first() else {
        return Err(Failure::Usage);
    };
    let mut text = String::new();
    for (at, line) in lines.iter().enumerate() {
        if line.contains(['\r', '\n']) || !line.contains(':') {
            return Err(Failure::Bad(format!(
                "header {} must be one line `NAME: VALUE`",
                at + 1
            )));
        }
        text.push_str(line);
        text.push_str("\r\n");
    }
    let job = job(call, id)?;
    job.set_custom_headers(Some(&text))?;
    say!("{}: {} custom header(s) set", job.id()?, lines.len());
    Ok(())
}

/// `JOB`: the custom headers, one a line.
pub fn getcustomheaders(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call, id)?;
    match job.custom_headers()? {
        Some(text) => {
            for line in text.split_terminator("\r\n") {
                say!("{}", Shown(line));
            }
        }
        None => say!("{}: no custom headers", job.id()?),
    }
    Ok(())
}

/// `JOB`.
pub fn makecustomheaderswriteonly(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id] = exactly(args)?;
    let job = job(call, id)?;
    job.make_custom_headers_write_only()?;
    say!("{}: custom headers are write-only", job.id()?);
    Ok(())
}
