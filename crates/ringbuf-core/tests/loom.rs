//! Loom models of the ring buffer: every interleaving (up to the preemption
//! bound) of a few small scenarios, run against the very code that ships (the
//! crate's atomics and cells come from loom under `--cfg chan_loom`).
//!
//! ```text
//! RUSTFLAGS="--cfg chan_loom" cargo test -p ringbuf-core --test loom --profile loom
//! ```
//!
//! The preemption bound defaults to 2; `LOOM_MAX_PREEMPTIONS` overrides it.
#![cfg(chan_loom)]

use loom::model::Builder;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use ringbuf_core::{PopError, PushError, RingBuffer};

/// Runs `f` under loom with a preemption bound of 2 unless
/// `LOOM_MAX_PREEMPTIONS` says otherwise (`Builder::new` reads it).
fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let mut builder = Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// Pushes `value`, yielding to the model's scheduler while the buffer is full.
fn push_spin<T>(ring: &RingBuffer<T>, mut value: T) {
    loop {
        match ring.try_push(value) {
            Ok(()) => return,
            Err(PushError::Full(back)) => {
                value = back;
                thread::yield_now();
            }
            Err(PushError::Closed(_)) => panic!("nobody closes this buffer"),
        }
    }
}

/// Pops one value, yielding to the model's scheduler while the buffer is empty.
fn pop_spin<T>(ring: &RingBuffer<T>) -> T {
    loop {
        match ring.try_pop() {
            Ok(value) => return value,
            Err(PopError::Empty) => thread::yield_now(),
            Err(PopError::Closed) => panic!("nobody closes this buffer"),
        }
    }
}

/// (a) Capacity 1: one producer pushes two values through the single slot
/// while one consumer takes them; both arrive, in order, and the buffer ends
/// empty.
#[test]
fn capacity_1_spsc_keeps_order() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        let producer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                push_spin(&ring, 1u32);
                push_spin(&ring, 2u32);
            })
        };
        let first = pop_spin(&ring);
        let second = pop_spin(&ring);
        assert_eq!([first, second], [1, 2]);
        producer.join().unwrap();
        assert_eq!(ring.try_pop(), Err(PopError::Empty));
        assert_eq!(ring.len(), 0);
    });
}

/// (b) Capacity 2 with wrap-around, two producers: a spawned producer pushes
/// `(0, 0), (0, 1)` while the main thread pushes `(1, 0), (1, 1)` and takes
/// all four values, so the producers race on `tail` and the consumer races
/// with the spawned producer while four values go through two slots. Each
/// value arrives exactly once and each producer's pair in order.
///
/// The main thread doubles as the second producer because loom 0.7 cannot
/// model two threads spin-waiting on a third: when a producer is preempted
/// between claiming a position and publishing it, the other producer and the
/// consumer both spin (yield) until it finishes, and loom's scheduler
/// alternates between the two yielding threads forever instead of resuming
/// the third ("Model exceeded maximum number of branches"; loom issue #53).
/// `two_producers_race_one_consumer` covers three threads without any
/// spin-wait on a thread.
#[test]
fn capacity_2_two_producers_wrap_around() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        let producer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                push_spin(&ring, (0u32, 0u32));
                push_spin(&ring, (0u32, 1u32));
            })
        };
        let mut to_push = [(1u32, 0u32), (1, 1)].into_iter();
        let mut pending = to_push.next();
        let mut got = Vec::new();
        while got.len() < 4 {
            let mut progressed = false;
            if let Some(value) = pending {
                match ring.try_push(value) {
                    Ok(()) => {
                        pending = to_push.next();
                        progressed = true;
                    }
                    Err(PushError::Full(_)) => {}
                    Err(PushError::Closed(_)) => panic!("nobody closes this buffer"),
                }
            }
            match ring.try_pop() {
                Ok(value) => {
                    got.push(value);
                    progressed = true;
                }
                Err(PopError::Empty) => {}
                Err(PopError::Closed) => panic!("nobody closes this buffer"),
            }
            if !progressed {
                thread::yield_now();
            }
        }
        producer.join().unwrap();
        assert!(pending.is_none(), "all of main's values were pushed");
        for producer in 0..2 {
            let seqs: Vec<u32> = got
                .iter()
                .filter(|v| v.0 == producer)
                .map(|v| v.1)
                .collect();
            assert_eq!(seqs, [0, 1], "producer {producer}'s values, got {got:?}");
        }
        assert_eq!(ring.try_pop(), Err(PopError::Empty));
        assert_eq!(ring.len(), 0);
    });
}

