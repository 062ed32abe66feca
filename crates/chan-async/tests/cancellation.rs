#![cfg(not(chan_loom))]
//! The waker contract and cancellation, step by step: every future is polled
//! by hand with wakers that count their wakes, so each test fixes one exact
//! interleaving and checks who was woken, what each poll returned and which
//! values were dropped.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use chan_async::{channel, ChannelState, SendError, TryRecvError, TrySendError};
use futures_core::Stream;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A waker that counts how often it was woken.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Counter {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<Counter>, Waker) {
    let counter = Arc::new(Counter::default());
    (Arc::clone(&counter), Waker::from(counter))
}

/// Polls `future` once with `waker`.
fn poll<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Polls `stream` once with `waker`.
fn poll_next<S: Stream + Unpin>(stream: &mut S, waker: &Waker) -> Poll<Option<S::Item>> {
    Pin::new(stream).poll_next(&mut Context::from_waker(waker))
}

/// The drop log shared by a test and its messages: every id dropped, once
/// per drop.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u32>>>);

impl Log {
    fn msg(&self, id: u32) -> Msg {
        Msg {
            id,
            log: self.clone(),
            panic_on_drop: false,
        }
    }

    fn panicking(&self, id: u32) -> Msg {
        Msg {
            id,
            log: self.clone(),
            panic_on_drop: true,
        }
    }

    /// The ids dropped so far, sorted.
    fn dropped(&self) -> Vec<u32> {
        let mut ids = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        ids.sort_unstable();
        ids
    }
}

/// A message that records its drop in a [`Log`], and may panic there.
struct Msg {
    id: u32,
    log: Log,
    panic_on_drop: bool,
}

impl Drop for Msg {
    fn drop(&mut self) {
        self.log
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.id);
        if self.panic_on_drop {
            panic!("message {} panics in drop", self.id);
        }
    }
}

/// Runs `f` on its own thread and fails if it never finishes: a waker run
/// (or dropped) under one of the channel's locks that re-enters the channel
/// deadlocks instead of failing. The limit only turns a hang into a failure.
/// Also fails if a [`Hook`] closure panicked on that thread.
fn must_not_deadlock(what: &str, f: impl FnOnce() + std::marker::Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(f));
        let hook_failures = HOOK_FAILURES.with(|failures| failures.take());
        let _ = done.send(());
        assert!(
            hook_failures.is_empty(),
            "a waker hook failed: {hook_failures:?}"
        );
        if let Err(payload) = outcome {
            panic::resume_unwind(payload);
        }
    });
    match finished.recv_timeout(Duration::from_secs(60)) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(payload) = worker.join() {
                panic::resume_unwind(payload);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: deadlock (a waker ran or was dropped under a channel lock)")
        }
    }
}

thread_local! {
    /// What [`Hook`] closures that panicked said, on this thread.
    static HOOK_FAILURES: std::cell::RefCell<Vec<String>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs a hook closure, recording a panic instead of letting it escape: it
/// may run inside the channel, or in a drop while the thread unwinds, where
/// a panic would abort the whole test binary.
fn guarded(f: impl FnOnce()) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(f)) {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let _ = HOOK_FAILURES.try_with(|failures| failures.borrow_mut().push(message));
    }
}

type OnWake = Box<dyn Fn() + std::marker::Send + Sync>;
type OnDrop = Box<dyn FnOnce() + std::marker::Send>;

/// A waker that runs code when woken and when its last clone is dropped;
/// what the code asserts is checked by [`must_not_deadlock`].
struct Hook {
    on_wake: OnWake,
    on_drop: Mutex<Option<OnDrop>>,
}

fn hook_waker(
    on_wake: impl Fn() + std::marker::Send + Sync + 'static,
    on_drop: impl FnOnce() + std::marker::Send + 'static,
) -> Waker {
    Waker::from(Arc::new(Hook {
        on_wake: Box::new(on_wake),
        on_drop: Mutex::new(Some(Box::new(on_drop))),
    }))
}

impl Wake for Hook {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        guarded(|| (self.on_wake)());
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        let on_drop = self
            .on_drop
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(on_drop) = on_drop {
            guarded(on_drop);
        }
    }
}

/// A waker that panics when woken.
struct Panicky;

impl Wake for Panicky {
    fn wake(self: Arc<Self>) {
        panic!("this waker panics");
    }
}

fn panicky_waker() -> Waker {
    Waker::from(Arc::new(Panicky))
}

/// Runs `f`, expecting it to panic, without printing the panic message.
fn expect_panic<R>(f: impl FnOnce() -> R) {
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(result.is_err(), "expected a panic");
}

// ---------------------------------------------------------------------------
// (a) one entry per future, newest waker woken
// ---------------------------------------------------------------------------

#[test]
fn repolled_recv_keeps_one_entry_and_wakes_the_newest_waker() {
    let (tx, rx) = channel::<u32>(4);
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let (c, waker_c) = counting_waker();

    let mut first = Box::pin(rx.recv());
    assert_eq!(poll(first.as_mut(), &waker_a), Poll::Pending);
    assert_eq!(poll(first.as_mut(), &waker_a.clone()), Poll::Pending);
    assert_eq!(poll(first.as_mut(), &waker_b), Poll::Pending);
    let mut second = Box::pin(rx.recv());
    assert_eq!(poll(second.as_mut(), &waker_c), Poll::Pending);

    tx.try_send(1).unwrap();
    assert_eq!(
        (a.wakes(), b.wakes(), c.wakes()),
        (0, 1, 0),
        "the oldest waiter, through its newest waker"
    );
    // Had `first` queued a second entry, this wake would have gone to it.
    tx.try_send(2).unwrap();
    assert_eq!((a.wakes(), b.wakes(), c.wakes()), (0, 1, 1));

    assert_eq!(poll(first.as_mut(), &waker_b), Poll::Ready(Some(1)));
    assert_eq!(poll(second.as_mut(), &waker_c), Poll::Ready(Some(2)));
    drop((first, second));

    // No stale entry is left to swallow the next wake.
    let (d, waker_d) = counting_waker();
    let mut third = Box::pin(rx.recv());
    assert_eq!(poll(third.as_mut(), &waker_d), Poll::Pending);
    tx.try_send(3).unwrap();
    assert_eq!(d.wakes(), 1);
    assert_eq!(poll(third.as_mut(), &waker_d), Poll::Ready(Some(3)));
    assert_eq!((a.wakes(), b.wakes(), c.wakes()), (0, 1, 1));
}

