//! Issue 13, cases 1–8: the shell survives input within its own limits,
//! and input outside them, as a hostile tester gives it. Each test failed
//! on the main branch before the fix (the shell died, panicked, dropped
//! input, or grew without bound).

use crate::common;

use std::fs::File;
use std::process::Stdio;

use common::{Ran, bitsq, collect, guids, resident_kib, shell, wait_bounded};

/// 301 creates, 200 files in each of 300 jobs, one file more: every
/// string at its longest in UTF-16 units, and every character of it three
/// UTF-8 bytes (the most memory a name can take).
fn full_queue_script(ids: &[String]) -> String {
    let mut script = String::with_capacity(460 << 20);
    for j in 0..300 {
        script.push_str(&format!("create j{j:03}\n"));
    }
    script.push_str("create one-too-many\n");
    for (j, id) in ids.iter().enumerate() {
        for f in 0..=200 {
            let tag = format!("{j:03}-{f:03}");
            // "https://h/" + tag + € … : 2,200 units, 6,580 bytes.
            let url = format!("https://h/{tag}{}", "€".repeat(2200 - 10 - tag.len()));
            // "/" + tag + € … : 260 units, 766 bytes.
            let local = format!("/{tag}{}", "€".repeat(260 - 1 - tag.len()));
            script.push_str(&format!("addfile {id} {url} {local}\n"));
        }
    }
    script.push_str("list\n");
    script.push_str(&format!("files {}\n", ids[299]));
    script
}

/// Case 1: under default settings the queue reaches every one of its
/// limits — 300 jobs of 200 files, the longest strings — and refuses the
/// job and the file past them with the queue's own errors.
#[test]
fn a_queue_full_to_its_limits_with_maximal_strings_fits_the_defaults() {
    // The seeded GUIDs, from a first run with the same seed.
    let creates: String = (0..300).map(|j| format!("create j{j:03}\n")).collect();
    let first = shell(&["--seed", "13"], creates);
    assert_eq!(first.code(), Some(0), "{}", first.stderr);
    let ids = guids(&first.stdout);
    assert_eq!(ids.len(), 300);

    let ran = shell(&["--seed", "13"], full_queue_script(&ids));
    ran.no_panic();
    // One job and 300 files past the limits, refused as the queue refuses.
    let refusals: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(
        refusals.len(),
        301,
        "{}",
        &ran.stderr[..ran.stderr.len().min(2000)]
    );
    assert!(
        refusals[0].contains("BG_E_TOO_MANY_JOBS"),
        "{}",
        refusals[0]
    );
    assert!(
        refusals[1..]
            .iter()
            .all(|l| l.contains("BG_E_TOO_MANY_FILES_IN_JOB")),
        "{}",
        &ran.stderr[..ran.stderr.len().min(2000)]
    );
    assert_eq!(ran.code(), Some(0));
    let added = ran
        .stdout
        .lines()
        .filter(|l| l.ends_with(" file(s)"))
        .count();
    assert_eq!(added, 60_000 + 1, "every file, and the last files listing");
    assert!(ran.stdout.contains("\n300 job(s)\n"));
    assert!(ran.stdout.ends_with("\n200 file(s)\n"));
}

