//! The deadline methods and iterators on the typed handles: they behave as
//! chan-async's, in every state where they exist, and a closing receiver
//! drains with them.

mod common;

use std::future::{pending, ready};
use std::thread;
use std::time::{Duration, Instant};

use chan_typestate::future::{RecvUntil, SendUntil};
use chan_typestate::{channel, ChannelState, RecvTimeoutError, SendTimeoutError};
use common::{block_on, expect_state};

#[test]
fn open_sender_deadlines_hand_the_message_back() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let send: SendUntil<'_, i32, _> = tx.send_until(2, ready(()));
    assert_eq!(block_on(send), Err(SendTimeoutError::Timeout(2)));
    let start = Instant::now();
    assert_eq!(
        tx.send_timeout(3, Duration::from_millis(5)),
        Err(SendTimeoutError::Timeout(3))
    );
    assert!(start.elapsed() >= Duration::from_millis(5));
    let deadline = Instant::now() + Duration::from_millis(5);
    assert_eq!(
        tx.send_deadline(4, deadline),
        Err(SendTimeoutError::Timeout(4))
    );
    assert!(Instant::now() >= deadline);
    assert_eq!(rx.try_recv(), Ok(1));
    let rx = rx.close();
    assert_eq!(
        tx.send_timeout(5, Duration::MAX),
        Err(SendTimeoutError::Closed(5))
    );
    assert_eq!(rx.try_recv(), Err(chan_typestate::TryRecvError::Closed));
}

#[test]
fn open_receiver_deadlines_lose_no_message() {
    let (tx, rx) = channel(2);
    let recv: RecvUntil<'_, i32, _> = rx.recv_until(ready(()));
    assert_eq!(block_on(recv), Err(RecvTimeoutError::Timeout));
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(2)),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        rx.recv_deadline(Instant::now()),
        Err(RecvTimeoutError::Timeout)
    );
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(block_on(rx.recv_until(ready(()))), Ok(1));
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [2]);
    let producer = thread::spawn(move || {
        for i in 3..6 {
            tx.send_timeout(i, Duration::MAX).unwrap();
        }
    });
    assert_eq!(rx.recv_timeout(Duration::MAX), Ok(3));
    assert_eq!(rx.iter().collect::<Vec<_>>(), [4, 5]);
    producer.join().unwrap();
}

#[test]
fn closing_receiver_drains_with_deadlines_and_iterators() {
    let (tx, rx) = channel(8);
    for i in 0..6 {
        tx.try_send(i).unwrap();
    }
    let rx = rx.close();
    assert_eq!(block_on(rx.recv_until(pending::<()>())), Ok(0));
    assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(1));
    assert_eq!(rx.recv_deadline(Instant::now()), Ok(2));
    assert_eq!(rx.try_iter().next(), Some(3));
    assert_eq!(rx.iter().collect::<Vec<_>>(), [4, 5]);
    assert_eq!(rx.state(), ChannelState::Closed);
    assert_eq!(
        block_on(rx.recv_until(pending::<()>())),
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(
        rx.recv_timeout(Duration::MAX),
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(rx.try_iter().next(), None);
    let _closed = expect_state!(rx.into_current(), ReceiverState::Closed);
    drop(tx);
}
