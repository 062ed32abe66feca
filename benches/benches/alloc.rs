//! Heap allocations and memory of chan-async and its peers (the channels of
//! the `channel` target), counted by a `#[global_allocator]` that wraps the
//! system allocator.
//!
//! Every figure comes from futures polled by hand on this one thread, with
//! wakers made once up front, so the counts are the channels' own: no
//! runtime, no spawned task, no boxed future. Per channel:
//!
//! - **allocs/msg**: heap allocations per message in steady state: after a
//!   warm-up, bursts of 16 `send`s then 16 `recv`s on a channel of capacity
//!   1024, every operation ready at its first poll;
//! - **allocs/recv wait**: allocations per receive that waits: a `recv` is
//!   polled on an empty channel (checked `Pending`), a `send` follows (the
//!   receiver's waker is checked to have run), the `recv` is polled again
//!   (checked `Ready` with that message);
//! - **allocs/send wait**: the same for a `send` on a full channel of
//!   capacity 1, woken by a `recv`;
//! - **fresh channel**: heap bytes a new channel of capacity 1024 of `u64`
//!   holds (allocated by the constructor and still live; the messages alone
//!   take 8 KiB), and how many allocations the constructor made;
//! - **full channel**: the same channel's heap bytes once it holds 1024
//!   messages (channels that grow their buffer on demand differ here);
//! - **bytes/parked receiver**: the channel's heap growth while 100 extra
//!   receivers (clones made beforehand) each have a `recv` pending on an
//!   empty channel, divided by 100 (MPMC channels only);
//! - **bytes/parked sender**: the same with 100 extra senders (clones made
//!   beforehand) each with a `send` pending on a full channel of capacity 1.
//!   A futures-mpsc sender has a slot of its own, so its first send is
//!   accepted and the second waits; the figure includes that message.
//!
//! The pending futures of the last two are pinned in the frames of a
//! recursion, not boxed, so only the channel's allocations are counted.
//! Live bytes are what was allocated and not yet freed (a `realloc` counts
//! as one allocation and its size difference). Each channel first runs every
//! measurement once unrecorded, so lazily initialised statics are not
//! counted. The notes under the table give the bytes a channel still holds
//! after its parked futures were dropped (waiter queues that keep their
//! capacity).
//!
//! Run: `cargo bench -p benches --bench alloc`. It prints a markdown table
//! and writes it to `alloc.md` in the target directory (`$CARGO_TARGET_DIR`
//! when set, as `cargo xtask bench` does, else `<workspace>/target/bench`),
//! where `cargo xtask bench` picks it up for `docs/benchmarks.md`. Criterion
//! flags are accepted and ignored, except that a short `--measurement-time`
//! (under 1 s), `--quick`, or a run without `--bench` (`cargo test`) counts
//! fewer messages and waits and writes no file; `--discard-baseline` also
//! writes none.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use benches::peers::{
    AsyncChannel, ChanAsync, Flume, FuturesMpsc, Kanal, Peer, Thingbuf, TokioMpsc,
};

/// The system allocator, counting allocations and live bytes.
struct Counting;

