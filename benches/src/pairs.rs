//! Interleaved, paired rounds: a ratio between ours and each peer that stays
//! put on a machine where single runs do not.
//!
//! Threads (and tokio workers) sharing a queue settle, for the length of a
//! run, into one of a few regimes that can be several times apart: the
//! consumer right behind the producer, every message moving a cache line
//! between cores; or the two a few slots apart, each line transfer shared by
//! several messages. Which one a run gets depends on timing and, on a VM, on
//! where the virtual CPUs run at the moment, not on the queue. Criterion
//! times one implementation after the other, so a regime that lasts seconds
//! lands on one row and not the next.
//!
//! [`run`] has every contender do one round in turn (the order rotating
//! from round to round), many times over, after one unrecorded warm-up round
//! each. [`Rounds::render`] divides each round of ours (the first contender)
//! by the peer's round of the same turn and reports the median of those
//! paired ratios with a distribution-free 95% confidence interval, plus the
//! share of pairs ours won, and each contender's median and quartiles.
//!
//! ```
//! use benches::pairs::{run, Contender, Sample};
//! use std::time::Duration;
//!
//! let mut contenders = vec![
//!     Contender::new("fast", |messages| Sample::wall(Duration::from_nanos(messages))),
//!     Contender::new("slow", |messages| Sample::wall(Duration::from_nanos(2 * messages))),
//! ];
//! let rounds = run(&mut contenders, 11, 100);
//! let table = rounds.render("demo");
//! assert!(table.contains("| slow | 2.0 | 2.0 | 2.0 | 0.50 | 0.50–0.50 | 100% |"));
//! ```

use std::fmt::Write as _;
use std::time::Duration;

/// What one round measured: wall time, and the process's CPU time when the
/// round reports it.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Elapsed time of the round.
    pub wall: Duration,
    /// CPU time (user + system) of the round, if measured.
    pub cpu: Option<Duration>,
}

impl Sample {
    /// A round that measured wall time only.
    pub fn wall(wall: Duration) -> Self {
        Self { wall, cpu: None }
    }
}

/// One implementation of a workload: its name and how to run one round of
/// a given number of messages.
pub struct Contender<'a> {
    name: &'static str,
    round: Box<dyn FnMut(u64) -> Sample + 'a>,
}

impl<'a> Contender<'a> {
    /// A contender called `name` whose rounds `round` runs.
    pub fn new(name: &'static str, round: impl FnMut(u64) -> Sample + 'a) -> Self {
        Self {
            name,
            round: Box::new(round),
        }
    }
}

impl std::fmt::Debug for Contender<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contender")
            .field("name", &self.name)
            .finish()
    }
}

/// Every round of every contender, in nanoseconds per message.
#[derive(Debug)]
pub struct Rounds {
    names: Vec<&'static str>,
    /// `wall[c][r]`: contender `c`'s round `r`.
    wall: Vec<Vec<f64>>,
    /// `cpu[c][r]`, when every round of `c` reported CPU time.
    cpu: Vec<Option<Vec<f64>>>,
}

/// Runs `rounds` rounds of `messages` messages of every contender,
/// interleaved, the first contender being ours.
///
/// # Panics
///
/// If `contenders` is empty, `rounds` is 0, or a round panics.
pub fn run(contenders: &mut [Contender<'_>], rounds: usize, messages: u64) -> Rounds {
    assert!(!contenders.is_empty() && rounds > 0, "nothing to run");
    let n = contenders.len();
    for contender in contenders.iter_mut() {
        (contender.round)(messages);
    }
    let mut samples = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for turn in 0..n {
            let c = (round + turn) % n;
            samples[c].push((contenders[c].round)(messages));
        }
    }
    let per_message = |d: Duration| d.as_nanos() as f64 / messages as f64;
    Rounds {
        names: contenders.iter().map(|c| c.name).collect(),
        wall: samples
            .iter()
            .map(|s| s.iter().map(|s| per_message(s.wall)).collect())
            .collect(),
        cpu: samples
            .iter()
            .map(|s| s.iter().map(|s| s.cpu.map(per_message)).collect())
            .collect(),
    }
}

/// `values` sorted.
fn sorted(values: &[f64]) -> Vec<f64> {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values
}

/// The value at fraction `q` (0..=1) of sorted `values`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// The median of sorted `values` and its distribution-free 95% confidence
/// interval: the order statistics `n/2 ± 0.98 √n` (the normal approximation
/// of the binomial count of values below the median).
fn median_with_interval(sorted: &[f64]) -> (f64, f64, f64) {
    let n = sorted.len() as f64;
    let half_width = 0.98 * n.sqrt();
    let rank = |r: f64| sorted[r.clamp(0.0, n - 1.0) as usize];
    (
        quantile(sorted, 0.5),
        rank((n / 2.0 - half_width).floor()),
        rank((n / 2.0 + half_width).ceil()),
    )
}

