//! CPU time per message as a user's `getrusage` shows it: every run is a
//! process of its own (build the runtime, send the messages, exit), for
//! chan-async and its peers, interleaved, repeated, medians reported.
//!
//! ```text
//! cargo run --release -p benches --example cpu_process -- [--runs N] [--messages 100000,2000000] [--peers chan-async,kanal,flume] [WORKLOAD...]
//! cargo run --release -p benches --example cpu_process -- --runs 9 --messages 2000000 mpsc_4x1 mpmc_4x4
//! target/release/examples/cpu_process --child kanal 1024 4 1 2000000
//! perf stat -e task-clock,context-switches,cpu-migrations target/release/examples/cpu_process --child kanal 1024 4 1 2000000
//! ```
//!
//! WORKLOAD filters `benches::peers::workloads()` by name as `chan_pairs`
//! does (default: `spsc_1024 mpsc_4x1 mpmc_4x4`); the current-thread one is
//! left out. `--child` runs one process's measurement
//! (`benches::cpuacct::measure`) and prints it as one line. For each
//! workload, message count and peer the table gives the medians over the
//! runs of:
//!
//! - `process cpu`: `getrusage` user + system at exit, per message (what a
//!   user sees);
//! - `charged`: what the kernel charged the child, read by the parent
//!   (`RUSAGE_CHILDREN`), per message;
//! - `run cpu`, `run wall`: the same over the messages only (the interval
//!   the paired rounds measure), and `cpu/wall`, how many workers were busy;
//! - `busiest`: the share of the run's CPU spent by the busiest thread;
//! - `parks/1k`: worker parks per thousand messages;
//! - `ours ÷ it`: the median of the paired ratios of `process cpu` (ours
//!   and the peer in the same run), with the ratio of the run-only CPU.

use std::path::PathBuf;

use benches::cpuacct::{measure, spawn, ProcessRun};
use benches::pairs::run;
use benches::peers::{contender, workloads, ChanAsync, Flume, Kanal, Peer, Shape};

/// Processes per peer, workload and message count, unless `--runs` says.
const RUNS: usize = 7;

fn child(args: &[String]) {
    let number = |i: usize| -> u64 {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .expect("usage: cpu_process --child PEER CAPACITY PRODUCERS CONSUMERS MESSAGES")
    };
    let shape = Shape {
        capacity: number(1) as usize,
        producers: number(2),
        consumers: number(3),
    };
    let messages = number(4);
    let run = match args[0].as_str() {
        "chan-async" => measure::<ChanAsync>(shape, messages),
        "kanal" => measure::<Kanal>(shape, messages),
        "flume" => measure::<Flume>(shape, messages),
        other => panic!("unknown peer {other} (chan-async, kanal, flume)"),
    };
    println!("{}", run.to_line());
}

