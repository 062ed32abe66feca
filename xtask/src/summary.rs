//! The paired ratios of several `chan_pairs` runs, summarised: one process
//! settles into one regime for its whole run, so each run is one sample,
//! and the figure to quote is the median across runs, with its range.
//!
//! [`parse`] reads the `ours ÷ it` and `cpu ours ÷ it` columns of one run's
//! markdown (`chan_pairs.md`: a `### <workload>` table per workload, a row
//! per implementation, ours in bold without ratios); [`summarize`] gathers
//! the runs per workload and peer; [`render`] writes the markdown table.

use std::fmt::Write as _;

/// One peer's paired ratios in one workload of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    pub workload: String,
    pub peer: String,
    /// Median of the paired wall-time ratios ours ÷ it.
    pub wall: f64,
    /// The same for CPU time, when the run measured it.
    pub cpu: Option<f64>,
}

/// The header cell of the wall-time ratio column.
const WALL: &str = "ours ÷ it";
/// The header cell of the CPU-time ratio column.
const CPU: &str = "cpu ours ÷ it";

/// The ratios in one run's markdown, in the order they appear. Rows
/// without a ratio (ours) and cells that are not numbers are skipped.
pub fn parse(markdown: &str) -> Vec<Ratio> {
    let mut ratios = Vec::new();
    let mut workload: Option<&str> = None;
    let mut columns: Option<(usize, Option<usize>)> = None;
    for line in markdown.lines() {
        let line = line.trim();
        if let Some(title) = line.strip_prefix("### ") {
            workload = Some(title.trim());
            columns = None;
            continue;
        }
        let Some(workload) = workload else { continue };
        if !line.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        match columns {
            None => {
                // The header row: find the ratio columns by name.
                let wall = cells.iter().position(|c| *c == WALL);
                let cpu = cells.iter().position(|c| *c == CPU);
                columns = wall.map(|wall| (wall, cpu));
            }
            Some((wall, cpu)) => {
                let number = |i: usize| cells.get(i).and_then(|c| c.parse::<f64>().ok());
                let Some(wall) = number(wall) else { continue };
                ratios.push(Ratio {
                    workload: workload.to_string(),
                    peer: cells[0].to_string(),
                    wall,
                    cpu: cpu.and_then(number),
                });
            }
        }
    }
    ratios
}

/// The median and the range of a set of values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no values.
    fn of(values: &[f64]) -> Option<Self> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Self {
            median,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }
}

/// One workload and peer across the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub workload: String,
    pub peer: String,
    /// How many runs had this row.
    pub runs: usize,
    pub wall: Spread,
    /// Over the runs that measured CPU time, if any did.
    pub cpu: Option<Spread>,
}

