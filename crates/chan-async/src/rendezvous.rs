//! Rendezvous channels (`channel(0)`): a value passes straight from a
//! sender to a receiver that takes it.
//!
//! There is no buffer, so the ring's lock-free fast path has nothing to
//! offer: every operation meets the other side, and meeting is decided
//! under one lock, the [`Exchange`]'s. It holds:
//!
//! - `handed`: values given to receivers and not yet taken. A send that
//!   finds a receiver waiting puts its value here, completes, and wakes
//!   that receiver; every receive takes from here first. A receiver that
//!   was handed a value and is dropped (or never polled again) therefore
//!   holds nothing up: the value is for the next receive, whoever it is,
//!   and a receiver that finds its value taken waits again in its place.
//! - the senders' line: blocked sends, each holding its value in its entry
//!   so a receive can take it (completing that send), and waiting
//!   reserves, FIFO together;
//! - the receivers' lines: free receivers, which a send may hand a value
//!   to, and receivers committed to a permit, which wait for its value;
//! - the number of permits outstanding and the close.
//!
//! The invariant that makes the lines FIFO: whenever the lock is free, no
//! free receiver waits while a sender waits (either would have met the
//! other when it arrived, or when a released permit freed a receiver). So
//! a send that finds a free receiver has nobody ahead of it, and a receive
//! that finds a blocked send takes the oldest.
//!
//! Each entry belongs to its waiter (see `slab`); the other side only moves
//! it between lines and records what happened in it (sent, granted,
//! closed). Wakers are woken, and values and wakers dropped, once the lock
//! is released ([`After`]).
//!
//! # How the buffered paths find the exchange
//!
//! A rendezvous channel is a [`Chan`] like any other, with an exchange in
//! `Chan::exchange` and a ring of one slot that is closed when the channel
//! is made. Every push, pop or reservation on that ring fails as on a
//! closed channel, and that outcome, rare on a buffered channel, is the
//! only place where the buffered code asks whether the channel is a
//! rendezvous:
//!
//! - `try_send`, `try_recv` and `try_reserve` do it in a cold branch;
//! - a future starts as a buffered one (`place::Line::Queue`); when its
//!   first attempt finds the ring closed, it moves into the exchange
//!   (`Line::Exchange`), out of line, and stays there;
//! - the handles that hold a place in line themselves (a receiver's
//!   stream, a sink, an owned reserve) decide when they are made
//!   (`place::Key`);
//! - a permit's `send` and release, the close, and the queries about the
//!   state test `Chan::exchange` first: they cannot learn it from the ring.
//!
//! So a buffered future, `try_send` and `try_recv` read nothing they did
//! not read before, and the futures keep their size (see `place`).

use std::collections::VecDeque;
use std::fmt;
use std::task::{Context, Poll, Waker};

use crate::chan::Chan;
use crate::error::{SendError, TryRecvError, TrySendError};
use crate::state::ChannelState;
use crate::sync::{AtomicU8, Mutex, Ordering};
use after::After;
pub(crate) use place::{Key, Line};
use slab::{Slab, NIL};

mod after;
mod place;
mod slab;

/// The receivers' line a send may hand a value to.
const FREE: usize = 0;
/// Receivers committed to a permit: a permit's value goes to the oldest.
const COMMITTED: usize = 1;
/// The senders' one line.
const LINE: usize = 0;

/// How many blocked sends one `recv_many` completes at most: their wakers
/// are kept on the stack until the lock is released.
const BATCH: usize = 8;

/// The state of a rendezvous channel, behind one lock.
pub(crate) struct Exchange<T> {
    inner: Mutex<Inner<T>>,
    /// What a new send or receive would find, as the last lock section
    /// left it: [`RECEIVER_WAITS`], [`VALUE_WAITS`], both once closed.
    ///
    /// Only a hint, for whether to clone the poll's waker before the lock
    /// (a waker is foreign code, never run under it): a send that finds a
    /// receiver, or a receive that finds a value, does not keep one, and
    /// the clone and its drop cost a rendezvous about a tenth of its
    /// instructions. A wrong hint costs a second lock section, or a
    /// needless clone, never a wrong outcome: the lock decides. Written
    /// under the lock and read `Relaxed`, as a hint may be stale.
    ready: AtomicU8,
}

