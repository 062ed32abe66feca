//! Sends and receives that give up at a deadline.
//!
//! [`SendUntil`] and [`RecvUntil`] pair a [`Send`] or [`Recv`] future with
//! any other future that stands for the deadline. The operation is polled
//! first and the deadline second, so an operation that can finish right
//! away finishes even when the deadline has already passed. When the
//! deadline wins, the inner future is dropped, which is how every future of
//! the crate is cancelled: it leaves its waiter queue and passes on a wake
//! it received and did not use. The send's message is taken back first and
//! returned in the error; a receive takes a message only in the poll that
//! returns it, so none is lost.
//!
//! The blocking variants drive the same futures with a deadline that reads
//! the clock, on a thread that parks at most until that instant.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::future::FusedFuture;
use pin_project_lite::pin_project;

use crate::error::{RecvTimeoutError, SendError, SendTimeoutError};
use crate::futures::{Recv, Send};
use crate::{Receiver, Sender};

pin_project! {
    /// The future of [`Sender::send_until`]: resolves to `Ok(())` once the
    /// message is in the channel, to
    /// [`SendTimeoutError::Timeout(message)`](SendTimeoutError::Timeout) if
    /// the deadline future completes first, or to
    /// [`SendTimeoutError::Closed(message)`](SendTimeoutError::Closed) if
    /// the channel closes first.
    ///
    /// Dropping it before it completes drops the message unsent, as
    /// dropping a [`Send`] does.
    ///
    /// # Panics
    ///
    /// Polling it again after it returned `Ready` panics.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chan_async::{SendTimeoutError, SendUntil};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, _rx) = chan_async::channel(1);
    /// tx.send(1).await.unwrap();
    /// let deadline = tokio::time::sleep(Duration::from_millis(5));
    /// let send: SendUntil<'_, i32, _> = tx.send_until(2, deadline);
    /// assert_eq!(send.await, Err(SendTimeoutError::Timeout(2)));
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct SendUntil<'a, T, D> {
        // `None` once it returned `Ready`.
        send: Option<Send<'a, T>>,
        #[pin]
        deadline: D,
    }
}

impl<T, D: Future> Future for SendUntil<'_, T, D> {
    type Output = Result<(), SendTimeoutError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let send = this
            .send
            .as_mut()
            .expect("`SendUntil` polled after it completed");
        if let Poll::Ready(sent) = Pin::new(send).poll(cx) {
            *this.send = None;
            return Poll::Ready(sent.map_err(|SendError(value)| SendTimeoutError::Closed(value)));
        }
        if this.deadline.poll(cx).is_pending() {
            return Poll::Pending;
        }
        match this.send.take().and_then(Send::cancel) {
            Some(value) => Poll::Ready(Err(SendTimeoutError::Timeout(value))),
            // On a rendezvous channel a receive took the value from the
            // waiting send after its poll: it was sent.
            None => Poll::Ready(Ok(())),
        }
    }
}

/// Terminated once it has returned `Ready` (it must not be polled again).
///
/// ```
/// use futures_core::future::FusedFuture;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, _rx) = chan_async::channel(1);
/// let mut send = tx.send_until(1, std::future::pending::<()>());
/// assert!(!send.is_terminated());
/// (&mut send).await.unwrap();
/// assert!(send.is_terminated());
/// # });
/// ```
impl<T, D: Future> FusedFuture for SendUntil<'_, T, D> {
    fn is_terminated(&self) -> bool {
        self.send.is_none()
    }
}

