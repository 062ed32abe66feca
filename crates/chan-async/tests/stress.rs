#![cfg(not(chan_loom))]
//! Stress: four producers and four consumers on a two-worker tokio runtime,
//! with sends and receives cancelled at random (`tokio::select!` against a
//! short random sleep, or against a single yield).
//!
//! Every message carries its producer, its sequence number and which attempt
//! at sending that number it was, and counts its creation and its drop. From
//! what the tasks report the tests prove: exactly-once delivery, per-producer
//! order as each consumer saw it, that a cancelled send never delivered its
//! message (only the attempt whose send returned `Ok` ever arrives), and
//! that every message created was dropped exactly once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chan_async::{channel, Receiver, SendError, Sender};

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

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

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Default)]
struct Counts {
    created: AtomicUsize,
    dropped: AtomicUsize,
}

impl Counts {
    fn created(&self) -> usize {
        self.created.load(Ordering::SeqCst)
    }

    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

struct Msg {
    producer: usize,
    seq: usize,
    attempt: u32,
    counts: Arc<Counts>,
}

impl Msg {
    fn new(producer: usize, seq: usize, attempt: u32, counts: &Arc<Counts>) -> Self {
        counts.created.fetch_add(1, Ordering::SeqCst);
        Self {
            producer,
            seq,
            attempt,
            counts: Arc::clone(counts),
        }
    }

