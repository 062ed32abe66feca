//! The future that waits for a closed channel to be drained.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::sender::Sender;
use crate::state::{Closed, Closing};

/// The future of [`Sender::drained`](Sender::drained): resolves to the
/// sender typed [`Closed`] once the channel is closed and empty, that is
/// once every message accepted before the close has been received, or
/// dropped because the last receiver went away.
///
/// "Empty" means every message has left the channel: a receiver has it, or
/// the last receiver's drop has taken it out to drop it (on that thread,
/// possibly still running its destructor when this future resolves).
///
/// It owns the closing sender and keeps its single waiter entry in it: polled
/// again, it refreshes that entry (the newest waker is the one woken);
/// dropped, it drops the sender, which gives the entry back. To stop
/// waiting and keep the sender, take it back with
/// [`into_sender`](Drained::into_sender).
///
/// `Drained` is [`Unpin`] whatever `T` is (it holds nothing but the
/// handle), so it can be polled through `&mut` without pinning it first,
/// for example by `tokio::time::timeout(d, &mut drained)`, and still be
/// taken apart afterwards.
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics.
///
/// ```
/// use std::future::Future;
/// use std::pin::pin;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Wake, Waker};
///
/// struct Flag(AtomicBool);
/// impl Wake for Flag {
///     fn wake(self: Arc<Self>) {
///         self.0.store(true, Ordering::SeqCst);
///     }
/// }
///
/// let (tx, rx) = chan_typestate::channel(2);
/// tx.try_send(1).unwrap();
/// let mut drained = pin!(tx.close().drained());
/// let flag = Arc::new(Flag(AtomicBool::new(false)));
/// let waker = Waker::from(Arc::clone(&flag));
/// let mut cx = Context::from_waker(&waker);
///
/// assert!(drained.as_mut().poll(&mut cx).is_pending()); // one message left
/// assert_eq!(rx.try_recv(), Ok(1)); // the last one: wakes the future
/// assert!(flag.0.load(Ordering::SeqCst));
/// assert!(matches!(drained.as_mut().poll(&mut cx), Poll::Ready(_)));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Drained<T> {
    /// `Some` until the future completes and hands the handle over.
    sender: Option<Sender<T, Closing>>,
}

impl<T> Drained<T> {
    pub(crate) fn new(sender: Sender<T, Closing>) -> Self {
        Self {
            sender: Some(sender),
        }
    }

    /// Gives up waiting and returns the closing sender, to wait again
    /// later, with [`drained`](Sender::drained), or to drop it. Use it when
    /// a wait with a limit ran out: poll the future through `&mut` (it is
    /// [`Unpin`]), then take the sender back.
    ///
    /// The waiter entry it registered stays in the sender: a later
    /// `drained()` reuses it, and otherwise it is freed the next time
    /// the channel wakes drain waiters (one spurious wake for the task
    /// that polled last) or when the sender is dropped.
    ///
    /// # Panics
    ///
    /// If the future already completed: it handed the sender over then,
    /// typed [`Closed`].
    ///
    /// ```
    /// use std::time::Duration;
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(4);
    /// tx.send("unread").await.unwrap();
    /// let mut drained = tx.close().drained();
    ///
    /// // Nobody receives: the wait runs out, and the sender is still ours.
    /// let waited = tokio::time::timeout(Duration::from_millis(5), &mut drained).await;
    /// assert!(waited.is_err());
    /// let tx = drained.into_sender();
    /// assert_eq!(tx.len(), 1);
    ///
    /// assert_eq!(rx.recv().await, Some("unread"));
    /// let tx = tx.drained().await; // now it completes
    /// assert!(tx.is_empty());
    /// # });
    /// ```
    pub fn into_sender(mut self) -> Sender<T, Closing> {
        self.sender
            .take()
            .expect("`Drained::into_sender` called after the future completed")
    }
}

impl<T> Future for Drained<T> {
    type Output = Sender<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Sender<T, Closed>> {
        // `Drained` is `Unpin`: it holds only the handle, never pinned state.
        let this = self.get_mut();
        let sender = this
            .sender
            .as_mut()
            .expect("`Drained` polled after it completed");
        match sender.poll_drained(cx) {
            Poll::Ready(()) => {
                let sender = this.sender.take().expect("checked above");
                Poll::Ready(sender.retype())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> fmt::Debug for Drained<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drained")
            .field("sender", &self.sender)
            .finish()
    }
}
