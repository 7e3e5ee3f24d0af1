//! One call per everyday operation on a service's workers, secrets and D1
//! databases (the original's `utils/cloudflare` functions): through the API
//! when a token and account are at hand (and, for secrets, the worker's
//! name), else through wrangler with argv and, for secret values, stdin.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::CloudflareApi;
use crate::d1::names;
use crate::error::{Error, Result};
use crate::http_check::block_on;
use crate::wrangler::{Credentials, Invocation, LazyRunner, Outcome, RetryPolicy, deployment_from_events};
use crate::wrangler_config::{Options, WranglerConfig, wrangler_env_for};

pub struct Ops {
    project_root: PathBuf,
    config: PathBuf,
    credentials: Credentials,
    runner: LazyRunner,
}

impl Ops {
    pub fn new(project_root: &Path, config: &Path, wrangler_path: Option<PathBuf>, credentials: Credentials) -> Ops {
        let runner = LazyRunner::new(wrangler_path, project_root, credentials.clone(), RetryPolicy::default());
        Ops { project_root: project_root.to_path_buf(), config: config.to_path_buf(), credentials, runner }
    }

    /// The API client and account, when both a token and an account id are known.
    fn api(&self) -> Result<Option<(CloudflareApi, String)>> {
        match (&self.credentials.api_token, &self.credentials.account_id) {
            (Some(token), Some(account)) => Ok(Some((CloudflareApi::new(token)?, account.clone()))),
            _ => Ok(None),
        }
    }

    fn wrangler(&self, args: Vec<String>, stdin: Option<&str>) -> Result<Outcome> {
        let mut inv = Invocation::new(args, &self.config, &self.project_root);
        if let Some(value) = stdin {
            inv.stdin = Some(value.as_bytes().to_vec());
            inv.redact.push(value.to_owned());
        }
        self.runner.get()?.run(&inv)
    }

    /// `--env X` when the environment is one of the config's sections (as the
    /// rest of clodo decides it); nothing for the top level or an empty name.
    fn env_args(&self, environment: &str) -> Result<Vec<String>> {
        if environment.is_empty() {
            return Ok(vec![]);
        }
        let root = WranglerConfig::new(Options::for_config_path(&self.config)).read_config()?;
        Ok(wrangler_env_for(&root, environment, &self.config)?.map(|env| vec!["--env".into(), env]).unwrap_or_default())
    }

    fn needs_api(&self, what: &str) -> Result<(CloudflareApi, String)> {
        self.api()?.ok_or_else(|| Error::invalid(format!("{what} needs Cloudflare's API (wrangler has no command for it): pass apiToken and accountId, or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID")))
    }

    /// The account's Workers scripts: `[{ id, name, createdOn, modifiedOn, etag }]`.
    pub fn list_workers(&self) -> Result<Vec<Value>> {
        let (api, account) = self.needs_api("Listing workers")?;
        let scripts = block_on(async move { api.workers(&account).await })?;
        Ok(scripts.iter().map(|w| json!({"id": w["id"], "name": w["id"], "createdOn": w["created_on"], "modifiedOn": w["modified_on"], "etag": w["etag"]})).collect())
    }

    /// Builds and deploys the service for `environment` with wrangler: `{ workerName, versionId, url, targets }`.
    pub fn deploy_worker(&self, environment: &str) -> Result<Value> {
        let mut args = vec!["deploy".to_owned()];
        args.extend(self.env_args(environment)?);
        let outcome = self.wrangler(args, None)?;
        let deployment = deployment_from_events(&outcome.events).ok_or_else(|| Error::DeployFailed("wrangler deploy finished without reporting a deployment".into()))?;
        Ok(json!({"workerName": deployment.worker_name, "versionId": deployment.version_id, "url": deployment.url, "targets": deployment.targets}))
    }

    /// Sets one secret: by the API on `script` when given with credentials, else `wrangler secret put` with the value on stdin.
    pub fn put_secret(&self, key: &str, value: &str, environment: &str, script: Option<&str>) -> Result<()> {
        crate::secrets::check_name(key)?;
        if let (Some(script), Some((api, account))) = (script, self.api()?) {
            return block_on(async move { api.put_worker_secret(&account, script, key, value).await }).map(drop);
        }
        let mut args = vec!["secret".to_owned(), "put".into(), key.into()];
        args.extend(self.env_args(environment)?);
        self.wrangler(args, Some(value)).map(drop)
    }

