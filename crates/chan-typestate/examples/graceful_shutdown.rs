//! A producer/worker pipeline that shuts down gracefully.
//!
//! Producers send jobs into a bounded channel, a pool of workers processes
//! them. After a fixed number of jobs (or a time limit), the coordinator
//! closes its sender, which refuses every later send, and waits with
//! `drained()` until the workers have taken every job that was accepted.
//! Then it checks that nothing was lost and prints a report.
//!
//! So that every run shows `drained()` waiting for real work, the
//! coordinator closes with the channel full: it first pauses the workers
//! between two jobs (they hold a read guard of a `RwLock` per job; the
//! coordinator takes the write guard), lets the producers fill the
//! channel, closes, and then lets the workers go. Jobs the workers receive
//! after that are exactly the jobs buffered at the close.
//!
//! Run with `cargo run --release -p chan-typestate --example graceful_shutdown`.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, RwLock};

use chan_typestate::{
    channel, ChannelState, Closed, Closing, Open, Receiver, ReceiverState, SendError, Sender,
    SenderState,
};

const PRODUCERS: usize = 4;
const WORKERS: usize = 3;
const CAPACITY: usize = 64;
/// Stop after this many accepted jobs...
const TARGET: u64 = 1_000_000;
/// ...or after this long, whichever comes first.
const TIME_LIMIT: Duration = Duration::from_millis(800);
/// Tasks yield to the scheduler this often, so none monopolises a thread
/// while the channel never makes it wait.
const YIELD_EVERY: u64 = 64;

#[derive(Debug)]
struct Job {
    payload: u64,
}

#[derive(Debug)]
struct ProducerReport {
    sent: u64,
    checksum: u64,
    /// The job the closed channel handed back.
    refused: Job,
    /// The handle's state after catching up with the close.
    caught_up: ChannelState,
}

#[derive(Debug)]
struct WorkerReport {
    processed: u64,
    /// Of those, the jobs received after the close: buffered at the close.
    after_close: u64,
    checksum: u64,
}

/// What the producers and workers share with the coordinator.
#[derive(Debug, Default)]
struct Shared {
    /// Jobs accepted so far.
    accepted: AtomicU64,
    /// Notified when `accepted` reaches the target.
    target_reached: Notify,
    /// Workers hold a read guard while they receive and process a job; the
    /// coordinator takes the write guard to pause them between jobs.
    running: RwLock<()>,
    /// Set by the coordinator, while the workers are paused, once it has
    /// closed the channel.
    closed: AtomicBool,
}

/// A little CPU work per job.
fn process(job: &Job) -> u64 {
    let mut x = job.payload | 1;
    for _ in 0..32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    black_box(x)
}

async fn produce(id: usize, tx: Sender<Job, Open>, shared: Arc<Shared>) -> ProducerReport {
    let (mut sent, mut checksum) = (0u64, 0u64);
    let refused = loop {
        let payload = (id as u64) << 48 | sent;
        match tx.send(Job { payload }).await {
            Ok(()) => {
                sent += 1;
                checksum = checksum.wrapping_add(payload);
                if shared.accepted.fetch_add(1, Ordering::Relaxed) + 1 == TARGET {
                    shared.target_reached.notify_one();
                }
                if sent % YIELD_EVERY == 0 {
                    tokio::task::yield_now().await;
                }
            }
            // The coordinator closed the channel: the job comes back.
            Err(SendError(job)) => break job,
        }
    };
    // `tx` is still typed `Open`; the close happened through another handle.
    let caught_up = match tx.into_current() {
        SenderState::Open(_) => unreachable!("a send was refused, so the channel is closed"),
        SenderState::Closing(_) => ChannelState::Closing,
        SenderState::Closed(_) => ChannelState::Closed,
    };
    ProducerReport {
        sent,
        checksum,
        refused,
        caught_up,
    }
}

