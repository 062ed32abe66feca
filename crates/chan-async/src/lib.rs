//! A bounded, multi-producer multi-consumer async channel.
//!
//! [`channel`] returns a [`Sender`] and a [`Receiver`]; both can be cloned,
//! moved between threads, and used from async tasks (any executor) or from
//! plain threads through the blocking bridges. Messages live in a lock-free
//! ring buffer ([`ringbuf_core`]) of exactly the capacity asked for; tasks
//! that must wait sit in FIFO waiter queues.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let (tx, rx) = chan_async::channel(16);
//!
//! let producer = tokio::spawn(async move {
//!     for i in 0..100u64 {
//!         tx.send(i).await.expect("receiver is alive");
//!     }
//!     // dropping the last sender closes the channel
//! });
//!
//! let mut sum = 0;
//! while let Some(i) = rx.recv().await {
//!     sum += i;
//! }
//! producer.await.unwrap();
//! assert_eq!(sum, 4950);
//! # });
//! ```
//!
//! # Lifecycle
//!
//! A channel is [`Open`](ChannelState::Open), then
//! [`Closing`](ChannelState::Closing) (closed: no send is accepted, messages
//! remain buffered), then [`Closed`](ChannelState::Closed) (closed and
//! drained). It closes when any handle calls `close()`, when the last
//! `Sender` is dropped, or when the last `Receiver` is dropped.
//!
//! - After the close, sends fail and hand the message back, including sends
//!   that were waiting for room.
//! - Receivers still get every message accepted before the close, in order,
//!   then `None`. A send that returned `Ok` is always received, unless every
//!   receiver is gone, in which case the message is dropped (exactly once)
//!   no later than when the last handle goes.
//!
//! # Guarantees
//!
//! - Capacity is exact, whatever the number of senders.
//! - Messages from one sender arrive in the order sent; waiting tasks are
//!   served first come, first served.
//! - A freed slot is not kept for the sender it wakes. A receive (or a
//!   permit given back) wakes the oldest waiting `send` or `reserve`, but
//!   until that task runs, a `try_send`, a `try_reserve` or a send that did
//!   not have to wait may take the slot first. The woken sender then finds
//!   the channel full and waits again in its first place, ahead of every
//!   sender that came after it, so it is the one woken at the next free
//!   slot. (tokio's and flume's channels answer `Full` to that newcomer;
//!   async-channel's behaves like this one.) Keeping the slot would make
//!   every send, also one that never waits, look at the waiter queue
//!   first: that cost on the lock-free fast path is why it is not done.
//! - A message may skip the buffer. When a send fills the buffer while a
//!   receiver waits, it hands the oldest message to that receiver out of
//!   the buffer, so the next send finds a free slot instead of waiting for
//!   the receiver to run (at capacity 1 that halves the wake-ups per
//!   message). The handed message stays first in line: whichever receive
//!   comes next takes it, before anything in the buffer. It is not counted
//!   by `len()` (one at most is out at a time), so while it waits for its
//!   receiver the channel holds up to `capacity() + 1` messages, and
//!   `is_empty()` may be true while a receive would succeed.
//! - Cancel safety: dropping a [`Recv`] never loses a message, and a wake it
//!   received passes to the next waiter; dropping a [`Send`] drops its
//!   message, never half-sends it.
//! - A future polled again refreshes its single waiter entry; wakers run,
//!   and messages and wakers are dropped, only after internal locks are
//!   released.
//! - No allocation per message, none per wait once the waiter queues have
//!   grown to the peak number of waiters, and no lock for a send or receive
//!   that does not need to wait or wake anyone.
//!
//! # Rendezvous
//!
//! `channel(0)` makes a channel with no buffer at all, as Go's unbuffered
//! channels and crossbeam's `bounded(0)`: a value passes only from a sender
//! to a receiver that takes it. Either a receive (`recv`, `try_recv`,
//! `recv_blocking`, `recv_many`, the stream, the deadline variants) takes
//! the value of the oldest blocked send, which then completes with `Ok`;
//! or a send finds a receiver already waiting, hands its value over and
//! completes at once. So [`Sender::try_send`] succeeds exactly when a
//! receiver is waiting, and answers `Full` otherwise; `capacity()` and
//! `len()` are 0, `is_full()` and `is_empty()` both true.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let (tx, rx) = chan_async::channel(0);
//! assert!(tx.try_send(1).unwrap_err().is_full()); // nobody waits
//! let consumer = tokio::spawn(async move { rx.recv().await });
//! tx.send(2).await.unwrap(); // completes once the consumer has it
//! assert_eq!(consumer.await.unwrap(), Some(2));
//! # });
//! ```
//!
//! A value handed to a waiting receive belongs to whichever receive comes
//! for it first: if that receive is dropped (a `select!`, a timeout) or
//! simply not polled again, the next receive on the channel gets the value
//! before anything else, and the receive it was handed to waits again. So
//! a value whose send completed is never lost while a receiver exists, and
//! each sender's values still arrive in order. Everything else holds as
//! for a buffered channel: waiting senders and receivers are served first
//! come, first served; a dropped `Send` drops its value, which is then
//! never received (unless a receive took it before the drop: the send had
//! completed, it just was not polled to say so; [`Sender::send_until`]
//! reports that case as `Ok`); a close gives blocked sends their values back, while
//! values already handed over are still received, then `None`; the last
//! receiver's drop drops them.
//!
//! A permit ([`Sender::reserve`]) is granted while a receiver waits that no
//! other permit holds, and commits that receiver to the permit's value;
//! waiting reserves queue with waiting sends. A receive still takes the
//! value of a blocked send that queued behind a waiting reserve (the
//! reserve has no value yet). Dropping a permit frees its receiver for the
//! next sender. The channel counts as drained ([`ChannelState::Closed`],
//! [`Sender::drained`]) once it is closed, every handed value has been
//! taken and no permit is left.
//!
//! A rendezvous channel has no lock-free fast path: senders and receivers
//! meet under one lock. It still allocates nothing per value, nor per wait
//! once its waiter lists have grown to the peak number of waiters.
//!
//! # Weak handles
//!
//! [`Sender::downgrade`] and [`Receiver::downgrade`] give a [`WeakSender`]
//! or [`WeakReceiver`]: a handle that keeps the channel's memory but not
//! the channel, since it is not counted among the senders (receivers).
//! Dropping the last strong `Sender` closes the channel whatever weak
//! senders exist. `upgrade()` returns a strong handle while one still
//! exists and the channel is open (for a receiver: not yet closed and
//! drained), and `None` for ever after. An actor can so keep a way to
//! send to itself without keeping its own mailbox open:
//!
//! ```
//! use chan_async::{Receiver, WeakSender};
//! use tokio::sync::oneshot;
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! enum Msg {
//!     Add(u32),
//!     AddTwiceLater(u32),
//!     Ping(oneshot::Sender<()>),
//! }
//!
//! async fn actor(inbox: Receiver<Msg>, me: WeakSender<Msg>) -> u32 {
//!     let mut total = 0;
//!     // Ends once every strong sender is gone: `me` does not count.
//!     while let Some(msg) = inbox.recv().await {
//!         match msg {
//!             Msg::Add(n) => total += n,
//!             Msg::AddTwiceLater(n) => {
//!                 if let Some(me) = me.upgrade() {
//!                     me.send(Msg::Add(n)).await.unwrap();
//!                     me.send(Msg::Add(n)).await.unwrap();
//!                 } // the upgraded sender is dropped here
//!             }
//!             Msg::Ping(reply) => drop(reply.send(())),
//!         }
//!     }
//!     total
//! }
//!
//! let (tx, rx) = chan_async::channel(8);
//! let actor = tokio::spawn(actor(rx, tx.downgrade()));
//! tx.send(Msg::AddTwiceLater(5)).await.unwrap();
//! let (reply, pong) = oneshot::channel();
//! tx.send(Msg::Ping(reply)).await.unwrap();
//! pong.await.unwrap();
//! drop(tx); // the last user leaves: the actor takes what is queued, then stops
//! assert_eq!(actor.await.unwrap(), 10);
//! # });
//! ```
//!
//! # Permits and the `Sink`
//!
//! [`Sender::reserve`] waits for a free slot and holds it: the [`Permit`]
//! then sends without waiting and never fails, also after a close. A held
//! slot counts against the capacity but takes no place in the buffer, so
//! it holds up no receiver; the channel is drained only once every permit
//! is used or dropped. Unlike tokio's, these permits work with any number
//! of receivers. [`Sender::sink`] and [`Sender::into_sink`] (feature
//! `sink`, on by default) turn a sender into a `futures_sink::Sink` whose
//! `poll_ready` holds a slot the same way, so `stream.forward(tx.sink())`
//! costs no allocation and no handle clone per item.
//!
//! ```
//! use futures::{stream, StreamExt};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let (tx, rx) = chan_async::channel(4);
//! let permit = tx.reserve().await.unwrap();
//! stream::iter([1, 2]).map(Ok).forward(tx.sink()).await.unwrap();
//! permit.send(3); // its slot was held all along
//! let mut got = Vec::new();
//! rx.recv_many(&mut got, 4).await;
//! assert_eq!(got, [1, 2, 3]);
//! # });
//! ```
//!
//! # Timeouts and cancellation
//!
//! Every future of the crate can be dropped at any point; what that does:
//!
//! - [`Recv`], [`RecvMany`] and [`RecvUntil`] are cancel-safe: a message
//!   leaves the channel only in the poll that returns it, so dropping them
//!   (to a `select!`, a timeout) never loses a message, and a wake they
//!   were given passes to the next waiting receiver.
//! - A dropped [`Send`] drops its message unsent (never half-sent) and
//!   passes on the wake for a free slot it did not use. To wait with a
//!   limit and keep the message, use [`Sender::send_until`] with any future
//!   as the deadline: when the deadline wins, the message comes back in
//!   [`SendTimeoutError::Timeout`].
//! - [`Reserve`] and [`ReserveOwned`] are cancel-safe: they hold no message,
//!   and dropped before they resolve they hold no slot either (a wake they
//!   were given passes to the next waiting sender). A [`Permit`] dropped
//!   unused gives its slot back.
//! - [`Closed`] and [`Drained`] only wait for a condition; dropping them
//!   changes nothing.
//!
//! So there are two ways to wait for room with a limit and keep the
//! message. With [`Sender::send_until`], the message comes back in the
//! error when the deadline wins:
//!
//! ```
//! use chan_async::SendTimeoutError;
//! use std::time::Duration;
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let (tx, rx) = chan_async::channel(1);
//! tx.send(1).await.unwrap(); // full
//! let timer = tokio::time::sleep(Duration::from_millis(5));
//! match tx.send_until(2, timer).await {
//!     Err(SendTimeoutError::Timeout(two)) => assert_eq!(two, 2), // back in our hands
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert_eq!(rx.recv().await, Some(1));
//! # });
//! ```
//!
//! Or wait for the slot first with [`Sender::reserve`], under any timeout
//! or `select!`, and only then hand the message over: [`Permit::send`]
//! never waits and never fails, so the message never sits in a future
//! that may be dropped. (It may be built only once there is room, too.)
//!
//! ```
//! use std::time::Duration;
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let (tx, rx) = chan_async::channel(1);
//! tx.send(String::from("job 1")).await.unwrap(); // full
//! let job = String::from("job 2");
//! match tokio::time::timeout(Duration::from_millis(5), tx.reserve()).await {
//!     Ok(Ok(permit)) => permit.send(job),
//!     Ok(Err(_closed)) => unreachable!("the channel is open"),
//!     Err(_elapsed) => assert_eq!(job, "job 2"), // still ours: try later
//! }
//! assert_eq!(rx.recv().await, Some(String::from("job 1")));
//! # });
//! ```
//!
//! Threads get the same with [`Sender::send_timeout`] /
//! [`Sender::send_deadline`] and [`Receiver::recv_timeout`] /
//! [`Receiver::recv_deadline`]: they return `Timeout` only once the
//! deadline has passed, never before, and leave no entry behind in the
//! waiter queues.
//!
//! # Blocking calls and async code
//!
//! The blocking methods (`send_blocking`, `recv_blocking`, the timeouts,
//! the [`Iter`] iterators) park the calling thread. Called from async code,
//! they park a thread of the executor: the tasks it would run stall, and if
//! the message or slot waited for must come from one of them, the call
//! never returns. Use the async methods there. With the `tokio` feature,
//! debug builds detect the mistake on tokio runtimes and panic with the
//! name of the async method to use.
//!
//! # Panicking wakers and messages
//!
//! A waker or a message's `Drop` that panics does not corrupt the channel:
//! the other waiters are still woken, the remaining messages still dropped,
//! and the panic then continues in the call that ran it. One thing is lost
//! with it: when a receive wakes a waiting sender whose waker panics, the
//! message just received unwinds with the panic instead of being returned
//! (a message cannot be both returned and panicked with, and putting it back
//! would break its order). A send whose wake of a receiver panics has
//! already stored its message, which will be received. Wakers that panic
//! are bugs in the executor that supplied them.
//!
//! # Features
//!
//! - `std` (default): the blocking bridges [`Sender::send_blocking`] and
//!   [`Receiver::recv_blocking`], the timeouts, the blocking iterators
//!   [`Iter`] and [`IntoIter`], and `std::error::Error` for the errors.
//! - `tokio` (off by default): in debug builds, every blocking call checks
//!   that it is not made from async code running on a tokio runtime, and
//!   panics if it is. Blocking in `spawn_blocking` or under a
//!   `Runtime::enter` guard is allowed. Adds a dependency on tokio (`rt`,
//!   `sync`); release builds make no check.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

mod chan;
mod deadline;
mod error;
mod futures;
mod handed;
mod iter;
mod permit;
mod queries;
mod receiver;
mod rendezvous;
mod sender;
#[cfg(feature = "sink")]
mod sink;
mod spin;
mod state;
mod sync;
mod waiters;
mod weak;

#[cfg(feature = "std")]
mod blocking;

#[cfg(all(test, feature = "std", not(chan_loom)))]
mod tests;

pub use deadline::{RecvUntil, SendUntil};
pub use error::{RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
pub use futures::{Closed, Drained, Recv, RecvMany, Send};
pub use iter::TryIter;
#[cfg(feature = "std")]
pub use iter::{IntoIter, Iter};
pub use permit::{OwnedPermit, Permit, Reserve, ReserveOwned};
pub use receiver::Receiver;
pub use sender::Sender;
#[cfg(feature = "sink")]
pub use sink::SendSink;
pub use state::ChannelState;
pub use weak::{WeakReceiver, WeakSender};

use chan::Chan;
use sync::Arc;

/// Creates a channel that buffers up to `capacity` messages; with capacity
/// 0, a rendezvous channel, where a value passes straight from a sender to
/// a receiver (see [Rendezvous](crate#rendezvous)).
///
/// # Panics
///
/// If `capacity` is larger than `usize::MAX / 8`.
///
/// ```
/// let (tx, rx) = chan_async::channel::<String>(32);
/// assert_eq!(tx.capacity(), 32);
/// let (tx0, rx0) = chan_async::channel::<String>(0);
/// assert_eq!(tx0.capacity(), 0);
/// # drop((rx, rx0));
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(capacity));
    (Sender::new(Arc::clone(&chan)), Receiver::new(chan))
}