/// (b') Three threads on capacity 2 across the lap boundary: the buffer starts
/// with positions moved by one and holding one value, then two producers
/// each try one push while the main thread pops once. Exactly one push can
/// be refused (`Full`), and only if the pop had not freed its slot; every
/// accepted value comes out exactly once, the old value first.
#[test]
fn two_producers_race_one_consumer() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        // Move head and tail to index 1, then store one value there: the
        // next pushes use index 0 of the next lap, then index 1 again.
        ring.push(100u32).unwrap();
        assert_eq!(ring.pop(), Some(100));
        ring.push(0u32).unwrap();
        let producers: Vec<_> = [1u32, 2]
            .into_iter()
            .map(|value| {
                let ring = Arc::clone(&ring);
                thread::spawn(move || ring.try_push(value))
            })
            .collect();
        let first = ring.try_pop();
        assert_eq!(first, Ok(0), "the stored value is popped first");
        let results: Vec<_> = producers.into_iter().map(|p| p.join().unwrap()).collect();
        let accepted: Vec<u32> = [1u32, 2]
            .into_iter()
            .zip(&results)
            .filter(|(_, result)| result.is_ok())
            .map(|(value, _)| value)
            .collect();
        for (value, result) in [1u32, 2].into_iter().zip(&results) {
            if let Err(err) = result {
                assert_eq!(*err, PushError::Full(value), "only Full can refuse");
            }
        }
        // Two free slots once the pop is done, so at least one push always
        // fits; both fit unless one came before the pop freed its slot.
        assert!(!accepted.is_empty(), "results {results:?}");
        assert_eq!(ring.len(), accepted.len());
        let mut drained = Vec::new();
        while let Ok(value) = ring.try_pop() {
            drained.push(value);
        }
        drained.sort_unstable();
        assert_eq!(drained, accepted);
        assert_eq!(ring.try_pop(), Err(PopError::Empty));
    });
}

/// (b'') Three consumers race for two values stored across the lap boundary
/// (index 1 of lap 0 and index 0 of lap 1): each value is taken by exactly
/// one consumer, and the consumer left over finds the buffer empty.
#[test]
fn three_consumers_race_for_two_values() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        ring.push(100u32).unwrap();
        assert_eq!(ring.pop(), Some(100));
        ring.push(1u32).unwrap();
        ring.push(2u32).unwrap();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let ring = Arc::clone(&ring);
                thread::spawn(move || ring.try_pop())
            })
            .collect();
        let mut results = vec![ring.try_pop()];
        results.extend(consumers.into_iter().map(|c| c.join().unwrap()));
        let mut taken: Vec<u32> = results.iter().filter_map(|r| r.ok()).collect();
        taken.sort_unstable();
        assert_eq!(taken, [1, 2], "results {results:?}");
        assert_eq!(
            results
                .iter()
                .filter(|r| **r == Err(PopError::Empty))
                .count(),
            1,
            "results {results:?}"
        );
        assert_eq!(ring.try_pop(), Err(PopError::Empty));
        assert_eq!(ring.len(), 0);
    });
}

/// (c) A push racing with `close`: if the push was accepted, its value is
/// still there to pop; either way the buffer then reports `Closed`, and a
/// rejected push reports `Closed` with its value.
#[test]
fn close_racing_with_push() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        let pusher = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.try_push(7u32))
        };
        let closer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.close())
        };
        let pushed = pusher.join().unwrap();
        assert!(closer.join().unwrap(), "the only close closes");
        match pushed {
            Ok(()) => assert_eq!(ring.try_pop(), Ok(7)),
            Err(err) => assert_eq!(err, PushError::Closed(7)),
        }
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
        assert!(ring.is_closed());
        assert_eq!(ring.len(), 0);
    });
}

