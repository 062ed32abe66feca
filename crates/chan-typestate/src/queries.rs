//! The read-only queries of chan-async's handles, on the typed handles in
//! every state: they describe the channel, whatever this handle may do.
//! (`state`, `len`, `is_empty` and `capacity` are next to each handle.)

use crate::{Receiver, Sender, State};

impl<T, S: State> Sender<T, S> {
    /// `true` once the channel is closed, by any handle or because every
    /// sender or every receiver is gone: exactly when
    /// [`state`](Sender::state) is not [`Open`](crate::ChannelState::Open).
    /// Always `true` for a [`Closing`](crate::Closing) or
    /// [`Closed`](crate::Closed) sender.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel::<u8>(2);
    /// assert!(!tx.is_closed());
    /// let _rx = rx.close(); // closed for every handle, this one too
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// `true` when every slot holds a message.
    ///
    /// ```
    /// let (tx, _rx) = chan_typestate::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert!(tx.is_full());
    /// assert!(tx.close().is_full()); // still buffered after the close
    /// ```
    pub fn is_full(&self) -> bool {
        self.inner.is_full()
    }

    /// The number of live senders, typed or plain, in any state.
    ///
    /// ```
    /// let (tx, _rx) = chan_typestate::channel::<u8>(1);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// let tx2 = tx2.close(); // a closing sender still counts
    /// assert_eq!(tx2.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.inner.sender_count()
    }

    /// The number of live receivers, typed or plain, in any state.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel::<u8>(1);
    /// assert_eq!(tx.receiver_count(), 1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.inner.receiver_count()
    }

    /// `true` if both senders belong to the same channel, whatever their
    /// states.
    ///
    /// ```
    /// let (tx, _rx) = chan_typestate::channel::<u8>(1);
    /// let (other, _other_rx) = chan_typestate::channel::<u8>(1);
    /// let tx2 = tx.clone();
    /// assert!(tx.same_channel(&tx2));
    /// assert!(!tx.same_channel(&other));
    /// let closing = tx2.close();
    /// assert!(closing.same_channel(&tx));
    /// ```
    pub fn same_channel<S2: State>(&self, other: &Sender<T, S2>) -> bool {
        self.inner.same_channel(&other.inner)
    }
}

impl<T, S: State> Receiver<T, S> {
    /// `true` once the channel is closed, by any handle or because every
    /// sender or every receiver is gone, whether or not messages are still
    /// buffered: exactly when [`state`](Receiver::state) is not
    /// [`Open`](crate::ChannelState::Open).
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel::<u8>(2);
    /// assert!(!rx.is_closed());
    /// drop(tx); // the last sender closes the channel
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// `true` when every slot holds a message.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert!(rx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.inner.is_full()
    }

    /// The number of live senders, typed or plain, in any state.
    ///
    /// ```
    /// let (tx, rx) = chan_typestate::channel::<u8>(1);
    /// assert_eq!(rx.sender_count(), 1);
    /// let rx = rx.close();
    /// assert_eq!(rx.sender_count(), 1); // closing does not drop anyone
    /// drop(tx);
    /// assert_eq!(rx.sender_count(), 0);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.inner.sender_count()
    }

    /// The number of live receivers, typed or plain, in any state.
    ///
    /// ```
    /// let (_tx, rx) = chan_typestate::channel::<u8>(1);
    /// let rx2 = rx.clone();
    /// assert_eq!(rx.receiver_count(), 2);
    /// drop(rx2);
    /// assert_eq!(rx.receiver_count(), 1);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.inner.receiver_count()
    }

    /// `true` if both receivers belong to the same channel, whatever their
    /// states.
    ///
    /// ```
    /// let (_tx, rx) = chan_typestate::channel::<u8>(1);
    /// let (_other_tx, other) = chan_typestate::channel::<u8>(1);
    /// let rx2 = rx.clone();
    /// assert!(rx.same_channel(&rx2));
    /// assert!(!rx.same_channel(&other));
    /// assert!(rx2.close().same_channel(&rx));
    /// ```
    pub fn same_channel<S2: State>(&self, other: &Receiver<T, S2>) -> bool {
        self.inner.same_channel(&other.inner)
    }
}
