//! Loom models of the channel's concurrency protocol.
//!
//! Run with `cargo xtask loom` (`RUSTFLAGS="--cfg chan_loom"`, preemptions
//! bounded by `LOOM_MAX_PREEMPTIONS`, 2 by default here).
//!
//! Lost wake-ups are checked with hand-polled futures and wakers that record
//! being woken, not with `loom::future::block_on`: that one allows spurious
//! wake-ups, so it would quietly re-poll past a lost wake. And every model
//! that checks a wake keeps a spare sender (or receiver) alive, so the last
//! handle's drop, which closes the channel and wakes everyone, cannot hide a
//! missing wake.
#![cfg(chan_loom)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use chan_async::{channel, Receiver, SendError, Sender, TryRecvError};
use futures_core::Stream;
use loom::future::block_on;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// Runs `f` under loom with at most 2 preemptions unless the environment
/// says otherwise.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// A waker that records that it was woken, in a loom atomic so loom sees the
/// synchronization.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: StdArc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn flag() -> (StdArc<Flag>, Waker) {
    let flag = StdArc::new(Flag(AtomicBool::new(false)));
    (flag.clone(), Waker::from(flag))
}

fn woken(flag: &Flag) -> bool {
    flag.0.load(Ordering::SeqCst)
}

/// Whether `flag` was woken since the last call: consumes the wake, so a
/// later check needs a new one.
fn take_wake(flag: &Flag) -> bool {
    flag.0.swap(false, Ordering::SeqCst)
}

/// Polls `future` if its waker was woken since the last check (consuming
/// the wake), pushing what it returns once ready; returns whether it is.
fn poll_if_woken<O>(
    woke: &Flag,
    future: Pin<&mut impl Future<Output = O>>,
    cx: &mut Context<'_>,
    got: &mut Vec<O>,
) -> bool {
    if !take_wake(woke) {
        return false;
    }
    match future.poll(cx) {
        Poll::Ready(value) => {
            got.push(value);
            true
        }
        Poll::Pending => false,
    }
}

/// Leaves the receivers' flag up with nobody waiting, the way a ping-pong
/// does: a receiver waits, is woken by the send of `value`, and takes it.
fn wait_for_and_take(rx: &Receiver<i32>, tx: &Sender<i32>, value: i32) {
    let (woke, waker) = flag();
    let mut cx = Context::from_waker(&waker);
    let mut recv = pin!(rx.recv());
    assert!(recv.as_mut().poll(&mut cx).is_pending());
    tx.try_send(value).unwrap();
    assert!(woken(&woke));
    assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(value)));
}

/// Counts drops, to prove each message is dropped exactly once.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn register_recheck_wake_receiver() {
    // A receiver that finds the channel empty registers and re-checks while
    // a sender pushes: either the re-check sees the message or the sender
    // sees the waiter and wakes it.
    model(|| {
        let (tx, rx) = channel(1);
        let keep = tx.clone();
        let sender = thread::spawn(move || tx.try_send(1).unwrap());
        let (woke, waker) = flag();
        let mut cx = Context::from_waker(&waker);
        let mut recv = pin!(rx.recv());
        let first = recv.as_mut().poll(&mut cx);
        sender.join().unwrap();
        if first.is_pending() {
            assert!(
                woken(&woke),
                "lost wake-up: the receiver sleeps on a message"
            );
            assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(1)));
        } else {
            assert_eq!(first, Poll::Ready(Some(1)));
        }
        drop(keep);
    });
}

#[test]
fn register_recheck_wake_sender() {
    // The mirror image: a sender waiting on a full channel and a receiver
    // freeing the slot.
    model(|| {
        let (tx, rx) = channel(1);
        tx.try_send(0).unwrap();
        let keep = rx.clone();
        let receiver = thread::spawn(move || assert_eq!(rx.try_recv(), Ok(0)));
        let (woke, waker) = flag();
        let mut cx = Context::from_waker(&waker);
        let mut send = pin!(tx.send(1));
        let first = send.as_mut().poll(&mut cx);
        receiver.join().unwrap();
        if first.is_pending() {
            assert!(
                woken(&woke),
                "lost wake-up: the sender sleeps on a free slot"
            );
            assert_eq!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
        } else {
            assert_eq!(first, Poll::Ready(Ok(())));
        }
        assert_eq!(keep.try_recv(), Ok(1));
    });
}

#[test]
fn woken_then_dropped_recv_forwards_its_wake() {
    model(|| {
        let (tx, rx) = channel(1);
        let rx2 = rx.clone();
        let (first_flag, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut first = Box::pin(rx.recv());
        let mut second = pin!(rx2.recv());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        assert!(second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending());

        let keep = tx.clone(); // so the sender's drop does not close
        let sender = thread::spawn(move || tx.try_send(7).unwrap());
        drop(first); // races with the send, and so with its wake
        sender.join().unwrap();

        // Whether the first receiver was woken before it was dropped or
        // not, the second must have been woken: it is the only waiter left.
        assert!(woken(&second_flag));
        let _ = woken(&first_flag);
        let poll = second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker));
        assert_eq!(poll, Poll::Ready(Some(7)));
        drop(keep);
    });
}

