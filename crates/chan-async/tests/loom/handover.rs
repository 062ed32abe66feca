//! The hand-over (`src/handed.rs`): a push that fills the ring while a
//! receiver waits moves the front message out of the ring for that
//! receiver and pauses the ring's consumers until some receive takes it.
//!
//! Each model races the hand-over with one thing that could lose, repeat,
//! reorder or hide the handed message: the cancel of the receiver it was
//! meant for, the close (or the last sender's drop), the last receiver's
//! drop, and a second receiver and sender. Receivers are hand-polled with
//! wakers that record their wake, as in the models above.

use super::*;
use chan_async::{ChannelState, Recv};

/// Capacity 1, R1 then R2 waiting. A sender's first push fills the ring
/// and hands message 1 to R1's entry (out of the ring, consumers paused),
/// so its second push finds the slot free; meanwhile R1's future is
/// dropped. Message 1 must reach R2 (woken by the hand-over, or by R1's
/// cancel passing the wake on) or stay receivable, and come out once and
/// before 2: R2 is polled whenever woken, during the race and after it,
/// and a final drain takes the rest.
///
/// Fails if a receive that finds the ring empty (paused) does not take the
/// handed message (R2 sleeps, both messages stuck), or if the hand-over
/// does not pause the consumers (R2 pops 2 from the ring before 1).
#[test]
fn handed_message_survives_the_cancel_of_its_receiver() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let keep = tx.clone(); // a spare sender: no close wakes everyone
        let rx2 = rx.clone();
        let (_, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut second_cx = Context::from_waker(&second_waker);
        let mut first = Box::pin(rx.recv());
        let mut second = pin!(rx2.recv());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        assert!(second.as_mut().poll(&mut second_cx).is_pending());

        let sender = thread::spawn(move || {
            tx.try_send(1).unwrap();
            // Message 1 was handed out of the ring (a receiver waited):
            // the slot is free.
            tx.try_send(2)
        });
        drop(first); // races with the hand-over and its wake
        let mut got = Vec::new();
        let mut done = poll_when_woken(&second_flag, second.as_mut(), &mut second_cx, &mut got);
        assert_eq!(
            sender.join().unwrap(),
            Ok(()),
            "the hand-over frees the slot"
        );
        for _ in 0..2 {
            if !done {
                done = poll_when_woken(&second_flag, second.as_mut(), &mut second_cx, &mut got);
            }
        }
        assert!(done, "lost wake-up: R2 sleeps with message 1 handed out");
        let mut got: Vec<i32> = got.into_iter().map(|value| value.unwrap()).collect();
        got.extend(drain(&rx));
        assert_eq!(got, [1, 2], "lost, repeated, or out of the sender's order");
        drop(keep);
    });
}

