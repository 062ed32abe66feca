#![cfg(not(chan_loom))]
//! Who gets a freed slot (crate docs, "Guarantees"): a receive that frees a
//! slot wakes the oldest waiting sender, but does not keep the slot for it.
//! A `try_send` or `try_reserve` from elsewhere that comes first takes it;
//! the woken sender then finds the channel full, waits again in its first
//! place, ahead of the senders that came after it, and is the one woken at
//! the next free slot.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use chan_async::{channel, TrySendError};

/// A waker that counts its wakes.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Wakes {
    /// A fresh counter and its waker.
    fn new() -> (Arc<Self>, Waker) {
        let wakes = Arc::new(Self::default());
        (Arc::clone(&wakes), Waker::from(wakes))
    }

    /// Wakes since the last call.
    fn take(&self) -> usize {
        self.0.swap(0, Ordering::SeqCst)
    }
}

fn poll<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

#[test]
fn a_newcomers_try_send_takes_the_slot_and_the_woken_sender_is_served_next() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let (first_wakes, first_waker) = Wakes::new();
    let (second_wakes, second_waker) = Wakes::new();
    let mut first = pin!(tx.send(1));
    let mut second = pin!(tx.send(2));
    assert!(poll(first.as_mut(), &first_waker).is_pending());
    assert!(poll(second.as_mut(), &second_waker).is_pending());

    // The receive frees the slot and wakes the oldest waiter...
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!((first_wakes.take(), second_wakes.take()), (1, 0));
    // ...but a newcomer that comes first takes the slot.
    let newcomer = tx.clone();
    assert_eq!(newcomer.try_send(9), Ok(()));
    // The woken sender finds the channel full and waits again.
    assert!(poll(first.as_mut(), &first_waker).is_pending());

    // It kept its place: the next free slot wakes it, not the sender
    // queued after it.
    assert_eq!(rx.try_recv(), Ok(9));
    assert_eq!((first_wakes.take(), second_wakes.take()), (1, 0));
    assert_eq!(poll(first.as_mut(), &first_waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!((first_wakes.take(), second_wakes.take()), (0, 1));
    assert_eq!(poll(second.as_mut(), &second_waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_newcomers_try_reserve_takes_the_slot_from_a_woken_reserve() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let (first_wakes, first_waker) = Wakes::new();
    let (second_wakes, second_waker) = Wakes::new();
    let mut first = pin!(tx.reserve());
    let mut second = pin!(tx.send(2));
    assert!(poll(first.as_mut(), &first_waker).is_pending());
    assert!(poll(second.as_mut(), &second_waker).is_pending());

    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!((first_wakes.take(), second_wakes.take()), (1, 0));
    let newcomer = tx.try_reserve().expect("the freed slot is not kept");
    assert!(matches!(tx.try_send(8), Err(TrySendError::Full(8))));
    assert!(poll(first.as_mut(), &first_waker).is_pending());

    // The newcomer's permit given back wakes the reserve, which kept its
    // place ahead of the send.
    drop(newcomer);
    assert_eq!((first_wakes.take(), second_wakes.take()), (1, 0));
    let Poll::Ready(Ok(permit)) = poll(first.as_mut(), &first_waker) else {
        panic!("woken for the slot given back");
    };
    permit.send(1);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!((first_wakes.take(), second_wakes.take()), (0, 1));
    assert_eq!(poll(second.as_mut(), &second_waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}
