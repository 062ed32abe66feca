//! The futures returned by the handles' async methods.
//!
//! Each is a named type, does nothing until polled, holds at most one entry
//! in a waiter queue (refreshed in place when polled again), and on drop
//! gives that entry back, passing on a wake it received but did not use.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::future::FusedFuture;
use pin_project_lite::pin_project;

use crate::chan::{Chan, CloseEvent, RecvFlag, SendFlag};
use crate::error::{SendError, TryRecvError, TrySendError};
use crate::rendezvous::Line;
use crate::waiters::{Kind, NoFlag, Waiter};

pin_project! {
    /// The future of [`Sender::send`](crate::Sender::send): resolves to
    /// `Ok(())` once the message is in the channel, or to
    /// `Err(SendError(message))` if the channel closes first.
    ///
    /// Dropping it before it completes drops the message, which was then
    /// never sent: a message is either wholly in the channel or not at all.
    /// On a rendezvous channel (capacity 0) a waiting send's message can be
    /// taken by a receive between two polls: the send has then completed,
    /// and dropping the future before it reported `Ok` changes nothing.
    ///
    /// # Panics
    ///
    /// Polling it again after it returned `Ready` panics.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// let send: chan_async::Send<'_, u8> = tx.send(1);
    /// assert_eq!(rx.try_recv().ok(), None); // nothing happens until polled
    /// send.await.unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Send<'a, T> {
        line: Line<'a, T, SendFlag<'a, T>>,
        chan: &'a Chan<T>,
        // On a rendezvous channel the value moves into the exchange while
        // the send waits in line.
        value: Option<T>,
    }
}

impl<'a, T> Send<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>, value: T) -> Self {
        Self {
            line: Line::Queue(Waiter::new(&chan.send_waiters, Kind::One, chan.send_flag())),
            chan,
            value: Some(value),
        }
    }

    /// Gives up on the send: leaves the senders' queue (passing on a wake
    /// it received and did not use) and returns the message, unless it was
    /// already sent or handed back. `None` for a pending send only on a
    /// rendezvous channel, where a receive took the value meanwhile: the
    /// send completed.
    pub(crate) fn cancel(self) -> Option<T> {
        let Self { line, value, .. } = self;
        let withdrawn = line.cancel();
        value.or(withdrawn)
    }
}

impl<T> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let chan = *this.chan;
        let value = this.value;
        if let Line::Queue(waiter) = this.line {
            assert!(value.is_some(), "`Send` polled after it completed");
            let poll = waiter.poll(cx, || {
                let message = value.take()?;
                match chan.push(message) {
                    Ok(()) => Some(Ok(())),
                    Err(TrySendError::Closed(message)) => Some(Err(SendError(message))),
                    Err(TrySendError::Full(message)) => {
                        *value = Some(message);
                        None
                    }
                }
            });
            match poll {
                // Closed, or a rendezvous channel, whose ring is closed.
                Poll::Ready(Err(SendError(message))) => *value = Some(message),
                poll => return poll,
            }
        }
        this.line.poll_send(chan, value, cx)
    }
}

/// Terminated once it has returned `Ready`, that is once the message is sent
/// or handed back (it must not be polled again).
///
/// ```
/// use futures_core::future::FusedFuture;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, _rx) = chan_async::channel(1);
/// let mut send = tx.send(1);
/// assert!(!send.is_terminated());
/// (&mut send).await.unwrap();
/// assert!(send.is_terminated());
/// # });
/// ```
impl<T> FusedFuture for Send<'_, T> {
    fn is_terminated(&self) -> bool {
        self.value.is_none() && !self.line.in_exchange()
    }
}

