//! The ring buffer: Vyukov's bounded MPMC queue with a close mark.

mod batch;
mod pause;
mod reserve;

pub use reserve::{ReleasedReservation, ReservedPush};

use alloc::boxed::Box;
use core::fmt;
use core::mem::MaybeUninit;

use crate::cache_padded::CachePadded;
use crate::error::{PopError, PushError};
use crate::sync::{spin_hint, spin_wait, AtomicUsize, Ordering, UnsafeCell};

/// A lock-free, bounded, multi-producer multi-consumer FIFO queue.
///
/// Any number of threads may [`push`](Self::push) and [`pop`](Self::pop)
/// through a shared reference. The capacity is fixed at construction and is
/// exact: any `capacity >= 1`, not only powers of two.
///
/// ```
/// use ringbuf_core::RingBuffer;
/// use std::sync::Arc;
///
/// let ring = Arc::new(RingBuffer::new(64));
/// let producer = {
///     let ring = Arc::clone(&ring);
///     std::thread::spawn(move || {
///         for i in 0..1000u32 {
///             let mut value = i;
///             while let Err(back) = ring.push(value) {
///                 value = back; // full: the value comes back, try again
///                 std::thread::yield_now();
///             }
///         }
///     })
/// };
/// let mut expected = 0;
/// while expected < 1000 {
///     if let Some(value) = ring.pop() {
///         assert_eq!(value, expected);
///         expected += 1;
///     }
/// }
/// producer.join().unwrap();
/// ```
///
/// # Closing
///
/// [`close`](Self::close) marks the buffer closed: from then on every push
/// fails with [`PushError::Closed`], while pops still return what was stored,
/// then [`PopError::Closed`]. The mark lives in the same word as the producers'
/// position, so a push either claimed its slot before the close (and the value
/// will be popped) or fails; no push can slip in after a consumer saw "closed
/// and empty". Channels built on top rely on that.
///
/// # Algorithm
///
/// Each slot carries a *stamp*; `head` and `tail` are positions encoded as
/// `lap | index` (the lap counts trips around the buffer), plus two flag
/// bits above the index: the close mark (in `tail`) and the waiting flag. A producer at
/// position `tail` may write slot `index` when its stamp equals `tail`; it
/// claims the position with a CAS on `tail`, writes the value, and publishes
/// by storing `tail + 1` in the stamp. A consumer at `head` may read when the
/// stamp equals `head + 1`; it claims with a CAS on `head`, reads, and frees
/// the slot for the next lap by storing `head + one_lap`. Producers contend
/// only on `tail`, consumers only on `head`, each on its own cache line.
///
/// A claimed slot whose value is not yet published (or not yet taken) makes a
/// racing pop (push) wait for the few instructions that remain, rather than
/// report an empty (full) buffer that is not: the wait spins briefly, then
/// yields the thread (with `std`). So `pop` never reports empty while a value
/// whose position is claimed is still on its way in.
///
/// # Memory ordering
///
/// The argument, made once here:
///
/// - **Stamps carry the data.** The stamp store that publishes a value
///   (`push`) or frees a slot (`pop`) is `Release`; every stamp load is
///   `Acquire`. A consumer that sees stamp `tail + 1` therefore sees the value
///   written before it, and a producer that sees a freed stamp knows the
///   previous value was moved out before it overwrites the slot.
/// - **Positions only arbitrate.** The CAS on `head`/`tail` decides which
///   thread owns a position; ownership of the slot's contents is then
///   confirmed by the stamp loaded (`Acquire`) before the CAS, which no other
///   thread can change until the owner publishes. So the operations' own
///   position loads are `Relaxed`.
/// - **`len` needs a consistent pair.** A successful position CAS is
///   `Release`, and `len` loads both positions with `Acquire`: a `head` it
///   reads was advanced by a pop that acquired the stamp of a push whose
///   `tail` CAS happened before, so the `tail` re-read after `head` is at
///   least that far. With `Relaxed` here, loom found `len` reporting 2 on a
///   buffer that never held more than 1 (`tests/loom.rs`,
///   `len_never_exceeds_values_ever_stored`).
/// - **The waiting flags ride on the position CAS.** Each position word
///   carries a flag bit (`wait_bit`) that a channel sets while it has
///   waiters on the other side. The flag is changed with `AcqRel`
///   read-modify-writes and the position CAS is `AcqRel` on success, so the
///   two are ordered by the word's single modification order: a push (pop)
///   either reads the flag, acquiring whatever the flag-setter did before,
///   or is acquired by the flag change, so the flag-setter's next pop (push)
///   sees it. That is a complete wake-up handshake with no fence and no
///   extra cache line on the fast path (`tests/loom.rs`, `waiting_flag_*`).
/// - **Full and empty are decided from `Relaxed` reads** of the other side's
///   position. Under concurrency they describe a state that a racing
///   operation may be just leaving. The channel's waiter handshake relies on
///   them only after its flag read-modify-write on that same word: the
///   `Relaxed` load that follows in the same thread reads that value or a
///   later one (read-read coherence of one location), so a push (pop) that
///   the flag change came after is seen. Its loom models cover that.
/// - **Reservations ride on `tail` too** (`reserve.rs`): every capacity
///   decision is an `AcqRel` CAS on `tail` from the value it was made on,
///   after `Acquire` stamp loads, exactly like a push; a push that uses
///   a reservation loads no stamp, since the run of reserved slots was
///   checked where it grew (`reserve.rs`, "The reserved run"). Giving one back
///   frees room without a pop, so it reads the producers' flag with an
///   `AcqRel` read-modify-write on `head` (not a load): a producer's flag
///   change either comes after it in `head`'s order and acquires the
///   release (its next push sees the count down), or comes before and is
///   read. loom: `reservation_races_push_and_pop` (fails if a push ignores
///   the reservations), `closed_with_a_reservation_is_not_drained_until_it_is_used`
///   (fails if `Closed` ignores them), `released_reservation_producer_handshake`
///   (loom does not produce the stale load a plain `Relaxed` read of the
///   flag would allow, so that model cannot fail on it; the argument above
///   is what rules it out).
/// - **The close mark** is set with a `Release` `fetch_or` on `tail`. Among
///   the ring's own operations only the modification order of `tail`
///   matters (a CAS from an unmarked value fails once the mark is in), but
///   a [`push_reserved`](Self::push_reserved) may still move `tail` after
///   the mark, and its `AcqRel` CAS, reading the mark (or a later value),
///   must see what the closer did before closing: a channel's last
///   receiver counts itself out and then closes, and a push that reads the
///   mark but still sees a receiver leaves its value to nobody. With
///   `Relaxed` here, loom found exactly that (chan-async's
///   `permit_sent_racing_the_last_receiver_drop_drops_the_message`).
///
/// # Drop
///
/// Dropping the buffer drops every value still stored, exactly once, in FIFO
/// order. If one of those drops panics, the rest are still dropped while the
/// panic unwinds (a second panic aborts, as for `Vec`).
pub struct RingBuffer<T> {
    /// Position of the next pop, `lap | wait | pause | index`, where `wait`
    /// is `wait_bit` while producers are waiting (see
    /// [`set_producers_waiting`](Self::set_producers_waiting)) and `pause`
    /// is `mark_bit` while consumers are paused (see `pause.rs`). Never
    /// carries the close mark, whose bit it reuses.
    head: CachePadded<AtomicUsize>,
    /// Position of the next push, `lap | reserved | wait | mark | index`,
    /// where `mark` is `mark_bit` once the buffer is closed, `wait` is
    /// `wait_bit` while consumers are waiting, and `reserved` counts the
    /// reservations held (in units of `reserved_unit`; see `reserve.rs`).
    /// After the mark is set, `reserved` only goes down, and the position
    /// only moves for a push that uses a reservation.
    tail: CachePadded<AtomicUsize>,
    /// `capacity` slots.
    slots: Box<[Slot<T>]>,
    /// The number of slots, `>= 1`.
    capacity: usize,
    /// The close mark: the smallest power of two `>= capacity`, above every
    /// index bit.
    mark_bit: usize,
    /// The waiting flag: `2 * mark_bit`, above the close mark.
    wait_bit: usize,
    /// One reservation in `tail`'s reservation count: `4 * mark_bit`,
    /// above the waiting flag.
    reserved_unit: usize,
    /// The reservation count's bits in `tail`.
    reserved_mask: usize,
    /// `mark_bit | reserved_mask`: the bits of `tail` that send a push
    /// off the plain algorithm, tested at once.
    closed_or_reserved: usize,
    /// `!wait_bit`, so the fast paths clear the flag with one `and`.
    no_wait: usize,
    /// The most reservations held at once: `capacity`, unless the count's
    /// field is narrower (capacities of 2^23 and more on 64-bit targets, of
    /// 128 and more on 32-bit ones; see `new`).
    max_reserved: usize,
    /// `mark_bit - 1`: the index bits of a position.
    index_mask: usize,
    /// One trip around the buffer in position units, above the reservation
    /// count's field.
    one_lap: usize,
}

