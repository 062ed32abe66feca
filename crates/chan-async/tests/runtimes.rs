#![cfg(not(chan_loom))]
//! Runtime-agnosticism: the same scenarios run unchanged on tokio's
//! current-thread and multi-thread runtimes and on a minimal executor
//! written here (a parked thread, an unparking waker, and a round-robin
//! join), across two executors at once, and with blocking and async handles
//! mixed on one channel.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use chan_async::{channel, Receiver, Sender};

type Task = Pin<Box<dyn Future<Output = u64> + Send + 'static>>;

// ---------------------------------------------------------------------------
// A minimal executor
// ---------------------------------------------------------------------------

/// Wakes the thread that runs [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread, parked while it is pending.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

/// Polls every unfinished task, in turn, each time it is polled; ready
/// once all are, with their outputs in order.
struct JoinAll {
    tasks: Vec<Option<Task>>,
    outputs: Vec<Option<u64>>,
}

fn join_all(tasks: Vec<Task>) -> JoinAll {
    JoinAll {
        outputs: vec![None; tasks.len()],
        tasks: tasks.into_iter().map(Some).collect(),
    }
}

impl Future for JoinAll {
    type Output = Vec<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<u64>> {
        let this = self.get_mut();
        for (slot, output) in this.tasks.iter_mut().zip(&mut this.outputs) {
            if let Some(task) = slot {
                if let Poll::Ready(value) = task.as_mut().poll(cx) {
                    *output = Some(value);
                    *slot = None;
                }
            }
        }
        if this.tasks.iter().all(Option::is_none) {
            Poll::Ready(this.outputs.iter().map(|o| o.unwrap()).collect())
        } else {
            Poll::Pending
        }
    }
}

// ---------------------------------------------------------------------------
// The runners
// ---------------------------------------------------------------------------

fn on_minimal_executor(tasks: Vec<Task>) -> Vec<u64> {
    block_on(join_all(tasks))
}

