//! Blocking bridges: drive the async operations from a plain thread.
//!
//! `send_blocking`, `recv_blocking`, the calls with a timeout or deadline
//! and the blocking iterators all come here ([`send`], [`recv`]). A call
//! goes through phases, each more expensive to enter and cheaper to stay
//! in than the one before:
//!
//! 1. **Try**: `try_send` / `try_recv`, before anything else is touched, so
//!    a call that need not wait costs what that call costs.
//! 2. **Back off on the operation**: retry it through a bounded
//!    [`Backoff`] (a few spins, then a few `yield_now`s), without
//!    registering. When the other side runs on another core, it frees a
//!    slot or publishes a message within this window, and the call
//!    completes without taking a lock or making a system call. (Skipped on
//!    a rendezvous channel, whose send completes only with a receiver
//!    already queued.)
//! 3. **Register and wait for the wake** ([`LocalParker::block_on`]): poll
//!    the very future async code uses, so the thread waits in the same FIFO
//!    queue as tasks and sync and async handles mix freely. Its waker is
//!    the thread's [`Parker`]. After `Pending`, the thread watches its
//!    parker's state through one more backoff, whose yields last as long
//!    as the thread's learned [`Patience`]: a wake that comes within it
//!    costs the waker one atomic swap and no `unpark`.
//! 4. **Park**, until the waker's `unpark` (or the deadline).
//!
//! Why spin and yield at all: a park is a futex sleep, and the wake that
//! ends it a futex wake by the other side: two system calls, two context
//! switches, and on a virtual machine whose vCPU went idle meanwhile, tens
//! of microseconds before the sleeper runs again. Round trips (one thread
//! waiting on another's answer) and a producer waiting at a full buffer for
//! the consumer's next receive wait far less than that. crossbeam-channel
//! and kanal spin and yield before parking for the same reason. The
//! backoff adapts to the machine ([`Backoff`]): no spins while they have
//! not been paying on this thread (the thread waited for shares our core,
//! and only a yield lets it run), no more yields once one took long (the
//! machine is oversubscribed, and a parked thread is woken sooner than a
//! yielding one gets its turn back), and before a park, yields for as long
//! as this thread's recent parks say a wake takes to come ([`Patience`]):
//! two threads that answer each other otherwise fall into a regime where
//! each parks because the other is slow to wake, and stay there.
//!
//! What it costs: a backoff that runs out has burnt its whole length in
//! CPU (a couple of microseconds of spinning and `sched_yield` calls for
//! the thread's patience: about a microsecond, up to 64 while its parks
//! are short), on top of the park it did not avoid. A thread whose waits
//! are long pays the short backoff (long parks bring the patience back
//! down), about the cost of the sleep and wake it tries to avoid; and a
//! yield hands the core to any other runnable thread. Nothing here spins
//! inside a future's `poll` or a `Drop`: only the calling thread, which
//! has nothing else to run, waits this way.
//!
//! A wake is never lost: the parker's state ([`Parker`]) records a
//! notification whether or not the thread sleeps yet, and the thread only
//! sleeps after announcing it in that state, so a waker that sees the
//! announcement unparks it and std's park token covers the window between
//! the announcement and the sleep. Nothing allocates per wait: the parker
//! and its waker are made once per thread, and a registration clones the
//! waker (a reference count).

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::error::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use crate::spin::{self, SpinHint};
use crate::sync::{self, thread_local, AtomicU8, Ordering};
use crate::{Receiver, Sender};

use backoff::{Backoff, Patience, MIN_PATIENCE};

mod backoff;

/// How long a blocking call may wait, as its caller gave it. A timeout
/// becomes a deadline only once the call finds it must wait: reading the
/// clock costs about as much as a send and a receive together (25 ns
/// here), which a call that completes at once need not pay.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    /// No limit: `send_blocking`, `recv_blocking`, the iterators.
    Never,
    /// Until this instant: `send_deadline`, `recv_deadline`.
    At(Instant),
    /// This long from the moment the call finds it must wait:
    /// `send_timeout`, `recv_timeout`. Too long for the clock means no
    /// limit.
    For(Duration),
}

