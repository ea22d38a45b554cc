//! `setremotename` and `replaceremoteprefix` (docs/contract.md §16.5) on a
//! stored queue: the names change, a bad name or index is refused naming
//! why and changes nothing.

use crate::stored::{bitsq, ok, scratch, text};

#[test]
fn remote_names_change_and_bad_ones_are_refused() {
    let dir = scratch("remote-names");
    let queue = dir.join("queue.sqlite3");
    let id = ok(bitsq(&queue, &["create", "moving"])).trim().to_string();
    for name in ["a", "b"] {
        let local = dir.join(name);
        ok(bitsq(
            &queue,
            &[
                "addfile",
                &id,
                &format!("https://stage.example/{name}"),
                local.to_str().unwrap(),
            ],
        ));
    }
    let set = ok(bitsq(
        &queue,
        &["setremotename", &id, "1", "https://mirror.example/b"],
    ));
    assert_eq!(
        set.trim(),
        format!("{id}: file 1 from https://mirror.example/b")
    );
    let replaced = ok(bitsq(
        &queue,
        &[
            "replaceremoteprefix",
            &id,
            "https://stage.example/",
            "https://prod.example/",
        ],
    ));
    assert_eq!(
        replaced.trim(),
        format!(
            "{id}: file 0 from https://prod.example/a\n{id}: file 1 from https://mirror.example/b"
        )
    );
    let none = ok(bitsq(
        &queue,
        &[
            "replaceremoteprefix",
            &id,
            "https://stage.example/",
            "https://x/",
        ],
    ));
    assert!(none.contains("no remote name starts with"), "{none}");

    let bad = bitsq(&queue, &["setremotename", &id, "0", "https://u:secret@h/a"]);
    assert_eq!(bad.status.code(), Some(1));
    let said = text(&bad.stderr);
    assert!(said.contains("user name or password"), "{said}");
    assert!(!said.contains("secret"), "{said}");
    let bad = bitsq(&queue, &["setremotename", &id, "2", "https://h/c"]);
    assert_ne!(bad.status.code(), Some(0));
    assert!(text(&bad.stderr).contains("FILE_INDEX must name one of the job's 2"));
    let bad = bitsq(
        &queue,
        &["replaceremoteprefix", &id, "https://", "gopher://"],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("E_INVALIDARG"),
        "{}",
        text(&bad.stderr)
    );
    let files = ok(bitsq(&queue, &["files", &id]));
    assert!(files.contains("https://prod.example/a"), "{files}");
    assert!(files.contains("https://mirror.example/b"), "{files}");
    let _ = std::fs::remove_dir_all(&dir);
}