/// Allocations so far (`alloc`, `alloc_zeroed` and `realloc` calls that
/// succeeded).
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Bytes allocated and not freed yet (wrapping; only differences count).
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` with the same arguments and
// its result returned unchanged; the counters are plain atomics, touched
// only after `System` has answered, and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which
        // is `System::alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_add(layout.size(), Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_add(layout.size(), Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller passes a block this allocator (so `System`)
        // returned, with its layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller passes a block `System` returned, its layout
        // and a valid new size, as `System::realloc` requires.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_add(new_size, Relaxed);
            LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocator's counters at one moment.
#[derive(Clone, Copy)]
struct Snapshot {
    allocations: u64,
    live: usize,
}

fn snapshot() -> Snapshot {
    Snapshot {
        allocations: ALLOCATIONS.load(Relaxed),
        live: LIVE_BYTES.load(Relaxed),
    }
}

impl Snapshot {
    /// Allocations made since `self`.
    fn allocations_since(self) -> u64 {
        ALLOCATIONS.load(Relaxed) - self.allocations
    }

    /// Live bytes in `later` beyond those in `self` (negative: fewer).
    fn growth_to(self, later: Snapshot) -> isize {
        later.live.wrapping_sub(self.live) as isize
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
struct WakeCount(AtomicU64);

impl Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Relaxed);
    }
}

impl WakeCount {
    fn count(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// A counting waker and the handle to read its count.
fn waker() -> (Arc<WakeCount>, Waker) {
    let count = Arc::new(WakeCount::default());
    let waker = Waker::from(count.clone());
    (count, waker)
}

/// Polls `future` once; it must be ready.
fn ready<F: Future>(name: &str, what: &str, future: F, waker: &Waker) -> F::Output {
    let future = pin!(future);
    match future.poll(&mut Context::from_waker(waker)) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("{name}: {what} did not complete at its first poll"),
    }
}

/// Polls a pinned future once.
fn poll_once<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// How many messages and waits to count.
#[derive(Clone, Copy)]
struct Counts {
    messages: u64,
    waits: u64,
}

/// One channel's figures.
struct Figures {
    name: &'static str,
    allocs_per_message: f64,
    allocs_per_recv_wait: f64,
    allocs_per_send_wait: f64,
    fresh_bytes: isize,
    fresh_allocations: u64,
    full_bytes: isize,
    bytes_per_parked_receiver: Option<f64>,
    bytes_per_parked_sender: f64,
    /// Bytes still held after the parked futures were dropped, beyond the
    /// baseline (receivers, senders).
    kept_after_cancel: (Option<isize>, isize),
    /// Messages the parked senders got accepted before their send waited.
    accepted_before_parking: u64,
}

/// Messages per burst in the steady-state count.
const BURST: u64 = 16;
/// Waiting tasks parked at once.
const PARKED: usize = 100;

/// Steady state: allocations per message over `messages` messages.
fn allocs_per_message<P: Peer>(messages: u64, waker: &Waker) -> f64 {
    let (mut tx, mut rx) = P::channel(1024);
    let mut next = 0;
    let mut bursts = |count: u64| {
        for _ in 0..count / BURST {
            for i in next..next + BURST {
                ready(P::NAME, "a send", P::send(&mut tx, i), waker);
            }
            for i in next..next + BURST {
                let got = ready(P::NAME, "a recv", P::recv(&mut rx), waker);
                assert_eq!(got, Some(i), "{}: wrong message", P::NAME);
            }
            next += BURST;
        }
    };
    bursts(8 * 1024);
    let before = snapshot();
    bursts(messages);
    before.allocations_since() as f64 / (messages / BURST * BURST) as f64
}

/// Allocations per `recv` that waits and is woken by a `send`.
fn allocs_per_recv_wait<P: Peer>(waits: u64, noop: &Waker) -> f64 {
    let (mut tx, mut rx) = P::channel(1024);
    let (wakes, waker) = waker();
    let mut wait = |i: u64| {
        let mut recv = pin!(P::recv(&mut rx));
        assert!(
            poll_once(recv.as_mut(), &waker).is_pending(),
            "{}: recv on an empty channel did not wait",
            P::NAME
        );
        let woken = wakes.count();
        ready(P::NAME, "a send", P::send(&mut tx, i), noop);
        assert!(
            wakes.count() > woken,
            "{}: the send did not wake the waiting recv",
            P::NAME
        );
        match poll_once(recv, &waker) {
            Poll::Ready(got) => assert_eq!(got, Some(i), "{}: wrong message", P::NAME),
            Poll::Pending => panic!("{}: the woken recv is still pending", P::NAME),
        }
    };
    for i in 0..1000 {
        wait(i);
    }
    let before = snapshot();
    for i in 0..waits {
        wait(i);
    }
    before.allocations_since() as f64 / waits as f64
}

/// Allocations per `send` that waits on a full channel (capacity 1) and is
/// woken by a `recv`.
fn allocs_per_send_wait<P: Peer>(waits: u64, noop: &Waker) -> f64 {
    let (mut tx, mut rx) = P::channel(1);
    let (wakes, waker) = waker();
    ready(P::NAME, "the first send", P::send(&mut tx, 0), noop);
    let mut wait = |i: u64| {
        let mut send = pin!(P::send(&mut tx, i + 1));
        assert!(
            poll_once(send.as_mut(), &waker).is_pending(),
            "{}: send on a full channel did not wait",
            P::NAME
        );
        let woken = wakes.count();
        let got = ready(P::NAME, "a recv", P::recv(&mut rx), noop);
        assert_eq!(got, Some(i), "{}: wrong message", P::NAME);
        assert!(
            wakes.count() > woken,
            "{}: the recv did not wake the waiting send",
            P::NAME
        );
        assert!(
            poll_once(send, &waker).is_ready(),
            "{}: the woken send is still pending",
            P::NAME
        );
    };
    let mut i = 0;
    for _ in 0..1000 {
        wait(i);
        i += 1;
    }
    let before = snapshot();
    for _ in 0..waits {
        wait(i);
        i += 1;
    }
    before.allocations_since() as f64 / waits as f64
}

/// Live bytes and allocations of a fresh channel of capacity 1024, and its
/// live bytes once it holds 1024 messages.
fn fresh<P: Peer>(waker: &Waker) -> (isize, u64, isize) {
    drop(P::channel(1024));
    let before = snapshot();
    let (mut tx, rx) = P::channel(1024);
    let fresh = snapshot();
    for i in 0..1024 {
        ready(P::NAME, "a send", P::send(&mut tx, i), waker);
    }
    let full = snapshot();
    drop((tx, rx));
    (
        before.growth_to(fresh),
        fresh.allocations - before.allocations,
        before.growth_to(full),
    )
}

/// Polls a `recv` on each receiver of `rxs` and keeps it pending, each in a
/// frame of its own; returns the counters while all of them wait.
fn park_receivers<P: Peer>(rxs: &mut [P::Rx], waker: &Waker) -> Snapshot {
    let Some((rx, rest)) = rxs.split_first_mut() else {
        return snapshot();
    };
    let mut recv = pin!(P::recv(rx));
    assert!(
        poll_once(recv.as_mut(), waker).is_pending(),
        "{}: recv on an empty channel did not wait",
        P::NAME
    );
    park_receivers::<P>(rest, waker)
}

/// Polls `send`s on each sender of `txs` until one is pending, and keeps
/// that one pending, each in a frame of its own; counts the sends accepted
/// on the way in `accepted`; returns the counters while all of them wait.
fn park_senders<P: Peer>(txs: &mut [P::Tx], waker: &Waker, accepted: &mut u64) -> Snapshot {
    let Some((tx, rest)) = txs.split_first_mut() else {
        return snapshot();
    };
    for _ in 0..4 {
        let mut send = pin!(P::send(tx, 1));
        if poll_once(send.as_mut(), waker).is_pending() {
            return park_senders::<P>(rest, waker, accepted);
        }
        *accepted += 1;
    }
    panic!("{}: 4 sends on a full channel were accepted", P::NAME)
}

/// Growth per parked receiver, and the bytes kept once they were dropped.
fn parked_receivers<P: Peer>(waker: &Waker) -> (f64, isize) {
    let (_tx, rx) = P::channel(1024);
    let mut rxs: Vec<P::Rx> = (0..PARKED).map(|_| P::clone_rx(&rx)).collect();
    let before = snapshot();
    let parked = park_receivers::<P>(&mut rxs, waker);
    let after = snapshot();
    (
        before.growth_to(parked) as f64 / PARKED as f64,
        before.growth_to(after),
    )
}

/// Growth per parked sender, the bytes kept once they were dropped, and the
/// sends accepted before the senders waited.
fn parked_senders<P: Peer>(waker: &Waker) -> (f64, isize, u64) {
    let (mut tx, _rx) = P::channel(1);
    ready(P::NAME, "the first send", P::send(&mut tx, 0), waker);
    let mut txs: Vec<P::Tx> = (0..PARKED).map(|_| tx.clone()).collect();
    let mut accepted = 0;
    let before = snapshot();
    let parked = park_senders::<P>(&mut txs, waker, &mut accepted);
    let after = snapshot();
    (
        before.growth_to(parked) as f64 / PARKED as f64,
        before.growth_to(after),
        accepted,
    )
}

fn measure<P: Peer>(counts: Counts) -> Figures {
    let (_, noop) = waker();
    // One round first, so lazily initialised thread-locals and statics of
    // the channel or the allocator are not counted.
    let _ = allocs_per_message::<P>(BURST, &noop);
    let _ = allocs_per_recv_wait::<P>(1, &noop);
    let _ = allocs_per_send_wait::<P>(1, &noop);
    if P::MPMC {
        let _ = parked_receivers::<P>(&noop);
    }
    let _ = parked_senders::<P>(&noop);

    let (fresh_bytes, fresh_allocations, full_bytes) = fresh::<P>(&noop);
    let receivers = P::MPMC.then(|| parked_receivers::<P>(&noop));
    let (per_sender, sender_kept, accepted) = parked_senders::<P>(&noop);
    Figures {
        name: P::NAME,
        allocs_per_message: allocs_per_message::<P>(counts.messages, &noop),
        allocs_per_recv_wait: allocs_per_recv_wait::<P>(counts.waits, &noop),
        allocs_per_send_wait: allocs_per_send_wait::<P>(counts.waits, &noop),
        fresh_bytes,
        fresh_allocations,
        full_bytes,
        bytes_per_parked_receiver: receivers.map(|(per, _)| per),
        bytes_per_parked_sender: per_sender,
        kept_after_cancel: (receivers.map(|(_, kept)| kept), sender_kept),
        accepted_before_parking: accepted,
    }
}

/// A count per operation: integers as such, fractions with two decimals.
fn per_op(value: f64) -> String {
    if value == value.round() {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn render(figures: &[Figures], counts: Counts) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Heap allocations counted by a wrapping `#[global_allocator]` \
         (`cargo bench -p benches --bench alloc`), futures polled by hand on \
         one thread: {} messages in bursts of {BURST} at capacity 1024 after \
         a warm-up, {} waits of each kind, {PARKED} tasks parked at once. A \
         wait is a `recv` on an empty channel (or a `send` on a full one of \
         capacity 1) that returned `Pending`, was woken by the other side and \
         then completed. `fresh channel` is what the constructor leaves \
         allocated for capacity 1024 of `u64` (the messages alone: 8 KiB), \
         `full channel` what it holds with 1024 messages in. \
         `per parked` is the channel's heap growth while {PARKED} extra \
         receivers (empty channel) or senders (full channel of capacity 1) \
         wait, divided by {PARKED}; `–`: one receiver only. Ours in bold.\n",
        counts.messages, counts.waits
    );
    out.push_str(
        "| channel | allocs/msg | allocs/recv wait | allocs/send wait \
         | fresh channel, bytes (allocs) | full channel, bytes \
         | bytes per parked receiver | bytes per parked sender |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for f in figures {
        let name = if f.name == ChanAsync::NAME {
            format!("**{}**", f.name)
        } else {
            f.name.to_string()
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} ({}) | {} | {} | {} |",
            per_op(f.allocs_per_message),
            per_op(f.allocs_per_recv_wait),
            per_op(f.allocs_per_send_wait),
            f.fresh_bytes,
            f.fresh_allocations,
            f.full_bytes,
            f.bytes_per_parked_receiver
                .map_or("–".to_string(), |b| format!("{b:.0}")),
            format_args!("{:.0}", f.bytes_per_parked_sender),
        );
    }
    let mut notes = String::new();
    for f in figures {
        if f.accepted_before_parking > 0 {
            let _ = writeln!(
                notes,
                "- {}: the {PARKED} sender clones got {} sends accepted on the \
                 full channel before waiting (a slot per sender); the \
                 parked-sender figure includes those messages.",
                f.name, f.accepted_before_parking
            );
        }
    }
    let kept: Vec<String> = figures
        .iter()
        .filter_map(|f| {
            let (receivers, senders) = f.kept_after_cancel;
            let kept = receivers.unwrap_or(0).max(senders);
            let accepted = if f.accepted_before_parking > 0 {
                format!(", with the {} accepted messages", f.accepted_before_parking)
            } else {
                String::new()
            };
            (kept != 0).then(|| format!("{} {kept} B{accepted}", f.name))
        })
        .collect();
    if !kept.is_empty() {
        let _ = writeln!(
            notes,
            "- Still held once the {PARKED} parked futures were dropped (the \
             larger of the receiver and sender cases): {}; every other \
             channel returned to its size before.",
            kept.join("; ")
        );
    }
    let _ = writeln!(
        notes,
        "- A wait includes the message that ends it, so a channel that \
         allocates per message shows that allocation in the wait columns too."
    );
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = benches::quick_run(&args);
    let counts = if quick {
        Counts {
            messages: 16_000,
            waits: 1_000,
        }
    } else {
        Counts {
            messages: 400_000,
            waits: 40_000,
        }
    };

    let started = Instant::now();
    let figures = vec![
        measure::<ChanAsync>(counts),
        measure::<Kanal>(counts),
        measure::<Flume>(counts),
        measure::<Thingbuf>(counts),
        measure::<TokioMpsc>(counts),
        measure::<AsyncChannel>(counts),
        measure::<FuturesMpsc>(counts),
    ];
    let table = render(&figures, counts);
    println!("{table}");
    println!(
        "alloc: {} channels counted in {:.2} s",
        figures.len(),
        started.elapsed().as_secs_f64()
    );
    benches::write_result(&args, "alloc.md", &table);
}
