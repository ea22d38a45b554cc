//! `bitsq transfer --upload` (BITS upload protocol, to the BITS test
//! server) against `curl -T` (one plain HTTP PUT, to the PUT sink) for the
//! same 1 GiB file on loopback, in alternating rounds (BENCHMARKS.md,
//! "Uploads"): throughput as a ratio to curl, and the bytes that reach the
//! server again when a connection drops halfway through a Fragment. Both
//! servers run in this process and keep the upload in memory. Not a test:
//! it prints figures. `cargo test --benches` (CI) runs it once with an
//! 8 MiB file (two Fragments) and prints no table.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bits_queue_tests::bench_mode::BenchMode;
use bits_queue_tests::bench_stats::{median, range, timed};
use bits_queue_tests::bits_server::{BitsFault, BitsServer, Packet};
use bits_queue_tests::http_server::test_bytes;
use bits_queue_tests::peers::{curl_put, ensure_curl};
use bits_queue_tests::put_sink::PutSink;

const MIB: f64 = (1 << 20) as f64;
/// The service's Fragment (contract §14.3): what one drop may cost.
const FRAGMENT: u64 = 4 << 20;

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-bench-upload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bitsq_upload(url: &str, local: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    command
        .args(["transfer", "--upload", "--retry-delay", "5", url])
        .arg(local)
        .stdout(Stdio::null());
    command
}

/// The body bytes of every Fragment the server saw.
fn fragment_bytes(log: &[Packet]) -> u64 {
    log.iter()
        .filter(|p| p.packet_type == "Fragment")
        .map(|p| p.received)
        .sum()
}

fn main() {
    // `cargo bench` passes filters and `--bench`; a filter that is not
    // ours skips the run.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "upload/".contains(f.as_str())) {
        return;
    }
    ensure_curl();
    let mode = BenchMode::from_args();
    let (rounds, size): (usize, usize) = match mode {
        BenchMode::Test => (1, 8 << 20),
        BenchMode::Quick => (5, 1 << 30),
        BenchMode::Full => (9, 1 << 30),
    };
    let bits = BitsServer::start();
    let sink = PutSink::start();
    let dir = scratch();
    let local = dir.join("big.bin");
    let bytes = test_bytes(size, 41);
    std::fs::write(&local, &bytes).unwrap();
    let (bits_url, put_url) = (bits.url("/big.bin"), sink.url("/big.bin"));
    eprintln!(
        "upload: {rounds} rounds of {} MiB, each bitsq transfer --upload and curl -T, in \
         alternating order",
        size >> 20
    );

    let (mut ratios, mut bitsq_rate, mut curl_rate) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let mut times = [0.0; 2];
        for k in 0..2 {
            let which = (round + k) % 2;
            times[which] = if which == 0 {
                let t = timed(&mut bitsq_upload(&bits_url, &local));
                assert_eq!(bits.file_len("/big.bin"), Some(size));
                t
            } else {
                let t = timed(&mut curl_put(&local, &put_url));
                assert_eq!(sink.stored("/big.bin"), Some(size));
                t
            };
        }
        let [bitsq, curl] = times;
        ratios.push(curl / bitsq);
        bitsq_rate.push(size as f64 / MIB / bitsq);
        curl_rate.push(size as f64 / MIB / curl);
    }

    // One drop halfway through the middle Fragment: every Fragment byte
    // the server read, over the file's size. Create-Session and the
    // Fragments before it pass.
    let fragments = (size as u64).div_ceil(FRAGMENT) as usize;
    let mut faults = vec![BitsFault::Pass; 1 + fragments / 2];
    faults.push(BitsFault::DropFragmentHalfway);
    let before = bits.log().len();
    bits.fault(faults);
    timed(&mut bitsq_upload(&bits_url, &local));
    let log = bits.log().split_off(before);
    assert_eq!(log.iter().filter(|p| p.status == 0).count(), 1, "one drop");
    let resent = fragment_bytes(&log) - size as u64;
    assert!(
        bits.file("/big.bin").is_some_and(|f| f == bytes),
        "the upload with a drop is not byte-exact"
    );
    let _ = std::fs::remove_dir_all(&dir);
    if mode.is_test() {
        println!(
            "upload, test mode: every measurement ran once, with 8 MiB; nothing measured \
             (re-sent after one drop: {resent} bytes)"
        );
        return;
    }

    println!(
        "\n## bitsq transfer --upload against curl -T (1 GiB to 127.0.0.1, {rounds} rounds)\n"
    );
    println!("| measure | median | min–max |");
    println!("|---|---:|---:|");
    let row = |what: &str, values: &[f64], unit: &str| {
        let (lo, hi) = range(values);
        println!(
            "| {what} | {:.2}{unit} | {lo:.2}–{hi:.2}{unit} |",
            median(values.to_vec())
        );
    };
    row("throughput, bitsq / curl -T (target ≥ 0.8)", &ratios, "×");
    row("bitsq --upload throughput", &bitsq_rate, " MiB/s");
    row("curl -T throughput", &curl_rate, " MiB/s");
    println!(
        "| bytes re-sent after one drop halfway through a Fragment (target ≤ one Fragment, \
         {FRAGMENT}) | {resent} ({:.2} Fragment) | |",
        resent as f64 / FRAGMENT as f64
    );
}
