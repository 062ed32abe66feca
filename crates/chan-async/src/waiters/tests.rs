//! Unit tests of the waiter queue, with wakers that count their wakes.

use super::list::KEEP_FLAG_PROBE;
use super::*;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::task::Wake;

/// A waker that counts its wakes.
struct Counter(StdAtomicUsize);
impl Wake for Counter {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
fn counter() -> (StdArc<Counter>, Waker) {
    let counter = StdArc::new(Counter(StdAtomicUsize::new(0)));
    (counter.clone(), Waker::from(counter))
}
fn wakes(counter: &Counter) -> usize {
    counter.0.load(Ordering::SeqCst)
}
fn waiting(queue: &WaitQueue) -> usize {
    let list = queue.list.lock();
    list.waiting(Kind::One) + list.waiting(Kind::All)
}

/// A flag that records every change, and says a message (slot) is left
/// for waiters when told so.
#[derive(Default)]
struct Recorder(std::cell::RefCell<Vec<bool>>, std::cell::Cell<usize>);
impl Flag for Recorder {
    fn set(&self, waiting: bool) {
        self.0.borrow_mut().push(waiting);
    }

    fn available(&self) -> usize {
        self.1.get()
    }
}

/// Three `One` waiters queued in order.
fn three_waiting(queue: &WaitQueue, flag: &Recorder) -> [(WaitKey, StdArc<Counter>); 3] {
    [(); 3].map(|()| {
        let (count, waker) = counter();
        let mut key = WaitKey::default();
        queue.register(&mut key, &waker, Kind::One, flag);
        (key, count)
    })
}

#[test]
fn notified_waiter_that_did_not_need_the_wake_passes_it_on_while_something_is_left() {
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let [(mut a, a_wakes), (_b, b_wakes), (_c, c_wakes)] = three_waiting(&queue, &flag);
    queue.notify(1, &flag);
    assert_eq!(wakes(&a_wakes), 1);
    // `a` took something else in its re-check; what the wake was for is
    // still there: the next waiter gets the wake.
    flag.1.set(1);
    queue.complete(&mut a, &flag);
    assert_eq!((wakes(&b_wakes), wakes(&c_wakes)), (1, 0));
    assert_eq!(waiting(&queue), 1);
}

#[test]
fn notified_waiter_keeps_the_wake_when_nothing_is_left() {
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let [(mut a, _), (_b, b_wakes), _c] = three_waiting(&queue, &flag);
    queue.notify(1, &flag);
    flag.1.set(0);
    queue.complete(&mut a, &flag);
    assert_eq!(wakes(&b_wakes), 0, "nothing left to wake for");
    assert_eq!(waiting(&queue), 2);
}

#[test]
fn notified_waiter_passes_the_wake_on_from_the_locked_path_too() {
    // A later notification overwrote the hint, so `a` finds out under the
    // lock that its entry was freed, and passes the wake on from there.
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let [(mut a, _), (_b, b_wakes), (_c, c_wakes)] = three_waiting(&queue, &flag);
    queue.notify(1, &flag);
    queue.notify(1, &flag);
    assert_eq!(wakes(&b_wakes), 1);
    // `b` is still on its way to its message: one left over is for it.
    flag.1.set(1);
    queue.complete(&mut a, &flag);
    assert_eq!(wakes(&c_wakes), 0, "b will take the one left");
    // Two left over: one more than `b` will take.
    let (_, waker) = counter();
    queue.register(&mut a, &waker, Kind::One, &flag);
    queue.notify(1, &flag); // takes `c`: the hint no longer names `a`...
    queue.notify(1, &flag); // ...nor `c`
    flag.1.set(3);
    queue.complete(&mut a, &flag);
    assert_eq!(waiting(&queue), 0);
}

#[test]
fn of_several_woken_waiters_only_what_they_leave_over_is_passed_on() {
    // Three waiters woken for three slots, none of which needed the wake:
    // as each finishes, the others still to come account for what is left,
    // so no fourth waiter is woken for nothing.
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let [(mut a, _), (mut b, _), (mut c, _)] = three_waiting(&queue, &flag);
    let (d_wakes, d_waker) = counter();
    let mut d = WaitKey::default();
    queue.register(&mut d, &d_waker, Kind::One, &flag);
    queue.notify(3, &flag);
    for (key, left) in [(&mut a, 2), (&mut b, 1), (&mut c, 0)] {
        flag.1.set(left);
        queue.complete(key, &flag);
    }
    assert_eq!(wakes(&d_wakes), 0, "one wake per slot");

    // Two woken, and one slot more than they take: the last of them to
    // finish passes it on.
    let queue = WaitQueue::new();
    let [(mut a, _), (mut b, _), (_c, c_wakes)] = three_waiting(&queue, &flag);
    queue.notify(2, &flag);
    flag.1.set(1);
    queue.complete(&mut a, &flag);
    assert_eq!(wakes(&c_wakes), 0, "b may still take it");
    queue.complete(&mut b, &flag);
    assert_eq!(wakes(&c_wakes), 1);
}

#[test]
fn all_kind_waiters_pass_nothing_on() {
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let (_, waker) = counter();
    let mut all = WaitKey::default();
    queue.register(&mut all, &waker, Kind::All, &flag);
    let (one_wakes, one_waker) = counter();
    let mut one = WaitKey::default();
    queue.register(&mut one, &one_waker, Kind::One, &flag);
    queue.notify_all(&flag).unwrap();
    queue.register(&mut one, &one_waker, Kind::One, &flag);
    assert_eq!(wakes(&one_wakes), 1);
    flag.1.set(1);
    queue.complete(&mut all, &flag);
    assert_eq!(
        wakes(&one_wakes),
        1,
        "an `All` wake is not a turn to pass on"
    );
}

#[test]
fn flag_follows_whether_anyone_waits() {
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let (_, waker) = counter();
    let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
    queue.register(&mut a, &waker, Kind::One, &flag);
    queue.register(&mut b, &waker, Kind::One, &flag);
    assert_eq!(*flag.0.borrow(), [true], "raised once, by the first");
    queue.notify(1, &flag);
    assert_eq!(*flag.0.borrow(), [true], "b still waits");
    queue.cancel(&mut b, &flag);
    assert_eq!(*flag.0.borrow(), [true, false], "lowered by the last");
    queue.register(&mut a, &waker, Kind::One, &flag); // woken, found nothing
    assert_eq!(*flag.0.borrow(), [true, false, true]);
    queue.complete(&mut a, &flag);
    assert_eq!(*flag.0.borrow(), [true, false, true, false]);
}

#[test]
fn flag_is_left_up_only_while_the_woken_waiter_comes_back_first() {
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let (_, waker) = counter();
    // A ping-pong: wait, be notified, wait again before anything else.
    let round = || {
        let mut key = WaitKey::default();
        queue.register(&mut key, &waker, Kind::One, &flag);
        queue.notify(1, &flag);
        queue.complete(&mut key, &flag);
    };
    for _ in 0..4 {
        round();
    }
    // Raised once, then left up: every registration found it up.
    let mut expected = vec![true];
    assert_eq!(*flag.0.borrow(), expected);
    // A notification that finds nobody lowers it and stops leaving it
    // up: each wake lowers it again, until a probe leaves it up and the
    // next registration finds it so.
    queue.notify(1, &flag);
    expected.push(false);
    let probe = usize::from(KEEP_FLAG_PROBE);
    for _ in 0..probe + 2 {
        round();
    }
    expected.extend([true, false].repeat(probe - 1));
    expected.push(true);
    assert_eq!(*flag.0.borrow(), expected);
}

#[test]
fn all_kind_waiters_wake_on_every_notify_without_taking_a_turn() {
    let queue = WaitQueue::new();
    let (drainer, drainer_waker) = counter();
    let (sender, sender_waker) = counter();
    let (mut d, mut s) = (WaitKey::default(), WaitKey::default());
    queue.register(&mut d, &drainer_waker, Kind::All, &NoFlag);
    queue.register(&mut s, &sender_waker, Kind::One, &NoFlag);
    queue.notify(1, &NoFlag);
    assert_eq!((wakes(&drainer), wakes(&sender)), (1, 1));
    // A dropped `All` waiter forwards nothing: it never took a turn.
    queue.register(&mut d, &drainer_waker, Kind::All, &NoFlag);
    queue.notify(0, &NoFlag);
    assert_eq!(wakes(&drainer), 2);
    queue.cancel(&mut d, &NoFlag);
    queue.complete(&mut s, &NoFlag);
    assert_eq!(wakes(&sender), 1);
}

#[test]
fn re_registering_refreshes_instead_of_queueing_twice() {
    let queue = WaitQueue::new();
    let (first, first_waker) = counter();
    let (second, second_waker) = counter();
    let mut key = WaitKey::default();
    queue.register(&mut key, &first_waker, Kind::One, &NoFlag);
    queue.register(&mut key, &first_waker, Kind::One, &NoFlag);
    queue.register(&mut key, &second_waker, Kind::One, &NoFlag);
    assert_eq!(waiting(&queue), 1);
    queue.notify(1, &NoFlag);
    assert_eq!(
        (wakes(&first), wakes(&second)),
        (0, 1),
        "newest waker woken"
    );
    assert_eq!(waiting(&queue), 0);
    queue.complete(&mut key, &NoFlag);
}

#[test]
fn notify_is_fifo() {
    let queue = WaitQueue::new();
    let counters: Vec<_> = (0..3).map(|_| counter()).collect();
    let mut keys: Vec<WaitKey> = (0..3).map(|_| WaitKey::default()).collect();
    for (key, (_, waker)) in keys.iter_mut().zip(&counters) {
        queue.register(key, waker, Kind::One, &NoFlag);
    }
    queue.notify(1, &NoFlag);
    let woken: Vec<usize> = counters.iter().map(|(c, _)| wakes(c)).collect();
    assert_eq!(woken, [1, 0, 0]);
    queue.notify(2, &NoFlag);
    let woken: Vec<usize> = counters.iter().map(|(c, _)| wakes(c)).collect();
    assert_eq!(woken, [1, 1, 1]);
    for key in &mut keys {
        queue.complete(key, &NoFlag);
    }
}

#[test]
fn cancelled_after_notify_forwards_the_wake() {
    let queue = WaitQueue::new();
    let (first, first_waker) = counter();
    let (second, second_waker) = counter();
    let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
    queue.register(&mut a, &first_waker, Kind::One, &NoFlag);
    queue.register(&mut b, &second_waker, Kind::One, &NoFlag);
    queue.notify(1, &NoFlag);
    assert_eq!(wakes(&first), 1);
    queue.cancel(&mut a, &NoFlag);
    assert_eq!(wakes(&second), 1, "the unused wake passed on");
    queue.complete(&mut b, &NoFlag);
}

#[test]
fn cancelled_before_notify_forwards_nothing() {
    let queue = WaitQueue::new();
    let (first, first_waker) = counter();
    let (second, second_waker) = counter();
    let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
    queue.register(&mut a, &first_waker, Kind::One, &NoFlag);
    queue.register(&mut b, &second_waker, Kind::One, &NoFlag);
    queue.cancel(&mut a, &NoFlag);
    assert_eq!((wakes(&first), wakes(&second)), (0, 0));
    queue.notify(1, &NoFlag);
    assert_eq!(wakes(&second), 1);
    queue.complete(&mut b, &NoFlag);
}

#[test]
fn notified_waiter_that_registers_again_goes_first() {
    let queue = WaitQueue::new();
    let (first, first_waker) = counter();
    let (second, second_waker) = counter();
    let (mut a, mut b) = (WaitKey::default(), WaitKey::default());
    queue.register(&mut a, &first_waker, Kind::One, &NoFlag);
    queue.register(&mut b, &second_waker, Kind::One, &NoFlag);
    queue.notify(1, &NoFlag);
    queue.register(&mut a, &first_waker, Kind::One, &NoFlag); // woken, found nothing
    queue.notify(1, &NoFlag);
    assert_eq!((wakes(&first), wakes(&second)), (2, 0));
    queue.complete(&mut a, &NoFlag);
    queue.complete(&mut b, &NoFlag);
}

/// Several woken waiters that found nothing come back in the reverse of
/// their order (the executor's choice); they are still served oldest first,
/// and all ahead of a waiter that came after them. A queue that put each
/// returning waiter at the front would serve the last one back first.
#[test]
fn notified_waiters_that_register_again_keep_their_order() {
    let queue = WaitQueue::new();
    let counters: Vec<_> = (0..4).map(|_| counter()).collect();
    let mut keys: Vec<WaitKey> = (0..4).map(|_| WaitKey::default()).collect();
    for (key, (_, waker)) in keys.iter_mut().zip(&counters).take(3) {
        queue.register(key, waker, Kind::One, &NoFlag);
    }
    queue.notify(3, &NoFlag); // all three woken; someone else takes the values
    queue.register(&mut keys[3], &counters[3].1, Kind::One, &NoFlag); // a newcomer
    for i in [2, 0, 1] {
        queue.register(&mut keys[i], &counters[i].1, Kind::One, &NoFlag);
    }
    let woken = || -> Vec<usize> { counters.iter().map(|(c, _)| wakes(c)).collect() };
    for (served, expected) in [[2, 1, 1, 0], [2, 2, 1, 0], [2, 2, 2, 0], [2, 2, 2, 1]]
        .iter()
        .enumerate()
    {
        queue.notify(1, &NoFlag);
        assert_eq!(woken(), expected, "notification {served}");
    }
    for key in &mut keys {
        queue.complete(key, &NoFlag);
    }
}

#[test]
fn entries_are_reused() {
    let queue = WaitQueue::new();
    let (_, waker) = counter();
    for _ in 0..100 {
        let mut key = WaitKey::default();
        queue.register(&mut key, &waker, Kind::One, &NoFlag);
        queue.complete(&mut key, &NoFlag);
    }
    assert_eq!(queue.list.lock().slab_len(), 1);
}

/// A waiter whose waker queues it again at once, as a `Drained` future
/// polled on another thread may.
struct Eager {
    queue: StdArc<WaitQueue>,
    key: std::sync::Mutex<WaitKey>,
    wakes: StdAtomicUsize,
}
impl Wake for Eager {
    fn wake(self: StdArc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        let waker = Waker::from(self.clone());
        let mut key = self.key.lock().unwrap();
        self.queue.register(&mut key, &waker, Kind::All, &NoFlag);
    }
}

#[test]
fn notify_all_wakes_each_waiter_once_even_if_they_queue_again() {
    let queue = StdArc::new(WaitQueue::new());
    let waiters: Vec<StdArc<Eager>> = (0..WAKE_BATCH * 2 + 5)
        .map(|_| {
            let eager = StdArc::new(Eager {
                queue: queue.clone(),
                key: std::sync::Mutex::new(WaitKey::default()),
                wakes: StdAtomicUsize::new(0),
            });
            let waker = Waker::from(eager.clone());
            queue.register(&mut eager.key.lock().unwrap(), &waker, Kind::All, &NoFlag);
            eager
        })
        .collect();
    // Every woken waiter is queued again before the next batch; without
    // a bound this would wake them round and round.
    queue.notify_all(&NoFlag).unwrap();
    for eager in &waiters {
        assert_eq!(eager.wakes.load(Ordering::SeqCst), 1);
    }
    assert_eq!(waiting(&queue), waiters.len(), "all queued again");
    for eager in &waiters {
        queue.cancel(&mut eager.key.lock().unwrap(), &NoFlag);
    }
    assert_eq!(waiting(&queue), 0);
}

#[test]
fn notify_all_wakes_more_than_a_batch() {
    let queue = WaitQueue::new();
    let (count, waker) = counter();
    let mut keys: Vec<WaitKey> = (0..WAKE_BATCH * 2 + 3)
        .map(|_| WaitKey::default())
        .collect();
    for key in &mut keys {
        queue.register(key, &waker, Kind::One, &NoFlag);
    }
    queue.notify_all(&NoFlag).unwrap();
    assert_eq!(wakes(&count), keys.len());
    assert_eq!(waiting(&queue), 0);
    for key in &mut keys {
        queue.complete(key, &NoFlag);
    }
}

/// A waker that panics when woken.
struct Panicking;
impl Wake for Panicking {
    fn wake(self: StdArc<Self>) {
        panic!("waker panics");
    }
}

#[test]
fn a_stream_whose_waker_panics_still_shares_its_wake() {
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let mut stream = WaitKey::default();
    queue.register(
        &mut stream,
        &Waker::from(StdArc::new(Panicking)),
        Kind::Stream,
        &flag,
    );
    let (behind_wakes, behind_waker) = counter();
    let mut behind = WaitKey::default();
    queue.register(&mut behind, &behind_waker, Kind::One, &flag);
    let notified = std::panic::catch_unwind(AssertUnwindSafe(|| queue.notify(1, &flag)));
    assert!(notified.is_err(), "the panic goes on to the notifier");
    assert_eq!(
        wakes(&behind_wakes),
        1,
        "the waiter behind the stream is woken all the same"
    );
    assert_eq!(waiting(&queue), 0);
    queue.complete(&mut behind, &flag);
    queue.cancel(&mut stream, &flag);
    assert_eq!(queue.in_flight.0.load(Ordering::SeqCst), 0);
}

/// Documents a limit: a woken `One` waiter whose owner is leaked (its
/// future forgotten) stays counted in flight for good, and the pass-on
/// then counts on it to take a message it never will.
#[test]
fn a_leaked_woken_waiter_stays_counted_in_flight() {
    let queue = WaitQueue::new();
    let flag = Recorder::default();
    let (_, leaked_waker) = counter();
    let mut leaked = WaitKey::default();
    queue.register(&mut leaked, &leaked_waker, Kind::One, &flag);
    queue.notify(1, &flag);
    // Its owner never completes nor cancels `leaked` (the key has no
    // `Drop`: what leaking its future leaves behind).
    let [(mut a, _), (_b, b_wakes), _c] = three_waiting(&queue, &flag);
    queue.notify(1, &flag);
    // `a` took a message that came before the flag; the one its wake was
    // for is left, and would go to `b` but for the leaked count.
    flag.1.set(1);
    queue.complete(&mut a, &flag);
    assert_eq!(wakes(&b_wakes), 0, "the leaked waiter is counted on");
    assert_eq!(queue.in_flight.0.load(Ordering::SeqCst), 1);
}
