#![cfg(not(chan_loom))]
//! Model test: random sequences of operations on a channel, checked step by
//! step against a `VecDeque` and an explicit lifecycle model, with a count
//! of the permits outstanding (each holds a slot, not a message).
//!
//! Every return value is compared with the model, every query is checked on
//! every live handle after every step, and each message tracks its own life,
//! so the set of live messages must always be exactly the model's queue: a
//! leak, a double drop, or a buffer kept after the last receiver left all
//! show up at the step that caused them.

use std::collections::{BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use chan_async::{
    channel, ChannelState, OwnedPermit, Receiver, SendError, Sender, TryRecvError, TrySendError,
};
use futures_core::Stream;
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------
// Messages that know whether they are alive
// ---------------------------------------------------------------------------

/// The ids of the messages alive right now.
#[derive(Clone, Default)]
struct Live(Arc<Mutex<BTreeSet<u64>>>);

impl Live {
    fn create(&self, id: u64) -> Tracked {
        assert!(self.lock().insert(id), "id {id} created twice");
        Tracked {
            id,
            live: self.clone(),
        }
    }

    fn ids(&self) -> BTreeSet<u64> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<u64>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Tracked {
    id: u64,
    live: Live,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let was_alive = self.live.lock().remove(&self.id);
        assert!(was_alive, "message {} dropped twice", self.id);
    }
}

// ---------------------------------------------------------------------------
// Polling once
// ---------------------------------------------------------------------------

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future>(future: F, waker: &Waker) -> Poll<F::Output> {
    let mut future = std::pin::pin!(future);
    future.as_mut().poll(&mut Context::from_waker(waker))
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Model {
    capacity: usize,
    queue: VecDeque<u64>,
    closed: bool,
    senders: usize,
    receivers: usize,
    /// Permits outstanding: `buffered() + permits <= capacity`.
    permits: usize,
    /// The front of `queue` was handed out of the buffer to a waiting
    /// receiver (a stream left pending): not buffered, the next receive
    /// takes it. When a send hands one over is up to the channel's waiter
    /// queue, so the harness observes it (`observe_hand_over`); that it
    /// is the front, taken first, and gone with the last receiver is
    /// checked here.
    handed: bool,
}

impl Model {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            queue: VecDeque::new(),
            closed: false,
            senders: 1,
            receivers: 1,
            permits: 0,
            handed: false,
        }
    }

    /// The messages in the buffer: those queued, but the one handed over.
    fn buffered(&self) -> usize {
        self.queue.len() - usize::from(self.handed)
    }

    /// Takes the `n` oldest messages (`n > 0`): the handed one first.
    fn take(&mut self, n: usize) -> Vec<u64> {
        self.handed = false;
        self.queue.drain(..n).collect()
    }

    /// Closed (nothing will ever be received) once closed, empty and no
    /// permit outstanding, or once no receiver is left.
    fn state(&self) -> ChannelState {
        if !self.closed {
            ChannelState::Open
        } else if self.queue.is_empty() && self.permits == 0 || self.receivers == 0 {
            ChannelState::Closed
        } else {
            ChannelState::Closing
        }
    }

    fn is_full(&self) -> bool {
        self.buffered() + self.permits == self.capacity
    }

    /// Empty and nothing more will come: closed, no permit left.
    fn is_final(&self) -> bool {
        self.queue.is_empty() && self.closed && self.permits == 0
    }

    /// What a reservation does: `Ok(true)` granted, `Ok(false)` full, `Err`
    /// closed.
    fn reserve(&mut self) -> Result<bool, ()> {
        if self.closed {
            Err(())
        } else if self.is_full() {
            Ok(false)
        } else {
            self.permits += 1;
            Ok(true)
        }
    }

    /// A permit's send: never refused, also once closed; the message is
    /// dropped at once when no receiver is left.
    fn send_permitted(&mut self, id: u64) {
        assert!(self.permits > 0);
        self.permits -= 1;
        if self.receivers > 0 {
            self.queue.push_back(id);
        }
    }

    fn drop_permit(&mut self) {
        assert!(self.permits > 0);
        self.permits -= 1;
    }

    /// What a send of `id` does: `Ok(true)` sent, `Ok(false)` full, `Err`
    /// closed.
    fn send(&mut self, id: u64) -> Result<bool, ()> {
        if self.closed {
            Err(())
        } else if self.is_full() {
            Ok(false)
        } else {
            self.queue.push_back(id);
            Ok(true)
        }
    }

    /// What a receive does: `Ok(Some(id))`, `Ok(None)` empty, `Err` closed
    /// and drained.
    fn recv(&mut self) -> Result<Option<u64>, ()> {
        match self.queue.pop_front() {
            Some(id) => {
                self.handed = false;
                Ok(Some(id))
            }
            None if self.is_final() => Err(()),
            None => Ok(None),
        }
    }

    /// Returns whether this call closed the channel.
    fn close(&mut self) -> bool {
        !std::mem::replace(&mut self.closed, true)
    }

    fn drop_sender(&mut self) {
        self.senders -= 1;
        if self.senders == 0 {
            self.closed = true;
        }
    }

    fn drop_receiver(&mut self) {
        self.receivers -= 1;
        if self.receivers == 0 {
            self.closed = true;
            self.queue.clear();
            self.handed = false;
        }
    }
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    TrySend(Index),
    /// `try_send` until it fails (at most the given number of times).
    TrySendBurst(Index, usize),
    TryRecv(Index),
    /// Poll a `send` future once, then drop it.
    PollSend(Index),
    /// Poll a `recv` future once, then drop it.
    PollRecv(Index),
    /// Poll the receiver as a `Stream` once (its waiter entry stays in the
    /// handle while pending).
    PollNext(Index),
    /// Poll a `recv_many` future once with this limit, then drop it.
    RecvMany(Index, usize),
    PollClosed(Index),
    PollDrained(Index),
    PollDrainedHandle(Index),
    CloseSender(Index),
    CloseReceiver(Index),
    CloneSender(Index),
    CloneReceiver(Index),
    DropSender(Index),
    DropReceiver(Index),
    /// `try_reserve`, then check every query while the permit is held,
    /// then send through it (`true`) or drop it.
    TryReserve(Index, bool),
    /// Poll a `reserve` future once; if it grants a permit, check, then
    /// send through it (`true`) or drop it.
    PollReserve(Index, bool),
    /// `try_reserve_owned` on the sender itself (moved out of the handles):
    /// the permit is kept across later operations.
    TryReserveOwned(Index),
    /// Poll a `reserve_owned` future once on the sender itself; a granted
    /// permit is kept, a pending future dropped (and its sender with it).
    PollReserveOwned(Index),
    /// Send through a kept permit; its sender comes back.
    PermitSend(Index),
    /// Give a kept permit back with `release`; its sender comes back.
    PermitRelease(Index),
    /// Drop a kept permit (and the sender it holds).
    PermitDrop(Index),
}

