//! Applying migrations with `d1 migrations apply` and reading which ones are
//! applied from the migrations table.

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use super::{Consent, Danger, Orchestrator, Target, millis, names};
use crate::error::{Error, Result, WranglerFailure};

/// What `d1 migrations apply` printed: the files it meant to apply, the ones
/// it applied (✅ in its last status table) and the one that failed (❌).
#[derive(Debug, Default, PartialEq)]
pub struct ApplyReport {
    pub to_apply: Vec<String>,
    pub applied: Vec<String>,
    pub failed: Option<String>,
}

/// Wrangler prints a status table after every file; the last one is final.
/// Each file runs in one transaction with its row in the migrations table,
/// so ✅ here means applied and recorded.
pub fn parse_apply_output(stdout: &str) -> ApplyReport {
    let mut report = ApplyReport::default();
    let mut in_plan = false;
    let mut last_status: Vec<(String, String)> = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in stdout.lines() {
        let line = line.trim();
        if line.starts_with("Migrations to be applied") {
            in_plan = true;
            continue;
        }
        let cells: Vec<&str> = line.split('│').map(str::trim).filter(|c| !c.is_empty()).collect();
        if line.starts_with('│') {
            match cells.as_slice() {
                ["name"] => {}
                ["name", "status"] => current = Some(Vec::new()),
                [name] if in_plan => report.to_apply.push(name.to_string()),
                [name, status] => {
                    if let Some(rows) = current.as_mut() {
                        rows.push((name.to_string(), status.to_string()));
                    }
                }
                _ => {}
            }
        } else if line.starts_with('└') {
            in_plan = false;
            if let Some(rows) = current.take() {
                last_status = rows;
            }
        }
    }
    for (name, status) in last_status {
        if status.contains('✅') {
            report.applied.push(name);
        } else if status.contains('❌') {
            report.failed = Some(name);
        }
    }
    report
}

/// D1's limit on one SQL statement (developers.cloudflare.com/d1/platform/limits).
pub const MAX_STATEMENT_BYTES: usize = 100_000;

/// A failure D1 gave because a statement was too long (`SQLITE_TOOBIG`), with the statements of `file` over the
/// limit and how to fix it; any other message as it is. wrangler sends a migration file whole: what split.rs
/// cannot split (or a migration run outside a portfolio) has to be split in the file.
pub fn with_size_hint(message: String, file: &std::path::Path) -> String {
    if !message.contains("SQLITE_TOOBIG") {
        return message;
    }
    let Ok(sql) = std::fs::read_to_string(file) else { return message };
    let oversized: Vec<String> = super::dump::statements(&sql)
        .into_iter()
        .filter(|s| s.len() > MAX_STATEMENT_BYTES)
        .map(|s| {
            // The line of its first word: comments and blank lines before it belong to no statement.
            let start = super::split::strip_leading_comments(s).as_ptr() as usize - sql.as_ptr() as usize;
            format!("line {} ({} KB)", sql[..start].matches('\n').count() + 1, s.len().div_ceil(1000))
        })
        .collect();
    match oversized.is_empty() {
        true => message,
        false => format!(
            "{message}: D1 takes at most 100 KB per statement, and {} has {} over it at {}; split each into smaller ones (a multi-row INSERT into several) in the same file, which D1 still applies as one batch",
            file.display(),
            oversized.len(),
            oversized.join(", ")
        ),
    }
}

/// What every attempt of a retried `d1 migrations apply` applied: an attempt
/// that failed part-way may have applied files the next one then skipped.
pub fn parse_apply_attempts(outcome: &crate::wrangler::Outcome) -> ApplyReport {
    let mut report = parse_apply_output(&outcome.stdout);
    for earlier in outcome.earlier_stdout.iter().rev() {
        for name in parse_apply_output(earlier).applied {
            if !report.applied.contains(&name) {
                report.applied.insert(0, name);
            }
        }
    }
    report
}

/// The `*.sql` files wrangler would apply, in its order.
pub fn migration_files(dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::io("Failed to read migrations folder", dir, e)),
    };
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    Ok(files)
}

impl Orchestrator {
    /// `(name, applied_at)` rows of the migrations table; none when the table
    /// does not exist yet.
    pub fn applied_migrations(&self, target: &Target) -> Result<Vec<(String, String)>> {
        self.applied_with(target, &[])
    }