impl<T, D> fmt::Debug for SendUntil<'_, T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendUntil")
            .field("done", &self.send.is_none())
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// The future of [`Receiver::recv_until`]: resolves to the next
    /// message, to [`RecvTimeoutError::Timeout`] if the deadline future
    /// completes first, or to [`RecvTimeoutError::Closed`] once the channel
    /// is closed and drained.
    ///
    /// No message is lost when the deadline wins, nor when the future is
    /// dropped: a message leaves the channel only in the poll that returns
    /// it, and a wake this receive did not use passes to the next waiting
    /// receiver.
    ///
    /// # Panics
    ///
    /// Polling it again after it returned `Ready` panics.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chan_async::{RecvTimeoutError, RecvUntil};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel::<u8>(1);
    /// let deadline = tokio::time::sleep(Duration::from_millis(5));
    /// let recv: RecvUntil<'_, u8, _> = rx.recv_until(deadline);
    /// assert_eq!(recv.await, Err(RecvTimeoutError::Timeout));
    /// # drop(tx);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct RecvUntil<'a, T, D> {
        // `None` once it returned `Ready`.
        recv: Option<Recv<'a, T>>,
        #[pin]
        deadline: D,
    }
}

impl<T, D: Future> Future for RecvUntil<'_, T, D> {
    type Output = Result<T, RecvTimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let recv = this
            .recv
            .as_mut()
            .expect("`RecvUntil` polled after it completed");
        if let Poll::Ready(message) = Pin::new(recv).poll(cx) {
            *this.recv = None;
            return Poll::Ready(message.ok_or(RecvTimeoutError::Closed));
        }
        if this.deadline.poll(cx).is_pending() {
            return Poll::Pending;
        }
        // Dropping the receive cancels it: its entry leaves the queue, and
        // a wake it was given for a message goes to the next receiver.
        *this.recv = None;
        Poll::Ready(Err(RecvTimeoutError::Timeout))
    }
}

/// Terminated once it has returned `Ready` (it must not be polled again).
///
/// ```
/// use futures_core::future::FusedFuture;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel::<u8>(1);
/// let mut recv = rx.recv_until(std::future::ready(()));
/// assert!(!recv.is_terminated());
/// assert!((&mut recv).await.unwrap_err().is_timeout());
/// assert!(recv.is_terminated());
/// # drop(tx);
/// # });
/// ```
impl<T, D: Future> FusedFuture for RecvUntil<'_, T, D> {
    fn is_terminated(&self) -> bool {
        self.recv.is_none()
    }
}

impl<T, D> fmt::Debug for RecvUntil<'_, T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvUntil")
            .field("done", &self.recv.is_none())
            .finish_non_exhaustive()
    }
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for a free slot until the `deadline` future
    /// completes.
    ///
    /// Any future is a deadline: a timer such as `tokio::time::sleep`, a
    /// shutdown signal, another channel's [`closed()`](Sender::closed).
    /// Its output is ignored. The send is tried before the deadline is
    /// looked at, so a send that can complete at once does, even if the
    /// deadline has already passed.
    ///
    /// Resolves to [`SendTimeoutError::Timeout`] with the message when the
    /// deadline wins, to [`SendTimeoutError::Closed`] with the message if
    /// the channel is closed or closes while waiting. A timed-out send
    /// leaves the queue of waiting senders, and the slot it may have been
    /// woken for goes to the next one.
    ///
    /// ```
    /// use std::time::Duration;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// tx.send("first").await.unwrap();
    ///
    /// // Full: the deadline wins and the message comes back.
    /// let deadline = tokio::time::sleep(Duration::from_millis(5));
    /// let err = tx.send_until("second", deadline).await.unwrap_err();
    /// assert!(err.is_timeout());
    ///
    /// // Room again: the send completes even with a deadline already past.
    /// assert_eq!(rx.recv().await, Some("first"));
    /// tx.send_until(err.into_inner(), std::future::ready(())).await.unwrap();
    /// assert_eq!(rx.recv().await, Some("second"));
    /// # });
    /// ```
    pub fn send_until<D: Future>(&self, value: T, deadline: D) -> SendUntil<'_, T, D> {
        SendUntil {
            send: Some(self.send(value)),
            deadline,
        }
    }
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting while the channel is empty until
    /// the `deadline` future completes.
    ///
    /// Any future is a deadline (a timer, a shutdown signal, ...); its
    /// output is ignored. The receive is tried before the deadline is
    /// looked at, so a buffered message is returned even if the deadline
    /// has already passed.
    ///
    /// Resolves to [`RecvTimeoutError::Timeout`] when the deadline wins and
    /// to [`RecvTimeoutError::Closed`] once the channel is closed and
    /// drained. Cancel-safe: a timeout, or dropping the future, never loses
    /// a message.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chan_async::RecvTimeoutError;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// let deadline = tokio::time::sleep(Duration::from_millis(5));
    /// assert_eq!(rx.recv_until(deadline).await, Err(RecvTimeoutError::Timeout));
    ///
    /// tx.send(7).await.unwrap();
    /// // A message that is there is received, whatever the deadline.
    /// assert_eq!(rx.recv_until(std::future::ready(())).await, Ok(7));
    /// drop(tx);
    /// let deadline = std::future::pending::<()>();
    /// assert_eq!(rx.recv_until(deadline).await, Err(RecvTimeoutError::Closed));
    /// # });
    /// ```
    pub fn recv_until<D: Future>(&self, deadline: D) -> RecvUntil<'_, T, D> {
        RecvUntil {
            recv: Some(self.recv()),
            deadline,
        }
    }
}

