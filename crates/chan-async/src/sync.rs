//! The one place where the channel names its synchronization primitives.
//!
//! Normally `std`'s atomics and `Arc` and parking_lot's `Mutex` (std's under
//! Miri, see [`Mutex`]); under `--cfg chan_loom` loom's, so the loom models in `tests/loom.rs` explore the
//! code that ships. (The cfg carries the workspace's prefix because
//! `RUSTFLAGS` reach every dependency; a bare `cfg(loom)` would switch tokio
//! to its own loom build too.)

#[cfg(chan_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
#[cfg(chan_loom)]
pub(crate) use loom::sync::Arc;

#[cfg(all(not(chan_loom), target_has_atomic = "64"))]
pub(crate) use std::sync::atomic::AtomicU64;
#[cfg(not(chan_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
#[cfg(not(chan_loom))]
pub(crate) use std::sync::Arc;

#[cfg(all(not(chan_loom), not(miri)))]
pub(crate) use parking_lot::Mutex;

/// Under Miri, std's mutex with parking_lot's infallible `lock`: Miri
/// rejects the argument types of the futex system call that
/// parking_lot_core makes when a lock is contended, so the unit tests run
/// the channel's own code on a lock Miri can check. (A panic never happens
/// while a waiter lock is held, so poisoning cannot occur; it is ignored.)
#[cfg(all(not(chan_loom), miri))]
#[derive(Debug)]
pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

#[cfg(all(not(chan_loom), miri))]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(std::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// loom's mutex with parking_lot's infallible `lock`.
#[cfg(chan_loom)]
#[derive(Debug)]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

#[cfg(chan_loom)]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(loom::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
        self.0
            .lock()
            .expect("a thread panicked while holding a waiter lock")
    }
}

/// The thread primitives of the blocking bridge (`blocking.rs`): std's, or
/// loom's under `--cfg chan_loom`, so a loom model can check that its
/// parker never sleeps through a wake.
#[cfg(all(chan_loom, feature = "std"))]
pub(crate) use loom::{
    hint::spin_loop,
    thread::{current as current_thread, park, yield_now, Thread},
    thread_local,
};
#[cfg(all(not(chan_loom), feature = "std"))]
pub(crate) use std::{
    hint::spin_loop,
    thread::{current as current_thread, park, park_timeout, yield_now, Thread},
    thread_local,
};

/// loom has no timed park. Its models use no deadlines; a yield keeps a
/// timed wait correct anyway (a spurious return, after which the caller
/// looks at the clock and the state again).
#[cfg(all(chan_loom, feature = "std"))]
pub(crate) fn park_timeout(_: std::time::Duration) {
    loom::thread::yield_now();
}
