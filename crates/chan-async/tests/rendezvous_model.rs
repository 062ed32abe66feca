#![cfg(not(chan_loom))]
//! Property test of rendezvous channels (`channel(0)`): random sequences of
//! sends, receives (futures kept pending across steps, polled, dropped),
//! streams, permits, `try_*` calls and a close, on two senders and two
//! receivers, with a counting waker per waiter.
//!
//! Checked throughout:
//! - no lost wake: once every woken waiter has been polled (`Settle`), a
//!   waiter that was not woken since its last poll is still pending;
//! - a value is received at most once, never after its cancelled send
//!   dropped it, and each sender's values arrive in the order sent;
//! - at the end (close, settle, drain): every send that completed `Ok` and
//!   every permit's value was received, every value was dropped exactly
//!   once.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use chan_async::{channel, OwnedPermit, Receiver, Recv, ReserveOwned, Send, Sender};
use futures_core::Stream;
use proptest::prelude::*;

/// Values alive and values dropped, shared with every value.
#[derive(Default)]
struct Log {
    dropped: Vec<u64>,
}

struct Tracked(u64, Arc<Mutex<Log>>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.1.lock().unwrap().dropped.push(self.0);
    }
}

/// A waker that records whether it was woken since the last look.
#[derive(Default)]
struct Woken(AtomicBool);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

struct Waiting<F> {
    future: Pin<Box<F>>,
    woken: Arc<Woken>,
    waker: Waker,
    /// The sender it belongs to (sends and reserves).
    sender: usize,
}

impl<F: Future> Waiting<F> {
    fn new(future: F, sender: usize) -> Self {
        let woken = Arc::new(Woken::default());
        Self {
            future: Box::pin(future),
            waker: Waker::from(Arc::clone(&woken)),
            woken,
            sender,
        }
    }

    fn poll(&mut self) -> Poll<F::Output> {
        self.woken.0.store(false, Ordering::SeqCst);
        self.future
            .as_mut()
            .poll(&mut Context::from_waker(&self.waker))
    }

    fn was_woken(&self) -> bool {
        self.woken.0.load(Ordering::SeqCst)
    }
}

#[derive(Clone, Debug)]
enum Op {
    StartSend(usize),
    TrySend(usize),
    StartReserve(usize),
    UsePermit(usize),
    DropPermit(usize),
    StartRecv(usize),
    PollNext(usize),
    TryRecv(usize),
    PollSend(usize),
    PollRecv(usize),
    DropSend(usize),
    DropRecv(usize),
    Settle,
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize).prop_map(Op::StartSend),
        2 => (0..2usize).prop_map(Op::TrySend),
        2 => (0..2usize).prop_map(Op::StartReserve),
        2 => (0..4usize).prop_map(Op::UsePermit),
        1 => (0..4usize).prop_map(Op::DropPermit),
        4 => (0..2usize).prop_map(Op::StartRecv),
        2 => (0..2usize).prop_map(Op::PollNext),
        2 => (0..2usize).prop_map(Op::TryRecv),
        2 => (0..4usize).prop_map(Op::PollSend),
        2 => (0..4usize).prop_map(Op::PollRecv),
        2 => (0..4usize).prop_map(Op::DropSend),
        2 => (0..4usize).prop_map(Op::DropRecv),
        4 => Just(Op::Settle),
        1 => Just(Op::Close),
    ]
}

type Value = Tracked;

