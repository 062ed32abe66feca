//! Blocking bridges: drive the async operations on a parked thread.
//!
//! `send_blocking` and `recv_blocking` poll the very futures async code uses,
//! with a waker that unparks the calling thread, so blocked threads wait in
//! the same FIFO queues as tasks and sync and async handles mix freely. The
//! waker is made once per thread and cached, so a wait allocates nothing.
//!
//! The calls with a deadline poll `send_until` / `recv_until` with an
//! [`Elapsed`] deadline and park at most until that instant.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Instant;

/// Wakes a parked thread.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static THREAD_WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
}

/// Polls `future` to completion on this thread, parking between polls.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    THREAD_WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            // A stale unpark token only costs one extra poll.
            thread::park();
        }
    })
}

/// Polls `future` to completion on this thread, parking between polls for
/// no longer than until `deadline`.
///
/// For futures that complete by themselves once `deadline` has passed (an
/// operation raced against an [`Elapsed`] of the same instant): this loop
/// is the timer that wakes them, it never gives up on its own.
pub(crate) fn block_on_until<F: Future>(future: F, deadline: Instant) -> F::Output {
    let mut future = pin!(future);
    THREAD_WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            // Zero once the deadline has passed: the next poll sees it.
            thread::park_timeout(deadline.saturating_duration_since(Instant::now()));
        }
    })
}

/// A deadline future for [`block_on_until`]: ready once the clock has
/// reached the instant, never before. It registers no waker: the parked
/// thread's timeout is its timer.
#[derive(Debug)]
pub(crate) struct Elapsed(pub(crate) Instant);

impl Future for Elapsed {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Panics if this thread runs a tokio runtime's async code, where a blocking
/// call would stall the runtime (and deadlock it if what the call waits for
/// must come from a task on the same thread). `method` is the blocking call,
/// `instead` the async code to use.
///
/// A thread that merely has a runtime entered (a `spawn_blocking` closure, a
/// `Runtime::enter` guard) may block, so a runtime handle alone is not the
/// test: tokio's own blocking calls refuse exactly the threads that must not
/// block, and one of them, on a channel that is already closed, answers the
/// question (its panic message is printed before ours).
#[cfg(all(feature = "tokio", debug_assertions))]
pub(crate) fn check_may_block(method: &str, instead: &str) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let (probe, rx) = tokio::sync::oneshot::channel::<()>();
    drop(probe);
    // Unwind safety: the probe is dropped by the unwind, never seen again.
    let ask = std::panic::AssertUnwindSafe(move || rx.blocking_recv().is_err());
    let may_block = std::panic::catch_unwind(ask).is_ok();
    assert!(
        may_block,
        "{method} called from inside a tokio runtime: use `{instead}`"
    );
}

/// Without the `tokio` feature, or in release builds: no check.
#[cfg(not(all(feature = "tokio", debug_assertions)))]
#[inline(always)]
pub(crate) fn check_may_block(_method: &str, _instead: &str) {}
