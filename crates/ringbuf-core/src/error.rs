//! Why a push or a pop did not happen.

use core::fmt;

/// The error of [`RingBuffer::try_push`](crate::RingBuffer::try_push): the
/// value was not stored and comes back to the caller.
///
/// ```
/// use ringbuf_core::{PushError, RingBuffer};
///
/// let ring = RingBuffer::new(1);
/// ring.try_push(1).unwrap();
/// assert_eq!(ring.try_push(2), Err(PushError::Full(2)));
/// ring.close();
/// assert_eq!(ring.try_push(3), Err(PushError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PushError<T> {
    /// Every slot holds a value.
    Full(T),
    /// [`RingBuffer::close`](crate::RingBuffer::close) was called.
    Closed(T),
}

impl<T> PushError<T> {
    /// Returns the value that was not pushed.
    ///
    /// ```
    /// use ringbuf_core::PushError;
    ///
    /// assert_eq!(PushError::Full(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(value) | Self::Closed(value) => value,
        }
    }
}

impl<T> fmt::Debug for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("pushing into a full ring buffer"),
            Self::Closed(_) => f.write_str("pushing into a closed ring buffer"),
        }
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for PushError<T> {}

/// The error of [`RingBuffer::try_pop`](crate::RingBuffer::try_pop).
///
/// ```
/// use ringbuf_core::{PopError, RingBuffer};
///
/// let ring = RingBuffer::<u8>::new(1);
/// assert_eq!(ring.try_pop(), Err(PopError::Empty));
/// ring.close();
/// assert_eq!(ring.try_pop(), Err(PopError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PopError {
    /// No value is stored now; more may be pushed later.
    Empty,
    /// No value is stored and none ever will be: the buffer is closed.
    Closed,
}

impl fmt::Display for PopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("popping from an empty ring buffer"),
            Self::Closed => f.write_str("popping from a closed and empty ring buffer"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PopError {}
