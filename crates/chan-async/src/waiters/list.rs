//! The inside of a [`WaitQueue`](super::WaitQueue), behind its lock: a slab
//! of entries with a free list, the FIFO lists of waiters threaded through
//! it by index, and when to raise and lower the queue's waiting flag.

use std::task::Waker;

use super::{Flag, Kind};

/// Sentinel index: no entry.
const NIL: usize = usize::MAX;

/// Entries a queue's slab has room for when the channel is created.
const INITIAL_ENTRIES: usize = 4;

/// While leaving the flag up does not pay, one notification in this many
/// that takes the last waiter leaves it up anyway, as a probe.
pub(super) const KEEP_FLAG_PROBE: u8 = 8;

/// Which entry a key was given, and which allocation of it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ticket {
    pub(super) index: usize,
    pub(super) serial: u64,
    pub(super) kind: Kind,
    /// The serial of the owner's first registration: its place in the
    /// queue's order if it has to queue again.
    pub(super) age: u64,
}

/// The slab of entries and the FIFO lists threaded through it.
///
/// # Invariants
///
/// - An entry is either queued (`serial != 0`, with a waker, linked in
///   `fifos[kind]` through `prev`/`next`, in increasing `age`: oldest
///   waiter first) or free
///   (`serial == 0`, no waker, linked in `free` through `next`).
/// - A [`WaitKey`](super::WaitKey) holding `Ticket { index, serial, .. }` owns entry `index`
///   exactly while `entries[index].serial == serial`; otherwise a
///   notification freed it.
/// - `flagged` is what the queue's [`Flag`] was last set to. Whenever the
///   lock is released, some entry queued implies `flagged`. The converse
///   need not hold: a notification that takes the last waiter may leave the
///   flag up (see [`WaitList::settle_flag`]); a notification that then
///   finds nobody to wake lowers it, as does a waiter that leaves on its
///   own.
#[derive(Debug)]
pub(super) struct WaitList {
    entries: Vec<Entry>,
    fifos: [Fifo; 2],
    free: usize,
    flagged: bool,
    /// Whether a notification that takes the last waiter leaves the flag
    /// up: learnt from what followed the last time it did.
    keep_flag: bool,
    /// Notifications that took the last waiter while `keep_flag` was false;
    /// every [`KEEP_FLAG_PROBE`]th leaves the flag up anyway, to find out
    /// whether that has started to pay.
    probes: u8,
    /// The last serial given out.
    serials: u64,
}

#[derive(Debug, Clone, Copy)]
struct Fifo {
    head: usize,
    tail: usize,
    len: usize,
}

#[derive(Debug)]
struct Entry {
    /// The owner's serial while queued; 0 while free.
    serial: u64,
    /// The serial of the owner's first registration (its `serial`, unless
    /// it queued again after a notification it could not use).
    age: u64,
    kind: Kind,
    waker: Option<Waker>,
    prev: usize,
    next: usize,
}

impl WaitList {
    pub(super) fn new() -> Self {
        let empty = Fifo {
            head: NIL,
            tail: NIL,
            len: 0,
        };
        Self {
            // Room for a few waiters up front, so the first waits of a
            // fresh channel do not allocate either.
            entries: Vec::with_capacity(INITIAL_ENTRIES),
            fifos: [empty; 2],
            free: NIL,
            flagged: false,
            keep_flag: true,
            probes: 0,
            serials: 0,
        }
    }

    /// Whether entry `index` is still queued for the owner of a ticket with
    /// `serial`.
    pub(super) fn owns(&self, index: usize, serial: u64) -> bool {
        self.entries[index].serial == serial
    }

    pub(super) fn idle(&self) -> bool {
        self.fifos[0].len + self.fifos[1].len == 0
    }

    /// Waiters of `kind` queued.
    pub(super) fn waiting(&self, kind: Kind) -> usize {
        self.fifos[kind.fifo()].len
    }

    /// Entries in the slab, queued or free.
    #[cfg(all(test, not(chan_loom)))]
    pub(super) fn slab_len(&self) -> usize {
        self.entries.len()
    }

    /// After a registration (`was_idle`: nobody was queued before it):
    /// raises `flag` if it is down. If it was still up, left so by the last
    /// notification, that saved this registration a read-modify-write, and
    /// notifications keep doing it.
    ///
    /// Why a registration under a flag left up needs no read-modify-write of
    /// its own: the flag was raised by an earlier read-modify-write on the
    /// position word, and this lock orders this registration after it. A
    /// push (pop) that came after that raise in the word's order reports the
    /// flag and notifies under this lock, so it either finds this entry or
    /// came first and is seen by the caller's re-check; one that finds
    /// nobody queued lowers the flag (`settle_flag`), so the next waiter
    /// raises it again itself. Loom: `register_recheck_wake_under_a_stale_flag`.
    pub(super) fn registered(&mut self, was_idle: bool, flag: &impl Flag) {
        if was_idle && self.flagged {
            self.keep_flag = true;
        }
        // The registration's entry is queued, so the flag goes up without
        // asking `idle`.
        debug_assert!(!self.idle(), "registered with nobody queued");
        if !self.flagged {
            flag.set(true);
            self.flagged = true;
        }
    }

    /// After a notification: if it took the last waiter, lowers `flag` or
    /// leaves it up for the next registration, as `keep_flag` (or a probe)
    /// says; if it found nobody to wake, lowers it, and learns that leaving
    /// it up did not pay.
    ///
    /// Leaving it up pays when the woken waiter waits again before the other
    /// side's next operation (a ping-pong through a buffer of one): neither
    /// side then pays a read-modify-write on the ring's position word for
    /// the flag. It costs when the other side's next operation comes first:
    /// that operation sees the flag and takes the lock for nobody.
    pub(super) fn settle_flag(&mut self, flag: &impl Flag, woke_any: bool) {
        if !self.flagged || !self.idle() {
            return;
        }
        if !woke_any {
            self.keep_flag = false;
        } else if self.keep_flag_up() {
            return;
        }
        self.lower_flag_if_idle(flag);
    }