/// [`Exchange::ready`]: a free receiver waits, a send would hand its value
/// over.
const RECEIVER_WAITS: u8 = 1;
/// [`Exchange::ready`]: a value waits (handed, or a blocked send's), a
/// receive would take it.
const VALUE_WAITS: u8 = 2;

struct Inner<T> {
    closed: bool,
    /// The last receiver is gone: values that would be handed are dropped.
    receivers_gone: bool,
    /// Values handed to receivers and not yet taken, oldest first.
    handed: VecDeque<T>,
    /// Blocked sends and waiting reserves in [`LINE`]; entries that were
    /// served or closed stay, out of line, until their owner reads them.
    senders: Slab<SenderEntry<T>, 1>,
    /// Waiting receivers in [`FREE`] or [`COMMITTED`]; a receiver handed a
    /// value is out of line until its owner polls it.
    receivers: Slab<ReceiverEntry, 2>,
    /// Permits granted and not yet used or released (also those granted to
    /// a reserve that has not returned yet).
    permits: usize,
}

struct SenderEntry<T> {
    waker: Option<Waker>,
    reserve: bool,
    state: Sending<T>,
}

/// What happened to a sender's entry.
enum Sending<T> {
    /// In line; a send's value, or `None` for a reserve.
    Waiting(Option<T>),
    /// A receive took the value; for a reserve, a permit was granted.
    Done,
    /// The channel closed first; a send's value comes back.
    Closed(Option<T>),
}

struct ReceiverEntry {
    waker: Option<Waker>,
    /// Polled as a stream: may never come back for a wake, so a wake for it
    /// also goes to the free receiver behind it.
    stream: bool,
}

/// The waker a receive waits with, if it must.
enum Waking<'w> {
    /// A clone of the poll's waker, made before the lock.
    Cloned(Waker),
    /// Only the poll's waker: cloning it would run foreign code under the
    /// lock.
    Borrowed(&'w Waker),
}

impl Waking<'_> {
    /// The clone, if there is one, for a receive that does not wait.
    fn cloned(self) -> Option<Waker> {
        match self {
            Waking::Cloned(waker) => Some(waker),
            Waking::Borrowed(_) => None,
        }
    }
}

/// How a receive under the lock ended.
enum Received<R> {
    /// With a value (`Some`), or at the end.
    Done(Option<R>),
    /// In line, with a waker that wakes the task.
    Waiting,
    /// It must wait, and has only a borrowed waker: nothing changed.
    NeedsWaker,
}

/// What a cancelled send left behind.
pub(crate) enum Withdrawn<T> {
    /// It never waited, or a receiver took its value (it was sent).
    Nothing,
    /// Its value, unsent.
    Value(T),
}

impl<T> Inner<T> {
    /// The [`Exchange::ready`] hint for this state.
    fn ready(&self) -> u8 {
        if self.closed {
            return RECEIVER_WAITS | VALUE_WAITS;
        }
        let receiver = self.receivers.front(FREE) != NIL;
        let value = !self.handed.is_empty() || self.senders.front(LINE) != NIL;
        (u8::from(receiver) * RECEIVER_WAITS) | (u8::from(value) * VALUE_WAITS)
    }

    /// A receive's take: a handed value first, then (while open) the value
    /// of the first blocked send, which completes.
    fn take(&mut self, after: &mut After<T>) -> Option<T> {
        self.take_from(true, after)
    }

    /// [`take`](Inner::take), looking in the senders' line only if
    /// `senders` is true.
    fn take_from(&mut self, senders: bool, after: &mut After<T>) -> Option<T> {
        if let Some(value) = self.handed.pop_front() {
            return Some(value);
        }
        if self.closed || !senders {
            return None;
        }
        let mut index = self.senders.front(LINE);
        while index != NIL {
            let next = self.senders.next(index);
            let entry = self.senders.get_mut(index);
            if let Sending::Waiting(value @ Some(_)) = &mut entry.state {
                let value = value.take();
                entry.state = Sending::Done;
                after.wake(entry.waker.take());
                self.senders.unlink(index);
                return value;
            }
            index = next;
        }
        None
    }

