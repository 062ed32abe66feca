//! Channel handles whose type says where the channel is in its lifecycle.
//!
//! This crate wraps [`chan_async`]'s bounded MPMC channel in handles that
//! carry a type-level state, [`Open`], [`Closing`] or [`Closed`]:
//! [`Sender<T, S>`] and [`Receiver<T, S>`]. The methods a handle has depend
//! on its state, so a send after the close, a receive on a drained channel or
//! a clone of a closing handle is a compile error instead of a runtime one.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let (tx, rx) = chan_typestate::channel(16);
//!
//! let worker = tokio::spawn(async move {
//!     let mut sum = 0;
//!     while let Some(job) = rx.recv().await {
//!         sum += job;
//!     }
//!     sum
//! });
//!
//! for job in 1..=10 {
//!     tx.send(job).await.expect("the worker is alive");
//! }
//! // Graceful shutdown: refuse new work, then wait until the worker has
//! // taken everything that was accepted.
//! let tx = tx.close().drained().await;
//! assert_eq!(tx.len(), 0);
//! assert_eq!(worker.await.unwrap(), 55);
//! # });
//! ```
//!
//! # States and transitions
//!
//! | state | a [`Sender`] can | a [`Receiver`] can |
//! |---|---|---|
//! | [`Open`] | `send`, `try_send`, `send_blocking`, `send_until`, `send_timeout`, `send_deadline`, `reserve`, `try_reserve`, `closed`, `clone`, `close` | `recv`, `try_recv`, `recv_blocking`, `recv_many`, `recv_until`, `recv_timeout`, `recv_deadline`, `iter`, `try_iter`, `Stream`, `clone`, `close` |
//! | [`Closing`] | `drained` (wait until everything accepted is consumed) | `recv`, `try_recv`, `recv_blocking`, `recv_many`, `recv_until`, `recv_timeout`, `recv_deadline`, `iter`, `try_iter`, `Stream`, `drain`, `finish` |
//! | [`Closed`] | queries only | queries only |
//!
//! Every handle, in every state, answers the queries `state()`, `len()`,
//! `is_empty()`, `is_full()`, `capacity()`, `is_closed()`,
//! `sender_count()`, `receiver_count()` and `same_channel()`, and has
//! `into_current()`, `as_inner()` and `into_inner()`.
//!
//! - [`Sender::close`] and [`Receiver::close`] take the handle by value,
//!   close the channel for every handle, and return it typed [`Closing`].
//! - [`Sender::drained`] resolves to a [`Closed`] sender once every message
//!   accepted before the close has been received, or dropped because no
//!   receiver is left.
//! - [`Receiver::finish`] turns a closing receiver into a closed one once
//!   nothing is left to receive, and hands it back otherwise.
//! - A transition another handle caused (a `close()` elsewhere, the last
//!   sender or receiver dropped, the buffer drained by another receiver) is
//!   not visible in this handle's type: [`Sender::into_current`] and
//!   [`Receiver::into_current`] read the channel's runtime state and re-type
//!   the handle as [`SenderState`] / [`ReceiverState`].
//!
//! A state change moves the wrapped [`chan_async`] handle into the new one:
//! no handle is created or dropped, so the sender and receiver counts stay
//! as they are. A closing or closed handle still counts.
//!
//! # Mixing typed and plain handles
//!
//! A typed handle is a [`chan_async`] handle with a state in its type, and
//! the two convert both ways without touching the handle counts, so a
//! program can adopt typed handles part-way:
//!
//! - [`SenderState::from`] / [`ReceiverState::from`] wrap a plain
//!   [`chan_async::Sender`] / [`chan_async::Receiver`], typed after the
//!   channel's state at that moment.
//! - [`Sender::into_inner`] / [`Receiver::into_inner`] unwrap a typed
//!   handle in any state; [`Sender::as_inner`] / [`Receiver::as_inner`]
//!   lend the plain handle, for what only it offers, such as
//!   [`downgrade`](chan_async::Sender::downgrade) to a weak handle.
//!
//! The handle moves across: no handle is created or dropped, so the
//! channel closes exactly when it would have without the conversion.
//!
//! ```
//! use chan_typestate::SenderState;
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! // Code written for chan-async: a channel, a synchronous feeder, a consumer.
//! let (tx, rx) = chan_async::channel::<u32>(4);
//! let feeder = {
//!     let tx = tx.clone();
//!     tokio::task::spawn_blocking(move || {
//!         for job in 1..=3 {
//!             tx.send_blocking(job).unwrap();
//!         }
//!     })
//! };
//! let consumer = tokio::spawn(async move {
//!     let mut total = 0;
//!     while let Some(job) = rx.recv().await {
//!         total += job;
//!     }
//!     total
//! });
//!
//! // The shutdown path takes its sender typed: after `close` it cannot send.
//! let SenderState::Open(tx) = SenderState::from(tx) else {
//!     unreachable!("nobody closed the channel yet");
//! };
//! feeder.await.unwrap();
//! let tx = tx.close().drained().await; // every accepted job was taken
//! assert_eq!(consumer.await.unwrap(), 6);
//!
//! // And hands it back to plain code the same way.
//! let tx: chan_async::Sender<u32> = tx.into_inner();
//! assert!(tx.is_closed());
//! # });
//! ```
//!
//! # Counted drop transitions
//!
//! Dropping handles moves the channel along as in [`chan_async`]: when the
//! last sender (in any state) is dropped the channel closes, receivers get
//! what is buffered and then the end; when the last receiver is dropped the
//! channel closes, buffered messages are dropped, and senders waiting in
//! [`drained`](Sender::drained) are released. "Last" is decided by an atomic
//! `fetch_sub` on the handle count, which tells exactly one of several
//! concurrent droppers that it took the count to zero, so the channel
//! closes exactly once.
//!
//! # Compile-time guarantees
//!
//! Each of the snippets below fails to compile, for the reason given; the
//! one before it is the same code in the state where the call is allowed.
//!
//! A closing or closed sender cannot send:
//!
//! ```
//! use chan_typestate::{Open, Sender};
//! fn send_one(tx: &Sender<u8, Open>) {
//!     let _ = tx.try_send(1);
//!     let _ = tx.send(1);
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closing, Sender};
//! fn send_one(tx: &Sender<u8, Closing>) {
//!     let _ = tx.try_send(1); // no method `try_send` on `Sender<u8, Closing>`
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closing, Sender};
//! fn send_one(tx: &Sender<u8, Closing>) {
//!     let _ = tx.send(1); // no method `send` on `Sender<u8, Closing>`
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closed, Sender};
//! fn send_one(tx: &Sender<u8, Closed>) {
//!     let _ = tx.try_send(1); // no method `try_send` on `Sender<u8, Closed>`
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closed, Sender};
//! fn send_one(tx: &Sender<u8, Closed>) {
//!     let _ = tx.send(1); // no method `send` on `Sender<u8, Closed>`
//! }
//! ```
//!
//! The same holds for the sends with a deadline:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use chan_typestate::{Open, Sender};
//! fn send_soon(tx: &Sender<u8, Open>) {
//!     let _ = tx.send_timeout(1, Duration::from_millis(1));
//!     let _ = tx.send_deadline(1, Instant::now());
//!     let _ = tx.send_until(1, std::future::ready(()));
//! }
//! ```
//! ```compile_fail,E0599
//! use std::time::Duration;
//! use chan_typestate::{Closing, Sender};
//! fn send_soon(tx: &Sender<u8, Closing>) {
//!     let _ = tx.send_timeout(1, Duration::from_millis(1)); // no method `send_timeout` on `Sender<u8, Closing>`
//! }
//! ```
//! ```compile_fail,E0599
//! use std::time::Instant;
//! use chan_typestate::{Closing, Sender};
//! fn send_soon(tx: &Sender<u8, Closing>) {
//!     let _ = tx.send_deadline(1, Instant::now()); // no method `send_deadline` on `Sender<u8, Closing>`
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closing, Sender};
//! fn send_soon(tx: &Sender<u8, Closing>) {
//!     let _ = tx.send_until(1, std::future::ready(())); // no method `send_until` on `Sender<u8, Closing>`
//! }
//! ```
//! ```compile_fail,E0599
//! use std::time::Duration;
//! use chan_typestate::{Closed, Sender};
//! fn send_soon(tx: &Sender<u8, Closed>) {
//!     let _ = tx.send_timeout(1, Duration::from_millis(1)); // no method `send_timeout` on `Sender<u8, Closed>`
//! }
//! ```
//!
//! Only open handles can be cloned:
//!
//! ```
//! let (tx, rx) = chan_typestate::channel::<u8>(4);
//! let (tx2, rx2) = (tx.clone(), rx.clone());
//! ```
//! ```compile_fail,E0599
//! let (tx, _rx) = chan_typestate::channel::<u8>(4);
//! let tx = tx.close();
//! let tx2 = tx.clone(); // `Sender<u8, Closing>` is not `Clone`
//! ```
//! ```compile_fail,E0599
//! let (_tx, rx) = chan_typestate::channel::<u8>(4);
//! let rx = rx.close();
//! let rx2 = rx.clone(); // `Receiver<u8, Closing>` is not `Clone`
//! ```
//!
//! A closed receiver cannot receive:
//!
//! ```
//! use chan_typestate::{Closing, Receiver};
//! fn receive_one(rx: &Receiver<u8, Closing>) {
//!     let _ = rx.try_recv();
//!     let _ = rx.recv();
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closed, Receiver};
//! fn receive_one(rx: &Receiver<u8, Closed>) {
//!     let _ = rx.try_recv(); // no method `try_recv` on `Receiver<u8, Closed>`
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closed, Receiver};
//! fn receive_one(rx: &Receiver<u8, Closed>) {
//!     let _ = rx.recv(); // no method `recv` on `Receiver<u8, Closed>`
//! }
//! ```
//!
//! Nor with a deadline, nor by iterating:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use chan_typestate::{Closing, Receiver};
//! fn receive_soon(rx: &Receiver<u8, Closing>) {
//!     let _ = rx.recv_timeout(Duration::from_millis(1));
//!     let _ = rx.recv_deadline(Instant::now());
//!     let _ = rx.recv_until(std::future::ready(()));
//!     let _ = rx.iter();
//!     let _ = rx.try_iter();
//! }
//! ```
//! ```compile_fail,E0599
//! use std::time::Duration;
//! use chan_typestate::{Closed, Receiver};
//! fn receive_soon(rx: &Receiver<u8, Closed>) {
//!     let _ = rx.recv_timeout(Duration::from_millis(1)); // no method `recv_timeout` on `Receiver<u8, Closed>`
//! }
//! ```
//! ```compile_fail,E0599
//! use std::time::Instant;
//! use chan_typestate::{Closed, Receiver};
//! fn receive_soon(rx: &Receiver<u8, Closed>) {
//!     let _ = rx.recv_deadline(Instant::now()); // no method `recv_deadline` on `Receiver<u8, Closed>`
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closed, Receiver};
//! fn receive_soon(rx: &Receiver<u8, Closed>) {
//!     let _ = rx.recv_until(std::future::ready(())); // no method `recv_until` on `Receiver<u8, Closed>`
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closed, Receiver};
//! fn receive_all(rx: &Receiver<u8, Closed>) {
//!     let _ = rx.iter(); // no method `iter` on `Receiver<u8, Closed>`
//! }
//! ```
//! ```compile_fail,E0599
//! use chan_typestate::{Closed, Receiver};
//! fn receive_all(rx: &Receiver<u8, Closed>) {
//!     let _ = rx.try_iter(); // no method `try_iter` on `Receiver<u8, Closed>`
//! }
//! ```
//!
//! `close` consumes the handle, so the open handle cannot be used after it:
//!
//! ```
//! let (tx, rx) = chan_typestate::channel::<u8>(4);
//! let tx = tx.close();
//! let rx = rx.close();
//! assert_eq!((tx.len(), rx.len()), (0, 0));
//! ```
//! ```compile_fail,E0382
//! let (tx, _rx) = chan_typestate::channel::<u8>(4);
//! let closing = tx.close();
//! let _ = tx.try_send(1); // `tx` was moved into `close`
//! ```
//! ```compile_fail,E0382
//! let (_tx, rx) = chan_typestate::channel::<u8>(4);
//! let closing = rx.close();
//! let _ = rx.try_recv(); // `rx` was moved into `close`
//! ```
//!
//! Waiting for the drain needs a closed channel, and finishing a receiver
//! needs a closing one:
//!
//! ```compile_fail,E0599
//! let (tx, _rx) = chan_typestate::channel::<u8>(4);
//! let _ = tx.drained(); // no method `drained` on `Sender<u8, Open>`: close first
//! ```
//! ```compile_fail,E0599
//! let (_tx, rx) = chan_typestate::channel::<u8>(4);
//! let _ = rx.finish(); // no method `finish` on `Receiver<u8, Open>`: close first
//! ```
//!
//! And the set of states is closed:
//!
//! ```compile_fail,E0277
//! #[derive(Debug)]
//! struct Reopened;
//! impl chan_typestate::State for Reopened {} // `State` is sealed
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings), allow(dead_code, unused_variables))))]