#[test]
fn repolled_send_keeps_one_entry_and_wakes_the_newest_waker() {
    let (tx, rx) = channel::<u32>(1);
    tx.try_send(0).unwrap();
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let (c, waker_c) = counting_waker();

    let mut first = Box::pin(tx.send(1));
    assert!(poll(first.as_mut(), &waker_a).is_pending());
    assert!(poll(first.as_mut(), &waker_b).is_pending());
    let mut second = Box::pin(tx.send(2));
    assert!(poll(second.as_mut(), &waker_c).is_pending());

    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!((a.wakes(), b.wakes(), c.wakes()), (0, 1, 0));
    assert_eq!(poll(first.as_mut(), &waker_b), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!((a.wakes(), b.wakes(), c.wakes()), (0, 1, 1));
    assert_eq!(poll(second.as_mut(), &waker_c), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn repolled_stream_keeps_one_entry_and_wakes_the_newest_waker() {
    let (tx, mut rx) = channel::<u32>(2);
    let other = rx.clone();
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let (c, waker_c) = counting_waker();

    assert_eq!(poll_next(&mut rx, &waker_a), Poll::Pending);
    assert_eq!(poll_next(&mut rx, &waker_b), Poll::Pending);
    let mut behind = Box::pin(other.recv());
    assert_eq!(poll(behind.as_mut(), &waker_c), Poll::Pending);

    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!((a.wakes(), b.wakes(), c.wakes()), (0, 1, 1));
    assert_eq!(poll_next(&mut rx, &waker_b), Poll::Ready(Some(1)));
    assert_eq!(poll(behind.as_mut(), &waker_c), Poll::Ready(Some(2)));
}

// ---------------------------------------------------------------------------
// FIFO service and re-queueing of a waiter that lost its message
// ---------------------------------------------------------------------------

#[test]
fn waiting_receivers_are_woken_first_come_first_served() {
    let (tx, rx) = channel::<u32>(8);
    let wakers: Vec<_> = (0..4).map(|_| counting_waker()).collect();
    let mut futures: Vec<_> = (0..4).map(|_| Box::pin(rx.recv())).collect();
    for (future, (_, waker)) in futures.iter_mut().zip(&wakers) {
        assert_eq!(poll(future.as_mut(), waker), Poll::Pending);
    }
    let woken = || wakers.iter().map(|(c, _)| c.wakes()).collect::<Vec<_>>();
    tx.try_send(10).unwrap();
    assert_eq!(woken(), [1, 0, 0, 0]);
    tx.try_send(11).unwrap();
    tx.try_send(12).unwrap();
    assert_eq!(woken(), [1, 1, 1, 0]);
    for (i, (future, (_, waker))) in futures.iter_mut().zip(&wakers).take(3).enumerate() {
        assert_eq!(
            poll(future.as_mut(), waker),
            Poll::Ready(Some(10 + i as u32))
        );
    }
}

#[test]
fn waiting_senders_are_woken_first_come_first_served() {
    let (tx, rx) = channel::<u32>(1);
    tx.try_send(0).unwrap();
    let wakers: Vec<_> = (0..3).map(|_| counting_waker()).collect();
    let mut futures: Vec<_> = (1..=3).map(|i| Box::pin(tx.send(i))).collect();
    for (future, (_, waker)) in futures.iter_mut().zip(&wakers) {
        assert!(poll(future.as_mut(), waker).is_pending());
    }
    let mut received = vec![rx.try_recv().unwrap()];
    for (future, (counter, waker)) in futures.iter_mut().zip(&wakers) {
        assert_eq!(counter.wakes(), 1, "woken in the order they waited");
        assert_eq!(poll(future.as_mut(), waker), Poll::Ready(Ok(())));
        received.push(rx.try_recv().unwrap());
    }
    assert_eq!(received, [0, 1, 2, 3]);
}

#[test]
fn a_woken_receiver_that_lost_the_race_keeps_its_turn() {
    let (tx, rx) = channel::<u32>(4);
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let mut first = Box::pin(rx.recv());
    let mut second = Box::pin(rx.recv());
    assert_eq!(poll(first.as_mut(), &waker_a), Poll::Pending);
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Pending);

    tx.try_send(1).unwrap();
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    assert_eq!(rx.try_recv(), Ok(1), "someone else takes the message first");
    assert_eq!(poll(first.as_mut(), &waker_a), Poll::Pending);

    tx.try_send(2).unwrap();
    assert_eq!((a.wakes(), b.wakes()), (2, 0), "still the oldest waiter");
    assert_eq!(poll(first.as_mut(), &waker_a), Poll::Ready(Some(2)));
    tx.try_send(3).unwrap();
    assert_eq!(b.wakes(), 1);
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Ready(Some(3)));
}

// ---------------------------------------------------------------------------
// (b) a woken, then dropped Recv forwards its wake
// ---------------------------------------------------------------------------

#[test]
fn woken_then_dropped_recv_forwards_the_wake() {
    let (tx, rx1) = channel::<u32>(4);
    let rx2 = rx1.clone();
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let mut first = Box::pin(rx1.recv());
    let mut second = Box::pin(rx2.recv());
    assert_eq!(poll(first.as_mut(), &waker_a), Poll::Pending);
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Pending);

    tx.try_send(7).unwrap();
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    drop(first); // woken, never polled again
    assert_eq!((a.wakes(), b.wakes()), (1, 1), "the wake passed on");
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Ready(Some(7)));
}

