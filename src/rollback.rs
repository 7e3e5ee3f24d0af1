//! Rollback points and rollbacks for one worker: what traffic it served
//! before a change (every version and its share, from `deployments list
//! --json`) and, when a D1 migration ran, the Time Travel bookmark taken just
//! before it. A rollback redeploys exactly that traffic (`versions deploy
//! a@100%`, or `a@p% b@q%` for a split) and, when asked, restores the
//! bookmark; then it reads the deployments again to prove it took.
//!
//! Secrets belong to versions: Cloudflare refuses to deploy an older version
//! whose secrets changed since it was active (code 10220). `versions deploy`
//! takes that refusal as it comes; `wrangler rollback` would not (without a
//! terminal it answers its own "continue?" with yes), so clodo forces only
//! when `force_secrets` says so, and otherwise reports which secrets changed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{Error, Result, WranglerFailure};
use crate::wrangler::{Invocation, Runner};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Traffic {
    pub version_id: String,
    pub percentage: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackPoint {
    pub worker_name: String,
    /// The config the worker is deployed from (a domain's rendered one).
    pub config_path: PathBuf,
    /// What the worker served; empty when it did not exist yet.
    pub versions: Vec<Traffic>,
    /// The D1 database (name) and its bookmark from before a migration.
    pub database: Option<String>,
    pub bookmark: Option<String>,
    /// Further databases the same run migrated (a service with several D1 bindings), each with its bookmark.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_databases: Vec<DatabaseBookmark>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseBookmark {
    pub database: String,
    pub bookmark: String,
}

impl RollbackPoint {
    /// The traffic `versions` of `worker_name` (deployed from `config_path`), now, with no bookmark yet.
    pub fn new(worker_name: &str, config_path: &Path, versions: Vec<Traffic>) -> RollbackPoint {
        RollbackPoint {
            worker_name: worker_name.to_owned(),
            config_path: config_path.to_path_buf(),
            versions,
            database: None,
            bookmark: None,
            other_databases: vec![],
            created_at: crate::audit_log::now_iso(),
        }
    }

    /// The databases a rollback may restore: the first in `database`, the rest in `other_databases`.
    pub fn set_bookmarks(&mut self, mut bookmarks: Vec<DatabaseBookmark>) {
        if bookmarks.is_empty() {
            return;
        }
        let first = bookmarks.remove(0);
        self.database = Some(first.database);
        self.bookmark = Some(first.bookmark);
        self.other_databases = bookmarks;
    }

    fn bookmarks(&self) -> Vec<(&str, &str)> {
        let first = self.database.as_deref().zip(self.bookmark.as_deref());
        first.into_iter().chain(self.other_databases.iter().map(|d| (d.database.as_str(), d.bookmark.as_str()))).collect()
    }
}

/// Where the commands run and how long each may take.
pub struct Worker<'a> {
    pub runner: &'a Runner,
    pub config: &'a Path,
    pub cwd: &'a Path,
    pub timeout: Duration,
    /// Deploy the point's version again even when its secrets are older than the current ones.
    pub force_secrets: bool,
}

/// Cloudflare's code for "a secret has changed since this version was active" (wrangler's
/// CANNOT_ROLLBACK_WITH_MODIFIED_SECERT_CODE).
const SECRETS_CHANGED: &str = "10220";

