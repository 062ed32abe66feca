//! `ringbuf-core`'s `RingBuffer` against its peers: crossbeam's `ArrayQueue`
//! (bounded MPMC, the same Vyukov algorithm) and `rtrb` (bounded SPSC,
//! wait-free, no CAS). The rounds they time are `benches::rings`'.
//!
//! Each group benchmarks the implementations side by side with the same
//! throughput, so Criterion reports time per message and the ratios between
//! rows are the comparison. Every queue holds `u64`s and has capacity
//! [`benches::CAPACITY`].
//!
//! - `ring/spsc_2_threads`: one producer thread, one consumer thread.
//! - `ring/spsc_2_threads_batch_64`: the same in batches of up to 64 values
//!   (`push_slice`/`pop_into`; rtrb's chunk API).
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
//! single-threaded group is stable to a few percent). The `ring_pairs`
//! target times the same rounds interleaved and paired, and reports the
//! steady ratio; these groups are the quick look.

use std::time::Duration;

use benches::rings::{
    mpmc_2x2_round, rtrb_single_thread_round, rtrb_spsc_batched_round, rtrb_spsc_round,
    single_thread_round, spsc_batched_round, spsc_round, ArrayQueue, RingBuffer, SharedQueue, RTRB,
};
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};

/// Messages sent per timed round in the threaded groups.
///
/// A round takes milliseconds, so each Criterion iteration is one round
/// (fresh queue, fresh threads) and the groups use flat sampling.
const MESSAGES: u64 = 1_000_000;

/// Benchmarks `round` as `name` in `group`: each iteration is one round.
fn bench_rounds(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, round: fn(u64) -> Duration) {
    group.bench_function(name, |b| {
        b.iter_custom(|rounds| (0..rounds).map(|_| round(MESSAGES)).sum())
    });
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
    bench_rounds(
        &mut group,
        RingBuffer::<u64>::NAME,
        spsc_round::<RingBuffer<u64>>,
    );
    bench_rounds(
        &mut group,
        ArrayQueue::<u64>::NAME,
        spsc_round::<ArrayQueue<u64>>,
    );
    bench_rounds(&mut group, RTRB, rtrb_spsc_round);
    group.finish();
}

/// [`spsc_2_threads`] in batches of up to 64 values: `push_slice` and
/// `pop_into` against rtrb's chunk API (`ArrayQueue` has no batches).
fn spsc_2_threads_batch(c: &mut Criterion) {
    let mut group = threaded_group(c, "ring/spsc_2_threads_batch_64");
    bench_rounds(&mut group, RingBuffer::<u64>::NAME, spsc_batched_round);
    bench_rounds(&mut group, RTRB, rtrb_spsc_batched_round);
    group.finish();
}

/// Two producers, two consumers; `rtrb` is not in this group: it is a
/// single-producer single-consumer queue.
fn mpmc_2x2(c: &mut Criterion) {
    let mut group = threaded_group(c, "ring/mpmc_2x2");
    bench_rounds(
        &mut group,
        RingBuffer::<u64>::NAME,
        mpmc_2x2_round::<RingBuffer<u64>>,
    );
    bench_rounds(
        &mut group,
        ArrayQueue::<u64>::NAME,
        mpmc_2x2_round::<ArrayQueue<u64>>,
    );
    group.finish();
}

/// One push then one pop per message, on one thread: the uncontended cost
/// of the two operations. Criterion's iteration is one message, so a sample
/// is one `single_thread_round` of that many messages.
fn single_thread_push_pop(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring/single_thread_push_pop");
    group.throughput(Throughput::Elements(1));
    let mut bench = |name: &str, round: fn(u64) -> Duration| {
        group.bench_function(name, |b| b.iter_custom(round));
    };
    bench(
        RingBuffer::<u64>::NAME,
        single_thread_round::<RingBuffer<u64>>,
    );
    bench(
        ArrayQueue::<u64>::NAME,
        single_thread_round::<ArrayQueue<u64>>,
    );
    bench(RTRB, rtrb_single_thread_round);
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
    targets = spsc_2_threads, spsc_2_threads_batch, mpmc_2x2, single_thread_push_pop
}
criterion_main!(ring);
