//! The receiving handle, typed by state.

use core::fmt;
use core::marker::PhantomData;

use crate::current::ReceiverState;
use crate::state::{catch_up, Closed, Closing, Open};
use crate::{ChannelState, State, TryRecvError};

/// The receiving half of a channel, in state `S`.
///
/// - `Receiver<T, Open>` receives, clones, and closes
///   ([`close`](Self::close)).
/// - `Receiver<T, Closing>` receives what was accepted before the close
///   ([`recv`](Receiver::recv), [`drain`](Receiver::drain)), then
///   [`finish`](Receiver::finish)es.
/// - `Receiver<T, Closed>` only answers queries.
///
/// Every receiver counts towards the channel's receivers, whatever its
/// state: when the last one is dropped the channel closes and the messages
/// still buffered are dropped.
///
/// ```
/// use chan_typestate::{Closed, Receiver};
///
/// let (tx, rx) = chan_typestate::channel(4);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// let rx = rx.close(); // stop the senders, keep what they sent
/// assert_eq!(rx.drain().collect::<Vec<_>>(), [1, 2]);
/// let rx: Receiver<i32, Closed> = rx.finish().unwrap();
/// ```
pub struct Receiver<T, S: State> {
    pub(crate) inner: chan_async::Receiver<T>,
    /// `fn() -> S`: the marker owns no `S` and adds no auto-trait bound.
    _state: PhantomData<fn() -> S>,
}

impl<T, S: State> Receiver<T, S> {
    pub(crate) fn from_inner(inner: chan_async::Receiver<T>) -> Self {
        Self {
            inner,
            _state: PhantomData,
        }
    }

    /// The same handle in another state: moves the inner handle, so the
    /// receiver count does not change.
    fn retype<S2: State>(self) -> Receiver<T, S2> {
        Receiver::from_inner(self.inner)
    }

    /// Where the channel is in its lifecycle right now. It can be ahead of
    /// this handle's type, never behind.
    ///
    /// ```
    /// use chan_typestate::ChannelState;
    ///
    /// let (tx, rx) = chan_typestate::channel(2);
    /// tx.try_send(1).unwrap();
    /// drop(tx); // the last sender closes the channel
    /// assert_eq!(rx.state(), ChannelState::Closing); // one message left
    /// ```
    pub fn state(&self) -> ChannelState {
        self.inner.state()
    }

    /// The number of buffered messages. Exact when no send or receive runs
    /// concurrently.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// `true` when no message is buffered.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// assert!(rx.is_empty());
    /// tx.try_send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The number of messages the channel buffers.
    ///
    /// ```
    /// let (_tx, rx) = chan_typestate::channel::<u8>(16);
    /// assert_eq!(rx.capacity(), 16);
    /// ```
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Re-types this handle after the channel's current state, to catch up
    /// with a transition another handle caused: a `close()` elsewhere, the
    /// last sender dropped, the buffer drained by another receiver. A handle
    /// never moves back: a `Closed` receiver stays `Closed`.
    ///
    /// ```
    /// use chan_typestate::ReceiverState;
    ///
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// drop(tx); // the last sender closes the channel
    /// let rx = match rx.into_current() {
    ///     ReceiverState::Closing(rx) => rx,
    ///     other => panic!("unexpected {other:?}"),
    /// };
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(matches!(rx.into_current(), ReceiverState::Closed(_)));
    /// ```
    pub fn into_current(self) -> ReceiverState<T> {
        match catch_up(S::STATE, self.inner.state()) {
            ChannelState::Open => ReceiverState::Open(self.retype()),
            ChannelState::Closing => ReceiverState::Closing(self.retype()),
            ChannelState::Closed => ReceiverState::Closed(self.retype()),
        }
    }
}

impl<T> Receiver<T, Open> {
    /// Receives the next message, waiting while the channel is empty.
    ///
    /// Resolves to `None` once the channel is closed (by any handle, or
    /// because every sender is gone) and every message accepted before the
    /// close has been received. Cancel-safe: dropping the future never
    /// loses a message.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(1);
    /// tokio::spawn(async move { tx.send("hello").await.unwrap() });
    /// assert_eq!(rx.recv().await, Some("hello"));
    /// assert_eq!(rx.recv().await, None); // the sender is gone
    /// # });
    /// ```
    pub fn recv(&self) -> chan_async::Recv<'_, T> {
        self.inner.recv()
    }

    /// Receives a message if one is buffered right now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] while the channel is open and empty,
    /// [`TryRecvError::Closed`] once it is closed and drained. A send that
    /// has claimed a slot and is still writing its message is waited for
    /// (a brief spin, then yielding the thread), not reported as empty.
    ///
    /// ```
    /// use chan_typestate::TryRecvError;
    ///
    /// let (tx, rx) = chan_typestate::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Closes the channel for every handle and returns this handle as a
    /// [`Closing`] receiver: senders fail from now on, and the messages
    /// they sent before stay buffered for the receivers to drain.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// let rx = rx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(self) -> Receiver<T, Closing> {
        self.inner.close();
        self.retype()
    }
}

impl<T> Receiver<T, Closing> {
    /// Receives the next of the messages accepted before the close; `None`
    /// once they are all taken.
    ///
    /// Cancel-safe: dropping the future never loses a message.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.send(1).await.unwrap();
    /// let rx = rx.close();
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn recv(&self) -> chan_async::Recv<'_, T> {
        self.inner.recv()
    }

    /// Receives the next of the messages accepted before the close, if one
    /// is ready right now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Closed`] once every message is taken; never
    /// [`TryRecvError::Empty`]: a send that won its slot before the close
    /// and is still writing its message is waited for (a brief spin, then
    /// yielding the thread).
    ///
    /// ```
    /// use chan_typestate::TryRecvError;
    ///
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// let rx = rx.close();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// The messages buffered right now, taken one by one (each `next` is a
    /// [`try_recv`](Receiver::try_recv)). With several receivers, each
    /// message still goes to exactly one of them.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// for i in 0..3 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// let rx = rx.close();
    /// assert_eq!(rx.drain().collect::<Vec<_>>(), [0, 1, 2]);
    /// assert!(rx.finish().is_ok());
    /// ```
    pub fn drain(&self) -> impl Iterator<Item = T> + '_ {
        core::iter::from_fn(move || self.inner.try_recv().ok())
    }

    /// This handle typed [`Closed`] once nothing is left to receive (the
    /// channel is closed and empty); otherwise the handle back, unchanged.
    ///
    /// # Errors
    ///
    /// `Err(self)` while messages remain.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// let rx = rx.close();
    /// let rx = rx.finish().unwrap_err(); // one message left
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// let rx = rx.finish().unwrap();
    /// assert_eq!(rx.len(), 0);
    /// ```
    pub fn finish(self) -> Result<Receiver<T, Closed>, Self> {
        if self.inner.state() == ChannelState::Closed {
            Ok(self.retype())
        } else {
            Err(self)
        }
    }
}

impl<T> Clone for Receiver<T, Open> {
    /// Another receiver on the same channel; each message goes to exactly
    /// one of them. Only open receivers can be cloned.
    fn clone(&self) -> Self {
        Self::from_inner(self.inner.clone())
    }
}

impl<T, S: State> fmt::Debug for Receiver<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("typed", &S::STATE)
            .field("channel", &self.inner)
            .finish()
    }
}