    /// Wakes receiver `index` for a handed value, taking it out of line;
    /// a stream shares the wake with the free receiver behind it.
    fn wake_receiver(&mut self, mut index: usize, after: &mut After<T>) {
        while index != NIL {
            self.receivers.unlink(index);
            let entry = self.receivers.get_mut(index);
            after.wake(entry.waker.take());
            if !entry.stream {
                return;
            }
            index = self.receivers.front(FREE);
        }
    }

    /// A handed value is left that no woken receiver is on its way to
    /// take: wakes the oldest free receiver, or else a committed one (which
    /// then gives up its commitment: nobody free is left to take it).
    fn pass_on(&mut self, after: &mut After<T>) {
        let mut index = self.receivers.front(FREE);
        if index == NIL {
            index = self.receivers.front(COMMITTED);
        }
        self.wake_receiver(index, after);
    }

    /// A send meets the oldest free receiver, if any.
    fn offer(&mut self, value: T, after: &mut After<T>) -> Result<(), TrySendError<T>> {
        if self.closed {
            return Err(TrySendError::Closed(value));
        }
        let index = self.receivers.front(FREE);
        if index == NIL {
            return Err(TrySendError::Full(value));
        }
        self.handed.push_back(value);
        self.wake_receiver(index, after);
        Ok(())
    }

    /// A reserve commits the oldest free receiver, if any.
    fn commit(&mut self) -> Result<(), TrySendError<()>> {
        if self.closed {
            return Err(TrySendError::Closed(()));
        }
        let index = self.receivers.front(FREE);
        if index == NIL {
            return Err(TrySendError::Full(()));
        }
        self.receivers.relink(index, COMMITTED);
        self.permits += 1;
        Ok(())
    }

    /// While a free receiver and a sender both wait, they meet: the send's
    /// value is handed over, or the reserve gets its permit.
    fn meet(&mut self, after: &mut After<T>) {
        while !self.closed {
            let receiver = self.receivers.front(FREE);
            let sender = self.senders.front(LINE);
            if receiver == NIL || sender == NIL {
                return;
            }
            self.senders.unlink(sender);
            let entry = self.senders.get_mut(sender);
            after.wake(entry.waker.take());
            let Sending::Waiting(value) = std::mem::replace(&mut entry.state, Sending::Done) else {
                unreachable!("only waiting senders are in line");
            };
            match value {
                Some(value) => {
                    self.handed.push_back(value);
                    self.wake_receiver(receiver, after);
                }
                None => {
                    self.receivers.relink(receiver, COMMITTED);
                    self.permits += 1;
                }
            }
        }
    }

    /// A permit ends unused: its committed receiver is free again and may
    /// meet a waiting sender.
    fn release(&mut self, after: &mut After<T>) {
        self.permits -= 1;
        let index = self.receivers.front(COMMITTED);
        if index != NIL {
            self.receivers.relink(index, FREE);
        }
        self.meet(after);
        self.after_permit(after);
    }

    /// After a permit ended (used or not): on a closed channel the last one
    /// lets waiting receivers see the end, and `Drained` re-check.
    fn after_permit(&mut self, after: &mut After<T>) {
        if self.closed {
            after.drained = true;
            if self.permits == 0 {
                self.wake_every_receiver(after);
            }
        }
    }

    /// Wakes every waiting receiver, leaving it in line (it re-checks).
    fn wake_every_receiver(&mut self, after: &mut After<T>) {
        for list in [FREE, COMMITTED] {
            let mut index = self.receivers.front(list);
            while index != NIL {
                after.wake(self.receivers.get_mut(index).waker.take());
                index = self.receivers.next(index);
            }
        }
    }

    /// Receiver `index` leaves: with a value, at the end, or `cancelled`.
    /// A committed receiver's commitment passes to the oldest free one; a
    /// cancelled receiver that was handed a value passes the wake on.
    fn leave_receiver(&mut self, index: usize, cancelled: bool, after: &mut After<T>) {
        let list = self.receivers.list_of(index);
        let entry = self.receivers.remove(index);
        after.discard(entry.waker);
        match list {
            Some(FREE) => {}
            Some(_) => {
                let free = self.receivers.front(FREE);
                if free != NIL {
                    self.receivers.relink(free, COMMITTED);
                }
            }
            None if cancelled && !self.handed.is_empty() => self.pass_on(after),
            None => {}
        }
    }

