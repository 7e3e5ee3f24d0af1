//! `RollbackManager` for JavaScript: the work is in `crate::rollback`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::{Value, json};

use super::convert::{Json, credentials, flag, path_in, root_folder, text};
use super::task::{blocking, settled};
use crate::error::Error;
use crate::rollback::{Manager, RollbackPoint, Target, Traffic};
use crate::wrangler::{LazyRunner, RetryPolicy};
use crate::wrangler_config::discover_config;

#[allow(dead_code)]
#[napi(object)]
pub struct RollbackManagerOptions {
    /// Default: `process.cwd()`.
    pub service_path: Option<String>,
    pub config_path: Option<String>,
    /// Default `production`.
    pub environment: Option<String>,
    /// Default `data-service` (worker names of domains follow MultiDomainOrchestrator's).
    pub service_name: Option<String>,
    /// Plans only: `executeRollback` returns the commands it would run.
    pub dry_run: Option<bool>,
    pub cloudflare_token: Option<String>,
    pub cloudflare_account_id: Option<String>,
    pub wrangler_path: Option<String>,
    /// Deploy a point's version again even when secrets changed since it was active (Cloudflare refuses that
    /// unless forced: code 10220). Default false: the rollback fails and names the secrets.
    pub force_secret_rollback: Option<bool>,
}

/// A worker's traffic (and a database bookmark) taken before a change.
#[allow(dead_code)]
#[napi(object)]
pub struct RollbackPointInfo {
    pub worker_name: String,
    pub config_path: String,
    /// Empty when the worker did not exist yet.
    #[napi(ts_type = "Array<{ versionId: string, percentage: number }>")]
    pub versions: Vec<Value>,
    pub database: Option<String>,
    pub bookmark: Option<String>,
    pub created_at: String,
}

/// Rollback points taken before a deploy, and rollbacks to them: the worker's
/// earlier traffic (`wrangler rollback` / `versions deploy`) and, when asked,
/// its D1 database's Time Travel bookmark.
#[napi]
pub struct RollbackManager {
    manager: Arc<Manager>,
    /// Versions pinned with `addRollbackAction`, by domain or worker name.
    pinned: Mutex<Vec<(String, String)>>,
}

fn target_of(v: &Value) -> Target {
    let (domain, worker) = match v {
        Value::String(domain) => (Some(domain.clone()), None),
        _ => (text(v, &["domain"]).map(str::to_owned), text(v, &["workerName", "worker_name"]).map(str::to_owned)),
    };
    Target { domain, worker_name: worker, database: text(v, &["database", "databaseName"]).map(str::to_owned) }
}

#[napi]
impl RollbackManager {
    #[napi(constructor, ts_args_type = "options?: RollbackManagerOptions")]
    pub fn new(options: Option<Value>) -> Self {
        let v = options.unwrap_or(Value::Null);
        let root = root_folder(&v, &["servicePath", "service_path", "projectRoot"]);
        let config_path = path_in(&v, &["configPath", "config_path"], &root).or_else(|| discover_config(&root)).unwrap_or_else(|| root.join("wrangler.toml"));
        let runner = LazyRunner::new(path_in(&v, &["wranglerPath", "wrangler_path"], &root), &root, credentials(&v), RetryPolicy::default());
        let manager = Manager {
            config_path,
            environment: text(&v, &["environment"]).unwrap_or("production").to_owned(),
            service_name: text(&v, &["serviceName", "service_name"]).unwrap_or("data-service").to_owned(),
            dry_run: flag(&v, &["dryRun", "dry_run"]).unwrap_or(false),
            timeout: Duration::from_secs(120),
            runner,
            force_secrets: flag(&v, &["forceSecretRollback", "forceSecrets"]).unwrap_or(false),
            service_path: root,
        };
        RollbackManager { manager: Arc::new(manager), pinned: Mutex::new(vec![]) }
    }

