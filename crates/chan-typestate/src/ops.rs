//! The rest of chan-async's operations, on the typed handles in the states
//! where they can do something: blocking sends and `closed()` on an
//! [`Open`] sender; blocking receives, `recv_many` and [`Stream`] on an
//! [`Open`] or [`Closing`] receiver. Each forwards to the chan-async
//! method of the same name; see there for the exact rules.
//!
//! A [`Closing`] or [`Closed`](crate::Closed) sender has no `closed()`:
//! its type already says the channel is closed, so the future would have
//! nothing to wait for.

use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use crate::state::{Closing, Open};
use crate::{Receiver, SendError, Sender};

impl<T> Sender<T, Open> {
    /// Sends `value`, blocking the thread while the channel is full: for
    /// synchronous code (a feeder thread), in the same queue as the async
    /// senders. See [`chan_async::Sender::send_blocking`], also for why
    /// not to call it from async code.
    ///
    /// # Errors
    ///
    /// `SendError(value)` if the channel is closed, or closes while
    /// waiting (another handle closed it, or every receiver is gone).
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(1);
    /// let feeder = std::thread::spawn(move || {
    ///     for job in 0..3 {
    ///         tx.send_blocking(job).unwrap();
    ///     }
    ///     // dropping the last sender closes the channel
    /// });
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// feeder.join().unwrap();
    /// ```
    ///
    /// Only an open sender sends:
    ///
    /// ```compile_fail,E0599
    /// let (tx, _rx) = chan_typestate::channel::<u8>(1);
    /// let tx = tx.close();
    /// let _ = tx.send_blocking(1); // no method `send_blocking` on `Sender<u8, Closing>`
    /// ```
    /// ```compile_fail,E0599
    /// # async fn f() {
    /// let (tx, _rx) = chan_typestate::channel::<u8>(1);
    /// let tx = tx.close().drained().await;
    /// let _ = tx.send_blocking(1); // no method `send_blocking` on `Sender<u8, Closed>`
    /// # }
    /// ```
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.send_blocking(value)
    }

    /// Waits until the channel is closed: by any handle, or because every
    /// receiver is gone. Useful to stop producing when nobody listens.
    /// See [`chan_async::Sender::closed`]. Then
    /// [`into_current`](Sender::into_current) gives this handle its new
    /// type.
    ///
    /// ```
    /// use chan_typestate::SenderState;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel::<u8>(1);
    /// tokio::spawn(async move { drop(rx) });
    /// tx.closed().await;
    /// assert!(matches!(tx.into_current(), SenderState::Closed(_)));
    /// # });
    /// ```
    ///
    /// A closing sender has no `closed()`: its type already says so.
    ///
    /// ```compile_fail,E0599
    /// let (tx, _rx) = chan_typestate::channel::<u8>(1);
    /// let tx = tx.close();
    /// let _ = tx.closed(); // no method `closed` on `Sender<u8, Closing>`
    /// ```
    /// ```compile_fail,E0599
    /// # async fn f() {
    /// let (tx, _rx) = chan_typestate::channel::<u8>(1);
    /// let tx = tx.close().drained().await;
    /// let _ = tx.closed(); // no method `closed` on `Sender<u8, Closed>`
    /// # }
    /// ```
    pub fn closed(&self) -> chan_async::Closed<'_> {
        self.inner.closed()
    }
}

impl<T> Receiver<T, Open> {
    /// Receives the next message, blocking the thread while the channel is
    /// empty; `None` once it is closed and drained. For synchronous code,
    /// in the same queue as the async receivers. See
    /// [`chan_async::Receiver::recv_blocking`], also for why not to call
    /// it from async code.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(1);
    /// std::thread::spawn(move || tx.send_blocking(9).unwrap());
    /// assert_eq!(rx.recv_blocking(), Some(9));
    /// assert_eq!(rx.recv_blocking(), None); // the sender is gone
    /// ```
    pub fn recv_blocking(&self) -> Option<T> {
        self.inner.recv_blocking()
    }

    /// Waits for at least one message, then appends up to `limit` of the
    /// buffered ones to `buf` (at most `capacity() + 1` per call: a
    /// buffer's worth and a message handed out of it) and resolves to how
    /// many it appended; 0 if `limit` is 0, or once the channel is
    /// closed and drained. Cancel-safe. See
    /// [`chan_async::Receiver::recv_many`].
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(8);
    /// for i in 0..5 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
    /// assert_eq!(rx.recv_many(&mut buf, 10).await, 2);
    /// assert_eq!(buf, [0, 1, 2, 3, 4]);
    /// # });
    /// ```
    pub fn recv_many<'a>(
        &'a self,
        buf: &'a mut Vec<T>,
        limit: usize,
    ) -> chan_async::RecvMany<'a, T> {
        self.inner.recv_many(buf, limit)
    }
}