#[test]
fn woken_then_dropped_send_forwards_its_wake() {
    model(|| {
        let (tx, rx) = channel(1);
        tx.try_send(0).unwrap();
        let (_, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut first = Box::pin(tx.send(1));
        let mut second = pin!(tx.send(2));
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        assert!(second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending());

        let receiver = thread::spawn(move || {
            assert_eq!(rx.try_recv(), Ok(0));
            rx
        });
        drop(first); // its message is dropped unsent
        let rx = receiver.join().unwrap();

        assert!(woken(&second_flag));
        let poll = second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker));
        assert_eq!(poll, Poll::Ready(Ok(())));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn close_racing_with_send_loses_nothing() {
    // A send that returns Ok is received; one that loses to the close gets
    // its message back. The receiver never sees "closed" while an accepted
    // message is still on its way in.
    model(|| {
        let (tx, rx) = channel(1);
        let closer = tx.clone();
        let sender = thread::spawn(move || tx.try_send(5).map_err(|e| e.into_inner()));
        let close = thread::spawn(move || closer.close());
        let mut received = Vec::new();
        while let Some(value) = block_on(rx.recv()) {
            received.push(value);
        }
        let sent = sender.join().unwrap();
        assert!(close.join().unwrap());
        match sent {
            Ok(()) => assert_eq!(received, [5]),
            Err(value) => {
                assert_eq!(value, 5);
                assert!(received.is_empty());
            }
        }
    });
}

#[test]
fn close_wakes_a_waiting_send_with_its_value() {
    model(|| {
        let (tx, rx) = channel(1);
        tx.try_send(0).unwrap();
        let closer = rx.clone();
        let sender = thread::spawn(move || block_on(tx.send(1)));
        closer.close();
        let sent = sender.join().unwrap();
        // Either the close came first (the value comes back) or the send was
        // accepted before it... which cannot happen: the slot was never
        // freed. So the send must fail with its own value.
        assert_eq!(sent, Err(SendError(1)));
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn last_sender_drop_ends_a_waiting_recv_after_the_buffer() {
    model(|| {
        let (tx, rx) = channel(2);
        let tx2 = tx.clone();
        let first = thread::spawn(move || {
            tx.try_send(1).unwrap();
            drop(tx);
        });
        let second = thread::spawn(move || drop(tx2));
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        first.join().unwrap();
        second.join().unwrap();
    });
}

#[test]
fn last_receiver_drop_racing_with_send_drops_the_message_once() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel(1);
        let message = Counted(drops.clone());
        let sender = thread::spawn(move || {
            let result = tx.try_send(message).map_err(|e| e.is_closed());
            (tx, result)
        });
        drop(rx);
        let (tx, result) = sender.join().unwrap();
        // Accepted or refused, the message is gone by the time the last
        // handle is: dropped by the receiver's drain, or by the refusal.
        assert!(matches!(result, Ok(()) | Err(true)));
        assert!(tx.is_closed());
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn closed_future_resolves_when_the_last_receiver_drops() {
    model(|| {
        let (tx, rx) = channel::<u8>(1);
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        dropper.join().unwrap();
    });
}

#[test]
fn drained_resolves_when_the_last_message_is_taken() {
    model(|| {
        let (tx, rx) = channel(2);
        tx.try_send(1).unwrap();
        tx.close();
        let consumer = thread::spawn(move || {
            assert_eq!(rx.try_recv(), Ok(1));
            rx
        });
        block_on(tx.drained());
        assert!(tx.is_empty());
        drop(consumer.join().unwrap());
    });
}

#[test]
fn second_waiter_registers_under_a_raised_flag() {
    // The second receiver to wait finds the flag already raised by the first
    // and changes no atomic: both sends must still reach a receiver, and
    // every receiver left pending must have been woken.
    model(|| {
        let (tx, rx) = channel(2);
        let rx2 = rx.clone();
        let (first_flag, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut first = pin!(rx.recv());
        let mut second = pin!(rx2.recv());
        let mut first_cx = Context::from_waker(&first_waker);
        let mut second_cx = Context::from_waker(&second_waker);
        assert!(first.as_mut().poll(&mut first_cx).is_pending());

        let keep = tx.clone(); // so the sender's drop does not close
        let sender = thread::spawn(move || {
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
        });
        let early = second.as_mut().poll(&mut second_cx);
        sender.join().unwrap();

        let mut got = Vec::new();
        match early {
            Poll::Ready(value) => got.push(value),
            Poll::Pending => {
                assert!(woken(&second_flag), "second receiver slept through a send");
                let Poll::Ready(value) = second.as_mut().poll(&mut second_cx) else {
                    panic!("woken but nothing to receive");
                };
                got.push(value);
            }
        }
        assert!(woken(&first_flag), "first receiver slept through a send");
        let Poll::Ready(value) = first.as_mut().poll(&mut first_cx) else {
            panic!("woken but nothing to receive");
        };
        got.push(value);
        got.sort();
        assert_eq!(got, [Some(1), Some(2)]);
        drop(keep);
    });
}

#[test]
fn woken_waiters_free_their_entries_and_later_wakes_still_arrive() {
    // A notified receiver gives its key back without the lock when the
    // queue's hint names it; one that was woken but found the message taken
    // queues again at the front. Either way no stale entry may stay queued,
    // and a receiver still waiting must get a fresh wake for the next send:
    // wakes are consumed (the flag is reset) before every poll.
    model(|| {
        let (tx, rx) = channel(1);
        let rx2 = rx.clone();
        let (first_flag, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut first = pin!(rx.recv());
        let mut second = pin!(rx2.recv());
        let mut first_cx = Context::from_waker(&first_waker);
        let mut second_cx = Context::from_waker(&second_waker);
        assert!(first.as_mut().poll(&mut first_cx).is_pending());

        let keep = tx.clone(); // so the sender's drop does not close
        let sender = thread::spawn(move || tx.try_send(1).unwrap());
        let mut got = Vec::new();
        let mut second_done = false;
        if let Poll::Ready(value) = second.as_mut().poll(&mut second_cx) {
            got.push(value);
            second_done = true;
        }
        sender.join().unwrap();

        // Poll whoever was woken, until nobody is: exactly one receiver
        // takes message 1.
        let mut first_done = false;
        for _ in 0..2 {
            if !first_done {
                first_done = poll_if_woken(&first_flag, first.as_mut(), &mut first_cx, &mut got);
            }
            if !second_done {
                second_done =
                    poll_if_woken(&second_flag, second.as_mut(), &mut second_cx, &mut got);
            }
        }
        assert_eq!(got, [Some(1)], "message 1 taken once, by a woken receiver");

        // The one still waiting must be woken afresh by the next send.
        keep.try_send(2).unwrap();
        let (remaining, future, cx) = if first_done {
            (&second_flag, second.as_mut(), &mut second_cx)
        } else {
            (&first_flag, first.as_mut(), &mut first_cx)
        };
        assert!(
            take_wake(remaining),
            "the remaining receiver slept through a send"
        );
        assert_eq!(future.poll(cx), Poll::Ready(Some(2)));

        // Nothing stale left queued: the next waiter is the one woken.
        let (third_flag, third_waker) = flag();
        let mut third = pin!(rx.recv());
        let mut third_cx = Context::from_waker(&third_waker);
        assert!(third.as_mut().poll(&mut third_cx).is_pending());
        keep.try_send(3).unwrap();
        assert!(woken(&third_flag), "a stale entry took the wake");
        assert_eq!(third.as_mut().poll(&mut third_cx), Poll::Ready(Some(3)));
        drop(keep);
    });
}

#[test]
fn register_recheck_wake_under_a_stale_flag() {
    // The receivers' flag is lowered lazily: after a waiter is woken it
    // stays up with nobody waiting. A new receiver that registers then
    // changes no atomic, and a racing send may find the flag up and the
    // queue empty (and lower it) or find the receiver queued: either way
    // the receiver must get the message, by its re-check or by a wake.
    model(|| {
        let (tx, rx) = channel(1);
        let keep = tx.clone();
        wait_for_and_take(&rx, &keep, 0);

        let sender = thread::spawn(move || tx.try_send(1).unwrap());
        let (woke, waker) = flag();
        let mut cx = Context::from_waker(&waker);
        let mut recv = pin!(rx.recv());
        let early = recv.as_mut().poll(&mut cx);
        sender.join().unwrap();
        if early.is_pending() {
            assert!(
                woken(&woke),
                "lost wake-up: the receiver sleeps on a message"
            );
            assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(1)));
        } else {
            assert_eq!(early, Poll::Ready(Some(1)));
        }
        drop(keep);
    });
}

#[test]
fn flag_lowered_by_a_needless_wake_still_guards_later_waiters() {
    // A wait and its wake leave the receivers' flag up; a send that then
    // finds nobody waiting lowers it and stops leaving it up. After that,
    // two receivers wait while sends race with the second one's
    // registration: the flag must be raised again and stay up while either
    // waits, so both sends reach a receiver.
    model(|| {
        let (tx, rx) = channel(2);
        let keep = tx.clone();
        wait_for_and_take(&rx, &keep, 0);
        keep.try_send(1).unwrap(); // nobody waits: lowers the flag
        assert_eq!(rx.try_recv(), Ok(1));

        let rx2 = rx.clone();
        let (a_flag, a_waker) = flag();
        let (b_flag, b_waker) = flag();
        let mut a_cx = Context::from_waker(&a_waker);
        let mut b_cx = Context::from_waker(&b_waker);
        let mut a = pin!(rx.recv());
        let mut b = pin!(rx2.recv());
        assert!(a.as_mut().poll(&mut a_cx).is_pending());
        let sender = thread::spawn(move || {
            tx.try_send(2).unwrap();
            tx.try_send(3).unwrap();
        });
        let mut got = Vec::new();
        let mut b_done = false;
        if let Poll::Ready(value) = b.as_mut().poll(&mut b_cx) {
            got.push(value);
            b_done = true;
        }
        sender.join().unwrap();
        let mut a_done = false;
        for _ in 0..2 {
            if !a_done {
                a_done = poll_if_woken(&a_flag, a.as_mut(), &mut a_cx, &mut got);
            }
            if !b_done {
                b_done = poll_if_woken(&b_flag, b.as_mut(), &mut b_cx, &mut got);
            }
        }
        assert!(a_done && b_done, "a receiver slept through a send: {got:?}");
        got.sort();
        assert_eq!(got, [Some(2), Some(3)]);
        drop(keep);
    });
}

/// Polls `future` once with a waker that records its wake. A future left
/// pending is leaked, not dropped: its drop would pass on a wake it
/// received and so hide one that was lost. Returns what the poll gave
/// (`None`: pending) and the wake record.
fn poll_once_leaking<F: Future>(future: F) -> (Option<F::Output>, StdArc<Flag>) {
    let (woke, waker) = flag();
    let mut future = Box::pin(future);
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(output) => (Some(output), woke),
        Poll::Pending => {
            std::mem::forget(future);
            (None, woke)
        }
    }
}

/// How a receiver waits in [`receive_once`].
#[derive(Clone, Copy)]
enum Receive {
    Recv,
    /// `recv_many` for one message.
    RecvMany,
    /// `Stream::poll_next`.
    Stream,
}

/// What a poll gave (`None`: pending), and the poll's wake record.
type Waited<O> = (Option<O>, StdArc<Flag>);

/// A receiver waiting once on its own thread, as [`poll_once_leaking`].
/// The receiver comes back too, to be dropped only after the model's
/// checks: a stream's place lives in it, and its drop would pass on a wake.
fn receive_once(
    mut rx: Receiver<i32>,
    how: Receive,
) -> thread::JoinHandle<(Waited<Option<i32>>, Receiver<i32>)> {
    thread::spawn(move || {
        let outcome = match how {
            Receive::Recv => poll_once_leaking(rx.recv()),
            Receive::RecvMany => {
                let mut batch = Vec::new();
                let (done, woke) = poll_once_leaking(rx.recv_many(&mut batch, 1));
                (done.map(|_| batch.pop()), woke)
            }
            Receive::Stream => {
                poll_once_leaking(std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)))
            }
        };
        (outcome, rx)
    })
}

/// A sender waiting once on its own thread, as [`poll_once_leaking`].
fn send_once(
    tx: Sender<i32>,
    value: i32,
) -> thread::JoinHandle<Waited<Result<(), SendError<i32>>>> {
    thread::spawn(move || poll_once_leaking(tx.send(value)))
}

/// What is left to receive: every message a `try_recv` still gets, in
/// order. `len()` does not count a message handed out of the ring to a
/// waiting receiver (`src/handed.rs`), so the models count with this
/// instead, after their wake checks (a `try_recv` wakes no receiver, so it
/// cannot change their verdict).
fn drain(rx: &Receiver<i32>) -> Vec<i32> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// Of the waiters left pending, how many were woken, and how many there are.
fn pending_and_woken<O>(waiters: &[(Option<O>, StdArc<Flag>)]) -> (usize, usize) {
    let pending: Vec<_> = waiters.iter().filter(|(done, _)| done.is_none()).collect();
    let woken = pending.iter().filter(|(_, flag)| woken(flag)).count();
    (pending.len(), woken)
}

/// Two receivers wait on the same queue while two messages arrive, the
/// second receiver and second sender starting once the first message is
/// in (so at most one thread spins on an unpublished slot, and the model
/// stays finite). The interleaving this is for: R1 fails its first
/// attempt; M_a is pushed while the flag is still down (no wake); R1
/// registers and its re-check takes M_a; before R1 finishes, R2 registers
/// behind it and M_b's push wakes the oldest entry, R1's. R1 did not need
/// that wake: it must pass it on, or R2 sleeps with M_b buffered. Every
/// pending receiver must have been woken while a message is left for it
/// (counted by a final drain: a message handed out of the ring to a
/// waiting receiver is not in `len()`).
fn two_receivers_two_messages(prepare: fn(&Receiver<i32>, &Sender<i32>), first_way: Receive) {
    two_receivers_two_messages_at(2, prepare, first_way);
}

/// [`two_receivers_two_messages`] on a channel of `capacity`.
fn two_receivers_two_messages_at(
    capacity: usize,
    prepare: fn(&Receiver<i32>, &Sender<i32>),
    first_way: Receive,
) {
    model(move || {
        let (tx, rx) = channel::<i32>(capacity);
        let keep = tx.clone(); // a spare sender: no close wakes everyone
        prepare(&rx, &keep);
        let first = receive_once(rx.clone(), first_way);
        let sender = tx.clone();
        thread::spawn(move || sender.try_send(1).unwrap())
            .join()
            .unwrap();
        let second = receive_once(rx.clone(), Receive::Recv);
        let sent = thread::spawn(move || tx.try_send(2)).join().unwrap();
        if capacity > 1 {
            sent.unwrap(); // at capacity 1, M_a may still fill the slot
        }
        let (first, first_rx) = first.join().unwrap();
        let (second, second_rx) = second.join().unwrap();
        let receivers = [first, second];
        let (pending, woken) = pending_and_woken(&receivers);
        let left = drain(&rx).len();
        assert!(
            woken >= left.min(pending),
            "lost wake-up: {pending} receiver(s) pending, {woken} woken, {left} message(s) left"
        );
        drop((first_rx, second_rx, keep));
    });
}

#[test]
fn a_wake_spent_on_a_receiver_that_took_another_message_is_passed_on() {
    two_receivers_two_messages(|_, _| {}, Receive::Recv);
}

#[test]
fn a_wake_spent_on_a_recv_many_that_took_another_message_is_passed_on() {
    two_receivers_two_messages(|_, _| {}, Receive::RecvMany);
}

#[test]
fn a_wake_spent_on_a_stream_that_took_another_message_is_passed_on() {
    two_receivers_two_messages(|_, _| {}, Receive::Stream);
}

/// A stream waits first, a `recv()` behind it, while a message arrives:
/// the stream is never polled again, so the `recv()` must be woken (or have
/// taken the message itself) whatever the interleaving.
#[test]
fn a_stream_left_alone_does_not_hold_up_a_recv() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let keep = tx.clone();
        let (stream, stream_rx) = receive_once(rx.clone(), Receive::Stream).join().unwrap();
        assert!(stream.0.is_none(), "nothing sent yet");
        let sender = thread::spawn(move || tx.try_send(1).unwrap());
        let (recv, woke) = poll_once_leaking(rx.recv());
        sender.join().unwrap();
        assert!(
            recv.is_some() || woken(&woke),
            "the recv() sleeps behind a stream that holds the wake"
        );
        drop((stream_rx, keep));
    });
}

