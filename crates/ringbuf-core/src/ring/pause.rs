//! Pausing the consumers: taking the front value out of line and holding
//! every other pop back until it has been delivered elsewhere.
//!
//! A channel that hands a value straight to a waiting receiver, to free a
//! slot for the next send, takes that value from the front of the buffer.
//! The value then lives outside the buffer until its receiver takes it, and
//! every value behind it must wait: a pop that overtook it would reorder
//! one sender's messages. [`RingBuffer::pop_and_pause`] takes the front
//! value and sets the pause in the same compare-and-swap on `head`; while
//! the pause is set every pop reports [`PopError::Empty`]; the holder lifts
//! it with [`RingBuffer::resume_consumers`] once the value is delivered.
//!
//! # Seeing the pause lifted
//!
//! The pause is lifted by whoever delivered the paused value, and nothing
//! else orders that write before a later pop: a pop's `Relaxed` load of
//! `head` may still read the pause after it was lifted, and report empty
//! while values wait behind it (a channel's receiver that registered and
//! re-checked would then sleep with a message in the buffer; chan-async's
//! loom model `a_wake_spent_under_a_flag_left_up_is_passed_on` found it).
//! So a pop that reads the pause confirms it with a read-modify-write on
//! `head` (`fetch_or(0)`, `AcqRel`), which reads the latest value: if the
//! pause is gone, the pop retries; if it is still there, the lift comes
//! later in `head`'s modification order and acquires this read-modify-write,
//! so the thread that lifts it sees everything the popping thread did
//! before (a channel's lifter then sees the receiver's registration and
//! the message it waits for, and wakes it). It costs a locked
//! instruction only while a pause is seen.
//!
//! The pause is a bit in `head` (the close mark's bit, which `head` never
//! carries otherwise), so it is ordered with every pop by that word's
//! modification order: a pop's claim either comes before the pause (and it
//! took a value ahead of the paused one, or the paused one's claim failed
//! and retried behind it), or it reads the pause and reports empty. No pop
//! fast path tests it: a paused `head` never matches a stamp
//! (`RingBuffer::pop_setting`). Pushes do not look at it.

use super::RingBuffer;
use crate::error::PopError;
use crate::sync::Ordering;

impl<T> RingBuffer<T> {
    /// Removes the value at the front, as
    /// [`pop_reporting_waiters`](Self::pop_reporting_waiters), and pauses
    /// the consumers in the same step: until
    /// [`resume_consumers`](Self::resume_consumers), every pop reports
    /// [`PopError::Empty`] (`pop` returns `None`), whatever is stored and
    /// even once the buffer is closed. Pushes go on as usual.
    ///
    /// Fails with [`PopError::Empty`], changing nothing, when no value is
    /// ready at the front: the buffer is empty (closed or not), the
    /// consumers are paused already, or, rather than wait, the front value
    /// is still being written by its push (or a racing pop moved `head`).
    /// The caller is about to hold every other consumer back while it
    /// delivers the value, so it must not wait for a thread that may be
    /// descheduled.
    ///
    /// ```
    /// use ringbuf_core::{PopError, RingBuffer};
    ///
    /// let ring = RingBuffer::new(2);
    /// ring.push(1).unwrap();
    /// ring.push(2).unwrap();
    /// assert_eq!(ring.pop_and_pause(), Ok((1, false)));
    /// assert_eq!(ring.try_pop(), Err(PopError::Empty)); // 2 waits behind 1
    /// ring.push(3).unwrap();
    /// ring.resume_consumers();
    /// assert_eq!(ring.pop(), Some(2));
    /// assert_eq!(ring.pop(), Some(3));
    /// ```
    pub fn pop_and_pause(&self) -> Result<(T, bool), PopError> {
        self.pop_setting(self.mark_bit, false)
    }

    /// Lifts the pause set by [`pop_and_pause`](Self::pop_and_pause): pops
    /// take values again, from the front.
    ///
    /// `AcqRel`: a pop that reads the resumed `head` sees what the caller
    /// did before resuming (delivered the paused value), and the change is
    /// ordered with every pop's claim on the same word.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(2);
    /// ring.push(1).unwrap();
    /// ring.push(2).unwrap();
    /// let (first, _) = ring.pop_and_pause().unwrap();
    /// assert!(ring.consumers_paused());
    /// ring.resume_consumers();
    /// assert!(!ring.consumers_paused());
    /// assert_eq!((first, ring.pop()), (1, Some(2)));
    /// ```
    pub fn resume_consumers(&self) {
        self.head.fetch_and(!self.mark_bit, Ordering::AcqRel);
    }

