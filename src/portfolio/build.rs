//! A service's custom `[build]`, run once per distinct build (command and
//! folder) in a run, however many domains deploy it: wrangler would run it
//! again for every `deploy` and every `dev` of every domain. It runs the way
//! wrangler runs it: the command string through the system shell, in the
//! build's folder, with `WRANGLER_COMMAND` set; it dies with the run. It
//! inherits clodo's environment but none of clodo's secrets.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use std::time::Duration;

use crate::domain_config::BuildStep;
use crate::error::{Error, Result};

/// Work done once per key in a run, however many domains ask: the first caller runs it, concurrent ones wait
/// for it, and every later one gets its result (or its failure).
pub struct OncePerKey<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
}

/// One key's result once it is known (a failure as its message, given to every caller).
type Slot<V> = Arc<OnceLock<std::result::Result<V, String>>>;

impl<K, V> Default for OncePerKey<K, V> {
    fn default() -> Self {
        OncePerKey { slots: Mutex::new(HashMap::new()) }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> OncePerKey<K, V> {
    /// The result for `key`, and whether this call did the work.
    pub fn get_or_run(&self, key: &K, work: impl FnOnce() -> Result<V>) -> Result<(V, bool)> {
        let slot = self.slots.lock().unwrap_or_else(|p| p.into_inner()).entry(key.clone()).or_default().clone();
        let mut ran_here = false;
        let outcome = slot.get_or_init(|| {
            ran_here = true;
            work().map_err(|e| e.to_string())
        });
        match outcome {
            Ok(value) => Ok((value.clone(), ran_here)),
            Err(message) => Err(Error::invalid(message.clone())),
        }
    }

    /// Every result finished so far.
    pub fn finished(&self) -> Vec<V> {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.values().filter_map(|s| s.get().and_then(|r| r.as_ref().ok()).cloned()).collect()
    }
}

/// A domain's worker bundle (`wrangler deploy --dry-run --outdir`), shared by the domains with the same build input.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub outdir: PathBuf,
    /// None for an assets-only worker.
    pub file: Option<PathBuf>,
    pub bytes: u64,
    pub sha256: String,
    /// The domain whose build made it.
    pub built_for: String,
}

/// What a finished build left for the domains waiting on it.
#[derive(Debug, Clone)]
pub struct Built {
    pub took: Duration,
    /// Whether this call ran it, or found it done by another domain.
    pub ran_here: bool,
}

#[derive(Default)]
pub struct Builds(OncePerKey<BuildStep, Duration>);

impl Builds {
    /// Runs `step` unless this run already did; concurrent callers wait for the first.
    pub fn ensure(&self, step: &BuildStep, timeout: Duration) -> Result<Built> {
        let (took, ran_here) = self.0.get_or_run(step, || run(step, timeout))?;
        Ok(Built { took, ran_here })
    }

    /// The longest build this run has finished: `wrangler dev`'s wait scales with it.
    pub fn longest(&self) -> Duration {
        self.0.finished().into_iter().max().unwrap_or_default()
    }
}

fn run(step: &BuildStep, timeout: Duration) -> Result<Duration> {
    let mut command = shell(&step.command);
    crate::wrangler::environment::set(&mut command, crate::wrangler::environment::for_project_code(std::env::vars_os()));
    command.current_dir(&step.cwd).env("WRANGLER_COMMAND", "deploy");
    let finished = crate::wrangler::process::run(command, None, timeout).map_err(|e| Error::io("start the custom build in", &step.cwd, e))?;
    if finished.timed_out {
        return Err(Error::invalid(format!("custom build `{}` ran past {timeout:?} and was stopped", step.command)));
    }
    if finished.exit_code != Some(0) {
        let output = String::from_utf8_lossy(&finished.stderr).to_string() + &String::from_utf8_lossy(&finished.stdout);
        let tail: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(6)..].join(" | ");
        let code = finished.exit_code.map_or("a signal".to_owned(), |c| format!("exit code {c}"));
        return Err(Error::invalid(format!("custom build `{}` failed ({code}): {}", step.command, crate::wrangler::strip_ansi(&tail))));
    }
    Ok(finished.duration)
}

/// The shell wrangler's build runner uses: `/bin/sh -c` here, `cmd.exe /d /s /c` on Windows.
fn shell(command: &str) -> Command {
    if cfg!(windows) {
        let mut c = Command::new(std::env::var("ComSpec").unwrap_or_else(|_| "cmd.exe".into()));
        c.args(["/d", "/s", "/c", command]);
        c
    } else {
        let mut c = Command::new("/bin/sh");
        c.args(["-c", command]);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_runs_once_for_every_domain_and_failures_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let step = BuildStep { command: "echo x >> count.txt".into(), cwd: dir.path().to_path_buf() };
        let builds = Builds::default();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| builds.ensure(&step, Duration::from_secs(10)).unwrap());
            }
        });
        assert_eq!(std::fs::read_to_string(dir.path().join("count.txt")).unwrap(), "x\n");
        let failing = BuildStep { command: "echo broken >&2; exit 3".into(), cwd: dir.path().to_path_buf() };
        let err = builds.ensure(&failing, Duration::from_secs(10)).unwrap_err().to_string();
        assert!(err.contains("exit code 3") && err.contains("broken"), "{err}");
    }
}
