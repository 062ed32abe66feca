//! Typed and plain handles together: wrapping and unwrapping never touches
//! the counts (so the channel closes exactly when it would have), the
//! chan-async operations forwarded to the typed handles, and taking the
//! sender back out of a `Drained` that was polled through `&mut`.

mod common;

use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use chan_typestate::{
    channel, ChannelState, Closing, Open, Receiver, ReceiverState, SendError, Sender, SenderState,
    TryRecvError,
};
use common::{block_on, counting_waker, expect_state, poll_once, DropCounter};
use futures_core::stream::{FusedStream, Stream};

#[test]
fn unwrapping_keeps_the_counts_and_the_channel_open() {
    let (tx, rx) = channel::<u8>(4);
    let plain_tx = tx.into_inner();
    let plain_rx = rx.into_inner();
    assert_eq!((plain_tx.sender_count(), plain_tx.receiver_count()), (1, 1));
    assert_eq!(plain_tx.state(), ChannelState::Open);
    plain_tx.try_send(1).unwrap();
    assert_eq!(plain_rx.try_recv(), Ok(1));

    // The unwrapped sender is the last one: dropping it closes the channel.
    drop(plain_tx);
    assert_eq!(plain_rx.state(), ChannelState::Closed);
    assert_eq!(plain_rx.sender_count(), 0);
}

#[test]
fn wrapping_types_after_the_runtime_state_and_keeps_the_counts() {
    let (tx, rx) = chan_async::channel::<u8>(4);
    let tx: Sender<u8, Open> = expect_state!(SenderState::from(tx), SenderState::Open);
    let rx2 = rx.clone();
    let rx: Receiver<u8, Open> = expect_state!(ReceiverState::from(rx), ReceiverState::Open);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 2));

    tx.try_send(1).unwrap();
    rx2.close();
    let tx: Sender<u8, Closing> =
        expect_state!(SenderState::from(tx.into_inner()), SenderState::Closing);
    let rx: Receiver<u8, Closing> =
        expect_state!(ReceiverState::from(rx.into_inner()), ReceiverState::Closing);
    assert_eq!(rx.try_recv(), Ok(1));
    let tx = expect_state!(SenderState::from(tx.into_inner()), SenderState::Closed);
    let rx = expect_state!(ReceiverState::from(rx.into_inner()), ReceiverState::Closed);
    assert_eq!((tx.sender_count(), rx.receiver_count()), (1, 2));
    assert!(tx.same_channel(&tx));
    drop(rx2);
}

#[test]
fn a_closing_receiver_unwrapped_keeps_its_messages() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(4);
    tx.try_send(drops.make(1)).unwrap();
    tx.try_send(drops.make(2)).unwrap();
    let rx = rx.close().into_inner();
    assert_eq!(drops.dropped(), 0);
    assert_eq!(rx.recv_blocking().map(|m| m.id), Some(1));
    drop(rx); // the last receiver: drops the other message, once
    assert_eq!(drops.dropped(), 2);
    assert_eq!(tx.state(), ChannelState::Closed);
}

#[test]
fn the_last_handle_closes_whether_typed_or_plain() {
    let (tx, rx) = channel::<u8>(2);
    let plain = tx.clone().into_inner();
    drop(tx);
    assert_eq!(
        rx.state(),
        ChannelState::Open,
        "the plain sender still counts"
    );
    drop(plain);
    assert_eq!(rx.state(), ChannelState::Closed);

    let (tx, rx) = chan_async::channel::<u8>(2);
    let typed = expect_state!(ReceiverState::from(rx.clone()), ReceiverState::Open);
    drop(rx);
    assert!(!tx.is_closed(), "the typed receiver still counts");
    drop(typed);
    assert!(tx.is_closed());
}

#[test]
fn a_weak_sender_through_as_inner_does_not_keep_the_channel_open() {
    let (tx, rx) = channel::<u8>(2);
    let weak = tx.as_inner().downgrade();
    let weak_rx = rx.as_inner().downgrade();
    let upgraded = weak.upgrade().expect("a sender exists");
    assert_eq!(tx.sender_count(), 2);
    drop(upgraded);
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert!(rx.is_closed());
    let rx2 = weak_rx.upgrade();
    assert!(rx2.is_none(), "closed and drained");
}

#[test]
fn drained_gives_its_sender_back_after_a_timeout_through_a_mutable_borrow() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, rx) = channel(2);
        tx.send(1).await.unwrap();
        let mut drained = tx.close().drained();
        let waited = tokio::time::timeout(Duration::from_millis(5), &mut drained).await;
        assert!(waited.is_err(), "one message is left");
        let tx: Sender<i32, Closing> = drained.into_sender();
        assert_eq!(tx.sender_count(), 1, "the handle came back, not a new one");

        // The entry the future left behind does not disturb a later wait.
        let mut drained = tx.drained();
        let (woken, waker) = counting_waker();
        assert!(poll_once(&mut drained, &waker).is_pending());
        assert_eq!(rx.recv().await, Some(1));
        assert!(woken.get() >= 1, "the last receive woke the second wait");
        let Poll::Ready(tx) = poll_once(&mut drained, &waker) else {
            panic!("closed and drained");
        };
        assert_eq!(tx.state(), ChannelState::Closed);
    });
}

