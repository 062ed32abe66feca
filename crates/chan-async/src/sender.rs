//! The sending handle.

use crate::chan::{Chan, OnDrop};
#[cfg(feature = "std")]
use crate::error::SendError;
use crate::error::TrySendError;
use core::task::{Context, Poll};

use crate::futures::{Closed, Drained, Send};
use crate::queries::impl_queries;
use crate::sync::Arc;
use crate::waiters::{Kind, NoFlag, WaitKey};

/// The sending half of a channel. Clone it to send from several tasks or
/// threads; the channel closes when the last `Sender` is dropped (receivers
/// then drain what is buffered and see the end).
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel(8);
/// let tx2 = tx.clone();
/// tokio::spawn(async move { tx2.send("from a task").await.unwrap() });
/// tx.send("from here").await.unwrap();
/// drop(tx);
/// let mut got = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
/// got.sort();
/// assert_eq!(got, ["from a task", "from here"]);
/// assert_eq!(rx.recv().await, None); // every sender gone, buffer drained
/// # });
/// ```
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
    /// The waiter entries used by [`Sender::poll_drained`]: on the close
    /// event's queue while the channel is open, then on the send queue.
    close_key: WaitKey,
    drain_key: WaitKey,
}

impl<T> Sender<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Self {
        Self {
            chan,
            close_key: WaitKey::default(),
            drain_key: WaitKey::default(),
        }
    }

    /// Sends `value`, waiting for a free slot if the channel is full.
    ///
    /// Resolves to `Err(SendError(value))` if the channel is closed, or
    /// closes while waiting. Waiting senders are served in FIFO order.
    /// Dropping the future drops the message unsent.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// tx.send(1).await.unwrap();
    /// let waiting = tokio::spawn(async move { tx.send(2).await }); // full: waits
    /// assert_eq!(rx.recv().await, Some(1));
    /// waiting.await.unwrap().unwrap();
    /// assert_eq!(rx.recv().await, Some(2));
    /// # });
    /// ```
    pub fn send(&self, value: T) -> Send<'_, T> {
        Send::new(&self.chan, value)
    }

    /// Sends `value` if a slot is free right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if every slot is taken,
    /// [`TrySendError::Closed`] if the channel is closed (even if also full);
    /// both give the value back.
    ///
    /// ```
    /// use chan_async::TrySendError;
    ///
    /// let (tx, _rx) = chan_async::channel(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// Sends `value`, blocking the thread while the channel is full.
    ///
    /// For synchronous code; it waits in the same queue as async senders.
    ///
    /// # Errors
    ///
    /// `SendError(value)` if the channel is closed or closes while waiting.
    ///
    /// # Deadlocks and panics
    ///
    /// Do not call it from async code: it parks the executor's thread, and
    /// if the receive that would make room must run on that thread, it
    /// never returns. Use [`send`](Sender::send)`(value).await` there. With
    /// the `tokio` feature, debug builds panic instead when it is called
    /// from a task (or a `block_on`) on a tokio runtime; inside
    /// `spawn_blocking` it is fine.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(1);
    /// let producer = std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.send_blocking(i).unwrap();
    ///     }
    /// });
    /// let got: Vec<i32> = std::iter::from_fn(|| rx.recv_blocking()).collect();
    /// producer.join().unwrap();
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    #[cfg(feature = "std")]
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        crate::blocking::check_may_block("send_blocking", "send(value).await");
        crate::blocking::send(self, value, crate::blocking::Limit::Never)
            .map_err(|error| SendError(error.into_inner()))
    }

    /// Closes the channel for every handle: sends fail from now on, waiting
    /// senders get their message back, receivers drain what is buffered and
    /// then see the end. Returns `true` if this call closed the channel,
    /// `false` if it was already closed.
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(!tx.close());
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.recv_blocking(), Some(1));
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Polls for the condition [`drained`](Self::drained) waits for, keeping
    /// the waiter entry inside this handle, for futures that own the sender
    /// and cannot hold a borrowing [`Drained`].
    ///
    /// Only the task that polled it last is woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::time::Duration;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (mut tx, rx) = chan_async::channel::<u8>(1);
    /// tx.try_send(7).unwrap();
    /// tx.close();
    /// let consumer = tokio::spawn(async move {
    ///     tokio::time::sleep(Duration::from_millis(5)).await;
    ///     rx.recv().await
    /// });
    /// let drained = poll_fn(|cx| tx.poll_drained(cx));
    /// tokio::time::timeout(Duration::from_secs(10), drained).await.expect("woken");
    /// assert_eq!(consumer.await.unwrap(), Some(7));
    /// assert_eq!(tx.state(), chan_async::ChannelState::Closed);
    /// # });
    /// ```
    pub fn poll_drained(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let chan = &*self.chan;
        let event = &chan.close_event;
        if !event.happened() {
            // Wait for the close first: on the send queue, every receive
            // would wake this task while the channel is open.
            core::task::ready!(event.waiters.poll(
                &mut self.close_key,
                cx,
                Kind::All,
                &NoFlag,
                || event.happened().then_some(()),
            ));
        }
        chan.send_waiters.poll(
            &mut self.drain_key,
            cx,
            Kind::All,
            &chan.send_flag(),
            || chan.is_drained().then_some(()),
        )
    }

    /// Waits until the channel is closed, by any handle, or because every
    /// receiver is gone. Useful to stop producing when nobody listens.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel::<u8>(1);
    /// tokio::spawn(async move { drop(rx) });
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub fn closed(&self) -> Closed<'_> {
        Closed::new(&self.chan.close_event)
    }
}

impl<T> Sender<T> {
    /// Waits until the channel is closed and empty: every message accepted
    /// before the close has been received, or dropped because the last
    /// receiver went away. Resolves at once if that is already so; while
    /// the channel is open it waits for someone to close it.
    ///
    /// The graceful-shutdown primitive: close, then wait for the consumers
    /// to finish what was accepted.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(4);
    /// tx.send(1).await.unwrap();
    /// tx.close();
    /// let consumer = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    /// tx.drained().await;
    /// assert_eq!(tx.state(), chan_async::ChannelState::Closed);
    /// consumer.await.unwrap();
    /// # });
    /// ```
    pub fn drained(&self) -> Drained<'_, T> {
        Drained::new(&self.chan)
    }
}

impl_queries!(Sender);

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Self::new(Arc::clone(&self.chan))
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let chan = &*self.chan;
        // Counted out even if the wake that `cancel` passes on panics: a
        // sender that stayed counted would keep the channel open forever.
        let _remove = OnDrop(chan, Chan::remove_sender);
        chan.close_event
            .waiters
            .cancel(&mut self.close_key, &NoFlag);
        chan.send_waiters
            .cancel(&mut self.drain_key, &chan.send_flag());
    }
}
