//! chan-async and the async channels it is compared with, behind one trait.
//!
//! [`Peer`] is a bounded async channel of `u64` as the bench targets drive
//! it: whole producer and consumer tasks ([`Peer::produce`],
//! [`Peer::consume`]) for the throughput workloads, single operations
//! ([`Peer::send`], [`Peer::recv`]) for the allocation counts. One unit type
//! per implementation implements it: [`ChanAsync`] (ours), [`TokioMpsc`],
//! [`AsyncChannel`], [`Flume`], [`Kanal`], [`Thingbuf`] and [`FuturesMpsc`].
//!
//! [`run`] sends a number of messages through a fresh channel in a given
//! [`Shape`] (capacity, producer and consumer tasks) on a tokio runtime,
//! checks that the consumers' sums add up, and returns the wall and CPU time
//! taken. The `channel` and `scaling` bench targets measure with it;
//! `alloc` uses the single operations.
//!
//! ```
//! use benches::peers::{multi_thread, run, ChanAsync, Flume, Peer, Shape};
//!
//! let rt = multi_thread();
//! let shape = Shape {
//!     capacity: 16,
//!     producers: 3,
//!     consumers: 2,
//! };
//! let (wall, _cpu) = run::<ChanAsync>(&rt, shape, 10_000);
//! assert!(wall.as_nanos() > 0);
//! assert!(Flume::MPMC);
//! ```

// The impls spell out `impl Future + Send + 'static` like the trait does, so
// the bound tokio::spawn needs is visible where each future is built.
#![allow(clippy::manual_async_fn)]

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};

use crate::pairs::{Contender, Sample};

/// One bounded async channel of `u64`, as the bench targets drive it.
///
/// Every operation unwraps: the workloads never send on a closed channel.
pub trait Peer {
    /// The name in the report (the criterion function id).
    const NAME: &'static str;
    /// Whether several receivers may share the channel.
    const MPMC: bool;
    /// The sending handle.
    type Tx: Clone + Send + 'static;
    /// The receiving handle.
    type Rx: Send + 'static;
    /// A channel that holds up to `capacity` messages (`capacity >= 1`, or
    /// 0 for a rendezvous channel where the peer has one: see
    /// [`rendezvous`](crate::rendezvous)).
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    /// A second receiver, for MPMC channels.
    ///
    /// # Panics
    ///
    /// When the channel has a single receiver (`MPMC` is false).
    fn clone_rx(rx: &Self::Rx) -> Self::Rx;
    /// Sends `from..to`, then drops the sender.
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static;
    /// Receives until the channel is closed and drained; returns the sum.
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static;
    /// Sends one message: completes once the channel has accepted it.
    ///
    /// # Panics
    ///
    /// When the channel is closed.
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_;
    /// Receives one message; `None` once the channel is closed and drained.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_;
}

/// [`chan_async`], the channel under test.
#[derive(Debug)]
pub struct ChanAsync;

impl Peer for ChanAsync {
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
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        async move {
            for i in from..to {
                tx.send(i).await.unwrap();
            }
        }
    }
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        async move {
            let mut sum = 0;
            while let Some(i) = rx.recv().await {
                sum += i;
            }
            sum
        }
    }
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move { tx.send(value).await.unwrap() }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        rx.recv()
    }
}

/// tokio's bounded `mpsc` (one receiver).
#[derive(Debug)]
pub struct TokioMpsc;

impl Peer for TokioMpsc {
    const NAME: &'static str = "tokio-mpsc";
    const MPMC: bool = false;
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
    fn clone_rx(_: &Self::Rx) -> Self::Rx {
        unreachable!("tokio's mpsc has one receiver")
    }
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        async move {
            for i in from..to {
                tx.send(i).await.unwrap();
            }
        }
    }
    fn consume(mut rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        async move {
            let mut sum = 0;
            while let Some(i) = rx.recv().await {
                sum += i;
            }
            sum
        }
    }
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move { tx.send(value).await.unwrap() }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        rx.recv()
    }
}

/// `async-channel`'s bounded channel (MPMC).
#[derive(Debug)]
pub struct AsyncChannel;

impl Peer for AsyncChannel {
    const NAME: &'static str = "async-channel";
    const MPMC: bool = true;
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        async move {
            for i in from..to {
                tx.send(i).await.unwrap();
            }
        }
    }
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        async move {
            let mut sum = 0;
            while let Ok(i) = rx.recv().await {
                sum += i;
            }
            sum
        }
    }
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move { tx.send(value).await.unwrap() }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        async move { rx.recv().await.ok() }
    }
}

/// `flume`'s bounded channel through its async API (MPMC).
#[derive(Debug)]
pub struct Flume;

impl Peer for Flume {
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
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        async move {
            for i in from..to {
                tx.send_async(i).await.unwrap();
            }
        }
    }
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        async move {
            let mut sum = 0;
            while let Ok(i) = rx.recv_async().await {
                sum += i;
            }
            sum
        }
    }
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move { tx.send_async(value).await.unwrap() }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        async move { rx.recv_async().await.ok() }
    }
}

/// `kanal`'s bounded channel through its async handles (MPMC).
#[derive(Debug)]
pub struct Kanal;

