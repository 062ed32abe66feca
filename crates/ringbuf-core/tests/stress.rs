//! Multi-threaded stress tests on real threads: exactly-once delivery,
//! per-producer FIFO order, and the close mark racing with pushes and pops.
#![cfg(not(chan_loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use ringbuf_core::{PopError, PushError, RingBuffer};

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;

/// Values sent by each producer.
fn per_producer() -> usize {
    if cfg!(miri) {
        100
    } else {
        100_000
    }
}

/// Runs `scenario` on its own thread and fails the test if it has not
/// finished within a generous deadline: a lost value or a livelock in the
/// buffer would otherwise hang the test run instead of failing it. A panic in
/// the scenario is passed on as is.
fn with_deadline<T: Send + 'static>(scenario: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, finished) = mpsc::channel();
    let runner = thread::spawn(move || {
        let result = scenario();
        let _ = done.send(());
        result
    });
    if !cfg!(miri) {
        match finished.recv_timeout(Duration::from_secs(120)) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {}
            Err(RecvTimeoutError::Timeout) => {
                panic!("the scenario did not finish within 120 s (lost value or livelock?)")
            }
        }
    }
    runner
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Pushes `value`, retrying (yielding) while the buffer is full.
fn push_blocking<T>(ring: &RingBuffer<T>, mut value: T) {
    loop {
        match ring.try_push(value) {
            Ok(()) => return,
            Err(PushError::Full(back)) => {
                value = back;
                thread::yield_now();
            }
            Err(PushError::Closed(_)) => panic!("push on a buffer nobody closes"),
        }
    }
}

/// Checks that `seen` (one consumer's pops, in pop order) has each producer's
/// sequence numbers strictly increasing.
fn assert_per_producer_order(consumer: usize, seen: &[(usize, usize)], producers: usize) {
    let mut last: Vec<Option<usize>> = vec![None; producers];
    for &(producer, seq) in seen {
        if let Some(prev) = last[producer] {
            assert!(
                prev < seq,
                "consumer {consumer}: producer {producer} sent {prev} before {seq}, \
                 but they were popped the other way round"
            );
        }
        last[producer] = Some(seq);
    }
}

/// Checks that the union of every consumer's pops is each `(producer, seq)`
/// for `seq < counts[producer]`, each exactly once.
fn assert_exactly_once(all: &[Vec<(usize, usize)>], counts: &[usize]) {
    let mut hits: Vec<Vec<u8>> = counts.iter().map(|&n| vec![0u8; n]).collect();
    for &(producer, seq) in all.iter().flatten() {
        assert!(
            seq < counts[producer],
            "popped ({producer}, {seq}), which was never pushed successfully"
        );
        hits[producer][seq] += 1;
        assert_eq!(hits[producer][seq], 1, "({producer}, {seq}) popped twice");
    }
    for (producer, hits) in hits.iter().enumerate() {
        if let Some(seq) = hits.iter().position(|&h| h == 0) {
            panic!("({producer}, {seq}) was pushed but never popped");
        }
    }
}

/// How the threads of [`mpmc_exactly_once_in_order`] move values.
#[derive(Clone, Copy, PartialEq)]
enum Ops {
    /// `try_push` / `try_pop` only.
    Single,
    /// Half the producers `push_slice` runs of up to 5 values and half the
    /// consumers `pop_into` up to 4 values; the others use single
    /// operations, so batches race with single operations and each other.
    Mixed,
    /// As `Mixed`, except that producer 1 sends each value through a
    /// reservation (`try_reserve`, then `push_reserved`), every third one
    /// after reserving and releasing one first: reservations race with
    /// plain and batch pushes (producers 0, 2 and 3) for the same room.
    Reserving,
}

/// Pushes `values` in order, in runs through `push_slice`, retrying
/// (yielding) while the buffer is full.
fn push_slice_blocking<T: Copy>(ring: &RingBuffer<T>, mut values: &[T]) {
    while !values.is_empty() {
        match ring.push_slice(values) {
            Ok(pushed) => values = &values[pushed..],
            Err(PushError::Full(())) => thread::yield_now(),
            Err(PushError::Closed(())) => panic!("push on a buffer nobody closes"),
        }
    }
}

/// Holds a reservation, retrying (yielding) while the buffer is full.
fn reserve_blocking<T>(ring: &RingBuffer<T>) {
    loop {
        match ring.try_reserve() {
            Ok(()) => return,
            Err(PushError::Full(())) => thread::yield_now(),
            Err(PushError::Closed(())) => panic!("reserve on a buffer nobody closes"),
        }
    }
}

