//! The `bitsq` command line: the demo, `--seed`, the shell through a pipe,
//! refusals, usage errors, exit codes, `--component` and `--help`.
//!
//! This file lives in tests/ with the other integration tests, but it is a
//! test target of bits-queue-host (see host/Cargo.toml): Cargo sets
//! `CARGO_BIN_EXE_bitsq` only for tests of the package that owns the binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use bits_queue_host::{Guid, JobType, Runtime};

fn bitsq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
}

/// Runs bitsq with `args`, nothing on stdin.
fn run(args: &[&str]) -> Output {
    bitsq()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("bitsq runs")
}

/// Runs `bitsq <args> shell --no-transfer` with `input` on a pipe (so the
/// shell's answers do not race a transfer service; tests/transfer.rs runs
/// the shell with one) (so the shell sees a
/// pipe, not a terminal: no prompt, no banner).
fn shell(args: &[&str], input: &str) -> Output {
    let mut child = bitsq()
        .args(args)
        .args(["--queue", "memory:", "shell", "--no-transfer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bitsq shell starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(input.as_bytes()).expect("write the script");
    drop(stdin);
    child.wait_with_output().expect("bitsq shell ends")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The first `n` GUIDs a queue seeded with `seed` issues, from the library:
/// bitsq's `--seed` must give the same ones.
fn seeded_guids(seed: u64, n: usize) -> Vec<Guid> {
    let queue = Runtime::new().unwrap().new_queue_seeded(seed).unwrap();
    let manager = queue.manager().unwrap();
    (0..n)
        .map(|_| {
            let job = manager.create_job("", JobType::Download).unwrap();
            let id = job.id().unwrap();
            job.cancel().unwrap();
            id
        })
        .collect()
}

/// Whether `text` is a version-4 GUID in registry form:
/// `{XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX}`, upper-case hex, Y one of 8 9 A B.
fn is_registry_v4_guid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 38
        && b.iter().enumerate().all(|(i, &c)| match i {
            0 => c == b'{',
            37 => c == b'}',
            9 | 14 | 19 | 24 => c == b'-',
            15 => c == b'4',
            20 => matches!(c, b'8' | b'9' | b'A' | b'B'),
            _ => matches!(c, b'0'..=b'9' | b'A'..=b'F'),
        })
}

/// Every `{…}` of GUID length in `text`, in order.
fn braced_tokens(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices('{') {
        if let Some(token) = text.get(start..start + 38)
            && token.ends_with('}')
        {
            found.push(token);
        }
    }
    found
}

#[test]
fn the_demo_runs_and_prints_registry_form_guids_and_refusals() {
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let guids = braced_tokens(&text);
    assert!(guids.len() >= 3, "{text}");
    for g in &guids {
        assert!(is_registry_v4_guid(g), "not a registry-form v4 GUID: {g}");
    }
    let mut distinct = guids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "three jobs, three GUIDs: {text}");

    // The refusals, with their Windows names and HRESULTs.
    assert!(text.contains("refused: BG_E_EMPTY (0x80200003)"), "{text}");
    assert!(
        text.contains("refused: BG_E_INVALID_STATE (0x80200002)"),
        "{text}"
    );
    assert!(text.contains("-> BG_E_NOT_FOUND (0x80200001)"), "{text}");
    assert!(
        text.contains("the component's hresult(not-found) = 0x80200001"),
        "{text}"
    );
    assert!(text.contains("the same job"), "{text}");
    assert!(!text.contains("A DIFFERENT JOB"), "{text}");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    // `demo` is the default command.
    assert_eq!(run(&["demo"]).status.code(), Some(0));
}

#[test]
fn seed_makes_the_demo_byte_identical_and_seeds_differ() {
    let a = run(&["--seed", "5"]);
    let b = run(&["--seed", "5", "demo"]);
    let c = run(&["demo", "--seed", "6"]);
    for out in [&a, &b, &c] {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    }
    assert_eq!(a.stdout, b.stdout, "the same seed must give the same bytes");
    assert_ne!(a.stdout, c.stdout);
    // The demo's three jobs have the library's first three seeded GUIDs.
    let want: Vec<String> = seeded_guids(5, 3).iter().map(Guid::to_string).collect();
    let text = stdout(&a);
    let mut shown: Vec<&str> = braced_tokens(&text);
    shown.dedup();
    assert_eq!(&shown[..3], want.as_slice(), "{text}");
    // Without a seed, two runs differ.
    assert_ne!(run(&[]).stdout, run(&[]).stdout);
}

#[test]
fn a_shell_script_through_a_pipe_gives_exact_output() {
    let ids = seeded_guids(11, 2);
    let (g1, g2) = (ids[0].to_string(), ids[1].to_string());
    // The second job addressed in lower case without braces, as parse-guid
    // allows.
    let g2_bare = g2.trim_matches(['{', '}']).to_lowercase();
    let script = format!(
        r#"create "Nightly backup"
create --upload report
list
addfile {g1} https://example.com/a.iso /tmp/a.iso
addfile {g1} https://example.com/b.iso "C:\\data\\b.iso"
resume {g1}
info {g1}
files {g1}
setpriority {g1} high
setdisplayname {g1} "Renamed job"
setdescription {g1} 'Backs up /home'
info {g1}
cancel {g2_bare}
limits
limits 10 20
list
help resume
"#
    );
    let out = shell(&["--seed", "11"], &script);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let expected = format!(
        "{g1}
{g2}
GUID                                    STATE            FILES  NAME
{g1}  suspended            0  Nightly backup
{g2}  suspended            0  report
2 job(s)
{g1}: 1 file(s)
{g1}: 2 file(s)
{g1}: queued
guid:         {g1}
display name: Nightly backup
description:  
type:         download
state:        queued
priority:     normal
files:        0 of 2 transferred
bytes:        0 of unknown transferred
file 0:       0 of unknown bytes: https://example.com/a.iso -> /tmp/a.iso
file 1:       0 of unknown bytes: https://example.com/b.iso -> C:\\data\\b.iso
error:        none
created:      TIME
modified:     TIME
transferred:  not yet
retry:        after 600 s, no progress for 1209600 s ends it; notify flags 0x3
limits:       maximum download time 7,776,000 s, error count 0
https://example.com/a.iso -> /tmp/a.iso
https://example.com/b.iso -> C:\\data\\b.iso
2 file(s)
{g1}: priority high
{g1}: display name Renamed job
{g1}: description Backs up /home
guid:         {g1}
display name: Renamed job
description:  Backs up /home
type:         download
state:        queued
priority:     high
files:        0 of 2 transferred
bytes:        0 of unknown transferred
file 0:       0 of unknown bytes: https://example.com/a.iso -> /tmp/a.iso
file 1:       0 of unknown bytes: https://example.com/b.iso -> C:\\data\\b.iso
error:        none
created:      TIME
modified:     TIME
transferred:  not yet
retry:        after 600 s, no progress for 1209600 s ends it; notify flags 0x3
limits:       maximum download time 7,776,000 s, error count 0
{g2}: cancelled
max-jobs 300, max-files-per-job 200
max-jobs 10, max-files-per-job 20
GUID                                    STATE            FILES  NAME
{g1}  queued               2  Renamed job
1 job(s)
resume JOB
    queue a job for transfer
"
    );
    // Times come from the system's clock: each is a UTC date, then TIME.
    let printed = stdout(&out);
    let mut times = 0;
    let normalized: Vec<String> = printed
        .lines()
        .map(|line| match line.split_once(':') {
            Some((label @ ("created" | "modified"), date)) => {
                let date = date.trim_start();
                assert!(
                    date.len() == 23 && date.starts_with("20") && date.ends_with(" UTC"),
                    "{line}"
                );
                times += 1;
                format!("{label}:{}TIME", " ".repeat(13 - label.len()))
            }
            _ => line.to_string(),
        })
        .collect();
    assert_eq!(times, 4);
    assert_eq!(normalized.join("\n") + "\n", expected);
}

#[test]
fn help_lists_every_verb() {
    let out = shell(&[], "help\n");
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for verb in [
        "create",
        "list",
        "info",
        "addfile",
        "files",
        "setdisplayname",
        "setdescription",
        "setpriority",
        "resume",
        "suspend",
        "cancel",
        "complete",
        "limits",
        "help",
        "quit",
    ] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(verb)),
            "{verb} missing from help:\n{text}"
        );
    }
}

