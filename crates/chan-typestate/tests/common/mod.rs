//! Helpers common to the integration tests: a waker that counts its wakes,
//! a manual poll, and a message that counts its drops.
#![allow(dead_code)] // each test file uses a different subset

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts how often it was woken.
#[derive(Debug, Default)]
pub struct WakeCount(AtomicUsize);

impl WakeCount {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh counting waker and the counter behind it.
pub fn counting_waker() -> (Arc<WakeCount>, Waker) {
    let count = Arc::new(WakeCount::default());
    (Arc::clone(&count), Waker::from(count))
}

/// Polls `future` once with `waker`.
pub fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// A message that counts its drops in a counter it has in common with others.
#[derive(Debug)]
pub struct Counted {
    pub id: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Makes `Counted` messages that share one drop counter.
#[derive(Debug, Default, Clone)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    pub fn make(&self, id: usize) -> Counted {
        Counted {
            id,
            drops: Arc::clone(&self.0),
        }
    }

    pub fn dropped(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Runs `future` to completion on a current-thread tokio runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
        .block_on(future)
}

/// Unwraps the expected variant of a `SenderState` / `ReceiverState`,
/// panicking with the actual one otherwise.
macro_rules! expect_state {
    ($value:expr, $enum:ident :: $variant:ident) => {
        match $value {
            chan_typestate::$enum::$variant(handle) => handle,
            other => panic!(
                "expected {}::{}, got {:?}",
                stringify!($enum),
                stringify!($variant),
                other
            ),
        }
    };
}
pub(crate) use expect_state;
