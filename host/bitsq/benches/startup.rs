//! One-shot commands (BENCHMARKS.md, "Starting up"): the wall time of
//! `bitsq list` on a 10-job SQLite queue, with the compile cache warm and
//! with it off (compiling the component on every run, as before the cache),
//! and of `bitsq transfer` of a 34 KiB file against `curl -s -o` (and curl
//! then `sync FILE`, durable as bitsq is) from the same loopback server, in
//! alternating rounds. Not a test: it prints figures. `cargo test
//! --benches` (CI) runs every command once and prints no table.
//!
//! Beside them, in the same rounds, the floor of a one-shot durable
//! transfer by a component host (issue 22 asks a goal not met to say its
//! floor, measured): bitsq's own start as far as a transfer takes it
//! before its job (the process, the component from the compile cache, a
//! queue in memory: `bitsq transfer` keeps no stored queue) plus curl's
//! durable transfer (curl then `sync FILE`). That sum counts a process
//! start twice (bitsq's and curl's, with `sh` and `sync`), so a tighter
//! floor is measured too: bitsq's start plus the durable GET done natively
//! in the bench (the file fetched into a temporary file, synced, renamed,
//! its directory synced), which no process start is part of.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use bits_queue_tests::bench_mode::BenchMode;
use bits_queue_tests::bench_stats::{median, range, timed};
use bits_queue_tests::http_server::{TestServer, test_bytes};
use bits_queue_tests::peers::{curl, curl_then_sync};

/// The transferred file's size: the small file of the figures.
const SMALL: usize = 34 << 10;

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-bench-startup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What bitsq says when `transfer` is given a REMOTE without its LOCAL:
/// it checks the pairs after loading the component and making its queue
/// (main.rs), so a run that says it went as far as a transfer goes before
/// its job.
const UNPAIRED: &str = "transfer takes REMOTE LOCAL pairs";

/// The start of a one-shot transfer, timed: bitsq's process, the component
/// from the warm compile cache and a queue in memory, ended by an unpaired
/// REMOTE (three words pass clap's two-or-more, then fail bitsq's pairing).
/// Its wall seconds; panics unless bitsq said why it stopped.
fn transfer_start(cache: &Path, queue: &Path) -> f64 {
    let mut command = bitsq(Some(cache), queue);
    command
        .args([
            "transfer",
            "http://127.0.0.1:9/a",
            "a",
            "http://127.0.0.1:9/b",
        ])
        .stderr(Stdio::piped());
    let started = Instant::now();
    let output = command.output().expect("bitsq runs");
    let wall = started.elapsed().as_secs_f64();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(2) && said.contains(UNPAIRED),
        "bitsq transfer with an unpaired REMOTE: {}: {said}",
        output.status
    );
    wall
}

/// The durable GET of one file, natively, in this process, timed: `url`
/// fetched over a fresh agent (set up as the service's, without TLS) into
/// a temporary file beside `out`, synced, renamed to `out`, and the
/// directory synced: what a one-shot transfer must do once started.
fn native_durable_get(url: &str, out: &Path) -> f64 {
    let started = Instant::now();
    let config = ureq::Agent::config_builder()
        .max_redirects(0)
        .proxy(None)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let temporary = out.with_extension("floor.tmp");
    let mut response = agent.get(url).call().expect("the test server answers");
    let mut file = std::fs::File::create(&temporary).unwrap();
    std::io::copy(&mut response.body_mut().as_reader(), &mut file).unwrap();
    file.sync_all().unwrap();
    std::fs::rename(&temporary, out).unwrap();
    std::fs::File::open(out.parent().unwrap())
        .and_then(|dir| dir.sync_all())
        .unwrap();
    started.elapsed().as_secs_f64()
}

