//! Counted drop transitions under real concurrency: many threads dropping
//! (or closing) their handles at once close the channel once, never early,
//! and lose or duplicate no message.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use chan_typestate::{channel, ChannelState, Open, Receiver, TryRecvError, TrySendError};
use common::{block_on, expect_state, DropCounter};

const ROUNDS: usize = if cfg!(miri) { 3 } else { 100 };
const THREADS: usize = 8;
const PER_THREAD: usize = 4;

/// Receives until the end on its own thread; a missed close would hang, so
/// each wait is bounded.
fn consume(rx: Receiver<(usize, usize), Open>) -> thread::JoinHandle<Vec<(usize, usize)>> {
    thread::spawn(move || {
        block_on(async move {
            let mut got = Vec::new();
            loop {
                match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                    Ok(Some(message)) => got.push(message),
                    Ok(None) => break,
                    Err(_) => panic!("no end of stream: the channel was never closed"),
                }
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            expect_state!(rx.into_current(), ReceiverState::Closed);
            got
        })
    })
}

#[test]
fn senders_dropped_concurrently_close_the_channel_exactly_once() {
    for _ in 0..ROUNDS {
        let (tx, rx) = channel(THREADS * PER_THREAD);
        let consumers = [consume(rx.clone()), consume(rx)];
        let start = Arc::new(Barrier::new(THREADS));
        // The original handle races with its clones.
        let mut senders: Vec<_> = (1..THREADS).map(|_| tx.clone()).collect();
        senders.push(tx);
        let producers: Vec<_> = senders
            .into_iter()
            .enumerate()
            .map(|(id, tx)| {
                let start = Arc::clone(&start);
                thread::spawn(move || {
                    start.wait();
                    for seq in 0..PER_THREAD {
                        // This thread holds a sender: the channel cannot be
                        // closed yet, so no send is refused.
                        tx.try_send((id, seq))
                            .expect("closed while a sender was alive");
                    }
                    if id % 2 == 0 {
                        // Catching up changes nothing while this handle lives.
                        let tx = expect_state!(tx.into_current(), SenderState::Open);
                        drop(tx);
                    } else {
                        drop(tx);
                    }
                })
            })
            .collect();
        for producer in producers {
            producer.join().unwrap();
        }
        let mut received: Vec<_> = consumers
            .into_iter()
            .flat_map(|c| c.join().expect("a consumer failed"))
            .collect();
        received.sort_unstable();
        let expected: Vec<_> = (0..THREADS)
            .flat_map(|id| (0..PER_THREAD).map(move |seq| (id, seq)))
            .collect();
        assert_eq!(received, expected, "every message exactly once");
    }
}

#[test]
fn receivers_dropped_concurrently_drop_the_buffer_exactly_once() {
    for _ in 0..ROUNDS {
        let drops = DropCounter::default();
        let (tx, rx) = channel(THREADS * PER_THREAD);
        for i in 0..THREADS * PER_THREAD {
            tx.try_send(drops.make(i)).unwrap();
        }
        let start = Arc::new(Barrier::new(THREADS));
        let mut receivers: Vec<_> = (1..THREADS).map(|_| rx.clone()).collect();
        receivers.push(rx);
        let taken = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = receivers
            .into_iter()
            .enumerate()
            .map(|(id, rx)| {
                let start = Arc::clone(&start);
                let taken = Arc::clone(&taken);
                thread::spawn(move || {
                    start.wait();
                    match id % 3 {
                        0 => drop(rx),
                        1 => {
                            // Take one message, then go.
                            if rx.try_recv().is_ok() {
                                taken.fetch_add(1, Ordering::SeqCst);
                            }
                            drop(rx);
                        }
                        _ => drop(rx.close()),
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(
            drops.dropped(),
            THREADS * PER_THREAD,
            "each message dropped exactly once ({} taken)",
            taken.load(Ordering::SeqCst)
        );
        assert!(matches!(
            tx.try_send(drops.make(usize::MAX)),
            Err(TrySendError::Closed(_))
        ));
        let tx = expect_state!(tx.into_current(), SenderState::Closed);
        assert_eq!(tx.len(), 0);
        drop(tx);
        assert_eq!(drops.dropped(), THREADS * PER_THREAD + 1);
    }
}

#[test]
fn senders_closing_concurrently_all_see_the_drain() {
    for _ in 0..ROUNDS {
        let (tx, rx) = channel::<(usize, usize)>(4);
        let consumers = [consume(rx.clone()), consume(rx)];
        let accepted = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
        let start = Arc::new(Barrier::new(THREADS));
        let closers: Vec<_> = (0..THREADS)
            .map(|id| {
                let tx = tx.clone();
                let start = Arc::clone(&start);
                let accepted = Arc::clone(&accepted);
                thread::spawn(move || {
                    start.wait();
                    block_on(async move {
                        for seq in 0..PER_THREAD {
                            match tx.send((id, seq)).await {
                                Ok(()) => accepted.lock().unwrap().insert((id, seq)),
                                Err(_) => break, // another thread closed first
                            };
                        }
                        let tx = tx.close().drained().await;
                        assert_eq!((tx.state(), tx.len()), (ChannelState::Closed, 0));
                    });
                })
            })
            .collect();
        drop(tx);
        for closer in closers {
            closer.join().unwrap();
        }
        let received: BTreeSet<_> = consumers
            .into_iter()
            .flat_map(|c| c.join().expect("a consumer failed"))
            .collect();
        assert_eq!(received, *accepted.lock().unwrap(), "accepted == received");
    }
}
