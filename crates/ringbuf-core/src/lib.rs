//! A lock-free, bounded, multi-producer multi-consumer ring buffer.
//!
//! [`RingBuffer`] is the storage layer of the `chan-async` channel, usable on
//! its own: a fixed-capacity FIFO queue that any number of threads push to and
//! pop from through `&self`, without locks. Its algorithm is Dmitry Vyukov's
//! bounded MPMC queue (a sequence stamp per slot, producer and consumer
//! positions on separate cache lines), extended with a *close mark*: once
//! [`RingBuffer::close`] is called, pushes fail and pops drain what is left.
//! For layers that park waiting threads or tasks, each side also carries a
//! *waiting flag* that the other side's push or pop reports for free
//! ([`RingBuffer::push_reporting_waiters`]), a fence-free way to learn that
//! someone needs waking, and a *consumer pause*
//! ([`RingBuffer::pop_and_pause`]) that takes the front value out of line
//! while holding every other pop back until it is delivered.
//! [`RingBuffer::push_slice`] and
//! [`RingBuffer::pop_into`] move a run of values with one claim (one
//! compare-and-swap) instead of one per value, which is where an MPMC queue
//! spends its time.
//!
//! ```
//! use ringbuf_core::{PopError, RingBuffer};
//!
//! let ring = RingBuffer::new(2);
//! ring.push("a").unwrap();
//! ring.push("b").unwrap();
//! assert_eq!(ring.push("c"), Err("c")); // full: the value comes back
//!
//! ring.close();
//! assert_eq!(ring.pop(), Some("a"));
//! assert_eq!(ring.pop(), Some("b"));
//! assert_eq!(ring.try_pop(), Err(PopError::Closed)); // drained for good
//! ```
//!
//! # Features
//!
//! - `std` (default): lets a long wait for a racing operation yield the
//!   thread, and implements `std::error::Error` for the error types. Without
//!   it the crate is `no_std` and needs only `alloc`.
//!
//! # Verification
//!
//! The crate's atomics come from one module that switches to loom's under
//! `--cfg chan_loom`; the loom models and Miri runs are described in the
//! repository's `docs/design.md`.
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs, missing_debug_implementations)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

mod cache_padded;
mod error;
mod ring;
mod sync;

pub use error::{PopError, PushError};
pub use ring::{ReleasedReservation, ReservedPush, RingBuffer};