/// Capacity 1, a receiver waiting. A sender's push hands message 1 to it
/// while the channel ends: `close()`, or (`by_drop`) the other sender's
/// drop, so that whichever sender drops last closes, maybe the sending
/// thread right after its send. The receiver is polled whenever woken and
/// `state()` is read while that runs, and by the sending thread once it
/// has sent and dropped its sender: if the send was accepted, the receiver
/// gets message 1 before `None`, and `state()` is never `Closed` before it
/// did (the message out of the ring leaves it empty but paused; `Closed`
/// promises that every receive after it sees the end).
///
/// The end comes from the main thread itself: with a third thread ending
/// the channel, loom (DPOR under the preemption bound) never ran the close
/// in the sending thread between the main thread's poll and its `state()`,
/// which is also why the sending thread reads `state()` too.
///
/// Fails if `state()` ignores the pause (`Closed` with the message handed
/// out), if a receive that finds the ring paused does not take the handed
/// message (the receiver stays pending on a closed channel), or if the
/// hand-over does not pause the consumers (a closed ring that is empty and
/// not paused reads as the end).
fn handed_message_across_the_end(by_drop: bool) {
    model(move || {
        let (tx, rx) = channel::<i32>(1);
        let other = tx.clone();
        let (woke, waker) = flag();
        let mut cx = Context::from_waker(&waker);
        let mut recv = pin!(rx.recv());
        assert!(recv.as_mut().poll(&mut cx).is_pending());

        let observer = rx.clone();
        let sender = thread::spawn(move || {
            let sent = tx.try_send(1).is_ok();
            drop(tx); // maybe the last sender: the close comes after the send
            if observer.state() == ChannelState::Closed {
                assert_eq!(
                    observer.try_recv(),
                    Err(TryRecvError::Closed),
                    "state() Closed, then a message"
                );
            }
            sent
        });
        let _other = if by_drop {
            drop(other);
            None
        } else {
            assert!(other.close());
            Some(other)
        };
        let mut got = Vec::new();
        let mut done = poll_when_woken(&woke, recv.as_mut(), &mut cx, &mut got);
        let state = rx.state();
        let received_before_state = !got.is_empty();
        let sent = sender.join().unwrap();
        for _ in 0..2 {
            if !done {
                done = poll_when_woken(&woke, recv.as_mut(), &mut cx, &mut got);
            }
        }
        assert!(done, "lost wake-up: the receiver waits on an ended channel");
        if sent {
            assert_eq!(got, [Some(1)], "the end came before the handed message");
            assert!(
                state != ChannelState::Closed || received_before_state,
                "state() Closed while message 1 was still to be received"
            );
        } else {
            assert_eq!(got, [None]);
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(rx.state(), ChannelState::Closed);
    });
}

#[test]
fn handed_message_is_received_before_the_close() {
    handed_message_across_the_end(false);
}

#[test]
fn handed_message_is_received_before_the_last_sender_s_drop() {
    handed_message_across_the_end(true);
}

/// Capacity 1, a receiver waiting. A sender's push hands message 1 to it
/// and closes the channel, while another thread's `try_recv` races to take
/// it, and a `drained()` future (on a spare sender) is polled meanwhile
/// and whenever woken. `drained()` must not resolve before the message is
/// taken, and once it is (by the `try_recv`, or by the receiver, woken
/// for it) it must be woken and resolve.
///
/// Fails if `state()` ignores the pause (`drained()` resolves with the
/// message handed out), or if the receive that takes the handed message of
/// a closed channel does not wake the `Drained` futures.
#[test]
fn drained_resolves_only_once_the_handed_message_is_taken() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let keep = tx.clone();
        let (recv_flag, recv_waker) = flag();
        let mut recv_cx = Context::from_waker(&recv_waker);
        let mut recv = pin!(rx.recv());
        assert!(recv.as_mut().poll(&mut recv_cx).is_pending());
        let (drained_flag, drained_waker) = flag();
        let mut drained_cx = Context::from_waker(&drained_waker);
        let mut drained = pin!(keep.drained());
        assert!(drained.as_mut().poll(&mut drained_cx).is_pending());

        let sender = thread::spawn(move || {
            tx.try_send(1).unwrap();
            assert!(tx.close());
        });
        let taker = {
            let rx = rx.clone();
            thread::spawn(move || rx.try_recv().ok())
        };
        let mut resolved = Vec::new();
        let early = poll_when_woken(
            &drained_flag,
            drained.as_mut(),
            &mut drained_cx,
            &mut resolved,
        );
        sender.join().unwrap();
        let taken = taker.join().unwrap();
        if early {
            assert_eq!(
                taken,
                Some(1),
                "drained() resolved with message 1 handed out"
            );
        }
        let mut got = Vec::new();
        if taken.is_none() {
            assert!(
                take_wake(&recv_flag),
                "lost wake-up: message 1 handed out, nobody woken"
            );
            assert_eq!(recv.as_mut().poll(&mut recv_cx), Poll::Ready(Some(1)));
            got.push(1);
        }
        let mut done = early;
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
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// Capacity 1, a receiver waiting, the message a drop counter. A sender's
/// push hands it to the receiver while the receiver's future and then the
/// last receiver are dropped. Nobody can receive it any more: by the time
/// both are done it must have been dropped exactly once (by the last
/// receiver's drain, wherever it was: ring, hand-over, or refused by the
/// close), while the spare sender keeps the channel alive, and the channel
/// must read `Closed` (drained).
///
/// Fails if the last receiver's drain skips the handed message: it lives on
/// until the channel is freed, and `drained()` never resolves.
#[test]
fn handed_message_is_dropped_with_the_last_receiver() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<Counted>(1);
        let keep = tx.clone();
        let (_, waker) = flag();
        let mut recv = Box::pin(rx.recv());
        assert!(recv
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        let message = Counted(drops.clone());
        let sender = thread::spawn(move || drop(tx.try_send(message)));
        drop(recv);
        drop(rx);
        sender.join().unwrap();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the message outlives the last receiver"
        );
        assert_eq!(keep.state(), ChannelState::Closed);
    });
}

