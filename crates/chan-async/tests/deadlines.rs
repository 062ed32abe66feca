#![cfg(not(chan_loom))]
//! Sends and receives with a deadline, async and blocking, the blocking
//! iterators, and the futures' `FusedFuture` answers.
//!
//! The async cases poll by hand with wakers that count their wakes, and use
//! deadline futures that fire exactly when the test says, so each test fixes
//! one interleaving. The blocking cases check the rules that hold whatever
//! the scheduler does: a timeout is never early (elapsed >= timeout is a
//! correctness property, not a speed one), and a timed-out call leaves no
//! entry in the waiter queues (the next waiter is woken by the next event).

use std::future::{pending, ready, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use chan_async::{channel, RecvTimeoutError, SendTimeoutError, TryRecvError};
use futures_core::future::FusedFuture;

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

/// A deadline that is pending until `fire` is set, then runs `at_fire` (the
/// event that races with it) and completes.
struct Trigger<'a, F: FnMut()> {
    fire: &'a AtomicUsize,
    at_fire: F,
}

impl<F: FnMut() + Unpin> Future for Trigger<'_, F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.fire.load(Ordering::SeqCst) == 0 {
            return Poll::Pending;
        }
        (self.at_fire)();
        Poll::Ready(())
    }
}

/// A message that counts its drops.
struct Counted(u32, Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

const SHORT: Duration = Duration::from_millis(20);
/// How long a test waits for something that must happen before it calls
/// the channel broken (never reached when it works).
const PATIENCE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// send_until / recv_until
// ---------------------------------------------------------------------------

#[test]
fn send_until_returns_the_message_when_the_deadline_wins() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel(1);
    tx.try_send(Counted(1, Arc::clone(&drops))).unwrap();
    let (_, waker) = counting_waker();
    let mut send = pin!(tx.send_until(Counted(2, Arc::clone(&drops)), ready(())));
    match poll(send.as_mut(), &waker) {
        Poll::Ready(Err(SendTimeoutError::Timeout(Counted(2, _)))) => {}
        other => panic!("expected Timeout(2), got {:?}", other.map(|r| r.is_ok())),
    }
    assert!(send.is_terminated());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "only the returned message dropped"
    );
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv().map(|m| m.0).ok(), Some(1));
}

#[test]
fn send_until_sends_at_once_even_when_the_deadline_has_passed() {
    let (tx, rx) = channel(1);
    let (_, waker) = counting_waker();
    let mut send = pin!(tx.send_until(7, ready(())));
    assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(7));
}

#[test]
fn send_until_hands_the_message_back_when_the_channel_closes() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let (woken, waker) = counting_waker();
    let mut send = pin!(tx.send_until(2, pending::<()>()));
    assert!(poll(send.as_mut(), &waker).is_pending());
    rx.close();
    assert_eq!(woken.wakes(), 1);
    assert_eq!(
        poll(send.as_mut(), &waker),
        Poll::Ready(Err(SendTimeoutError::Closed(2)))
    );
    // Closed before the first poll, with a deadline already past: still
    // `Closed`, since the send is tried first.
    let mut late = pin!(tx.send_until(3, ready(())));
    assert_eq!(
        poll(late.as_mut(), &waker),
        Poll::Ready(Err(SendTimeoutError::Closed(3)))
    );
}

#[test]
fn send_until_waits_then_sends_when_a_slot_frees_before_the_deadline() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let fire = AtomicUsize::new(0);
    let (woken, waker) = counting_waker();
    let mut send = pin!(tx.send_until(
        2,
        Trigger {
            fire: &fire,
            at_fire: || {}
        }
    ));
    assert!(poll(send.as_mut(), &waker).is_pending());
    assert!(!send.is_terminated());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(woken.wakes(), 1);
    fire.store(1, Ordering::SeqCst); // the deadline has passed too: the send goes first
    assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

