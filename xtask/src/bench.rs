//! `cargo xtask bench`: runs the criterion comparison and writes the report.
//!
//! The benches build and write into `bench` inside the active target
//! directory (`target/bench` unless `CARGO_TARGET_DIR` says otherwise).
//! Criterion leaves, per benchmark, `criterion/**/new/benchmark.json` there
//! (its id and throughput) and `estimates.json` (the statistics). This module
//! reads the medians back into tables (one per workload, our crates beside
//! every peer) and scaling families (the `scaling/<family>/<point>` groups:
//! channels × points), picks up the markdown the bench targets without
//! Criterion leave there (`chan_pairs.md`, `ring_pairs.md`,
//! `alloc.md`; each `chan_pairs` run's copy in `chan_pairs-runs/`, which
//! `summary` condenses), and has `report` write `docs/benchmarks.md`, `chart`
//! `docs/benchmarks.svg` and `scaling_chart` `docs/scaling.svg` (from the
//! producers → 1 consumer family).

use std::fs;
use std::path::{Path, PathBuf};

use crate::report::Extras;
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
    // Keep the results of the last full run: `--report` reads them.
    "--discard-baseline",
];

/// Rewrites `docs/benchmarks.md` and `.svg` from the last run's results,
/// without running anything (`cargo xtask bench --report`).
pub fn report_only() -> Step {
    Step::new("report", "could not write the report").call(write_report)
}

/// How many `chan_pairs` processes a full run times by default.
pub const CHAN_PAIRS_RUNS: usize = 5;

/// Where each `chan_pairs` run's markdown is kept: `run-<i>.md`.
fn runs_dir() -> PathBuf {
    target_dir("bench").join("chan_pairs-runs")
}

/// The bench step: every bench target once, then `chan_pairs` again until
/// it has run `runs` times (each run a process of its own: one sample of
/// its ratios). A full run keeps each run's tables and writes
/// `docs/benchmarks.md`; a quick run only checks that every bench works,
/// with a cheaper build, and writes nothing.
pub fn step(quick: bool, runs: usize) -> Step {
    let mut vars = vec![("CARGO_TARGET_DIR", target_dir("bench").into())];
    if quick {
        vars.extend([
            ("CARGO_PROFILE_BENCH_LTO", "false".into()),
            ("CARGO_PROFILE_BENCH_CODEGEN_UNITS", "16".into()),
            ("CARGO_PROFILE_BENCH_DEBUG", "0".into()),
        ]);
    }
    let bench = |targets: &[&str]| {
        let mut args = vec!["bench", "-p", "benches"];
        args.extend(targets);
        args.push("--");
        if quick {
            args.extend(QUICK_ARGS);
        }
        with_env(cargo(&args), &vars)
    };
    let mut step = Step::new("bench", "a benchmark failed");
    if !quick {
        step = step.call(clear_runs);
    }
    for run in 1..=runs.max(1) {
        step = if run == 1 {
            step.command(bench(&[]))
        } else {
            step.command(bench(&["--bench", "chan_pairs"]))
        };
        if !quick {
            step = step.call(move || keep_run(run));
        }
    }
    if quick {
        step
    } else {
        step.call(write_report)
    }
}

/// Removes the previous runs' `chan_pairs` tables, so a summary never
/// mixes runs of different builds.
fn clear_runs() -> Result<(), String> {
    for path in [runs_dir(), target_dir("bench").join("chan_pairs.md")] {
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        match removed {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("removing {}: {e}", path.display()))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Keeps the `chan_pairs.md` the run just written as `run-<run>.md`.
fn keep_run(run: usize) -> Result<(), String> {
    let from = target_dir("bench").join("chan_pairs.md");
    let to = runs_dir().join(format!("run-{run}.md"));
    fs::create_dir_all(runs_dir())
        .and_then(|()| fs::copy(&from, &to))
        .map_err(|e| format!("keeping {} as {}: {e}", from.display(), to.display()))?;
    Ok(())
}

/// The summary across the kept `chan_pairs` runs, or `None` (and a line on
/// stderr) when none was kept.
fn chan_pairs_summary() -> Option<String> {
    let mut runs: Vec<(usize, String)> = fs::read_dir(runs_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let run = name
                .strip_prefix("run-")?
                .strip_suffix(".md")?
                .parse()
                .ok()?;
            Some((run, fs::read_to_string(entry.path()).ok()?))
        })
        .collect();
    runs.sort_by_key(|(run, _)| *run);
    let parsed: Vec<_> = runs
        .iter()
        .map(|(_, text)| crate::summary::parse(text))
        .collect();
    let rows = crate::summary::summarize(&parsed);
    if rows.is_empty() {
        eprintln!(
            "    no chan_pairs runs under {} (run `cargo xtask bench`): the report says so",
            runs_dir().display()
        );
        return None;
    }
    Some(crate::summary::render(&rows, parsed.len()))
}

/// One benchmark's result: `group/function`, nanoseconds per element.
struct Measurement {
    group: String,
    function: String,
    ns_per_element: f64,
}

/// Groups named `scaling/<family>/<point>` form the scaling families.
pub const SCALING: &str = "scaling/";

/// The scaling family `docs/scaling.svg` draws.
const CHARTED_FAMILY: &str = "producers_to_1";

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
    let (scaling, speed): (Vec<_>, Vec<_>) = measurements
        .into_iter()
        .partition(|m| m.group.starts_with(SCALING));
    let families = families(&scaling);
    let alloc = read_extra("alloc.md");
    let chan_pairs = read_extra("chan_pairs.md");
    let chan_pairs_summary = chan_pairs_summary();
    let ring_pairs = read_extra("ring_pairs.md");
    let charted = families.iter().find(|f| f.name == CHARTED_FAMILY);
    let tables = tables(&speed);
    let report = crate::report::render(
        &tables,
        Extras {
            alloc: alloc.as_deref(),
            chan_pairs_summary: chan_pairs_summary.as_deref(),
            pairs: [
                ("chan_pairs", chan_pairs.as_deref()),
                ("ring_pairs", ring_pairs.as_deref()),
            ],
        },
        &families,
        charted.is_some(),
    );
    write(&project_root().join("docs/benchmarks.md"), &report)?;
    write(
        &project_root().join("docs/benchmarks.svg"),
        &crate::chart::svg(&tables),
    )?;
    if let Some(family) = charted {
        write(
            &project_root().join("docs/scaling.svg"),
            &crate::scaling_chart::svg(family),
        )?;
    }
    Ok(())
}

