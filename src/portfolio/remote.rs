//! The remote parts of a domain's phases: its own D1 databases, KV
//! namespaces, R2 buckets and queues (reused or created, real ids), a rollback point taken before anything changes, a
//! Time Travel bookmark before its migrations, a real `wrangler deploy`
//! carrying its secrets (secrets.rs), read from the ND-JSON output, the
//! deployed URL checked, and the rollback when it fails after that.

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::phases::{Context, Outcome, check_health, done, skipped};
use crate::domain_config::resources::{DomainResource, Kind};
use crate::domain_config::tenancy::DomainDatabase;
use crate::error::{Error, Result};
use crate::rollback::{RollbackPoint, Worker};
use crate::wrangler::deployment_from_events;

/// Why the upload is still wrangler's while every other step is clodo's own request.
const WHY_WRANGLER_UPLOADS: &str = "clodo's own upload of the built bundle is not yet proven identical to wrangler's (bindings, modules, assets, migrations), so wrangler uploads";

impl Context<'_> {
    fn worker<'r>(&'r self, runner: &'r crate::wrangler::Runner) -> Result<Worker<'r>> {
        Ok(self.portfolio.rollback_worker(runner, &self.rendered()?.path))
    }

    fn d1(&self) -> crate::d1::Orchestrator {
        let o = self.o();
        let mut options = crate::d1::Options::new(&o.service_path);
        options.credentials = o.credentials.clone();
        options.wrangler_path = o.wrangler_path.clone();
        options.retry = o.retry.clone();
        options.dry_run = o.dry_run;
        crate::d1::Orchestrator::new(options)
    }

    /// A database the domain owns, by exact name, created when missing; its
    /// id goes into the rendered config. True when this call created it.
    pub(super) fn ensure_database(&mut self, name: &str) -> Result<bool> {
        let by_api = self.portfolio.by_api;
        if self.o().dry_run && by_api {
            self.plan_request("GET /accounts/<account>/d1/database (once per run)", &format!("create D1 database {name} (POST) when it is not listed"));
            return Ok(false);
        }
        if self.o().dry_run {
            self.plan.push(json!({"command": ["wrangler", "d1", "list", "--json"], "then": format!("wrangler d1 create {name} when it is not listed")}));
            return Ok(false);
        }
        let (id, created) = match by_api {
            true => self.ensure_database_by_api(name)?,
            false => self.d1().ensure_database(&self.o().config_path, name, &[])?,
        };
        self.spec.database_ids.insert(name.to_owned(), id);
        Ok(created)
    }

    /// Every KV namespace, R2 bucket and queue the domain owns exists on the account (found by its exact name,
    /// else created through Cloudflare's API); KV ids go into the rendered config. What this call created.
    pub(super) fn ensure_resources(&mut self, rendered: &crate::domain_config::Rendered) -> Result<Vec<String>> {
        let mut own: Vec<&DomainResource> = vec![];
        for r in rendered.resources.iter().filter(|r| !r.shared) {
            if !own.iter().any(|o| o.kind == r.kind && o.name == r.name) {
                own.push(r);
            }
        }
        if self.o().dry_run {
            for r in &own {
                self.plan.push(json!({"resource": r.kind.as_str(), "name": r.name, "then": format!("create {} {} through Cloudflare's API when it does not exist", r.kind.noun(), r.name)}));
            }
            return Ok(vec![]);
        }
        if own.is_empty() {
            return Ok(vec![]);
        }
        let api = self.api()?;
        let jurisdictions: Vec<Option<String>> = own.iter().map(|r| jurisdiction(&rendered.config, r)).collect();
        let cache = &self.portfolio.remote;
        let found = crate::http_check::block_on(async {
            let account = self.account(&api).await?;
            let mut found = vec![];
            for (r, jurisdiction) in own.iter().zip(&jurisdictions) {
                // KV has no title filter: the run's one list answers for every domain.
                let listed = match r.kind {
                    Kind::Kv => cache.namespace(&api, &account, &r.name).await?,
                    _ => None,
                };
                let resource = match listed {
                    Some(id) => crate::cloudflare::storage::Found { id: Some(id), created: false },
                    None => api.ensure_resource(&account, r.kind, &r.name, jurisdiction.as_deref()).await?,
                };
                if let (Kind::Kv, Some(id)) = (r.kind, &resource.id) {
                    cache.remember_namespace(&r.name, id).await;
                }
                found.push(resource);
            }
            Ok(found)
        })?;
        let mut created = vec![];
        for (r, found) in own.iter().zip(found) {
            if let (Kind::Kv, Some(id)) = (r.kind, found.id) {
                self.spec.resource_ids.insert(r.name.clone(), id);
            }
            if found.created {
                created.push(format!("{} {}", r.kind.noun(), r.name));
            }
        }
        Ok(created)
    }

    /// What the worker serves before this run changes anything.
    pub(super) fn record_rollback_point(&mut self) -> Result<Option<RollbackPoint>> {
        let by_api = self.portfolio.by_api;
        if self.o().dry_run && by_api {
            self.plan_request(&format!("GET /accounts/<account>/workers/scripts/{}/deployments", self.spec.worker_name()), "the rollback point: the traffic it serves now (when the account's list of workers, read once per run, has it)");
            return Ok(None);
        }
        if self.o().dry_run {
            self.plan.push(json!({"command": self.invocation(&["deployments", "list", "--json"])?.display_argv()}));
            return Ok(None);
        }
        let point = match by_api {
            true => {
                let api = self.api()?;
                let worker = self.spec.worker_name();
                let cache = &self.portfolio.remote;
                let versions = crate::http_check::block_on(async {
                    let account = self.account(&api).await?;
                    // A worker the account does not list has no traffic to go back to: no request to ask.
                    match cache.worker_exists(&api, &account, &worker).await? {
                        true => api.current_traffic(&account, &worker).await,
                        false => Ok(vec![]),
                    }
                })?;
                RollbackPoint::new(&worker, &self.rendered()?.path, versions)
            }
            false => self.worker(self.portfolio.runner.get()?)?.create_point(&self.spec.worker_name(), None)?,
        };
        self.rollback_point = Some(point.clone());
        Ok(Some(point))
    }

    /// Remote: the bookmark of every database the domain owns and migrates,
    /// taken before any migration and saved before the first one runs; a
    /// phase an earlier run started keeps the bookmarks it saved then.
    pub(super) fn bookmarks_before_migrations(&mut self, databases: &[crate::domain_config::tenancy::DomainDatabase], interrupted: Option<&super::details::Started>) -> Result<IndexMap<String, String>> {
        let mut bookmarks: IndexMap<String, String> = IndexMap::new();
        if self.o().local {
            return Ok(bookmarks);
        }
        for db in databases.iter().filter(|d| !d.shared && d.migrations_dir.is_dir()) {
            let name = db.database_name.clone();
            if bookmarks.contains_key(&name) {
                continue;
            }
            let saved = interrupted.and_then(|i| i.bookmarks.get(&name)).cloned();
            let bookmark = match saved {
                Some(bookmark) => Some(bookmark),
                None => self.bookmark_of(&name)?,
            };
            if let Some(bookmark) = bookmark {
                bookmarks.insert(name, bookmark);
            }
        }
        if !self.o().dry_run && !bookmarks.is_empty() {
            let started = super::details::Started { bookmarks: bookmarks.clone() };
            self.portfolio.mark_started(&self.spec.domain, "database", super::details::to_json(&started))?;
        }
        Ok(bookmarks)
    }

    /// The bookmark that undoes this run's migrations of `database`.
    /// (Through the API the bookmark is taken in `migrate_by_api`.)
    pub(super) fn bookmark_of(&mut self, database: &str) -> Result<Option<String>> {
        if self.o().dry_run {
            self.plan.push(json!({"command": self.invocation(&["d1", "time-travel", "info", database, "--json"])?.display_argv()}));
            return Ok(None);
        }
        let runner = self.portfolio.runner.get()?;
        Ok(Some(self.worker(runner)?.bookmark(database)?))
    }

    /// The id of a database the domain owns, as its initialization found or created it.
    pub(super) fn database_id(&self, database: &str) -> Result<String> {
        self.spec.database_ids.get(database).cloned().ok_or_else(|| Error::invalid(format!("the id of D1 database {database} is unknown (its initialization did not record it)")))
    }

    /// Remote: `db`'s migrations applied through the API with wrangler's bookkeeping; the files applied. When
    /// any is to be applied, the database's bookmark is taken first and saved with the phase's start (one an
    /// interrupted run saved is kept); a database this run created has nothing to go back to, so none is taken.
    pub(super) fn migrate_by_api(&self, db: &DomainDatabase, folder: &std::path::Path, bookmarks: &mut IndexMap<String, String>, interrupted: Option<&super::details::Started>) -> Result<Vec<String>> {
        let name = &db.database_name;
        let table = self.migrations_table(db)?;
        let id = self.database_id(name)?;
        let api = self.api()?;
        let account = crate::http_check::block_on(self.account(&api))?;
        // A database created moments ago by this invocation has nothing applied: no request to ask.
        let new_database = self.databases_created_now.contains(name);
        let pending = match new_database {
            true => crate::cloudflare::d1::unapplied(folder, &[])?,
            false => crate::http_check::block_on(api.pending_d1_migrations(&account, &id, folder, &table))?,
        };
        let saved = interrupted.and_then(|i| i.bookmarks.get(name)).cloned();
        let bookmark = match saved {
            Some(saved) => Some(saved),
            None if pending.is_empty() || self.created_databases.contains(name) => None,
            None => Some(crate::http_check::block_on(api.d1_bookmark(&account, &id))?),
        };
        if let Some(bookmark) = bookmark {
            bookmarks.insert(name.clone(), bookmark);
            let started = super::details::Started { bookmarks: bookmarks.clone() };
            self.portfolio.mark_started(&self.spec.domain, "database", super::details::to_json(&started))?;
        }
        let outcome = crate::http_check::block_on(api.apply_d1_migrations(&account, &id, folder, &table, &pending, new_database))?;
        match outcome.failed {
            None => Ok(outcome.applied),
            Some((file, message)) => {
                let message = crate::d1::with_size_hint(message, &folder.join(&file));
                let before = if outcome.applied.is_empty() { String::new() } else { format!(" (applied before it: {})", outcome.applied.join(", ")) };
                Err(Error::invalid(format!("migrations of {name} (binding {}): {file} failed: {message}{before}", db.binding)))
            }
        }
    }

    /// `wrangler deploy` of the rendered config; URL and version from its ND-JSON output.
    pub(super) fn deploy_remote(&mut self) -> Result<Outcome> {
        let build = self.build()?;
        let message = format!("clodo {}", self.portfolio.deployment_id());
        let mut inv = self.invocation(&["deploy", "--message", &message])?;
        self.carry_secrets(&mut inv)?;
        self.name_the_account(&mut inv)?;
        let reserved = self.reserve_for_wrangler(super::remote_api::DEPLOY_REQUESTS)?;
        let Some(outcome) = self.run_command(&inv)? else { return skipped("dry run") };
        drop(reserved);
        if let Some((kind, message)) = outcome.failure {
            return Err(Error::Wrangler { kind, command: inv.display_argv().join(" "), message: format!("wrangler deploy failed: {message}") });
        }
        let deployment = deployment_from_events(&outcome.events)
            .ok_or_else(|| Error::invalid("wrangler deploy succeeded but wrote no deploy event to its output file"))?;
        self.url = deployment.url.clone();
        let mut details = json!({"url": deployment.url, "versionId": deployment.version_id, "targets": deployment.targets, "workerName": deployment.worker_name, "uploadedBy": "wrangler deploy"});
        if self.portfolio.by_api {
            details["whyWrangler"] = json!(WHY_WRANGLER_UPLOADS);
        }
        let version = deployment.version_id.as_deref().unwrap_or("an unknown version");
        let secrets = self.verify_secrets()?;
        done(format!("deployed {} as {version}{secrets}{build}", self.spec.worker_name()), details)
    }

    /// The deployed worker, checked as the service's health setting says.
    pub(super) fn check_deployed(&mut self) -> Result<Outcome> {
        if self.o().skip_tests || self.o().dry_run {
            return skipped(if self.o().dry_run { "dry run" } else { "skipTests" });
        }
        let url = self.url.clone().ok_or_else(|| Error::invalid("wrangler reported no URL for the worker (no workers.dev and no custom domain)"))?;
        let waited = self.wait_for_new_custom_domain(&url)?;
        let mut outcome = check_health(&url, &self.portfolio.settings.health, vec![])?;
        if let Some(waited) = waited {
            outcome.message.push_str(&format!(" (its new custom domain answered after {} s)", waited.as_secs()));
        }
        Ok(outcome)
    }

    /// A custom domain this run attached (the worker is new) is provisioned by Cloudflare asynchronously: its
    /// URL fails before any answer until DNS and certificate are in place. Its check waits for a first answer,
    /// within the service's provisioning timeout, instead of failing the deploy and rolling it back.
    fn wait_for_new_custom_domain(&self, url: &str) -> Result<Option<std::time::Duration>> {
        let new_worker = self.rollback_point.as_ref().is_some_and(|p| p.versions.is_empty());
        if !(self.spec.custom_domain && new_worker) {
            return Ok(None);
        }
        let deadline = self.portfolio.settings.provisioning_timeout.unwrap_or(crate::service::settings::DEFAULT_PROVISIONING_TIMEOUT);
        let health_url = crate::http_check::join_url(url, "/");
        let waited = crate::http_check::block_on(async {
            let client = crate::http_check::client(std::time::Duration::from_secs(10))?;
            Ok(crate::http_check::wait_until_reachable(&client, &health_url, deadline).await)
        })?;
        waited.map(Some).map_err(|last| {
            Error::invalid(format!("{url}: its new custom domain did not answer within {} s of being attached (DNS or certificate not provisioned yet?): {last}", deadline.as_secs()))
        })
    }

    /// Back to the rollback point: the worker's earlier traffic and, when this
    /// run's migrations ran, the database's bookmark.
    pub fn roll_back(&self, reason: &str) -> Result<Value> {
        let point = self.rollback_point.clone().ok_or_else(|| Error::invalid("no rollback point was recorded for this domain"))?;
        roll_back_to(self.portfolio, &point, self.migrations_applied > 0, reason)
    }
}

pub fn roll_back_to(portfolio: &super::Portfolio, point: &RollbackPoint, restore_database: bool, reason: &str) -> Result<Value> {
    if portfolio.by_api {
        return portfolio.roll_back_by_api(point, restore_database, &crate::rollback::message_for(reason));
    }
    let runner = portfolio.runner.get()?;
    portfolio.rollback_worker(runner, &point.config_path).execute(point, restore_database, &crate::rollback::message_for(reason))
}

/// An R2 bucket's jurisdiction, as the service's config gives it.
fn jurisdiction(config: &Value, resource: &DomainResource) -> Option<String> {
    let entries = config["r2_buckets"].as_array()?;
    let entry = entries.iter().find(|e| resource.kind == Kind::R2 && e["binding"] == resource.binding.as_str())?;
    entry["jurisdiction"].as_str().map(str::to_owned)
}
