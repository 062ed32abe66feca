#![cfg(not(chan_loom))]
//! Rendezvous channels (`channel(0)`): a value passes only from a sender to
//! a receiver that takes it. Most tests poll futures by hand with counting
//! wakers, so each fixes one interleaving; the last ones run tasks and
//! threads.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use chan_async::{
    channel, ChannelState, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};
use futures_core::Stream;

#[derive(Default)]
struct Counter(AtomicUsize);

impl Counter {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn waker() -> (Arc<Counter>, Waker) {
    let counter = Arc::new(Counter::default());
    (Arc::clone(&counter), Waker::from(counter))
}

fn poll<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// A value that records its drops in a shared log.
#[derive(Debug)]
struct Tracked(u32, Arc<Mutex<Vec<u32>>>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.1.lock().unwrap().push(self.0);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn queries_of_a_rendezvous_channel() {
    let (tx, rx) = channel::<u8>(0);
    assert_eq!((tx.capacity(), tx.len(), rx.len()), (0, 0, 0));
    assert!(tx.is_full() && tx.is_empty() && rx.is_full() && rx.is_empty());
    assert_eq!(tx.state(), ChannelState::Open);
    tx.close();
    assert_eq!(rx.state(), ChannelState::Closed);
}

/// A rendezvous channel's ring is closed from the start (it routes the
/// buffered paths to the exchange): none of that shows before the close.
#[test]
fn a_rendezvous_channel_is_open_until_it_is_closed() {
    let (tx, rx) = channel::<u8>(0);
    let (_, waker) = waker();
    assert!(!tx.is_closed() && !rx.is_closed());
    let weak_tx = tx.downgrade();
    let weak_rx = rx.downgrade();
    assert!(weak_tx.upgrade().is_some() && weak_rx.upgrade().is_some());
    let mut closed = pin!(tx.closed());
    assert!(poll(closed.as_mut(), &waker).is_pending());
    let mut drained = pin!(tx.drained());
    assert!(poll(drained.as_mut(), &waker).is_pending());
    // The futures that found the ring closed went to the exchange.
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    let mut reserve = pin!(tx.reserve());
    let Poll::Ready(Ok(permit)) = poll(reserve.as_mut(), &waker) else {
        panic!("a receiver waits: the reserve is granted");
    };
    permit.send(3);
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(3)));
    assert!(rx.close());
    assert!(tx.is_closed() && rx.is_closed());
    assert!(poll(closed.as_mut(), &waker).is_ready());
    assert!(poll(drained.as_mut(), &waker).is_ready());
    assert!(weak_tx.upgrade().is_none() && weak_rx.upgrade().is_none());
    assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_send_is_full_without_a_waiting_receiver_and_succeeds_with_one() {
    let (tx, rx) = channel(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let (woke, w) = waker();
    let mut recv = pin!(rx.recv());
    assert_eq!(poll(recv.as_mut(), &w), Poll::Pending);
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(woke.wakes(), 1);
    // The receiver was handed the one value: no other receiver waits.
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(poll(recv.as_mut(), &w), Poll::Ready(Some(2)));
    assert_eq!(tx.len(), 0);
}

#[test]
fn try_recv_takes_the_first_blocked_senders_value_and_completes_its_send() {
    let (tx, rx) = channel(0);
    let (woke1, w1) = waker();
    let (woke2, w2) = waker();
    let mut send1 = pin!(tx.send(1));
    let mut send2 = pin!(tx.send(2));
    assert!(poll(send1.as_mut(), &w1).is_pending());
    assert!(poll(send2.as_mut(), &w2).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!((woke1.wakes(), woke2.wakes()), (1, 0));
    assert_eq!(poll(send1.as_mut(), &w1), Poll::Ready(Ok(())));
    assert!(poll(send2.as_mut(), &w2).is_pending());
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(poll(send2.as_mut(), &w2), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn waiting_receivers_are_served_first_come_first_served() {
    let (tx, rx) = channel(0);
    let (w1c, w1) = waker();
    let (w2c, w2) = waker();
    let mut r1 = pin!(rx.recv());
    let mut r2 = pin!(rx.recv());
    assert!(poll(r1.as_mut(), &w1).is_pending());
    assert!(poll(r2.as_mut(), &w2).is_pending());
    tx.try_send(10).unwrap();
    assert_eq!((w1c.wakes(), w2c.wakes()), (1, 0));
    tx.try_send(20).unwrap();
    assert_eq!((w1c.wakes(), w2c.wakes()), (1, 1));
    assert_eq!(poll(r1.as_mut(), &w1), Poll::Ready(Some(10)));
    assert_eq!(poll(r2.as_mut(), &w2), Poll::Ready(Some(20)));
}

#[test]
fn a_value_handed_to_a_dropped_receive_goes_to_the_next_receive_first() {
    let (tx, rx) = channel(0);
    let (_, w1) = waker();
    let (w2c, w2) = waker();
    let mut r1 = Box::pin(rx.recv());
    let mut r2 = pin!(rx.recv());
    assert!(poll(r1.as_mut(), &w1).is_pending());
    assert!(poll(r2.as_mut(), &w2).is_pending());
    tx.try_send(1).unwrap(); // handed to r1
    let (_, ws) = waker();
    let mut blocked = pin!(tx.send(2)); // r2 is free: handed to r2
    assert_eq!(poll(blocked.as_mut(), &ws), Poll::Ready(Ok(())));
    let mut late = pin!(tx.send(3)); // nobody free: waits
    assert!(poll(late.as_mut(), &ws).is_pending());
    drop(r1); // 1 is passed on, r2 is already woken for 2
    assert_eq!(w2c.wakes(), 1);
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "the dropped receive's value comes first"
    );
    assert_eq!(poll(r2.as_mut(), &w2), Poll::Ready(Some(2)));
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn a_handed_value_taken_by_another_receive_lets_the_first_wait_again() {
    let (tx, rx) = channel(0);
    let (w1c, w1) = waker();
    let mut r1 = pin!(rx.recv());
    assert!(poll(r1.as_mut(), &w1).is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1)); // taken first by another receive
    assert!(poll(r1.as_mut(), &w1).is_pending(), "waits again");
    tx.try_send(2).unwrap(); // r1 waits again, so a send meets it
    assert_eq!(w1c.wakes(), 2);
    assert_eq!(poll(r1.as_mut(), &w1), Poll::Ready(Some(2)));
}

#[test]
fn a_dropped_receive_that_was_handed_a_value_passes_it_to_a_waiting_one() {
    let (tx, rx) = channel(0);
    let (_, w1) = waker();
    let (w2c, w2) = waker();
    let mut r1 = Box::pin(rx.recv());
    let mut r2 = pin!(rx.recv());
    assert!(poll(r1.as_mut(), &w1).is_pending());
    tx.try_send(1).unwrap(); // handed to r1, r2 not waiting yet
                             // r2 polls before r1: it takes the handed value.
    assert_eq!(poll(r2.as_mut(), &w2), Poll::Ready(Some(1)));
    // Again, with r2 waiting when r1 is dropped.
    let mut r2 = pin!(rx.recv());
    assert!(poll(r1.as_mut(), &w1).is_pending()); // robbed: waits again
    assert!(poll(r2.as_mut(), &w2).is_pending());
    tx.try_send(2).unwrap(); // handed to r1 (first in line)
    assert_eq!(w2c.wakes(), 0);
    drop(r1);
    assert_eq!(w2c.wakes(), 1, "the wake and the value pass on");
    assert_eq!(poll(r2.as_mut(), &w2), Poll::Ready(Some(2)));
}

#[test]
fn close_gives_blocked_senders_their_values_back() {
    let (tx, rx) = channel(0);
    let (wc, w) = waker();
    let mut send = pin!(tx.send(7));
    assert!(poll(send.as_mut(), &w).is_pending());
    rx.close();
    assert_eq!(wc.wakes(), 1);
    assert_eq!(poll(send.as_mut(), &w), Poll::Ready(Err(SendError(7))));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(tx.try_send(8), Err(TrySendError::Closed(8)));
}

#[test]
fn close_leaves_handed_values_to_the_receivers_then_the_end() {
    let (tx, rx) = channel(0);
    let (_, w1) = waker();
    let (_, w2) = waker();
    let mut r1 = pin!(rx.recv());
    let mut r2 = pin!(rx.recv());
    assert!(poll(r1.as_mut(), &w1).is_pending());
    assert!(poll(r2.as_mut(), &w2).is_pending());
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    tx.close();
    assert_eq!(tx.state(), ChannelState::Closing);
    assert_eq!(poll(r2.as_mut(), &w2), Poll::Ready(Some(1)));
    assert_eq!(poll(r1.as_mut(), &w1), Poll::Ready(Some(2)));
    assert_eq!(tx.state(), ChannelState::Closed);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn the_last_receiver_drops_handed_values_once_and_senders_see_closed() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = channel(0);
    let (_, w) = waker();
    {
        let mut recv = Box::pin(rx.recv());
        assert!(poll(recv.as_mut(), &w).is_pending());
        tx.try_send(Tracked(1, log.clone())).unwrap();
        let rx2 = rx.clone();
        drop(recv); // 1 waits for the next receive
        drop(rx2);
    }
    let mut blocked = pin!(tx.send(Tracked(2, log.clone())));
    assert!(poll(blocked.as_mut(), &w).is_pending());
    assert!(log.lock().unwrap().is_empty());
    drop(rx);
    assert_eq!(*log.lock().unwrap(), [1]);
    match poll(blocked.as_mut(), &w) {
        Poll::Ready(Err(SendError(two))) => assert_eq!(two.0, 2),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(*log.lock().unwrap(), [1, 2]);
    assert!(tx.is_closed());
    assert_eq!(tx.state(), ChannelState::Closed);
}

#[test]
fn a_dropped_send_drops_its_value_and_it_is_never_received() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = channel(0);
    let (_, w) = waker();
    let mut send = Box::pin(tx.send(Tracked(1, log.clone())));
    assert!(poll(send.as_mut(), &w).is_pending());
    drop(send);
    assert_eq!(*log.lock().unwrap(), [1]);
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
}

#[test]
fn a_reserve_is_granted_only_with_a_receiver_waiting_and_commits_it() {
    let (tx, rx) = channel(0);
    assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    let (rc, rw) = waker();
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending());
    let permit = tx.try_reserve().unwrap();
    // The receiver is committed to the permit: nobody free is left.
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    assert_eq!(rc.wakes(), 0);
    permit.send(2);
    assert_eq!(rc.wakes(), 1);
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(Some(2)));
}

#[test]
fn a_waiting_reserve_is_granted_when_a_receiver_arrives() {
    let (tx, rx) = channel(0);
    let (sc, sw) = waker();
    let mut reserve = pin!(tx.reserve());
    assert!(poll(reserve.as_mut(), &sw).is_pending());
    let (_, rw) = waker();
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending());
    assert_eq!(sc.wakes(), 1);
    let Poll::Ready(Ok(permit)) = poll(reserve.as_mut(), &sw) else {
        panic!("granted");
    };
    permit.send(5);
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(Some(5)));
}