#[test]
fn dropped_recv_that_was_not_woken_forwards_nothing() {
    let (tx, rx) = channel::<u32>(4);
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let mut first = Box::pin(rx.recv());
    let mut second = Box::pin(rx.recv());
    assert_eq!(poll(first.as_mut(), &waker_a), Poll::Pending);
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Pending);
    drop(first);
    assert_eq!((a.wakes(), b.wakes()), (0, 0));
    tx.try_send(1).unwrap();
    assert_eq!((a.wakes(), b.wakes()), (0, 1));
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Ready(Some(1)));
}

#[test]
fn woken_then_dropped_recv_loses_no_message() {
    let (tx, rx) = channel::<u32>(4);
    let (a, waker_a) = counting_waker();
    let mut only = Box::pin(rx.recv());
    assert_eq!(poll(only.as_mut(), &waker_a), Poll::Pending);
    tx.try_send(5).unwrap();
    assert_eq!(a.wakes(), 1);
    drop(only);
    assert_eq!(
        rx.try_recv(),
        Ok(5),
        "cancelling recv leaves the message in the channel"
    );
}

#[test]
fn woken_then_dropped_recv_many_forwards_the_wake_to_a_recv() {
    let (tx, rx) = channel::<u32>(4);
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let mut buf = Vec::new();
    let mut batch = Box::pin(rx.recv_many(&mut buf, 4));
    let mut single = Box::pin(rx.recv());
    assert_eq!(poll(batch.as_mut(), &waker_a), Poll::Pending);
    assert_eq!(poll(single.as_mut(), &waker_b), Poll::Pending);
    tx.try_send(1).unwrap();
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    drop(batch);
    assert!(buf.is_empty(), "a cancelled recv_many moved nothing");
    assert_eq!(b.wakes(), 1);
    assert_eq!(poll(single.as_mut(), &waker_b), Poll::Ready(Some(1)));
}

#[test]
fn woken_then_dropped_stream_receiver_forwards_the_wake() {
    let (tx, mut rx1) = channel::<u32>(4);
    let rx2 = rx1.clone();
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    assert_eq!(poll_next(&mut rx1, &waker_a), Poll::Pending);
    let mut second = Box::pin(rx2.recv());
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Pending);
    tx.try_send(3).unwrap();
    // A stream may never come back for its wake, so the waiter behind it
    // shares it.
    assert_eq!((a.wakes(), b.wakes()), (1, 1));
    drop(rx1); // the stream's entry lives in the handle
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Ready(Some(3)));
}

#[test]
fn woken_then_dropped_stream_receiver_forwards_the_wake_past_the_one_it_shared() {
    let (tx, mut rx1) = channel::<u32>(4);
    let rx2 = rx1.clone();
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let (c, waker_c) = counting_waker();
    assert_eq!(poll_next(&mut rx1, &waker_a), Poll::Pending);
    let mut second = Box::pin(rx2.recv());
    let mut third = Box::pin(rx2.recv());
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Pending);
    assert_eq!(poll(third.as_mut(), &waker_c), Poll::Pending);
    tx.try_send(3).unwrap();
    assert_eq!((a.wakes(), b.wakes(), c.wakes()), (1, 1, 0));
    drop(rx1);
    assert_eq!(c.wakes(), 1, "the stream's own wake passed on");
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Ready(Some(3)));
}

// ---------------------------------------------------------------------------
// (c) a woken, then dropped Send forwards its wake
// ---------------------------------------------------------------------------

#[test]
fn woken_then_dropped_send_forwards_the_wake() {
    let log = Log::default();
    let (tx, rx) = channel::<Msg>(1);
    tx.try_send(log.msg(0)).unwrap();
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let mut first = Box::pin(tx.send(log.msg(1)));
    let mut second = Box::pin(tx.send(log.msg(2)));
    assert!(poll(first.as_mut(), &waker_a).is_pending());
    assert!(poll(second.as_mut(), &waker_b).is_pending());

    assert_eq!(rx.try_recv().map(|m| m.id), Ok(0));
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    drop(first);
    assert_eq!(
        log.dropped(),
        [0, 1],
        "the cancelled send dropped its message"
    );
    assert_eq!((a.wakes(), b.wakes()), (1, 1), "the wake passed on");
    assert!(matches!(
        poll(second.as_mut(), &waker_b),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(rx.try_recv().map(|m| m.id), Ok(2));
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    drop(second);
    assert_eq!(log.dropped(), [0, 1, 2]);
}

// ---------------------------------------------------------------------------
// (d) a dropped Send drops its value once and never delivers it
// ---------------------------------------------------------------------------

#[test]
fn dropped_pending_send_drops_its_value_once_and_never_delivers_it() {
    let log = Log::default();
    let (tx, rx) = channel::<Msg>(1);
    tx.try_send(log.msg(0)).unwrap();
    let (_, waker) = counting_waker();
    let mut pending = Box::pin(tx.send(log.msg(1)));
    assert!(poll(pending.as_mut(), &waker).is_pending());
    assert!(poll(pending.as_mut(), &waker).is_pending());
    assert!(log.dropped().is_empty());
    drop(pending);
    assert_eq!(log.dropped(), [1]);

    assert_eq!(rx.try_recv().map(|m| m.id), Ok(0));
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    drop(tx);
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    assert_eq!(log.dropped(), [0, 1]);
}

#[test]
fn futures_do_nothing_until_polled() {
    let log = Log::default();
    let (tx, rx) = channel::<Msg>(2);
    let send = tx.send(log.msg(1));
    assert!(tx.is_empty(), "an unpolled send sent nothing");
    drop(send);
    assert_eq!(log.dropped(), [1]);
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));

    tx.try_send(log.msg(2)).unwrap();
    let recv = rx.recv();
    let mut buf = Vec::new();
    let many = rx.recv_many(&mut buf, 8);
    drop((recv, many));
    assert!(buf.is_empty());
    assert_eq!(rx.len(), 1, "unpolled receives took nothing");
}

