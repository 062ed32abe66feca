//! Every message is dropped exactly once, whichever handle goes last and in
//! whichever state: taken by a receiver, refused by a closed channel, or
//! left behind in the buffer.

mod common;

use chan_typestate::{channel, TrySendError};
use common::{block_on, expect_state, DropCounter};

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