#[test]
fn refusals_go_to_stderr_with_name_and_hresult_and_the_shell_goes_on() {
    let g1 = seeded_guids(3, 1)[0].to_string();
    let long = "d".repeat(1025);
    let script = format!(
        "create first
resume {g1}
info {{00000000-0000-0000-0000-000000000000}}
info not-a-guid
addfile {g1} ftp://example.com/x /tmp/x
addfile {g1} https://example.com/x relative/path
setdescription {g1} {long}
limits 0 5
create --upload up
addfile {g1} https://example.com/a /tmp/a
cancel {g1}
cancel {g1}
list
"
    );
    let out = shell(&["--seed", "3"], &script);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "line 2: error: BG_E_EMPTY (0x80200003): the job has no file to transfer
line 3: error: BG_E_NOT_FOUND (0x80200001): no job in the queue has that GUID
line 4: error: BG_E_NOT_FOUND (0x80200001): no job in the queue has that GUID (`not-a-guid` is neither a GUID nor a job's display name)
line 5: error: E_INVALIDARG (0x80070057): the remote name must be an http://, https:// or file:// URL
line 6: error: E_INVALIDARG (0x80070057): the local name must be an absolute path (/dir/file or C:\\dir\\file)
line 7: error: BG_E_STRING_TOO_LONG (0x80200021): the description is 1,025 UTF-16 units long; at most 1,024 are allowed
line 8: error: limits: MAX_JOBS must be ≥ 1, not 0
line 12: error: BG_E_NOT_FOUND (0x80200001): no job in the queue has that GUID
"
    );
    // Every command after a refusal ran: the upload job, the file, the
    // cancel, and the list (the cancelled job gone, the upload job left).
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], g1);
    assert!(is_registry_v4_guid(lines[1]), "{text}");
    assert_eq!(lines[2], format!("{g1}: 1 file(s)"));
    assert_eq!(lines[3], format!("{g1}: cancelled"));
    assert!(lines[4].starts_with("GUID "), "{text}");
    assert!(
        lines[5].starts_with(lines[1]) && lines[5].ends_with("  up"),
        "{text}"
    );
    assert_eq!(lines[6], "1 job(s)");
    assert_eq!(lines.len(), 7, "{text}");
}

