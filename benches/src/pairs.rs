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
//! [`run`] has every contender do one round in each round of the
//! comparison, in a random order drawn afresh every time (seeded, so runs
//! repeat it), many times over, after one unrecorded warm-up round each. A
//! fixed or rotating order would always put the same contender right after
//! another, and whatever a round leaves behind (workers winding down, caches,
//! the heap) would always fall on the same neighbour. [`Rounds::render`]
//! divides each round of ours (the first contender) by the peer's round in
//! the same comparison round and reports the median of those paired ratios
//! with a 95% moving-block bootstrap interval, the share of pairs ours won,
//! and each contender's median and quartiles.
//!
//! CPU time comes from rounds of their own. When every contender reports it
//! ([`Sample::cpu`]), [`run`] follows the timed rounds with [`CPU_ROUNDS`]
//! comparison rounds (fewer if the run has fewer rounds) of
//! [`CPU_ROUND_SCALE`] times the messages, again interleaved in a random
//! order, and the CPU columns are those rounds'. A round of 1–3 ms often
//! shows less CPU time per message than a long run: a round on a warm
//! runtime often starts with all its tasks on one worker, and a run can,
//! at any moment, fall into a regime it then keeps, where a task waits
//! every few dozen messages and its worker parks and is woken each time
//! (2.5–4.5 µs of CPU per park in context switches and futex calls). The
//! longer the run, the likelier it has fallen into it. What a user's
//! `getrusage` shows after a long run is that regime's cost, so that is
//! what the CPU columns measure; the wall columns keep the short rounds
//! (see `docs/design.md`, "CPU time: what the paired rounds measure and
//! what getrusage shows").
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

mod statistics;

use std::fmt::Write as _;
use std::time::Duration;

use statistics::{median_with_interval, quantile, sorted, SplitMix64};

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
    ///
    /// ```
    /// use benches::pairs::Sample;
    /// use std::time::Duration;
    ///
    /// assert!(Sample::wall(Duration::from_millis(3)).cpu.is_none());
    /// ```
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
    /// `cpu[c][r]`: contender `c`'s CPU round `r`, when every contender
    /// reported CPU time.
    cpu: Vec<Option<Vec<f64>>>,
}

/// Seed of the round order and of the bootstrap resamples.
const SEED: u64 = 0x5eed_0fba_11ed;

/// Comparison rounds of CPU time after the timed rounds (when every
/// contender reports CPU time), or as many as the timed rounds if fewer.
pub const CPU_ROUNDS: usize = 5;

/// How many times a timed round's messages a CPU round sends: 100 000
/// messages (1–3 ms) become a million (tens of ms), long enough that a run
/// has, as a rule, settled into the regime it keeps (see the module docs;
/// longer rounds settle more often, at a cost in bench time).
pub const CPU_ROUND_SCALE: u64 = 10;