    /// What the worker of a domain (or a worker by name) serves now, and the database's bookmark when named.
    #[napi(ts_args_type = "target: string | { domain?: string, workerName?: string, database?: string }", ts_return_type = "Promise<RollbackPointInfo>")]
    pub fn create_rollback_point<'env>(&self, env: &'env Env, target: Value) -> napi::Result<PromiseRaw<'env, Json>> {
        let manager = self.manager.clone();
        let target = target_of(&target);
        blocking(env, vec![], move |_| Ok(serde_json::to_value(manager.create_point(&target)?).unwrap_or_default()), Json)
    }

    /// Rollback points for every domain (or worker) at once, taken now, before a deploy.
    #[napi(ts_args_type = "domains: Array<string | { domain?: string, workerName?: string, database?: string }>", ts_return_type = "Promise<RollbackPlan>")]
    pub fn create_rollback_plan<'env>(&self, env: &'env Env, domains: Vec<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let manager = self.manager.clone();
        let pinned = self.pinned.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let environment = manager.environment.clone();
        blocking(
            env,
            vec![],
            move |_| {
                let mut points = vec![];
                for d in &domains {
                    let target = target_of(d);
                    let mut point = manager.create_point(&target)?;
                    let key = target.domain.clone().unwrap_or_else(|| point.worker_name.clone());
                    if let Some((_, version)) = pinned.iter().rev().find(|(k, _)| *k == key || *k == point.worker_name) {
                        point.versions = vec![Traffic { version_id: version.clone(), percentage: 100.0 }];
                    }
                    points.push(point);
                }
                let actions = manager.plan(&points, true)?;
                Ok(json!({
                    "id": crate::audit_log::timestamped_id("rollback"),
                    "environment": environment,
                    "createdAt": crate::audit_log::now_iso(),
                    "domains": domains,
                    "points": points,
                    "actions": actions,
                }))
            },
            Json,
        )
    }

    /// Makes plans created from now on put `domain` (or a worker name) back to this version.
    #[napi(ts_args_type = "domain: string, action: { versionId: string }")]
    pub fn add_rollback_action(&self, env: Env, domain: String, action: Value) -> napi::Result<()> {
        let Some(version) = text(&action, &["versionId", "version_id"]) else {
            return Err(super::errors::to_js_error(&env, &Error::invalid("addRollbackAction needs { versionId }: the version to go back to")));
        };
        self.pinned.lock().unwrap_or_else(|p| p.into_inner()).push((domain, version.to_owned()));
        Ok(())
    }

    /// Puts every worker of the plan back (and, with `restoreDatabase`, its database to the bookmark).
    #[napi(
        ts_args_type = "plan: RollbackPlan, options?: { restoreDatabase?: boolean, reason?: string }",
        ts_return_type = "Promise<{ success: boolean, rollbackId: string, completedActions: number, results: RollbackResult[] }>"
    )]
    pub fn execute_rollback<'env>(&self, env: &'env Env, plan: Value, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let points: Vec<RollbackPoint> = match serde_json::from_value(plan["points"].clone()) {
            Ok(points) => points,
            Err(e) => return settled(env, Err(Error::invalid(format!("not a rollback plan from createRollbackPlan ({e})")))),
        };
        let options = options.unwrap_or(Value::Null);
        let restore = flag(&options, &["restoreDatabase", "restore_database"]).unwrap_or(false);
        let reason = text(&options, &["reason"]).unwrap_or("requested").to_owned();
        let id = plan["id"].clone();
        let manager = self.manager.clone();
        blocking(
            env,
            vec![],
            move |_| {
                let results = manager.execute(&points, restore, &reason)?;
                let completed = results.iter().filter(|r| r["status"] == "completed").count();
                let failed = results.iter().any(|r| r["status"] == "failed");
                Ok(json!({"success": !failed, "rollbackId": id, "completedActions": completed, "results": results}))
            },
            Json,
        )
    }
}

#[allow(dead_code)]
#[napi(object)]
pub struct RollbackPlan {
    pub id: String,
    pub environment: String,
    pub created_at: String,
    pub domains: Vec<Value>,
    pub points: Vec<RollbackPointInfo>,
    /// Per worker: the commands a rollback runs.
    pub actions: Vec<Value>,
}
