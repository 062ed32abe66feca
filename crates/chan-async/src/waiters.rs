//! FIFO queues of waiting tasks (and blocked threads), one per direction.
//!
//! A waiter owns exactly one entry of a [`WaitQueue`] while it waits,
//! identified by a [`WaitKey`]. The entries live in a slab (a `Vec` with a
//! free list) linked into a FIFO list by index, so a wait allocates nothing
//! once the slab has grown to the largest number of simultaneous waiters, and
//! no `unsafe` is needed: keys stay valid because only their owner frees them.
//!
//! The three rules that a naive `Mutex<VecDeque<Waker>>` breaks:
//!
//! 1. **One entry per waiter.** [`WaitQueue::register`] on a key that is
//!    still queued refreshes its waker in place (when `will_wake` says it
//!    changed) instead of queueing a second one.
//! 2. **A wake is never swallowed.** [`WaitQueue::notify`] moves the oldest
//!    entry to `Notified`; if its owner is dropped before using the wake,
//!    [`WaitQueue::cancel`] passes the wake on to the next waiter.
//! 3. **Register, then re-check.** `register` ends with a `SeqCst` fence, and
//!    so must every operation that makes progress before it calls `notify`
//!    (see [`crate::chan`]): whichever fence comes first in the single total
//!    order of `SeqCst` fences, the other side sees its partner's write. Either
//!    the re-check after registering sees the progress, or the notifier sees
//!    the registration. That is why `notify` may skip the lock when
//!    [`WaitQueue::waiting`] reads 0.
//!
//! Wakers are woken, and replaced wakers dropped, only after the lock is
//! released: a waker may run arbitrary code, re-enter the channel, or panic.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll, Waker};

use crate::sync::{fence, AtomicUsize, Mutex, Ordering};

/// A waiter's entry in a [`WaitQueue`], if it has one. Owned by the waiting
/// future (or thread); must be given back with [`WaitQueue::complete`] or
/// [`WaitQueue::cancel`].
#[derive(Debug, Default)]
pub(crate) struct WaitKey(Option<usize>);

/// A FIFO queue of waiters behind a mutex, with a lock-free "anyone waiting?"
/// check.
#[derive(Debug)]
pub(crate) struct WaitQueue {
    /// The number of entries in state `Waiting`. Written only under `list`'s
    /// lock; read without it (`Relaxed`) by `notify` after the caller's
    /// `SeqCst` fence, as the module documentation argues.
    waiting: AtomicUsize,
    list: Mutex<WaitList>,
}

/// Sentinel index: no entry.
const NIL: usize = usize::MAX;

/// Retries of an operation, with growing CPU pause hints between them,
/// before a waiter registers (`WaitQueue::poll`). None under loom, whose
/// models explore registration, not spinning.
const SPIN_ROUNDS: u32 = if cfg!(chan_loom) { 0 } else { 5 };

/// Wakers taken per lock acquisition by a multi-wake, then woken unlocked.
const WAKE_BATCH: usize = 32;

/// The slab of entries and the FIFO list threaded through it.
///
/// # Invariants
///
/// - `head`..`tail` links, through `prev`/`next`, exactly the entries in state
///   `Waiting`, oldest first; `len` counts them.
/// - `free` links, through `next`, exactly the entries in state `Free`.
/// - A `Waiting` entry has a waker; `Notified` and `Free` entries have none.
#[derive(Debug)]
struct WaitList {
    entries: Vec<Entry>,
    head: usize,
    tail: usize,
    len: usize,
    free: usize,
}

#[derive(Debug)]
struct Entry {
    state: State,
    waker: Option<Waker>,
    prev: usize,
    next: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not owned by any waiter; on the free list.
    Free,
    /// Queued, waiting for a notification.
    Waiting,
    /// Taken off the queue and woken; its owner has not yet looked.
    Notified,
}

impl WaitQueue {
    pub(crate) fn new() -> Self {
        Self {
            waiting: AtomicUsize::new(0),
            list: Mutex::new(WaitList {
                entries: Vec::new(),
                head: NIL,
                tail: NIL,
                len: 0,
                free: NIL,
            }),
        }
    }

