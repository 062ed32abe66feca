//! Rendezvous channels (capacity 0): every message passes straight from a
//! sender to a receiver that takes it, so every message waits on one side.
//!
//! The async rows drive chan-async's `channel(0)` against the peers whose
//! async channels accept capacity 0, flume's `bounded(0)` and kanal's
//! `bounded_async(0)` (tokio's mpsc, async-channel, thingbuf and futures'
//! mpsc refuse it), through the same [`Peer`](crate::peers::Peer) harness
//! as the buffered rows. The blocking rows drive `send_blocking` /
//! `recv_blocking` against crossbeam-channel's, kanal's and flume's
//! `bounded(0)` and std's `sync_channel(0)` (one receiver), through the
//! [`BlockingPeer`](crate::blocking::BlockingPeer) harness. [`workloads`],
//! [`contenders`], [`blocking_workloads`] and [`blocking_contenders`] are
//! the rendezvous rows of the `chan_pairs` target.
//!
//! ```
//! use benches::peers::{current_thread, run, ChanAsync, Flume, Kanal, Shape};
//!
//! let rt = current_thread();
//! let shape = Shape { capacity: 0, producers: 2, consumers: 2 };
//! run::<ChanAsync>(&rt, shape, 1_000);
//! run::<Flume>(&rt, shape, 1_000);
//! run::<Kanal>(&rt, shape, 1_000);
//! ```

use tokio::runtime::Runtime;

use crate::blocking::{self, BlockingWorkload, CrossbeamChannel, StdSyncChannel};
use crate::pairs::Contender;
use crate::peers::{contender, multi_thread, ChanAsync, Flume, Kanal, Shape, Workload};

/// Messages per round of an async rendezvous row in a full run: every one
/// is a hand-over between two tasks, a few hundred nanoseconds each.
pub const MESSAGES: u64 = 10_000;

/// Messages per round of a blocking rendezvous row: with one producer and
/// one consumer thread every message parks and unparks a thread (tens of
/// microseconds each on a small VM, except for kanal, which spins).
pub const BLOCKING_MESSAGES: u64 = 1_000;

fn shape(producers: u64, consumers: u64) -> Shape {
    Shape {
        capacity: 0,
        producers,
        consumers,
    }
}

/// The async rendezvous workloads, on [`multi_thread`] (2 workers):
///
/// - `rendezvous_spsc`: one producer task, one consumer task;
/// - `rendezvous_mpmc`: four producers, four consumers.
///
/// ```
/// let names: Vec<_> = benches::rendezvous::workloads().iter().map(|w| w.name).collect();
/// assert_eq!(names, ["rendezvous_spsc", "rendezvous_mpmc"]);
/// ```
pub fn workloads() -> [Workload; 2] {
    let workload = |name, shape| Workload {
        name,
        shape,
        runtime: multi_thread,
    };
    [
        workload("rendezvous_spsc", shape(1, 1)),
        workload("rendezvous_mpmc", shape(4, 4)),
    ]
}

/// The async contenders with capacity 0, chan-async first.
///
/// ```
/// use benches::peers::{current_thread, Shape};
///
/// let rt = current_thread();
/// let shape = Shape { capacity: 0, producers: 1, consumers: 1 };
/// assert_eq!(benches::rendezvous::contenders(&rt, shape).len(), 3);
/// ```
pub fn contenders(rt: &Runtime, shape: Shape) -> Vec<Contender<'_>> {
    [
        contender::<ChanAsync>(rt, shape),
        contender::<Kanal>(rt, shape),
        contender::<Flume>(rt, shape),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The blocking rendezvous workloads, one thread per producer and per
/// consumer:
///
/// - `blocking_rendezvous_spsc`: one producer, one consumer;
/// - `blocking_rendezvous_mpmc`: four producers, four consumers (MPMC
///   channels only).
///
/// ```
/// let names: Vec<_> = benches::rendezvous::blocking_workloads()
///     .iter()
///     .map(|w| w.name)
///     .collect();
/// assert_eq!(names, ["blocking_rendezvous_spsc", "blocking_rendezvous_mpmc"]);
/// ```
pub fn blocking_workloads() -> [BlockingWorkload; 2] {
    let workload = |name, shape| BlockingWorkload { name, shape };
    [
        workload("blocking_rendezvous_spsc", shape(1, 1)),
        workload("blocking_rendezvous_mpmc", shape(4, 4)),
    ]
}

/// The blocking contenders with capacity 0, chan-async first; std's
/// `sync_channel(0)` only with one consumer.
///
/// ```
/// use benches::peers::Shape;
///
/// let spsc = Shape { capacity: 0, producers: 1, consumers: 1 };
/// assert_eq!(benches::rendezvous::blocking_contenders(spsc).len(), 5);
/// ```
pub fn blocking_contenders(shape: Shape) -> Vec<Contender<'static>> {
    [
        blocking::contender::<blocking::ChanAsync>(shape),
        blocking::contender::<CrossbeamChannel>(shape),
        blocking::contender::<blocking::Kanal>(shape),
        blocking::contender::<blocking::Flume>(shape),
        blocking::contender::<StdSyncChannel>(shape),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::{current_thread, run};

    /// Every contender delivers every message through a rendezvous, in
    /// every shape it supports.
    #[test]
    fn every_contender_delivers_everything() {
        let rt = current_thread();
        for w in workloads() {
            run::<ChanAsync>(&rt, w.shape, 2_000);
            run::<Kanal>(&rt, w.shape, 2_000);
            run::<Flume>(&rt, w.shape, 2_000);
        }
        for w in blocking_workloads() {
            blocking::run::<blocking::ChanAsync>(w.shape, 2_000);
            blocking::run::<CrossbeamChannel>(w.shape, 2_000);
            blocking::run::<blocking::Kanal>(w.shape, 2_000);
            blocking::run::<blocking::Flume>(w.shape, 2_000);
            if w.shape.consumers == 1 {
                blocking::run::<StdSyncChannel>(w.shape, 2_000);
            }
        }
    }
}