// ---------------------------------------------------------------------------
// (e) close wakes everyone; pending sends get their value back
// ---------------------------------------------------------------------------

#[test]
fn close_wakes_every_pending_recv_and_closed_future() {
    for close_by in ["sender", "receiver", "last sender dropped"] {
        let (tx, rx) = channel::<u32>(2);
        let wakers: Vec<_> = (0..5).map(|_| counting_waker()).collect();
        let mut recvs: Vec<_> = (0..3).map(|_| Box::pin(rx.recv())).collect();
        let mut buf = Vec::new();
        let mut batch = Box::pin(rx.recv_many(&mut buf, 4));
        for (recv, (_, waker)) in recvs.iter_mut().zip(&wakers) {
            assert_eq!(poll(recv.as_mut(), waker), Poll::Pending);
        }
        assert_eq!(poll(batch.as_mut(), &wakers[3].1), Poll::Pending);

        // A `Closed` future borrows a sender, so it can only wait when a
        // sender outlives the close.
        let closed_woken = match close_by {
            "last sender dropped" => {
                drop(tx);
                None
            }
            _ => {
                let mut closed = Box::pin(tx.closed());
                assert_eq!(poll(closed.as_mut(), &wakers[4].1), Poll::Pending);
                if close_by == "sender" {
                    assert!(tx.close());
                } else {
                    assert!(rx.close());
                }
                let woken = wakers[4].0.wakes();
                assert_eq!(poll(closed.as_mut(), &wakers[4].1), Poll::Ready(()));
                Some(woken)
            }
        };
        let woken: Vec<_> = wakers[..4].iter().map(|(c, _)| c.wakes()).collect();
        assert_eq!(
            woken, [1; 4],
            "close by {close_by} wakes every receiver once"
        );
        assert!(
            matches!(closed_woken, None | Some(1)),
            "and the closed future"
        );
        for (recv, (_, waker)) in recvs.iter_mut().zip(&wakers) {
            assert_eq!(poll(recv.as_mut(), waker), Poll::Ready(None));
        }
        assert_eq!(poll(batch.as_mut(), &wakers[3].1), Poll::Ready(0));
    }
}

#[test]
fn close_wakes_every_pending_send_and_hands_back_its_value() {
    for close_by in ["sender", "receiver", "last receiver dropped"] {
        let log = Log::default();
        let (tx, rx) = channel::<Msg>(1);
        tx.try_send(log.msg(0)).unwrap();
        let wakers: Vec<_> = (0..4).map(|_| counting_waker()).collect();
        let mut sends: Vec<_> = (1..=3).map(|i| Box::pin(tx.send(log.msg(i)))).collect();
        let mut closed = Box::pin(tx.closed());
        for (send, (_, waker)) in sends.iter_mut().zip(&wakers) {
            assert!(poll(send.as_mut(), waker).is_pending());
        }
        assert_eq!(poll(closed.as_mut(), &wakers[3].1), Poll::Pending);

        let rx = match close_by {
            "sender" => {
                assert!(tx.close());
                Some(rx)
            }
            "receiver" => {
                assert!(rx.close());
                Some(rx)
            }
            _ => {
                drop(rx);
                assert_eq!(log.dropped(), [0], "the last receiver dropped the buffer");
                None
            }
        };
        let woken: Vec<_> = wakers.iter().map(|(c, _)| c.wakes()).collect();
        assert_eq!(woken, [1; 4], "close by {close_by} wakes every waiter once");
        for (i, (send, (_, waker))) in sends.iter_mut().zip(&wakers).enumerate() {
            match poll(send.as_mut(), waker) {
                Poll::Ready(Err(SendError(msg))) => assert_eq!(msg.id, i as u32 + 1),
                Poll::Ready(Ok(())) => panic!("send {} succeeded on a closed channel", i + 1),
                Poll::Pending => panic!("send {} still pending after close", i + 1),
            }
        }
        assert_eq!(poll(closed.as_mut(), &wakers[3].1), Poll::Ready(()));
        if let Some(rx) = rx {
            assert_eq!(
                rx.try_recv().map(|m| m.id),
                Ok(0),
                "accepted before the close"
            );
            assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
        }
        drop((sends, closed));
        drop(tx);
        assert_eq!(log.dropped(), [0, 1, 2, 3]);
    }
}

#[test]
fn send_after_close_fails_with_its_value() {
    let (tx, rx) = channel::<u32>(2);
    let (_, waker) = counting_waker();
    rx.close();
    assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
    let mut send = Box::pin(tx.send(2));
    assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Err(SendError(2))));
    assert_eq!(tx.send_blocking(3), Err(SendError(3)));
    let mut closed = Box::pin(tx.closed());
    assert_eq!(poll(closed.as_mut(), &waker), Poll::Ready(()));
}

#[test]
fn drained_waits_for_close_and_the_last_message() {
    let (tx, rx) = channel::<u32>(4);
    let (a, waker) = counting_waker();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut drained = Box::pin(tx.drained());
    assert_eq!(poll(drained.as_mut(), &waker), Poll::Pending, "open");
    tx.close();
    assert!(a.wakes() >= 1);
    assert_eq!(
        poll(drained.as_mut(), &waker),
        Poll::Pending,
        "closed, two left"
    );
    let before = a.wakes();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        poll(drained.as_mut(), &waker),
        Poll::Pending,
        "closed, one left"
    );
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(
        a.wakes() > before,
        "the last receive woke the drained future"
    );
    assert_eq!(poll(drained.as_mut(), &waker), Poll::Ready(()));
}

// ---------------------------------------------------------------------------
// (f) drain after close
// ---------------------------------------------------------------------------