mod current;
mod deadline;
mod drained;
mod interop;
mod ops;
mod permit;
mod queries;
mod receiver;
mod sender;
mod state;

pub use chan_async::{
    ChannelState, Iter, OwnedPermit, Permit, RecvTimeoutError, SendError, SendTimeoutError,
    TryIter, TryRecvError, TrySendError,
};
pub use current::{ReceiverState, SenderState};
pub use drained::Drained;
pub use receiver::Receiver;
pub use sender::Sender;
pub use state::{Closed, Closing, Open};

/// The future types that the typed handles' async methods return, from
/// [`chan_async`] (a module of their own: at the crate root, [`Closed`] is
/// the state marker).
///
/// ```
/// use std::future::Pending;
/// use chan_typestate::future::{Closed, Recv, RecvMany, RecvUntil, Send, SendUntil};
///
/// let (tx, rx) = chan_typestate::channel::<u8>(1);
/// let _: Send<'_, u8> = tx.send(1);
/// let _: SendUntil<'_, u8, Pending<()>> = tx.send_until(1, std::future::pending());
/// let _: Closed<'_> = tx.closed();
/// let _: Recv<'_, u8> = rx.recv();
/// let _: RecvUntil<'_, u8, Pending<()>> = rx.recv_until(std::future::pending());
/// let mut buf = Vec::new();
/// let _: RecvMany<'_, u8> = rx.recv_many(&mut buf, 8);
/// ```
pub mod future {
    pub use chan_async::{
        Closed, Recv, RecvMany, RecvUntil, Reserve, ReserveOwned, Send, SendUntil,
    };
}

