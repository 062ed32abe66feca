//! Iterators over a receiver's messages, for synchronous code.
//!
//! [`Iter`] and [`IntoIter`] block the thread for each message, as
//! [`Receiver::recv_blocking`] does, and end once the channel is closed and
//! drained. [`TryIter`] never waits: it yields what is buffered now.

use core::fmt;
#[cfg(feature = "std")]
use core::iter::FusedIterator;

use crate::Receiver;

/// A blocking iterator over the messages of a borrowed [`Receiver`],
/// returned by [`Receiver::iter`] and by `for message in &receiver`. Each
/// `next` waits like [`recv_blocking`](Receiver::recv_blocking); the
/// iterator ends once the channel is closed and drained, and stays ended.
///
/// ```
/// let (tx, rx) = chan_async::channel(2);
/// std::thread::spawn(move || {
///     for i in 0..5 {
///         tx.send_blocking(i).unwrap();
///     }
/// });
/// let mut sum = 0;
/// for i in &rx {
///     sum += i;
/// }
/// assert_eq!(sum, 10);
/// ```
#[cfg(feature = "std")]
#[must_use = "iterators do nothing unless consumed"]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

#[cfg(feature = "std")]
impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        crate::blocking::check_may_block("Receiver::iter", "recv().await");
        crate::blocking::recv(self.rx, crate::blocking::Limit::Never).ok()
    }
}

/// Once it returned `None` the channel is closed and drained for good.
#[cfg(feature = "std")]
impl<T> FusedIterator for Iter<'_, T> {}

#[cfg(feature = "std")]
impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("rx", self.rx).finish()
    }
}

/// A blocking iterator that owns its [`Receiver`], from
/// `receiver.into_iter()` or `for message in receiver`. Each `next` waits
/// like [`recv_blocking`](Receiver::recv_blocking); the iterator ends once
/// the channel is closed and drained. Dropping it drops the receiver.
///
/// ```
/// let (tx, rx) = chan_async::channel(2);
/// let consumer = std::thread::spawn(move || rx.into_iter().collect::<Vec<_>>());
/// for word in ["a", "b", "c"] {
///     tx.send_blocking(word).unwrap();
/// }
/// drop(tx);
/// assert_eq!(consumer.join().unwrap(), ["a", "b", "c"]);
/// ```
#[cfg(feature = "std")]
#[must_use = "iterators do nothing unless consumed"]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

#[cfg(feature = "std")]
impl<T> IntoIter<T> {
    /// Returns the receiver this iterator drains.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(2);
    /// tx.try_send(1).unwrap();
    /// let mut messages = rx.into_iter();
    /// assert_eq!(messages.next(), Some(1));
    /// let rx = messages.into_inner();
    /// assert!(rx.try_recv().unwrap_err().is_empty());
    /// # drop(tx);
    /// ```
    pub fn into_inner(self) -> Receiver<T> {
        self.rx
    }
}

#[cfg(feature = "std")]
impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        crate::blocking::check_may_block("Receiver::into_iter", "recv().await");
        crate::blocking::recv(&self.rx, crate::blocking::Limit::Never).ok()
    }
}

/// Once it returned `None` the channel is closed and drained for good.
#[cfg(feature = "std")]
impl<T> FusedIterator for IntoIter<T> {}

#[cfg(feature = "std")]
impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").field("rx", &self.rx).finish()
    }
}

/// An iterator over the messages buffered right now, returned by
/// [`Receiver::try_iter`]. Each `next` is a
/// [`try_recv`](Receiver::try_recv): it never waits, and returns `None`
/// when nothing is buffered at that moment, even if more arrives later.
///
/// ```
/// let (tx, rx) = chan_async::channel(4);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
/// tx.try_send(3).unwrap();
/// assert_eq!(rx.try_iter().next(), Some(3));
/// ```
#[must_use = "iterators do nothing unless consumed"]
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").field("rx", self.rx).finish()
    }
}

impl<T> Receiver<T> {
    /// A blocking iterator over the messages: each `next` waits for the
    /// next message, and the iterator ends once the channel is closed and
    /// drained. `for message in &receiver` does the same.
    ///
    /// # Deadlocks and panics
    ///
    /// As [`recv_blocking`](Receiver::recv_blocking): do not iterate from
    /// async code; use [`recv`](Receiver::recv) in a loop, or the receiver
    /// as a `Stream`, there. With the `tokio` feature, debug builds panic
    /// when `next` is called from a task on a tokio runtime.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(4);
    /// let producer = std::thread::spawn(move || {
    ///     for i in 1..=3 {
    ///         tx.send_blocking(i).unwrap();
    ///     }
    /// });
    /// assert_eq!(rx.iter().sum::<i32>(), 6);
    /// producer.join().unwrap();
    /// ```
    #[cfg(feature = "std")]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the messages buffered right now: it never waits,
    /// and ends at the first moment nothing is buffered.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(4);
    /// for i in 0..3 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// let now: Vec<i32> = rx.try_iter().collect();
    /// assert_eq!(now, [0, 1, 2]);
    /// assert_eq!(rx.try_iter().next(), None); // empty, and it did not wait
    /// # drop(tx);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

/// `for message in &receiver`: the blocking [`Receiver::iter`].
///
/// ```
/// let (tx, rx) = chan_async::channel(2);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// drop(tx);
/// let mut got = Vec::new();
/// for message in &rx {
///     got.push(message);
/// }
/// assert_eq!(got, [1, 2]);
/// ```
#[cfg(feature = "std")]
impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// `for message in receiver`: a blocking iterator that owns the receiver
/// and ends once the channel is closed and drained.
///
/// ```
/// let (tx, rx) = chan_async::channel(2);
/// std::thread::spawn(move || {
///     tx.send_blocking("x").unwrap();
///     tx.send_blocking("y").unwrap();
/// });
/// let got: Vec<&str> = rx.into_iter().collect();
/// assert_eq!(got, ["x", "y"]);
/// ```
#[cfg(feature = "std")]
impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}