#[test]
fn a_dropped_permit_frees_its_receiver_for_a_waiting_sender() {
    let (tx, rx) = channel(0);
    let (rc, rw) = waker();
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending());
    let permit = tx.try_reserve().unwrap();
    let (sc, sw) = waker();
    let mut send = pin!(tx.send(9));
    assert!(poll(send.as_mut(), &sw).is_pending());
    drop(permit);
    assert_eq!((sc.wakes(), rc.wakes()), (1, 1));
    assert_eq!(poll(send.as_mut(), &sw), Poll::Ready(Ok(())));
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(Some(9)));
    // Without a waiting sender the receiver is free again for a later one.
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending());
    drop(tx.try_reserve().unwrap());
    assert_eq!(tx.try_send(4), Ok(()));
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(Some(4)));
}

#[test]
fn a_reserve_granted_but_not_polled_at_the_close_returns_err() {
    let (tx, rx) = channel::<u8>(0);
    let (_, sw) = waker();
    let mut reserve = pin!(tx.reserve());
    assert!(poll(reserve.as_mut(), &sw).is_pending());
    let (_, rw) = waker();
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending()); // grants the reserve
    tx.close();
    assert!(matches!(poll(reserve.as_mut(), &sw), Poll::Ready(Err(_))));
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(None));
    assert_eq!(tx.state(), ChannelState::Closed);
}

