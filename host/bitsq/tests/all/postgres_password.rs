//! The database password: taken from `PGPASSWORD`, `PGPASSFILE` or
//! `~/.pgpass` as libpq takes it (the test server checks the password of
//! this role), and never shown — whatever form it came in (`user:pw@`,
//! `?password=`, `--queue` or `BITSQ_QUEUE`), whatever bitsq printed
//! (a success, a refused login, a server that is not there, a URL that
//! does not parse, the service's banner).

use crate::stored;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use stored::text;

use bits_queue_tests::postgres::TestDatabase;

macro_rules! database {
    ($name:expr) => {
        match TestDatabase::create($name) {
            Some(db) => db,
            None => return,
        }
    };
}

const SECRET: &str = "s3cretPW";

/// `bitsq ARGS` with only the environment given (no PG* variable of the
/// test's own, and a HOME with no password file unless given).
fn bitsq_env(args: &[&str], env: &[(&str, &str)], home: &std::path::Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    for (name, _) in std::env::vars() {
        if name.starts_with("PG") || name == "BITSQ_QUEUE" {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", home)
        .envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("bitsq runs")
}

/// Asserts `out` shows no form of the password; returns stdout + stderr.
fn clean(out: &Output) -> String {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(SECRET), "the password is shown: {all}");
    assert!(
        !all.contains("s3cret"),
        "part of the password is shown: {all}"
    );
    all
}

/// Where `url` (no password) points, with `password` in its user part.
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').unwrap();
    format!("{scheme}://{user}:{password}@{host}")
}

#[test]
fn the_password_comes_from_libpq_sources_and_never_reaches_an_output() {
    let db = database!("password");
    let (_, url) = db.password_role("pw", SECRET);
    let home = bits_queue_tests::scratch_dir("bitsq-pg-password-home");
    let nowhere = bits_queue_tests::scratch_dir("bitsq-pg-password-nohome");

    // The server checks it: no password, or a wrong one, is refused.
    let refused = bitsq_env(&["--queue", &url, "list"], &[], &nowhere);
    assert_eq!(refused.status.code(), Some(4), "{}", clean(&refused));
    let wrong = bitsq_env(
        &["--queue", &with_password(&url, "s3cretWRONG"), "list"],
        &[],
        &nowhere,
    );
    let why = clean(&wrong);
    assert_eq!(wrong.status.code(), Some(4), "{why}");
    assert!(why.contains("password authentication failed"), "{why}");
    assert!(!why.contains("WRONG"), "{why}");

    // PGPASSWORD.
    let out = bitsq_env(
        &["--queue", &url, "admin", "migrate"],
        &[("PGPASSWORD", SECRET)],
        &nowhere,
    );
    assert_eq!(out.status.code(), Some(0), "{}", clean(&out));
    let out = bitsq_env(
        &["--queue", &url, "create", "by env"],
        &[("PGPASSWORD", SECRET)],
        &nowhere,
    );
    assert_eq!(out.status.code(), Some(0), "{}", clean(&out));

    // ~/.pgpass, which must be private: a file others may read is ignored
    // (as libpq ignores it), and the refusal says why.
    let (host_port, rest) = url.split_once('@').unwrap().1.split_once('/').unwrap();
    let (host, port) = host_port.split_once(':').unwrap();
    let user = url.split_once("://").unwrap().1.split_once('@').unwrap().0;
    let line = format!("# a comment\nother:1:x:y:no\n{host}:{port}:{rest}:{user}:{SECRET}\n");
    let pgpass = home.join(".pgpass");
    std::fs::write(&pgpass, &line).unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loose = bitsq_env(&["--queue", &url, "list"], &[], &home);
    let why = clean(&loose);
    assert_eq!(loose.status.code(), Some(4), "{why}");
    assert!(
        why.contains("was ignored") && why.contains("chmod 600"),
        "{why}"
    );
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = bitsq_env(&["--queue", &url, "list"], &[], &home);
    assert!(clean(&out).contains("by env"), "{}", text(&out.stderr));

    // PGPASSFILE, with wildcards.
    let file = nowhere.join("passwords");
    std::fs::write(&file, format!("*:*:*:{user}:{SECRET}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = bitsq_env(
        &["--queue", &url, "list"],
        &[("PGPASSFILE", file.to_str().unwrap())],
        &nowhere,
    );
    assert!(clean(&out).contains("by env"), "{}", text(&out.stderr));

    // Every form in the location, through every kind of output.
    let in_user = with_password(&url, SECRET);
    let in_query = format!("{url}?password={SECRET}&application_name=x");
    let port_one = in_user.replace(&format!(":{port}/"), ":1/");
    let bad_port = in_user.replace(&format!(":{port}/"), ":notaport/");
    let no_db = in_user.replace(&format!("/{rest}"), "/no_such_database");
    for location in [&in_user, &in_query, &port_one, &bad_port, &no_db] {
        for args in [
            &["list"][..],
            &["create", "shown?"],
            &["info", "{00000000-0000-0000-0000-000000000000}"],
            &["admin", "migrate"],
            &["service", "--allow-write", "/nonexistent/dir"],
        ] {
            let mut with_flag = vec!["--queue", location.as_str()];
            with_flag.extend_from_slice(args);
            clean(&bitsq_env(&with_flag, &[], &nowhere));
            clean(&bitsq_env(args, &[("BITSQ_QUEUE", location)], &nowhere));
        }
    }
    // A service that starts prints its location: without the password.
    let mut service = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--queue", &in_query, "service", "--allow-write"])
        .arg(&nowhere)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(service.stdout.as_mut().unwrap()),
        &mut banner,
    )
    .unwrap();
    let _ = service.kill();
    let out = service.wait_with_output().unwrap();
    assert!(banner.contains("transferring the jobs of"), "{banner}");
    assert!(!banner.contains(SECRET), "{banner}");
    clean(&out);
    std::fs::remove_dir_all(home).unwrap();
    std::fs::remove_dir_all(nowhere).unwrap();
}
