//! The epoch ticker thread lives exactly as long as its runtime: a
//! `Runtime` clone, a `Queue` or a handle keeps it; when the last of them
//! goes, the thread has stopped (not merely been asked to) before the drop
//! returns. Its own test binary, so no other test's runtimes count.

use bits_queue_host::{JobType, Runtime};

/// Threads of this process named like the ticker.
fn tickers() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("Linux's /proc")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == "bits-queue-tick")
        .count()
}

#[test]
fn the_ticker_stops_with_the_last_user_of_its_runtime() {
    assert_eq!(tickers(), 0);
    let runtime = Runtime::new().expect("load");
    assert_eq!(tickers(), 1);
    let other = Runtime::new().expect("load");
    assert_eq!(tickers(), 2, "one per runtime");
    drop(other);
    assert_eq!(tickers(), 1, "stopped when its runtime went");

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
    assert_eq!(tickers(), 0, "stopped with the last handle");
}
