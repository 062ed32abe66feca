//! A message handed to a waiting receiver, out of the buffer, so that the
//! slot it took is free for the next send.
//!
//! At small capacities every message waits: the send that fills the last
//! slot wakes the waiting receiver, the next send finds the ring full and
//! waits, and the receive that frees the slot wakes it again, two wakes
//! per message. So when a push fills the ring while a receiver waits
//! (`Chan::wake_receiver`), the sender, under the receivers' queue lock
//! and with that receiver taken off the queue, moves the front message
//! here: the receiver it wakes finds the message here, and the sender's
//! next push finds the slot free. At capacity 1 that halves the wakes.
//!
//! The message moved is the oldest, and the ring's consumers stay paused
//! ([`RingBuffer::pop_and_pause`]) until it is taken: every receive that
//! finds the ring empty looks here first ([`Handed::take`]), and no pop can
//! overtake it, so FIFO and per-sender order hold. The receive that takes
//! it and lifts the pause makes the messages behind it receivable, as a
//! push would, and wakes a waiting receiver for them
//! (`Chan::pause_lifted`). It belongs to no
//! particular receiver: whoever receives next takes it, so a woken receiver
//! that is dropped or never polled again holds nothing up (the wake it got
//! is passed on, as for any woken waiter). It is not buffered (`len()` does
//! not count it; one is handed at a time), and the close does not touch it:
//! receivers take it before they see the end, and the last receiver's drop
//! drops it with the buffer.
//!
//! Orderings: the message itself is moved under the mutex. `holds` lets a
//! receive that found the ring empty skip the lock: set (`Release`) under
//! the lock after the message is in, cleared before it leaves, read
//! `Acquire`. A receive that reads a stale `false` in the mover's window
//! (the ring paused, the message not yet stored) reports empty, which a
//! racing operation may; a receive that then waits registers on the
//! receivers' queue, whose lock the mover holds throughout, so its re-check
//! sees the message (or it is queued before the mover looked, and the
//! mover wakes it or an older waiter).

use ringbuf_core::RingBuffer;

use crate::sync::{AtomicBool, Mutex, Ordering};

/// At most one message handed out of the ring to a waiting receiver.
#[derive(Debug)]
pub(crate) struct Handed<T> {
    message: Mutex<Option<T>>,
    /// `message` holds one (see the module docs for the orderings).
    holds: AtomicBool,
}

impl<T> Handed<T> {
    pub(crate) fn new() -> Self {
        Self {
            message: Mutex::new(None),
            holds: AtomicBool::new(false),
        }
    }

    /// Whether a message may be here: one `Acquire` load, for a receive
    /// that found the ring empty.
    #[inline(always)]
    pub(crate) fn holds(&self) -> bool {
        self.holds.load(Ordering::Acquire)
    }

    /// Moves the ring's front message here and pauses the ring's consumers,
    /// unless a message is here already or the ring is empty. Returns
    /// whether it moved one, and if so whether senders were waiting for
    /// the slot it freed. Called with the receivers' queue locked.
    pub(crate) fn hand_front(&self, ring: &RingBuffer<T>) -> Option<bool> {
        let mut message = self.message.lock();
        if message.is_some() {
            return None;
        }
        let (front, senders_waiting) = ring.pop_and_pause().ok()?;
        *message = Some(front);
        self.holds.store(true, Ordering::Release);
        Some(senders_waiting)
    }

    /// Takes the handed message, if one is here, and lets the ring's
    /// consumers go on behind it.
    #[inline(never)]
    pub(crate) fn take(&self, ring: &RingBuffer<T>) -> Option<T> {
        let mut message = self.message.lock();
        let taken = message.take()?;
        self.holds.store(false, Ordering::Relaxed);
        ring.resume_consumers();
        Some(taken)
    }
}
