//! Unit tests of the whole channel, small enough for Miri: threads, blocking
//! bridges, close and drop paths. Broader suites live in `tests/`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use crate::{channel, ChannelState, TryRecvError, TrySendError};

/// Scale loop counts down under Miri, which runs ~1000x slower.
const MESSAGES: u64 = if cfg!(miri) { 40 } else { 20_000 };

/// Counts its drops in a shared counter.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn blocking_threads_deliver_everything_in_order() {
    let (tx, rx) = channel(2);
    let producers: Vec<_> = (0..2u64)
        .map(|id| {
            let tx = tx.clone();
            thread::spawn(move || {
                for seq in 0..MESSAGES {
                    tx.send_blocking((id, seq)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || std::iter::from_fn(|| rx.recv_blocking()).collect::<Vec<_>>())
        })
        .collect();
    drop(rx);
    for producer in producers {
        producer.join().unwrap();
    }
    let mut all = Vec::new();
    for consumer in consumers {
        let got = consumer.join().unwrap();
        for id in 0..2 {
            let seqs: Vec<u64> = got.iter().filter(|m| m.0 == id).map(|m| m.1).collect();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "per-sender order");
        }
        all.extend(got);
    }
    all.sort_unstable();
    let expected: Vec<_> = (0..2)
        .flat_map(|id| (0..MESSAGES).map(move |s| (id, s)))
        .collect();
    assert_eq!(all, expected);
}

#[test]
fn close_keeps_buffer_then_reports_closed() {
    let (tx, rx) = channel(3);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert!(rx.close());
    assert_eq!(tx.state(), ChannelState::Closing);
    assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.recv_blocking(), Some(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx.state(), ChannelState::Closed);
}

#[test]
fn last_receiver_drop_drops_buffered_messages_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel(4);
    for _ in 0..3 {
        tx.try_send(Counted(drops.clone())).ok().unwrap();
    }
    let rx2 = rx.clone();
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(rx2);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert!(tx.is_closed());
    let refused = tx.try_send(Counted(drops.clone())).unwrap_err();
    assert!(refused.is_closed());
    drop(refused);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
}

#[test]
fn blocked_sender_is_released_by_close() {
    let (tx, rx) = channel(1);
    tx.try_send(0u8).unwrap();
    let closer = rx.clone();
    let sender = thread::spawn(move || tx.send_blocking(1));
    // Whenever the close lands, the blocked send fails with its value.
    closer.close();
    assert_eq!(sender.join().unwrap().unwrap_err().into_inner(), 1);
    assert_eq!(rx.recv_blocking(), Some(0));
    assert_eq!(rx.recv_blocking(), None);
}

#[test]
fn counts_track_clones_and_drops() {
    let (tx, rx) = channel::<u8>(1);
    let tx2 = tx.clone();
    let rx2 = rx.clone();
    assert_eq!((tx.sender_count(), tx.receiver_count()), (2, 2));
    drop(tx2);
    drop(rx2);
    assert_eq!((rx.sender_count(), rx.receiver_count()), (1, 1));
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
}

/// A waker that does nothing.
struct Noop;

impl std::task::Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: std::future::Future>(future: std::pin::Pin<&mut F>) -> std::task::Poll<F::Output> {
    let waker = std::task::Waker::from(Arc::new(Noop));
    future.poll(&mut std::task::Context::from_waker(&waker))
}

/// A send that fills the buffer while a receiver waits hands the oldest
/// message to it out of the buffer (`handed.rs`): the slot is free for the
/// next send, the handed message comes out first, and `len()` leaves it out.
#[test]
fn a_push_that_fills_the_buffer_hands_the_front_to_a_waiting_receiver() {
    let (tx, rx) = channel(2);
    let mut first = std::pin::pin!(rx.recv());
    let mut waiting = std::pin::pin!(rx.recv());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(waiting.as_mut()).is_pending());
    tx.try_send(1).unwrap(); // wakes the first receiver
    tx.try_send(2).unwrap(); // fills the buffer while the second waits
    assert_eq!(rx.len(), 1, "1 was handed out of the full buffer");
    assert!(!rx.is_full());
    tx.try_send(3).unwrap();
    assert!(matches!(tx.try_send(4), Err(TrySendError::Full(4))));
    // Any receive takes the handed message first, then the buffer in order.
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(poll_once(waiting.as_mut()) == std::task::Poll::Ready(Some(2)));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// A handed message outlives the close and is received before the end;
/// the channel is `Closing` until it is, and a dropped last receiver drops
/// it exactly once.
#[test]
fn a_handed_message_is_received_before_the_end_or_dropped_with_the_channel() {
    for receive in [true, false] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel(1);
        let mut waiting = Box::pin(rx.recv());
        assert!(poll_once(waiting.as_mut()).is_pending());
        tx.try_send(Counted(Arc::clone(&drops))).ok().unwrap();
        assert_eq!(rx.len(), 0, "handed out of the full buffer");
        drop(tx);
        assert_eq!(rx.state(), ChannelState::Closing);
        if receive {
            assert!(matches!(
                poll_once(waiting.as_mut()),
                std::task::Poll::Ready(Some(_))
            ));
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert_eq!(rx.state(), ChannelState::Closed);
            assert_eq!(rx.try_recv().err(), Some(TryRecvError::Closed));
        } else {
            drop(waiting);
            drop(rx);
            assert_eq!(drops.load(Ordering::SeqCst), 1);
        }
    }
}