fn mpmc_exactly_once_in_order(capacity: usize, ops: Ops) {
    let count = per_producer();
    let total = PRODUCERS * count;
    let ring = Arc::new(RingBuffer::new(capacity));
    let taken = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(PRODUCERS + CONSUMERS));

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|producer| {
            let ring = Arc::clone(&ring);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                if ops == Ops::Reserving && producer % 3 == 1 {
                    for seq in 0..count {
                        if seq % 3 == 0 {
                            reserve_blocking(&ring);
                            ring.release_reservation();
                        }
                        reserve_blocking(&ring);
                        ring.push_reserved((producer, seq));
                    }
                } else if ops != Ops::Single && producer % 2 == 0 {
                    let values: Vec<(usize, usize)> =
                        (0..count).map(|seq| (producer, seq)).collect();
                    for run in values.chunks(5) {
                        push_slice_blocking(&ring, run);
                    }
                } else {
                    for seq in 0..count {
                        push_blocking(&ring, (producer, seq));
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|consumer| {
            let ring = Arc::clone(&ring);
            let taken = Arc::clone(&taken);
            let start = Arc::clone(&start);
            let batched = ops != Ops::Single && consumer % 2 == 0;
            thread::spawn(move || {
                start.wait();
                let mut seen = Vec::new();
                // Stop once everything has been taken by someone: no consumer
                // waits for a fixed share, so uneven scheduling cannot hang.
                while taken.load(Ordering::Relaxed) < total {
                    let popped = if batched {
                        ring.pop_into(&mut seen, 4)
                    } else {
                        ring.try_pop().map(|value| {
                            seen.push(value);
                            1
                        })
                    };
                    match popped {
                        Ok(count) => {
                            taken.fetch_add(count, Ordering::Relaxed);
                        }
                        Err(PopError::Empty) => thread::yield_now(),
                        Err(PopError::Closed) => panic!("nobody closes this buffer"),
                    }
                }
                seen
            })
        })
        .collect();

    for producer in producers {
        producer.join().unwrap();
    }
    let all: Vec<Vec<(usize, usize)>> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    for (consumer, seen) in all.iter().enumerate() {
        assert_per_producer_order(consumer, seen, PRODUCERS);
    }
    assert_eq!(all.iter().map(Vec::len).sum::<usize>(), total);
    assert_exactly_once(&all, &[count; PRODUCERS]);
    assert_eq!(taken.load(Ordering::Relaxed), total);
    assert!(ring.is_empty());
    assert_eq!(ring.reserved(), 0);
    assert_eq!(ring.try_pop(), Err(PopError::Empty));
}

#[test]
fn mpmc_capacity_8() {
    with_deadline(|| mpmc_exactly_once_in_order(8, Ops::Single));
}

#[test]
fn mpmc_batches_mixed_with_single_operations() {
    for capacity in [1, 3, 8] {
        with_deadline(move || mpmc_exactly_once_in_order(capacity, Ops::Mixed));
    }
}

#[test]
fn mpmc_reservations_mixed_with_plain_and_batch_pushes() {
    for capacity in [1, 2, 3, 8] {
        with_deadline(move || mpmc_exactly_once_in_order(capacity, Ops::Reserving));
    }
}

#[test]
fn mpmc_capacity_1() {
    with_deadline(|| mpmc_exactly_once_in_order(1, Ops::Single));
}

#[test]
fn mpmc_capacity_3_not_a_power_of_two() {
    with_deadline(|| mpmc_exactly_once_in_order(3, Ops::Single));
}

/// Producers push until the buffer is closed under them, while consumers pop
/// until they see `Closed`. Checks:
/// - each producer's successful pushes are a prefix of its sequence, and
///   every one of them is popped exactly once (none lost in the race, none
///   slipped in after a consumer saw "closed and empty");
/// - once a push failed with `Closed`, every later push does too;
/// - a push that starts after `close()` returned (made visible through a
///   Release/Acquire flag) fails with `Closed`.
fn close_while_pushing(capacity: usize) {
    let count = per_producer();
    let ring = Arc::new(RingBuffer::new(capacity));
    let pushed = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(PRODUCERS + CONSUMERS + 1));

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|producer| {
            let ring = Arc::clone(&ring);
            let pushed = Arc::clone(&pushed);
            let closed = Arc::clone(&closed);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                // Push until the close stops us (the closer waits for half of
                // `PRODUCERS * count` pushes, so it always comes).
                let mut seq = 0;
                loop {
                    let closed_before = closed.load(Ordering::Acquire);
                    match ring.try_push((producer, seq)) {
                        Ok(()) => {
                            assert!(
                                !closed_before,
                                "producer {producer}: push of {seq} succeeded after close() returned"
                            );
                            pushed.fetch_add(1, Ordering::Relaxed);
                            seq += 1;
                        }
                        Err(PushError::Full(_)) => thread::yield_now(),
                        Err(PushError::Closed(value)) => {
                            assert_eq!(value, (producer, seq), "Closed hands the value back");
                            break;
                        }
                    }
                }
                // The close is permanent: whatever comes next fails too.
                for later in seq..seq + 10 {
                    assert_eq!(
                        ring.try_push((producer, later)),
                        Err(PushError::Closed((producer, later))),
                        "producer {producer}: push after a Closed push"
                    );
                    assert_eq!(ring.push((producer, later)), Err((producer, later)));
                }
                seq
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let ring = Arc::clone(&ring);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut seen = Vec::new();
                loop {
                    match ring.try_pop() {
                        Ok(value) => seen.push(value),
                        Err(PopError::Empty) => thread::yield_now(),
                        Err(PopError::Closed) => break,
                    }
                }
                seen
            })
        })
        .collect();

    start.wait();
    // Close somewhere in the middle of the traffic.
    let threshold = PRODUCERS * count / 2;
    while pushed.load(Ordering::Relaxed) < threshold {
        thread::yield_now();
    }
    assert!(ring.close(), "the first close reports that it closed");
    closed.store(true, Ordering::Release);
    assert!(
        !ring.close(),
        "a second close reports it was closed already"
    );
    assert!(ring.is_closed());

    let counts: Vec<usize> = producers.into_iter().map(|p| p.join().unwrap()).collect();
    let all: Vec<Vec<(usize, usize)>> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    assert_eq!(counts.iter().sum::<usize>(), pushed.load(Ordering::Relaxed));
    assert!(
        counts.iter().sum::<usize>() >= threshold,
        "the close came after {threshold} pushes: {counts:?}"
    );
    for (consumer, seen) in all.iter().enumerate() {
        assert_per_producer_order(consumer, seen, PRODUCERS);
    }
    // The consumers stopped at `Closed`, so they popped everything: nothing
    // may be left behind for a late pop.
    assert_exactly_once(&all, &counts);
    assert_eq!(ring.try_pop(), Err(PopError::Closed));
    assert_eq!(ring.len(), 0);
}

