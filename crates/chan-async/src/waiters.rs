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
//!    and passes the wake on to the next waiter.
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
//! every event and re-check.
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

/// A waiter's entry in a [`WaitQueue`], if it has one. Owned by the waiting
/// future (or thread); must be given back with [`WaitQueue::complete`] or
/// [`WaitQueue::cancel`].
#[derive(Debug, Default)]
pub(crate) struct WaitKey(Option<Ticket>);

/// Which entry a key was given, and which allocation of it.
#[derive(Debug, Clone, Copy)]
struct Ticket {
    index: usize,
    serial: u64,
    kind: Kind,
}

/// Where a queue announces "I have waiters" to the lock-free fast path.
/// Called with the queue's lock held, whenever the answer changes.
pub(crate) trait Flag {
    fn set(&self, waiting: bool);
}

/// For queues woken only under their lock (the close), which need no flag.
pub(crate) struct NoFlag;

impl Flag for NoFlag {
    fn set(&self, _: bool) {}
}

/// How a waiter wants to be woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One waiter per event, oldest first: a message or a slot is for one.
    One = 0,
    /// Every waiter on every event: a condition each re-checks.
    All = 1,
}

/// A FIFO queue of waiters behind a mutex.
#[derive(Debug)]
pub(crate) struct WaitQueue {
    list: Mutex<WaitList>,
    /// The serial of the entry most recently freed by a notification.
    notified: NotifiedHint,
    /// How long this queue's waiters spin before registering.
    spin: SpinHint,
}

/// The serial of the last entry a notification freed, readable without the
/// lock, so that the woken waiter (usually that entry's owner) can give its
/// key back without locking.
///
/// `Relaxed` is enough: serials are never reused (64 bits, one per
/// registration), so reading your own serial here proves your entry was
/// freed; you then touch nothing of it, so there is nothing to synchronize
/// with. Any other value (an older or newer notification, or a stale read)
/// sends you to the locked path, which decides under the lock.
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
        self.0.store(_serial, crate::sync::Ordering::Relaxed);
    }

    /// `true` only if `serial`'s entry was freed by a notification.
    fn names(&self, _serial: u64) -> bool {
        #[cfg(target_has_atomic = "64")]
        return self.0.load(crate::sync::Ordering::Relaxed) == _serial;
        #[cfg(not(target_has_atomic = "64"))]
        return false;
    }
}

/// Sentinel index: no entry.
const NIL: usize = usize::MAX;

/// Entries a queue's slab has room for when the channel is created.
const INITIAL_ENTRIES: usize = 4;

/// While leaving the flag up does not pay, one notification in this many
/// that takes the last waiter leaves it up anyway, as a probe.
const KEEP_FLAG_PROBE: u8 = 8;

/// Wakers taken per lock acquisition by a multi-wake, then woken unlocked.
const WAKE_BATCH: usize = 32;

/// The payload of a waker's panic, held until every waiter has been woken.
pub(crate) type WakerPanic = Box<dyn Any + core::marker::Send>;

/// The slab of entries and the FIFO lists threaded through it.
///
/// # Invariants
///
/// - An entry is either queued (`serial != 0`, with a waker, linked in
///   `fifos[kind]` through `prev`/`next`, oldest first) or free
///   (`serial == 0`, no waker, linked in `free` through `next`).
/// - A [`WaitKey`] holding `Ticket { index, serial, .. }` owns entry `index`
///   exactly while `entries[index].serial == serial`; otherwise a
///   notification freed it.
/// - `flagged` is what the queue's [`Flag`] was last set to. Whenever the
///   lock is released, some entry queued implies `flagged`. The converse
///   need not hold: a notification that takes the last waiter may leave the
///   flag up (see [`WaitList::settle_flag`]); a notification that then
///   finds nobody to wake lowers it, as does a waiter that leaves on its
///   own.
#[derive(Debug)]
struct WaitList {
    entries: Vec<Entry>,
    fifos: [Fifo; 2],
    free: usize,
    flagged: bool,
    /// Whether a notification that takes the last waiter leaves the flag
    /// up: learnt from what followed the last time it did.
    keep_flag: bool,
    /// Notifications that took the last waiter while `keep_flag` was false;
    /// every [`KEEP_FLAG_PROBE`]th leaves the flag up anyway, to find out
    /// whether that has started to pay.
    probes: u8,
    /// The last serial given out.
    serials: u64,
}