    fn key(&self) -> (usize, usize, u32) {
        (self.producer, self.seq, self.attempt)
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        self.counts.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// How long an operation may wait before it is cancelled.
#[derive(Clone, Copy)]
enum Patience {
    Forever,
    /// Cancelled once the task is polled again after one yield.
    OneYield,
    Sleep(Duration),
}

fn patience(rng: &mut Rng) -> Patience {
    match rng.below(8) {
        0..=3 => Patience::Forever,
        4 => Patience::OneYield,
        _ => Patience::Sleep(Duration::from_micros(rng.below(400))),
    }
}

/// Sends with the given patience: `None` if the send was cancelled (then,
/// per the contract, the message was not sent and was dropped).
async fn send(
    tx: &Sender<Msg>,
    msg: Msg,
    patience: Patience,
) -> Option<Result<(), SendError<Msg>>> {
    match patience {
        Patience::Forever => Some(tx.send(msg).await),
        Patience::OneYield => tokio::select! {
            done = tx.send(msg) => Some(done),
            () = tokio::task::yield_now() => None,
        },
        Patience::Sleep(delay) => tokio::select! {
            done = tx.send(msg) => Some(done),
            () = tokio::time::sleep(delay) => None,
        },
    }
}

/// Receives with the given patience, one message or (`batch > 1`) up to
/// `batch` at once; `None` if cancelled, `Some(false)` at the end.
async fn recv(
    rx: &Receiver<Msg>,
    patience: Patience,
    batch: usize,
    out: &mut Vec<Msg>,
) -> Option<bool> {
    async fn once(rx: &Receiver<Msg>, batch: usize, out: &mut Vec<Msg>) -> bool {
        if batch > 1 {
            rx.recv_many(out, batch).await > 0
        } else {
            match rx.recv().await {
                Some(msg) => {
                    out.push(msg);
                    true
                }
                None => false,
            }
        }
    }
    match patience {
        Patience::Forever => Some(once(rx, batch, out).await),
        Patience::OneYield => tokio::select! {
            more = once(rx, batch, out) => Some(more),
            () = tokio::task::yield_now() => None,
        },
        Patience::Sleep(delay) => tokio::select! {
            more = once(rx, batch, out) => Some(more),
            () = tokio::time::sleep(delay) => None,
        },
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// What a producer reports: for each sequence number it got accepted, the
/// attempt that was accepted; and how many sends were cancelled.
struct Produced {
    accepted: Vec<u32>,
    cancelled: usize,
}

/// Sends `0..count` with random cancellation, retrying a cancelled number.
/// Stops early, at the first send refused because the channel closed.
async fn produce(
    tx: Sender<Msg>,
    producer: usize,
    count: usize,
    counts: Arc<Counts>,
    stop_when_closed: bool,
) -> Produced {
    let mut rng = Rng::new(1000 + producer as u64);
    let mut accepted = Vec::with_capacity(count);
    let mut cancelled = 0;
    'numbers: for seq in 0..count {
        let mut attempt = 0;
        loop {
            let msg = Msg::new(producer, seq, attempt, &counts);
            match send(&tx, msg, patience(&mut rng)).await {
                Some(Ok(())) => break,
                Some(Err(SendError(back))) => {
                    assert!(stop_when_closed, "closed while producers still run");
                    assert_eq!(
                        back.key(),
                        (producer, seq, attempt),
                        "the refused message comes back"
                    );
                    break 'numbers;
                }
                None => {
                    cancelled += 1;
                    attempt += 1;
                }
            }
        }
        accepted.push(attempt);
    }
    Produced {
        accepted,
        cancelled,
    }
}

/// What a consumer reports: every message it got, as (producer, seq,
/// attempt), in the order it got them.
struct Consumed {
    got: Vec<(usize, usize, u32)>,
    cancelled: usize,
}

/// Receives until the end of the channel, or until it has `quota` messages
/// (then it drops its receiver).
async fn consume(rx: Receiver<Msg>, consumer: usize, quota: usize) -> Consumed {
    let mut rng = Rng::new(2000 + consumer as u64);
    let mut got = Vec::new();
    let mut cancelled = 0;
    let mut out = Vec::new();
    while got.len() < quota {
        let batch = if rng.below(6) == 0 {
            1 + rng.below(4) as usize
        } else {
            1
        };
        let batch = batch.min(quota - got.len());
        match recv(&rx, patience(&mut rng), batch, &mut out).await {
            Some(true) => got.extend(out.drain(..).map(|m| m.key())),
            Some(false) => break,
            None => {
                assert!(out.is_empty(), "a cancelled receive took messages");
                cancelled += 1;
            }
        }
    }
    if quota != usize::MAX {
        // Give up early; linger a random moment first, so the producers
        // usually refill the buffer that dropping `rx` will have to drop.
        tokio::time::sleep(Duration::from_micros(rng.below(2_000))).await;
    }
    drop(rx);
    Consumed { got, cancelled }
}

/// Checks what the consumers got against what the producers had accepted:
/// each accepted message at most once (exactly once if `all_delivered`),
/// only the accepted attempt, and in per-producer order within each
/// consumer. Returns how many were delivered.
fn check_delivery(produced: &[Produced], consumed: &[Consumed], all_delivered: bool) -> usize {
    let mut delivered: Vec<Vec<bool>> = produced
        .iter()
        .map(|p| vec![false; p.accepted.len()])
        .collect();
    for (c, consumer) in consumed.iter().enumerate() {
        let mut last_seq: Vec<Option<usize>> = vec![None; produced.len()];
        for &(p, seq, attempt) in &consumer.got {
            let accepted = &produced[p].accepted;
            assert!(
                seq < accepted.len(),
                "consumer {c} got ({p}, {seq}), which was never accepted"
            );
            assert_eq!(
                attempt, accepted[seq],
                "consumer {c} got attempt {attempt} of ({p}, {seq}), but attempt {} was the one \
                 accepted: a cancelled send delivered its message",
                accepted[seq]
            );
            assert!(!delivered[p][seq], "({p}, {seq}) delivered twice");
            delivered[p][seq] = true;
            if let Some(last) = last_seq[p] {
                assert!(
                    last < seq,
                    "consumer {c} got ({p}, {seq}) after ({p}, {last})"
                );
            }
            last_seq[p] = Some(seq);
        }
    }
    if all_delivered {
        for (p, seqs) in delivered.iter().enumerate() {
            let missing: Vec<usize> = (0..seqs.len()).filter(|&s| !seqs[s]).collect();
            assert!(
                missing.is_empty(),
                "producer {p}: {missing:?} accepted but never delivered"
            );
        }
    }
    delivered.iter().flatten().filter(|&&d| d).count()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// Every message delivered exactly once and in per-producer order, despite
/// cancelled sends and receives on every side.
#[test]
fn exactly_once_in_order_with_random_cancellation() {
    for (capacity, per_producer) in [(4, 25_000), (1, 12_000), (2, 12_000)] {
        let counts = Arc::new(Counts::default());
        let (produced, consumed) = runtime().block_on(async {
            let (tx, rx) = channel::<Msg>(capacity);
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    tokio::spawn(produce(
                        tx.clone(),
                        p,
                        per_producer,
                        Arc::clone(&counts),
                        false,
                    ))
                })
                .collect();
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|c| tokio::spawn(consume(rx.clone(), c, usize::MAX)))
                .collect();
            drop((tx, rx));
            let mut produced = Vec::new();
            for p in producers {
                produced.push(p.await.unwrap());
            }
            let mut consumed = Vec::new();
            for c in consumers {
                consumed.push(c.await.unwrap());
            }
            (produced, consumed)
        });

        let delivered = check_delivery(&produced, &consumed, true);
        assert_eq!(delivered, PRODUCERS * per_producer);
        let cancelled_sends: usize = produced.iter().map(|p| p.cancelled).sum();
        let cancelled_recvs: usize = consumed.iter().map(|c| c.cancelled).sum();
        assert_eq!(
            counts.created(),
            delivered + cancelled_sends,
            "one message per attempt"
        );
        assert_eq!(
            counts.dropped(),
            counts.created(),
            "every message dropped exactly once"
        );
        // Yield-cancellation (one operation in eight) makes these all but
        // certain; they show the cancellation paths were really exercised.
        assert!(cancelled_sends > 0 && cancelled_recvs > 0);
        eprintln!(
            "capacity {capacity}: {delivered} delivered, {cancelled_sends} sends and \
             {cancelled_recvs} receives cancelled"
        );
    }
}

/// Consumers give up early; the last one to drop its receiver closes the
/// channel and the buffered messages are dropped with it, while a sender
/// still keeps the channel alive. Nothing accepted is delivered twice,
/// nothing leaks, nothing is dropped twice.
#[test]
fn last_receiver_dropping_early_drops_the_buffer_exactly_once() {
    for (round, capacity) in [4, 1, 16, 2, 4, 1].into_iter().enumerate() {
        let counts = Arc::new(Counts::default());
        let (tx, rx) = channel::<Msg>(capacity);
        let keep_alive = tx.clone();
        let (produced, consumed) = runtime().block_on(async {
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| tokio::spawn(produce(tx.clone(), p, 100_000, Arc::clone(&counts), true)))
                .collect();
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|c| {
                    tokio::spawn(consume(
                        rx.clone(),
                        c,
                        500 + 1_000 * ((c + round) % CONSUMERS),
                    ))
                })
                .collect();
            drop((tx, rx));
            let mut consumed = Vec::new();
            for c in consumers {
                consumed.push(c.await.unwrap());
            }
            let mut produced = Vec::new();
            for p in producers {
                produced.push(p.await.unwrap());
            }
            (produced, consumed)
        });