impl<T> fmt::Debug for Send<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Send")
            .field("done", &self.is_terminated())
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// The future of [`Receiver::recv`](crate::Receiver::recv): resolves to
    /// the next message, or to `None` once the channel is closed and drained.
    ///
    /// Cancel-safe: dropping it never loses a message. A message is only
    /// taken out of the channel in the poll that returns it; if the future
    /// had been woken for a message and is dropped instead, the wake passes
    /// to the next waiting receiver. Polled again after it returned a
    /// message, it receives the next one.
    ///
    /// As a [`FusedFuture`] it is terminated while its last poll returned
    /// `Ready`: a `select!` loop skips it from then on, while code that
    /// polls it again receives the next message.
    ///
    /// ```
    /// use std::time::Duration;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// // A receive cancelled by a timeout loses nothing...
    /// let timed_out = tokio::time::timeout(Duration::from_millis(1), rx.recv()).await;
    /// assert!(timed_out.is_err());
    /// tx.send(5).await.unwrap();
    /// // ...the message is there for the next one.
    /// assert_eq!(rx.recv().await, Some(5));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Recv<'a, T> {
        line: Line<'a, T, RecvFlag<'a, T>>,
        chan: &'a Chan<T>,
        // Whether the last poll returned `Ready`.
        done: bool,
    }
}

impl<'a, T> Recv<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        Self {
            line: Line::Queue(Waiter::new(&chan.recv_waiters, Kind::One, chan.recv_flag())),
            chan,
            done: false,
        }
    }
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.project();
        let chan = *this.chan;
        let poll = match this.line {
            Line::Queue(waiter) => match waiter.poll(cx, || recv_attempt(chan)) {
                // Closed, or a rendezvous channel, whose ring is closed.
                Poll::Ready(None) => this.line.poll_recv(chan, cx),
                poll => poll,
            },
            Line::Exchange(_) => this.line.poll_recv(chan, cx),
        };
        *this.done = poll.is_ready();
        poll
    }
}

/// Terminated while its last poll returned `Ready` (a message, or `None`
/// for a closed and drained channel). Polling it again is allowed and
/// receives the next message; it is then no longer terminated until that
/// poll completes.
///
/// ```
/// use futures_core::future::FusedFuture;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel(2);
/// tx.send(1).await.unwrap();
/// let mut recv = rx.recv();
/// assert!(!recv.is_terminated());
/// assert_eq!((&mut recv).await, Some(1));
/// assert!(recv.is_terminated());
/// # });
/// ```
impl<T> FusedFuture for Recv<'_, T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

/// One receive attempt on a buffered channel as the waiting loop wants it:
/// `Some` when finished.
pub(crate) fn recv_attempt<T>(chan: &Chan<T>) -> Option<Option<T>> {
    match chan.pop() {
        Ok(message) => Some(Some(message)),
        Err(TryRecvError::Closed) => Some(None),
        Err(TryRecvError::Empty) => None,
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}

pin_project! {
    /// The future of [`Receiver::recv_many`](crate::Receiver::recv_many):
    /// waits for at least one message, then moves up to `limit` buffered
    /// messages into the vector at once and resolves to how many it moved.
    /// Resolves to 0 when `limit` is 0 or the channel is closed and drained.
    ///
    /// Cancel-safe like [`Recv`]: messages are moved only in the poll that
    /// returns their count. Polled again after that, it receives another
    /// batch into the same vector. As a [`FusedFuture`] it is terminated
    /// while its last poll returned `Ready`, as [`Recv`] is.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(4);
    /// tx.send('a').await.unwrap();
    /// tx.send('b').await.unwrap();
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 8).await, 2);
    /// assert_eq!(batch, ['a', 'b']);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct RecvMany<'a, T> {
        line: Line<'a, T, RecvFlag<'a, T>>,
        chan: &'a Chan<T>,
        buf: &'a mut Vec<T>,
        limit: usize,
        // Whether the last poll returned `Ready`.
        done: bool,
    }
}

impl<'a, T> RecvMany<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>, buf: &'a mut Vec<T>, limit: usize) -> Self {
        Self {
            line: Line::Queue(Waiter::new(&chan.recv_waiters, Kind::One, chan.recv_flag())),
            chan,
            buf,
            limit,
            done: false,
        }
    }
}