#[cfg(feature = "std")]
mod timeouts {
    use std::time::{Duration, Instant};

    use crate::blocking::{self, check_may_block, Limit};
    use crate::error::{RecvTimeoutError, SendTimeoutError};
    use crate::{Receiver, Sender};

    impl<T> Sender<T> {
        /// Sends `value`, blocking the thread while the channel is full, for
        /// at most `timeout`.
        ///
        /// The deadline is `timeout` from now (from the moment the call
        /// finds the channel full: a send that need not wait does not read
        /// the clock, which costs about as much as the send); see
        /// [`send_deadline`](Sender::send_deadline). A `timeout` too long
        /// for the clock to represent, such as [`Duration::MAX`], means no
        /// deadline.
        ///
        /// # Errors
        ///
        /// [`SendTimeoutError::Timeout`] with the message once the timeout
        /// has elapsed, [`SendTimeoutError::Closed`] with the message if the
        /// channel is closed or closes while waiting.
        ///
        /// # Deadlocks and panics
        ///
        /// As [`send_blocking`](Sender::send_blocking): do not call it from
        /// async code; use [`send_until`](Sender::send_until) with a timer
        /// there. With the `tokio` feature, debug builds panic when it is
        /// called from a task on a tokio runtime.
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        ///
        /// let (tx, rx) = chan_async::channel(1);
        /// tx.send_timeout(1, Duration::from_millis(10)).unwrap();
        ///
        /// let start = Instant::now();
        /// let err = tx.send_timeout(2, Duration::from_millis(10)).unwrap_err();
        /// assert!(err.is_timeout());
        /// assert!(start.elapsed() >= Duration::from_millis(10)); // never early
        ///
        /// assert_eq!(rx.recv_blocking(), Some(1));
        /// tx.send_timeout(err.into_inner(), Duration::MAX).unwrap(); // no deadline
        /// assert_eq!(rx.recv_blocking(), Some(2));
        /// ```
        pub fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
            check_may_block("send_timeout", "send_until(value, timer).await");
            blocking::send(self, value, Limit::For(timeout))
        }