/// `| median | low–high | won% |` of the paired ratios `ours[r] / theirs[r]`.
fn paired(out: &mut String, ours: &[f64], theirs: &[f64]) {
    let ratios: Vec<f64> = ours.iter().zip(theirs).map(|(a, b)| a / b).collect();
    let won = ratios.iter().filter(|r| **r < 1.0).count();
    let (median, low, high) = median_with_interval(&sorted(&ratios));
    let _ = write!(
        out,
        " {median:.2} | {low:.2}–{high:.2} | {:.0}% |",
        100.0 * won as f64 / ratios.len() as f64
    );
}

impl Rounds {
    /// A markdown table under `### title`: one row per contender (ours in
    /// bold) with its median and quartiles per message, and for each peer
    /// the median of paired ratios ours ÷ it, its 95% interval and the share
    /// of pairs ours won; the same for CPU time when every contender
    /// reported it.
    pub fn render(&self, title: &str) -> String {
        let cpu: Option<Vec<&Vec<f64>>> = self.cpu.iter().map(Option::as_ref).collect();
        let mut out = format!("### {title}\n\n");
        out.push_str(
            "| implementation | median ns/msg | q1 | q3 | ours ÷ it | 95% CI | pairs ours won |",
        );
        if cpu.is_some() {
            out.push_str(" cpu ns/msg | cpu ours ÷ it | 95% CI | pairs ours won |");
        }
        out.push_str("\n|---|---:|---:|---:|---:|---:|---:|");
        if cpu.is_some() {
            out.push_str("---:|---:|---:|---:|");
        }
        out.push('\n');
        for (c, name) in self.names.iter().enumerate() {
            let spread = sorted(&self.wall[c]);
            let ours = c == 0;
            let name = if ours {
                format!("**{name}**")
            } else {
                name.to_string()
            };
            let _ = write!(
                out,
                "| {name} | {:.1} | {:.1} | {:.1} |",
                quantile(&spread, 0.5),
                quantile(&spread, 0.25),
                quantile(&spread, 0.75),
            );
            if ours {
                out.push_str(" – | – | – |");
            } else {
                paired(&mut out, &self.wall[0], &self.wall[c]);
            }
            if let Some(cpu) = &cpu {
                let _ = write!(out, " {:.1} |", quantile(&sorted(cpu[c]), 0.5));
                if ours {
                    out.push_str(" – | – | – |");
                } else {
                    paired(&mut out, cpu[0], cpu[c]);
                }
            }
            out.push('\n');
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_brackets_the_median_and_widens_with_spread() {
        let values: Vec<f64> = (0..101).map(f64::from).collect();
        let (median, low, high) = median_with_interval(&values);
        assert_eq!(median, 50.0);
        // 0.98 * sqrt(101) = 9.85: ranks 40 and 61.
        assert_eq!((low, high), (40.0, 61.0));
    }

    #[test]
    fn rounds_rotate_so_every_contender_runs_in_every_turn() {
        use std::cell::RefCell;
        let order = RefCell::new(Vec::new());
        let mut contenders: Vec<Contender<'_>> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let order = &order;
                Contender::new(name, move |_| {
                    order.borrow_mut().push(name);
                    Sample::wall(Duration::from_nanos(1))
                })
            })
            .collect();
        run(&mut contenders, 3, 1);
        drop(contenders);
        let order = order.into_inner();
        // One warm-up round each, then a b c / b c a / c a b.
        assert_eq!(
            order,
            ["a", "b", "c", "a", "b", "c", "b", "c", "a", "c", "a", "b"]
        );
    }

    #[test]
    fn cpu_columns_only_when_every_contender_reports_cpu() {
        let with_cpu = |cpu: Option<u64>| {
            move |_| Sample {
                wall: Duration::from_nanos(10),
                cpu: cpu.map(Duration::from_nanos),
            }
        };
        let mut mixed = vec![
            Contender::new("ours", with_cpu(Some(10))),
            Contender::new("peer", with_cpu(None)),
        ];
        assert!(!run(&mut mixed, 3, 1).render("t").contains("cpu"));
        let mut both = vec![
            Contender::new("ours", with_cpu(Some(10))),
            Contender::new("peer", with_cpu(Some(40))),
        ];
        let table = run(&mut both, 3, 1).render("t");
        assert!(table.contains("| peer | 10.0 | 10.0 | 10.0 | 1.00 | 1.00–1.00 | 0% | 40.0 | 0.25 | 0.25–0.25 | 100% |"), "{table}");
    }
}
