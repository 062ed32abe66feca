//! The operations with a deadline, and the receivers' iterators, on the
//! typed handles: sends on an [`Open`] sender, receives on an [`Open`] or
//! [`Closing`] receiver. Each forwards to the chan-async method of the same
//! name; see there for the exact rules.

use core::future::Future;
use std::time::{Duration, Instant};

use chan_async::{Iter, RecvTimeoutError, RecvUntil, SendTimeoutError, SendUntil, TryIter};

use crate::state::{Closing, Open};
use crate::{Receiver, Sender};

impl<T> Sender<T, Open> {
    /// Sends `value`, waiting for a free slot until the `deadline` future
    /// completes; on a timeout the message comes back in
    /// [`SendTimeoutError::Timeout`]. Any future is a deadline; the send is
    /// tried before the deadline is looked at. See
    /// [`chan_async::Sender::send_until`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use chan_typestate::SendTimeoutError;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(1);
    /// tx.send(1).await.unwrap();
    /// let timer = tokio::time::sleep(Duration::from_millis(5));
    /// assert_eq!(tx.send_until(2, timer).await, Err(SendTimeoutError::Timeout(2)));
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub fn send_until<D: Future>(&self, value: T, deadline: D) -> SendUntil<'_, T, D> {
        self.inner.send_until(value, deadline)
    }

    /// Sends `value`, blocking the thread while the channel is full, for at
    /// most `timeout` ([`Duration::MAX`] waits without a limit). Never
    /// times out early. See [`chan_async::Sender::send_timeout`], also for
    /// why not to call it from async code.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with
    /// the message.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = chan_typestate::channel(1);
    /// tx.send_timeout(1, Duration::from_millis(5)).unwrap();
    /// let err = tx.send_timeout(2, Duration::from_millis(5)).unwrap_err();
    /// assert!(err.is_timeout());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.inner.send_timeout(value, timeout)
    }

    /// Sends `value`, blocking the thread while the channel is full, until
    /// `deadline` at the latest. Never times out early. See
    /// [`chan_async::Sender::send_deadline`].
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with
    /// the message.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = chan_typestate::channel(1);
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// tx.send_deadline(1, deadline).unwrap();
    /// assert!(tx.send_deadline(2, deadline).unwrap_err().is_timeout());
    /// let _rx = rx.close();
    /// assert!(tx.send_deadline(3, deadline).unwrap_err().is_closed());
    /// ```
    pub fn send_deadline(&self, value: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.inner.send_deadline(value, deadline)
    }
}

impl<T> Receiver<T, Open> {
    /// Receives the next message, waiting while the channel is empty until
    /// the `deadline` future completes. Cancel-safe: a timeout loses no
    /// message. See [`chan_async::Receiver::recv_until`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use chan_typestate::RecvTimeoutError;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(1);
    /// let timer = tokio::time::sleep(Duration::from_millis(5));
    /// assert_eq!(rx.recv_until(timer).await, Err(RecvTimeoutError::Timeout));
    /// tx.send(1).await.unwrap();
    /// assert_eq!(rx.recv_until(std::future::pending::<()>()).await, Ok(1));
    /// # });
    /// ```
    pub fn recv_until<D: Future>(&self, deadline: D) -> RecvUntil<'_, T, D> {
        self.inner.recv_until(deadline)
    }

    /// Receives the next message, blocking the thread while the channel is
    /// empty, for at most `timeout` ([`Duration::MAX`] waits without a
    /// limit). Never times out early. See
    /// [`chan_async::Receiver::recv_timeout`], also for why not to call it
    /// from async code.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] when the time is up,
    /// [`RecvTimeoutError::Closed`] once the channel is closed and drained.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chan_typestate::RecvTimeoutError;
    ///
    /// let (tx, rx) = chan_typestate::channel(1);
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.recv_timeout(Duration::MAX), Ok(1));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.inner.recv_timeout(timeout)
    }

    /// Receives the next message, blocking the thread while the channel is
    /// empty, until `deadline` at the latest. Never times out early. See
    /// [`chan_async::Receiver::recv_deadline`].
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] when the deadline has passed,
    /// [`RecvTimeoutError::Closed`] once the channel is closed and drained.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = chan_typestate::channel(1);
    /// tx.try_send(1).unwrap();
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// assert_eq!(rx.recv_deadline(deadline), Ok(1));
    /// assert!(rx.recv_deadline(deadline).unwrap_err().is_timeout());
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.inner.recv_deadline(deadline)
    }

    /// A blocking iterator over the messages, ending once the channel is
    /// closed and drained. See [`chan_async::Receiver::iter`].
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(2);
    /// std::thread::spawn(move || {
    ///     for i in 0..4 {
    ///         tx.send_timeout(i, std::time::Duration::MAX).unwrap();
    ///     }
    /// });
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2, 3]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        self.inner.iter()
    }

    /// An iterator over the messages buffered right now; it never waits.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// assert_eq!(rx.try_iter().next(), None); // and the channel is still open
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        self.inner.try_iter()
    }
}

