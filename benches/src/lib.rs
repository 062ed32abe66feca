//! Helpers shared by the workspace's Criterion benchmarks.
//!
//! The bench targets live in `benches/` (one file per `[[bench]]` in
//! `Cargo.toml`); this library holds what they have in common, so a new
//! target (say, the async channel against its peers) reuses the same thread
//! harness and the same wait loop, and its numbers compare with the others:
//!
//! - [`run_timed`] runs a set of jobs on their own threads, releases them
//!   together and returns the time from the first start to the last finish;
//! - [`produce`] and [`consume`] move `u64` messages through any queue given
//!   as a `try_push` / `try_pop` closure, waiting with [`wait`] while the
//!   queue is full or empty;
//! - [`sum_of`] is the checksum the consumers' sums must add up to;
//! - [`peers`] puts chan-async and the async channels it is compared with
//!   (tokio, async-channel, flume, kanal, thingbuf, futures) behind one
//!   trait, with the tokio harness the `channel` and `scaling` targets time
//!   and the single operations the `alloc` target counts allocations of;
//! - [`blocking`] does the same for chan-async's blocking bridges and the
//!   blocking channels (crossbeam-channel, flume, kanal, std's
//!   `sync_channel`), one thread per producer and consumer, for the blocking
//!   rows of the `chan_pairs` target;
//! - [`permits`] puts chan-async and tokio's `mpsc` behind the same trait,
//!   every message sent through `reserve().await` and `Permit::send`, for
//!   the permit rows of the `chan_pairs` target;
//! - [`rendezvous`] runs chan-async's `channel(0)` against the peers'
//!   rendezvous channels, async (flume, kanal) and blocking
//!   (crossbeam-channel, kanal, flume, std's `sync_channel(0)`), for the
//!   rendezvous rows of the `chan_pairs` target;
//! - [`timeouts`] drives chan-async, crossbeam-channel, flume and kanal
//!   through their `send_timeout` / `recv_timeout` (round trips, and one
//!   way), for the timeout rows of the `chan_pairs` target;
//! - [`rings`] does the same for the ring buffer and its peers (crossbeam's
//!   `ArrayQueue`, rtrb): one timed round of each shape (single-threaded,
//!   SPSC, MPMC), which the `ring` and `ring_pairs` targets time;
//! - [`pairs`] runs rounds of several implementations interleaved and
//!   reports paired ratios, for the `ring_pairs` and `chan_pairs` targets.
//!
//! The thread harness depends only on `std`; [`peers`] and [`rings`] depend
//! on the queues they wrap (and tokio). Criterion is a dev-dependency of the
//! bench targets.
//!
//! ```
//! use benches::{consume, produce, run_timed, sum_of};
//! use ringbuf_core::RingBuffer;
//!
//! let ring = RingBuffer::new(16);
//! let (elapsed, sums) = run_timed(vec![
//!     Box::new(|| {
//!         produce(0..1000, |value| ring.push(value));
//!         0
//!     }),
//!     Box::new(|| consume(1000, || ring.pop())),
//! ]);
//! assert_eq!(sums.iter().sum::<u64>(), sum_of(0..1000));
//! assert!(elapsed.as_nanos() > 0);
//! ```
#![deny(missing_docs, missing_debug_implementations)]

pub mod blocking;
pub mod cpuacct;
pub mod pairs;
pub mod peers;
pub mod permits;
pub mod rendezvous;
pub mod rings;
pub mod timeouts;

/// The library crates' READMEs, which crates.io shows: the crates' own docs
/// do not include them, so their examples run as doctests here.
#[doc(hidden)]
pub mod readmes {
    #[doc = include_str!("../../crates/ringbuf-core/README.md")]
    pub mod ringbuf_core {}
    #[doc = include_str!("../../crates/chan-async/README.md")]
    pub mod chan_async {}
    #[doc = include_str!("../../crates/chan-typestate/README.md")]
    pub mod chan_typestate {}
}

use std::ops::Range;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// The capacity every queue under test is created with.
pub const CAPACITY: usize = 1024;

/// How many consecutive failed attempts [`wait`] answers with a CPU spin hint
/// before it starts yielding the thread.
///
/// With one core per thread the other side clears a full or empty queue
/// within a few hundred nanoseconds, so the limit is never reached and the
/// wait is a pure spin. It matters when there are more runnable threads than
/// cores (the 2x2 MPMC case on a 2-core machine, or a build running beside
/// the bench): a spinner then gives its core to the thread it waits for
/// instead of burning a whole scheduler time slice.
pub const SPINS_BEFORE_YIELD: u32 = 1 << 10;