    /// A new or returning free receiver `index` (just put in line): grants
    /// the oldest waiting reserve, if any (no send waits: its value would
    /// have been taken).
    // Inlined: nearly always it finds no reserve waiting, two tests that
    // cost less than the call.
    #[inline(always)]
    fn receiver_arrived(&mut self, index: usize, after: &mut After<T>) {
        if self.closed {
            return;
        }
        let sender = self.senders.front(LINE);
        if sender == NIL {
            return;
        }
        self.senders.unlink(sender);
        let entry = self.senders.get_mut(sender);
        debug_assert!(matches!(entry.state, Sending::Waiting(None)));
        entry.state = Sending::Done;
        after.wake(entry.waker.take());
        self.receivers.relink(index, COMMITTED);
        self.permits += 1;
    }
}

impl<T> Exchange<T> {
    pub(crate) fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                closed: false,
                receivers_gone: false,
                handed: VecDeque::new(),
                senders: Slab::new(),
                receivers: Slab::new(),
                permits: 0,
            }),
            ready: AtomicU8::new(0),
        }
    }
}

impl<T> fmt::Debug for Exchange<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchange").finish_non_exhaustive()
    }
}

/// An exchange with its channel, whose `Drained` futures it wakes.
#[derive(Debug)]
pub(crate) struct Rv<'a, T> {
    ex: &'a Exchange<T>,
    chan: &'a Chan<T>,
}

impl<T> Clone for Rv<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Rv<'_, T> {}

impl<'a, T> Rv<'a, T> {
    pub(crate) fn new(ex: &'a Exchange<T>, chan: &'a Chan<T>) -> Self {
        Self { ex, chan }
    }

    /// Whether the [`Exchange::ready`] hint has `what`.
    fn likely(self, what: u8) -> bool {
        self.ex.ready.load(Ordering::Relaxed) & what != 0
    }

    /// Runs `f` under the lock, then what it left to do without it.
    fn locked<R>(self, f: impl FnOnce(&mut Inner<T>, &mut After<T>) -> R) -> R {
        let mut after = After::new();
        let result = {
            let mut inner = self.ex.inner.lock();
            let result = f(&mut inner, &mut after);
            self.ex.ready.store(inner.ready(), Ordering::Relaxed);
            result
        };
        after.finish(self.chan);
        result
    }

    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn try_send(self, value: T) -> Result<(), TrySendError<T>> {
        self.locked(|inner, after| inner.offer(value, after))
    }

    /// A send: hands `value` to a waiting receiver, or waits in line with
    /// it (the value then lives in the entry, where a receive can take it).
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_send(
        self,
        key: &mut Option<usize>,
        value: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        let Some(index) = *key else {
            let mut message = value.take().expect("a send not yet waiting has its value");
            if self.likely(RECEIVER_WAITS) {
                // A receiver waits: the send will not need a waker.
                match self.locked(|inner, after| inner.offer(message, after)) {
                    Ok(()) => return Poll::Ready(Ok(())),
                    Err(TrySendError::Closed(message)) => {
                        return Poll::Ready(Err(SendError(message)))
                    }
                    Err(TrySendError::Full(back)) => message = back,
                }
            }
            // Cloned outside the lock (foreign code), so that one lock
            // either hands the value over or queues it.
            let waker = cx.waker().clone();
            return self.locked(|inner, after| match inner.offer(message, after) {
                Ok(()) => {
                    after.discard(Some(waker));
                    Poll::Ready(Ok(()))
                }
                Err(TrySendError::Closed(message)) => {
                    after.discard(Some(waker));
                    Poll::Ready(Err(SendError(message)))
                }
                Err(TrySendError::Full(message)) => {
                    let index = inner.senders.insert(SenderEntry {
                        waker: Some(waker),
                        reserve: false,
                        state: Sending::Waiting(Some(message)),
                    });
                    inner.senders.link(index, LINE);
                    *key = Some(index);
                    Poll::Pending
                }
            });
        };
        self.poll_sender(key, index, cx)
            .map(|done| done.map_err(|value| SendError(value.expect("a send's value"))))
    }