struct Harness {
    senders: [&'static Sender<Value>; 2],
    receivers: [&'static Receiver<Value>; 2],
    /// The receivers polled as streams (owned: a stream's place lives in
    /// the handle), with their wake records.
    streams: [(Receiver<Value>, Arc<Woken>, bool); 2],
    log: Arc<Mutex<Log>>,
    next: [u64; 2],
    /// Whether each sender has an operation under way (one at a time, so
    /// its values have an order).
    busy: [bool; 2],
    sends: Vec<Waiting<Send<'static, Value>>>,
    reserves: Vec<Waiting<ReserveOwned<Value>>>,
    permits: Vec<(OwnedPermit<Value>, usize)>,
    recvs: Vec<Waiting<Recv<'static, Value>>>,
    received: Vec<u64>,
    /// Values whose send completed `Ok` (or a permit sent).
    sent: Vec<u64>,
}

impl Harness {
    fn new() -> Self {
        let (tx, rx) = channel(0);
        let senders = [&*Box::leak(Box::new(tx.clone())), &*Box::leak(Box::new(tx))];
        let receivers = [&*Box::leak(Box::new(rx.clone())), &*Box::leak(Box::new(rx))];
        let stream = |rx: &Receiver<Value>| (rx.clone(), Arc::new(Woken::default()), false);
        Self {
            streams: [stream(receivers[0]), stream(receivers[1])],
            senders,
            receivers,
            log: Arc::default(),
            next: [0, 1_000_000],
            busy: [false; 2],
            sends: Vec::new(),
            reserves: Vec::new(),
            permits: Vec::new(),
            recvs: Vec::new(),
            received: Vec::new(),
            sent: Vec::new(),
        }
    }

    fn value(&mut self, s: usize) -> Tracked {
        self.next[s] += 1;
        Tracked(self.next[s], Arc::clone(&self.log))
    }

    fn got(&mut self, value: Tracked) {
        let id = value.0;
        assert!(
            !self.log.lock().unwrap().dropped.contains(&id),
            "value {id} received after it was dropped"
        );
        assert!(!self.received.contains(&id), "value {id} received twice");
        if let Some(last) = self
            .received
            .iter()
            .rev()
            .find(|&&r| r / 1_000_000 == id / 1_000_000)
        {
            assert!(
                *last < id,
                "value {id} received after {last} of the same sender"
            );
        }
        self.received.push(id);
    }

    fn send_done(
        &mut self,
        k: usize,
        done: Result<(), chan_async::SendError<Value>>,
        id: Option<u64>,
    ) {
        let sender = self.sends[k].sender;
        self.busy[sender] = false;
        match done {
            Ok(()) => self.sent.extend(id),
            Err(err) => drop(err.into_inner()),
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::StartSend(s) | Op::TrySend(s) | Op::StartReserve(s) if self.busy[s] => {}
            Op::StartSend(s) => {
                let value = self.value(s);
                let id = value.0;
                let mut send = Waiting::new(self.senders[s].send(value), s);
                match send.poll() {
                    Poll::Ready(Ok(())) => self.sent.push(id),
                    Poll::Ready(Err(err)) => drop(err.into_inner()),
                    Poll::Pending => {
                        self.busy[s] = true;
                        self.sends.push(send);
                    }
                }
            }
            Op::TrySend(s) => {
                let value = self.value(s);
                let id = value.0;
                match self.senders[s].try_send(value) {
                    Ok(()) => self.sent.push(id),
                    Err(err) => drop(err.into_inner()),
                }
            }
            Op::StartReserve(s) => {
                let mut reserve = Waiting::new(self.senders[s].clone().reserve_owned(), s);
                match reserve.poll() {
                    Poll::Ready(Ok(permit)) => {
                        self.busy[s] = true;
                        self.permits.push((permit, s));
                    }
                    Poll::Ready(Err(_)) => {}
                    Poll::Pending => {
                        self.busy[s] = true;
                        self.reserves.push(reserve);
                    }
                }
            }
            Op::UsePermit(k) if k < self.permits.len() => {
                let (permit, s) = self.permits.swap_remove(k);
                let value = self.value(s);
                self.sent.push(value.0);
                drop(permit.send(value));
                self.busy[s] = false;
            }
            Op::DropPermit(k) if k < self.permits.len() => {
                let (permit, s) = self.permits.swap_remove(k);
                drop(permit);
                self.busy[s] = false;
            }
            Op::StartRecv(r) => {
                let mut recv = Waiting::new(self.receivers[r].recv(), r);
                match recv.poll() {
                    Poll::Ready(Some(value)) => self.got(value),
                    Poll::Ready(None) => {}
                    Poll::Pending => self.recvs.push(recv),
                }
            }
            Op::PollNext(r) => self.poll_stream(r),
            Op::TryRecv(r) => {
                if let Ok(value) = self.receivers[r].try_recv() {
                    self.got(value);
                }
            }
            Op::PollSend(k) if k < self.sends.len() => self.poll_send(k),
            Op::PollRecv(k) if k < self.recvs.len() => self.poll_recv(k),
            Op::DropSend(k) if k < self.sends.len() => {
                let send = self.sends.swap_remove(k);
                self.busy[send.sender] = false;
                drop(send);
            }
            Op::DropRecv(k) if k < self.recvs.len() => drop(self.recvs.swap_remove(k)),
            Op::Settle => self.settle(),
            Op::Close => {
                self.senders[0].close();
            }
            _ => {}
        }
    }

    fn poll_send(&mut self, k: usize) {
        if let Poll::Ready(done) = self.sends[k].poll() {
            // The id of a value sent is not known here: it left the future.
            let id = self.pending_send_id(k);
            self.send_done(k, done, id);
            self.sends.swap_remove(k);
        }
    }

    /// The id the pending send `k` sent: its sender's latest value.
    fn pending_send_id(&self, k: usize) -> Option<u64> {
        Some(self.next[self.sends[k].sender])
    }

    fn poll_recv(&mut self, k: usize) {
        match self.recvs[k].poll() {
            Poll::Ready(Some(value)) => {
                self.recvs.swap_remove(k);
                self.got(value);
            }
            Poll::Ready(None) => {
                self.recvs.swap_remove(k);
            }
            Poll::Pending => {}
        }
    }

    fn poll_reserve(&mut self, k: usize) {
        if let Poll::Ready(done) = self.reserves[k].poll() {
            let reserve = self.reserves.swap_remove(k);
            match done {
                Ok(permit) => self.permits.push((permit, reserve.sender)),
                Err(_) => self.busy[reserve.sender] = false,
            }
        }
    }

    fn poll_stream(&mut self, r: usize) {
        let (rx, woken, _) = &mut self.streams[r];
        woken.0.store(false, Ordering::SeqCst);
        let waker = Waker::from(Arc::clone(woken));
        let poll = Pin::new(rx).poll_next(&mut Context::from_waker(&waker));
        self.streams[r].2 = poll.is_pending();
        if let Poll::Ready(Some(value)) = poll {
            self.got(value);
        }
    }

    /// Polls every woken waiter until none is woken, then checks that no
    /// waiter left unwoken could make progress (a lost wake).
    fn settle(&mut self) {
        loop {
            let mut any = false;
            for k in (0..self.sends.len()).rev() {
                if self.sends[k].was_woken() {
                    any = true;
                    self.poll_send(k);
                }
            }
            for k in (0..self.reserves.len()).rev() {
                if self.reserves[k].was_woken() {
                    any = true;
                    self.poll_reserve(k);
                }
            }
            for k in (0..self.recvs.len()).rev() {
                if self.recvs[k].was_woken() {
                    any = true;
                    self.poll_recv(k);
                }
            }
            for r in 0..2 {
                if self.streams[r].2 && self.streams[r].1 .0.load(Ordering::SeqCst) {
                    any = true;
                    self.poll_stream(r);
                }
            }
            if !any {
                break;
            }
        }
        for k in 0..self.sends.len() {
            assert!(self.sends[k].poll().is_pending(), "a send was not woken");
        }
        for k in 0..self.reserves.len() {
            assert!(
                self.reserves[k].poll().is_pending(),
                "a reserve was not woken"
            );
        }
        for k in 0..self.recvs.len() {
            assert!(self.recvs[k].poll().is_pending(), "a receive was not woken");
        }
        for r in 0..2 {
            if self.streams[r].2 {
                self.poll_stream(r);
                assert!(self.streams[r].2, "a stream was not woken");
            }
        }
    }

    /// Close, let everyone finish, drain; then the accounting.
    fn finish(mut self) {
        while let Some((permit, s)) = self.permits.pop() {
            let value = self.value(s);
            self.sent.push(value.0);
            drop(permit.send(value));
        }
        self.senders[0].close();
        self.settle();
        assert!(self.sends.is_empty() && self.reserves.is_empty());
        assert!(self.recvs.is_empty(), "receives pending after the close");
        for r in 0..2 {
            while let Ok(value) = self.receivers[r].try_recv() {
                self.got(value);
            }
        }
        let received: BTreeSet<u64> = self.received.iter().copied().collect();
        for id in &self.sent {
            assert!(
                received.contains(id),
                "value {id} was sent but not received"
            );
        }
        self.received.clear();
        drop(self.streams);
        let dropped = self.log.lock().unwrap().dropped.clone();
        let unique: BTreeSet<u64> = dropped.iter().copied().collect();
        assert_eq!(unique.len(), dropped.len(), "a value was dropped twice");
        let created = self.next[0] + (self.next[1] - 1_000_000);
        assert_eq!(dropped.len() as u64, created, "a value was never dropped");
    }
}

fn run(ops: &[Op]) {
    let mut harness = Harness::new();
    for op in ops {
        harness.apply(op);
    }
    harness.finish();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn rendezvous_keeps_every_promise(ops in prop::collection::vec(op(), 0..120)) {
        run(&ops);
    }
}