/// The deadline fires in the same poll as a receive frees the slot the
/// waiting send is woken for: the send times out with its message, and the
/// wake goes to the next waiting sender, which gets the slot.
#[test]
fn send_until_timing_out_as_it_is_woken_passes_the_slot_on() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let fire = AtomicUsize::new(0);
    let (_, first_waker) = counting_waker();
    let (second_woken, second_waker) = counting_waker();
    let mut first = pin!(tx.send_until(
        1,
        Trigger {
            fire: &fire,
            at_fire: || assert_eq!(rx.try_recv(), Ok(0)),
        }
    ));
    let mut second = pin!(tx.send(2));
    assert!(poll(first.as_mut(), &first_waker).is_pending());
    assert!(poll(second.as_mut(), &second_waker).is_pending());

    fire.store(1, Ordering::SeqCst);
    assert_eq!(
        poll(first.as_mut(), &first_waker),
        Poll::Ready(Err(SendTimeoutError::Timeout(1)))
    );
    assert_eq!(
        second_woken.wakes(),
        1,
        "the wake passed to the next sender"
    );
    assert_eq!(poll(second.as_mut(), &second_waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn dropped_send_until_drops_its_message_and_passes_its_wake_on() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel(1);
    tx.try_send(Counted(0, Arc::clone(&drops))).unwrap();
    let (first_woken, first_waker) = counting_waker();
    let (second_woken, second_waker) = counting_waker();
    let mut first = Box::pin(tx.send_until(Counted(1, Arc::clone(&drops)), pending::<()>()));
    let mut second = pin!(tx.send(Counted(2, Arc::clone(&drops))));
    assert!(poll(first.as_mut(), &first_waker).is_pending());
    assert!(poll(second.as_mut(), &second_waker).is_pending());
    drop(rx.try_recv().unwrap()); // wakes the first
    assert_eq!((first_woken.wakes(), second_woken.wakes()), (1, 0));
    drop(first);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "message 0 received, 1 dropped unsent"
    );
    assert_eq!(second_woken.wakes(), 1);
    assert!(poll(second.as_mut(), &second_waker).is_ready());
    assert_eq!(rx.try_recv().map(|m| m.0).ok(), Some(2));
}

#[test]
fn recv_until_times_out_on_an_empty_channel_and_loses_nothing_after() {
    let (tx, rx) = channel(1);
    let (_, waker) = counting_waker();
    let mut recv = pin!(rx.recv_until(ready(())));
    assert_eq!(
        poll(recv.as_mut(), &waker),
        Poll::Ready(Err(RecvTimeoutError::Timeout))
    );
    assert!(recv.is_terminated());
    tx.try_send(5).unwrap();
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn recv_until_receives_at_once_even_when_the_deadline_has_passed() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    let (_, waker) = counting_waker();
    let mut recv = pin!(rx.recv_until(ready(())));
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Ok(1)));
}

#[test]
fn recv_until_reports_closed_once_drained() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    let (woken, waker) = counting_waker();
    drop(tx);
    let mut first = pin!(rx.recv_until(pending::<()>()));
    assert_eq!(poll(first.as_mut(), &waker), Poll::Ready(Ok(1)));
    let mut second = pin!(rx.recv_until(pending::<()>()));
    assert_eq!(
        poll(second.as_mut(), &waker),
        Poll::Ready(Err(RecvTimeoutError::Closed))
    );

    // Closed while waiting.
    let (tx, rx) = channel::<u8>(1);
    let mut waiting = pin!(rx.recv_until(pending::<()>()));
    assert!(poll(waiting.as_mut(), &waker).is_pending());
    tx.close();
    assert_eq!(woken.wakes(), 1);
    assert_eq!(
        poll(waiting.as_mut(), &waker),
        Poll::Ready(Err(RecvTimeoutError::Closed))
    );
}

