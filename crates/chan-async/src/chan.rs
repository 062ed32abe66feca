//! The state every handle of one channel shares, and the operations on it.
//!
//! A channel is a [`RingBuffer`] (the messages), two counters (the handles),
//! and three [`WaitQueue`]s: receivers waiting for a message; senders waiting
//! for a free slot, together with `Drained` futures waiting for the buffer to
//! empty; and [`Closed`](crate::Closed) futures waiting for the close.
//!
//! # The fast path and its handshake
//!
//! A send that finds a free slot and a receive that finds a message take no
//! lock and issue no fence. While a queue has waiters it keeps the ring's
//! waiting flag raised on the other side's position word (receivers' flag in
//! `tail`, senders' in `head`; it may stay up a while after the last waiter
//! left, see `waiters/list.rs`); the push or pop reads that flag in the
//! compare-and-swap it does anyway, and only when it is up does it lock the
//! queue to wake a waiter. A waiter registers (raising the flag with an
//! `AcqRel` read-modify-write if it is down) and re-checks the ring before
//! it sleeps. Both sides touch the same word, so its modification
//! order decides: if the flag change comes first, the push reads it and wakes
//! someone (and, acquiring it, finds the waiter's entry under the lock); if
//! the push comes first, the flag change acquires it and the re-check sees
//! the message. loom checks both orders (`register_recheck_wake_*` here, and
//! `waiting_flag_*` in ringbuf-core).
//!
//! # Closing
//!
//! The close mark lives in the ring's producer position, so a push either
//! claimed its slot before the close (and its message will be received, or
//! dropped with the channel) or fails with the value handed back. The closer
//! then locks every queue (`notify_all`), so a waiter that registers later
//! sees the mark in its re-check.

use ringbuf_core::{PopError, PushError, RingBuffer};

use crate::error::{TryRecvError, TrySendError};
use crate::handed::Handed;
use crate::rendezvous::{Exchange, Rv};
use crate::spin;
use crate::state::ChannelState;
use crate::sync::{AtomicBool, AtomicUsize, Ordering};
use crate::waiters::{Flag, NoFlag, WaitQueue};

/// Shared by all handles of one channel through an `Arc`.
///
/// Handle counts: `senders` and `receivers` are incremented `Relaxed` on
/// clone (the cloned handle already keeps the channel alive) and decremented
/// `AcqRel` on drop, so the dropper that takes a count to zero (exactly one:
/// `fetch_sub` is a single read-modify-write) closes the channel after
/// everything the other droppers did.
#[derive(Debug)]
pub(crate) struct Chan<T> {
    ring: RingBuffer<T>,
    /// The front message, moved out of a full ring for a waiting receiver
    /// (`handed.rs`).
    handed: Handed<T>,
    senders: AtomicUsize,
    receivers: AtomicUsize,
    /// Receivers waiting for a message.
    pub(crate) recv_waiters: WaitQueue,
    /// Senders waiting for a free slot (`Kind::One`), and `Drained` futures
    /// waiting for the channel to be closed and empty (`Kind::All`: woken by
    /// every pop while queued, they re-check).
    pub(crate) send_waiters: WaitQueue,
    /// The close, for `Closed` futures.
    pub(crate) close_event: CloseEvent,
    /// A rendezvous channel's (capacity 0) values and waiters, `None` for a
    /// buffered channel.
    ///
    /// A rendezvous channel's ring (one slot) is closed when the channel is
    /// made, so every push, pop and reservation on it fails as on a closed
    /// channel: the one outcome that a buffered channel's paths treat as
    /// rare, and the only place where they look here (`rendezvous.rs`,
    /// "How the buffered paths find the exchange"). The channel's own close
    /// is the exchange's.
    exchange: Option<Box<Exchange<T>>>,
}

/// The receivers' queue flag: the ring's "consumers waiting" bit.
#[derive(Debug)]
pub(crate) struct RecvFlag<'a, T>(&'a Chan<T>);

impl<T> Flag for RecvFlag<'_, T> {
    fn set(&self, waiting: bool) {
        self.0.ring.set_consumers_waiting(waiting);
    }

    fn available(&self) -> usize {
        if self.0.ring.consumers_waiting() {
            self.0.ring.len() + usize::from(self.0.handed.holds())
        } else {
            0
        }
    }
}

/// The senders' queue flag: the ring's "producers waiting" bit.
#[derive(Debug)]
pub(crate) struct SendFlag<'a, T>(&'a RingBuffer<T>);

