//! Issue 23, "throughput that grows with hosts": many queues in one
//! PostgreSQL database, served by a fleet of `bitsq service --all-queues`
//! processes. 100 queues × 10 jobs across 4 services, half the queues made
//! before the services start and half after (a service notices queues made
//! later): every file is fetched exactly once (the 127.0.0.1 server counts
//! the requests of each) and arrives byte-exact.

use crate::stored;

use std::ffi::OsStr;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::postgres::shell;
use stored::{Service, bitsq, ok, text};

use bits_queue_tests::http_server::{TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;

const QUEUES: usize = 100;
const JOBS: usize = 10;

/// Runs `work(queue)` for each of `queues`, 8 processes at a time; each
/// must exit 0.
fn each_queue(queues: impl Iterator<Item = usize>, work: impl Fn(usize) -> Child) {
    let queues: Vec<usize> = queues.collect();
    for batch in queues.chunks(8) {
        let children: Vec<Child> = batch.iter().map(|&q| work(q)).collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        }
    }
}

/// The remote path of queue `q`'s job `j`.
fn path(q: usize, j: usize) -> String {
    format!("/q{q}/j{j}.bin")
}

/// How many of `url`'s jobs are `transferred`.
fn transferred(url: &str) -> usize {
    ok(bitsq(url, &["list"]))
        .lines()
        .filter(|line| line.starts_with('{'))
        .filter(|line| {
            line.split_whitespace()
                .nth(1)
                .is_some_and(|state| state.eq_ignore_ascii_case("transferred"))
        })
        .count()
}

#[test]
fn four_services_serve_a_hundred_queues_each_file_exactly_once() {
    let Some(db) = TestDatabase::create("hundred_queues") else {
        return;
    };
    let server = TestServer::start();
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-hundred-queues");
    let queue = |q: usize| format!("{}?queue=q{q}", db.url());
    let local = |q: usize, j: usize| dir.join(format!("q{q}-j{j}.bin"));
    let bytes =
        |q: usize, j: usize| test_bytes(1_000 + (q * JOBS + j) % 997, (q * JOBS + j) as u64);
    for q in 0..QUEUES {
        for j in 0..JOBS {
            server.put(&path(q, j), bytes(q, j));
        }
    }
    let create = |q: usize| {
        let lines: String = (0..JOBS)
            .map(|j| {
                format!(
                    "create j{j}\naddfile j{j} {} {}\nresume j{j}\n",
                    server.url(&path(q, j)),
                    local(q, j).display()
                )
            })
            .collect();
        shell(&queue(q), lines)
    };
    each_queue(0..QUEUES / 2, create);
    let extra: [&OsStr; 6] = [
        "--all-queues".as_ref(),
        "--max-instances".as_ref(),
        "200".as_ref(),
        "--allow-write".as_ref(),
        dir.as_os_str(),
        "--lease".as_ref(),
    ];
    let services: Vec<Service> = (0..4)
        .map(|_| {
            let mut args = extra.to_vec();
            args.push("30".as_ref());
            Service::start(db.url(), &args)
        })
        .collect();
    // Queues made while the services run.
    each_queue(QUEUES / 2..QUEUES, create);
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut waiting: Vec<usize> = (0..QUEUES).collect();
    while !waiting.is_empty() {
        assert!(
            Instant::now() < deadline,
            "queues not transferred: {waiting:?}"
        );
        waiting.retain(|&q| (0..JOBS).any(|j| server.requests(&path(q, j)).is_empty()));
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut waiting: Vec<usize> = (0..QUEUES).collect();
    while !waiting.is_empty() {
        assert!(
            Instant::now() < deadline,
            "queues not transferred: {waiting:?}"
        );
        waiting.retain(|&q| transferred(&queue(q)) < JOBS);
    }
    each_queue(0..QUEUES, |q| {
        let lines: String = (0..JOBS).map(|j| format!("complete j{j}\n")).collect();
        shell(&queue(q), lines)
    });
    drop(services);
    for q in 0..QUEUES {
        for j in 0..JOBS {
            let requests = server.requests(&path(q, j));
            assert_eq!(requests.len(), 1, "{}: {requests:?}", path(q, j));
            assert_eq!(
                std::fs::read(local(q, j)).unwrap(),
                bytes(q, j),
                "{}",
                path(q, j)
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
