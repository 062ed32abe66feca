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

/// The hint. Both fields are plain `Relaxed` loads and stores (no
/// read-modify-write, written only when they change): racing updates can
/// only make a waiter spin a little more or less, never affect correctness.
#[derive(Debug)]
pub(crate) struct SpinHint {
    pays: AtomicBool,
    /// Waiters left to skip before the next probe, while `pays` is false.
    skips: AtomicU8,
}

impl SpinHint {
    pub(crate) fn new() -> Self {
        Self {
            pays: AtomicBool::new(true),
            skips: AtomicU8::new(0),
        }
    }

    /// How many spin rounds the next waiter should try.
    pub(crate) fn rounds(&self) -> u32 {
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
}
