//! FIFO queues of waiting tasks (and blocked threads), one per direction.
//!
//! A waiter owns at most one entry of a [`WaitQueue`] at a time, identified
//! by a [`WaitKey`]. The entries live in a slab (a `Vec` with a free list)
//! linked into FIFO lists by index, so a wait allocates nothing once the slab
//! has grown to the largest number of simultaneous waiters, and no `unsafe`
//! is needed. Each allocation of an entry gets a fresh serial number; a key
//! names index and serial, so a key whose entry was freed by a notification
//! (and perhaps reused since) is recognised as such, never mistaken for the
//! new owner's.
//!
//! The three rules that a naive `Mutex<VecDeque<Waker>>` breaks:
//!
//! 1. **One entry per waiter.** [`WaitQueue::register`] on a key that is
//!    still queued refreshes its waker in place (when `will_wake` says it
//!    changed) instead of queueing a second one.
//! 2. **A wake is never swallowed.** [`WaitQueue::notify`] takes the oldest
//!    entry off the queue and frees it; if its owner is then dropped before
//!    using the wake, [`WaitQueue::cancel`] sees that its key was notified
//!    and passes the wake on to the next waiter. The owner may also not need
//!    the wake at all: its own re-check already took a message (slot) that
//!    came before the flag, and the notification was for a later one. So
//!    [`WaitQueue::complete`] on a notified key passes a wake on too, when
//!    more is left than the other woken waiters will take ([`InFlight`]).
//! 3. **Register, then re-check.** While a queue is non-empty it keeps a
//!    [`Flag`] raised: the ring buffer's waiting bit on the other side's
//!    position word. The push (pop) that makes progress reads that bit in the
//!    compare-and-swap it does anyway, so either it sees the flag and wakes a
//!    waiter, or the flag change acquired it and the waiter's re-check sees
//!    the progress (the handshake is argued, and loom-checked, in
//!    `ringbuf-core`). The fast path therefore takes no lock and issues no
//!    fence when nobody waits.
//!
//! Two kinds of waiters share a queue: [`Kind::One`] waiters (sends,
//! receives) are woken one per event, first come first served; [`Kind::All`]
//! waiters (`Drained`, which waits for the buffer to empty) are woken by
//! every event and re-check. A receiver polled as a stream, and a sender's
//! sink in `poll_ready`, are [`Kind::Stream`] waiters: in line with the
//! `One` waiters, but the place belongs to a handle that may be woken and
//! then never polled again (a `select!` that moved on), so the wake it gets
//! is shared with the waiter behind it.
//!
//! A woken waiter that completes gives its key back without the lock when
//! the queue's [`NotifiedHint`] names its serial: the notification already
//! freed its entry. That leaves one lock per side of a wait-and-wake
//! (register, notify) instead of two.
//!
//! Wakers are woken, and replaced wakers dropped, only after the lock is
//! released: a waker may run arbitrary code, re-enter the channel, or panic.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll, Waker};

use crate::spin::SpinHint;
use crate::sync::Mutex;

use list::{Ticket, WaitList};

mod list;
#[cfg(all(test, not(chan_loom)))]
mod tests;

/// A waiter's entry in a [`WaitQueue`], if it has one. Owned by the waiting
/// future (or thread); must be given back with [`WaitQueue::complete`] or
/// [`WaitQueue::cancel`].
#[derive(Debug, Default)]
pub(crate) struct WaitKey(Option<Ticket>);

/// Where a queue announces "I have waiters" to the lock-free fast path, and
/// where it looks whether what its waiters wait for is there.
pub(crate) trait Flag {
    /// Raises or lowers the flag. Called with the queue's lock held.
    fn set(&self, waiting: bool);

