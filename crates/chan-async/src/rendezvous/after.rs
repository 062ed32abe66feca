//! What a lock section of the exchange leaves for after the lock: wakers
//! to wake, wakers and values to drop, and whether `Drained` futures must
//! re-check. A waker's `wake`, `clone` and `drop` and a value's `drop` are
//! foreign code, which may re-enter the channel or panic, so none of it
//! runs under the exchange's lock.
//!
//! Every operation on a rendezvous channel takes the lock once or twice,
//! and each time makes, fills and empties an [`After`]: so it is kept
//! small and cheap to make. A section wakes at most two wakers and drops
//! at most two in all but rare cases (a close, a `recv_many`, a stream
//! sharing its wake), so two of each live inline and the rest spill to the
//! heap, behind one pointer that a common section only sets to `None` and
//! tests once (two empty `Vec`s took six stores to make and two tests to
//! finish, in every section). Under 128 bytes, it is moved and made with a
//! few register stores instead of a `memcpy`: with room for four wakers of
//! each kind (about 250 bytes), making, moving and emptying it took about
//! a third of a rendezvous's instructions on the current-thread runtime.

use std::panic::AssertUnwindSafe;
use std::task::Waker;

use crate::chan::Chan;
use crate::waiters::{wake_keeping_first_panic, WakerPanic};

/// Wakers to wake, and wakers and values to drop, once the lock is
/// released; and whether `Drained` futures must re-check.
pub(super) struct After<T> {
    /// The first two wakers to wake.
    wake: [Option<Waker>; 2],
    /// The first two wakers to drop unwoken.
    discard: [Option<Waker>; 2],
    /// What does not fit in those, made when a section first needs it.
    spill: Option<Box<Spill<T>>>,
    /// `Drained` futures (queued with the buffered senders) must re-check.
    pub(super) drained: bool,
}

/// The rare part of an [`After`].
struct Spill<T> {
    /// The wakers beyond the first two of each kind, each with whether to
    /// wake it.
    more: Vec<(Waker, bool)>,
    /// Values to drop: those handed when the last receiver went, or a
    /// permit's value with no receiver left.
    values: Vec<T>,
}

impl<T> Spill<T> {
    fn new() -> Self {
        Self {
            more: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl<T> After<T> {
    pub(super) fn new() -> Self {
        Self {
            wake: [None, None],
            discard: [None, None],
            spill: None,
            drained: false,
        }
    }

    /// Wakes `waker`, if there is one, after the lock.
    pub(super) fn wake(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            Self::keep(&mut self.wake, &mut self.spill, waker, true);
        }
    }

    /// Drops `waker`, if there is one, after the lock.
    pub(super) fn discard(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            Self::keep(&mut self.discard, &mut self.spill, waker, false);
        }
    }

    /// Puts `waker` in the first free slot of `few`, or else spills it.
    // Inlined: into `wake` and `discard`, called in nearly every section,
    // where the slots' test is a few instructions and the call cost more.
    #[inline(always)]
    fn keep(
        few: &mut [Option<Waker>; 2],
        spill: &mut Option<Box<Spill<T>>>,
        waker: Waker,
        wake: bool,
    ) {
        match few.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(waker),
            None => Self::spill(spill, waker, wake),
        }
    }

    /// A third waker of a kind: rare, so out of line.
    #[cold]
    #[inline(never)]
    fn spill(spill: &mut Option<Box<Spill<T>>>, waker: Waker, wake: bool) {
        spill
            .get_or_insert_with(|| Box::new(Spill::new()))
            .more
            .push((waker, wake));
    }

    /// Drops `values` after the lock.
    pub(super) fn drop_values(&mut self, values: impl IntoIterator<Item = T>) {
        let mut values = values.into_iter().peekable();
        // Nothing to drop (no value was handed): nothing spills.
        if values.peek().is_some() {
            let spill = self.spill.get_or_insert_with(|| Box::new(Spill::new()));
            spill.values.extend(values);
        }
    }

    /// Runs, with the lock released: drops, wakes, wakes `Drained`
    /// futures. Everything happens even if a waker or a value's `Drop`
    /// panics; the first panic then goes on (not while one unwinds).
    #[inline]
    pub(super) fn finish(mut self, chan: &Chan<T>) {
        if self.drained || self.spill.is_some() {
            return self.finish_all(chan);
        }
        // Nearly every section: one waker to wake or none, nothing to
        // drop. A panicking wake then skips nothing, so it needs no
        // `catch_unwind`, which costs a call through a pointer.
        if self.wake[1].is_none() && self.discard[0].is_none() && self.discard[1].is_none() {
            let first = self.wake[0].take();
            // Every field is now empty: its drop glue would only test them
            // all again.
            core::mem::forget(self);
            if let Some(waker) = first {
                waker.wake();
            }
        } else {
            self.finish_few();
        }
    }

    /// [`finish`](After::finish) with two wakers to wake, or wakers to
    /// drop. They are woken before the others are dropped, each under
    /// `catch_unwind`, so a wake that panics neither stops the other wake
    /// nor leaves the discards to be dropped while it unwinds (where a
    /// drop that panics too would abort).
    #[inline(never)]
    fn finish_few(self) {
        let After {
            wake: [first, second],
            discard,
            ..
        } = self;
        let mut panic = Ok(());
        for waker in [first, second].into_iter().flatten() {
            wake_keeping_first_panic(waker, &mut panic);
        }
        let dropped = std::panic::catch_unwind(AssertUnwindSafe(move || drop(discard)));
        if let (Err(dropping), Ok(())) = (dropped, &panic) {
            panic = Err(dropping);
        }
        if let Err(panic) = panic {
            std::panic::resume_unwind(panic);
        }
    }

