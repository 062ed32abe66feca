//! Batch operations: several positions claimed with one compare-and-swap.
//!
//! A single push or pop pays one locked read-modify-write on its position
//! word, which also waits for the previous operation's stores to leave the
//! core; that, not the slots, is what separates an MPMC queue from an SPSC
//! one across threads. [`RingBuffer::push_slice`] and
//! [`RingBuffer::pop_into`] claim a run of consecutive positions with one
//! CAS and then write or read each slot, publishing it with its own stamp
//! store as a single operation would. Everything else is unchanged: other
//! producers and consumers keep using single operations or batches of their
//! own, each slot's stamp still says whose turn it is, and a consumer that
//! meets a claimed slot not yet written waits for it as it always does.
//!
//! Batches keep the waiting flags as they are but do not report them: a
//! layer that parks waiters on the flags (as `chan-async` does, through
//! [`RingBuffer::push_reporting_waiters`]) must use the reporting single
//! operations, or it would miss the wake-ups the flags are there for.
//!
//! Why a claimed run is ours: before the CAS, every slot of the run showed
//! the stamp that lets a push (pop) at its position use it, loaded with
//! `Acquire` (so the previous occupant's move out, or the value's write, is
//! visible). No other producer (consumer) can take those positions without
//! moving `tail` (`head`) past them, and our CAS succeeded from the value we
//! read, so none did. A run never wraps onto its own first slot: at most
//! `capacity` positions are consecutive before the stamps belong to the
//! next lap.

use alloc::vec::Vec;

use super::RingBuffer;
use crate::error::{PopError, PushError};
use crate::sync::{spin_wait, Ordering};

impl<T: Copy> RingBuffer<T> {
    /// Appends as many values from the front of `values` as fit, in order,
    /// with one claim: returns how many were stored (`Ok(0)` only for an
    /// empty slice), or an error when none could be because the buffer is
    /// full or closed.
    ///
    /// Interleaves with concurrent single and batch operations like that
    /// many single pushes made at one moment: the stored values are
    /// consecutive in the buffer, and a consumer takes them in order.
    ///
    /// ```
    /// use ringbuf_core::{PushError, RingBuffer};
    ///
    /// let ring = RingBuffer::new(4);
    /// assert_eq!(ring.push_slice(&[1, 2, 3]), Ok(3));
    /// assert_eq!(ring.push_slice(&[4, 5, 6]), Ok(1)); // room for one more
    /// assert_eq!(ring.push_slice(&[7]), Err(PushError::Full(())));
    /// ring.close();
    /// assert_eq!(ring.push_slice(&[7]), Err(PushError::Closed(())));
    /// ```
    pub fn push_slice(&self, values: &[T]) -> Result<usize, PushError<()>> {
        if values.is_empty() {
            return Ok(0);
        }
        let mut step = 0;
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return Err(PushError::Closed(()));
            }
            let flags = tail & (self.wait_bit | self.reserved_mask);
            let first = self.position_of(tail);
            // With reservations held, room starts past them (`reserve.rs`).
            let reserved = self.reserved_in(tail);
            let room = self.advance(first, reserved);
            let stamp = self.slot(room).stamp.load(Ordering::Acquire);
            if stamp != room {
                match self.push_blocked(stamp, room, step) {
                    Some(next) => step = next,
                    None => return Err(PushError::Full(())),
                }
                tail = self.tail.load(Ordering::Relaxed);
                continue;
            }
            let mut limit = values.len();
            if reserved != 0 {
                limit = self.run_from(room, limit, 0).0;
                if self.slot(first).stamp.load(Ordering::Acquire) != first {
                    // The previous lap's pop there is still moving out.
                    spin_wait(&mut step);
                    tail = self.tail.load(Ordering::Relaxed);
                    continue;
                }
            }
            // The run of free slots from `first`, as long as there is room.
            let (count, end) = self.run_from(first, limit, 0);
            match self.tail.compare_exchange_weak(
                tail,
                end | flags,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    let mut position = first;
                    for value in &values[..count] {
                        let slot = self.slot(position);
                        // SAFETY: the run's stamps said each position may
                        // write its slot, and the CAS made us the only owner
                        // of every position in it (module docs); each slot is
                        // uninitialized (its previous value was moved out
                        // before the Release store of the stamp we acquired).
                        slot.value.with_mut(|cell| unsafe { (*cell).write(*value) });
                        slot.stamp
                            .store(position.wrapping_add(1), Ordering::Release);
                        position = self.next_position(position);
                    }
                    return Ok(count);
                }
                Err(current) => tail = current,
            }
        }
    }
}

