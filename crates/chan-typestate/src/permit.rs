//! Permits on the typed handles: only an [`Open`] sender can hold a slot
//! for a later message. The permits are chan-async's; see
//! [`chan_async::Sender::reserve`] for the rules (a permit granted before a
//! close still sends after it, and the channel is drained only once every
//! permit is used or dropped). Owned permits go through
//! [`Sender::into_inner`](crate::Sender) and chan-async's
//! `reserve_owned`.

use chan_async::{Permit, Reserve, TrySendError};

use crate::state::Open;
use crate::Sender;

impl<T> Sender<T, Open> {
    /// Waits for a free slot and holds it for one message: the [`Permit`]
    /// sends without waiting and never fails. Waits in line with `send`.
    /// See [`chan_async::Sender::reserve`].
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = chan_typestate::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// let rx = rx.close(); // the permit still sends after the close
    /// permit.send(5);
    /// assert_eq!(rx.recv().await, Some(5));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    ///
    /// A sender that is closing has no way to reserve:
    ///
    /// ```compile_fail,E0599
    /// use chan_typestate::{Closing, Sender};
    /// async fn hold(tx: &Sender<u8, Closing>) {
    ///     let _ = tx.reserve().await; // no method `reserve` on `Sender<u8, Closing>`
    /// }
    /// ```
    pub fn reserve(&self) -> Reserve<'_, T> {
        self.inner.reserve()
    }

    /// Holds a free slot if there is one right now. See
    /// [`chan_async::Sender::try_reserve`].
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full(())`](TrySendError::Full) or
    /// [`TrySendError::Closed(())`](TrySendError::Closed).
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(1);
    /// tx.try_reserve().unwrap().send('a');
    /// assert!(tx.try_reserve().unwrap_err().is_full());
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// ```
    ///
    /// ```compile_fail,E0599
    /// use chan_typestate::{Closed, Sender};
    /// fn hold(tx: &Sender<u8, Closed>) {
    ///     let _ = tx.try_reserve(); // no method `try_reserve` on `Sender<u8, Closed>`
    /// }
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.inner.try_reserve()
    }
}
