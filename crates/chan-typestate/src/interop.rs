//! Moving between typed handles and [`chan_async`]'s plain ones.
//!
//! A typed handle is a plain handle plus a type-level state, and nothing
//! else: it has no `Drop` of its own. So unwrapping one
//! ([`into_inner`](Sender::into_inner)) moves the plain handle out, and
//! wrapping one ([`SenderState::from`]) moves it in; neither creates nor
//! drops a handle, and the sender and receiver counts, which decide when
//! the channel closes, never change on the way.

use crate::current::{ReceiverState, SenderState};
use crate::{ChannelState, Receiver, Sender, State};

impl<T, S: State> Sender<T, S> {
    /// The plain [`chan_async::Sender`] inside, for what only it offers:
    /// [`downgrade`](chan_async::Sender::downgrade), or passing it to code
    /// that takes a plain handle by reference.
    ///
    /// It is the same handle, so calls through it act on the channel as
    /// usual; a call that moves the channel along (a `close()`) is then not
    /// visible in this handle's type, as when another handle makes it:
    /// [`into_current`](Sender::into_current) catches up.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel::<u8>(4);
    /// let weak = tx.as_inner().downgrade(); // a weak sender, from the plain handle
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none()); // the last sender is gone
    /// assert!(rx.is_closed());
    /// ```
    pub fn as_inner(&self) -> &chan_async::Sender<T> {
        &self.inner
    }

    /// Gives up the type-level state and returns the plain
    /// [`chan_async::Sender`]. The handle moves out: the sender count does
    /// not change, and the channel does not close (the plain handle is
    /// still a sender). [`SenderState::from`] wraps it again.
    ///
    /// ```
    /// use chan_typestate::SenderState;
    ///
    /// let (tx, rx) = chan_typestate::channel(4);
    /// let plain: chan_async::Sender<u8> = tx.into_inner();
    /// assert_eq!(rx.sender_count(), 1);
    /// plain.try_send(1).unwrap(); // or hand it to code written for chan-async
    /// assert!(!rx.is_closed());
    ///
    /// let SenderState::Open(tx) = SenderState::from(plain) else {
    ///     unreachable!("still open");
    /// };
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn into_inner(self) -> chan_async::Sender<T> {
        self.inner
    }
}

impl<T, S: State> Receiver<T, S> {
    /// The plain [`chan_async::Receiver`] inside, for what only it offers
    /// ([`downgrade`](chan_async::Receiver::downgrade)), or to pass it to
    /// code that takes a plain handle by reference.
    ///
    /// It is the same handle: a call that moves the channel along (a
    /// `close()`) is not visible in this handle's type, as when another
    /// handle makes it; [`into_current`](Receiver::into_current) catches
    /// up.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel::<u8>(4);
    /// let weak = rx.as_inner().downgrade();
    /// tx.try_send(1).unwrap();
    /// let rx2 = weak.upgrade().expect("a receiver exists");
    /// assert_eq!(rx2.try_recv(), Ok(1));
    /// # drop(rx);
    /// ```
    pub fn as_inner(&self) -> &chan_async::Receiver<T> {
        &self.inner
    }

    /// Gives up the type-level state and returns the plain
    /// [`chan_async::Receiver`]. The handle moves out: the receiver count
    /// does not change, and nothing buffered is dropped.
    /// [`ReceiverState::from`] wraps it again.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// let rx = rx.close();
    /// let plain: chan_async::Receiver<u8> = rx.into_inner();
    /// assert_eq!(tx.receiver_count(), 1);
    /// assert_eq!(plain.recv_blocking(), Some(1)); // nothing was lost
    /// assert_eq!(plain.recv_blocking(), None);
    /// ```
    pub fn into_inner(self) -> chan_async::Receiver<T> {
        self.inner
    }
}

/// Wraps a plain [`chan_async::Sender`], typed after the channel's state
/// right now, as [`into_current`](Sender::into_current) would. The handle
/// moves in: the sender count does not change.
///
/// This is how code written for chan-async adopts typed handles part-way:
/// a channel made by [`chan_async::channel`] (or a handle received from
/// such code) becomes a typed handle here, and
/// [`into_inner`](Sender::into_inner) goes back.
///
/// ```
/// use chan_typestate::SenderState;
///
/// let (tx, rx) = chan_async::channel::<u8>(4);
/// match SenderState::from(tx.clone()) {
///     SenderState::Open(typed) => typed.try_send(1).unwrap(),
///     other => panic!("unexpected {other:?}"),
/// }
/// rx.close();
/// assert!(matches!(SenderState::from(tx), SenderState::Closing(_))); // one message left
/// ```
impl<T> From<chan_async::Sender<T>> for SenderState<T> {
    fn from(inner: chan_async::Sender<T>) -> Self {
        match inner.state() {
            ChannelState::Open => SenderState::Open(Sender::from_inner(inner)),
            ChannelState::Closing => SenderState::Closing(Sender::from_inner(inner)),
            ChannelState::Closed => SenderState::Closed(Sender::from_inner(inner)),
        }
    }
}

/// Wraps a plain [`chan_async::Receiver`], typed after the channel's state
/// right now, as [`into_current`](Receiver::into_current) would. The handle
/// moves in: the receiver count does not change.
///
/// ```
/// use chan_typestate::ReceiverState;
///
/// let (tx, rx) = chan_async::channel(4);
/// tx.try_send("last").unwrap();
/// drop(tx); // the last sender closes the channel
/// let ReceiverState::Closing(rx) = ReceiverState::from(rx) else {
///     unreachable!("closed, one message left");
/// };
/// assert_eq!(rx.try_recv(), Ok("last"));
/// assert!(rx.finish().is_ok());
/// ```
impl<T> From<chan_async::Receiver<T>> for ReceiverState<T> {
    fn from(inner: chan_async::Receiver<T>) -> Self {
        match inner.state() {
            ChannelState::Open => ReceiverState::Open(Receiver::from_inner(inner)),
            ChannelState::Closing => ReceiverState::Closing(Receiver::from_inner(inner)),
            ChannelState::Closed => ReceiverState::Closed(Receiver::from_inner(inner)),
        }
    }
}