/// As above, with the receivers' flag left up by an earlier wait (as the
/// flag policy allows), so R1 registers without raising it.
///
/// With the hand-over in play (M_b's push fills the ring and hands M_a,
/// still there, to R1), this model found a lost wake-up: R1 took M_a and
/// lifted the ring's pause, and R2's re-check read the ring still paused
/// and slept with M_b in it. The fix, and the same window at capacity 1:
/// `handover::a_wake_spent_on_a_receiver_at_capacity_1_is_passed_on`.
#[test]
fn a_wake_spent_under_a_flag_left_up_is_passed_on() {
    two_receivers_two_messages(|rx, tx| wait_for_and_take(rx, tx, 0), Receive::Recv);
}

/// The mirror image: two senders wait for room in a full channel of one
/// slot while two receives free it, the second sender and second receive
/// starting once the first slot is free. S1 fails its first attempt; the
/// slot is freed while the senders' flag is down; S1 registers and its
/// re-check fills it; S2 registers behind S1, and the receive that frees
/// the slot again wakes S1's entry. S1 must pass that wake on.
#[test]
fn a_wake_spent_on_a_sender_that_took_another_slot_is_passed_on() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        tx.try_send(0).unwrap();
        let keep = rx.clone(); // a spare receiver: no close wakes everyone
        let first = send_once(tx.clone(), 1);
        let receiver = rx.clone();
        thread::spawn(move || assert_eq!(receiver.try_recv(), Ok(0)))
            .join()
            .unwrap();
        let second = send_once(tx.clone(), 2);
        thread::spawn(move || {
            let _ = rx.try_recv();
        })
        .join()
        .unwrap();
        let senders = [first.join().unwrap(), second.join().unwrap()];
        let (pending, woken) = pending_and_woken(&senders);
        let free = keep.capacity() - keep.len();
        assert!(
            woken >= free.min(pending),
            "lost wake-up: {pending} sender(s) pending, {woken} woken, {free} slot(s) free"
        );
        drop(tx);
    });
}

