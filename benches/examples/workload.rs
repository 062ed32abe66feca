//! One channel workload, run a few times for chan-async and every peer that
//! supports it (or only those named in `PEERS`, e.g. `PEERS=chan-async,kanal`),
//! printing the median wall and CPU time per message: a quick check between
//! full `cargo xtask bench` runs, and the binary to profile.
//!
//! ```text
//! cargo run --release -p benches --example workload -- CAPACITY PRODUCERS CONSUMERS MESSAGES [current-thread]
//! cargo run --release -p benches --example workload -- 1 1 1 200000 current-thread
//! valgrind --tool=callgrind target/release/examples/workload 1024 1 1 200000 current-thread
//! ```
//!
//! Without `current-thread` the tasks run on a tokio runtime with 2 workers,
//! as in the benches. With `PERMITS=1` every message goes through
//! `reserve().await` and the permit's `send`, in chan-async and tokio's
//! `mpsc` (the `permit_*` rows).

use benches::peers::{
    current_thread, multi_thread, run, AsyncChannel, ChanAsync, Flume, FuturesMpsc, Kanal, Peer,
    Shape, Thingbuf, TokioMpsc,
};
use benches::permits::{ChanAsyncReserve, TokioReserve};
use tokio::runtime::Runtime;

/// Runs per implementation; the median is printed.
const RUNS: usize = 7;

fn measure<P: Peer>(rt: &Runtime, shape: Shape, messages: u64) {
    let wanted =
        std::env::var("PEERS").map_or(true, |names| names.split(',').any(|n| n == P::NAME));
    if !wanted || (shape.consumers > 1 && !P::MPMC) {
        return;
    }
    let mut runs: Vec<(f64, f64)> = (0..RUNS)
        .map(|_| {
            let (wall, cpu) = run::<P>(rt, shape, messages);
            let per_message = |d: std::time::Duration| d.as_nanos() as f64 / messages as f64;
            (per_message(wall), per_message(cpu))
        })
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (wall, cpu) = runs[RUNS / 2];
    let (fastest, slowest) = (runs[0].0, runs[RUNS - 1].0);
    println!(
        "{:>10}: wall {wall:7.1} ns/msg (runs {fastest:.1}..{slowest:.1}), cpu {cpu:7.1} ns/msg",
        P::NAME
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| -> u64 {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .expect("usage: workload CAPACITY PRODUCERS CONSUMERS MESSAGES [current-thread]")
    };
    let shape = Shape {
        capacity: number(0) as usize,
        producers: number(1),
        consumers: number(2),
    };
    let messages = number(3);
    let rt = match args.get(4).map(String::as_str) {
        Some("current-thread") => current_thread(),
        _ => multi_thread(),
    };
    if std::env::var("PERMITS").is_ok_and(|v| v == "1") {
        measure::<ChanAsyncReserve>(&rt, shape, messages);
        measure::<TokioReserve>(&rt, shape, messages);
        return;
    }
    measure::<ChanAsync>(&rt, shape, messages);
    measure::<Kanal>(&rt, shape, messages);
    measure::<Flume>(&rt, shape, messages);
    measure::<Thingbuf>(&rt, shape, messages);
    measure::<TokioMpsc>(&rt, shape, messages);
    measure::<AsyncChannel>(&rt, shape, messages);
    measure::<FuturesMpsc>(&rt, shape, messages);
}