    fn applied_with(&self, target: &Target, extra: &[&str]) -> Result<Vec<(String, String)>> {
        let sql = format!("SELECT name, applied_at FROM {} ORDER BY id", names::quote_identifier(&target.migrations_table));
        match self.query_with(target, &sql, extra) {
            Ok(rows) => Ok(rows
                .first()
                .map(|r| {
                    r.iter()
                        .map(|row| (text(&row["name"]), text(&row["applied_at"])))
                        .collect()
                })
                .unwrap_or_default()),
            Err(Error::Wrangler { kind: WranglerFailure::Sql, message, .. }) if message.contains("no such table") => Ok(vec![]),
            Err(e) => Err(e),
        }
    }

    /// What a dry run may read: a local database is read from a scratch copy
    /// of wrangler's local D1 state (wrangler creates the state, and a file per
    /// database, on any local command); no local state means nothing is applied.
    fn applied_without_writing(&self, target: &Target) -> Result<Vec<(String, String)>> {
        if target.remote {
            return self.applied_migrations(target);
        }
        let config_dir = target.config.parent().unwrap_or(Path::new("."));
        let local_d1 = config_dir.join(".wrangler").join("state").join("v3").join("d1");
        if !local_d1.is_dir() {
            return Ok(vec![]);
        }
        let scratch = tempfile::tempdir().map_err(|e| Error::io("Failed to create a scratch folder", &std::env::temp_dir(), e))?;
        copy_tree(&local_d1, &scratch.path().join("v3").join("d1"))?;
        self.applied_with(target, &["--persist-to", &scratch.path().display().to_string()])
    }

    pub fn migration_status(&self, database: &str, environment: &str, remote: Option<bool>, config: Option<&Path>) -> Result<Value> {
        let target = self.target(database, environment, remote, config)?;
        let files = migration_files(&target.migrations_dir)?;
        let applied = match self.options.dry_run {
            true => self.applied_without_writing(&target)?,
            false => self.applied_migrations(&target)?,
        };
        let pending: Vec<&String> = files.iter().filter(|f| !applied.iter().any(|(n, _)| n == *f)).collect();
        Ok(json!({
            "databaseName": target.database,
            "bindingName": target.binding,
            "environment": environment,
            "isRemote": target.remote,
            "migrationsDir": target.migrations_dir,
            "applied": applied.iter().map(|(n, at)| json!({"name": n, "appliedAt": at})).collect::<Vec<_>>(),
            "pending": pending,
        }))
    }

    /// Applies pending migrations; the count is what wrangler applied.
    pub fn apply_migrations(&self, database: &str, binding: Option<&str>, environment: &str, remote: Option<bool>, config: Option<&Path>) -> Result<Value> {
        if let Some(binding) = binding {
            names::binding(binding)?;
        }
        let target = self.target(database, environment, remote, config)?;
        let inv = self.migration_invocation(&target);
        let base = json!({
            "databaseName": target.database,
            "bindingName": target.binding,
            "environment": environment,
            "isRemote": target.remote,
        });
        if self.options.dry_run {
            let files = migration_files(&target.migrations_dir)?;
            let applied = self.applied_without_writing(&target)?;
            let pending: Vec<&String> = files.iter().filter(|f| !applied.iter().any(|(n, _)| n == *f)).collect();
            let mut commands = vec![];
            if target.remote {
                commands.push(self.bookmark_invocation(&target).display_argv());
            }
            commands.push(inv.display_argv());
            return Ok(merge(base, json!({"status": "dry-run", "migrationsApplied": 0, "pending": pending, "commands": commands})));
        }
        let started = Instant::now();
        let result = self.apply_now(&target, &inv);
        match result {
            Ok((report, bookmark, wrangler_time, output)) => {
                let details = json!({
                    "databaseName": target.database, "bindingName": target.binding,
                    "migrationsApplied": report.applied.len(), "migrations": report.applied,
                    "isRemote": target.remote, "bookmark": bookmark,
                });
                self.audit("DATABASE_MIGRATION_APPLIED", environment, details)?;
                let mut result = merge(base, json!({
                    "status": "completed",
                    "migrationsApplied": report.applied.len(),
                    "migrations": report.applied,
                    "output": output.chars().take(500).collect::<String>(),
                    "command": inv.display_argv(),
                    "durationMs": millis(started.elapsed()),
                    "wranglerMs": millis(wrangler_time),
                }));
                if let Some(bookmark) = bookmark {
                    result["bookmark"] = json!(bookmark);
                }
                Ok(result)
            }
            Err(error) => {
                let mut details = json!({"databaseName": target.database, "bindingName": target.binding, "error": error.to_string()});
                if let Error::MigrationFailed { file, applied, .. } = &error {
                    details["migration"] = json!(file.file_name().map(|n| n.to_string_lossy()));
                    details["applied"] = json!(applied);
                }
                self.audit("DATABASE_MIGRATION_FAILED", environment, details)?;
                Err(error)
            }
        }
    }