/// (c') The same race with a consumer popping concurrently until it sees
/// `Closed`: once a pop has said "closed", no accepted value may still be in
/// the buffer (no push slips in after the consumer's last look).
#[test]
fn close_racing_with_push_and_pop() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        let pusher = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.try_push(7u32))
        };
        let closer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                ring.close();
            })
        };
        let mut got = Vec::new();
        loop {
            match ring.try_pop() {
                Ok(value) => got.push(value),
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => break,
            }
        }
        let pushed = pusher.join().unwrap();
        closer.join().unwrap();
        match pushed {
            Ok(()) => assert_eq!(got, [7], "an accepted value is popped before Closed"),
            Err(err) => {
                assert_eq!(err, PushError::Closed(7));
                assert!(got.is_empty(), "a rejected value is never popped");
            }
        }
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
    });
}

/// A value that counts its drops in its own counter.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// (d) The buffer is dropped by whichever thread lets go of it last, with
/// values still in it (and one maybe popped concurrently): every value is
/// dropped exactly once.
#[test]
fn drop_with_values_left_drops_each_once() {
    model(|| {
        let counters: Vec<Arc<AtomicUsize>> =
            (0..3).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        let ring = Arc::new(RingBuffer::new(2));
        // One value goes in before the race, and one push/pop pair first
        // moves the positions so the leftovers straddle the wrap-around.
        ring.push(Counted(Arc::clone(&counters[0]))).unwrap();
        drop(ring.pop().unwrap());
        ring.push(Counted(Arc::clone(&counters[1]))).unwrap();
        let producer = {
            let ring = Arc::clone(&ring);
            let counter = Arc::clone(&counters[2]);
            thread::spawn(move || {
                ring.push(Counted(counter)).unwrap();
                // The producer's handle may be the last one: then this drop
                // drops the buffer and what is left in it.
                drop(ring);
            })
        };
        // Pop at most one value concurrently and drop it here.
        if let Ok(value) = ring.try_pop() {
            drop(value);
        }
        drop(ring);
        producer.join().unwrap();
        for (id, counter) in counters.iter().enumerate() {
            assert_eq!(
                counter.load(Ordering::Relaxed),
                1,
                "value {id} dropped once"
            );
        }
    });
}

/// (e) Capacity 1: `len`, `is_full` and `is_empty` observed while a pusher and
/// a popper race stay within bounds (and nothing in them panics).
#[test]
fn capacity_1_len_while_racing() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        let pusher = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                push_spin(&ring, 1u32);
                push_spin(&ring, 2u32);
            })
        };
        let popper = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || [pop_spin(&ring), pop_spin(&ring)])
        };
        let len = ring.len();
        assert!(len <= 1, "len {len} exceeds capacity 1");
        // Separate snapshots may disagree with each other; they only must
        // not panic (debug assertions are on in the loom profile).
        let (_full, _empty) = (ring.is_full(), ring.is_empty());
        let len = ring.len();
        assert!(len <= 1, "len {len} exceeds capacity 1");
        assert_eq!(popper.join().unwrap(), [1, 2]);
        pusher.join().unwrap();
        assert_eq!(ring.len(), 0);
        assert!(ring.is_empty());
        assert!(!ring.is_full());
    });
}

/// (f) `len` is documented to return "a value that was true at some point
/// during the call". Here the buffer never holds more than one value (the
/// main thread pushes one and pops it, twice), so an observer must never see
/// a length above one. Capacity 3 makes a torn head/tail pair visible: with
/// `tail` read stale and `head` read fresh, `len` computes
/// `capacity - head_index + tail_index`.
///
/// The observer runs in a spawned thread on purpose: loom's partial-order
/// reduction only backtracks to the last access of an atomic, so with the
/// observer on the main thread (reading before the spawned threads' own
/// loads of `tail`) the interleaving is never explored.
#[test]
fn len_never_exceeds_values_ever_stored() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(3));
        let observer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.len())
        };
        for value in 0..2u32 {
            ring.push(value).unwrap();
            assert_eq!(ring.pop(), Some(value));
        }
        let len = observer.join().unwrap();
        assert!(
            len <= 1,
            "len() = {len}, but the buffer never held more than 1 value"
        );
    });
}

