#![cfg(not(chan_loom))]
//! Wake-ups in the narrow windows of the waiting protocol, forced
//! deterministically on one thread.
//!
//! A waiter's `register` clones its waker after the waiter's last failed
//! attempt and before its waiting flag goes up; its re-check may run a waker
//! of the other side (a pop that frees a slot wakes a sender, a push wakes a
//! receiver) before the waiter gives its entry back. The wakers here run
//! hooks at exactly those points: the code another thread could run there
//! (push, pop, a second waiter registering). Each test first checks that
//! the window really was forced, then that no waiter is left asleep while
//! what it waits for is there, and that a waker's `clone` may re-enter the
//! channel without deadlocking it.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::thread;
use std::time::Duration;

use chan_async::{channel, Receiver, SendError, Sender};
use futures_core::Stream;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Code a hook runs: what another thread does at that point.
type Hook = Box<dyn FnOnce() + Send>;

/// A waker that counts its wakes, and runs one hook on its first clone and
/// another on its first wake.
///
/// `std::task::Wake` cannot observe a clone (cloning its waker clones the
/// `Arc`), hence the hand-made vtable below.
#[derive(Default)]
struct Hooked {
    wakes: AtomicUsize,
    cloned: AtomicBool,
    on_clone: Mutex<Option<Hook>>,
    on_wake: Mutex<Option<Hook>>,
}

impl Hooked {
    fn new() -> Arc<Self> {
        Arc::default()
    }

    fn on_clone(&self, hook: impl FnOnce() + Send + 'static) {
        *self.on_clone.lock().unwrap() = Some(Box::new(hook));
    }

    fn on_wake(&self, hook: impl FnOnce() + Send + 'static) {
        *self.on_wake.lock().unwrap() = Some(Box::new(hook));
    }

    fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }

    /// Whether the waker was ever cloned: a waiter clones it to register.
    fn was_cloned(&self) -> bool {
        self.cloned.load(Ordering::SeqCst)
    }

    fn waker(self: &Arc<Self>) -> Waker {
        // SAFETY: `raw` hands the vtable a pointer from `Arc::into_raw`
        // that owns one count; every vtable function below keeps the
        // `RawWaker` contract for such a pointer, and `Hooked` is `Send`
        // and `Sync`, as a `Waker` may be used from any thread.
        unsafe { Waker::from_raw(raw(Arc::clone(self))) }
    }

    fn cloned(&self) {
        self.cloned.store(true, Ordering::SeqCst);
        // Taken before it runs, so the hook may clone this waker again.
        let hook = self.on_clone.lock().unwrap().take();
        if let Some(hook) = hook {
            hook();
        }
    }

    fn woken(&self) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        let hook = self.on_wake.lock().unwrap().take();
        if let Some(hook) = hook {
            hook();
        }
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

fn raw(hooked: Arc<Hooked>) -> RawWaker {
    RawWaker::new(Arc::into_raw(hooked).cast(), &VTABLE)
}

/// # Safety
///
/// `data` comes from [`raw`] and the waker it belongs to is alive.
unsafe fn clone_raw(data: *const ()) -> RawWaker {
    let data = data.cast::<Hooked>();
    // SAFETY: `data` is an `Arc<Hooked>` pointer whose count the live
    // waker owns, so the `Hooked` is alive and may take another count.
    let hooked = unsafe {
        Arc::increment_strong_count(data);
        Arc::from_raw(data)
    };
    hooked.cloned();
    raw(hooked)
}

/// # Safety
///
/// As [`clone_raw`]; the waker is consumed.
unsafe fn wake_raw(data: *const ()) {
    // SAFETY: the consumed waker owned this count; it is given back here.
    let hooked = unsafe { Arc::from_raw(data.cast::<Hooked>()) };
    hooked.woken();
}

/// # Safety
///
/// As [`clone_raw`].
unsafe fn wake_by_ref_raw(data: *const ()) {
    // SAFETY: the live waker owns a count, so the `Hooked` outlives this.
    let hooked = unsafe { &*data.cast::<Hooked>() };
    hooked.woken();
}