#[test]
fn receivers_drain_what_was_accepted_before_close_then_see_the_end() {
    let (tx, rx) = channel::<u32>(4);
    let rx2 = rx.clone();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    for i in 0..4 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.state(), ChannelState::Open);
    assert!(tx.close());
    assert!(!rx.close(), "already closed");
    assert_eq!(
        tx.try_send(9),
        Err(TrySendError::Closed(9)),
        "closed and full is Closed"
    );
    assert_eq!(
        (rx.state(), rx.len(), rx.is_closed()),
        (ChannelState::Closing, 4, true)
    );

    let (_, waker) = counting_waker();
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(
        poll(Box::pin(rx2.recv()).as_mut(), &waker),
        Poll::Ready(Some(1))
    );
    let mut buf = vec![100];
    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 8)).as_mut(), &waker),
        Poll::Ready(2)
    );
    assert_eq!(buf, [100, 2, 3]);
    assert_eq!(rx.state(), ChannelState::Closed);
    assert!(rx.is_empty() && rx.is_closed());

    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(
        poll(Box::pin(rx.recv()).as_mut(), &waker),
        Poll::Ready(None)
    );
    assert_eq!(rx2.recv_blocking(), None);
}

#[test]
fn a_message_sent_just_before_close_still_reaches_a_pending_receiver() {
    let (tx, rx) = channel::<u32>(4);
    let (a, waker_a) = counting_waker();
    let (b, waker_b) = counting_waker();
    let mut first = Box::pin(rx.recv());
    let mut second = Box::pin(rx.recv());
    assert_eq!(poll(first.as_mut(), &waker_a), Poll::Pending);
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Pending);
    tx.try_send(1).unwrap();
    drop(tx); // closes with one message in flight to `first`
    assert_eq!(
        (a.wakes(), b.wakes()),
        (1, 1),
        "the send woke one, the close the other"
    );
    assert_eq!(poll(first.as_mut(), &waker_a), Poll::Ready(Some(1)));
    assert_eq!(poll(second.as_mut(), &waker_b), Poll::Ready(None));
}

// ---------------------------------------------------------------------------
// (g) wakers run, and are dropped, outside the locks
// ---------------------------------------------------------------------------

#[test]
fn waker_that_sends_from_wake_does_not_deadlock() {
    must_not_deadlock("try_send inside wake", || {
        let (tx, rx) = channel::<u32>(4);
        let inner = tx.clone();
        let sent = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&sent);
        let waker = hook_waker(
            move || {
                inner.try_send(2).unwrap();
                flag.store(true, Ordering::SeqCst);
            },
            || {},
        );
        let (b, other_waker) = counting_waker();
        let mut recv = Box::pin(rx.recv());
        let mut other = Box::pin(rx.recv());
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
        assert_eq!(poll(other.as_mut(), &other_waker), Poll::Pending);
        // Wakes `recv`, whose waker sends again: that send must lock the
        // receivers' queue to wake `other`.
        tx.try_send(1).unwrap();
        assert!(sent.load(Ordering::SeqCst), "the waker ran");
        assert_eq!(b.wakes(), 1, "the nested send woke the next receiver");
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(1)));
        assert_eq!(poll(other.as_mut(), &other_waker), Poll::Ready(Some(2)));
    });
}

#[test]
fn waker_that_receives_from_wake_does_not_deadlock() {
    must_not_deadlock("try_recv inside wake of a sender", || {
        let (tx, rx) = channel::<u32>(2);
        tx.try_send(0).unwrap();
        tx.try_send(1).unwrap();
        let inner = rx.clone();
        let waker = hook_waker(
            move || {
                // Frees another slot while the channel is waking us: that
                // receive must lock the senders' queue to wake `other`.
                assert_eq!(inner.try_recv(), Ok(1));
            },
            || {},
        );
        let (b, other_waker) = counting_waker();
        let mut send = Box::pin(tx.send(2));
        let mut other = Box::pin(tx.send(3));
        assert!(poll(send.as_mut(), &waker).is_pending());
        assert!(poll(other.as_mut(), &other_waker).is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(b.wakes(), 1, "the nested receive woke the next sender");
        assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Ok(())));
        assert_eq!(poll(other.as_mut(), &other_waker), Poll::Ready(Ok(())));
        assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(2), Ok(3)));
    });
}