/// (f') The same for `is_full` on capacity 2: pushed and popped one value at a
/// time, the buffer is never full, so no observer may see it full. A stale
/// `tail` (index 0, lap 0) paired with a `head` one lap later (index 0,
/// lap 1) makes `len` return `capacity`.
#[test]
fn is_full_never_true_for_a_buffer_never_full() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        let observer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.is_full())
        };
        for value in 0..2u32 {
            ring.push(value).unwrap();
            assert_eq!(ring.pop(), Some(value));
        }
        let full = observer.join().unwrap();
        assert!(
            !full,
            "is_full() was true, but the buffer never held more than 1 value"
        );
    });
}

/// The wake-up handshake a channel builds on the waiting flag: a consumer
/// raises the flag, then pops; a producer pushes and reads the flag. Either
/// the pop sees the value or the push reports the flag: never neither (that
/// would be a lost wake-up).
#[test]
fn waiting_flag_consumer_handshake() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        let consumer = {
            let ring = ring.clone();
            thread::spawn(move || {
                ring.set_consumers_waiting(true);
                ring.try_pop()
            })
        };
        let reported = ring.push_reporting_waiters(1).unwrap();
        let popped = consumer.join().unwrap();
        assert!(popped == Ok(1) || reported, "lost wake-up: {popped:?}");
    });
}

/// The mirror image: a producer waiting for room raises its flag, then
/// pushes; a consumer pops and reads the flag.
#[test]
fn waiting_flag_producer_handshake() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        ring.push(0).unwrap();
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || {
                ring.set_producers_waiting(true);
                ring.try_push(1)
            })
        };
        let (value, reported) = ring.pop_reporting_waiters().unwrap();
        assert_eq!(value, 0);
        let pushed = producer.join().unwrap();
        assert!(pushed.is_ok() || reported, "lost wake-up: {pushed:?}");
    });
}

/// Lowering and raising the flag never disturbs positions or the close.
#[test]
fn waiting_flag_races_with_close_and_len() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        let flagger = {
            let ring = ring.clone();
            thread::spawn(move || {
                ring.set_consumers_waiting(true);
                ring.set_producers_waiting(true);
                ring.set_consumers_waiting(false);
            })
        };
        let pushed = ring.try_push(1);
        ring.close();
        flagger.join().unwrap();
        assert_eq!(pushed, Ok(()));
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.try_pop(), Ok(1));
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
        assert_eq!(ring.try_push(2), Err(PushError::Closed(2)));
    });
}

/// Batches: a spawned producer `push_slice`s `[1, 2, 3]` into capacity 2
/// (so at most two fit per claim and the run wraps around the lap) while
/// the main thread `pop_into`s up to 2 at a time. Every value arrives once,
/// in order, whatever the split of the runs; `len` never exceeds capacity.
#[test]
fn push_slice_and_pop_into_wrap_around() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        let producer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                let mut values: &[u32] = &[1, 2, 3];
                while !values.is_empty() {
                    match ring.push_slice(values) {
                        Ok(pushed) => values = &values[pushed..],
                        Err(PushError::Full(())) => thread::yield_now(),
                        Err(PushError::Closed(())) => panic!("nobody closes this buffer"),
                    }
                }
            })
        };
        let mut out = Vec::new();
        while out.len() < 3 {
            match ring.pop_into(&mut out, 2) {
                Ok(count) => assert!((1..=2).contains(&count)),
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => panic!("nobody closes this buffer"),
            }
            assert!(ring.len() <= 2);
        }
        assert_eq!(out, [1, 2, 3]);
        producer.join().unwrap();
        assert_eq!(ring.try_pop(), Err(PopError::Empty));
    });
}

