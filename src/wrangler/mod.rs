//! Running wrangler: found once, started as an argv vector without a shell,
//! with its config and environment set per call, bounded by a shared process
//! limit, killed with its children on timeout, retried only when that is safe.

mod background;
mod classify;
mod deploy;
pub mod environment;
mod limit;
mod locate;
pub mod orphans;
pub mod process;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result, WranglerFailure};

pub use background::Background;
pub use classify::strip_ansi;
pub use deploy::{Deployment, deployment_from_events};
pub use limit::ProcessLimit;
pub use locate::{Wrangler, is_supported, locate};

/// Cloudflare credentials, handed to each wrangler process through its
/// environment and nowhere else.
#[derive(Clone, Default)]
pub struct Credentials {
    pub api_token: Option<String>,
    pub account_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Runs in all, the first included.
    pub attempts: u32,
    /// The first backoff; each later one doubles, with jitter.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 3, base_delay: Duration::from_millis(1000) }
    }
}

/// One wrangler command: `args` come after `wrangler`; `--config` is added.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub args: Vec<String>,
    pub config: PathBuf,
    pub cwd: PathBuf,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
    /// Safe to run again after a transient failure.
    pub idempotent: bool,
    /// Values (secrets sent on stdin) that must not appear in any output or error.
    pub redact: Vec<String>,
    /// More environment variables for this command only.
    pub env: Vec<(String, String)>,
}

impl Invocation {
    pub fn new(args: Vec<String>, config: &Path, cwd: &Path) -> Invocation {
        Invocation {
            idempotent: retry_safe(&args),
            args,
            config: config.to_path_buf(),
            cwd: cwd.to_path_buf(),
            stdin: None,
            timeout: Duration::from_secs(120),
            redact: Vec::new(),
            env: Vec::new(),
        }
    }

    /// The command as shown in plans, logs and errors.
    pub fn display_argv(&self) -> Vec<String> {
        let mut argv = vec!["wrangler".to_owned()];
        argv.extend(self.args.iter().cloned());
        argv.extend(["--config".to_owned(), self.config.display().to_string()]);
        argv
    }
}

/// An argv as one line a person can paste into a POSIX shell: words with
/// anything but safe characters are single-quoted. For reading only; clodo
/// itself never runs a command through a shell.
pub fn display_line(argv: &[String]) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c);
    let word = |w: &String| if !w.is_empty() && w.chars().all(safe) { w.clone() } else { format!("'{}'", w.replace('\'', "'\\''")) };
    argv.iter().map(word).collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub argv: Vec<String>,
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Wrangler's ND-JSON output file, one value per line.
    pub events: Vec<serde_json::Value>,
    /// All attempts, backoff included.
    pub duration: Duration,
    pub attempts: u32,
    /// Why the last attempt failed; `None` on success.
    pub failure: Option<(WranglerFailure, String)>,
    /// What the attempts before the last printed: a retried command may have done part of its work in one.
    pub earlier_stdout: Vec<String>,
}

pub struct Runner {
    pub wrangler: Wrangler,
    credentials: Credentials,
    retry: RetryPolicy,
    limit: &'static ProcessLimit,
}

impl Runner {
    pub fn new(wrangler: Wrangler, credentials: Credentials, retry: RetryPolicy) -> Runner {
        Runner { wrangler, credentials, retry, limit: ProcessLimit::shared() }
    }

    /// Runs the command; a failure (after any retries) is an error.
    pub fn run(&self, inv: &Invocation) -> Result<Outcome> {
        let outcome = self.run_raw(inv)?;
        match &outcome.failure {
            Some((kind, message)) => Err(Error::Wrangler {
                kind: *kind,
                command: inv.display_argv().join(" "),
                message: format!("`{}` failed: {message}", inv.display_argv().join(" ")),
            }),
            None => Ok(outcome),
        }
    }

