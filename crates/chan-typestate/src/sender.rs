//! The sending handle, typed by state.

use core::fmt;
use core::marker::PhantomData;
use core::task::{Context, Poll};

use crate::current::SenderState;
use crate::drained::Drained;
use crate::state::{catch_up, Closing, Open};
use crate::{ChannelState, State, TrySendError};

/// The sending half of a channel, in state `S`.
///
/// - `Sender<T, Open>` sends, clones, and closes ([`close`](Self::close)).
/// - `Sender<T, Closing>` cannot send; it waits for the receivers to take
///   what was accepted ([`drained`](Sender::drained)).
/// - `Sender<T, Closed>` only answers queries.
///
/// Every sender counts towards the channel's senders, whatever its state:
/// the channel closes when the last one is dropped.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use chan_typestate::{ChannelState, Closed, Sender};
///
/// let (tx, rx) = chan_typestate::channel(4);
/// tx.send("job").await.unwrap();
/// let closing = tx.close();
/// tokio::spawn(async move { while rx.recv().await.is_some() {} });
/// let closed: Sender<&str, Closed> = closing.drained().await;
/// assert_eq!(closed.state(), ChannelState::Closed);
/// # });
/// ```
pub struct Sender<T, S: State> {
    pub(crate) inner: chan_async::Sender<T>,
    /// `fn() -> S`: the marker owns no `S` and adds no auto-trait bound.
    _state: PhantomData<fn() -> S>,
}

impl<T, S: State> Sender<T, S> {
    pub(crate) fn from_inner(inner: chan_async::Sender<T>) -> Self {
        Self {
            inner,
            _state: PhantomData,
        }
    }

    /// The same handle in another state: moves the inner handle, so the
    /// sender count does not change.
    pub(crate) fn retype<S2: State>(self) -> Sender<T, S2> {
        Sender::from_inner(self.inner)
    }

    /// Where the channel is in its lifecycle right now. It can be ahead of
    /// this handle's type, never behind.
    ///
    /// ```
    /// use chan_typestate::ChannelState;
    ///
    /// let (tx, rx) = chan_typestate::channel::<u8>(2);
    /// assert_eq!(tx.state(), ChannelState::Open);
    /// let _rx = rx.close(); // another handle closes the channel
    /// assert_eq!(tx.state(), ChannelState::Closed); // closed, nothing buffered
    /// ```
    pub fn state(&self) -> ChannelState {
        self.inner.state()
    }

    /// The number of buffered messages. Exact when no send or receive runs
    /// concurrently.
    ///
    /// ```
    /// let (tx, _rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// assert_eq!(tx.close().len(), 1); // still buffered after the close
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// `true` when no message is buffered.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// assert!(tx.is_empty());
    /// tx.try_send(1).unwrap();
    /// let tx = tx.close();
    /// assert!(!tx.is_empty()); // closed, one message left
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The number of messages the channel buffers.
    ///
    /// ```
    /// let (tx, _rx) = chan_typestate::channel::<u8>(16);
    /// assert_eq!(tx.capacity(), 16);
    /// ```
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Re-types this handle after the channel's current state, to catch up
    /// with a transition another handle caused: a `close()` elsewhere, the
    /// last receiver dropped, the buffer drained. A handle never moves back:
    /// a `Closed` sender stays `Closed`.
    ///
    /// ```
    /// use chan_typestate::SenderState;
    ///
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// let rx = rx.close(); // closed by the receiver
    /// let tx = match tx.into_current() {
    ///     SenderState::Closing(tx) => tx, // closed, one message left
    ///     other => panic!("unexpected {other:?}"),
    /// };
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(matches!(tx.into_current(), SenderState::Closed(_)));
    /// ```
    pub fn into_current(self) -> SenderState<T> {
        match catch_up(S::STATE, self.inner.state()) {
            ChannelState::Open => SenderState::Open(self.retype()),
            ChannelState::Closing => SenderState::Closing(self.retype()),
            ChannelState::Closed => SenderState::Closed(self.retype()),
        }
    }
}

impl<T> Sender<T, Open> {
    /// Sends `value`, waiting for a free slot while the channel is full.
    ///
    /// Resolves to `Err(SendError(value))` if the channel is closed, or
    /// closes while waiting (another handle called `close`, or every
    /// receiver is gone). Dropping the future drops the message unsent.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(1);
    /// tx.send(1).await.unwrap();
    /// let waiting = tokio::spawn(async move { tx.send(2).await }); // full: waits
    /// assert_eq!(rx.recv().await, Some(1));
    /// waiting.await.unwrap().unwrap();
    /// assert_eq!(rx.recv().await, Some(2));
    /// # });
    /// ```
    pub fn send(&self, value: T) -> chan_async::Send<'_, T> {
        self.inner.send(value)
    }

    /// Sends `value` if a slot is free right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if every slot is taken,
    /// [`TrySendError::Closed`] if another handle closed the channel (even
    /// if it is also full); both give the value back.
    ///
    /// ```
    /// use chan_typestate::TrySendError;
    ///
    /// let (tx, rx) = chan_typestate::channel(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// let _rx = rx.close();
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.inner.try_send(value)
    }

    /// Closes the channel for every handle and returns this handle as a
    /// [`Closing`] sender, which cannot send.
    ///
    /// Other senders' sends fail from now on (waiting ones get their message
    /// back); receivers still get every message accepted before the close,
    /// then the end. Closing an already closed channel changes nothing.
    ///
    /// ```
    /// use chan_typestate::TrySendError;
    ///
    /// let (tx, rx) = chan_typestate::channel(4);
    /// let other = tx.clone();
    /// tx.try_send(1).unwrap();
    /// let tx = tx.close();
    /// assert_eq!(other.try_send(2), Err(TrySendError::Closed(2)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # drop(tx);
    /// ```
    pub fn close(self) -> Sender<T, Closing> {
        self.inner.close();
        self.retype()
    }
}

impl<T> Sender<T, Closing> {
    /// Waits until every message accepted before the close has been
    /// received, or dropped because no receiver is left, and resolves to
    /// this handle typed [`Closed`](crate::Closed). Resolves at the first
    /// poll if nothing is buffered. See [`Drained`] for the exact moment.
    ///
    /// The graceful-shutdown step after [`close`](Sender::close): stop
    /// accepting work, then wait for the consumers to take what was
    /// accepted. The future owns the handle; dropping it drops the handle.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(8);
    /// for i in 0..8 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// let consumer = tokio::spawn(async move {
    ///     let mut taken = 0;
    ///     while rx.recv().await.is_some() {
    ///         taken += 1;
    ///     }
    ///     taken
    /// });
    /// let tx = tx.close().drained().await;
    /// assert_eq!(tx.len(), 0);
    /// assert_eq!(consumer.await.unwrap(), 8);
    /// # });
    /// ```
    pub fn drained(self) -> Drained<T> {
        Drained::new(self)
    }

    /// Polls for the channel being closed and empty; the waiter entry lives
    /// in the inner handle, so the [`Drained`] future that owns this handle
    /// needs no borrow of it.
    pub(crate) fn poll_drained(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.inner.poll_drained(cx)
    }
}

impl<T> Clone for Sender<T, Open> {
    /// Another sender on the same channel. Only open senders can be cloned.
    fn clone(&self) -> Self {
        Self::from_inner(self.inner.clone())
    }
}

impl<T, S: State> fmt::Debug for Sender<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("typed", &S::STATE)
            .field("channel", &self.inner)
            .finish()
    }
}
