//! Every transition, from every side, and how the other handles catch up
//! with it through `into_current`.

mod common;

use chan_typestate::{
    channel, ChannelState, Closed, Closing, Open, Receiver, SendError, Sender, TryRecvError,
    TrySendError,
};
use common::{block_on, expect_state};

#[test]
fn new_handles_are_open_and_stay_open() {
    let (tx, rx) = channel::<u8>(3);
    assert_eq!(
        (tx.state(), rx.state()),
        (ChannelState::Open, ChannelState::Open)
    );
    assert_eq!((tx.capacity(), rx.capacity()), (3, 3));
    let tx: Sender<u8, Open> = expect_state!(tx.into_current(), SenderState::Open);
    let rx: Receiver<u8, Open> = expect_state!(rx.into_current(), ReceiverState::Open);
    tx.try_send(1).unwrap();
    assert_eq!((tx.len(), rx.len()), (1, 1));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn sender_close_with_messages_left_is_closing_for_every_handle() {
    let (tx, rx) = channel(4);
    let other_tx = tx.clone();
    let other_rx = rx.clone();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();

    let closing: Sender<i32, Closing> = tx.close();
    assert_eq!(closing.state(), ChannelState::Closing);
    assert_eq!(closing.len(), 2);
    assert_eq!(other_tx.try_send(3), Err(TrySendError::Closed(3)));

    let other_tx = expect_state!(other_tx.into_current(), SenderState::Closing);
    let rx = expect_state!(rx.into_current(), ReceiverState::Closing);
    let other_rx = expect_state!(other_rx.into_current(), ReceiverState::Closing);

    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(other_rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    // Drained: every handle catches up to Closed.
    expect_state!(closing.into_current(), SenderState::Closed);
    expect_state!(other_tx.into_current(), SenderState::Closed);
    expect_state!(rx.into_current(), ReceiverState::Closed);
    expect_state!(other_rx.into_current(), ReceiverState::Closed);
}

#[test]
fn sender_close_on_an_empty_channel_is_closed_at_once() {
    let (tx, rx) = channel::<u8>(4);
    let closing = tx.close();
    assert_eq!(closing.state(), ChannelState::Closed);
    let rx: Receiver<u8, Closed> = expect_state!(rx.into_current(), ReceiverState::Closed);
    assert_eq!(rx.len(), 0);
    let closed: Sender<u8, Closed> = block_on(closing.drained());
    assert_eq!(closed.state(), ChannelState::Closed);
}

#[test]
fn receiver_close_stops_senders_and_keeps_the_buffer() {
    let (tx, rx) = channel(4);
    let other_rx = rx.clone();
    tx.try_send("a").unwrap();
    tx.try_send("b").unwrap();

    let closing: Receiver<&str, Closing> = rx.close();
    assert_eq!(tx.try_send("c"), Err(TrySendError::Closed("c")));
    let tx = expect_state!(tx.into_current(), SenderState::Closing);
    let other_rx = expect_state!(other_rx.into_current(), ReceiverState::Closing);

    let closing = closing.finish().expect_err("two messages left");
    assert_eq!(closing.drain().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(other_rx.try_recv(), Err(TryRecvError::Closed));

    let closed: Receiver<&str, Closed> = closing.finish().expect("drained");
    assert_eq!(closed.state(), ChannelState::Closed);
    expect_state!(tx.into_current(), SenderState::Closed);
    expect_state!(other_rx.into_current(), ReceiverState::Closed);
}

#[test]
fn closing_twice_from_both_sides_is_harmless() {
    let (tx, rx) = channel::<u8>(2);
    let tx2 = tx.clone();
    let rx2 = rx.clone();
    let tx = tx.close();
    let tx2 = tx2.close();
    let rx = rx.close();
    let rx2 = rx2.close();
    for state in [tx.state(), tx2.state(), rx.state(), rx2.state()] {
        assert_eq!(state, ChannelState::Closed);
    }
    assert!(rx.finish().is_ok());
    assert!(rx2.finish().is_ok());
}

#[test]
fn last_sender_dropped_closes_for_the_receivers() {
    let (tx, rx) = channel(4);
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    drop(tx);
    // One sender left: still open.
    let rx = expect_state!(rx.into_current(), ReceiverState::Open);
    tx2.try_send(2).unwrap();
    drop(tx2);

    let rx = expect_state!(rx.into_current(), ReceiverState::Closing);
    block_on(async {
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
    });
    expect_state!(rx.into_current(), ReceiverState::Closed);
}

/// The handle counts as the inner handle's `Debug` shows them.
fn counts(handle: &impl std::fmt::Debug) -> (usize, usize) {
    let shown = format!("{handle:?}");
    let field = |name: &str| -> usize {
        let start = shown
            .find(name)
            .unwrap_or_else(|| panic!("no `{name}` in {shown}"));
        shown[start + name.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    (field("senders: "), field("receivers: "))
}

#[test]
fn conversions_never_touch_the_counts() {
    let (tx, rx) = channel::<u8>(4);
    let tx2 = tx.clone();
    let rx2 = rx.clone();
    assert_eq!(counts(&tx), (2, 2));

    let tx = tx.close();
    let rx = rx.close();
    assert_eq!(counts(&tx), (2, 2));
    let tx2 = expect_state!(tx2.into_current(), SenderState::Closed);
    let rx2 = expect_state!(rx2.into_current(), ReceiverState::Closed);
    assert_eq!(counts(&tx2), (2, 2));

    let tx = block_on(tx.drained());
    let rx = rx.finish().expect("nothing buffered");
    assert_eq!(counts(&rx), (2, 2));

    // Handles in any state count: dropping them is what moves the counts.
    drop(tx);
    drop(rx2);
    assert_eq!(counts(&tx2), (1, 1));
    assert_eq!(counts(&rx), (1, 1));
}

#[test]
fn the_last_sender_dropped_in_the_closing_state_closes_for_receivers() {
    let (tx, rx) = channel::<u8>(4);
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    let closing = tx.close();
    drop(tx2);
    let rx = expect_state!(rx.into_current(), ReceiverState::Closing);
    drop(closing);
    assert_eq!(rx.try_recv(), Ok(1));
    expect_state!(rx.into_current(), ReceiverState::Closed);
}

#[test]
fn last_receiver_dropped_closes_for_the_senders_and_empties_the_buffer() {
    let (tx, rx) = channel(4);
    let rx2 = rx.clone();
    tx.try_send(1).unwrap();
    drop(rx);
    // One receiver left: still open, message still there.
    let tx = expect_state!(tx.into_current(), SenderState::Open);
    assert_eq!(tx.len(), 1);
    drop(rx2);

    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    let tx = expect_state!(tx.into_current(), SenderState::Closed);
    assert_eq!(tx.len(), 0);
}

#[test]
fn a_closing_receiver_still_counts_as_a_receiver() {
    let (tx, rx) = channel(4);
    let rx2 = rx.clone();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();

    // Closing and dropping one receiver leaves the other: the buffer stays.
    drop(rx.close());
    let rx2 = expect_state!(rx2.into_current(), ReceiverState::Closing);
    assert_eq!(rx2.len(), 2);
    assert_eq!(rx2.drain().collect::<Vec<_>>(), [1, 2]);
    expect_state!(tx.into_current(), SenderState::Closed);
}

#[test]
fn the_last_closing_receiver_dropped_empties_the_buffer() {
    let (tx, rx) = channel(4);
    tx.try_send(1).unwrap();
    let closing = rx.close();
    assert_eq!(tx.len(), 1);
    drop(closing);
    assert_eq!(tx.len(), 0);
    expect_state!(tx.into_current(), SenderState::Closed);
}

#[test]
fn drained_by_another_receiver_moves_closing_handles_to_closed() {
    let (tx, rx) = channel(4);
    let rx2 = rx.clone();
    tx.try_send(1).unwrap();
    let tx = tx.close();

    let rx = expect_state!(rx.into_current(), ReceiverState::Closing);
    let rx2 = expect_state!(rx2.into_current(), ReceiverState::Closing);
    // `rx` is typed Closing and the channel says so too: it stays Closing.
    let rx = expect_state!(rx.into_current(), ReceiverState::Closing);
    assert_eq!(rx2.try_recv(), Ok(1));
    // Now `rx` catches up with the drain that `rx2` did.
    expect_state!(rx.into_current(), ReceiverState::Closed);
    expect_state!(tx.into_current(), SenderState::Closed);
}

#[test]
fn closed_handles_stay_closed() {
    let (tx, rx) = channel::<u8>(1);
    let tx = block_on(tx.close().drained());
    let rx = rx.close().finish().expect("nothing buffered");
    let tx = expect_state!(tx.into_current(), SenderState::Closed);
    let rx = expect_state!(rx.into_current(), ReceiverState::Closed);
    assert_eq!(
        (tx.state(), rx.state()),
        (ChannelState::Closed, ChannelState::Closed)
    );
    assert_eq!((tx.len(), rx.len(), tx.capacity()), (0, 0, 1));
}

#[test]
fn finish_refuses_while_messages_remain() {
    let (tx, rx) = channel(4);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    let mut rx = rx.close();
    for expected in 0..3 {
        rx = rx.finish().expect_err("messages remain");
        assert_eq!(rx.len(), 3 - expected as usize);
        assert_eq!(rx.try_recv(), Ok(expected));
    }
    let rx = rx.finish().expect("nothing left");
    assert_eq!(rx.state(), ChannelState::Closed);
}

#[test]
fn finish_depends_on_the_buffer_not_on_live_senders() {
    // Closed by a receiver while senders are alive: `finish` depends only on
    // what is buffered, not on the senders.
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    let rx = rx.close();
    let rx = rx.finish().expect_err("one message left");
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(rx.finish().is_ok());
    drop(tx);
}

#[test]
fn drain_takes_what_is_buffered_in_order_and_stops() {
    let (tx, rx) = channel(8);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    let rx = rx.close();
    let mut drain = rx.drain();
    assert_eq!(drain.next(), Some(0));
    assert_eq!(drain.next(), Some(1));
    assert_eq!(drain.collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(rx.drain().next(), None);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn closing_receiver_recv_returns_the_rest_then_none() {
    let (tx, rx) = channel(4);
    block_on(async {
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        let rx = rx.close();
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn a_waiting_send_gets_its_message_back_when_a_receiver_closes() {
    let (tx, rx) = channel(1);
    block_on(async {
        tx.send(1).await.unwrap();
        let waiting = tokio::spawn(async move { tx.send(2).await });
        tokio::task::yield_now().await; // let it find the channel full and wait
        let rx = rx.close();
        assert_eq!(waiting.await.unwrap(), Err(SendError(2)));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn open_receiver_sees_none_after_a_sender_closes() {
    let (tx, rx) = channel(2);
    block_on(async {
        let consumer = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            (got, rx)
        });
        tx.send(7).await.unwrap();
        let tx = tx.close().drained().await;
        let (got, rx) = consumer.await.unwrap();
        assert_eq!(got, [7]);
        expect_state!(rx.into_current(), ReceiverState::Closed);
        assert_eq!(tx.state(), ChannelState::Closed);
    });
}

#[test]
fn debug_shows_the_typed_and_the_runtime_state() {
    let (tx, rx) = channel::<u8>(2);
    tx.try_send(1).unwrap();
    let rx2 = rx.clone();
    let rx = rx.close();
    let shown = format!("{rx2:?}");
    assert!(shown.starts_with("Receiver { typed: Open"), "{shown}");
    assert!(shown.contains("Closing"), "{shown}");
    assert!(format!("{rx:?}").starts_with("Receiver { typed: Closing"));
    assert!(format!("{:?}", tx.into_current()).starts_with("Closing(Sender { typed: Closing"));
    let drained = rx2.into_current();
    assert!(format!("{drained:?}").starts_with("Closing(Receiver"));
}
