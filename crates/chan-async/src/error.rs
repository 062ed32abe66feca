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

impl TryRecvError {
    /// `true` for [`TryRecvError::Empty`]: nothing now, but the channel is
    /// open.
    ///
    /// ```
    /// let (_tx, rx) = chan_async::channel::<u8>(1);
    /// assert!(rx.try_recv().unwrap_err().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }

    /// `true` for [`TryRecvError::Closed`]: closed and drained.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel::<u8>(1);
    /// drop(tx);
    /// assert!(rx.try_recv().unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed)
    }
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

/// Why a send with a deadline ([`Sender::send_until`](crate::Sender::send_until),
/// `send_timeout`, `send_deadline`) did not send; the message is returned
/// either way.
///
/// ```
/// use std::time::Duration;
/// use chan_async::SendTimeoutError;
///
/// let (tx, rx) = chan_async::channel(1);
/// tx.try_send(1).unwrap();
/// let full = tx.send_timeout(2, Duration::from_millis(1));
/// assert_eq!(full, Err(SendTimeoutError::Timeout(2)));
/// drop(rx);
/// let closed = tx.send_timeout(3, Duration::from_millis(1));
/// assert_eq!(closed, Err(SendTimeoutError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The deadline passed while the channel was full; the send may succeed
    /// later.
    Timeout(T),
    /// The channel is closed; no send will ever succeed.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// Returns the message that was not sent.
    ///
    /// ```
    /// use chan_async::SendTimeoutError;
    ///
    /// assert_eq!(SendTimeoutError::Timeout(5).into_inner(), 5);
    /// assert_eq!(SendTimeoutError::Closed(6).into_inner(), 6);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Timeout(value) | Self::Closed(value) => value,
        }
    }

    /// `true` for [`SendTimeoutError::Timeout`].
    ///
    /// ```
    /// use chan_async::SendTimeoutError;
    ///
    /// assert!(SendTimeoutError::Timeout(()).is_timeout());
    /// assert!(!SendTimeoutError::Closed(()).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }

    /// `true` for [`SendTimeoutError::Closed`].
    ///
    /// ```
    /// use chan_async::SendTimeoutError;
    ///
    /// assert!(SendTimeoutError::Closed(()).is_closed());
    /// assert!(!SendTimeoutError::Timeout(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(_) => f.write_str("Timeout(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(_) => f.write_str("timed out sending on a full channel"),
            Self::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for SendTimeoutError<T> {}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(SendError(value): SendError<T>) -> Self {
        Self::Closed(value)
    }
}

/// Why a receive with a deadline ([`Receiver::recv_until`](crate::Receiver::recv_until),
/// `recv_timeout`, `recv_deadline`) returned no message. No message is
/// lost when the deadline wins: it stays for the next receive.
///
/// ```
/// use std::time::Duration;
/// use chan_async::RecvTimeoutError;
///
/// let (tx, rx) = chan_async::channel::<u8>(1);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// drop(tx);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvTimeoutError {
    /// The deadline passed with the channel open and empty; a message may
    /// arrive later.
    Timeout,
    /// The channel is closed and drained: no message will ever arrive.
    Closed,
}

impl RecvTimeoutError {
    /// `true` for [`RecvTimeoutError::Timeout`].
    ///
    /// ```
    /// use chan_async::RecvTimeoutError;
    ///
    /// assert!(RecvTimeoutError::Timeout.is_timeout());
    /// assert!(!RecvTimeoutError::Closed.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout)
    }

    /// `true` for [`RecvTimeoutError::Closed`].
    ///
    /// ```
    /// use chan_async::RecvTimeoutError;
    ///
    /// assert!(RecvTimeoutError::Closed.is_closed());
    /// assert!(!RecvTimeoutError::Timeout.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed)
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out receiving on an empty channel"),
            Self::Closed => f.write_str("receiving on a closed and drained channel"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RecvTimeoutError {}