/// The paired rounds of `chan_pairs` (one runtime per workload, rounds
/// interleaved) for the same peers, workloads and message counts.
fn paired_rounds(filters: &[String], peers: &[String], message_counts: &[u64], rounds: usize) {
    for workload in workloads() {
        if workload.name == "spsc_current_thread" || !benches::is_selected(filters, workload.name) {
            continue;
        }
        for &messages in message_counts {
            let rt = (workload.runtime)();
            let mut contenders: Vec<_> = [
                contender::<ChanAsync>(&rt, workload.shape),
                contender::<Kanal>(&rt, workload.shape),
                contender::<Flume>(&rt, workload.shape),
            ]
            .into_iter()
            .flatten()
            .filter(|c| {
                peers
                    .iter()
                    .any(|p| format!("{c:?}").contains(&format!("\"{p}\"")))
            })
            .collect();
            let title = format!("chan/{} ({messages} messages per round)", workload.name);
            print!("{}", run(&mut contenders, rounds, messages).render(&title));
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn mpmc(peer: &str) -> bool {
    match peer {
        "chan-async" => ChanAsync::MPMC,
        "kanal" => Kanal::MPMC,
        "flume" => Flume::MPMC,
        _ => false,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let mut runs = RUNS;
    let mut message_counts = vec![100_000u64, 2_000_000];
    let mut peers: Vec<String> = ["chan-async", "kanal", "flume"].map(String::from).to_vec();
    let mut filters = Vec::new();
    let mut paired = None;
    let mut raw = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a flag without its value");
        match arg.as_str() {
            "--runs" => runs = value().parse().expect("--runs N"),
            "--messages" => {
                message_counts = value()
                    .split(',')
                    .map(|m| m.parse().expect("--messages N,N"))
                    .collect();
            }
            "--peers" => peers = value().split(',').map(String::from).collect(),
            "--paired" => paired = Some(value().parse().expect("--paired ROUNDS")),
            "--raw" => raw = true,
            "--bench" => {}
            _ => filters.push(arg),
        }
    }
    if filters.is_empty() {
        filters = ["spsc_1024", "mpsc_4x1", "mpmc_4x4"]
            .map(String::from)
            .to_vec();
    }
    if let Some(rounds) = paired {
        return paired_rounds(&filters, &peers, &message_counts, rounds);
    }
    let exe: PathBuf = std::env::current_exe().expect("own path");
    println!(
        "| workload | messages | implementation | process cpu ns/msg | charged | run cpu | run wall | cpu/wall | busiest | parks/1k | ours ÷ it (process cpu) | ours ÷ it (run cpu) |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for workload in workloads() {
        if workload.name == "spsc_current_thread" || !benches::is_selected(&filters, workload.name)
        {
            continue;
        }
        let shape = workload.shape;
        let peers: Vec<&String> = peers
            .iter()
            .filter(|p| shape.consumers == 1 || mpmc(p))
            .collect();
        for &messages in &message_counts {
            // results[peer][run]
            let mut results: Vec<Vec<(ProcessRun, f64)>> = vec![Vec::new(); peers.len()];
            for r in 0..runs {
                // Rotate the order so no peer always runs right after another.
                for k in 0..peers.len() {
                    let p = (r + k) % peers.len();
                    let child_args: Vec<String> = [
                        "--child".to_string(),
                        peers[p].clone(),
                        shape.capacity.to_string(),
                        shape.producers.to_string(),
                        shape.consumers.to_string(),
                        messages.to_string(),
                    ]
                    .to_vec();
                    let (run, charged) = spawn(&exe, &child_args);
                    let charged = charged.as_nanos() as f64 / run.messages as f64;
                    if raw {
                        println!(
                            "raw {} {} {charged:.1} {}",
                            workload.name,
                            peers[p],
                            run.to_line()
                        );
                    }
                    results[p].push((run, charged));
                }
            }
            for (p, peer) in peers.iter().enumerate() {
                let of = |f: &dyn Fn(&(ProcessRun, f64)) -> f64| {
                    median(results[p].iter().map(f).collect())
                };
                let ratio = |f: &dyn Fn(&ProcessRun) -> f64| {
                    median(
                        results[0]
                            .iter()
                            .zip(&results[p])
                            .map(|(ours, theirs)| f(&ours.0) / f(&theirs.0))
                            .collect(),
                    )
                };
                let busiest = |run: &ProcessRun| {
                    let total: f64 = run.run_threads.iter().map(|t| t.as_secs_f64()).sum();
                    let most = run
                        .run_threads
                        .iter()
                        .map(|t| t.as_secs_f64())
                        .fold(0.0, f64::max);
                    if total > 0.0 {
                        most / total
                    } else {
                        1.0
                    }
                };
                let ratios = if p == 0 {
                    "– | – |".to_string()
                } else {
                    format!(
                        "{:.2} | {:.2} |",
                        ratio(&ProcessRun::process_cpu_per_message),
                        ratio(&ProcessRun::run_cpu_per_message)
                    )
                };
                println!(
                    "| {} | {messages} | {peer} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.0}% | {:.2} | {ratios}",
                    workload.name,
                    of(&|(r, _)| r.process_cpu_per_message()),
                    of(&|(_, charged)| *charged),
                    of(&|(r, _)| r.run_cpu_per_message()),
                    of(&|(r, _)| r.run_wall_per_message()),
                    of(&|(r, _)| r.run_cpu.as_secs_f64() / r.run_wall.as_secs_f64()),
                    100.0 * of(&|(r, _)| busiest(r)),
                    of(&|(r, _)| 1000.0 * r.run_parks as f64 / r.messages as f64),
                );
            }
        }
    }
}
