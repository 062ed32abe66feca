//! `docs/benchmarks.md` as text: the paired-rounds tables first, then one
//! Criterion table per workload, then allocations and scaling. The data
//! comes from `bench` (Criterion's results, read back) and from the markdown
//! that the bench targets without Criterion leave in the target directory.

use std::fmt::Write as _;
use std::fs;
use std::process::Command;

use crate::bench::{Family, Row, Table, SCALING};

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

/// The tables that bench targets without Criterion leave as markdown.
pub struct Extras<'a> {
    /// `alloc.md`, from the `alloc` target.
    pub alloc: Option<&'a str>,
    /// The summary of several `chan_pairs` runs (`summary::render`).
    pub chan_pairs_summary: Option<&'a str>,
    /// `(target, its file)` of the paired-rounds targets, each file one
    /// `### <workload>` table per workload.
    pub pairs: [(&'static str, Option<&'a str>); 2],
}

/// The anchor of the paired-rounds section.
const PAIRS_ANCHOR: &str = "#paired-rounds";

/// The whole report: `tables` from Criterion, the markdown in `extras`, the
/// scaling `families` (with `docs/scaling.svg` linked when `scaling_chart`).
pub fn render(
    tables: &[Table],
    extras: Extras<'_>,
    families: &[Family],
    scaling_chart: bool,
) -> String {
    let mut out = String::new();
    out.push_str(
        "# Benchmarks

",
    );
    let _ = writeln!(
        out,
        "Every implementation measured side by side in one process; ours are in \
         bold. Two kinds of figures:\n\n\
         - [Paired rounds]({PAIRS_ANCHOR}): the ratios to quote. Implementations \
         take turns, round by round, and each of our rounds is divided by the \
         peer's round of the same comparison round, so a machine that drifts \
         between regimes (as a shared VM does) shifts both sides of every ratio \
         together.\n\
         - [Criterion](#criterion): one pass per implementation, every workload, \
         with the chart.\n"
    );
    let _ = writeln!(out, "Reproduce with `cargo xtask bench`.\n");
    let _ = writeln!(out, "Machine: {}\n", machine());
    out.push_str(
        "After those: [allocations and memory](#allocations-and-memory) and \
         [scaling](#scaling) with producers and capacity.\n\n",
    );
    render_pairs(&mut out, extras.chan_pairs_summary, &extras.pairs);
    out.push_str("## Criterion\n\n");
    out.push_str(
        "Median time per message from criterion, one pass per implementation. \
         `wall` is elapsed time per message; `cpu` is the process's CPU time \
         (user + system) per message, averaged over the same runs, which shows \
         spinning and yield loops. `ratio` is the value divided by the fastest \
         peer's in the same workload (below 1.0: faster than every peer).\n\n",
    );
    out.push_str("![chart](benchmarks.svg)\n\n");
    for table in tables {
        let best_wall = best_peer(table, |r| Some(r.wall));
        let best_cpu = best_peer(table, |r| r.cpu);
        let has_cpu = table.rows.iter().any(|r| r.cpu.is_some());
        let _ = writeln!(out, "### {} (criterion)\n", table.workload);
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
        let paired = format!("### {}\n", table.workload);
        if extras
            .pairs
            .iter()
            .any(|(_, pairs)| pairs.is_some_and(|pairs| pairs.contains(&paired)))
        {
            let _ = writeln!(
                out,
                "One pass per row; the steady ratio is in [paired \
                 rounds]({PAIRS_ANCHOR}).\n"
            );
        }
    }
    render_alloc(&mut out, extras.alloc);
    render_scaling(&mut out, families, scaling_chart);
    out
}

/// The heading of the summary across `chan_pairs` runs.
const SUMMARY_HEADING: &str = "### chan_pairs: median and range across runs";

fn render_pairs(out: &mut String, summary: Option<&str>, pairs: &[(&str, Option<&str>)]) {
    out.push_str("## Paired rounds\n\n");
    let _ = writeln!(out, "{SUMMARY_HEADING}\n");
    match summary {
        Some(summary) => {
            out.push_str(summary.trim_end());
            out.push_str("\n\n");
        }
        None => out.push_str(
            "No repeated runs: `cargo xtask bench` runs `chan_pairs` several times \
             (`--runs N`, 5 by default) and summarises them here.\n\n",
        ),
    }
    out.push_str("### How a run pairs its rounds\n\n");
    out.push_str(
        "In every comparison round, each implementation runs one round (a fresh \
         channel or queue moving a fixed number of messages), in a random order \
         drawn afresh each time; that is repeated many times. Each round of ours \
         is divided by the peer's round of the same comparison round. `ours ÷ \
         it` is the median of those paired ratios; the 95% interval comes from a \
         moving-block bootstrap (blocks of √n consecutive rounds, so a regime \
         that lasts several rounds widens it), and `pairs ours won` is the share \
         below 1. A regime that lasts a whole run is invisible to the interval; \
         only repeated runs show it (the summary above). The \
         per-row median and quartiles show how far single rounds spread. The \
         channels' CPU columns pair the process's CPU time the same way.\n\n",
    );
    for (target, tables) in pairs {
        match tables {
            Some(tables) => {
                let last = if *target == "chan_pairs" && summary.is_some() {
                    " (the last of the runs summarised above)"
                } else {
                    ""
                };
                let _ = writeln!(out, "`cargo bench -p benches --bench {target}`{last}:\n");
                out.push_str(tables.trim_end());
                out.push_str("\n\n");
            }
            None => {
                let _ = writeln!(
                    out,
                    "No results: `cargo bench -p benches --bench {target}` (or `cargo \
                     xtask bench`) writes them to `target/bench/{target}.md`.\n"
                );
            }
        }
    }
}

