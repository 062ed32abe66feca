//! The ring buffer and its peers, one timed round of each shape: a push
//! then a pop on one thread, SPSC across two threads (one value at a time,
//! or in batches), MPMC 2×2.
//!
//! `ringbuf_core::RingBuffer` is compared with crossbeam's `ArrayQueue` (bounded
//! MPMC, the same per-slot-stamp algorithm) and `rtrb` (bounded SPSC,
//! wait-free, no compare-and-swap). A round moves `0..messages` through a
//! fresh queue of capacity [`CAPACITY`] (on fresh threads, timed by
//! [`run_timed`], in the threaded shapes), checks the consumers' checksum,
//! and returns the time taken. The
//! `ring` target (Criterion) and the `ring_pairs` target (interleaved rounds)
//! time the same rounds.
//!
//! ```
//! use benches::rings::{spsc_round, ArrayQueue, RingBuffer};
//!
//! let ours = spsc_round::<RingBuffer<u64>>(10_000);
//! let theirs = spsc_round::<ArrayQueue<u64>>(10_000);
//! assert!(ours.as_nanos() > 0 && theirs.as_nanos() > 0);
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

pub use crossbeam_queue::ArrayQueue;
pub use ringbuf_core::RingBuffer;

use crate::{consume, produce, run_timed, sum_of, Job, CAPACITY};

/// A bounded queue that any number of threads use through `&self`.
pub trait SharedQueue: Sync {
    /// The name the reports give it.
    const NAME: &'static str;
    /// An empty queue of capacity `capacity`.
    fn with_capacity(capacity: usize) -> Self;
    /// Appends `value`, or gives it back when the queue is full.
    fn try_push(&self, value: u64) -> Result<(), u64>;
    /// Removes the oldest value, or `None` when the queue is empty.
    fn try_pop(&self) -> Option<u64>;
}

/// Implements [`SharedQueue`] for a queue type whose `new`, `push` and
/// `pop` already have the shapes it wants (both queues here do).
macro_rules! shared_queue {
    ($queue:ident, $name:literal) => {
        impl SharedQueue for $queue<u64> {
            const NAME: &'static str = $name;

            fn with_capacity(capacity: usize) -> Self {
                $queue::new(capacity)
            }

            #[inline]
            fn try_push(&self, value: u64) -> Result<(), u64> {
                self.push(value)
            }

            #[inline]
            fn try_pop(&self) -> Option<u64> {
                self.pop()
            }
        }
    };
}

shared_queue!(RingBuffer, "ringbuf_core");
shared_queue!(ArrayQueue, "crossbeam_array_queue");

/// The name the reports give `rtrb`.
pub const RTRB: &str = "rtrb";

/// Panics unless the consumers' sums add up to `0..messages`.
fn check(sums: &[u64], messages: u64) {
    let received = sums.iter().fold(0u64, |sum, part| sum.wrapping_add(*part));
    assert_eq!(
        received,
        sum_of(0..messages),
        "the consumers' checksum is wrong"
    );
}

/// The single-threaded round over any queue given as a push and a pop.
fn single_thread(
    messages: u64,
    mut push: impl FnMut(u64) -> Result<(), u64>,
    mut pop: impl FnMut() -> Option<u64>,
) -> Duration {
    let started = Instant::now();
    let mut sum = 0u64;
    for value in 0..messages {
        assert!(
            push(black_box(value)).is_ok(),
            "the queue holds at most one value"
        );
        let popped = black_box(pop()).expect("the value just pushed");
        sum = sum.wrapping_add(popped);
    }
    let elapsed = started.elapsed();
    check(&[sum], messages);
    elapsed
}

/// One thread pushes then pops `messages` values, one at a time, through a
/// fresh `Q`: the uncontended cost of the two operations (the queue never
/// holds more than one value, but the positions advance, so every slot is
/// used in turn).
pub fn single_thread_round<Q: SharedQueue>(messages: u64) -> Duration {
    let queue = Q::with_capacity(CAPACITY);
    single_thread(messages, |v| queue.try_push(v), || queue.try_pop())
}

/// [`single_thread_round`] for `rtrb`.
pub fn rtrb_single_thread_round(messages: u64) -> Duration {
    let (mut producer, mut consumer) = rtrb::RingBuffer::new(CAPACITY);
    single_thread(messages, rtrb_push(&mut producer), || consumer.pop().ok())
}

/// The SPSC round over any queue given as a push (for the producer thread)
/// and a pop (for the consumer thread).
fn spsc(
    messages: u64,
    push: impl FnMut(u64) -> Result<(), u64> + Send,
    pop: impl FnMut() -> Option<u64> + Send,
) -> Duration {
    let (elapsed, sums) = run_timed(vec![
        Box::new(move || {
            produce(0..messages, push);
            0_u64
        }) as Job<'_, u64>,
        Box::new(move || consume(messages, pop)),
    ]);
    check(&sums, messages);
    elapsed
}

/// One producer thread and one consumer thread move `messages` values
/// through a fresh `Q`.
pub fn spsc_round<Q: SharedQueue>(messages: u64) -> Duration {
    let queue = Q::with_capacity(CAPACITY);
    spsc(messages, |v| queue.try_push(v), || queue.try_pop())
}

/// [`spsc_round`] for `rtrb`, whose two ends are separate handles.
pub fn rtrb_spsc_round(messages: u64) -> Duration {
    let (mut producer, mut consumer) = rtrb::RingBuffer::new(CAPACITY);
    spsc(messages, rtrb_push(&mut producer), move || {
        consumer.pop().ok()
    })
}