fn op() -> impl Strategy<Value = Op> {
    let i = any::<Index>;
    prop_oneof![
        8 => i().prop_map(Op::TrySend),
        2 => (i(), 1usize..80).prop_map(|(s, n)| Op::TrySendBurst(s, n)),
        6 => i().prop_map(Op::TryRecv),
        3 => i().prop_map(Op::PollSend),
        3 => i().prop_map(Op::PollRecv),
        2 => i().prop_map(Op::PollNext),
        3 => (i(), 0usize..10).prop_map(|(r, n)| Op::RecvMany(r, n)),
        1 => i().prop_map(Op::PollClosed),
        1 => i().prop_map(Op::PollDrained),
        1 => i().prop_map(Op::PollDrainedHandle),
        1 => i().prop_map(Op::CloseSender),
        1 => i().prop_map(Op::CloseReceiver),
        2 => i().prop_map(Op::CloneSender),
        2 => i().prop_map(Op::CloneReceiver),
        2 => i().prop_map(Op::DropSender),
        2 => i().prop_map(Op::DropReceiver),
        3 => (i(), any::<bool>()).prop_map(|(s, send)| Op::TryReserve(s, send)),
        2 => (i(), any::<bool>()).prop_map(|(s, send)| Op::PollReserve(s, send)),
        4 => i().prop_map(Op::TryReserveOwned),
        2 => i().prop_map(Op::PollReserveOwned),
        3 => i().prop_map(Op::PermitSend),
        1 => i().prop_map(Op::PermitRelease),
        2 => i().prop_map(Op::PermitDrop),
    ]
}