impl Limit {
    /// The deadline, read from the clock now for a timeout.
    fn deadline(self) -> Option<Instant> {
        match self {
            Limit::Never => None,
            Limit::At(deadline) => Some(deadline),
            Limit::For(timeout) => Instant::now().checked_add(timeout),
        }
    }
}

/// The blocking send, within `limit`: tries `try_send`, and if the channel
/// is full, [`wait_to_send`].
#[inline]
pub(crate) fn send<T>(tx: &Sender<T>, value: T, limit: Limit) -> Result<(), SendTimeoutError<T>> {
    match tx.try_send(value) {
        Ok(()) => Ok(()),
        Err(TrySendError::Closed(message)) => Err(SendTimeoutError::Closed(message)),
        Err(TrySendError::Full(message)) => wait_to_send(tx, message, limit.deadline()),
    }
}

/// Backs off on `try_send`, then waits in the senders' queue.
///
/// A rendezvous channel (capacity 0) skips the backoff: its send completes
/// only with a receiver already waiting in the queue, so both sides backing
/// off would only delay their meeting.
#[inline(never)]
fn wait_to_send<T>(
    tx: &Sender<T>,
    mut value: T,
    deadline: Option<Instant>,
) -> Result<(), SendTimeoutError<T>> {
    with_parker(|local| {
        let mut backoff = local.backoff(tx.capacity() > 0, MIN_PATIENCE);
        while backoff.snooze(deadline) {
            match tx.try_send(value) {
                Ok(()) => {
                    backoff.succeeded();
                    return Ok(());
                }
                Err(TrySendError::Closed(message)) => {
                    return Err(SendTimeoutError::Closed(message))
                }
                Err(TrySendError::Full(message)) => value = message,
            }
        }
        match deadline {
            Some(deadline) => local.block_on(
                tx.send_until(value, Elapsed(deadline)),
                Some(deadline),
                tx.capacity(),
            ),
            None => local
                .block_on(tx.send(value), None, tx.capacity())
                .map_err(SendTimeoutError::from),
        }
    })
}

/// The blocking receive, within `limit`: tries `try_recv`, and if the
/// channel is empty, [`wait_to_recv`]. `Closed` once the channel is closed
/// and drained.
#[inline]
pub(crate) fn recv<T>(rx: &Receiver<T>, limit: Limit) -> Result<T, RecvTimeoutError> {
    match rx.try_recv() {
        Ok(message) => Ok(message),
        Err(TryRecvError::Closed) => Err(RecvTimeoutError::Closed),
        Err(TryRecvError::Empty) => wait_to_recv(rx, limit.deadline()),
    }
}

/// Backs off on `try_recv`, then waits in the receivers' queue. A
/// rendezvous channel skips the backoff, as in [`wait_to_send`].
#[inline(never)]
fn wait_to_recv<T>(rx: &Receiver<T>, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
    with_parker(|local| {
        let mut backoff = local.backoff(rx.capacity() > 0, MIN_PATIENCE);
        while backoff.snooze(deadline) {
            match rx.try_recv() {
                Ok(message) => {
                    backoff.succeeded();
                    return Ok(message);
                }
                Err(TryRecvError::Closed) => return Err(RecvTimeoutError::Closed),
                Err(TryRecvError::Empty) => {}
            }
        }
        match deadline {
            Some(deadline) => local.block_on(
                rx.recv_until(Elapsed(deadline)),
                Some(deadline),
                rx.capacity(),
            ),
            None => local
                .block_on(rx.recv(), None, rx.capacity())
                .ok_or(RecvTimeoutError::Closed),
        }
    })
}