impl<T> RingBuffer<T> {
    /// Removes up to `max` values from the front with one claim and appends
    /// them to `out`, in order: returns how many (`Ok(0)` only for
    /// `max == 0`), or an error when the buffer is empty (or closed and
    /// empty).
    ///
    /// `out` is grown before anything is claimed, so the values are never
    /// held anywhere but the buffer and `out`.
    ///
    /// ```
    /// use ringbuf_core::{PopError, RingBuffer};
    ///
    /// let ring = RingBuffer::new(4);
    /// ring.push_slice(&[1, 2, 3]).unwrap();
    /// let mut out = Vec::new();
    /// assert_eq!(ring.pop_into(&mut out, 2), Ok(2));
    /// assert_eq!(ring.pop_into(&mut out, 8), Ok(1));
    /// assert_eq!(out, [1, 2, 3]);
    /// assert_eq!(ring.pop_into(&mut out, 8), Err(PopError::Empty));
    /// ```
    pub fn pop_into(&self, out: &mut Vec<T>, max: usize) -> Result<usize, PopError> {
        let max = max.min(self.capacity);
        if max == 0 {
            return Ok(0);
        }
        out.reserve(max);
        let mut step = 0;
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let waiting = head & self.wait_bit;
            let first = head & !self.wait_bit;
            let stamp = self.slot(first).stamp.load(Ordering::Acquire);
            if stamp != first.wrapping_add(1) {
                step = self.pop_blocked(stamp, first, step)?;
                head = self.head.load(Ordering::Relaxed);
                continue;
            }
            // The run of published slots from `first`, at most `max` long.
            let (count, end) = self.run_from(first, max, 1);
            match self.head.compare_exchange_weak(
                head,
                end | waiting,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    let mut position = first;
                    for _ in 0..count {
                        let slot = self.slot(position);
                        // SAFETY: the run's stamps said a push published each
                        // slot for its position (Release store, seen by our
                        // Acquire load), and the CAS made us the only
                        // consumer of every position in it (module docs).
                        // The stamp store below marks it uninitialized again.
                        let value = slot
                            .value
                            .with_mut(|cell| unsafe { (*cell).assume_init_read() });
                        slot.stamp
                            .store(position.wrapping_add(self.one_lap), Ordering::Release);
                        // Cannot allocate or panic: `max` was reserved.
                        out.push(value);
                        position = self.next_position(position);
                    }
                    return Ok(count);
                }
                Err(current) => head = current,
            }
        }
    }
}

impl<T> RingBuffer<T> {
    /// The run of consecutive positions from `first` (whose slot the caller
    /// already found ready) whose slots are ready too, at most `max` long:
    /// a slot is ready for a position `p` when its stamp is `p + offset`
    /// (0: free for a push at `p`; 1: published for a pop at `p`). Returns
    /// the run's length and the position after it.
    fn run_from(&self, first: usize, max: usize, offset: usize) -> (usize, usize) {
        let mut count = 1;
        let mut end = self.next_position(first);
        while count < max
            && self.slot(end).stamp.load(Ordering::Acquire) == end.wrapping_add(offset)
        {
            count += 1;
            end = self.next_position(end);
        }
        (count, end)
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    #[test]
    fn a_run_stops_at_the_first_slot_not_free() {
        let ring = RingBuffer::new(5);
        ring.push(0).unwrap();
        ring.push(1).unwrap();
        assert_eq!(ring.push_slice(&[2, 3, 4, 5, 6, 7]), Ok(3));
        assert_eq!(ring.len(), 5);
        assert_eq!(ring.pop(), Some(0));
        // One free slot, at index 0 of the next lap.
        assert_eq!(ring.push_slice(&[8, 9]), Ok(1));
        let mut out = vec![];
        assert_eq!(ring.pop_into(&mut out, 10), Ok(5));
        assert_eq!(out, [1, 2, 3, 4, 8]);
    }

    #[test]
    fn batches_cross_lap_boundaries_at_every_capacity() {
        for capacity in [1, 2, 3, 5, 8] {
            let ring = RingBuffer::new(capacity);
            let mut out = vec![];
            let mut next_in = 0u32;
            for round in 0..50usize {
                let batch: vec::Vec<u32> = (next_in..next_in + (round % 4) as u32 + 1).collect();
                let pushed = ring.push_slice(&batch).unwrap_or(0);
                next_in += pushed as u32;
                if let Ok(n) = ring.pop_into(&mut out, round % 3 + 1) {
                    assert!(n >= 1);
                }
                assert!(ring.len() <= capacity);
            }
            while ring.pop_into(&mut out, capacity).is_ok() {}
            let expected: vec::Vec<u32> = (0..next_in).collect();
            assert_eq!(out, expected, "capacity {capacity}");
        }
    }

    #[test]
    fn pop_into_takes_non_copy_values_and_respects_max() {
        let ring = RingBuffer::new(3);
        for word in ["a", "b", "c"] {
            ring.push(String::from(word)).unwrap();
        }
        let mut out = vec![String::from("before")];
        assert_eq!(ring.pop_into(&mut out, 0), Ok(0));
        assert_eq!(ring.pop_into(&mut out, 2), Ok(2));
        assert_eq!(out, ["before", "a", "b"]);
        ring.close();
        assert_eq!(ring.pop_into(&mut out, 2), Ok(1));
        assert_eq!(ring.pop_into(&mut out, 2), Err(PopError::Closed));
    }

    #[test]
    fn batches_keep_the_waiting_flags() {
        let ring = RingBuffer::new(4);
        ring.set_consumers_waiting(true);
        ring.set_producers_waiting(true);
        // Cross the lap boundary with both flags up.
        for _ in 0..3 {
            assert_eq!(ring.push_slice(&[1, 2, 3]), Ok(3));
            let mut out = vec![];
            assert_eq!(ring.pop_into(&mut out, 3), Ok(3));
        }
        assert_eq!(ring.push_reporting_waiters(9), Ok(true));
        assert_eq!(ring.pop_reporting_waiters(), Ok((9, true)));
        assert_eq!(ring.len(), 0);
    }
}
