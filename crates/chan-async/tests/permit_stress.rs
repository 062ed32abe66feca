#![cfg(not(chan_loom))]
//! Stress with permits: four producers and four consumers, once as tasks
//! on a two-worker tokio runtime and once as threads. Each producer picks
//! at random, per message, how to send it: `reserve` then `Permit::send`,
//! `reserve_owned` then `OwnedPermit::send`, `try_reserve` (falling back to
//! a plain send when full), a permit reserved and dropped unused before a
//! plain send, a permit held across a plain send of one message and then
//! used for the next, or a plain send. The threads wait for `reserve` with
//! a small parking `block_on`, and send plainly with `send_blocking` or
//! `send_timeout`.
//!
//! A message is only created once its slot is sure (or for a plain send),
//! so each is created exactly once. The tests prove exactly-once delivery,
//! per-producer order as each consumer saw it, and, with drop counters,
//! that no message leaked or was dropped twice.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

use chan_async::{channel, Receiver, Sender, TrySendError};

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
/// Above the number of producers: each may hold one permit while it waits
/// to send another message, and a slot must stay for that message.
const CAPACITY: usize = PRODUCERS + 1;

fn messages_per_producer() -> usize {
    if cfg!(miri) {
        20
    } else {
        100_000
    }
}

/// xorshift64*: cheap, deterministic per producer.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

#[derive(Default)]
struct Counts {
    created: AtomicUsize,
    dropped: AtomicUsize,
    /// Permits dropped or released unused.
    unused_permits: AtomicUsize,
    /// Messages sent through a permit.
    through_permits: AtomicUsize,
}

struct Msg {
    producer: usize,
    seq: usize,
    counts: Arc<Counts>,
}

