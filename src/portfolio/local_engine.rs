//! Local D1 migrations for every domain of a run from one Node process
//! (`js/local-d1.cjs`, on the `miniflare` package wrangler uses), instead of
//! a `wrangler d1 migrations apply --local` per domain: that costs seconds of
//! start-up each, for milliseconds of SQL. The helper leaves what wrangler
//! would (same database file, same `d1_migrations` rows); it starts on first
//! use, serves one request at a time, and dies with the run.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const HELPER: &str = include_str!("../../js/local-d1.cjs");

#[derive(Serialize)]
pub struct Request<'a> {
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

#[derive(Deserialize, Debug)]
pub struct Answer {
    #[serde(default)]
    pub applied: Vec<String>,
    pub failed: Option<Failed>,
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

#[derive(Default)]
pub struct LocalMigrator {
    session: Mutex<Option<Session>>,
}

impl LocalMigrator {
    /// Ends the helper, if one runs (the next request starts another).
    pub fn stop(&self) {
        drop(self.session.lock().unwrap_or_else(|p| p.into_inner()).take());
    }

    /// Migrates one database; the helper is started the first time.
    pub fn migrate(&self, request: &Request) -> Result<Answer> {
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let s = match session.as_mut() {
            Some(s) => s,
            None => session.insert(start()?),
        };
        let line = serde_json::to_string(request).unwrap_or_default();
        let answer = writeln!(s.stdin, "{line}").and_then(|_| s.stdin.flush()).and_then(|_| read_answer(&mut s.stdout));
        match answer {
            Ok(Some(answer)) => Ok(answer),
            // A helper that died or answered nothing readable is not reused.
            failed => {
                *session = None;
                Err(Error::invalid(format!("the local D1 helper stopped answering: {failed:?}")))
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

fn start() -> Result<Session> {
    let dir = tempfile::Builder::new().prefix("clodo-d1-helper-").tempdir().map_err(|e| Error::io("create a scratch folder in", &std::env::temp_dir(), e))?;
    let script = dir.path().join("local-d1.cjs");
    std::fs::write(&script, HELPER).map_err(|e| Error::io("Failed to write", &script, e))?;
    let mut command = Command::new("node");
    command.arg(&script).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    crate::wrangler::environment::set(&mut command, crate::wrangler::environment::for_wrangler(std::env::vars_os()));
    // Its own process group, so an interrupted run ends it with the rest. Not the parent-death signal the
    // wrangler processes get: Linux sends that when the starting *thread* ends, and domains' threads come and
    // go while the helper serves the run. It ends when the run closes its stdin, however the run ends.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| Error::io("start node for", &script, e))?;
    crate::wrangler::process::track(child.id());
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(Error::invalid("the local D1 helper has no pipes"));
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
