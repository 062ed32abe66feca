//! Permits: a slot of capacity reserved before the message exists.
//!
//! [`Sender::reserve`] waits, like [`Sender::send`] and in the same FIFO
//! queue, until it can hold a slot, and returns a [`Permit`]; the permit's
//! [`send`](Permit::send) then never waits and never fails. So a message is
//! only built once it is sure to go in, and a wait that is cancelled (a
//! timeout, a `select!`) loses nothing: it had no message yet.
//! [`Sender::reserve_owned`] does the same holding the sender by value, for
//! a permit that must outlive a borrow (a `Sink`, a spawned task).
//!
//! A held slot counts against the capacity: `len()` plus the permits
//! outstanding never exceeds `capacity()`, and `is_full`, `try_send` and
//! `try_reserve` see it. It takes no place in the buffer, so messages sent
//! before and after it are received while it is held. A permit granted
//! before a close can still send after it, and receivers see the end of the
//! channel only once every permit is used or dropped. Dropping a permit
//! unused gives the slot back and wakes one waiting sender.
//!
//! Unlike tokio's permits, these work with any number of receivers.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::future::FusedFuture;

use crate::chan::{Chan, SendFlag};
use crate::error::{SendError, TrySendError};
use crate::rendezvous::{Key, Line};
use crate::waiters::{Kind, Waiter};
use crate::Sender;

impl<T> Sender<T> {
    /// Waits for a free slot and holds it: the returned [`Permit`] sends one
    /// message without waiting. Waits in line with [`send`](Self::send)
    /// futures, first come, first served.
    ///
    /// Resolves to `Err(SendError(()))` if the channel is closed, or closes
    /// while waiting. Cancel-safe: dropping the future before it resolves
    /// gives up its place (passing on a wake it did not use) and holds
    /// nothing.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// assert!(tx.is_full()); // the slot is held...
    /// assert_eq!(tx.len(), 0); // ...but holds no message yet
    /// permit.send("built once there was room");
    /// assert_eq!(rx.recv().await, Some("built once there was room"));
    /// # });
    /// ```
    pub fn reserve(&self) -> Reserve<'_, T> {
        let chan = &*self.chan;
        Reserve {
            line: Line::Queue(Waiter::new(&chan.send_waiters, Kind::One, chan.send_flag())),
            chan,
            done: false,
        }
    }

    /// Holds a free slot if there is one right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full(())`](TrySendError::Full) if every slot holds a
    /// message or a permit, [`TrySendError::Closed(())`](TrySendError::Closed)
    /// if the channel is closed.
    ///
    /// ```
    /// use chan_async::TrySendError;
    ///
    /// let (tx, rx) = chan_async::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    /// assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    /// drop(permit); // gives the slot back
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// # drop(rx);
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.chan.try_reserve()?;
        Ok(Permit { chan: &self.chan })
    }

    /// [`reserve`](Self::reserve) holding the sender by value: the
    /// [`OwnedPermit`] keeps it, and gives it back when used or released.
    /// On error the sender is dropped.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// let permit = tx.reserve_owned().await.unwrap();
    /// let job = tokio::spawn(async move {
    ///     let tx = permit.send(7); // the sender comes back
    ///     tx.len()
    /// });
    /// assert_eq!(job.await.unwrap(), 1);
    /// assert_eq!(rx.recv().await, Some(7));
    /// # });
    /// ```
    pub fn reserve_owned(self) -> ReserveOwned<T> {
        ReserveOwned {
            key: Key::new(&self.chan),
            sender: Some(self),
        }
    }

    /// [`try_reserve`](Self::try_reserve) holding the sender by value.
    ///
    /// # Errors
    ///
    /// As `try_reserve`, with the sender handed back inside the error.
    ///
    /// ```
    /// use chan_async::TrySendError;
    ///
    /// let (tx, _rx) = chan_async::channel::<u8>(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// let Err(TrySendError::Full(tx)) = tx.try_reserve_owned() else {
    ///     panic!("the only slot is held");
    /// };
    /// let tx2 = permit.release(); // slot back, sender back
    /// assert!(tx.same_channel(&tx2));
    /// assert!(tx.try_reserve_owned().is_ok());
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match self.chan.try_reserve() {
            Ok(()) => Ok(OwnedPermit { sender: Some(self) }),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }
}

