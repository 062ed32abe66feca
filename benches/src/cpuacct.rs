//! CPU time as a user's `getrusage` shows it: one process per run, which
//! builds its runtime, sends its messages and exits, and where that time
//! goes (each worker thread, the time outside the messages).
//!
//! [`peers::run`](crate::peers::run) reads the process's CPU time
//! (`getrusage(RUSAGE_SELF)`, user + system) just before it spawns the
//! tasks and just after the last one ends. The paired rounds of
//! `chan_pairs` call it many times on one runtime, each round 1–3 ms. A
//! user who runs one workload in a process and calls `getrusage` at the end
//! sees more: the runtime's start and shutdown, and whatever regime the
//! workers settle into over a long run. [`measure`] is that process: it
//! builds the same runtime as [`peers::multi_thread`](crate::peers::multi_thread)
//! (2 workers), with each thread's CPU clock recorded, runs one
//! [`peers::run`](crate::peers::run), drops the runtime and reads
//! `getrusage` once more. A parent process runs it with
//! [`spawn`], which also reads what the kernel charged the child
//! (`getrusage(RUSAGE_CHILDREN)`), independently of the child's own report.
//!
//! The `cpu_process` example is the driver (`cargo run --release -p benches
//! --example cpu_process`).
//!
//! ```
//! use benches::cpuacct::{measure, ProcessRun};
//! use benches::peers::{Kanal, Shape};
//!
//! let shape = Shape { capacity: 1024, producers: 4, consumers: 1 };
//! let run = measure::<Kanal>(shape, 10_000);
//! assert!(run.process_cpu >= run.run_cpu);
//! assert_eq!(ProcessRun::parse(&run.to_line()), Some(run));
//! ```

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};

use crate::peers::{cpu_time, run, Peer, Shape};

/// The CPU clock of the calling thread, readable from any thread of the
/// process (`pthread_getcpuclockid`).
fn current_thread_clock() -> libc::clockid_t {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: `pthread_self` is always a valid thread handle, and the call
    // only writes `clock`.
    let status = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
    assert_eq!(status, 0, "pthread_getcpuclockid");
    clock
}

/// The time on `clock`, or `None` once its thread has ended. A thread's CPU
/// clock read from another thread is exact (the kernel adds the time since
/// the thread's last tick), unlike `getrusage`, which adds only what was
/// charged at the last tick or context switch for the other threads that
/// are running.
fn clock_time(clock: libc::clockid_t) -> Option<Duration> {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: the call only writes `time`.
    let status = unsafe { libc::clock_gettime(clock, &mut time) };
    (status == 0).then(|| Duration::new(time.tv_sec as u64, time.tv_nsec as u32))
}

/// The CPU clocks of a runtime's threads, registered as each starts.
///
/// ```
/// use benches::cpuacct::ThreadClocks;
///
/// let clocks = ThreadClocks::default();
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         clocks.register_current();
///         let spin = std::time::Instant::now();
///         while spin.elapsed().as_millis() < 2 {}
///         clocks.end_current();
///     });
/// });
/// assert_eq!(clocks.read().len(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ThreadClocks {
    clocks: Arc<Mutex<Vec<Option<libc::clockid_t>>>>,
    // The time each thread had used when it ended, in registration order.
    ended: Arc<Mutex<Vec<Option<Duration>>>>,
}

impl ThreadClocks {
    /// Records the calling thread's CPU clock.
    pub fn register_current(&self) {
        self.clocks
            .lock()
            .unwrap()
            .push(Some(current_thread_clock()));
        self.ended.lock().unwrap().push(None);
    }

    /// Records, from a registered thread itself as it ends, the CPU time it
    /// used: its clock cannot be read once it has gone.
    pub fn end_current(&self) {
        let clock = current_thread_clock();
        let mut clocks = self.clocks.lock().unwrap();
        if let Some(i) = clocks.iter().position(|c| *c == Some(clock)) {
            self.ended.lock().unwrap()[i] = clock_time(clock);
            clocks[i] = None;
        }
    }

    /// The CPU time each registered thread has used so far (or used in all,
    /// once it has ended), in registration order; zero for a thread that
    /// ended without [`ThreadClocks::end_current`].
    pub fn read(&self) -> Vec<Duration> {
        let clocks = self.clocks.lock().unwrap();
        let ended = self.ended.lock().unwrap();
        clocks
            .iter()
            .zip(ended.iter())
            .map(|(clock, ended)| match (clock, ended) {
                (Some(clock), _) => clock_time(*clock).unwrap_or_default(),
                (None, ended) => ended.unwrap_or_default(),
            })
            .collect()
    }
}

/// [`peers::multi_thread`](crate::peers::multi_thread)'s runtime (2
/// workers), with each of its threads' CPU clocks in the returned
/// [`ThreadClocks`].
pub fn multi_thread_accounted() -> (Runtime, ThreadClocks) {
    let clocks = ThreadClocks::default();
    let (start, stop) = (clocks.clone(), clocks.clone());
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || start.register_current())
        .on_thread_stop(move || stop.end_current())
        .build()
        .unwrap();
    (rt, clocks)
}

/// What one process measured: the run of its messages, and the whole
/// process.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessRun {
    /// Messages sent.
    pub messages: u64,
    /// Wall time of the messages ([`peers::run`](crate::peers::run)'s
    /// interval: first spawn to last task's end).
    pub run_wall: Duration,
    /// `getrusage` user + system over that interval, as the paired rounds
    /// read it.
    pub run_cpu: Duration,
    /// Each runtime thread's CPU time over that interval, read from its
    /// own clock.
    pub run_threads: Vec<Duration>,
    /// How many times the workers parked (went to sleep for lack of work)
    /// over that interval.
    pub run_parks: u64,
    /// Wall time of the whole process, from `main` to its last report.
    pub process_wall: Duration,
    /// `getrusage` user + system at the end, the runtime dropped: what a
    /// user's `getrusage` shows for the whole process.
    pub process_cpu: Duration,
}