#[test]
fn bad_syntax_prints_usage_and_unknown_verbs_are_named() {
    let script = "create --bogus name
create
setpriority {6B29FC40-CA47-1067-B31D-00DD010662DA} urgent
addfile onlyone
limits 5
limits five 6
list extra
frobnicate now
\"unclosed
help nosuchverb
list
";
    let out = shell(&[], script);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "line 1: error: create: unknown option `--bogus`; a name that begins with -- goes after `--` (create -- --name)
line 2: usage: create [--download|--upload|--upload-reply] [--] NAME
line 3: error: setpriority: `urgent` is not a priority: foreground, high, normal or low
line 4: usage: addfile JOB REMOTE LOCAL
line 5: usage: limits [MAX_JOBS MAX_FILES]
line 6: error: limits: MAX_JOBS must be a whole number from 1 to 4,294,967,295, not `five`
line 7: usage: list [--allusers]
line 8: error: unknown command `frobnicate`; `help` lists the commands
line 9: error: a quote is not closed
line 10: error: unknown command `nosuchverb`; `help` lists the commands
"
    );
    // The last line still ran.
    assert_eq!(stdout(&out), "no jobs\n");
}

#[test]
fn the_shell_exits_0_at_end_of_input_and_on_quit() {
    let empty = shell(&[], "");
    assert_eq!(empty.status.code(), Some(0));
    assert_eq!(stdout(&empty), "");
    assert_eq!(stderr(&empty), "");

    let no_newline = shell(&[], "limits");
    assert_eq!(no_newline.status.code(), Some(0));
    assert_eq!(stdout(&no_newline), "max-jobs 300, max-files-per-job 200\n");

    // Nothing after `quit` runs, and blank lines and comments are skipped.
    let quit = shell(&[], "\n# a comment\nlist\nquit\nlist\ncreate never\n");
    assert_eq!(quit.status.code(), Some(0));
    assert_eq!(stdout(&quit), "no jobs\n");
    assert_eq!(stderr(&quit), "");
}

#[test]
fn a_missing_component_file_exits_3_with_a_clear_message() {
    let path = std::env::temp_dir().join("bitsq-test-no-such-component.wasm");
    let path = path.to_str().unwrap();
    for args in [
        vec!["--component", path],
        vec!["--component", path, "--queue", "memory:", "shell"],
    ] {
        let out = run(&args);
        // 3, not 2: a component that cannot be loaded is not a usage error.
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert!(err.starts_with("bitsq: cannot load the component"), "{err}");
        assert!(err.contains(path), "{err}");
    }
}

#[test]
fn help_flags_exit_0() {
    let top = run(&["--help"]);
    assert_eq!(top.status.code(), Some(0));
    let text = stdout(&top);
    for word in ["Usage", "shell", "demo", "--seed", "--component"] {
        assert!(text.contains(word), "{word} missing:\n{text}");
    }
    for sub in ["shell", "demo"] {
        let out = run(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub} --help");
        assert!(stdout(&out).contains("Usage"), "{sub} --help");
    }
    // An unknown option is a usage error, not a crash.
    let bad = run(&["--no-such-option"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--no-such-option"));
}
