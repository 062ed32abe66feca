//! The ring buffer's benches as interleaved, paired rounds (see
//! `benches::pairs` for why and how): the steady ratio between
//! `ringbuf_core` and its peers on a machine where a single run is not
//! steady.
//!
//! Workloads (capacity [`benches::CAPACITY`], `u64` values, [`MESSAGES`] per
//! round; the rounds are `benches::rings`'):
//!
//! - `ring/single_thread_push_pop`: a push then a pop on one thread;
//!   `ringbuf_core`, `ArrayQueue`, `rtrb`.
//! - `ring/spsc_2_threads`: one producer thread, one consumer thread;
//!   `ringbuf_core`, crossbeam's `ArrayQueue`, `rtrb`.
//! - `ring/spsc_2_threads_batch_64`: the same in batches of up to 64 values,
//!   `push_slice`/`pop_into` against rtrb's chunk API (`ArrayQueue` has no
//!   batch operations).
//! - `ring/mpmc_2x2`: two producers, two consumers; `ringbuf_core` and
//!   `ArrayQueue` (rtrb is SPSC only).
//!
//! Run: `cargo bench -p benches --bench ring_pairs` (about 30 s). It prints
//! a markdown table and writes it to `ring_pairs.md` in the target
//! directory, where `cargo xtask bench` picks it up for
//! `docs/benchmarks.md`. Criterion flags are accepted and ignored, except
//! that a short run (see [`benches::quick_run`]) does few rounds of few
//! messages and writes no file; `--discard-baseline` writes none either.

use std::time::{Duration, Instant};

use benches::pairs::{run, Contender, Sample};
use benches::rings::{
    mpmc_2x2_round, rtrb_single_thread_round, rtrb_spsc_batched_round, rtrb_spsc_round,
    single_thread_round, spsc_batched_round, spsc_round, ArrayQueue, RingBuffer, SharedQueue,
    BATCH, RTRB,
};

/// Messages per round in a full run: a round takes 1–15 ms.
const MESSAGES: u64 = 200_000;

/// Rounds per implementation in a full run.
const ROUNDS: usize = 1001;

/// A contender named after `Q` whose rounds are `round`.
fn queue_contender<Q: SharedQueue>(round: fn(u64) -> Duration) -> Contender<'static> {
    Contender::new(Q::NAME, move |messages| Sample::wall(round(messages)))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (rounds, messages) = if benches::quick_run(&args) {
        (5, 20_000)
    } else {
        (ROUNDS, MESSAGES)
    };
    let started = Instant::now();
    let mut table = format!(
        "{rounds} rounds of {messages} messages per implementation, interleaved; \
         a ratio below 1 means ringbuf_core was faster.\n\n"
    );
    let mut single = vec![
        queue_contender::<RingBuffer<u64>>(single_thread_round::<RingBuffer<u64>>),
        queue_contender::<ArrayQueue<u64>>(single_thread_round::<ArrayQueue<u64>>),
        Contender::new(RTRB, |messages| {
            Sample::wall(rtrb_single_thread_round(messages))
        }),
    ];
    table.push_str(&run(&mut single, rounds, messages).render("ring/single_thread_push_pop"));
    let mut spsc = vec![
        queue_contender::<RingBuffer<u64>>(spsc_round::<RingBuffer<u64>>),
        queue_contender::<ArrayQueue<u64>>(spsc_round::<ArrayQueue<u64>>),
        Contender::new(RTRB, |messages| Sample::wall(rtrb_spsc_round(messages))),
    ];
    table.push_str(&run(&mut spsc, rounds, messages).render("ring/spsc_2_threads"));
    let mut batched = vec![
        Contender::new(RingBuffer::<u64>::NAME, |messages| {
            Sample::wall(spsc_batched_round(messages))
        }),
        Contender::new(RTRB, |messages| {
            Sample::wall(rtrb_spsc_batched_round(messages))
        }),
    ];
    let title = format!("ring/spsc_2_threads_batch_{BATCH}");
    table.push_str(&run(&mut batched, rounds, messages).render(&title));
    let mut mpmc = vec![
        queue_contender::<RingBuffer<u64>>(mpmc_2x2_round::<RingBuffer<u64>>),
        queue_contender::<ArrayQueue<u64>>(mpmc_2x2_round::<ArrayQueue<u64>>),
    ];
    table.push_str(&run(&mut mpmc, rounds, messages).render("ring/mpmc_2x2"));
    println!("{table}");
    println!(
        "ring_pairs: done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    benches::write_result(&args, "ring_pairs.md", &table);
}
