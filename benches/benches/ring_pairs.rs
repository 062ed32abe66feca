//! The ring buffer's threaded benches as interleaved, paired rounds: the
//! steady ratio between `ringbuf_core` and its peers on a machine where a
//! single run is not steady.
//!
//! Two threads passing values through a queue settle, for the length of a
//! round, into one of a few regimes several times apart (the consumer right
//! behind the producer, every message moving a cache line back and forth;
//! or the two a few slots apart, sharing each line's transfer between
//! several messages). Which one a round gets depends on timing and, on a
//! VM, on where the virtual CPUs run at that moment, not on the queue.
//! Criterion times one implementation after the other, so a regime that
//! lasts seconds lands on one row and not the next.
//!
//! Here every implementation runs one round in turn (the order rotating
//! from round to round), many times over. Each round of ours is divided by
//! the peer's round run next to it, and the table reports the median of
//! those paired ratios with a distribution-free 95% confidence interval
//! (order statistics of the binomial), plus the share of pairs ours won.
//! The per-implementation medians and quartiles show the spread.
//!
//! Workloads (capacity [`benches::CAPACITY`], `u64` values, [`MESSAGES`] per round):
//!
//! - `ring/spsc_2_threads`: one producer thread, one consumer thread;
//!   `ringbuf_core`, crossbeam's `ArrayQueue`, `rtrb`.
//! - `ring/mpmc_2x2`: two producers, two consumers; `ringbuf_core` and
//!   `ArrayQueue` (rtrb is SPSC only).
//!
//! Run: `cargo bench -p benches --bench ring_pairs` (about a minute). It
//! prints a markdown table and writes it to `ring_pairs.md` in the target
//! directory, where `cargo xtask bench` picks it up for
//! `docs/benchmarks.md`. Criterion flags are accepted and ignored, except
//! that a short run (see [`benches::quick_run`]) does few rounds of few
//! messages and `--discard-baseline` writes no file.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use benches::rings::{
    mpmc_2x2_round, rtrb_spsc_round, spsc_round, ArrayQueue, RingBuffer, SharedQueue, RTRB,
};

/// Messages per round in a full run: a round takes 1–15 ms.
const MESSAGES: u64 = 200_000;

/// Rounds per implementation in a full run.
const ROUNDS: usize = 1001;

/// One implementation of a workload: its name and its round.
struct Contender {
    name: &'static str,
    round: fn(u64) -> Duration,
}

/// A workload: ours first, then the peers.
struct Workload {
    name: &'static str,
    contenders: Vec<Contender>,
}

fn contender<Q: SharedQueue>(round: fn(u64) -> Duration) -> Contender {
    Contender {
        name: Q::NAME,
        round,
    }
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "ring/spsc_2_threads",
            contenders: vec![
                contender::<RingBuffer<u64>>(spsc_round::<RingBuffer<u64>>),
                contender::<ArrayQueue<u64>>(spsc_round::<ArrayQueue<u64>>),
                Contender {
                    name: RTRB,
                    round: rtrb_spsc_round,
                },
            ],
        },
        Workload {
            name: "ring/mpmc_2x2",
            contenders: vec![
                contender::<RingBuffer<u64>>(mpmc_2x2_round::<RingBuffer<u64>>),
                contender::<ArrayQueue<u64>>(mpmc_2x2_round::<ArrayQueue<u64>>),
            ],
        },
    ]
}

/// Nanoseconds per message of each round, per contender (`times[c][r]`).
fn run(workload: &Workload, rounds: usize, messages: u64) -> Vec<Vec<f64>> {
    let n = workload.contenders.len();
    let mut times = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for turn in 0..n {
            let c = (round + turn) % n;
            let elapsed = (workload.contenders[c].round)(messages);
            times[c].push(elapsed.as_nanos() as f64 / messages as f64);
        }
    }
    times
}

/// `values` sorted.
fn sorted(values: &[f64]) -> Vec<f64> {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values
}

/// The value of rank `q` (0..=1) in sorted `values`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// The median of sorted `values` and its distribution-free 95% confidence
/// interval: the order statistics `n/2 ± 0.98 √n` (normal approximation of
/// the binomial count of values below the median).
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

fn render(out: &mut String, workload: &Workload, times: &[Vec<f64>]) {
    let ours = &times[0];
    let _ = writeln!(out, "### {}\n", workload.name);
    out.push_str(
        "| implementation | median ns/msg | q1 | q3 | ours ÷ it (median of pairs) | 95% CI | pairs ours won |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (contender, theirs) in workload.contenders.iter().zip(times) {
        let spread = sorted(theirs);
        let name = if std::ptr::eq(theirs, ours) {
            format!("**{}**", contender.name)
        } else {
            contender.name.to_string()
        };
        let _ = write!(
            out,
            "| {name} | {:.1} | {:.1} | {:.1} |",
            quantile(&spread, 0.5),
            quantile(&spread, 0.25),
            quantile(&spread, 0.75),
        );
        if std::ptr::eq(theirs, ours) {
            out.push_str(" – | – | – |\n");
            continue;
        }
        let ratios: Vec<f64> = ours.iter().zip(theirs).map(|(a, b)| a / b).collect();
        let won = ratios.iter().filter(|r| **r < 1.0).count();
        let (median, low, high) = median_with_interval(&sorted(&ratios));
        let _ = writeln!(
            out,
            " {median:.2} | {low:.2}–{high:.2} | {:.0}% |",
            100.0 * won as f64 / ratios.len() as f64
        );
    }
    out.push('\n');
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (rounds, messages) = if benches::quick_run(&args) {
        (5, 20_000)
    } else {
        (ROUNDS, MESSAGES)
    };
    let started = Instant::now();
    let mut table = format!(
        "{rounds} rounds of {messages} messages per implementation, interleaved; \
         a ratio below 1 means ringbuf_core was faster.\n\n"
    );
    for workload in workloads() {
        let times = run(&workload, rounds, messages);
        render(&mut table, &workload, &times);
    }
    println!("{table}");
    println!(
        "ring_pairs: done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if benches::writes_results(&args) {
        let dir = benches::output_dir();
        let path = dir.join("ring_pairs.md");
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, &table))
            .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        println!("ring_pairs: wrote {}", path.display());
    }
}
