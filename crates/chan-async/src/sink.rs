//! The sender as a [`Sink`]: `stream.forward(sink)`, `SinkExt::send`, and
//! every library written against the ecosystem's sink trait.
//!
//! [`SendSink::poll_ready`] holds a slot the way a permit does (see
//! [`Sender::reserve`]), and [`start_send`](Sink::start_send) sends into
//! it, so an item costs no allocation and no handle clone, and a sink that
//! is dropped while waiting loses nothing: it has no item yet. Items go in
//! as they are sent, so `poll_flush` is ready at once; `poll_close` gives an
//! unused slot back but does not close the channel (other handles may still
//! send; call [`Sender::close`] for that).

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_sink::Sink;

use crate::error::SendError;
use crate::permit::reserve_attempt;
use crate::rendezvous::Key;
use crate::waiters::Kind;
use crate::Sender;

impl<T> Sender<T> {
    /// A [`Sink`] that sends through this sender.
    ///
    /// ```
    /// use futures::{stream, SinkExt, StreamExt};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(4);
    /// stream::iter([1, 2, 3]).map(Ok).forward(tx.sink()).await.unwrap();
    /// assert_eq!(rx.len(), 3);
    /// let mut sink = tx.sink();
    /// sink.send(4).await.unwrap();
    /// assert_eq!(rx.recv_many(&mut Vec::new(), 8).await, 4);
    /// # });
    /// ```
    pub fn sink(&self) -> SendSink<'_, T> {
        SendSink::new(Handle::Borrowed(self))
    }

    /// A [`Sink`] that owns this sender, for one that must outlive a borrow
    /// (a spawned task, a struct field).
    ///
    /// ```
    /// use futures::SinkExt;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_async::channel(1);
    /// let mut sink = tx.into_sink();
    /// tokio::spawn(async move { sink.send("owned").await.unwrap() });
    /// assert_eq!(rx.recv().await, Some("owned"));
    /// assert_eq!(rx.recv().await, None); // the sink held the last sender
    /// # });
    /// ```
    pub fn into_sink(self) -> SendSink<'static, T> {
        SendSink::new(Handle::Owned(self))
    }
}

/// A sender as a [`Sink`], from [`Sender::sink`] or [`Sender::into_sink`].
///
/// Its error is `SendError<()>`: the channel closed. An item handed to
/// `start_send` is always sent, since `poll_ready` held its slot first.
///
/// # Panics
///
/// [`start_send`](Sink::start_send) panics if no slot is held, that is
/// without a `poll_ready` that returned `Ready(Ok(()))` since the last
/// `start_send` (the `Sink` contract allows it).
///
/// ```
/// use futures::SinkExt;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = chan_async::channel(1);
/// let mut sink = tx.sink();
/// sink.feed(1).await.unwrap(); // waits for a slot, then sends
/// sink.flush().await.unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// rx.close();
/// assert!(sink.send(2).await.is_err()); // closed
/// # });
/// ```
pub struct SendSink<'a, T> {
    sender: Handle<'a, T>,
    key: Key,
    /// A slot is held (by `poll_ready`) for the next `start_send`.
    holds_slot: bool,
}

/// The sink's sender, borrowed or owned.
enum Handle<'a, T> {
    Borrowed(&'a Sender<T>),
    Owned(Sender<T>),
}

impl<T> Handle<'_, T> {
    fn get(&self) -> &Sender<T> {
        match self {
            Handle::Borrowed(sender) => sender,
            Handle::Owned(sender) => sender,
        }
    }
}

impl<'a, T> SendSink<'a, T> {
    fn new(sender: Handle<'a, T>) -> Self {
        Self {
            key: Key::new(&sender.get().chan),
            sender,
            holds_slot: false,
        }
    }

    /// The sender this sink sends through.
    ///
    /// ```
    /// let (tx, _rx) = chan_async::channel::<u8>(1);
    /// let sink = tx.sink();
    /// assert!(sink.sender().same_channel(&tx));
    /// ```
    pub fn sender(&self) -> &Sender<T> {
        self.sender.get()
    }
}

impl<T> Sink<T> for SendSink<'_, T> {
    type Error = SendError<()>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        if this.holds_slot {
            return Poll::Ready(Ok(()));
        }
        let chan = &*this.sender.get().chan;
        // The place in line belongs to the sink, not to a future: a
        // `select!` that drops `feed` or `send` after the sink was woken
        // leaves it alive and unpolled, so its wake is shared with the
        // waiter behind it, as a receiver's stream's is.
        let reserved = match &mut this.key {
            Key::Queue(key) => {
                chan.send_waiters
                    .poll(key, cx, Kind::Stream, &chan.send_flag(), || {
                        reserve_attempt(chan)
                    })
            }
            Key::Exchange(key) => chan.exchange().poll_reserve(key, cx),
        };
        if let Poll::Ready(Ok(())) = reserved {
            this.holds_slot = true;
        }
        reserved
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Self::Error> {
        let this = self.get_mut();
        assert!(
            this.holds_slot,
            "SendSink::start_send called without a slot held by a successful poll_ready"
        );
        this.holds_slot = false;
        this.sender().chan.send_reserved(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().give_back_slot();
        Poll::Ready(Ok(()))
    }
}

impl<T> SendSink<'_, T> {
    fn give_back_slot(&mut self) {
        if core::mem::take(&mut self.holds_slot) {
            self.sender().chan.release_reserved();
        }
    }
}

impl<T> Drop for SendSink<'_, T> {
    fn drop(&mut self) {
        self.give_back_slot();
        let chan = &*self.sender.get().chan;
        match &mut self.key {
            Key::Queue(key) => chan.send_waiters.cancel(key, &chan.send_flag()),
            // A permit granted and not returned is given back.
            Key::Exchange(key) => drop(chan.exchange().withdraw(key)),
        }
    }
}

/// A new sink on the same sender (a clone of it, for an owning sink),
/// holding no slot.
impl<T> Clone for SendSink<'_, T> {
    fn clone(&self) -> Self {
        Self::new(match &self.sender {
            Handle::Borrowed(sender) => Handle::Borrowed(sender),
            Handle::Owned(sender) => Handle::Owned(sender.clone()),
        })
    }
}

impl<T> fmt::Debug for SendSink<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendSink")
            .field("sender", self.sender())
            .field("holds_slot", &self.holds_slot)
            .finish_non_exhaustive()
    }
}