/// [`Parker::state`]: no wake since the thread last looked.
const EMPTY: u8 = 0;
/// [`Parker::state`]: woken since the thread last looked.
const NOTIFIED: u8 = 1;
/// [`Parker::state`]: the thread is parked, or about to, and must be
/// unparked by the next wake.
const PARKED: u8 = 2;

/// A thread's waiting state, and its waker: a wake sets the state to
/// [`NOTIFIED`] and unparks the thread only if it announced that it parks.
///
/// The thread's side: [`Parker::forget`] before the first poll of a call,
/// [`Parker::wait`] after each `Pending`, which watches the state through a
/// [`Backoff`], then swaps [`EMPTY`] for [`PARKED`] and parks until the
/// state says [`NOTIFIED`] (or the deadline passes), and consumes the
/// notification. Why no wake is lost: the waker's swap to `NOTIFIED`
/// either comes before the thread's compare-and-swap to `PARKED` (which
/// then fails: the thread does not park) or after it (the waker reads
/// `PARKED` and unparks; std's park token makes an unpark that comes before
/// the `park` call end it at once). Loom model
/// `blocking_round_trips_lose_no_wake` in `tests/loom.rs`.
#[derive(Debug)]
struct Parker {
    /// [`EMPTY`], [`NOTIFIED`] or [`PARKED`]. Only the owning thread moves
    /// it to `PARKED` (from `EMPTY`) or away from `NOTIFIED`; wakes move it
    /// to `NOTIFIED` (as does the owner's [`Parker::leave_token`], while it
    /// does not park).
    state: AtomicU8,
    thread: sync::Thread,
}

impl Parker {
    fn new() -> Self {
        Self {
            state: AtomicU8::new(EMPTY),
            thread: sync::current_thread(),
        }
    }

    /// Drops a wake left over from an earlier call. Relaxed: the caller
    /// registers its waker only after this write, and a wake for that
    /// registration comes from a thread that took the registration out of
    /// the queue under the queue's lock, so this write happens before that
    /// wake's swap and cannot overwrite it.
    ///
    /// A swap, as in [`Parker::leave_token`]: every write to the state is a
    /// read-modify-write. A plain store would do under the memory model,
    /// but loom 0.7 can order a plain store between the read and the write
    /// of another thread's read-modify-write (tokio-rs/loom#254), and then
    /// reported a deadlock in `blocking_round_trips_lose_no_wake` that no
    /// execution has. A read-modify-write also keeps a waker's `Release`
    /// swap's release sequence going, so the `Acquire` swap in
    /// [`Parker::consume`] synchronizes with that waker whichever of the
    /// two values it reads. Both run only when a blocking call waits.
    fn forget(&self) {
        self.state.swap(EMPTY, Ordering::Relaxed);
    }

    /// Makes the next [`Parker::wait`] on this thread return at once. A
    /// swap, as [`Parker::forget`] says.
    fn leave_token(&self) {
        self.state.swap(NOTIFIED, Ordering::Relaxed);
    }

