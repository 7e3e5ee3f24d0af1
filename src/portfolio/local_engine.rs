//! The local engine's one Node process per run (`js/local-engine.cjs`, on the
//! `miniflare` package wrangler builds on): every domain's local D1 migrations
//! and every domain's health check go through it, instead of a `wrangler d1
//! migrations apply --local` and a `wrangler dev` per domain, each costing
//! seconds of start-up. It leaves what wrangler would (same database files,
//! same `d1_migrations` rows, state where `wrangler dev` keeps it); it starts
//! on first use, serves one request at a time, and dies with the run.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const HELPER: &str = include_str!("../../js/local-engine.cjs");

/// Whether the run may use the helper: `CLODO_LOCAL_HELPER=0` turns it off, and each domain runs wrangler's own
/// `d1 migrations apply --local` and `dev` again.
pub fn enabled() -> bool {
    !std::env::var("CLODO_LOCAL_HELPER").is_ok_and(|v| v == "0")
}

/// A domain's migrations, applied as `wrangler d1 migrations apply --local` would.
#[derive(Serialize)]
#[serde(tag = "kind", rename = "migrate")]
pub struct Migrate<'a> {
    /// The wrangler clodo runs: miniflare is loaded from its installation.
    pub wrangler: &'a Path,
    /// wrangler's local state folder for the config (`<config dir>/.wrangler/state`).
    pub persist: PathBuf,
    #[serde(rename = "databaseId")]
    pub database_id: String,
    #[serde(rename = "migrationsDir")]
    pub migrations_dir: &'a Path,
    pub table: &'a str,
}

/// A domain's built worker, served as `wrangler dev` would serve its rendered config.
#[derive(Serialize)]
#[serde(tag = "kind", rename = "serve")]
pub struct Serve<'a> {
    pub wrangler: &'a Path,
    /// The domain's rendered config: bindings, vars and compatibility settings come from it.
    pub config: &'a Path,
    /// The env files `wrangler dev --env-file` would be given (the service's `.dev.vars`).
    #[serde(rename = "envFiles")]
    pub env_files: Vec<PathBuf>,
    /// wrangler's local state folder for the config, as for migrations.
    pub persist: PathBuf,
    /// The bundle `wrangler deploy --dry-run` wrote, and its esbuild metafile (the worker's format).
    pub bundle: &'a Path,
    pub metafile: PathBuf,
}

#[derive(Deserialize, Debug)]
pub struct Answer {
    #[serde(default)]
    pub applied: Vec<String>,
    pub failed: Option<Failed>,
    /// Where a served worker answers.
    pub url: Option<String>,
    /// The helper could not do it at all (miniflare not found, …): wrangler does it instead.
    pub error: Option<String>,
}

#[derive(Deserialize, Debug)]
pub struct Failed {
    pub name: String,
    pub message: String,
}

struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    _script: tempfile::TempDir,
}

pub struct LocalEngine {
    session: Mutex<Option<Session>>,
    /// The rendered configs it serves, as a pattern in its argv: `<service>/.clodo/rendered/*/<env>/wrangler.json`.
    configs: String,
}

impl LocalEngine {
    pub fn new(service: &Path, environment: &str) -> LocalEngine {
        let configs = service.join(".clodo").join("rendered").join("*").join(environment).join("wrangler.json");
        LocalEngine { session: Mutex::new(None), configs: configs.display().to_string() }
    }

    /// Ends the helper, if one runs (the next request starts another).
    pub fn stop(&self) {
        drop(self.session.lock().unwrap_or_else(|p| p.into_inner()).take());
    }

    /// Migrates one database; the helper is started the first time.
    pub fn migrate(&self, request: &Migrate) -> Result<Answer> {
        self.ask(request, |answer| answer)
    }

    /// Serves one domain's worker and runs `check` on its URL while it is served: the helper takes no other
    /// request meanwhile, so no other domain's request reconfigures it under the check. `Err` is why the helper
    /// could not serve it.
    pub fn serve<T>(&self, request: &Serve, check: impl FnOnce(&str) -> T) -> Result<T> {
        self.ask(request, |answer| match (answer.url, answer.error) {
            (Some(url), None) => Ok(check(&url)),
            (_, error) => Err(Error::invalid(error.unwrap_or_else(|| "the local helper answered without a URL".into()))),
        })?
    }

    /// One request and its answer, handed to `then` with the helper still held.
    fn ask<T>(&self, request: &impl Serialize, then: impl FnOnce(Answer) -> T) -> Result<T> {
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let s = match session.as_mut() {
            Some(s) => s,
            None => session.insert(start(&self.configs)?),
        };
        let line = serde_json::to_string(request).unwrap_or_default();
        let answer = writeln!(s.stdin, "{line}").and_then(|_| s.stdin.flush()).and_then(|_| read_answer(&mut s.stdout));
        match answer {
            Ok(Some(answer)) => Ok(then(answer)),
            // A helper that died or answered nothing readable is not reused.
            failed => {
                *session = None;
                Err(Error::invalid(format!("the local helper stopped answering: {failed:?}")))
            }
        }
    }
}

/// The next answer line; a line that is not one (something a library printed) is passed over.
fn read_answer(stdout: &mut BufReader<ChildStdout>) -> std::io::Result<Option<Answer>> {
    let mut text = String::new();
    loop {
        text.clear();
        if stdout.read_line(&mut text)? == 0 {
            return Ok(None);
        }
        if let Ok(answer) = serde_json::from_str::<Answer>(text.trim()) {
            return Ok(Some(answer));
        }
    }
}

/// The helper, with `dev <configs>` in its argv: what it serves shows in `ps`, and the orphan reaper
/// (wrangler/orphans.rs) finds it as it finds a `wrangler dev` of those configs.
fn start(configs: &str) -> Result<Session> {
    let dir = tempfile::Builder::new().prefix("clodo-local-helper-").tempdir().map_err(|e| Error::io("create a scratch folder in", &std::env::temp_dir(), e))?;
    let script = dir.path().join("local-engine.cjs");
    std::fs::write(&script, HELPER).map_err(|e| Error::io("Failed to write", &script, e))?;
    let mut command = Command::new("node");
    command.arg(&script).args(["dev", configs]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    crate::wrangler::environment::set(&mut command, crate::wrangler::environment::for_wrangler(std::env::vars_os()));
    // Its own process group, so an interrupted run ends it with the rest. Not the parent-death signal the
    // wrangler processes get: Linux sends that when the starting *thread* ends, and domains' threads come and
    // go while the helper serves the run. It ends when the run closes its stdin, however the run ends.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| Error::io("start node for", &script, e))?;
    crate::wrangler::process::track(child.id());
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(Error::invalid("the local helper has no pipes"));
    };
    Ok(Session { child, stdin, stdout: BufReader::new(stdout), _script: dir })
}

impl Drop for Session {
    fn drop(&mut self) {
        let pid = self.child.id();
        crate::wrangler::process::kill_group(pid);
        let _ = self.child.wait();
        crate::wrangler::process::untrack(pid);
    }
}
