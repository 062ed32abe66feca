//! One blocking or timeout workload of `chan_pairs`, run a few times for
//! chan-async and every peer (or only those named in `PEERS`, e.g.
//! `PEERS=chan-async,crossbeam-channel`), printing the median wall and CPU
//! time per message: a quick check between full runs, and the binary to
//! profile the blocking bridge with.
//!
//! ```text
//! cargo run --release -p benches --example blocking -- WORKLOAD [MESSAGES]
//! cargo run --release -p benches --example blocking -- blocking_spsc_1024 1000000
//! PEERS=chan-async perf record -g target/release/examples/blocking blocking_spsc_1024 5000000
//! ```
//!
//! `WORKLOAD` is a name of `benches::blocking::workloads()` or
//! `benches::timeouts::workloads()`.

use std::time::Duration;

use benches::blocking::{self, BlockingPeer};
use benches::timeouts::{self, Kind};

/// Runs per implementation; the median is printed.
const RUNS: usize = 7;

fn measure(name: &str, run: impl Fn() -> (Duration, Duration), messages: u64) {
    let wanted = std::env::var("PEERS").map_or(true, |names| names.split(',').any(|n| n == name));
    if !wanted {
        return;
    }
    let per_message = |d: Duration| d.as_nanos() as f64 / messages as f64;
    let mut runs: Vec<(f64, f64)> = (0..RUNS)
        .map(|_| {
            let (wall, cpu) = run();
            (per_message(wall), per_message(cpu))
        })
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (wall, cpu) = runs[RUNS / 2];
    let (fastest, slowest) = (runs[0].0, runs[RUNS - 1].0);
    println!(
        "{name:>17}: wall {wall:9.1} ns/msg (runs {fastest:.1}..{slowest:.1}), cpu {cpu:9.1} ns/msg"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: blocking WORKLOAD [MESSAGES]";
    let name = args.first().expect(usage);
    let messages: Option<u64> = args.get(1).map(|m| m.parse().expect(usage));
    if let Some(workload) = blocking::workloads().into_iter().find(|w| w.name == *name) {
        let shape = workload.shape;
        let messages = messages.unwrap_or(1_000_000);
        macro_rules! each {
            ($($peer:ty),*) => {$(
                if shape.consumers == 1 || <$peer>::MPMC {
                    measure(<$peer>::NAME, || blocking::run::<$peer>(shape, messages), messages);
                }
            )*};
        }
        each!(
            blocking::ChanAsync,
            blocking::CrossbeamChannel,
            blocking::Kanal,
            blocking::Flume,
            blocking::StdSyncChannel
        );
    } else if let Some(workload) = timeouts::workloads().into_iter().find(|w| w.name == *name) {
        let messages = messages.unwrap_or(match workload.kind {
            Kind::PingPong => 10_000,
            Kind::OneWay(_) => 1_000_000,
        });
        macro_rules! each {
            ($($peer:ty),*) => {$(
                measure(<$peer>::NAME, || match workload.kind {
                    Kind::PingPong => timeouts::ping_pong::<$peer>(messages),
                    Kind::OneWay(shape) => blocking::run::<$peer>(shape, messages),
                }, messages);
            )*};
        }
        each!(
            timeouts::ChanAsyncTimeout,
            timeouts::CrossbeamTimeout,
            timeouts::KanalTimeout,
            timeouts::FlumeTimeout
        );
    } else {
        panic!("no workload named {name}; {usage}");
    }
}
