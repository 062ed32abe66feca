#![cfg(not(chan_loom))]
//! Weak handles: they keep the memory, never the channel; `upgrade` works
//! while a strong handle of its side exists (and, for a sender, the channel
//! is open; for a receiver, something may still be received), and returns
//! `None` for ever once the last strong handle is gone. The race between
//! the last drop and an upgrade is modelled under loom in `tests/loom.rs`;
//! here threads hammer it to check the same rule on real hardware.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use chan_async::{channel, ChannelState, Receiver, TryRecvError, WeakSender};

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn downgrading_counts_nothing() {
    let (tx, rx) = channel::<u8>(2);
    let weak_tx = tx.downgrade();
    let weak_rx = rx.downgrade();
    let _more = (weak_tx.clone(), weak_rx.clone());
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
    drop(weak_tx);
    drop(weak_rx);
    assert_eq!((rx.sender_count(), rx.receiver_count()), (1, 1));
    assert!(!rx.is_closed());
}

#[test]
fn upgrading_while_a_strong_sender_lives_counts_one_more() {
    let (tx, rx) = channel(4);
    let weak = tx.downgrade();
    let tx2 = weak.upgrade().expect("a strong sender exists");
    assert_eq!(rx.sender_count(), 2);
    assert!(tx2.same_channel(&tx));
    tx2.try_send(1).unwrap();
    drop(tx);
    assert_eq!(rx.sender_count(), 1);
    assert!(
        !rx.is_closed(),
        "the upgraded sender keeps the channel open"
    );
    let tx3 = weak.upgrade().expect("the upgraded sender is strong");
    assert_eq!(rx.sender_count(), 2);
    drop((tx2, tx3));
    assert_eq!(rx.sender_count(), 0);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn upgrade_after_the_last_sender_is_none_for_ever() {
    let (tx, rx) = channel::<u8>(4);
    let weak = tx.downgrade();
    let other_weak = weak.clone();
    drop(tx);
    assert!(
        rx.is_closed(),
        "a weak sender does not keep the channel open"
    );
    for _ in 0..3 {
        assert!(weak.upgrade().is_none());
        assert!(other_weak.upgrade().is_none());
        assert!(weak.clone().upgrade().is_none());
    }
    assert_eq!(rx.sender_count(), 0);
    assert_eq!(rx.recv_blocking(), None);
}

#[test]
fn upgrade_of_a_sender_on_a_closed_channel_is_none() {
    let (tx, rx) = channel::<u8>(4);
    let weak = tx.downgrade();
    rx.close();
    assert!(
        weak.upgrade().is_none(),
        "closed, though a strong sender lives"
    );
    assert_eq!(tx.sender_count(), 1);
}

#[test]
fn upgrade_of_a_sender_after_the_last_receiver_is_none() {
    let (tx, rx) = channel::<u8>(4);
    let weak = tx.downgrade();
    drop(rx);
    assert!(weak.upgrade().is_none());
}

#[test]
fn upgrading_a_receiver_while_one_lives_counts_one_more() {
    let (tx, rx) = channel(4);
    let weak = rx.downgrade();
    let rx2 = weak.upgrade().expect("a strong receiver exists");
    assert_eq!(tx.receiver_count(), 2);
    tx.try_send(7).unwrap();
    drop(rx);
    assert!(
        !tx.is_closed(),
        "the upgraded receiver keeps the channel open"
    );
    assert_eq!(rx2.try_recv(), Ok(7));
    drop(rx2);
    assert!(tx.is_closed());
    assert!(weak.upgrade().is_none());
}

#[test]
fn a_weak_receiver_on_a_closed_channel_with_messages_upgrades_and_drains() {
    let (tx, rx) = channel(4);
    let weak = rx.downgrade();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    drop(tx); // closed, two messages left
    assert_eq!(rx.state(), ChannelState::Closing);

    let rx2 = weak.upgrade().expect("closed but not drained");
    assert_eq!(rx2.try_recv(), Ok(1));
    assert!(weak.upgrade().is_some(), "one message left");
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.state(), ChannelState::Closed);
    assert!(weak.upgrade().is_none(), "closed and drained");
    assert_eq!(rx.receiver_count(), 2);
}

