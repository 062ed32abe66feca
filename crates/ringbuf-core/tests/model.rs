//! Model test: random single-threaded operation sequences run against both a
//! `RingBuffer` and a `VecDeque` that plays the specification. Every return
//! value is compared, so any divergence (order, length, full/closed
//! reporting, a value not handed back) fails the property.
#![cfg(not(chan_loom))]

use std::collections::VecDeque;

use proptest::prelude::*;
use ringbuf_core::{PopError, PushError, RingBuffer};

#[derive(Clone, Copy, Debug)]
enum Op {
    Push,
    TryPush,
    Pop,
    TryPop,
    Len,
    IsEmpty,
    IsFull,
    IsClosed,
    Close,
    /// `push_slice` of this many values.
    PushSlice(usize),
    /// `pop_into` of at most this many values.
    PopInto(usize),
    /// `try_reserve`.
    Reserve,
    /// `push_reserved`, when a reservation is held.
    PushReserved,
    /// `release_reservation`, when a reservation is held.
    Release,
    /// `reserved`.
    Reserved,
}

fn op() -> impl Strategy<Value = Op> {
    // Pushes are weighted above pops so runs regularly reach the full state
    // (and wrap around); close is rare so most of a run happens while open.
    prop_oneof![
        60 => Just(Op::Push),
        30 => Just(Op::TryPush),
        40 => Just(Op::Pop),
        20 => Just(Op::TryPop),
        20 => Just(Op::Len),
        10 => Just(Op::IsEmpty),
        10 => Just(Op::IsFull),
        10 => Just(Op::IsClosed),
        1 => Just(Op::Close),
        15 => (0usize..10).prop_map(Op::PushSlice),
        15 => (0usize..10).prop_map(Op::PopInto),
        25 => Just(Op::Reserve),
        15 => Just(Op::PushReserved),
        8 => Just(Op::Release),
        5 => Just(Op::Reserved),
    ]
}

fn capacity() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(1usize),
        Just(2),
        Just(3),
        Just(7),
        Just(64),
        1usize..=70,
    ]
}

/// The specification: a bounded FIFO with a closed flag, and a count of
/// reservations: capacity held, not values, so `len + reserved <=
/// capacity`, and "closed and empty" is final only once none is held.
struct Model {
    queue: VecDeque<u64>,
    capacity: usize,
    closed: bool,
    reserved: usize,
}

impl Model {
    fn is_full(&self) -> bool {
        self.queue.len() + self.reserved == self.capacity
    }

    fn try_push(&mut self, value: u64) -> Result<(), PushError<u64>> {
        if self.closed {
            Err(PushError::Closed(value))
        } else if self.is_full() {
            Err(PushError::Full(value))
        } else {
            self.queue.push_back(value);
            Ok(())
        }
    }

    fn try_pop(&mut self) -> Result<u64, PopError> {
        match self.queue.pop_front() {
            Some(value) => Ok(value),
            None if self.closed && self.reserved == 0 => Err(PopError::Closed),
            None => Err(PopError::Empty),
        }
    }

    fn try_reserve(&mut self) -> Result<(), PushError<()>> {
        if self.closed {
            Err(PushError::Closed(()))
        } else if self.is_full() {
            Err(PushError::Full(()))
        } else {
            self.reserved += 1;
            Ok(())
        }
    }

    /// A push through a reservation: never refused, also once closed.
    fn push_reserved(&mut self, value: u64) {
        assert!(self.reserved > 0);
        self.reserved -= 1;
        self.queue.push_back(value);
    }

    /// Pushes the front of `values` that fits.
    fn push_slice(&mut self, values: &[u64]) -> Result<usize, PushError<()>> {
        if values.is_empty() {
            return Ok(0);
        }
        let room = self.capacity - self.queue.len() - self.reserved;
        match self.try_push(values[0]) {
            Err(PushError::Full(_)) => Err(PushError::Full(())),
            Err(PushError::Closed(_)) => Err(PushError::Closed(())),
            Ok(()) => {
                let count = values.len().min(room);
                self.queue.extend(&values[1..count]);
                Ok(count)
            }
        }
    }

    /// Pops up to `max` values into `out`.
    fn pop_into(&mut self, out: &mut Vec<u64>, max: usize) -> Result<usize, PopError> {
        if max == 0 {
            return Ok(0);
        }
        let first = self.try_pop()?;
        out.push(first);
        let more = (max - 1).min(self.queue.len());
        out.extend(self.queue.drain(..more));
        Ok(1 + more)
    }

    fn close(&mut self) -> bool {
        !std::mem::replace(&mut self.closed, true)
    }
}

