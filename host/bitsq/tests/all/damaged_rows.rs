//! Issue 21 case 12 through the real binary: one damaged row (a record
//! stored as TEXT, an id that is not 16 bytes) no longer makes the whole
//! queue unopenable. Such rows are left out with a warning, the other jobs
//! are listed, and `cancel GUID` removes a damaged job.

use crate::stored::{bitsq, ok, scratch, text};

/// The GUID `create NAME` printed.
fn create(queue: &std::path::Path, name: &str) -> String {
    let out = ok(bitsq(queue, &["create", name]));
    out.split_whitespace().next().unwrap().to_string()
}

#[test]
fn a_damaged_row_is_left_out_and_cancel_removes_it() {
    let dir = scratch("damaged");
    let queue = dir.join("queue.sqlite3");
    let kept = create(&queue, "kept");
    let victim = create(&queue, "victim");
    let victim_id: bits_queue_host::Guid = victim.parse().unwrap();
    let db = rusqlite::Connection::open(&queue).unwrap();
    db.execute(
        "UPDATE jobs SET record = 'not a record' WHERE id = ?1",
        [&victim_id.to_bytes()[..]],
    )
    .unwrap();
    db.execute(
        "INSERT INTO jobs (id, record, version) VALUES (x'0102', x'00', 1)",
        [],
    )
    .unwrap();
    drop(db);

    let listed = bitsq(&queue, &["list"]);
    let stderr = text(&listed.stderr);
    assert_eq!(listed.status.code(), Some(0), "{stderr}");
    let stdout = text(&listed.stdout);
    assert!(
        stdout.contains(&kept) && !stdout.contains(&victim),
        "{stdout}"
    );
    assert!(
        stderr.contains(&victim) && stderr.contains("left out"),
        "{stderr}"
    );
    assert!(stderr.contains("x'0102'"), "{stderr}");

    let cancelled = bitsq(&queue, &["cancel", &victim]);
    assert_eq!(
        cancelled.status.code(),
        Some(0),
        "{}",
        text(&cancelled.stderr)
    );
    assert!(text(&cancelled.stdout).contains("removed"));
    let again = bitsq(&queue, &["list"]);
    assert!(
        !text(&again.stderr).contains(&victim),
        "{}",
        text(&again.stderr)
    );
    assert!(text(&again.stdout).contains(&kept));
    // A GUID that names nothing at all is still `not found`.
    let none = bitsq(&queue, &["cancel", &victim]);
    assert_eq!(none.status.code(), Some(1), "{}", text(&none.stderr));
    std::fs::remove_dir_all(dir).unwrap();
}