    /// A waiting sender's entry: still in line (refreshes its waker), or
    /// served (`Ok`), or closed (`Err` with a send's value). Frees it once
    /// it is read.
    fn poll_sender(
        self,
        key: &mut Option<usize>,
        index: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Option<T>>> {
        // Most polls find the entry served, or still in line with a waker
        // that wakes the same task: neither needs a clone.
        let current = cx.waker();
        let first = self.locked(|inner, after| {
            let entry = inner.senders.get_mut(index);
            match entry.state {
                Sending::Waiting(_)
                    if entry.waker.as_ref().is_some_and(|w| w.will_wake(current)) =>
                {
                    Some(Poll::Pending)
                }
                Sending::Waiting(_) => None,
                _ => Some(Poll::Ready(inner.leave_sender(key, index, after))),
            }
        });
        if let Some(polled) = first {
            return polled;
        }
        let waker = current.clone();
        self.locked(|inner, after| {
            let entry = inner.senders.get_mut(index);
            if let Sending::Waiting(_) = entry.state {
                refresh(&mut entry.waker, waker, after);
                return Poll::Pending;
            }
            after.discard(Some(waker));
            Poll::Ready(inner.leave_sender(key, index, after))
        })
    }

    /// A send or reserve gives up: its value, if no receive took it, or
    /// nothing. A reserve that was granted gives its permit back.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn withdraw(self, key: &mut Option<usize>) -> Withdrawn<T> {
        let Some(index) = key.take() else {
            return Withdrawn::Nothing;
        };
        self.locked(|inner, after| {
            let entry = inner.senders.remove(index);
            after.discard(entry.waker);
            match entry.state {
                Sending::Waiting(Some(value)) | Sending::Closed(Some(value)) => {
                    Withdrawn::Value(value)
                }
                Sending::Done if entry.reserve => {
                    inner.release(after);
                    Withdrawn::Nothing
                }
                _ => Withdrawn::Nothing,
            }
        })
    }

    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn try_recv(self) -> Result<T, TryRecvError> {
        self.locked(|inner, after| {
            let taken = inner.take(after);
            if inner.closed {
                after.drained = true;
            }
            match taken {
                Some(value) => Ok(value),
                None if inner.closed && inner.permits == 0 => Err(TryRecvError::Closed),
                None => Err(TryRecvError::Empty),
            }
        })
    }

