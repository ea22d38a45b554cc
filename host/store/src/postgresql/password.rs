//! Where a connection's password comes from when its URL gives none, as
//! libpq does it: `PGPASSWORD`, else the password file (`PGPASSFILE`, or
//! `~/.pgpass`), whose lines are `host:port:database:user:password`, `*`
//! matching anything and `\` escaping `:` and `\`; the first line that
//! matches wins. A file that others may read is ignored, as libpq ignores
//! it, and [`Found::ignored`] says why, for the connection's error. So a
//! password need not be in a URL, which `ps` and shell histories show.

use std::path::{Path, PathBuf};

use postgres::config::Host;

/// What the lookup found.
#[derive(Default)]
pub struct Found {
    /// The password, if a source gave one.
    pub password: Option<String>,
    /// A password file that was skipped, and why (for an error message).
    pub ignored: Option<String>,
}

/// Gives `config` a password from `PGPASSWORD` or the password file when
/// its URL names none.
pub fn fill(config: &mut postgres::Config) -> Found {
    if config.get_password().is_some() {
        return Found::default();
    }
    let found = lookup(config);
    if let Some(password) = &found.password {
        config.password(password);
    }
    found
}

fn lookup(config: &postgres::Config) -> Found {
    if let Some(password) = std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()) {
        return Found {
            password: Some(password),
            ignored: None,
        };
    }
    let Some(file) = password_file() else {
        return Found::default();
    };
    let Ok(metadata) = std::fs::metadata(&file) else {
        return Found::default();
    };
    if !metadata.is_file() {
        return Found::default();
    }
    if loose(&metadata) {
        return Found {
            password: None,
            ignored: Some(format!(
                "the password file {} was ignored: others may read it (chmod 600 it)",
                file.display()
            )),
        };
    }
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Found::default();
    };
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        // A local socket is `localhost` in the file, as libpq reads it.
        Some(Host::Unix(_)) | None => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or_default();
    let database = config.get_dbname().unwrap_or(user);
    Found {
        password: matching(&text, [&host, &port, database, user]),
        ignored: None,
    }
}

/// `PGPASSFILE`, else `~/.pgpass`.
fn password_file() -> Option<PathBuf> {
    if let Some(file) = std::env::var_os("PGPASSFILE").filter(|f| !f.is_empty()) {
        return Some(PathBuf::from(file));
    }
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(|home| Path::new(&home).join(".pgpass"))
}

#[cfg(unix)]
fn loose(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o077 != 0
}

#[cfg(not(unix))]
fn loose(_: &std::fs::Metadata) -> bool {
    false
}

/// The password of the first line of `text` whose four fields match
/// `wanted` (host, port, database, user).
fn matching(text: &str, wanted: [&str; 4]) -> Option<String> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = fields(line);
            let [host, port, database, user, password] = <[String; 5]>::try_from(fields).ok()?;
            let matches = [host, port, database, user]
                .iter()
                .zip(wanted)
                .all(|(field, wanted)| field == "*" || field == wanted);
            matches.then_some(password)
        })
}

/// A line's fields: split at `:`, `\` escaping the next character.
fn fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field").push(next);
                }
            }
            // The password ends at the next unescaped `:`, as in libpq.
            ':' if fields.len() == 5 => break,
            ':' => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::matching;

    #[test]
    fn the_first_matching_line_wins_with_wildcards_and_escapes() {
        let file = "# comment\n\
                    db.example:5432:queue:ann:first\n\
                    *:*:queue:ann:second\n\
                    *:*:*:*:any\\:thing\\\\:ignored";
        assert_eq!(
            matching(file, ["db.example", "5432", "queue", "ann"]).as_deref(),
            Some("first")
        );
        assert_eq!(
            matching(file, ["other", "5433", "queue", "ann"]).as_deref(),
            Some("second")
        );
        assert_eq!(
            matching(file, ["other", "1", "q", "bob"]).as_deref(),
            Some("any:thing\\")
        );
        assert_eq!(matching("h:1:d:u:p", ["h", "1", "d", "v"]), None);
        assert_eq!(matching("short:line", ["short", "line", "", ""]), None);
    }
}
