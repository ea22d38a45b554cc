//! Issue 21's chaos test: a queue of 50 jobs on a SQLite file, served by
//! `bitsq service`, through random faults chosen by a seed — connections
//! dropped mid-body, stalls, 5xx, 404, a range ignored or answered wrong,
//! a file changed on the server between requests, the service SIGKILLed
//! and started again, the store locked by another process for a while.
//!
//! At the end every job is either transferred, and then its file is
//! byte-exact one whole version of the server's file once `complete` gave
//! it its name, or in an error the contract names for the faults its file
//! met (404: BG_E_HTTP_ERROR_404; a range ignored or answered wrong:
//! BG_E_INSUFFICIENT_RANGE_SUPPORT). No job may wait forever (a wedged
//! job fails the test after `PATIENCE`), and once every job is completed
//! or cancelled no `BIT*.tmp` is left.
//!
//! 20 seeds by default, four at a time; `BITSQ_CHAOS_SEEDS=N` runs N
//! (and `BITSQ_CHAOS_FIRST=S` starts at seed S). A failure names its seed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::stored::{PATIENCE, bitsq, ok, text};
use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};

const JOBS: usize = 50;
const SEEDS: u64 = 20;
const AT_ONCE: u64 = 4;

/// BG_E_HTTP_ERROR_404.
const NOT_FOUND: &str = "0x80190194";
/// BG_E_INSUFFICIENT_RANGE_SUPPORT.
const NO_RANGES: &str = "0x80200013";

/// xorshift64*: the same faults for the same seed.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One job's file: what the server holds, and what may end it.
struct Planned {
    path: String,
    /// Each version the server has held; the file must be one of them.
    versions: Vec<Vec<u8>>,
    /// A version put once the first request was answered.
    changes_to: Option<Vec<u8>>,
    /// The errors its faults may end it with.
    may_end_in: Vec<&'static str>,
}

fn plan(dice: &mut Dice, n: usize) -> (Planned, Vec<Fault>) {
    let path = format!("/f{n}.bin");
    let len = 20_000 + dice.below(280_000) as usize;
    let first = test_bytes(len, dice.next());
    let mut faults = Vec::new();
    let mut may_end_in = Vec::new();
    let mut changes_to = None;
    match dice.below(10) {
        0..=2 => {}
        3 => faults.push(Fault::DropAfter(dice.below(len as u64))),
        4 => faults.push(Fault::Stall(
            dice.below(len as u64),
            Duration::from_millis(500 + dice.below(1500)),
        )),
        5 => faults.push(Fault::Status(if dice.below(2) == 0 { 500 } else { 503 })),
        6 => {
            faults.push(Fault::Status(404));
            may_end_in.push(NOT_FOUND);
        }
        7 => {
            // A range ignored, or answered from the wrong byte, after a
            // drop: the host cannot resume, and says so.
            faults.push(Fault::DropAfter(1 + dice.below(len as u64 - 1)));
            faults.push(if dice.below(2) == 0 {
                Fault::IgnoreRange
            } else {
                Fault::WrongRange
            });
            may_end_in.push(NO_RANGES);
        }
        8 => faults.push(Fault::NoLength),
        _ => {
            faults.push(Fault::DropAfter(dice.below(len as u64)));
            changes_to = Some(test_bytes(10_000 + dice.below(200_000) as usize, dice.next()));
        }
    }
    // A restarted service resumes by range: a later range fault may meet
    // that request instead, so any file may end as a range fault says.
    let planned = Planned {
        path,
        versions: vec![first],
        changes_to,
        may_end_in,
    };
    (planned, faults)
}

/// A `bitsq service` on `queue`, writing into `dir`.
fn service(queue: &Path, dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--queue")
        .arg(queue)
        .args(["service", "--allow-write"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("bitsq service starts")
}

/// Each job's state, by display name, from one `list`.
fn states(queue: &Path) -> Vec<(String, String)> {
    ok(bitsq(queue, &["list"]))
        .lines()
        .skip(1)
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (words[3].to_string(), words[1].to_string())
        })
        .collect()
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("BIT") && name.ends_with(".tmp"))
        .collect()
}

