//! `bitsq --component PATH` (the demo) against each hostile component: the
//! process ends on its own within the bound, with exit code 1 and a clear
//! message on stderr naming what happened. A test of the host package, so
//! cargo builds bitsq for it (`CARGO_BIN_EXE_bitsq`); the components come
//! from bits-queue-hostile's build script.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bits_queue_hostile::Hostile;

/// The demo up to the hostile call, and that call's 1 s default limit,
/// must end within this: a bound that turns a hang into a failure, far
/// above what any machine load makes of 1 s; not a performance target. Start-up and
/// compiling the component come before the first call, so they are measured
/// apart (a shell on an empty input loads the component, makes one
/// instance and applies an empty store, calls no hostile method, then
/// stops) and not counted.
const BOUND: Duration = Duration::from_secs(30);

/// One bitsq at a time, so the runs being timed do not share the CPU with
/// each other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The memory limit the hostile components are sized against ("far over
/// any limit"): the host's default. bitsq's own default is larger (it
/// holds a full queue of the longest strings), and would hold a 300 MiB
/// getter's answer.
const HOSTILE_MEMORY_MIB: &str = "64";

/// Runs bitsq with `args` on `component` and full WASI; the output and the
/// wall time.
fn bitsq(component: &Path, args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    if !args.contains(&"--memory-limit") {
        command.args(["--memory-limit", HOSTILE_MEMORY_MIB]);
    }
    let out = command
        .arg("--component")
        .arg(component)
        .arg("--full-wasi")
        .args(args)
        .output()
        .expect("run bitsq");
    (out, started.elapsed())
}

/// What bitsq must say on stderr for each.
fn expected_message(hostile: Hostile) -> &'static str {
    match hostile {
        Hostile::ConstructorLoop | Hostile::MethodLoop => "bitsq: the call timed out",
        Hostile::GrowMemory | Hostile::HugeGetter => "bitsq: the component ran out of memory",
        Hostile::Panic | Hostile::AliasList => "bitsq: the component trapped",
    }
}

fn demo_against(hostile: Hostile) {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (loaded, load_time) = bitsq(
        hostile.path(),
        &["--queue", "memory:", "shell", "--no-transfer"],
    );
    assert_eq!(loaded.status.code(), Some(0), "{loaded:?}");
    let (out, run_time) = bitsq(hostile.path(), &[]);
    let elapsed = run_time.saturating_sub(load_time);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{hostile:?}: stderr {stderr}");
    assert!(
        stderr.contains(expected_message(hostile)),
        "{hostile:?}: stderr {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(
        elapsed < BOUND,
        "{hostile:?}: bitsq took {run_time:?}, {elapsed:?} after loading"
    );
}

#[test]
fn demo_with_a_constructor_that_never_returns() {
    demo_against(Hostile::ConstructorLoop);
}

#[test]
fn demo_with_a_method_that_never_returns() {
    demo_against(Hostile::MethodLoop);
}

#[test]
fn demo_with_a_method_that_grows_memory_without_bound() {
    demo_against(Hostile::GrowMemory);
}

#[test]
fn demo_with_a_method_that_panics() {
    demo_against(Hostile::Panic);
}

#[test]
fn demo_with_a_getter_that_returns_hundreds_of_megabytes() {
    demo_against(Hostile::HugeGetter);
}

/// The demo never lists files, so the shell asks for them: `files` on the
/// component's first job (it numbers its GUIDs from 2). The shell goes on
/// after the trap and exits 1 at the end of its input.
#[test]
fn shell_with_a_getter_that_returns_hundreds_of_aliased_megabytes() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--component")
        .arg(Hostile::AliasList.path())
        .args(["--memory-limit", HOSTILE_MEMORY_MIB])
        .args(["--full-wasi", "--queue", "memory:", "shell"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bitsq");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(b"create victim\nfiles {00000002-0000-4000-8000-000000000000}\nlist\n")
        .expect("write commands");
    let out = child.wait_with_output().expect("bitsq ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr {stderr}");
    let message = expected_message(Hostile::AliasList).replace("bitsq: ", "line 2: error: ");
    assert!(stderr.contains(&message), "{stderr}");
    // The trap ended that command, not the shell: the queue was reloaded
    // from its store and the next line still ran (issue 13). This build
    // journals nothing (its take-changes answers an empty list), so the
    // reloaded queue is empty; the embedded component's is not (the
    // survival tests in cli_survival.rs list jobs made before a failure).
    assert!(stderr.contains("the command changed nothing"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.ends_with("\nno jobs\n"), "{stdout}");
    assert!(started.elapsed() < BOUND * 2, "{:?}", started.elapsed());
}

/// Without --full-wasi the std-built components are refused at load (exit
/// 3), naming an import the host does not grant.
#[test]
fn a_component_that_imports_more_than_random_is_refused_at_load() {
    let out = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--component")
        .arg(Hostile::Panic.path())
        .output()
        .expect("run bitsq");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr {stderr}");
    assert!(stderr.contains("imports `wasi:"), "{stderr}");
    assert!(stderr.contains("--full-wasi"), "{stderr}");
}

/// --timeout and --memory-limit are the same limits, settable.
#[test]
fn the_limits_are_flags() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (out, _) = bitsq(Hostile::MethodLoop.path(), &["--timeout", "50"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("the call timed out"), "{stderr}");

    let (out, _) = bitsq(Hostile::GrowMemory.path(), &["--memory-limit", "4"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("over the limit of 4194304 bytes"),
        "{stderr}"
    );

    // No instance allowed would run nothing: a usage error, in the
    // flag's own terms (issue 13 case 14).
    let (out, _) = bitsq(Hostile::Panic.path(), &["--max-instances", "0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--max-instances"), "{stderr}");
    assert!(stderr.contains("from 1 to 1,000"), "{stderr}");
}
