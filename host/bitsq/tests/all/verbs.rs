//! Issue 18 part 4: every verb is found from `bitsq --help`, `bitsq help
//! VERB` explains one without opening a queue, and the global options
//! work before or after a verb, on a real SQLite queue file.

use std::process::{Command, Output};

fn bitsq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(args)
        .env_remove("BITSQ_QUEUE")
        .output()
        .expect("bitsq runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// A queue path no store can be opened at: a command that opens one fails
/// (exit 4), so one that succeeds with it opened none.
const NO_QUEUE: &str = "/nonexistent/bitsq-no-queue/queue.sqlite3";

/// bitsadmin's verbs bitsq has: the table must hold at least these.
const BITSADMIN_VERBS: &[&str] = &[
    "create",
    "addfile",
    "resume",
    "suspend",
    "list",
    "info",
    "files",
    "complete",
    "cancel",
    "geterror",
    "gettimes",
    "setpriority",
    "setdescription",
    "setdisplayname",
    "setnotifyflags",
    "monitor",
    "getowner",
    "takeownership",
    "getstate",
    "gettype",
    "getpriority",
    "getbytestotal",
    "getbytestransferred",
    "getfilestotal",
    "getfilestransferred",
    "getdisplayname",
    "getdescription",
    "getnotifyflags",
    "getminretrydelay",
    "getnoprogresstimeout",
    "reset",
];

/// The verbs the verb table holds, read from `bitsq help` (which prints
/// every entry: its usage line, then what it does).
pub(crate) fn table_verbs() -> Vec<String> {
    let out = bitsq(&["--queue", NO_QUEUE, "help"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter(|usage| !usage.starts_with(' '))
        .map(|usage| usage.split(' ').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn help_names_every_verb_of_the_table() {
    let table = table_verbs();
    for verb in BITSADMIN_VERBS {
        assert!(table.iter().any(|v| v == verb), "{verb} not in {table:?}");
    }
    let out = bitsq(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    let named: Vec<&str> = help
        .split(|c: char| c.is_whitespace() || c == ',')
        .collect();
    for verb in &table {
        assert!(named.contains(&verb.as_str()), "{verb} missing:\n{help}");
    }
    assert!(help.contains("bitsq help VERB"), "{help}");
}

#[test]
fn help_verb_explains_one_without_a_queue() {
    for args in [
        &["--queue", NO_QUEUE, "help", "addfile"][..],
        &["--queue", NO_QUEUE, "addfile", "--help"],
        &["--queue", NO_QUEUE, "HELP", "AddFile"],
    ] {
        let out = bitsq(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
        let text = stdout(&out);
        assert!(
            text.starts_with("addfile JOB REMOTE LOCAL\n    add a file: "),
            "{args:?}: {text}"
        );
    }
    // The path above really opens no queue.
    assert_eq!(bitsq(&["--queue", NO_QUEUE, "list"]).status.code(), Some(4));
    // The limits in a verb's help are the contract's.
    let out = bitsq(&["help", "setdescription"]);
    assert!(stdout(&out).contains("at most 1,024 UTF-16 units"));
    // clap's own subcommands are explained as `bitsq shell --help` is.
    let out = bitsq(&["help", "shell"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("--no-transfer"), "{}", stdout(&out));
}

#[test]
fn help_for_an_unknown_verb_names_it_and_exits_2() {
    let out = bitsq(&["--queue", NO_QUEUE, "help", "nosuchverb"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: unknown command `nosuchverb`; `help` lists the commands\n"
    );
    // An unknown verb alone, too, before any queue is opened.
    let out = bitsq(&["--queue", NO_QUEUE, "nosuchverb"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`nosuchverb`"), "{}", stderr(&out));
}

#[test]
fn global_options_work_before_or_after_the_verb() {
    let dir = bits_queue_tests::scratch_dir("bitsq-globals");
    let queue = dir.join("queue.sqlite3");
    let queue = queue.to_str().unwrap();
    // Options after the verb: the queue, the seed, a sandbox flag, in
    // either form.
    let first = bitsq(&["create", "--queue", queue, "--seed", "7", "first"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = bitsq(&[
        "create",
        "--upload",
        &format!("--queue={queue}"),
        "--memory-limit",
        "64",
        "second",
    ]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    // `--` ends the options: a word after it is the job's name.
    let named = bitsq(&["--queue", queue, "create", "--", "--seed"]);
    assert_eq!(named.status.code(), Some(0), "{}", stderr(&named));

    let after = bitsq(&["list", "--queue", queue]);
    let before = bitsq(&["--queue", queue, "list"]);
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert_eq!(stdout(&after), stdout(&before));
    assert_eq!(stderr(&after), "");
    let listed = stdout(&after);
    for line in [stdout(&first), stdout(&second), stdout(&named)] {
        assert!(listed.contains(line.trim()), "{line} missing:\n{listed}");
    }
    assert!(listed.contains("  first\n") && listed.contains("  --seed\n"));
    assert!(listed.ends_with("3 job(s)\n"), "{listed}");

    // A global option after the verb is checked as before it.
    let bad = bitsq(&["list", "--queue", queue, "--memory-limit", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--memory-limit"), "{}", stderr(&bad));
    // And one left without its value is named.
    let bare = bitsq(&["list", "--queue"]);
    assert_eq!(bare.status.code(), Some(2));
    assert!(stderr(&bare).contains("--queue"), "{}", stderr(&bare));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Issue 19: bitsadmin's reply verbs on a stored queue: the generated reply
/// name, setting it, and refusals with their HRESULTs (E_NOTIMPL on an
/// upload job, BG_E_INVALID_STATE for reply data before `transferred`).
#[test]
fn reply_verbs_of_an_upload_reply_job() {
    let dir = std::env::temp_dir().join(format!("bitsq-reply-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let queue = dir.join("q.sqlite3");
    let queue = queue.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--queue", queue];
        all.extend_from_slice(args);
        bitsq(&all)
    };
    // The GUID `create` prints.
    let create = |kind: &str| {
        let created = run(&["create", kind, "job"]);
        assert!(created.status.success(), "{}", stderr(&created));
        stdout(&created)
            .split_whitespace()
            .find(|w| w.starts_with('{'))
            .unwrap()
            .trim_end_matches(':')
            .to_owned()
    };
    let id = create("--upload-reply");
    let none = run(&["getreplyfilename", &id]);
    assert!(
        stdout(&none).contains("no reply file yet"),
        "{}",
        stdout(&none)
    );
    assert!(
        run(&["addfile", &id, "https://example.com/u", "/data/in/u.bin"])
            .status
            .success()
    );
    let generated = run(&["getreplyfilename", &id]);
    assert!(
        stdout(&generated).contains(&format!("/data/in/{id}.reply")),
        "{}",
        stdout(&generated)
    );
    let set = run(&["setreplyfilename", &id, "/data/out/r.txt"]);
    assert!(
        stdout(&set).contains("reply file /data/out/r.txt"),
        "{}",
        stdout(&set)
    );
    let refused = run(&["setreplyfilename", &id, "relative"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("0x80070057"),
        "{}",
        stderr(&refused)
    );
    let early = run(&["getreplydata", &id]);
    assert!(!early.status.success());
    assert!(
        stderr(&early).contains("BG_E_INVALID_STATE"),
        "{}",
        stderr(&early)
    );
    let upload_id = create("--upload");
    let not_impl = run(&["getreplyfilename", &upload_id]);
    assert!(!not_impl.status.success());
    assert!(
        stderr(&not_impl).contains("E_NOTIMPL (0x80004001)"),
        "{}",
        stderr(&not_impl)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Issue 20: bitsadmin's single-value getters print `GUID: name value`,
/// and with `--raw` (bitsadmin's `/RawReturn`) the value alone; `reset`
/// cancels every job, asking nothing when its input is no terminal.
#[test]
fn single_value_getters_and_reset() {
    let dir = std::env::temp_dir().join(format!("bitsq-getters-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let queue = dir.join("q.sqlite3");
    let queue = queue.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--queue", queue];
        all.extend_from_slice(args);
        let out = bitsq(&all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let created = run(&["create", "nightly"]);
    let id = created
        .split_whitespace()
        .find(|w| w.starts_with('{'))
        .unwrap()
        .trim_end_matches(':')
        .to_owned();
    run(&["addfile", &id, "https://example.com/a", "/data/a.bin"]);
    run(&["setdescription", &id, "the nightly build"]);
    run(&["setpriority", &id, "high"]);
    run(&["setminretrydelay", &id, "90"]);
    run(&["setnoprogresstimeout", &id, "700"]);
    run(&["setnotifyflags", &id, "1"]);
    let expected = [
        ("getstate", "state", "suspended"),
        ("gettype", "type", "download"),
        ("getpriority", "priority", "high"),
        ("getbytestotal", "bytes total", "unknown"),
        ("getbytestransferred", "bytes transferred", "0"),
        ("getfilestotal", "files total", "1"),
        ("getfilestransferred", "files transferred", "0"),
        ("getdisplayname", "display name", "nightly"),
        ("getdescription", "description", "the nightly build"),
        ("getnotifyflags", "notify flags", "0x1"),
        ("getminretrydelay", "minimum retry delay", "90"),
        ("getnoprogresstimeout", "no-progress timeout", "700"),
    ];
    for (verb, label, value) in expected {
        assert_eq!(
            run(&[verb, &id]),
            format!("{id}: {label} {value}\n"),
            "{verb}"
        );
        assert_eq!(
            run(&[verb, "--raw", &id]),
            format!("{value}\n"),
            "{verb} --raw"
        );
    }
    let second = run(&["create", "second"]);
    assert!(second.contains('{'), "{second}");
    // Not a terminal: no question; both jobs cancelled.
    let reset = run(&["reset"]);
    assert_eq!(reset.matches(": cancelled").count(), 2, "{reset}");
    assert!(run(&["list"]).contains("no jobs"));
    assert_eq!(run(&["reset"]), "no job to cancel\n");
    let extra = bitsq(&["--queue", queue, "reset", "now"]);
    assert_eq!(extra.status.code(), Some(2), "{}", stderr(&extra));
    let _ = std::fs::remove_dir_all(&dir);
}
