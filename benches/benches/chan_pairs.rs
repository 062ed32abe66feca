//! The channel workloads as interleaved, paired rounds (see
//! `benches::pairs` for why and how): the steady ratio between chan-async
//! and each peer, for wall and CPU time, on a machine where a single run
//! is not steady.
//!
//! The async workloads and peers are the `channel` target's
//! (`benches::peers::workloads()`); every round is one `benches::peers::run`
//! of a fresh channel, and the CPU time is the process's over that round.
//! Then the workloads where tasks wait (`benches::peers::wait_workloads()`:
//! capacities 8 and 64, 8 and 16 producers to 4 consumers). Then the permit
//! rows (`benches::permits::workloads()`): every message
//! through `reserve().await` and `Permit::send`, chan-async against tokio's
//! `mpsc`. Then the blocking rows (`benches::blocking::workloads()`):
//! chan-async's `send_blocking`/`recv_blocking` against crossbeam-channel,
//! kanal, flume and std's `sync_channel` on plain threads, each round one
//! `benches::blocking::run`. Last the timeout rows
//! (`benches::timeouts::workloads()`): `send_timeout`/`recv_timeout` with a
//! timeout that never fires, round trips at capacity 1 and one way at
//! 1024, against crossbeam-channel, kanal and flume. Last the rendezvous
//! rows (`benches::rendezvous`): `channel(0)` against flume's and kanal's
//! async `bounded(0)` on tasks, then `send_blocking`/`recv_blocking`
//! against crossbeam-channel's, kanal's and flume's `bounded(0)` and std's
//! `sync_channel(0)` on threads.
//!
//! One process settles into one regime for its whole run, so a run is one
//! sample: `cargo xtask bench` runs this target several times and
//! summarises the ratios across runs.
//!
//! Run: `cargo bench -p benches --bench chan_pairs` (a few minutes; add
//! `-- spsc_1 mpsc` to run only the workloads whose names contain one of
//! those words; such a partial run writes no file). It
//! prints a markdown table and writes it to `chan_pairs.md` in the target
//! directory, where `cargo xtask bench` picks it up for
//! `docs/benchmarks.md`. Criterion flags are accepted and ignored, except
//! that a short run (see [`benches::quick_run`]) does few rounds of few
//! messages and writes no file; `--discard-baseline` writes none either.

use std::time::Instant;

use benches::pairs::run;
use benches::peers::{contenders, wait_workloads, workloads};
use benches::{blocking, permits, rendezvous, timeouts};

/// Rounds per implementation in a full run.
const ROUNDS: usize = 201;

/// Messages per round in a full run: a round of chan-async takes 1–3 ms.
fn messages(capacity: usize) -> u64 {
    match capacity {
        0 => rendezvous::MESSAGES,
        1 => 10_000,
        2..=64 => 30_000,
        _ => 100_000,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = benches::quick_run(&args);
    let rounds = if quick { 3 } else { ROUNDS };
    let messages = |capacity| if quick { 1_000 } else { messages(capacity) };
    let filters = benches::name_filters(&args);
    let selected = |name| benches::is_selected(&filters, name);
    let started = Instant::now();
    let mut table = format!(
        "{rounds} rounds per implementation, interleaved, of {} messages ({} at \
         capacity 1, {} at capacities 8 and 64, {} round trips in \
         `timeout_ping_pong_1`, {} in the async `rendezvous` rows and {} in \
         the blocking ones) for the wall-time columns; the CPU columns come \
         from {} more rounds of {}× the messages each, closer to what a long \
         run's `getrusage` shows. A ratio below 1 means chan-async was faster \
         (or used less CPU).\n\n",
        messages(1024),
        messages(1),
        messages(8),
        timeouts::ROUND_TRIPS.min(messages(1)),
        messages(0),
        rendezvous::BLOCKING_MESSAGES.min(messages(0)),
        rounds.min(benches::pairs::CPU_ROUNDS),
        benches::pairs::CPU_ROUND_SCALE,
    );
    for workload in workloads().into_iter().chain(wait_workloads()) {
        if !selected(workload.name) {
            continue;
        }
        let messages = messages(workload.shape.capacity);
        let rt = (workload.runtime)();
        let mut contenders = contenders(&rt, workload.shape);
        let title = format!("chan/{}", workload.name);
        table.push_str(&run(&mut contenders, rounds, messages).render(&title));
    }
    for workload in permits::workloads() {
        if !selected(workload.name) {
            continue;
        }
        let messages = messages(workload.shape.capacity);
        let rt = (workload.runtime)();
        let mut contenders = permits::contenders(&rt, workload.shape);
        let title = format!("chan/{}", workload.name);
        table.push_str(&run(&mut contenders, rounds, messages).render(&title));
    }
    for workload in blocking::workloads() {
        if !selected(workload.name) {
            continue;
        }
        let messages = messages(workload.shape.capacity);
        let mut contenders = blocking::contenders(workload.shape);
        let title = format!("chan/{}", workload.name);
        table.push_str(&run(&mut contenders, rounds, messages).render(&title));
    }
    for workload in timeouts::workloads() {
        if !selected(workload.name) {
            continue;
        }
        let messages = match workload.kind {
            timeouts::Kind::PingPong => timeouts::ROUND_TRIPS.min(messages(1)),
            timeouts::Kind::OneWay(shape) => messages(shape.capacity),
        };
        let mut contenders = timeouts::contenders(workload);
        let title = format!("chan/{}", workload.name);
        table.push_str(&run(&mut contenders, rounds, messages).render(&title));
    }
    for workload in rendezvous::workloads() {
        if !selected(workload.name) {
            continue;
        }
        let messages = messages(workload.shape.capacity);
        let rt = (workload.runtime)();
        let mut contenders = rendezvous::contenders(&rt, workload.shape);
        let title = format!("chan/{}", workload.name);
        table.push_str(&run(&mut contenders, rounds, messages).render(&title));
    }
    for workload in rendezvous::blocking_workloads() {
        if !selected(workload.name) {
            continue;
        }
        let messages = rendezvous::BLOCKING_MESSAGES.min(messages(0));
        let mut contenders = rendezvous::blocking_contenders(workload.shape);
        let title = format!("chan/{}", workload.name);
        table.push_str(&run(&mut contenders, rounds, messages).render(&title));
    }
    println!("{table}");
    println!(
        "chan_pairs: done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if filters.is_empty() {
        benches::write_result(&args, "chan_pairs.md", &table);
    }
}
