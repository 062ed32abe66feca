//! The blocking calls with a timeout: chan-async's `send_timeout` /
//! `recv_timeout` against crossbeam-channel's, flume's and kanal's, each
//! given a timeout long enough never to fire, so what is timed is the cost
//! of a wait that carries a deadline.
//!
//! The four implement [`BlockingPeer`] ([`ChanAsyncTimeout`],
//! [`CrossbeamTimeout`], [`FlumeTimeout`], [`KanalTimeout`]), so
//! [`blocking::run`] times them in one direction. [`ping_pong`] times round
//! trips: one thread sends a message on one channel of capacity 1 and
//! waits for it to come back on another, the other thread sends back what
//! it receives, so every message is a wait and a wake-up on each side.
//! [`workloads`] and [`contenders`] are the timeout rows of the
//! `chan_pairs` target.
//!
//! (kanal's `send_timeout` does not hand the message back when it times
//! out; that never happens here.)
//!
//! ```
//! use benches::timeouts::{ping_pong, ChanAsyncTimeout, KanalTimeout};
//!
//! let (wall, _cpu) = ping_pong::<ChanAsyncTimeout>(100);
//! assert!(wall.as_nanos() > 0);
//! ping_pong::<KanalTimeout>(100);
//! ```

use std::time::Duration;

use crate::blocking::{self, BlockingPeer};
use crate::pairs::{Contender, Sample};
use crate::peers::{cpu_time, Shape};
use crate::{run_timed, Job};

/// The timeout every call is given: never reached in a run.
pub const LONG: Duration = Duration::from_secs(60);

/// Round trips per [`ping_pong`] round in a full `chan_pairs` run: fewer
/// than the one-way rows' messages, since a round trip with kanal's
/// `send_timeout`/`recv_timeout` took about 100 µs on a two-core machine
/// (they wait in a `yield_now` loop until the deadline, not parked), so a
/// round of 10 000 would take a second.
pub const ROUND_TRIPS: u64 = 1_000;

/// chan-async through `send_timeout` / `recv_timeout`.
#[derive(Debug)]
pub struct ChanAsyncTimeout;

impl BlockingPeer for ChanAsyncTimeout {
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
        tx.send_timeout(value, LONG).unwrap();
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        match rx.recv_timeout(LONG) {
            Ok(value) => Some(value),
            Err(chan_async::RecvTimeoutError::Closed) => None,
            Err(chan_async::RecvTimeoutError::Timeout) => panic!("a {LONG:?} timeout fired"),
        }
    }
}

/// crossbeam-channel through `send_timeout` / `recv_timeout`.
#[derive(Debug)]
pub struct CrossbeamTimeout;

impl BlockingPeer for CrossbeamTimeout {
    const NAME: &'static str = "crossbeam-channel";
    const MPMC: bool = true;
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(capacity)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send_timeout(value, LONG).unwrap();
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        match rx.recv_timeout(LONG) {
            Ok(value) => Some(value),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => None,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                panic!("a {LONG:?} timeout fired")
            }
        }
    }
}

/// flume through `send_timeout` / `recv_timeout`.
#[derive(Debug)]
pub struct FlumeTimeout;

impl BlockingPeer for FlumeTimeout {
    const NAME: &'static str = "flume";
    const MPMC: bool = true;
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(capacity)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send_timeout(value, LONG).unwrap();
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        match rx.recv_timeout(LONG) {
            Ok(value) => Some(value),
            Err(flume::RecvTimeoutError::Disconnected) => None,
            Err(flume::RecvTimeoutError::Timeout) => panic!("a {LONG:?} timeout fired"),
        }
    }
}

/// kanal through `send_timeout` / `recv_timeout`.
#[derive(Debug)]
pub struct KanalTimeout;

impl BlockingPeer for KanalTimeout {
    const NAME: &'static str = "kanal";
    const MPMC: bool = true;
    type Tx = kanal::Sender<u64>;
    type Rx = kanal::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        kanal::bounded(capacity)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send_timeout(value, LONG).unwrap();
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        match rx.recv_timeout(LONG) {
            Ok(value) => Some(value),
            Err(kanal::ReceiveErrorTimeout::Timeout) => panic!("a {LONG:?} timeout fired"),
            Err(_) => None,
        }
    }
}

