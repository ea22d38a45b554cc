//! Issue 13: the shell fed 10,000 seeded random lines — random verbs,
//! arguments, bytes and lengths — never panics, never hangs, and still
//! lists at the end every job made before them. On the main branch before
//! the fix, the first line that was not UTF-8 dropped the rest of the
//! input, and a sandbox failure ended the shell.

use crate::common;

use common::{guids, shell};

/// A small seeded generator (SplitMix64): the same lines on every run and
/// machine, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Every verb but `quit` (which would end the input early) and `monitor`
/// with a long limit (which would wait), and some that do not exist.
const VERBS: &[&str] = &[
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
    "geterror",
    "gettimes",
    "setminretrydelay",
    "setnoprogresstimeout",
    "setnotifyflags",
    "limits",
    "help",
    "CREATE",
    "frobnicate",
    "",
    "#",
];

/// Words that mean something to some verb.
const WORDS: &[&str] = &[
    "--",
    "--upload",
    "--upload-reply",
    "--download",
    "--help",
    "-h",
    "high",
    "foreground",
    "0",
    "5",
    "4294967295",
    "4294967296",
    "-1",
    "0x8",
    "0xF",
    "https://example.com/a",
    "file:///tmp/x",
    "ftp://x",
    "/tmp/f",
    r"C:\tmp\f",
    "relative",
    "{00000000-0000-0000-0000-000000000000}",
    "6B29FC40-CA47-4067-B31D-00DD010662DA",
    "\"quoted words\"",
    "'single'",
    "\"unclosed",
    "\\",
    "*",
    "monitor",
];

/// A random word: a known one, one of the lines' own GUIDs, random text,
/// random bytes (of any kind, invalid UTF-8 and controls included), or a
/// long run.
fn word(rng: &mut Rng, ids: &[String]) -> Vec<u8> {
    match rng.below(8) {
        0..=2 => rng.pick(WORDS).as_bytes().to_vec(),
        3 if !ids.is_empty() => ids[rng.below(ids.len())].as_bytes().to_vec(),
        4 => (0..rng.below(12))
            .map(|_| b"abcxyz-_.{}\\\"' "[rng.below(15)])
            .collect(),
        5 => (0..rng.below(16)).map(|_| rng.next() as u8).collect(),
        6 => "€é😀x"
            .chars()
            .cycle()
            .skip(rng.below(4))
            .take(rng.below(300))
            .collect::<String>()
            .into_bytes(),
        _ => vec![b"ab\\"[rng.below(3)]; rng.below(3000)],
    }
}

/// One random line (without its line break).
fn line(rng: &mut Rng, ids: &[String]) -> Vec<u8> {
    match rng.below(50) {
        // A line far over the limit, now and then.
        0 => vec![b'z'; 70_000 + rng.below(10_000)],
        1 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
        2 => b"monitor 0".to_vec(),
        _ => {
            let mut line = rng.pick(VERBS).as_bytes().to_vec();
            for _ in 0..rng.below(5) {
                line.push(b' ');
                line.extend(word(rng, ids));
            }
            line
        }
    }
}

#[test]
fn ten_thousand_random_lines_never_kill_the_shell_or_lose_a_job() {
    // The jobs made first, with files, and their GUIDs (seeded: a first
    // run gives them).
    let mut script = Vec::new();
    for k in 0..5 {
        script.extend(format!("create keeper-{k}\n").into_bytes());
    }
    let first = shell(&["--seed", "1313"], script.clone());
    assert_eq!(first.code(), Some(0), "{}", first.stderr);
    let keepers = guids(&first.stdout);
    assert_eq!(keepers.len(), 5);
    for id in &keepers {
        script.extend(format!("addfile {id} https://example.com/k /tmp/k\n").into_bytes());
    }

    let mut rng = Rng(0x1313_2026);
    // GUIDs of jobs the random lines may make, and more that name no job:
    // random lines may cancel their own jobs, never the keepers.
    let strangers: Vec<String> = (0..20)
        .map(|i| format!("{{{:08X}-0000-4000-8000-{:012X}}}", i, rng.next() >> 16))
        .collect();
    let mut quit_like = 0;
    for _ in 0..10_000 {
        let mut line = line(&mut rng, &strangers);
        // Never end the input early, and never touch a keeper by name.
        let text = String::from_utf8_lossy(&line);
        if text.trim().eq_ignore_ascii_case("quit") || text.contains("keeper") {
            quit_like += 1;
            line = b"list".to_vec();
        }
        line.retain(|&b| b != b'\n');
        script.extend(line);
        script.push(b'\n');
    }
    assert!(quit_like < 10, "the generator makes quit too often");
    script.extend(b"list\n");

    let ran = shell(&["--seed", "1313"], script);
    ran.no_panic();
    // Input that is not UTF-8, or too long, is reported and skipped (5);
    // nothing in the sandbox failed (1 would say so).
    assert_eq!(ran.code(), Some(5), "{}", tail(&ran.stderr));
    assert!(
        ran.stderr.contains("is not valid UTF-8"),
        "{}",
        tail(&ran.stderr)
    );
    assert!(ran.stderr.contains("longer than 65,536 bytes"));
    assert!(!ran.stderr.contains("the shell cannot go on"));
    // The last list still shows every keeper, with its file.
    let last_list = ran
        .stdout
        .rsplit_once("GUID ")
        .map(|(_, list)| list)
        .expect("a list at the end");
    for (k, id) in keepers.iter().enumerate() {
        assert!(
            last_list
                .lines()
                .any(|l| l.starts_with(id.as_str()) && l.ends_with(&format!("  keeper-{k}"))),
            "keeper-{k} {id} is gone:\n{last_list}"
        );
    }
}

fn tail(text: &str) -> &str {
    &text[text.len().saturating_sub(3000)..]
}
