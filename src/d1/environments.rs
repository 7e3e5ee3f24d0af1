//! Migrations across the databases of an environment (run side by side, up
//! to the wrangler process limit) and across environments (one after another).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::cleanup::cancelled;
use super::{Consent, Danger, Orchestrator, names};
use crate::error::{Error, Result};

/// One database to work on: its name (or binding) and, when the domain has
/// its own, the wrangler config it is bound in.
#[derive(Debug, Clone)]
pub struct DomainDatabase {
    pub name: String,
    pub config: Option<PathBuf>,
}

impl DomainDatabase {
    /// `domainConfigs[i].databases[env]` (`{name, configPath?}`), as the original took them.
    pub fn from_domain_configs(domain_configs: &Value, environment: &str) -> Vec<DomainDatabase> {
        let domains = domain_configs.as_array().cloned().unwrap_or_default();
        domains
            .iter()
            .filter_map(|d| {
                let db = &d["databases"][environment];
                let name = db["name"].as_str().or_else(|| db["databaseName"].as_str()).or_else(|| db["database_name"].as_str())?;
                let config = db["configPath"].as_str().or_else(|| d["configPath"].as_str()).map(PathBuf::from);
                Some(DomainDatabase { name: name.to_owned(), config })
            })
            .collect()
    }
}

impl Orchestrator {
    /// The given databases, or else every D1 database bound in the environment.
    pub fn databases_for(&self, environment: &str, domains: &[DomainDatabase]) -> Result<Vec<DomainDatabase>> {
        match domains.is_empty() {
            false => Ok(domains.to_vec()),
            true => Ok(self.databases_in(environment, None)?.into_iter().map(|name| DomainDatabase { name, config: None }).collect()),
        }
    }

    /// Applies migrations to each database of an environment. After a
    /// failure no new database is started; the first failure is returned.
    pub fn apply_environment(&self, environment: &str, domains: &[DomainDatabase]) -> Result<Value> {
        names::environment(environment)?;
        let databases = self.databases_for(environment, domains)?;
        let started = Instant::now();
        let start_time = super::now_iso();
        let results: Vec<Mutex<Option<Result<Value>>>> = databases.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let workers = crate::wrangler::ProcessLimit::shared().max().min(databases.len()).max(1);
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    while !failed.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(db) = databases.get(i) else { break };
                        let result = self.apply_migrations(&db.name, None, environment, None, db.config.as_deref());
                        if result.is_err() {
                            failed.store(true, Ordering::SeqCst);
                        }
                        *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                    }
                });
            }
        });
        let mut out = Map::new();
        let mut total = 0;
        let mut first_error = None;
        for (db, slot) in databases.iter().zip(results) {
            match slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
                Some(Ok(v)) => {
                    total += v["migrationsApplied"].as_u64().unwrap_or(0);
                    out.insert(db.name.clone(), v);
                }
                Some(Err(e)) => {
                    out.insert(db.name.clone(), json!({"status": "failed", "error": e.to_string(), "code": e.code()}));
                    first_error.get_or_insert(e);
                }
                None => {
                    out.insert(db.name.clone(), json!({"status": "skipped", "reason": "not started after an earlier failure"}));
                }
            }
        }
        let duration = started.elapsed().as_secs_f64();
        let names: Vec<&String> = out.keys().collect();
        if let Some(error) = first_error {
            self.audit("ENVIRONMENT_MIGRATION_FAILED", environment, json!({"databases": names, "error": error.to_string(), "duration": duration}))?;
            return Err(error);
        }
        self.audit("ENVIRONMENT_MIGRATION_COMPLETED", environment, json!({"databases": names, "migrationsApplied": total, "duration": duration}))?;
        Ok(json!({
            "environment": environment,
            "databases": out,
            "migrationsApplied": total,
            "startTime": start_time,
            "endTime": super::now_iso(),
            "duration": duration,
        }))
    }

    /// What migrating an environment needs confirmed (every one but
    /// `development`, unless its settings say otherwise).
    pub fn migration_danger(&self, environment: &str) -> Option<Danger> {
        self.settings(environment).requires_confirmation.then(|| Danger {
            operation: format!("apply migrations to the {environment} databases"),
            impact: "Schema and data changes in every database of the environment".into(),
            environment: environment.to_owned(),
        })
    }

    pub fn apply_across(&self, environments: &[String], domain_configs: &Value, skip_backup: bool, continue_on_error: bool, consent: &dyn Fn(&Danger) -> Consent) -> Result<Value> {
        for env in environments {
            names::environment(env)?;
        }
        let orchestration_id = super::timestamped_id("orchestration");
        let started = Instant::now();
        let start_time = super::now_iso();
        let (mut successful, mut failed, mut skipped) = (0, 0, 0);
        let mut results = Map::new();
        for env in environments {
            let domains = DomainDatabase::from_domain_configs(domain_configs, env);
            if let Some(danger) = self.migration_danger(env)
                && consent(&danger) != Consent::Given
            {
                skipped += 1;
                results.insert(env.clone(), cancelled(&danger));
                continue;
            }
            let outcome = (|| {
                let backup = match !skip_backup && self.settings(env).requires_backup {
                    true => Some(self.backup_environment(env, &domains)?),
                    false => None,
                };
                let mut result = self.apply_environment(env, &domains)?;
                if let Some(backup) = backup {
                    result["backup"] = backup;
                }
                Ok::<Value, Error>(result)
            })();
            match outcome {
                Ok(mut v) => {
                    successful += 1;
                    v["status"] = json!(if self.options.dry_run { "dry-run" } else { "completed" });
                    results.insert(env.clone(), v);
                }
                Err(e) => {
                    failed += 1;
                    results.insert(env.clone(), json!({"status": "failed", "error": e.to_string(), "code": e.code(), "timestamp": super::now_iso()}));
                    if !continue_on_error {
                        self.audit("MIGRATION_ORCHESTRATION_FAILED", "ALL", json!({"error": e.to_string()}))?;
                        return Err(e.context(format!("Migration failed in {env} environment: ")));
                    }
                }
            }
        }
        let summary = json!({
            "total": environments.len(),
            "successful": successful,
            "failed": failed,
            "skipped": skipped,
            "duration": started.elapsed().as_secs_f64(),
        });
        self.audit("MIGRATION_ORCHESTRATION_COMPLETED", "ALL", summary.clone())?;
        Ok(json!({
            "orchestrationId": orchestration_id,
            "environments": results,
            "summary": summary,
            "startTime": start_time,
            "endTime": super::now_iso(),
        }))
    }
}