    pub fn delete_secret(&self, key: &str, environment: &str, script: Option<&str>) -> Result<()> {
        crate::secrets::check_name(key)?;
        if let (Some(script), Some((api, account))) = (script, self.api()?) {
            return block_on(async move { api.delete_worker_secret(&account, script, key).await });
        }
        // Non-interactive wrangler takes its confirmation's fallback (yes) for `secret delete`.
        let mut args = vec!["secret".to_owned(), "delete".into(), key.into()];
        args.extend(self.env_args(environment)?);
        self.wrangler(args, None).map(drop)
    }

    /// The names of the worker's secrets (never values).
    pub fn list_secrets(&self, environment: &str, script: Option<&str>) -> Result<Vec<String>> {
        let listed = if let (Some(script), Some((api, account))) = (script, self.api()?) {
            block_on(async move { api.worker_secrets(&account, script).await })?
        } else {
            let mut args = vec!["secret".to_owned(), "list".into(), "--format".into(), "json".into()];
            args.extend(self.env_args(environment)?);
            let outcome = self.wrangler(args, None)?;
            serde_json::from_str::<Vec<Value>>(outcome.stdout.trim()).map_err(|e| Error::invalid(format!("wrangler secret list printed no JSON list: {e}")))?
        };
        Ok(listed.iter().filter_map(|s| s["name"].as_str().map(str::to_owned)).collect())
    }

    /// The account's D1 databases: `[{ uuid, name, version, createdAt, numTables, fileSize }]`.
    pub fn list_databases(&self) -> Result<Vec<Value>> {
        let listed = match self.api()? {
            Some((api, account)) => block_on(async move { api.d1_databases(&account).await })?,
            None => {
                let outcome = self.wrangler(vec!["d1".into(), "list".into(), "--json".into()], None)?;
                serde_json::from_str(outcome.stdout.trim()).map_err(|e| Error::invalid(format!("wrangler d1 list printed no JSON list: {e}")))?
            }
        };
        Ok(listed
            .iter()
            .map(|db| json!({"uuid": db["uuid"], "name": db["name"], "version": db["version"], "createdAt": db["created_at"], "numTables": db["num_tables"], "fileSize": db["file_size"]}))
            .collect())
    }

    pub fn database_id(&self, name: &str) -> Result<Option<String>> {
        names::database(name)?;
        Ok(self.list_databases()?.iter().find(|db| db["name"] == name).and_then(|db| db["uuid"].as_str().map(str::to_owned)))
    }

    /// Creates the database and returns its id.
    pub fn create_database(&self, name: &str) -> Result<String> {
        names::database(name)?;
        if let Some((api, account)) = self.api()? {
            let created = block_on(async move { api.create_d1_database(&account, name).await })?;
            return created["uuid"].as_str().map(str::to_owned).ok_or_else(|| Error::invalid("Cloudflare created the database but sent no uuid"));
        }
        self.wrangler(vec!["d1".into(), "create".into(), name.into()], None)?;
        self.database_id(name)?.ok_or_else(|| Error::DatabaseNotFound(format!("wrangler d1 create {name} succeeded but d1 list does not show it")))
    }

    pub fn delete_database(&self, name: &str) -> Result<()> {
        names::database(name)?;
        if let Some((api, account)) = self.api()? {
            let id = self.database_id(name)?.ok_or_else(|| Error::DatabaseNotFound(format!("No D1 database named {name} in account {account}")))?;
            return block_on(async move { api.delete_d1_database(&account, &id).await });
        }
        self.wrangler(vec!["d1".into(), "delete".into(), name.into(), "--skip-confirmation".into()], None).map(drop)
    }

    /// `d1 execute` of `sql` (local unless `remote`): each statement's `{ results, success, meta }`.
    pub fn execute_sql(&self, database: &str, sql: &str, environment: &str, remote: bool) -> Result<Vec<Value>> {
        names::database(database)?;
        let mut args = vec!["d1".to_owned(), "execute".into(), database.into(), "--json".into(), "--command".into(), sql.into(), if remote { "--remote" } else { "--local" }.into()];
        args.extend(self.env_args(environment)?);
        let outcome = self.wrangler(args, None)?;
        serde_json::from_str(outcome.stdout.trim()).map_err(|e| Error::invalid(format!("wrangler d1 execute printed no JSON: {e}")))
    }
}
