//! Data cleanup: the original's three kinds of cleanup, run only against the
//! tables that exist, one `d1 execute` per database, after confirmation.

use serde_json::{Value, json};

use super::{Consent, Danger, DomainDatabase, Orchestrator, names};
use crate::error::Result;

pub const CLEANUP_TYPES: [&str; 3] = ["logs-only", "partial", "full"];

/// `(table, statement)` pairs for a cleanup type.
pub fn cleanup_statements(cleanup_type: &str) -> Result<Vec<(&'static str, &'static str)>> {
    names::one_of(cleanup_type, "cleanupType", &CLEANUP_TYPES)?;
    Ok(match cleanup_type {
        "logs-only" => vec![("logs", "DELETE FROM logs WHERE created_at < datetime('now', '-30 days')")],
        "full" => vec![
            ("logs", "DELETE FROM logs"),
            ("sessions", "DELETE FROM sessions"),
            ("files", "DELETE FROM files"),
            ("user_profiles", "DELETE FROM user_profiles"),
            ("users", "DELETE FROM users"),
        ],
        _ => vec![
            ("logs", "DELETE FROM logs WHERE created_at < datetime('now', '-7 days')"),
            ("sessions", "DELETE FROM sessions WHERE expires_at < datetime('now')"),
            ("users", "UPDATE users SET last_cleanup = datetime('now') WHERE last_cleanup IS NULL"),
        ],
    })
}

pub struct CleanupOptions {
    pub environment: String,
    pub domains: Vec<DomainDatabase>,
    pub cleanup_type: String,
    pub skip_backup: bool,
    pub force: bool,
}

impl Orchestrator {
    /// A cleanup deletes data: it needs consent outside local development and always for `full`.
    pub fn cleanup_danger(&self, environment: &str, cleanup_type: &str) -> Option<Danger> {
        (self.settings(environment).requires_confirmation || cleanup_type == "full").then(|| Danger {
            operation: format!("{cleanup_type} data cleanup in {environment}"),
            impact: "This will permanently delete data and cannot be undone".into(),
            environment: environment.to_owned(),
        })
    }

    pub fn cleanup(&self, options: &CleanupOptions, consent: &dyn Fn(&Danger) -> Consent) -> Result<Value> {
        names::environment(&options.environment)?;
        let statements = cleanup_statements(&options.cleanup_type)?;
        let env = options.environment.as_str();
        if let Some(danger) = self.cleanup_danger(env, &options.cleanup_type).filter(|_| !options.force)
            && consent(&danger) != Consent::Given
        {
            return Ok(cancelled(&danger));
        }
        let cleanup_id = super::timestamped_id(&format!("cleanup-{env}"));
        let started = std::time::Instant::now();
        let mut result = json!({"cleanupId": cleanup_id, "environment": env, "cleanupType": options.cleanup_type, "operations": {}, "startTime": super::now_iso()});
        if !options.skip_backup && self.settings(env).requires_backup {
            result["backup"] = self.backup_environment(env, &options.domains)?;
        }
        for db in self.databases_for(env, &options.domains)? {
            let outcome = self
                .cleanup_database(&db, env, &statements)
                .unwrap_or_else(|e| json!({"status": "failed", "error": e.to_string(), "code": e.code()}));
            result["operations"][&db.name] = outcome;
        }
        result["endTime"] = json!(super::now_iso());
        result["duration"] = json!(started.elapsed().as_secs_f64());
        let operations: Vec<String> = result["operations"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        self.audit("DATA_CLEANUP_COMPLETED", env, json!({"cleanupId": cleanup_id, "cleanupType": options.cleanup_type, "operations": operations, "duration": result["duration"]}))?;
        Ok(result)
    }

    fn cleanup_database(&self, db: &DomainDatabase, env: &str, statements: &[(&str, &str)]) -> Result<Value> {
        let target = self.target(&db.name, env, None, db.config.as_deref())?;
        let tables = self.tables(&target)?;
        let (run, skipped): (Vec<_>, Vec<_>) = statements.iter().partition(|(table, _)| tables.iter().any(|t| t == table));
        let sql = run.iter().map(|(_, s)| format!("{s};")).collect::<Vec<_>>().join(" ");
        let mut inv = self.invocation(&target, &["execute", &target.database, "--command", &sql]);
        inv.idempotent = false;
        let skipped: Vec<&str> = skipped.iter().map(|(t, _)| *t).collect();
        if self.options.dry_run || run.is_empty() {
            let status = if self.options.dry_run { "dry-run" } else { "completed" };
            let commands: Vec<Vec<String>> = if run.is_empty() { vec![] } else { vec![inv.display_argv()] };
            return Ok(json!({"status": status, "operationsExecuted": 0, "statements": run.iter().map(|(_, s)| s).collect::<Vec<_>>(), "skippedTables": skipped, "commands": commands}));
        }
        self.runner()?.run(&inv).map_err(|e| e.context("Database cleanup failed: "))?;
        Ok(json!({"status": "completed", "operationsExecuted": run.len(), "skippedTables": skipped, "timestamp": super::now_iso()}))
    }
}

pub fn cancelled(danger: &Danger) -> Value {
    json!({"status": "cancelled", "reason": format!("Not confirmed: {} ({}). Pass force: true or a confirm callback that returns true", danger.operation, danger.impact)})
}