#[test]
fn close_while_pushing_capacity_8() {
    with_deadline(|| close_while_pushing(8));
}

#[test]
fn close_while_pushing_capacity_1() {
    with_deadline(|| close_while_pushing(1));
}

/// The close races with pushes only (no consumer): everything that was
/// accepted is still there afterwards, in per-producer order, and drains
/// before `Closed`.
#[test]
fn close_racing_pushes_keeps_accepted_values() {
    with_deadline(|| {
        let rounds = if cfg!(miri) { 5 } else { 500 };
        for _ in 0..rounds {
            let ring = Arc::new(RingBuffer::new(64));
            let start = Arc::new(Barrier::new(PRODUCERS + 1));
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|producer| {
                    let ring = Arc::clone(&ring);
                    let start = Arc::clone(&start);
                    thread::spawn(move || {
                        start.wait();
                        let mut seq = 0;
                        loop {
                            match ring.try_push((producer, seq)) {
                                Ok(()) => seq += 1,
                                Err(PushError::Full(_)) => panic!("64 slots, at most 64 pushes"),
                                Err(PushError::Closed(_)) => return seq,
                            }
                            if seq == 16 {
                                // Leave room for the others; wait for the close.
                                while !ring.is_closed() {
                                    thread::yield_now();
                                }
                            }
                        }
                    })
                })
                .collect();
            start.wait();
            ring.close();
            let counts: Vec<usize> = producers.into_iter().map(|p| p.join().unwrap()).collect();
            assert_eq!(ring.len(), counts.iter().sum::<usize>());
            let mut drained = Vec::new();
            while let Ok(value) = ring.try_pop() {
                drained.push(value);
            }
            assert_eq!(ring.try_pop(), Err(PopError::Closed));
            assert_per_producer_order(0, &drained, PRODUCERS);
            assert_exactly_once(&[drained], &counts);
        }
    });
}