/// A slot held for one message, from [`Sender::reserve`] or
/// [`Sender::try_reserve`]. [`send`](Self::send) uses it; dropping it gives
/// the slot back and wakes one waiting sender.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel(2);
/// let permit = tx.reserve().await.unwrap();
/// tx.send(1).await.unwrap(); // others send past a held permit
/// assert_eq!(rx.recv().await, Some(1)); // and receivers are not held up
/// tx.close();
/// permit.send(2); // granted before the close: still goes in
/// assert_eq!(rx.recv().await, Some(2));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
#[must_use = "a permit holds a slot until it is used or dropped"]
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the held slot. Never waits and never fails, also
    /// after the channel closed. If no receiver is left, the value is
    /// dropped (nobody can receive it).
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(1);
    /// tx.try_reserve().unwrap().send('x');
    /// assert_eq!(rx.try_recv(), Ok('x'));
    /// ```
    pub fn send(self, value: T) {
        let chan = self.chan;
        core::mem::forget(self); // the slot is used, not given back
        chan.send_reserved(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release_reserved();
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// A slot held for one message that owns its [`Sender`], from
/// [`Sender::reserve_owned`] or [`Sender::try_reserve_owned`]. Using it
/// ([`send`](Self::send)) or giving it back ([`release`](Self::release))
/// returns the sender; dropping it gives the slot back and drops the
/// sender.
///
/// ```
/// let (tx, rx) = chan_async::channel::<u8>(1);
/// let permit = tx.try_reserve_owned().unwrap();
/// assert_eq!(rx.sender_count(), 1); // the permit holds the sender
/// drop(permit);
/// assert!(rx.is_closed()); // that was the last sender
/// ```
#[must_use = "a permit holds a slot until it is used or dropped"]
pub struct OwnedPermit<T> {
    // `None` only while `send` or `release` take it out.
    sender: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the held slot and returns the sender. Never waits
    /// and never fails, as [`Permit::send`].
    ///
    /// ```
    /// let (tx, rx) = chan_async::channel(1);
    /// let tx = tx.try_reserve_owned().unwrap().send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.try_send(2).is_ok());
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.take_sender();
        sender.chan.send_reserved(value);
        sender
    }

    /// Gives the slot back unused (waking one waiting sender) and returns
    /// the sender.
    ///
    /// ```
    /// let (tx, _rx) = chan_async::channel::<u8>(1);
    /// let tx = tx.try_reserve_owned().unwrap().release();
    /// assert!(!tx.is_full());
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let sender = self.take_sender();
        sender.chan.release_reserved();
        sender
    }

    fn take_sender(&mut self) -> Sender<T> {
        self.sender
            .take()
            .expect("an OwnedPermit holds its sender until used")
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            sender.chan.release_reserved();
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

/// The future of [`Sender::reserve`]: resolves to a [`Permit`] once a slot
/// is held, or to `Err(SendError(()))` if the channel closes first.
///
/// Cancel-safe: dropped before it resolves, it holds nothing and passes on
/// a wake it did not use.
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics.
///
/// ```
/// use std::time::Duration;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel(1);
/// tx.send(1).await.unwrap();
/// // A timeout around `reserve` loses no message: none was built yet.
/// let waited = tokio::time::timeout(Duration::from_millis(1), tx.reserve()).await;
/// assert!(waited.is_err());
/// assert_eq!(rx.recv().await, Some(1));
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Reserve<'a, T> {
    /// On a rendezvous channel, dropped after the grant and before it
    /// returned, its place gives the permit back.
    line: Line<'a, T, SendFlag<'a, T>>,
    chan: &'a Chan<T>,
    done: bool,
}

impl<'a, T> Future for Reserve<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.done, "`Reserve` polled after it completed");
        let chan = this.chan;
        let reserved = match &mut this.line {
            Line::Queue(waiter) => match waiter.poll(cx, || reserve_attempt(chan)) {
                // Closed, or a rendezvous channel, whose ring is closed.
                Poll::Ready(Err(SendError(()))) => this.line.poll_reserve(chan, cx),
                reserved => reserved,
            },
            Line::Exchange(_) => this.line.poll_reserve(chan, cx),
        };
        this.done = reserved.is_ready();
        reserved.map(|reserved| reserved.map(|()| Permit { chan }))
    }
}

impl<T> FusedFuture for Reserve<'_, T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> fmt::Debug for Reserve<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reserve")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The future of [`Sender::reserve_owned`]: resolves to an
/// [`OwnedPermit`] once a slot is held, or to `Err(SendError(()))` (dropping
/// the sender) if the channel closes first. Cancel-safe like [`Reserve`];
/// dropping it drops the sender.
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel::<u8>(1);
/// rx.close();
/// assert!(tx.reserve_owned().await.is_err());
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReserveOwned<T> {
    // `None` once it returned `Ready`.
    sender: Option<Sender<T>>,
    key: Key,
}

impl<T> Future for ReserveOwned<T> {
    type Output = Result<OwnedPermit<T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let chan = &*this
            .sender
            .as_ref()
            .expect("`ReserveOwned` polled after it completed")
            .chan;
        let reserved = match &mut this.key {
            Key::Queue(key) => {
                chan.send_waiters
                    .poll(key, cx, Kind::One, &chan.send_flag(), || {
                        reserve_attempt(chan)
                    })
            }
            Key::Exchange(key) => chan.exchange().poll_reserve(key, cx),
        };
        reserved.map(|reserved| {
            let sender = this.sender.take();
            reserved.map(|()| OwnedPermit { sender })
        })
    }
}

impl<T> Drop for ReserveOwned<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            let chan = &*sender.chan;
            match &mut self.key {
                Key::Queue(key) => chan.send_waiters.cancel(key, &chan.send_flag()),
                // A permit granted and not returned is given back.
                Key::Exchange(key) => drop(chan.exchange().withdraw(key)),
            }
        }
    }
}

impl<T> FusedFuture for ReserveOwned<T> {
    fn is_terminated(&self) -> bool {
        self.sender.is_none()
    }
}

impl<T> fmt::Debug for ReserveOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveOwned")
            .field("done", &self.sender.is_none())
            .finish_non_exhaustive()
    }
}

/// One reservation attempt on a buffered channel as the waiting loop wants
/// it: `Some` when finished (a slot held, or the channel closed).
pub(crate) fn reserve_attempt<T>(chan: &Chan<T>) -> Option<Result<(), SendError<()>>> {
    match chan.reserve_slot() {
        Ok(()) => Some(Ok(())),
        Err(TrySendError::Closed(())) => Some(Err(SendError(()))),
        Err(TrySendError::Full(())) => None,
    }
}