#[test]
fn a_permit_granted_before_the_close_still_sends_and_delays_the_end() {
    let (tx, rx) = channel(0);
    let (_, rw) = waker();
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending());
    let permit = tx.try_reserve().unwrap();
    tx.close();
    assert_eq!(tx.state(), ChannelState::Closing);
    assert!(
        poll(recv.as_mut(), &rw).is_pending(),
        "the permit may still send"
    );
    permit.send(3);
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(Some(3)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_recv_takes_a_blocked_send_past_a_waiting_reserve() {
    let (tx, rx) = channel(0);
    let (_, w) = waker();
    let mut reserve = pin!(tx.reserve());
    let mut send = pin!(tx.send(1));
    assert!(poll(reserve.as_mut(), &w).is_pending());
    assert!(poll(send.as_mut(), &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(poll(send.as_mut(), &w), Poll::Ready(Ok(())));
    assert!(poll(reserve.as_mut(), &w).is_pending());
}

#[test]
fn a_dropped_reserve_that_was_granted_gives_the_permit_back() {
    let (tx, rx) = channel(0);
    let (_, w) = waker();
    let mut reserve = Box::pin(tx.reserve());
    assert!(poll(reserve.as_mut(), &w).is_pending());
    let (_, rw) = waker();
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending()); // grants it
    drop(reserve);
    assert_eq!(tx.try_send(6), Ok(()), "the receiver is free again");
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(Some(6)));
}

#[test]
fn drained_waits_for_handed_values_and_permits() {
    let (tx, rx) = channel(0);
    let (_, rw) = waker();
    let mut recv = pin!(rx.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending());
    tx.try_send(1).unwrap();
    tx.close();
    let (dc, dw) = waker();
    let mut drained = pin!(tx.drained());
    assert!(poll(drained.as_mut(), &dw).is_pending());
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(Some(1)));
    assert_eq!(dc.wakes(), 1);
    assert!(poll(drained.as_mut(), &dw).is_ready());
}