    /// How many [`Kind::One`] waiters could be served by what is there now
    /// (messages buffered; free slots, for senders), or 0 while the flag is
    /// down (nobody is queued).
    ///
    /// Asked by a notified waiter as it finishes, after it synchronized with
    /// its notification (through the queue's lock, or the Acquire read of
    /// [`NotifiedHint`]) and with every woken waiter that finished before it
    /// ([`InFlight`]). So it sees every push (pop) those notifications were
    /// for, and the flag as it was when they released the lock: up if
    /// anybody stayed queued. A count that is stale the other way (somebody
    /// took a message meanwhile) costs a spurious wake, never a lost one.
    fn available(&self) -> usize;
}

/// For queues woken only under their lock (the close), which need no flag.
pub(crate) struct NoFlag;

impl Flag for NoFlag {
    fn set(&self, _: bool) {}

    fn available(&self) -> usize {
        0
    }
}

/// How a waiter wants to be woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One waiter per event, oldest first: a message or a slot is for one.
    One,
    /// Every waiter on every event: a condition each re-checks.
    All,
    /// A `One` waiter that may never come back for its wake (a receiver's
    /// stream, a sender's sink): a notification that takes it also takes
    /// the waiter behind it, and it is not counted [`InFlight`].
    Stream,
}

impl Kind {
    /// Which of a queue's FIFO lists the waiter is in: streams stand in
    /// line with the `One` waiters.
    pub(super) fn fifo(self) -> usize {
        match self {
            Kind::One | Kind::Stream => 0,
            Kind::All => 1,
        }
    }
}

/// What a notification took off the queue: a waiter, and the one behind it
/// when the first is a stream. Each with the serial its entry had.
type Taken = [Option<(Waker, u64)>; 2];

/// A FIFO queue of waiters behind a mutex.
#[derive(Debug)]
pub(crate) struct WaitQueue {
    list: Mutex<WaitList>,
    /// The serial of the entry most recently freed by a notification.
    notified: NotifiedHint,
    /// Woken `One` waiters that have not finished yet.
    in_flight: InFlight,
    /// How long this queue's waiters spin before registering.
    spin: SpinHint,
}