    /// The number of queued waiters, read without the lock. Meaningful for a
    /// skip-the-lock decision only after a `SeqCst` fence (module docs).
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Queues the owner of `key` to be woken through `waker`, then fences.
    ///
    /// A first call queues a new entry at the back. A later call while still
    /// queued only refreshes the waker (so the newest one is woken). A call
    /// after a notification the owner could not use (another thread took the
    /// message or slot first) queues it again at the front: it is still the
    /// oldest waiter.
    ///
    /// The caller must re-check its condition after this returns, before it
    /// goes to sleep.
    pub(crate) fn register(&self, key: &mut WaitKey, waker: &Waker) {
        let replaced = {
            let mut list = self.list.lock();
            let replaced = match key.0 {
                None => {
                    key.0 = Some(list.push_back(waker.clone()));
                    None
                }
                Some(index) => match list.entries[index].state {
                    State::Waiting => {
                        let entry = &mut list.entries[index];
                        match &entry.waker {
                            Some(current) if current.will_wake(waker) => None,
                            _ => entry.waker.replace(waker.clone()),
                        }
                    }
                    State::Notified => {
                        list.push_front(index, waker.clone());
                        None
                    }
                    State::Free => unreachable!("a wait key outlived its entry"),
                },
            };
            self.waiting.store(list.len, Ordering::Relaxed);
            replaced
        };
        drop(replaced);
        // SeqCst: the registration half of the handshake. Pairs with the
        // fence in `Chan::after_push` / `after_pop` / `close` that precedes
        // their `waiting()` read: one of the two sides sees the other.
        fence(Ordering::SeqCst);
    }

    /// The one waiting loop of every future in the crate: try, and if that
    /// did not finish, register, then try again before returning `Pending`.
    ///
    /// `attempt` returns `Some` when the operation finished (successfully or
    /// because the channel closed) and `None` when it must wait. On `Some`,
    /// the entry is freed and a notification it held counts as used.
    pub(crate) fn poll<R>(
        &self,
        key: &mut WaitKey,
        cx: &mut Context<'_>,
        mut attempt: impl FnMut() -> Option<R>,
    ) -> Poll<R> {
        // Try, then spin briefly before paying for a registration and a
        // wake-up: the other side, running on another core, often frees a
        // slot or publishes a message within a few hundred nanoseconds.
        // Bounded: at most `SPIN_ROUNDS` retries and 2^SPIN_ROUNDS - 1 CPU
        // pause hints in all, well under a microsecond. Never a yield loop.
        for round in 0..=SPIN_ROUNDS {
            if let Some(done) = attempt() {
                self.complete(key);
                return Poll::Ready(done);
            }
            if round < SPIN_ROUNDS {
                for _ in 0..1u32 << round {
                    core::hint::spin_loop();
                }
            }
        }
        self.register(key, cx.waker());
        match attempt() {
            Some(done) => {
                self.complete(key);
                Poll::Ready(done)
            }
            None => Poll::Pending,
        }
    }

    /// The owner of `key` got what it waited for (or gave up because the
    /// channel closed): frees the entry. A notification it received counts
    /// as used. Takes no lock when the owner never registered.
    pub(crate) fn complete(&self, key: &mut WaitKey) {
        if let Some(index) = key.0.take() {
            let waker = {
                let mut list = self.list.lock();
                let (_, waker) = list.remove(index);
                self.waiting.store(list.len, Ordering::Relaxed);
                waker
            };
            drop(waker);
        }
    }

    /// The owner of `key` stops waiting without using what it waited for
    /// (its future was dropped): frees the entry and, if it had already been
    /// notified, wakes the next waiter in its place so the wake is not lost.
    pub(crate) fn cancel(&self, key: &mut WaitKey) {
        if let Some(index) = key.0.take() {
            let (own, forwarded) = {
                let mut list = self.list.lock();
                let (notified, own) = list.remove(index);
                let forwarded = if notified { list.pop_front() } else { None };
                self.waiting.store(list.len, Ordering::Relaxed);
                (own, forwarded)
            };
            drop(own);
            if let Some(waker) = forwarded {
                waker.wake();
            }
        }
    }