/// The deadline fires in the same poll as a send wakes the waiting receive:
/// the receive times out, the message stays in the channel, and the wake
/// goes to the next waiting receiver, which gets the message.
#[test]
fn recv_until_timing_out_as_a_message_arrives_loses_no_message() {
    let (tx, rx) = channel(1);
    let fire = AtomicUsize::new(0);
    let (first_woken, first_waker) = counting_waker();
    let (second_woken, second_waker) = counting_waker();
    let mut first = pin!(rx.recv_until(Trigger {
        fire: &fire,
        at_fire: || tx.try_send(9).unwrap(),
    }));
    let mut second = pin!(rx.recv());
    assert!(poll(first.as_mut(), &first_waker).is_pending());
    assert!(poll(second.as_mut(), &second_waker).is_pending());

    fire.store(1, Ordering::SeqCst);
    assert_eq!(
        poll(first.as_mut(), &first_waker),
        Poll::Ready(Err(RecvTimeoutError::Timeout))
    );
    assert_eq!(first_woken.wakes(), 1, "the send woke the first receiver");
    assert_eq!(second_woken.wakes(), 1, "which passed the wake on");
    assert_eq!(poll(second.as_mut(), &second_waker), Poll::Ready(Some(9)));
}

/// The same race with nobody else waiting: the message is simply there for
/// the next receive.
#[test]
fn recv_until_timing_out_as_a_message_arrives_leaves_it_for_the_next_receive() {
    let (tx, rx) = channel(1);
    let fire = AtomicUsize::new(0);
    let (_, waker) = counting_waker();
    let mut recv = pin!(rx.recv_until(Trigger {
        fire: &fire,
        at_fire: || tx.try_send(3).unwrap(),
    }));
    assert!(poll(recv.as_mut(), &waker).is_pending());
    fire.store(1, Ordering::SeqCst);
    assert_eq!(
        poll(recv.as_mut(), &waker),
        Poll::Ready(Err(RecvTimeoutError::Timeout))
    );
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn a_closed_future_is_a_deadline() {
    // Another channel's close as the shutdown signal.
    let (shutdown, _keep) = channel::<()>(1);
    let (tx, rx) = channel::<u8>(1);
    let (woken, waker) = counting_waker();
    let mut recv = pin!(rx.recv_until(shutdown.closed()));
    assert!(poll(recv.as_mut(), &waker).is_pending());
    shutdown.close();
    assert_eq!(woken.wakes(), 1, "the deadline's waker is the task's");
    assert_eq!(
        poll(recv.as_mut(), &waker),
        Poll::Ready(Err(RecvTimeoutError::Timeout))
    );
    drop(tx);
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn send_until_polled_after_completion_panics() {
    let (tx, _rx) = channel(1);
    let (_, waker) = counting_waker();
    let mut send = pin!(tx.send_until(1, pending::<()>()));
    assert!(poll(send.as_mut(), &waker).is_ready());
    let _ = poll(send.as_mut(), &waker);
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn recv_until_polled_after_completion_panics() {
    let (_tx, rx) = channel::<u8>(1);
    let (_, waker) = counting_waker();
    let mut recv = pin!(rx.recv_until(ready(())));
    assert!(poll(recv.as_mut(), &waker).is_ready());
    let _ = poll(recv.as_mut(), &waker);
}

#[tokio::test]
async fn deadlines_with_tokio_timers() {
    let (tx, rx) = channel(1);
    tx.send(1).await.unwrap();
    let start = tokio::time::Instant::now();
    let timer = tokio::time::sleep(SHORT);
    assert_eq!(
        tx.send_until(2, timer).await,
        Err(SendTimeoutError::Timeout(2))
    );
    assert!(start.elapsed() >= SHORT);
    assert_eq!(rx.recv().await, Some(1));
    let timer = tokio::time::sleep(SHORT);
    assert_eq!(rx.recv_until(timer).await, Err(RecvTimeoutError::Timeout));
    // A send from another task before the deadline is received, and a
    // send that waits for room before its deadline gets it.
    let producer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(2)).await;
        tx.send(3).await.unwrap();
        tx.send_until(4, tokio::time::sleep(PATIENCE)).await
    });
    assert_eq!(rx.recv_until(tokio::time::sleep(PATIENCE)).await, Ok(3));
    tokio::time::sleep(Duration::from_millis(2)).await;
    assert_eq!(rx.recv_until(tokio::time::sleep(PATIENCE)).await, Ok(4));
    assert_eq!(producer.await.unwrap(), Ok(()));
}

