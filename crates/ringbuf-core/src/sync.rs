//! The one place where the ring buffer names its synchronization primitives.
//!
//! In a normal build these are `core`'s atomics and a thin `UnsafeCell`
//! wrapper; under `--cfg chan_loom` they are loom's, so the loom models in
//! `tests/loom.rs` check the very code that ships. The cfg is prefixed with
//! the workspace name because `RUSTFLAGS` reach every dependency: a bare
//! `cfg(loom)` would also switch tokio and others to their loom builds.

#[cfg(chan_loom)]
pub(crate) use loom::cell::UnsafeCell;
#[cfg(chan_loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};

#[cfg(not(chan_loom))]
pub(crate) use core::sync::atomic::{AtomicUsize, Ordering};

/// `core::cell::UnsafeCell` behind loom's closure-based API, so the ring
/// buffer is written once against one API.
#[cfg(not(chan_loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(chan_loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Waits a little while a racing operation finishes the few instructions
/// between claiming a position and publishing its slot.
///
/// `step` counts the calls made by one wait. The first calls spin with a CPU
/// hint; after that, with `std`, the thread yields so a preempted racer can
/// run. Under loom every call yields to the model's scheduler, which is what
/// lets loom explore (and terminate) spin loops.
#[inline]
pub(crate) fn spin_wait(step: &mut u32) {
    #[cfg(chan_loom)]
    {
        let _ = step;
        loom::thread::yield_now();
    }
    #[cfg(not(chan_loom))]
    {
        const SPIN_LIMIT: u32 = 6;
        if *step < SPIN_LIMIT {
            for _ in 0..1u32 << *step {
                core::hint::spin_loop();
            }
            *step += 1;
        } else {
            #[cfg(feature = "std")]
            std::thread::yield_now();
            #[cfg(not(feature = "std"))]
            for _ in 0..1u32 << SPIN_LIMIT {
                core::hint::spin_loop();
            }
        }
    }
}

/// One CPU pause before retrying an operation that lost a race (another
/// thread moved the position it read). Never yields the thread; under loom it
/// yields to the model's scheduler so the retry loop can be explored.
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(chan_loom)]
    loom::thread::yield_now();
    #[cfg(not(chan_loom))]
    core::hint::spin_loop();
}