/// bitsq with the bench's own compile cache (or none) and queue.
fn bitsq(cache: Option<&Path>, queue: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    match cache {
        Some(dir) => command.env("BITSQ_COMPILE_CACHE", dir),
        None => command.env("BITSQ_COMPILE_CACHE", "off"),
    };
    command
        .env("BITSQ_QUEUE", queue)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    command
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "startup/".contains(f.as_str())) {
        return;
    }
    let mode = BenchMode::from_args();
    let (list_runs, cold_runs, rounds) = match mode {
        BenchMode::Test => (1, 1, 1),
        BenchMode::Quick => (21, 5, 11),
        BenchMode::Full => (51, 11, 31),
    };
    let dir = scratch();
    let cache = dir.join("cache");
    let queue = dir.join("queue.sqlite3");
    for i in 0..10 {
        timed(bitsq(Some(&cache), &queue).args(["create", &format!("job {i}")]));
    }

    // `bitsq list`: the cache is warm from the creates above.
    let list = |cache: Option<&Path>| timed(bitsq(cache, &queue).arg("list"));
    let warm: Vec<f64> = (0..list_runs).map(|_| list(Some(&cache))).collect();
    let cold: Vec<f64> = (0..cold_runs).map(|_| list(None)).collect();

    // `bitsq transfer` against curl, rotating which goes first.
    let server = TestServer::start();
    server.put("/small.bin", test_bytes(SMALL, 5));
    let url = server.url("/small.bin");
    let out = dir.join("small.bin");
    let (mut ours, mut curled, mut synced, mut started, mut native) =
        (vec![], vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        for k in 0..5 {
            let _ = std::fs::remove_file(&out);
            let which = (round + k) % 5;
            let wall = match which {
                0 => timed(
                    bitsq(Some(&cache), &queue)
                        .args(["transfer", &url])
                        .arg(&out),
                ),
                1 => timed(&mut curl(&out, &url)),
                2 => timed(&mut curl_then_sync(&out, &url)),
                3 => transfer_start(&cache, &queue),
                _ => native_durable_get(&url, &out),
            };
            if which != 3 {
                assert_eq!(std::fs::metadata(&out).unwrap().len(), SMALL as u64);
            }
            [
                &mut ours,
                &mut curled,
                &mut synced,
                &mut started,
                &mut native,
            ][which]
                .push(wall);
        }
    }
    // The floors of each round: bitsq's start and curl's durable transfer;
    // bitsq's start and the native durable GET.
    let floor: Vec<f64> = started.iter().zip(&synced).map(|(s, c)| s + c).collect();
    let tight: Vec<f64> = started.iter().zip(&native).map(|(s, n)| s + n).collect();
    let _ = std::fs::remove_dir_all(&dir);
    if mode.is_test() {
        println!("startup, test mode: every command ran once; nothing measured");
        return;
    }

    let ratios = |peer: &[f64]| -> Vec<f64> { ours.iter().zip(peer).map(|(b, c)| b / c).collect() };
    println!("\n## One-shot commands (startup)\n");
    println!("| measure | median | min–max |");
    println!("|---|---:|---:|");
    ms_rows(&[
        (
            "`bitsq list`, 10 jobs, SQLite, compile cache warm (target ≤ 50 ms)",
            &warm,
        ),
        (
            "`bitsq list`, the same, compile cache off (compiling)",
            &cold,
        ),
        ("`bitsq transfer`, 34 KiB from 127.0.0.1", &ours),
        ("`curl -s -o`, the same", &curled),
        ("`curl -s -o` then `sync FILE`", &synced),
    ]);
    ratio_rows(&[
        (
            "`bitsq transfer` / `curl -s -o`, per round (target ≤ 3)",
            ratios(&curled),
        ),
        (
            "`bitsq transfer` / curl then sync, per round",
            ratios(&synced),
        ),
        (
            "`bitsq list`, cache off / warm (medians)",
            vec![median(cold.clone()) / median(warm.clone())],
        ),
    ]);
    // The floor, after the rows above (their order is BENCHMARKS.md's).
    ms_rows(&[
        (
            "bitsq's start for a transfer (component from the cache, a queue in memory, no job)",
            &started,
        ),
        (
            "floor: bitsq's start + `curl -s -o` then `sync FILE`, per round",
            &floor,
        ),
        (
            "the durable GET natively, in process (temporary file, sync, rename, directory sync)",
            &native,
        ),
        (
            "tighter floor: bitsq's start + the native durable GET, per round",
            &tight,
        ),
    ]);
    ratio_rows(&[
        ("`bitsq transfer` / floor, per round", ratios(&floor)),
        (
            "`bitsq transfer` / tighter floor, per round",
            ratios(&tight),
        ),
    ]);
}

/// Table rows of times in milliseconds: each measure's median and range.
fn ms_rows(rows: &[(&str, &Vec<f64>)]) {
    let ms = |v: f64| v * 1e3;
    for (what, values) in rows {
        let (lo, hi) = range(values);
        println!(
            "| {what} | {:.1} ms | {:.1}–{:.1} ms |",
            ms(median(values.to_vec())),
            ms(lo),
            ms(hi)
        );
    }
}

/// Table rows of ratios: each one's median and range.
fn ratio_rows(rows: &[(&str, Vec<f64>)]) {
    for (what, values) in rows {
        let (lo, hi) = range(values);
        println!(
            "| {what} | {:.2}× | {lo:.2}–{hi:.2}× |",
            median(values.clone())
        );
    }
}
