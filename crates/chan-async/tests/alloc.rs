#![cfg(not(chan_loom))]
//! Allocation counts: no allocation per message, and none per wait once the
//! waiter queues have grown to their peak.
//!
//! A counting global allocator counts only on threads that asked for it
//! (a thread-local flag and count), so the tests of this binary, which run
//! in parallel threads, and the harness itself do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use chan_async::channel;
use futures_core::Stream;

// ---------------------------------------------------------------------------
// The counting allocator
// ---------------------------------------------------------------------------

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: the allocator may run while this thread's locals are being
    // torn down. Both locals are `const`-initialised and need no destructor,
    // so touching them never allocates.
    let _ = COUNTING.try_with(|counting| {
        if counting.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; the counting beside it does
// not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded as is; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded as is; `ptr` came from this allocator, which is
        // `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from this allocator, which is
        // `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, counting the allocations this thread makes meanwhile.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let result = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.with(Cell::get), result)
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn poll<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The allocator really counts (otherwise every 0 below proves nothing).
#[test]
fn the_counter_sees_allocations() {
    let (n, v) = allocations_in(|| vec![1u8; 100]);
    assert!(n >= 1, "a Vec allocation was not counted");
    drop(v);
    let (n, ()) = allocations_in(|| {
        let (tx, rx) = channel::<u64>(4);
        drop((tx, rx));
    });
    assert!(n >= 1, "creating a channel allocates its state");
}

#[test]
fn try_send_and_try_recv_do_not_allocate() {
    for capacity in [1, 8, 1024] {
        let (tx, rx) = channel::<u64>(capacity);
        let (tx2, rx2) = (tx.clone(), rx.clone());
        for i in 0..100 {
            tx.try_send(i).unwrap();
            rx.try_recv().unwrap();
        }
        let (n, sum) = allocations_in(|| {
            let mut sum = 0;
            for i in 0..10_000u64 {
                let sender = if i % 2 == 0 { &tx } else { &tx2 };
                sender.try_send(i).unwrap();
                sum += if i % 3 == 0 {
                    rx.try_recv()
                } else {
                    rx2.try_recv()
                }
                .unwrap();
            }
            sum
        });
        assert_eq!(sum, 10_000 * 9_999 / 2);
        assert_eq!(
            n, 0,
            "capacity {capacity}: 10 000 send/receive pairs allocated {n} times"
        );
    }
}

/// A receive that waits (poll: pending, send, poll: ready), a send that
/// waits, a batch receive that waits, a stream that waits, and a woken
/// receive that is dropped (forwarding its wake): none allocates once the
/// waiter queues have grown.
#[test]
fn waiting_does_not_allocate_after_warm_up() {
    let (tx, mut rx) = channel::<u64>(1);
    let counter = Arc::new(Counter::default());
    let waker = Waker::from(Arc::clone(&counter));
    let other_counter = Arc::new(Counter::default());
    let other_waker = Waker::from(Arc::clone(&other_counter));
    let mut buf = Vec::with_capacity(4);

    let mut cycle = |i: u64| {
        // A receive that waits.
        {
            let mut recv = pin!(rx.recv());
            assert!(poll(recv.as_mut(), &waker).is_pending());
            tx.try_send(i).unwrap();
            assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(i)));
        }
        // A send that waits.
        tx.try_send(i).unwrap();
        {
            let mut send = pin!(tx.send(i + 1));
            assert!(poll(send.as_mut(), &waker).is_pending());
            assert_eq!(rx.try_recv(), Ok(i));
            assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Ok(())));
        }
        assert_eq!(rx.try_recv(), Ok(i + 1));
        // A batch receive that waits.
        {
            let mut many = pin!(rx.recv_many(&mut buf, 4));
            assert!(poll(many.as_mut(), &waker).is_pending());
            tx.try_send(i).unwrap();
            assert_eq!(poll(many.as_mut(), &waker), Poll::Ready(1));
        }
        assert_eq!(buf.pop(), Some(i));
        // The stream, whose entry lives in the handle.
        {
            let mut cx = Context::from_waker(&waker);
            assert!(Pin::new(&mut rx).poll_next(&mut cx).is_pending());
            tx.try_send(i).unwrap();
            assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(i)));
        }
        // Two waiters; the woken one is dropped and forwards its wake.
        {
            // Declared in this order so `first` is dropped before `second`.
            let mut second = pin!(rx.recv());
            let mut first = pin!(rx.recv());
            assert!(poll(first.as_mut(), &waker).is_pending());
            assert!(poll(second.as_mut(), &other_waker).is_pending());
            tx.try_send(i).unwrap();
        }
        assert_eq!(rx.try_recv(), Ok(i));
    };

    for i in 0..10 {
        cycle(i);
    }
    let (n, ()) = allocations_in(|| {
        for i in 10..1_010 {
            cycle(i);
        }
    });
    assert_eq!(n, 0, "1 000 waiting cycles allocated {n} times");
    assert!(
        counter.0.load(Ordering::Relaxed) >= 4_000,
        "the waits really waited"
    );
    assert!(
        other_counter.0.load(Ordering::Relaxed) >= 1_000,
        "the wake was forwarded"
    );
}

