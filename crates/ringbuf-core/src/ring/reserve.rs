//! Reservations: capacity held for a push that comes later, without taking
//! a position, so a reservation never holds up a consumer.
//!
//! A reservation is a count in `tail`, next to the waiting flag: `tail` is
//! `lap | reserved | wait | mark | index`. With `r` reservations held, the
//! buffer has room for a push at position `p` only when the slot `r`
//! positions ahead of it is free: then `p + r - head < capacity`, that is
//! `len + r < capacity`. So every decision about capacity (a push, a
//! reservation, a push that uses one, a reservation given back) is a
//! compare-and-swap on the one word `tail`, from the value the decision was
//! made on: no push can take a slot that a reservation holds, and a push
//! that uses a reservation always finds room.
//!
//! Nothing else changes. Consumers never look at the count, except to tell
//! "closed and empty" (no value will ever come: no reservation is left
//! either) from "empty". The common case pays one test: a push that sees
//! neither the close mark nor a reservation runs the plain algorithm, and
//! anything else goes to [`RingBuffer::push_past_reservations`].
//!
//! # The reserved run
//!
//! With `tail` at position `p` and `r` reservations held, the slots of
//! positions `p .. p + r` are free: each was seen free by the operation
//! that took `tail` over it, and nothing but a push at its position fills
//! it again. A reservation checks the slot at `p + r` before raising the
//! count; a push past reservations checks `p + r` (and its own slot at
//! `p`) before moving `p` on, a batch every slot it moves `p` and the run
//! over; a push that uses a reservation moves `p` on by one and lowers
//! the count, a reservation given back lowers the count: the run only
//! shrinks or is checked where it grows. Each check is an `Acquire` stamp
//! load followed by the `AcqRel` compare-and-swap that wins `tail` with
//! the value the check was made on, and every write to `tail` is a
//! read-modify-write, so any later winner of `tail` acquires it (release
//! sequence), and with it the pop that freed the slot.
//!
//! So [`RingBuffer::push_reserved`] reads no stamp: the slot at `tail`'s
//! position is the first of the run. That saves a load of the line other
//! producers are writing, per message, in a benchmark where four producers
//! send through permits. The pushes that do not use a reservation still
//! check their own slot, in a cold path; it is free by the same argument.
//!
//! loom: `reserved_pushes_race_each_other_and_the_pop_of_their_slot`
//! fails with the room check of `try_reserve` moved to `p` (the run not
//! checked where it grows).

use super::RingBuffer;
use crate::error::PushError;
use crate::sync::{spin_wait, Ordering};

/// Which waiting flags a reservation given back found up: the other side
/// of the buffer may need waking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleasedReservation {
    /// Producers were waiting for room (the flag of
    /// [`RingBuffer::set_producers_waiting`]): the slot is theirs now.
    pub producers_waiting: bool,
    /// Consumers were waiting (the flag of
    /// [`RingBuffer::set_consumers_waiting`]) on a closed buffer: with no
    /// reservation left, an empty closed buffer is now final.
    pub consumers_waiting: bool,
}

/// What a [`RingBuffer::push_reserved`] found in the word it replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedPush {
    /// Consumers were waiting (the flag of
    /// [`RingBuffer::set_consumers_waiting`]): a value is there for them.
    pub consumers_waiting: bool,
    /// The buffer was closed and this push used its last reservation: once
    /// empty, it is drained for good, which consumers waiting for the end
    /// need to hear. Of the pushes and
    /// [`release_reservation`](RingBuffer::release_reservation)s after a
    /// close, exactly one takes the count to zero; if it is a push, it
    /// reports it here.
    pub last_after_close: bool,
}