/// `drained()` on an open channel first waits for the close, then for the
/// last message to be taken: another thread closes and receives while it
/// goes from one wait to the other, and no wake-up is lost on the way (a
/// lost one leaves `block_on` parked: loom reports a deadlock).
#[test]
fn drained_waits_for_the_close_then_the_last_receive() {
    model(|| {
        let (tx, rx) = channel::<i32>(2);
        tx.try_send(1).unwrap();
        let tx = Arc::new(tx);
        let closer = {
            let tx = Arc::clone(&tx);
            thread::spawn(move || {
                tx.close();
                assert_eq!(rx.try_recv(), Ok(1));
                rx
            })
        };
        block_on(tx.drained());
        drop(closer.join().unwrap());
    });
}

/// `drained()` resolves when the last receiver drops: that closes the
/// channel, drops the buffered message, and wakes it.
#[test]
fn drained_resolves_when_the_last_receiver_drops() {
    model(|| {
        let (tx, rx) = channel::<i32>(2);
        tx.try_send(1).unwrap();
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.drained());
        dropper.join().unwrap();
    });
}

/// A deadline that passes between a receiver's first and second poll.
struct SecondPoll(bool);

impl Future for SecondPoll {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

/// `recv_until` whose deadline passes while a send completes: either it
/// returns the message, or it times out and the message is still there,
/// for the next waiting receiver, which must have been woken (by the send,
/// or by the timed-out receive passing the wake on).
#[test]
fn recv_until_timing_out_as_a_send_completes_loses_nothing() {
    model(|| {
        let (tx, rx) = channel(1);
        let keep = tx.clone(); // so the sender's drop does not close
        let rx2 = rx.clone();
        let (_, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut first = pin!(rx.recv_until(SecondPoll(false)));
        let mut second = pin!(rx2.recv());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        assert!(second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending());

        let sender = thread::spawn(move || tx.try_send(7).unwrap());
        // The deadline has passed: this poll tries the receive once more,
        // racing with the send, then gives up.
        let outcome = first.as_mut().poll(&mut Context::from_waker(&first_waker));
        sender.join().unwrap();

        match outcome {
            Poll::Ready(Ok(7)) => assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)),
            Poll::Ready(Err(chan_async::RecvTimeoutError::Timeout)) => {
                assert!(woken(&second_flag), "the message's wake was lost");
                let poll = second
                    .as_mut()
                    .poll(&mut Context::from_waker(&second_waker));
                assert_eq!(poll, Poll::Ready(Some(7)));
            }
            other => panic!("unexpected {other:?}"),
        }
        drop(keep);
    });
}

