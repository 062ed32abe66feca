//! How chan-async, kanal and flume scale: throughput as producers are added
//! and as the capacity shrinks.
//!
//! Families (u64 messages; the consumers' sums are checked; tokio
//! multi-thread runtime with 2 workers, as in `channel`):
//!
//! - `scaling/producers_to_1/p{1,2,4,8,16}`: that many producer tasks, one
//!   consumer task, capacity 1024;
//! - `scaling/producers_to_4/p{1,2,4,8,16}`: the same with four consumers;
//! - `scaling/capacity/c{1024,64,8,1}`: one producer, one consumer, at that
//!   capacity.
//!
//! The function id is the channel's name and the throughput one element, so
//! criterion reports wall time per message like `channel` does. With 2
//! workers, 16 producers measure contention and fairness between tasks, not
//! parallel speed-up. `cargo xtask bench --report` turns each family into
//! one table (channels × parameter) and draws `docs/scaling.svg`.
//!
//! Run: `cargo bench -p benches --bench scaling` (about two minutes).

use std::time::Duration;

use benches::peers::{multi_thread, run, ChanAsync, Flume, Kanal, Peer, Shape};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokio::runtime::Runtime;

/// Producer counts of the two producer families.
const PRODUCERS: [u64; 5] = [1, 2, 4, 8, 16];
/// Capacities of the capacity family, largest first.
const CAPACITIES: [usize; 4] = [1024, 64, 8, 1];

/// One criterion group: chan-async, kanal and flume in `shape`.
fn point(c: &mut Criterion, rt: &Runtime, group: String, shape: Shape) {
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    macro_rules! peer {
        ($peer:ty) => {
            group.bench_function(<$peer>::NAME, |b| {
                b.iter_custom(|iters| run::<$peer>(rt, shape, iters).0)
            });
        };
    }
    peer!(ChanAsync);
    peer!(Kanal);
    peer!(Flume);
    group.finish();
}

fn scaling(c: &mut Criterion) {
    let rt = multi_thread();
    for consumers in [1, 4] {
        for producers in PRODUCERS {
            let shape = Shape {
                capacity: 1024,
                producers,
                consumers,
            };
            let group = format!("scaling/producers_to_{consumers}/p{producers}");
            point(c, &rt, group, shape);
        }
    }
    for capacity in CAPACITIES {
        let shape = Shape {
            capacity,
            producers: 1,
            consumers: 1,
        };
        point(c, &rt, format!("scaling/capacity/c{capacity}"), shape);
    }
}

criterion_group! {
    name = scaling_group;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(400))
        .measurement_time(Duration::from_millis(1500));
    targets = scaling
}
criterion_main!(scaling_group);