// ---------------------------------------------------------------------------
// FusedFuture
// ---------------------------------------------------------------------------

#[test]
fn send_is_terminated_once_it_returned_ready() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let (_, waker) = counting_waker();
    let mut send = pin!(tx.send(1));
    assert!(!send.is_terminated());
    assert!(poll(send.as_mut(), &waker).is_pending());
    assert!(!send.is_terminated());
    rx.close();
    assert!(poll(send.as_mut(), &waker).is_ready());
    assert!(send.is_terminated());
}

#[test]
fn recv_and_recv_many_are_terminated_while_their_last_poll_was_ready() {
    let (tx, rx) = channel(4);
    let (_, waker) = counting_waker();
    let mut recv = pin!(rx.recv());
    assert!(!recv.is_terminated());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    assert!(!recv.is_terminated());
    tx.try_send(1).unwrap();
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(1)));
    assert!(recv.is_terminated());
    // Polled again it receives more, and is live while it waits.
    assert!(poll(recv.as_mut(), &waker).is_pending());
    assert!(!recv.is_terminated());

    let mut buf = Vec::new();
    let mut many = pin!(rx.recv_many(&mut buf, 4));
    assert!(poll(many.as_mut(), &waker).is_pending());
    assert!(!many.is_terminated());
    tx.try_send(2).unwrap();
    assert_eq!(poll(many.as_mut(), &waker), Poll::Ready(1));
    assert!(many.is_terminated());

    let mut none = Vec::new();
    let mut zero = pin!(rx.recv_many(&mut none, 0));
    assert_eq!(poll(zero.as_mut(), &waker), Poll::Ready(0));
    assert!(zero.is_terminated());
}

// ---------------------------------------------------------------------------
// Blocking timeouts
// ---------------------------------------------------------------------------

#[test]
fn recv_timeout_is_never_early() {
    let (tx, rx) = channel::<u8>(1);
    for timeout in [Duration::ZERO, Duration::from_millis(1), SHORT] {
        let start = Instant::now();
        assert_eq!(rx.recv_timeout(timeout), Err(RecvTimeoutError::Timeout));
        assert!(start.elapsed() >= timeout, "{timeout:?} timed out early");
    }
    let deadline = Instant::now() + SHORT;
    assert_eq!(rx.recv_deadline(deadline), Err(RecvTimeoutError::Timeout));
    assert!(Instant::now() >= deadline);
    drop(tx);
}

#[test]
fn send_timeout_is_never_early_and_returns_the_message() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    for timeout in [Duration::ZERO, Duration::from_millis(1), SHORT] {
        let start = Instant::now();
        assert_eq!(
            tx.send_timeout(1, timeout),
            Err(SendTimeoutError::Timeout(1))
        );
        assert!(start.elapsed() >= timeout, "{timeout:?} timed out early");
    }
    let deadline = Instant::now() + SHORT;
    assert_eq!(
        tx.send_deadline(2, deadline),
        Err(SendTimeoutError::Timeout(2))
    );
    assert!(Instant::now() >= deadline);
    assert_eq!(rx.try_recv(), Ok(0));
}

#[test]
fn blocking_timeouts_complete_at_once_when_they_can_even_past_the_deadline() {
    let (tx, rx) = channel(1);
    let past = Instant::now();
    tx.send_deadline(1, past).unwrap();
    tx.send_timeout(2, Duration::ZERO).unwrap_err();
    assert_eq!(rx.recv_deadline(past), Ok(1));
    tx.send_timeout(3, Duration::ZERO).unwrap();
    assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(3));
}