impl Peer for Kanal {
    const NAME: &'static str = "kanal";
    const MPMC: bool = true;
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        kanal::bounded_async(capacity)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        async move {
            for i in from..to {
                tx.send(i).await.unwrap();
            }
        }
    }
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        async move {
            let mut sum = 0;
            while let Ok(i) = rx.recv().await {
                sum += i;
            }
            sum
        }
    }
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move { tx.send(value).await.unwrap() }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        async move { rx.recv().await.ok() }
    }
}

/// `thingbuf`'s async `mpsc` (one receiver).
#[derive(Debug)]
pub struct Thingbuf;

impl Peer for Thingbuf {
    const NAME: &'static str = "thingbuf";
    const MPMC: bool = false;
    type Tx = thingbuf::mpsc::Sender<u64>;
    type Rx = thingbuf::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        thingbuf::mpsc::channel(capacity)
    }
    fn clone_rx(_: &Self::Rx) -> Self::Rx {
        unreachable!("thingbuf's mpsc has one receiver")
    }
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        async move {
            for i in from..to {
                tx.send(i).await.unwrap();
            }
        }
    }
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        async move {
            let mut sum = 0;
            while let Some(i) = rx.recv().await {
                sum += i;
            }
            sum
        }
    }
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move { tx.send(value).await.unwrap() }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        rx.recv()
    }
}

/// `futures`' bounded `mpsc` (one receiver).
///
/// It guarantees every sender one slot beyond the shared buffer, so
/// [`Peer::channel`] asks for `capacity - 1`: with one sender the channel
/// holds `capacity` messages like the others, and each further sender
/// clone adds a slot.
#[derive(Debug)]
pub struct FuturesMpsc;

impl Peer for FuturesMpsc {
    const NAME: &'static str = "futures-mpsc";
    const MPMC: bool = false;
    type Tx = futures::channel::mpsc::Sender<u64>;
    type Rx = futures::channel::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        futures::channel::mpsc::channel(capacity - 1)
    }
    fn clone_rx(_: &Self::Rx) -> Self::Rx {
        unreachable!("futures' mpsc has one receiver")
    }
    fn produce(mut tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        use futures::SinkExt;
        async move {
            // `feed`, not `send`: no flush per message (an mpsc sender has
            // nothing to flush, but `send` polls for it anyway).
            for i in from..to {
                tx.feed(i).await.unwrap();
            }
        }
    }
    fn consume(mut rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static {
        use futures::StreamExt;
        async move {
            let mut sum = 0;
            while let Some(i) = rx.next().await {
                sum += i;
            }
            sum
        }
    }
    /// Waits for room (`poll_ready`), then `start_send`: accepted, like the
    /// other peers' `send`. (`SinkExt::send` would also flush, which waits
    /// until the receiver has taken a message once this sender is over the
    /// buffer: at capacity 1, until the message itself is received.)
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + '_ {
        async move {
            std::future::poll_fn(|cx| tx.poll_ready(cx)).await.unwrap();
            tx.start_send(value).unwrap();
        }
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + '_ {
        use futures::StreamExt;
        rx.next()
    }
}

/// CPU time (user + system) the whole process has used so far.
pub fn cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the `rusage` we hand it, which is
    // plain old data and valid when zeroed.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// A workload's shape: the channel's capacity and how many producer and
/// consumer tasks share it.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The channel's capacity.
    pub capacity: usize,
    /// Producer tasks; the messages are split evenly between them.
    pub producers: u64,
    /// Consumer tasks (more than one only for MPMC channels).
    pub consumers: u64,
}

/// A channel workload the benches time: a name, a shape, and the runtime
/// its tasks run on.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// The name in the report, after `chan/`.
    pub name: &'static str,
    /// Capacity, producers and consumers.
    pub shape: Shape,
    /// Builds the runtime: [`multi_thread`] or [`current_thread`].
    pub runtime: fn() -> Runtime,
}

/// The channel workloads of the `channel` and `chan_pairs` targets (`u64`
/// messages; every consumer sums what it receives and the sum is checked):
///
/// - `spsc_1024`: one producer task, one consumer task, capacity 1024;
/// - `spsc_1`: the same at capacity 1, where every message goes through the
///   waker path;
/// - `mpsc_4x1`: four producers, one consumer, capacity 1024;
/// - `mpmc_4x4`: four producers, four consumers (MPMC channels only);
/// - `spsc_current_thread`: one producer and one consumer on a
///   current-thread runtime: the per-operation overhead without thread
///   hand-offs.
///
/// The others run on [`multi_thread`] (2 workers).
///
/// ```
/// let names: Vec<_> = benches::peers::workloads().iter().map(|w| w.name).collect();
/// assert_eq!(names, ["spsc_1024", "spsc_1", "mpsc_4x1", "mpmc_4x4", "spsc_current_thread"]);
/// ```
pub fn workloads() -> [Workload; 5] {
    let shape = |capacity, producers, consumers| Shape {
        capacity,
        producers,
        consumers,
    };
    let workload = |name, shape, runtime| Workload {
        name,
        shape,
        runtime,
    };
    [
        workload("spsc_1024", shape(1024, 1, 1), multi_thread),
        workload("spsc_1", shape(1, 1, 1), multi_thread),
        workload("mpsc_4x1", shape(1024, 4, 1), multi_thread),
        workload("mpmc_4x4", shape(1024, 4, 4), multi_thread),
        workload("spsc_current_thread", shape(1024, 1, 1), current_thread),
    ]
}