#[test]
fn a_sender_taken_back_from_drained_still_closes_the_channel_when_dropped() {
    let (tx, rx) = channel::<u8>(2);
    tx.try_send(1).unwrap();
    let mut drained = tx.close().drained();
    let (_, waker) = counting_waker();
    assert!(poll_once(&mut drained, &waker).is_pending());
    let tx = drained.into_sender();
    drop(tx);
    assert_eq!(rx.sender_count(), 0);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
#[should_panic(expected = "after the future completed")]
fn into_sender_after_completion_panics() {
    let (tx, _rx) = channel::<u8>(2);
    let mut drained = tx.close().drained();
    let (_, waker) = counting_waker();
    assert!(poll_once(&mut drained, &waker).is_ready());
    let _ = drained.into_sender();
}

#[test]
fn send_blocking_from_a_thread_to_an_async_receiver() {
    let (tx, rx) = channel(1);
    let feeder = std::thread::spawn(move || {
        for i in 0..10 {
            tx.send_blocking(i).unwrap();
        }
        let tx = tx.close();
        assert!(tx.is_closed());
    });
    let got = block_on(async {
        let mut got = Vec::new();
        while let Some(i) = rx.recv().await {
            got.push(i);
        }
        got
    });
    feeder.join().unwrap();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
}

#[test]
fn send_blocking_on_a_closed_channel_gives_the_value_back() {
    let (tx, rx) = channel(1);
    let _rx = rx.close();
    assert_eq!(tx.send_blocking(5), Err(SendError(5)));
}

#[test]
fn closed_resolves_when_the_last_receiver_goes() {
    let (tx, rx) = channel::<u8>(1);
    let mut closed = tx.closed();
    let (woken, waker) = counting_waker();
    assert!(poll_once(&mut closed, &waker).is_pending());
    drop(rx);
    assert_eq!(woken.get(), 1);
    assert!(poll_once(&mut closed, &waker).is_ready());
    drop(closed);
    expect_state!(tx.into_current(), SenderState::Closed);
}

#[test]
fn recv_blocking_and_recv_many_on_open_and_closing_receivers() {
    let (tx, rx) = channel(8);
    for i in 0..6 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(rx.recv_blocking(), Some(0));
    let mut buf = Vec::new();
    assert_eq!(block_on(rx.recv_many(&mut buf, 2)), 2);
    let rx = rx.close();
    assert_eq!(rx.recv_blocking(), Some(3));
    assert_eq!(block_on(rx.recv_many(&mut buf, 10)), 2);
    assert_eq!(buf, [1, 2, 4, 5]);
    assert_eq!(block_on(rx.recv_many(&mut buf, 10)), 0);
    assert_eq!(rx.recv_blocking(), None);
    assert!(rx.finish().is_ok());
}

#[test]
fn typed_receivers_are_fused_streams_in_both_receiving_states() {
    let (tx, mut rx) = channel(4);
    let (woken, waker) = counting_waker();
    let next = |rx: &mut Receiver<i32, Open>| {
        poll_once(&mut poll_fn(|cx| Pin::new(&mut *rx).poll_next(cx)), &waker)
    };
    assert_eq!(next(&mut rx), Poll::Pending);
    tx.try_send(1).unwrap();
    assert_eq!(woken.get(), 1);
    assert_eq!(next(&mut rx), Poll::Ready(Some(1)));
    tx.try_send(2).unwrap();
    tx.try_send(3).unwrap();
    assert_eq!(rx.size_hint(), (0, None));

    let mut rx: Receiver<i32, Closing> = rx.close();
    let mut got = Vec::new();
    while let Some(i) = block_on(poll_fn(|cx| Pin::new(&mut rx).poll_next(cx))) {
        got.push(i);
    }
    assert_eq!(got, [2, 3]);
    assert!(rx.is_terminated());
    assert_eq!(rx.size_hint(), (0, Some(0)));
}

#[test]
fn queries_answer_in_every_state() {
    let (tx, rx) = channel::<u8>(1);
    let (tx2, rx2) = (tx.clone(), rx.clone());
    tx.try_send(1).unwrap();
    assert!(tx.is_full() && rx.is_full());
    assert!(!tx.is_closed() && !rx.is_closed());
    let tx = tx.close();
    let rx = rx.close();
    assert!(tx.is_closed() && rx.is_closed());
    assert!(tx.is_full() && rx.is_full());
    assert_eq!((tx.sender_count(), tx.receiver_count()), (2, 2));
    assert!(tx.same_channel(&tx2) && tx2.same_channel(&tx));
    assert!(rx.same_channel(&rx2) && rx2.same_channel(&rx));
    assert_eq!(rx.try_recv(), Ok(1));
    let rx = rx.finish().unwrap();
    assert!(rx.is_closed() && !rx.is_full() && rx.is_empty());
    assert_eq!((rx.sender_count(), rx.receiver_count()), (2, 2));
    drop((tx2, rx2));
    assert_eq!((rx.sender_count(), rx.receiver_count()), (1, 1));
    let tx = block_on(tx.drained());
    assert!(tx.is_closed() && tx.same_channel(&tx));
    let (other, _other_rx) = channel::<u8>(1);
    assert!(!tx.same_channel(&other));
}