impl<T> Flag for SendFlag<'_, T> {
    fn set(&self, waiting: bool) {
        self.0.set_producers_waiting(waiting);
    }

    fn available(&self) -> usize {
        if self.0.producers_waiting() {
            let taken = self.0.len() + self.0.reserved();
            self.0.capacity().saturating_sub(taken)
        } else {
            0
        }
    }
}

/// The close as [`Closed`](crate::Closed) futures see it: a latch and its
/// waiters, free of the message type so the future needs no `T`.
#[derive(Debug)]
pub(crate) struct CloseEvent {
    /// Set once, after the ring's close mark. Release (in `Chan::close`)
    /// pairs with the Acquire in `happened`, so whoever sees the event also
    /// sees the close mark: after `Closed` resolves, `is_closed()` is true
    /// (the loom model `closed_future_resolves_when_the_last_receiver_drops`
    /// failed with `Relaxed` on both sides). Wake-ups are ordered by the
    /// waiter queue's lock, as for the other queues.
    happened: AtomicBool,
    pub(crate) waiters: WaitQueue,
}

impl CloseEvent {
    pub(crate) fn happened(&self) -> bool {
        self.happened.load(Ordering::Acquire)
    }
}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver; a rendezvous if
    /// `capacity` is 0.
    pub(crate) fn new(capacity: usize) -> Self {
        let ring = RingBuffer::new(capacity.max(1));
        if capacity == 0 {
            ring.close();
        }
        Self {
            ring,
            handed: Handed::new(),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            recv_waiters: if spin::receivers_spin(capacity) {
                WaitQueue::new()
            } else {
                WaitQueue::without_spin()
            },
            send_waiters: WaitQueue::new(),
            close_event: CloseEvent {
                happened: AtomicBool::new(false),
                waiters: WaitQueue::new(),
            },
            exchange: (capacity == 0).then(|| Box::new(Exchange::new())),
        }
    }

    /// The exchange, on a rendezvous channel.
    #[inline(always)]
    pub(crate) fn rendezvous(&self) -> Option<Rv<'_, T>> {
        self.exchange.as_ref().map(|ex| Rv::new(ex, self))
    }

    /// The exchange of a rendezvous channel, for a place in line that was
    /// made for one ([`Key::Exchange`](crate::rendezvous::Key)).
    pub(crate) fn exchange(&self) -> Rv<'_, T> {
        self.rendezvous()
            .expect("an exchange's key on a rendezvous channel")
    }

    /// The receivers' queue's flag.
    pub(crate) fn recv_flag(&self) -> RecvFlag<'_, T> {
        RecvFlag(self)
    }

    /// The senders' queue's flag.
    pub(crate) fn send_flag(&self) -> SendFlag<'_, T> {
        SendFlag(&self.ring)
    }

    /// A send that does not wait, on either kind of channel: a rendezvous
    /// channel's ring is closed, so the exchange is asked only then.
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.push_or(value, |value| self.try_send_closed(value))
    }

    /// A buffered channel's send that does not wait: the futures' attempt
    /// ([`Line::Queue`](crate::rendezvous::Line)).
    pub(crate) fn push(&self, value: T) -> Result<(), TrySendError<T>> {
        self.push_or(value, |value| Err(TrySendError::Closed(value)))
    }

    /// A push, with what to do when the ring is closed. [`Chan::try_send`]
    /// is its own copy of the push (with the rendezvous in a cold branch),
    /// not a wrapper around [`Chan::push`]: a wrapper matching the result
    /// again cost about half a nanosecond on a `try_send` + `try_recv`
    /// pair (16.7 against 16.2 ns, single-threaded).
    #[inline(always)]
    fn push_or(
        &self,
        value: T,
        closed: impl FnOnce(T) -> Result<(), TrySendError<T>>,
    ) -> Result<(), TrySendError<T>> {
        match self.ring.push_reporting_waiters(value) {
            Ok(receivers_waiting) => {
                if receivers_waiting {
                    self.wake_receiver();
                }
                Ok(())
            }
            Err(PushError::Full(value)) => Err(TrySendError::Full(value)),
            Err(PushError::Closed(value)) => closed(value),
        }
    }

    /// Wakes the oldest waiting receiver for a message just pushed. If the
    /// push filled the ring, hands that receiver the front message
    /// (`handed.rs`), so the next send finds a free slot instead of
    /// waiting for the receiver to run.
    #[inline(never)]
    fn wake_receiver(&self) {
        if !self.ring.is_full() {
            self.recv_waiters.notify(1, &self.recv_flag());
            return;
        }
        let handed = self
            .recv_waiters
            .notify_one_with(&self.recv_flag(), || self.handed.hand_front(&self.ring));
        if let Some(Some(true)) = handed {
            // The moved message freed a slot that a sender waits for.
            self.send_waiters.notify(1, &self.send_flag());
        }
    }

    /// [`Chan::try_send`] on a ring that is closed: the channel is, or it
    /// is a rendezvous.
    #[cold]
    #[inline(never)]
    fn try_send_closed(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.rendezvous() {
            Some(rv) => rv.try_send(value),
            None => Err(TrySendError::Closed(value)),
        }
    }

    /// Holds a slot for a permit: capacity that no send can take until the
    /// permit is used ([`Chan::send_reserved`]) or given back
    /// ([`Chan::release_reserved`]).
    ///
    /// On a rendezvous channel, a permit commits a waiting receiver instead
    /// (asked once the ring, closed, has said no).
    pub(crate) fn try_reserve(&self) -> Result<(), TrySendError<()>> {
        match self.reserve_slot() {
            Err(TrySendError::Closed(())) => match self.rendezvous() {
                Some(rv) => rv.try_reserve(),
                None => Err(TrySendError::Closed(())),
            },
            reserved => reserved,
        }
    }

    /// A buffered channel's [`try_reserve`](Chan::try_reserve): the
    /// futures' attempt.
    pub(crate) fn reserve_slot(&self) -> Result<(), TrySendError<()>> {
        self.ring.try_reserve().map_err(|error| match error {
            PushError::Full(()) => TrySendError::Full(()),
            PushError::Closed(()) => TrySendError::Closed(()),
        })
    }

    /// Sends through a permit: never waits and never fails, also after the
    /// close. With no receiver left the message is dropped at once; on a
    /// closed channel the last permit's message wakes every waiting
    /// receiver, since after it the channel is drained for good once empty.
    pub(crate) fn send_reserved(&self, value: T) {
        if let Some(rv) = self.rendezvous() {
            rv.send_reserved(value);
            return;
        }
        let pushed = self.ring.push_reserved(value);
        if self.receivers.load(Ordering::Acquire) == 0 {
            // Nobody can receive it; the last receiver's drop may have
            // emptied the buffer before this push.
            self.drop_buffered_and_release_drained();
        } else if pushed.last_after_close {
            self.wake_receivers_at_the_end();
        } else if pushed.consumers_waiting {
            self.wake_receiver();
        }
        if self.ring.max_reservations() < self.ring.capacity() {
            // A narrow count (huge capacities, 32-bit targets) can refuse a
            // `reserve` while slots are free, and the ring does not report
            // the senders' flag when the count comes back under its limit:
            // wake one under the lock, which orders it after a waiter's
            // registration or before its re-check.
            self.send_waiters.notify(1, &self.send_flag());
        }
    }

    /// Gives a permit's slot back unused: wakes one waiting sender (and the
    /// `Drained` futures queued with them); on a closed channel, the last
    /// permit wakes every waiting receiver to see the end.
    pub(crate) fn release_reserved(&self) {
        if let Some(rv) = self.rendezvous() {
            rv.release_reserved();
            return;
        }
        let released = self.ring.release_reservation();
        if released.producers_waiting {
            self.send_waiters.notify(1, &self.send_flag());
        }
        if released.consumers_waiting && self.ring.reserved() == 0 {
            self.wake_receivers_at_the_end();
        }
    }

    /// Wakes every waiting receiver of a closed channel (once its last
    /// permit is gone, or once the hand-over's pause is lifted): each takes
    /// a message or sees the end.
    fn wake_receivers_at_the_end(&self) {
        if let Err(panic) = self.recv_waiters.notify_all(&self.recv_flag()) {
            std::panic::resume_unwind(panic);
        }
    }

    /// A receive that does not wait, on either kind of channel: a
    /// rendezvous channel's ring is closed (and empty), so the exchange is
    /// asked only then.
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        self.pop_or(|| self.try_recv_closed())
    }

    /// A buffered channel's receive that does not wait: the futures'
    /// attempt.
    pub(crate) fn pop(&self) -> Result<T, TryRecvError> {
        self.pop_or(|| Err(TryRecvError::Closed))
    }

    /// A pop, with what to do when the ring is closed and empty; as
    /// [`Chan::push_or`].
    #[inline(always)]
    fn pop_or(&self, closed: impl FnOnce() -> Result<T, TryRecvError>) -> Result<T, TryRecvError> {
        match self.ring.pop_reporting_waiters() {
            Ok((value, senders_waiting)) => {
                if senders_waiting {
                    self.send_waiters.notify(1, &self.send_flag());
                }
                Ok(value)
            }
            Err(PopError::Empty) => self.take_handed().ok_or(TryRecvError::Empty),
            Err(PopError::Closed) => closed(),
        }
    }

    /// The message handed out of the ring for a waiting receiver, if one
    /// is: every receive that finds the ring empty (or paused behind that
    /// message) looks here.
    #[inline(always)]
    fn take_handed(&self) -> Option<T> {
        if !self.handed.holds() {
            return None;
        }
        let taken = self.handed.take(&self.ring)?;
        self.pause_lifted();
        Some(taken)
    }

    /// After a handed message was taken and the ring's consumers resumed:
    /// the messages behind it are receivable again, as if just pushed, and
    /// on a closed channel the end, once they are gone. So this does what
    /// a push (or the close) does for them.
    ///
    /// A receiver may have registered and re-checked while the pause was
    /// up and the handed message already gone (the taker clears `holds`
    /// before it lifts the pause): its pop reported empty, and the lift
    /// writes only `head`, so it sleeps. If the taker was a woken waiter,
    /// it passes its wake on as it finishes ([`Flag::available`]), but a
    /// taker that never waited (a `try_recv`, a blocking receive's backoff)
    /// has no wake to pass on, and on a closed channel `available()` is 0
    /// while the receivers wait for the end. So the taker wakes them
    /// itself, when receivers wait: one while the channel is open and
    /// messages are stored (it passes the wake on if more are left), every
    /// one once the channel is closed (each takes a message or sees the
    /// end). The taker sees such a receiver and what it waits for: the
    /// receiver's pop confirmed the pause with a read-modify-write on
    /// `head` after its registration, and the lift, later in `head`'s
    /// order, acquires it (ringbuf-core `pause.rs`, "Seeing the pause
    /// lifted"); so the taker sees the registration, the messages stored
    /// before it, and the close if the receiver saw it.
    ///
    /// `Drained` futures re-check on a closed channel: one that found the
    /// pause confirmed it the same way (`RingBuffer::consumers_paused`),
    /// so the taker also reads the close that future saw.
    ///
    /// A woken taker, or a receive that would have found the messages
    /// anyway, makes the wake a spurious one: it costs the lock of a
    /// notification, only while receivers wait behind a lifted pause.
    /// Loom models `a_pause_lifted_by_try_recv_wakes_a_receiver_for_the_message_behind_it`,
    /// and for the close and `Drained` those in `tests/loom/pause_lifted.rs`.
    #[inline(never)]
    fn pause_lifted(&self) {
        let waiting = self.ring.consumers_waiting();
        if self.ring.is_closed() {
            // The channel may be drained now: `Drained` futures re-check.
            self.wake_drained();
            if waiting {
                self.wake_receivers_at_the_end();
            }
        } else if waiting && !self.ring.is_empty() {
            self.recv_waiters.notify(1, &self.recv_flag());
        }
    }

    /// Wakes the `Drained` futures (queued with the senders) to re-check.
    #[cold]
    fn wake_drained(&self) {
        if let Err(panic) = self.send_waiters.notify_all(&self.send_flag()) {
            std::panic::resume_unwind(panic);
        }
    }

    /// [`Chan::try_recv`] on a ring that is closed and empty: the channel
    /// is, or it is a rendezvous.
    #[cold]
    #[inline(never)]
    fn try_recv_closed(&self) -> Result<T, TryRecvError> {
        match self.rendezvous() {
            Some(rv) => rv.try_recv(),
            None => Err(TryRecvError::Closed),
        }
    }

    /// Moves up to `limit` messages into `buf`, and at most one buffer's
    /// worth (`capacity`, plus a message handed out of the ring for a
    /// waiting receiver); wakes one sender per freed slot with a single
    /// lock. `Err` only when nothing was moved.
    ///
    /// The capacity bound keeps one call finite: the senders it would wake
    /// wait until it returns, but senders that never had to wait keep
    /// refilling the ring, and with a huge `limit` the loop could take
    /// their messages for ever.
    pub(crate) fn try_recv_many(
        &self,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Result<usize, TryRecvError> {
        let limit = limit.min(self.ring.capacity() + 1);
        let mut moved = 0;
        // Slots freed: a handed message frees none.
        let mut popped = 0;
        let mut senders_waiting = false;
        let mut end = Ok(());
        while moved < limit {
            match self.ring.pop_reporting_waiters() {
                Ok((value, waiting)) => {
                    buf.push(value);
                    moved += 1;
                    popped += 1;
                    senders_waiting |= waiting;
                }
                Err(PopError::Empty) => match self.take_handed() {
                    // The ring's consumers go on behind it.
                    Some(value) => {
                        buf.push(value);
                        moved += 1;
                    }
                    None => {
                        end = Err(TryRecvError::Empty);
                        break;
                    }
                },
                Err(PopError::Closed) => {
                    end = Err(TryRecvError::Closed);
                    break;
                }
            }
        }
        if senders_waiting {
            self.send_waiters.notify(popped, &self.send_flag());
        }
        if moved > 0 {
            return Ok(moved);
        }
        end.map(|()| 0)
    }

    /// Closes the channel; `true` if this call did. Wakes every waiter.
    ///
    /// # Panics
    ///
    /// If a waker panics, after the close is complete: every flag set and
    /// every waiter of every queue woken. Not while the thread is already
    /// unwinding from another panic (a handle dropped during it): that one
    /// goes on, and the waker's is dropped, rather than aborting.
    pub(crate) fn close(&self) -> bool {
        let closed_now = match self.rendezvous() {
            Some(rv) => rv.close(),
            None => self.ring.close(),
        };
        if closed_now {
            self.close_event.happened.store(true, Ordering::Release);
            // `notify_all` locks each queue even when it looks empty: a
            // waiter registering after that lock sees the close mark.
            let results = [
                self.recv_waiters.notify_all(&self.recv_flag()),
                self.send_waiters.notify_all(&self.send_flag()),
                self.close_event.waiters.notify_all(&NoFlag),
            ];
            if let Some(Err(panic)) = results.into_iter().find(Result::is_err) {
                if !std::thread::panicking() {
                    std::panic::resume_unwind(panic);
                }
            }
        }
        closed_now
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.ring.is_closed() && self.rendezvous().map_or(true, Rv::is_closed)
    }

    /// Closed, empty and no permit outstanding (with no receiver left,
    /// whatever permits are out): nothing will ever be received again.
    pub(crate) fn is_drained(&self) -> bool {
        self.state() == ChannelState::Closed
    }

    pub(crate) fn state(&self) -> ChannelState {
        if !self.ring.is_closed() {
            return ChannelState::Open;
        }
        if let Some(rv) = self.rendezvous() {
            return rv.state(self.receivers.load(Ordering::Relaxed));
        }
        // The permits before the emptiness: once the ring is closed with no
        // reservation left, its position is final, and the emptiness read
        // after that (a later value of `tail`, by coherence) is too. The
        // other way round, a permit's message could come in between the
        // two reads ("empty", then "no permit"): `Closed` with a message
        // on its way to a receiver.
        // The pause after the emptiness: a message moved out of the ring
        // for a receiver (`handed.rs`) left it paused in the same step, and
        // it stays paused until the message is taken.
        let no_permit = self.ring.reserved() == 0 || self.receivers.load(Ordering::Relaxed) == 0;
        if no_permit && self.ring.is_empty() && !self.ring.consumers_paused() {
            ChannelState::Closed
        } else {
            ChannelState::Closing
        }
    }

    /// Messages buffered; always 0 on a rendezvous channel (a value handed
    /// to a receiver is not buffered), whose ring is never pushed.
    pub(crate) fn len(&self) -> usize {
        self.ring.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        if self.exchange.is_some() {
            return 0;
        }
        self.ring.capacity()
    }

    /// Every slot holds a message or is held by a permit: always, for a
    /// rendezvous channel (no slot at all).
    pub(crate) fn is_full(&self) -> bool {
        self.ring.is_full() || self.exchange.is_some()
    }

    pub(crate) fn sender_count(&self) -> usize {
        self.senders.load(Ordering::Relaxed)
    }

    pub(crate) fn receiver_count(&self) -> usize {
        self.receivers.load(Ordering::Relaxed)
    }

    pub(crate) fn add_sender(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_receiver(&self) {
        self.receivers.fetch_add(1, Ordering::Relaxed);
    }

    /// A sender was dropped; the last one closes the channel, so receivers
    /// drain what is buffered and then see the end.
    pub(crate) fn remove_sender(&self) {
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close();
        }
    }

    /// A receiver was dropped; the last one closes the channel and drops the
    /// buffered messages, since nobody can receive them any more.
    ///
    /// # Panics
    ///
    /// If a waker or a message's `Drop` panics, once every message has been
    /// dropped and every waiter woken: a `Drained` future is never left
    /// waiting for messages that nobody will take. (A second panic while
    /// the first unwinds aborts, as for `Vec`.)
    pub(crate) fn remove_receiver(&self) {
        if self.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Run even if a waker in `close` panics.
            let _release = OnDrop(self, Chan::drop_buffered_and_release_drained);
            self.close();
        }
    }

    /// Drops every buffered message, then wakes the send queue, where
    /// `Drained` futures wait for "closed and empty". Both happen even if a
    /// message's `Drop` panics: the remaining messages are still dropped
    /// and the waiters still woken, then the panic goes on.
    fn drop_buffered_and_release_drained(&self) {
        /// Wakes the send queue when dropped, on the normal path and while
        /// a message's panic unwinds.
        struct WakeDrained<'a, T>(&'a Chan<T>);
        impl<T> Drop for WakeDrained<'_, T> {
            fn drop(&mut self) {
                let woken = self.0.send_waiters.notify_all(&self.0.send_flag());
                if let Err(panic) = woken {
                    if !std::thread::panicking() {
                        std::panic::resume_unwind(panic);
                    }
                }
            }
        }
        let _wake = WakeDrained(self);
        self.drop_buffered();
    }

    /// Pops and drops every buffered message. Each leaves the ring before
    /// it is dropped, so a panicking `T::drop` drops nothing twice; a guard
    /// then drops the rest while the panic unwinds.
    fn drop_buffered(&self) {
        if let Some(rv) = self.rendezvous() {
            rv.drop_handed();
            return;
        }
        // Drops the rest if dropping one message panics.
        let rest = OnDrop(self, Chan::drop_buffered);
        drop(self.handed.take(&self.ring));
        while let Ok(value) = self.ring.try_pop() {
            drop(value);
        }
        std::mem::forget(rest);
    }

    /// Counts one more sender unless the count is zero (the last sender is
    /// gone, and its drop closes or has closed the channel); `true` if it
    /// did. For [`WeakSender::upgrade`](crate::WeakSender::upgrade).
    ///
    /// Increment-if-not-zero, as one compare-and-swap on the count, so it
    /// and the last sender's `fetch_sub` in [`remove_sender`] are ordered
    /// in the count's modification order: either this sees 1 and makes it
    /// 2 (that drop then finds 2 and is not the last), or that drop makes
    /// it 0 and this sees 0 and gives up. A count that reached zero never
    /// goes up again. `Relaxed` on both outcomes, as for `add_sender`: the
    /// weak handle's `Arc` keeps the memory alive, and who is last is
    /// decided by the single modification order of this one atomic, which
    /// every read-modify-write reads at its latest value whatever its
    /// ordering. The new sender reads no memory that another handle wrote
    /// through this count, and its own drop releases what it did, with
    /// `AcqRel` in `remove_sender` (a `Relaxed` RMW in between does not
    /// break that release sequence).
    ///
    /// [`remove_sender`]: Chan::remove_sender
    pub(crate) fn try_add_sender(&self) -> bool {
        try_increment(&self.senders)
    }

    /// Counts one more receiver unless the count is zero; `true` if it
    /// did. For [`WeakReceiver::upgrade`](crate::WeakReceiver::upgrade);
    /// the orderings are argued at [`try_add_sender`](Chan::try_add_sender).
    pub(crate) fn try_add_receiver(&self) -> bool {
        try_increment(&self.receivers)
    }
}

/// Adds one to `count` unless it is zero; `true` if it did.
fn try_increment(count: &AtomicUsize) -> bool {
    let mut current = count.load(Ordering::Relaxed);
    loop {
        if current == 0 {
            return false;
        }
        match count.compare_exchange_weak(
            current,
            current + 1,
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => return true,
            Err(actual) => current = actual,
        }
    }
}

/// Calls its function on the channel when dropped: on the normal path and
/// while a panic unwinds, for the steps that must happen either way.
pub(crate) struct OnDrop<'a, T>(pub(crate) &'a Chan<T>, pub(crate) fn(&Chan<T>));

impl<T> Drop for OnDrop<'_, T> {
    fn drop(&mut self) {
        (self.1)(self.0);
    }
}