/// A weak sender's upgrade racing with the last strong sender's drop has
/// exactly one winner. Either the upgrade comes first: the drop is then not
/// the last, and the channel stays open until the upgraded sender is
/// dropped too. Or the drop does: the upgrade returns `None`, and the
/// channel is closed. (Fails if `upgrade` adds to the count without
/// checking for zero: the upgraded sender then lives on a channel that the
/// "last" drop closes under it.)
#[test]
fn weak_sender_upgrade_racing_the_last_drop_has_one_winner() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let weak = tx.downgrade();
        let dropper = thread::spawn(move || drop(tx));
        let upgraded = match weak.upgrade() {
            Some(tx2) => {
                assert!(!tx2.is_closed());
                assert_eq!(tx2.try_send(1), Ok(()));
                dropper.join().unwrap();
                assert!(!rx.is_closed(), "closed while an upgraded sender lives");
                assert_eq!(rx.sender_count(), 1);
                drop(tx2);
                true
            }
            None => {
                dropper.join().unwrap();
                false
            }
        };
        assert!(rx.is_closed());
        assert!(
            weak.upgrade().is_none(),
            "a count that reached zero came back"
        );
        assert_eq!(rx.sender_count(), 0);
        assert_eq!(rx.try_recv().ok(), upgraded.then_some(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// The last strong sender's drop, a weak sender's upgrade and an explicit
/// close, all at once. An upgrade that starts after the close returns
/// `None`. An upgraded sender that finds the channel closed while it lives
/// found the explicit close's doing, never the drop's (the drop cannot be
/// the last while the upgraded sender counts). A send through it is
/// received, or refused with its value. Afterwards no upgrade succeeds, and
/// the count stays at zero. (Fails, like the model above, if `upgrade`
/// adds to a count that reached zero.)
#[test]
fn weak_sender_upgrade_racing_the_last_drop_and_a_close() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let weak = tx.downgrade();
        let close_done = Arc::new(AtomicBool::new(false));
        let dropper = thread::spawn(move || drop(tx));
        let closer = {
            let close_done = Arc::clone(&close_done);
            let rx = rx.clone();
            thread::spawn(move || {
                let closed_it = rx.close();
                close_done.store(true, Ordering::SeqCst);
                (closed_it, rx)
            })
        };
        let after_close = close_done.load(Ordering::SeqCst);
        let upgraded = weak.upgrade();
        if after_close {
            assert!(upgraded.is_none(), "upgraded after the close");
        }
        let closed_while_held = upgraded.as_ref().map(Sender::is_closed);
        let sent = upgraded.as_ref().map(|tx2| tx2.try_send(1));
        dropper.join().unwrap();
        let (close_won, rx2) = closer.join().unwrap();
        if closed_while_held == Some(true) {
            assert!(
                close_won,
                "the last drop closed the channel under an upgraded sender"
            );
        }
        drop(upgraded);
        drop(rx2);
        assert!(rx.is_closed());
        assert!(
            weak.upgrade().is_none(),
            "a count that reached zero came back"
        );
        assert_eq!(rx.sender_count(), 0);
        match sent {
            Some(Ok(())) => assert_eq!(rx.try_recv(), Ok(1)),
            Some(Err(refused)) => assert_eq!(refused.into_inner(), 1),
            None => {}
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// A weak receiver's upgrade racing with the last strong receiver's drop:
/// either the upgrade wins, and the buffered message is still there for
/// the upgraded receiver (the channel stays open while it lives), or the
/// drop wins, closes the channel and drops the message, and the upgrade
/// returns `None`. The message is dropped exactly once either way.
#[test]
fn weak_receiver_upgrade_racing_the_last_drop_has_one_winner() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel(1);
        assert!(tx.try_send(Counted(Arc::clone(&drops))).is_ok());
        let weak = rx.downgrade();
        let dropper = thread::spawn(move || drop(rx));
        match weak.upgrade() {
            Some(rx2) => {
                assert!(
                    rx2.try_recv().is_ok(),
                    "the message was dropped under an upgraded receiver"
                );
                dropper.join().unwrap();
                assert!(!tx.is_closed(), "closed while an upgraded receiver lives");
                drop(rx2);
            }
            None => dropper.join().unwrap(),
        }
        assert!(tx.is_closed());
        assert!(
            weak.upgrade().is_none(),
            "a count that reached zero came back"
        );
        assert_eq!(tx.receiver_count(), 0);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

// ---------------------------------------------------------------------------
// Permits
// ---------------------------------------------------------------------------

/// [`take_wake`] with a compare-and-swap instead of a swap: loom 0.7 can
/// order a swap racing with a store so that both the swap and a later load
/// miss the store (tokio-rs/loom#254), which reads as a lost wake-up that
/// did not happen. A single compare-and-swap is modelled correctly.
fn consume_wake(flag: &Flag) -> bool {
    flag.0
        .compare_exchange(true, false, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
}

/// [`poll_if_woken`] with [`consume_wake`].
fn poll_when_woken<O>(
    woke: &Flag,
    future: Pin<&mut impl Future<Output = O>>,
    cx: &mut Context<'_>,
    got: &mut Vec<O>,
) -> bool {
    consume_wake(woke) && future.poll(cx).map(|value| got.push(value)).is_ready()
}

/// Uses `permit`: sends 5 through it if `send`, else drops it unused.
fn send_5_or_drop(permit: chan_async::OwnedPermit<i32>, send: bool) {
    if send {
        drop(permit.send(5));
    } else {
        drop(permit);
    }
}

/// A receiver waits for the end of a channel with a permit outstanding,
/// while one thread closes the channel and another uses the permit (`send`:
/// sends 5 through it; else drops it). The receiver, polled whenever woken
/// (also while the others run), must get 5 and then the end, or only the
/// end when the permit was dropped: never the end first. And every time it
/// is left waiting, a wake must come.
fn permit_outstanding_across_a_close(send: bool) {
    model(move || {
        let (tx, rx) = channel::<i32>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        let (woke, waker) = flag();
        let mut cx = Context::from_waker(&waker);
        let mut recv = pin!(rx.recv());
        assert!(recv.as_mut().poll(&mut cx).is_pending());

        let closer = thread::spawn(move || assert!(tx.close()));
        let user = thread::spawn(move || send_5_or_drop(permit, send));
        let mut got = Vec::new();
        let mut done = poll_when_woken(&woke, recv.as_mut(), &mut cx, &mut got);
        closer.join().unwrap();
        user.join().unwrap();
        for _ in 0..2 {
            if !done {
                done = poll_when_woken(&woke, recv.as_mut(), &mut cx, &mut got);
            }
        }
        assert!(done, "lost wake-up: the receiver waits on a closed channel");
        let expected = if send { Some(5) } else { None };
        assert_eq!(got, [expected], "the end came before the permit's message");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn permit_sent_after_a_close_is_received_before_the_end() {
    permit_outstanding_across_a_close(true);
}

#[test]
fn permit_dropped_after_a_close_wakes_the_receiver_to_the_end() {
    permit_outstanding_across_a_close(false);
}

/// Two receivers wait for the end of a closed channel while a permit is
/// outstanding; another thread uses it (`send`: sends 5 through it; else
/// drops it). The message can wake only one of them: the last permit of a
/// closed channel must also wake the other to see the end. Each receiver
/// is polled whenever woken; both must finish, one with 5 (if sent) and
/// the rest with the end. (With one receiver, the message's own wake is
/// enough, which is why the model above cannot tell.)
fn last_permit_of_a_closed_channel_ends_both_receivers(send: bool) {
    model(move || {
        let (tx, rx) = channel::<i32>(1);
        let rx2 = rx.clone();
        let permit = tx.clone().try_reserve_owned().unwrap();
        assert!(tx.close());
        let (woke, waker) = flag();
        let (woke2, waker2) = flag();
        let mut cx = Context::from_waker(&waker);
        let mut cx2 = Context::from_waker(&waker2);
        let mut recv = pin!(rx.recv());
        let mut recv2 = pin!(rx2.recv());
        assert!(recv.as_mut().poll(&mut cx).is_pending());
        assert!(recv2.as_mut().poll(&mut cx2).is_pending());

        let user = thread::spawn(move || send_5_or_drop(permit, send));
        let mut got = Vec::new();
        let mut done = poll_when_woken(&woke, recv.as_mut(), &mut cx, &mut got);
        let mut done2 = poll_when_woken(&woke2, recv2.as_mut(), &mut cx2, &mut got);
        user.join().unwrap();
        for _ in 0..2 {
            if !done {
                done = poll_when_woken(&woke, recv.as_mut(), &mut cx, &mut got);
            }
            if !done2 {
                done2 = poll_when_woken(&woke2, recv2.as_mut(), &mut cx2, &mut got);
            }
        }
        assert!(
            done && done2,
            "lost wake-up: a receiver waits on a drained channel"
        );
        got.sort();
        let expected = if send { [None, Some(5)] } else { [None, None] };
        assert_eq!(got, expected);
    });
}

#[test]
fn last_permit_sent_after_a_close_ends_both_waiting_receivers() {
    last_permit_of_a_closed_channel_ends_both_receivers(true);
}

#[test]
fn last_permit_dropped_after_a_close_ends_both_waiting_receivers() {
    last_permit_of_a_closed_channel_ends_both_receivers(false);
}

/// A sender waits for room held by a permit while another thread drops the
/// permit (or gives it back with `release`): either the sender's re-check
/// sees the slot, or the drop wakes it. A spare receiver keeps the channel
/// open, so no close wakes it instead.
fn freed_permit_wakes_a_waiting_sender(release: bool) {
    model(move || {
        let (tx, rx) = channel::<i32>(1);
        let keep = rx.clone();
        let permit = tx.clone().try_reserve_owned().unwrap();
        // The permit holds a second sender, so its drop does not close.
        let dropper = thread::spawn(move || {
            if release {
                Some(permit.release())
            } else {
                drop(permit);
                None
            }
        });
        let (woke, waker) = flag();
        let mut cx = Context::from_waker(&waker);
        let mut send = pin!(tx.send(1));
        let first = send.as_mut().poll(&mut cx);
        let spare = dropper.join().unwrap();
        if first.is_pending() {
            assert!(
                woken(&woke),
                "lost wake-up: the sender sleeps on a free slot"
            );
            assert_eq!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
        } else {
            assert_eq!(first, Poll::Ready(Ok(())));
        }
        assert_eq!(keep.try_recv(), Ok(1));
        drop((spare, rx));
    });
}

#[test]
fn dropped_permit_wakes_a_waiting_sender() {
    freed_permit_wakes_a_waiting_sender(false);
}

#[test]
fn released_permit_wakes_a_waiting_sender() {
    freed_permit_wakes_a_waiting_sender(true);
}

/// Two senders wait in a full channel of two slots, one message buffered
/// and one slot held by a permit: first a `reserve`, then a `send`. One
/// thread drops the permit while another receives the message, and the
/// waiters are polled whenever woken, also while that runs. Two slots come
/// free for two waiters: both must be woken and served, the `reserve`
/// granted a permit and the `send` accepted. A spare receiver keeps the
/// channel open.
#[test]
fn permit_drop_and_receive_racing_wake_both_waiting_senders() {
    model(|| {
        let (tx, rx) = channel::<i32>(2);
        let keep = rx.clone();
        tx.try_send(0).unwrap();
        let permit = tx.clone().try_reserve_owned().unwrap();
        let (reserve_flag, reserve_waker) = flag();
        let (send_flag, send_waker) = flag();
        let mut reserve_cx = Context::from_waker(&reserve_waker);
        let mut send_cx = Context::from_waker(&send_waker);
        let mut reserve = pin!(tx.reserve());
        let mut send = pin!(tx.send(2));
        assert!(reserve.as_mut().poll(&mut reserve_cx).is_pending());
        assert!(send.as_mut().poll(&mut send_cx).is_pending());

        let dropper = thread::spawn(move || drop(permit));
        let receiver = thread::spawn(move || assert_eq!(rx.try_recv(), Ok(0)));
        let mut reserved = Vec::new();
        let mut sent = Vec::new();
        let mut reserve_done = poll_when_woken(
            &reserve_flag,
            reserve.as_mut(),
            &mut reserve_cx,
            &mut reserved,
        );
        let mut send_done = poll_when_woken(&send_flag, send.as_mut(), &mut send_cx, &mut sent);
        dropper.join().unwrap();
        receiver.join().unwrap();
        for _ in 0..2 {
            if !reserve_done {
                reserve_done = poll_when_woken(
                    &reserve_flag,
                    reserve.as_mut(),
                    &mut reserve_cx,
                    &mut reserved,
                );
            }
            if !send_done {
                send_done = poll_when_woken(&send_flag, send.as_mut(), &mut send_cx, &mut sent);
            }
        }
        assert!(
            reserve_done && send_done,
            "lost wake-up: reserve done {reserve_done}, send done {send_done}, two slots freed"
        );
        assert_eq!(sent, [Ok(())]);
        let permit = reserved.pop().unwrap().expect("granted, not closed");
        permit.send(1); // after the send of 2, which is done
        assert_eq!([keep.try_recv(), keep.try_recv()], [Ok(2), Ok(1)]);
    });
}

/// What a sink's `poll_ready` gave (`None`: pending), and its wake record.
#[cfg(feature = "sink")]
type SinkReady = (Option<Result<(), SendError<()>>>, StdArc<Flag>);

/// A sink waiting once for a slot on its own thread (`poll_ready`, as
/// [`poll_once_leaking`]). The sink comes back too, to be dropped only
/// after the model's checks: its place in line lives in it, and its drop
/// would pass on a wake (or give back a slot it holds).
#[cfg(feature = "sink")]
fn sink_ready_once(
    tx: Sender<i32>,
) -> thread::JoinHandle<(SinkReady, chan_async::SendSink<'static, i32>)> {
    use futures_sink::Sink;
    thread::spawn(move || {
        let mut sink = tx.into_sink();
        let outcome = poll_once_leaking(std::future::poll_fn(|cx| {
            Pin::new(&mut sink).poll_ready(cx)
        }));
        (outcome, sink)
    })
}

/// [`a_wake_spent_on_a_sender_that_took_another_slot_is_passed_on`] with
/// the first sender a sink's `poll_ready` (which waits as a stream does:
/// not counted in flight, its wake shared with the waiter behind it).
#[cfg(feature = "sink")]
#[test]
fn a_wake_spent_on_a_sink_that_took_another_slot_is_passed_on() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        tx.try_send(0).unwrap();
        let keep = rx.clone();
        let first = sink_ready_once(tx.clone());
        let receiver = rx.clone();
        thread::spawn(move || assert_eq!(receiver.try_recv(), Ok(0)))
            .join()
            .unwrap();
        let second = send_once(tx.clone(), 2);
        thread::spawn(move || {
            let _ = rx.try_recv();
        })
        .join()
        .unwrap();
        let ((sink_ready, sink_woke), sink) = first.join().unwrap();
        let (sent, send_woke) = second.join().unwrap();
        let pending = [sink_ready.is_none(), sent.is_none()];
        let woken = [woken(&sink_woke), woken(&send_woke)];
        let waiting = pending.iter().filter(|&&p| p).count();
        let woken = (0..2).filter(|&i| pending[i] && woken[i]).count();
        let free = usize::from(!keep.is_full());
        assert!(
            woken >= free.min(waiting),
            "lost wake-up: {waiting} sender(s) pending, {woken} woken, {free} slot(s) free"
        );
        drop((sink, tx));
    });
}

/// A sink waits for a slot first, a `send` behind it, while a receive frees
/// one: the sink is never polled again (a `select!` dropped its `feed`), so
/// the `send` must be woken (or have taken the slot itself).
#[cfg(feature = "sink")]
#[test]
fn a_sink_left_alone_does_not_hold_up_a_send() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        tx.try_send(0).unwrap();
        let keep = rx.clone();
        let ((ready, _), sink) = sink_ready_once(tx.clone()).join().unwrap();
        assert!(ready.is_none(), "the channel is full");
        let receiver = thread::spawn(move || assert_eq!(rx.try_recv(), Ok(0)));
        let (sent, woke) = poll_once_leaking(tx.send(1));
        receiver.join().unwrap();
        assert!(
            sent.is_some() || woken(&woke),
            "the send sleeps behind a sink that holds the wake"
        );
        drop((sink, keep));
    });
}

/// A permit is used while another thread drops the last receiver; a spare
/// sender keeps the channel itself alive. Nobody can receive the message,
/// so it must be dropped by the time both are done: by the receiver's drain
/// if the permit's push came first, or by the permit's `send` if it sees the
/// receiver gone. With the push reading the close mark but not what the
/// closer did before it, neither drops it, and `drained()` never resolves.
#[test]
fn permit_sent_racing_the_last_receiver_drop_drops_the_message() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<Counted>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        let message = Counted(drops.clone());
        let user = thread::spawn(move || drop(permit.send(message)));
        drop(rx);
        user.join().unwrap();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the message outlives the last receiver"
        );
        assert_eq!(tx.state(), chan_async::ChannelState::Closed);
    });
}