/// The workloads where tasks wait, paired in `chan_pairs` only (the
/// Criterion pass covers them in the `scaling` target):
///
/// - `spsc_8`, `spsc_64`: one producer and one consumer at capacity 8 and 64;
/// - `mpmc_8x4`, `mpmc_16x4`: 8 and 16 producers to 4 consumers, capacity
///   1024 (MPMC channels only).
///
/// All on [`multi_thread`] (2 workers).
///
/// ```
/// let names: Vec<_> = benches::peers::wait_workloads().iter().map(|w| w.name).collect();
/// assert_eq!(names, ["spsc_8", "spsc_64", "mpmc_8x4", "mpmc_16x4"]);
/// ```
pub fn wait_workloads() -> [Workload; 4] {
    let workload = |name, capacity, producers, consumers| Workload {
        name,
        shape: Shape {
            capacity,
            producers,
            consumers,
        },
        runtime: multi_thread,
    };
    [
        workload("spsc_8", 8, 1, 1),
        workload("spsc_64", 64, 1, 1),
        workload("mpmc_8x4", 1024, 8, 4),
        workload("mpmc_16x4", 1024, 16, 4),
    ]
}

/// A [`pairs`](crate::pairs) contender that runs peer `P` in `shape` on
/// `rt`, or `None` when `P` does not support the shape (several consumers
/// on a single-consumer channel).
pub fn contender<'a, P: Peer>(rt: &'a Runtime, shape: Shape) -> Option<Contender<'a>> {
    (shape.consumers == 1 || P::MPMC).then(|| {
        Contender::new(P::NAME, move |messages| {
            let (wall, cpu) = run::<P>(rt, shape, messages);
            Sample {
                wall,
                cpu: Some(cpu),
            }
        })
    })
}

/// Contenders for every peer that supports `shape`, chan-async first.
///
/// ```
/// use benches::pairs::run;
/// use benches::peers::{contenders, current_thread, Shape};
///
/// let rt = current_thread();
/// let mpmc = Shape { capacity: 8, producers: 2, consumers: 2 };
/// let mut mpmc_channels = contenders(&rt, mpmc);
/// assert_eq!(mpmc_channels.len(), 4); // chan-async, kanal, flume, async-channel
/// let table = run(&mut mpmc_channels, 1, 100).render("mpmc");
/// assert!(table.contains("| **chan-async** |") && table.contains("| flume |"));
/// ```
pub fn contenders(rt: &Runtime, shape: Shape) -> Vec<Contender<'_>> {
    [
        contender::<ChanAsync>(rt, shape),
        contender::<Kanal>(rt, shape),
        contender::<Flume>(rt, shape),
        contender::<Thingbuf>(rt, shape),
        contender::<TokioMpsc>(rt, shape),
        contender::<AsyncChannel>(rt, shape),
        contender::<FuturesMpsc>(rt, shape),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Sends `messages` (at least one per producer) through a fresh channel of
/// peer `P` in `shape` on `rt`, every task spawned on the runtime; returns
/// the (wall, CPU) time from the first spawn to the last task's end.
///
/// # Panics
///
/// If the consumers' sums do not add up to the messages sent, or if
/// `shape` has several consumers and `P` is not MPMC.
pub fn run<P: Peer>(rt: &Runtime, shape: Shape, messages: u64) -> (Duration, Duration) {
    let messages = messages.max(shape.producers);
    let (tx, rx) = P::channel(shape.capacity);
    let cpu_before = cpu_time();
    let started = Instant::now();
    let sum = rt.block_on(async move {
        let mut consumers = Vec::new();
        for _ in 1..shape.consumers {
            consumers.push(tokio::spawn(P::consume(P::clone_rx(&rx))));
        }
        consumers.push(tokio::spawn(P::consume(rx)));
        let per_producer = messages / shape.producers;
        let mut producers = Vec::new();
        for p in 0..shape.producers {
            let from = p * per_producer;
            let to = if p + 1 == shape.producers {
                messages
            } else {
                from + per_producer
            };
            producers.push(tokio::spawn(P::produce(tx.clone(), from, to)));
        }
        drop(tx);
        for producer in producers {
            producer.await.unwrap();
        }
        let mut sum = 0;
        for consumer in consumers {
            sum += consumer.await.unwrap();
        }
        sum
    });
    let wall = started.elapsed();
    let cpu = cpu_time() - cpu_before;
    assert_eq!(
        sum,
        messages * (messages - 1) / 2,
        "{} lost messages",
        P::NAME
    );
    (wall, cpu)
}

/// The multi-thread runtime the threaded workloads run on: 2 workers.
pub fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A current-thread runtime: the per-operation cost without thread
/// hand-offs.
pub fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}