    /// Waits until a wake arrives (consuming it) or `deadline` passes:
    /// watches the state through `backoff`, then parks. The wake may be a
    /// stale one, for an earlier poll: the caller polls again either way.
    /// Returns how long the thread was parked if it parked and a wake
    /// ended the sleep (what [`Patience`] learns from).
    fn wait(&self, mut backoff: Backoff<'_>, deadline: Option<Instant>) -> Option<Duration> {
        loop {
            // Relaxed: only a hint; `consume` acquires.
            if self.state.load(Ordering::Relaxed) == NOTIFIED {
                backoff.succeeded();
                self.consume();
                return None;
            }
            if !backoff.snooze(deadline) {
                break;
            }
        }
        // On failure the state is NOTIFIED (only this thread parks).
        // Relaxed: `consume` acquires.
        if self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            self.consume();
            return None;
        }
        let parked = Instant::now();
        loop {
            match deadline {
                None => sync::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        // Withdraw the announcement, or take the wake that
                        // just came.
                        self.consume();
                        return None;
                    }
                    sync::park_timeout(deadline - now);
                }
            }
            // Relaxed: only a hint, as above. Anything else than NOTIFIED
            // is a spurious return from `park`.
            if self.state.load(Ordering::Relaxed) == NOTIFIED {
                self.consume();
                return Some(parked.elapsed());
            }
        }
    }

    /// Takes a wake the state shows (or withdraws a `PARKED`): back to
    /// `EMPTY`. A swap, so that it reads the latest wake. Acquire: pairs
    /// with the Release swap of that wake (whose release sequence holds the
    /// wakes before it), so the next poll sees what the wakers' threads did
    /// before waking.
    fn consume(&self) {
        self.state.swap(EMPTY, Ordering::Acquire);
    }

    /// The waker's side: records the wake, and unparks the thread if it
    /// parks. Release: pairs with the Acquire swap in [`Parker::consume`].
    fn notify(&self) {
        if self.state.swap(NOTIFIED, Ordering::Release) == PARKED {
            self.thread.unpark();
        }
    }
}

impl Wake for Parker {
    fn wake(self: std::sync::Arc<Self>) {
        self.notify();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.notify();
    }
}

/// A thread's [`Parker`], the waker made from it, whether spinning pays on
/// this thread and how long it yields before it parks: made once per
/// thread.
struct LocalParker {
    parker: std::sync::Arc<Parker>,
    waker: Waker,
    spin: SpinHint,
    patience: Patience,
}

impl LocalParker {
    fn new() -> Self {
        let parker = std::sync::Arc::new(Parker::new());
        let waker = Waker::from(parker.clone());
        Self {
            parker,
            waker,
            spin: SpinHint::new(),
            patience: Patience::new(),
        }
    }

    /// A backoff on this thread's spin hint that yields for `yield_for`.
    fn backoff(&self, enabled: bool, yield_for: Duration) -> Backoff<'_> {
        Backoff::new(&self.spin, enabled, yield_for)
    }

    /// Polls `future` to completion, waiting for its wakes between polls,
    /// and no longer than until `deadline` if there is one. `capacity` is
    /// the channel's: whether the waits learn [`Patience`]
    /// ([`spin::threads_learn_patience`]).
    ///
    /// For futures that complete by themselves once `deadline` has passed
    /// (an operation raced against an [`Elapsed`] of the same instant):
    /// this loop is the timer that wakes them, it never gives up on its own.
    fn block_on<F: Future>(
        &self,
        future: F,
        deadline: Option<Instant>,
        capacity: usize,
    ) -> F::Output {
        let patient = spin::threads_learn_patience(capacity);
        let mut future = pin!(future);
        let parker = &*self.parker;
        // No registration of `future` exists yet, so no wake for it can be
        // pending: an earlier call's wake would only cost a needless poll.
        parker.forget();
        let mut cx = Context::from_waker(&self.waker);
        let output = loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                break output;
            }
            let yield_for = if patient {
                self.patience.get()
            } else {
                MIN_PATIENCE
            };
            let slept = parker.wait(self.backoff(true, yield_for), deadline);
            if let (true, Some(slept)) = (patient, slept) {
                self.patience.learn(slept);
            }
        };
        // If this call ran inside another one's poll on this thread (a
        // waker or a value's drop that blocks), `forget` above may have
        // consumed a wake meant for the outer call: leave one for it. An
        // outer call does not exist in practice; the next call forgets it.
        parker.leave_token();
        output
    }
}

thread_local! {
    static THREAD_PARKER: LocalParker = LocalParker::new();
}

