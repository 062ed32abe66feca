//! `ringbuf-core`'s `RingBuffer` against its peers: crossbeam's `ArrayQueue`
//! (bounded MPMC, the same Vyukov algorithm) and `rtrb` (bounded SPSC,
//! wait-free, no CAS).
//!
//! Each group benchmarks the implementations side by side with the same
//! throughput, so Criterion reports time per message and the ratios between
//! rows are the comparison. Every queue holds `u64`s and has capacity
//! [`CAPACITY`].
//!
//! - `ring/spsc_2_threads`: one producer thread, one consumer thread.
//! - `ring/mpmc_2x2`: two producers, two consumers (not `rtrb`: SPSC only).
//! - `ring/single_thread_push_pop`: a push then a pop on one thread.
//!
//! Run: `cargo bench -p benches --bench ring`. The defaults (20 samples,
//! 3 s of measurement per row) suit a 2-core machine; Criterion's flags
//! override them, e.g. `-- --quick` or `-- --warm-up-time 0.1
//! --measurement-time 0.2 --sample-size 10` for a smoke run, or a filter
//! such as `-- spsc`.
//!
//! The threaded groups measure cache-line transfers between two cores, so
//! they depend on where the two threads run: on a shared VM the same row can
//! move between regimes several times apart from one run to the next (the
//! single-threaded group is stable to a few percent). Compare rows of one
//! run, and repeat a run before trusting a ratio.

use std::hint::black_box;
use std::time::Duration;

use benches::{consume, produce, run_timed, sum_of, Job, CAPACITY};
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};
use crossbeam_queue::ArrayQueue;
use ringbuf_core::RingBuffer;

/// Messages sent per timed round in the threaded groups.
///
/// A round takes tens of milliseconds, so each Criterion iteration is one
/// round (fresh queue, fresh threads) and the groups use flat sampling.
const MESSAGES: u64 = 1_000_000;

/// Runs `rounds` rounds built by `round` and returns their total time, the
/// shape `iter_custom` wants.
fn total(rounds: u64, mut round: impl FnMut() -> Duration) -> Duration {
    (0..rounds).map(|_| round()).sum()
}

/// Checks that the consumers of a round received exactly `0..MESSAGES`.
fn check(sums: &[u64]) {
    let received = sums.iter().fold(0u64, |sum, part| sum.wrapping_add(*part));
    assert_eq!(
        received,
        sum_of(0..MESSAGES),
        "the consumers' checksum is wrong"
    );
}

/// Settings shared by the two threaded groups: one round is long, so every
/// sample runs the same number of rounds rather than a growing count.
fn threaded_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(MESSAGES));
    group
}

fn spsc_2_threads(c: &mut Criterion) {
    let mut group = threaded_group(c, "ring/spsc_2_threads");

    group.bench_function("ringbuf_core", |b| {
        b.iter_custom(|rounds| {
            total(rounds, || {
                let ring = RingBuffer::new(CAPACITY);
                let ring = &ring;
                let (elapsed, sums) = run_timed(vec![
                    Box::new(move || {
                        produce(0..MESSAGES, |v| ring.push(v));
                        0_u64
                    }) as Job<'_, u64>,
                    Box::new(move || consume(MESSAGES, || ring.pop())),
                ]);
                check(&sums);
                elapsed
            })
        });
    });

    group.bench_function("crossbeam_array_queue", |b| {
        b.iter_custom(|rounds| {
            total(rounds, || {
                let queue = ArrayQueue::new(CAPACITY);
                let queue = &queue;
                let (elapsed, sums) = run_timed(vec![
                    Box::new(move || {
                        produce(0..MESSAGES, |v| queue.push(v));
                        0_u64
                    }) as Job<'_, u64>,
                    Box::new(move || consume(MESSAGES, || queue.pop())),
                ]);
                check(&sums);
                elapsed
            })
        });
    });

    group.bench_function("rtrb", |b| {
        b.iter_custom(|rounds| {
            total(rounds, || {
                let (mut producer, mut consumer) = rtrb::RingBuffer::new(CAPACITY);
                let (elapsed, sums) = run_timed(vec![
                    Box::new(move || {
                        produce(0..MESSAGES, |v| {
                            producer.push(v).map_err(|rtrb::PushError::Full(v)| v)
                        });
                        0_u64
                    }) as Job<'_, u64>,
                    Box::new(move || consume(MESSAGES, || consumer.pop().ok())),
                ]);
                check(&sums);
                elapsed
            })
        });
    });

    group.finish();
}