/// Waits once after a failed push (queue full) or pop (queue empty).
///
/// `spins` counts the consecutive failures of the current operation; start
/// it at 0 for each message. The first [`SPINS_BEFORE_YIELD`] calls issue
/// [`std::hint::spin_loop`]; later ones call [`std::thread::yield_now`].
#[inline]
pub fn wait(spins: &mut u32) {
    if *spins < SPINS_BEFORE_YIELD {
        *spins += 1;
        std::hint::spin_loop();
    } else {
        thread::yield_now();
    }
}

/// Pushes every value of `values`, in order, with `try_push`, retrying
/// (through [`wait`]) each one that comes back because the queue is full.
#[inline]
pub fn produce(values: Range<u64>, mut try_push: impl FnMut(u64) -> Result<(), u64>) {
    for value in values {
        let mut value = value;
        let mut spins = 0;
        while let Err(back) = try_push(value) {
            value = back;
            wait(&mut spins);
        }
    }
}

/// Pops `count` values with `try_pop`, retrying (through [`wait`]) while the
/// queue is empty, and returns their wrapping sum.
#[inline]
pub fn consume(count: u64, mut try_pop: impl FnMut() -> Option<u64>) -> u64 {
    let mut sum = 0u64;
    for _ in 0..count {
        let mut spins = 0;
        loop {
            if let Some(value) = try_pop() {
                sum = sum.wrapping_add(value);
                break;
            }
            wait(&mut spins);
        }
    }
    sum
}

/// The wrapping sum of `values`: what the sums returned by [`consume`] add up
/// to when every value of `values` was produced once.
///
/// ```
/// assert_eq!(benches::sum_of(3..6), 3 + 4 + 5);
/// assert_eq!(benches::sum_of(7..7), 0);
/// ```
pub fn sum_of(values: Range<u64>) -> u64 {
    // sum(0..n) = n (n - 1) / 2, computed in u128 so it cannot overflow
    // before the final wrap.
    let below = |n: u64| (u128::from(n) * u128::from(n.saturating_sub(1)) / 2) as u64;
    if values.end <= values.start {
        return 0;
    }
    below(values.end).wrapping_sub(below(values.start))
}

/// A job for [`run_timed`]: runs on its own thread and returns a result.
pub type Job<'scope, R> = Box<dyn FnOnce() -> R + Send + 'scope>;

/// Runs each job on a thread of its own, all released at once, and returns
/// the time from the earliest start to the latest finish, with the jobs'
/// results in the order given.
///
/// Thread creation and joining are not timed: every thread first waits on a
/// barrier until all of them are running, then reads the clock, runs its
/// job, and reads the clock again. Jobs may borrow from the caller (the
/// threads are scoped), so a queue shared by several jobs needs no `Arc`.
///
/// # Panics
///
/// If a job panics (the panic is propagated once every thread has stopped).
pub fn run_timed<'scope, R: Send>(jobs: Vec<Job<'scope, R>>) -> (Duration, Vec<R>) {
    let barrier = Barrier::new(jobs.len());
    let timed: Vec<(Instant, Instant, R)> = thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let result = job();
                    (start, Instant::now(), result)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let start = timed.iter().map(|(start, _, _)| *start).min();
    let end = timed.iter().map(|(_, end, _)| *end).max();
    let elapsed = match (start, end) {
        (Some(start), Some(end)) => end.duration_since(start),
        _ => Duration::ZERO,
    };
    (
        elapsed,
        timed.into_iter().map(|(_, _, result)| result).collect(),
    )
}

/// Where bench targets leave files for `cargo xtask bench` to read:
/// `$CARGO_TARGET_DIR` when set (xtask sets it to `bench` inside the active
/// target directory),
/// else the workspace's `target/bench`.
///
/// ```
/// assert!(benches::output_dir().ends_with("bench") || std::env::var_os("CARGO_TARGET_DIR").is_some());
/// ```
pub fn output_dir() -> std::path::PathBuf {
    let workspace = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches lives inside the workspace")
        .to_path_buf();
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace.join(dir),
        _ => workspace.join("target").join("bench"),
    }
}

/// Whether this bench run should leave files for the report: a real
/// `cargo bench` run (`--bench`) that keeps its results (not
/// `--discard-baseline`, which `cargo xtask bench --quick` passes).
pub fn writes_results(args: &[String]) -> bool {
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--discard-baseline")
}

