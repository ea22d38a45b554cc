//! The report: every figure this run measured and the ratios between them,
//! as Markdown (printed, and written next to criterion's results as
//! `bits-queue-report.md`), read from criterion's `estimates.json` files so
//! that BENCHMARKS.md is copied from a program's output, not by hand.
//!
//! Only results written by this run count (a file older than the run is
//! ignored), so every ratio compares two figures from one run.

use std::fmt::Write as _;
use std::path::Path;
use std::time::SystemTime;

use bits_queue_host::EMBEDDED_COMPONENT;
use serde_json::Value;

use crate::history;
use crate::paired::Paired;

/// A median per iteration with its confidence interval, in nanoseconds.
#[derive(Clone, Copy)]
struct Estimate {
    median: f64,
    low: f64,
    high: f64,
}

/// Reads `<dir>/<id>/new/estimates.json` if this run wrote it.
fn estimate(dir: &Path, id: &str, since: SystemTime) -> Option<Estimate> {
    let path = dir.join(id).join("new/estimates.json");
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|written| written >= since);
    if !fresh {
        return None;
    }
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
    let median = &json["median"];
    let interval = &median["confidence_interval"];
    Some(Estimate {
        median: median["point_estimate"].as_f64()?,
        low: interval["lower_bound"].as_f64()?,
        high: interval["upper_bound"].as_f64()?,
    })
}

fn duration(ns: f64) -> String {
    match ns {
        ns if ns >= 1e6 => format!("{:.2} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.2} µs", ns / 1e3),
        ns => format!("{ns:.1} ns"),
    }
}

/// Every benchmark of the `component` target, in report order.
const FIGURES: &[&str] = &[
    "load/compile",
    "load/serialize",
    "load/deserialize",
    "load/runtime_from_bytes",
    "load/runtime_from_precompiled",
    "instantiate/default",
    "instantiate/default_seeded",
    "instantiate/default_with_drop",
    "instantiate/pooling",
    "instantiate/pooling_seeded",
    "instantiate/pooling_with_drop",
    "instantiate/wasmtime_floor",
    "instantiate/wasmtime_floor_with_drop",
    "instantiate/wasmtime_floor_looked_up",
    "instantiate/wasmtime_floor_typed",
    "instantiate/wasmtime_floor_sandboxed",
    "call/wasmtime_floor",
    "call/wasmtime_floor_get_id",
    "call/no_op",
    "call/get_id",
    "call/get_job_hit",
    "call/get_job_miss",
    "call/create_drop",
    "call/enum_jobs_10",
    "call/enum_jobs_300",
    "call/job_life",
    "growth/get_job_10",
    "growth/get_job_1000",
    "growth/get_job_100000",
    "growth/create_cancel_10",
    "growth/create_cancel_1000",
    "growth/create_cancel_100000",
];

