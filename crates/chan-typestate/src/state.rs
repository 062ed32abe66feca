//! The three type-level states a handle can be in.
//!
//! Each marker is a zero-sized type used only as the `S` parameter of
//! [`Sender<T, S>`](crate::Sender) and [`Receiver<T, S>`](crate::Receiver);
//! it decides which methods exist. The runtime state of the channel can be
//! ahead of a handle's type (another handle closed it, or the buffer was
//! drained since); [`Sender::into_current`](crate::Sender::into_current)
//! catches up. It is never behind: a channel does not reopen, and once
//! closed and empty it stays so.

use crate::sealed::Sealed;
use crate::{ChannelState, State};

/// The channel accepts messages: senders can send, receivers can receive,
/// and both can be cloned.
///
/// ```
/// use chan_typestate::{Open, Receiver, Sender};
///
/// let (tx, rx): (Sender<u32, Open>, Receiver<u32, Open>) = chan_typestate::channel(4);
/// tx.try_send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Open;

/// The channel is closed: no send is accepted any more, and messages
/// accepted before the close may still be buffered. A closing sender can
/// only wait for them to be consumed; a closing receiver drains them.
///
/// ```
/// use chan_typestate::{Closing, Receiver};
///
/// let (tx, rx) = chan_typestate::channel(4);
/// tx.try_send("last words").unwrap();
/// let rx: Receiver<&str, Closing> = rx.close();
/// assert_eq!(rx.try_recv(), Ok("last words"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Closing;

/// The channel is closed and drained: nothing will ever be sent or received
/// again. A closed handle only answers queries.
///
/// ```
/// use chan_typestate::{ChannelState, Closed, Receiver};
///
/// let (tx, rx) = chan_typestate::channel::<u8>(4);
/// drop(tx); // the last sender closes the channel; nothing is buffered
/// let rx: Receiver<u8, Closed> = rx.close().finish().unwrap();
/// assert_eq!(rx.state(), ChannelState::Closed);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Closed;

impl Sealed for Open {
    const STATE: ChannelState = ChannelState::Open;
}
impl Sealed for Closing {
    const STATE: ChannelState = ChannelState::Closing;
}
impl Sealed for Closed {
    const STATE: ChannelState = ChannelState::Closed;
}

impl State for Open {}
impl State for Closing {}
impl State for Closed {}

/// Where a handle typed `typed` really is, given the channel's `runtime`
/// state: the later of the two. The runtime state is never behind in
/// practice (the lifecycle only moves forward); taking the later one keeps
/// a handle from ever moving back, whatever a racing query reports.
pub(crate) fn catch_up(typed: ChannelState, runtime: ChannelState) -> ChannelState {
    fn rank(state: ChannelState) -> u8 {
        match state {
            ChannelState::Open => 0,
            ChannelState::Closing => 1,
            ChannelState::Closed => 2,
        }
    }
    if rank(runtime) >= rank(typed) {
        runtime
    } else {
        typed
    }
}