        assert!(keep_alive.is_closed());
        assert_eq!(keep_alive.receiver_count(), 0);
        assert!(
            keep_alive.is_empty(),
            "the last receiver dropped the buffer"
        );
        let delivered = check_delivery(&produced, &consumed, false);
        let accepted: usize = produced.iter().map(|p| p.accepted.len()).sum();
        assert_eq!(
            delivered,
            consumed.iter().map(|c| c.got.len()).sum::<usize>()
        );
        assert!(
            accepted - delivered <= capacity,
            "{accepted} accepted, {delivered} delivered: more undelivered than the buffer holds"
        );
        assert_eq!(
            counts.dropped(),
            counts.created(),
            "every message dropped exactly once, while a sender still holds the channel"
        );
        drop(keep_alive);
        assert_eq!(counts.dropped(), counts.created());
        eprintln!("early drop, capacity {capacity}: {accepted} accepted, {delivered} delivered");
    }
}

/// A close racing with sends in flight: every send that returned `Ok` is
/// received, exactly once, and nothing after the close is.
#[test]
fn close_racing_with_sends_loses_no_accepted_message() {
    for capacity in [1, 3, 8] {
        for round in 0..8u64 {
            let counts = Arc::new(Counts::default());
            let (produced, consumed) = runtime().block_on(async {
                let (tx, rx) = channel::<Msg>(capacity);
                let producers: Vec<_> = (0..PRODUCERS)
                    .map(|p| {
                        tokio::spawn(produce(tx.clone(), p, 100_000, Arc::clone(&counts), true))
                    })
                    .collect();
                let consumers: Vec<_> = (0..CONSUMERS)
                    .map(|c| tokio::spawn(consume(rx.clone(), c, usize::MAX)))
                    .collect();
                // Close from a receiver or a sender after a random moment.
                let mut rng = Rng::new(round * 31 + capacity as u64);
                let delay = Duration::from_micros(rng.below(20_000));
                let closer = if round % 2 == 0 {
                    CloseBy::Sender(tx)
                } else {
                    CloseBy::Receiver(rx)
                };
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    closer.close();
                })
                .await
                .unwrap();
                let mut produced = Vec::new();
                for p in producers {
                    produced.push(p.await.unwrap());
                }
                let mut consumed = Vec::new();
                for c in consumers {
                    consumed.push(c.await.unwrap());
                }
                (produced, consumed)
            });
            let delivered = check_delivery(&produced, &consumed, true);
            let accepted: usize = produced.iter().map(|p| p.accepted.len()).sum();
            assert_eq!(delivered, accepted);
            eprintln!("close race, capacity {capacity}: {accepted} accepted and delivered");
            assert_eq!(counts.dropped(), counts.created());
        }
    }
}

enum CloseBy {
    Sender(Sender<Msg>),
    Receiver(Receiver<Msg>),
}

impl CloseBy {
    fn close(self) {
        let closed_now = match &self {
            Self::Sender(tx) => tx.close(),
            Self::Receiver(rx) => rx.close(),
        };
        assert!(closed_now, "nobody else closes");
    }
}