impl Msg {
    fn new(producer: usize, seq: usize, counts: &Arc<Counts>) -> Self {
        counts.created.fetch_add(1, Ordering::SeqCst);
        Self {
            producer,
            seq,
            counts: Arc::clone(counts),
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        self.counts.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// Wakes the thread that polls.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, parking while it is pending.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

/// How a producer waits: as a task (`.await`) or as a thread.
#[derive(Clone, Copy)]
enum Side {
    Task,
    Thread,
}

/// A plain send of `msg`, as `side` does it (a thread with
/// `send_blocking`, or `send_timeout` with a timeout it retries on).
async fn plain_send(tx: &Sender<Msg>, msg: Msg, side: Side, rng: &mut Rng) {
    match side {
        Side::Task => tx.send(msg).await.unwrap_or_else(|_| panic!("closed")),
        Side::Thread if rng.below(2) == 0 => {
            tx.send_blocking(msg).unwrap_or_else(|_| panic!("closed"));
        }
        Side::Thread => {
            let mut msg = msg;
            while let Err(error) = tx.send_timeout(msg, Duration::from_micros(50)) {
                assert!(error.is_timeout(), "closed while producing");
                msg = error.into_inner();
            }
        }
    }
}

/// Sends every message of `producer`, choosing per message how.
async fn produce(tx: Sender<Msg>, producer: usize, side: Side, counts: Arc<Counts>) {
    let mut rng = Rng::new(producer as u64 + 7);
    let n = messages_per_producer();
    let mut seq = 0;
    while seq < n {
        match rng.below(6) {
            0 => {
                let permit = tx.reserve().await.unwrap();
                permit.send(Msg::new(producer, seq, &counts));
                counts.through_permits.fetch_add(1, Ordering::Relaxed);
            }
            1 => {
                let permit = tx.clone().reserve_owned().await.unwrap();
                drop(permit.send(Msg::new(producer, seq, &counts)));
                counts.through_permits.fetch_add(1, Ordering::Relaxed);
            }
            2 => match tx.try_reserve() {
                Ok(permit) => {
                    permit.send(Msg::new(producer, seq, &counts));
                    counts.through_permits.fetch_add(1, Ordering::Relaxed);
                }
                Err(TrySendError::Full(())) => {
                    plain_send(&tx, Msg::new(producer, seq, &counts), side, &mut rng).await;
                }
                Err(TrySendError::Closed(())) => panic!("closed while producing"),
            },
            3 => {
                // A permit given back unused: its slot goes to someone else.
                if rng.below(2) == 0 {
                    drop(tx.reserve().await.unwrap());
                } else {
                    let tx = tx.clone().reserve_owned().await.unwrap().release();
                    drop(tx);
                }
                counts.unused_permits.fetch_add(1, Ordering::Relaxed);
                plain_send(&tx, Msg::new(producer, seq, &counts), side, &mut rng).await;
            }
            4 if seq + 1 < n => {
                // Held across a plain send of `seq`, then used for the next
                // one: order is that of the sends, not of the reservations.
                let permit = tx.reserve().await.unwrap();
                plain_send(&tx, Msg::new(producer, seq, &counts), side, &mut rng).await;
                seq += 1;
                permit.send(Msg::new(producer, seq, &counts));
                counts.through_permits.fetch_add(1, Ordering::Relaxed);
            }
            _ => plain_send(&tx, Msg::new(producer, seq, &counts), side, &mut rng).await,
        }
        seq += 1;
    }
}

/// What one consumer received, in order: (producer, seq).
type Received = Vec<(usize, usize)>;

async fn consume_async(rx: Receiver<Msg>) -> Received {
    let mut got = Vec::new();
    while let Some(msg) = rx.recv().await {
        got.push((msg.producer, msg.seq));
    }
    got
}

fn consume_blocking(rx: Receiver<Msg>) -> Received {
    let mut got = Vec::new();
    while let Some(msg) = rx.recv_blocking() {
        got.push((msg.producer, msg.seq));
    }
    got
}

/// Exactly once, in per-producer order, every message created once and
/// dropped once.
fn check(received: &[Received], counts: &Counts) {
    let n = messages_per_producer();
    for got in received {
        let mut last = [None::<usize>; PRODUCERS];
        for &(producer, seq) in got {
            assert!(
                last[producer].map_or(true, |prev| prev < seq),
                "producer {producer}: {seq} after {:?}",
                last[producer]
            );
            last[producer] = Some(seq);
        }
    }
    let mut seen = vec![vec![0u8; n]; PRODUCERS];
    for &(producer, seq) in received.iter().flatten() {
        seen[producer][seq] += 1;
    }
    for (producer, seqs) in seen.iter().enumerate() {
        for (seq, &times) in seqs.iter().enumerate() {
            assert_eq!(
                times, 1,
                "producer {producer} message {seq} received {times} times"
            );
        }
    }
    assert_eq!(counts.created.load(Ordering::SeqCst), PRODUCERS * n);
    assert_eq!(counts.dropped.load(Ordering::SeqCst), PRODUCERS * n);
    let through = counts.through_permits.load(Ordering::Relaxed);
    let unused = counts.unused_permits.load(Ordering::Relaxed);
    eprintln!("sent through permits: {through}, permits given back unused: {unused}");
    assert!(through > 0 && unused > 0, "the permit paths did not run");
}

#[test]
fn tasks_mixing_permits_and_sends_deliver_once_in_order() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let counts = Arc::new(Counts::default());
    let (tx, rx) = channel::<Msg>(CAPACITY);
    let received = runtime.block_on(async {
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| tokio::spawn(consume_async(rx.clone())))
            .collect();
        drop(rx);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| tokio::spawn(produce(tx.clone(), p, Side::Task, Arc::clone(&counts))))
            .collect();
        drop(tx); // the last producer to finish closes the channel
        for producer in producers {
            producer.await.unwrap();
        }
        let mut received = Vec::new();
        for consumer in consumers {
            received.push(consumer.await.unwrap());
        }
        received
    });
    check(&received, &counts);
}

#[test]
fn threads_mixing_permits_and_sends_deliver_once_in_order() {
    let counts = Arc::new(Counts::default());
    let (tx, rx) = channel::<Msg>(CAPACITY);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || consume_blocking(rx))
        })
        .collect();
    drop(rx);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (tx, counts) = (tx.clone(), Arc::clone(&counts));
            thread::spawn(move || block_on(produce(tx, p, Side::Thread, counts)))
        })
        .collect();
    drop(tx);
    for producer in producers {
        producer.join().unwrap();
    }
    let received: Vec<Received> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    check(&received, &counts);
}