/// # Safety
///
/// As [`clone_raw`]; the waker is dropped.
unsafe fn drop_raw(data: *const ()) {
    // SAFETY: the dropped waker owned this count; it is given back here.
    drop(unsafe { Arc::from_raw(data.cast::<Hooked>()) });
}

/// A future a hook starts, as another thread would, and leaves pending
/// there; the test looks at it and polls it again later.
struct Parked<T>(Mutex<Option<Pin<Box<dyn Future<Output = T> + Send>>>>);

impl<T> Parked<T> {
    fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(None)))
    }

    /// Polls `future` once with `waker`, and keeps it if it is pending.
    fn start(&self, future: impl Future<Output = T> + Send + 'static, waker: &Waker) {
        let mut future = Box::pin(future);
        if future
            .as_mut()
            .poll(&mut Context::from_waker(waker))
            .is_pending()
        {
            *self.0.lock().unwrap() = Some(future);
        }
    }

    fn is_pending(&self) -> bool {
        self.0.lock().unwrap().is_some()
    }

    /// Polls the parked future again (it must be there).
    fn poll(&self, waker: &Waker) -> Poll<T> {
        let mut parked = self.0.lock().unwrap();
        let future = parked.as_mut().expect("a parked future");
        let polled = future.as_mut().poll(&mut Context::from_waker(waker));
        if polled.is_ready() {
            *parked = None;
        }
        polled
    }
}

/// Hooks outlive the test's stack frame (a waker is `'static`), and so must
/// the handles whose futures they start.
fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// Polls `future` once with `waker`.
fn poll<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

// ---------------------------------------------------------------------------
// A woken receiver that had already taken another message
// ---------------------------------------------------------------------------

/// The message pushed while R1 registers, unannounced: the flag is down.
const M_A: u32 = 1;
/// The message pushed once R1 and R2 both wait: its wake goes to R1.
const M_B: u32 = 2;

/// What [`receivers_window`] saw.
struct ReceiversWindow {
    /// What R1's poll took, if it finished.
    first: Poll<Vec<u32>>,
    first_hooks: Arc<Hooked>,
    /// S2, the sender that R1's re-check wakes; it stays queued.
    _sender: Arc<Parked<Result<(), SendError<u32>>>>,
    sender_hooks: Arc<Hooked>,
    second: Arc<Parked<Option<u32>>>,
    second_hooks: Arc<Hooked>,
    rx: Receiver<u32>,
}

/// Forces the receivers' window on a channel of capacity 1, with R1 polled
/// once by `poll_first`:
///
/// 1. R1 finds the channel empty and registers; its waker's clone, after
///    its last failed attempt and before its flag goes up, pushes M_a (the
///    flag is down: nobody is woken) and starts S2, a send that now waits
///    for room.
/// 2. R1's re-check takes M_a; that pop frees the slot S2 waits for and
///    wakes S2, before R1 gives its entry back. S2's wake runs:
/// 3. R2 registers behind R1, re-checks, finds nothing and waits;
/// 4. M_b is pushed: the push sees the flag and wakes the oldest entry,
///    R1's, although R1 has its message already; M_b filled the buffer,
///    so the push hands it out of the buffer to that woken entry
///    (`handed.rs`), where any receive takes it first.
/// 5. R1 finishes with M_a.
fn receivers_window(
    poll_first: impl FnOnce(&mut Receiver<u32>, &Waker) -> Poll<Vec<u32>>,
) -> ReceiversWindow {
    let (tx, mut rx) = channel::<u32>(1);
    let tx: &'static Sender<u32> = leak(tx);
    let other_rx = leak(rx.clone());

    let second = Parked::new();
    let second_hooks = Hooked::new();
    let sender_hooks = Hooked::new();
    {
        let second = Arc::clone(&second);
        let second_waker = second_hooks.waker();
        sender_hooks.on_wake(move || {
            second.start(other_rx.recv(), &second_waker);
            tx.try_send(M_B).expect("R1 took M_a, so M_b fits");
        });
    }
    let sender = Parked::new();
    let first_hooks = Hooked::new();
    {
        let sender = Arc::clone(&sender);
        let sender_waker = sender_hooks.waker();
        first_hooks.on_clone(move || {
            tx.try_send(M_A).expect("R1 found the channel empty");
            sender.start(tx.send(3), &sender_waker);
            assert!(sender.is_pending(), "S2 waits for room");
        });
    }
    let first = poll_first(&mut rx, &first_hooks.waker());
    ReceiversWindow {
        first,
        first_hooks,
        _sender: sender,
        sender_hooks,
        second,
        second_hooks,
        rx,
    }
}