#[derive(Debug, Clone, Copy)]
struct Fifo {
    head: usize,
    tail: usize,
    len: usize,
}

#[derive(Debug)]
struct Entry {
    /// The owner's serial while queued; 0 while free.
    serial: u64,
    kind: Kind,
    waker: Option<Waker>,
    prev: usize,
    next: usize,
}

impl WaitQueue {
    pub(crate) fn new() -> Self {
        let empty = Fifo {
            head: NIL,
            tail: NIL,
            len: 0,
        };
        Self {
            notified: NotifiedHint::new(),
            spin: SpinHint::new(),
            list: Mutex::new(WaitList {
                // Room for a few waiters up front, so the first waits of a
                // fresh channel do not allocate either.
                entries: Vec::with_capacity(INITIAL_ENTRIES),
                fifos: [empty; 2],
                free: NIL,
                flagged: false,
                keep_flag: true,
                probes: 0,
                serials: 0,
            }),
        }
    }

    /// Queues the owner of `key` to be woken through `waker`.
    ///
    /// A first call queues a new entry at the back. A later call while still
    /// queued only refreshes the waker (so the newest one is woken). A call
    /// after a notification the owner could not use (another thread took the
    /// message or slot first) queues it again: a [`Kind::One`] waiter at the
    /// front, as it is still the oldest; a [`Kind::All`] waiter at the back.
    ///
    /// The caller must re-check its condition after this returns, before it
    /// goes to sleep.
    pub(crate) fn register(&self, key: &mut WaitKey, waker: &Waker, kind: Kind, flag: &impl Flag) {
        let replaced = {
            let mut list = self.list.lock();
            let was_idle = list.idle();
            let replaced = match key.0 {
                Some(ticket) if list.owns(ticket) => {
                    let entry = &mut list.entries[ticket.index];
                    match &entry.waker {
                        Some(current) if current.will_wake(waker) => None,
                        _ => entry.waker.replace(waker.clone()),
                    }
                }
                Some(_) => {
                    // Notified, found nothing: a `One` waiter is still the
                    // oldest, so it goes first. `All` waiters get no turn
                    // to keep, and go to the back.
                    key.0 = Some(list.queue(kind, waker.clone(), kind == Kind::One));
                    None
                }
                None => {
                    key.0 = Some(list.queue(kind, waker.clone(), false));
                    None
                }
            };
            if was_idle && list.flagged {
                // The flag left up by the last notification saved this
                // registration a read-modify-write: keep doing that.
                list.keep_flag = true;
            }
            list.raise_flag(flag);
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
    /// Takes no lock when the owner never registered, or when the queue's
    /// hint shows that the last notification freed its entry.
    #[inline]
    pub(crate) fn complete(&self, key: &mut WaitKey, flag: &impl Flag) {
        // Inlined checks, out-of-line work: most operations never register,
        // and this runs once per message.
        if let Some(ticket) = key.0.take() {
            if !self.notified.names(ticket.serial) {
                self.free(ticket, flag);
            }
        }
    }

    #[inline(never)]
    fn free(&self, ticket: Ticket, flag: &impl Flag) {
        let waker = {
            let mut list = self.list.lock();
            if !list.owns(ticket) {
                return; // a notification freed it
            }
            let waker = list.remove(ticket.index);
            list.lower_flag_if_idle(flag);
            waker
        };
        drop(waker);
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
            let (own, forwarded) = if list.owns(ticket) {
                (list.remove(ticket.index), None)
            } else if ticket.kind == Kind::One {
                // Notified: the message or slot it was woken for is there
                // for the next waiter.
                (None, list.pop_front(Kind::One))
            } else {
                (None, None)
            };
            list.lower_flag_if_idle(flag);
            (own, forwarded)
        };
        drop(own);
        if let Some((waker, serial)) = forwarded {
            self.notified.record(serial);
            waker.wake();
        }
    }

    /// Wakes up to `count` [`Kind::One`] waiters, oldest first, and every
    /// [`Kind::All`] waiter. Called when a push (pop) reported the flag.
    ///
    /// # Panics
    ///
    /// If a waker panics: the other waiters are still woken first, then the
    /// first panic resumes.
    #[inline(never)]
    pub(crate) fn notify(&self, count: usize, flag: &impl Flag) {
        if count == 1 {
            // The common case, one message or slot for one waiter, without
            // the batch: take the oldest waiter unless `All` waiters must
            // be woken too.
            let single = {
                let mut list = self.list.lock();
                if list.fifos[Kind::All as usize].len == 0 {
                    let first = list.pop_front(Kind::One);
                    list.settle_flag(flag, first.is_some());
                    Some(first)
                } else {
                    None
                }
            };
            if let Some(first) = single {
                if let Some((waker, serial)) = first {
                    self.notified.record(serial);
                    waker.wake();
                }
                return;
            }
        }
        if let Err(panic) = self.wake_locked(count, flag) {
            std::panic::resume_unwind(panic);
        }
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
                let left =
                    left.get_or_insert_with(|| [count.min(list.fifos[0].len), list.fifos[1].len]);
                while taken < WAKE_BATCH {
                    let kind = if left[Kind::One as usize] > 0 {
                        Kind::One
                    } else if left[Kind::All as usize] > 0 {
                        Kind::All
                    } else {
                        break;
                    };
                    left[kind as usize] -= 1;
                    if let Some((waker, _)) = list.pop_front(kind) {
                        batch[taken] = Some(waker);
                        taken += 1;
                    }
                }
                woke_any |= taken > 0;
                list.settle_flag(flag, woke_any);
                left.iter().any(|&n| n > 0)
            };
            for waker in batch.iter_mut().take(taken).filter_map(Option::take) {
                // A waker is foreign code: if one panics, the others must
                // still run, or their tasks would sleep forever.
                let woken = std::panic::catch_unwind(AssertUnwindSafe(|| waker.wake()));
                if let (Err(panic), Ok(())) = (woken, &first_panic) {
                    first_panic = Err(panic);
                }
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

impl WaitList {
    /// Whether `ticket`'s entry is still queued for its owner.
    fn owns(&self, ticket: Ticket) -> bool {
        self.entries[ticket.index].serial == ticket.serial
    }

    fn idle(&self) -> bool {
        self.fifos[0].len + self.fifos[1].len == 0
    }

    /// Raises `flag` if an entry is queued and it is not up yet.
    fn raise_flag(&mut self, flag: &impl Flag) {
        if !self.flagged && !self.idle() {
            flag.set(true);
            self.flagged = true;
        }
    }

    /// After a notification: if it took the last waiter, lowers `flag` or
    /// leaves it up for the next registration, as `keep_flag` (or a probe)
    /// says; if it found nobody to wake, lowers it, and learns that leaving
    /// it up did not pay.
    ///
    /// Leaving it up pays when the woken waiter waits again before the other
    /// side's next operation (a ping-pong through a buffer of one): neither
    /// side then pays a read-modify-write on the ring's position word for
    /// the flag. It costs when the other side's next operation comes first:
    /// that operation sees the flag and takes the lock for nobody.
    fn settle_flag(&mut self, flag: &impl Flag, woke_any: bool) {
        if !self.flagged || !self.idle() {
            return;
        }
        if !woke_any {
            self.keep_flag = false;
        } else if self.keep_flag || {
            self.probes = self.probes.wrapping_add(1);
            self.probes % KEEP_FLAG_PROBE == 0
        } {
            return;
        }
        flag.set(false);
        self.flagged = false;
    }

    /// Lowers `flag` if it is up and no entry is queued.
    fn lower_flag_if_idle(&mut self, flag: &impl Flag) {
        if self.flagged && self.idle() {
            flag.set(false);
            self.flagged = false;
        }
    }

    /// Queues a new entry of `kind`, at the back of its list or (for a
    /// waiter that was notified but found nothing) at the front.
    fn queue(&mut self, kind: Kind, waker: Waker, front: bool) -> Ticket {
        let index = if self.free == NIL {
            self.entries.push(Entry {
                serial: 0,
                kind,
                waker: None,
                prev: NIL,
                next: NIL,
            });
            self.entries.len() - 1
        } else {
            let index = self.free;
            self.free = self.entries[index].next;
            index
        };
        self.serials += 1;
        let serial = self.serials;
        let fifo = &mut self.fifos[kind as usize];
        fifo.len += 1;
        let (prev, next) = if front {
            let head = std::mem::replace(&mut fifo.head, index);
            if head == NIL {
                fifo.tail = index;
            } else {
                self.entries[head].prev = index;
            }
            (NIL, head)
        } else {
            let tail = std::mem::replace(&mut fifo.tail, index);
            if tail == NIL {
                fifo.head = index;
            } else {
                self.entries[tail].next = index;
            }
            (tail, NIL)
        };
        self.entries[index] = Entry {
            serial,
            kind,
            waker: Some(waker),
            prev,
            next,
        };
        Ticket {
            index,
            serial,
            kind,
        }
    }

    /// Takes the oldest entry of `kind` off its list and frees it; returns
    /// its waker and the serial it had.
    fn pop_front(&mut self, kind: Kind) -> Option<(Waker, u64)> {
        let index = self.fifos[kind as usize].head;
        if index == NIL {
            return None;
        }
        let serial = self.entries[index].serial;
        let waker = self.remove(index)?;
        Some((waker, serial))
    }

    /// Unlinks the queued entry `index` and frees it; returns its waker (to
    /// wake or drop outside the lock).
    fn remove(&mut self, index: usize) -> Option<Waker> {
        let (prev, next, kind) = {
            let entry = &self.entries[index];
            debug_assert_ne!(entry.serial, 0, "removing a free entry");
            (entry.prev, entry.next, entry.kind)
        };
        let fifo = &mut self.fifos[kind as usize];
        if prev == NIL {
            fifo.head = next;
        } else {
            self.entries[prev].next = next;
        }
        if next == NIL {
            fifo.tail = prev;
        } else {
            self.entries[next].prev = prev;
        }
        fifo.len -= 1;
        let entry = &mut self.entries[index];
        entry.serial = 0;
        entry.next = self.free;
        self.free = index;
        entry.waker.take()
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering};
    use std::sync::Arc as StdArc;
    use std::task::Wake;

    /// A waker that counts its wakes.
    struct Counter(StdAtomicUsize);
    impl Wake for Counter {
        fn wake(self: StdArc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn counter() -> (StdArc<Counter>, Waker) {
        let counter = StdArc::new(Counter(StdAtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }
    fn wakes(counter: &Counter) -> usize {
        counter.0.load(Ordering::SeqCst)
    }
    fn waiting(queue: &WaitQueue) -> usize {
        let list = queue.list.lock();
        list.fifos[0].len + list.fifos[1].len
    }

    /// A flag that records every change.
    #[derive(Default)]
    struct Recorder(std::cell::RefCell<Vec<bool>>);
    impl Flag for Recorder {
        fn set(&self, waiting: bool) {
            self.0.borrow_mut().push(waiting);
        }
    }

    #[test]
    fn flag_follows_whether_anyone_waits() {
        let queue = WaitQueue::new();
        let flag = Recorder::default();
        let (_, waker) = counter();
        let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
        queue.register(&mut a, &waker, Kind::One, &flag);
        queue.register(&mut b, &waker, Kind::One, &flag);
        assert_eq!(*flag.0.borrow(), [true], "raised once, by the first");
        queue.notify(1, &flag);
        assert_eq!(*flag.0.borrow(), [true], "b still waits");
        queue.cancel(&mut b, &flag);
        assert_eq!(*flag.0.borrow(), [true, false], "lowered by the last");
        queue.register(&mut a, &waker, Kind::One, &flag); // woken, found nothing
        assert_eq!(*flag.0.borrow(), [true, false, true]);
        queue.complete(&mut a, &flag);
        assert_eq!(*flag.0.borrow(), [true, false, true, false]);
    }

    #[test]
    fn flag_is_left_up_only_while_the_woken_waiter_comes_back_first() {
        let queue = WaitQueue::new();
        let flag = Recorder::default();
        let (_, waker) = counter();
        // A ping-pong: wait, be notified, wait again before anything else.
        let round = || {
            let mut key = WaitKey::default();
            queue.register(&mut key, &waker, Kind::One, &flag);
            queue.notify(1, &flag);
            queue.complete(&mut key, &flag);
        };
        for _ in 0..4 {
            round();
        }
        // Raised once, then left up: every registration found it up.
        let mut expected = vec![true];
        assert_eq!(*flag.0.borrow(), expected);
        // A notification that finds nobody lowers it and stops leaving it
        // up: each wake lowers it again, until a probe leaves it up and the
        // next registration finds it so.
        queue.notify(1, &flag);
        expected.push(false);
        let probe = usize::from(KEEP_FLAG_PROBE);
        for _ in 0..probe + 2 {
            round();
        }
        expected.extend([true, false].repeat(probe - 1));
        expected.push(true);
        assert_eq!(*flag.0.borrow(), expected);
    }

    #[test]
    fn all_kind_waiters_wake_on_every_notify_without_taking_a_turn() {
        let queue = WaitQueue::new();
        let (drainer, drainer_waker) = counter();
        let (sender, sender_waker) = counter();
        let (mut d, mut s) = (WaitKey::default(), WaitKey::default());
        queue.register(&mut d, &drainer_waker, Kind::All, &NoFlag);
        queue.register(&mut s, &sender_waker, Kind::One, &NoFlag);
        queue.notify(1, &NoFlag);
        assert_eq!((wakes(&drainer), wakes(&sender)), (1, 1));
        // A dropped `All` waiter forwards nothing: it never took a turn.
        queue.register(&mut d, &drainer_waker, Kind::All, &NoFlag);
        queue.notify(0, &NoFlag);
        assert_eq!(wakes(&drainer), 2);
        queue.cancel(&mut d, &NoFlag);
        queue.complete(&mut s, &NoFlag);
        assert_eq!(wakes(&sender), 1);
    }

    #[test]
    fn re_registering_refreshes_instead_of_queueing_twice() {
        let queue = WaitQueue::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let mut key = WaitKey::default();
        queue.register(&mut key, &first_waker, Kind::One, &NoFlag);
        queue.register(&mut key, &first_waker, Kind::One, &NoFlag);
        queue.register(&mut key, &second_waker, Kind::One, &NoFlag);
        assert_eq!(waiting(&queue), 1);
        queue.notify(1, &NoFlag);
        assert_eq!(
            (wakes(&first), wakes(&second)),
            (0, 1),
            "newest waker woken"
        );
        assert_eq!(waiting(&queue), 0);
        queue.complete(&mut key, &NoFlag);
    }

    #[test]
    fn notify_is_fifo() {
        let queue = WaitQueue::new();
        let counters: Vec<_> = (0..3).map(|_| counter()).collect();
        let mut keys: Vec<WaitKey> = (0..3).map(|_| WaitKey::default()).collect();
        for (key, (_, waker)) in keys.iter_mut().zip(&counters) {
            queue.register(key, waker, Kind::One, &NoFlag);
        }
        queue.notify(1, &NoFlag);
        let woken: Vec<usize> = counters.iter().map(|(c, _)| wakes(c)).collect();
        assert_eq!(woken, [1, 0, 0]);
        queue.notify(2, &NoFlag);
        let woken: Vec<usize> = counters.iter().map(|(c, _)| wakes(c)).collect();
        assert_eq!(woken, [1, 1, 1]);
        for key in &mut keys {
            queue.complete(key, &NoFlag);
        }
    }

    #[test]
    fn cancelled_after_notify_forwards_the_wake() {
        let queue = WaitQueue::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
        queue.register(&mut a, &first_waker, Kind::One, &NoFlag);
        queue.register(&mut b, &second_waker, Kind::One, &NoFlag);
        queue.notify(1, &NoFlag);
        assert_eq!(wakes(&first), 1);
        queue.cancel(&mut a, &NoFlag);
        assert_eq!(wakes(&second), 1, "the unused wake passed on");
        queue.complete(&mut b, &NoFlag);
    }

    #[test]
    fn cancelled_before_notify_forwards_nothing() {
        let queue = WaitQueue::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
        queue.register(&mut a, &first_waker, Kind::One, &NoFlag);
        queue.register(&mut b, &second_waker, Kind::One, &NoFlag);
        queue.cancel(&mut a, &NoFlag);
        assert_eq!((wakes(&first), wakes(&second)), (0, 0));
        queue.notify(1, &NoFlag);
        assert_eq!(wakes(&second), 1);
        queue.complete(&mut b, &NoFlag);
    }

    #[test]
    fn notified_waiter_that_registers_again_goes_first() {
        let queue = WaitQueue::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
        queue.register(&mut a, &first_waker, Kind::One, &NoFlag);
        queue.register(&mut b, &second_waker, Kind::One, &NoFlag);
        queue.notify(1, &NoFlag);
        queue.register(&mut a, &first_waker, Kind::One, &NoFlag); // woken, found nothing
        queue.notify(1, &NoFlag);
        assert_eq!((wakes(&first), wakes(&second)), (2, 0));
        queue.complete(&mut a, &NoFlag);
        queue.complete(&mut b, &NoFlag);
    }

    #[test]
    fn entries_are_reused() {
        let queue = WaitQueue::new();
        let (_, waker) = counter();
        for _ in 0..100 {
            let mut key = WaitKey::default();
            queue.register(&mut key, &waker, Kind::One, &NoFlag);
            queue.complete(&mut key, &NoFlag);
        }
        assert_eq!(queue.list.lock().entries.len(), 1);
    }

    /// A waiter whose waker queues it again at once, as a `Drained` future
    /// polled on another thread may.
    struct Eager {
        queue: StdArc<WaitQueue>,
        key: std::sync::Mutex<WaitKey>,
        wakes: StdAtomicUsize,
    }
    impl Wake for Eager {
        fn wake(self: StdArc<Self>) {
            self.wakes.fetch_add(1, Ordering::SeqCst);
            let waker = Waker::from(self.clone());
            let mut key = self.key.lock().unwrap();
            self.queue.register(&mut key, &waker, Kind::All, &NoFlag);
        }
    }

    #[test]
    fn notify_all_wakes_each_waiter_once_even_if_they_queue_again() {
        let queue = StdArc::new(WaitQueue::new());
        let waiters: Vec<StdArc<Eager>> = (0..WAKE_BATCH * 2 + 5)
            .map(|_| {
                let eager = StdArc::new(Eager {
                    queue: queue.clone(),
                    key: std::sync::Mutex::new(WaitKey::default()),
                    wakes: StdAtomicUsize::new(0),
                });
                let waker = Waker::from(eager.clone());
                queue.register(&mut eager.key.lock().unwrap(), &waker, Kind::All, &NoFlag);
                eager
            })
            .collect();
        // Every woken waiter is queued again before the next batch; without
        // a bound this would wake them round and round.
        queue.notify_all(&NoFlag).unwrap();
        for eager in &waiters {
            assert_eq!(eager.wakes.load(Ordering::SeqCst), 1);
        }
        assert_eq!(waiting(&queue), waiters.len(), "all queued again");
        for eager in &waiters {
            queue.cancel(&mut eager.key.lock().unwrap(), &NoFlag);
        }
        assert_eq!(waiting(&queue), 0);
    }

    #[test]
    fn notify_all_wakes_more_than_a_batch() {
        let queue = WaitQueue::new();
        let (count, waker) = counter();
        let mut keys: Vec<WaitKey> = (0..WAKE_BATCH * 2 + 3)
            .map(|_| WaitKey::default())
            .collect();
        for key in &mut keys {
            queue.register(key, &waker, Kind::One, &NoFlag);
        }
        queue.notify_all(&NoFlag).unwrap();
        assert_eq!(wakes(&count), keys.len());
        assert_eq!(waiting(&queue), 0);
        for key in &mut keys {
            queue.complete(key, &NoFlag);
        }
    }
}