fn capacity() -> impl Strategy<Value = usize> {
    prop_oneof![Just(1), Just(2), Just(3), Just(7), Just(64), 1usize..=100]
}

/// The system under test, next to its model.
struct Harness {
    model: Model,
    senders: Vec<Sender<Tracked>>,
    receivers: Vec<Receiver<Tracked>>,
    /// Permits kept across operations, each holding its sender.
    permits: Vec<OwnedPermit<Tracked>>,
    live: Live,
    next_id: u64,
    waker: Waker,
}

impl Harness {
    fn new(capacity: usize) -> Self {
        let (tx, rx) = channel(capacity);
        Self {
            model: Model::new(capacity),
            senders: vec![tx],
            receivers: vec![rx],
            permits: Vec::new(),
            live: Live::default(),
            next_id: 0,
            waker: Waker::from(Arc::new(Noop)),
        }
    }

    fn message(&mut self) -> Tracked {
        self.next_id += 1;
        self.live.create(self.next_id)
    }

    fn sender(&mut self, index: &Index) -> Option<usize> {
        (!self.senders.is_empty()).then(|| index.index(self.senders.len()))
    }

    fn receiver(&mut self, index: &Index) -> Option<usize> {
        (!self.receivers.is_empty()).then(|| index.index(self.receivers.len()))
    }

    fn permit(&mut self, index: &Index) -> Option<usize> {
        (!self.permits.is_empty()).then(|| index.index(self.permits.len()))
    }

    /// A borrowed permit was granted (the model counts it): check every
    /// query while it is held, then use it or drop it.
    fn use_permit(&mut self, permit: chan_async::Permit<'_, Tracked>, send: bool) {
        self.check();
        let msg = self.message();
        if send {
            self.model.send_permitted(msg.id);
            permit.send(msg);
            self.observe_hand_over();
        } else {
            self.model.drop_permit();
            drop(permit);
        }
    }

    /// After a send the model accepted: if it filled the buffer, the
    /// channel may have handed the front message to a waiting receiver,
    /// leaving one slot free. Learn whether it did from `len()`.
    fn observe_hand_over(&mut self) {
        let Some(receiver) = self.receivers.first() else {
            return;
        };
        let m = &mut self.model;
        if !m.handed && m.buffered() + m.permits == m.capacity && receiver.len() + 1 == m.buffered()
        {
            m.handed = true;
        }
    }

    /// One `try_send`; returns whether it sent.
    fn try_send(&mut self, s: usize) -> bool {
        let msg = self.message();
        let id = msg.id;
        let got = self.senders[s].try_send(msg);
        match (self.model.send(id), got) {
            (Ok(true), Ok(())) => {
                self.observe_hand_over();
                true
            }
            (Ok(false), Err(TrySendError::Full(back)))
            | (Err(()), Err(TrySendError::Closed(back))) => {
                assert_eq!(back.id, id, "the refused message comes back");
                false
            }
            (expected, got) => panic!("try_send: model says {expected:?}, channel said {got:?}"),
        }
    }