/// Nanoseconds per message.
fn per_message(time: Duration, messages: u64) -> f64 {
    time.as_nanos() as f64 / messages as f64
}

impl ProcessRun {
    /// CPU time of the whole process per message, in nanoseconds.
    pub fn process_cpu_per_message(&self) -> f64 {
        per_message(self.process_cpu, self.messages)
    }

    /// CPU time over the messages per message, in nanoseconds.
    pub fn run_cpu_per_message(&self) -> f64 {
        per_message(self.run_cpu, self.messages)
    }

    /// Wall time over the messages per message, in nanoseconds.
    pub fn run_wall_per_message(&self) -> f64 {
        per_message(self.run_wall, self.messages)
    }

    /// The run as one line of `key=value` fields (times in nanoseconds),
    /// which [`ProcessRun::parse`] reads back.
    pub fn to_line(&self) -> String {
        let threads: Vec<String> = self
            .run_threads
            .iter()
            .map(|t| t.as_nanos().to_string())
            .collect();
        format!(
            "messages={} run_wall={} run_cpu={} run_threads={} run_parks={} process_wall={} process_cpu={}",
            self.messages,
            self.run_wall.as_nanos(),
            self.run_cpu.as_nanos(),
            threads.join(","),
            self.run_parks,
            self.process_wall.as_nanos(),
            self.process_cpu.as_nanos(),
        )
    }

    /// Reads a line written by [`ProcessRun::to_line`].
    pub fn parse(line: &str) -> Option<Self> {
        let field = |key: &str| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(key)?.strip_prefix('='))
        };
        let number = |key: &str| field(key)?.parse::<u64>().ok();
        let nanos = |key: &str| number(key).map(Duration::from_nanos);
        let run_threads = field("run_threads")?
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().ok().map(Duration::from_nanos))
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            messages: number("messages")?,
            run_wall: nanos("run_wall")?,
            run_cpu: nanos("run_cpu")?,
            run_threads,
            run_parks: number("run_parks")?,
            process_wall: nanos("process_wall")?,
            process_cpu: nanos("process_cpu")?,
        })
    }
}

/// What a process that runs one workload does: builds the runtime, sends
/// `messages` through a fresh channel of `P` in `shape`
/// ([`peers::run`](crate::peers::run)), drops the runtime, and reports.
/// Meant to be called once per process, first thing in `main`: the
/// process's CPU time is counted from its start.
pub fn measure<P: Peer>(shape: Shape, messages: u64) -> ProcessRun {
    let started = Instant::now();
    let process_cpu_before = cpu_time();
    let (rt, clocks) = multi_thread_accounted();
    let metrics = rt.metrics();
    let parks = || {
        (0..metrics.num_workers())
            .map(|w| metrics.worker_park_count(w))
            .sum::<u64>()
    };
    let parks_before = parks();
    let threads_before = clocks.read();
    let (run_wall, run_cpu) = run::<P>(&rt, shape, messages);
    let run_parks = parks() - parks_before;
    let run_threads = clocks
        .read()
        .iter()
        .enumerate()
        .map(|(i, t)| *t - threads_before.get(i).copied().unwrap_or_default())
        .collect();
    drop(rt);
    ProcessRun {
        messages: messages.max(shape.producers),
        run_wall,
        run_cpu,
        run_threads,
        run_parks,
        process_wall: started.elapsed(),
        process_cpu: cpu_time() - process_cpu_before,
    }
}

/// CPU time (user + system) of this process's children that have ended and
/// been waited for.
fn children_cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the `rusage` we hand it, which is
    // plain old data and valid when zeroed.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// Runs `program args`, which must print one [`ProcessRun::to_line`] line
/// on stdout, and returns that run with what the kernel charged the child
/// in all (user + system, from its `exec` to its exit, as `time` would
/// show).
///
/// # Panics
///
/// If the child cannot be started, fails, or prints no run.
pub fn spawn(program: &Path, args: &[String]) -> (ProcessRun, Duration) {
    let before = children_cpu_time();
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    let charged = children_cpu_time() - before;
    assert!(
        output.status.success(),
        "{} {args:?} failed: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let run = stdout
        .lines()
        .find_map(ProcessRun::parse)
        .unwrap_or_else(|| panic!("no run in the output of {args:?}: {stdout}"));
    (run, charged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_thread_is_charged_to_its_clock() {
        let clocks = ThreadClocks::default();
        std::thread::scope(|s| {
            s.spawn(|| {
                clocks.register_current();
                let spin = Instant::now();
                while spin.elapsed() < Duration::from_millis(20) {}
                clocks.end_current();
            });
        });
        let used = clocks.read();
        assert_eq!(used.len(), 1);
        // Some of the spin, whatever else the machine runs.
        assert!(used[0] >= Duration::from_millis(1), "{used:?}");
    }

    #[test]
    fn lines_round_trip() {
        let run = ProcessRun {
            messages: 7,
            run_wall: Duration::from_nanos(1),
            run_cpu: Duration::from_nanos(2),
            run_threads: vec![Duration::from_nanos(3), Duration::from_nanos(4)],
            run_parks: 5,
            process_wall: Duration::from_nanos(6),
            process_cpu: Duration::from_nanos(8),
        };
        assert_eq!(ProcessRun::parse(&run.to_line()), Some(run));
        assert_eq!(ProcessRun::parse("nothing here"), None);
    }
}