/// Polls each receive whose waker was woken since its last poll (once),
/// recording what it returns and marking it done once it returned.
fn poll_woken_receivers(
    receivers: &mut [(&Flag, Pin<&mut Recv<'_, i32>>, &mut Context<'_>, bool)],
    got: &mut Vec<i32>,
) {
    for (woke, future, cx, done) in receivers.iter_mut() {
        if !*done {
            let mut out = Vec::new();
            *done = poll_when_woken(woke, future.as_mut(), cx, &mut out);
            got.extend(out.into_iter().map(|value| value.expect("nobody closes")));
        }
    }
}

/// Capacity 1, two receivers waiting, two senders racing: A sends 1 then
/// 2, B sends 10 (`try_send`: a full channel refuses). The first push
/// hands its message to the oldest receiver's entry, so the next push
/// finds the slot free and wakes the other receiver; the receivers are
/// polled (all on this thread, so the order of `got` is the order in which
/// messages came out) whenever woken, during the race and after it. Every
/// accepted message comes out exactly once, 1 before 2, and no receiver is
/// left pending without a wake while messages are there for it.
///
/// Fails if a receive that finds the ring paused does not take the handed
/// message (a woken receiver finds nothing, and both messages stay), or if
/// the hand-over does not pause the consumers (2 or 10 overtake 1).
#[test]
fn two_senders_hand_over_to_two_receivers_in_order() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let keep = tx.clone(); // a spare sender: no close wakes everyone
        let rx2 = rx.clone();
        let (first_flag, first_waker) = flag();
        let (second_flag, second_waker) = flag();
        let mut first_cx = Context::from_waker(&first_waker);
        let mut second_cx = Context::from_waker(&second_waker);
        let mut first = pin!(rx.recv());
        let mut second = pin!(rx2.recv());
        assert!(first.as_mut().poll(&mut first_cx).is_pending());
        assert!(second.as_mut().poll(&mut second_cx).is_pending());

        let a = {
            let tx = tx.clone();
            thread::spawn(move || [tx.try_send(1).is_ok(), tx.try_send(2).is_ok()])
        };
        let b = thread::spawn(move || tx.try_send(10).is_ok());
        let mut receivers = [
            (&*first_flag, first.as_mut(), &mut first_cx, false),
            (&*second_flag, second.as_mut(), &mut second_cx, false),
        ];
        let mut got = Vec::new();
        poll_woken_receivers(&mut receivers, &mut got);
        let [sent_1, sent_2] = a.join().unwrap();
        let sent_10 = b.join().unwrap();
        for _ in 0..2 {
            poll_woken_receivers(&mut receivers, &mut got);
        }
        let pending = receivers.iter().filter(|r| !r.3).count();
        let woken = receivers.iter().filter(|r| !r.3 && woken(r.0)).count();
        let left = drain(&rx);
        assert!(
            woken >= left.len().min(pending),
            "lost wake-up: {pending} receiver(s) pending, {woken} woken, {left:?} left"
        );
        got.extend(left);
        let mut accepted: Vec<i32> = [(1, sent_1), (2, sent_2), (10, sent_10)]
            .into_iter()
            .filter_map(|(value, sent)| sent.then_some(value))
            .collect();
        let mut sorted = got.clone();
        sorted.sort_unstable();
        accepted.sort_unstable();
        assert_eq!(sorted, accepted, "lost or repeated: got {got:?}");
        let position = |value| got.iter().position(|&v| v == value);
        if let (Some(one), Some(two)) = (position(1), position(2)) {
            assert!(one < two, "A's 2 came out before its 1: {got:?}");
        }
        drop(keep);
    });
}

