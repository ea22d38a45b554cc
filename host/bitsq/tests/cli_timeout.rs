//! Issue 13, case 7: `--timeout` under the clock's tick is refused, and a
//! short one gives every call at least the time asked for. Before, the
//! deadline came at the next 10 ms tick, so with `--timeout 10` random
//! calls died (and the shell with them).
//!
//! A binary of its own, so no heavy test runs beside it: a call here dies
//! only if the machine stalls the process for 10 ms inside a call of a few
//! microseconds.

#[path = "all/common/mod.rs"]
mod common;

use common::{bitsq, shell};

/// Case 7: a timeout under the clock's tick is refused; a short one gives
/// every call at least the time asked for (before, the deadline came at
/// the next 10 ms tick, so random calls died).
#[test]
fn timeouts_under_the_tick_are_refused_and_short_ones_hold() {
    for flag in ["0", "9"] {
        let out = bitsq()
            .args(["--timeout", flag, "--queue", "memory:", "list"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("--timeout") && stderr.contains("from 10 to 3,600,000"),
            "{stderr}"
        );
    }
    // Thousands of short calls: on main, several of them met the next
    // tick and died (three runs of this script out of three).
    let mut script = String::from("limits 3000 1\n");
    for j in 0..3000 {
        script.push_str(&format!("create j{j}\n"));
    }
    script.push_str("list\nlist\nlist\n");
    let ran = shell(&["--timeout", "10"], script);
    ran.no_panic();
    assert_eq!(ran.stderr, "");
    assert_eq!(ran.code(), Some(0));
    assert_eq!(ran.stdout.matches("\n3000 job(s)\n").count(), 3);
}
