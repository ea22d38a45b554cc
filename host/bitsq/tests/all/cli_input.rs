//! Issue 13, cases 9–18: input as people type it, and messages as
//! bitsadmin users expect them. (Case 11, line editing, is in
//! line_editing.rs; case 13's messages are also checked word for word by
//! cli.rs.)

use crate::common;

use common::{bitsq, guids, shell};

/// Case 9: Windows paths work unquoted, as the demo prints them.
#[test]
fn windows_paths_work_unquoted() {
    let ran = shell(
        &[],
        "create G\naddfile G https://example.com/b C:\\tmp\\b.tar\nfiles G\n",
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    assert_eq!(ran.stderr, "");
    assert!(
        ran.stdout
            .ends_with("https://example.com/b -> C:\\tmp\\b.tar\n1 file(s)\n"),
        "{}",
        ran.stdout
    );
}

/// Case 10: a UTF-8 byte-order mark is no part of the first command;
/// UTF-16 input is named as such.
#[test]
fn a_byte_order_mark_is_stripped_and_utf16_is_named() {
    let ran = shell(&[], &b"\xEF\xBB\xBFcreate x\r\nlist\r\n"[..]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    assert_eq!(ran.stderr, "");
    assert!(ran.stdout.ends_with("  x\n1 job(s)\n"), "{}", ran.stdout);

    let utf16: Vec<u8> = "\u{feff}create x\nlist\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let ran = shell(&[], utf16);
    assert_eq!(ran.code(), Some(5));
    assert!(ran.stderr.contains("the input is UTF-16"), "{}", ran.stderr);
    assert!(ran.stderr.contains("iconv"), "{}", ran.stderr);
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);

    // Without a mark, each line says what it looks like.
    let utf16: Vec<u8> = "create x\nlist\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let ran = shell(&[], utf16);
    assert_eq!(ran.code(), Some(5));
    assert!(
        ran.stderr
            .lines()
            .all(|l| l.contains("NUL bytes (is the input UTF-16?")),
        "{}",
        ran.stderr
    );
}

/// Case 12: `--` ends the options, so a name may begin with `--`;
/// `--download` is the default, written out.
#[test]
fn a_name_may_begin_with_dashes_after_a_double_dash() {
    let ran = shell(
        &[],
        "create -- --x\ncreate --download -- -- \ncreate --upload --\n\
         setdescription --x -- --help\ninfo -- --x\ncreate --bogus\nlist\n",
    );
    let errors: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(
        errors,
        [
            "line 3: usage: create [--download|--upload|--upload-reply] [--] NAME",
            "line 6: error: create: unknown option `--bogus`; a name that begins with -- goes after `--` (create -- --name)",
        ],
        "{}",
        ran.stderr
    );
    assert!(
        ran.stdout.contains("description:  --help\n"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("  --x\n"), "{}", ran.stdout);
    assert!(ran.stdout.contains("  --\n2 job(s)\n"), "{}", ran.stdout);
    let help = shell(&[], "help\n");
    assert!(
        help.stdout
            .contains("create [--download|--upload|--upload-reply] [--] NAME")
    );
}

/// Case 13: a wrong argument is named with the reason; in piped mode each
/// error starts with its line number, and one-shot errors do not.
#[test]
fn wrong_arguments_are_named_with_the_reason() {
    let ran = shell(
        &[],
        "create j\naddfile j https://h/a tmp/a\nlimits 0 5\nlimits 1 99999999999\n\
         setminretrydelay j soon\ncreate \"\n",
    );
    assert_eq!(
        ran.stderr,
        "line 2: error: E_INVALIDARG (0x80070057): the local name must be an absolute path (/dir/file or C:\\dir\\file)
line 3: error: limits: MAX_JOBS must be ≥ 1, not 0
line 4: error: limits: MAX_FILES must be a whole number from 1 to 4,294,967,295, not `99999999999`
line 5: error: setminretrydelay: SECONDS must be a whole number from 0 to 4,294,967,295, not `soon`
line 6: error: a quote is not closed
"
    );
    let out = bitsq()
        .args(["--queue", "memory:", "limits", "0", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: limits: MAX_JOBS must be ≥ 1, not 0\n"
    );
}

/// Case 14: flags out of range get a message in the flag's own terms; a
/// text file as `--component` gets one line.
#[test]
fn flags_out_of_range_get_plain_messages() {
    for (flag, words) in [
        ("--memory-limit", "from 4 to 4,096"),
        ("--max-instances", "from 1 to 1,000"),
        ("--max-argument-bytes", "from 16,384 to"),
        ("--timeout", "from 10 to"),
    ] {
        let out = bitsq().args([flag, "0"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {stderr}");
        assert!(stderr.contains(flag) && stderr.contains(words), "{stderr}");
        assert!(!stderr.contains("does not fit") && !stderr.contains("0xffff"));
    }
    let text = std::env::temp_dir().join(format!("bitsq-text-{}.wasm", std::process::id()));
    std::fs::write(&text, "this is not a component\n".repeat(1000)).unwrap();
    let out = bitsq().arg("--component").arg(&text).output().unwrap();
    let _ = std::fs::remove_file(&text);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not a WebAssembly component"), "{stderr}");
    assert!(stderr.len() < 300, "{stderr}");
}

/// Case 15: a usage error and a component that cannot be loaded end with
/// different statuses, listed in `--help`.
#[test]
fn usage_errors_and_load_failures_have_their_own_exit_codes() {
    assert_eq!(
        bitsq().arg("--bogus").output().unwrap().status.code(),
        Some(2)
    );
    let out = bitsq()
        .args(["--component", "/nonexistent/bitsq.wasm"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let help = String::from_utf8(bitsq().arg("--help").output().unwrap().stdout).unwrap();
    for line in [
        "Exit status:",
        "  2  usage: wrong flags or words, nothing ran",
        "  3  the component cannot be loaded or started",
    ] {
        assert!(help.contains(line), "{line} missing:\n{help}");
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    assert!(
        readme.contains("| 3 | the component cannot be loaded"),
        "README exit codes"
    );
}

/// Case 16: the setters print what they changed; an unknown command is
/// echoed cut short.
#[test]
fn setters_say_what_they_changed_and_long_unknown_commands_are_cut() {
    let long = "x".repeat(300);
    let ran = shell(
        &[],
        format!(
            "create j\nsetpriority j low\nsetdescription j \"kept nightly\"\n\
             setdisplayname j k\n{long}\n"
        ),
    );
    let lines: Vec<&str> = ran.stdout.lines().collect();
    let id = &lines[0];
    assert_eq!(
        &lines[1..],
        [
            format!("{id}: priority low"),
            format!("{id}: description kept nightly"),
            format!("{id}: display name k"),
        ]
    );
    assert!(
        ran.stderr
            .starts_with("line 5: error: unknown command `xxx")
    );
    assert!(ran.stderr.contains("x…`"), "{}", ran.stderr);
    assert!(ran.stderr.len() < 120, "{}", ran.stderr);
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// Case 17: `--help`, the shell's `help` and `list` fit 80 columns, and
/// `list`'s help says it lists every job.
#[test]
fn help_and_list_fit_80_columns() {
    for args in [
        &["--help"][..],
        &["shell", "--help"],
        &["transfer", "--help"],
    ] {
        let out = bitsq().args(args).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(widest(&text) <= 80, "{args:?}:\n{text}");
    }
    let name = "a long display name that goes on and on".repeat(5);
    let ran = shell(
        &[],
        format!("help\ncreate --upload-reply \"{name}\"\nlimits 1 1\nlist\n"),
    );
    assert!(widest(&ran.stdout) <= 80, "{}", ran.stdout);
    assert!(ran.stdout.contains("list your jobs, oldest first"));
    assert!(
        ran.stdout.contains("  a long display …\n"),
        "{}",
        ran.stdout
    );
}

/// Case 18: a job is named by its GUID, or by a display name exactly one
/// job has (already so on main for every verb; the fallback for a name
/// that looks like a GUID is new).
#[test]
fn a_job_is_named_by_guid_or_by_a_unique_display_name() {
    let ghost = "{00000000-0000-4000-8000-000000000001}";
    let ran = shell(
        &[],
        format!(
            "create Nightly\naddfile Nightly https://h/a /tmp/a\nresume nightly\n\
             create {ghost}\nsetdescription {ghost} named-like-a-guid\ninfo {ghost}\n\
             create Nightly\nsuspend Nightly\n"
        ),
    );
    let ids = guids(&ran.stdout);
    let nightly = &ids[0];
    assert!(ran.stdout.contains(&format!("{nightly}: 1 file(s)")));
    assert!(ran.stdout.contains("description:  named-like-a-guid"));
    let errors: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", ran.stderr);
    // Names match exactly (case too), as bitsadmin's do.
    assert!(
        errors[0].starts_with("line 3: error: BG_E_NOT_FOUND"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("2 jobs are named `Nightly`") && errors[1].contains(nightly.as_str()),
        "{}",
        errors[1]
    );
}

/// A password in a PostgreSQL queue's URL, in its user part or its query,
/// never reaches what bitsq prints when the queue cannot be opened (a
/// closed port on 127.0.0.1).
#[test]
fn a_password_in_the_queue_url_is_never_printed() {
    for url in [
        "postgres://app:s3cretPW@127.0.0.1:1/db",
        "postgres://app@127.0.0.1:1/db?password=s3cretPW&connect_timeout=5",
    ] {
        let out = bitsq().args(["--queue", url, "list"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{stderr}");
        assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
        assert!(!stderr.contains("s3cretPW"), "{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cretPW"));
    }
}