/// Runs `f` with this thread's [`LocalParker`]; in a thread-local's
/// destructor that runs after it was destroyed, with a new one (a blocking
/// call there allocates, but works).
fn with_parker<R>(f: impl FnOnce(&LocalParker) -> R) -> R {
    let mut f = Some(f);
    let mut call = |local: &LocalParker| f.take().expect("called once")(local);
    match THREAD_PARKER.try_with(|local| call(local)) {
        Ok(output) => output,
        Err(_) => call(&LocalParker::new()),
    }
}

/// A deadline future for the blocking calls with a deadline: ready once the clock has
/// reached the instant, never before. It registers no waker: the parked
/// thread's timeout is its timer.
#[derive(Debug)]
pub(crate) struct Elapsed(pub(crate) Instant);

impl Future for Elapsed {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Panics if this thread runs a tokio runtime's async code, where a blocking
/// call would stall the runtime (and deadlock it if what the call waits for
/// must come from a task on the same thread). `method` is the blocking call,
/// `instead` the async code to use.
///
/// A thread that merely has a runtime entered (a `spawn_blocking` closure, a
/// `Runtime::enter` guard) may block, so a runtime handle alone is not the
/// test: tokio's own blocking calls refuse exactly the threads that must not
/// block, and one of them, on a channel that is already closed, answers the
/// question (its panic message is printed before ours).
#[cfg(all(feature = "tokio", debug_assertions))]
pub(crate) fn check_may_block(method: &str, instead: &str) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let (probe, rx) = tokio::sync::oneshot::channel::<()>();
    drop(probe);
    // Unwind safety: the probe is dropped by the unwind, never seen again.
    let ask = std::panic::AssertUnwindSafe(move || rx.blocking_recv().is_err());
    let may_block = std::panic::catch_unwind(ask).is_ok();
    assert!(
        may_block,
        "{method} called from inside a tokio runtime: use `{instead}`"
    );
}

