//! A named, timed check made of commands, and the runner that reports them.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::OnceLock;
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
                    let status = command.status().map_err(|e| start_failure(&command, &e))?;
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

/// The workspace root, found when xtask runs: the nearest directory, from
/// the current one upwards, whose `Cargo.toml` has a `[workspace]` table
/// (cargo runs `cargo xtask` in the directory it was typed in). Not the
/// directory xtask was compiled in: with a shared `CARGO_TARGET_DIR`, one
/// xtask binary serves every clone of the project.
///
/// Exits with a message naming the directory searched when there is none.
pub fn project_root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let here = std::env::current_dir().unwrap_or_else(|e| {
            eprintln!("xtask: the current directory cannot be read: {e}");
            std::process::exit(2)
        });
        find_workspace_root(&here).unwrap_or_else(|| {
            eprintln!(
                "xtask: no Cargo.toml with a [workspace] table in {} or any directory above it; \
                 run `cargo xtask` inside the project",
                here.display()
            );
            std::process::exit(2)
        })
    })
    .clone()
}

/// The nearest of `start` and its ancestors holding a `Cargo.toml` that
/// declares a `[workspace]`.
fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| {
            fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.lines().any(|l| l.trim() == "[workspace]"))
        })
        .map(Path::to_path_buf)
}

/// The target directory cargo builds into: `CARGO_TARGET_DIR` when set
/// (relative to the current directory, as cargo reads it), else the
/// workspace's `target`.
pub fn active_target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                std::env::current_dir().map_or(dir.clone(), |here| here.join(&dir))
            }
        }
        _ => project_root().join("target"),
    }
}

/// A target directory of its own for builds with other flags or toolchains,
/// so they do not invalidate the normal build: `name` inside the active
/// target directory.
pub fn target_dir(name: &str) -> PathBuf {
    active_target_dir().join(name)
}

/// Why `command` could not start, naming what is missing: its working
/// directory or its program.
fn start_failure(command: &Command, error: &std::io::Error) -> String {
    if let Some(dir) = command.get_current_dir() {
        if !dir.is_dir() {
            return format!(
                "could not start {}: its working directory {} does not exist",
                describe(command),
                dir.display()
            );
        }
    }
    if error.kind() == std::io::ErrorKind::NotFound {
        return format!(
            "could not start {}: the program {} was not found",
            describe(command),
            command.get_program().to_string_lossy()
        );
    }
    format!("could not start {}: {error}", describe(command))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary one.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_workspace_root_is_the_nearest_manifest_with_a_workspace_table() {
        let root = scratch("root");
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/*\"]\n",
        )
        .unwrap();
        let member = root.join("crates/a");
        fs::create_dir_all(member.join("src")).unwrap();
        fs::write(member.join("Cargo.toml"), "[package]\nname = \"a\"\n").unwrap();
        assert_eq!(find_workspace_root(&member.join("src")), Some(root.clone()));
        assert_eq!(find_workspace_root(&root), Some(root.clone()));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_working_directory_is_named_as_such() {
        let gone = scratch("gone");
        fs::remove_dir(&gone).unwrap();
        let mut command = Command::new("cargo");
        command.current_dir(&gone);
        let error = command.status().unwrap_err();
        let message = start_failure(&command, &error);
        assert!(
            message.contains(&format!(
                "its working directory {} does not exist",
                gone.display()
            )),
            "{message}"
        );
    }

    #[test]
    fn a_missing_program_is_named_as_such() {
        let mut command = Command::new("no-such-program-xtask-looks-for");
        let error = command.status().unwrap_err();
        let message = start_failure(&command, &error);
        assert!(
            message.ends_with("the program no-such-program-xtask-looks-for was not found"),
            "{message}"
        );
    }
}