/// A rendezvous channel (capacity 0) after warm-up: a receive that waits
/// and is handed a value, a send that waits and whose value a receive
/// takes, a batch receive, the stream, a handed receive that is dropped
/// (passing its value on) and a permit: none allocates.
#[test]
fn rendezvous_does_not_allocate_after_warm_up() {
    let (tx, mut rx) = channel::<u64>(0);
    let counter = Arc::new(Counter::default());
    let waker = Waker::from(Arc::clone(&counter));
    let mut buf = Vec::with_capacity(4);

    let mut cycle = |i: u64| {
        // A receive waits; a send hands it the value.
        {
            let mut recv = pin!(rx.recv());
            assert!(poll(recv.as_mut(), &waker).is_pending());
            tx.try_send(i).unwrap();
            assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(i)));
        }
        // A send waits; a receive takes its value.
        {
            let mut send = pin!(tx.send(i + 1));
            assert!(poll(send.as_mut(), &waker).is_pending());
            assert_eq!(rx.try_recv(), Ok(i + 1));
            assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Ok(())));
        }
        // A batch receive that waits.
        {
            let mut many = pin!(rx.recv_many(&mut buf, 4));
            assert!(poll(many.as_mut(), &waker).is_pending());
            tx.try_send(i).unwrap();
            assert_eq!(poll(many.as_mut(), &waker), Poll::Ready(1));
        }
        assert_eq!(buf.pop(), Some(i));
        // The stream.
        {
            let mut cx = Context::from_waker(&waker);
            assert!(Pin::new(&mut rx).poll_next(&mut cx).is_pending());
            tx.try_send(i).unwrap();
            assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(i)));
        }
        // A handed receive dropped: its value goes to the next receive.
        {
            let mut recv = pin!(rx.recv());
            assert!(poll(recv.as_mut(), &waker).is_pending());
            tx.try_send(i).unwrap();
        }
        assert_eq!(rx.try_recv(), Ok(i));
        // A permit.
        {
            let mut recv = pin!(rx.recv());
            assert!(poll(recv.as_mut(), &waker).is_pending());
            tx.try_reserve().unwrap().send(i);
            assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(i)));
        }
    };

    for i in 0..10 {
        cycle(i);
    }
    let (n, ()) = allocations_in(|| {
        for i in 10..1_010 {
            cycle(i);
        }
    });
    assert_eq!(n, 0, "1 000 rendezvous cycles allocated {n} times");
    assert!(
        counter.0.load(Ordering::Relaxed) >= 5_000,
        "the waits really waited"
    );
}