impl Worker<'_> {
    fn invocation(&self, args: &[&str]) -> Invocation {
        let mut inv = Invocation::new(args.iter().map(|a| a.to_string()).collect(), self.config, self.cwd);
        inv.timeout = self.timeout;
        inv
    }

    /// A command about the worker itself, named explicitly: the config may be the service's, not the worker's own.
    fn worker_invocation(&self, worker_name: &str, args: &[&str]) -> Invocation {
        let mut inv = self.invocation(args);
        inv.args.extend(["--name".to_owned(), worker_name.to_owned()]);
        inv
    }

    /// The traffic of the worker's latest deployment; empty when the worker does not exist.
    pub fn current_traffic(&self, worker_name: &str) -> Result<Vec<Traffic>> {
        let inv = self.worker_invocation(worker_name, &["deployments", "list", "--json"]);
        let outcome = match self.runner.run(&inv) {
            Ok(outcome) => outcome,
            Err(Error::Wrangler { kind: WranglerFailure::NotFound, .. }) => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        let deployments: Value = serde_json::from_str(outcome.stdout.trim()).map_err(|e| Error::Wrangler {
            kind: WranglerFailure::Other,
            command: inv.display_argv().join(" "),
            message: format!("`deployments list --json` printed no JSON ({e}): {}", outcome.stdout.trim()),
        })?;
        // wrangler lists them oldest first.
        let latest = deployments.as_array().and_then(|all| all.last()).cloned().unwrap_or(Value::Null);
        Ok(traffic_of(&latest))
    }

    /// The worker's current traffic and, for `database`, its bookmark now.
    pub fn create_point(&self, worker_name: &str, database: Option<&str>) -> Result<RollbackPoint> {
        let bookmark = match database {
            Some(db) => Some(self.bookmark(db)?),
            None => None,
        };
        let mut point = RollbackPoint::new(worker_name, self.config, self.current_traffic(worker_name)?);
        point.database = database.map(str::to_owned);
        point.bookmark = bookmark;
        Ok(point)
    }

    /// The remote database's current Time Travel bookmark.
    pub fn bookmark(&self, database: &str) -> Result<String> {
        let inv = self.invocation(&["d1", "time-travel", "info", database, "--json"]);
        let outcome = self.runner.run(&inv)?;
        let value: Value = serde_json::from_str(outcome.stdout.trim()).unwrap_or(Value::Null);
        value["bookmark"].as_str().map(str::to_owned).ok_or_else(|| Error::Wrangler {
            kind: WranglerFailure::Other,
            command: inv.display_argv().join(" "),
            message: format!("`d1 time-travel info` gave no bookmark: {}", outcome.stdout.trim()),
        })
    }

    /// The commands a rollback to `point` runs, in order.
    pub fn plan(&self, point: &RollbackPoint, restore_database: bool, message: &str) -> Vec<Invocation> {
        let mut steps = vec![];
        if !point.versions.is_empty() {
            let specs: Vec<String> = point.versions.iter().map(|t| format!("{}@{}%", t.version_id, t.percentage)).collect();
            let mut args = vec!["versions", "deploy"];
            args.extend(specs.iter().map(String::as_str));
            args.extend(["-y", "--message", message]);
            steps.push(self.worker_invocation(&point.worker_name, &args));
        }
        if restore_database {
            for (db, bookmark) in point.bookmarks() {
                steps.push(self.invocation(&["d1", "time-travel", "restore", db, "--bookmark", bookmark, "--json"]));
            }
        }
        steps
    }

    /// Puts the worker (and, when asked, its database) back to `point`, then checks the traffic.
    pub fn execute(&self, point: &RollbackPoint, restore_database: bool, message: &str) -> Result<Value> {
        if let Some(skipped) = nothing_to_undo(point, restore_database) {
            return Ok(skipped);
        }
        let mut commands = vec![];
        let mut forced = false;
        for inv in self.plan(point, restore_database, message) {
            match self.runner.run(&inv) {
                Ok(_) => commands.push(inv.display_argv()),
                Err(Error::Wrangler { message: why, .. }) if why.contains(SECRETS_CHANGED) => {
                    let forcing = self.forced(point, message, &why)?;
                    commands.push(forcing.display_argv());
                    forced = true;
                }
                Err(e) => return Err(e),
            }
        }
        let now = self.current_traffic(&point.worker_name)?;
        finished(point, &now, restore_database, forced, json!(commands))
    }

    /// The point's version deployed again over Cloudflare's refusal, when that was chosen; else the refusal,
    /// naming the secrets and the choice.
    fn forced(&self, point: &RollbackPoint, message: &str, why: &str) -> Result<Invocation> {
        let only = may_force(point, why, self.force_secrets)?;
        // Without a terminal, `wrangler rollback` answers its "secrets changed, continue?" with yes and forces.
        let inv = self.worker_invocation(&point.worker_name, &["rollback", &only.version_id, "-y", "--message", message]);
        self.runner.run(&inv)?;
        Ok(inv)
    }
}

/// A point with no earlier version and no database to restore: nothing is done, and the result says why.
fn nothing_to_undo(point: &RollbackPoint, restore_database: bool) -> Option<Value> {
    let undoable = !point.versions.is_empty() || (restore_database && point.bookmark.is_some());
    (!undoable).then(|| {
        json!({
            "status": "skipped",
            "workerName": point.worker_name,
            "message": format!("{} had no deployment before this change: there is no earlier version to go back to, so it was left as it is", point.worker_name),
        })
    })
}

