#![cfg(not(chan_loom))]
//! A receiver used as a `Stream` that is woken and then not polled again
//! holds nobody up: the wake a message causes reaches a receiver waiting in
//! `recv()` too.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use chan_async::channel;
use futures_core::Stream;

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
fn a_stream_left_alone_after_its_wake_does_not_hold_up_a_recv() {
    let (tx, rx) = channel(4);
    let mut stream = rx.clone();
    let (stream_wakes, stream_waker) = counting_waker();
    // The stream waits first (the oldest waiter), then a `recv()`.
    assert!(Pin::new(&mut stream)
        .poll_next(&mut Context::from_waker(&stream_waker))
        .is_pending());
    let (recv_wakes, recv_waker) = counting_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(recv
        .as_mut()
        .poll(&mut Context::from_waker(&recv_waker))
        .is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(wakes(&stream_wakes), 1, "the oldest waiter is woken");
    // The stream is never polled again; the `recv()` gets the message.
    assert_eq!(
        wakes(&recv_wakes),
        1,
        "the recv() was held up by the stream"
    );
    assert_eq!(
        recv.as_mut().poll(&mut Context::from_waker(&recv_waker)),
        Poll::Ready(Some(1))
    );
    // The stream polled later waits again, and is served by the next send.
    assert!(Pin::new(&mut stream)
        .poll_next(&mut Context::from_waker(&stream_waker))
        .is_pending());
    tx.try_send(2).unwrap();
    assert_eq!(wakes(&stream_wakes), 2);
    assert_eq!(
        Pin::new(&mut stream).poll_next(&mut Context::from_waker(&stream_waker)),
        Poll::Ready(Some(2))
    );
}

#[test]
fn receivers_that_are_all_streams_still_get_every_message() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
        .block_on(async {
            let (tx, rx) = channel::<u32>(1);
            let consumers: Vec<_> = (0..4)
                .map(|_| {
                    let mut rx = rx.clone();
                    tokio::spawn(async move {
                        let mut sum = 0u64;
                        while let Some(value) =
                            std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await
                        {
                            sum += u64::from(value);
                        }
                        sum
                    })
                })
                .collect();
            drop(rx);
            for value in 0..2000 {
                tx.send(value).await.unwrap();
            }
            drop(tx);
            let mut total = 0;
            for consumer in consumers {
                total += consumer.await.unwrap();
            }
            assert_eq!(total, (0..2000u64).sum());
        });
}

/// Documents a limit: a stream's wake is shared with the one waiter behind
/// it. Two streams left alone at the front of the line take one message's
/// wake between them, and a `recv()` behind them is woken only by the next
/// message.
#[test]
fn two_streams_left_alone_share_a_wake_between_them() {
    let (tx, rx) = channel(4);
    let mut streams = [rx.clone(), rx.clone()];
    let (stream_wakes, stream_waker) = counting_waker();
    for stream in &mut streams {
        assert!(Pin::new(stream)
            .poll_next(&mut Context::from_waker(&stream_waker))
            .is_pending());
    }
    let (recv_wakes, recv_waker) = counting_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(recv
        .as_mut()
        .poll(&mut Context::from_waker(&recv_waker))
        .is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(wakes(&stream_wakes), 2, "both streams are woken");
    assert_eq!(wakes(&recv_wakes), 0, "the recv() behind them is not");
    tx.try_send(2).unwrap();
    assert_eq!(wakes(&recv_wakes), 1, "the next message wakes it");
    assert_eq!(
        recv.as_mut().poll(&mut Context::from_waker(&recv_waker)),
        Poll::Ready(Some(1))
    );
}