#[test]
fn waker_that_closes_from_wake_does_not_deadlock() {
    must_not_deadlock("close inside wake", || {
        let (tx, rx) = channel::<u32>(4);
        let inner = rx.clone();
        let waker = hook_waker(
            move || {
                inner.close();
            },
            || {},
        );
        let mut recv = Box::pin(rx.recv());
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
        tx.try_send(1).unwrap();
        assert!(tx.is_closed(), "the waker closed the channel");
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(1)));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn wakers_that_reenter_during_close_do_not_deadlock() {
    must_not_deadlock(
        "re-entry from the wakers woken by close (empty channel)",
        || {
            let (tx, rx) = channel::<u32>(2);
            let (tx_r, rx_r) = (tx.clone(), rx.clone());
            let recv_waker = hook_waker(
                move || {
                    assert!(!rx_r.close(), "already closed");
                    assert_eq!(rx_r.try_recv(), Err(TryRecvError::Closed));
                    assert_eq!(tx_r.try_send(5), Err(TrySendError::Closed(5)));
                },
                || {},
            );
            let tx_c = tx.clone();
            let closed_waker = hook_waker(
                move || {
                    assert!(!tx_c.close());
                    assert_eq!(tx_c.state(), ChannelState::Closed);
                },
                || {},
            );
            let mut recv = Box::pin(rx.recv());
            let mut closed = Box::pin(tx.closed());
            assert_eq!(poll(recv.as_mut(), &recv_waker), Poll::Pending);
            assert_eq!(poll(closed.as_mut(), &closed_waker), Poll::Pending);
            assert!(tx.close());
            assert_eq!(poll(recv.as_mut(), &recv_waker), Poll::Ready(None));
            assert_eq!(poll(closed.as_mut(), &closed_waker), Poll::Ready(()));
        },
    );
    must_not_deadlock(
        "re-entry from the wakers woken by close (full channel)",
        || {
            let (tx, rx) = channel::<u32>(1);
            tx.try_send(0).unwrap();
            let (tx_s, rx_s) = (tx.clone(), rx.clone());
            let send_waker = hook_waker(
                move || {
                    assert_eq!(tx_s.try_send(5), Err(TrySendError::Closed(5)));
                    assert!(!rx_s.close());
                    assert_eq!(rx_s.len(), 1);
                },
                || {},
            );
            let mut send = Box::pin(tx.send(1));
            assert!(poll(send.as_mut(), &send_waker).is_pending());
            assert!(rx.close());
            assert_eq!(
                poll(send.as_mut(), &send_waker),
                Poll::Ready(Err(SendError(1)))
            );
            assert_eq!(rx.try_recv(), Ok(0));
        },
    );
}

#[test]
fn waker_whose_drop_reenters_does_not_deadlock() {
    must_not_deadlock("a replaced waker's drop sends", || {
        let (tx, rx) = channel::<u32>(4);
        let inner = tx.clone();
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&dropped);
        let first = hook_waker(
            || {},
            move || {
                inner.try_send(9).unwrap();
                flag.store(true, Ordering::SeqCst);
            },
        );
        let (b, second) = counting_waker();
        let mut recv = Box::pin(rx.recv());
        assert_eq!(poll(recv.as_mut(), &first), Poll::Pending);
        drop(first); // the channel's clone is now the last one
        assert!(!dropped.load(Ordering::SeqCst));
        // Replacing the waker drops the old one (after the lock), whose drop
        // sends a message, which wakes the new waker; the re-check after
        // registering then finds that message in this same poll.
        assert_eq!(poll(recv.as_mut(), &second), Poll::Ready(Some(9)));
        assert!(
            dropped.load(Ordering::SeqCst),
            "the replaced waker was dropped"
        );
        assert_eq!(b.wakes(), 1);
    });
    must_not_deadlock("a cancelled waiter's waker closes on drop", || {
        let (tx, rx) = channel::<u32>(4);
        let inner = rx.clone();
        let waker = hook_waker(
            || {},
            move || {
                assert!(inner.close());
            },
        );
        let mut recv = Box::pin(rx.recv());
        let (b, other_waker) = counting_waker();
        let mut other = Box::pin(rx.recv());
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
        assert_eq!(poll(other.as_mut(), &other_waker), Poll::Pending);
        drop(waker);
        drop(recv); // frees its entry; the waker's drop closes the channel
        assert!(tx.is_closed());
        assert_eq!(b.wakes(), 1, "the close woke the other waiter");
        assert_eq!(poll(other.as_mut(), &other_waker), Poll::Ready(None));
    });
    must_not_deadlock("a woken waker's last clone closes on drop", || {
        let (tx, rx) = channel::<u32>(4);
        let inner = tx.clone();
        let waker = hook_waker(
            || {},
            move || {
                assert!(inner.close());
            },
        );
        let mut recv = Box::pin(rx.recv());
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
        drop(waker);
        tx.try_send(1).unwrap(); // wakes, and so drops, the last clone
        assert!(tx.is_closed());
        assert_eq!(
            poll(recv.as_mut(), &counting_waker().1),
            Poll::Ready(Some(1))
        );
    });
}