/// Case 2: an argument over `--max-argument-bytes` is a refusal of that
/// one command (nothing of the guest ran); the shell goes on. The same
/// from the command line.
#[test]
fn an_argument_too_large_refuses_only_that_command() {
    let long = "n".repeat(20_000);
    let ran = shell(
        &["--max-argument-bytes", "16384"],
        format!("create first\ncreate {long}\ncreate second\nlist\n"),
    );
    ran.no_panic();
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    let errors: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", ran.stderr);
    // So small a limit cannot load a job of 200 long files back: said once.
    assert!(
        errors[0].starts_with("warning: the queue's limits (max-jobs 300, max-files-per-job 200)")
            && errors[0].contains("over --max-argument-bytes (16,384)"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("line 2: error: argument too large: 20000 bytes of arguments"),
        "{}",
        errors[1]
    );
    assert!(ran.stdout.contains("  first\n") && ran.stdout.contains("  second\n"));
    assert!(ran.stdout.contains("\n2 job(s)\n"), "{}", ran.stdout);

    // (One argument of a process is at most 128 KiB on Linux.)
    let out = bitsq()
        .args([
            "--max-argument-bytes",
            "16384",
            "--queue",
            "memory:",
            "create",
            &long,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("argument too large"));
}

/// Case 3: a closed or full stderr ends bitsq quietly, never with a panic
/// (exit 101) — as a closed stdout already did.
#[test]
fn a_closed_or_full_stderr_ends_bitsq_quietly() {
    // 2>/dev/full: the refusal cannot be written.
    let mut command = bitsq();
    command
        .args(["--queue", "memory:", "shell", "--no-transfer"])
        .stderr(File::options().write(true).open("/dev/full").unwrap())
        .stdout(Stdio::piped());
    let out = feed_stdin(command, b"frobnicate\nlist\n");
    out.no_panic();
    assert_eq!(out.code(), Some(1), "an error was being reported");
    assert!(out.stdout.is_empty(), "nothing runs after: {}", out.stdout);

    // 2>&1 | head, after head has left: stderr is a closed pipe.
    let mut child = bitsq()
        .args(["--queue", "memory:", "resume", "nobody"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = wait_bounded(&mut child, |_| true);
    assert_eq!(status.code(), Some(1), "{status:?}");

    // And one-shot usage errors and a bad flag, through clap.
    let out = bitsq()
        .args(["--no-such-flag"])
        .stderr(File::options().write(true).open("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn feed_stdin(mut command: std::process::Command, input: &[u8]) -> Ran {
    use std::io::Write;
    let mut child = command.stdin(Stdio::piped()).spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(input);
    collect(child)
}

/// Case 4: a line that is not UTF-8 is reported by number and skipped;
/// the lines after it run, and the exit status says input was lost.
/// Standard input that cannot be read at all (a directory) is named.
#[test]
fn lines_that_cannot_be_read_are_reported_never_dropped() {
    let ran = shell(&[], &b"create one\ncreate caf\xe9\ncreate two\nlist\n"[..]);
    ran.no_panic();
    assert_eq!(
        ran.stderr,
        "error: line 2 is not valid UTF-8 (byte 0xE9 at column 11); skipped\n"
    );
    assert!(ran.stdout.contains("  one\n") && ran.stdout.contains("  two\n"));
    assert_eq!(ran.code(), Some(5), "some input did not run");

    let mut command = bitsq();
    command
        .args(["--queue", "memory:", "shell", "--no-transfer"])
        .stdin(File::open("/").unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let ran = collect(command.spawn().unwrap());
    ran.no_panic();
    assert_eq!(ran.code(), Some(5));
    assert!(
        ran.stderr
            .contains("cannot read the input at line 1: Is a directory"),
        "{}",
        ran.stderr
    );
}

/// Case 5: `shell < /dev/zero` and `--component /dev/zero` stay within
/// bounded memory and end with a clear error; an over-long line is
/// skipped and the next one runs.
#[test]
fn endless_input_and_endless_component_files_are_bounded() {
    let mut child = bitsq()
        .args(["--queue", "memory:", "shell", "--no-transfer"])
        .stdin(File::open("/dev/zero").unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    // Killed (and failed) if it ever holds more than 1 GiB.
    let status = wait_bounded(&mut child, |pid| resident_kib(pid) < 1 << 20);
    drop(out);
    let stderr = std::io::read_to_string(err).unwrap();
    assert_eq!(status.code(), Some(5), "{stderr}");
    assert_eq!(
        stderr,
        "bitsq: line 1: no line break in 16,777,216 bytes: this input is not lines of \
         text; the shell stops reading\n"
    );

    let mut long = vec![b'x'; 100_000];
    long.extend_from_slice(b"\nlist\n");
    let ran = shell(&[], long);
    assert_eq!(ran.code(), Some(5));
    assert_eq!(
        ran.stderr,
        "error: line 1 is longer than 65,536 bytes; skipped\n"
    );
    assert_eq!(ran.stdout, "no jobs\n");

    let out = bitsq().args(["--component", "/dev/zero"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("larger than 67,108,864 bytes"), "{stderr}");
}

/// Case 6: limits the host cannot serve are refused, changing nothing;
/// the most jobs accepted can all be listed.
#[test]
fn limits_the_host_cannot_serve_are_refused() {
    let ran = shell(
        &[],
        "limits 4294967295 4294967295\nlimits 30000 200\nlimits\n",
    );
    ran.no_panic();
    assert_eq!(ran.code(), Some(0));
    let errors: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", ran.stderr);
    assert!(
        errors[0].starts_with(
            "line 1: error: limits 4294967295 4294967295: max-jobs may be at most 99,000"
        ),
        "{}",
        errors[0]
    );
    assert!(errors[1].contains("over --memory-limit"), "{}", errors[1]);
    assert_eq!(ran.stdout, "max-jobs 300, max-files-per-job 200\n");
    // From the command line: a refusal (1), not a usage error (2).
    let out = bitsq()
        .args(["--queue", "memory:", "limits", "4294967295", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// Case 6, the other side: at the most jobs `limits` accepts, `list`
/// works (before, it trapped at 99,999 jobs: one handle per job).
#[test]
fn the_most_jobs_accepted_can_all_be_listed() {
    // One job more than the most accepted is refused: the cap sits below
    // the host's handle limit.
    let mut script = String::from("limits 99001 1\nlimits 99000 1\n");
    for j in 0..99_000 {
        script.push_str(&format!("create {j}\n"));
    }
    script.push_str("create one-too-many\nlist\n");
    let ran = shell(&["--memory-limit", "4096"], script);
    ran.no_panic();
    assert_eq!(ran.code(), Some(0));
    let errors: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", ran.stderr);
    assert!(
        errors[0].contains("max-jobs may be at most 99,000"),
        "{}",
        errors[0]
    );
    assert!(errors[1].contains("BG_E_TOO_MANY_JOBS"), "{}", errors[1]);
    assert!(ran.stdout.ends_with("\n99000 job(s)\n"));
}

// Case 7 (timeouts) is in cli_timeout.rs, a test binary of its own: it
// should not share the CPU with the heavy runs here.

/// Every byte that could drive a terminal: C0 controls but the line
/// break, DEL, and C1 controls (U+0080–U+009F, two bytes in UTF-8).
fn reaches_terminal_raw(bytes: &[u8]) -> Option<usize> {
    let text = String::from_utf8_lossy(bytes);
    text.char_indices()
        .find(|(_, c)| (c.is_control() && *c != '\n') || matches!(c, '\u{202e}'))
        .map(|(at, _)| at)
}

/// Case 8: control characters in names (clear screen, colours, window
/// title) are escaped in every output.
#[test]
fn control_characters_never_reach_the_terminal() {
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}x\u{7f}";
    let script = format!(
        "create \"{evil}\"\nlist\ninfo \"{evil}\"\naddfile \"{evil}\" https://h/a /tmp/a\n\
         files \"{evil}\"\nsetdescription \"{evil}\" \"{evil}\"\nsetdisplayname \"{evil}\" \"b{evil}\"\n\
         info \"b{evil}\"\ninfo \"no {evil}\"\n{evil}verb\nsetpriority \"b{evil}\" \"{evil}\"\n\
         create -- \"{evil}\"\ncreate \"{evil}\"\nresume \"{evil}\"\n"
    );
    let ran = shell(&[], script);
    ran.no_panic();
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    assert_eq!(
        reaches_terminal_raw(&ran.stdout_bytes),
        None,
        "{}",
        ran.stdout
    );
    assert_eq!(
        reaches_terminal_raw(&ran.stderr_bytes),
        None,
        "{}",
        ran.stderr
    );
    // Escaped, not dropped: the name can still be read.
    assert!(
        ran.stdout
            .contains(r"\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}x\x7f")
    );
    assert!(ran.stderr.contains("2 jobs are named"), "{}", ran.stderr);

    // One-shot, and a name with a line break given on the command line.
    let out = bitsq()
        .args(["--queue", "memory:", &format!("{evil}verb")])
        .output()
        .unwrap();
    assert_eq!(reaches_terminal_raw(&out.stderr), None);
    assert_eq!(out.status.code(), Some(2));
}