/// Two producers send one half of `0..MESSAGES` each; two consumers take
/// `MESSAGES / 2` values each, whichever they get.
///
/// `rtrb` is not in this group: it is a single-producer single-consumer
/// queue (`Producer` and `Consumer` are not `Clone`/`Sync`).
///
/// Four spinning threads share the 2 cores here, so waits fall back to
/// yielding (see `benches::wait`) and the numbers include scheduling; they
/// compare the two queues under the same oversubscription rather than
/// measure either in isolation.
fn mpmc_2x2(c: &mut Criterion) {
    const HALF: u64 = MESSAGES / 2;
    let mut group = threaded_group(c, "ring/mpmc_2x2");

    group.bench_function("ringbuf_core", |b| {
        b.iter_custom(|rounds| {
            total(rounds, || {
                let ring = RingBuffer::new(CAPACITY);
                let ring = &ring;
                let (elapsed, sums) = run_timed(vec![
                    Box::new(move || {
                        produce(0..HALF, |v| ring.push(v));
                        0_u64
                    }) as Job<'_, u64>,
                    Box::new(move || {
                        produce(HALF..MESSAGES, |v| ring.push(v));
                        0_u64
                    }),
                    Box::new(move || consume(HALF, || ring.pop())),
                    Box::new(move || consume(MESSAGES - HALF, || ring.pop())),
                ]);
                check(&sums);
                elapsed
            })
        });
    });

    group.bench_function("crossbeam_array_queue", |b| {
        b.iter_custom(|rounds| {
            total(rounds, || {
                let queue = ArrayQueue::new(CAPACITY);
                let queue = &queue;
                let (elapsed, sums) = run_timed(vec![
                    Box::new(move || {
                        produce(0..HALF, |v| queue.push(v));
                        0_u64
                    }) as Job<'_, u64>,
                    Box::new(move || {
                        produce(HALF..MESSAGES, |v| queue.push(v));
                        0_u64
                    }),
                    Box::new(move || consume(HALF, || queue.pop())),
                    Box::new(move || consume(MESSAGES - HALF, || queue.pop())),
                ]);
                check(&sums);
                elapsed
            })
        });
    });

    group.finish();
}

/// One push then one pop per iteration, on one thread: the uncontended cost
/// of the two operations (the queue never holds more than one value, but the
/// positions advance, so every slot is used in turn).
fn single_thread_push_pop(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring/single_thread_push_pop");
    group.throughput(Throughput::Elements(1));

    group.bench_function("ringbuf_core", |b| {
        let ring = RingBuffer::new(CAPACITY);
        let mut value = 0u64;
        b.iter(|| {
            value = value.wrapping_add(1);
            ring.push(black_box(value)).unwrap();
            black_box(ring.pop())
        });
    });

    group.bench_function("crossbeam_array_queue", |b| {
        let queue = ArrayQueue::new(CAPACITY);
        let mut value = 0u64;
        b.iter(|| {
            value = value.wrapping_add(1);
            queue.push(black_box(value)).unwrap();
            black_box(queue.pop())
        });
    });

    group.bench_function("rtrb", |b| {
        let (mut producer, mut consumer) = rtrb::RingBuffer::new(CAPACITY);
        let mut value = 0u64;
        b.iter(|| {
            value = value.wrapping_add(1);
            producer.push(black_box(value)).unwrap();
            black_box(consumer.pop().ok())
        });
    });

    group.finish();
}

/// The defaults for this target; Criterion's command-line flags
/// (`--sample-size`, `--measurement-time`, `--warm-up-time`, ...) override
/// them because they are set on `Criterion`, not on the groups.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = ring;
    config = config();
    targets = spsc_2_threads, mpmc_2x2, single_thread_push_pop
}
criterion_main!(ring);
