//! The cost of one non-waiting send and receive, on one thread: rounds of
//! `k` `try_send`s into a channel of capacity 1024 followed by `k`
//! `try_recv`s, for chan-async and its blocking peers, and the same on the
//! bare rings (ringbuf-core's `RingBuffer` and crossbeam's `ArrayQueue`,
//! the same algorithm) to tell ring cost from channel-layer cost. Prints
//! the median ns per message (one send plus one receive) of a few runs.
//!
//! ```text
//! cargo run --release -p benches --example op_cost -- [IMPL|all] [K...]
//! cargo run --release -p benches --example op_cost -- all 1 16 1000
//! ```
//!
//! `IMPL` is one of `chan-async`, `kanal`, `crossbeam-channel`, `flume`,
//! `ring`, `array-queue`, or `chan-async-blocking` / `kanal-blocking` (the
//! same through `send_blocking`/`recv_blocking` and kanal's `send`/`recv`,
//! which never wait here) (default `all`); `K` defaults to 1, 16 and 1000.
//! `MESSAGES` (env, default 10 000 000) sets the messages per run.
//!
//! Instructions per message, one implementation per process: the timed
//! loops are the `rounds` functions, so callgrind can count only them.
//!
//! ```text
//! MESSAGES=1000000 valgrind --tool=callgrind --toggle-collect='*op_cost*rounds*' \
//!     target/release/examples/op_cost chan-async 16
//! ```
//!
//! (`Ir` of the summary divided by `MESSAGES`; the example runs once, not
//! `RUNS` times, under valgrind: set `RUNS=1`.)

use std::hint::black_box;
use std::time::Instant;

/// The channels' capacity.
const CAPACITY: usize = 1024;

/// One implementation: fill `k`, drain `k`, `rounds` times.
trait Impl {
    const NAME: &'static str;
    type Q;
    fn make() -> Self::Q;
    fn rounds(q: &Self::Q, rounds: u64, k: u64) -> u64;
}

macro_rules! imp {
    ($ty:ident, $name:literal, $q:ty, $make:expr, |$qq:ident, $v:ident| $send:expr, |$qr:ident| $recv:expr) => {
        struct $ty;
        impl Impl for $ty {
            const NAME: &'static str = $name;
            type Q = $q;
            fn make() -> Self::Q {
                $make
            }
            #[inline(never)]
            fn rounds(q: &Self::Q, rounds: u64, k: u64) -> u64 {
                let mut sum = 0u64;
                for _ in 0..rounds {
                    for i in 0..k {
                        let $qq = black_box(q);
                        let $v = i;
                        $send;
                    }
                    for _ in 0..k {
                        let $qr = black_box(q);
                        sum = sum.wrapping_add($recv);
                    }
                }
                sum
            }
        }
    };
}

imp!(
    ChanAsync,
    "chan-async",
    (chan_async::Sender<u64>, chan_async::Receiver<u64>),
    chan_async::channel(CAPACITY),
    |q, v| q.0.try_send(v).unwrap(),
    |q| q.1.try_recv().unwrap()
);
imp!(
    Kanal,
    "kanal",
    (kanal::Sender<u64>, kanal::Receiver<u64>),
    kanal::bounded(CAPACITY),
    |q, v| assert!(q.0.try_send(v).unwrap()),
    |q| q.1.try_recv().unwrap().unwrap()
);
imp!(
    ChanAsyncBlocking,
    "chan-async-blocking",
    (chan_async::Sender<u64>, chan_async::Receiver<u64>),
    chan_async::channel(CAPACITY),
    |q, v| q.0.send_blocking(v).unwrap(),
    |q| q.1.recv_blocking().unwrap()
);
imp!(
    KanalBlocking,
    "kanal-blocking",
    (kanal::Sender<u64>, kanal::Receiver<u64>),
    kanal::bounded(CAPACITY),
    |q, v| q.0.send(v).unwrap(),
    |q| q.1.recv().unwrap()
);
imp!(
    Crossbeam,
    "crossbeam-channel",
    (
        crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>
    ),
    crossbeam_channel::bounded(CAPACITY),
    |q, v| q.0.try_send(v).unwrap(),
    |q| q.1.try_recv().unwrap()
);
imp!(
    Flume,
    "flume",
    (flume::Sender<u64>, flume::Receiver<u64>),
    flume::bounded(CAPACITY),
    |q, v| q.0.try_send(v).unwrap(),
    |q| q.1.try_recv().unwrap()
);
imp!(
    Ring,
    "ring",
    ringbuf_core::RingBuffer<u64>,
    ringbuf_core::RingBuffer::new(CAPACITY),
    |q, v| q.push(v).unwrap(),
    |q| q.pop().unwrap()
);
imp!(
    ArrayQueue,
    "array-queue",
    crossbeam_queue::ArrayQueue<u64>,
    crossbeam_queue::ArrayQueue::new(CAPACITY),
    |q, v| q.push(v).unwrap(),
    |q| q.pop().unwrap()
);

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |v| v.parse().expect(name))
}

fn measure<I: Impl>(wanted: &str, ks: &[u64]) {
    if wanted != "all" && wanted != I::NAME {
        return;
    }
    let messages = env("MESSAGES", 10_000_000);
    let runs = env("RUNS", 7) as usize;
    let q = I::make();
    for &k in ks {
        let rounds = (messages / k).max(1);
        let mut ns: Vec<f64> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                black_box(I::rounds(&q, rounds, k));
                start.elapsed().as_nanos() as f64 / (rounds * k) as f64
            })
            .collect();
        ns.sort_by(f64::total_cmp);
        println!(
            "{:>17} k={k:<5} {:6.2} ns/msg (runs {:.2}..{:.2})",
            I::NAME,
            ns[runs / 2],
            ns[0],
            ns[runs - 1]
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let wanted = args.first().map_or("all", String::as_str);
    let mut ks: Vec<u64> = args[1.min(args.len())..]
        .iter()
        .map(|k| k.parse().expect("K: a number"))
        .collect();
    if ks.is_empty() {
        ks = vec![1, 16, 1000];
    }
    assert!(ks.iter().all(|&k| (1..=CAPACITY as u64).contains(&k)));
    measure::<ChanAsync>(wanted, &ks);
    measure::<Kanal>(wanted, &ks);
    measure::<ChanAsyncBlocking>(wanted, &ks);
    measure::<KanalBlocking>(wanted, &ks);
    measure::<Crossbeam>(wanted, &ks);
    measure::<Flume>(wanted, &ks);
    measure::<Ring>(wanted, &ks);
    measure::<ArrayQueue>(wanted, &ks);
}