/// `messages` round trips between two threads through two channels of
/// `P` of capacity 1: returns the wall time from the first thread's start
/// to the last one's end, and the process's CPU time over the run.
///
/// # Panics
///
/// If a message does not come back as sent.
pub fn ping_pong<P: BlockingPeer>(messages: u64) -> (Duration, Duration) {
    let (ping_tx, ping_rx) = P::channel(1);
    let (pong_tx, pong_rx) = P::channel(1);
    let jobs: Vec<Job<'static, u64>> = vec![
        Box::new(move || {
            for i in 0..messages {
                P::send(&ping_tx, i);
                assert_eq!(P::recv(&pong_rx), Some(i), "{}: wrong reply", P::NAME);
            }
            messages
            // `ping_tx` drops here: the echoing thread sees the end.
        }),
        Box::new(move || {
            let mut echoed = 0;
            while let Some(value) = P::recv(&ping_rx) {
                P::send(&pong_tx, value);
                echoed += 1;
            }
            echoed
        }),
    ];
    let cpu_before = cpu_time();
    let (wall, counts) = run_timed(jobs);
    let cpu = cpu_time() - cpu_before;
    assert_eq!(
        counts,
        [messages, messages],
        "{}: lost round trips",
        P::NAME
    );
    (wall, cpu)
}

/// A timeout workload: round trips, or a one-way [`Shape`].
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// [`ping_pong`]: two threads, two channels of capacity 1.
    PingPong,
    /// [`blocking::run`] in this shape.
    OneWay(Shape),
}

/// A timeout workload of the `chan_pairs` target.
#[derive(Debug, Clone, Copy)]
pub struct TimeoutWorkload {
    /// The name in the report, after `chan/`.
    pub name: &'static str,
    /// What each round runs.
    pub kind: Kind,
}

/// The timeout workloads of the `chan_pairs` target:
///
/// - `timeout_ping_pong_1`: round trips through two channels of capacity 1;
/// - `timeout_spsc_1024`: one producer thread, one consumer thread,
///   capacity 1024.
///
/// ```
/// let names: Vec<_> = benches::timeouts::workloads().iter().map(|w| w.name).collect();
/// assert_eq!(names, ["timeout_ping_pong_1", "timeout_spsc_1024"]);
/// ```
pub fn workloads() -> [TimeoutWorkload; 2] {
    [
        TimeoutWorkload {
            name: "timeout_ping_pong_1",
            kind: Kind::PingPong,
        },
        TimeoutWorkload {
            name: "timeout_spsc_1024",
            kind: Kind::OneWay(Shape {
                capacity: 1024,
                producers: 1,
                consumers: 1,
            }),
        },
    ]
}

/// A [`pairs`](crate::pairs) contender running `P` in `workload`.
pub fn contender<P: BlockingPeer>(workload: TimeoutWorkload) -> Contender<'static> {
    Contender::new(P::NAME, move |messages| {
        let (wall, cpu) = match workload.kind {
            Kind::PingPong => ping_pong::<P>(messages),
            Kind::OneWay(shape) => blocking::run::<P>(shape, messages),
        };
        Sample {
            wall,
            cpu: Some(cpu),
        }
    })
}

/// The timeout contenders, chan-async first.
///
/// ```
/// use benches::pairs::run;
/// use benches::timeouts::{contenders, workloads};
///
/// let mut channels = contenders(workloads()[0]);
/// assert_eq!(channels.len(), 4);
/// let table = run(&mut channels, 1, 100).render("timeouts");
/// assert!(table.contains("| **chan-async** |") && table.contains("| kanal |"));
/// ```
pub fn contenders(workload: TimeoutWorkload) -> Vec<Contender<'static>> {
    vec![
        contender::<ChanAsyncTimeout>(workload),
        contender::<CrossbeamTimeout>(workload),
        contender::<KanalTimeout>(workload),
        contender::<FlumeTimeout>(workload),
    ]
}
