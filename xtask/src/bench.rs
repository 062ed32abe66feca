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
const OURS: &[&str] = &["ringbuf-core", "ringbuf_core", "chan-async"];

/// Criterion settings of a `--quick` run: enough to prove every bench runs.
const QUICK_ARGS: &[&str] = &[
    "--warm-up-time",
    "0.05",
    "--measurement-time",
    "0.1",
    "--sample-size",
    "10",
];

/// Rewrites `docs/benchmarks.md` and `.svg` from the last run's results,
/// without running anything (`cargo xtask bench --report`).
pub fn report_only() -> Step {
    Step::new("report", "could not write the report").call(write_report)
}

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
    let path = project_root().join("docs/benchmarks.svg");
    fs::write(&path, crate::chart::svg(&tables(&measurements)))
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
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
    // A benchmark named by parameter only has a null function id.
    let function = if benchmark.contains("\"function_id\":null") {
        json_string(&benchmark, "value_str")?
    } else {
        json_string(&benchmark, "function_id")?
    };
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

/// One workload's table: per implementation, wall and (when measured) CPU
/// nanoseconds per message.
pub struct Table {
    pub workload: String,
    pub rows: Vec<Row>,
}

pub struct Row {
    pub name: String,
    pub wall: f64,
    pub cpu: Option<f64>,
}

impl Row {
    pub fn is_ours(&self) -> bool {
        is_ours(&self.name)
    }
}

/// Groups `kind`-suffixed criterion groups (`chan/spsc_1/wall`,
/// `chan/spsc_1/cpu`) into one table per workload.
fn tables(measurements: &[Measurement]) -> Vec<Table> {
    let mut tables: Vec<Table> = Vec::new();
    for m in measurements {
        let (workload, kind) = match m.group.rsplit_once('/') {
            Some((workload, kind @ ("wall" | "cpu"))) => (workload, kind),
            _ => (m.group.as_str(), "wall"),
        };
        let table = match tables.iter_mut().position(|t| t.workload == workload) {
            Some(i) => &mut tables[i],
            None => {
                tables.push(Table {
                    workload: workload.to_string(),
                    rows: Vec::new(),
                });
                tables.last_mut().expect("just pushed")
            }
        };
        let row = match table.rows.iter_mut().position(|r| r.name == m.function) {
            Some(i) => &mut table.rows[i],
            None => {
                table.rows.push(Row {
                    name: m.function.clone(),
                    wall: f64::NAN,
                    cpu: None,
                });
                table.rows.last_mut().expect("just pushed")
            }
        };
        if kind == "cpu" {
            row.cpu = Some(m.ns_per_element);
        } else {
            row.wall = m.ns_per_element;
        }
    }
    for table in &mut tables {
        table.rows.sort_by(|a, b| {
            (!a.is_ours(), a.wall)
                .partial_cmp(&(!b.is_ours(), b.wall))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    tables
}

/// The fastest peer's value of `metric` in `table`.
fn best_peer(table: &Table, metric: impl Fn(&Row) -> Option<f64>) -> Option<f64> {
    table
        .rows
        .iter()
        .filter(|r| !r.is_ours())
        .filter_map(metric)
        .filter(|v| v.is_finite())
        .min_by(f64::total_cmp)
}

fn render(measurements: &[Measurement]) -> String {
    let tables = tables(measurements);
    let mut out = String::new();
    out.push_str("# Benchmarks\n\n");
    out.push_str(
        "Median time per message from criterion, every implementation measured \
         side by side in one run of one process. `wall` is elapsed time per \
         message; `cpu` is the process's CPU time (user + system) per message, \
         which shows spinning and yield loops. `ratio` is the value divided by \
         the fastest peer's in the same workload (below 1.0: faster than every \
         peer). Ours are in bold.\n\n",
    );
    let _ = writeln!(out, "Reproduce with `cargo xtask bench`.\n");
    let _ = writeln!(out, "Machine: {}\n", machine());
    out.push_str("![chart](benchmarks.svg)\n\n");
    for table in &tables {
        let best_wall = best_peer(table, |r| Some(r.wall));
        let best_cpu = best_peer(table, |r| r.cpu);
        let has_cpu = table.rows.iter().any(|r| r.cpu.is_some());
        let _ = writeln!(out, "## {}\n", table.workload);
        if has_cpu {
            out.push_str(
                "| implementation | wall ns/msg | Mmsg/s | wall ratio | cpu ns/msg | cpu ratio |\n",
            );
            out.push_str("|---|---:|---:|---:|---:|---:|\n");
        } else {
            out.push_str("| implementation | ns/msg | Mmsg/s | ratio |\n");
            out.push_str("|---|---:|---:|---:|\n");
        }
        for row in &table.rows {
            let name = if row.is_ours() {
                format!("**{}**", row.name)
            } else {
                row.name.clone()
            };
            let ratio = |value: f64, best: Option<f64>| {
                best.map_or("–".to_string(), |b| format!("{:.2}", value / b))
            };
            let _ = write!(
                out,
                "| {name} | {:.1} | {:.1} | {} |",
                row.wall,
                1e3 / row.wall,
                ratio(row.wall, best_wall)
            );
            if has_cpu {
                match row.cpu {
                    Some(cpu) => {
                        let _ = write!(out, " {cpu:.1} | {} |", ratio(cpu, best_cpu));
                    }
                    None => out.push_str(" – | – |"),
                }
            }
            out.push('\n');
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
