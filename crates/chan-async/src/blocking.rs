//! Blocking bridges: drive the async operations on a parked thread.
//!
//! `send_blocking` and `recv_blocking` poll the very futures async code uses,
//! with a waker that unparks the calling thread, so blocked threads wait in
//! the same FIFO queues as tasks and sync and async handles mix freely. The
//! waker is made once per thread and cached, so a wait allocates nothing.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

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