/// The ratios the project tracks: (what, numerator, denominator, target).
const RATIOS: &[(&str, &str, &str, Option<f64>)] = &[
    (
        "get-id / no-op call",
        "call/get_id",
        "call/no_op",
        Some(1.5),
    ),
    (
        "wasmtime's floor: get-id / no-op call",
        "call/wasmtime_floor_get_id",
        "call/wasmtime_floor",
        None,
    ),
    (
        "no-op call / wasmtime's floor no-op call",
        "call/no_op",
        "call/wasmtime_floor",
        None,
    ),
    (
        "get-id / wasmtime's floor get-id",
        "call/get_id",
        "call/wasmtime_floor_get_id",
        None,
    ),
    (
        "get-job at 100,000 / at 10 jobs",
        "growth/get_job_100000",
        "growth/get_job_10",
        Some(1.2),
    ),
    (
        "get-job at 1,000 / at 10 jobs",
        "growth/get_job_1000",
        "growth/get_job_10",
        None,
    ),
    (
        "create+cancel at 100,000 / at 10 jobs",
        "growth/create_cancel_100000",
        "growth/create_cancel_10",
        None,
    ),
    (
        "pooling / default instantiation",
        "instantiate/pooling",
        "instantiate/default",
        None,
    ),
    (
        "wasmtime's floor: instantiation through bindgen! (exports typed per instance) / bare",
        "instantiate/wasmtime_floor_typed",
        "instantiate/wasmtime_floor",
        None,
    ),
    (
        "wasmtime's floor: instantiation with exports looked up (unchecked) / bare",
        "instantiate/wasmtime_floor_looked_up",
        "instantiate/wasmtime_floor",
        None,
    ),
    (
        "pooling / wasmtime's floor instantiation through bindgen!",
        "instantiate/pooling",
        "instantiate/wasmtime_floor_typed",
        None,
    ),
    (
        "pooling / wasmtime's bare floor instantiation",
        "instantiate/pooling",
        "instantiate/wasmtime_floor",
        None,
    ),
    (
        "wasmtime's floor: sandboxed (limiter, hostcall fuel, epoch deadline) / bare instantiation",
        "instantiate/wasmtime_floor_sandboxed",
        "instantiate/wasmtime_floor",
        None,
    ),
    (
        "pooling / wasmtime's sandboxed floor instantiation",
        "instantiate/pooling",
        "instantiate/wasmtime_floor_sandboxed",
        None,
    ),
    (
        "pooling / default instance life (with drop)",
        "instantiate/pooling_with_drop",
        "instantiate/default_with_drop",
        None,
    ),
    (
        "load from precompiled / from bytes",
        "load/runtime_from_precompiled",
        "load/runtime_from_bytes",
        None,
    ),
];

/// The operations measured both in the component and natively:
/// (component id, native id).
const WASM_NATIVE: &[(&str, &str)] = &[
    ("call/no_op", "native/no_op"),
    ("call/get_id", "native/get_id"),
    ("call/get_job_hit", "native/get_job_hit"),
    ("call/get_job_miss", "native/get_job_miss"),
    ("call/create_drop", "native/create_drop"),
    ("call/enum_jobs_10", "native/enum_jobs_10"),
    ("call/enum_jobs_300", "native/enum_jobs_300"),
    ("call/job_life", "native/job_life"),
    ("growth/get_job_10", "native_growth/get_job_10"),
    ("growth/get_job_1000", "native_growth/get_job_1000"),
    ("growth/get_job_100000", "native_growth/get_job_100000"),
    ("growth/create_cancel_10", "native_growth/create_cancel_10"),
    (
        "growth/create_cancel_1000",
        "native_growth/create_cancel_1000",
    ),
    (
        "growth/create_cancel_100000",
        "native_growth/create_cancel_100000",
    ),
];

/// Instantiation target: pooling with pre-instantiation, per instance.
const INSTANTIATE_TARGET_NS: f64 = 10_000.0;
/// The history's key for the instantiation figure.
const POOLING_KEY: &str = "instantiate/pooling ns";
/// Component size target: the budget for the whole contract.
const SIZE_TARGET_BYTES: usize = bits_queue_host::COMPONENT_SIZE_BUDGET;

