//! How long a blocked thread stays on its CPU before it waits in a queue,
//! and again before it parks: a [`Backoff`] of spins and yields, whose
//! yields last as long as the thread's [`Patience`].

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::spin::SpinHint;
use crate::sync;

/// Spins of `2^step` pause hints for the first [`SPIN_STEPS`] steps (127
/// hints in all: a microsecond or two), then `yield_now`s for as long as it
/// was given (the thread's [`Patience`] before a park, [`MIN_PATIENCE`]
/// before a registration). The shape is crossbeam-utils'
/// `Backoff::snooze`, with three adaptations to the machine:
///
/// - The spins are skipped while they have not been paying on this thread
///   (its [`SpinHint`]): when the thread we wait for shares our core, it
///   cannot run while we spin, but a yield runs it at once.
/// - The yields last a time, not a count, and that time is learned
///   ([`Patience`]).
/// - A yield that took [`CROWDED`] or longer ran some other thread: the
///   machine has more runnable threads than cores, and there the thread we
///   wait for runs soonest if we park (the scheduler prefers a thread that
///   wakes from sleep over one that keeps yielding), so the backoff ends.
#[derive(Debug)]
pub(super) struct Backoff<'a> {
    /// The next spin step; the yields begin at `spin_steps`.
    step: u32,
    /// How many spin steps run: [`SPIN_STEPS`], or 2 under Miri.
    spin_steps: u32,
    /// How long the yields may go on, from the first.
    yield_for: Duration,
    /// When the first yield began.
    yields_began: Option<Instant>,
    /// Whether the backoff is over: `snooze` returns `false` from now on.
    spent: bool,
    /// Whether the spin steps run (the thread's hint said they pay), until
    /// the first yield, when the hint learns they did not.
    pub(super) spinning: bool,
    hint: &'a SpinHint,
}

/// Spin steps of a [`Backoff`].
pub(super) const SPIN_STEPS: u32 = 7;

/// A yield that took this long ran another thread on our core.
const CROWDED: Duration = Duration::from_micros(20);

impl<'a> Backoff<'a> {
    /// A backoff that yields for up to `yield_for` after its spins, or, if
    /// not `enabled`, one that is spent already. Under loom none (its
    /// models explore the parking, not the spinning); under Miri two spins
    /// and no yields, so the tests still run the spins.
    pub(super) fn new(hint: &'a SpinHint, enabled: bool, yield_for: Duration) -> Self {
        let mut backoff = Self {
            step: 0,
            spin_steps: SPIN_STEPS,
            yield_for,
            yields_began: None,
            spent: !enabled || cfg!(chan_loom),
            spinning: false,
            hint,
        };
        if cfg!(miri) {
            backoff.spin_steps = 2;
            backoff.yield_for = Duration::ZERO;
        } else if hint.rounds() == 0 {
            backoff.step = SPIN_STEPS;
        }
        backoff.spinning = !backoff.spent && backoff.step < backoff.spin_steps;
        backoff
    }

    /// Waits one step; `false`, without waiting, once the backoff is spent
    /// or `deadline` has passed (checked before each yield only: spinning
    /// is shorter than reading the clock is worth).
    pub(super) fn snooze(&mut self, deadline: Option<Instant>) -> bool {
        if self.spent {
            return false;
        }
        if self.step < self.spin_steps {
            for _ in 0..1u32 << self.step {
                sync::spin_loop();
            }
            self.step += 1;
            return true;
        }
        if self.yield_for.is_zero() {
            self.spent = true;
            return false;
        }
        if self.spinning {
            self.spinning = false;
            self.hint.record(false);
        }
        let before = Instant::now();
        let began = *self.yields_began.get_or_insert(before);
        if before - began >= self.yield_for || deadline.is_some_and(|deadline| before >= deadline) {
            self.spent = true;
            return false;
        }
        sync::yield_now();
        if before.elapsed() >= CROWDED {
            // One more look, then wait where a wake-up gets the
            // scheduler's preference.
            self.spent = true;
        }
        true
    }

    /// What the backoff waited for came: if during the spins, they paid.
    pub(super) fn succeeded(&self) {
        if self.spinning && self.step > 0 {
            self.hint.record(true);
        }
    }
}

/// The shortest a thread yields before it registers or parks: about four
/// `yield_now`s on an otherwise idle two-core machine, where one took 250
/// ns.
pub(super) const MIN_PATIENCE: Duration = Duration::from_micros(1);

/// The longest a thread yields before it parks.
const MAX_PATIENCE: Duration = Duration::from_micros(64);