/// The markdown a bench target without Criterion left in the bench target
/// directory as `name`, or `None` (and a line on stderr) when there is none.
fn read_extra(name: &str) -> Option<String> {
    let path = target_dir("bench").join(name);
    let text = fs::read_to_string(&path).ok();
    if text.is_none() {
        eprintln!(
            "    no {} (run `cargo xtask bench`): the report says so",
            path.display()
        );
    }
    text
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
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
    // CPU per message recorded by the bench itself over the same runs as
    // the wall times (`cpu.tsv`: group, implementation, ns per message).
    let cpu = fs::read_to_string(target_dir("bench").join("cpu.tsv")).unwrap_or_default();
    for line in cpu.lines() {
        let mut fields = line.split('\t');
        let (Some(group), Some(name), Some(Ok(ns))) = (
            fields.next(),
            fields.next(),
            fields.next().map(str::parse::<f64>),
        ) else {
            continue;
        };
        let row = tables
            .iter_mut()
            .filter(|t| t.workload == group)
            .flat_map(|t| t.rows.iter_mut())
            .find(|r| r.name == name);
        if let Some(row) = row {
            row.cpu.get_or_insert(ns);
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

/// One scaling family (`scaling/<name>/<point>` groups): a row per channel,
/// a column per point, wall nanoseconds per message.
pub struct Family {
    /// The family's name, `producers_to_1` in `scaling/producers_to_1/p4`.
    pub name: String,
    /// The points in display order, as named in the group ids (`p4`).
    pub columns: Vec<String>,
    pub rows: Vec<Series>,
}

/// One channel's values in a family, by column (NaN where not measured).
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

impl Series {
    pub fn is_ours(&self) -> bool {
        is_ours(&self.name)
    }
}

impl Family {
    /// Whether the points shrink from left to right: a capacity family
    /// reads from roomy to tight.
    fn descending(&self) -> bool {
        self.name.contains("capacity")
    }
}

/// The number a point ends with (`16` in `p16`).
pub fn point_value(point: &str) -> Option<f64> {
    let digits = point.trim_start_matches(|c: char| !c.is_ascii_digit());
    digits.parse().ok()
}

/// Gathers the `scaling/<family>/<point>` measurements into one table per
/// family (capacity last); points in numeric order (descending for
/// capacity), channels ours first, then by geometric mean over the points.
fn families(measurements: &[Measurement]) -> Vec<Family> {
    let mut families: Vec<Family> = Vec::new();
    let mut cells: Vec<(usize, String, String, f64)> = Vec::new();
    for m in measurements {
        let Some((name, point)) = m.group[SCALING.len()..].rsplit_once('/') else {
            continue;
        };
        let index = match families.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                families.push(Family {
                    name: name.to_string(),
                    columns: Vec::new(),
                    rows: Vec::new(),
                });
                families.len() - 1
            }
        };
        let family = &mut families[index];
        if !family.columns.iter().any(|c| c == point) {
            family.columns.push(point.to_string());
        }
        if !family.rows.iter().any(|r| r.name == m.function) {
            family.rows.push(Series {
                name: m.function.clone(),
                values: Vec::new(),
            });
        }
        cells.push((
            index,
            point.to_string(),
            m.function.clone(),
            m.ns_per_element,
        ));
    }
    for family in &mut families {
        let descending = family.descending();
        family.columns.sort_by(|a, b| {
            let order = (point_value(a), a)
                .partial_cmp(&(point_value(b), b))
                .unwrap_or(std::cmp::Ordering::Equal);
            if descending {
                order.reverse()
            } else {
                order
            }
        });
        for row in &mut family.rows {
            row.values = vec![f64::NAN; family.columns.len()];
        }
    }
    for (index, point, function, value) in cells {
        let family = &mut families[index];
        let column = family.columns.iter().position(|c| *c == point);
        let row = family.rows.iter_mut().find(|r| r.name == function);
        if let (Some(column), Some(row)) = (column, row) {
            row.values[column] = value;
        }
    }
    let geomean = |row: &Series| {
        let finite: Vec<f64> = row
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if finite.is_empty() {
            return f64::INFINITY;
        }
        (finite.iter().map(|v| v.ln()).sum::<f64>() / finite.len() as f64).exp()
    };
    // Producer families before the capacity one, each group by name.
    families.sort_by(|a, b| (a.descending(), &a.name).cmp(&(b.descending(), &b.name)));
    for family in &mut families {
        family.rows.sort_by(|a, b| {
            (!a.is_ours(), geomean(a))
                .partial_cmp(&(!b.is_ours(), geomean(b)))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    families
}
