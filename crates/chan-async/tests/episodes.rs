#![cfg(not(chan_loom))]
//! Episodes: many short rounds, each on a fresh channel of capacity 1 or 2
//! with three receivers and three senders that move a fixed number of
//! messages, as blocked threads or as tasks on a two-worker tokio runtime.
//!
//! A wake-up lost in the middle of a busy channel is usually covered by a
//! later one; lost near the end of a round, it leaves a waiter asleep for
//! good while what it waits for is there. So the rounds are short and
//! many, and each must finish: one still running after [`LIMIT`] is
//! reported as stuck, with who waits and how many messages are buffered,
//! and fails the test. The test keeps a sender and a receiver of its own
//! in every round, so that no close (which wakes everyone) hides a waiter
//! left asleep. Every round also checks exactly-once delivery.
//!
//! The number of rounds is fixed (`EPISODES` raises it for long runs), not
//! the time they take.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use chan_async::{channel, Receiver, Sender};

const RECEIVERS: usize = 3;
const SENDERS: usize = 3;
/// Messages each sender sends and each receiver receives, per round.
const PER_PARTY: usize = 2;
/// How long a round may take before it counts as stuck: generous, as the
/// machine may be busy; a round normally takes well under a millisecond.
const LIMIT: Duration = Duration::from_secs(10);

/// Rounds per test: the default, or `EPISODES` if set.
fn episodes(default: usize) -> usize {
    std::env::var("EPISODES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// The capacity of round `episode`: 2 in every fourth round, otherwise 1,
/// where lost wake-ups strand a waiter most often.
fn capacity(episode: usize) -> usize {
    if episode % 4 == 3 {
        2
    } else {
        1
    }
}

/// The messages sender `sender` sends: distinct across the round's senders.
fn values(sender: usize) -> Range<u64> {
    let first = (sender * PER_PARTY) as u64;
    first..first + PER_PARTY as u64
}

/// How far each party of a round got, for the report of a stuck round.
#[derive(Default)]
struct Progress {
    /// Messages sent or received so far.
    moved: AtomicUsize,
    finished: AtomicBool,
}

/// The parties of one round: receivers first, then senders.
struct Round {
    episode: usize,
    parties: Vec<Progress>,
}

impl Round {
    fn new(episode: usize) -> Arc<Self> {
        Arc::new(Self {
            episode,
            parties: (0..RECEIVERS + SENDERS)
                .map(|_| Progress::default())
                .collect(),
        })
    }

    fn moved_one(&self, party: usize) {
        self.parties[party].moved.fetch_add(1, Ordering::SeqCst);
    }

    fn finished(&self, party: usize) {
        self.parties[party].finished.store(true, Ordering::SeqCst);
    }

    /// Who still waits, and what the channel holds.
    fn stuck_report(&self, buffered: usize, how: &str) -> String {
        let waiting: Vec<String> = self
            .parties
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.finished.load(Ordering::SeqCst))
            .map(|(party, p)| {
                let moved = p.moved.load(Ordering::SeqCst);
                if party < RECEIVERS {
                    format!("receiver {party} waits after {moved} of {PER_PARTY} messages")
                } else {
                    let sender = party - RECEIVERS;
                    format!("sender {sender} waits after {moved} of {PER_PARTY} messages")
                }
            })
            .collect();
        format!(
            "round {} (capacity {}, {how}) stuck after {LIMIT:?}: {}; {buffered} message(s) \
             buffered",
            self.episode,
            capacity(self.episode),
            waiting.join(", "),
        )
    }
}

/// Checks that the receivers of a round got every message sent, once.
fn check_delivery(episode: usize, received: &[Vec<u64>]) {
    let mut got: Vec<u64> = received.iter().flatten().copied().collect();
    got.sort_unstable();
    let sent: Vec<u64> = (0..SENDERS).flat_map(values).collect();
    assert_eq!(got, sent, "round {episode}: not every message exactly once");
    for (receiver, messages) in received.iter().enumerate() {
        assert_eq!(
            messages.len(),
            PER_PARTY,
            "round {episode}: receiver {receiver} got a wrong number of messages"
        );
    }
}

// ---------------------------------------------------------------------------
// Parties: blocked threads and async tasks
// ---------------------------------------------------------------------------

/// How the parties of one side run.
#[derive(Clone, Copy)]
enum Runs {
    /// Each on a thread, in `recv_blocking` or `send_blocking`.
    Threads,
    /// Each a task on a two-worker tokio runtime, in `recv().await` or
    /// `send().await`.
    Tasks,
}

impl Runs {
    fn name(self) -> &'static str {
        match self {
            Self::Threads => "threads",
            Self::Tasks => "tasks",
        }
    }
}