    fn apply(&mut self, op: &Op) {
        let waker = self.waker.clone();
        match op {
            Op::TrySend(s) => {
                if let Some(s) = self.sender(s) {
                    self.try_send(s);
                }
            }
            Op::TrySendBurst(s, n) => {
                if let Some(s) = self.sender(s) {
                    for _ in 0..*n {
                        if !self.try_send(s) {
                            break;
                        }
                    }
                }
            }
            Op::TryRecv(r) => {
                if let Some(r) = self.receiver(r) {
                    let got = self.receivers[r].try_recv().map(|m| m.id);
                    let expected = match self.model.recv() {
                        Ok(Some(id)) => Ok(id),
                        Ok(None) => Err(TryRecvError::Empty),
                        Err(()) => Err(TryRecvError::Closed),
                    };
                    assert_eq!(got, expected, "try_recv");
                }
            }
            Op::PollSend(s) => {
                if let Some(s) = self.sender(s) {
                    let msg = self.message();
                    let id = msg.id;
                    let got = poll_once(self.senders[s].send(msg), &waker);
                    match (self.model.send(id), got) {
                        (Ok(true), Poll::Ready(Ok(()))) => self.observe_hand_over(),
                        (Ok(false), Poll::Pending) => {}
                        (Err(()), Poll::Ready(Err(SendError(back)))) => assert_eq!(back.id, id),
                        (expected, got) => {
                            panic!("poll send: model says {expected:?}, channel said {got:?}")
                        }
                    }
                }
            }
            Op::PollRecv(r) | Op::PollNext(r) => {
                if let Some(r) = self.receiver(r) {
                    let got = if matches!(op, Op::PollRecv(_)) {
                        poll_once(self.receivers[r].recv(), &waker)
                    } else {
                        let mut cx = Context::from_waker(&waker);
                        Pin::new(&mut self.receivers[r]).poll_next(&mut cx)
                    };
                    let got = got.map(|m| m.map(|m| m.id));
                    let expected = match self.model.recv() {
                        Ok(Some(id)) => Poll::Ready(Some(id)),
                        Ok(None) => Poll::Pending,
                        Err(()) => Poll::Ready(None),
                    };
                    assert_eq!(got, expected, "{op:?}");
                }
            }
            Op::RecvMany(r, limit) => {
                if let Some(r) = self.receiver(r) {
                    let mut buf = Vec::new();
                    let got = poll_once(self.receivers[r].recv_many(&mut buf, *limit), &waker);
                    let taken: Vec<u64> = buf.iter().map(|m| m.id).collect();
                    let (expected, expected_taken) = if *limit == 0 {
                        (Poll::Ready(0), vec![])
                    } else if !self.model.queue.is_empty() {
                        let n = (*limit).min(self.model.queue.len());
                        (Poll::Ready(n), self.model.take(n))
                    } else if self.model.is_final() {
                        (Poll::Ready(0), vec![])
                    } else {
                        (Poll::Pending, vec![])
                    };
                    assert_eq!((got, taken), (expected, expected_taken), "{op:?}");
                }
            }
            Op::PollClosed(s) => {
                if let Some(s) = self.sender(s) {
                    let got = poll_once(self.senders[s].closed(), &waker);
                    assert_eq!(got.is_ready(), self.model.closed, "closed()");
                }
            }
            Op::PollDrained(s) => {
                if let Some(s) = self.sender(s) {
                    let got = poll_once(self.senders[s].drained(), &waker);
                    let expected = self.model.state() == ChannelState::Closed;
                    assert_eq!(got.is_ready(), expected, "drained()");
                }
            }
            Op::PollDrainedHandle(s) => {
                if let Some(s) = self.sender(s) {
                    let mut cx = Context::from_waker(&waker);
                    let got = self.senders[s].poll_drained(&mut cx);
                    let expected = self.model.state() == ChannelState::Closed;
                    assert_eq!(got.is_ready(), expected, "poll_drained()");
                }
            }
            Op::CloseSender(s) => {
                if let Some(s) = self.sender(s) {
                    assert_eq!(self.senders[s].close(), self.model.close(), "Sender::close");
                }
            }
            Op::CloseReceiver(r) => {
                if let Some(r) = self.receiver(r) {
                    assert_eq!(
                        self.receivers[r].close(),
                        self.model.close(),
                        "Receiver::close"
                    );
                }
            }
            Op::CloneSender(s) => {
                if let Some(s) = self.sender(s) {
                    let clone = self.senders[s].clone();
                    self.senders.push(clone);
                    self.model.senders += 1;
                }
            }
            Op::CloneReceiver(r) => {
                if let Some(r) = self.receiver(r) {
                    let clone = self.receivers[r].clone();
                    self.receivers.push(clone);
                    self.model.receivers += 1;
                }
            }
            Op::DropSender(s) => {
                if let Some(s) = self.sender(s) {
                    drop(self.senders.swap_remove(s));
                    self.model.drop_sender();
                }
            }
            Op::DropReceiver(r) => {
                if let Some(r) = self.receiver(r) {
                    drop(self.receivers.swap_remove(r));
                    self.model.drop_receiver();
                }
            }
            Op::TryReserve(s, send) | Op::PollReserve(s, send) => {
                if let Some(s) = self.sender(s) {
                    // The permit borrows the sender: a clone keeps `self`
                    // free while it is held.
                    let tx = self.senders[s].clone();
                    self.model.senders += 1;
                    let got = if matches!(op, Op::TryReserve(..)) {
                        match tx.try_reserve() {
                            Ok(permit) => Poll::Ready(Ok(permit)),
                            Err(TrySendError::Full(())) => Poll::Pending,
                            Err(TrySendError::Closed(())) => Poll::Ready(Err(())),
                        }
                    } else {
                        poll_once(tx.reserve(), &waker).map(|got| got.map_err(|SendError(())| ()))
                    };
                    match (self.model.reserve(), got) {
                        (Ok(true), Poll::Ready(Ok(permit))) => self.use_permit(permit, *send),
                        (Ok(false), Poll::Pending) | (Err(()), Poll::Ready(Err(()))) => {}
                        (expected, got) => panic!(
                            "{op:?}: model says {expected:?}, channel said {:?}",
                            got.map(|got| got.is_ok())
                        ),
                    }
                    drop(tx);
                    self.model.drop_sender();
                }
            }
            Op::TryReserveOwned(s) | Op::PollReserveOwned(s) => {
                if let Some(s) = self.sender(s) {
                    let tx = self.senders.swap_remove(s);
                    let expected = self.model.reserve();
                    if matches!(op, Op::TryReserveOwned(_)) {
                        match (expected, tx.try_reserve_owned()) {
                            (Ok(true), Ok(permit)) => self.permits.push(permit),
                            (Ok(false), Err(TrySendError::Full(tx)))
                            | (Err(()), Err(TrySendError::Closed(tx))) => self.senders.push(tx),
                            (expected, got) => panic!(
                                "{op:?}: model says {expected:?}, channel said {:?}",
                                got.map(drop).map_err(|e| e.is_full())
                            ),
                        }
                    } else {
                        match (expected, poll_once(tx.reserve_owned(), &waker)) {
                            (Ok(true), Poll::Ready(Ok(permit))) => self.permits.push(permit),
                            // Pending, the future (and its sender) was
                            // dropped; refused, the sender was dropped.
                            (Ok(false), Poll::Pending) | (Err(()), Poll::Ready(Err(_))) => {
                                self.model.drop_sender();
                            }
                            (expected, got) => panic!(
                                "{op:?}: model says {expected:?}, channel said {:?}",
                                got.map(|got| got.is_ok())
                            ),
                        }
                    }
                }
            }
            Op::PermitSend(p) => {
                if let Some(p) = self.permit(p) {
                    let msg = self.message();
                    self.model.send_permitted(msg.id);
                    let tx = self.permits.swap_remove(p).send(msg);
                    self.senders.push(tx);
                    self.observe_hand_over();
                }
            }
            Op::PermitRelease(p) => {
                if let Some(p) = self.permit(p) {
                    self.model.drop_permit();
                    let tx = self.permits.swap_remove(p).release();
                    self.senders.push(tx);
                }
            }
            Op::PermitDrop(p) => {
                if let Some(p) = self.permit(p) {
                    self.model.drop_permit();
                    drop(self.permits.swap_remove(p));
                    self.model.drop_sender();
                }
            }
        }
    }