/// Makes parking_lot set up this thread's parking state now: the first time
/// a thread parks on a contended lock, parking_lot registers it and may grow
/// its global table (two allocations), once per thread.
fn warm_up_parking() {
    let lock = parking_lot::Mutex::new(());
    let mut guard = lock.lock();
    let _ = parking_lot::Condvar::new().wait_for(&mut guard, Duration::ZERO);
}

/// Blocking send and receive between two threads, after warm-up: both
/// threads are measured (each counts only its own allocations), in three
/// rounds. Under heavy load a one-time lazy allocation of the platform can
/// land in the first round; an allocation per message or per wait would show
/// in every round, so the last round must be clean.
#[test]
fn blocking_send_and_recv_do_not_allocate_after_warm_up() {
    const WARM_UP: u64 = 1_000;
    const MEASURED: u64 = 10_000;
    const ROUNDS: u64 = 3;
    let (tx, rx) = channel::<u64>(1);
    let sender = thread::spawn(move || {
        warm_up_parking();
        for i in 0..WARM_UP {
            tx.send_blocking(i).unwrap();
        }
        let mut counts = Vec::with_capacity(ROUNDS as usize);
        for round in 0..ROUNDS {
            let start = WARM_UP + round * MEASURED;
            let (n, ()) = allocations_in(|| {
                for i in start..start + MEASURED {
                    tx.send_blocking(i).unwrap();
                }
            });
            counts.push(n);
        }
        counts
    });
    warm_up_parking();
    for i in 0..WARM_UP {
        assert_eq!(rx.recv_blocking(), Some(i));
    }
    let mut received = Vec::with_capacity(ROUNDS as usize);
    for round in 0..ROUNDS {
        let start = WARM_UP + round * MEASURED;
        let (n, ()) = allocations_in(|| {
            for i in start..start + MEASURED {
                assert_eq!(rx.recv_blocking(), Some(i));
            }
        });
        received.push(n);
    }
    let sent = sender.join().unwrap();
    eprintln!(
        "blocking: allocations per round {sent:?} on the sending thread, {received:?} on the receiving thread"
    );
    assert_eq!(
        received.last(),
        Some(&0),
        "recv_blocking allocated: {received:?}"
    );
    assert_eq!(sent.last(), Some(&0), "send_blocking allocated: {sent:?}");
    assert_eq!(rx.recv_blocking(), None);
}

/// Permits, once the waiter queues have grown: `try_reserve` and `reserve`
/// then `Permit::send`, `reserve_owned` then `OwnedPermit::send`, a
/// `reserve` that waits for a slot, and permits given back unused
/// (dropped, or `release`d): none allocates.
#[test]
fn permits_do_not_allocate_after_warm_up() {
    let (tx, rx) = channel::<u64>(2);
    let counter = Arc::new(Counter::default());
    let waker = Waker::from(Arc::clone(&counter));

    let cycle = |i: u64| {
        // Reserve and send, without waiting.
        tx.try_reserve().unwrap().send(i);
        {
            let mut reserve = pin!(tx.reserve());
            let Poll::Ready(Ok(permit)) = poll(reserve.as_mut(), &waker) else {
                panic!("a slot was free");
            };
            permit.send(i + 1);
        }
        assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(i), Ok(i + 1)));
        let tx = {
            let mut reserve = pin!(tx.clone().reserve_owned());
            let Poll::Ready(Ok(permit)) = poll(reserve.as_mut(), &waker) else {
                panic!("a slot was free");
            };
            permit.send(i)
        };
        assert_eq!(rx.try_recv(), Ok(i));
        // Reserve and give back.
        drop(tx.try_reserve().unwrap());
        let tx = tx.try_reserve_owned().ok().unwrap().release();
        // A reserve that waits for the slot a receive frees.
        tx.try_send(i).unwrap();
        tx.try_send(i + 1).unwrap();
        {
            let mut reserve = pin!(tx.reserve());
            assert!(poll(reserve.as_mut(), &waker).is_pending());
            assert_eq!(rx.try_recv(), Ok(i));
            let Poll::Ready(Ok(permit)) = poll(reserve.as_mut(), &waker) else {
                panic!("woken for a free slot");
            };
            drop(permit);
        }
        assert_eq!(rx.try_recv(), Ok(i + 1));
        assert!(rx.is_empty() && !tx.is_full());
    };

    for i in 0..10 {
        cycle(i);
    }
    let (n, ()) = allocations_in(|| {
        for i in 10..1_010 {
            cycle(i);
        }
    });
    assert_eq!(n, 0, "1 000 permit cycles allocated {n} times");
    assert!(
        counter.0.load(Ordering::Relaxed) >= 1_000,
        "the reserves really waited"
    );
}

