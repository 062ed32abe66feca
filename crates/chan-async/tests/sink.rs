#![cfg(all(not(chan_loom), feature = "sink"))]
//! `SendSink` under the combinators of `futures` (`SinkExt::send`, `feed` +
//! `flush`, `send_all`, `StreamExt::forward`) on full and closed channels,
//! and its own contract polled by hand: `poll_ready` holds a slot,
//! `start_send` uses it, `poll_close` gives it back without closing.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use chan_async::{channel, SendError, TrySendError};
use futures::{stream, FutureExt, Sink, SinkExt, StreamExt};

/// A waker that counts its wakes.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<Counter>, Waker) {
    let counter = Arc::new(Counter::default());
    (Arc::clone(&counter), Waker::from(counter))
}

fn wakes(counter: &Counter) -> usize {
    counter.0.load(Ordering::SeqCst)
}

#[test]
fn poll_ready_waits_on_a_full_channel_until_a_receive() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let mut sink = tx.sink();
    let (woken, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut sink).poll_ready(&mut cx).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(wakes(&woken), 1, "the receive woke the sink");
    assert_eq!(Pin::new(&mut sink).poll_ready(&mut cx), Poll::Ready(Ok(())));
    // The slot is held: nobody else can take it.
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    Pin::new(&mut sink).start_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn poll_close_gives_the_slot_back_and_leaves_the_channel_open() {
    let (tx, rx) = channel::<u8>(1);
    let mut sink = tx.sink();
    let waker = counting_waker().1;
    let mut cx = Context::from_waker(&waker);
    assert_eq!(Pin::new(&mut sink).poll_ready(&mut cx), Poll::Ready(Ok(())));
    assert!(tx.is_full());
    assert_eq!(Pin::new(&mut sink).poll_close(&mut cx), Poll::Ready(Ok(())));
    assert!(!tx.is_full() && !tx.is_closed());
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_dropped_sink_gives_its_slot_back_and_wakes_a_waiting_sender() {
    let (tx, rx) = channel::<u8>(1);
    let mut sink = tx.sink();
    let waker = counting_waker().1;
    assert!(Pin::new(&mut sink)
        .poll_ready(&mut Context::from_waker(&waker))
        .is_ready());
    let (woken, other) = counting_waker();
    let mut send = Box::pin(tx.send(3));
    assert!(send
        .as_mut()
        .poll(&mut Context::from_waker(&other))
        .is_pending());
    drop(sink);
    assert_eq!(wakes(&woken), 1);
    assert_eq!(
        send.as_mut().poll(&mut Context::from_waker(&other)),
        Poll::Ready(Ok(()))
    );
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
#[should_panic(expected = "without a slot held")]
fn start_send_without_poll_ready_panics() {
    let (tx, _rx) = channel(1);
    let mut sink = tx.sink();
    let _ = Pin::new(&mut sink).start_send(1);
}

#[test]
fn a_closed_channel_fails_poll_ready() {
    let (tx, rx) = channel::<u8>(1);
    rx.close();
    let mut sink = tx.sink();
    let waker = counting_waker().1;
    assert_eq!(
        Pin::new(&mut sink).poll_ready(&mut Context::from_waker(&waker)),
        Poll::Ready(Err(SendError(())))
    );
}

#[test]
fn combinators_on_a_full_channel_then_a_closed_one() {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let (tx, rx) = channel(2);
        let consumer = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(value) = rx.recv().await {
                got.push(value);
            }
            got
        });
        let mut sink = tx.clone().into_sink();
        sink.send(0).await.unwrap();
        sink.feed(1).await.unwrap();
        sink.feed(2).await.unwrap();
        sink.flush().await.unwrap();
        sink.send_all(&mut stream::iter(3..50).map(Ok))
            .await
            .unwrap();
        stream::iter(50..100)
            .map(Ok)
            .forward(tx.sink())
            .await
            .unwrap();
        // `forward` closes its sink: the channel stays open for the rest.
        assert!(!tx.is_closed());
        sink.close().await.unwrap();
        drop(sink);
        drop(tx);
        assert_eq!(consumer.await.unwrap(), (0..100).collect::<Vec<_>>());
    });
}

#[test]
fn send_on_a_full_channel_resolves_after_a_receive_and_fails_once_closed() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let mut sink = tx.sink();
    {
        let mut send = sink.send(1);
        assert!((&mut send).now_or_never().is_none(), "full: pending");
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(send.now_or_never(), Some(Ok(())));
    }
    assert_eq!(rx.try_recv(), Ok(1));
    rx.close();
    assert_eq!(sink.send(2).now_or_never(), Some(Err(SendError(()))));
}

#[test]
fn clones_hold_slots_of_their_own() {
    let (tx, rx) = channel(2);
    let mut first = tx.sink();
    let mut second = first.clone();
    let waker = counting_waker().1;
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut first).poll_ready(&mut cx).is_ready());
    assert!(Pin::new(&mut second).poll_ready(&mut cx).is_ready());
    assert!(tx.is_full());
    Pin::new(&mut second).start_send('b').unwrap();
    Pin::new(&mut first).start_send('a').unwrap();
    assert_eq!((rx.try_recv(), rx.try_recv()), (Ok('b'), Ok('a')));
    assert!(format!("{first:?}").starts_with("SendSink"));
}

/// `SinkExt::feed` (or `send`) borrows the sink: a `select!` that drops the
/// feed future after the sink was woken leaves the sink alive and unpolled,
/// holding its place in the senders' queue. The wake it got must not be
/// lost to a `send` waiting behind it.
#[test]
fn a_sink_left_alone_after_its_wake_does_not_hold_up_a_send() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let mut sink = tx.sink();
    let (sink_wakes, sink_waker) = counting_waker();
    {
        // The sink waits first (the oldest waiter)...
        let mut feed = sink.feed(1);
        assert!(Pin::new(&mut feed)
            .poll(&mut Context::from_waker(&sink_waker))
            .is_pending());
        // ...and the select! moves on: the feed is dropped, the sink lives.
    }
    let (send_wakes, send_waker) = counting_waker();
    let mut send = Box::pin(tx.send(2));
    assert!(send
        .as_mut()
        .poll(&mut Context::from_waker(&send_waker))
        .is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(wakes(&sink_wakes), 1, "the oldest waiter is woken");
    assert_eq!(
        wakes(&send_wakes),
        1,
        "the send was held up by the sink left alone"
    );
    assert_eq!(
        send.as_mut().poll(&mut Context::from_waker(&send_waker)),
        Poll::Ready(Ok(()))
    );
    // The sink polled later waits again, and is served by the next receive.
    let mut feed = sink.feed(1);
    assert!(Pin::new(&mut feed)
        .poll(&mut Context::from_waker(&sink_waker))
        .is_pending());
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(wakes(&sink_wakes), 2);
    assert_eq!(
        Pin::new(&mut feed).poll(&mut Context::from_waker(&sink_waker)),
        Poll::Ready(Ok(()))
    );
    drop(feed);
    assert_eq!(rx.try_recv(), Ok(1));
}