    /// Runs the command, retrying transient failures of idempotent ones, and
    /// returns what the last attempt printed, failed or not.
    pub fn run_raw(&self, inv: &Invocation) -> Result<Outcome> {
        let mut waited = Duration::ZERO;
        let mut attempt = 1;
        let mut earlier_stdout = vec![];
        loop {
            let (mut outcome, retry_after) = self.run_once(inv)?;
            let kind = outcome.failure.as_ref().map(|(kind, _)| *kind);
            let retry = kind.is_some_and(WranglerFailure::is_transient) && inv.idempotent && attempt < self.retry.attempts;
            let delay = retry_after.unwrap_or_else(|| backoff(self.retry.base_delay, attempt));
            // A wait clodo honours holds every call of the process; a longer one only fails this call.
            if let Some(blocked) = retry_after.filter(|d| *d <= MAX_RETRY_AFTER) {
                crate::cloudflare::block::blocked_for(blocked);
            }
            if retry && delay > MAX_RETRY_AFTER {
                // Waiting that long inside one call helps nobody: say so and stop.
                if let Some((_, message)) = outcome.failure.as_mut() {
                    message.push_str(&format!(" (the API asks to retry after {} s)", delay.as_secs()));
                }
            }
            if !retry || delay > MAX_RETRY_AFTER {
                return Ok(Outcome { attempts: attempt, duration: outcome.duration + waited, earlier_stdout, ..outcome });
            }
            earlier_stdout.push(std::mem::take(&mut outcome.stdout));
            // A rate-limit block is waited for in run_once, by every call of the process alike.
            if retry_after.is_none() {
                std::thread::sleep(delay);
            }
            waited += delay + outcome.duration;
            attempt += 1;
        }
    }

    /// One run, with the API's retry-after when it answered 429.
    fn run_once(&self, inv: &Invocation) -> Result<(Outcome, Option<Duration>)> {
        let scratch = tempfile::Builder::new()
            .prefix("clodo-wrangler-")
            .tempdir()
            .map_err(|e| Error::io("create a scratch folder for", &std::env::temp_dir(), e))?;
        let output_file = scratch.path().join("output.ndjson");
        let observer = scratch.path().join("retry-after-observer.cjs");
        std::fs::write(&observer, RETRY_AFTER_OBSERVER).map_err(|e| Error::io("Failed to write", &observer, e))?;
        let retry_after_file = scratch.path().join("retry-after");
        let mut command = self.command(inv, &output_file);
        let node_options = std::env::var("NODE_OPTIONS").unwrap_or_default();
        command
            .env("NODE_OPTIONS", with_require(&node_options, &observer))
            .env("CLODO_RETRY_AFTER_FILE", &retry_after_file);
        // No wrangler starts while Cloudflare blocks this client: its calls would only be refused.
        crate::cloudflare::block::wait();
        let finished = {
            let _slot = self.limit.acquire();
            process::run(command, inv.stdin.clone(), inv.timeout)
                .map_err(|e| Error::io("start wrangler at", &self.wrangler.path, e))?
        };
        let mut outcome = Outcome {
            argv: inv.display_argv(),
            exit_code: finished.exit_code,
            stdout: self.redact(&strip_ansi(&String::from_utf8_lossy(&finished.stdout)), inv),
            stderr: self.redact(&strip_ansi(&String::from_utf8_lossy(&finished.stderr)), inv),
            events: read_events(&output_file),
            duration: finished.duration,
            attempts: 1,
            failure: None,
            earlier_stdout: vec![],
        };
        if finished.exit_code == Some(0) && !finished.timed_out {
            return Ok((outcome, None));
        }
        let (kind, message) = classify::classify(&outcome.stdout, &outcome.stderr, &outcome.events, finished.timed_out);
        let message = match kind {
            WranglerFailure::Timeout => format!("timed out after {:?} and was stopped with its child processes", inv.timeout),
            _ => self.redact(&message, inv),
        };
        let retry_after = match kind {
            WranglerFailure::RateLimited => std::fs::read_to_string(&retry_after_file).ok().and_then(|t| parse_retry_after(&t)),
            _ => None,
        };
        outcome.failure = Some((kind, message));
        Ok((outcome, retry_after))
    }

    /// Starts a long-running command (`wrangler dev`) and waits until it is ready.
    pub fn start(&self, inv: &Invocation, output_file: &Path) -> Result<Background> {
        Background::start(self.command(inv, output_file), inv.timeout, &inv.display_argv().join(" "))
    }

