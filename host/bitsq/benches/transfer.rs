//! `bitsq transfer` against `curl -s -o` for the same 1 GiB file from the
//! same loopback server, in alternating rounds (BENCHMARKS.md): throughput
//! as a ratio to curl, CPU seconds per GiB for both, the bytes served when
//! the connection drops once at 50%, and the transfer service's guest calls
//! per MiB. Not a test: it prints figures. Installs Debian's curl if the
//! machine has none. `cargo test --benches` (CI) runs it once with a 4 MiB
//! file and prints no table.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bits_queue_host::{JobState, JobType, Runtime};
use bits_queue_service::{ServiceConfig, TransferService, carry_out};
use bits_queue_tests::bench_mode::BenchMode;
use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};
use bits_queue_tests::peers::{curl, curl_then_sync, ensure_curl};

const MIB: f64 = (1 << 20) as f64;

/// CPU seconds (user + system) of every child waited for so far.
fn children_cpu() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Runs `command`; returns (wall seconds, CPU seconds).
fn timed(command: &mut Command) -> (f64, f64) {
    let cpu = children_cpu();
    let started = Instant::now();
    let status = command.status().expect("the command runs");
    let wall = started.elapsed().as_secs_f64();
    assert!(status.success(), "{command:?}: {status}");
    (wall, children_cpu() - cpu)
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-bench-transfer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn bitsq(url: &str, local: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    command
        .args(["transfer", "--retry-delay", "5", url])
        .arg(local)
        .stdout(std::process::Stdio::null());
    command
}

fn main() {
    // `cargo bench` passes filters and `--bench`; a filter that is not
    // ours skips the run.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "transfer/".contains(f.as_str())) {
        return;
    }
    ensure_curl();
    let mode = BenchMode::from_args();
    // Rounds, and the file's size.
    let (rounds, size): (usize, usize) = match mode {
        BenchMode::Test => (1, 4 << 20),
        BenchMode::Quick => (5, 1 << 30),
        BenchMode::Full => (9, 1 << 30),
    };
    let server = TestServer::start();
    let bytes = test_bytes(size, 31);
    server.put("/big.bin", bytes);
    let url = server.url("/big.bin");
    let dir = scratch();
    let out = dir.join("big.bin");
    eprintln!(
        "transfer: {rounds} rounds of {} MiB, each bitsq transfer, curl -s -o, and curl then \
         sync FILE, in rotating order",
        size >> 20
    );

    let (mut ratios, mut synced_ratios) = (vec![], vec![]);
    let (mut bitsq_cpu, mut curl_cpu, mut bitsq_rate) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let run = |which: usize| {
            let _ = std::fs::remove_file(&out);
            let timing = match which {
                0 => timed(&mut bitsq(&url, &out)),
                1 => timed(&mut curl(&out, &url)),
                _ => timed(&mut curl_then_sync(&out, &url)),
            };
            assert_eq!(std::fs::metadata(&out).unwrap().len(), size as u64);
            timing
        };
        let mut times = [(0.0, 0.0); 3];
        for k in 0..3 {
            let which = (round + k) % 3;
            times[which] = run(which);
        }
        let [(bw, bc), (cw, cc), (sw, _)] = times;
        // Throughput ratios: the other's time over bitsq's.
        ratios.push(cw / bw);
        synced_ratios.push(sw / bw);
        bitsq_cpu.push(bc);
        curl_cpu.push(cc);
        bitsq_rate.push(size as f64 / MIB / bw);
    }

    // One drop at 50%: every byte the server sent, over the file's size.
    server.fault("/big.bin", Fault::DropAfter((size / 2) as u64));
    let before: u64 = server
        .requests("/big.bin")
        .iter()
        .map(|r| r.body_bytes)
        .sum();
    let _ = std::fs::remove_file(&out);
    timed(&mut bitsq(&url, &out));
    let served: u64 = server
        .requests("/big.bin")
        .iter()
        .map(|r| r.body_bytes)
        .sum::<u64>()
        - before;

    // Guest calls per MiB, through the service in this process.
    let queue = Runtime::new().unwrap().new_queue().unwrap();
    let job = queue
        .manager()
        .unwrap()
        .create_job("bench", JobType::Download)
        .unwrap();
    let _ = std::fs::remove_file(&out);
    job.add_file(&url, out.to_str().unwrap()).unwrap();
    job.resume().unwrap();
    let service = TransferService::start(queue.clone(), ServiceConfig::default()).unwrap();
    service
        .wait_for(
            job.id().unwrap(),
            |s| s == JobState::Transferred,
            Duration::from_secs(600),
        )
        .unwrap();
    let stats = service.stats();
    service.stop().unwrap();
    job.complete().unwrap();
    for action in queue.take_file_actions().unwrap() {
        carry_out(&action, &Default::default());
    }
    let _ = std::fs::remove_dir_all(&dir);
    if mode.is_test() {
        println!("transfer, test mode: every measurement ran once, with 4 MiB; nothing measured");
        return;
    }

    let gib = size as f64 / (1u64 << 30) as f64;
    println!("\n## bitsq transfer against curl (1 GiB from 127.0.0.1, {rounds} rounds)\n");
    println!("| measure | median | min–max |");
    println!("|---|---:|---:|");
    let row = |what: &str, values: &[f64], unit: &str| {
        let (lo, hi) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        println!(
            "| {what} | {:.2}{unit} | {lo:.2}–{hi:.2}{unit} |",
            median(values.to_vec())
        );
    };
    row(
        "throughput, bitsq / curl -s -o (target ≥ 0.9)",
        &ratios,
        "×",
    );
    row(
        "throughput, bitsq / curl then sync FILE (both durable)",
        &synced_ratios,
        "×",
    );
    row("bitsq throughput", &bitsq_rate, " MiB/s");
    row(
        "bitsq CPU seconds per GiB",
        &bitsq_cpu.iter().map(|c| c / gib).collect::<Vec<_>>(),
        " s",
    );
    row(
        "curl CPU seconds per GiB",
        &curl_cpu.iter().map(|c| c / gib).collect::<Vec<_>>(),
        " s",
    );
    println!(
        "| bytes served with one drop at 50% (target ≤ size + 1 MiB) | {served} ({:+.3} MiB over the size) | |",
        (served as f64 - size as f64) / MIB
    );
    println!(
        "| service guest calls per MiB | {:.2} ({} calls, {} transfers) | |",
        stats.guest_calls as f64 / (size as f64 / MIB),
        stats.guest_calls,
        stats.transfers_started
    );
}
