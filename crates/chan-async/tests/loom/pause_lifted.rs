//! The lift of the hand-over's pause (`Chan::pause_lifted`) on a closed
//! channel: receivers and `Drained` futures that found the ring paused
//! must learn of the lift, which makes the end visible. The hand-over's
//! other models are in `handover.rs`.

use super::*;
use chan_async::ChannelState;

/// Capacity 1, set up on this thread: a permit holds the slot, senders S1
/// and S2 wait for it, a receive R waits for a message. The permit's send
/// fills the ring while R waits: message 1 is handed to R's entry (ring
/// empty, consumers paused) and the slot that freed wakes S1 (the senders'
/// flag stays up: S2 is still queued). R and S1 are left unpolled (woken,
/// not yet run). Then a closer closes the channel while a `try_recv` on a
/// third thread takes message 1 and lifts the pause. A `drained()` future
/// is polled before the close is known, then once the closer is done, and
/// whenever woken: once message 1 is taken the channel is drained, and it
/// must have been woken to see that.
///
/// The interleaving this is for: the close wakes S2 (so the senders' flag
/// stays up, `keep_flag`); `drained()` learns of the close and registers
/// on the senders' queue without a read-modify-write (the flag is up), and
/// its re-check reads `head` with a plain load: still paused (the lift is
/// not ordered before it). The taker's `pause_lifted` reads `tail` with a
/// plain load before the close mark (nothing orders the close before it)
/// and skips `wake_drained`. Nobody wakes `drained()`.
///
/// Fails if `state()` reads the pause without confirming it with a
/// read-modify-write on `head`, as a pop does (ringbuf-core `pause.rs`,
/// "Seeing the pause lifted"), which is what orders the lift, and the
/// close the future saw, before the taker's checks.
#[test]
fn drained_registered_under_a_raised_flag_sees_a_pause_lifted_by_try_recv() {
    drained_across_a_pause_lifted_by_try_recv(true);
}

/// [`drained_registered_under_a_raised_flag_sees_a_pause_lifted_by_try_recv`]
/// without S2. One might expect the flag's read-modify-writes to order
/// the lift with the close here (the close's `notify_all` finds the
/// senders' queue empty and lowers the flag, `drained()` raises it again),
/// but they need not happen: `drained()`
/// reads `happened` between the closer's store of it and the closer's
/// `notify_all` of the senders' queue, registers there under the flag
/// still up (no read-modify-write), and that `notify_all` then finds it
/// queued, wakes it, and so leaves the flag up (no read-modify-write by
/// the closer either). Its polls keep reading the paused `head`; the
/// taker's `pause_lifted` reads `tail` from before the close mark.
/// Fails on the same mutant.
#[test]
fn drained_woken_by_the_close_itself_sees_a_pause_lifted_by_try_recv() {
    drained_across_a_pause_lifted_by_try_recv(false);
}

fn drained_across_a_pause_lifted_by_try_recv(second_sender: bool) {
    model(move || {
        let (tx, rx) = channel::<i32>(1);
        let permit = tx.try_reserve().unwrap();
        let (_, s1_waker) = flag();
        let (_, s2_waker) = flag();
        let (_, r_waker) = flag();
        let mut s1 = pin!(tx.send(10));
        let mut s2 = pin!(tx.send(11));
        let mut recv = pin!(rx.recv());
        assert!(s1
            .as_mut()
            .poll(&mut Context::from_waker(&s1_waker))
            .is_pending());
        if second_sender {
            assert!(s2
                .as_mut()
                .poll(&mut Context::from_waker(&s2_waker))
                .is_pending());
        }
        assert!(recv
            .as_mut()
            .poll(&mut Context::from_waker(&r_waker))
            .is_pending());
        permit.send(1); // handed to R's entry; S1 woken for the freed slot
        assert_eq!(tx.len(), 0);

        let closer = {
            let rx = rx.clone();
            thread::spawn(move || assert!(rx.close()))
        };
        let taker = {
            let rx = rx.clone();
            thread::spawn(move || rx.try_recv())
        };
        let (drained_flag, drained_waker) = flag();
        let mut drained_cx = Context::from_waker(&drained_waker);
        let mut drained = pin!(tx.drained());
        let mut resolved = Vec::new();
        let mut done = drained.as_mut().poll(&mut drained_cx).is_ready();
        closer.join().unwrap();
        if !done {
            done = poll_when_woken(
                &drained_flag,
                drained.as_mut(),
                &mut drained_cx,
                &mut resolved,
            );
        }
        assert_eq!(taker.join().unwrap(), Ok(1));
        for _ in 0..2 {
            if !done {
                done = poll_when_woken(
                    &drained_flag,
                    drained.as_mut(),
                    &mut drained_cx,
                    &mut resolved,
                );
            }
        }
        assert!(done, "lost wake-up: drained() waits on a drained channel");
        assert_eq!(tx.state(), ChannelState::Closed);
    });
}