    fn apply_now(&self, target: &Target, inv: &crate::wrangler::Invocation) -> Result<(ApplyReport, Option<String>, std::time::Duration, String)> {
        let runner = self.runner()?;
        let mut wrangler_time = std::time::Duration::ZERO;
        let bookmark = match target.remote {
            true => {
                let (bookmark, took) = self.take_bookmark(target)?;
                self.audit("DATABASE_BOOKMARK_TAKEN", &target.environment, json!({"databaseName": target.database, "bookmark": bookmark}))?;
                wrangler_time += took;
                Some(bookmark)
            }
            false => None,
        };
        let outcome = runner.run_raw(inv)?;
        wrangler_time += outcome.duration;
        let report = parse_apply_attempts(&outcome);
        match outcome.failure {
            None => Ok((report, bookmark, wrangler_time, outcome.stdout)),
            Some((kind, message)) => {
                let failed = report.failed.clone().or_else(|| failed_file(&outcome.stderr));
                Err(match failed {
                    Some(file) => {
                        let path = target.migrations_dir.join(file);
                        // The SQL error alone; the rest of the message names the file.
                        let message = command_failed(&outcome.events).unwrap_or(message);
                        Error::MigrationFailed { database: target.database.clone(), message: with_size_hint(message, &path), file: path, applied: report.applied }
                    }
                    None => Error::Wrangler { kind, command: inv.display_argv().join(" "), message }
                        .context(format!("Migration failed for {}: ", target.database)),
                })
            }
        }
    }

    pub fn migration_invocation(&self, target: &Target) -> crate::wrangler::Invocation {
        self.invocation(target, &["migrations", "apply", &target.database])
    }

    fn bookmark_invocation(&self, target: &Target) -> crate::wrangler::Invocation {
        let mut inv = self.invocation(target, &["time-travel", "info", &target.database, "--json"]);
        // Time Travel exists only remotely: drop the --remote the helper added.
        inv.args.retain(|a| a != "--remote");
        inv
    }

    /// The database's current Time Travel bookmark (remote only).
    pub fn take_bookmark(&self, target: &Target) -> Result<(String, std::time::Duration)> {
        let inv = self.bookmark_invocation(target);
        let outcome = self.runner()?.run(&inv)?;
        let value: Value = serde_json::from_str(outcome.stdout.trim()).unwrap_or(Value::Null);
        let bookmark = value["bookmark"].as_str().map(str::to_owned).ok_or_else(|| Error::Wrangler {
            kind: WranglerFailure::Other,
            command: inv.display_argv().join(" "),
            message: format!("`{}` gave no bookmark: {}", inv.display_argv().join(" "), outcome.stdout.trim()),
        })?;
        Ok((bookmark, outcome.duration))
    }
}

impl Orchestrator {
    pub fn bookmark_danger(&self, database: &str, environment: &str, bookmark: &str) -> Danger {
        Danger {
            operation: format!("restore {database} ({environment}) to Time Travel bookmark {bookmark}"),
            impact: "Every change made after the bookmark is undone".into(),
            environment: environment.to_owned(),
        }
    }