impl ReceiversWindow {
    /// The assertions that show the window was forced.
    fn assert_forced(&self) {
        assert!(self.first_hooks.was_cloned(), "R1 registered");
        assert_eq!(
            self.first,
            Poll::Ready(vec![M_A]),
            "R1 took M_a in its re-check, and only M_a"
        );
        assert_eq!(self.sender_hooks.wakes(), 1, "R1's pop woke S2");
        assert!(
            self.second.is_pending(),
            "R2 registered behind R1 and found nothing"
        );
        assert_eq!(self.rx.len(), 0, "M_b was handed out of the full buffer");
    }

    /// The property: R2 was woken for M_b, and gets it.
    fn assert_second_woken(&self) {
        assert_eq!(
            self.second_hooks.wakes(),
            1,
            "lost wake-up: R2 sleeps while M_b is buffered (M_b's wake went to R1, \
             which had M_a already)"
        );
        let waker = self.second_hooks.waker();
        assert_eq!(self.second.poll(&waker), Poll::Ready(Some(M_B)));
    }
}

/// The interleaving of [`receivers_window`] with R1 a `Recv`: M_b's wake,
/// spent on R1, which already took M_a, must still reach R2, who waits
/// while M_b is buffered.
#[test]
fn a_wake_spent_on_a_recv_that_took_another_message_reaches_the_next_receiver() {
    let window = receivers_window(|rx, waker| {
        poll(pin!(rx.recv()), waker).map(|got| got.into_iter().collect())
    });
    window.assert_forced();
    window.assert_second_woken();
}

/// The interleaving of [`receivers_window`] with R1 a `RecvMany` (limit
/// 4), whose re-check moves M_a, the only message, and then wakes S2: R2
/// must be woken while M_b is buffered.
#[test]
fn a_wake_spent_on_a_recv_many_that_took_another_message_reaches_the_next_receiver() {
    let window = receivers_window(|rx, waker| {
        let mut buf = Vec::new();
        let polled = poll(pin!(rx.recv_many(&mut buf, 4)), waker);
        polled.map(|moved| {
            assert_eq!(moved, buf.len());
            buf
        })
    });
    window.assert_forced();
    window.assert_second_woken();
}

/// The interleaving of [`receivers_window`] with R1 a receiver polled as a
/// `Stream`, whose entry lives in the handle: R2 must be woken while M_b is
/// buffered.
#[test]
fn a_wake_spent_on_a_stream_that_took_another_message_reaches_the_next_receiver() {
    let window = receivers_window(|rx, waker| {
        Pin::new(rx)
            .poll_next(&mut Context::from_waker(waker))
            .map(|got| got.into_iter().collect())
    });
    window.assert_forced();
    window.assert_second_woken();
}

// ---------------------------------------------------------------------------
// A woken sender that had already filled another slot
// ---------------------------------------------------------------------------

/// Fills a channel of `capacity` with the messages `100..=100 + capacity` while
/// `capacity + 3` receivers wait, and returns their hooks: each message
/// wakes one receiver, and the push that fills the buffer also hands the
/// front message out of it to the receiver it wakes (`handed.rs`), so the
/// buffer ends full with one message handed, and two receivers still wait
/// (keeping the receivers' flag up).
///
/// Two, because the receive that takes the handed message and lifts the
/// pause wakes the oldest of them for the messages behind it
/// (`Chan::pause_lifted`), and the tests below need one still waiting
/// after that.
fn receivers_waiting_on_a_full_channel(
    tx: &Sender<u32>,
    rx: &'static Receiver<u32>,
    capacity: u32,
) -> Vec<Arc<Hooked>> {
    let receivers: Vec<_> = (0..capacity + 3).map(|_| Hooked::new()).collect();
    for hooks in &receivers {
        // Leaked: a waiting receive that stays queued until it is woken.
        let recv = Box::leak(Box::new(Box::pin(rx.recv())));
        assert!(poll(recv.as_mut(), &hooks.waker()).is_pending());
    }
    for message in 100..=100 + capacity {
        tx.try_send(message).unwrap();
    }
    let woken: Vec<_> = receivers.iter().map(|r| r.wakes()).collect();
    let mut expected = vec![1; capacity as usize + 1];
    expected.extend([0, 0]);
    assert_eq!(woken, expected, "each message woke one receiver");
    assert!(rx.is_full(), "the buffer is full, and one message handed");
    receivers
}

