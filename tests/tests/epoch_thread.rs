//! The epoch ticker thread lives exactly as long as its runtime: a
//! `Runtime` clone, a `Queue` or a handle keeps it; when the last of them
//! goes, the thread is joined before the drop returns. Its own test
//! binary, so no other test's runtimes count.

use std::time::{Duration, Instant};

use bits_queue_host::{JobType, Runtime};

/// Threads of this process named like the ticker.
fn tickers() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("Linux's /proc")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == "bits-queue-tick")
        .count()
}

/// The ticker count once /proc has caught up with the threads that ended.
/// A join returns when the kernel clears the thread's id, a moment before
/// it drops the thread's /proc entry (CI saw the entry still there once),
/// so a count that should fall is read again for a while. A ticker that
/// was never stopped keeps the count up, and the test fails.
fn tickers_settled_at(expected: usize) -> usize {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let count = tickers();
        if count == expected || Instant::now() >= until {
            return count;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn the_ticker_stops_with_the_last_user_of_its_runtime() {
    assert_eq!(tickers(), 0);
    let runtime = Runtime::new().expect("load");
    assert_eq!(tickers(), 1);
    let other = Runtime::new().expect("load");
    assert_eq!(tickers(), 2, "one per runtime");
    drop(other);
    assert_eq!(tickers_settled_at(1), 1, "stopped when its runtime went");

    let queue = runtime.new_queue().expect("instantiate");
    let job = queue
        .manager()
        .expect("manager")
        .create_job("keeps the runtime", JobType::Download)
        .expect("create");
    drop(runtime);
    drop(queue);
    assert_eq!(tickers(), 1, "a live handle keeps its runtime's ticker");
    assert_eq!(
        job.display_name().expect("a working handle"),
        "keeps the runtime"
    );
    drop(job);
    assert_eq!(tickers_settled_at(0), 0, "stopped with the last handle");
}