/// `rounds` comparison rounds of `messages` messages, every contender once
/// per round in a fresh random order: `samples[c][r]`.
fn interleaved(
    contenders: &mut [Contender<'_>],
    rounds: usize,
    messages: u64,
    rng: &mut SplitMix64,
) -> Vec<Vec<Sample>> {
    let mut samples = vec![Vec::with_capacity(rounds); contenders.len()];
    let mut order: Vec<usize> = (0..contenders.len()).collect();
    for _ in 0..rounds {
        rng.shuffle(&mut order);
        for &c in &order {
            samples[c].push((contenders[c].round)(messages));
        }
    }
    samples
}

/// Runs `rounds` rounds of `messages` messages of every contender,
/// interleaved in a fresh random order per round, the first contender
/// being ours; then, when every contender reports CPU time, the CPU rounds
/// ([`CPU_ROUNDS`] rounds of [`CPU_ROUND_SCALE`] × `messages`), which the
/// CPU columns are taken from.
///
/// # Panics
///
/// If `contenders` is empty, `rounds` is 0, or a round panics.
pub fn run(contenders: &mut [Contender<'_>], rounds: usize, messages: u64) -> Rounds {
    assert!(!contenders.is_empty() && rounds > 0, "nothing to run");
    let warm_up: Vec<Sample> = contenders
        .iter_mut()
        .map(|contender| (contender.round)(messages))
        .collect();
    let reports_cpu = warm_up.iter().all(|sample| sample.cpu.is_some());
    let mut rng = SplitMix64::new(SEED);
    let timed = interleaved(contenders, rounds, messages, &mut rng);
    let per_message = |messages: u64| move |d: Duration| d.as_nanos() as f64 / messages as f64;
    let cpu = if reports_cpu {
        let long = messages * CPU_ROUND_SCALE;
        interleaved(contenders, rounds.min(CPU_ROUNDS), long, &mut rng)
            .iter()
            .map(|s| s.iter().map(|s| s.cpu.map(per_message(long))).collect())
            .collect()
    } else {
        vec![None; contenders.len()]
    };
    Rounds {
        names: contenders.iter().map(|c| c.name).collect(),
        wall: timed
            .iter()
            .map(|s| s.iter().map(|s| per_message(messages)(s.wall)).collect())
            .collect(),
        cpu,
    }
}

/// Writes the cells `| median | low–high | won% |` of the paired ratios
/// `ours[r] / theirs[r]`.
fn paired_ratio_cells(out: &mut String, ours: &[f64], theirs: &[f64], rng: &mut SplitMix64) {
    let ratios: Vec<f64> = ours.iter().zip(theirs).map(|(a, b)| a / b).collect();
    let won = ratios.iter().filter(|r| **r < 1.0).count();
    let (median, low, high) = median_with_interval(&ratios, rng);
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
        let mut rng = SplitMix64::new(SEED);
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
            let sorted_wall = sorted(&self.wall[c]);
            let ours = c == 0;
            let name = if ours {
                format!("**{name}**")
            } else {
                name.to_string()
            };
            let _ = write!(
                out,
                "| {name} | {:.1} | {:.1} | {:.1} |",
                quantile(&sorted_wall, 0.5),
                quantile(&sorted_wall, 0.25),
                quantile(&sorted_wall, 0.75),
            );
            if ours {
                out.push_str(" – | – | – |");
            } else {
                paired_ratio_cells(&mut out, &self.wall[0], &self.wall[c], &mut rng);
            }
            if let Some(cpu) = &cpu {
                let _ = write!(out, " {:.1} |", quantile(&sorted(cpu[c]), 0.5));
                if ours {
                    out.push_str(" – | – | – |");
                } else {
                    paired_ratio_cells(&mut out, cpu[0], cpu[c], &mut rng);
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

    /// Contenders "a", "b", "c" that log their name on every round.
    fn logging<'a>(log: &'a std::cell::RefCell<Vec<&'static str>>) -> Vec<Contender<'a>> {
        ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                Contender::new(name, move |_| {
                    log.borrow_mut().push(name);
                    Sample::wall(Duration::from_nanos(1))
                })
            })
            .collect()
    }

    #[test]
    fn every_round_runs_each_contender_once_in_varying_order() {
        let log = std::cell::RefCell::new(Vec::new());
        run(&mut logging(&log), 30, 1);
        let log = log.into_inner();
        assert_eq!(
            &log[..3],
            ["a", "b", "c"],
            "one warm-up round each, in order"
        );
        let rounds: Vec<&[&str]> = log[3..].chunks(3).collect();
        assert_eq!(rounds.len(), 30);
        for round in &rounds {
            let mut names = round.to_vec();
            names.sort_unstable();
            assert_eq!(names, ["a", "b", "c"]);
        }
        // "b" sometimes runs right after "a" and sometimes right after "c".
        let after = |first: &str| {
            rounds
                .iter()
                .any(|r| r.windows(2).any(|w| w == [first, "b"]))
        };
        assert!(after("a") && after("c"));
    }

    #[test]
    fn ratios_pair_rounds_of_the_same_comparison_round() {
        // Both contenders take longer every comparison round; ours always
        // twice as long as the peer in the same round. Any other pairing
        // would give ratios other than 2.
        let calls = std::cell::Cell::new(0u64);
        let contender = |name, factor: u64| {
            let calls = &calls;
            Contender::new(name, move |_| {
                let round = calls.get() / 2;
                calls.set(calls.get() + 1);
                Sample::wall(Duration::from_nanos(factor * (round + 1)))
            })
        };
        let mut contenders = vec![contender("ours", 2), contender("peer", 1)];
        let table = run(&mut contenders, 21, 1).render("t");
        assert!(table.contains("| 2.00 | 2.00–2.00 | 0% |"), "{table}");
    }

    #[test]
    fn cpu_columns_only_when_every_contender_reports_cpu() {
        // `cpu` nanoseconds per message, whatever the number of messages.
        let with_cpu = |cpu: Option<u64>| {
            move |messages| Sample {
                wall: Duration::from_nanos(10 * messages),
                cpu: cpu.map(|cpu| Duration::from_nanos(cpu * messages)),
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

    #[test]
    fn cpu_comes_from_longer_rounds_of_their_own() {
        // Each contender logs the message counts it is asked for; its CPU
        // time per message is 1 ns in short rounds and 5 ns in long ones,
        // as when a long run settles into a costlier regime.
        let log = std::cell::RefCell::new(Vec::new());
        let contender = |name| {
            let log = &log;
            Contender::new(name, move |messages| {
                log.borrow_mut().push((name, messages));
                let per_message = if messages > 100 { 5 } else { 1 };
                Sample {
                    wall: Duration::from_nanos(messages),
                    cpu: Some(Duration::from_nanos(per_message * messages)),
                }
            })
        };
        let mut contenders = vec![contender("ours"), contender("peer")];
        let table = run(&mut contenders, 21, 100).render("t");
        drop(contenders);
        let log = log.into_inner();
        let long = 100 * CPU_ROUND_SCALE;
        // Warm-up, 21 timed rounds, then the CPU rounds, each of both.
        assert_eq!(log.len(), 2 * (1 + 21 + CPU_ROUNDS));
        assert!(log[..2 * 22].iter().all(|&(_, m)| m == 100));
        assert!(log[2 * 22..].iter().all(|&(_, m)| m == long));
        assert!(
            table.contains("| peer | 1.0 | 1.0 | 1.0 | 1.00 | 1.00–1.00 | 0% | 5.0 | 1.00 |"),
            "{table}"
        );
        // A run of fewer rounds does as many CPU rounds.
        let calls = std::cell::Cell::new(0);
        let mut counted = vec![Contender::new("ours", |messages| {
            calls.set(calls.get() + 1);
            Sample {
                wall: Duration::from_nanos(messages),
                cpu: Some(Duration::from_nanos(messages)),
            }
        })];
        run(&mut counted, 2, 1);
        drop(counted);
        assert_eq!(calls.get(), 1 + 2 + 2);
    }
}