    /// Wakes up to `count` waiters, oldest first.
    ///
    /// The caller must have made its progress visible and issued a `SeqCst`
    /// fence before calling; then a zero [`waiting`](Self::waiting) proves
    /// nobody can be asleep on that progress, and no lock is taken.
    ///
    /// # Panics
    ///
    /// If a waker panics: the other waiters are still woken first, then the
    /// first panic resumes.
    pub(crate) fn notify(&self, count: usize) {
        if count == 0 || self.waiting() == 0 {
            return;
        }
        if let Err(panic) = self.wake_locked(count) {
            std::panic::resume_unwind(panic);
        }
    }

    /// Wakes every waiter. Always takes the lock, so a waiter that registers
    /// after this returns sees whatever the caller did before calling.
    ///
    /// Every waiter is woken even if some wakers panic; the first panic is
    /// returned for the caller to resume once its own work is done.
    pub(crate) fn notify_all(&self) -> Result<(), WakerPanic> {
        self.wake_locked(usize::MAX)
    }

    fn wake_locked(&self, mut count: usize) -> Result<(), WakerPanic> {
        let mut first_panic = Ok(());
        while count > 0 {
            let mut batch: [Option<Waker>; WAKE_BATCH] = Default::default();
            let mut taken = 0;
            let more = {
                let mut list = self.list.lock();
                while taken < WAKE_BATCH && count > 0 {
                    let Some(waker) = list.pop_front() else { break };
                    batch[taken] = Some(waker);
                    taken += 1;
                    count -= 1;
                }
                self.waiting.store(list.len, Ordering::Relaxed);
                list.len > 0
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
                break;
            }
        }
        first_panic
    }
}

/// The payload of a waker's panic, held until every waiter has been woken.
pub(crate) type WakerPanic = Box<dyn Any + core::marker::Send>;

/// A [`WaitKey`] tied to its queue, as the futures hold it: dropping it
/// before completion cancels the wait (forwarding an unused wake).
#[derive(Debug)]
pub(crate) struct Waiter<'a> {
    queue: &'a WaitQueue,
    key: WaitKey,
}

impl<'a> Waiter<'a> {
    pub(crate) fn new(queue: &'a WaitQueue) -> Self {
        Self {
            queue,
            key: WaitKey::default(),
        }
    }

    /// [`WaitQueue::poll`] with this waiter's entry.
    pub(crate) fn poll<R>(
        &mut self,
        cx: &mut Context<'_>,
        attempt: impl FnMut() -> Option<R>,
    ) -> Poll<R> {
        self.queue.poll(&mut self.key, cx, attempt)
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.queue.cancel(&mut self.key);
    }
}

