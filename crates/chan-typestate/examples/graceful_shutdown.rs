//! A producer/worker pipeline that shuts down gracefully.
//!
//! Producers send jobs into a bounded channel, a pool of workers processes
//! them. After a fixed number of jobs (or a short time limit), the
//! coordinator closes its sender, which refuses every later send, and waits
//! with `drained()` until the workers have taken every job that was
//! accepted. Then it checks that nothing was lost and prints a report.
//!
//! Run with `cargo run --release -p chan-typestate --example graceful_shutdown`.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    checksum: u64,
}

/// A little CPU work per job, so that jobs are still buffered at the close.
fn process(job: &Job) -> u64 {
    let mut x = job.payload | 1;
    for _ in 0..32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    black_box(x)
}

async fn produce(id: usize, tx: Sender<Job, Open>, accepted: Arc<AtomicU64>) -> ProducerReport {
    let (mut sent, mut checksum) = (0u64, 0u64);
    let refused = loop {
        let payload = (id as u64) << 48 | sent;
        match tx.send(Job { payload }).await {
            Ok(()) => {
                sent += 1;
                checksum = checksum.wrapping_add(payload);
                accepted.fetch_add(1, Ordering::Relaxed);
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

async fn work(rx: Receiver<Job, Open>) -> WorkerReport {
    let (mut processed, mut checksum) = (0u64, 0u64);
    while let Some(job) = rx.recv().await {
        process(&job);
        processed += 1;
        checksum = checksum.wrapping_add(job.payload);
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
        checksum,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let started = Instant::now();
    let (tx, rx) = channel::<Job>(CAPACITY);
    let accepted = Arc::new(AtomicU64::new(0));

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|id| tokio::spawn(produce(id, tx.clone(), Arc::clone(&accepted))))
        .collect();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| tokio::spawn(work(rx.clone())))
        .collect();
    drop(rx); // the workers hold the receivers; the coordinator keeps `tx`

    // Run until the target is reached or time is up.
    let stopped_by = loop {
        if accepted.load(Ordering::Relaxed) >= TARGET {
            break "reached the target";
        }
        if started.elapsed() >= TIME_LIMIT {
            break "hit the time limit";
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let ran_for = started.elapsed();

    // Shutdown, step 1: close. `close` consumes the open sender; the
    // `Closing` one it returns has no `send` method at all.
    let close_at = Instant::now();
    let closing: Sender<Job, Closing> = tx.close();
    let buffered_at_close = closing.len();
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
    let sent_sum = producer_reports
        .iter()
        .fold(0u64, |sum, p| sum.wrapping_add(p.checksum));
    let processed_sum = worker_reports
        .iter()
        .fold(0u64, |sum, w| sum.wrapping_add(w.checksum));
    let refused = producer_reports.len();
    let caught_up_closed = producer_reports
        .iter()
        .filter(|p| p.caught_up == ChannelState::Closed)
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
        "run       {stopped_by}: {sent} jobs accepted in {:.1} ms (target {TARGET}, limit {} ms)",
        ms(ran_for),
        TIME_LIMIT.as_millis()
    );
    println!("close     Sender<Job, Open>::close() with {buffered_at_close} jobs buffered");
    println!(
        "refused   {refused} sends refused after the close, each job handed back to its producer"
    );
    println!(
        "drain     drained() resolved {:.3} ms after the close; jobs left: {left}; channel {:?}",
        ms(drain_time),
        closed.state()
    );
    println!(
        "handles   {refused} producer senders caught up as Closed ({caught_up_closed}) or Closing ({}); \
         {WORKERS} workers ended Closed",
        refused - caught_up_closed
    );
    for (id, report) in worker_reports.iter().enumerate() {
        println!(
            "worker {id}  processed {:>8} jobs ({:.1}%)",
            report.processed,
            100.0 * report.processed as f64 / processed.max(1) as f64
        );
    }
    println!(
        "total     sent {sent} = processed {processed}; checksums {}",
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
    println!();
    println!("ok: shutdown lost nothing");
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
