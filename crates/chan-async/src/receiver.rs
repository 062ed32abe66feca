//! The receiving handle.

use core::pin::Pin;
use core::task::{Context, Poll};

use crate::chan::{Chan, OnDrop};
use crate::error::TryRecvError;
use crate::futures::{recv_attempt, Recv, RecvMany};
use crate::queries::impl_queries;
use crate::rendezvous::Key;
use crate::sync::Arc;
use crate::waiters::Kind;

/// The receiving half of a channel. Clone it to share the work among several
/// consumers: each message goes to exactly one of them. The channel closes
/// when the last `Receiver` is dropped; buffered messages are then dropped
/// and senders see the channel closed.
///
/// `Receiver` is also a [`Stream`](futures_core::Stream) of messages that
/// ends when the channel is closed and drained (and a
/// [`FusedStream`](futures_core::stream::FusedStream) that says so).
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel(4);
/// for i in 0..3 {
///     tx.send(i).await.unwrap();
/// }
/// drop(tx);
/// let mut sum = 0;
/// while let Some(i) = rx.recv().await {
///     sum += i;
/// }
/// assert_eq!(sum, 3);
/// # });
/// ```
pub struct Receiver<T> {
    pub(crate) chan: Arc<Chan<T>>,
    /// The waiter entry used when this handle is polled as a `Stream`.
    stream_key: Key,
}

impl<T> Receiver<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Self {
        Self {
            stream_key: Key::new(&chan),
            chan,
        }
    }

    /// Receives the next message, waiting while the channel is empty.
    ///
    /// Resolves to `None` once the channel is closed and every message
    /// accepted before the close has been received. Cancel-safe: dropping
    /// the future never loses a message. Waiting receivers are served FIFO.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// tokio::spawn(async move { tx.send("hello").await.unwrap() });
    /// assert_eq!(rx.recv().await, Some("hello"));
    /// assert_eq!(rx.recv().await, None); // the sender is gone
    /// # });
    /// ```
    pub fn recv(&self) -> Recv<'_, T> {
        Recv::new(&self.chan)
    }

    /// Receives a message if one is buffered right now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] while the channel is open and empty,
    /// [`TryRecvError::Closed`] once it is closed and drained.
    ///
    /// ```
    /// use chan_async::TryRecvError;
    ///
    /// let (tx, rx) = chan_async::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives the next message, blocking the thread while the channel is
    /// empty; `None` once it is closed and drained.
    ///
    /// For synchronous code; it waits in the same queue as async receivers.
    ///
    /// # Deadlocks and panics
    ///
    /// Do not call it from async code: it parks the executor's thread, and
    /// if the send it waits for must run on that thread, it never returns.
    /// Use [`recv`](Receiver::recv)`().await` there. With the `tokio`
    /// feature, debug builds panic instead when it is called from a task
    /// (or a `block_on`) on a tokio runtime; inside `spawn_blocking` it is
    /// fine.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(1);
    /// std::thread::spawn(move || tx.send_blocking(9).unwrap());
    /// assert_eq!(rx.recv_blocking(), Some(9));
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_blocking(&self) -> Option<T> {
        crate::blocking::check_may_block("recv_blocking", "recv().await");
        crate::blocking::recv(self, crate::blocking::Limit::Never).ok()
    }

    /// Waits for at least one message, then appends up to `limit` buffered
    /// messages to `buf` and resolves to how many it appended: a batch for
    /// one wake-up. Resolves to 0 if `limit` is 0, or once the channel is
    /// closed and drained. Senders waiting for room are woken, one per
    /// freed slot. One call appends at most `capacity() + 1` messages (a
    /// buffer's worth, and a message handed out of the buffer), however
    /// large `limit` is, so it returns even while senders keep refilling
    /// the channel.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(8);
    /// for i in 0..5 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
    /// assert_eq!(rx.recv_many(&mut buf, 10).await, 2);
    /// assert_eq!(buf, [0, 1, 2, 3, 4]);
    /// drop(tx);
    /// assert_eq!(rx.recv_many(&mut buf, 10).await, 0);
    /// # });
    /// ```
    pub fn recv_many<'a>(&'a self, buf: &'a mut Vec<T>, limit: usize) -> RecvMany<'a, T> {
        RecvMany::new(&self.chan, buf, limit)
    }

    /// Closes the channel for every handle: senders fail from now on, while
    /// receivers still get every buffered message, then the end. Returns
    /// `true` if this call closed the channel.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert!(rx.close());
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1)); // still drained after the close
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }
}

impl_queries!(Receiver);

/// The receiver as a stream of messages, ending once the channel is closed
/// and drained.
///
/// A pending `poll_next` holds a place in the receivers' queue, like a
/// pending [`Recv`] future, but the place belongs to the
/// receiver: it is given back when a later `poll_next` completes or when the
/// receiver is dropped. A receiver polled as a stream may be left alone
/// while it lives on (`rx.next()` losing a `select!` in a loop that then
/// stops polling it), so the wake a message sends to a waiting stream is
/// shared with the waiter behind it: a `recv()` waiting behind a stream
/// that is never polled again still gets the message. The price is a second
/// wake-up when both come back (one finds nothing and waits again). The
/// wake is shared with one waiter only: behind two streams left alone, a
/// `recv()` is woken by the next message.
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = chan_async::channel(4);
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
impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let chan = &*this.chan;
        match &mut this.stream_key {
            Key::Queue(key) => {
                chan.recv_waiters
                    .poll(key, cx, Kind::Stream, &chan.recv_flag(), || {
                        recv_attempt(chan)
                    })
            }
            Key::Exchange(key) => chan.exchange().poll_recv(key, cx, true),
        }
    }

    /// `(0, Some(0))` once the channel is closed and drained; otherwise
    /// `(0, None)`: buffered messages may go to other receivers, so not even
    /// they are a lower bound.
    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.chan.is_drained() {
            (0, Some(0))
        } else {
            (0, None)
        }
    }
}

/// Terminated once the channel is closed and drained: `poll_next` then
/// returns `None`, and keeps doing so. With several receivers that can be
/// true before this one's `poll_next` has returned `None` (another receiver
/// took the last message), so a `select!` loop that waits for `None` to
/// stop sees this branch disabled instead.
///
/// ```
/// use futures_core::stream::{FusedStream, Stream};
///
/// let (tx, rx) = chan_async::channel::<u8>(1);
/// tx.try_send(1).unwrap();
/// tx.close();
/// assert!(!rx.is_terminated()); // a message is still buffered
/// assert_eq!(rx.size_hint(), (0, None));
/// rx.try_recv().unwrap();
/// assert!(rx.is_terminated());
/// assert_eq!(rx.size_hint(), (0, Some(0)));
/// ```
impl<T> futures_core::stream::FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.chan.is_drained()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.add_receiver();
        Self::new(Arc::clone(&self.chan))
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let chan = &*self.chan;
        // Counted out even if the wake that `cancel` passes on panics: a
        // receiver that stayed counted would keep the channel open forever.
        let _remove = OnDrop(chan, Chan::remove_receiver);
        match &mut self.stream_key {
            Key::Queue(key) => chan.recv_waiters.cancel(key, &chan.recv_flag()),
            Key::Exchange(key) => chan.exchange().cancel_recv(key),
        }
    }
}
