//! Whom a commit wakes (issue 23, defect 6): every commit notifies the
//! hosts of its queue, and a woken service looks at the queue. A commit
//! no other host can act on — jobs filled in while suspended — says so
//! (`quiet` after the version), unless a lease shows one of its jobs still
//! transferred, whose host must stop it; a watch wakes no one for it.
//! Checked in the order the server delivers notifications, never by time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bits_queue_host::{Action, JobType};
use bits_queue_store::{
    PersistentQueue, PostgresDatabase, PostgresOptions, PostgresStore, Store, with_queue,
};
use bits_queue_tests::postgres::TestDatabase;
use postgres::fallible_iterator::FallibleIterator;

use crate::suite::open;

/// Far above what any step takes: turns a hang into a failure.
const PATIENCE: Duration = Duration::from_secs(60);

/// The payload of the next notification on `listener`.
fn next_payload(listener: &mut postgres::Client) -> String {
    let told = listener
        .notifications()
        .timeout_iter(PATIENCE)
        .next()
        .unwrap()
        .expect("a notification for the commit");
    told.payload().to_string()
}

fn quiet(payload: &str) -> bool {
    payload.ends_with(" quiet")
}

#[test]
fn a_commit_says_whether_another_host_can_act_on_it() {
    let Some(db) = TestDatabase::create("quiet_commits") else {
        return;
    };
    let mut listener = db.client();
    listener
        .batch_execute("LISTEN \"bitsq_changes_default\"")
        .unwrap();
    let options = PostgresOptions {
        host: "a".to_string(),
        ..PostgresOptions::default()
    };
    let (a, _) = open(Box::new(
        PostgresStore::open_with(db.url(), options).unwrap(),
    ));
    let mut told = Vec::new();
    let id = a
        .change(|q| {
            q.manager()?
                .create_job("filled in", JobType::Download)?
                .id()
        })
        .unwrap();
    told.push(("created", next_payload(&mut listener)));
    a.change(|q| {
        q.manager()?
            .get_job(id)?
            .add_file("https://example.com/f", "/data/f")
    })
    .unwrap();
    told.push(("a file added", next_payload(&mut listener)));
    a.change(|q| q.manager()?.get_job(id)?.resume()).unwrap();
    told.push(("resumed", next_payload(&mut listener)));
    let actions = a.poll().unwrap();
    assert!(
        actions.iter().any(|x| matches!(x, Action::Start(_))),
        "{actions:?}"
    );
    told.push(("started", next_payload(&mut listener)));
    // Suspended while its file is leased: the host that transfers it
    // must be told (here it is `a` itself; the store cannot tell).
    a.change(|q| q.manager()?.get_job(id)?.suspend()).unwrap();
    told.push(("suspended in flight", next_payload(&mut listener)));
    a.poll().unwrap();
    told.push(("stopped", next_payload(&mut listener)));
    a.change(|q| q.manager()?.get_job(id)?.set_description("still suspended"))
        .unwrap();
    told.push(("changed, no longer in flight", next_payload(&mut listener)));
    a.change(|q| q.manager()?.get_job(id)?.cancel()).unwrap();
    told.push(("cancelled", next_payload(&mut listener)));

    let quiet: Vec<(&str, bool)> = told.iter().map(|(what, p)| (*what, quiet(p))).collect();
    assert_eq!(
        quiet,
        [
            ("created", true),
            ("a file added", true),
            ("resumed", false),
            ("started", false),
            ("suspended in flight", false),
            ("stopped", false),
            ("changed, no longer in flight", true),
            ("cancelled", false),
        ],
        "{told:?}"
    );
}

/// Calls counted by a watch.
fn counter() -> (Arc<AtomicU64>, Box<dyn Fn() + Send>) {
    let count = Arc::new(AtomicU64::new(0));
    let counting = count.clone();
    let wake = Box::new(move || {
        counting.fetch_add(1, Ordering::SeqCst);
    });
    (count, wake)
}

fn until(what: &str, check: impl Fn() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < PATIENCE, "never {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A job made on `queue` that a host can start (not quiet).
fn resumed(queue: &PersistentQueue, name: &str) {
    queue
        .change(|q| {
            let job = q.manager()?.create_job(name, JobType::Download)?;
            job.add_file("https://example.com/f", "/data/f")?;
            job.resume()
        })
        .unwrap();
}

#[test]
fn a_quiet_commit_wakes_no_watcher() {
    let Some(db) = TestDatabase::create("quiet_watch") else {
        return;
    };
    // One host serving queues `a` and `b`: one listening connection, so
    // notifications of both arrive in commit order.
    let database = PostgresDatabase::open(db.url(), PostgresOptions::default()).unwrap();
    let (store_a, store_b) = (
        database.open_queue("a").unwrap(),
        database.open_queue("b").unwrap(),
    );
    let (woke_a, wake_a) = counter();
    let (woke_b, wake_b) = counter();
    let _watch_a = store_a.watch(wake_a).unwrap();
    let _watch_b = store_b.watch(wake_b).unwrap();
    let (a, _) = open(Box::new(
        PostgresStore::open(&with_queue(db.url(), "a")).unwrap(),
    ));
    let (b, _) = open(Box::new(
        PostgresStore::open(&with_queue(db.url(), "b")).unwrap(),
    ));
    // b listened to (the hub listens to a channel within a tick of its
    // registration; a was registered first): a commit a host can act on
    // wakes b's watch. Until it does, b commits again.
    until("b's watch woken", || {
        resumed(&b, "wakes b");
        std::thread::sleep(Duration::from_millis(100));
        woke_b.load(Ordering::SeqCst) > 0
    });
    let before_b = woke_b.load(Ordering::SeqCst);
    for i in 0..10 {
        a.change(|q| {
            q.manager()?
                .create_job(&format!("quiet {i}"), JobType::Download)
                .map(drop)
        })
        .unwrap();
    }
    // Made after a's commits: once its wake comes, theirs have come.
    resumed(&b, "the marker");
    until("the marker's wake", || {
        woke_b.load(Ordering::SeqCst) > before_b
    });
    assert_eq!(
        woke_a.load(Ordering::SeqCst),
        0,
        "suspended jobs made on a woke its watch"
    );
    // And a commit on a that a host can act on wakes it.
    resumed(&a, "wakes a");
    until("a's watch woken", || woke_a.load(Ordering::SeqCst) > 0);
}