    /// Whether a notification that took the last waiter leaves the flag up:
    /// while that pays, always; otherwise on every [`KEEP_FLAG_PROBE`]th
    /// time.
    fn keep_flag_up(&mut self) -> bool {
        if self.keep_flag {
            return true;
        }
        self.probes = self.probes.wrapping_add(1);
        self.probes % KEEP_FLAG_PROBE == 0
    }

    /// Lowers `flag` if it is up and no entry is queued.
    pub(super) fn lower_flag_if_idle(&mut self, flag: &impl Flag) {
        if self.flagged && self.idle() {
            flag.set(false);
            self.flagged = false;
        }
    }

    /// Makes `waker` the one to wake for the queued entry `index`, unless
    /// the current one would wake the same task; returns the waker not kept
    /// (the replaced one, or `waker` itself), to drop outside the lock.
    pub(super) fn refresh(&mut self, index: usize, waker: Waker) -> Option<Waker> {
        let entry = &mut self.entries[index];
        match &entry.waker {
            Some(current) if current.will_wake(&waker) => Some(waker),
            _ => entry.waker.replace(waker),
        }
    }

    /// Queues a new entry of `kind`. A first registration (`returning:
    /// None`) goes to the back. A waiter that was notified and found
    /// nothing (`returning: Some(age)`, its first registration's serial)
    /// goes back to its place: behind every waiter that registered before it
    /// first did, ahead of every later one. Several woken waiters that come
    /// back, in any order, are thus served in the order they first came.
    #[inline(always)]
    pub(super) fn queue(&mut self, kind: Kind, waker: Waker, returning: Option<u64>) -> Ticket {
        self.serials += 1;
        let serial = self.serials;
        let fifo = kind.fifo();
        // The first entry younger than this one; NIL: none, go last. Only a
        // returning waiter looks, past the (few) older returning waiters.
        let (age, next) = match returning {
            None => (serial, NIL),
            Some(age) => (age, self.first_younger(fifo, age)),
        };
        let index = if self.free == NIL {
            self.grow()
        } else {
            self.free
        };
        // Linking the entry in touches only queued entries, so the free
        // entry's `next` still names the rest of the free list below.
        let prev = if next == NIL {
            std::mem::replace(&mut self.fifos[fifo].tail, index)
        } else {
            std::mem::replace(&mut self.entries[next].prev, index)
        };
        if prev == NIL {
            self.fifos[fifo].head = index;
        } else {
            self.entries[prev].next = index;
        }
        self.fifos[fifo].len += 1;
        // Only the fields a queued entry changes are written, not a whole
        // new entry over the free one.
        let entry = &mut self.entries[index];
        self.free = entry.next;
        entry.serial = serial;
        entry.age = age;
        entry.kind = kind;
        entry.prev = prev;
        entry.next = next;
        // A free entry holds no waker (see the invariants): nothing to drop,
        // and forgetting the `None` spares the drop's check.
        debug_assert!(entry.waker.is_none(), "a free entry with a waker");
        std::mem::forget(entry.waker.replace(waker));
        Ticket {
            index,
            serial,
            kind,
            age,
        }
    }

    /// The first entry in list `fifo` younger than `age`, or NIL: where a
    /// returning waiter goes. Out of line: most registrations are first
    /// ones.
    #[inline(never)]
    fn first_younger(&self, fifo: usize, age: u64) -> usize {
        let mut next = self.fifos[fifo].head;
        while next != NIL && self.entries[next].age < age {
            next = self.entries[next].next;
        }
        next
    }

    /// Adds a free entry to the slab, with the free list empty; returns its
    /// index. Out of line: the slab grows only to the most waiters at once.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) -> usize {
        debug_assert_eq!(self.free, NIL, "growing with free entries left");
        self.entries.push(Entry {
            serial: 0,
            age: 0,
            kind: Kind::One,
            waker: None,
            prev: NIL,
            next: NIL,
        });
        self.entries.len() - 1
    }

    /// Takes the oldest entry of `kind`'s list off it and frees it; returns
    /// its waker, the serial it had and its kind.
    #[inline]
    pub(super) fn pop_front(&mut self, kind: Kind) -> Option<(Waker, u64, Kind)> {
        let index = self.fifos[kind.fifo()].head;
        if index == NIL {
            return None;
        }
        let entry = &self.entries[index];
        let (serial, kind) = (entry.serial, entry.kind);
        self.remove(index).map(|waker| (waker, serial, kind))
    }

    /// Unlinks the queued entry `index` and frees it; returns its waker (to
    /// wake or drop outside the lock).
    #[inline]
    pub(super) fn remove(&mut self, index: usize) -> Option<Waker> {
        let (prev, next, kind) = {
            let entry = &self.entries[index];
            debug_assert_ne!(entry.serial, 0, "removing a free entry");
            (entry.prev, entry.next, entry.kind)
        };
        let fifo = &mut self.fifos[kind.fifo()];
        if prev == NIL {
            fifo.head = next;
        } else {
            self.entries[prev].next = next;
        }
        if next == NIL {
            fifo.tail = prev;
        } else {
            self.entries[next].prev = prev;
        }
        fifo.len -= 1;
        let entry = &mut self.entries[index];
        entry.serial = 0;
        entry.next = self.free;
        self.free = index;
        entry.waker.take()
    }
}
