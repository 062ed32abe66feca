//! Why a send or a receive did not happen.
//!
//! Every error that refuses a message gives the message back. The errors are
//! `Debug` without `T: Debug` (the message is elided), so `unwrap` works on
//! any channel.

use core::fmt;

/// The channel is closed; the message that could not be sent is returned.
///
/// ```
/// use chan_async::{channel, SendError};
///
/// let (tx, rx) = channel(1);
/// drop(rx);
/// let err: SendError<u32> = tx.send_blocking(7).unwrap_err();
/// assert_eq!(err.into_inner(), 7);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// Returns the message that was not sent.
    ///
    /// ```
    /// use chan_async::SendError;
    ///
    /// assert_eq!(SendError("hi").into_inner(), "hi");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for SendError<T> {}

/// Why [`Sender::try_send`](crate::Sender::try_send) did not send; the
/// message is returned either way.
///
/// A channel that is both closed and full reports `Closed`.
///
/// ```
/// use chan_async::{channel, TrySendError};
///
/// let (tx, _rx) = channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// tx.close();
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// Every slot is taken; the send may succeed later.
    Full(T),
    /// The channel is closed; no send will ever succeed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// Returns the message that was not sent.
    ///
    /// ```
    /// use chan_async::TrySendError;
    ///
    /// assert_eq!(TrySendError::Full(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(value) | Self::Closed(value) => value,
        }
    }

    /// `true` for [`TrySendError::Full`].
    ///
    /// ```
    /// use chan_async::TrySendError;
    ///
    /// assert!(TrySendError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// `true` for [`TrySendError::Closed`].
    ///
    /// ```
    /// use chan_async::TrySendError;
    ///
    /// assert!(TrySendError::Closed(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("sending on a full channel"),
            Self::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for TrySendError<T> {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(SendError(value): SendError<T>) -> Self {
        Self::Closed(value)
    }
}

/// Why [`Receiver::try_recv`](crate::Receiver::try_recv) returned no message.
///
/// ```
/// use chan_async::{channel, TryRecvError};
///
/// let (tx, rx) = channel::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// No message now; the channel is open, so one may arrive later.
    Empty,
    /// The channel is closed and drained: no message will ever arrive.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("receiving on an empty channel"),
            Self::Closed => f.write_str("receiving on a closed and drained channel"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TryRecvError {}