/// A message whose drop uses the channel it was buffered in. It records
/// what it saw instead of asserting: a panic in a drop that the channel's
/// own drop runs could abort the whole test binary.
struct Reentrant {
    tx: Option<chan_async::Sender<Reentrant>>,
    dropped: Arc<AtomicUsize>,
    surprises: Arc<AtomicUsize>,
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
        if let Some(tx) = self.tx.take() {
            let again = Reentrant {
                tx: None,
                dropped: Arc::clone(&self.dropped),
                surprises: Arc::clone(&self.surprises),
            };
            let as_expected = matches!(tx.try_send(again), Err(TrySendError::Closed(_)))
                && !tx.close()
                && tx.receiver_count() == 0;
            if !as_expected {
                self.surprises.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

#[test]
fn message_whose_drop_reenters_the_channel_does_not_deadlock() {
    must_not_deadlock("a buffered message's drop uses the channel", || {
        let (tx, rx) = channel::<Reentrant>(4);
        let dropped = Arc::new(AtomicUsize::new(0));
        let surprises = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let msg = Reentrant {
                tx: Some(tx.clone()),
                dropped: Arc::clone(&dropped),
                surprises: Arc::clone(&surprises),
            };
            assert!(tx.try_send(msg).is_ok());
        }
        // Drops the buffered messages, which re-enter the channel.
        drop(rx);
        assert_eq!(
            surprises.load(Ordering::SeqCst),
            0,
            "inside the drops: the channel is closed and no receiver is left"
        );
        // Three messages, and the three they tried to send back.
        assert_eq!(dropped.load(Ordering::SeqCst), 6);
        assert_eq!(tx.sender_count(), 1, "their senders were dropped too");
    });
}

#[test]
fn panicking_waker_leaves_the_channel_usable() {
    let (tx, rx) = channel::<u32>(4);
    let mut bad = Box::pin(rx.recv());
    assert_eq!(poll(bad.as_mut(), &panicky_waker()), Poll::Pending);
    expect_panic(|| tx.try_send(1));
    drop(bad);

    // Nothing is left locked or half-updated: waiting, waking and receiving
    // all still work, and no message was lost.
    let (a, waker) = counting_waker();
    assert_eq!(rx.try_recv(), Ok(1), "the message was sent before the wake");
    let mut good = Box::pin(rx.recv());
    assert_eq!(poll(good.as_mut(), &waker), Poll::Pending);
    tx.try_send(2).unwrap();
    assert_eq!(a.wakes(), 1);
    assert_eq!(poll(good.as_mut(), &waker), Poll::Ready(Some(2)));

    // Same on the sending side.
    for i in 0..4 {
        tx.try_send(i).unwrap();
    }
    let mut bad = Box::pin(tx.send(10));
    assert!(poll(bad.as_mut(), &panicky_waker()).is_pending());
    expect_panic(|| rx.try_recv());
    drop(bad);
    let mut good = Box::pin(tx.send(11));
    assert_eq!(
        poll(good.as_mut(), &waker),
        Poll::Ready(Ok(())),
        "the freed slot is usable"
    );
    let rest: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(rest, [1, 2, 3, 11]);
}

/// A waker that panics inside `close()` must not leave the close half done.
///
/// Today `close()` marks the ring closed, then wakes the receivers, then the
/// senders, and only then sets the latch that `Closed` futures check. A
/// panicking receiver waker unwinds out of the first step, so the latch is
/// never set: `is_closed()` is true, yet every `closed()` future, even one
/// created afterwards, stays pending forever, and a second `close()` returns
/// `false` without repairing it. Waiting senders are not woken either.
#[test]
fn panicking_waker_during_close_still_completes_the_close() {
    let (tx, rx) = channel::<u32>(2);
    let mut bad = Box::pin(rx.recv());
    assert_eq!(poll(bad.as_mut(), &panicky_waker()), Poll::Pending);
    expect_panic(|| tx.close());
    assert!(tx.is_closed());
    let (_, waker) = counting_waker();
    let mut closed = Box::pin(tx.closed());
    assert_eq!(
        poll(closed.as_mut(), &waker),
        Poll::Ready(()),
        "is_closed() is true, so closed() must resolve"
    );
}

// ---------------------------------------------------------------------------
// (h) a panicking T::drop while the channel drops its buffer
// ---------------------------------------------------------------------------

#[test]
fn panicking_drop_in_the_buffer_neither_leaks_nor_double_drops() {
    for last_handle in ["sender", "receiver"] {
        let log = Log::default();
        let (tx, rx) = channel::<Msg>(8);
        for id in 0..6 {
            let msg = if id == 2 {
                log.panicking(id)
            } else {
                log.msg(id)
            };
            assert!(tx.try_send(msg).is_ok());
        }
        if last_handle == "sender" {
            // The receiver goes first (dropping the buffer panics at id 2);
            // the sender still holds the channel.
            expect_panic(|| drop(rx));
            assert!(tx.is_closed());
            assert!(tx.try_send(log.msg(99)).unwrap_err().is_closed());
            drop(tx);
        } else {
            // The receiver is the last handle: the rest are dropped while
            // unwinding from the panic.
            drop(tx);
            expect_panic(|| drop(rx));
        }
        let mut expected: Vec<u32> = (0..6).collect();
        if last_handle == "sender" {
            expected.push(99);
        }
        assert_eq!(log.dropped(), expected, "last handle: {last_handle}");
    }
}

#[test]
fn panicking_drop_of_a_cancelled_send_leaves_the_channel_usable() {
    let log = Log::default();
    let (tx, rx) = channel::<Msg>(1);
    tx.try_send(log.msg(0)).unwrap();
    let (b, waker_b) = counting_waker();
    let mut bad = Box::pin(tx.send(log.panicking(1)));
    let mut good = Box::pin(tx.send(log.msg(2)));
    assert!(poll(bad.as_mut(), &counting_waker().1).is_pending());
    assert!(poll(good.as_mut(), &waker_b).is_pending());
    assert_eq!(rx.try_recv().map(|m| m.id), Ok(0));
    expect_panic(|| drop(bad)); // woken, then dropped: forwards, then panics
    assert_eq!(
        b.wakes(),
        1,
        "the wake was forwarded before the value dropped"
    );
    assert!(matches!(poll(good.as_mut(), &waker_b), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv().map(|m| m.id), Ok(2));
    drop(good);
    drop((tx, rx));
    assert_eq!(log.dropped(), [0, 1, 2]);
}

// ---------------------------------------------------------------------------
// (i) the Stream implementation
// ---------------------------------------------------------------------------

#[test]
fn stream_waits_then_yields_then_ends() {
    let (tx, mut rx) = channel::<u32>(2);
    let (a, waker) = counting_waker();
    assert_eq!(poll_next(&mut rx, &waker), Poll::Pending);
    tx.try_send(1).unwrap();
    assert_eq!(a.wakes(), 1);
    assert_eq!(poll_next(&mut rx, &waker), Poll::Ready(Some(1)));
    assert_eq!(poll_next(&mut rx, &waker), Poll::Pending);
    drop(tx);
    assert_eq!(a.wakes(), 2, "the close woke the stream");
    assert_eq!(poll_next(&mut rx, &waker), Poll::Ready(None));
    assert_eq!(poll_next(&mut rx, &waker), Poll::Ready(None), "stays ended");
}

#[test]
fn stream_collects_every_message_in_order_then_ends() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let collected = runtime.block_on(async {
        let (tx, mut rx) = channel::<u32>(3);
        let producer = tokio::spawn(async move {
            for i in 0..200 {
                tx.send(i).await.unwrap();
            }
        });
        let mut collected = Vec::new();
        while let Some(i) = std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
            collected.push(i);
        }
        producer.await.unwrap();
        let after = std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await;
        assert_eq!(after, None);
        collected
    });
    assert_eq!(collected, (0..200).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------
// (j) recv_many
// ---------------------------------------------------------------------------

#[test]
fn recv_many_with_limit_zero_returns_zero_at_once() {
    let (tx, rx) = channel::<u32>(4);
    let (a, waker) = counting_waker();
    let mut buf = vec![7];
    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 0)).as_mut(), &waker),
        Poll::Ready(0)
    );
    tx.try_send(1).unwrap();
    assert_eq!(a.wakes(), 0, "limit 0 registered no waiter");
    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 0)).as_mut(), &waker),
        Poll::Ready(0)
    );
    assert_eq!((buf, rx.len()), (vec![7], 1), "moved nothing");
}