#[test]
fn send_until_returns_the_value_and_recv_until_loses_nothing() {
    runtime().block_on(async {
        let (tx, rx) = channel(0);
        let timer = tokio::time::sleep(Duration::from_millis(5));
        assert_eq!(
            tx.send_until(1, timer).await,
            Err(SendTimeoutError::Timeout(1))
        );
        let timer = tokio::time::sleep(Duration::from_millis(5));
        assert!(rx.recv_until(timer).await.is_err());
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        let sender = tokio::spawn(async move {
            tx.send(3).await.unwrap();
            tx
        });
        let far = tokio::time::sleep(Duration::from_secs(10));
        assert_eq!(rx.recv_until(far).await, Ok(3));
        let tx = sender.await.unwrap();
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(5)),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(
            tx.send_timeout(4, Duration::from_millis(5)),
            Err(SendTimeoutError::Timeout(4))
        );
    });
}

#[test]
fn streams_and_recv_many() {
    use futures::StreamExt;
    runtime().block_on(async {
        let (tx, mut rx) = channel(0);
        let producer = tokio::spawn(async move {
            for i in 0..50 {
                tx.send(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        while let Some(i) = rx.next().await {
            got.push(i);
            if got.len() == 25 {
                break;
            }
        }
        let mut buf = Vec::new();
        while rx.recv_many(&mut buf, 4).await > 0 {}
        got.extend(buf);
        producer.await.unwrap();
        assert_eq!(got, (0..50).collect::<Vec<_>>());
    });
}

#[test]
fn a_stream_left_alone_does_not_hold_up_a_recv() {
    let (tx, mut rx) = channel(0);
    let rx2 = rx.clone();
    let (_, sw) = waker();
    assert!(Pin::new(&mut rx)
        .poll_next(&mut Context::from_waker(&sw))
        .is_pending());
    let (rc, rw) = waker();
    let mut recv = pin!(rx2.recv());
    assert!(poll(recv.as_mut(), &rw).is_pending());
    tx.try_send(1).unwrap(); // to the stream, which shares the wake
    assert_eq!(rc.wakes(), 1);
    assert_eq!(poll(recv.as_mut(), &rw), Poll::Ready(Some(1)));
}

#[test]
fn blocking_threads_and_tasks_mix() {
    let (tx, rx) = channel(0);
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    tx.send_blocking(t * 1000 + i).unwrap();
                }
            })
        })
        .collect();
    let rt = runtime();
    let task = {
        let tx = tx.clone();
        rt.spawn(async move {
            for i in 0..200 {
                tx.send(2000 + i).await.unwrap();
            }
        })
    };
    drop(tx);
    let rx2 = rx.clone();
    let consumer = rt.spawn(async move {
        let mut got = Vec::new();
        while let Some(v) = rx2.recv().await {
            got.push(v);
        }
        got
    });
    let mut mine = Vec::new();
    while let Some(v) = rx.recv_blocking() {
        mine.push(v);
    }
    for t in threads {
        t.join().unwrap();
    }
    rt.block_on(task).unwrap();
    let theirs = rt.block_on(consumer).unwrap();
    for part in [&mine, &theirs] {
        for sender in 0..3 {
            let seq: Vec<_> = part.iter().filter(|&&v| v / 1000 == sender).collect();
            assert!(seq.windows(2).all(|w| w[0] < w[1]), "per-sender order");
        }
    }
    let mut all: Vec<_> = mine.into_iter().chain(theirs).collect();
    all.sort_unstable();
    let want: Vec<_> = (0..3)
        .flat_map(|t| (0..200).map(move |i| t * 1000 + i))
        .collect();
    assert_eq!(all, want);
}