/// One party's part in a round.
enum Job {
    Recv(Receiver<u64>),
    Send(Sender<u64>),
}

/// What a party reports when its part of a round ends: the messages it
/// received (a receiver), and whether it moved all of its messages.
struct Report {
    party: usize,
    received: Vec<u64>,
    completed: bool,
}

fn run_blocking(party: usize, job: Job, round: &Round) -> Report {
    let mut received = Vec::with_capacity(PER_PARTY);
    let mut completed = true;
    match job {
        Job::Recv(rx) => {
            while received.len() < PER_PARTY {
                let Some(message) = rx.recv_blocking() else {
                    completed = false; // closed: the round was stuck
                    break;
                };
                received.push(message);
                round.moved_one(party);
            }
        }
        Job::Send(tx) => {
            for message in values(party - RECEIVERS) {
                if tx.send_blocking(message).is_err() {
                    completed = false;
                    break;
                }
                round.moved_one(party);
            }
        }
    }
    round.finished(party);
    Report {
        party,
        received,
        completed,
    }
}

/// [`run_blocking`], awaiting instead of blocking.
async fn run_async(party: usize, job: Job, round: &Round) -> Report {
    let mut received = Vec::with_capacity(PER_PARTY);
    let mut completed = true;
    match job {
        Job::Recv(rx) => {
            while received.len() < PER_PARTY {
                let Some(message) = rx.recv().await else {
                    completed = false;
                    break;
                };
                received.push(message);
                round.moved_one(party);
            }
        }
        Job::Send(tx) => {
            for message in values(party - RECEIVERS) {
                if tx.send(message).await.is_err() {
                    completed = false;
                    break;
                }
                round.moved_one(party);
            }
        }
    }
    round.finished(party);
    Report {
        party,
        received,
        completed,
    }
}

/// A thread's job: its part, its round, and the barrier where the round's
/// threads meet to start together.
type CrewJob = (Job, Arc<Round>, Arc<Barrier>);

/// Where the rounds run: one thread per party, kept across rounds, and a
/// tokio runtime with two workers for the parties that are tasks. Both
/// report on one channel, which the test thread watches with a deadline.
struct Arena {
    crew: Vec<mpsc::Sender<CrewJob>>,
    threads: Vec<thread::JoinHandle<()>>,
    runtime: tokio::runtime::Runtime,
    report: mpsc::Sender<Report>,
    reports: mpsc::Receiver<Report>,
}

impl Arena {
    fn new() -> Self {
        let (report, reports) = mpsc::channel();
        let (crew, threads) = (0..RECEIVERS + SENDERS)
            .map(|party| {
                let (job, jobs) = mpsc::channel::<CrewJob>();
                let report = report.clone();
                let thread = thread::spawn(move || {
                    for (job, round, start) in jobs {
                        start.wait();
                        let _ = report.send(run_blocking(party, job, &round));
                    }
                });
                (job, thread)
            })
            .unzip();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        Self {
            crew,
            threads,
            runtime,
            report,
            reports,
        }
    }

