//! Least privilege on a PostgreSQL queue, with real roles on the test
//! server: the tables are made by `bitsq admin migrate` as a role that may
//! create them; a role granted only SELECT, INSERT, UPDATE and DELETE then
//! runs every verb and a service (no connection runs DDL, or takes the
//! set-up lock); on a read-only database the reading verbs work and a
//! changing one fails with the server's own reason.

use crate::stored;

use std::ffi::OsStr;

use stored::{Service, bitsq, ok, text, wait_for};

use bits_queue_tests::postgres::TestDatabase;

macro_rules! database {
    ($name:expr) => {
        match TestDatabase::create($name) {
            Some(db) => db,
            None => return,
        }
    };
}

/// Only rows: no CREATE on the schema (PostgreSQL 15 gives PUBLIC none),
/// and the right to read and write every table made later by the owner.
pub(crate) const DML_ONLY: &str = "REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};";

/// What a verb run by the DML role gives.
enum Expect {
    /// It succeeds.
    Ok,
    /// The queue refuses it with these words, as it refuses the role that
    /// owns the tables: a refusal of the queue's own, not of privilege.
    Refused(&'static str),
}

impl Expect {
    fn check(&self, db: &TestDatabase, role: &str, args: &[&str]) {
        let ran = bitsq(role, args);
        match self {
            Expect::Ok => {
                ok(ran);
            }
            Expect::Refused(words) => {
                let owner = bitsq(db.url(), args);
                for out in [&ran, &owner] {
                    let why = text(&out.stderr);
                    assert_ne!(out.status.code(), Some(0), "{args:?}: {why}");
                    assert!(why.contains(words), "{args:?}: {why}");
                    assert!(!why.contains("42501"), "{args:?}: {why}");
                }
                assert_eq!(ran.status.code(), owner.status.code(), "{args:?}");
            }
        }
    }
}

fn tables(db: &TestDatabase) -> i64 {
    db.client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bitsq%'",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_dml_only_role_runs_every_verb_after_migrate() {
    let db = database!("dml_only");
    let (_, dml) = db.role("dml", DML_ONLY);

    // Before the queue is set up, the role is told what to run, and the
    // database is left as it was.
    let refused = bitsq(&dml, &["list"]);
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused.stderr));
    let why = text(&refused.stderr);
    assert!(why.contains("bitsq admin migrate"), "{why}");
    assert!(
        why.contains("permission denied") && why.contains("42501"),
        "{why}"
    );
    assert_eq!(tables(&db), 0);
    // Only a role that may create runs migrate; the DML role may not.
    let denied = bitsq(&dml, &["admin", "migrate"]);
    assert_eq!(denied.status.code(), Some(4));
    assert!(text(&denied.stderr).contains("42501"));

    let migrated = ok(bitsq(db.url(), &["admin", "migrate"]));
    assert!(migrated.contains("migrated to"), "{migrated}");
    let again = ok(bitsq(db.url(), &["admin", "migrate"]));
    assert!(again.contains("is current; nothing changed"), "{again}");

    // Every verb of the table, as the DML role.
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-dml-only");
    let source = dir.join("source.bin");
    std::fs::write(&source, b"least privilege").unwrap();
    let local = dir.join("local.bin");
    let id = ok(bitsq(&dml, &["create", "dml job"])).trim().to_string();
    let remote = format!("file://{}", source.display());
    ok(bitsq(
        &dml,
        &["addfile", &id, &remote, local.to_str().unwrap()],
    ));
    let reply = ok(bitsq(&dml, &["create", "--upload-reply", "reply job"]))
        .trim()
        .to_string();
    let upload = dir.join("up.bin");
    ok(bitsq(
        &dml,
        &[
            "addfile",
            &reply,
            "https://example.com/u",
            upload.to_str().unwrap(),
        ],
    ));
    let reply_file = dir.join("reply.txt");
    let mut covered = vec!["create", "addfile", "admin"];
    for (args, expect) in [
        (&["setdisplayname", &id, "renamed"][..], Expect::Ok),
        (&["setdescription", &id, "by a DML role"], Expect::Ok),
        (&["setpriority", &id, "high"], Expect::Ok),
        (&["setminretrydelay", &id, "60"], Expect::Ok),
        (&["setnoprogresstimeout", &id, "600"], Expect::Ok),
        (&["setnotifyflags", &id, "3"], Expect::Ok),
        (&["setcustomheaders", &id, "X-Tenant: dml"], Expect::Ok),
        (&["getcustomheaders", &id], Expect::Ok),
        // GET keeps the job a plain download (the service fetches it below).
        (&["sethttpmethod", &id, "GET"], Expect::Ok),
        (&["gethttpmethod", &id], Expect::Ok),
        (&["removecredentials", &id, "server", "basic"], Expect::Ok),
        // Secrets go to `bitsq_secrets`, which the role may write too.
        (
            &["setcredentials", &id, "server", "basic", "ann", "pw"],
            Expect::Ok,
        ),
        (&["makecustomheaderswriteonly", &id], Expect::Ok),
        (
            &["setreplyfilename", &reply, reply_file.to_str().unwrap()],
            Expect::Ok,
        ),
        (&["getreplyfilename", &reply], Expect::Ok),
        (&["setnotifycmdline", &reply, "/bin/true"], Expect::Ok),
        (&["getnotifycmdline", &reply], Expect::Ok),
        (
            &["setproxysettings", &reply, "override", "127.0.0.1:9"],
            Expect::Ok,
        ),
        (&["getproxyusage", &reply], Expect::Ok),
        (&["getproxylist", &reply], Expect::Ok),
        (&["getproxybypasslist", &reply], Expect::Ok),
        (&["setsecurityflags", &reply, "0x0008"], Expect::Ok),
        (&["getsecurityflags", &reply], Expect::Ok),
        (
            &["setclientcertificatebyname", &reply, "MY", "CN=ann"],
            Expect::Ok,
        ),
        (
            &[
                "setclientcertificatebyid",
                &reply,
                "CURRENT_USER",
                "MY",
                "00112233445566778899AABBCCDDEEFF00112233",
            ],
            Expect::Ok,
        ),
        (&["getclientcertificate", &reply], Expect::Ok),
        (&["removeclientcertificate", &reply], Expect::Ok),
        (
            &["getreplydata", &reply],
            Expect::Refused("BG_E_INVALID_STATE"),
        ),
        (&["setmaxdownloadtime", &id, "86400"], Expect::Ok),
        (&["getmaxdownloadtime", &id], Expect::Ok),
        (&["geterrorcount", &id], Expect::Ok),
        (&["setmaxdownloadsize", &id, "1000000"], Expect::Ok),
        (&["getmaxdownloadsize", &id], Expect::Ok),
        (&["setdynamiccontent", &id, "FALSE"], Expect::Ok),
        (&["getdynamiccontent", &id], Expect::Ok),
        // Ranges and validation are a download's: the reply job refuses.
        (
            &[
                "addfilewithranges",
                &reply,
                "https://example.com/r",
                upload.to_str().unwrap(),
                "0:10,20:eof",
            ],
            Expect::Refused("E_NOTIMPL"),
        ),
        (&["getfileranges", &reply, "0"], Expect::Ok),
        (&["getvalidationstate", &reply, "0"], Expect::Ok),
        (
            &["setvalidationstate", &reply, "0", "true"],
            Expect::Refused("E_NOTIMPL"),
        ),
        (&["setremotename", &id, "0", &remote], Expect::Ok),
        // The role owns the jobs it made (issue 23).
        (&["getowner", &id], Expect::Ok),
        // bitsadmin's single-value getters (issue 20).
        (&["getstate", "--raw", &id], Expect::Ok),
        (&["gettype", "--raw", &id], Expect::Ok),
        (&["getpriority", "--raw", &id], Expect::Ok),
        (&["getbytestotal", "--raw", &id], Expect::Ok),
        (&["getbytestransferred", "--raw", &id], Expect::Ok),
        (&["getfilestotal", "--raw", &id], Expect::Ok),
        (&["getfilestransferred", "--raw", &id], Expect::Ok),
        (&["getdisplayname", "--raw", &id], Expect::Ok),
        (&["getdescription", "--raw", &id], Expect::Ok),
        (&["getnotifyflags", "--raw", &id], Expect::Ok),
        (&["getminretrydelay", "--raw", &id], Expect::Ok),
        (&["getnoprogresstimeout", "--raw", &id], Expect::Ok),
        (
            &["replaceremoteprefix", &id, "file:///nowhere/", "file:///x/"],
            Expect::Ok,
        ),
        (&["limits", "100", "10"], Expect::Ok),
        (&["limits"], Expect::Ok),
        (&["list"], Expect::Ok),
        (&["info", &id], Expect::Ok),
        (&["files", &id], Expect::Ok),
        (&["geterror", &id], Expect::Ok),
        (&["gettimes", &id], Expect::Ok),
        (&["monitor", "1"], Expect::Ok),
        (&["help"], Expect::Ok),
        (&["suspend", &id], Expect::Ok),
        (&["resume", &id], Expect::Ok),
    ] {
        expect.check(&db, &dml, args);
        covered.push(args[0]);
    }
    // No administrator: it may not take a job (the owner of the tables,
    // a superuser, may).
    let denied = bitsq(&dml, &["takeownership", &id]);
    assert_eq!(denied.status.code(), Some(1));
    assert!(text(&denied.stderr).contains("E_ACCESSDENIED"));
    covered.push("takeownership");
    // `quit` ends a shell the role runs.
    let mut shell = crate::common::bitsq();
    shell.args(["--queue", &dml, "shell", "--no-transfer"]);
    let ran = crate::common::feed(shell, b"list\nquit\n".to_vec());
    assert_eq!(ran.code(), Some(0), "{}{}", ran.stdout, ran.stderr);
    covered.push("quit");
    let other = ok(bitsq(&dml, &["create", "cancelled"])).trim().to_string();
    ok(bitsq(&dml, &["cancel", &other]));
    ok(bitsq(&dml, &["cancel", &reply]));
    covered.push("cancel");
    {
        let extra: [&OsStr; 2] = ["--allow-write".as_ref(), dir.as_os_str()];
        let _service = Service::start(&dml, &extra);
        wait_for(&dml, &id, "state:        transferred");
    }
    ok(bitsq(&dml, &["complete", &id]));
    covered.push("complete");
    assert_eq!(std::fs::read(&local).unwrap(), b"least privilege");
    // `reset` cancels every job of the role's: none is left here.
    let reset = ok(bitsq(&dml, &["reset"]));
    assert!(reset.contains("no job to cancel"), "{reset}");
    covered.push("reset");
    // Nothing of the table was left out: a verb added to it fails here
    // until the DML role is shown to run it.
    let mut table = crate::verbs::table_verbs();
    table.sort();
    covered.sort();
    covered.dedup();
    assert_eq!(covered, table);
    let listed = ok(bitsq(&dml, &["list"]));
    assert!(listed.contains("no jobs"), "{listed}");
    // A queue of its own in the same database (issue 23): its first
    // commit makes its row, which needs no right but to write rows.
    let team = format!("{dml}?queue=team");
    let made = ok(bitsq(&team, &["create", "team job"])).trim().to_string();
    let listed = ok(bitsq(&team, &["list"]));
    assert!(listed.contains(&made), "{listed}");
    assert!(ok(bitsq(&dml, &["list"])).contains("no jobs"));
    ok(bitsq(&team, &["cancel", &made]));
    std::fs::remove_dir_all(dir).unwrap();
}