impl<T> Receiver<T, Closing> {
    /// Receives the next of the messages accepted before the close,
    /// blocking the thread while one is still on its way in; `None` once
    /// they are all taken. See [`chan_async::Receiver::recv_blocking`].
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(2);
    /// tx.send_blocking(1).unwrap();
    /// let rx = rx.close();
    /// assert_eq!(rx.recv_blocking(), Some(1));
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    ///
    /// A closed receiver has nothing left to receive:
    ///
    /// ```compile_fail,E0599
    /// let (_tx, rx) = chan_typestate::channel::<u8>(1);
    /// let rx = rx.close().finish().unwrap();
    /// let _ = rx.recv_blocking(); // no method `recv_blocking` on `Receiver<u8, Closed>`
    /// ```
    pub fn recv_blocking(&self) -> Option<T> {
        self.inner.recv_blocking()
    }

    /// Appends up to `limit` of the messages accepted before the close to
    /// `buf` (at most `capacity() + 1` per call: a buffer's worth and a
    /// message handed out of it) and resolves to how many it appended; 0 once they are all taken. See
    /// [`chan_async::Receiver::recv_many`].
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(4);
    /// for i in 0..3 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// let rx = rx.close();
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.recv_many(&mut buf, 10).await, 3);
    /// assert_eq!(rx.recv_many(&mut buf, 10).await, 0);
    /// assert_eq!(buf, [0, 1, 2]);
    /// assert!(rx.finish().is_ok());
    /// # });
    /// ```
    ///
    /// ```compile_fail,E0599
    /// let (_tx, rx) = chan_typestate::channel::<u8>(1);
    /// let rx = rx.close().finish().unwrap();
    /// let mut buf = Vec::new();
    /// let _ = rx.recv_many(&mut buf, 1); // no method `recv_many` on `Receiver<u8, Closed>`
    /// ```
    pub fn recv_many<'a>(
        &'a self,
        buf: &'a mut Vec<T>,
        limit: usize,
    ) -> chan_async::RecvMany<'a, T> {
        self.inner.recv_many(buf, limit)
    }
}

/// An open receiver as a stream of messages, ending once the channel is
/// closed and drained. The same stream as [`chan_async::Receiver`]'s (see
/// there how a pending `poll_next` holds a place in the receivers' queue).
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = chan_typestate::channel(4);
/// tokio::spawn(async move {
///     for i in 0..3 {
///         tx.send(i).await.unwrap();
///     }
/// });
/// let mut got = Vec::new();
/// while let Some(i) = poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
///     got.push(i);
/// }
/// assert_eq!(got, [0, 1, 2]);
/// # });
/// ```
impl<T> Stream for Receiver<T, Open> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.get_mut().inner).poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// A closing receiver as a stream of the messages accepted before the
/// close, ending once they are all taken.
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_typestate::channel(4);
/// tx.send(1).await.unwrap();
/// tx.send(2).await.unwrap();
/// let mut rx = rx.close();
/// let mut got = Vec::new();
/// while let Some(i) = poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
///     got.push(i);
/// }
/// assert_eq!(got, [1, 2]);
/// assert!(rx.finish().is_ok());
/// # });
/// ```
///
/// A closed receiver is not a stream: it has nothing left to yield.
///
/// ```compile_fail,E0277
/// fn stream<S: futures_core::Stream>(_: S) {}
/// let (_tx, rx) = chan_typestate::channel::<u8>(1);
/// let rx = rx.close().finish().unwrap();
/// stream(rx); // `Receiver<u8, Closed>` is not a `Stream`
/// ```
impl<T> Stream for Receiver<T, Closing> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.get_mut().inner).poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Terminated once the channel is closed and drained, as
/// [`chan_async::Receiver`]'s stream.
///
/// ```
/// use futures_core::stream::FusedStream;
///
/// let (tx, rx) = chan_typestate::channel::<u8>(1);
/// assert!(!rx.is_terminated());
/// drop(tx);
/// assert!(rx.is_terminated());
/// ```
impl<T> FusedStream for Receiver<T, Open> {
    fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }
}

/// Terminated once every message accepted before the close is taken.
///
/// ```
/// use futures_core::stream::FusedStream;
///
/// let (tx, rx) = chan_typestate::channel(1);
/// tx.try_send(1).unwrap();
/// let rx = rx.close();
/// assert!(!rx.is_terminated());
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert!(rx.is_terminated());
/// ```
impl<T> FusedStream for Receiver<T, Closing> {
    fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }
}
