//! Ownership of values: everything the buffer stores is dropped exactly once,
//! by the buffer only while it still owns it.
#![cfg(not(chan_loom))]

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use ringbuf_core::{PushError, RingBuffer};

/// The drop log shared by a test and its values: the ids dropped, in order.
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<u32>>>);

impl Log {
    fn value(&self, id: u32) -> Tracked {
        Tracked {
            id,
            log: self.clone(),
            panic_on_drop: false,
        }
    }

    fn panicking(&self, id: u32) -> Tracked {
        Tracked {
            id,
            log: self.clone(),
            panic_on_drop: true,
        }
    }

    fn dropped(&self) -> Vec<u32> {
        self.0.borrow().clone()
    }

    /// How many times `id` was dropped.
    fn count(&self, id: u32) -> usize {
        self.0.borrow().iter().filter(|&&d| d == id).count()
    }
}

/// A value that records its drop in a `Log` (and may panic doing so).
struct Tracked {
    id: u32,
    log: Log,
    panic_on_drop: bool,
}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tracked({})", self.id)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.log.0.borrow_mut().push(self.id);
        if self.panic_on_drop {
            panic!("Tracked({}) panics on drop", self.id);
        }
    }
}

/// Runs `pairs` push/pop pairs through `ring`, so its positions move on by
/// `pairs` (past a wrap-around once `pairs >= capacity`).
fn wrap(ring: &RingBuffer<Tracked>, log: &Log, first_id: u32, pairs: usize) {
    for i in 0..pairs {
        let id = first_id + i as u32;
        ring.push(log.value(id)).unwrap();
        let popped = ring.pop().unwrap();
        assert_eq!(popped.id, id);
        assert_eq!(log.count(id), 0, "a popped value belongs to the caller");
        drop(popped);
        assert_eq!(log.count(id), 1);
    }
}

#[test]
fn remaining_values_are_dropped_once_in_fifo_order() {
    for capacity in [1usize, 3, 8] {
        for fill in 1..=capacity {
            let log = Log::default();
            let ring = RingBuffer::new(capacity);
            for id in 0..fill as u32 {
                ring.push(log.value(id)).unwrap();
            }
            assert!(log.dropped().is_empty(), "nothing dropped while stored");
            drop(ring);
            let expected: Vec<u32> = (0..fill as u32).collect();
            assert_eq!(log.dropped(), expected, "capacity {capacity}, fill {fill}");
        }
    }
}

#[test]
fn remaining_values_after_wrap_around_are_dropped_once() {
    for capacity in [1usize, 3, 8] {
        // Every starting index of the second and third lap, and every fill.
        for start in capacity..3 * capacity {
            for fill in 1..=capacity {
                let log = Log::default();
                let ring = RingBuffer::new(capacity);
                wrap(&ring, &log, 1000, start);
                let before = log.dropped().len();
                assert_eq!(before, start);
                for id in 0..fill as u32 {
                    ring.push(log.value(id)).unwrap();
                }
                // A partial drain moves `head` too, so the leftovers straddle
                // the end of the slot array for some fills.
                let popped = ring.pop().unwrap();
                assert_eq!(popped.id, 0);
                drop(popped);
                assert_eq!(ring.len(), fill - 1);
                drop(ring);
                let after = &log.dropped()[before..];
                let expected: Vec<u32> = (0..fill as u32).collect();
                assert_eq!(
                    after, expected,
                    "capacity {capacity}, start {start}, fill {fill}"
                );
            }
        }
    }
}

#[test]
fn closed_buffer_drops_its_values() {
    let log = Log::default();
    let ring = RingBuffer::new(3);
    for id in 0..3 {
        ring.push(log.value(id)).unwrap();
    }
    assert!(ring.close());
    drop(ring.pop().unwrap());
    drop(ring);
    assert_eq!(log.dropped(), [0, 1, 2]);
}