/// The history's key for a paired ratio.
fn paired_key(p: &Paired) -> String {
    format!("paired: {}", p.what)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// A ratio's target column: empty without a target.
fn target_cell(ratio: f64, target: Option<f64>) -> String {
    target.map_or(String::new(), |t| format!("≤ {t}: {}", verdict(ratio <= t)))
}

/// "1 run", "3 runs".
fn runs_text(n: usize) -> String {
    format!("{n} run{}", if n == 1 { "" } else { "s" })
}

/// A section heading, a table's header and its alignment row.
fn table(out: &mut String, title: &str, header: &str, rule: &str) {
    let _ = writeln!(out, "\n## {title}\n\n{header}\n{rule}");
}

/// One ratio of this run: what, its value, its interval, its target.
type Row = (String, f64, (f64, f64), Option<f64>);

/// `num / den` with the widest range the two intervals allow.
fn ratio(num: Estimate, den: Estimate) -> (f64, f64, f64) {
    (
        num.median / den.median,
        num.low / den.high,
        num.high / den.low,
    )
}

pub fn report(dir: &Path, since: SystemTime, paired: &[Paired]) {
    let get = |id: &str| estimate(dir, id, since);
    let mut out = String::new();

    table(
        &mut out,
        "Figures (median per iteration, 95% confidence interval)",
        "| benchmark | median | interval | native median | interval |",
        "|---|---:|---:|---:|---:|",
    );
    for id in FIGURES {
        let Some(e) = get(id) else { continue };
        let native = WASM_NATIVE
            .iter()
            .find(|(wasm, _)| wasm == id)
            .and_then(|(_, native)| get(native));
        let (nm, ni) = native.map_or((String::new(), String::new()), |n| {
            (
                duration(n.median),
                format!("{} – {}", duration(n.low), duration(n.high)),
            )
        });
        let _ = writeln!(
            out,
            "| `{id}` | {} | {} – {} | {nm} | {ni} |",
            duration(e.median),
            duration(e.low),
            duration(e.high)
        );
    }

    // Recorded in the history, then printed with the spread over recent runs.
    let mut rows: Vec<Row> = Vec::new();
    for (what, num, den, target) in RATIOS {
        if let (Some(n), Some(d)) = (get(num), get(den)) {
            let (r, lo, hi) = ratio(n, d);
            rows.push((what.to_string(), r, (lo, hi), *target));
        }
    }
    for (wasm, native) in WASM_NATIVE {
        if let (Some(w), Some(n)) = (get(wasm), get(native)) {
            let (r, lo, hi) = ratio(w, n);
            rows.push((format!("wasm / native `{wasm}`"), r, (lo, hi), None));
        }
    }
    let pooling = get("instantiate/pooling");
    let run = since
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut values: Vec<(String, f64)> = rows.iter().map(|(k, v, ..)| (k.clone(), *v)).collect();
    values.extend(pooling.map(|e| (POOLING_KEY.to_string(), e.median)));
    values.extend(paired.iter().map(|p| (paired_key(p), p.median)));
    if let Err(e) = history::record(dir, run, &values) {
        eprintln!("could not record this run's ratios: {e}");
    }
    let spread = |key: &str| {
        history::spread(dir, key).map_or(String::new(), |(lo, hi, runs)| {
            format!("{lo:.2}–{hi:.2}× ({})", runs_text(runs))
        })
    };

    table(
        &mut out,
        "Ratios (both figures from this run)",
        "| ratio | this run | its interval | last runs, min–max | target |",
        "|---|---:|---:|---:|---|",
    );
    for (what, r, (lo, hi), target) in &rows {
        let _ = writeln!(
            out,
            "| {what} | {r:.2}× | {lo:.2}–{hi:.2}× | {} | {} |",
            spread(what),
            target_cell(*r, *target)
        );
    }

    if !paired.is_empty() {
        table(
            &mut out,
            "Target ratios, paired (alternating rounds, median of the rounds' ratios)",
            "| ratio | median | rounds, min–max | last runs' medians, min–max | target |",
            "|---|---:|---:|---:|---|",
        );
        for p in paired {
            let _ = writeln!(
                out,
                "| {} | {:.2}× | {:.2}–{:.2}× ({} rounds) | {} | {} |",
                p.what,
                p.median,
                p.low,
                p.high,
                p.rounds,
                spread(&paired_key(p)),
                target_cell(p.median, p.target)
            );
        }
    }

    let _ = writeln!(out, "\n## Absolute targets\n");
    if let Some(e) = pooling {
        let runs = history::spread(dir, POOLING_KEY).map_or(String::new(), |(lo, hi, n)| {
            format!("; last {} {}–{}", runs_text(n), duration(lo), duration(hi))
        });
        let _ = writeln!(
            out,
            "- instantiation with pooling and pre-instantiation: {} (target ≤ 10 µs: {}{runs})",
            duration(e.median),
            verdict(e.median <= INSTANTIATE_TARGET_NS)
        );
    }
    let size = EMBEDDED_COMPONENT.len();
    let _ = writeln!(
        out,
        "- component size: {size} bytes (target ≤ {SIZE_TARGET_BYTES}: {})",
        verdict(size <= SIZE_TARGET_BYTES)
    );

    print!("{out}");
    let path = dir.join("bits-queue-report.md");
    // A run that timed only the paired ratios made no criterion directory.
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &out)) {
        eprintln!("could not write {}: {e}", path.display());
    }
}
