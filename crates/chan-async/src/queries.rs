//! The read-only queries that both handles offer, written once.

/// Implements the shared queries on a handle type that has a `chan` field.
macro_rules! impl_queries {
    ($handle:ident) => {
        impl<T> $handle<T> {
            /// `true` once the channel is closed, whether or not messages are
            /// still buffered: exactly when [`state`](Self::state) is not
            /// [`ChannelState::Open`](crate::ChannelState::Open).
            ///
            /// ```
            /// let (tx, rx) = chan_async::channel::<u8>(2);
            /// assert!(!tx.is_closed());
            /// rx.close();
            /// assert!(tx.is_closed() && rx.is_closed());
            /// ```
            pub fn is_closed(&self) -> bool {
                self.chan.is_closed()
            }

            /// Where the channel is in its lifecycle.
            ///
            /// ```
            /// use chan_async::ChannelState;
            ///
            /// let (tx, rx) = chan_async::channel::<u8>(2);
            /// assert_eq!(rx.state(), ChannelState::Open);
            /// tx.close();
            /// assert_eq!(tx.state(), ChannelState::Closed); // nothing buffered
            /// ```
            pub fn state(&self) -> crate::ChannelState {
                self.chan.state()
            }

            /// The number of buffered messages. Exact when no send or
            /// receive runs concurrently. A message handed out of a full
            /// buffer to a waiting receiver is not counted (crate docs,
            /// "Guarantees").
            ///
            /// ```
            /// let (tx, rx) = chan_async::channel(4);
            /// tx.try_send(1).unwrap();
            /// assert_eq!((tx.len(), rx.len()), (1, 1));
            /// ```
            pub fn len(&self) -> usize {
                self.chan.len()
            }

            /// `true` when no message is buffered (a message handed to a
            /// waiting receiver is not; see [`len`](Self::len)).
            ///
            /// ```
            /// let (tx, rx) = chan_async::channel::<u8>(4);
            /// assert!(tx.is_empty() && rx.is_empty());
            /// ```
            pub fn is_empty(&self) -> bool {
                self.chan.len() == 0
            }

            /// `true` when every slot holds a message.
            ///
            /// ```
            /// let (tx, rx) = chan_async::channel(1);
            /// tx.try_send(1).unwrap();
            /// assert!(tx.is_full() && rx.is_full());
            /// ```
            pub fn is_full(&self) -> bool {
                self.chan.is_full()
            }

            /// The number of messages the channel buffers, as given to
            /// [`channel`](crate::channel). Exactly that many, whatever the
            /// number of senders.
            ///
            /// ```
            /// let (tx, rx) = chan_async::channel::<u8>(16);
            /// assert_eq!((tx.capacity(), rx.capacity()), (16, 16));
            /// ```
            pub fn capacity(&self) -> usize {
                self.chan.capacity()
            }

            /// The number of live [`Sender`](crate::Sender)s.
            ///
            /// ```
            /// let (tx, rx) = chan_async::channel::<u8>(1);
            /// let tx2 = tx.clone();
            /// assert_eq!(rx.sender_count(), 2);
            /// drop(tx2);
            /// assert_eq!(tx.sender_count(), 1);
            /// ```
            pub fn sender_count(&self) -> usize {
                self.chan.sender_count()
            }

            /// The number of live [`Receiver`](crate::Receiver)s.
            ///
            /// ```
            /// let (tx, rx) = chan_async::channel::<u8>(1);
            /// let _rx2 = rx.clone();
            /// assert_eq!(tx.receiver_count(), 2);
            /// ```
            pub fn receiver_count(&self) -> usize {
                self.chan.receiver_count()
            }

            /// `true` if both handles belong to the same channel.
            ///
            /// ```
            /// let (tx, _rx) = chan_async::channel::<u8>(1);
            /// let (other, _) = chan_async::channel::<u8>(1);
            /// assert!(tx.same_channel(&tx.clone()));
            /// assert!(!tx.same_channel(&other));
            /// ```
            pub fn same_channel(&self, other: &Self) -> bool {
                crate::sync::Arc::ptr_eq(&self.chan, &other.chan)
            }
        }

        impl<T> core::fmt::Debug for $handle<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($handle))
                    .field("state", &self.state())
                    .field("len", &self.len())
                    .field("capacity", &self.capacity())
                    .field("senders", &self.sender_count())
                    .field("receivers", &self.receiver_count())
                    .finish()
            }
        }
    };
}

pub(crate) use impl_queries;