/// The mirror image, S1 a `Send` on a full channel of capacity 2:
///
/// 1. The channel is full, a message handed out of it, and two receivers
///    wait ([`receivers_waiting_on_a_full_channel`]); taking the handed
///    message below wakes the first of them, the last one stays.
/// 2. S1 finds the channel full and registers; its waker's clone, before
///    the senders' flag goes up, receives all three messages (the flag is
///    down: nobody is woken).
/// 3. S1's re-check sends M1 into the empty buffer; the push sees the
///    receivers' flag and wakes the last receiver before S1 gives its
///    entry back. That wake runs:
/// 4. M7 fills the buffer; S2 registers behind S1, re-checks, finds the
///    channel full and waits;
/// 5. M1 is received: the pop sees the flag and wakes the oldest entry,
///    S1's, although S1 has sent already.
/// 6. S1 finishes; S2 must be woken while the slot is free.
#[test]
fn a_wake_spent_on_a_send_that_filled_another_slot_reaches_the_next_sender() {
    let (tx, rx) = channel::<u32>(2);
    let rx: &'static Receiver<u32> = leak(rx);
    let other_tx = leak(tx.clone());
    let receivers = receivers_waiting_on_a_full_channel(&tx, rx, 2);

    let second = Parked::new();
    let second_hooks = Hooked::new();
    {
        let second = Arc::clone(&second);
        let second_waker = second_hooks.waker();
        receivers[4].on_wake(move || {
            other_tx.try_send(7).expect("M1 left a slot free");
            second.start(other_tx.send(2), &second_waker);
            assert_eq!(rx.try_recv(), Ok(1), "M1 is received");
        });
    }
    let first_hooks = Hooked::new();
    first_hooks.on_clone(move || {
        let taken: Vec<_> = (0..3).map(|_| rx.try_recv()).collect();
        assert_eq!(taken, [Ok(100), Ok(101), Ok(102)], "all three are received");
    });
    let first = poll(pin!(tx.send(1)), &first_hooks.waker());

    assert!(first_hooks.was_cloned(), "S1 registered");
    assert_eq!(first, Poll::Ready(Ok(())), "S1 sent M1 in its re-check");
    assert_eq!(
        receivers[3].wakes(),
        1,
        "the take of the handed message woke a receiver for the messages behind it"
    );
    assert_eq!(receivers[4].wakes(), 1, "S1's push woke the last receiver");
    assert!(
        second.is_pending(),
        "S2 registered behind S1 and found the channel full"
    );
    assert_eq!(rx.len(), 1, "M1 was received: a slot is free");

    assert_eq!(
        second_hooks.wakes(),
        1,
        "lost wake-up: S2 sleeps while the slot is free (the slot's wake went to S1, \
         which had sent already)"
    );
    assert_eq!(second.poll(&second_hooks.waker()), Poll::Ready(Ok(())));
    assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(7), Ok(2)));
}