/// A rollback's result once its steps ran: the traffic `now` must be the point's.
fn finished(point: &RollbackPoint, now: &[Traffic], restore_database: bool, forced: bool, steps: Value) -> Result<Value> {
    if !point.versions.is_empty() && !same_traffic(now, &point.versions) {
        return Err(Error::VerificationFailed(format!(
            "rolled {} back, but its deployments now show {} instead of {}",
            point.worker_name,
            describe(now),
            describe(&point.versions)
        )));
    }
    let forced_note = if forced { ", with the secrets it had then (forced)" } else { "" };
    Ok(json!({
        "status": "completed",
        "workerName": point.worker_name,
        "versions": point.versions,
        "databaseRestored": restore_database && point.bookmark.is_some(),
        "bookmark": point.bookmark,
        "secretsForced": forced,
        "commands": steps,
        "message": format!("{} serves {} again{forced_note}", point.worker_name, describe(&point.versions)),
    }))
}

/// The point's one version, when it may be deployed again over Cloudflare's refusal (secrets changed since it
/// was active) because that was chosen; else the refusal, naming the secrets and the choice.
fn may_force<'p>(point: &'p RollbackPoint, why: &str, force_secrets: bool) -> Result<&'p Traffic> {
    let listed = why.split("The following secrets have changed:").nth(1).and_then(|s| s.lines().next());
    let changed = listed.map(|s| s.replace(&format!("[code: {SECRETS_CHANGED}]"), "").trim().trim_end_matches('.').to_owned());
    let changed = changed.filter(|c| !c.is_empty()).unwrap_or_else(|| "(not listed)".into());
    let refused = |what: &str| Error::Api {
        kind: WranglerFailure::Other,
        message: format!("Cloudflare refused to put {} back: secrets changed since {} was active ({changed}) [code: {SECRETS_CHANGED}]. {what}", point.worker_name, describe(&point.versions)),
    };
    let [only] = point.versions.as_slice() else {
        return Err(refused("A split deployment cannot be forced back; deploy the version you want with `wrangler versions deploy`."));
    };
    if !force_secrets {
        return Err(refused("To deploy it again with the secrets it had then, pass forceSecretRollback (clodo: --force-secret-rollback)."));
    }
    Ok(only)
}

/// `Worker::execute` through Cloudflare's API (a remote run's engine): the point's traffic deployed again
/// (forced only as `force_secrets` allows), each bookmark restored (`database_ids`: name to id), the traffic read
/// back. Its `commands` are the requests made.
pub async fn execute_by_api(api: &crate::cloudflare::CloudflareApi, account: &str, point: &RollbackPoint, database_ids: &[(String, String)], restore_database: bool, message: &str, force_secrets: bool) -> Result<Value> {
    if let Some(skipped) = nothing_to_undo(point, restore_database) {
        return Ok(skipped);
    }
    let worker = &point.worker_name;
    let mut requests = vec![];
    let mut forced = false;
    if !point.versions.is_empty() {
        match api.deploy_versions(account, worker, &point.versions, message, false).await {
            Ok(_) => requests.push(format!("POST /workers/scripts/{worker}/deployments")),
            Err(Error::Api { message: why, .. }) if why.contains(SECRETS_CHANGED) => {
                let only = may_force(point, &why, force_secrets)?;
                api.deploy_versions(account, worker, std::slice::from_ref(only), message, true).await?;
                requests.push(format!("POST /workers/scripts/{worker}/deployments?force=true"));
                forced = true;
            }
            Err(e) => return Err(e),
        }
    }
    if restore_database {
        for (database, bookmark) in point.bookmarks() {
            let id = database_ids.iter().find(|(name, _)| name == database).map(|(_, id)| id.as_str());
            let id = id.ok_or_else(|| Error::invalid(format!("D1 database {database} is not on the account: its bookmark cannot be restored")))?;
            api.d1_restore(account, id, bookmark).await?;
            requests.push(format!("POST /d1/database/{id}/time_travel/restore?bookmark={bookmark}"));
        }
    }
    let now = api.current_traffic(account, worker).await?;
    finished(point, &now, restore_database, forced, json!(requests))
}

/// The deployment message of a rollback; wrangler keeps 120 characters.
pub fn message_for(reason: &str) -> String {
    format!("clodo rollback: {reason}").chars().take(120).collect()
}

