#![cfg(not(chan_loom))]
//! Stress with deadlines: four producers and four consumers on a small
//! channel, every operation given a short random deadline. Two producers
//! and two consumers are tasks on a two-worker tokio runtime using
//! `send_until` / `recv_until` against `tokio::time::sleep`; the others are
//! threads using `send_timeout` / `send_deadline` and `recv_timeout` /
//! `recv_deadline`.
//!
//! A send that times out gets its message back and sends that same message
//! again, so each message is created exactly once. The test proves
//! exactly-once delivery, per-producer order as each consumer saw it, and,
//! with drop counters, that no message leaked or was dropped twice (every
//! one is dropped by the consumer that received it).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use chan_async::{channel, Receiver, RecvTimeoutError, SendTimeoutError, Sender};

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
const CAPACITY: usize = 2;

fn messages_per_producer() -> usize {
    if cfg!(miri) {
        20
    } else {
        20_000
    }
}

/// xorshift64*: cheap, deterministic per task, good enough to pick delays.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A deadline already due one time in three, else up to 100 µs away.
    fn timeout(&mut self) -> Duration {
        match self.next() % 300 {
            0..=99 => Duration::ZERO,
            n => Duration::from_micros(n % 100),
        }
    }
}

#[derive(Default)]
struct Counts {
    created: AtomicUsize,
    dropped: AtomicUsize,
    send_timeouts: AtomicUsize,
    recv_timeouts: AtomicUsize,
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

/// Sends every message of `producer` from a task, retrying a timed-out
/// message with a new deadline.
async fn async_producer(tx: Sender<Msg>, producer: usize, counts: Arc<Counts>) {
    let mut rng = Rng::new(producer as u64 + 1);
    for seq in 0..messages_per_producer() {
        let mut msg = Msg::new(producer, seq, &counts);
        loop {
            let deadline = tokio::time::sleep(rng.timeout());
            match tx.send_until(msg, deadline).await {
                Ok(()) => break,
                Err(SendTimeoutError::Timeout(back)) => {
                    counts.send_timeouts.fetch_add(1, Ordering::Relaxed);
                    msg = back;
                }
                Err(SendTimeoutError::Closed(_)) => panic!("closed while producing"),
            }
        }
    }
}

/// The same from a thread, with the blocking timeouts.
fn blocking_producer(tx: Sender<Msg>, producer: usize, counts: Arc<Counts>) {
    let mut rng = Rng::new(producer as u64 + 1);
    for seq in 0..messages_per_producer() {
        let mut msg = Msg::new(producer, seq, &counts);
        loop {
            let timeout = rng.timeout();
            let sent = if seq % 2 == 0 {
                tx.send_timeout(msg, timeout)
            } else {
                tx.send_deadline(msg, Instant::now() + timeout)
            };
            match sent {
                Ok(()) => break,
                Err(SendTimeoutError::Timeout(back)) => {
                    counts.send_timeouts.fetch_add(1, Ordering::Relaxed);
                    msg = back;
                }
                Err(SendTimeoutError::Closed(_)) => panic!("closed while producing"),
            }
        }
    }
}

/// What one consumer received, in order: (producer, seq).
type Received = Vec<(usize, usize)>;

async fn async_consumer(rx: Receiver<Msg>, seed: u64, counts: Arc<Counts>) -> Received {
    let mut rng = Rng::new(seed);
    let mut got = Vec::new();
    loop {
        match rx.recv_until(tokio::time::sleep(rng.timeout())).await {
            Ok(msg) => got.push((msg.producer, msg.seq)),
            Err(RecvTimeoutError::Timeout) => {
                counts.recv_timeouts.fetch_add(1, Ordering::Relaxed);
            }
            Err(RecvTimeoutError::Closed) => return got,
        }
    }
}

fn blocking_consumer(rx: Receiver<Msg>, seed: u64, counts: Arc<Counts>) -> Received {
    let mut rng = Rng::new(seed);
    let mut got = Vec::new();
    loop {
        let timeout = rng.timeout();
        let received = if got.len() % 2 == 0 {
            rx.recv_timeout(timeout)
        } else {
            rx.recv_deadline(Instant::now() + timeout)
        };
        match received {
            Ok(msg) => got.push((msg.producer, msg.seq)),
            Err(RecvTimeoutError::Timeout) => {
                counts.recv_timeouts.fetch_add(1, Ordering::Relaxed);
            }
            Err(RecvTimeoutError::Closed) => return got,
        }
    }
}

#[test]
fn random_deadlines_deliver_every_message_once_and_in_order() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let counts = Arc::new(Counts::default());
    let (tx, rx) = channel::<Msg>(CAPACITY);

    let mut async_consumers = Vec::new();
    let mut blocking_consumers = Vec::new();
    for consumer in 0..CONSUMERS {
        let (rx, counts) = (rx.clone(), Arc::clone(&counts));
        let seed = 100 + consumer as u64;
        if consumer % 2 == 0 {
            async_consumers.push(runtime.spawn(async_consumer(rx, seed, counts)));
        } else {
            blocking_consumers.push(thread::spawn(move || blocking_consumer(rx, seed, counts)));
        }
    }
    drop(rx);
    let mut async_producers = Vec::new();
    let mut blocking_producers = Vec::new();
    for producer in 0..PRODUCERS {
        let (tx, counts) = (tx.clone(), Arc::clone(&counts));
        if producer % 2 == 0 {
            async_producers.push(runtime.spawn(async_producer(tx, producer, counts)));
        } else {
            blocking_producers.push(thread::spawn(move || {
                blocking_producer(tx, producer, counts)
            }));
        }
    }
    drop(tx); // the last producer to finish closes the channel

    let mut received: Vec<Received> = Vec::new();
    runtime.block_on(async {
        for task in async_producers {
            task.await.unwrap();
        }
        for task in async_consumers {
            received.push(task.await.unwrap());
        }
    });
    for producer in blocking_producers {
        producer.join().unwrap();
    }
    for consumer in blocking_consumers {
        received.push(consumer.join().unwrap());
    }

    let n = messages_per_producer();
    // Per-producer order, as each consumer saw it.
    for got in &received {
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
    // Exactly once.
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
    // A timed-out send kept its message, so each was created once; each
    // was dropped once, by its consumer.
    assert_eq!(counts.created.load(Ordering::SeqCst), PRODUCERS * n);
    assert_eq!(counts.dropped.load(Ordering::SeqCst), PRODUCERS * n);
    let timeouts = (
        counts.send_timeouts.load(Ordering::Relaxed),
        counts.recv_timeouts.load(Ordering::Relaxed),
    );
    eprintln!(
        "timeouts (send, receive): {timeouts:?}, received {}",
        received.iter().map(Vec::len).sum::<usize>()
    );
    assert!(
        timeouts.0 > 0 && timeouts.1 > 0,
        "a side never timed out, so the test did not test its deadlines: {timeouts:?}"
    );
}