async fn work(rx: Receiver<Job, Open>, shared: Arc<Shared>) -> WorkerReport {
    let (mut processed, mut after_close, mut checksum) = (0u64, 0u64, 0u64);
    loop {
        let running = shared.running.read().await;
        // Exact: the coordinator sets `closed` while every worker is paused,
        // before releasing its write guard, which this read guard follows.
        let closed = shared.closed.load(Ordering::Relaxed);
        let Some(job) = rx.recv().await else { break };
        process(&job);
        processed += 1;
        after_close += u64::from(closed);
        checksum = checksum.wrapping_add(job.payload);
        drop(running);
        if processed % YIELD_EVERY == 0 {
            tokio::task::yield_now().await;
        }
    }
    // `recv` returned `None`: closed and drained, whatever the handle's type.
    let _closed: Receiver<Job, Closed> = match rx.into_current() {
        ReceiverState::Closed(rx) => rx,
        other => panic!("a worker saw the end of the stream in state {other:?}"),
    };
    WorkerReport {
        processed,
        after_close,
        checksum,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let started = Instant::now();
    let (tx, rx) = channel::<Job>(CAPACITY);
    let shared = Arc::new(Shared::default());

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|id| tokio::spawn(produce(id, tx.clone(), Arc::clone(&shared))))
        .collect();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| tokio::spawn(work(rx.clone(), Arc::clone(&shared))))
        .collect();
    drop(rx); // the workers hold the receivers; the coordinator keeps `tx`

    // Run until the target is reached or time is up.
    let stopped_by = match tokio::time::timeout(TIME_LIMIT, shared.target_reached.notified()).await
    {
        Ok(()) => "reached the target",
        Err(_) => "hit the time limit",
    };
    let ran_for = started.elapsed();

    // Pause the workers between two jobs; the producers, still sending,
    // fill the channel (it only grows now, and they never stop while it is
    // open).
    let paused = shared.running.write().await;
    while tx.len() < tx.capacity() {
        tokio::task::yield_now().await;
    }

    // Shutdown, step 1: close. `close` consumes the open sender; the
    // `Closing` one it returns has no `send` method at all. With the
    // workers paused, `len` is exactly what is left for them.
    let close_at = Instant::now();
    let closing: Sender<Job, Closing> = tx.close();
    let buffered_at_close = closing.len();
    // Relaxed: releasing the write guard publishes it to every worker's
    // next read guard.
    shared.closed.store(true, Ordering::Relaxed);
    drop(paused);
    // Shutdown, step 2: wait until the workers have taken every accepted job.
    let closed: Sender<Job, Closed> = closing.drained().await;
    let drain_time = close_at.elapsed();
    let left = closed.len();
    assert_eq!(closed.state(), ChannelState::Closed);
    assert_eq!(left, 0, "drained() resolved with jobs still buffered");

    let mut producer_reports = Vec::new();
    for producer in producers {
        producer_reports.push(producer.await.expect("a producer panicked"));
    }
    let mut worker_reports = Vec::new();
    for worker in workers {
        worker_reports.push(worker.await.expect("a worker panicked"));
    }
    let total_time = started.elapsed();

    let sent: u64 = producer_reports.iter().map(|p| p.sent).sum();
    let processed: u64 = worker_reports.iter().map(|w| w.processed).sum();
    let after_close: u64 = worker_reports.iter().map(|w| w.after_close).sum();
    let sent_sum = producer_reports
        .iter()
        .fold(0u64, |sum, p| sum.wrapping_add(p.checksum));
    let processed_sum = worker_reports
        .iter()
        .fold(0u64, |sum, w| sum.wrapping_add(w.checksum));
    let refused = producer_reports.len();
    let saw_closing = producer_reports
        .iter()
        .filter(|p| p.caught_up == ChannelState::Closing)
        .count();
    // Each refused job is the one its producer was about to send next.
    for (id, report) in producer_reports.iter().enumerate() {
        assert_eq!(report.refused.payload, (id as u64) << 48 | report.sent);
    }

    println!(
        "graceful shutdown: {PRODUCERS} producers -> channel({CAPACITY}) -> {WORKERS} workers, \
         tokio multi-thread runtime"
    );
    println!();
    println!(
        "run       {stopped_by} in {:.1} ms (target {TARGET} jobs, limit {} ms); the producers \
         kept sending until the close: {sent} jobs accepted",
        ms(ran_for),
        TIME_LIMIT.as_millis()
    );
    println!(
        "close     workers paused, channel full: Sender<Job, Open>::close() with \
         {buffered_at_close} jobs buffered"
    );
    println!("refused   {refused} sends refused after the close: each producer got its job back");
    println!(
        "drain     drained() waited {:.3} ms while the workers took those {after_close} jobs; \
         jobs left: {left}",
        ms(drain_time),
    );
    println!(
        "handles   the refused producers re-typed their Sender<Job, Open> with into_current(): \
         {saw_closing} Closing (closed, jobs still buffered), {} Closed (closed and drained); \
         the workers' receivers ended Closed",
        refused - saw_closing
    );
    for (id, report) in worker_reports.iter().enumerate() {
        println!(
            "worker {id}  processed {:>8} jobs ({:.1}%), {} of them after the close",
            report.processed,
            100.0 * report.processed as f64 / processed.max(1) as f64,
            report.after_close
        );
    }
    println!(
        "total     sent {sent} = processed {processed} ({} before the close + {after_close} \
         after); checksums {}",
        processed - after_close,
        if sent_sum == processed_sum {
            "match"
        } else {
            "DIFFER"
        }
    );
    println!(
        "rate      {:.2} M jobs/s end to end ({:.1} ms from start to all workers done)",
        processed as f64 / total_time.as_secs_f64() / 1e6,
        ms(total_time)
    );

    assert_eq!(
        sent, processed,
        "every accepted job is processed exactly once"
    );
    assert_eq!(
        sent_sum, processed_sum,
        "the processed jobs are the accepted ones"
    );
    assert!(sent > 0, "the pipeline made progress");
    assert!(buffered_at_close > 0, "the close found jobs buffered");
    assert_eq!(
        after_close, buffered_at_close as u64,
        "the workers received after the close exactly what was buffered at the close"
    );
    println!();
    println!("ok: shutdown lost nothing");
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
