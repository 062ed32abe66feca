//! A named, timed check made of commands, and the runner that reports them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// What a step does when it runs.
enum Action {
    /// Run a command; a non-zero exit fails the step.
    Run(Command),
    /// Run a Rust function (for steps that post-process output).
    Call(Box<dyn FnOnce() -> Result<(), String>>),
}

/// One check of `cargo xtask ci`: commands run in order; the first failure
/// stops the step with `failure` as its message.
pub struct Step {
    name: &'static str,
    failure: &'static str,
    prerequisite: Option<(Command, &'static str)>,
    actions: Vec<Action>,
}

impl Step {
    pub fn new(name: &'static str, failure: &'static str) -> Self {
        Self {
            name,
            failure,
            prerequisite: None,
            actions: Vec::new(),
        }
    }

    /// A command that must succeed before the step can run; `missing` says
    /// what to install when it does not. A missing prerequisite fails the
    /// step: a check that cannot run never passes silently.
    pub fn requires(mut self, check: Command, missing: &'static str) -> Self {
        self.prerequisite = Some((check, missing));
        self
    }

    pub fn command(mut self, command: Command) -> Self {
        self.actions.push(Action::Run(command));
        self
    }

    pub fn call(mut self, f: impl FnOnce() -> Result<(), String> + 'static) -> Self {
        self.actions.push(Action::Call(Box::new(f)));
        self
    }

    fn run(self) -> Result<(), String> {
        if let Some((mut check, missing)) = self.prerequisite {
            let ok = check
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            if !ok {
                return Err(missing.to_string());
            }
        }
        for action in self.actions {
            match action {
                Action::Run(mut command) => {
                    eprintln!("    $ {}", describe(&command));
                    let status = command
                        .status()
                        .map_err(|e| format!("could not start {}: {e}", describe(&command)))?;
                    if !status.success() {
                        return Err(format!("{} ({status})", self.failure));
                    }
                }
                Action::Call(f) => f().map_err(|e| format!("{}: {e}", self.failure))?,
            }
        }
        Ok(())
    }
}

/// Runs every step, even after a failure, so one run shows every problem;
/// prints a line per step and a summary, and fails if any step failed.
pub fn run_all(steps: Vec<Step>) -> ExitCode {
    let mut results: Vec<(&str, Duration, Result<(), String>)> = Vec::new();
    for step in steps {
        let name = step.name;
        eprintln!("==> {name}");
        let started = Instant::now();
        let result = step.run();
        let elapsed = started.elapsed();
        match &result {
            Ok(()) => eprintln!("==> {name}: ok ({:.1}s)", elapsed.as_secs_f64()),
            Err(e) => eprintln!("==> {name}: FAILED ({:.1}s): {e}", elapsed.as_secs_f64()),
        }
        results.push((name, elapsed, result));
    }
    eprintln!("\nsummary:");
    for (name, elapsed, result) in &results {
        let verdict = if result.is_ok() { "ok" } else { "FAILED" };
        eprintln!("  {name:<8} {verdict:<7} {:>7.1}s", elapsed.as_secs_f64());
    }
    let failed = results.iter().filter(|(_, _, r)| r.is_err()).count();
    let passed = results.len() - failed;
    eprintln!("xtask: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `cargo <args>` run from the project root.
///
/// A leading `+toolchain` goes through the rustup proxy with the toolchain
/// variables of the calling cargo removed, so the toolchain it names is used.
pub fn cargo(args: &[&str]) -> Command {
    let mut command = if args.first().is_some_and(|a| a.starts_with('+')) {
        let mut command = Command::new("cargo");
        for var in ["RUSTUP_TOOLCHAIN", "CARGO", "RUSTC", "RUSTDOC"] {
            command.env_remove(var);
        }
        command
    } else {
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    };
    command.args(args).current_dir(project_root());
    command
}

/// `command` with extra environment variables, set for it alone.
pub fn with_env(mut command: Command, vars: &[(&str, OsString)]) -> Command {
    for (key, value) in vars {
        command.env(key, value);
    }
    command
}

/// The workspace root: xtask's manifest lives one level below it.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// A target directory of its own for builds with other flags or toolchains,
/// so they do not invalidate the normal build.
pub fn target_dir(name: &str) -> PathBuf {
    project_root().join("target").join(name)
}

fn describe(command: &Command) -> String {
    let mut text = String::new();
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            text.push_str(&format!("{}={:?} ", key.to_string_lossy(), value));
        }
    }
    text.push_str(&command.get_program().to_string_lossy());
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