/// Items sent through a `SendSink`: `poll_ready` holds a slot (waiting for
/// one when the channel is full), `start_send` uses it. No allocation and
/// no sender clone per item once the queues have grown.
#[cfg(feature = "sink")]
#[test]
fn sink_items_do_not_allocate_after_warm_up() {
    use futures::Sink;

    let (tx, rx) = channel::<u64>(1);
    let counter = Arc::new(Counter::default());
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);
    let mut borrowed = tx.sink();
    let mut owned = tx.clone().into_sink();

    let mut cycle = |i: u64| {
        for sink in [&mut borrowed, &mut owned] {
            assert!(Pin::new(&mut *sink).poll_ready(&mut cx).is_ready());
            Pin::new(&mut *sink).start_send(i).unwrap();
            // Full now: the next item waits for the receive.
            assert!(Pin::new(&mut *sink).poll_ready(&mut cx).is_pending());
            assert_eq!(rx.try_recv(), Ok(i));
            assert!(Pin::new(&mut *sink).poll_ready(&mut cx).is_ready());
            Pin::new(&mut *sink).start_send(i + 1).unwrap();
            assert_eq!(rx.try_recv(), Ok(i + 1));
        }
    };
    for i in 0..10 {
        cycle(i);
    }
    let (n, ()) = allocations_in(|| {
        for i in 10..1_010 {
            cycle(i);
        }
    });
    assert_eq!(n, 0, "2 000 sink items allocated {n} times");
    assert!(
        counter.0.load(Ordering::Relaxed) >= 2_000,
        "the sinks really waited"
    );
}

/// A deadline that passes on its second poll: the operation registers a
/// waiter in the first, and times out in the second.
struct SecondPoll(bool);