    /// Undoes a remote migration (or anything else) with Time Travel.
    pub fn restore_bookmark(&self, database: &str, environment: &str, bookmark: &str, consent: Consent) -> Result<Value> {
        names::bookmark(bookmark)?;
        let target = self.target(database, environment, Some(true), None)?;
        let mut inv = self.bookmark_invocation(&target);
        inv.args = vec!["d1".into(), "time-travel".into(), "restore".into(), target.database.clone(), "--bookmark".into(), bookmark.into(), "--json".into()];
        if let Some(env) = &target.wrangler_env {
            inv.args.extend(["--env".into(), env.clone()]);
        }
        let danger = self.bookmark_danger(&target.database, environment, bookmark);
        if consent != Consent::Given {
            return Ok(super::cleanup::cancelled(&danger));
        }
        if self.options.dry_run {
            return Ok(json!({"status": "dry-run", "databaseName": target.database, "bookmark": bookmark, "commands": [inv.display_argv()]}));
        }
        let outcome = self.runner()?.run(&inv)?;
        let reply: Value = serde_json::from_str(outcome.stdout.trim()).unwrap_or(Value::Null);
        self.audit("DATABASE_BOOKMARK_RESTORED", environment, json!({"databaseName": target.database, "bookmark": bookmark, "previousBookmark": reply["previous_bookmark"]}))?;
        Ok(json!({
            "status": "completed",
            "databaseName": target.database,
            "environment": environment,
            "bookmark": reply["bookmark"].as_str().unwrap_or(bookmark),
            "previousBookmark": reply["previous_bookmark"],
            "message": reply["message"],
        }))
    }
}

/// `Migration 0003_x.sql failed with the following errors:` on stderr.
fn failed_file(stderr: &str) -> Option<String> {
    let at = stderr.find("Migration ")?;
    let rest = &stderr[at + "Migration ".len()..];
    let end = rest.find(" failed")?;
    Some(rest[..end].trim().to_owned())
}

fn command_failed(events: &[Value]) -> Option<String> {
    events.iter().rev().find(|e| e["type"] == "command-failed").and_then(|e| e["message"].as_str()).map(str::to_owned)
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

pub(super) fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

/// Copies a folder of files (wrangler's local D1 state) to `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io("Failed to create folder", to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io("Failed to read folder", from, e))? {
        let entry = entry.map_err(|e| Error::io("Failed to read folder", from, e))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            std::fs::copy(&source, &target).map_err(|e| Error::io("Failed to copy", &source, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_too_big_for_d1_is_named_by_line_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("0003_seed.sql");
        let big = format!("INSERT INTO t VALUES {};", vec!["('x')"; 30_000].join(","));
        std::fs::write(&file, format!("CREATE TABLE t (v TEXT);\n-- seed\n{big}\nSELECT 1;\n")).unwrap();
        let hinted = with_size_hint("statement too long: SQLITE_TOOBIG".into(), &file);
        assert!(hinted.contains("has 1 over it at line 3 (181 KB)"), "{hinted}");
        assert!(hinted.contains("split each into smaller ones"));
        assert_eq!(with_size_hint("no such table: x".into(), &file), "no such table: x");
    }

    const FAILED: &str = "Migrations to be applied:
┌────────────────┐
│ name           │
├────────────────┤
│ 0003_posts.sql │
├────────────────┤
│ 0004_bad.sql   │
└────────────────┘
┌────────────────┬────────┐
│ name           │ status │
├────────────────┼────────┤
│ 0003_posts.sql │ ✅     │
├────────────────┼────────┤
│ 0004_bad.sql   │ 🕒️    │
└────────────────┴────────┘
┌────────────────┬────────┐
│ name           │ status │
├────────────────┼────────┤
│ 0003_posts.sql │ ✅     │
├────────────────┼────────┤
│ 0004_bad.sql   │ ❌     │
└────────────────┴────────┘
";

    #[test]
    fn the_last_status_table_decides() {
        let report = parse_apply_output(FAILED);
        assert_eq!(report.to_apply, ["0003_posts.sql", "0004_bad.sql"]);
        assert_eq!(report.applied, ["0003_posts.sql"]);
        assert_eq!(report.failed.as_deref(), Some("0004_bad.sql"));
    }

    #[test]
    fn a_retried_apply_counts_what_every_attempt_applied() {
        let outcome = crate::wrangler::Outcome {
            argv: vec![],
            exit_code: Some(0),
            stdout: "✅ No migrations to apply!\n".into(),
            stderr: String::new(),
            events: vec![],
            duration: std::time::Duration::ZERO,
            attempts: 2,
            failure: None,
            earlier_stdout: vec![FAILED.into()],
        };
        assert_eq!(parse_apply_attempts(&outcome).applied, ["0003_posts.sql"]);
    }

    #[test]
    fn nothing_to_apply_is_zero() {
        assert_eq!(parse_apply_output("✅ No migrations to apply!\n"), ApplyReport::default());
    }

    #[test]
    fn the_failed_file_is_read_from_stderr() {
        assert_eq!(failed_file("✘ [ERROR] Migration 0004_bad.sql failed with the following errors:").as_deref(), Some("0004_bad.sql"));
    }
}