#[test]
fn blocking_timeouts_report_closed() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    rx.close();
    assert_eq!(tx.send_timeout(2, SHORT), Err(SendTimeoutError::Closed(2)));
    assert_eq!(
        tx.send_timeout(3, Duration::MAX),
        Err(SendTimeoutError::Closed(3))
    );
    assert_eq!(rx.recv_timeout(SHORT), Ok(1)); // drained first
    assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Closed));
    assert_eq!(
        rx.recv_timeout(Duration::MAX),
        Err(RecvTimeoutError::Closed)
    );
}

#[test]
fn blocking_timeouts_are_woken_by_a_close_while_waiting() {
    let (tx, rx) = channel::<u8>(1);
    let closer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        drop(tx);
    });
    let start = Instant::now();
    assert_eq!(rx.recv_timeout(PATIENCE), Err(RecvTimeoutError::Closed));
    assert!(start.elapsed() < PATIENCE);
    closer.join().unwrap();
}

#[test]
fn blocking_timeouts_wait_for_a_peer_within_the_deadline() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let consumer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        let first = rx.recv_timeout(PATIENCE);
        let second = rx.recv_deadline(Instant::now() + PATIENCE);
        (first, second)
    });
    tx.send_timeout(1, PATIENCE).unwrap();
    assert_eq!(consumer.join().unwrap(), (Ok(0), Ok(1)));
}

/// After a timed-out blocking receive, the next waiting receiver is the one
/// a send wakes: the timed-out one left no entry ahead of it in the queue.
#[test]
fn timed_out_recv_timeout_leaves_no_entry_behind() {
    let (tx, rx) = channel(1);
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(2)),
        Err(RecvTimeoutError::Timeout)
    );
    let (woken, waker) = counting_waker();
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(woken.wakes(), 1, "the send woke the waiting receiver");
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(1)));

    // And from another thread, while a blocked receiver waits behind it.
    let rx2 = rx.clone();
    let timing_out = thread::spawn(move || rx2.recv_timeout(Duration::from_millis(2)));
    assert_eq!(timing_out.join().unwrap(), Err(RecvTimeoutError::Timeout));
    let rx3 = rx.clone();
    let waiting = thread::spawn(move || rx3.recv_timeout(PATIENCE));
    thread::sleep(Duration::from_millis(2));
    tx.send_blocking(2).unwrap();
    assert_eq!(waiting.join().unwrap(), Ok(2));
}

#[test]
fn timed_out_send_timeout_leaves_no_entry_behind() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    assert_eq!(
        tx.send_timeout(1, Duration::from_millis(2)),
        Err(SendTimeoutError::Timeout(1))
    );
    let (woken, waker) = counting_waker();
    let mut send = pin!(tx.send(2));
    assert!(poll(send.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(woken.wakes(), 1, "the receive woke the waiting sender");
    assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
    // The slot the timed-out send did not take is free for a try_send.
    assert_eq!(tx.try_send(3), Ok(()));
}

#[test]
fn duration_max_and_far_deadlines_mean_no_deadline() {
    let (tx, rx) = channel(1);
    let far = Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600);
    let producer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        tx.send_timeout(1, Duration::MAX).unwrap();
        tx.send_timeout(2, Duration::MAX).unwrap(); // full until the second receive
        tx.send_deadline(3, far).unwrap();
    });
    assert_eq!(rx.recv_timeout(Duration::MAX), Ok(1));
    assert_eq!(rx.recv_deadline(far), Ok(2));
    assert_eq!(rx.recv_timeout(Duration::MAX), Ok(3));
    producer.join().unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::MAX),
        Err(RecvTimeoutError::Closed)
    );
}

// ---------------------------------------------------------------------------
// Iterators
// ---------------------------------------------------------------------------

#[test]
fn iter_ends_once_closed_and_drained_and_stays_ended() {
    let (tx, rx) = channel(2);
    let producer = thread::spawn(move || {
        for i in 0..10 {
            tx.send_blocking(i).unwrap();
        }
        tx.close();
    });
    let mut iter = rx.iter();
    let got: Vec<i32> = iter.by_ref().collect();
    producer.join().unwrap();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    assert_eq!(iter.next(), None);
    assert_eq!((&rx).into_iter().next(), None);
}