fn check(capacity: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let ring = RingBuffer::new(capacity);
    let mut model = Model {
        queue: VecDeque::new(),
        capacity,
        closed: false,
        reserved: 0,
    };
    prop_assert_eq!(ring.capacity(), capacity);
    // Each pushed value is unique (its step number), so an out-of-order or
    // duplicated pop cannot go unnoticed.
    for (step, &op) in ops.iter().enumerate() {
        let value = step as u64;
        match op {
            Op::Push => {
                let expected = model.try_push(value).map_err(PushError::into_inner);
                prop_assert_eq!(ring.push(value), expected, "step {}: push", step);
            }
            Op::TryPush => {
                let expected = model.try_push(value);
                prop_assert_eq!(ring.try_push(value), expected, "step {}: try_push", step);
            }
            Op::Pop => {
                let expected = model.try_pop().ok();
                prop_assert_eq!(ring.pop(), expected, "step {}: pop", step);
            }
            Op::TryPop => {
                let expected = model.try_pop();
                prop_assert_eq!(ring.try_pop(), expected, "step {}: try_pop", step);
            }
            Op::Len => {
                prop_assert_eq!(ring.len(), model.queue.len(), "step {}: len", step);
            }
            Op::IsEmpty => {
                prop_assert_eq!(
                    ring.is_empty(),
                    model.queue.is_empty(),
                    "step {}: is_empty",
                    step
                );
            }
            Op::IsFull => {
                prop_assert_eq!(ring.is_full(), model.is_full(), "step {}: is_full", step);
            }
            Op::IsClosed => {
                prop_assert_eq!(ring.is_closed(), model.closed, "step {}: is_closed", step);
            }
            Op::Close => {
                prop_assert_eq!(ring.close(), model.close(), "step {}: close", step);
            }
            Op::PushSlice(count) => {
                // Unique values, apart from the single pushes' step numbers.
                let values: Vec<u64> = (0..count as u64)
                    .map(|i| 1_000_000 + value * 1000 + i)
                    .collect();
                let expected = model.push_slice(&values);
                prop_assert_eq!(
                    ring.push_slice(&values),
                    expected,
                    "step {}: push_slice",
                    step
                );
            }
            Op::PopInto(max) => {
                let (mut got, mut expected_out) = (vec![7], vec![7]);
                let expected = model.pop_into(&mut expected_out, max);
                prop_assert_eq!(
                    ring.pop_into(&mut got, max),
                    expected,
                    "step {}: pop_into",
                    step
                );
                prop_assert_eq!(got, expected_out, "step {}: pop_into values", step);
            }
            Op::Reserve => {
                let expected = model.try_reserve();
                prop_assert_eq!(ring.try_reserve(), expected, "step {}: try_reserve", step);
            }
            Op::PushReserved => {
                if model.reserved > 0 {
                    model.push_reserved(value);
                    // The flag it reports is the consumers' waiting flag,
                    // which nothing here raises.
                    let pushed = ring.push_reserved(value);
                    prop_assert!(!pushed.consumers_waiting, "step {}: push_reserved", step);
                    prop_assert_eq!(
                        pushed.last_after_close,
                        model.closed && model.reserved == 0,
                        "step {}: push_reserved after the close",
                        step
                    );
                }
            }
            Op::Release => {
                if model.reserved > 0 {
                    model.reserved -= 1;
                    let released = ring.release_reservation();
                    prop_assert!(
                        !released.producers_waiting && !released.consumers_waiting,
                        "step {}: release_reservation reported {:?} with no flag up",
                        step,
                        released
                    );
                }
            }
            Op::Reserved => {
                prop_assert_eq!(ring.reserved(), model.reserved, "step {}: reserved", step);
            }
        }
        // The length is cheap to check after every step, not only when the
        // sequence asks for it.
        prop_assert_eq!(
            (ring.len(), ring.reserved()),
            (model.queue.len(), model.reserved),
            "step {}: (len, reserved) after {:?}",
            step,
            op
        );
    }
    // Reservations still held are used (or given back) once the values
    // have drained: until the last one goes, an empty buffer is not final,
    // closed or not.
    let mut next = 2_000_000_000u64;
    while model.reserved > 0 {
        while let Some(expected) = model.queue.pop_front() {
            prop_assert_eq!(ring.try_pop(), Ok(expected), "drain");
        }
        prop_assert_eq!(
            ring.try_pop(),
            Err(PopError::Empty),
            "empty, reservations held"
        );
        if next % 2 == 0 {
            model.push_reserved(next);
            ring.push_reserved(next);
        } else {
            model.reserved -= 1;
            ring.release_reservation();
        }
        next += 1;
    }
    // Whatever is left drains in order, then the buffer reports the right
    // kind of emptiness.
    while let Some(expected) = model.queue.pop_front() {
        prop_assert_eq!(ring.try_pop(), Ok(expected), "drain");
    }
    let empty = if model.closed {
        PopError::Closed
    } else {
        PopError::Empty
    };
    prop_assert_eq!(ring.try_pop(), Err(empty));
    prop_assert!(ring.is_empty());
    prop_assert_eq!(ring.len(), 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn matches_vecdeque_model(
        capacity in capacity(),
        ops in prop::collection::vec(op(), 0..400),
    ) {
        check(capacity, &ops)?;
    }

    /// Long runs with no close at all, so every capacity goes through many
    /// laps of full/empty transitions.
    #[test]
    fn matches_model_without_close(
        capacity in capacity(),
        ops in prop::collection::vec(
            op().prop_filter("no close", |op| !matches!(op, Op::Close)),
            0..600,
        ),
    ) {
        check(capacity, &ops)?;
    }
}

/// Deterministic companion to the properties: every listed capacity, pushed
/// to full, drained, many laps, with the model checked after each step.
#[test]
fn fill_and_drain_every_capacity() {
    for capacity in [1usize, 2, 3, 7, 64, 65, 70] {
        let mut ops = Vec::new();
        for _ in 0..5 {
            ops.extend(std::iter::repeat(Op::Push).take(capacity + 2));
            ops.extend(std::iter::repeat(Op::Pop).take(capacity / 2 + 1));
            ops.extend(std::iter::repeat(Op::TryPush).take(capacity / 2 + 2));
            ops.extend(std::iter::repeat(Op::TryPop).take(capacity + 3));
        }
        ops.push(Op::Push);
        ops.push(Op::Close);
        ops.push(Op::Close);
        ops.push(Op::Push);
        ops.push(Op::TryPush);
        check(capacity, &ops).unwrap_or_else(|e| panic!("capacity {capacity}: {e}"));
    }
}