#[cfg(feature = "sink")]
#[test]
fn a_sink_on_a_rendezvous_channel() {
    use futures::SinkExt;
    runtime().block_on(async {
        let (tx, rx) = channel(0);
        let consumer = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        let mut sink = tx.into_sink();
        for i in 0..20 {
            sink.send(i).await.unwrap();
        }
        drop(sink);
        assert_eq!(consumer.await.unwrap(), (0..20).collect::<Vec<_>>());
    });
}

/// A timeout for the stress test: after one yield to the runtime, or a
/// short sleep.
async fn give_up_soon(seed: u32) {
    if seed % 3 == 0 {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(Duration::from_micros(u64::from(seed % 500))).await;
    }
}

/// 4 senders and 4 receivers, each side cancelling at random with short
/// timeouts: every value whose send completed is received exactly once, in
/// its sender's order, and no value is received twice; a send cancelled
/// while it waited may have been taken by a receive before the cancel (its
/// send had completed, unreported), else its value is dropped unreceived.
/// Every value is dropped exactly once.
#[test]
fn stress_with_random_cancellation_delivers_exactly_once_in_order() {
    const SENDERS: u32 = 4;
    const PER_SENDER: u32 = 500;
    let log = Arc::new(Mutex::new(Vec::new()));
    let rt = runtime();
    let (tx, rx) = channel::<Tracked>(0);
    let sent = Arc::new(Mutex::new(Vec::new()));
    let got = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for s in 0..SENDERS {
        let (tx, log, sent) = (tx.clone(), log.clone(), sent.clone());
        tasks.push(rt.spawn(async move {
            let mut seed = s.wrapping_mul(2_654_435_761) | 1;
            for i in 0..PER_SENDER {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let id = s * 10_000 + i;
                let value = Tracked(id, log.clone());
                tokio::select! {
                    done = tx.send(value) => {
                        done.unwrap();
                        sent.lock().unwrap().push(id);
                    }
                    () = give_up_soon(seed) => {}
                }
            }
        }));
    }
    drop(tx);
    for r in 0..4u32 {
        let (rx, got) = (rx.clone(), got.clone());
        tasks.push(rt.spawn(async move {
            let mut seed = (r + 7).wrapping_mul(2_246_822_519) | 1;
            loop {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                tokio::select! {
                    v = rx.recv() => match v {
                        Some(v) => got.lock().unwrap().push((r, v.0)),
                        None => break,
                    },
                    () = give_up_soon(seed) => {}
                }
            }
        }));
    }
    drop(rx);
    for task in tasks {
        rt.block_on(task).unwrap();
    }
    let got = got.lock().unwrap();
    let mut received: Vec<u32> = got.iter().map(|&(_, id)| id).collect();
    let mut sent = sent.lock().unwrap().clone();
    // Per receiver, each sender's values arrive in order.
    for r in 0..4 {
        for s in 0..SENDERS {
            let seq: Vec<u32> = got
                .iter()
                .filter(|&&(by, id)| by == r && id / 10_000 == s)
                .map(|&(_, id)| id)
                .collect();
            assert!(seq.windows(2).all(|w| w[0] < w[1]), "order of sender {s}");
        }
    }
    received.sort_unstable();
    let received_once = received.windows(2).all(|w| w[0] != w[1]);
    assert!(received_once, "a value was received twice");
    let lost = sent
        .iter()
        .filter(|id| received.binary_search(id).is_err())
        .count();
    assert_eq!(lost, 0, "values whose send completed were not received");
    let mut dropped = log.lock().unwrap().clone();
    dropped.sort_unstable();
    let all: Vec<u32> = (0..SENDERS)
        .flat_map(|s| (0..PER_SENDER).map(move |i| s * 10_000 + i))
        .collect();
    assert!(dropped == all, "every value is dropped exactly once");
    sent.sort_unstable();
    assert!(
        !sent.is_empty() && sent.len() < all.len(),
        "some sends were cancelled"
    );
}

/// Wakes, and drops what it must, after the lock, whatever panics: the
/// close wakes both waiting receivers although the first one's waker
/// panics, and the panic reaches the closer. (Fails if the wakes stop at
/// the first panic.)
#[test]
fn close_wakes_every_receiver_even_when_a_waker_panics() {
    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("this waker panics");
        }
    }
    let (tx, rx) = channel::<u8>(0);
    let other = rx.clone();
    let panics = Waker::from(Arc::new(Panics));
    let (counter, counting) = waker();
    let mut first = pin!(rx.recv());
    let mut second = pin!(other.recv());
    assert_eq!(poll(first.as_mut(), &panics), Poll::Pending);
    assert_eq!(poll(second.as_mut(), &counting), Poll::Pending);
    let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tx.close()));
    assert!(closed.is_err(), "the waker's panic reaches the closer");
    assert_eq!(counter.wakes(), 1, "the other receiver was woken");
    assert!(tx.is_closed());
    assert_eq!(poll(second.as_mut(), &counting), Poll::Ready(None));
}