impl<T> Future for RecvMany<'_, T> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = self.project();
        if *this.limit == 0 {
            *this.done = true;
            return Poll::Ready(0);
        }
        let (chan, buf, limit) = (*this.chan, &mut **this.buf, *this.limit);
        let poll = match this.line {
            Line::Queue(waiter) => {
                let poll = waiter.poll(cx, || match chan.try_recv_many(buf, limit) {
                    Ok(moved) => Some(moved),
                    Err(TryRecvError::Closed) => Some(0),
                    Err(TryRecvError::Empty) => None,
                });
                match poll {
                    // Closed, or a rendezvous channel, whose ring is closed.
                    Poll::Ready(0) => this.line.poll_recv_many(chan, cx, buf, limit),
                    poll => poll,
                }
            }
            Line::Exchange(_) => this.line.poll_recv_many(chan, cx, buf, limit),
        };
        *this.done = poll.is_ready();
        poll
    }
}

/// Terminated while its last poll returned `Ready`; polling it again
/// receives another batch, as for [`Recv`].
///
/// ```
/// use futures_core::future::FusedFuture;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel(2);
/// tx.send(1).await.unwrap();
/// let mut buf = Vec::new();
/// let mut batch = rx.recv_many(&mut buf, 2);
/// assert!(!batch.is_terminated());
/// assert_eq!((&mut batch).await, 1);
/// assert!(batch.is_terminated());
/// # });
/// ```
impl<T> FusedFuture for RecvMany<'_, T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> fmt::Debug for RecvMany<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvMany")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// The future of [`Sender::closed`](crate::Sender::closed): resolves
    /// once the channel is closed, by any handle or by the last receiver
    /// going away.
    ///
    /// ```
    /// use std::time::Duration;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel::<u8>(1);
    /// // While the channel is open, `closed` waits...
    /// assert!(tokio::time::timeout(Duration::from_millis(1), tx.closed()).await.is_err());
    /// tokio::spawn(async move {
    ///     tokio::time::sleep(Duration::from_millis(5)).await;
    ///     drop(rx); // the last receiver goes: the channel closes
    /// });
    /// // ...and is woken by the close.
    /// tokio::time::timeout(Duration::from_secs(10), tx.closed()).await.expect("woken");
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Closed<'a> {
        waiter: Waiter<'a, NoFlag>,
        event: &'a CloseEvent,
    }
}

impl<'a> Closed<'a> {
    pub(crate) fn new(event: &'a CloseEvent) -> Self {
        Self {
            waiter: Waiter::new(&event.waiters, Kind::All, NoFlag),
            event,
        }
    }
}

impl Future for Closed<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let event = *this.event;
        this.waiter.poll(cx, || event.happened().then_some(()))
    }
}

impl fmt::Debug for Closed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}

pin_project! {
    /// The future of [`Sender::drained`](crate::Sender::drained): resolves
    /// once the channel is closed and empty, that is when every message
    /// accepted before the close has been received (or dropped because no
    /// receiver is left).
    ///
    /// ```
    /// use std::time::Duration;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(2);
    /// tx.send(1).await.unwrap();
    /// tx.close();
    /// let consumer = tokio::spawn(async move {
    ///     tokio::time::sleep(Duration::from_millis(5)).await;
    ///     rx.recv().await // takes the last message accepted before the close
    /// });
    /// // Woken when that message is taken.
    /// tokio::time::timeout(Duration::from_secs(10), tx.drained()).await.expect("woken");
    /// assert_eq!(consumer.await.unwrap(), Some(1));
    /// assert!(tx.is_empty());
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Drained<'a, T> {
        // While the channel is open it waits for the close: on the send
        // queue it would be woken by every receive.
        closed: Waiter<'a, NoFlag>,
        drained: Waiter<'a, SendFlag<'a, T>>,
        chan: &'a Chan<T>,
    }
}

impl<'a, T> Drained<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        Self {
            closed: Waiter::new(&chan.close_event.waiters, Kind::All, NoFlag),
            drained: Waiter::new(&chan.send_waiters, Kind::All, chan.send_flag()),
            chan,
        }
    }
}

impl<T> Future for Drained<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let chan = *this.chan;
        let event = &chan.close_event;
        if !event.happened() {
            core::task::ready!(this.closed.poll(cx, || event.happened().then_some(())));
        }
        this.drained.poll(cx, || chan.is_drained().then_some(()))
    }
}

impl<T> fmt::Debug for Drained<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drained").finish_non_exhaustive()
    }
}
