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
//!
//! The peers, the [`Peer`] trait and the [`run`] harness live in
//! `benches::peers`, shared with the `scaling` and `alloc` targets.

use std::time::Duration;

use benches::peers::{
    current_thread, multi_thread, run, AsyncChannel, ChanAsync, Flume, FuturesMpsc, Kanal, Peer,
    Shape, Thingbuf, TokioMpsc,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokio::runtime::Runtime;

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
