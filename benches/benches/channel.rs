//! chan-async against the async channels users pick today, side by side in
//! one run: tokio's bounded mpsc, async-channel, flume, kanal, thingbuf and
//! futures' mpsc.
//!
//! Workloads (u64 messages; every consumer sums what it receives and the sum
//! is checked):
//!
//! - `chan/spsc_1024`: one producer task, one consumer task, capacity 1024;
//! - `chan/spsc_1`: the same at capacity 1, where every message goes through
//!   the waker path;
//! - `chan/mpsc_4x1`: four producers, one consumer, capacity 1024;
//! - `chan/mpmc_4x4`: four producers, four consumers (MPMC channels only);
//! - `chan/spsc_current_thread`: one producer and one consumer on a
//!   current-thread runtime: the per-operation overhead without thread
//!   hand-offs.
//!
//! The multi-thread workloads run on a tokio runtime with 2 workers. Each is
//! measured twice: the `wall` groups report elapsed time per message, the
//! `cpu` groups the process's CPU time (user + system) per message, which is
//! where spinning and yield loops show.

// The impls spell out `impl Future + Send + 'static` like the trait does, so
// the bound tokio::spawn needs is visible where each future is built.
#![allow(clippy::manual_async_fn)]

use std::future::Future;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokio::runtime::{Builder, Runtime};

/// One channel implementation, as the workloads drive it.
trait Peer {
    /// The name in the report.
    const NAME: &'static str;
    /// Whether several receivers may share the channel.
    const MPMC: bool;
    type Tx: Clone + Send + 'static;
    type Rx: Send + 'static;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    /// A second receiver, for MPMC channels.
    fn clone_rx(rx: &Self::Rx) -> Self::Rx;
    /// Sends `from..to`, then drops the sender.
    fn produce(tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static;
    /// Receives until the channel is closed and drained; returns the sum.
    fn consume(rx: Self::Rx) -> impl Future<Output = u64> + Send + 'static;
}

struct ChanAsync;
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
}

struct TokioMpsc;
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
}

struct AsyncChannel;
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
}

struct Flume;
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
}

struct Kanal;
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
}

struct Thingbuf;
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
}

struct FuturesMpsc;
impl Peer for FuturesMpsc {
    const NAME: &'static str = "futures-mpsc";
    const MPMC: bool = false;
    type Tx = futures::channel::mpsc::Sender<u64>;
    type Rx = futures::channel::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        // futures' mpsc adds one slot per sender to `buffer`; with one
        // sender, `capacity - 1` gives the same total as the others.
        futures::channel::mpsc::channel(capacity - 1)
    }
    fn clone_rx(_: &Self::Rx) -> Self::Rx {
        unreachable!("futures' mpsc has one receiver")
    }
    fn produce(mut tx: Self::Tx, from: u64, to: u64) -> impl Future<Output = ()> + Send + 'static {
        use futures::SinkExt;
        async move {
            for i in from..to {
                tx.send(i).await.unwrap();
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
}

/// CPU time (user + system) the whole process has used so far.
fn cpu_time() -> Duration {
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

/// A workload's shape.
#[derive(Clone, Copy)]
struct Shape {
    capacity: usize,
    producers: u64,
    consumers: u64,
}

/// Sends `messages` through a fresh channel of peer `P` in `shape` on `rt`;
/// returns (wall, cpu) time.
fn run<P: Peer>(rt: &Runtime, shape: Shape, messages: u64) -> (Duration, Duration) {
    let messages = messages.max(shape.producers);
    let (tx, rx) = P::channel(shape.capacity);
    let cpu_before = cpu_time();
    let started = std::time::Instant::now();
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

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Benches every peer that supports `shape`, in a `wall` and a `cpu` group.
fn workload(c: &mut Criterion, name: &str, shape: Shape, runtime: fn() -> Runtime) {
    let rt = runtime();
    for (kind, pick) in [("wall", 0), ("cpu", 1)] {
        let mut group = c.benchmark_group(format!("chan/{name}/{kind}"));
        group.throughput(Throughput::Elements(1));
        group.sample_size(10);
        macro_rules! peer {
            ($peer:ty) => {
                if shape.consumers == 1 || <$peer>::MPMC {
                    group.bench_function(<$peer>::NAME, |b| {
                        b.iter_custom(|iters| {
                            let (wall, cpu) = run::<$peer>(&rt, shape, iters);
                            if pick == 0 {
                                wall
                            } else {
                                cpu
                            }
                        })
                    });
                }
            };
        }
        peer!(ChanAsync);
        peer!(Kanal);
        peer!(Flume);
        peer!(Thingbuf);
        peer!(TokioMpsc);
        peer!(AsyncChannel);
        peer!(FuturesMpsc);
        group.finish();
    }
}

fn channels(c: &mut Criterion) {
    let spsc = |capacity| Shape {
        capacity,
        producers: 1,
        consumers: 1,
    };
    workload(c, "spsc_1024", spsc(1024), multi_thread);
    workload(c, "spsc_1", spsc(1), multi_thread);
    workload(
        c,
        "mpsc_4x1",
        Shape {
            capacity: 1024,
            producers: 4,
            consumers: 1,
        },
        multi_thread,
    );
    workload(
        c,
        "mpmc_4x4",
        Shape {
            capacity: 1024,
            producers: 4,
            consumers: 4,
        },
        multi_thread,
    );
    workload(c, "spsc_current_thread", spsc(1024), current_thread);
}

criterion_group! {
    name = channel;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = channels
}
criterion_main!(channel);
