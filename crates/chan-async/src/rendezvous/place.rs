//! Where a future or a handle waits: in one of the channel's waiter
//! queues (a buffered channel), or in the lines of a rendezvous channel's
//! exchange.
//!
//! A future starts in a waiter queue ([`Line::Queue`]) without asking the
//! channel anything, as it would on a buffered channel: a rendezvous
//! channel's ring is closed, so the future's first attempt ends as if the
//! channel were closed, and only then, out of line, does the future look
//! for an exchange and move there ([`Line::Exchange`]). The buffered fast
//! path so reads nothing more than it did before rendezvous channels
//! existed, and the futures keep their size: an exchange [`Place`] takes
//! less room than a queue's [`Waiter`], and the enum's tag fits in a niche
//! of the waiter (unit test `futures_keep_their_size`).
//!
//! Measured, each of these mattered. A first integration that gave every
//! future a rendezvous place beside its waiter, and tested the channel at
//! every poll, slowed the buffered futures by 22–25% in paired rounds
//! (`mpsc_4x1`, `mpmc_4x4`). Choosing the line when the future is made,
//! from a test of the channel, still cost about 2 ns on a `send` + `recv`
//! pair of futures polled by hand (about 20 ns): the two variants then
//! meet in `poll`, which kept the future in memory and stopped inlining.
//! Made as a waiter, it costs none of that; the move into the exchange
//! sits behind the outcome "closed", in cold functions.
//!
//! The handles that wait without a future (a receiver's stream, a sender's
//! sink, an owned reserve) are made rarely, and hold a [`Key`] decided
//! when they are made.

use std::fmt;
use std::task::{Context, Poll};

use crate::chan::Chan;
use crate::error::SendError;
use crate::waiters::{Flag, WaitKey, Waiter};

use super::{Rv, Withdrawn};

/// A future's place in line: in a waiter queue, or in an exchange.
pub(crate) enum Line<'a, T, F: Flag> {
    /// A buffered channel: the queue's waiter, with its key.
    Queue(Waiter<'a, F>),
    /// A rendezvous channel.
    Exchange(Place<'a, T>),
}

impl<'a, T, F: Flag> Line<'a, T, F> {
    /// The exchange's place: moves a future whose attempt found the ring
    /// closed into the exchange, if `chan` is a rendezvous channel (whose
    /// ring is closed from the start); `None` if the channel is really
    /// closed.
    fn place(&mut self, chan: &'a Chan<T>, role: Role) -> Option<&mut Place<'a, T>> {
        if let Line::Queue(_) = self {
            // The waiter it replaces holds no entry: its attempt finished.
            *self = Line::Exchange(Place {
                rv: chan.rendezvous()?,
                key: None,
                role,
            });
        }
        match self {
            Line::Exchange(place) => Some(place),
            Line::Queue(_) => None,
        }
    }

    // The four polls below are where a future goes once its line is not a
    // waiter's, or once its waiter's attempt found the ring closed: on a
    // buffered channel, that ends its life. Out of line and cold, so that
    // the futures' `poll`, which the buffered fast path inlines, grows by
    // one branch and one call.

    /// [`Rv::poll_send`] with this line's place, or `Err` with the value
    /// (which `value` holds) for a closed buffered channel.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_send(
        &mut self,
        chan: &'a Chan<T>,
        value: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        match self.place(chan, Role::Sender) {
            Some(place) => {
                assert!(
                    value.is_some() || place.key.is_some(),
                    "`Send` polled after it completed"
                );
                place.rv.poll_send(&mut place.key, value, cx)
            }
            None => {
                let value = value.take().expect("a closed send hands its value back");
                Poll::Ready(Err(SendError(value)))
            }
        }
    }

    /// [`Rv::poll_recv`] with this line's place, or the end for a closed
    /// buffered channel.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_recv(&mut self, chan: &'a Chan<T>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.place(chan, Role::Receiver) {
            Some(place) => place.rv.poll_recv(&mut place.key, cx, false),
            None => Poll::Ready(None),
        }
    }

    /// [`Rv::poll_recv_many`] with this line's place, or 0 for a closed
    /// buffered channel.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_recv_many(
        &mut self,
        chan: &'a Chan<T>,
        cx: &mut Context<'_>,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        match self.place(chan, Role::Receiver) {
            Some(place) => place.rv.poll_recv_many(&mut place.key, cx, buf, limit),
            None => Poll::Ready(0),
        }
    }

    /// [`Rv::poll_reserve`] with this line's place, or `Err` for a closed
    /// buffered channel.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_reserve(
        &mut self,
        chan: &'a Chan<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<()>>> {
        match self.place(chan, Role::Sender) {
            Some(place) => place.rv.poll_reserve(&mut place.key, cx),
            None => Poll::Ready(Err(SendError(()))),
        }
    }

    /// Gives up the future's place: its waiter's entry, or its place in
    /// the exchange (a sender's unsent value comes back).
    pub(crate) fn cancel(self) -> Option<T> {
        match self {
            Line::Queue(waiter) => {
                drop(waiter);
                None
            }
            Line::Exchange(mut place) => place.withdraw(),
        }
    }

    /// Whether it holds an entry in an exchange's line (waiting, or served
    /// and not yet polled). Never for a buffered channel's future, whose
    /// waiter gives its entry back in the poll that completes.
    pub(crate) fn in_exchange(&self) -> bool {
        matches!(self, Line::Exchange(place) if place.key.is_some())
    }
}