/// A batch racing with a single push from another producer, and with
/// `close`: the two claims never overlap (each value is popped once, the
/// batch's values contiguous and in order), and whatever was accepted before
/// the close is still there to pop, then `Closed`.
#[test]
fn push_slice_races_single_push_and_close() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(3));
        let batch = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.push_slice(&[10u32, 11]))
        };
        let single = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.try_push(20u32).is_ok())
        };
        ring.close();
        let batch_pushed = batch.join().unwrap();
        let single_pushed = single.join().unwrap();
        if let Err(err) = batch_pushed {
            assert_eq!(err, PushError::Closed(()), "three slots: never full");
        }
        let mut out = Vec::new();
        while ring.pop_into(&mut out, 3).is_ok() {}
        let mut expected: Vec<u32> = Vec::new();
        if let Ok(count) = batch_pushed {
            expected.extend(&[10, 11][..count]);
        }
        if single_pushed {
            expected.push(20);
        }
        let mut sorted = out.clone();
        sorted.sort_unstable();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        // The batch's values are adjacent and in order.
        if let Some(at) = out.iter().position(|&v| v == 10) {
            if batch_pushed == Ok(2) {
                assert_eq!(out[at + 1], 11);
            }
        }
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
    });
}

/// A reservation races a push for the last free slots of a buffer that a
/// consumer is emptying: capacity is never overbooked (the reserved push
/// always finds room, however the others interleave), and every value
/// arrives once, in each producer's order.
#[test]
fn reservation_races_push_and_pop() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        ring.push(0).unwrap();
        let reserver = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                while ring.try_reserve().is_err() {
                    thread::yield_now();
                }
                assert!(ring.len() + ring.reserved() <= 2);
                ring.push_reserved(10);
            })
        };
        let pusher = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || push_spin(&ring, 20))
        };
        let mut got = vec![pop_spin(&ring), pop_spin(&ring), pop_spin(&ring)];
        reserver.join().unwrap();
        pusher.join().unwrap();
        assert_eq!(got[0], 0);
        got.sort();
        assert_eq!(got, [0, 10, 20]);
        assert_eq!((ring.len(), ring.reserved()), (0, 0));
    });
}

/// Capacity 2 after a lap's first pop: the value 2 is left at index 1, and
/// one reservation is held, whose room is index 0 of the next lap.
fn one_left_and_one_reserved() -> Arc<RingBuffer<i32>> {
    let ring = Arc::new(RingBuffer::new(2));
    ring.push(1).unwrap();
    ring.push(2).unwrap();
    assert_eq!(ring.pop(), Some(1));
    ring.try_reserve().unwrap();
    ring
}

/// Two reserved pushes race each other and the pop that frees the second
/// slot. A reserved push reads no stamp (`reserve.rs`, "The reserved
/// run"): the reservations' room checks alone keep it off a slot whose
/// value is still being popped. Fails with `try_reserve`'s room check
/// moved to `tail`'s own position.
#[test]
fn reserved_pushes_race_each_other_and_the_pop_of_their_slot() {
    model(|| {
        let ring = one_left_and_one_reserved();
        let first = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                ring.push_reserved(10);
            })
        };
        let second = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                while ring.try_reserve().is_err() {
                    thread::yield_now();
                }
                ring.push_reserved(20);
            })
        };
        assert_eq!(pop_spin(&ring), 2);
        first.join().unwrap();
        second.join().unwrap();
        let mut rest = [ring.pop().unwrap(), ring.pop().unwrap()];
        rest.sort();
        assert_eq!(rest, [10, 20]);
        assert_eq!((ring.len(), ring.reserved()), (0, 0));
    });
}

/// A reservation given back on a full buffer frees room for a producer
/// waiting on the producers' flag: either its push after raising the flag
/// succeeds, or the release reports the flag (so a channel would wake it).
#[test]
fn released_reservation_producer_handshake() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        ring.try_reserve().unwrap();
        let releaser = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.release_reservation().producers_waiting)
        };
        let pushed = match ring.try_push(1) {
            Ok(()) => true,
            Err(_) => {
                ring.set_producers_waiting(true);
                ring.try_push(1).is_ok()
            }
        };
        let reported = releaser.join().unwrap();
        assert!(
            pushed || reported,
            "lost wake-up: room freed, producer not told"
        );
    });
}

/// A closed buffer with a reservation outstanding is not drained until it
/// is used: a consumer racing the reserved push either gets the value or
/// sees `Empty`, never `Closed` before it.
#[test]
fn closed_with_a_reservation_is_not_drained_until_it_is_used() {
    model(|| {
        let ring = Arc::new(RingBuffer::new(1));
        ring.try_reserve().unwrap();
        ring.close();
        let producer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.push_reserved(7))
        };
        let got = loop {
            match ring.try_pop() {
                Ok(value) => break value,
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => panic!("drained while a reservation was held"),
            }
        };
        assert_eq!(got, 7);
        producer.join().unwrap();
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
    });
}

