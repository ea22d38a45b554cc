//! The ratios of past runs, kept next to criterion's results
//! (`bits-queue-history.tsv`: run, ratio, value), so the report can say how
//! far a ratio moves from run to run. Quick mode's confidence interval comes
//! from two samples and understates that on a busy machine. Delete the file
//! to start afresh (e.g. after changing the code).

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// How many runs, this one included, the spread is taken over.
pub const RUNS: usize = 5;

fn path(dir: &Path) -> PathBuf {
    dir.join("bits-queue-history.tsv")
}

/// Appends this run's values.
pub fn record(dir: &Path, run: u64, values: &[(String, f64)]) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path(dir))?;
    for (key, value) in values {
        writeln!(file, "{run}\t{key}\t{value}")?;
    }
    Ok(())
}

/// The smallest and largest value of `key` over the last [`RUNS`] runs that
/// recorded it, and how many runs that is.
pub fn spread(dir: &Path, key: &str) -> Option<(f64, f64, usize)> {
    let text = std::fs::read_to_string(path(dir)).ok()?;
    let entries: Vec<(u64, f64)> = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let run = fields.next()?.parse().ok()?;
            (fields.next()? == key).then_some(())?;
            Some((run, fields.next()?.parse().ok()?))
        })
        .collect();
    let runs: BTreeSet<u64> = entries.iter().map(|(run, _)| *run).collect();
    let first = *runs
        .iter()
        .rev()
        .nth(runs.len().min(RUNS).checked_sub(1)?)?;
    let recent = entries
        .iter()
        .filter(|(run, _)| *run >= first)
        .map(|(_, v)| *v);
    let (lo, hi) = recent.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    Some((lo, hi, runs.len().min(RUNS)))
}