    /// A receive: a value, or `None` at the end, or waits in line.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_recv(
        self,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
        stream: bool,
    ) -> Poll<Option<T>> {
        self.poll_receive(key, cx, stream, |_, _, value| value)
    }

    /// `recv_many`: appends a value and what else is there now (up to
    /// `limit`); 0 at the end.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_recv_many(
        self,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.poll_receive(key, cx, false, |inner, after, value| {
            let before = buf.len();
            buf.push(value);
            inner.take_more(buf, limit, after);
            buf.len() - before
        })
        .map(|moved| moved.unwrap_or(0))
    }

    /// A receive: takes a value (then runs `then` on it, still under the
    /// lock), or sees the end, or waits in line.
    fn poll_receive<R>(
        self,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
        stream: bool,
        then: impl FnOnce(&mut Inner<T>, &mut After<T>, T) -> R,
    ) -> Poll<Option<R>> {
        let mut then = Some(then);
        let current = cx.waker();
        // A receiver in line, polled again, usually takes the value it was
        // woken for, or waits on with the waker it has; a new one that
        // finds a value waiting ([`Exchange::ready`]) takes it: none of
        // them needs a clone. Otherwise it is cloned outside the lock
        // (foreign code), so that one lock either takes a value or queues.
        let first = if key.is_some() || self.likely(VALUE_WAITS) {
            self.locked(|inner, after| {
                inner.receive(key, Waking::Borrowed(current), stream, after, &mut then)
            })
        } else {
            Received::NeedsWaker
        };
        let received = match first {
            Received::NeedsWaker => {
                let waker = current.clone();
                self.locked(|inner, after| {
                    inner.receive(key, Waking::Cloned(waker), stream, after, &mut then)
                })
            }
            received => received,
        };
        match received {
            Received::Done(output) => Poll::Ready(output),
            _ => Poll::Pending,
        }
    }

    /// A receiver gives up waiting; a value it was handed goes to the next.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn cancel_recv(self, key: &mut Option<usize>) {
        if let Some(index) = key.take() {
            self.locked(|inner, after| inner.leave_receiver(index, true, after));
        }
    }

    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn try_reserve(self) -> Result<(), TrySendError<()>> {
        self.locked(|inner, _| inner.commit())
    }

    /// A reserve: a permit once a free receiver waits (committed to it), or
    /// waits in line with the sends.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_reserve(
        self,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<()>>> {
        let Some(index) = *key else {
            // As for a send: one lock grants the permit or queues.
            let waker = cx.waker().clone();
            return self.locked(|inner, after| match inner.commit() {
                Ok(()) => {
                    after.discard(Some(waker));
                    Poll::Ready(Ok(()))
                }
                Err(TrySendError::Closed(())) => {
                    after.discard(Some(waker));
                    Poll::Ready(Err(SendError(())))
                }
                Err(TrySendError::Full(())) => {
                    let index = inner.senders.insert(SenderEntry {
                        waker: Some(waker),
                        reserve: true,
                        state: Sending::Waiting(None),
                    });
                    inner.senders.link(index, LINE);
                    *key = Some(index);
                    Poll::Pending
                }
            });
        };
        self.poll_sender(key, index, cx)
            .map(|done| done.map_err(|_| SendError(())))
    }

    /// A permit's send: the value goes to the committed receiver (or, if it
    /// went away, to the next receive); dropped if no receiver is left.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn send_reserved(self, value: T) {
        self.locked(|inner, after| {
            inner.permits -= 1;
            if inner.receivers_gone {
                after.drop_values([value]);
            } else {
                inner.handed.push_back(value);
                let index = inner.receivers.front(COMMITTED);
                if index != NIL {
                    inner.wake_receiver(index, after);
                } else {
                    inner.pass_on(after);
                }
            }
            inner.after_permit(after);
        });
    }

    /// A permit given back unused.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn release_reserved(self) {
        self.locked(|inner, after| inner.release(after));
    }

    /// Closes; `true` if this call did. Blocked sends get their values
    /// back, a reserve granted but not yet returned gets `Err` (its permit
    /// ends), every receiver re-checks.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn close(self) -> bool {
        self.locked(|inner, after| {
            if inner.closed {
                return false;
            }
            inner.closed = true;
            for index in 0..inner.senders.end() {
                let Some(entry) = inner.senders.try_get_mut(index) else {
                    continue;
                };
                let granted = match &mut entry.state {
                    Sending::Waiting(value) => {
                        entry.state = Sending::Closed(value.take());
                        after.wake(entry.waker.take());
                        false
                    }
                    // Granted, not yet returned: it returns `Err`.
                    Sending::Done if entry.reserve => {
                        entry.state = Sending::Closed(None);
                        true
                    }
                    _ => continue,
                };
                inner.senders.unlink(index);
                if granted {
                    inner.permits -= 1;
                    let committed = inner.receivers.front(COMMITTED);
                    if committed != NIL {
                        inner.receivers.relink(committed, FREE);
                    }
                }
            }
            inner.wake_every_receiver(after);
            after.drained = true;
            true
        })
    }

    /// The last receiver is gone: handed values are dropped, and from now
    /// on permits' values too.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn drop_handed(self) {
        self.locked(|inner, after| {
            inner.receivers_gone = true;
            after.drop_values(inner.handed.drain(..));
            after.drained = true;
        });
    }

    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn is_closed(self) -> bool {
        self.ex.inner.lock().closed
    }

    /// Open; or closed with a handed value or a permit left (and a
    /// receiver to take it); or closed for good.
    // Out of line and cold: the buffered fast path branches around it.
    #[cold]
    #[inline(never)]
    pub(crate) fn state(self, receivers: usize) -> ChannelState {
        let inner = self.ex.inner.lock();
        if !inner.closed {
            ChannelState::Open
        } else if receivers == 0 || inner.handed.is_empty() && inner.permits == 0 {
            ChannelState::Closed
        } else {
            ChannelState::Closing
        }
    }
}

