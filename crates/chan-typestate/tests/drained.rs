//! `Sender<T, Closing>::drained`: resolves exactly when the last accepted
//! message is taken (or dropped with the last receiver), and not before.

mod common;

use std::task::Poll;
use std::time::Duration;

use chan_typestate::{channel, ChannelState, Closed, Sender};
use common::{block_on, counting_waker, expect_state, poll_once, DropCounter};

#[test]
fn pending_until_the_last_message_is_taken() {
    let (tx, rx) = channel(4);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    let mut drained = tx.close().drained();
    let (wakes, waker) = counting_waker();

    assert!(poll_once(&mut drained, &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(poll_once(&mut drained, &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    // One message held back: still pending, however often it is polled.
    for _ in 0..3 {
        assert!(poll_once(&mut drained, &waker).is_pending());
    }
    let wakes_before_last = wakes.get();

    assert_eq!(rx.try_recv(), Ok(2)); // the last one
    assert!(
        wakes.get() > wakes_before_last,
        "taking the last message wakes it"
    );
    match poll_once(&mut drained, &waker) {
        Poll::Ready(tx) => {
            let tx: Sender<i32, Closed> = tx;
            assert_eq!((tx.state(), tx.len()), (ChannelState::Closed, 0));
        }
        Poll::Pending => panic!("still pending after the last message was taken"),
    }
}

#[test]
fn pending_until_the_last_message_is_taken_by_a_closing_receiver() {
    let (tx, rx) = channel(4);
    tx.try_send("a").unwrap();
    tx.try_send("b").unwrap();
    let rx = rx.close();
    let tx = expect_state!(tx.into_current(), SenderState::Closing);
    let mut drained = tx.drained();
    let (wakes, waker) = counting_waker();

    assert!(poll_once(&mut drained, &waker).is_pending());
    assert_eq!(rx.drain().next(), Some("a"));
    assert!(poll_once(&mut drained, &waker).is_pending());
    let rx = rx.finish().expect_err("one message left");
    assert_eq!(rx.try_recv(), Ok("b"));
    assert!(wakes.get() > 0);
    assert!(poll_once(&mut drained, &waker).is_ready());
    assert!(rx.finish().is_ok());
}

#[test]
fn resolves_when_the_last_receiver_drops_with_messages_left() {
    let drops = DropCounter::default();
    let (tx, rx) = channel(4);
    let rx2 = rx.clone();
    for i in 0..3 {
        tx.try_send(drops.make(i)).unwrap();
    }
    let mut drained = tx.close().drained();
    let (wakes, waker) = counting_waker();
    assert!(poll_once(&mut drained, &waker).is_pending());

    drop(rx); // not the last receiver: nothing changes
    assert!(poll_once(&mut drained, &waker).is_pending());
    assert_eq!(drops.dropped(), 0);

    drop(rx2); // the last one: the buffered messages are dropped
    assert_eq!(drops.dropped(), 3);
    assert!(wakes.get() > 0, "the last receiver's drop wakes it");
    let tx = match poll_once(&mut drained, &waker) {
        Poll::Ready(tx) => tx,
        Poll::Pending => panic!("pending after the last receiver dropped"),
    };
    assert_eq!((tx.state(), tx.len()), (ChannelState::Closed, 0));
    assert_eq!(drops.dropped(), 3);
}

#[test]
fn resolves_at_the_first_poll_when_nothing_is_buffered() {
    let (tx, rx) = channel::<u8>(2);
    let mut drained = tx.close().drained();
    let (wakes, waker) = counting_waker();
    assert!(poll_once(&mut drained, &waker).is_ready());
    assert_eq!(wakes.get(), 0);
    drop(rx);
}

#[test]
fn only_the_newest_waker_is_woken() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    let mut drained = tx.close().drained();
    let (old_wakes, old_waker) = counting_waker();
    let (new_wakes, new_waker) = counting_waker();
    assert!(poll_once(&mut drained, &old_waker).is_pending());
    assert!(poll_once(&mut drained, &new_waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(old_wakes.get(), 0, "the replaced waker is not woken");
    assert_eq!(new_wakes.get(), 1);
    assert!(poll_once(&mut drained, &new_waker).is_ready());
}

#[test]
fn several_closing_senders_all_resolve_and_a_dropped_one_does_not_interfere() {
    let (tx, rx) = channel(4);
    let (tx2, tx3) = (tx.clone(), tx.clone());
    tx.try_send(1).unwrap();
    let mut first = tx.close().drained();
    let mut second = expect_state!(tx2.into_current(), SenderState::Closing).drained();
    let abandoned = expect_state!(tx3.into_current(), SenderState::Closing).drained();
    let (first_wakes, first_waker) = counting_waker();
    let (second_wakes, second_waker) = counting_waker();

    assert!(poll_once(&mut first, &first_waker).is_pending());
    assert!(poll_once(&mut second, &second_waker).is_pending());
    drop(abandoned); // gives its waiter entry back with its sender
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!((first_wakes.get(), second_wakes.get()), (1, 1));
    assert!(poll_once(&mut first, &first_waker).is_ready());
    assert!(poll_once(&mut second, &second_waker).is_ready());
}

#[test]
#[should_panic(expected = "`Drained` polled after it completed")]
fn polling_after_completion_panics() {
    let (tx, _rx) = channel::<u8>(1);
    let mut drained = tx.close().drained();
    let (_, waker) = counting_waker();
    assert!(poll_once(&mut drained, &waker).is_ready());
    let _ = poll_once(&mut drained, &waker);
}

#[test]
fn awaits_a_slow_consumer_on_a_multi_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, rx) = channel(16);
        for i in 0..16 {
            tx.send(i).await.unwrap();
        }
        let consumer = tokio::spawn(async move {
            let mut sum = 0;
            while let Some(i) = rx.recv().await {
                tokio::time::sleep(Duration::from_millis(1)).await;
                sum += i;
            }
            sum
        });
        let tx = tx.close().drained().await;
        assert_eq!((tx.state(), tx.len()), (ChannelState::Closed, 0));
        assert_eq!(consumer.await.unwrap(), (0..16).sum::<i32>());
    });
}

#[test]
fn does_not_resolve_while_a_message_waits_for_a_receiver() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    block_on(async {
        let drained = tx.close().drained();
        let timed_out = tokio::time::timeout(Duration::from_millis(20), drained).await;
        assert!(timed_out.is_err(), "resolved with a message still buffered");
        assert_eq!(rx.try_recv(), Ok(1));
    });
}