#[test]
fn iter_delivers_what_was_buffered_before_the_close() {
    let (tx, rx) = channel(4);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    rx.close();
    let mut got = Vec::new();
    for i in &rx {
        got.push(i);
    }
    assert_eq!(got, [0, 1, 2]);
    drop(tx);
}

#[test]
fn into_iter_owns_the_receiver() {
    let (tx, rx) = channel(2);
    let consumer = thread::spawn(move || {
        let mut sum = 0;
        for i in rx {
            sum += i;
        }
        sum
    });
    for i in 1..=100 {
        tx.send_blocking(i).unwrap();
    }
    drop(tx);
    assert_eq!(consumer.join().unwrap(), 5050);
}

#[test]
fn dropping_into_iter_drops_the_receiver() {
    let (tx, rx) = channel::<u8>(1);
    let iter = rx.into_iter();
    assert_eq!(tx.receiver_count(), 1);
    drop(iter);
    assert!(tx.is_closed());
}

#[test]
fn try_iter_never_waits() {
    let (tx, rx) = channel(4);
    // Open and empty: ends at once.
    let start = Instant::now();
    assert_eq!(rx.try_iter().next(), None);
    assert!(start.elapsed() < PATIENCE);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut iter = rx.try_iter();
    assert_eq!(iter.next(), Some(1));
    assert_eq!(iter.next(), Some(2));
    assert_eq!(iter.next(), None);
    // Not fused: a later message is yielded by the same iterator.
    tx.try_send(3).unwrap();
    assert_eq!(iter.next(), Some(3));
    assert!(!tx.is_closed(), "iterating does not close");
}

#[test]
fn debug_output_names_the_types() {
    let (tx, rx) = channel::<u8>(1);
    assert!(format!("{:?}", tx.send_until(1, pending::<()>())).starts_with("SendUntil"));
    assert!(format!("{:?}", rx.recv_until(pending::<()>())).starts_with("RecvUntil"));
    assert!(format!("{:?}", rx.iter()).starts_with("Iter"));
    assert!(format!("{:?}", rx.try_iter()).starts_with("TryIter"));
    assert!(format!("{:?}", rx.clone().into_iter()).starts_with("IntoIter"));
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

#[test]
fn timeout_errors() {
    struct Opaque;
    let timeout = SendTimeoutError::Timeout(Opaque);
    assert!(timeout.is_timeout() && !timeout.is_closed());
    assert_eq!(format!("{timeout:?}"), "Timeout(..)");
    assert_eq!(timeout.to_string(), "timed out sending on a full channel");
    let closed = SendTimeoutError::Closed(Opaque);
    assert!(closed.is_closed() && !closed.is_timeout());
    assert_eq!(format!("{closed:?}"), "Closed(..)");
    assert_eq!(closed.to_string(), "sending on a closed channel");
    let _: Opaque = closed.into_inner();
    let boxed: Box<dyn std::error::Error> = Box::new(SendTimeoutError::Timeout(Opaque));
    assert!(boxed.to_string().contains("timed out"));
    assert_eq!(
        SendTimeoutError::from(chan_async::SendError(4)),
        SendTimeoutError::Closed(4)
    );

    assert!(RecvTimeoutError::Timeout.is_timeout());
    assert!(RecvTimeoutError::Closed.is_closed());
    assert_eq!(
        RecvTimeoutError::Timeout.to_string(),
        "timed out receiving on an empty channel"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(RecvTimeoutError::Closed);
    assert!(boxed.to_string().contains("closed"));

    assert!(TryRecvError::Empty.is_empty() && !TryRecvError::Empty.is_closed());
    assert!(TryRecvError::Closed.is_closed() && !TryRecvError::Closed.is_empty());
}