    /// [`finish`](After::finish) with values to drop first, spilled
    /// wakers, or `Drained` futures to wake.
    #[cold]
    #[inline(never)]
    fn finish_all(mut self, chan: &Chan<T>) {
        /// Wakes, and re-raises, when dropped: also while a drop panics.
        struct Rest<'a, T> {
            wake: &'a mut [Option<Waker>; 2],
            more: &'a mut Vec<(Waker, bool)>,
            drained: bool,
            chan: &'a Chan<T>,
        }
        impl<T> Drop for Rest<'_, T> {
            fn drop(&mut self) {
                let mut first: Result<(), WakerPanic> = Ok(());
                for waker in self.wake.iter_mut().filter_map(Option::take) {
                    wake_keeping_first_panic(waker, &mut first);
                }
                // The discards among them were dropped before this,
                // unless one's drop panicked.
                for (waker, wake) in self.more.drain(..) {
                    if wake {
                        wake_keeping_first_panic(waker, &mut first);
                    }
                }
                if self.drained {
                    let notified = self.chan.send_waiters.notify_all(&self.chan.send_flag());
                    first = first.and(notified);
                }
                if let Err(panic) = first {
                    if !std::thread::panicking() {
                        std::panic::resume_unwind(panic);
                    }
                }
            }
        }
        // Out of its box, which is freed now: no more allocation follows.
        let mut spill = self.spill.take().map_or_else(Spill::new, |spill| *spill);
        let rest = Rest {
            wake: &mut self.wake,
            more: &mut spill.more,
            drained: self.drained,
            chan,
        };
        self.discard = [None, None];
        // Drops the discards, keeping the wakers to wake in order.
        rest.more.retain(|(_, wake)| *wake);
        spill.values.clear();
        drop(rest);
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    /// Counts its wakes and its drops.
    #[derive(Default)]
    struct Counts {
        woken: AtomicUsize,
        dropped: AtomicUsize,
    }

    struct Counting(Arc<Counts>);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.woken.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl Drop for Counting {
        fn drop(&mut self) {
            self.0.dropped.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker(counts: &Arc<Counts>) -> Option<Waker> {
        Some(Waker::from(Arc::new(Counting(counts.clone()))))
    }

    /// Its `wake` panics.
    struct PanicsOnWake;

    impl Wake for PanicsOnWake {
        fn wake(self: Arc<Self>) {
            panic!("a waker's wake panics");
        }
    }

    /// Its drop (of the last reference) panics.
    struct PanicsOnDrop;

    impl Wake for PanicsOnDrop {
        fn wake(self: Arc<Self>) {}
    }

    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("a waker's drop panics");
        }
    }

    /// A waker that panics and one dropped unwoken that panics, in one
    /// section: the other waker is still woken, and the first panic goes
    /// on, once. Fails (the process aborts) if the discards are dropped
    /// while the wake's panic unwinds.
    #[test]
    fn a_panicking_wake_and_a_panicking_discard_make_one_panic() {
        for others in [0, 1] {
            let chan = Chan::<u64>::new(1);
            let woken = Arc::default();
            let mut after = After::new();
            after.wake(Some(Waker::from(Arc::new(PanicsOnWake))));
            for _ in 0..others {
                after.wake(waker(&woken));
            }
            after.discard(Some(Waker::from(Arc::new(PanicsOnDrop))));
            let panic = std::panic::catch_unwind(AssertUnwindSafe(|| after.finish(&chan)))
                .expect_err("a waker panicked");
            assert_eq!(panic.downcast_ref(), Some(&"a waker's wake panics"));
            assert_eq!(woken.woken.load(Ordering::SeqCst), others);
        }
    }

    /// The common section, one waker to wake and nothing to drop, skips
    /// the general path: the waker is still woken once and dropped, and a
    /// panic in its wake goes on.
    #[test]
    fn a_lone_wake_is_woken_once_and_its_panic_goes_on() {
        let chan = Chan::<u64>::new(1);
        let counts = Arc::default();
        let mut after = After::new();
        after.wake(waker(&counts));
        after.finish(&chan);
        assert_eq!(counts.woken.load(Ordering::SeqCst), 1);
        assert_eq!(counts.dropped.load(Ordering::SeqCst), 1);

        let mut after = After::new();
        after.wake(Some(Waker::from(Arc::new(PanicsOnWake))));
        let panic = std::panic::catch_unwind(AssertUnwindSafe(|| after.finish(&chan)))
            .expect_err("the waker panicked");
        assert_eq!(panic.downcast_ref(), Some(&"a waker's wake panics"));
    }

    #[test]
    fn small_enough_to_move_without_memcpy() {
        assert!(std::mem::size_of::<After<u64>>() <= 128);
    }

    #[test]
    fn wakes_what_it_wakes_and_only_drops_what_it_discards_however_many() {
        // With values to drop, and without: the two ways through `finish`.
        for (n, values) in [0, 1, 2, 3, 5]
            .into_iter()
            .flat_map(|n| [(n, false), (n, true)])
        {
            let chan = Chan::<u64>::new(1);
            let (woken, discarded) = (Arc::default(), Arc::default());
            let mut after = After::new();
            for _ in 0..n {
                after.wake(waker(&woken));
                after.discard(waker(&discarded));
            }
            after.wake(None);
            after.discard(None);
            if values {
                after.drop_values([1, 2]);
            }
            after.finish(&chan);
            let count = |c: &Counts| {
                (
                    c.woken.load(Ordering::SeqCst),
                    c.dropped.load(Ordering::SeqCst),
                )
            };
            assert_eq!(count(&woken), (n, n), "{n} wakers to wake");
            assert_eq!(count(&discarded), (0, n), "{n} wakers to drop");
        }
    }
}