#[test]
fn the_last_receiver_drops_the_buffer_whatever_weak_receivers_exist() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel(4);
    let weak = rx.downgrade();
    tx.try_send(Counted(drops.clone())).unwrap();
    tx.try_send(Counted(drops.clone())).unwrap();
    drop(rx);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "dropped with the last receiver"
    );
    assert!(tx.is_closed());
    assert!(weak.upgrade().is_none(), "no strong receiver is left");
    // The weak handle kept the memory: the sender still answers.
    assert_eq!(tx.len(), 0);
}

#[test]
fn weak_handles_outlive_every_strong_handle() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel(4);
    let (weak_tx, weak_rx) = (tx.downgrade(), rx.downgrade());
    tx.try_send(Counted(drops.clone())).unwrap();
    drop(tx);
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(weak_tx.upgrade().is_none());
    assert!(weak_rx.upgrade().is_none());
    let shown = format!("{weak_tx:?} {weak_rx:?}");
    assert!(shown.contains("WeakSender"), "{shown}");
    assert!(shown.contains("WeakReceiver"), "{shown}");
    assert!(shown.contains("senders: 0"), "{shown}");
}

#[test]
fn debug_needs_no_debug_message_type() {
    struct Opaque;
    let (tx, rx) = channel::<Opaque>(1);
    let shown = format!("{:?}", tx.downgrade());
    assert!(shown.starts_with("WeakSender {"), "{shown}");
    assert!(shown.contains("state: Open"), "{shown}");
    let shown = format!("{:?}", rx.downgrade());
    assert!(shown.starts_with("WeakReceiver {"), "{shown}");
}

#[test]
fn an_actor_holding_a_weak_sender_to_itself_does_not_keep_its_channel_open() {
    /// Counts down by sending itself the next number, through its weak
    /// sender; stops when its last user leaves.
    async fn actor(inbox: Receiver<u32>, me: WeakSender<u32>) -> Vec<u32> {
        let mut seen = Vec::new();
        while let Some(n) = inbox.recv().await {
            seen.push(n);
            if n > 0 {
                if let Some(me) = me.upgrade() {
                    let _ = me.send(n - 1).await;
                }
            }
        }
        seen
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, rx) = channel(4);
        let handle = tokio::spawn(actor(rx, tx.downgrade()));
        tx.send(3).await.unwrap();
        // Let the actor count down a little while a user is there...
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        // ...then leave: the actor's weak sender must not keep it running.
        drop(tx);
        let seen = tokio::time::timeout(Duration::from_secs(10), handle)
            .await
            .expect("the actor stopped once its last user left")
            .unwrap();
        assert_eq!(seen.first(), Some(&3));
        assert!(seen.windows(2).all(|w| w[1] + 1 == w[0]), "{seen:?}");
    });
}

#[test]
fn upgrade_racing_the_last_drop_has_one_winner() {
    // The loom model explores every interleaving of a small case; this
    // runs the race many times on real threads. Either the upgrade wins
    // (the channel stays open until the upgraded sender is dropped) or the
    // drop does (the upgrade returns `None`, and the channel closes).
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    for _ in 0..rounds {
        let (tx, rx) = channel::<u8>(1);
        let weak = tx.downgrade();
        let dropper = thread::spawn(move || drop(tx));
        let upgrader = thread::spawn(move || match weak.upgrade() {
            Some(tx) => {
                assert!(!tx.is_closed(), "the upgraded sender keeps it open");
                assert_eq!(tx.try_send(1), Ok(()));
                assert!(weak.upgrade().is_some());
                true
            }
            None => {
                assert!(weak.upgrade().is_none(), "None for ever");
                false
            }
        });
        dropper.join().unwrap();
        let won = upgrader.join().unwrap();
        assert_eq!(rx.sender_count(), 0);
        assert_eq!(rx.try_recv().ok(), won.then_some(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
}