/// How long a thread yields, watching for its wake, before it parks:
/// learned from its parks, per thread.
///
/// A park ends with the waker's futex wake, and on a virtual machine whose
/// vCPU went idle the sleeper runs again tens of microseconds later. Two
/// threads that answer each other (a round trip, a producer and consumer
/// in step at a small buffer) then fall into a regime where every wait
/// parks: each waits for the other's wake-up, longer than a short backoff
/// lasts. On a two-core machine that took 10 to 30 µs per round trip,
/// against 0.2 to 0.3 µs while neither parked, and a run stayed in
/// whichever regime it fell into.
///
/// So a park that a wake ended within [`MAX_PATIENCE`] says that yielding
/// a little longer would have caught it: the next backoff yields for
/// twice the whole wait (backoff and park), up to that bound. A park that
/// lasted longer says the thread waits for something slow: patience
/// halves, down to [`MIN_PATIENCE`]. So a thread that waits long pays
/// about what it paid before patience was learned, and a thread whose
/// waits are short stops parking. What a long patience costs is CPU
/// spent in `yield_now` (a system call that runs any other runnable
/// thread first, see [`CROWDED`]), at most [`MAX_PATIENCE`] per wait.
#[derive(Debug)]
pub(super) struct Patience(Cell<Duration>);

impl Patience {
    pub(super) fn new() -> Self {
        Self(Cell::new(MIN_PATIENCE))
    }

    /// How long the next backoff before a park may yield.
    pub(super) fn get(&self) -> Duration {
        self.0.get()
    }

    /// A park that a wake ended after `slept`, following a backoff of the
    /// current patience.
    pub(super) fn learn(&self, slept: Duration) {
        let patience = self.0.get();
        let next = if slept < MAX_PATIENCE {
            ((patience + slept) * 2).min(MAX_PATIENCE)
        } else {
            (patience / 2).max(MIN_PATIENCE)
        };
        self.0.set(next);
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_backoff_spins_then_yields_then_is_spent() {
        let hint = SpinHint::new();
        let mut backoff = Backoff::new(&hint, true, MIN_PATIENCE);
        let mut steps = 0;
        while backoff.snooze(None) {
            steps += 1;
        }
        if cfg!(miri) {
            assert_eq!(steps, 2);
        } else {
            assert!(steps > SPIN_STEPS, "at least one yield: {steps}");
        }
        assert!(!backoff.snooze(None), "spent for good");
        let mut disabled = Backoff::new(&hint, false, MIN_PATIENCE);
        assert!(!disabled.snooze(None), "disabled");
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri's backoff has no yields")]
    fn yields_last_as_long_as_given() {
        let hint = SpinHint::new();
        hint.record(false);
        let patience = Duration::from_micros(200);
        let began = Instant::now();
        let mut backoff = Backoff::new(&hint, true, patience);
        let mut yields = 0;
        while backoff.snooze(None) {
            yields += 1;
        }
        // A crowded machine ends the yields early, after one took 20 µs.
        assert!(
            began.elapsed() >= patience || yields > 0 && began.elapsed() >= CROWDED,
            "{yields} yields in {:?}",
            began.elapsed()
        );
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri's backoff has no yields")]
    fn failed_spins_are_skipped_until_a_probe() {
        let hint = SpinHint::new();
        let new = || Backoff::new(&hint, true, MIN_PATIENCE);
        let mut first = new();
        assert!(first.spinning);
        while first.snooze(None) {}
        // The spins ran out: the next backoffs start at the yields, but for
        // one probe in eight.
        let spinning: Vec<bool> = (0..8).map(|_| new().spinning).collect();
        assert_eq!(spinning.iter().filter(|&&spins| spins).count(), 1);
        // A probe whose spins succeed turns them back on.
        let mut probe = loop {
            let backoff = new();
            if backoff.spinning {
                break backoff;
            }
        };
        assert!(probe.snooze(None));
        probe.succeeded();
        assert!(new().spinning);
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri's backoff has no yields")]
    fn a_passed_deadline_ends_the_backoff_at_the_yields() {
        let hint = SpinHint::new();
        let mut backoff = Backoff::new(&hint, true, MAX_PATIENCE);
        let past = Some(Instant::now());
        let mut steps = 0;
        while backoff.snooze(past) {
            steps += 1;
        }
        assert_eq!(steps, SPIN_STEPS);
    }

    #[test]
    fn short_parks_raise_patience_and_long_ones_lower_it() {
        let patience = Patience::new();
        assert_eq!(patience.get(), MIN_PATIENCE);
        patience.learn(Duration::from_micros(9));
        assert_eq!(patience.get(), Duration::from_micros(20));
        patience.learn(Duration::from_micros(30));
        assert_eq!(patience.get(), MAX_PATIENCE, "capped");
        patience.learn(Duration::from_millis(1));
        assert_eq!(patience.get(), MAX_PATIENCE / 2);
        for _ in 0..10 {
            patience.learn(Duration::from_secs(1));
        }
        assert_eq!(patience.get(), MIN_PATIENCE, "floored");
    }
}