fn render_alloc(out: &mut String, alloc: Option<&str>) {
    out.push_str("## Allocations and memory\n\n");
    match alloc {
        Some(table) => {
            out.push_str(table.trim_end());
            out.push_str("\n\n");
        }
        None => out.push_str(
            "No results: `cargo bench -p benches --bench alloc` (or `cargo xtask \
             bench`) writes them to `target/bench/alloc.md`.\n\n",
        ),
    }
}

fn render_scaling(out: &mut String, families: &[Family], chart: bool) {
    out.push_str("## Scaling\n\n");
    if families.is_empty() {
        out.push_str(
            "No results: `cargo bench -p benches --bench scaling` (or `cargo \
             xtask bench`) measures them.\n\n",
        );
        return;
    }
    out.push_str(
        "Median wall time per message (ns) as the workload changes, one table \
         per family: `pN` is N producer tasks (capacity 1024) into 1 or 4 \
         consumer tasks, `cN` one producer and one consumer at capacity N. \
         tokio multi-thread runtime with 2 workers, so many producers measure \
         contention, not parallel speed-up. The last row divides ours by the \
         fastest peer in each column (below 1.0: faster than every peer).\n\n",
    );
    if chart {
        out.push_str("![ns per message against producers](scaling.svg)\n\n");
    }
    for family in families {
        let _ = writeln!(out, "### {SCALING}{}\n", family.name);
        out.push_str("| implementation |");
        for column in &family.columns {
            let _ = write!(out, " {column} |");
        }
        out.push_str("\n|---|");
        out.push_str(&"---:|".repeat(family.columns.len()));
        out.push('\n');
        let cell = |value: f64| {
            if value.is_finite() {
                format!("{value:.1}")
            } else {
                "–".to_string()
            }
        };
        for row in &family.rows {
            if row.is_ours() {
                let _ = write!(out, "| **{}** |", row.name);
            } else {
                let _ = write!(out, "| {} |", row.name);
            }
            for value in &row.values {
                let _ = write!(out, " {} |", cell(*value));
            }
            out.push('\n');
        }
        if let Some(ours) = family.rows.iter().find(|r| r.is_ours()) {
            out.push_str("| *ours / best peer* |");
            for (column, value) in ours.values.iter().enumerate() {
                let best = family
                    .rows
                    .iter()
                    .filter(|r| !r.is_ours())
                    .map(|r| r.values[column])
                    .filter(|v| v.is_finite())
                    .min_by(f64::total_cmp);
                match best {
                    Some(best) if value.is_finite() => {
                        let _ = write!(out, " {:.2} |", value / best);
                    }
                    _ => out.push_str(" – |"),
                }
            }
            out.push('\n');
        }
        out.push('\n');
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_across_runs_opens_the_paired_section() {
        let last_run =
            "### chan/spsc_1024\n\n| implementation | ours ÷ it |\n|---|---:|\n| kanal | 0.97 |\n";
        let report = render(
            &[],
            Extras {
                alloc: None,
                chan_pairs_summary: Some("| workload | peer |\n"),
                pairs: [("chan_pairs", Some(last_run)), ("ring_pairs", None)],
            },
            &[],
            false,
        );
        let at = |text: &str| {
            report
                .find(text)
                .unwrap_or_else(|| panic!("no {text:?} in\n{report}"))
        };
        assert!(at("## Paired rounds") < at(SUMMARY_HEADING));
        assert!(at(SUMMARY_HEADING) < at("| workload | peer |"));
        assert!(at("| workload | peer |") < at("### How a run pairs its rounds"));
        assert!(
            at("### How a run pairs its rounds") < at("(the last of the runs summarised above):")
        );
        assert!(at("(the last of the runs summarised above):") < at("| kanal | 0.97 |"));
    }

    #[test]
    fn without_runs_the_report_says_how_to_get_them() {
        let report = render(
            &[],
            Extras {
                alloc: None,
                chan_pairs_summary: None,
                pairs: [("chan_pairs", None), ("ring_pairs", None)],
            },
            &[],
            false,
        );
        assert!(report.contains("No repeated runs: `cargo xtask bench` runs `chan_pairs`"));
    }
}