/// `rtrb`'s push in the shape the rounds take: the value back when full.
fn rtrb_push(producer: &mut rtrb::Producer<u64>) -> impl FnMut(u64) -> Result<(), u64> + Send + '_ {
    |value| {
        producer
            .push(value)
            .map_err(|rtrb::PushError::Full(value)| value)
    }
}

/// Values per batch in the batched rounds.
pub const BATCH: usize = 64;

/// The producer's side of a batched round: `0..messages` in runs of up to
/// [`BATCH`], each run retried (through [`crate::wait`]) until stored;
/// `push` stores a front part of the run and returns its length (0: full).
fn produce_batches(messages: u64, mut push: impl FnMut(&[u64]) -> usize) {
    let mut run = Vec::with_capacity(BATCH);
    let mut next = 0;
    while next < messages {
        run.clear();
        run.extend(next..messages.min(next + BATCH as u64));
        next += run.len() as u64;
        let mut rest = &run[..];
        let mut spins = 0;
        while !rest.is_empty() {
            match push(rest) {
                0 => crate::wait(&mut spins),
                pushed => {
                    rest = &rest[pushed..];
                    spins = 0;
                }
            }
        }
    }
}

/// The consumer's side of a batched round: takes `messages` values in
/// batches of up to [`BATCH`] and returns their wrapping sum; `pop` adds
/// the values it took to the sum it is given and returns how many (0:
/// empty).
fn consume_batches(messages: u64, mut pop: impl FnMut(&mut u64) -> usize) -> u64 {
    let mut sum = 0;
    let mut taken = 0;
    let mut spins = 0;
    while taken < messages {
        match pop(&mut sum) {
            0 => crate::wait(&mut spins),
            count => {
                taken += count as u64;
                spins = 0;
            }
        }
    }
    sum
}

/// [`spsc_round`] in batches: the producer stores runs of up to [`BATCH`]
/// values with `push_slice`, the consumer takes up to [`BATCH`] at a time
/// with `pop_into`, each one claim (one compare-and-swap) per batch.
pub fn spsc_batched_round(messages: u64) -> Duration {
    let ring = RingBuffer::new(CAPACITY);
    let ring = &ring;
    let (elapsed, sums) = run_timed(vec![
        Box::new(move || {
            produce_batches(messages, |run| ring.push_slice(run).unwrap_or(0));
            0_u64
        }) as Job<'_, u64>,
        Box::new(move || {
            let mut taken = Vec::with_capacity(BATCH);
            consume_batches(messages, |sum| {
                taken.clear();
                let count = ring.pop_into(&mut taken, BATCH).unwrap_or(0);
                *sum = taken.iter().fold(*sum, |s, v| s.wrapping_add(*v));
                count
            })
        }),
    ]);
    check(&sums, messages);
    elapsed
}

/// [`spsc_batched_round`] for `rtrb`, through its chunk API, the fast way:
/// ask for the whole run (or batch) first, so rtrb answers from its cached
/// index, and fall back to what it says is available; read a chunk as
/// slices and commit it at once.
pub fn rtrb_spsc_batched_round(messages: u64) -> Duration {
    use rtrb::chunks::ChunkError::TooFewSlots;
    let (mut producer, mut consumer) = rtrb::RingBuffer::<u64>::new(CAPACITY);
    let (elapsed, sums) = run_timed(vec![
        Box::new(move || {
            produce_batches(messages, |run| {
                let chunk = match producer.write_chunk_uninit(run.len()) {
                    Ok(chunk) => chunk,
                    Err(TooFewSlots(0)) => return 0,
                    Err(TooFewSlots(free)) => producer
                        .write_chunk_uninit(free)
                        .expect("rtrb said these slots are free"),
                };
                chunk.fill_from_iter(run.iter().copied())
            });
            0_u64
        }) as Job<'_, u64>,
        Box::new(move || {
            consume_batches(messages, |sum| {
                let chunk = match consumer.read_chunk(BATCH) {
                    Ok(chunk) => chunk,
                    Err(TooFewSlots(0)) => return 0,
                    Err(TooFewSlots(ready)) => consumer
                        .read_chunk(ready)
                        .expect("rtrb said these values are ready"),
                };
                let (first, second) = chunk.as_slices();
                *sum = first
                    .iter()
                    .chain(second)
                    .fold(*sum, |s, v| s.wrapping_add(*v));
                let count = chunk.len();
                chunk.commit_all();
                count
            })
        }),
    ]);
    check(&sums, messages);
    elapsed
}

/// Two producers send one half of `0..messages` each; two consumers take
/// half of the messages each, whichever they get.
///
/// Four spinning threads on a 2-core machine: waits fall back to yielding
/// (see [`crate::wait`]), so the time includes scheduling, the same for
/// every queue.
pub fn mpmc_2x2_round<Q: SharedQueue>(messages: u64) -> Duration {
    let half = messages / 2;
    let queue = Q::with_capacity(CAPACITY);
    let queue = &queue;
    let (elapsed, sums) = run_timed(vec![
        Box::new(move || {
            produce(0..half, |v| queue.try_push(v));
            0_u64
        }) as Job<'_, u64>,
        Box::new(move || {
            produce(half..messages, |v| queue.try_push(v));
            0_u64
        }),
        Box::new(move || consume(half, || queue.try_pop())),
        Box::new(move || consume(messages - half, || queue.try_pop())),
    ]);
    check(&sums, messages);
    elapsed
}