/// Lap bits `new` keeps in a position, narrowing the reservation count if
/// needed.
const MIN_LAP_BITS: u32 = 16;

/// One cell of the buffer.
struct Slot<T> {
    /// `lap | index` of the position whose operation may use this slot next:
    /// equal to a position `p` when a push at `p` may write it, to `p + 1`
    /// when a pop at `p` may read it.
    stamp: AtomicUsize,
    /// Initialized exactly when `stamp` is some `p + 1` (published by a push
    /// at `p` and not yet freed by the pop at `p`).
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: the buffer moves `T`s between threads (hence `T: Send`) and never
// shares a `&T`: each value is written by the one producer that claimed its
// position and read by the one consumer that claimed it, with the stamp's
// Release/Acquire ordering the two accesses. No `T: Sync` is needed.
unsafe impl<T: Send> Send for RingBuffer<T> {}
// SAFETY: as for `Send`: concurrent `&self` access only hands whole values
// across threads under the stamp protocol described on the type.
unsafe impl<T: Send> Sync for RingBuffer<T> {}

impl<T> RingBuffer<T> {
    /// Creates an empty buffer that holds at most `capacity` values.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0, or so large that positions would not fit in a
    /// `usize` (more than `usize::MAX / 128`).
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::<String>::new(3);
    /// assert_eq!(ring.capacity(), 3);
    /// assert!(ring.is_empty());
    /// ```
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "RingBuffer capacity must be at least 1");
        assert!(
            capacity <= usize::MAX / 128,
            "RingBuffer capacity {capacity} is too large (at most usize::MAX / 128)"
        );
        let mark_bit = capacity.next_power_of_two();
        // `tail` is `lap | reserved | wait | mark | index`: the reservation
        // count gets room for `capacity` (one bit more than the index) as
        // long as that leaves `MIN_LAP_BITS` of lap; beyond, the count is
        // narrower (fewer reservations at once), never the lap: a thread
        // must sleep through 2^16 laps before a stale position could look
        // current. (At least one count bit; the capacity limit above then
        // still leaves 4 lap bits, as the layout without a count did at its
        // largest capacities.)
        let index_bits = mark_bit.trailing_zeros();
        let reserved_shift = index_bits + 2;
        let room = usize::BITS.saturating_sub(MIN_LAP_BITS + reserved_shift);
        let reserved_bits = (index_bits + 1).min(room).max(1);
        let reserved_unit = 1usize << reserved_shift;
        let reserved_mask = ((1usize << reserved_bits) - 1) << reserved_shift;
        let slots = (0..capacity)
            .map(|index| Slot {
                stamp: AtomicUsize::new(index),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Self {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots,
            capacity,
            mark_bit,
            wait_bit: mark_bit << 1,
            reserved_unit,
            reserved_mask,
            closed_or_reserved: mark_bit | reserved_mask,
            no_wait: !(mark_bit << 1),
            max_reserved: capacity.min((1 << reserved_bits) - 1),
            index_mask: mark_bit - 1,
            one_lap: reserved_unit << reserved_bits,
        }
    }

    /// Appends `value` at the back, or gives it back when it cannot be stored
    /// because the buffer is full or closed.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(1);
    /// assert_eq!(ring.push('a'), Ok(()));
    /// assert_eq!(ring.push('b'), Err('b'));
    /// ```
    #[inline]
    pub fn push(&self, value: T) -> Result<(), T> {
        self.try_push(value).map_err(PushError::into_inner)
    }

    /// Removes the value at the front, or returns `None` when the buffer is
    /// empty (closed or not).
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(2);
    /// ring.push(1).unwrap();
    /// ring.push(2).unwrap();
    /// assert_eq!(ring.pop(), Some(1));
    /// assert_eq!(ring.pop(), Some(2));
    /// assert_eq!(ring.pop(), None);
    /// ```
    #[inline]
    pub fn pop(&self) -> Option<T> {
        self.try_pop().ok()
    }

    /// Appends `value` at the back, telling a full buffer from a closed one.
    ///
    /// A closed buffer reports [`PushError::Closed`] even when it is also full.
    ///
    /// ```
    /// use ringbuf_core::{PushError, RingBuffer};
    ///
    /// let ring = RingBuffer::new(1);
    /// ring.try_push(1).unwrap();
    /// ring.close();
    /// assert_eq!(ring.try_push(2), Err(PushError::Closed(2)));
    /// ```
    #[inline]
    pub fn try_push(&self, value: T) -> Result<(), PushError<T>> {
        self.push_reporting_waiters(value).map(drop)
    }

    /// [`try_push`](Self::try_push) that also reports whether consumers were
    /// waiting: `Ok(true)` when the flag set by
    /// [`set_consumers_waiting`](Self::set_consumers_waiting) was up at the
    /// moment the value's position was claimed.
    ///
    /// This is the fast path of a channel's wake-up handshake, and it costs
    /// nothing extra: the flag lives in the word the push's compare-and-swap
    /// already reads and writes. The guarantee, for a consumer that calls
    /// `set_consumers_waiting(true)` and then pops: either that pop sees the
    /// value (or a later one), or this push returns `Ok(true)`.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(4);
    /// assert_eq!(ring.push_reporting_waiters(1), Ok(false));
    /// ring.set_consumers_waiting(true);
    /// assert_eq!(ring.push_reporting_waiters(2), Ok(true));
    /// ```
    #[inline]
    pub fn push_reporting_waiters(&self, value: T) -> Result<bool, PushError<T>> {
        let mut step = 0;
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.closed_or_reserved != 0 {
                // Closed, or reservations held: one test for both keeps the
                // common case to the plain algorithm.
                return self.push_past_reservations(value, tail);
            }
            let waiting = tail & self.wait_bit;
            let position = tail & self.no_wait;
            // The index straight from `tail` (every flag bit is above it),
            // computed once for the slot and the next position.
            let index = tail & self.index_mask;
            let slot = self.slot_at(index);
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == position {
                let next = self.next_word(tail, index);
                match self.tail.compare_exchange_weak(
                    tail,
                    next,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the stamp said position `position` may
                        // write this slot, and the CAS made us its only
                        // owner; the slot is uninitialized (its previous
                        // value, if any, was moved out before the Release
                        // store of this stamp, which our Acquire load saw).
                        slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                        slot.stamp
                            .store(position.wrapping_add(1), Ordering::Release);
                        return Ok(waiting != 0);
                    }
                    Err(current) => tail = current,
                }
            } else if let Some(next) = self.push_blocked(stamp, position, step) {
                step = next;
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                return Err(PushError::Full(value));
            }
        }
    }

    /// The slow side of a push that found its slot not free at `position`:
    /// returns `None` if the buffer is full; otherwise waits for a pop that
    /// is moving the old value out (spinning, then yielding the thread), or
    /// just retries when another producer moved `tail`, and returns the
    /// next wait step for the retry. Out of line, and taking the step by
    /// value, so the inlined fast path stays small and keeps it in a
    /// register.
    ///
    /// The slot's stamp says which of the previous lap's operations still
    /// holds it: its pop (the value is there, or being moved out), or its
    /// push (claimed, not yet written). In both cases the buffer is full
    /// exactly when `head` is one lap behind us; only the first is worth
    /// waiting for, since the second needs a push and then a pop first.
    #[cold]
    #[inline(never)]
    fn push_blocked(&self, stamp: usize, position: usize, mut step: u32) -> Option<u32> {
        let previous_value = stamp.wrapping_add(self.one_lap) == position.wrapping_add(1);
        let previous_push = stamp.wrapping_add(self.one_lap) == position;
        if previous_value || previous_push {
            let head = self.head.load(Ordering::Relaxed) & !(self.wait_bit | self.mark_bit);
            if head.wrapping_add(self.one_lap) == position {
                return None;
            }
            if previous_value {
                // A pop has claimed that value and is moving it out.
                spin_wait(&mut step);
                return Some(step);
            }
        }
        // Our `tail` was stale (another producer moved it): retry at once,
        // never escalating to a thread yield.
        spin_hint();
        Some(step)
    }

    /// Removes the value at the front, telling an empty buffer from one that
    /// is closed and empty (and so will never hold a value again).
    ///
    /// ```
    /// use ringbuf_core::{PopError, RingBuffer};
    ///
    /// let ring = RingBuffer::new(2);
    /// ring.push(1).unwrap();
    /// ring.close();
    /// assert_eq!(ring.try_pop(), Ok(1)); // stored values outlive the close
    /// assert_eq!(ring.try_pop(), Err(PopError::Closed));
    /// ```
    #[inline]
    pub fn try_pop(&self) -> Result<T, PopError> {
        self.pop_reporting_waiters().map(|(value, _)| value)
    }

    /// [`try_pop`](Self::try_pop) that also reports whether producers were
    /// waiting: `true` when the flag set by
    /// [`set_producers_waiting`](Self::set_producers_waiting) was up at the
    /// moment the value's position was claimed. The mirror image of
    /// [`push_reporting_waiters`](Self::push_reporting_waiters), with the
    /// same guarantee for a producer that sets the flag and then pushes.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(1);
    /// ring.push(7).unwrap();
    /// ring.set_producers_waiting(true);
    /// assert_eq!(ring.pop_reporting_waiters(), Ok((7, true)));
    /// ```
    #[inline]
    pub fn pop_reporting_waiters(&self) -> Result<(T, bool), PopError> {
        self.pop_setting(0, true)
    }

    /// A pop that also sets `bits` in `head` with its claim: 0, or the
    /// pause (`pause.rs`). Unless `patient`, it gives up (`Empty`) instead
    /// of waiting for a racing push or pop to finish with the front slot,
    /// or retrying behind a stale `head`.
    ///
    /// While consumers are paused, `position` keeps the pause bit, which no
    /// stamp carries in that place (a stamp is a position without flags,
    /// plus at most 1, and the pause bit sits above every index bit), so
    /// the stamp test fails and `pop_blocked` reports the pause: the fast
    /// path pays nothing for it.
    #[inline(always)]
    fn pop_setting(&self, bits: usize, patient: bool) -> Result<(T, bool), PopError> {
        let mut step = 0;
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let waiting = head & self.wait_bit;
            let position = head & self.no_wait;
            // As in `push_reporting_waiters`; a paused `head` keeps its
            // pause bit in `position`, so the stamp test below fails.
            let index = head & self.index_mask;
            let slot = self.slot_at(index);
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == position.wrapping_add(1) {
                let next = self.next_word(head, index) | bits;
                match self.head.compare_exchange_weak(
                    head,
                    next,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the stamp said a push published this slot
                        // for position `position` (its Release store, seen by
                        // our Acquire load, orders the write before this
                        // read), and the CAS made us the only consumer of it.
                        // The stamp store below marks it uninitialized again.
                        let value = slot
                            .value
                            .with_mut(|cell| unsafe { (*cell).assume_init_read() });
                        slot.stamp
                            .store(position.wrapping_add(self.one_lap), Ordering::Release);
                        return Ok((value, waiting != 0));
                    }
                    Err(current) => head = current,
                }
            } else if patient {
                step = self.pop_blocked(stamp, position, step)?;
                head = self.head.load(Ordering::Relaxed);
            } else {
                return Err(PopError::Empty);
            }
        }
    }

    /// The slow side of a pop that found no published value at `position`:
    /// returns the error if the buffer is empty (or closed and empty);
    /// otherwise waits for a push that has claimed `position` and is writing
    /// it, or just retries when another consumer moved `head`, and returns
    /// the next wait step for the retry.
    ///
    /// Two stamps mean "nothing to take here yet": `position` itself (no
    /// value published in this lap; a push may be writing one), and the
    /// previous lap's published stamp (that lap's pop has claimed the value
    /// and is still moving it out, so no push had reached `position` when
    /// the stamp was read). Either way the answer comes from `tail`, read
    /// after the stamp: the buffer is empty exactly when `tail` is at
    /// `position`, whatever happened since. Only the first case is worth
    /// waiting for.
    #[cold]
    #[inline(never)]
    fn pop_blocked(&self, stamp: usize, position: usize, mut step: u32) -> Result<u32, PopError> {
        if position & self.mark_bit != 0 {
            // Consumers are paused (`pause.rs`): nothing to take, whatever
            // is stored, unless the pause has been lifted since our load
            // of `head`, which may be stale (`pause.rs`, "Seeing the pause
            // lifted"). A read-modify-write reads the latest value.
            let head = self.head.fetch_or(0, Ordering::AcqRel);
            if head & self.mark_bit != 0 {
                return Err(PopError::Empty);
            }
            return Ok(step);
        }
        let unpublished = stamp == position;
        let previous_pop = stamp.wrapping_add(self.one_lap) == position.wrapping_add(1);
        if unpublished || previous_pop {
            let tail = self.tail.load(Ordering::Relaxed);
            if self.position_of(tail) == position {
                // Closed and empty is final only once no reservation is
                // left: a push may still use one.
                return Err(
                    if tail & self.mark_bit != 0 && tail & self.reserved_mask == 0 {
                        PopError::Closed
                    } else {
                        PopError::Empty
                    },
                );
            }
            if unpublished {
                // A push has claimed `position` and is writing it.
                spin_wait(&mut step);
                return Ok(step);
            }
        }
        // Our `head` was stale (another consumer moved it): retry at once.
        spin_hint();
        Ok(step)
    }

    /// Raises or lowers the flag that
    /// [`push_reporting_waiters`](Self::push_reporting_waiters) reports:
    /// "consumers are waiting for a value". A channel raises it when its
    /// first receiver starts waiting and lowers it when the last stops.
    ///
    /// `AcqRel`, on the word the pushes' compare-and-swap uses: either this
    /// change comes first in that word's modification order and the push
    /// reads it (and, acquiring it, sees what the caller did before), or the
    /// push comes first and this read-modify-write acquires it, so the
    /// caller's next pop sees the pushed value.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(2);
    /// ring.set_consumers_waiting(true);
    /// assert_eq!(ring.push_reporting_waiters(1), Ok(true));
    /// ring.set_consumers_waiting(false);
    /// assert_eq!(ring.push_reporting_waiters(2), Ok(false));
    /// ```
    pub fn set_consumers_waiting(&self, waiting: bool) {
        if waiting {
            self.tail.fetch_or(self.wait_bit, Ordering::AcqRel);
        } else {
            self.tail.fetch_and(!self.wait_bit, Ordering::AcqRel);
        }
    }

    /// Raises or lowers the flag that
    /// [`pop_reporting_waiters`](Self::pop_reporting_waiters) reports:
    /// "producers are waiting for room". Ordered like
    /// [`set_consumers_waiting`](Self::set_consumers_waiting), on `head`.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(1);
    /// ring.push(1).unwrap();
    /// ring.set_producers_waiting(true);
    /// assert_eq!(ring.pop_reporting_waiters(), Ok((1, true)));
    /// ```
    pub fn set_producers_waiting(&self, waiting: bool) {
        if waiting {
            self.head.fetch_or(self.wait_bit, Ordering::AcqRel);
        } else {
            self.head.fetch_and(!self.wait_bit, Ordering::AcqRel);
        }
    }

    /// Whether the flag set by
    /// [`set_consumers_waiting`](Self::set_consumers_waiting) is up.
    ///
    /// A `Relaxed` read: it returns the flag as of the latest change this
    /// thread is ordered after (or a later one), which is what a caller that
    /// synchronized with a flag-setter through its own lock or atomic needs.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::<u8>::new(2);
    /// assert!(!ring.consumers_waiting());
    /// ring.set_consumers_waiting(true);
    /// assert!(ring.consumers_waiting());
    /// ```
    pub fn consumers_waiting(&self) -> bool {
        self.tail.load(Ordering::Relaxed) & self.wait_bit != 0
    }

    /// Whether the flag set by
    /// [`set_producers_waiting`](Self::set_producers_waiting) is up; read
    /// like [`consumers_waiting`](Self::consumers_waiting).
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::<u8>::new(2);
    /// assert!(!ring.producers_waiting());
    /// ring.set_producers_waiting(true);
    /// assert!(ring.producers_waiting());
    /// ```
    pub fn producers_waiting(&self) -> bool {
        self.head.load(Ordering::Relaxed) & self.wait_bit != 0
    }

    /// Closes the buffer: every later push fails with [`PushError::Closed`];
    /// values already stored can still be popped. Returns `true` if this call
    /// closed it, `false` if it was closed already.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::<u8>::new(4);
    /// assert!(ring.close());
    /// assert!(!ring.close());
    /// assert!(ring.is_closed());
    /// ```
    pub fn close(&self) -> bool {
        // Release: a `push_reserved` whose CAS reads the mark sees what the
        // caller did before closing (see "Memory ordering" on the type).
        self.tail.fetch_or(self.mark_bit, Ordering::Release) & self.mark_bit == 0
    }

    /// Returns `true` once [`close`](Self::close) has been called.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::<u8>::new(4);
    /// assert!(!ring.is_closed());
    /// ring.close();
    /// assert!(ring.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tail.load(Ordering::Relaxed) & self.mark_bit != 0
    }

    /// The maximum number of values the buffer holds.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// assert_eq!(RingBuffer::<u8>::new(7).capacity(), 7);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of values stored, counting those whose push has claimed a
    /// position and not returned yet. Exact when no push or pop is running
    /// concurrently; otherwise a value that was true at some point during
    /// the call.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(3);
    /// ring.push(1).unwrap();
    /// ring.push(2).unwrap();
    /// assert_eq!(ring.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::Acquire);
            let head = self.head.load(Ordering::Acquire);
            // Retry until `tail` did not move while `head` was read, so the
            // pair is a snapshot of one moment.
            if self.tail.load(Ordering::Acquire) != tail {
                continue;
            }
            let tail = self.position_of(tail);
            let head = head & !(self.wait_bit | self.mark_bit);
            let head_index = head & self.index_mask;
            let tail_index = tail & self.index_mask;
            return if head_index < tail_index {
                tail_index - head_index
            } else if head_index > tail_index {
                self.capacity - head_index + tail_index
            } else if tail == head {
                0
            } else {
                self.capacity
            };
        }
    }

    /// Returns `true` when no value is stored.
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(1);
    /// assert!(ring.is_empty());
    /// ring.push(()).unwrap();
    /// assert!(!ring.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns `true` when every slot holds a value or is reserved (see
    /// [`try_reserve`](Self::try_reserve)).
    ///
    /// ```
    /// use ringbuf_core::RingBuffer;
    ///
    /// let ring = RingBuffer::new(1);
    /// assert!(!ring.is_full());
    /// ring.push(()).unwrap();
    /// assert!(ring.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.len() + self.reserved() >= self.capacity
    }

    /// The slot that position `position` (with or without the mark) uses.
    #[inline(always)]
    fn slot(&self, position: usize) -> &Slot<T> {
        self.slot_at(position & self.index_mask)
    }

    /// The slot at `index`: the index bits (`& index_mask`) of a position,
    /// or of a `head` or `tail` word (whose flag bits are all above them).
    #[inline(always)]
    fn slot_at(&self, index: usize) -> &Slot<T> {
        debug_assert!(index < self.capacity);
        // SAFETY: callers pass the index bits of a position, and positions
        // are only ever built by `new` (index 0), `next_position` and
        // `next_word`, which keep the index below `capacity`, the length of
        // `slots`.
        unsafe { self.slots.get_unchecked(index) }
    }

    /// The position in a `tail` value: without the mark, the waiting flag
    /// and the reservation count.
    #[inline(always)]
    fn position_of(&self, tail: usize) -> usize {
        tail & !(self.mark_bit | self.wait_bit | self.reserved_mask)
    }

    /// A `head` or `tail` word whose position is moved to the next one,
    /// keeping its waiting flag; `index` is the word's index bits, and
    /// the word carries no other flag (no close mark, pause or
    /// reservation). The same as `next_position(position) | waiting`, but
    /// the common case is just `word + 1`: below the last index, the
    /// increment cannot carry out of the index bits into the flags.
    #[inline(always)]
    fn next_word(&self, word: usize, index: usize) -> usize {
        if index + 1 < self.capacity {
            word + 1
        } else {
            (word & !(self.one_lap - 1)).wrapping_add(self.one_lap) | (word & self.wait_bit)
        }
    }

    /// The position after `position` (which carries no mark): the next index,
    /// or index 0 of the next lap.
    #[inline(always)]
    fn next_position(&self, position: usize) -> usize {
        let index = position & self.index_mask;
        if index + 1 < self.capacity {
            position + 1
        } else {
            (position & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }
}

impl<T> Drop for RingBuffer<T> {
    fn drop(&mut self) {
        /// Drops whatever is left if dropping one value panics, so a
        /// panicking `T::drop` leaks nothing and drops nothing twice (each
        /// value leaves its slot before it is dropped).
        struct DropRest<'a, T>(&'a RingBuffer<T>);
        impl<T> Drop for DropRest<'_, T> {
            fn drop(&mut self) {
                while let Ok(value) = self.0.try_pop() {
                    drop(value);
                }
            }
        }
        // Values held back by a pause are dropped too.
        self.resume_consumers();
        let rest = DropRest(self);
        while let Ok(value) = rest.0.try_pop() {
            drop(value);
        }
    }
}