/// Capacity 1, closed. Message 1 was handed to receive R1's entry before
/// the close (ring empty, consumers paused), and R1 is woken but has not
/// run yet. A `try_recv` on another thread takes message 1 and lifts the
/// pause while a second receive R2 polls: R2's attempts can find the ring
/// still paused (not "closed and empty") and the handed message already
/// gone, and it waits. Once the pause is lifted the channel is closed and
/// drained: R2 must be woken to see the end. R1, polled afterwards, sees
/// the end too (and takes nothing that it could pass a wake on for).
///
/// Fails if `Chan::pause_lifted` wakes a receiver only when the ring holds
/// messages: on a closed channel the lift makes the end itself
/// visible (a paused pop reports `Empty`, an unpaused one `Closed`), which
/// is what the close's `notify_all` and the last permit's
/// `wake_receivers_at_the_end` are for. The close came before R2 queued,
/// so nobody is left to wake it.
#[test]
fn a_pause_lifted_on_a_closed_channel_wakes_a_receiver_for_the_end() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let (r1_flag, r1_waker) = flag();
        let mut r1_cx = Context::from_waker(&r1_waker);
        let mut r1 = pin!(rx.recv());
        assert!(r1.as_mut().poll(&mut r1_cx).is_pending());
        tx.try_send(1).unwrap(); // handed to R1's entry
        assert!(tx.close());

        let taker = {
            let rx = rx.clone();
            thread::spawn(move || rx.try_recv().ok())
        };
        let (r2_flag, r2_waker) = flag();
        let mut r2_cx = Context::from_waker(&r2_waker);
        let mut r2 = pin!(rx.recv());
        let mut got = Vec::new();
        let mut r2_done = match r2.as_mut().poll(&mut r2_cx) {
            Poll::Ready(value) => {
                got.push(value);
                true
            }
            Poll::Pending => false,
        };
        let taken = taker.join().unwrap();
        // R1 was woken (by the hand-over) and runs now.
        assert!(take_wake(&r1_flag));
        let Poll::Ready(r1_got) = r1.as_mut().poll(&mut r1_cx) else {
            panic!("R1 waits on a closed channel");
        };
        got.push(r1_got);
        for _ in 0..2 {
            if !r2_done {
                r2_done = poll_when_woken(&r2_flag, r2.as_mut(), &mut r2_cx, &mut got);
            }
        }
        assert!(
            r2_done,
            "lost wake-up: R2 waits on a closed, drained channel (taken {taken:?}, got {got:?})"
        );
        let mut all: Vec<i32> = taken.into_iter().chain(got.into_iter().flatten()).collect();
        all.sort_unstable();
        assert_eq!(all, [1]);
        drop(tx);
    });
}

/// As [`a_pause_lifted_on_a_closed_channel_wakes_a_receiver_for_the_end`],
/// with the woken receiver R1 itself as the taker: the pass-on logic does
/// not cover the end either. R1 takes message 1 and lifts the pause while
/// R2 (on its own thread) registers and re-checks; R1's `complete` counts
/// what is left (`Flag::available`: nothing) and passes no wake on, and
/// `pause_lifted` finds the ring empty. R2 must still be woken: the channel
/// is closed and drained.
#[test]
fn a_pause_lifted_on_a_closed_channel_by_its_woken_receiver_wakes_the_next_for_the_end() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let (r1_flag, r1_waker) = flag();
        let mut r1_cx = Context::from_waker(&r1_waker);
        let mut r1 = pin!(rx.recv());
        assert!(r1.as_mut().poll(&mut r1_cx).is_pending());
        tx.try_send(1).unwrap(); // handed to R1's entry
        assert!(tx.close());

        let second = receive_once(rx.clone(), Receive::Recv);
        assert!(take_wake(&r1_flag));
        // R2 may take message 1 first and R1 wait again: then R2's lift
        // must wake it.
        let early = r1.as_mut().poll(&mut r1_cx);
        let ((r2_got, r2_woke), r2_rx) = second.join().unwrap();
        let r1_got = match early {
            Poll::Ready(value) => value,
            Poll::Pending => {
                assert!(
                    take_wake(&r1_flag),
                    "lost wake-up: R1 waits on a closed, drained channel"
                );
                let Poll::Ready(value) = r1.as_mut().poll(&mut r1_cx) else {
                    panic!("R1 woken, still waits on a closed channel");
                };
                value
            }
        };
        assert!(
            r2_got.is_some() || woken(&r2_woke),
            "lost wake-up: R2 waits on a closed, drained channel (R1 got {r1_got:?})"
        );
        let all: Vec<i32> = r1_got.into_iter().chain(r2_got.flatten()).collect();
        assert_eq!(all, [1], "lost or repeated");
        drop((r2_rx, tx));
    });
}
