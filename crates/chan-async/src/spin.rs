//! How long a waiter spins before it registers: a per-queue hint of whether
//! spinning has been paying off.
//!
//! Spinning pays when the other side runs on another core: it often frees a
//! slot or publishes a message within a few hundred nanoseconds, and a
//! registration plus a wake-up costs more than that. It cannot pay when the
//! other side shares our core (a current-thread runtime, or both tasks on
//! one worker): it cannot run while we spin, and every pause hint (about
//! 20 ns on current x86) is lost. So each queue remembers whether its last
//! spin succeeded; while spins fail, waiters skip spinning and only every
//! [`PROBE_EVERY`]th one spins a single round to find out whether things
//! changed.
//!
//! Receivers of a large buffer do not spin at all ([`receivers_spin`]):
//! there a receiver that finds the buffer empty is ahead of its
//! producers, and waiting costs less than keeping up.
//!
//! The blocking bridge keeps one more hint per thread (`blocking.rs`): a
//! blocked thread whose spins fail shares its core with the thread it
//! waits for, and yields at once instead.

use crate::sync::{AtomicBool, AtomicU8, Ordering};

/// Spin rounds when spinning pays: round `r` waits `2^r` pause hints, so at
/// most 5 retries and 31 hints in all, well under a microsecond. None under
/// loom, whose models explore registration, not spinning.
fn full_rounds() -> u32 {
    if cfg!(chan_loom) {
        0
    } else {
        5
    }
}

/// While spinning does not pay, one waiter in this many probes it.
const PROBE_EVERY: u8 = 8;

/// Receivers spin only on buffers smaller than this.
const RECEIVERS_SPIN_BELOW: usize = 32;

/// Whether the receivers of a channel of `capacity` spin before they
/// register.
///
/// A receiver that finds a large buffer empty is ahead of its producers.
/// Spinning keeps it just behind them: each message it takes is one a
/// producer has just written, so both sides work on the same slot and
/// position lines, and on a runtime with fewer workers than tasks the
/// spinning receiver holds a worker that a producer could use. Waiting
/// instead lets a run of messages build up, taken in one poll, and the
/// producers lose nothing meanwhile: a large buffer has room for all they
/// send during the wake-up. A small buffer fills during the wake-up and
/// then stalls the producers too; there the spin saves a wait per message.
///
/// Measured (`docs/design.md`, "Performance"): without the receivers' spin,
/// four producers sending through permits at capacity 1024 went from 1.24
/// and 1.12 to 0.95 and 0.91 of tokio's time, and SPSC at capacity 64 from
/// 1.32 and 1.27 to 1.17 and 1.04 of kanal's; capacities 16 and 32 were
/// unchanged, capacity 8 used a little more CPU, and capacity 1 with four
/// consumers took 820 ns per message instead of 500.
pub(crate) fn receivers_spin(capacity: usize) -> bool {
    capacity < RECEIVERS_SPIN_BELOW
}

/// Whether a blocked thread waiting on a channel of `capacity` yields for
/// its learned patience before it parks (`blocking/backoff.rs`), or only
/// for the shortest: on the small buffers where receivers spin, for the
/// same reason. A thread that waits at a large buffer is the faster side,
/// and a park lets a run of messages (or free slots) build up that it then
/// takes without waiting; yielding longer took it back to one message per
/// wait (blocking SPSC at capacity 1024: 21 ns per message became 32 ns).
pub(crate) fn threads_learn_patience(capacity: usize) -> bool {
    receivers_spin(capacity)
}

/// The hint. Both fields are plain `Relaxed` loads and stores (no
/// read-modify-write, written only when they change): racing updates can
/// only make a waiter spin a little more or less, never affect correctness.
#[derive(Debug)]
pub(crate) struct SpinHint {
    /// Whether this queue's waiters spin at all; fixed when it is made.
    enabled: bool,
    pays: AtomicBool,
    /// Waiters left to skip before the next probe, while `pays` is false.
    skips: AtomicU8,
}

impl SpinHint {
    pub(crate) fn new() -> Self {
        Self {
            enabled: true,
            pays: AtomicBool::new(true),
            skips: AtomicU8::new(0),
        }
    }

    /// A hint whose waiters never spin: they register at once.
    pub(crate) fn never() -> Self {
        Self {
            enabled: false,
            ..Self::new()
        }
    }

    /// How many spin rounds the next waiter should try.
    pub(crate) fn rounds(&self) -> u32 {
        if !self.enabled {
            return 0;
        }
        if self.pays.load(Ordering::Relaxed) {
            return full_rounds();
        }
        match self.skips.load(Ordering::Relaxed) {
            0 => {
                self.skips.store(PROBE_EVERY - 1, Ordering::Relaxed);
                full_rounds().min(1)
            }
            left => {
                self.skips.store(left - 1, Ordering::Relaxed);
                0
            }
        }
    }

    /// Records whether a waiter's spin (of at least one round) succeeded.
    pub(crate) fn record(&self, paid: bool) {
        if self.pays.load(Ordering::Relaxed) != paid {
            self.pays.store(paid, Ordering::Relaxed);
        }
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use super::*;

    #[test]
    fn failing_spins_turn_into_one_probe_in_eight() {
        let hint = SpinHint::new();
        assert_eq!(hint.rounds(), full_rounds());
        hint.record(false);
        let rounds: Vec<u32> = (0..16).map(|_| hint.rounds()).collect();
        assert_eq!(rounds, [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        hint.record(true);
        assert_eq!(hint.rounds(), full_rounds());
    }

    #[test]
    fn a_hint_that_never_spins_never_probes() {
        let hint = SpinHint::never();
        hint.record(true);
        assert!((0..2 * PROBE_EVERY).all(|_| hint.rounds() == 0));
    }

    #[test]
    fn receivers_spin_on_small_buffers_only() {
        assert!(receivers_spin(0) && receivers_spin(1) && receivers_spin(8));
        assert!(!receivers_spin(64) && !receivers_spin(1024));
    }
}