/// A borrowing future's entry in an exchange: dropped while waiting, it
/// gives its place up (a send's value is dropped, a reserve's permit given
/// back, a receive's handed value passed on).
pub(crate) struct Place<'a, T> {
    rv: Rv<'a, T>,
    /// Its entry in the exchange's slab, while it has one.
    key: Option<usize>,
    role: Role,
}

/// Which line a [`Place`] is in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    Sender,
    Receiver,
}

impl<T> Place<'_, T> {
    /// Gives the place up; a sender's unsent value comes back.
    pub(crate) fn withdraw(&mut self) -> Option<T> {
        match self.role {
            Role::Sender => match self.rv.withdraw(&mut self.key) {
                Withdrawn::Value(value) => Some(value),
                Withdrawn::Nothing => None,
            },
            Role::Receiver => {
                self.rv.cancel_recv(&mut self.key);
                None
            }
        }
    }
}

impl<T> Drop for Place<'_, T> {
    fn drop(&mut self) {
        if self.key.is_some() {
            drop(self.withdraw());
        }
    }
}

impl<T> fmt::Debug for Place<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Place")
            .field("key", &self.key)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A handle's place in line, for the handles that wait without a future:
/// a key of one of the channel's waiter queues, or of a rendezvous
/// exchange's lines. The handle gives it back in its `Drop`.
#[derive(Debug)]
pub(crate) enum Key {
    Queue(WaitKey),
    Exchange(Option<usize>),
}

impl Key {
    /// The kind of key a handle of `chan` uses.
    pub(crate) fn new<T>(chan: &Chan<T>) -> Self {
        if chan.rendezvous().is_some() {
            Key::Exchange(None)
        } else {
            Key::Queue(WaitKey::default())
        }
    }
}

#[cfg(all(test, not(chan_loom)))]
mod tests {
    use std::mem::size_of;

    use super::Line;
    use crate::chan::{RecvFlag, SendFlag};
    use crate::waiters::Waiter;

    /// The rendezvous costs a buffered future no room: the exchange's place
    /// fits beside the waiter's niche, which holds the tag.
    #[test]
    fn futures_keep_their_size() {
        type Message = [u64; 4];
        assert_eq!(
            size_of::<Line<'static, Message, SendFlag<'static, Message>>>(),
            size_of::<Waiter<'static, SendFlag<'static, Message>>>()
        );
        assert_eq!(
            size_of::<Line<'static, Message, RecvFlag<'static, Message>>>(),
            size_of::<Waiter<'static, RecvFlag<'static, Message>>>()
        );
    }
}
