//! chan-async's blocking bridges and the blocking channels users pick for
//! plain threads, behind one trait.
//!
//! [`BlockingPeer`] is a bounded channel of `u64` driven from OS threads
//! with calls that block: [`ChanAsync`] (ours: `send_blocking` /
//! `recv_blocking`), [`CrossbeamChannel`] (`crossbeam_channel::bounded`),
//! [`Flume`] and [`Kanal`] through their blocking handles, and
//! [`StdSyncChannel`] (`std::sync::mpsc::sync_channel`, one receiver).
//!
//! [`run`] sends a number of messages through a fresh channel in a given
//! [`Shape`], one thread per producer and per consumer (started together by
//! [`run_timed`]), checks the consumers' sums, and returns
//! the wall time from the first thread's start to the last one's end and
//! the process's CPU time over the whole run. [`workloads`] and
//! [`contenders`] are the blocking rows of the `chan_pairs` target.
//!
//! ```
//! use benches::blocking::{run, ChanAsync, CrossbeamChannel};
//! use benches::peers::Shape;
//!
//! let shape = Shape { capacity: 4, producers: 2, consumers: 2 };
//! let (wall, _cpu) = run::<ChanAsync>(shape, 1_000);
//! assert!(wall.as_nanos() > 0);
//! run::<CrossbeamChannel>(shape, 1_000);
//! ```

use std::time::Duration;

use crate::pairs::{Contender, Sample};
use crate::peers::{cpu_time, Shape};
use crate::{run_timed, sum_of, Job};

/// One bounded channel of `u64` with blocking calls, as the blocking
/// workloads drive it. Every operation unwraps: the workloads never send on
/// a closed channel.
pub trait BlockingPeer {
    /// The name in the report.
    const NAME: &'static str;
    /// Whether several receivers may share the channel.
    const MPMC: bool;
    /// The sending handle.
    type Tx: Clone + Send + 'static;
    /// The receiving handle.
    type Rx: Send + 'static;
    /// A channel that holds up to `capacity` messages (`capacity >= 1`, or
    /// 0 for a rendezvous channel: see [`rendezvous`](crate::rendezvous)).
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    /// A second receiver, for MPMC channels.
    ///
    /// # Panics
    ///
    /// When the channel has a single receiver (`MPMC` is false).
    fn clone_rx(rx: &Self::Rx) -> Self::Rx;
    /// Sends one message, blocking while the channel is full.
    fn send(tx: &Self::Tx, value: u64);
    /// Receives one message, blocking while the channel is empty; `None`
    /// once every sender is gone and the channel is drained.
    fn recv(rx: &Self::Rx) -> Option<u64>;
}

/// [`chan_async`] through `send_blocking` / `recv_blocking`.
#[derive(Debug)]
pub struct ChanAsync;

impl BlockingPeer for ChanAsync {
    const NAME: &'static str = "chan-async";
    const MPMC: bool = true;
    type Tx = chan_async::Sender<u64>;
    type Rx = chan_async::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        chan_async::channel(capacity)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send_blocking(value).unwrap();
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv_blocking()
    }
}

/// The MPMC channels whose blocking handles have the same shape:
/// `bounded(capacity)`, `send(&self, v) -> Result`, `recv(&self) -> Result`.
macro_rules! mpmc_blocking_peer {
    ($(#[$doc:meta])* $peer:ident, $name:literal, $krate:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $peer;

        impl BlockingPeer for $peer {
            const NAME: &'static str = $name;
            const MPMC: bool = true;
            type Tx = $krate::Sender<u64>;
            type Rx = $krate::Receiver<u64>;
            fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
                $krate::bounded(capacity)
            }
            fn clone_rx(rx: &Self::Rx) -> Self::Rx {
                rx.clone()
            }
            fn send(tx: &Self::Tx, value: u64) {
                tx.send(value).unwrap();
            }
            fn recv(rx: &Self::Rx) -> Option<u64> {
                rx.recv().ok()
            }
        }
    };
}

mpmc_blocking_peer!(
    /// `crossbeam_channel::bounded` (MPMC).
    CrossbeamChannel,
    "crossbeam-channel",
    crossbeam_channel
);
mpmc_blocking_peer!(
    /// `flume::bounded` through its blocking `send` / `recv` (MPMC).
    Flume,
    "flume",
    flume
);
mpmc_blocking_peer!(
    /// `kanal::bounded`, its blocking handles (MPMC).
    Kanal,
    "kanal",
    kanal
);

/// `std::sync::mpsc::sync_channel` (one receiver).
#[derive(Debug)]
pub struct StdSyncChannel;

impl BlockingPeer for StdSyncChannel {
    const NAME: &'static str = "std-sync-channel";
    const MPMC: bool = false;
    type Tx = std::sync::mpsc::SyncSender<u64>;
    type Rx = std::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        std::sync::mpsc::sync_channel(capacity)
    }
    fn clone_rx(_: &Self::Rx) -> Self::Rx {
        unreachable!("std's mpsc has one receiver")
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).unwrap();
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
}