        /// Sends `value`, blocking the thread while the channel is full,
        /// until `deadline` at the latest.
        ///
        /// The thread waits in the same queue as async senders. The send is
        /// tried once more when the deadline is reached, and `Timeout` is
        /// returned only once the clock has reached `deadline`, never
        /// before; it may come later, by the operating system's sleep
        /// granularity. A timed-out send leaves nothing behind in the queue.
        ///
        /// # Errors
        ///
        /// [`SendTimeoutError::Timeout`] with the message once the deadline
        /// has passed, [`SendTimeoutError::Closed`] with the message if the
        /// channel is closed or closes while waiting.
        ///
        /// # Deadlocks and panics
        ///
        /// As [`send_blocking`](Sender::send_blocking): do not call it from
        /// async code; use [`send_until`](Sender::send_until) with a timer
        /// there. With the `tokio` feature, debug builds panic when it is
        /// called from a task on a tokio runtime.
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        ///
        /// let (tx, rx) = chan_async::channel(1);
        /// let consumer = std::thread::spawn(move || {
        ///     std::thread::sleep(Duration::from_millis(5));
        ///     rx.iter().collect::<Vec<_>>()
        /// });
        /// let deadline = Instant::now() + Duration::from_secs(10);
        /// for i in 0..3 {
        ///     tx.send_deadline(i, deadline).expect("the consumer keeps up");
        /// }
        /// drop(tx);
        /// assert_eq!(consumer.join().unwrap(), [0, 1, 2]);
        /// ```
        pub fn send_deadline(
            &self,
            value: T,
            deadline: Instant,
        ) -> Result<(), SendTimeoutError<T>> {
            check_may_block("send_deadline", "send_until(value, timer).await");
            blocking::send(self, value, Limit::At(deadline))
        }
    }

    impl<T> Receiver<T> {
        /// Receives the next message, blocking the thread while the channel
        /// is empty, for at most `timeout`.
        ///
        /// The deadline is `timeout` from now (from the moment the call
        /// finds the channel empty: a receive that need not wait does not
        /// read the clock); see
        /// [`recv_deadline`](Receiver::recv_deadline). A `timeout` too long
        /// for the clock to represent, such as [`Duration::MAX`], means no
        /// deadline.
        ///
        /// # Errors
        ///
        /// [`RecvTimeoutError::Timeout`] once the timeout has elapsed with
        /// the channel still empty, [`RecvTimeoutError::Closed`] once the
        /// channel is closed and drained.
        ///
        /// # Deadlocks and panics
        ///
        /// As [`recv_blocking`](Receiver::recv_blocking): do not call it
        /// from async code; use [`recv_until`](Receiver::recv_until) with a
        /// timer there. With the `tokio` feature, debug builds panic when it
        /// is called from a task on a tokio runtime.
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        /// use chan_async::RecvTimeoutError;
        ///
        /// let (tx, rx) = chan_async::channel(1);
        /// let start = Instant::now();
        /// assert_eq!(rx.recv_timeout(Duration::from_millis(10)), Err(RecvTimeoutError::Timeout));
        /// assert!(start.elapsed() >= Duration::from_millis(10)); // never early
        ///
        /// std::thread::spawn(move || tx.send_blocking("late").unwrap());
        /// assert_eq!(rx.recv_timeout(Duration::MAX), Ok("late")); // no deadline
        /// assert_eq!(rx.recv_timeout(Duration::MAX), Err(RecvTimeoutError::Closed));
        /// ```
        pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
            check_may_block("recv_timeout", "recv_until(timer).await");
            blocking::recv(self, Limit::For(timeout))
        }

        /// Receives the next message, blocking the thread while the channel
        /// is empty, until `deadline` at the latest.
        ///
        /// The thread waits in the same queue as async receivers. The
        /// receive is tried once more when the deadline is reached, and
        /// `Timeout` is returned only once the clock has reached `deadline`,
        /// never before; it may come later, by the operating system's sleep
        /// granularity. A timed-out receive leaves nothing behind in the
        /// queue and loses no message: a wake it was given passes to the
        /// next waiting receiver.
        ///
        /// # Errors
        ///
        /// [`RecvTimeoutError::Timeout`] once the deadline has passed with
        /// the channel still empty, [`RecvTimeoutError::Closed`] once the
        /// channel is closed and drained.
        ///
        /// # Deadlocks and panics
        ///
        /// As [`recv_blocking`](Receiver::recv_blocking): do not call it
        /// from async code; use [`recv_until`](Receiver::recv_until) with a
        /// timer there. With the `tokio` feature, debug builds panic when it
        /// is called from a task on a tokio runtime.
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        ///
        /// let (tx, rx) = chan_async::channel(4);
        /// tx.try_send(1).unwrap();
        /// let past = Instant::now();
        /// // A buffered message is received even with a deadline already past.
        /// assert_eq!(rx.recv_deadline(past), Ok(1));
        /// assert!(rx.recv_deadline(past).unwrap_err().is_timeout());
        /// ```
        pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
            check_may_block("recv_deadline", "recv_until(timer).await");
            blocking::recv(self, Limit::At(deadline))
        }
    }
}