/// `state()` on a closed channel with a permit outstanding, while another
/// thread sends through the permit: `Closed` promises that nothing will be
/// received again, so if it says so, the receive after it must see the end.
/// (Reading "empty" before the permit's push and "no permit" after it
/// would answer `Closed` with the permit's message on its way in.)
#[test]
fn state_is_not_closed_while_a_permit_s_message_comes_in() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        tx.close();
        let observer = thread::spawn(move || {
            let state = rx.state();
            (state, rx)
        });
        drop(permit.send(5));
        let (state, rx) = observer.join().unwrap();
        if state == chan_async::ChannelState::Closed {
            assert_eq!(
                rx.try_recv(),
                Err(TryRecvError::Closed),
                "Closed, then a message"
            );
        } else {
            assert_eq!(rx.try_recv(), Ok(5));
        }
        drop(tx);
    });
}

/// A thread blocked in `recv_blocking` and one sending: the receiver parks
/// (under loom the blocking calls do not back off) only after announcing it
/// in its parker, and the wake either finds that announcement and unparks
/// it, or comes first and keeps it from parking. A lost wake leaves the
/// receiver parked for ever, which loom reports as a deadlock. A spare
/// sender keeps the close from waking it instead.
#[test]
fn blocking_recv_is_woken_by_a_send() {
    model(|| {
        let (tx, rx) = channel(1);
        let keep = tx.clone();
        let receiver = thread::spawn(move || rx.recv_blocking());
        tx.send_blocking(1).unwrap();
        assert_eq!(receiver.join().unwrap(), Some(1));
        drop(keep);
    });
}