/// A blocking workload: a name (after `chan/` in the report) and a shape.
#[derive(Debug, Clone, Copy)]
pub struct BlockingWorkload {
    /// The name in the report, after `chan/`.
    pub name: &'static str,
    /// Capacity, producer threads and consumer threads.
    pub shape: Shape,
}

/// The blocking workloads of the `chan_pairs` target, one thread per
/// producer and per consumer:
///
/// - `blocking_spsc_1024`: one producer, one consumer, capacity 1024;
/// - `blocking_mpsc_4x1`: four producers, one consumer, capacity 1024;
/// - `blocking_mpmc_4x4`: four producers, four consumers (MPMC channels
///   only).
///
/// ```
/// let names: Vec<_> = benches::blocking::workloads().iter().map(|w| w.name).collect();
/// assert_eq!(names, ["blocking_spsc_1024", "blocking_mpsc_4x1", "blocking_mpmc_4x4"]);
/// ```
pub fn workloads() -> [BlockingWorkload; 3] {
    let workload = |name, capacity, producers, consumers| BlockingWorkload {
        name,
        shape: Shape {
            capacity,
            producers,
            consumers,
        },
    };
    [
        workload("blocking_spsc_1024", 1024, 1, 1),
        workload("blocking_mpsc_4x1", 1024, 4, 1),
        workload("blocking_mpmc_4x4", 1024, 4, 4),
    ]
}

/// A [`pairs`](crate::pairs) contender that runs `P` in `shape`, or `None`
/// when `P` does not support it (several consumers on a single-consumer
/// channel).
pub fn contender<P: BlockingPeer>(shape: Shape) -> Option<Contender<'static>> {
    (shape.consumers == 1 || P::MPMC).then(|| {
        Contender::new(P::NAME, move |messages| {
            let (wall, cpu) = run::<P>(shape, messages);
            Sample {
                wall,
                cpu: Some(cpu),
            }
        })
    })
}

/// Contenders for every blocking channel that supports `shape`, chan-async
/// first.
///
/// ```
/// use benches::blocking::contenders;
/// use benches::pairs::run;
/// use benches::peers::Shape;
///
/// let mpmc = Shape { capacity: 8, producers: 2, consumers: 2 };
/// let mut channels = contenders(mpmc);
/// assert_eq!(channels.len(), 4); // std's sync_channel has one receiver
/// let table = run(&mut channels, 1, 100).render("blocking");
/// assert!(table.contains("| **chan-async** |") && table.contains("| crossbeam-channel |"));
/// ```
pub fn contenders(shape: Shape) -> Vec<Contender<'static>> {
    [
        contender::<ChanAsync>(shape),
        contender::<CrossbeamChannel>(shape),
        contender::<Kanal>(shape),
        contender::<Flume>(shape),
        contender::<StdSyncChannel>(shape),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Sends `messages` (at least one per producer) through a fresh channel of
/// `P` in `shape`, one thread per producer and per consumer; returns the
/// wall time from the first thread's start to the last one's end, and the
/// process's CPU time over the run (thread creation included).
///
/// # Panics
///
/// If the consumers' sums do not add up to the messages sent, or if
/// `shape` has several consumers and `P` is not MPMC.
pub fn run<P: BlockingPeer>(shape: Shape, messages: u64) -> (Duration, Duration) {
    let messages = messages.max(shape.producers);
    let (tx, rx) = P::channel(shape.capacity);
    let mut jobs: Vec<Job<'static, u64>> = Vec::new();
    for _ in 1..shape.consumers {
        let rx = P::clone_rx(&rx);
        jobs.push(Box::new(move || consume::<P>(&rx)));
    }
    jobs.push(Box::new(move || consume::<P>(&rx)));
    let per_producer = messages / shape.producers;
    for p in 0..shape.producers {
        let from = p * per_producer;
        let to = if p + 1 == shape.producers {
            messages
        } else {
            from + per_producer
        };
        let tx = tx.clone();
        jobs.push(Box::new(move || {
            for i in from..to {
                P::send(&tx, i);
            }
            0 // the sender drops here: the last one closes the channel
        }));
    }
    drop(tx);
    let cpu_before = cpu_time();
    let (wall, sums) = run_timed(jobs);
    let cpu = cpu_time() - cpu_before;
    let sum = sums.iter().fold(0u64, |sum, s| sum.wrapping_add(*s));
    assert_eq!(sum, sum_of(0..messages), "{} lost messages", P::NAME);
    (wall, cpu)
}

/// Receives until the channel is closed and drained; returns the sum.
fn consume<P: BlockingPeer>(rx: &P::Rx) -> u64 {
    let mut sum = 0u64;
    while let Some(value) = P::recv(rx) {
        sum = sum.wrapping_add(value);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every peer delivers every message in every shape it supports, at a
    /// capacity small enough that senders and receivers block.
    #[test]
    fn every_peer_delivers_everything() {
        fn check<P: BlockingPeer>() {
            for w in workloads() {
                let shape = Shape {
                    capacity: 2,
                    ..w.shape
                };
                if shape.consumers == 1 || P::MPMC {
                    run::<P>(shape, 2_000);
                }
            }
        }
        check::<ChanAsync>();
        check::<CrossbeamChannel>();
        check::<Kanal>();
        check::<Flume>();
        check::<StdSyncChannel>();
    }
}