impl<T> Receiver<T, Closing> {
    /// Receives the next of the messages accepted before the close, or
    /// [`RecvTimeoutError::Closed`] once they are all taken; gives up with
    /// [`RecvTimeoutError::Timeout`] if the `deadline` future completes
    /// while one is still on its way in. See
    /// [`chan_async::Receiver::recv_until`].
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use chan_typestate::RecvTimeoutError;
    ///
    /// let (tx, rx) = chan_typestate::channel(2);
    /// tx.send(1).await.unwrap();
    /// let rx = rx.close();
    /// let never = || std::future::pending::<()>();
    /// assert_eq!(rx.recv_until(never()).await, Ok(1));
    /// assert_eq!(rx.recv_until(never()).await, Err(RecvTimeoutError::Closed));
    /// # });
    /// ```
    pub fn recv_until<D: Future>(&self, deadline: D) -> RecvUntil<'_, T, D> {
        self.inner.recv_until(deadline)
    }

    /// Receives the next of the messages accepted before the close,
    /// blocking for at most `timeout`. See
    /// [`chan_async::Receiver::recv_timeout`].
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Closed`] once every message is taken;
    /// [`RecvTimeoutError::Timeout`] only if the time is up while a message
    /// accepted before the close is still on its way in.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chan_typestate::RecvTimeoutError;
    ///
    /// let (tx, rx) = chan_typestate::channel(2);
    /// tx.try_send(1).unwrap();
    /// let rx = rx.close();
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Ok(1));
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Closed));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.inner.recv_timeout(timeout)
    }

    /// Receives the next of the messages accepted before the close,
    /// blocking until `deadline` at the latest. See
    /// [`chan_async::Receiver::recv_deadline`].
    ///
    /// # Errors
    ///
    /// As [`recv_timeout`](Receiver::recv_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    /// use chan_typestate::RecvTimeoutError;
    ///
    /// let (tx, rx) = chan_typestate::channel(2);
    /// tx.try_send(1).unwrap();
    /// let rx = rx.close();
    /// let past = Instant::now();
    /// assert_eq!(rx.recv_deadline(past), Ok(1)); // there: received whatever the deadline
    /// assert_eq!(rx.recv_deadline(past), Err(RecvTimeoutError::Closed));
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.inner.recv_deadline(deadline)
    }

    /// A blocking iterator over the messages accepted before the close; it
    /// ends once they are all taken. See [`chan_async::Receiver::iter`].
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// let rx = rx.close();
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2]);
    /// assert!(rx.finish().is_ok());
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        self.inner.iter()
    }

    /// An iterator over the messages buffered right now; it never waits.
    /// Like [`drain`](Receiver::drain), with a named type.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.try_send(1).unwrap();
    /// let rx = rx.close();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        self.inner.try_iter()
    }
}