/// The senders' window with the slots freed by a `RecvMany` taking two
/// messages at once, whose batch notification (two wakes under one lock)
/// spends one of them on S1; on a channel of capacity 3:
///
/// 1. The channel is full, a message handed out of it, and two receivers
///    wait ([`receivers_waiting_on_a_full_channel`]); taking the handed
///    message below wakes the first of them, the last one stays.
/// 2. S1 finds the channel full and registers; its waker's clone receives
///    all four messages, before the senders' flag goes up.
/// 3. S1's re-check sends M1 into the empty buffer; the push wakes the
///    last receiver before S1 gives its entry back. That wake runs:
/// 4. M40 and M50 fill the buffer; S2 and S3 register behind S1 and wait;
/// 5. a `RecvMany` takes M1 and M40, and wakes two senders: S1 and S2.
/// 6. S1 finishes. Two slots are free and only S2 was woken for them: S3
///    must be woken too.
#[test]
fn a_batch_wake_spent_on_a_send_that_filled_another_slot_reaches_the_next_sender() {
    let (tx, rx) = channel::<u32>(3);
    let rx: &'static Receiver<u32> = leak(rx);
    let other_tx = leak(tx.clone());
    let receivers = receivers_waiting_on_a_full_channel(&tx, rx, 3);

    let later = [Parked::new(), Parked::new()];
    let later_hooks = [Hooked::new(), Hooked::new()];
    let batch = Arc::new(Mutex::new(Vec::new()));
    {
        let later = later.clone();
        let later_wakers = later_hooks.clone().map(|hooks| hooks.waker());
        let batch = Arc::clone(&batch);
        receivers[5].on_wake(move || {
            other_tx.try_send(40).expect("M1 left two slots free");
            other_tx.try_send(50).expect("M1 left a slot free");
            later[0].start(other_tx.send(2), &later_wakers[0]);
            later[1].start(other_tx.send(3), &later_wakers[1]);
            let mut buf = Vec::new();
            let noop = Hooked::new().waker();
            let moved = poll(pin!(rx.recv_many(&mut buf, 2)), &noop);
            assert_eq!(moved, Poll::Ready(2), "the batch takes two messages");
            *batch.lock().unwrap() = buf;
        });
    }
    let first_hooks = Hooked::new();
    first_hooks.on_clone(move || {
        let taken: Vec<_> = (0..4).map(|_| rx.try_recv()).collect();
        let expected = [Ok(100), Ok(101), Ok(102), Ok(103)];
        assert_eq!(taken, expected, "the four messages are received");
    });
    let first = poll(pin!(tx.send(1)), &first_hooks.waker());

    assert!(first_hooks.was_cloned(), "S1 registered");
    assert_eq!(first, Poll::Ready(Ok(())), "S1 sent M1 in its re-check");
    assert_eq!(
        receivers[4].wakes(),
        1,
        "the take of the handed message woke a receiver for the messages behind it"
    );
    assert_eq!(receivers[5].wakes(), 1, "S1's push woke the last receiver");
    assert!(
        later[0].is_pending() && later[1].is_pending(),
        "S2 and S3 registered behind S1 and found the channel full"
    );
    assert_eq!(*batch.lock().unwrap(), [1, 40], "the batch took M1 and M40");
    assert_eq!(rx.len(), 1, "two slots are free");
    assert_eq!(later_hooks[0].wakes(), 1, "the batch woke S2");

    assert_eq!(
        later_hooks[1].wakes(),
        1,
        "lost wake-up: S3 sleeps while a slot is free (one of the batch's two wakes went \
         to S1, which had sent already)"
    );
    for (parked, hooks) in later.iter().zip(&later_hooks) {
        assert_eq!(parked.poll(&hooks.waker()), Poll::Ready(Ok(())));
    }
    let rest: Vec<_> = (0..3).map(|_| rx.try_recv()).collect();
    assert_eq!(rest, [Ok(50), Ok(2), Ok(3)]);
}

// ---------------------------------------------------------------------------
// A waker's clone that re-enters the channel
// ---------------------------------------------------------------------------

/// Runs `f` on its own thread and fails if it has not finished after a
/// generous limit: a waker cloned under one of the channel's locks that
/// re-enters the channel deadlocks instead of failing. The limit only turns
/// a hang into a failure; it asserts nothing about speed.
fn must_finish(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        // Disconnected: `f` panicked; `join` passes the panic on.
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "deadlock: {what} has not finished after 10 s (a waker was cloned under the \
             queue's lock and re-entered the channel)"
        ),
    }
}