impl WaitList {
    /// Queues a new entry at the back and returns its index.
    fn push_back(&mut self, waker: Waker) -> usize {
        let index = if self.free == NIL {
            self.entries.push(Entry {
                state: State::Free,
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
        let entry = &mut self.entries[index];
        entry.state = State::Waiting;
        entry.waker = Some(waker);
        entry.prev = self.tail;
        entry.next = NIL;
        match self.tail {
            NIL => self.head = index,
            tail => self.entries[tail].next = index,
        }
        self.tail = index;
        self.len += 1;
        index
    }

    /// Queues the `Notified` entry `index` again, at the front.
    fn push_front(&mut self, index: usize, waker: Waker) {
        let entry = &mut self.entries[index];
        debug_assert_eq!(entry.state, State::Notified);
        entry.state = State::Waiting;
        entry.waker = Some(waker);
        entry.prev = NIL;
        entry.next = self.head;
        match self.head {
            NIL => self.tail = index,
            head => self.entries[head].prev = index,
        }
        self.head = index;
        self.len += 1;
    }

    /// Takes the oldest waiting entry off the queue, marks it `Notified` and
    /// returns its waker.
    fn pop_front(&mut self) -> Option<Waker> {
        let index = self.head;
        if index == NIL {
            return None;
        }
        self.unlink(index);
        let entry = &mut self.entries[index];
        entry.state = State::Notified;
        entry.waker.take()
    }

    /// Frees entry `index`; returns whether it had been notified, and its
    /// waker (to drop outside the lock).
    fn remove(&mut self, index: usize) -> (bool, Option<Waker>) {
        let state = self.entries[index].state;
        if state == State::Waiting {
            self.unlink(index);
        }
        let entry = &mut self.entries[index];
        entry.state = State::Free;
        entry.next = self.free;
        self.free = index;
        (state == State::Notified, entry.waker.take())
    }

    /// Unlinks the `Waiting` entry `index` from the FIFO list.
    fn unlink(&mut self, index: usize) {
        let (prev, next) = {
            let entry = &self.entries[index];
            debug_assert_eq!(entry.state, State::Waiting);
            (entry.prev, entry.next)
        };
        match prev {
            NIL => self.head = next,
            prev => self.entries[prev].next = next,
        }
        match next {
            NIL => self.tail = prev,
            next => self.entries[next].prev = prev,
        }
        self.len -= 1;
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;
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

    #[test]
    fn re_registering_refreshes_instead_of_queueing_twice() {
        let queue = WaitQueue::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let mut key = WaitKey::default();
        queue.register(&mut key, &first_waker);
        queue.register(&mut key, &first_waker);
        queue.register(&mut key, &second_waker);
        assert_eq!(queue.waiting(), 1);
        queue.notify(1);
        assert_eq!(
            (wakes(&first), wakes(&second)),
            (0, 1),
            "newest waker woken"
        );
        assert_eq!(queue.waiting(), 0);
        queue.complete(&mut key);
    }

    #[test]
    fn notify_is_fifo() {
        let queue = WaitQueue::new();
        let counters: Vec<_> = (0..3).map(|_| counter()).collect();
        let mut keys: Vec<WaitKey> = (0..3).map(|_| WaitKey::default()).collect();
        for (key, (_, waker)) in keys.iter_mut().zip(&counters) {
            queue.register(key, waker);
        }
        queue.notify(1);
        let woken: Vec<usize> = counters.iter().map(|(c, _)| wakes(c)).collect();
        assert_eq!(woken, [1, 0, 0]);
        queue.notify(2);
        let woken: Vec<usize> = counters.iter().map(|(c, _)| wakes(c)).collect();
        assert_eq!(woken, [1, 1, 1]);
        for key in &mut keys {
            queue.complete(key);
        }
    }

    #[test]
    fn cancelled_after_notify_forwards_the_wake() {
        let queue = WaitQueue::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
        queue.register(&mut a, &first_waker);
        queue.register(&mut b, &second_waker);
        queue.notify(1);
        assert_eq!(wakes(&first), 1);
        queue.cancel(&mut a);
        assert_eq!(wakes(&second), 1, "the unused wake passed on");
        queue.complete(&mut b);
    }

    #[test]
    fn cancelled_before_notify_forwards_nothing() {
        let queue = WaitQueue::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
        queue.register(&mut a, &first_waker);
        queue.register(&mut b, &second_waker);
        queue.cancel(&mut a);
        assert_eq!((wakes(&first), wakes(&second)), (0, 0));
        queue.notify(1);
        assert_eq!(wakes(&second), 1);
        queue.complete(&mut b);
    }

    #[test]
    fn notified_waiter_that_registers_again_goes_first() {
        let queue = WaitQueue::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
        queue.register(&mut a, &first_waker);
        queue.register(&mut b, &second_waker);
        queue.notify(1);
        queue.register(&mut a, &first_waker); // woken, found nothing
        queue.notify(1);
        assert_eq!((wakes(&first), wakes(&second)), (2, 0));
        queue.complete(&mut a);
        queue.complete(&mut b);
    }

    #[test]
    fn entries_are_reused() {
        let queue = WaitQueue::new();
        let (_, waker) = counter();
        for _ in 0..100 {
            let mut key = WaitKey::default();
            queue.register(&mut key, &waker);
            queue.complete(&mut key);
        }
        assert_eq!(queue.list.lock().entries.len(), 1);
    }

    #[test]
    fn notify_all_wakes_more_than_a_batch() {
        let queue = WaitQueue::new();
        let (count, waker) = counter();
        let mut keys: Vec<WaitKey> = (0..WAKE_BATCH * 2 + 3)
            .map(|_| WaitKey::default())
            .collect();
        for key in &mut keys {
            queue.register(key, &waker);
        }
        queue.notify_all().unwrap();
        assert_eq!(wakes(&count), keys.len());
        assert_eq!(queue.waiting(), 0);
        for key in &mut keys {
            queue.complete(key);
        }
    }
}