impl<T> fmt::Debug for RingBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingBuffer")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn fifo_across_many_laps() {
        for capacity in [1, 2, 3, 5, 8] {
            let ring = RingBuffer::new(capacity);
            let mut next_out = 0;
            for value in 0..100 {
                if ring.push(value).is_err() {
                    assert_eq!(ring.len(), capacity);
                    assert_eq!(ring.pop(), Some(next_out));
                    next_out += 1;
                    ring.push(value).unwrap();
                }
            }
            while let Some(value) = ring.pop() {
                assert_eq!(value, next_out);
                next_out += 1;
            }
            assert_eq!(next_out, 100);
        }
    }

    /// A buffer of `capacity` that has been filled and emptied once: `head`
    /// and `tail` at the start of lap 1, every slot free for it.
    fn one_lap_done(capacity: usize) -> RingBuffer<usize> {
        let ring = RingBuffer::new(capacity);
        for value in 0..capacity {
            ring.push(value).unwrap();
        }
        while ring.pop().is_some() {}
        ring
    }

    /// A pop that finds the previous lap's pop still moving its value out
    /// reports an empty buffer at once (no push can have reached its
    /// position) instead of spinning until that pop finishes.
    #[test]
    fn a_slot_still_being_read_by_the_previous_lap_means_empty() {
        for capacity in [1, 3] {
            let ring = one_lap_done(capacity);
            // Back-date slot 0 to "published for position 0, claimed by its
            // pop, not yet freed", with `head` and `tail` a lap further on.
            let position = ring.head.load(Ordering::Relaxed);
            assert_eq!(position, ring.one_lap);
            ring.slots[0].stamp.store(1, Ordering::Relaxed);
            let answer = ring.pop_blocked(1, position, 0);
            // Undo the back-dating before asserting, so a failure does not
            // leave the buffer's drop waiting for that pop.
            ring.slots[0].stamp.store(position, Ordering::Relaxed);
            assert_eq!(answer, Err(PopError::Empty), "capacity {capacity}");
        }
    }

    /// A push that finds the previous lap's push of its slot claimed but not
    /// yet written reports a full buffer at once instead of spinning.
    #[test]
    fn a_slot_still_being_written_by_the_previous_lap_means_full() {
        for capacity in [1, 3] {
            let ring = one_lap_done(capacity);
            // Lap 1: position `one_lap` is claimed and never written; the
            // rest of the lap is pushed normally.
            let claimed = ring.tail.load(Ordering::Relaxed);
            ring.tail
                .store(ring.next_position(claimed), Ordering::Relaxed);
            for value in 1..capacity {
                ring.push(value).unwrap();
            }
            let position = ring.tail.load(Ordering::Relaxed);
            assert_eq!(position, claimed.wrapping_add(ring.one_lap));
            let answer = ring.push_blocked(claimed, position, 0);
            // The claimed slot will never be written: end the buffer's
            // contents before it (the values after it are plain integers),
            // or the drop's pops would wait for that write forever.
            ring.tail.store(claimed, Ordering::Relaxed);
            assert_eq!(answer, None, "capacity {capacity}");
        }
    }

    #[test]
    fn full_push_returns_the_value() {
        let ring = RingBuffer::new(2);
        ring.push(Vec::from([1])).unwrap();
        ring.push(Vec::from([2])).unwrap();
        assert_eq!(ring.push(Vec::from([3])), Err(Vec::from([3])));
        assert!(ring.is_full());
    }

    #[test]
    fn len_counts_across_wrap_around() {
        let ring = RingBuffer::new(3);
        for round in 0..10 {
            assert_eq!(ring.len(), 0, "round {round}");
            ring.push(round).unwrap();
            ring.push(round).unwrap();
            assert_eq!(ring.len(), 2);
            ring.push(round).unwrap();
            assert_eq!(ring.len(), 3);
            assert!(ring.is_full());
            ring.pop().unwrap();
            ring.pop().unwrap();
            ring.pop().unwrap();
        }
    }

    #[test]
    fn close_keeps_stored_values() {
        let ring = RingBuffer::new(3);
        ring.push(1).unwrap();
        ring.push(2).unwrap();
        assert!(ring.close());
        assert_eq!(ring.try_push(3), Err(PushError::Closed(3)));
        assert_eq!(ring.len(), 2);
        assert_eq!(ring.try_pop(), Ok(1));
        assert_eq!(ring.try_pop(), Ok(2));
        assert_eq!(ring.try_pop(), Err(PopError::Closed));
        assert_eq!(ring.len(), 0);
    }

    #[test]
    fn closed_and_full_reports_closed() {
        let ring = RingBuffer::new(1);
        ring.push(1).unwrap();
        ring.close();
        assert_eq!(ring.try_push(2), Err(PushError::Closed(2)));
        assert!(ring.is_full());
    }

    #[test]
    fn drop_drops_remaining_values() {
        let counter = alloc::rc::Rc::new(());
        let ring = RingBuffer::new(4);
        for _ in 0..3 {
            ring.push(alloc::rc::Rc::clone(&counter)).unwrap();
        }
        ring.pop();
        assert_eq!(alloc::rc::Rc::strong_count(&counter), 3);
        drop(ring);
        assert_eq!(alloc::rc::Rc::strong_count(&counter), 1);
    }

    #[test]
    #[should_panic(expected = "capacity must be at least 1")]
    fn zero_capacity_panics() {
        let _ = RingBuffer::<u8>::new(0);
    }

    #[test]
    fn threads_deliver_each_value_once() {
        extern crate std;
        use std::sync::atomic::AtomicUsize;
        use std::sync::Arc;
        let ring = Arc::new(RingBuffer::new(3));
        let taken = Arc::new(AtomicUsize::new(0));
        let count = if cfg!(miri) { 50 } else { 10_000 };
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let ring = Arc::clone(&ring);
                std::thread::spawn(move || {
                    for i in 0..count {
                        let mut value = (p, i);
                        while let Err(back) = ring.push(value) {
                            value = back;
                            std::thread::yield_now();
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
                    while taken.load(core::sync::atomic::Ordering::Relaxed) < 2 * count {
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
        let mut all: Vec<_> = Vec::new();
        for consumer in consumers {
            let seen = consumer.join().unwrap();
            for p in 0..2 {
                let from_p: Vec<_> = seen.iter().filter(|v| v.0 == p).map(|v| v.1).collect();
                assert!(from_p.windows(2).all(|w| w[0] < w[1]), "per-producer order");
            }
            all.extend(seen);
        }
        all.sort_unstable();
        let expected: Vec<_> = (0..2)
            .flat_map(|p| (0..count).map(move |i| (p, i)))
            .collect();
        assert_eq!(all, expected);
    }
}