/// The mirror image: a sender blocked on a full channel, woken by a
/// receive.
#[test]
fn blocking_send_is_woken_by_a_recv() {
    model(|| {
        let (tx, rx) = channel(1);
        tx.try_send(0).unwrap();
        let keep = rx.clone();
        let sender = thread::spawn(move || tx.send_blocking(1));
        assert_eq!(rx.recv_blocking(), Some(0));
        sender.join().unwrap().unwrap();
        assert_eq!(keep.try_recv(), Ok(1));
    });
}

/// Round trips through two channels of capacity 1, both threads blocking:
/// each parker is woken, parks and is woken again, and a wake that comes
/// after its call finished (its re-check found the message first) stays
/// behind as a stale notification for the next call. No interleaving may
/// leave either thread parked.
///
/// Since the hand-over (which changed which interleavings two preemptions
/// reach) this model failed with a deadlock that loom 0.7.3 produces by
/// ordering the parker's plain store between another thread's swap's read
/// and write (tokio-rs/loom#254); the parker's writes are swaps now
/// (`Parker::forget`). Fails when the waker's swap is a load and a store
/// (check-then-act), or the parked announcement a plain store.
#[test]
fn blocking_round_trips_lose_no_wake() {
    model(|| {
        let (ping_tx, ping_rx) = channel(1);
        let (pong_tx, pong_rx) = channel(1);
        let keep = (ping_tx.clone(), pong_tx.clone());
        let echo = thread::spawn(move || {
            for _ in 0..2 {
                let value = ping_rx.recv_blocking().unwrap();
                pong_tx.send_blocking(value).unwrap();
            }
        });
        for i in 0..2 {
            ping_tx.send_blocking(i).unwrap();
            assert_eq!(pong_rx.recv_blocking(), Some(i));
        }
        echo.join().unwrap();
        drop(keep);
    });
}

// ---------------------------------------------------------------------------
// Rendezvous channels (capacity 0): the exchange under its lock. Each model
// keeps a spare handle of the side it checks alive, so no close by a last
// drop wakes a waiter that a hand-over failed to wake.
// ---------------------------------------------------------------------------

