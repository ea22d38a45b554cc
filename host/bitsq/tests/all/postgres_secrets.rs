//! Secrets on a PostgreSQL queue (contract §15.2): a tenant's credentials
//! and write-only headers reach the server through `bitsq service` running
//! as that tenant, and another tenant's role, granted every row privilege
//! on every table of the queue, reads no trace of them; nor does any output.

use std::path::Path;

use crate::credentials::{PASSWORD, assert_no_secret, everything, ok_with_stdin};
use crate::postgres_roles::DML_ONLY;
use crate::stored::{Service, bitsq, ok, wait_for};

use bits_queue_tests::http_server::{TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;

/// `Basic base64("ann:s3cret-Pa55word")`.
const BASIC: &str = "Basic YW5uOnMzY3JldC1QYTU1d29yZA==";
/// A write-only custom header's secret.
const HEADER_SECRET: &str = "hdr-Z9y8x7w6";

/// `text`'s bytes in hex, as PostgreSQL prints a `bytea`.
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn assert_none_of_them(what: &str, seen: &str) {
    assert_no_secret(what, seen.as_bytes());
    for secret in [PASSWORD, HEADER_SECRET] {
        assert!(!seen.contains(secret), "{what} holds {secret}:\n{seen}");
        assert!(!seen.contains(&hex(secret)), "{what} holds {secret} in hex");
    }
}

#[test]
fn a_tenants_secrets_reach_its_server_and_no_other_tenant() {
    let Some(db) = TestDatabase::create("secrets") else {
        return;
    };
    let (_, alice) = db.role("alice", DML_ONLY);
    let (_, bob) = db.role("bob", DML_ONLY);
    ok(bitsq(db.url(), &["admin", "migrate"]));

    let server = TestServer::start();
    let bytes = test_bytes(90_000, 7);
    server.put("/s.bin", bytes.clone());
    server.demand("/s.bin", "Basic realm=\"q\"", BASIC);
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-secrets");
    let local = dir.join("s.bin");
    let id = ok(bitsq(&alice, &["create", "alice's"])).trim().to_string();
    ok(bitsq(
        &alice,
        &[
            "addfile",
            &id,
            &server.url("/s.bin"),
            local.to_str().unwrap(),
        ],
    ));
    ok_with_stdin(
        Path::new(&alice),
        &["setcredentials", &id, "server", "basic", "ann", "-"],
        &format!("{PASSWORD}\n"),
    );
    ok(bitsq(
        &alice,
        &[
            "setcustomheaders",
            &id,
            &format!("X-Api-Key: {HEADER_SECRET}"),
        ],
    ));
    ok(bitsq(&alice, &["makecustomheaderswriteonly", &id]));
    let info = ok(bitsq(&alice, &["info", &id]));
    assert!(
        info.contains("secrets:      server-basic, custom-headers"),
        "{info}"
    );

    // The secrets are in the database, for alice's role only.
    let mine = db.rows_as(&alice);
    assert!(mine.contains("-- bitsq_secrets"), "{mine}");
    assert!(
        mine.contains(PASSWORD) && mine.contains(HEADER_SECRET),
        "{mine}"
    );
    assert_none_of_them("bob's view of the queue's tables", &db.rows_as(&bob));
    // Bob's bitsq is refused alice's job (issue 23), and says nothing of
    // its secrets.
    let bobs = bitsq(&bob, &["info", &id]);
    assert_eq!(bobs.status.code(), Some(1));
    assert!(crate::stored::text(&bobs.stderr).contains("E_ACCESSDENIED"));
    assert_none_of_them("bob's info", &String::from_utf8_lossy(&everything(&bobs)));

    // Alice's service answers the server's challenge with them.
    {
        let extra: [&std::ffi::OsStr; 2] = ["--allow-write".as_ref(), dir.as_os_str()];
        let _service = Service::start(&alice, &extra);
        ok(bitsq(&alice, &["resume", &id]));
        wait_for(&alice, &id, "state:        transferred");
    }
    let answered = server
        .requests("/s.bin")
        .iter()
        .filter(|r| r.status == 200)
        .count();
    assert_eq!(answered, 1, "{:?}", server.requests("/s.bin"));
    for args in [
        &["info", &id][..],
        &["files", &id],
        &["list"],
        &["geterror", &id],
        &["monitor", "1"],
        &["getcustomheaders", &id],
    ] {
        assert_none_of_them(
            &format!("bitsq {args:?}"),
            &String::from_utf8_lossy(&everything(&bitsq(&alice, args))),
        );
    }
    ok(bitsq(&alice, &["complete", &id]));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    // The job left: its secrets went with it.
    let left: i64 = db
        .client()
        .query_one("SELECT count(*) FROM bitsq_secrets", &[])
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    std::fs::remove_dir_all(dir).unwrap();
}