/// One seed's run; a failure's message names the seed.
fn run(seed: u64) {
    let mut dice = Dice::new(seed);
    let dir: PathBuf = bits_queue_tests::scratch_dir(&format!("bitsq-chaos-{seed}"));
    let queue = dir.join("queue.sqlite3");
    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let server = Arc::new(TestServer::start());
    let mut planned = Vec::new();
    let mut script = String::new();
    for n in 0..JOBS {
        let (mut file, faults) = plan(&mut dice, n);
        server.put(&file.path, file.versions[0].clone());
        for fault in faults {
            server.fault(&file.path, fault);
        }
        if let Some(next) = &file.changes_to {
            file.versions.push(next.clone());
        }
        let local = files.join(format!("f{n}.bin"));
        script.push_str(&format!(
            "create c{n}\naddfile c{n} {} {}\nsetminretrydelay c{n} 5\nresume c{n}\n",
            server.url(&file.path),
            local.display()
        ));
        planned.push((file, local));
    }
    let made = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--queue")
        .arg(&queue)
        .args(["shell", "--no-transfer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut shell| {
            use std::io::Write as _;
            shell.stdin.take().unwrap().write_all(script.as_bytes())?;
            shell.wait_with_output()
        })
        .unwrap();
    assert!(
        made.status.success(),
        "seed {seed}: {}",
        text(&made.stderr)
    );

    // Files that change once their first answer went.
    let done = Arc::new(AtomicBool::new(false));
    let changer = {
        let (server, done) = (server.clone(), done.clone());
        let changes: Vec<(String, Vec<u8>)> = planned
            .iter()
            .filter_map(|(f, _)| f.changes_to.clone().map(|next| (f.path.clone(), next)))
            .collect();
        std::thread::spawn(move || {
            let mut waiting = changes;
            while !waiting.is_empty() && !done.load(Ordering::Acquire) {
                waiting.retain(|(path, next)| {
                    if server.requests(path).is_empty() {
                        return true;
                    }
                    server.put(path, next.clone());
                    false
                });
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    // The service, killed and started again, and the store locked by
    // another process, at random moments, until every job settles.
    let mut running = service(&queue, &files);
    let started = Instant::now();
    let mut kills = 0;
    let mut locks = 0;
    loop {
        let settled = states(&queue)
            .iter()
            .all(|(_, state)| state == "transferred" || state == "error");
        if settled {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "seed {seed}: jobs never settled: {:?}",
            states(&queue)
        );
        std::thread::sleep(Duration::from_millis(100 + dice.below(400)));
        match dice.below(12) {
            0 if kills < 4 => {
                running.kill().unwrap();
                running.wait().unwrap();
                running = service(&queue, &files);
                kills += 1;
            }
            1 if locks < 3 => {
                let other = rusqlite::Connection::open(&queue).unwrap();
                other.busy_timeout(PATIENCE).unwrap();
                other.execute_batch("BEGIN EXCLUSIVE").unwrap();
                std::thread::sleep(Duration::from_millis(300 + dice.below(1200)));
                other.execute_batch("ROLLBACK").unwrap();
                locks += 1;
            }
            _ => {}
        }
    }
    assert!(
        running.try_wait().unwrap().is_none(),
        "seed {seed}: the service ended"
    );
    running.kill().unwrap();
    running.wait().unwrap();
    done.store(true, Ordering::Release);
    changer.join().unwrap();

    for (n, (file, local)) in planned.iter().enumerate() {
        let job = format!("c{n}");
        let info = ok(bitsq(&queue, &["info", &job]));
        if info.contains("state:        transferred") {
            ok(bitsq(&queue, &["complete", &job]));
            let got = std::fs::read(local)
                .unwrap_or_else(|e| panic!("seed {seed}: {}: {e}", local.display()));
            assert!(
                file.versions.iter().any(|v| *v == got),
                "seed {seed}: {} is no whole version of {} ({} bytes)",
                local.display(),
                file.path,
                got.len()
            );
        } else {
            let error = ok(bitsq(&queue, &["geterror", &job]));
            let allowed: Vec<&str> = file
                .may_end_in
                .iter()
                .copied()
                .chain([NO_RANGES])
                .collect();
            assert!(
                allowed.iter().any(|code| error.contains(code)),
                "seed {seed}: {job} ({}) ended in an error its faults do not explain \
                 (allowed {allowed:?}):\n{error}",
                file.path
            );
            ok(bitsq(&queue, &["cancel", &job]));
            assert!(!local.exists(), "seed {seed}: {}", local.display());
        }
    }
    assert!(
        ok(bitsq(&queue, &["list"])).contains("0 job(s)"),
        "seed {seed}"
    );
    let left = temporaries(&files);
    assert!(left.is_empty(), "seed {seed}: temporary files left: {left:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v}: not a number")))
        .unwrap_or(default)
}

#[test]
fn fifty_jobs_through_seeded_faults_end_byte_exact_or_in_their_error() {
    let first = env_number("BITSQ_CHAOS_FIRST", 1);
    let count = env_number("BITSQ_CHAOS_SEEDS", SEEDS);
    let seeds: Vec<u64> = (first..first + count).collect();
    let lanes: Vec<_> = (0..AT_ONCE)
        .map(|lane| {
            let mine: Vec<u64> = seeds
                .iter()
                .copied()
                .filter(|s| s % AT_ONCE == lane)
                .collect();
            std::thread::spawn(move || {
                for seed in mine {
                    run(seed);
                }
            })
        })
        .collect();
    let failed: Vec<_> = lanes.into_iter().filter_map(|l| l.join().err()).collect();
    assert!(failed.is_empty(), "{} lane(s) failed (see above)", failed.len());
}