/// Without the `tokio` feature, or in release builds: no check.
#[cfg(not(all(feature = "tokio", debug_assertions)))]
#[inline(always)]
pub(crate) fn check_may_block(_method: &str, _instead: &str) {}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;

    fn state(parker: &Parker) -> u8 {
        parker.state.load(Ordering::SeqCst)
    }

    #[test]
    fn a_wake_before_the_wait_is_kept_and_taken_once() {
        let parker = Parker::new();
        let hint = SpinHint::new();
        parker.notify();
        assert_eq!(state(&parker), NOTIFIED);
        parker.wait(Backoff::new(&hint, true, MIN_PATIENCE), None); // returns at once
        assert_eq!(state(&parker), EMPTY);
        // The wake was taken: the next wait lasts until its deadline.
        let deadline = Instant::now() + Duration::from_millis(2);
        parker.wait(Backoff::new(&hint, true, MIN_PATIENCE), Some(deadline));
        assert!(Instant::now() >= deadline, "woken early");
        assert_eq!(state(&parker), EMPTY);
    }

    #[test]
    fn a_parked_thread_is_unparked_by_a_wake() {
        let parker = Arc::new(Parker::new());
        let hint = SpinHint::new();
        let waker = {
            let parker = parker.clone();
            thread::spawn(move || {
                // Wake only once the owner announced that it parks.
                while parker.state.load(Ordering::SeqCst) != PARKED {
                    thread::yield_now();
                }
                Waker::from(parker).wake();
            })
        };
        // No backoff: straight to the announcement and the park.
        parker.wait(Backoff::new(&hint, false, MIN_PATIENCE), None);
        assert_eq!(state(&parker), EMPTY);
        waker.join().unwrap();
    }

    #[test]
    fn a_timed_out_wait_withdraws_its_announcement() {
        let parker = Parker::new();
        let hint = SpinHint::new();
        let deadline = Instant::now() + Duration::from_millis(2);
        parker.wait(Backoff::new(&hint, false, MIN_PATIENCE), Some(deadline));
        assert!(Instant::now() >= deadline, "woken early");
        // Not PARKED: a later wake must not think it has to unpark.
        assert_eq!(state(&parker), EMPTY);
        parker.notify();
        assert_eq!(state(&parker), NOTIFIED);
    }

    #[test]
    fn forget_drops_a_stale_wake_and_leave_token_makes_one() {
        let parker = Parker::new();
        let hint = SpinHint::new();
        parker.notify();
        parker.forget();
        assert_eq!(state(&parker), EMPTY);
        parker.leave_token();
        parker.wait(Backoff::new(&hint, false, MIN_PATIENCE), None); // returns at once
        assert_eq!(state(&parker), EMPTY);
    }

    #[test]
    fn many_wakes_while_parked_leave_one_notification() {
        let parker = Arc::new(Parker::new());
        let hint = SpinHint::new();
        let wakers: Vec<_> = (0..4)
            .map(|_| {
                let parker = parker.clone();
                thread::spawn(move || Waker::from(parker).wake_by_ref())
            })
            .collect();
        for waker in wakers {
            waker.join().unwrap();
        }
        parker.wait(Backoff::new(&hint, false, MIN_PATIENCE), None);
        assert_eq!(state(&parker), EMPTY);
    }

    /// A wake racing the owner's announcement and park, round after round,
    /// at random offsets: if one is lost, the owner's wait runs into its
    /// deadline.
    #[test]
    fn wakes_racing_the_park_are_never_lost() {
        let rounds = if cfg!(miri) { 20 } else { 100_000 };
        let parker = Arc::new(Parker::new());
        let hint = SpinHint::new();
        let round = Arc::new(std::sync::atomic::AtomicU64::new(u64::MAX));
        let notifier = {
            let (parker, round) = (parker.clone(), round.clone());
            thread::spawn(move || {
                let mut seed = 0x2545_F491_4F6C_DD1Du64;
                for i in 0..rounds {
                    while round.load(Ordering::Acquire) != i {
                        std::hint::spin_loop();
                    }
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    for _ in 0..seed % 16 {
                        std::hint::spin_loop();
                    }
                    parker.notify();
                }
            })
        };
        for i in 0..rounds {
            round.store(i, Ordering::Release);
            let deadline = Instant::now() + Duration::from_secs(10);
            parker.wait(Backoff::new(&hint, false, MIN_PATIENCE), Some(deadline));
            assert!(
                Instant::now() < deadline,
                "round {i}: slept through its wake"
            );
        }
        notifier.join().unwrap();
    }

    /// A blocking call that must wait, made from a thread-local's
    /// destructor that runs after the thread's parker was destroyed.
    #[test]
    fn a_blocking_call_in_a_late_thread_local_destructor_waits() {
        struct RecvOnDrop(Option<crate::Receiver<u8>>);
        impl Drop for RecvOnDrop {
            fn drop(&mut self) {
                if let Some(rx) = self.0.take() {
                    assert_eq!(rx.recv_blocking(), Some(7));
                }
            }
        }
        thread_local! {
            static GUARD: std::cell::RefCell<RecvOnDrop> =
                const { std::cell::RefCell::new(RecvOnDrop(None)) };
        }
        let (tx, rx) = crate::channel(1);
        let consumer = {
            let rx = rx.clone();
            thread::spawn(move || {
                // Registered first, so destroyed after the parker, which
                // the wait below makes (destructors run in reverse order
                // of registration).
                GUARD.with(|guard| guard.borrow_mut().0 = Some(rx.clone()));
                assert_eq!(rx.recv_blocking(), Some(1));
            })
        };
        let pause = Duration::from_millis(if cfg!(miri) { 1 } else { 10 });
        thread::sleep(pause);
        tx.send_blocking(1).unwrap();
        thread::sleep(2 * pause);
        tx.send_blocking(7).unwrap();
        consumer.join().unwrap();
        assert!(
            rx.try_recv().unwrap_err().is_empty(),
            "the destructor took 7"
        );
    }
}