    fn command(&self, inv: &Invocation, output_file: &Path) -> Command {
        let mut command = Command::new(&self.wrangler.path);
        command.args(&inv.args).arg("--config").arg(&inv.config).current_dir(&inv.cwd);
        environment::set(&mut command, environment::for_wrangler(std::env::vars_os()));
        // Nothing inherited may redirect wrangler's outputs, pick another env, or pollute stdout.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key == "CLOUDFLARE_ENV" || key == "WRANGLER_LOG" || key == "WRANGLER_LOG_SANITIZE" || key.starts_with("WRANGLER_OUTPUT_FILE") {
                command.env_remove(key.as_ref());
            }
        }
        command
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_HIDE_BANNER", "true")
            .env("CI", "true")
            .env("FORCE_COLOR", "0")
            .env("WRANGLER_OUTPUT_FILE_PATH", output_file);
        command.envs(inv.env.iter().map(|(k, v)| (k, v)));
        if let Some(token) = &self.credentials.api_token {
            command.env("CLOUDFLARE_API_TOKEN", token);
        }
        if let Some(account) = &self.credentials.account_id {
            command.env("CLOUDFLARE_ACCOUNT_ID", account);
        }
        command
    }

    /// Takes the token and the invocation's secrets out of any text that leaves the runner.
    fn redact(&self, text: &str, inv: &Invocation) -> String {
        let mut text = text.to_owned();
        for secret in self.credentials.api_token.iter().chain(&inv.redact) {
            if secret.len() >= 4 && text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text
    }
}

/// The `.env` files wrangler 4 reads, in order (a later one over an earlier
/// one): `.env`, `.env.local`, and for an environment `.env.<env>`,
/// `.env.<env>.local`.
pub fn dotenv_files(environment: Option<&str>) -> Vec<String> {
    let mut files = vec![".env".to_owned(), ".env.local".to_owned()];
    if let Some(env) = environment {
        files.push(format!(".env.{env}"));
        files.push(format!(".env.{env}.local"));
    }
    files
}

/// Whether a command may run again after a transient failure: reads, and
/// the commands whose second run changes nothing more than the first
/// (`migrations apply` applies what is still missing; `secret bulk` sets the
/// same values; a dry-run deploy only builds). Anything else that changes
/// Cloudflare (deploys, uploads, rollbacks, creates, restores, SQL that
/// writes) runs once; its caller decides.
pub fn retry_safe(args: &[String]) -> bool {
    let words: Vec<&str> = args.iter().map(String::as_str).take_while(|a| !a.starts_with('-')).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    match words.as_slice() {
        ["whoami"] | ["deployments", "list" | "status", ..] | ["versions", "list" | "view", ..] | ["secret", "list" | "bulk", ..] => true,
        ["d1", "list" | "info" | "export", ..] | ["d1", "migrations", "list" | "apply", ..] | ["d1", "time-travel", "info", ..] => true,
        ["d1", "execute", ..] => {
            let sql = args.iter().skip_while(|a| *a != "--command").nth(1).map(|c| c.trim_start().to_ascii_uppercase()).unwrap_or_default();
            !has("--file") && (sql.starts_with("SELECT") || sql.starts_with("PRAGMA"))
        }
        ["deploy", ..] => has("--dry-run"),
        _ => false,
    }
}

/// `NODE_OPTIONS` plus `--require "<path>"`. Node reads `\` inside quotes
/// there as an escape, so a Windows path (`C:\Users\…`) needs its backslashes
/// doubled, and a quote escaped, to reach Node as it is.
fn with_require(node_options: &str, path: &Path) -> String {
    let quoted = path.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    format!("{node_options} --require \"{quoted}\"").trim_start().to_owned()
}

/// Records the API's retry-after inside wrangler (see the file).
const RETRY_AFTER_OBSERVER: &str = include_str!("retry_after_observer.cjs");

/// The longest wait between attempts: Cloudflare's five-minute block; an API asking for more fails the call.
const MAX_RETRY_AFTER: Duration = crate::cloudflare::block::LONGEST;

