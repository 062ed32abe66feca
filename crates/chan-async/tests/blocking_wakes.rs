#![cfg(not(chan_loom))]
//! The blocking bridge never sleeps through a wake.
//!
//! Pairs of threads play ping-pong through two channels of capacity 1,
//! every call blocking, with random pauses between calls: none, a short
//! spin, a yield, or a sleep long enough that the other side's backoff runs
//! out and it parks. So a wake lands on a thread in every phase of its wait
//! (backing off on the operation, backing off on its parker, announcing the
//! park, parked), and a stale wake from an earlier call lands on later
//! ones. A lost wake leaves a pair stuck; the watchdog then fails the test
//! (rather than let it hang) naming the pair and the round.
//!
//! A second test runs the same pauses on a many-to-many channel with short
//! timeouts that do fire, checking that every message arrives exactly once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use chan_async::{channel, RecvTimeoutError, SendTimeoutError};

/// A stuck pair gets this long before the test fails.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Round trips per pair.
const ROUNDS: u64 = if cfg!(miri) { 20 } else { 3_000 };

/// xorshift64*: cheap, deterministic per thread, good enough for pauses.
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

    /// A pause before the next call, to hit the other side in every phase
    /// of its wait.
    fn pause(&mut self) {
        match self.next() % 16 {
            0..=7 => {}
            8..=11 => {
                for _ in 0..self.next() % 4_000 {
                    std::hint::spin_loop();
                }
            }
            12 | 13 => thread::yield_now(),
            _ => thread::sleep(Duration::from_micros(self.next() % 200)),
        }
    }
}

/// A timeout that never fires: the calls with a deadline take the same
/// path as the plain ones, with a timed park.
fn far() -> Duration {
    Duration::from_secs(3_600)
}

#[test]
fn ping_pong_pairs_with_random_pauses_never_hang() {
    const PAIRS: u64 = 4;
    let (done_tx, done_rx) = mpsc::channel();
    // The round each pair has reached, for the watchdog's message.
    let progress: Arc<Vec<AtomicU64>> = Arc::new((0..PAIRS).map(|_| AtomicU64::new(0)).collect());
    for pair in 0..PAIRS {
        let (ping_tx, ping_rx) = channel::<u64>(1);
        let (pong_tx, pong_rx) = channel::<u64>(1);
        let echo = thread::spawn(move || {
            let mut rng = Rng::new(2 * pair + 1);
            loop {
                rng.pause();
                let ping = match rng.next() % 3 {
                    0 => ping_rx.recv_blocking(),
                    1 => ping_rx.recv_timeout(far()).ok(),
                    _ => ping_rx.iter().next(),
                };
                let Some(value) = ping else { break };
                rng.pause();
                match rng.next() % 2 {
                    0 => pong_tx.send_blocking(value).unwrap(),
                    _ => pong_tx.send_timeout(value, far()).unwrap(),
                }
            }
        });
        let done = done_tx.clone();
        let progress = progress.clone();
        thread::spawn(move || {
            let mut rng = Rng::new(2 * pair + 2);
            for round in 0..ROUNDS {
                progress[pair as usize].store(round, Ordering::Relaxed);
                rng.pause();
                match rng.next() % 2 {
                    0 => ping_tx.send_blocking(round).unwrap(),
                    _ => ping_tx
                        .send_deadline(round, Instant::now() + far())
                        .unwrap(),
                }
                rng.pause();
                let pong = match rng.next() % 2 {
                    0 => pong_rx.recv_blocking(),
                    _ => pong_rx.recv_deadline(Instant::now() + far()).ok(),
                };
                assert_eq!(pong, Some(round), "pair {pair}: wrong reply");
            }
            drop(ping_tx);
            echo.join().unwrap();
            done.send(pair).unwrap();
        });
    }
    drop(done_tx);
    for _ in 0..PAIRS {
        if let Err(error) = done_rx.recv_timeout(WATCHDOG) {
            let rounds: Vec<u64> = progress.iter().map(|p| p.load(Ordering::Relaxed)).collect();
            panic!(
                "a pair is stuck after {WATCHDOG:?} ({error}): a blocked thread slept through \
                 its wake; rounds reached per pair: {rounds:?} of {ROUNDS}"
            );
        }
    }
}

#[test]
fn many_to_many_with_random_pauses_and_firing_timeouts_delivers_everything() {
    const PRODUCERS: u64 = 3;
    const CONSUMERS: u64 = 3;
    let per_producer = if cfg!(miri) { 20 } else { 5_000 };
    let (tx, rx) = channel::<u64>(2);
    let (done_tx, done_rx) = mpsc::channel();
    for producer in 0..PRODUCERS {
        let tx = tx.clone();
        let done = done_tx.clone();
        thread::spawn(move || {
            let mut rng = Rng::new(100 + producer);
            for seq in 0..per_producer {
                rng.pause();
                let mut message = producer * per_producer + seq;
                // Short timeouts that fire now and then: the message comes
                // back and is sent again.
                loop {
                    let timeout = Duration::from_micros(rng.next() % 300);
                    match tx.send_timeout(message, timeout) {
                        Ok(()) => break,
                        Err(SendTimeoutError::Timeout(back)) => message = back,
                        Err(SendTimeoutError::Closed(_)) => panic!("closed early"),
                    }
                }
            }
            done.send(0).unwrap();
        });
    }
    drop(tx);
    for consumer in 0..CONSUMERS {
        let rx = rx.clone();
        let done = done_tx.clone();
        thread::spawn(move || {
            let mut rng = Rng::new(200 + consumer);
            let mut sum = 0;
            let mut count = 0;
            loop {
                rng.pause();
                let timeout = Duration::from_micros(rng.next() % 300);
                match rx.recv_timeout(timeout) {
                    Ok(message) => {
                        sum += message;
                        count += 1;
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Closed) => break,
                }
            }
            done.send(sum * 1_000_000 + count).unwrap();
        });
    }
    drop((rx, done_tx));
    let (mut sum, mut count) = (0, 0);
    for _ in 0..PRODUCERS + CONSUMERS {
        let report = done_rx
            .recv_timeout(WATCHDOG)
            .expect("a thread is stuck: a blocked thread slept through its wake");
        sum += report / 1_000_000;
        count += report % 1_000_000;
    }
    let messages = PRODUCERS * per_producer;
    assert_eq!(count, messages, "messages lost or duplicated");
    assert_eq!(
        sum,
        messages * (messages - 1) / 2,
        "messages lost or duplicated"
    );
}