/// Compile-time proof of the auto traits the docs promise: handles and
/// futures are `Send + Sync` / `Send` whenever `T: Send`, with no `T: Sync`.
#[allow(dead_code)]
fn _assert_auto_traits() {
    fn send_sync<X: core::marker::Send + Sync>() {}
    fn send<X: core::marker::Send>() {}
    struct NotSync(core::cell::Cell<u8>);
    send_sync::<Sender<NotSync>>();
    send_sync::<Receiver<NotSync>>();
    send::<Send<'static, NotSync>>();
    send::<Recv<'static, NotSync>>();
    send::<RecvMany<'static, NotSync>>();
    send::<Closed<'static>>();
    send::<Drained<'static, NotSync>>();
    send::<SendUntil<'static, NotSync, core::future::Pending<()>>>();
    send::<RecvUntil<'static, NotSync, core::future::Pending<()>>>();
    send_sync::<TryIter<'static, NotSync>>();
    send_sync::<WeakSender<NotSync>>();
    send_sync::<WeakReceiver<NotSync>>();
    send::<Reserve<'static, NotSync>>();
    send::<ReserveOwned<NotSync>>();
    send_sync::<Permit<'static, NotSync>>();
    send_sync::<OwnedPermit<NotSync>>();
    #[cfg(feature = "sink")]
    send::<SendSink<'static, NotSync>>();
    #[cfg(feature = "std")]
    {
        send_sync::<Iter<'static, NotSync>>();
        send_sync::<IntoIter<NotSync>>();
    }
}