/// The reading verbs as `url`, an administrator of the queue's jobs (a
/// job is its creator's, issue 23): each works; `create` is refused with
/// `words` and the server's SQLSTATE `code`.
fn only_reads(url: &str, id: &str, words: &str, code: &str) {
    let listed = ok(bitsq(url, &["list", "--allusers"]));
    assert!(listed.contains("kept"), "{listed}");
    for verb in ["info", "files", "geterror", "gettimes", "getowner"] {
        ok(bitsq(url, &[verb, id]));
    }
    ok(bitsq(url, &["limits"]));
    ok(bitsq(url, &["monitor", "1"]));
    let refused = bitsq(url, &["create", "refused"]);
    assert_ne!(refused.status.code(), Some(0));
    let why = text(&refused.stderr);
    assert!(why.contains(words) && why.contains(code), "{why}");
}

#[test]
fn reading_verbs_work_for_a_select_only_role_and_on_a_read_only_database() {
    let db = database!("read_only");
    let id = ok(bitsq(db.url(), &["create", "kept"])).trim().to_string();
    // An auditor: it may read every job, and write none.
    let (_, reader) = db.admin_role(
        "reader",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
    );
    // A role that may only read, on a database others write.
    only_reads(&reader, &id, "permission denied", "42501");
    db.admin()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET default_transaction_read_only = on",
            db.name()
        ))
        .unwrap();
    // A database no one may write: a change is refused with the server's
    // reason and its SQLSTATE.
    for url in [db.url(), reader.as_str()] {
        only_reads(url, &id, "read-only transaction", "25006");
        // A queue no one has written yet reads as empty (issue 23).
        let listed = ok(bitsq(
            format!("{url}?queue=unwritten"),
            &["list", "--allusers"],
        ));
        assert!(listed.contains("no jobs"), "{listed}");
    }
}