/// Gathers the ratios of every run (each one [`parse`]d run) per workload
/// and peer, in the order of their first appearance.
pub fn summarize(runs: &[Vec<Ratio>]) -> Vec<Row> {
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for ratio in runs.iter().flatten() {
        let key = (ratio.workload.as_str(), ratio.peer.as_str());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .filter_map(|(workload, peer)| {
            let found: Vec<&Ratio> = runs
                .iter()
                .filter_map(|run| {
                    run.iter()
                        .find(|r| r.workload == workload && r.peer == peer)
                })
                .collect();
            let wall: Vec<f64> = found.iter().map(|r| r.wall).collect();
            let cpu: Vec<f64> = found.iter().filter_map(|r| r.cpu).collect();
            Some(Row {
                workload: workload.to_string(),
                peer: peer.to_string(),
                runs: found.len(),
                wall: Spread::of(&wall)?,
                cpu: Spread::of(&cpu),
            })
        })
        .collect()
}

/// The summary table of `rows` from `runs` runs, with its explanation.
pub fn render(rows: &[Row], runs: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Across {runs} runs of `cargo bench -p benches --bench chan_pairs`, each a \
         separate process (`cargo xtask bench` runs them): a process settles into \
         one regime for its whole run, so each run is one sample. For each \
         workload and peer, the median over the runs of that run's `ours ÷ it` \
         (the median paired ratio, below), and the lowest and highest run. Below \
         1 means chan-async took less time (wall) or used less CPU per message; \
         `permit_*` rows send every message through `reserve().await` and \
         `Permit::send` (against tokio's mpsc, the one peer with permits); \
         `blocking_*` rows compare `send_blocking`/`recv_blocking` on threads \
         with the blocking channels, `timeout_*` rows `send_timeout`/\
         `recv_timeout` with a timeout that never fires (`ping_pong`: round \
         trips through two channels of capacity 1), and `rendezvous_*` rows \
         channels of capacity 0 (async against flume and kanal; blocking \
         against crossbeam-channel, kanal, flume and std's `sync_channel`).\n"
    );
    out.push_str("| workload | peer | wall: ours ÷ it | range | cpu: ours ÷ it | range |\n");
    out.push_str("|---|---|---:|---:|---:|---:|\n");
    for row in rows {
        let peer = if row.runs == runs {
            row.peer.clone()
        } else {
            format!("{} ({} of {runs} runs)", row.peer, row.runs)
        };
        let _ = write!(
            out,
            "| {} | {peer} | {:.2} | {:.2}–{:.2} |",
            row.workload, row.wall.median, row.wall.min, row.wall.max
        );
        match row.cpu {
            Some(cpu) => {
                let _ = writeln!(out, " {:.2} | {:.2}–{:.2} |", cpu.median, cpu.min, cpu.max);
            }
            None => out.push_str(" – | – |\n"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's markdown as `chan_pairs` writes it (trimmed to two
    /// workloads), with the given kanal and flume wall ratios in the first.
    fn run(kanal: &str, flume: &str) -> String {
        format!(
            "201 rounds per implementation, interleaved, of 100000 messages.

### chan/spsc_1024

| implementation | median ns/msg | q1 | q3 | ours ÷ it | 95% CI | pairs ours won | cpu ns/msg | cpu ours ÷ it | 95% CI | pairs ours won |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| **chan-async** | 16.3 | 16.0 | 16.5 | – | – | – | 20.3 | – | – | – |
| kanal | 16.8 | 16.6 | 18.1 | {kanal} | 0.96–0.97 | 86% | 20.8 | 0.97 | 0.97–0.98 | 80% |
| flume | 29.7 | 29.1 | 33.2 | {flume} | 0.54–0.55 | 100% | 34.2 | 0.59 | 0.58–0.60 | 100% |

### chan/mpmc_4x4

| implementation | median ns/msg | q1 | q3 | ours ÷ it | 95% CI | pairs ours won |
|---|---:|---:|---:|---:|---:|---:|
| **chan-async** | 10.0 | 8.9 | 11.8 | – | – | – |
| kanal | 24.4 | 16.9 | 26.9 | 0.47 | 0.45–0.48 | 100% |
"
        )
    }

    #[test]
    fn parse_reads_the_ratio_columns_by_name() {
        let ratios = parse(&run("0.97", "0.55"));
        let ratio = |workload: &str, peer: &str, wall, cpu| Ratio {
            workload: workload.into(),
            peer: peer.into(),
            wall,
            cpu,
        };
        assert_eq!(
            ratios,
            [
                ratio("chan/spsc_1024", "kanal", 0.97, Some(0.97)),
                ratio("chan/spsc_1024", "flume", 0.55, Some(0.59)),
                ratio("chan/mpmc_4x4", "kanal", 0.47, None),
            ]
        );
    }

    #[test]
    fn summary_gives_median_and_range_across_runs() {
        let runs: Vec<Vec<Ratio>> = [("0.97", "0.55"), ("0.94", "0.60"), ("1.06", "0.50")]
            .iter()
            .map(|(kanal, flume)| parse(&run(kanal, flume)))
            .collect();
        let rows = summarize(&runs);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (
                rows[0].workload.as_str(),
                rows[0].peer.as_str(),
                rows[0].runs
            ),
            ("chan/spsc_1024", "kanal", 3)
        );
        assert_eq!(
            rows[0].wall,
            Spread {
                median: 0.97,
                min: 0.94,
                max: 1.06
            }
        );
        assert_eq!(rows[1].wall.median, 0.55);
        assert_eq!(rows[2].cpu, None);
        let table = render(&rows, 3);
        assert!(
            table.contains("| chan/spsc_1024 | kanal | 0.97 | 0.94–1.06 | 0.97 | 0.97–0.97 |\n"),
            "{table}"
        );
        assert!(
            table.contains("| chan/mpmc_4x4 | kanal | 0.47 | 0.47–0.47 | – | – |\n"),
            "{table}"
        );
    }

    #[test]
    fn an_even_number_of_runs_takes_the_middle_two_and_missing_rows_are_counted() {
        let mut runs: Vec<Vec<Ratio>> = [("1.00", "0.50"), ("2.00", "0.70")]
            .iter()
            .map(|(kanal, flume)| parse(&run(kanal, flume)))
            .collect();
        // A third run without flume.
        runs.push(
            parse(&run("3.00", "0.60"))
                .into_iter()
                .filter(|r| r.peer != "flume")
                .collect(),
        );
        runs.push(parse(&run("4.00", "0.60")));
        let rows = summarize(&runs);
        assert_eq!(rows[0].wall.median, 2.5);
        assert_eq!(rows[1].runs, 3);
        assert!(render(&rows, 4)
            .contains("| chan/spsc_1024 | flume (3 of 4 runs) | 0.60 | 0.50–0.70 |"));
    }

    #[test]
    fn nothing_to_summarise_gives_no_rows() {
        assert!(summarize(&[]).is_empty());
        assert!(parse("no tables here").is_empty());
    }
}
