//! Job owners on a PostgreSQL queue (issue 23), with real roles on the
//! test server: a job is the role's that created it; another role is
//! refused every verb on it with E_ACCESSDENIED and does not see it in
//! `list`; an administrator (a member of `bitsq_admin`, or a superuser)
//! uses every job, lists them all with `--allusers` and takes one with
//! `takeownership`, which a role that is no administrator is refused.
//! A queue file's jobs are its file owner's.

use crate::postgres_roles::DML_ONLY;
use crate::stored::{bitsq, ok, scratch, text};

use bits_queue_tests::postgres::TestDatabase;

/// `bitsq help`'s usage lines: each verb and its arguments.
fn usages() -> Vec<(String, String)> {
    let out = crate::common::bitsq()
        .args(["--queue", "memory:", "help"])
        .output();
    let out = out.expect("bitsq help runs");
    text(&out.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter(|usage| !usage.starts_with(' '))
        .map(|usage| match usage.split_once(' ') {
            Some((name, args)) => (name.to_string(), args.to_string()),
            None => (usage.to_string(), String::new()),
        })
        .collect()
}

/// Every verb that names a job, with words that are right but for the
/// job being another's.
fn job_verbs(id: &str, local: &str) -> Vec<Vec<String>> {
    let lines: &[&[&str]] = &[
        &["info", id],
        &["files", id],
        &["addfile", id, "https://example.com/b", local],
        &["setdisplayname", id, "taken"],
        &["setdescription", id, "taken"],
        &["setpriority", id, "high"],
        &["resume", id],
        &["suspend", id],
        &["cancel", id],
        &["complete", id],
        &["geterror", id],
        &["getreplyfilename", id],
        &["setreplyfilename", id, local],
        &["getreplydata", id],
        &["setcredentials", id, "server", "basic", "eve", "pw"],
        &["removecredentials", id, "server", "basic"],
        &["setcustomheaders", id, "X-Eve: 1"],
        &["getcustomheaders", id],
        &["makecustomheaderswriteonly", id],
        &["setproxysettings", id, "no_proxy"],
        &["getproxyusage", id],
        &["getproxylist", id],
        &["getproxybypasslist", id],
        &["sethttpmethod", id, "GET"],
        &["gethttpmethod", id],
        &["setsecurityflags", id, "0x0008"],
        &["getsecurityflags", id],
        &[
            "setclientcertificatebyid",
            id,
            "CURRENT_USER",
            "MY",
            "00112233445566778899AABBCCDDEEFF00112233",
        ],
        &["setclientcertificatebyname", id, "MY", "CN=eve"],
        &["removeclientcertificate", id],
        &["getclientcertificate", id],
        &["gettimes", id],
        &["setminretrydelay", id, "60"],
        &["setnoprogresstimeout", id, "600"],
        &["setnotifyflags", id, "3"],
        &["setnotifycmdline", id, "/bin/true"],
        &["getnotifycmdline", id],
        &["setmaxdownloadtime", id, "60"],
        &["getmaxdownloadtime", id],
        &["geterrorcount", id],
        &["setmaxdownloadsize", id, "1000"],
        &["getmaxdownloadsize", id],
        &["setdynamiccontent", id, "TRUE"],
        &["getdynamiccontent", id],
        &["setremotename", id, "0", "https://example.com/c"],
        &["replaceremoteprefix", id, "https://", "http://"],
        &[
            "addfilewithranges",
            id,
            "https://example.com/r",
            local,
            "0:100",
        ],
        &["getfileranges", id, "0"],
        &["setvalidationstate", id, "0", "TRUE"],
        &["getvalidationstate", id, "0"],
        &["getowner", id],
        &["getowner", "--raw", id],
        &["getstate", "--raw", id],
        &["gettype", "--raw", id],
        &["getpriority", "--raw", id],
        &["getbytestotal", "--raw", id],
        &["getbytestransferred", "--raw", id],
        &["getfilestotal", "--raw", id],
        &["getfilestransferred", "--raw", id],
        &["getdisplayname", "--raw", id],
        &["getdescription", "--raw", id],
        &["getnotifyflags", "--raw", id],
        &["getminretrydelay", "--raw", id],
        &["getnoprogresstimeout", "--raw", id],
    ];
    lines
        .iter()
        .map(|words| words.iter().map(|w| w.to_string()).collect())
        .collect()
}

/// Refused with E_ACCESSDENIED, exit 1, naming the job and its owner.
fn assert_denied(url: &str, args: &[&str], id: &str, owner: &str) {
    let out = bitsq(url, args);
    let why = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {why}");
    assert!(
        why.contains("E_ACCESSDENIED (0x80070005)"),
        "{args:?}: {why}"
    );
    assert!(why.contains(id) && why.contains(owner), "{args:?}: {why}");
    assert!(
        text(&out.stdout).is_empty(),
        "{args:?}: {}",
        text(&out.stdout)
    );
}

#[test]
fn another_roles_job_is_denied_and_an_administrator_may_take_it() {
    let Some(db) = TestDatabase::create("owners") else {
        return;
    };
    let (alice_role, alice) = db.role("alice", DML_ONLY);
    let (bob_role, bob) = db.role("bob", DML_ONLY);
    let (ops_role, ops) = db.admin_role("ops", DML_ONLY);
    ok(bitsq(db.url(), &["admin", "migrate"]));
    let dir = scratch("pg-owners");
    let local = dir.join("a.bin");
    let local = local.to_str().unwrap();

    let id = ok(bitsq(&alice, &["create", "alice's"])).trim().to_string();
    ok(bitsq(
        &alice,
        &["addfile", &id, "https://example.com/a", local],
    ));
    ok(bitsq(
        &alice,
        &["setcredentials", &id, "server", "basic", "ann", "pw"],
    ));
    ok(bitsq(&alice, &["setnotifycmdline", &id, "/bin/true"]));
    let owner = ok(bitsq(&alice, &["getowner", &id]));
    assert_eq!(owner.trim(), format!("{id}: owner {alice_role}"));
    let raw = ok(bitsq(&alice, &["getowner", "--raw", &id]));
    assert_eq!(raw, format!("{alice_role}\n"));
    let before = ok(bitsq(&alice, &["info", &id]));

    // Bob is refused every verb that names alice's job, and sees none.
    let verbs = job_verbs(&id, local);
    for words in &verbs {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        assert_denied(&bob, &words, &id, &alice_role);
    }
    // Every verb that takes a JOB is among them (`takeownership`, refused
    // to bob for being no administrator, is below): a verb added to the
    // table fails here until it is shown to be refused too.
    for (name, args) in usages() {
        if args.split(' ').any(|a| a == "JOB") && name != "takeownership" {
            assert!(
                verbs.iter().any(|words| words[0] == name),
                "{name} {args} is not tried"
            );
        }
    }
    // Named by its display name, it is not found: bob's jobs have no
    // such name.
    let named = bitsq(&bob, &["info", "alice's"]);
    assert!(text(&named.stderr).contains("BG_E_NOT_FOUND"));
    let listed = ok(bitsq(&bob, &["list"]));
    assert!(listed.contains("no jobs"), "{listed}");
    assert_eq!(ok(bitsq(&alice, &["info", &id])), before);
    // Only an administrator lists every user's jobs or takes one.
    for args in [&["list", "--allusers"][..], &["monitor", "--allusers", "1"]] {
        let out = bitsq(&bob, args);
        let why = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {why}");
        assert!(why.contains("E_ACCESSDENIED (0x80070005)"), "{why}");
        assert!(
            why.contains("--allusers") && why.contains(&bob_role),
            "{why}"
        );
    }
    let out = bitsq(&bob, &["takeownership", &id]);
    let why = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{why}");
    assert!(
        why.contains("E_ACCESSDENIED (0x80070005)") && why.contains(&bob_role),
        "{why}"
    );
    assert_eq!(
        ok(bitsq(&alice, &["getowner", "--raw", &id])).trim(),
        alice_role
    );
    // Nor may its owner, who is no administrator: the job keeps its
    // credentials.
    let out = bitsq(&alice, &["takeownership", &id]);
    let why = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{why}");
    assert!(
        why.contains("only an administrator") && why.contains(&alice_role),
        "{why}"
    );
    assert_eq!(ok(bitsq(&alice, &["info", &id])), before);

    // The administrator's own list is its own jobs; --allusers shows all.
    let bobs = ok(bitsq(&bob, &["create", "bob's"])).trim().to_string();
    assert!(ok(bitsq(&ops, &["list"])).contains("no jobs"));
    for url in [ops.as_str(), db.url()] {
        let all = ok(bitsq(url, &["list", "--allusers"]));
        assert!(all.contains(&id) && all.contains(&bobs), "{all}");
        assert!(all.contains("OWNER"), "{all}");
        let all = ok(bitsq(url, &["monitor", "--allusers", "1"]));
        assert!(all.contains(&id) && all.contains(&bobs), "{all}");
    }
    // It uses another's job without taking it, as BITS's administrators.
    ok(bitsq(&ops, &["info", &id]));
    ok(bitsq(&ops, &["setdescription", &id, "seen by ops"]));
    assert_eq!(
        ok(bitsq(&alice, &["getowner", "--raw", &id])).trim(),
        alice_role
    );

    // takeownership: ops owns it; the old owner's credentials and notify
    // command line are gone, as BITS removes them; alice is refused now.
    let taken = ok(bitsq(&ops, &["takeownership", &id]));
    assert!(
        taken.contains(&format!("{id}: owner {ops_role}")),
        "{taken}"
    );
    assert!(
        taken.contains("credentials") && taken.contains("notify command line"),
        "{taken}"
    );
    assert_eq!(
        ok(bitsq(&ops, &["getowner", "--raw", &id])).trim(),
        ops_role
    );
    let info = ok(bitsq(&ops, &["info", &id]));
    assert!(!info.contains("secrets:"), "{info}");
    assert!(ok(bitsq(&ops, &["getnotifycmdline", &id])).contains("no notify program"));
    assert!(ok(bitsq(&ops, &["list"])).contains(&id));
    assert_denied(&alice, &["info", &id], &id, &ops_role);
    assert!(ok(bitsq(&alice, &["list"])).contains("no jobs"));
    ok(bitsq(&ops, &["cancel", &id]));
    ok(bitsq(&bob, &["cancel", &bobs]));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A queue file's jobs are the file owner's: `getowner` names that OS
/// user, every caller the file's mode lets in lists them, and a job of it
/// cannot change owner (its file can).
#[test]
fn a_queue_files_jobs_are_its_owners() {
    let dir = scratch("file-owner");
    let queue = dir.join("queue.db");
    let id = ok(bitsq(&queue, &["create", "mine"])).trim().to_string();
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = text(&me.stdout).trim().to_string();
    assert!(!me.is_empty());
    assert_eq!(
        ok(bitsq(&queue, &["getowner", "--raw", &id])),
        format!("{me}\n")
    );
    assert_eq!(
        ok(bitsq(&queue, &["getowner", &id])).trim(),
        format!("{id}: owner {me}")
    );
    assert!(ok(bitsq(&queue, &["list"])).contains(&id));
    let out = bitsq(&queue, &["takeownership", &id]);
    let why = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{why}");
    if why.contains("E_ACCESSDENIED") {
        // Not root: no administrator.
        assert!(why.contains(&me), "{why}");
    } else {
        assert!(
            why.contains("belongs to the file's owner") && why.contains(&me),
            "{why}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
