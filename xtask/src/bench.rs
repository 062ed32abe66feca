//! `cargo xtask bench`: runs the criterion comparison and writes the report.
//!
//! Criterion leaves, per benchmark, `target/criterion/**/new/benchmark.json`
//! (its id and throughput) and `estimates.json` (the statistics). This module
//! reads the medians back and writes `docs/benchmarks.md`: one table per
//! workload, our crates beside every peer, with the ratio to the best peer.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::step::{cargo, project_root, target_dir, with_env, Step};

/// Implementations whose names start with one of these are ours; every other
/// function id in a group is a peer.
const OURS: &[&str] = &["ringbuf-core", "chan-async"];

/// Criterion settings of a `--quick` run: enough to prove every bench runs.
const QUICK_ARGS: &[&str] = &[
    "--warm-up-time",
    "0.05",
    "--measurement-time",
    "0.1",
    "--sample-size",
    "10",
];

/// The bench step: a full run writes `docs/benchmarks.md`; a quick run only
/// checks that every bench works, with a cheaper build, and writes nothing.
pub fn step(quick: bool) -> Step {
    let mut args = vec!["bench", "-p", "benches", "--"];
    let mut vars = vec![("CARGO_TARGET_DIR", target_dir("bench").into())];
    if quick {
        args.extend(QUICK_ARGS);
        vars.extend([
            ("CARGO_PROFILE_BENCH_LTO", "false".into()),
            ("CARGO_PROFILE_BENCH_CODEGEN_UNITS", "16".into()),
            ("CARGO_PROFILE_BENCH_DEBUG", "0".into()),
        ]);
    }
    let bench = with_env(cargo(&args), &vars);
    let step = Step::new("bench", "a benchmark failed").command(bench);
    if quick {
        step
    } else {
        step.call(write_report)
    }
}

/// One benchmark's result: `group/function`, nanoseconds per element.
struct Measurement {
    group: String,
    function: String,
    ns_per_element: f64,
}

fn write_report() -> Result<(), String> {
    let criterion = target_dir("bench").join("criterion");
    let mut measurements = Vec::new();
    collect(&criterion, &mut measurements)?;
    if measurements.is_empty() {
        return Err(format!(
            "no criterion results under {}",
            criterion.display()
        ));
    }
    measurements.sort_by(|a, b| (&a.group, &a.function).cmp(&(&b.group, &b.function)));
    let report = render(&measurements);
    let path = project_root().join("docs/benchmarks.md");
    fs::write(&path, report).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!("    wrote {}", path.display());
    Ok(())
}

fn collect(dir: &Path, out: &mut Vec<Measurement>) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "new") {
            if let Some(m) = read_measurement(&path) {
                out.push(m);
            }
        } else if path.is_dir() && path.file_name().is_some_and(|n| n != "report") {
            collect(&path, out)?;
        }
    }
    Ok(())
}

fn read_measurement(dir: &Path) -> Option<Measurement> {
    let benchmark = fs::read_to_string(dir.join("benchmark.json")).ok()?;
    let estimates = fs::read_to_string(dir.join("estimates.json")).ok()?;
    let group = json_string(&benchmark, "group_id")?;
    let function = json_string(&benchmark, "function_id")?;
    let elements = json_number(&benchmark, "Elements").unwrap_or(1.0);
    let median_ns = json_number(
        &estimates[estimates.find("\"median\"")?..],
        "point_estimate",
    )?;
    Some(Measurement {
        group,
        function,
        ns_per_element: median_ns / elements,
    })
}

/// The string value of the first `"key": "value"` in `json`.
fn json_string(json: &str, key: &str) -> Option<String> {
    let rest = &json[json.find(&format!("\"{key}\""))? + key.len() + 2..];
    let rest = &rest[rest.find('"')? + 1..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The numeric value of the first `"key": number` in `json`.
fn json_number(json: &str, key: &str) -> Option<f64> {
    let rest = &json[json.find(&format!("\"{key}\""))? + key.len() + 2..];
    let rest = rest.trim_start_matches([':', ' ']);
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn is_ours(function: &str) -> bool {
    OURS.iter().any(|ours| function.starts_with(ours))
}

fn render(measurements: &[Measurement]) -> String {
    let mut out = String::new();
    out.push_str("# Benchmarks\n\n");
    out.push_str(
        "Median time per message from criterion, every implementation measured \
         side by side in one run. `ratio` is ours divided by the fastest peer in \
         the same workload (below 1.0: we are faster).\n\n",
    );
    let _ = writeln!(out, "Reproduce with `cargo xtask bench`.\n");
    let _ = writeln!(out, "Machine: {}\n", machine());
    let mut groups: Vec<&str> = measurements.iter().map(|m| m.group.as_str()).collect();
    groups.dedup();
    for group in groups {
        let rows: Vec<&Measurement> = measurements.iter().filter(|m| m.group == group).collect();
        let best_peer = rows
            .iter()
            .filter(|m| !is_ours(&m.function))
            .map(|m| m.ns_per_element)
            .fold(f64::INFINITY, f64::min);
        let _ = writeln!(out, "## {group}\n");
        out.push_str("| implementation | ns/msg | Mmsg/s | ratio to best peer |\n");
        out.push_str("|---|---:|---:|---:|\n");
        for m in rows {
            let name = if is_ours(&m.function) {
                format!("**{}**", m.function)
            } else {
                m.function.clone()
            };
            let ratio = if best_peer.is_finite() {
                format!("{:.2}", m.ns_per_element / best_peer)
            } else {
                "–".to_string()
            };
            let _ = writeln!(
                out,
                "| {name} | {:.1} | {:.1} | {ratio} |",
                m.ns_per_element,
                1e3 / m.ns_per_element
            );
        }
        out.push('\n');
    }
    out
}

/// Cores, CPU model, rustc version and date of this run.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let rustc = output(Command::new("rustc").arg("-V")).unwrap_or_default();
    let date = output(Command::new("date").arg("-u").arg("+%Y-%m-%d")).unwrap_or_default();
    format!("{cores} cores, {cpu}; {rustc}; {date}")
}

fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