#[test]
fn rejected_values_belong_to_the_caller() {
    for capacity in [1usize, 3, 8] {
        let log = Log::default();
        let ring = RingBuffer::new(capacity);
        for id in 0..capacity as u32 {
            ring.push(log.value(id)).unwrap();
        }

        // Full: `push` and `try_push` hand the very value back, undropped.
        let back = ring.push(log.value(100)).unwrap_err();
        assert_eq!(back.id, 100);
        let back_full = match ring.try_push(log.value(101)) {
            Err(PushError::Full(value)) => value,
            other => panic!("expected Full, got {other:?}"),
        };
        assert_eq!(back_full.id, 101);

        // Closed: the same, for both entry points.
        ring.close();
        let back_closed = ring.push(log.value(102)).unwrap_err();
        assert_eq!(back_closed.id, 102);
        let back_try_closed = match ring.try_push(log.value(103)) {
            Err(PushError::Closed(value)) => value,
            other => panic!("expected Closed, got {other:?}"),
        };
        assert_eq!(back_try_closed.id, 103);
        assert!(log.dropped().is_empty(), "rejected values are not dropped");

        // The buffer drops only what it stored; the caller's values survive
        // it and are dropped once, by the caller.
        drop(ring);
        let stored: Vec<u32> = (0..capacity as u32).collect();
        assert_eq!(log.dropped(), stored);
        drop((back, back_full, back_closed, back_try_closed));
        let mut all = stored;
        all.extend([100, 101, 102, 103]);
        assert_eq!(log.dropped(), all);
    }
}

#[test]
fn popped_values_are_not_dropped_by_the_buffer() {
    let log = Log::default();
    let ring = RingBuffer::new(2);
    ring.push(log.value(0)).unwrap();
    ring.push(log.value(1)).unwrap();
    let kept = ring.pop().unwrap();
    drop(ring);
    assert_eq!(log.dropped(), [1]);
    assert_eq!(kept.id, 0);
    drop(kept);
    assert_eq!(log.dropped(), [1, 0]);
}

/// Keeps the expected "panics on drop" messages out of the test output while
/// leaving every other panic message to the default hook.
fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let expected = info
                .payload()
                .downcast_ref::<String>()
                .is_some_and(|m| m.ends_with("panics on drop"));
            if !expected {
                default(info);
            }
        }));
    });
}

/// Fills a buffer with `ids`, the one at `panicking` panicking on drop, drops
/// the buffer under `catch_unwind`, and returns the log.
fn drop_with_panic(capacity: usize, wrap_first: usize, ids: &[u32], panicking: u32) -> Log {
    quiet_expected_panics();
    let log = Log::default();
    let ring = RingBuffer::new(capacity);
    wrap(&ring, &log, 1000, wrap_first);
    let before = log.dropped().len();
    for &id in ids {
        let value = if id == panicking {
            log.panicking(id)
        } else {
            log.value(id)
        };
        ring.push(value).unwrap();
    }
    let result = panic::catch_unwind(AssertUnwindSafe(move || drop(ring)));
    let payload =
        result.expect_err("the panic in Tracked::drop propagates out of the buffer's drop");
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert_eq!(message, format!("Tracked({panicking}) panics on drop"));
    // Forget the wrap-around values so callers see only this buffer's drops.
    log.0.borrow_mut().drain(..before);
    log
}

#[test]
fn panicking_drop_still_drops_the_rest_exactly_once() {
    for capacity in [1usize, 3, 8] {
        for wrap_first in [0, capacity + 1] {
            for fill in 1..=capacity {
                let ids: Vec<u32> = (0..fill as u32).collect();
                for &panicking in &ids {
                    let log = drop_with_panic(capacity, wrap_first, &ids, panicking);
                    // Every value, the panicking one included, is dropped
                    // exactly once, in FIFO order: the ones after the panic
                    // are dropped while it unwinds.
                    assert_eq!(
                        log.dropped(),
                        ids,
                        "capacity {capacity}, wrap {wrap_first}, panicking {panicking}"
                    );
                }
            }
        }
    }
}
