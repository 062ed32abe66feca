//! chan-async against the async channels users pick today, side by side in
//! one run: tokio's bounded mpsc, async-channel, flume, kanal, thingbuf and
//! futures' mpsc.
//!
//! The workloads are `benches::peers::workloads()`, one group `chan/<name>`
//! each (SPSC at capacity 1024 and 1, MPSC 4→1, MPMC 4×4, SPSC on a
//! current-thread runtime). Each is measured once: criterion reports elapsed time per message, and every run's
//! process CPU time (user + system) is summed into `cpu.tsv` for the report,
//! so CPU per message comes from the very runs that give the wall time; it is
//! where spinning and yield loops show.
//!
//! The peers, the [`Peer`] trait and the [`run`] harness live in
//! `benches::peers`, shared with the `scaling`, `alloc` and `chan_pairs`
//! targets. `chan_pairs` times the same workloads as interleaved, paired
//! rounds: the ratio to quote when single runs swing between regimes.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use benches::peers::{
    run, workloads, AsyncChannel, ChanAsync, Flume, FuturesMpsc, Kanal, Peer, Shape, Thingbuf,
    TokioMpsc,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokio::runtime::Runtime;

/// Benches every peer that supports `shape`, in a `wall` and a `cpu` group.
/// CPU time and messages per (workload, implementation), summed over every
/// run criterion makes of it, warm-up included: CPU per message measured in
/// the very runs that give the wall times.
static CPU: Mutex<BTreeMap<RunKey, (Duration, u64)>> = Mutex::new(BTreeMap::new());

/// (criterion group, implementation name).
type RunKey = (String, &'static str);

/// Benches every peer that supports `shape` in group `chan/<name>` (wall
/// time), recording each run's CPU time in [`CPU`].
fn workload(c: &mut Criterion, name: &str, shape: Shape, runtime: fn() -> Runtime) {
    let rt = runtime();
    let group_id = format!("chan/{name}");
    let mut group = c.benchmark_group(&group_id);
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    macro_rules! peer {
        ($peer:ty) => {
            if shape.consumers == 1 || <$peer>::MPMC {
                group.bench_function(<$peer>::NAME, |b| {
                    b.iter_custom(|iters| {
                        let (wall, cpu) = run::<$peer>(&rt, shape, iters);
                        let mut totals = CPU.lock().expect("no bench panicked");
                        let total = totals.entry((group_id.clone(), <$peer>::NAME)).or_default();
                        total.0 += cpu;
                        total.1 += iters;
                        wall
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

/// Writes `cpu.tsv` (group, implementation, CPU ns per message) beside
/// criterion's results, for `cargo xtask bench` to put next to the wall times.
fn write_cpu_times() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !benches::writes_results(&args) {
        return;
    }
    let mut out = String::new();
    for ((group, name), (cpu, messages)) in CPU.lock().expect("no bench panicked").iter() {
        let per_message = cpu.as_nanos() as f64 / (*messages).max(1) as f64;
        out.push_str(&format!("{group}\t{name}\t{per_message:.2}\n"));
    }
    let dir = benches::output_dir();
    std::fs::create_dir_all(&dir).expect("target directory");
    std::fs::write(dir.join("cpu.tsv"), out).expect("writing cpu.tsv");
}

fn channels(c: &mut Criterion) {
    for w in workloads() {
        workload(c, w.name, w.shape, w.runtime);
    }
    write_cpu_times();
}

criterion_group! {
    name = channel;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = channels
}
criterion_main!(channel);