impl<T> Inner<T> {
    /// One receive under the lock: finished, or waiting in line to be
    /// woken through `waker`; or, with only the poll's waker borrowed, in
    /// need of a clone to wait with (nothing changed then).
    fn receive<R>(
        &mut self,
        key: &mut Option<usize>,
        waker: Waking<'_>,
        stream: bool,
        after: &mut After<T>,
        then: &mut Option<impl FnOnce(&mut Inner<T>, &mut After<T>, T) -> R>,
    ) -> Received<R> {
        // A receiver committed to a permit waits for that value (or any
        // handed one), not for a blocked send: polled again before the
        // permit sends, it leaves blocked sends to receives that are free.
        let committed = key.is_some_and(|index| self.receivers.list_of(index) == Some(COMMITTED));
        if let Some(value) = self.take_from(!committed, after) {
            after.discard(waker.cloned());
            if let Some(index) = key.take() {
                self.leave_receiver(index, false, after);
            }
            if self.closed {
                after.drained = true;
            }
            let then = then.take().expect("a receive finishes once");
            return Received::Done(Some(then(self, after, value)));
        }
        if self.closed && self.permits == 0 {
            after.discard(waker.cloned());
            if let Some(index) = key.take() {
                self.leave_receiver(index, false, after);
            }
            return Received::Done(None);
        }
        let waker = match waker {
            Waking::Cloned(waker) => waker,
            Waking::Borrowed(current) => {
                // Waits on with the waker it has, if that one wakes the
                // same task; otherwise it must come back with a clone.
                let kept = key.and_then(|index| {
                    self.receivers.list_of(index)?;
                    self.receivers.get_mut(index).waker.as_ref()
                });
                if kept.is_some_and(|kept| kept.will_wake(current)) {
                    return Received::Waiting;
                }
                return Received::NeedsWaker;
            }
        };
        match *key {
            Some(index) if self.receivers.list_of(index).is_some() => {
                refresh(&mut self.receivers.get_mut(index).waker, waker, after);
            }
            Some(index) => {
                // Handed a value that another receive took first: back in
                // line, in its place.
                self.receivers.get_mut(index).waker = Some(waker);
                self.receivers.link(index, FREE);
                self.receiver_arrived(index, after);
            }
            None => {
                let index = self.receivers.insert(ReceiverEntry {
                    waker: Some(waker),
                    stream,
                });
                self.receivers.link(index, FREE);
                *key = Some(index);
                self.receiver_arrived(index, after);
            }
        }
        Received::Waiting
    }

    /// A served or closed sender's entry is read and freed: `Ok` if its
    /// value was taken (or its permit granted), `Err` with a send's value
    /// if the channel closed first.
    fn leave_sender(
        &mut self,
        key: &mut Option<usize>,
        index: usize,
        after: &mut After<T>,
    ) -> Result<(), Option<T>> {
        *key = None;
        let entry = self.senders.remove(index);
        after.discard(entry.waker);
        match entry.state {
            Sending::Done => Ok(()),
            Sending::Closed(value) => Err(value),
            Sending::Waiting(_) => unreachable!("a waiting sender leaves by `withdraw`"),
        }
    }

    /// For `recv_many`: after its first value, takes what else is there
    /// now (handed values, then blocked sends' values), up to `limit` in
    /// all and at most [`BATCH`] sends completed.
    fn take_more(&mut self, buf: &mut Vec<T>, limit: usize, after: &mut After<T>) {
        let mut moved = 1;
        let mut sends = 0;
        while moved < limit {
            if self.handed.is_empty() && (self.closed || sends == BATCH) {
                return;
            }
            if self.handed.is_empty() {
                sends += 1;
            }
            match self.take(after) {
                Some(value) => buf.push(value),
                None => return,
            }
            moved += 1;
        }
    }
}

/// Keeps `waker` as the one to wake unless the current one wakes the same
/// task; the one not kept is dropped after the lock.
fn refresh<T>(current: &mut Option<Waker>, waker: Waker, after: &mut After<T>) {
    match current {
        Some(current) if current.will_wake(&waker) => after.discard(Some(waker)),
        _ => after.discard(current.replace(waker)),
    }
}