/// The wake spent on a receiver that took another message
/// ([`two_receivers_two_messages`]) at capacity 1, where M_b's push fills
/// the ring and hands M_b to R1's entry: R1, finishing with M_a, must count
/// the handed message as left over and pass the wake on, or R2 sleeps with
/// M_b handed out (and `len()` reads 0). With the bug below fixed
/// (checked with a trial patch), it fails if the receivers'
/// `Flag::available` does not count a handed message, as do
/// `a_wake_spent_on_a_receiver_that_took_another_message_is_passed_on` and
/// `a_wake_spent_under_a_flag_left_up_is_passed_on` now that they count
/// what is left with [`drain`] (with `len()` all three missed it).
///
/// It found a lost wake-up in the first hand-over (LOOM_MAX_PREEMPTIONS=2,
/// within 2 s: `lost wake-up: 1 receiver(s) pending, 0 woken, 1
/// message(s) left`). The interleaving, from instrumented runs:
///
/// 1. R1 finds the ring empty, registers (raising the receivers' flag),
///    re-checks, waits.
/// 2. M_a's push fills the ring and sees the flag: `wake_receiver` takes
///    R1 off the queue, moves M_a out (`hand_front`) and pauses the ring.
/// 3. R1's pop finds the ring paused; R1 takes M_a and resumes the ring
///    (`Handed::take`: an RMW on `head`, under the hand-over's mutex), and
///    completes through the notified-serial hint, without the queue lock.
///    Nobody else is queued: nothing to pass on.
/// 4. R2's first pop reads `head` from before R1's resume (nothing orders
///    it after it): paused, and `holds` is false: empty.
/// 5. M_b's push (the slot is free) sees the flag, still up from R1, and
///    finds nobody queued: it lowers the flag.
/// 6. R2 registers (raising the flag: an RMW on `tail`, after M_b's push,
///    so M_b's slot is published for it) and re-checks: its pop still reads
///    the paused `head`. R2 synchronized with M_a's pusher (queue lock) and
///    M_b's (`tail`), never with R1's resume, which wrote only `head` and
///    took no lock that R2 took after it. R2 sleeps with M_b in the ring.
///
/// The resume makes the ring's messages receivable again, like a push, but
/// takes part in no wake-up handshake: a push reads the receivers' flag in
/// its RMW on `tail` (so a registering receiver either is found or sees the
/// push), while the resume is an RMW on `head` that looks at no flag. The
/// same happens with a `try_recv` as the taker, and to
/// `a_wake_spent_under_a_flag_left_up_is_passed_on` (capacity 2, M_a handed
/// while still in the ring), which failed the same way.
///
/// The fix (ringbuf-core `pause.rs`, "Seeing the pause lifted"): a pop
/// that reads the pause confirms it with a read-modify-write on `head`,
/// which reads the latest value. If the pause was lifted, the pop retries
/// and finds M_b. If not, the lift comes later in `head`'s modification
/// order and acquires that read-modify-write, which R2 made after its
/// registration: R1, after its lift, sees R2 queued and M_b stored, and
/// wakes R2 (as it lifts, `Chan::pause_lifted`, or as it finishes, passing
/// its wake on). The model fails again when the pop reports the pause it
/// read without confirming it.
#[test]
fn a_wake_spent_on_a_receiver_at_capacity_1_is_passed_on() {
    two_receivers_two_messages_at(1, |_, _| {}, Receive::Recv);
}

/// Capacity 1. Message 1 was handed out of the ring for a receiver whose
/// future was then dropped, and message 2 pushed behind it while nobody
/// waited (no wake): the ring holds 2, paused behind the handed 1. A
/// `try_recv` on another thread takes 1 and lifts the pause, while a
/// second receive waits: its attempts can find the ring still paused and
/// the handed message already gone, and it sleeps. No woken waiter is left
/// to pass a wake on (the `try_recv` never waited), so the thread that
/// lifts the pause must wake it for message 2.
///
/// The episodes test (`tests/episodes.rs`, blocked threads at capacity 1)
/// found this: two receivers asleep, one message in the ring. A blocking
/// receive's backoff takes handed messages with `try_recv`.
///
/// Fails if the take of a handed message does not wake a receiver for
/// what the lift made receivable.
#[test]
fn a_pause_lifted_by_try_recv_wakes_a_receiver_for_the_message_behind_it() {
    model(|| {
        let (tx, rx) = channel::<i32>(1);
        let keep = tx.clone(); // a spare sender: no close wakes everyone
        let (_, first_waker) = flag();
        let mut first = Box::pin(rx.recv());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        tx.try_send(1).unwrap(); // handed to the first receive's entry
        drop(first); // its wake goes on to nobody
        tx.try_send(2).unwrap(); // behind the pause, no waiter: no wake

        let taker = {
            let rx = rx.clone();
            thread::spawn(move || rx.try_recv().ok())
        };
        let (outcome, woke) = poll_once_leaking(rx.recv());
        let taken = taker.join().unwrap();
        let left = drain(&rx);
        if outcome.is_none() {
            assert!(
                woken(&woke) || left.is_empty(),
                "lost wake-up: the receive sleeps with {left:?} left behind a lifted pause"
            );
        }
        let mut got: Vec<i32> = taken.into_iter().chain(outcome.flatten()).collect();
        got.extend(left);
        got.sort_unstable();
        assert_eq!(got, [1, 2], "lost or repeated");
        drop(keep);
    });
}