/// Writes `text` to `name` in [`output_dir`] when [`writes_results`] says
/// this run should and it is not a [`quick_run`] (whose few rounds must not
/// end up in the report), and says so on stdout.
///
/// # Panics
///
/// If the file cannot be written.
///
/// ```
/// // As under `cargo test`: no `--bench`, so nothing is written.
/// benches::write_result(&[], "never-written.md", "text");
/// assert!(!benches::output_dir().join("never-written.md").exists());
/// ```
pub fn write_result(args: &[String], name: &str, text: &str) {
    if !writes_results(args) || quick_run(args) {
        return;
    }
    let dir = output_dir();
    let path = dir.join(name);
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, text))
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    println!("wrote {}", path.display());
}

/// The workload filters on a bench target's command line: its arguments
/// that are not flags (nor a flag's value), as in `cargo bench -p benches
/// --bench chan_pairs -- spsc_1 mpsc`. See [`is_selected`].
///
/// ```
/// let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
/// assert!(benches::name_filters(&args(&["--bench"])).is_empty());
/// let filters = benches::name_filters(&args(&["--bench", "--measurement-time", "0.1", "mpsc"]));
/// assert_eq!(filters, ["mpsc"]);
/// ```
pub fn name_filters(args: &[String]) -> Vec<String> {
    let mut filters = Vec::new();
    let mut after_flag_with_value = false;
    for arg in args {
        if after_flag_with_value {
            after_flag_with_value = false;
        } else if arg.starts_with("--") {
            after_flag_with_value = FLAGS_WITH_VALUE.contains(&arg.as_str());
        } else {
            filters.push(arg.clone());
        }
    }
    filters
}

/// Whether the workload `name` runs under `filters` (from
/// [`name_filters`]): when there is none, or its name contains one.
///
/// ```
/// let filters = ["mpsc".to_string()];
/// assert!(benches::is_selected(&filters, "mpsc_4x1"));
/// assert!(!benches::is_selected(&filters, "spsc_1"));
/// assert!(benches::is_selected(&[], "spsc_1"));
/// ```
pub fn is_selected(filters: &[String], name: &str) -> bool {
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

/// The Criterion flags that take a value, which [`name_filters`] skips.
const FLAGS_WITH_VALUE: [&str; 6] = [
    "--measurement-time",
    "--warm-up-time",
    "--sample-size",
    "--save-baseline",
    "--baseline",
    "--output-format",
];

/// Whether a bench target without Criterion should do a short run: when it
/// runs as a test (`cargo test`, no `--bench`), with `--quick`, or with a
/// `--measurement-time` under one second (as `cargo xtask bench --quick`
/// passes).
///
/// ```
/// let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
/// assert!(benches::quick_run(&args(&[])));
/// assert!(benches::quick_run(&args(&["--bench", "--measurement-time", "0.1"])));
/// assert!(!benches::quick_run(&args(&["--bench"])));
/// ```
pub fn quick_run(args: &[String]) -> bool {
    let short_measurement = args
        .windows(2)
        .any(|w| w[0] == "--measurement-time" && w[1].parse::<f64>().is_ok_and(|s| s < 1.0));
    !args.iter().any(|a| a == "--bench") || short_measurement || args.iter().any(|a| a == "--quick")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringbuf_core::RingBuffer;

    #[test]
    fn sum_of_matches_iterator_sum() {
        for (start, end) in [(0, 0), (0, 1), (0, 1000), (500, 1000), (1000, 10), (7, 8)] {
            let expected = (start..end).fold(0u64, |sum, v| sum.wrapping_add(v));
            assert_eq!(sum_of(start..end), expected, "{start}..{end}");
        }
    }

    #[test]
    fn two_producers_two_consumers_deliver_everything() {
        let ring = RingBuffer::new(4);
        let half = 5_000;
        let ring = &ring;
        let (_, sums) = run_timed(vec![
            Box::new(move || {
                produce(0..half, |v| ring.push(v));
                0_u64
            }),
            Box::new(move || {
                produce(half..2 * half, |v| ring.push(v));
                0_u64
            }),
            Box::new(move || consume(half, || ring.pop())),
            Box::new(move || consume(half, || ring.pop())),
        ]);
        assert_eq!(
            sums.iter().fold(0u64, |a, b| a.wrapping_add(*b)),
            sum_of(0..2 * half)
        );
    }
}