/// R0 waits (the receivers' flag is up); R1's registration clones a waker
/// that sends, and that send must wake R0 in R1's queue. The registration
/// must finish, and the message reach a receiver.
#[test]
fn a_waker_clone_that_sends_while_a_receiver_registers_does_not_deadlock() {
    must_finish("a receiver's registration", || {
        let (tx, rx) = channel::<u32>(4);
        let r0 = Hooked::new();
        let mut waiting = pin!(rx.recv());
        assert!(poll(waiting.as_mut(), &r0.waker()).is_pending());

        let r1 = Hooked::new();
        let sent = Arc::new(AtomicBool::new(false));
        {
            let sent = Arc::clone(&sent);
            r1.on_clone(move || {
                tx.try_send(7).expect("room");
                sent.store(true, Ordering::SeqCst);
            });
        }
        let got = poll(pin!(rx.recv()), &r1.waker());

        assert!(sent.load(Ordering::SeqCst), "the clone sent");
        assert!(
            got == Poll::Ready(Some(7)) || r0.wakes() == 1,
            "the message reached a receiver: R1 got {got:?}, R0 woken {} times",
            r0.wakes()
        );
    });
}

/// The mirror image: S0 waits on a full channel (the senders' flag is up);
/// S1's registration clones a waker that receives, and that receive must
/// wake S0 in S1's queue.
#[test]
fn a_waker_clone_that_receives_while_a_sender_registers_does_not_deadlock() {
    must_finish("a sender's registration", || {
        let (tx, rx) = channel::<u32>(1);
        tx.try_send(0).unwrap();
        let s0 = Hooked::new();
        let mut waiting = pin!(tx.send(1));
        assert!(poll(waiting.as_mut(), &s0.waker()).is_pending());

        let s1 = Hooked::new();
        let received = Arc::new(AtomicBool::new(false));
        {
            let received = Arc::clone(&received);
            s1.on_clone(move || {
                assert_eq!(rx.try_recv(), Ok(0));
                received.store(true, Ordering::SeqCst);
            });
        }
        let sent = poll(pin!(tx.send(2)), &s1.waker());

        assert!(received.load(Ordering::SeqCst), "the clone received");
        assert!(
            sent == Poll::Ready(Ok(())) || s0.wakes() == 1,
            "the slot reached a sender: S1 got {sent:?}, S0 woken {} times",
            s0.wakes()
        );
    });
}

/// A waiting receiver polled again with a new waker refreshes its entry
/// with a clone of that waker; a clone that sends (and so must wake the
/// receiver itself, through its queue) must not deadlock either.
#[test]
fn a_waker_clone_that_sends_while_a_receiver_refreshes_its_entry_does_not_deadlock() {
    must_finish("a receiver's refresh", || {
        let (tx, rx) = channel::<u32>(4);
        let old = Hooked::new();
        let mut waiting = pin!(rx.recv());
        assert!(poll(waiting.as_mut(), &old.waker()).is_pending());

        let new = Hooked::new();
        new.on_clone(move || tx.try_send(7).expect("room"));
        let got = poll(waiting.as_mut(), &new.waker());

        assert!(new.was_cloned(), "the new waker was cloned into the entry");
        assert!(
            got == Poll::Ready(Some(7)) || old.wakes() + new.wakes() >= 1,
            "the receiver got the message, or was woken for it: {got:?}"
        );
    });
}

/// A stream's entry is refreshed the same way: a waiting stream polled with
/// a new waker whose clone sends. (The stream is the only waiter, so the
/// send must wake it through the queue being refreshed.)
#[test]
fn a_waker_clone_that_sends_while_a_stream_refreshes_its_entry_does_not_deadlock() {
    must_finish("a stream's refresh", || {
        let (tx, mut rx) = channel::<u32>(4);
        let mut next = |waker: &Waker| Pin::new(&mut rx).poll_next(&mut Context::from_waker(waker));
        let old = Hooked::new();
        assert!(next(&old.waker()).is_pending());

        let new = Hooked::new();
        new.on_clone(move || tx.try_send(7).expect("room"));
        let got = next(&new.waker());

        assert!(new.was_cloned(), "the new waker was cloned into the entry");
        assert!(
            got == Poll::Ready(Some(7)) || old.wakes() + new.wakes() >= 1,
            "the stream got the message, or was woken for it: {got:?}"
        );
    });
}