#[test]
fn recv_many_moves_at_most_limit_and_appends() {
    let (tx, rx) = channel::<u32>(8);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    let (_, waker) = counting_waker();
    let mut buf = vec![100];
    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 3)).as_mut(), &waker),
        Poll::Ready(3)
    );
    assert_eq!(buf, [100, 0, 1, 2]);
    assert_eq!(rx.len(), 2);
    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 10)).as_mut(), &waker),
        Poll::Ready(2)
    );
    assert_eq!(buf, [100, 0, 1, 2, 3, 4]);
    let mut pending = Box::pin(rx.recv_many(&mut buf, 10));
    assert_eq!(poll(pending.as_mut(), &waker), Poll::Pending);
    drop(pending);
    drop(tx);
    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 10)).as_mut(), &waker),
        Poll::Ready(0)
    );
    assert_eq!(buf.len(), 6);
}

#[test]
fn recv_many_waits_then_takes_what_arrived() {
    let (tx, rx) = channel::<u32>(8);
    let (a, waker) = counting_waker();
    let mut buf = Vec::new();
    let mut batch = Box::pin(rx.recv_many(&mut buf, 8));
    assert_eq!(poll(batch.as_mut(), &waker), Poll::Pending);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(a.wakes(), 1);
    assert_eq!(poll(batch.as_mut(), &waker), Poll::Ready(2));
    drop(batch);
    assert_eq!(buf, [1, 2]);
}

#[test]
fn recv_many_wakes_one_sender_per_freed_slot() {
    let (tx, rx) = channel::<u32>(4);
    for i in 0..4 {
        tx.try_send(i).unwrap();
    }
    let wakers: Vec<_> = (0..5).map(|_| counting_waker()).collect();
    let mut sends: Vec<_> = (4..9).map(|i| Box::pin(tx.send(i))).collect();
    for (send, (_, waker)) in sends.iter_mut().zip(&wakers) {
        assert!(poll(send.as_mut(), waker).is_pending());
    }
    let woken = || wakers.iter().map(|(c, _)| c.wakes()).collect::<Vec<_>>();

    let mut buf = Vec::new();
    let (_, waker) = counting_waker();
    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 3)).as_mut(), &waker),
        Poll::Ready(3)
    );
    assert_eq!(buf, [0, 1, 2]);
    assert_eq!(
        woken(),
        [1, 1, 1, 0, 0],
        "three slots freed, three senders woken"
    );
    for (send, (_, waker)) in sends.iter_mut().zip(&wakers).take(3) {
        assert_eq!(poll(send.as_mut(), waker), Poll::Ready(Ok(())));
    }
    assert!(
        poll(sends[3].as_mut(), &wakers[3].1).is_pending(),
        "full again"
    );

    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 10)).as_mut(), &waker),
        Poll::Ready(4)
    );
    assert_eq!(woken(), [1, 1, 1, 1, 1], "only two were still waiting");
    for (send, (_, waker)) in sends.iter_mut().zip(&wakers).skip(3) {
        assert_eq!(poll(send.as_mut(), waker), Poll::Ready(Ok(())));
    }
    buf.clear();
    assert_eq!(
        poll(Box::pin(rx.recv_many(&mut buf, 10)).as_mut(), &waker),
        Poll::Ready(2)
    );
    assert_eq!(buf, [7, 8]);
}

/// A receiver whose drop passes its stream's unused wake to a waiter whose
/// waker panics is still counted out: when the last receiver goes, the
/// channel closes. (Before, the panic skipped the count and the channel
/// stayed open with no receiver.)
#[test]
fn a_panicking_forwarded_wake_in_a_receivers_drop_still_counts_it_out() {
    let (tx, rx1) = channel::<u32>(1);
    let rx2 = rx1.clone();
    let (_, noop) = counting_waker();
    let panicking = panicky_waker();
    let mut rx1 = Box::new(rx1);
    assert!(Pin::new(&mut *rx1)
        .poll_next(&mut Context::from_waker(&noop))
        .is_pending());
    // The stream's wake is shared with the waiter behind it; the one after
    // that gets the wake the stream passes on when dropped.
    let mut sharing = Box::pin(rx2.recv());
    assert!(sharing
        .as_mut()
        .poll(&mut Context::from_waker(&noop))
        .is_pending());
    let mut recv = Box::pin(rx2.recv());
    assert!(recv
        .as_mut()
        .poll(&mut Context::from_waker(&panicking))
        .is_pending());
    tx.try_send(1).unwrap(); // wakes rx1's stream, the oldest waiter
    expect_panic(|| drop(rx1)); // the forwarded wake panics
    drop((sharing, recv));
    drop(rx2);
    assert!(tx.is_closed(), "no receiver left, so the channel is closed");
    assert_eq!(tx.state(), ChannelState::Closed, "and the message dropped");
}

/// A `drained()` waiting on an open channel sleeps until the close: the
/// receives before it wake nobody (it used to wait on the senders' queue,
/// where every receive woke it and it queued again). After the close, the
/// receive that empties the channel wakes it, and it resolves.
#[test]
fn drained_on_an_open_channel_is_not_woken_by_receives() {
    let (tx, rx) = channel(64);
    let (wakes, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    for i in 0..50 {
        tx.try_send(i).unwrap();
    }
    let mut drained = Box::pin(tx.drained());
    let mut tx2 = tx.clone();
    for i in 0..49 {
        assert!(drained.as_mut().poll(&mut cx).is_pending());
        assert!(tx2.poll_drained(&mut cx).is_pending());
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(wakes.wakes(), 0, "woken for nothing while open");
    tx.close();
    assert_eq!(wakes.wakes(), 2, "the close wakes both");
    assert!(drained.as_mut().poll(&mut cx).is_pending());
    assert!(tx2.poll_drained(&mut cx).is_pending());
    assert_eq!(rx.try_recv(), Ok(49));
    assert_eq!(wakes.wakes(), 4, "the last receive wakes both");
    assert!(drained.as_mut().poll(&mut cx).is_ready());
    assert!(tx2.poll_drained(&mut cx).is_ready());
}