fn on_tokio(runtime: tokio::runtime::Runtime, tasks: Vec<Task>) -> Vec<u64> {
    runtime.block_on(async {
        let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
        let mut outputs = Vec::new();
        for handle in handles {
            outputs.push(handle.await.unwrap());
        }
        outputs
    })
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------
// The scenarios (executor-free: only the channel's own futures)
// ---------------------------------------------------------------------------

const ROUNDS: u64 = 2_000;
const ITEMS: u64 = 5_000;

/// `ROUNDS` round trips over two capacity-1 channels. Outputs: the pinger's
/// sum of replies, the ponger's count of requests.
fn ping_pong() -> (Vec<Task>, Vec<u64>) {
    let (ping_tx, ping_rx) = channel::<u64>(1);
    let (pong_tx, pong_rx) = channel::<u64>(1);
    let ping: Task = Box::pin(async move {
        let mut sum = 0;
        for i in 0..ROUNDS {
            ping_tx.send(i).await.unwrap();
            let reply = pong_rx.recv().await.unwrap();
            assert_eq!(reply, i + 1, "replies come back in order");
            sum += reply;
        }
        drop(ping_tx);
        assert_eq!(pong_rx.recv().await, None, "the ponger hung up");
        sum
    });
    let pong: Task = Box::pin(async move {
        let mut count = 0;
        while let Some(i) = ping_rx.recv().await {
            pong_tx.send(i + 1).await.unwrap();
            count += 1;
        }
        count
    });
    (vec![ping, pong], vec![ROUNDS * (ROUNDS + 1) / 2, ROUNDS])
}

/// source → (capacity 2) → two doubling workers → (capacity 1) → a batching
/// sink. Outputs: items sent, each worker's share (checked by the sum), and
/// the sink's sum.
fn pipeline() -> (Vec<Task>, Vec<u64>) {
    let (source_tx, work_rx) = channel::<u64>(2);
    let (done_tx, sink_rx) = channel::<u64>(1);
    let source: Task = Box::pin(async move {
        for i in 0..ITEMS {
            source_tx.send(i).await.unwrap();
        }
        ITEMS
    });
    let worker = |work_rx: Receiver<u64>, done_tx: Sender<u64>| -> Task {
        Box::pin(async move {
            let mut last = None;
            let mut handled = 0;
            while let Some(i) = work_rx.recv().await {
                assert!(
                    last < Some(i),
                    "one source: each worker sees increasing items"
                );
                last = Some(i);
                done_tx.send(2 * i).await.unwrap();
                handled += 1;
            }
            handled
        })
    };
    let workers = [
        worker(work_rx.clone(), done_tx.clone()),
        worker(work_rx, done_tx),
    ];
    let sink: Task = Box::pin(async move {
        let mut buf = Vec::new();
        let mut sum = 0;
        let mut count = 0;
        loop {
            let moved = sink_rx.recv_many(&mut buf, 3).await;
            if moved == 0 {
                break;
            }
            assert!(moved <= 3);
            count += moved as u64;
            sum += buf.drain(..).sum::<u64>();
        }
        assert_eq!(count, ITEMS);
        sum
    });
    let [first, second] = workers;
    (
        vec![source, first, second, sink],
        vec![ITEMS, u64::MAX, u64::MAX, ITEMS * (ITEMS - 1)],
    )
}

/// Checks outputs against expectations; `u64::MAX` means "any".
fn check(outputs: &[u64], expected: &[u64]) {
    assert_eq!(outputs.len(), expected.len());
    for (got, want) in outputs.iter().zip(expected) {
        if *want != u64::MAX {
            assert_eq!(got, want);
        }
    }
}

fn check_pipeline(outputs: &[u64], expected: &[u64]) {
    check(outputs, expected);
    assert_eq!(
        outputs[1] + outputs[2],
        ITEMS,
        "the workers handled every item once"
    );
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn ping_pong_on_tokio_current_thread() {
    let (tasks, expected) = ping_pong();
    check(&on_tokio(current_thread(), tasks), &expected);
}

#[test]
fn ping_pong_on_tokio_multi_thread() {
    let (tasks, expected) = ping_pong();
    check(&on_tokio(multi_thread(), tasks), &expected);
}

#[test]
fn ping_pong_on_a_minimal_executor() {
    let (tasks, expected) = ping_pong();
    check(&on_minimal_executor(tasks), &expected);
}

#[test]
fn pipeline_on_tokio_current_thread() {
    let (tasks, expected) = pipeline();
    check_pipeline(&on_tokio(current_thread(), tasks), &expected);
}

#[test]
fn pipeline_on_tokio_multi_thread() {
    let (tasks, expected) = pipeline();
    check_pipeline(&on_tokio(multi_thread(), tasks), &expected);
}

#[test]
fn pipeline_on_a_minimal_executor() {
    let (tasks, expected) = pipeline();
    check_pipeline(&on_minimal_executor(tasks), &expected);
}

/// One channel, two executors at once: half of each scenario runs on tokio,
/// the other half on the minimal executor on another thread.
#[test]
fn tasks_on_two_executors_share_channels() {
    let (mut tasks, expected) = ping_pong();
    let pong = tasks.pop().unwrap();
    let ping = tasks.pop().unwrap();
    let other = thread::spawn(move || on_minimal_executor(vec![pong]));
    let ping_out = on_tokio(current_thread(), vec![ping]);
    let pong_out = other.join().unwrap();
    check(&[ping_out[0], pong_out[0]], &expected);

    let (mut tasks, expected) = pipeline();
    let sink = tasks.pop().unwrap();
    let second = tasks.pop().unwrap();
    let other = thread::spawn(move || on_minimal_executor(vec![second, sink]));
    let mine = on_tokio(multi_thread(), tasks);
    let theirs = other.join().unwrap();
    check_pipeline(&[mine[0], mine[1], theirs[0], theirs[1]], &expected);
}

// ---------------------------------------------------------------------------
// Blocking and async handles mixed
// ---------------------------------------------------------------------------

const BLOCKING_ITEMS: u64 = 5_000;

#[test]
fn blocking_sender_thread_to_async_receiver_task() {
    for runtime in [current_thread(), multi_thread()] {
        let (tx, rx) = channel::<u64>(2);
        let producer = thread::spawn(move || {
            for i in 0..BLOCKING_ITEMS {
                tx.send_blocking(i).unwrap();
            }
        });
        let got = runtime.block_on(async move {
            tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(i) = rx.recv().await {
                    got.push(i);
                }
                got
            })
            .await
            .unwrap()
        });
        producer.join().unwrap();
        assert_eq!(got, (0..BLOCKING_ITEMS).collect::<Vec<_>>());
    }
}