/// The serial of the last entry a notification freed, readable without the
/// lock, so that the woken waiter (usually that entry's owner) can give its
/// key back without locking.
///
/// Serials are never reused (64 bits, one per registration), so reading
/// your own serial here proves your entry was freed, by the thread that
/// recorded it. Any other value (an older or newer notification, or a stale
/// read) sends you to the locked path, which decides under the lock.
///
/// Release (`record`, after the notifier's push or pop and its lock
/// section) pairs with Acquire (`names`): a waiter that learns here that it
/// was notified then asks [`Flag::available`] whether to pass the wake on,
/// and that answer must include the progress the notification was for. With `Relaxed`, the waiter could read the ring as it was before
/// that push, find it empty, and keep the wake that a queued waiter needed.
#[derive(Debug)]
struct NotifiedHint(#[cfg(target_has_atomic = "64")] crate::sync::AtomicU64);

impl NotifiedHint {
    fn new() -> Self {
        // Serial 0 is never given out.
        Self(
            #[cfg(target_has_atomic = "64")]
            crate::sync::AtomicU64::new(0),
        )
    }

    fn record(&self, _serial: u64) {
        #[cfg(target_has_atomic = "64")]
        self.0.store(_serial, crate::sync::Ordering::Release);
    }

    /// `true` only if `serial`'s entry was freed by a notification.
    fn names(&self, _serial: u64) -> bool {
        #[cfg(target_has_atomic = "64")]
        return self.0.load(crate::sync::Ordering::Acquire) == _serial;
        #[cfg(not(target_has_atomic = "64"))]
        return false;
    }
}

/// How many [`Kind::One`] waiters a notification has taken off the queue
/// that have not finished yet: not completed, queued again, or cancelled.
///
/// A woken waiter may not need its wake: its re-check took a message (slot)
/// that came before the flag was up, and the notification was for a later
/// one, which a waiter still queued needs. Each woken waiter therefore
/// checks, as it finishes, whether more is left ([`Flag::available`]) than
/// the woken waiters still to come will take, and wakes the next waiter if
/// so. Counting those others is what keeps it to one wake per message
/// (slot): without them, the first of several waiters woken together would
/// wake more for the messages the others are about to take.
///
/// Why nothing is stranded: a message whose notification reached a waiter
/// that did not need it is pushed before that notification. Of the woken
/// waiters, the one that finishes last reads the count after every other
/// one finished, so it sees all their messages and counts no other: if
/// anything is left, it wakes the next waiter. A woken waiter that queues
/// again (found nothing) finishes under the lock, before its re-check: a
/// notification after that lock is seen by its re-check; one before it
/// was ordered before this decrement, so the waiter it reached does not
/// count this one.
///
/// A woken waiter whose owner is never dropped nor polled again (a future
/// leaked with `mem::forget`, or kept unpolled while it lives) stays
/// counted: a waiter finishing after that counts on it to take a message
/// (slot) it never will, so up to that many left-over messages wait for
/// the next notification instead of being passed on. That is why handles
/// that hold a place in line without a future (a receiver's stream, a
/// sender's sink) wait as [`Kind::Stream`], which is not counted. Unit
/// test `a_leaked_woken_waiter_stays_counted_in_flight`.
///
/// Orderings: increments happen under the queue's lock, in the section
/// that takes the entry off (so a waiter that learns under the lock that it
/// was notified is counted already). Every decrement is an `AcqRel`
/// read-modify-write: it acquires the decrements before it in the
/// counter's modification order, with whatever those waiters took and saw,
/// and releases its own. The increment is `AcqRel` too (it sits in that
/// chain; it costs nothing more under the lock).
#[derive(Debug)]
struct InFlight(crate::sync::AtomicUsize);

impl InFlight {
    fn new() -> Self {
        Self(crate::sync::AtomicUsize::new(0))
    }

    /// A notification took a `One` waiter off the queue. Under its lock.
    fn woken(&self) {
        self.0.fetch_add(1, crate::sync::Ordering::AcqRel);
    }

    /// A woken waiter finished; returns how many others are still woken.
    fn finished(&self) -> usize {
        self.0.fetch_sub(1, crate::sync::Ordering::AcqRel) - 1
    }

    /// How many woken waiters have not finished, for a woken stream (not
    /// counted itself). A read-modify-write, to read the latest count and
    /// acquire the finished waiters' releases as a decrement would.
    fn others(&self) -> usize {
        self.0.fetch_add(0, crate::sync::Ordering::AcqRel)
    }
}

/// Wakers taken per lock acquisition by a multi-wake, then woken unlocked.
const WAKE_BATCH: usize = 32;

/// The payload of a waker's panic, held until every waiter has been woken.
pub(crate) type WakerPanic = Box<dyn Any + core::marker::Send>;

/// Wakes `waker`, catching a panic and keeping it in `first` if it is the
/// first: a waker is foreign code, and if one panics, the others woken
/// with it must still run, or their tasks would sleep forever.
pub(crate) fn wake_keeping_first_panic(waker: Waker, first: &mut Result<(), WakerPanic>) {
    let woken = std::panic::catch_unwind(AssertUnwindSafe(|| waker.wake()));
    if let (Err(panic), Ok(())) = (woken, &*first) {
        *first = Err(panic);
    }
}

impl WaitQueue {
    pub(crate) fn new() -> Self {
        Self::with_spin(SpinHint::new())
    }

    /// A queue whose waiters register at once, without spinning first.
    pub(crate) fn without_spin() -> Self {
        Self::with_spin(SpinHint::never())
    }

    fn with_spin(spin: SpinHint) -> Self {
        Self {
            notified: NotifiedHint::new(),
            in_flight: InFlight::new(),
            spin,
            list: Mutex::new(WaitList::new()),
        }
    }

    /// Queues the owner of `key` to be woken through `waker`.
    ///
    /// A first call queues a new entry at the back. A later call while still
    /// queued only refreshes the waker (so the newest one is woken). A call
    /// after a notification the owner could not use (another thread took the
    /// message or slot first) queues it again: a [`Kind::One`] waiter back in
    /// its place, ahead of everyone who came after it (so waiters are served
    /// in the order they first came, however many were woken for nothing);
    /// a [`Kind::All`] waiter at the back.
    ///
    /// The caller must re-check its condition after this returns, before it
    /// goes to sleep.
    #[inline(always)]
    pub(crate) fn register(&self, key: &mut WaitKey, waker: &Waker, kind: Kind, flag: &impl Flag) {
        // Cloned before the lock: a clone is foreign code too, and may
        // re-enter the channel.
        let waker = waker.clone();
        let replaced = {
            let mut list = self.list.lock();
            let was_idle = list.idle();
            let replaced = match key.0 {
                Some(ticket) if list.owns(ticket.index, ticket.serial) => {
                    list.refresh(ticket.index, waker)
                }
                Some(ticket) => {
                    // Notified, found nothing: a `One` waiter keeps its
                    // place in line. `All` waiters get no turn to keep, and
                    // go to the back.
                    if ticket.kind == Kind::One {
                        self.in_flight.finished();
                    }
                    let returning = (kind != Kind::All).then_some(ticket.age);
                    key.0 = Some(list.queue(kind, waker, returning));
                    None
                }
                None => {
                    key.0 = Some(list.queue(kind, waker, None));
                    None
                }
            };
            list.registered(was_idle, flag);
            replaced
        };
        drop(replaced);
    }

    /// The one waiting loop of every future in the crate: try, spin briefly,
    /// and if that did not finish, register, then try again before returning
    /// `Pending`.
    ///
    /// `attempt` returns `Some` when the operation finished (successfully or
    /// because the channel closed) and `None` when it must wait. On `Some`,
    /// the entry is freed and a notification it held counts as used.
    #[inline(always)]
    pub(crate) fn poll<R>(
        &self,
        key: &mut WaitKey,
        cx: &mut Context<'_>,
        kind: Kind,
        flag: &impl Flag,
        mut attempt: impl FnMut() -> Option<R>,
    ) -> Poll<R> {
        // The first attempt is inlined into the future's `poll`: it is the
        // whole of an operation that does not wait.
        if let Some(done) = attempt() {
            self.complete(key, flag);
            return Poll::Ready(done);
        }
        self.wait(key, cx, kind, flag, attempt)
    }

    /// The rest of [`WaitQueue::poll`], once the first attempt could not
    /// finish: spin briefly, register, re-check.
    ///
    /// The spin is bounded (at most 31 CPU pause hints, and none while the
    /// queue's [`SpinHint`] says spinning does not pay), never a yield loop.
    #[inline(never)]
    fn wait<R>(
        &self,
        key: &mut WaitKey,
        cx: &mut Context<'_>,
        kind: Kind,
        flag: &impl Flag,
        mut attempt: impl FnMut() -> Option<R>,
    ) -> Poll<R> {
        let rounds = self.spin.rounds();
        for round in 0..rounds {
            for _ in 0..1u32 << round {
                core::hint::spin_loop();
            }
            if let Some(done) = attempt() {
                self.spin.record(true);
                self.complete(key, flag);
                return Poll::Ready(done);
            }
        }
        if rounds > 0 {
            self.spin.record(false);
        }
        self.register(key, cx.waker(), kind, flag);
        match attempt() {
            Some(done) => {
                self.complete(key, flag);
                Poll::Ready(done)
            }
            None => Poll::Pending,
        }
    }

    /// The owner of `key` got what it waited for (or gave up because the
    /// channel closed): frees its entry, if a notification has not already.
    ///
    /// If one has, the owner may not have needed it: a waiter's re-check can
    /// take a message (slot) that came before its flag, and the notification
    /// that then reached its entry was for a later one, which another waiter
    /// queued behind it is waiting for. So a [`Kind::One`] owner wakes the
    /// next waiter when more is left than the other woken waiters will take
    /// ([`InFlight`]). Whether the wake was "for" what the owner took cannot
    /// be told, nor does it matter.
    ///
    /// Takes no lock when the owner never registered, or when the queue's
    /// hint shows that a notification freed its entry and nothing is left
    /// over for a waiter.
    #[inline(always)]
    pub(crate) fn complete(&self, key: &mut WaitKey, flag: &impl Flag) {
        // Inlined checks, out-of-line work: most operations never register,
        // and this runs once per message.
        // The ticket's fields, not the ticket, so that `free` gets them in
        // registers rather than a copy of the ticket on the stack.
        if let Some(Ticket {
            index,
            serial,
            kind,
            ..
        }) = key.0.take()
        {
            if !self.notified.names(serial) {
                self.free(index, serial, kind, flag);
            } else if kind != Kind::All && self.left_over(kind, flag) {
                self.pass_on(flag);
            }
        }
    }

    /// For a woken `One` (or stream) waiter that finishes: whether
    /// something is left that no other woken waiter will take.
    fn left_over(&self, kind: Kind, flag: &impl Flag) -> bool {
        let others = match kind {
            Kind::Stream => self.in_flight.others(),
            _ => self.in_flight.finished(),
        };
        flag.available() > others
    }

    #[inline(never)]
    fn free(&self, index: usize, serial: u64, kind: Kind, flag: &impl Flag) {
        let (own, passed_on) = {
            let mut list = self.list.lock();
            if list.owns(index, serial) {
                let own = list.remove(index);
                list.lower_flag_if_idle(flag);
                (own, [None, None])
            } else if kind != Kind::All && self.left_over(kind, flag) {
                // A notification freed it: pass the wake on, as `complete`
                // explains.
                let next = self.take_first(&mut list);
                list.lower_flag_if_idle(flag);
                (None, next)
            } else {
                (None, [None, None])
            }
        };
        drop(own);
        self.wake_taken(passed_on);
    }

    /// Wakes the oldest [`Kind::One`] waiter, if any, for what a woken
    /// waiter that did not need its wake left over.
    #[inline(never)]
    fn pass_on(&self, flag: &impl Flag) {
        let next = {
            let mut list = self.list.lock();
            let next = self.take_first(&mut list);
            list.lower_flag_if_idle(flag);
            next
        };
        self.wake_taken(next);
    }

    /// Takes the oldest [`Kind::One`] waiter off the queue for a
    /// notification, counting it [`InFlight`]; if it is a stream, also the
    /// waiter behind it (the stream may never come back for its wake).
    /// Under the lock.
    #[inline(always)]
    fn take_first(&self, list: &mut WaitList) -> Taken {
        let Some((waker, serial, kind)) = list.pop_front(Kind::One) else {
            return [None, None];
        };
        if kind == Kind::One {
            self.in_flight.woken();
            return [Some((waker, serial)), None];
        }
        [Some((waker, serial)), self.take_behind_stream(list)]
    }

    /// The waiter behind a stream that [`take_first`](Self::take_first)
    /// took, if any, counted [`InFlight`] unless it is a stream too. Out of
    /// line: only a receiver's stream and a sender's sink queue streams.
    #[inline(never)]
    fn take_behind_stream(&self, list: &mut WaitList) -> Option<(Waker, u64)> {
        let (waker, serial, kind) = list.pop_front(Kind::One)?;
        if kind == Kind::One {
            self.in_flight.woken();
        }
        Some((waker, serial))
    }

    /// Wakes the waiters a notification took off the queue (after the lock
    /// is released), recording each serial for its `complete`.
    ///
    /// If the first waker panics, the second (the waiter behind a stream,
    /// which shares the wake) is still woken, then the panic goes on: it is
    /// off the queue, and nobody else would wake it.
    #[inline(always)]
    fn wake_taken(&self, taken: Taken) {
        let [first, behind] = taken;
        let Some((waker, serial)) = first else {
            return;
        };
        self.notified.record(serial);
        match behind {
            None => waker.wake(),
            Some(behind) => self.wake_with_behind(waker, behind),
        }
    }

    /// The rest of [`wake_taken`](Self::wake_taken) when a stream was taken
    /// with the waiter behind it: out of line, as streams are rare.
    #[inline(never)]
    fn wake_with_behind(&self, waker: Waker, (behind, behind_serial): (Waker, u64)) {
        let woken = std::panic::catch_unwind(AssertUnwindSafe(|| waker.wake()));
        self.notified.record(behind_serial);
        behind.wake();
        if let Err(panic) = woken {
            std::panic::resume_unwind(panic);
        }
    }

    /// The owner of `key` stops waiting without using what it waited for
    /// (its future was dropped): frees its entry or, if a notification
    /// already took it off the queue, wakes the next waiter in its place so
    /// the wake is not lost.
    #[inline]
    pub(crate) fn cancel(&self, key: &mut WaitKey, flag: &impl Flag) {
        // As in `complete`: the drop of a future that never waited is one
        // inlined check.
        if let Some(ticket) = key.0.take() {
            self.withdraw(ticket, flag);
        }
    }

    #[inline(never)]
    fn withdraw(&self, ticket: Ticket, flag: &impl Flag) {
        let (own, forwarded) = {
            let mut list = self.list.lock();
            let (own, forwarded) = if list.owns(ticket.index, ticket.serial) {
                (list.remove(ticket.index), [None, None])
            } else if ticket.kind != Kind::All {
                // Notified: the message or slot it was woken for is there
                // for the next waiter.
                if ticket.kind == Kind::One {
                    self.in_flight.finished();
                }
                (None, self.take_first(&mut list))
            } else {
                (None, [None, None])
            };
            list.lower_flag_if_idle(flag);
            (own, forwarded)
        };
        drop(own);
        self.wake_taken(forwarded);
    }

    /// Wakes up to `count` [`Kind::One`] waiters, oldest first, and every
    /// [`Kind::All`] waiter. Called when a push (pop) reported the flag.
    ///
    /// # Panics
    ///
    /// If a waker panics: the other waiters are still woken first, then the
    /// first panic resumes, in the caller; a receive that called this after
    /// taking its message loses that message to the unwind (crate docs,
    /// "Panicking wakers and messages").
    #[inline(never)]
    pub(crate) fn notify(&self, count: usize, flag: &impl Flag) {
        if count == 1 {
            // The common case, one message or slot for one waiter, without
            // the batch: take the oldest waiter unless `All` waiters must
            // be woken too.
            let single = {
                let mut list = self.list.lock();
                if list.waiting(Kind::All) == 0 {
                    let first = self.take_first(&mut list);
                    list.settle_flag(flag, first[0].is_some());
                    Some(first)
                } else {
                    None
                }
            };
            if let Some(first) = single {
                self.wake_taken(first);
                return;
            }
        }
        if let Err(panic) = self.wake_locked(count, flag) {
            std::panic::resume_unwind(panic);
        }
    }

    /// Wakes the oldest [`Kind::One`] waiter, as [`notify`](Self::notify)
    /// with a count of 1, and runs `with` under the lock once that waiter
    /// is off the queue: `Some` of its result if a waiter was taken. For a
    /// queue without [`Kind::All`] waiters (the receivers').
    ///
    /// # Panics
    ///
    /// If the waker panics, after `with` ran: as [`notify`](Self::notify).
    pub(crate) fn notify_one_with<R>(
        &self,
        flag: &impl Flag,
        with: impl FnOnce() -> R,
    ) -> Option<R> {
        let (first, done) = {
            let mut list = self.list.lock();
            debug_assert_eq!(list.waiting(Kind::All), 0);
            let first = self.take_first(&mut list);
            let done = first[0].is_some().then(with);
            list.settle_flag(flag, first[0].is_some());
            (first, done)
        };
        self.wake_taken(first);
        done
    }

    /// Wakes every waiter. Always takes the lock, so a waiter that registers
    /// after this returns sees whatever the caller did before calling.
    ///
    /// Every waiter is woken even if some wakers panic; the first panic is
    /// returned for the caller to resume once its own work is done.
    pub(crate) fn notify_all(&self, flag: &impl Flag) -> Result<(), WakerPanic> {
        self.wake_locked(usize::MAX, flag)
    }

    fn wake_locked(&self, count: usize, flag: &impl Flag) -> Result<(), WakerPanic> {
        let mut first_panic = Ok(());
        // How many of each kind to wake: at most those queued at the first
        // lock. A waiter that registers after that lock sees, in its
        // re-check, what the caller did before calling; and a woken `All`
        // waiter that registers again between batches must not be woken
        // again, or waiters re-registering faster than we wake them would
        // keep this loop going for ever.
        let mut left: Option<[usize; 2]> = None;
        let mut woke_any = false;
        loop {
            let mut batch: [Option<Waker>; WAKE_BATCH] = Default::default();
            let mut taken = 0;
            let more = {
                let mut list = self.list.lock();
                let left = left.get_or_insert_with(|| {
                    [count.min(list.waiting(Kind::One)), list.waiting(Kind::All)]
                });
                // Room for the two waiters one take may wake.
                while taken + 2 <= WAKE_BATCH {
                    let kind = if left[Kind::One.fifo()] > 0 {
                        Kind::One
                    } else if left[Kind::All.fifo()] > 0 {
                        Kind::All
                    } else {
                        break;
                    };
                    left[kind.fifo()] -= 1;
                    let next = match kind {
                        Kind::All => [
                            list.pop_front(kind)
                                .map(|(waker, serial, _)| (waker, serial)),
                            None,
                        ],
                        _ => self.take_first(&mut list),
                    };
                    for (waker, _) in next.into_iter().flatten() {
                        batch[taken] = Some(waker);
                        taken += 1;
                    }
                }
                woke_any |= taken > 0;
                list.settle_flag(flag, woke_any);
                left.iter().any(|&n| n > 0)
            };
            for waker in batch.iter_mut().take(taken).filter_map(Option::take) {
                wake_keeping_first_panic(waker, &mut first_panic);
            }
            if !more {
                return first_panic;
            }
        }
    }
}

/// A [`WaitKey`] tied to its queue, kind and flag, as the futures hold it:
/// dropping it before completion cancels the wait (forwarding an unused
/// wake).
#[derive(Debug)]
pub(crate) struct Waiter<'a, F: Flag> {
    queue: &'a WaitQueue,
    kind: Kind,
    flag: F,
    key: WaitKey,
}

impl<'a, F: Flag> Waiter<'a, F> {
    pub(crate) fn new(queue: &'a WaitQueue, kind: Kind, flag: F) -> Self {
        Self {
            queue,
            kind,
            flag,
            key: WaitKey::default(),
        }
    }

    /// [`WaitQueue::poll`] with this waiter's entry.
    #[inline(always)]
    pub(crate) fn poll<R>(
        &mut self,
        cx: &mut Context<'_>,
        attempt: impl FnMut() -> Option<R>,
    ) -> Poll<R> {
        self.queue
            .poll(&mut self.key, cx, self.kind, &self.flag, attempt)
    }
}

impl<F: Flag> Drop for Waiter<'_, F> {
    fn drop(&mut self) {
        self.queue.cancel(&mut self.key, &self.flag);
    }
}