/// The last `retry-after` recorded: delay-seconds (HTTP dates are ignored).
fn parse_retry_after(text: &str) -> Option<Duration> {
    let seconds: f64 = text.lines().rev().find(|l| !l.trim().is_empty())?.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// A runner made on first use, so constructors have no side effects and do
/// not fail when wrangler is missing; the version is checked then, once.
pub struct LazyRunner {
    cell: std::sync::OnceLock<Runner>,
    wrangler_path: Option<PathBuf>,
    project_root: PathBuf,
    credentials: Credentials,
    retry: RetryPolicy,
}

impl LazyRunner {
    pub fn new(wrangler_path: Option<PathBuf>, project_root: &Path, credentials: Credentials, retry: RetryPolicy) -> LazyRunner {
        LazyRunner { cell: std::sync::OnceLock::new(), wrangler_path, project_root: project_root.to_path_buf(), credentials, retry }
    }

    pub fn get(&self) -> Result<&Runner> {
        if let Some(runner) = self.cell.get() {
            return Ok(runner);
        }
        let wrangler = locate(self.wrangler_path.as_deref(), &self.project_root)?;
        let runner = Runner::new(wrangler, self.credentials.clone(), self.retry.clone());
        Ok(self.cell.get_or_init(|| runner))
    }
}

fn read_events(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// `base × 2^(attempt-1)`, scaled by a random factor in [0.5, 1.5) so that
/// many clients backing off together do not retry in step.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let jitter = 0.5 + f64::from(nanos % 1000) / 1000.0;
    base.mul_f64(2f64.powi(attempt as i32 - 1) * jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_displayed_line_quotes_what_a_shell_would_split_or_expand() {
        let argv: Vec<String> = ["wrangler", "d1", "migrations", "apply", "my-db", "--config", "/srv/my app/wrangler.toml", "--command", "it's $HOME"].map(str::to_owned).to_vec();
        assert_eq!(display_line(&argv), r#"wrangler d1 migrations apply my-db --config '/srv/my app/wrangler.toml' --command 'it'\''s $HOME'"#);
    }

    #[test]
    fn only_reads_and_repeatable_commands_are_retried() {
        let args = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        for safe in ["d1 list --json", "d1 migrations apply DB --remote", "deployments list --json", "secret bulk --name w", "deploy --dry-run --outdir x", "d1 execute DB --remote --command SELECT 1"] {
            assert!(retry_safe(&args(safe)), "{safe}");
        }
        for once in ["deploy --message m", "versions upload", "versions deploy a@100% -y", "rollback v1 -y", "d1 create x", "d1 time-travel restore db --bookmark b", "d1 execute DB --remote --file f.sql", "d1 execute DB --command DELETE FROM t"] {
            assert!(!retry_safe(&args(once)), "{once}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn node_loads_a_required_file_whose_path_has_backslashes_and_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a\\b \"c\".cjs");
        std::fs::write(&file, "console.log('loaded')\n").unwrap();
        let out = Command::new("node").args(["-e", "0"]).env("NODE_OPTIONS", with_require("", &file)).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "loaded\n", "{}", String::from_utf8_lossy(&out.stderr));
    }

    #[test]
    fn a_windows_path_reaches_node_options_intact() {
        let path = Path::new(r"C:\Users\me\AppData\Local\Temp\clodo-wrangler-1\retry-after-observer.cjs");
        assert_eq!(
            with_require("--max-old-space-size=4096", path),
            r#"--max-old-space-size=4096 --require "C:\\Users\\me\\AppData\\Local\\Temp\\clodo-wrangler-1\\retry-after-observer.cjs""#
        );
        assert_eq!(with_require("", Path::new("/tmp/a \"b\"/o.cjs")), r#"--require "/tmp/a \"b\"/o.cjs""#);
    }

    #[test]
    fn backoff_doubles_within_jitter() {
        let base = Duration::from_millis(100);
        for attempt in 1..4 {
            let d = backoff(base, attempt).as_secs_f64();
            let nominal = 0.1 * 2f64.powi(attempt as i32 - 1);
            assert!(d >= nominal * 0.5 && d < nominal * 1.5, "attempt {attempt}: {d}");
        }
    }

    #[test]
    fn retry_after_is_the_last_value_in_seconds() {
        assert_eq!(parse_retry_after("3\n1.5\n"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT\n"), None);
        assert_eq!(parse_retry_after(""), None);
    }

    #[test]
    fn the_shown_command_has_an_explicit_config() {
        let inv = Invocation::new(vec!["d1".into(), "list".into(), "--json".into()], Path::new("/p/wrangler.toml"), Path::new("/p"));
        assert_eq!(inv.display_argv(), ["wrangler", "d1", "list", "--json", "--config", "/p/wrangler.toml"]);
    }
}