#[test]
fn async_sender_task_to_blocking_receiver_thread() {
    for runtime in [current_thread(), multi_thread()] {
        let (tx, rx) = channel::<u64>(2);
        let consumer =
            thread::spawn(move || std::iter::from_fn(|| rx.recv_blocking()).collect::<Vec<_>>());
        runtime.block_on(async move {
            tokio::spawn(async move {
                for i in 0..BLOCKING_ITEMS {
                    tx.send(i).await.unwrap();
                }
            })
            .await
            .unwrap();
        });
        assert_eq!(
            consumer.join().unwrap(),
            (0..BLOCKING_ITEMS).collect::<Vec<_>>()
        );
    }
}

/// Blocking threads and async tasks on both ends of one capacity-1 channel:
/// every message arrives exactly once, each receiver sees each sender's
/// messages in order, and the end reaches everyone.
#[test]
fn blocking_and_async_handles_on_both_ends_of_one_channel() {
    const SENDERS: u64 = 4; // 0, 1 blocking threads; 2, 3 async tasks
    const PER_SENDER: u64 = 2_000;
    let (tx, rx) = channel::<(u64, u64)>(1);
    let runtime = multi_thread();

    let blocking_senders: Vec<_> = (0..2)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..PER_SENDER {
                    tx.send_blocking((s, i)).unwrap();
                }
            })
        })
        .collect();
    let async_senders: Vec<_> = (2..SENDERS)
        .map(|s| {
            let tx = tx.clone();
            runtime.spawn(async move {
                for i in 0..PER_SENDER {
                    tx.send((s, i)).await.unwrap();
                }
            })
        })
        .collect();
    let blocking_receivers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || std::iter::from_fn(|| rx.recv_blocking()).collect::<Vec<_>>())
        })
        .collect();
    let async_receivers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            runtime.spawn(async move {
                let mut got = Vec::new();
                while let Some(m) = rx.recv().await {
                    got.push(m);
                }
                got
            })
        })
        .collect();
    drop((tx, rx));

    for sender in blocking_senders {
        sender.join().unwrap();
    }
    let mut per_receiver: Vec<Vec<(u64, u64)>> = runtime.block_on(async {
        for sender in async_senders {
            sender.await.unwrap();
        }
        let mut got = Vec::new();
        for receiver in async_receivers {
            got.push(receiver.await.unwrap());
        }
        got
    });
    for receiver in blocking_receivers {
        per_receiver.push(receiver.join().unwrap());
    }

    for got in &per_receiver {
        let mut last = [None; SENDERS as usize];
        for &(s, i) in got {
            assert!(last[s as usize] < Some(i), "per-sender order");
            last[s as usize] = Some(i);
        }
    }
    let mut all: Vec<(u64, u64)> = per_receiver.into_iter().flatten().collect();
    all.sort_unstable();
    let expected: Vec<(u64, u64)> = (0..SENDERS)
        .flat_map(|s| (0..PER_SENDER).map(move |i| (s, i)))
        .collect();
    assert_eq!(all, expected, "every message exactly once");
}