/// A handle's type-level state: [`Open`], [`Closing`] or [`Closed`].
///
/// The trait is sealed: these three are the only states.
///
/// ```
/// use chan_typestate::{Sender, State};
///
/// // Code that works with a sender in any state.
/// fn describe<T, S: State>(tx: &Sender<T, S>) -> String {
///     format!("{:?}, {} of {} slots used", tx.state(), tx.len(), tx.capacity())
/// }
///
/// let (tx, _rx) = chan_typestate::channel(4);
/// tx.try_send(1).unwrap();
/// assert_eq!(describe(&tx), "Open, 1 of 4 slots used");
/// assert_eq!(describe(&tx.close()), "Closing, 1 of 4 slots used");
/// ```
pub trait State: sealed::Sealed + core::fmt::Debug + 'static {}

pub(crate) mod sealed {
    /// The supertrait that keeps [`State`](crate::State) closed to other
    /// crates.
    pub trait Sealed {
        /// The runtime state a handle of this type is at least in.
        const STATE: crate::ChannelState;
    }
}

/// Creates a channel that buffers up to `capacity` messages and returns its
/// two [`Open`] handles. Capacity 0 makes a rendezvous channel, where a
/// send completes only when a receiver takes its value (see
/// [`chan_async::channel`]).
///
/// # Panics
///
/// If `capacity` is larger than `usize::MAX / 8`, as
/// [`chan_async::channel`] does.
///
/// ```
/// use chan_typestate::{ChannelState, Open, Receiver, Sender};
///
/// let (tx, rx): (Sender<String, Open>, Receiver<String, Open>) = chan_typestate::channel(32);
/// assert_eq!(tx.capacity(), 32);
/// assert_eq!(rx.state(), ChannelState::Open);
///
/// // A rendezvous: nothing is buffered, a send waits for a receiver.
/// let (tx, rx) = chan_typestate::channel::<u8>(0);
/// assert_eq!(tx.capacity(), 0);
/// assert!(tx.as_inner().try_send(1).unwrap_err().is_full());
/// # drop(rx);
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T, Open>, Receiver<T, Open>) {
    let (tx, rx) = chan_async::channel(capacity);
    (Sender::from_inner(tx), Receiver::from_inner(rx))
}

/// Compile-time proof of the auto traits: handles are `Send + Sync` and the
/// drain future is `Send` whenever `T: Send` (no `T: Sync`), in every state.
#[allow(dead_code)]
fn _assert_auto_traits() {
    fn send_sync<X: Send + Sync>() {}
    fn send<X: Send>() {}
    struct NotSync(core::cell::Cell<u8>);
    send_sync::<Sender<NotSync, Open>>();
    send_sync::<Sender<NotSync, Closing>>();
    send_sync::<Sender<NotSync, Closed>>();
    send_sync::<Receiver<NotSync, Open>>();
    send_sync::<Receiver<NotSync, Closing>>();
    send_sync::<Receiver<NotSync, Closed>>();
    send_sync::<SenderState<NotSync>>();
    send_sync::<ReceiverState<NotSync>>();
    send::<Drained<NotSync>>();
    fn unpin<X: Unpin>() {}
    unpin::<Drained<core::marker::PhantomPinned>>();
    unpin::<Sender<core::marker::PhantomPinned, Open>>();
    unpin::<Receiver<core::marker::PhantomPinned, Closing>>();
}
