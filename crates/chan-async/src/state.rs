//! The channel's lifecycle as seen at runtime.

/// Where a channel is in its lifecycle: `Open` → `Closing` → `Closed`.
///
/// ```
/// use chan_async::{channel, ChannelState};
///
/// let (tx, rx) = channel(4);
/// assert_eq!(tx.state(), ChannelState::Open);
/// tx.try_send(1).unwrap();
/// tx.close();
/// assert_eq!(rx.state(), ChannelState::Closing); // closed, one message left
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.state(), ChannelState::Closed); // closed and drained
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelState {
    /// Sends are accepted.
    Open,
    /// Closed: no send is accepted any more, but messages remain buffered
    /// for the receivers.
    Closing,
    /// Closed and drained: nothing will ever be received again.
    Closed,
}
