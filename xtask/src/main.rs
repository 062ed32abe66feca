//! The project's one entry point for checks: `cargo xtask <command>`.
//!
//! ```text
//! cargo xtask ci            every check below, in order, each timed
//! cargo xtask fmt           cargo fmt --check
//! cargo xtask clippy        clippy on every target, warnings denied
//! cargo xtask test          the workspace's tests and doctests, and chan-async's
//!                           `tokio` feature test
//! cargo xtask doc           rustdoc with warnings denied
//! cargo xtask miri          the unit tests of ringbuf-core and chan-async under Miri (nightly)
//! cargo xtask loom          the loom models (--cfg chan_loom, bounded preemptions)
//! cargo xtask bench [--quick|--report] [--runs N]
//!                           the criterion comparison, allocation counts and scaling, and
//!                           the paired rounds of chan_pairs in N processes (5), summarised
//!                           across them; writes docs/benchmarks.md, benchmarks.svg,
//!                           scaling.svg (--quick: every bench briefly, chan_pairs twice,
//!                           writes nothing; --report: rewrite the report from the last run)
//! cargo xtask demo          the graceful-shutdown pipeline example
//! ```
//!
//! Standard library only, so it builds in seconds on a fresh machine.

mod bench;
mod chart;
mod report;
mod scaling_chart;
mod step;
mod summary;

use std::process::ExitCode;

use step::{cargo, with_env, Step};

/// Crates whose unit tests run under Miri.
const MIRI_CRATES: &[&str] = &["ringbuf-core", "chan-async"];
/// Crates that have a `tests/loom.rs` model file.
const LOOM_CRATES: &[&str] = &["ringbuf-core", "chan-async", "chan-typestate"];
/// Loom's preemption bound: enough to find the races we model, small enough
/// to explore in seconds.
const LOOM_MAX_PREEMPTIONS: &str = "2";
/// `chan_pairs` processes of a quick bench run: two, so the repeated run
/// is exercised too.
const QUICK_CHAN_PAIRS_RUNS: usize = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let steps = match args.first().map(String::as_str) {
        Some("ci") => vec![
            fmt(),
            clippy(),
            test(),
            doc(),
            miri(),
            loom(),
            bench::step(true, QUICK_CHAN_PAIRS_RUNS),
        ],
        Some("fmt") => vec![fmt()],
        Some("clippy") => vec![clippy()],
        Some("test") => vec![test()],
        Some("doc") => vec![doc()],
        Some("miri") => vec![miri()],
        Some("loom") => vec![loom()],
        Some("bench") if rest.contains(&"--report") => vec![bench::report_only()],
        Some("bench") => {
            let quick = rest.contains(&"--quick");
            let runs = match rest.iter().position(|a| *a == "--runs") {
                None if quick => QUICK_CHAN_PAIRS_RUNS,
                None => bench::CHAN_PAIRS_RUNS,
                Some(i) => match rest.get(i + 1).and_then(|n| n.parse::<usize>().ok()) {
                    Some(runs) if runs > 0 => runs,
                    _ => {
                        eprintln!("xtask: `--runs` takes a number of runs, at least 1");
                        return ExitCode::FAILURE;
                    }
                },
            };
            vec![bench::step(quick, runs)]
        }
        Some("demo") => vec![demo()],
        other => {
            if let Some(command) = other {
                eprintln!("xtask: unknown command `{command}`\n");
            }
            eprintln!("usage: cargo xtask <ci|fmt|clippy|test|doc|miri|loom|bench [--quick|--report] [--runs N]|demo>");
            return ExitCode::FAILURE;
        }
    };
    step::run_all(steps)
}

fn fmt() -> Step {
    Step::new("fmt", "code is not formatted: run `cargo fmt --all`")
        .command(cargo(&["fmt", "--all", "--", "--check"]))
}

fn clippy() -> Step {
    Step::new("clippy", "clippy found warnings (denied)").command(cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn test() -> Step {
    Step::new("test", "tests failed")
        .command(cargo(&["test", "--workspace"]))
        // The optional check for blocking calls from async code.
        .command(cargo(&[
            "test",
            "-p",
            "chan-async",
            "--features",
            "tokio",
            "--test",
            "blocking_in_async",
        ]))
}

fn doc() -> Step {
    let denied = || [("RUSTDOCFLAGS", "-D warnings".into())];
    Step::new("doc", "rustdoc found warnings (denied)")
        .command(with_env(
            cargo(&["doc", "--workspace", "--no-deps"]),
            &denied(),
        ))
        // The bench helpers are `doc = false` (users' `cargo doc --workspace
        // --open` lands on chan-async), but their docs are checked too.
        .command(with_env(
            cargo(&["rustdoc", "-p", "benches", "--lib"]),
            &denied(),
        ))
}

fn miri() -> Step {
    let mut args = vec!["+nightly", "miri", "test", "--lib"];
    for krate in MIRI_CRATES {
        args.extend(["-p", krate]);
    }
    Step::new("miri", "Miri found undefined behaviour or a failing test")
        .requires(
            cargo(&["+nightly", "miri", "--version"]),
            "Miri is not installed. Install it with:\n  \
             rustup toolchain install nightly\n  \
             rustup component add miri rust-src --toolchain nightly\n  \
             cargo +nightly miri setup",
        )
        .command(with_env(
            cargo(&args),
            &[
                (
                    "MIRIFLAGS",
                    "-Zmiri-disable-isolation -Zmiri-permissive-provenance".into(),
                ),
                ("CARGO_TARGET_DIR", step::target_dir("miri").into()),
            ],
        ))
}

fn loom() -> Step {
    let mut args = vec!["test", "--profile", "loom", "--test", "loom"];
    for krate in LOOM_CRATES {
        if step::project_root()
            .join("crates")
            .join(krate)
            .join("tests/loom.rs")
            .exists()
        {
            args.extend(["-p", krate]);
        }
    }
    Step::new("loom", "a loom model found a failing interleaving").command(with_env(
        cargo(&args),
        &[
            ("RUSTFLAGS", "--cfg chan_loom".into()),
            ("LOOM_MAX_PREEMPTIONS", LOOM_MAX_PREEMPTIONS.into()),
            ("CARGO_TARGET_DIR", step::target_dir("loom").into()),
        ],
    ))
}

fn demo() -> Step {
    Step::new("demo", "the demo failed").command(cargo(&[
        "run",
        "--release",
        "--quiet",
        "-p",
        "chan-typestate",
        "--example",
        "graceful_shutdown",
    ]))
}