/// A batch push with a reservation held races the pop that frees its room:
/// capacity 2, one value left (at index 1) and the other slot reserved, so
/// the batch's own first slot (index 0, next lap) is free but its room (the
/// slot past the reservation, index 1) is only free once that pop has
/// moved its value out. The batch stores at most one value, never over the
/// value being popped (loom's cell tracking would see the race), and the
/// reserved push then always finds its slot.
#[test]
fn push_slice_with_a_reservation_races_the_pop_of_its_room() {
    model(|| {
        let ring = one_left_and_one_reserved();
        let consumer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || pop_spin(&ring))
        };
        let pusher = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || ring.push_slice(&[10, 11]))
        };
        let pushed = pusher.join().unwrap();
        assert!(matches!(pushed, Ok(1) | Err(PushError::Full(()))));
        assert_eq!(consumer.join().unwrap(), 2);
        assert!(ring.len() + ring.reserved() <= 2);
        ring.push_reserved(20);
        let expected: &[i32] = if pushed.is_ok() { &[10, 20] } else { &[20] };
        for &value in expected {
            assert_eq!(ring.pop(), Some(value));
        }
        assert_eq!(ring.try_pop(), Err(PopError::Empty));
    });
}

// ---------------------------------------------------------------------------
// The consumer pause (`pop_and_pause` / `resume_consumers`)
// ---------------------------------------------------------------------------

/// Capacity 2 holding `[1, 2]`: a pauser takes the front value and pauses
/// the consumers while a consumer pops once and a producer pushes 3 into
/// the slot that frees. The pauser "delivers" its value (logs it) while the
/// pause holds, checks that a pop then reports `Empty` (with a value
/// stored), and resumes. The consumer pops and logs under the same log
/// lock, so the log is the order in which values left the buffer: no value
/// twice, none lost, and in FIFO order, the paused value first among those
/// behind it. Fails if the pause is not taken in the pop's own CAS, or if
/// a pop does not honour it: the consumer then takes 2 while the paused 1
/// is still on its way.
#[test]
fn pop_and_pause_races_a_pop_and_a_push() {
    use loom::sync::Mutex;
    model(|| {
        let ring = Arc::new(RingBuffer::new(2));
        ring.push(1u32).unwrap();
        ring.push(2u32).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let pauser = {
            let (ring, log) = (Arc::clone(&ring), Arc::clone(&log));
            thread::spawn(move || {
                // It gives up rather than wait when the racing pop holds
                // the front (or moved `head` since its load): nothing paused.
                let Ok((value, _)) = ring.pop_and_pause() else {
                    assert!(!ring.consumers_paused());
                    return;
                };
                assert!(ring.consumers_paused());
                let mut log = log.lock().unwrap();
                log.push(value);
                assert_eq!(
                    ring.try_pop(),
                    Err(PopError::Empty),
                    "a pop got past the pause"
                );
                drop(log);
                ring.resume_consumers();
            })
        };
        let consumer = {
            let (ring, log) = (Arc::clone(&ring), Arc::clone(&log));
            thread::spawn(move || {
                let mut log = log.lock().unwrap();
                match ring.try_pop() {
                    Ok(value) => log.push(value),
                    Err(error) => assert_eq!(error, PopError::Empty),
                }
            })
        };
        let pushed = ring.try_push(3u32);
        if let Err(error) = pushed {
            assert_eq!(error, PushError::Full(3));
        }
        pauser.join().unwrap();
        consumer.join().unwrap();
        assert!(!ring.consumers_paused());
        let mut log = log.lock().unwrap();
        while let Ok(value) = ring.try_pop() {
            log.push(value);
        }
        let expected: &[u32] = if pushed.is_ok() { &[1, 2, 3] } else { &[1, 2] };
        assert_eq!(*log, expected, "out of order, lost or duplicated");
        assert_eq!(ring.len(), 0);
    });
}
