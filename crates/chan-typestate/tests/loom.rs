//! Loom models of the typed handles' counted drop transitions and of
//! `drained` racing with the receive (or drop) that empties the channel.
//!
//! Run with `cargo xtask loom` (`RUSTFLAGS="--cfg chan_loom"`, preemptions
//! bounded by `LOOM_MAX_PREEMPTIONS`). A lost wake-up shows up as a deadlock
//! in `block_on`, which loom reports as a failure.
#![cfg(chan_loom)]

use chan_typestate::{channel, ChannelState, ReceiverState, SenderState, TryRecvError};
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// Runs `f` under loom with at most 2 preemptions unless the environment
/// says otherwise.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// Counts drops in a loom atomic.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Capacity 3: the two sends never fill the buffer, so no message is
/// handed out of it to the waiting receiver. The hand-over has its own
/// models (chan-async's `tests/loom/handover.rs`); with it in play here,
/// the interleavings of the ring's pause and two racing pushes grow past
/// what this model, about the counted close, needs to explore.
#[test]
fn two_senders_dropped_concurrently_close_once_after_both_sends() {
    model(|| {
        let (tx, rx) = channel(3);
        let tx2 = tx.clone();
        let first = thread::spawn(move || {
            tx.try_send(1).expect("a sender is alive: not closed");
        });
        let second = thread::spawn(move || {
            tx2.try_send(2).expect("a sender is alive: not closed");
        });
        let mut got = block_on(async {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        first.join().unwrap();
        second.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        assert!(matches!(rx.into_current(), ReceiverState::Closed(_)));
    });
}

#[test]
fn drained_resolves_when_a_concurrent_receiver_takes_the_last_message() {
    model(|| {
        let (tx, rx) = channel(1);
        tx.try_send(7).unwrap();
        let closing = tx.close();
        let receiver = thread::spawn(move || {
            assert_eq!(rx.try_recv(), Ok(7));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        });
        let closed = block_on(closing.drained());
        assert_eq!((closed.state(), closed.len()), (ChannelState::Closed, 0));
        receiver.join().unwrap();
    });
}

#[test]
fn drained_resolves_when_the_last_receiver_drops_concurrently() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel(2);
        tx.try_send(Counted(Arc::clone(&drops))).unwrap();
        let closing = tx.close();
        let dropper = thread::spawn(move || drop(rx));
        let closed = block_on(closing.drained());
        assert_eq!(closed.len(), 0);
        // The message left behind has left the channel; its destructor may
        // still be running on the dropper's thread, and runs exactly once.
        dropper.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(closed);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn two_receivers_dropped_concurrently_drop_the_buffer_once() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel(1);
        tx.try_send(Counted(Arc::clone(&drops))).unwrap();
        let rx2 = rx.clone();
        let first = thread::spawn(move || drop(rx.close()));
        let second = thread::spawn(move || drop(rx2));
        first.join().unwrap();
        second.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(matches!(tx.into_current(), SenderState::Closed(_)));
    });
}