    /// Whether the consumers are paused ([`pop_and_pause`](Self::pop_and_pause)).
    ///
    /// A pause read is confirmed with a read-modify-write on `head`, as a
    /// pop confirms one ("Seeing the pause lifted"): a caller that answers
    /// "paused" and then waits for the lift (chan-async's `Drained`, which
    /// waits for the channel to be empty) either sees the lift or is seen
    /// by it, with everything it did before. `Acquire`: a caller that
    /// reads an unpaused `head` after a pause sees what the resumer did
    /// before lifting it.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(1);
    /// assert!(!ring.consumers_paused());
    /// ring.push(7).unwrap();
    /// ring.pop_and_pause().unwrap();
    /// assert!(ring.consumers_paused());
    /// ```
    pub fn consumers_paused(&self) -> bool {
        self.head.load(Ordering::Acquire) & self.mark_bit != 0
            && self.head.fetch_or(0, Ordering::AcqRel) & self.mark_bit != 0
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_paused_buffer_reports_empty_to_every_pop_until_resumed() {
        for capacity in [1, 2, 3, 4, 8] {
            let ring = RingBuffer::new(capacity);
            for i in 0..capacity {
                ring.push(i).unwrap();
            }
            assert_eq!(ring.pop_and_pause(), Ok((0, false)));
            assert_eq!(ring.try_pop(), Err(PopError::Empty));
            assert_eq!(ring.pop_reporting_waiters(), Err(PopError::Empty));
            let mut out = Vec::new();
            assert_eq!(ring.pop_into(&mut out, 8), Err(PopError::Empty));
            assert_eq!(ring.pop_and_pause(), Err(PopError::Empty));
            // The freed slot takes a push; `len` counts what is stored.
            ring.push(capacity).unwrap();
            assert_eq!(ring.len(), capacity);
            assert!(ring.is_full());
            ring.resume_consumers();
            let rest: Vec<_> = core::iter::from_fn(|| ring.pop()).collect();
            assert_eq!(rest, (1..=capacity).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_pause_holds_back_the_end_of_a_closed_buffer() {
        let ring = RingBuffer::new(2);
        ring.push(1).unwrap();
        ring.close();
        assert_eq!(ring.pop_and_pause(), Ok((1, false)));
        assert_eq!(ring.try_pop(), Err(PopError::Empty));
        ring.resume_consumers();
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
    }

    #[test]
    fn pausing_an_empty_buffer_changes_nothing() {
        let ring = RingBuffer::<u8>::new(2);
        assert_eq!(ring.pop_and_pause(), Err(PopError::Empty));
        assert!(!ring.consumers_paused());
        ring.close();
        assert_eq!(ring.pop_and_pause(), Err(PopError::Empty));
        assert!(!ring.consumers_paused());
    }

    #[test]
    fn the_pause_reports_waiting_producers_and_keeps_their_flag() {
        let ring = RingBuffer::new(1);
        ring.push(1).unwrap();
        ring.set_producers_waiting(true);
        assert_eq!(ring.pop_and_pause(), Ok((1, true)));
        assert!(ring.producers_waiting());
        ring.resume_consumers();
        assert!(ring.producers_waiting());
        ring.push(2).unwrap();
        assert_eq!(ring.pop_reporting_waiters(), Ok((2, true)));
    }

    #[test]
    fn dropping_a_paused_buffer_drops_what_it_holds() {
        use alloc::rc::Rc;
        let counted = Rc::new(());
        let ring = RingBuffer::new(3);
        for _ in 0..3 {
            ring.push(Rc::clone(&counted)).unwrap();
        }
        let (first, _) = ring.pop_and_pause().unwrap();
        drop(first);
        drop(ring);
        assert_eq!(Rc::strong_count(&counted), 1);
    }

    #[test]
    fn a_pause_across_many_laps_keeps_fifo() {
        let ring = RingBuffer::new(3);
        let mut next_in = 0u32;
        let mut next_out = 0u32;
        for round in 0..100 {
            while ring.push(next_in).is_ok() {
                next_in += 1;
            }
            if round % 2 == 0 {
                let (value, _) = ring.pop_and_pause().unwrap();
                assert_eq!(value, next_out);
                next_out += 1;
                assert_eq!(ring.pop(), None);
                ring.resume_consumers();
            }
            while let Some(value) = ring.pop() {
                assert_eq!(value, next_out);
                next_out += 1;
            }
        }
        assert_eq!(next_in, next_out);
    }
}
