//! Weak handles: a way to reach a channel without keeping it open.
//!
//! A [`WeakSender`] or [`WeakReceiver`] holds the channel's memory (its
//! `Arc`) but is not counted among the senders or receivers, so it never
//! keeps the channel open: the last strong `Sender` dropping closes the
//! channel whatever weak senders exist, and the last strong `Receiver`
//! dropping closes it and drops what is buffered. `upgrade` turns a weak
//! handle back into a strong one while that is still possible.
//!
//! # Exactly one winner
//!
//! `upgrade` adds to the strong count only if it is not zero, in one
//! compare-and-swap (`Chan::try_add_sender`, where its orderings are
//! argued). The last strong handle's drop takes the count to zero with a
//! single `fetch_sub`. Both are read-modify-writes of the same atomic, so
//! one comes first: either the upgrade finds the count at 1 and the drop
//! then finds 2 (it is not the last, and the channel stays open as long as
//! the upgraded handle lives), or the drop finds 1, closes the channel,
//! and the upgrade finds 0 and returns `None`. A count that reached zero
//! is never raised again, so "the last handle is gone" stays true.
//!
//! Before the compare-and-swap, `upgrade` looks at the channel's state: a
//! closed channel gives no new sender (and a closed and drained one no new
//! receiver), even while strong handles still exist. A close that happens
//! between that look and the compare-and-swap lets the upgrade succeed on
//! a channel that is closed by the time it returns; the upgrade then
//! counts as having happened before the close, as it would have if the
//! thread had run a moment sooner, and the new sender's sends fail.

use core::fmt;

use crate::chan::Chan;
use crate::sync::Arc;
use crate::{Receiver, Sender};

/// A sender that does not keep the channel open, from
/// [`Sender::downgrade`]. [`upgrade`](WeakSender::upgrade) it to send.
///
/// The usual use: a task that must be able to send to a channel, and
/// must not be the reason the channel stays open, such as an actor that
/// hands out messages addressed to itself. When every strong [`Sender`] is
/// gone, the channel closes, and the actor's receive loop ends, whatever
/// weak senders exist.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel::<u32>(4);
/// let weak = tx.downgrade();
/// assert_eq!(rx.sender_count(), 1); // weak senders are not counted
///
/// weak.upgrade().expect("a strong sender exists").send(1).await.unwrap();
/// drop(tx); // the last strong sender: the channel closes
/// assert!(weak.upgrade().is_none());
/// assert_eq!(rx.recv().await, Some(1));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub struct WeakSender<T> {
    /// Keeps the memory, not the channel: not counted in `Chan::senders`.
    chan: Arc<Chan<T>>,
}

/// A receiver that does not keep the channel open, from
/// [`Receiver::downgrade`]. [`upgrade`](WeakReceiver::upgrade) it to
/// receive.
///
/// ```
/// let (tx, rx) = chan_async::channel::<u32>(4);
/// let weak = rx.downgrade();
/// tx.try_send(1).unwrap();
///
/// let rx2 = weak.upgrade().expect("a strong receiver exists");
/// assert_eq!(rx2.try_recv(), Ok(1));
/// drop((rx, rx2)); // the last strong receivers: the channel closes
/// assert!(weak.upgrade().is_none());
/// assert!(tx.is_closed());
/// ```
pub struct WeakReceiver<T> {
    /// Keeps the memory, not the channel: not counted in `Chan::receivers`.
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// A [`WeakSender`] for this channel: it does not count as a sender,
    /// so it does not keep the channel open, and can be
    /// [`upgrade`](WeakSender::upgrade)d back to a `Sender` while the
    /// channel is open and a strong sender exists.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(rx.is_closed()); // the weak sender did not keep it open
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> Receiver<T> {
    /// A [`WeakReceiver`] for this channel: it does not count as a
    /// receiver, so it does not keep the channel open, and can be
    /// [`upgrade`](WeakReceiver::upgrade)d back to a `Receiver` while a
    /// strong receiver exists and something may still be received.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel::<u8>(1);
    /// let weak = rx.downgrade();
    /// drop(rx);
    /// assert!(tx.is_closed()); // the weak receiver did not keep it open
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakReceiver<T> {
        WeakReceiver {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> WeakSender<T> {
    /// A new strong [`Sender`], counted like a clone, if the channel is
    /// still open and at least one strong sender still exists; `None`
    /// otherwise, and from then on for ever.
    ///
    /// It never brings a channel back: once the last strong sender is
    /// gone (and with it the channel closed), every `upgrade` returns
    /// `None`. An upgrade racing with that last drop has exactly one
    /// winner: either it succeeds, and the drop is not the last one (the
    /// channel stays open until the upgraded sender is dropped too), or
    /// the drop was the last and the upgrade returns `None`.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel::<u8>(4);
    /// let weak = tx.downgrade();
    ///
    /// let tx2 = weak.upgrade().unwrap();
    /// assert_eq!(rx.sender_count(), 2);
    /// drop(tx);
    /// assert!(!rx.is_closed()); // the upgraded sender keeps it open
    /// drop(tx2);
    /// assert!(rx.is_closed());
    /// assert!(weak.upgrade().is_none());
    ///
    /// // A closed channel gives no new sender, even while strong ones exist.
    /// let (tx, _rx) = chan_async::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// tx.close();
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        if self.chan.is_closed() || !self.chan.try_add_sender() {
            return None;
        }
        Some(Sender::new(Arc::clone(&self.chan)))
    }
}

impl<T> WeakReceiver<T> {
    /// A new strong [`Receiver`], counted like a clone, if at least one
    /// strong receiver still exists and the channel is not both closed and
    /// drained; `None` otherwise, and from then on for ever.
    ///
    /// A closed channel with messages still buffered can be upgraded to
    /// and drained. Once the last strong receiver is gone (and with it the
    /// buffered messages), every `upgrade` returns `None`; an upgrade
    /// racing with that last drop has exactly one winner, as for
    /// [`WeakSender::upgrade`].
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(4);
    /// let weak = rx.downgrade();
    /// tx.try_send(1).unwrap();
    /// drop(tx); // closed, one message left
    ///
    /// let rx2 = weak.upgrade().expect("not drained yet");
    /// assert_eq!(rx2.try_recv(), Ok(1));
    /// assert!(weak.upgrade().is_none()); // closed and drained
    /// # drop(rx);
    /// ```
    pub fn upgrade(&self) -> Option<Receiver<T>> {
        if self.chan.is_drained() || !self.chan.try_add_receiver() {
            return None;
        }
        Some(Receiver::new(Arc::clone(&self.chan)))
    }
}

impl<T> Clone for WeakSender<T> {
    /// Another weak sender for the same channel; counts nothing.
    fn clone(&self) -> Self {
        Self {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> Clone for WeakReceiver<T> {
    /// Another weak receiver for the same channel; counts nothing.
    fn clone(&self) -> Self {
        Self {
            chan: Arc::clone(&self.chan),
        }
    }
}

/// The channel as seen through the weak handle: its state and its strong
/// handle counts. Needs no `T: Debug`.
impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_weak("WeakSender", &self.chan, f)
    }
}

/// The channel as seen through the weak handle: its state and its strong
/// handle counts. Needs no `T: Debug`.
impl<T> fmt::Debug for WeakReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_weak("WeakReceiver", &self.chan, f)
    }
}

fn debug_weak<T>(name: &str, chan: &Chan<T>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.debug_struct(name)
        .field("state", &chan.state())
        .field("len", &chan.len())
        .field("capacity", &chan.capacity())
        .field("senders", &chan.sender_count())
        .field("receivers", &chan.receiver_count())
        .finish()
}