    /// Every query on every handle agrees with the model, and exactly the
    /// queued messages are alive.
    fn check(&self) {
        let m = &self.model;
        let expected = (
            m.buffered(),
            m.buffered() == 0,
            m.is_full(),
            m.capacity,
            m.state(),
            m.closed,
            m.senders,
            m.receivers,
        );
        macro_rules! check_handles {
            ($handles:expr, $kind:literal) => {
                for (i, h) in $handles.iter().enumerate() {
                    let got = (
                        h.len(),
                        h.is_empty(),
                        h.is_full(),
                        h.capacity(),
                        h.state(),
                        h.is_closed(),
                        h.sender_count(),
                        h.receiver_count(),
                    );
                    assert_eq!(
                        got, expected,
                        "{} {i}: (len, is_empty, is_full, capacity, state, is_closed, senders, receivers)",
                        $kind
                    );
                    assert!(h.same_channel(&$handles[0]));
                }
            };
        }
        check_handles!(self.senders, "sender");
        check_handles!(self.receivers, "receiver");
        let queued: BTreeSet<u64> = m.queue.iter().copied().collect();
        assert_eq!(
            self.live.ids(),
            queued,
            "live messages are exactly the queued ones"
        );
    }
}

fn run(capacity: usize, ops: &[Op]) {
    let mut harness = Harness::new(capacity);
    harness.check();
    for op in ops {
        harness.apply(op);
        harness.check();
    }
    let live = harness.live.clone();
    drop(harness);
    assert!(live.ids().is_empty(), "messages leaked: {:?}", live.ids());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn matches_the_model(capacity in capacity(), ops in prop::collection::vec(op(), 0..200)) {
        run(capacity, &ops);
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Long runs that keep the channel open (no close, no dropping the last
    /// handle of a kind), so fill and drain cycles wrap the ring many times.
    #[test]
    fn matches_the_model_while_open(
        capacity in capacity(),
        ops in prop::collection::vec(op(), 0..500),
    ) {
        let ops: Vec<Op> = ops
            .into_iter()
            .filter(|op| !matches!(op, Op::CloseSender(_) | Op::CloseReceiver(_)))
            .collect();
        let mut harness = Harness::new(capacity);
        for op in &ops {
            let last_of_kind = match op {
                Op::DropSender(_) => harness.senders.len() == 1,
                Op::DropReceiver(_) => harness.receivers.len() == 1,
                // These may drop the sender they take.
                Op::PollReserveOwned(_) | Op::PermitDrop(_) => harness.model.senders == 1,
                _ => false,
            };
            if !last_of_kind {
                harness.apply(op);
                harness.check();
            }
        }
        prop_assert_eq!(harness.model.state(), ChannelState::Open);
    }
}

// ---------------------------------------------------------------------------
// Fixed cases the model relies on
// ---------------------------------------------------------------------------

#[test]
fn capacity_is_exact_whatever_the_number_of_senders() {
    for capacity in [1, 2, 3, 7, 64] {
        let (tx, rx) = channel::<usize>(capacity);
        let senders: Vec<_> = (0..10).map(|_| tx.clone()).collect();
        let mut sent = 0;
        for (i, s) in senders.iter().cycle().take(capacity * 3).enumerate() {
            if s.try_send(i).is_ok() {
                sent += 1;
            }
        }
        assert_eq!(sent, capacity);
        assert!(rx.is_full());
        assert_eq!(tx.try_send(0), Err(TrySendError::Full(0)));
    }
}

#[test]
fn zero_capacity_is_a_rendezvous() {
    let (tx, rx) = channel::<u8>(0);
    assert_eq!((tx.capacity(), rx.len()), (0, 0));
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn closed_and_full_reports_closed() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    rx.close();
    assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    assert_eq!(tx.state(), ChannelState::Closing);
}