    /// Runs round `episode`; `Err` describes it if it got stuck.
    fn round(&self, episode: usize, receivers: Runs, senders: Runs) -> Result<(), String> {
        let round = Round::new(episode);
        // Kept until the round is over: dropping the last sender or
        // receiver would close the channel and wake everyone.
        let (tx, rx) = channel::<u64>(capacity(episode));
        let runs = |party| {
            if party < RECEIVERS {
                receivers
            } else {
                senders
            }
        };
        let threads = (0..RECEIVERS + SENDERS)
            .filter(|&party| matches!(runs(party), Runs::Threads))
            .count();
        let start = Arc::new(Barrier::new(threads));
        for party in 0..RECEIVERS + SENDERS {
            let job = if party < RECEIVERS {
                Job::Recv(rx.clone())
            } else {
                Job::Send(tx.clone())
            };
            let round = Arc::clone(&round);
            match runs(party) {
                Runs::Threads => self.crew[party]
                    .send((job, round, Arc::clone(&start)))
                    .unwrap(),
                Runs::Tasks => {
                    let report = self.report.clone();
                    self.runtime.spawn(async move {
                        let _ = report.send(run_async(party, job, &round).await);
                    });
                }
            }
        }

        let deadline = Instant::now() + LIMIT;
        let mut received = vec![Vec::new(); RECEIVERS];
        let mut stuck = None;
        for _ in 0..RECEIVERS + SENDERS {
            let timeout = deadline.saturating_duration_since(Instant::now());
            let report = match self.reports.recv_timeout(timeout) {
                Ok(report) => report,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if stuck.is_none() {
                        let how = format!(
                            "receivers as {}, senders as {}",
                            receivers.name(),
                            senders.name()
                        );
                        stuck = Some(round.stuck_report(rx.len(), &how));
                        // Release the waiters, to collect their reports.
                        tx.close();
                    }
                    self.reports
                        .recv_timeout(LIMIT)
                        .expect("a party still runs after the close")
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => unreachable!("`self` sends too"),
            };
            assert!(
                report.completed || stuck.is_some(),
                "round {episode}: party {} was cut short on an open channel",
                report.party
            );
            if report.party < RECEIVERS {
                received[report.party] = report.received;
            }
        }
        match stuck {
            Some(stuck) => Err(stuck),
            None => {
                check_delivery(episode, &received);
                Ok(())
            }
        }
    }

    /// Runs `rounds` rounds, the sides running as `plan` says for each.
    fn run(&self, rounds: usize, plan: impl Fn(usize) -> (Runs, Runs)) {
        let started = Instant::now();
        for episode in 0..rounds {
            let (receivers, senders) = plan(episode);
            if let Err(stuck) = self.round(episode, receivers, senders) {
                panic!("{stuck} (round {} of {rounds})", episode + 1);
            }
        }
        eprintln!("{rounds} rounds in {:?}", started.elapsed());
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        self.crew.clear(); // ends the threads' job loops
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// Every party a thread blocked in `recv_blocking` or `send_blocking`; the
/// six are released at once.
#[test]
fn every_round_of_blocked_threads_finishes() {
    Arena::new().run(episodes(200_000), |_| (Runs::Threads, Runs::Threads));
}

/// Every party a task on the two-worker runtime, in `recv().await` or
/// `send().await`.
#[test]
fn every_round_of_async_tasks_finishes() {
    Arena::new().run(episodes(20_000), |_| (Runs::Tasks, Runs::Tasks));
}

/// One side threads, the other tasks, in turn: threads parked and unparked
/// through the same queues as tasks woken through the runtime.
#[test]
fn every_round_of_threads_and_tasks_finishes() {
    Arena::new().run(episodes(20_000), |episode| {
        if episode / 4 % 2 == 0 {
            (Runs::Tasks, Runs::Threads)
        } else {
            (Runs::Threads, Runs::Tasks)
        }
    });
}