impl<T> RingBuffer<T> {
    /// Holds one slot of capacity for a later
    /// [`push_reserved`](Self::push_reserved), or fails as a push would:
    /// [`PushError::Full`] when every slot holds a value or is reserved,
    /// [`PushError::Closed`] once the buffer is closed.
    ///
    /// While held, the slot counts against [`is_full`](Self::is_full) and
    /// every push, but not against [`len`](Self::len), and consumers pop
    /// every value stored before and after it. A closed buffer is drained
    /// for good ([`PopError::Closed`](crate::PopError::Closed)) only once
    /// every reservation is used or given back.
    ///
    /// At most [`max_reservations`](Self::max_reservations) are held at
    /// once: `capacity`, except for capacities of 2^23 and more on 64-bit
    /// targets and of 128 and more on 32-bit ones, whose count field is
    /// narrower (`new`
    /// keeps 16 bits of lap in a position). At that limit this fails with
    /// `Full` even if slots are free, and a reserved push that brings the
    /// count back under it does not report the producers' flag (only a pop
    /// or [`release_reservation`](Self::release_reservation) does): a layer
    /// that parks producers must wake one itself then.
    ///
    /// ```
    /// use ringbuf_core::{PushError, RingBuffer};
    ///
    /// let ring = RingBuffer::new(2);
    /// ring.try_reserve().unwrap();
    /// ring.push('a').unwrap();
    /// assert!(ring.is_full());
    /// assert_eq!(ring.push('b'), Err('b')); // the reserved slot is taken
    /// assert_eq!(ring.try_reserve(), Err(PushError::Full(())));
    /// ring.push_reserved('c');
    /// assert_eq!(ring.pop(), Some('a'));
    /// assert_eq!(ring.pop(), Some('c'));
    /// ```
    pub fn try_reserve(&self) -> Result<(), PushError<()>> {
        let mut step = 0;
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return Err(PushError::Closed(()));
            }
            let reserved = self.reserved_in(tail);
            if reserved == self.max_reserved {
                return Err(PushError::Full(()));
            }
            let position = self.position_of(tail);
            // Room for one more: the slot past those already reserved.
            let room = self.advance(position, reserved);
            let stamp = self.slot(room).stamp.load(Ordering::Acquire);
            if stamp != room {
                match self.push_blocked(stamp, room, step) {
                    Some(next) => step = next,
                    None => return Err(PushError::Full(())),
                }
                tail = self.tail.load(Ordering::Relaxed);
                continue;
            }
            match self.tail.compare_exchange_weak(
                tail,
                tail + self.reserved_unit,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(current) => tail = current,
            }
        }
    }

    /// Pushes `value` into a slot held by an earlier
    /// [`try_reserve`](Self::try_reserve), using up that reservation. Never
    /// fails, also after [`close`](Self::close): the reservation was made
    /// before it. Reports, from the word its compare-and-swap replaced,
    /// whether consumers were waiting (the flag
    /// [`push_reporting_waiters`](Self::push_reporting_waiters) reports) and
    /// whether this was the last reservation of a closed buffer, so the
    /// caller need not read the contended `tail` again.
    ///
    /// # Panics
    ///
    /// If no reservation is held. (Reservations are a count, not owned
    /// tokens: a caller that uses one it did not make takes someone
    /// else's, who then gets this panic.)
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(1);
    /// ring.try_reserve().unwrap();
    /// ring.close();
    /// let pushed = ring.push_reserved(5); // reserved before the close: still goes in
    /// assert!(pushed.last_after_close);
    /// assert_eq!(ring.pop(), Some(5));
    /// ```
    pub fn push_reserved(&self, value: T) -> ReservedPush {
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            let reserved = self.reserved_in(tail);
            assert!(reserved > 0, "push_reserved: no reservation is held");
            let position = self.position_of(tail);
            let slot = self.slot(position);
            // No stamp to check: `position` is inside the reserved run,
            // whose slots are all free (module docs).
            let flags = tail & (self.mark_bit | self.wait_bit);
            let next = self.next_position(position) | flags | ((reserved - 1) * self.reserved_unit);
            match self
                .tail
                .compare_exchange_weak(tail, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    // SAFETY: the CAS made us the only owner of `position`,
                    // and its slot is free and uninitialized: `position` is
                    // the first of the reserved run, whose slots were each
                    // seen free by the check that took `tail` over them, and
                    // our CAS acquired that check through `tail` (the
                    // module docs, "The reserved run").
                    slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                    slot.stamp
                        .store(position.wrapping_add(1), Ordering::Release);
                    return ReservedPush {
                        consumers_waiting: tail & self.wait_bit != 0,
                        last_after_close: tail & self.mark_bit != 0 && reserved == 1,
                    };
                }
                Err(current) => tail = current,
            }
        }
    }

    /// Gives back a reservation unused, and reports which waiting flags
    /// were up: producers may now have room, and on a closed buffer the
    /// last reservation makes "closed and empty" final for consumers.
    ///
    /// The producers' flag is read with a read-modify-write on `head` after
    /// the count went down on `tail`, so a producer that raises it and then
    /// tries to push (the handshake of
    /// [`set_producers_waiting`](Self::set_producers_waiting)) either sees
    /// the room or is reported here.
    ///
    /// # Panics
    ///
    /// If no reservation is held.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::<u8>::new(1);
    /// ring.try_reserve().unwrap();
    /// assert!(ring.is_full());
    /// ring.release_reservation();
    /// assert!(!ring.is_full());
    /// ```
    pub fn release_reservation(&self) -> ReleasedReservation {
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            assert!(
                self.reserved_in(tail) > 0,
                "release_reservation: no reservation is held"
            );
            match self.tail.compare_exchange_weak(
                tail,
                tail - self.reserved_unit,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(current) => tail = current,
            }
        }
        let head = self.head.fetch_or(0, Ordering::AcqRel);
        ReleasedReservation {
            producers_waiting: head & self.wait_bit != 0,
            consumers_waiting: tail & self.mark_bit != 0 && tail & self.wait_bit != 0,
        }
    }

    /// The number of reservations held now.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::<u8>::new(3);
    /// ring.try_reserve().unwrap();
    /// ring.try_reserve().unwrap();
    /// assert_eq!(ring.reserved(), 2);
    /// assert_eq!(ring.len(), 0);
    /// ```
    pub fn reserved(&self) -> usize {
        self.reserved_in(self.tail.load(Ordering::Relaxed))
    }

    /// The most reservations held at once (see
    /// [`try_reserve`](Self::try_reserve)).
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// assert_eq!(RingBuffer::<u8>::new(5).max_reservations(), 5);
    /// ```
    pub fn max_reservations(&self) -> usize {
        self.max_reserved
    }

    /// The reservation count in a `tail` value.
    #[inline(always)]
    pub(super) fn reserved_in(&self, tail: usize) -> usize {
        (tail & self.reserved_mask) / self.reserved_unit
    }

    /// The position `count` places after `position` (`count <= capacity`).
    pub(super) fn advance(&self, position: usize, count: usize) -> usize {
        let index = position & self.index_mask;
        if index + count < self.capacity {
            position + count
        } else {
            (position & !(self.one_lap - 1))
                .wrapping_add(self.one_lap)
                .wrapping_add(index + count - self.capacity)
        }
    }

    /// A push (reporting the consumers' flag) when `tail` carries the close
    /// mark or a reservation count: room is the slot past the reservations,
    /// and the slot written is the push's own (see the module docs).
    #[cold]
    #[inline(never)]
    pub(super) fn push_past_reservations(
        &self,
        value: T,
        mut tail: usize,
    ) -> Result<bool, PushError<T>> {
        let mut step = 0;
        loop {
            if tail & self.mark_bit != 0 {
                return Err(PushError::Closed(value));
            }
            let position = self.position_of(tail);
            let room = self.advance(position, self.reserved_in(tail));
            let stamp = self.slot(room).stamp.load(Ordering::Acquire);
            if stamp != room {
                match self.push_blocked(stamp, room, step) {
                    Some(next) => step = next,
                    None => return Err(PushError::Full(value)),
                }
                tail = self.tail.load(Ordering::Relaxed);
                continue;
            }
            let slot = self.slot(position);
            if slot.stamp.load(Ordering::Acquire) != position {
                // The previous lap's pop here is still moving its value out
                // (room past the reservations means it has claimed it).
                spin_wait(&mut step);
                tail = self.tail.load(Ordering::Relaxed);
                continue;
            }
            let next = self.next_position(position) | (tail & (self.wait_bit | self.reserved_mask));
            match self
                .tail
                .compare_exchange_weak(tail, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    // SAFETY: as in `push_reporting_waiters`: the stamp said
                    // position `position` may write this slot (its previous
                    // value moved out, seen through our Acquire load), and
                    // the CAS made us its only owner.
                    slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                    slot.stamp
                        .store(position.wrapping_add(1), Ordering::Release);
                    return Ok(tail & self.wait_bit != 0);
                }
                Err(current) => tail = current,
            }
        }
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;
    use crate::PopError;

    #[test]
    fn reservations_hold_capacity_without_a_position() {
        let ring = RingBuffer::new(3);
        ring.try_reserve().unwrap();
        ring.try_reserve().unwrap();
        assert_eq!(ring.push(1), Ok(()));
        assert_eq!(ring.push(2), Err(2));
        assert_eq!((ring.len(), ring.reserved()), (1, 2));
        // The value stored after the reservations is popped while they are
        // held.
        assert_eq!(ring.pop(), Some(1));
        ring.push_reserved(3);
        ring.release_reservation();
        assert_eq!(ring.push(4), Ok(()));
        assert_eq!(ring.push(5), Ok(()));
        assert_eq!(ring.push(6), Err(6));
        assert_eq!(
            [ring.pop(), ring.pop(), ring.pop()],
            [Some(3), Some(4), Some(5)]
        );
    }

    #[test]
    fn reservations_across_laps_at_every_capacity() {
        for capacity in [1, 2, 3, 5, 8] {
            let ring = RingBuffer::new(capacity);
            let mut next_in = 0u32;
            let mut next_out = 0u32;
            for round in 0..60usize {
                if ring.try_reserve().is_ok() {
                    if round % 3 == 0 {
                        ring.release_reservation();
                    } else {
                        // Others push past it first, if there is room.
                        while ring.push(next_in).is_ok() {
                            next_in += 1;
                        }
                        ring.push_reserved(next_in);
                        next_in += 1;
                    }
                }
                assert!(ring.len() + ring.reserved() <= capacity);
                for _ in 0..round % capacity + 1 {
                    if let Some(value) = ring.pop() {
                        assert_eq!(value, next_out);
                        next_out += 1;
                    }
                }
            }
            while let Some(value) = ring.pop() {
                assert_eq!(value, next_out);
                next_out += 1;
            }
            assert_eq!(next_out, next_in, "capacity {capacity}");
        }
    }

    #[test]
    fn closed_and_empty_is_final_only_without_reservations() {
        let ring = RingBuffer::<u8>::new(2);
        ring.try_reserve().unwrap();
        ring.close();
        assert_eq!(ring.try_reserve(), Err(PushError::Closed(())));
        assert_eq!(ring.try_pop(), Err(PopError::Empty));
        let released = ring.release_reservation();
        assert!(!released.producers_waiting);
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
    }

    #[test]
    fn release_reports_the_waiting_flags() {
        let ring = RingBuffer::<u8>::new(1);
        ring.try_reserve().unwrap();
        ring.set_producers_waiting(true);
        ring.set_consumers_waiting(true);
        assert_eq!(
            ring.release_reservation(),
            ReleasedReservation {
                producers_waiting: true,
                consumers_waiting: false, // open: nothing final to report
            }
        );
        ring.try_reserve().unwrap();
        ring.close();
        assert!(ring.release_reservation().consumers_waiting);
    }

    #[test]
    fn at_most_capacity_reservations() {
        let ring = RingBuffer::<u8>::new(2);
        ring.try_reserve().unwrap();
        ring.try_reserve().unwrap();
        assert_eq!(ring.try_reserve(), Err(PushError::Full(())));
        assert!(ring.is_full());
        assert!(ring.is_empty());
    }

    /// Reserved pushes, batches and plain pushes racing for a small
    /// buffer, with consumers popping: each value arrives once. Under Miri
    /// this checks the slot accesses for data races (a reserved push
    /// writing a slot whose previous value is still being moved out).
    #[test]
    fn threads_with_reservations_deliver_each_value_once() {
        extern crate std;
        use alloc::vec::Vec;
        use std::sync::atomic::AtomicUsize;
        use std::sync::Arc;
        let count = if cfg!(miri) { 30 } else { 5_000 };
        for capacity in [1, 2, 3] {
            let ring = Arc::new(RingBuffer::new(capacity));
            let taken = Arc::new(AtomicUsize::new(0));
            let producers: Vec<_> = (0..3)
                .map(|p| {
                    let ring = Arc::clone(&ring);
                    std::thread::spawn(move || {
                        for i in 0..count {
                            let value = (p, i);
                            match p {
                                0 => {
                                    while ring.try_reserve().is_err() {
                                        std::thread::yield_now();
                                    }
                                    if i % 4 == 0 {
                                        ring.release_reservation();
                                        while ring.try_reserve().is_err() {
                                            std::thread::yield_now();
                                        }
                                    }
                                    ring.push_reserved(value);
                                }
                                1 => {
                                    while ring.push_slice(&[value]).is_err() {
                                        std::thread::yield_now();
                                    }
                                }
                                _ => {
                                    while ring.push(value).is_err() {
                                        std::thread::yield_now();
                                    }
                                }
                            }
                        }
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let ring = Arc::clone(&ring);
                    let taken = Arc::clone(&taken);
                    std::thread::spawn(move || {
                        let mut seen = Vec::new();
                        while taken.load(core::sync::atomic::Ordering::Relaxed) < 3 * count {
                            match ring.pop() {
                                Some(value) => {
                                    taken.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                                    seen.push(value);
                                }
                                None => std::thread::yield_now(),
                            }
                        }
                        seen
                    })
                })
                .collect();
            for producer in producers {
                producer.join().unwrap();
            }
            let mut all: Vec<(usize, usize)> = Vec::new();
            for consumer in consumers {
                let seen = consumer.join().unwrap();
                for p in 0..3 {
                    let mut from_p = seen.iter().filter(|v| v.0 == p).map(|v| v.1);
                    let mut last = from_p.next();
                    for next in from_p {
                        assert!(last < Some(next), "per-producer order");
                        last = Some(next);
                    }
                }
                all.extend(seen);
            }
            all.sort_unstable();
            let expected: Vec<_> = (0..3)
                .flat_map(|p| (0..count).map(move |i| (p, i)))
                .collect();
            assert_eq!(all, expected, "capacity {capacity}");
            assert_eq!((ring.len(), ring.reserved()), (0, 0));
        }
    }

    #[test]
    #[cfg(all(target_pointer_width = "64", not(miri)))]
    fn huge_capacities_narrow_the_count_not_the_lap() {
        let below = (1 << 23) - 1;
        assert_eq!(RingBuffer::<()>::new(below).max_reservations(), below);
        let ring = RingBuffer::<()>::new(1 << 23);
        // 23 index bits + 2 flags + 16 lap bits leave 23 count bits.
        assert_eq!(ring.max_reservations(), (1 << 23) - 1);
        assert_eq!(ring.one_lap.trailing_zeros(), 64 - 16);
    }

    #[test]
    #[should_panic(expected = "no reservation is held")]
    fn pushing_without_a_reservation_panics() {
        RingBuffer::new(1).push_reserved(1);
    }
}
