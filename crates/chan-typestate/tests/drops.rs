//! Every message is dropped exactly once, whichever handle goes last and in
//! whichever state: taken by a receiver, refused by a closed channel, or
//! left behind in the buffer.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chan_typestate::{channel, ChannelState, TrySendError};
use common::{block_on, counting_waker, expect_state, poll_once, DropCounter};

#[test]
fn left_behind_when_the_last_receiver_drops() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(4);
    for i in 0..3 {
        tx.try_send(drops.make(i)).unwrap();
    }
    drop(rx);
    assert_eq!(drops.dropped(), 3, "dropped when the last receiver goes");
    let tx = expect_state!(tx.into_current(), SenderState::Closed);
    drop(tx);
    assert_eq!(drops.dropped(), 3);
}

#[test]
fn left_behind_when_the_last_closing_receiver_drops() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(4);
    for i in 0..4 {
        tx.try_send(drops.make(i)).unwrap();
    }
    let tx = tx.close();
    let rx = rx.close();
    let first = rx.try_recv().unwrap();
    assert_eq!(first.id, 0);
    drop(first);
    assert_eq!(drops.dropped(), 1);
    drop(rx);
    assert_eq!(drops.dropped(), 4);
    drop(tx);
    assert_eq!(drops.dropped(), 4);
}

#[test]
fn left_behind_when_every_handle_drops_senders_last() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(4);
    let tx2 = tx.clone();
    tx.try_send(drops.make(0)).unwrap();
    tx2.try_send(drops.make(1)).unwrap();
    drop(rx);
    drop(tx.close());
    drop(tx2);
    assert_eq!(drops.dropped(), 2);
}

#[test]
fn kept_while_another_receiver_can_still_take_them() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(4);
    let rx2 = rx.clone();
    for i in 0..3 {
        tx.try_send(drops.make(i)).unwrap();
    }
    drop(rx.close());
    assert_eq!(drops.dropped(), 0, "rx2 can still take them");
    let rx2 = expect_state!(rx2.into_current(), ReceiverState::Closing);
    let ids: Vec<usize> = rx2.drain().map(|m| m.id).collect();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(drops.dropped(), 3);
    drop((tx, rx2));
    assert_eq!(drops.dropped(), 3);
}

#[test]
fn refused_messages_come_back_to_the_caller() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(1);
    let tx2 = tx.clone();
    tx.try_send(drops.make(0)).unwrap();
    match tx.try_send(drops.make(1)) {
        Err(TrySendError::Full(m)) => assert_eq!(m.id, 1),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(drops.dropped(), 1);
    let closing = tx.close();
    match tx2.try_send(drops.make(2)) {
        Err(TrySendError::Closed(m)) => assert_eq!(m.id, 2),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(drops.dropped(), 2);
    block_on(async {
        let refused = tx2.send(drops.make(3)).await.unwrap_err();
        assert_eq!(refused.into_inner().id, 3);
    });
    assert_eq!(drops.dropped(), 3);
    assert_eq!(rx.try_recv().unwrap().id, 0);
    assert_eq!(drops.dropped(), 4);
    drop((closing, tx2, rx));
    assert_eq!(drops.dropped(), 4);
}

#[test]
fn an_abandoned_drained_future_leaves_the_messages_to_the_receivers() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(4);
    tx.try_send(drops.make(0)).unwrap();
    tx.try_send(drops.make(1)).unwrap();
    drop(tx.close().drained()); // never polled: drops the last sender
    assert_eq!(drops.dropped(), 0);
    let rx = expect_state!(rx.into_current(), ReceiverState::Closing);
    assert_eq!(rx.drain().count(), 2);
    assert_eq!(drops.dropped(), 2);
    assert!(rx.finish().is_ok());
}

#[test]
fn a_pending_send_dropped_drops_its_message_unsent() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(1);
    tx.try_send(drops.make(0)).unwrap();
    block_on(async {
        let send = tx.send(drops.make(1));
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(5), send).await;
        assert!(timed_out.is_err(), "the channel is full");
    });
    assert_eq!(
        drops.dropped(),
        1,
        "the unsent message is dropped with its future"
    );
    let rx = rx.close();
    assert_eq!(rx.drain().map(|m| m.id).collect::<Vec<_>>(), [0]);
    assert_eq!(drops.dropped(), 2);
}

/// A message whose drop panics when asked to, counting every drop.
struct Bomb {
    explodes: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.explodes {
            panic!("a message's drop panicked");
        }
    }
}

/// A waker whose wake panics: the drop of a close that wakes it panics.
struct PanickingWaker;

impl std::task::Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("a waker panicked");
    }
}

#[test]
fn a_panicking_message_drop_still_drops_the_rest_and_releases_drained() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel(4);
    for explodes in [true, false, false] {
        let drops = Arc::clone(&drops);
        tx.try_send(Bomb { explodes, drops })
            .unwrap_or_else(|_| panic!("room"));
    }
    let mut drained = tx.close().drained();
    let (wakes, waker) = counting_waker();
    assert!(poll_once(&mut drained, &waker).is_pending());

    let dropped = panic::catch_unwind(AssertUnwindSafe(|| drop(rx)));
    assert!(
        dropped.is_err(),
        "the message's panic goes on to the dropper"
    );
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "every message dropped once"
    );
    assert!(wakes.get() > 0, "the Drained future was woken");
    let tx = match poll_once(&mut drained, &waker) {
        std::task::Poll::Ready(tx) => tx,
        std::task::Poll::Pending => panic!("Drained still pending with nothing left"),
    };
    assert_eq!(tx.state(), ChannelState::Closed);
}

#[test]
fn a_panicking_waker_in_the_last_receivers_close_still_drops_the_messages() {
    let drops = Arc::new(AtomicUsize::new(0));
    let bomb = || Bomb {
        explodes: false,
        drops: Arc::clone(&drops),
    };
    let (tx, rx) = channel(2);
    for _ in 0..2 {
        tx.try_send(bomb()).unwrap_or_else(|_| panic!("room"));
    }
    // A send parked on the full channel with a waker that panics when the
    // last receiver's drop closes the channel.
    let mut send = Box::pin(tx.send(bomb()));
    let waker = std::task::Waker::from(Arc::new(PanickingWaker));
    assert!(poll_once(&mut send, &waker).is_pending());

    let dropped = panic::catch_unwind(AssertUnwindSafe(|| drop(rx)));
    assert!(dropped.is_err(), "the waker's panic goes on to the dropper");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "the buffered messages were dropped"
    );
    assert_eq!(tx.state(), ChannelState::Closed);
    drop(send);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "the parked send's message too"
    );
}
