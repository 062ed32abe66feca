//! Permits: every message sent by reserving a slot first and then sending
//! through the permit, in chan-async ([`ChanAsyncReserve`]) and in tokio's
//! `mpsc` ([`TokioReserve`]), the one peer with permits (tokio's are
//! single-consumer; ours work with any number of receivers).
//!
//! Both implement [`Peer`], so [`run`](crate::peers::run) times them in the
//! same harness as the plain sends; [`workloads`] and [`contenders`] are the
//! permit rows of the `chan_pairs` target.
//!
//! ```
//! use benches::peers::{current_thread, run, Shape};
//! use benches::permits::{ChanAsyncReserve, TokioReserve};
//!
//! let rt = current_thread();
//! let shape = Shape { capacity: 4, producers: 2, consumers: 1 };
//! run::<ChanAsyncReserve>(&rt, shape, 1_000);
//! run::<TokioReserve>(&rt, shape, 1_000);
//! ```

// As in `peers`: the impls spell out the futures' bounds.
#![allow(clippy::manual_async_fn)]

use std::future::Future;

use tokio::runtime::Runtime;

use crate::pairs::Contender;
use crate::peers::{contender, multi_thread, ChanAsync, Peer, Shape, TokioMpsc, Workload};

/// chan-async, every message through `reserve().await` and `Permit::send`.
#[derive(Debug)]
pub struct ChanAsyncReserve;

impl Peer for ChanAsyncReserve {
    const NAME: &'static str = "chan-async";
    const MPMC: bool = true;
    type Tx = chan_async::Sender<u64>;
    type Rx = chan_async::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        ChanAsync::channel(capacity)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        async move {
            for i in from..to {
                tx.reserve().await.unwrap().send(i);
            }
        }
    }
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        ChanAsync::consume(rx)
    }
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move { tx.reserve().await.unwrap().send(value) }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        rx.recv()
    }
}

/// tokio's `mpsc`, every message through `reserve().await` and
/// `Permit::send`.
#[derive(Debug)]
pub struct TokioReserve;

impl Peer for TokioReserve {
    const NAME: &'static str = "tokio-mpsc";
    const MPMC: bool = false;
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        TokioMpsc::channel(capacity)
    }
    fn clone_rx(_: &Self::Rx) -> Self::Rx {
        unreachable!("tokio's mpsc has one receiver")
    }
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        async move {
            for i in from..to {
                tx.reserve().await.unwrap().send(i);
            }
        }
    }
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        TokioMpsc::consume(rx)
    }
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move { tx.reserve().await.unwrap().send(value) }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        rx.recv()
    }
}

/// The permit workloads of the `chan_pairs` target, on [`multi_thread`]
/// (2 workers):
///
/// - `permit_spsc_1024`: one producer task, one consumer task, capacity
///   1024;
/// - `permit_mpsc_4x1`: four producers, one consumer, capacity 1024.
///
/// ```
/// let names: Vec<_> = benches::permits::workloads().iter().map(|w| w.name).collect();
/// assert_eq!(names, ["permit_spsc_1024", "permit_mpsc_4x1"]);
/// ```
pub fn workloads() -> [Workload; 2] {
    let shape = |producers| Shape {
        capacity: 1024,
        producers,
        consumers: 1,
    };
    [
        Workload {
            name: "permit_spsc_1024",
            shape: shape(1),
            runtime: multi_thread,
        },
        Workload {
            name: "permit_mpsc_4x1",
            shape: shape(4),
            runtime: multi_thread,
        },
    ]
}

/// The permit contenders for `shape`, chan-async first.
///
/// ```
/// use benches::peers::{current_thread, Shape};
///
/// let rt = current_thread();
/// let shape = Shape { capacity: 8, producers: 1, consumers: 1 };
/// assert_eq!(benches::permits::contenders(&rt, shape).len(), 2);
/// ```
pub fn contenders(rt: &Runtime, shape: Shape) -> Vec<Contender<'_>> {
    [
        contender::<ChanAsyncReserve>(rt, shape),
        contender::<TokioReserve>(rt, shape),
    ]
    .into_iter()
    .flatten()
    .collect()
}