pub fn traffic_of(deployment: &Value) -> Vec<Traffic> {
    deployment["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Some(Traffic { version_id: v["version_id"].as_str()?.to_owned(), percentage: v["percentage"].as_f64()? }))
        .collect()
}

fn same_traffic(a: &[Traffic], b: &[Traffic]) -> bool {
    let key = |t: &[Traffic]| {
        let mut v: Vec<(String, u64)> = t.iter().map(|x| (x.version_id.clone(), (x.percentage * 1000.0) as u64)).collect();
        v.sort();
        v
    };
    key(a) == key(b)
}

fn describe(traffic: &[Traffic]) -> String {
    match traffic {
        [] => "no deployment".into(),
        all => all.iter().map(|t| format!("{} at {}%", t.version_id, t.percentage)).collect::<Vec<_>>().join(" and "),
    }
}

/// RollbackManager's core: rollback points for a service's domains or
/// workers, taken before a deploy, and rollbacks to them.
pub struct Manager {
    pub service_path: PathBuf,
    /// The service's config, used for workers named explicitly.
    pub config_path: PathBuf,
    pub environment: String,
    pub service_name: String,
    pub dry_run: bool,
    pub timeout: Duration,
    pub runner: crate::wrangler::LazyRunner,
    /// See `Worker::force_secrets`.
    pub force_secrets: bool,
}

/// What a point is taken of: a domain of the service, or a worker by name.
pub struct Target {
    pub domain: Option<String>,
    pub worker_name: Option<String>,
    /// Also take this D1 database's Time Travel bookmark.
    pub database: Option<String>,
}

impl Manager {
    fn worker<'a>(&'a self, runner: &'a Runner, config: &'a Path) -> Worker<'a> {
        Worker { runner, config, cwd: &self.service_path, timeout: self.timeout, force_secrets: self.force_secrets }
    }

    /// The worker and config a target means: a domain's rendered config when
    /// a portfolio run wrote one, else the service's config.
    fn resolve(&self, target: &Target) -> Result<(String, PathBuf)> {
        let spec = target.domain.as_deref().map(|d| crate::domain_config::DomainSpec::new(d, &self.environment, &self.service_name));
        let worker = target.worker_name.clone().or_else(|| spec.as_ref().map(|s| s.worker_name()));
        let worker = worker.ok_or_else(|| Error::invalid("a rollback point needs a domain or a workerName"))?;
        let rendered = target.domain.as_ref().map(|d| self.service_path.join(".clodo").join("rendered").join(d).join(&self.environment).join("wrangler.json"));
        let config = rendered.filter(|p| p.is_file()).unwrap_or_else(|| self.config_path.clone());
        Ok((worker, config))
    }

    pub fn create_point(&self, target: &Target) -> Result<RollbackPoint> {
        let (worker, config) = self.resolve(target)?;
        self.worker(self.runner.get()?, &config).create_point(&worker, target.database.as_deref())
    }

    pub fn plan(&self, points: &[RollbackPoint], restore_database: bool) -> Result<Vec<Value>> {
        let runner = self.runner.get()?;
        Ok(points
            .iter()
            .map(|p| {
                let commands: Vec<Vec<String>> = self.worker(runner, &p.config_path).plan(p, restore_database, "clodo rollback").iter().map(Invocation::display_argv).collect();
                json!({"workerName": p.worker_name, "versions": p.versions, "bookmark": p.bookmark, "commands": commands})
            })
            .collect())
    }

    /// Every point in turn; one failing does not stop the others.
    pub fn execute(&self, points: &[RollbackPoint], restore_database: bool, reason: &str) -> Result<Vec<Value>> {
        if self.dry_run {
            return self.plan(points, restore_database);
        }
        let runner = self.runner.get()?;
        let message = message_for(reason);
        Ok(points
            .iter()
            .map(|p| {
                self.worker(runner, &p.config_path)
                    .execute(p, restore_database, &message)
                    .unwrap_or_else(|e| json!({"status": "failed", "workerName": p.worker_name, "message": e.to_string(), "code": e.code()}))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_is_read_from_a_deployment_and_compared_in_any_order() {
        let deployment = json!({"versions": [{"version_id": "a", "percentage": 90}, {"version_id": "b", "percentage": 10.0}]});
        let traffic = traffic_of(&deployment);
        assert_eq!(traffic, vec![Traffic { version_id: "a".into(), percentage: 90.0 }, Traffic { version_id: "b".into(), percentage: 10.0 }]);
        let reversed: Vec<Traffic> = traffic.iter().rev().cloned().collect();
        assert!(same_traffic(&traffic, &reversed));
        assert!(!same_traffic(&traffic, &traffic[..1]));
        assert_eq!(describe(&traffic), "a at 90% and b at 10%");
    }
}
