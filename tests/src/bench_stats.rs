//! What the benches that print their own tables compute from their
//! rounds: the wall time of a run, the median and the min–max of a
//! side's figures.

use std::process::Command;
use std::time::Instant;

/// Wall seconds of one run of `command`, which must succeed.
pub fn timed(command: &mut Command) -> f64 {
    let started = Instant::now();
    let status = command.status().expect("the command runs");
    let wall = started.elapsed().as_secs_f64();
    assert!(status.success(), "{command:?}: {status}");
    wall
}

/// The median of `values` (the upper one of an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The least and the greatest of `values`.
pub fn range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
}