impl Future for SecondPoll {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// `send_until` and `recv_until`, with a deadline already passed (an
/// operation that can complete still does) and with one that passes while
/// the operation waits: none allocates once the queues have grown.
#[test]
fn deadline_futures_do_not_allocate_after_warm_up() {
    use chan_async::{RecvTimeoutError, SendTimeoutError};

    let (tx, rx) = channel::<u64>(1);
    let waker = Waker::from(Arc::new(Counter::default()));
    let ready = || std::future::ready(());

    let cycle = |i: u64| {
        // Ready deadline: completes when it can, times out when it cannot.
        let got = poll(pin!(rx.recv_until(ready())), &waker);
        assert_eq!(got, Poll::Ready(Err(RecvTimeoutError::Timeout)));
        let sent = poll(pin!(tx.send_until(i, ready())), &waker);
        assert_eq!(sent, Poll::Ready(Ok(())));
        let sent = poll(pin!(tx.send_until(i + 1, ready())), &waker);
        assert_eq!(sent, Poll::Ready(Err(SendTimeoutError::Timeout(i + 1))));
        let got = poll(pin!(rx.recv_until(ready())), &waker);
        assert_eq!(got, Poll::Ready(Ok(i)));
        // A deadline that passes while waiting.
        {
            let mut recv = pin!(rx.recv_until(SecondPoll(false)));
            assert!(poll(recv.as_mut(), &waker).is_pending());
            let got = poll(recv.as_mut(), &waker);
            assert_eq!(got, Poll::Ready(Err(RecvTimeoutError::Timeout)));
        }
        tx.try_send(i).unwrap();
        {
            let mut send = pin!(tx.send_until(i + 1, SecondPoll(false)));
            assert!(poll(send.as_mut(), &waker).is_pending());
            let sent = poll(send.as_mut(), &waker);
            assert_eq!(sent, Poll::Ready(Err(SendTimeoutError::Timeout(i + 1))));
        }
        assert_eq!(rx.try_recv(), Ok(i));
    };

    for i in 0..10 {
        cycle(i);
    }
    let (n, ()) = allocations_in(|| {
        for i in 10..1_010 {
            cycle(i);
        }
    });
    assert_eq!(n, 0, "1 000 deadline cycles allocated {n} times");
}

/// The blocking timeouts: `recv_timeout` and `send_timeout` that wait and
/// time out on one thread, then a sender and a receiver on two threads
/// passing messages with long timeouts that never fire (every call may
/// wait), measured in rounds as for `send_blocking` above: the last round
/// must be clean on both threads.
#[test]
fn blocking_timeouts_do_not_allocate_after_warm_up() {
    use chan_async::{RecvTimeoutError, SendTimeoutError};

    const WARM_UP: u64 = 1_000;
    const MEASURED: u64 = 5_000;
    const ROUNDS: u64 = 3;
    const LONG: Duration = Duration::from_secs(60);

    // Waits that time out.
    let (tx, rx) = channel::<u64>(1);
    warm_up_parking();
    let short = Duration::from_micros(10);
    let timing_out = |count: u64| {
        for i in 0..count {
            assert_eq!(rx.recv_timeout(short), Err(RecvTimeoutError::Timeout));
            tx.try_send(i).unwrap();
            assert_eq!(
                tx.send_timeout(i + 1, short),
                Err(SendTimeoutError::Timeout(i + 1))
            );
            assert_eq!(rx.try_recv(), Ok(i));
        }
    };
    timing_out(10);
    let (n, ()) = allocations_in(|| timing_out(200));
    assert_eq!(n, 0, "200 timed-out waits of each kind allocated {n} times");

    // Waits that are served.
    let (tx, rx) = channel::<u64>(1);
    let sender = thread::spawn(move || {
        warm_up_parking();
        for i in 0..WARM_UP {
            tx.send_timeout(i, LONG).unwrap();
        }
        let mut counts = Vec::with_capacity(ROUNDS as usize);
        for round in 0..ROUNDS {
            let start = WARM_UP + round * MEASURED;
            let (n, ()) = allocations_in(|| {
                for i in start..start + MEASURED {
                    tx.send_timeout(i, LONG).unwrap();
                }
            });
            counts.push(n);
        }
        counts
    });
    warm_up_parking();
    for i in 0..WARM_UP {
        assert_eq!(rx.recv_timeout(LONG), Ok(i));
    }
    let mut received = Vec::with_capacity(ROUNDS as usize);
    for round in 0..ROUNDS {
        let start = WARM_UP + round * MEASURED;
        let (n, ()) = allocations_in(|| {
            for i in start..start + MEASURED {
                assert_eq!(rx.recv_timeout(LONG), Ok(i));
            }
        });
        received.push(n);
    }
    let sent = sender.join().unwrap();
    eprintln!(
        "timeouts: allocations per round {sent:?} on the sending thread, {received:?} on the receiving thread"
    );
    assert_eq!(
        received.last(),
        Some(&0),
        "recv_timeout allocated: {received:?}"
    );
    assert_eq!(sent.last(), Some(&0), "send_timeout allocated: {sent:?}");
    assert_eq!(rx.recv_timeout(LONG), Err(RecvTimeoutError::Closed));
}