/// A receive that was handed a value is dropped while the send happens: the
/// value is never lost, and the receiver waiting behind it is woken for it
/// (directly, or by the dropped receive passing its wake on) and gets it.
/// Fails if a dropped receive that was handed a value does not pass it on.
#[test]
fn rendezvous_hand_over_racing_a_dropped_receive_passes_the_value_on() {
    model(|| {
        let (tx, rx) = channel(0);
        let _keep = tx.clone();
        let rx2 = rx.clone();
        let (_, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut first = Box::pin(rx.recv());
        let mut second = pin!(rx2.recv());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        assert!(second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending());
        let sender = thread::spawn(move || tx.try_send(1));
        drop(first);
        assert_eq!(sender.join().unwrap(), Ok(()), "a receiver was waiting");
        assert!(woken(&second_flag), "the handed value's wake was lost");
        let poll = second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker));
        assert_eq!(poll, Poll::Ready(Some(1)));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

/// Two values from one sender, handed to two waiting receives while the
/// first of them is dropped: the values are received in the order sent
/// (the dropped receive's value first), each exactly once.
#[test]
fn rendezvous_values_passed_on_keep_their_order() {
    model(|| {
        let (tx, rx) = channel(0);
        let _keep = tx.clone();
        let rx2 = rx.clone();
        let (_, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut first = Box::pin(rx.recv());
        let mut second = pin!(rx2.recv());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        assert!(second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending());
        let sender = thread::spawn(move || [tx.try_send(1).is_ok(), tx.try_send(2).is_ok()]);
        drop(first);
        let sent = sender.join().unwrap();
        assert!(sent[0]);
        let mut got = Vec::new();
        assert!(woken(&second_flag));
        if let Poll::Ready(Some(value)) = second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker))
        {
            got.push(value);
        }
        while let Ok(value) = rx.try_recv() {
            got.push(value);
        }
        let want: Vec<i32> = [1, 2]
            .into_iter()
            .zip(sent)
            .filter_map(|(value, ok)| ok.then_some(value))
            .collect();
        assert_eq!(got, want);
    });
}

/// A close racing with a send to a waiting receiver: either the value was
/// handed over before the close (the send returns `Ok` and the receiver
/// gets it, then the end) or the send fails with its value; the receiver
/// is woken either way. Never lost, never both.
#[test]
fn rendezvous_hand_over_racing_close_loses_nothing() {
    model(|| {
        let (tx, rx) = channel(0);
        let closer = rx.clone();
        let (woke, waker) = flag();
        let mut recv = pin!(rx.recv());
        assert!(recv
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        let sender = thread::spawn(move || {
            let (sent, _) = poll_once_leaking(tx.send(1));
            sent
        });
        let closing = thread::spawn(move || {
            closer.close();
            closer
        });
        let sent = sender.join().unwrap();
        let _closer = closing.join().unwrap();
        assert!(
            woken(&woke),
            "the receiver sleeps through a hand-over or the close"
        );
        let got = recv.as_mut().poll(&mut Context::from_waker(&waker));
        match sent {
            Some(Ok(())) => assert_eq!(got, Poll::Ready(Some(1))),
            Some(Err(SendError(value))) => {
                assert_eq!(value, 1);
                assert_eq!(got, Poll::Ready(None));
            }
            None => panic!("a send to a waiting receiver, or to a closed channel, waits"),
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// A blocked send while a receive takes its value and a close races with
/// both: exactly one of the two outcomes, the receive's `Ok(1)` (the send
/// then completes `Ok`) or the value back in the send's error; the blocked
/// send is woken either way. Fails if the close does not wake blocked sends.
#[test]
fn rendezvous_blocked_send_racing_a_receive_and_close() {
    model(|| {
        let (tx, rx) = channel(0);
        let closer = tx.clone();
        let (woke, waker) = flag();
        let mut send = pin!(tx.send(Counted(Arc::new(AtomicUsize::new(0)))));
        assert!(send
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        let receiver = thread::spawn(move || (rx.try_recv().is_ok(), rx));
        let closing = thread::spawn(move || closer.close());
        let (taken, _rx) = receiver.join().unwrap();
        closing.join().unwrap();
        assert!(woken(&woke), "the blocked send was not woken");
        match send.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(Ok(())) => assert!(taken, "sent, yet nobody received it"),
            Poll::Ready(Err(SendError(_))) => assert!(!taken, "received and handed back"),
            Poll::Pending => panic!("still waiting after the close"),
        }
    });
}

/// A blocked send whose value a receive takes while its owner polls it
/// and then drops it, and a second send that queues meanwhile. The
/// owner's poll is `Ok` exactly when the value was received; its drop
/// withdraws nothing of the second send's; every value is dropped once,
/// and the second send's is still there to receive. (Written for a
/// variant in which the receive freed a served send's entry, so that a
/// later send could take its index: it failed there when the owner knew
/// its entry by its index alone. That variant measured no faster and was
/// not kept; the model stays, for the race of a serve with a withdraw.)
#[test]
fn rendezvous_served_send_racing_its_owner_and_a_send_in_its_place() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<Counted>(0);
        let (_, waker) = flag();
        let mut cx = Context::from_waker(&waker);
        let mut send = Box::pin(tx.send(Counted(drops.clone())));
        assert!(send.as_mut().poll(&mut cx).is_pending());
        let other = tx.clone();
        let second_drops = drops.clone();
        let receiver = thread::spawn(move || {
            let taken = rx.try_recv().ok();
            // The freed entry's place may go to this send.
            let (sent, _) = poll_once_leaking(other.send(Counted(second_drops)));
            (taken.map(drop).is_some(), sent.is_some(), rx)
        });
        let polled = send.as_mut().poll(&mut cx);
        drop(send);
        let (taken, second_sent, rx) = receiver.join().unwrap();
        match polled {
            Poll::Ready(Ok(())) => assert!(taken, "`Ok` without a receive"),
            Poll::Ready(Err(_)) => panic!("nobody closed"),
            Poll::Pending => {}
        }
        // Received and dropped, or withdrawn and dropped: once.
        assert_eq!(drops.load(Ordering::SeqCst), 1, "the first value");
        assert!(!second_sent, "no receiver waited for the second send");
        assert!(
            rx.try_recv().is_ok(),
            "the second send's value was withdrawn"
        );
        drop(tx);
    });
}

/// A permit on a rendezvous channel, racing with a receiver that arrives
/// and one that leaves: a reserve is granted only with a receiver waiting,
/// and its value reaches a receiver that is woken for it.
#[test]
fn rendezvous_permit_commits_a_waiting_receiver() {
    model(|| {
        let (tx, rx) = channel(0);
        let _keep = tx.clone();
        let rx2 = rx.clone();
        let (first_flag, first_waker) = flag();
        let mut first = pin!(rx.recv());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        let sender = thread::spawn(move || match tx.try_reserve() {
            Ok(permit) => {
                permit.send(5);
                true
            }
            Err(_) => false,
        });
        let (second, second_flag) = poll_once_leaking(rx2.recv());
        let sent = sender.join().unwrap();
        assert!(sent, "a receiver was waiting");
        let mut got = Vec::new();
        if let Some(value) = second {
            got.push(value);
        } else if woken(&second_flag) {
            panic!("the leaked second receive must not be woken here");
        }
        if woken(&first_flag) {
            if let Poll::Ready(value) = first.as_mut().poll(&mut Context::from_waker(&first_waker))
            {
                got.push(value);
            }
        }
        assert_eq!(got, [Some(5)], "the permit's value is received once");
    });
}

// ---------------------------------------------------------------------------
// The hand-over of a full ring's front message to a waiting receiver
// ---------------------------------------------------------------------------

#[path = "loom/handover.rs"]
mod handover;
#[path = "loom/pause_lifted.rs"]
mod pause_lifted;
