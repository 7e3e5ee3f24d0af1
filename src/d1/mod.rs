//! DatabaseOrchestrator's core: D1 databases, migrations, backups, restores
//! and cleanups through the real wrangler, for any environment in the config.

mod backup;
mod cleanup;
mod create;
pub mod dump;
mod environments;
mod migrations;
pub mod split;
pub mod names;
mod target;

use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::wrangler::{Credentials, Invocation, LazyRunner, RetryPolicy, Runner};

pub use crate::audit_log::{AuditLog, now_iso, timestamped_id};
pub use cleanup::{CleanupOptions, cleanup_statements};
pub use create::CreateOptions;
pub use environments::DomainDatabase;
pub use migrations::{migration_files, parse_apply_attempts, parse_apply_output, with_size_hint};
pub use target::Target;

/// How an environment is treated. `development` is local; every other one is
/// remote, asks for confirmation, and `production` is backed up first.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSettings {
    pub remote: bool,
    pub requires_confirmation: bool,
    pub requires_backup: bool,
}

impl EnvSettings {
    pub fn default_for(env: &str) -> EnvSettings {
        match env {
            "development" => EnvSettings { remote: false, requires_confirmation: false, requires_backup: false },
            "production" => EnvSettings { remote: true, requires_confirmation: true, requires_backup: true },
            _ => EnvSettings { remote: true, requires_confirmation: true, requires_backup: false },
        }
    }
}

#[derive(Clone)]
pub struct Options {
    pub project_root: PathBuf,
    /// The wrangler config; found in `project_root` when not given.
    pub config_path: Option<PathBuf>,
    pub dry_run: bool,
    pub credentials: Credentials,
    pub logs_dir: PathBuf,
    pub backup_dir: PathBuf,
    pub retry: RetryPolicy,
    pub execution_timeout: Duration,
    pub wrangler_path: Option<PathBuf>,
    /// Per-environment overrides of `EnvSettings::default_for`.
    pub environments: IndexMap<String, EnvSettings>,
}

impl Options {
    pub fn new(project_root: &Path) -> Options {
        Options {
            project_root: project_root.to_path_buf(),
            config_path: None,
            dry_run: false,
            credentials: Credentials::default(),
            logs_dir: project_root.join("logs"),
            backup_dir: project_root.join("backups"),
            retry: RetryPolicy::default(),
            execution_timeout: Duration::from_secs(120),
            wrangler_path: None,
            environments: IndexMap::new(),
        }
    }
}

/// What a dangerous operation would do, shown to whoever must confirm it.
#[derive(Debug, Clone)]
pub struct Danger {
    pub operation: String,
    pub impact: String,
    pub environment: String,
}

/// Whether the caller said yes to a dangerous operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    Given,
    Missing,
}

pub struct Orchestrator {
    pub options: Options,
    runner: LazyRunner,
}

impl Orchestrator {
    /// No side effects: wrangler is found on first use.
    pub fn new(options: Options) -> Orchestrator {
        let o = &options;
        let runner = LazyRunner::new(o.wrangler_path.clone(), &o.project_root, o.credentials.clone(), o.retry.clone());
        Orchestrator { options, runner }
    }

    pub fn settings(&self, env: &str) -> EnvSettings {
        self.options.environments.get(env).cloned().unwrap_or_else(|| EnvSettings::default_for(env))
    }

    pub fn audit_log(&self) -> AuditLog {
        AuditLog { path: self.options.logs_dir.join("database-audit.log") }
    }

    /// Appends an audit event, except in dry runs (which write nothing).
    fn audit(&self, event: &str, environment: &str, details: Value) -> Result<()> {
        match self.options.dry_run {
            true => Ok(()),
            false => self.audit_log().append(event, environment, details),
        }
    }

    /// The wrangler runner, found (and its version checked) once.
    pub fn runner(&self) -> Result<&Runner> {
        self.runner.get()
    }

    /// Creates the backup and log folders and reports the wrangler in use.
    pub fn initialize(&self) -> Result<Value> {
        let runner = self.runner()?;
        if !self.options.dry_run {
            for dir in [self.options.backup_dir.join("database"), self.options.logs_dir.clone()] {
                std::fs::create_dir_all(&dir).map_err(|e| Error::io("Failed to create folder", &dir, e))?;
            }
        }
        Ok(json!({
            "projectRoot": self.options.project_root,
            "wrangler": {"path": runner.wrangler.path, "version": runner.wrangler.version},
            "dryRun": self.options.dry_run,
        }))
    }

    /// `wrangler d1 <args…> <db> --local|--remote [--env X]` for a target.
    fn invocation(&self, target: &Target, args: &[&str]) -> Invocation {
        let mut argv: Vec<String> = vec!["d1".into()];
        argv.extend(args.iter().map(|a| a.to_string()));
        argv.push(if target.remote { "--remote" } else { "--local" }.into());
        if let Some(env) = &target.wrangler_env {
            argv.extend(["--env".into(), env.clone()]);
        }
        let mut inv = Invocation::new(argv, &target.config, &self.options.project_root);
        inv.timeout = self.options.execution_timeout;
        inv
    }

    /// Runs one SQL text with `d1 execute --json` and returns each statement's rows.
    fn query(&self, target: &Target, sql: &str) -> Result<Vec<Vec<Value>>> {
        self.query_with(target, sql, &[])
    }

    fn query_with(&self, target: &Target, sql: &str, extra: &[&str]) -> Result<Vec<Vec<Value>>> {
        let mut args = vec!["execute", &target.database, "--json", "--command", sql];
        args.extend(extra);
        let inv = self.invocation(target, &args);
        let outcome = self.runner()?.run(&inv)?;
        let parsed: Value = serde_json::from_str(outcome.stdout.trim()).map_err(|e| Error::Wrangler {
            kind: crate::error::WranglerFailure::Other,
            command: inv.display_argv().join(" "),
            message: format!("printed no JSON ({e}): {}", outcome.stdout.chars().take(200).collect::<String>()),
        })?;
        let results = parsed.as_array().cloned().unwrap_or_default();
        Ok(results.iter().map(|r| r["results"].as_array().cloned().unwrap_or_default()).collect())
    }

    /// The user tables of a database (not SQLite's or D1's own).
    fn tables(&self, target: &Target) -> Result<Vec<String>> {
        let rows = self.query(
            target,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_' AND substr(name, 1, 4) != '_cf_' ORDER BY name",
        )?;
        Ok(rows.first().map(|r| r.iter().filter_map(|row| row["name"].as_str().map(str::to_owned)).collect()).unwrap_or_default())
    }
}

/// Milliseconds as a JSON number.
fn millis(d: Duration) -> Value {
    json!(d.as_millis() as u64)
}
