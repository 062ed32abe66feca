//! A handle re-typed after the channel's runtime state.

use core::fmt;

use crate::receiver::Receiver;
use crate::sender::Sender;
use crate::state::{Closed, Closing, Open};

/// A [`Sender`] in whichever state the channel is in now, as returned by
/// [`Sender::into_current`]: match on it to continue with the right type.
///
/// ```
/// use chan_typestate::SenderState;
///
/// let (tx, rx) = chan_typestate::channel::<u8>(4);
/// drop(rx); // the last receiver closes the channel
/// match tx.into_current() {
///     SenderState::Open(tx) => tx.try_send(1).unwrap(),
///     SenderState::Closing(_) => unreachable!("nothing was buffered"),
///     SenderState::Closed(tx) => assert_eq!(tx.len(), 0),
/// }
/// ```
pub enum SenderState<T> {
    /// The channel accepts messages.
    Open(Sender<T, Open>),
    /// The channel is closed; messages remain buffered.
    Closing(Sender<T, Closing>),
    /// The channel is closed and drained.
    Closed(Sender<T, Closed>),
}

/// A [`Receiver`] in whichever state the channel is in now, as returned by
/// [`Receiver::into_current`]: match on it to continue with the right type.
///
/// ```
/// use chan_typestate::ReceiverState;
///
/// let (tx, rx) = chan_typestate::channel(4);
/// tx.try_send("bye").unwrap();
/// drop(tx); // the last sender closes the channel
/// match rx.into_current() {
///     ReceiverState::Open(_) => unreachable!("every sender is gone"),
///     ReceiverState::Closing(rx) => assert_eq!(rx.try_recv(), Ok("bye")),
///     ReceiverState::Closed(_) => unreachable!("one message was buffered"),
/// }
/// ```
pub enum ReceiverState<T> {
    /// The channel accepts messages.
    Open(Receiver<T, Open>),
    /// The channel is closed; messages remain buffered.
    Closing(Receiver<T, Closing>),
    /// The channel is closed and drained.
    Closed(Receiver<T, Closed>),
}

impl<T> fmt::Debug for SenderState<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open(tx) => f.debug_tuple("Open").field(tx).finish(),
            Self::Closing(tx) => f.debug_tuple("Closing").field(tx).finish(),
            Self::Closed(tx) => f.debug_tuple("Closed").field(tx).finish(),
        }
    }
}

impl<T> fmt::Debug for ReceiverState<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open(rx) => f.debug_tuple("Open").field(rx).finish(),
            Self::Closing(rx) => f.debug_tuple("Closing").field(rx).finish(),
            Self::Closed(rx) => f.debug_tuple("Closed").field(rx).finish(),
        }
    }
}
