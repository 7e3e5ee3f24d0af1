//! The remote parts of a domain's phases: its own D1 database (reused or
//! created, real id), a rollback point taken before anything changes, a
//! Time Travel bookmark before its migrations, its secrets uploaded to its
//! own worker, a real `wrangler deploy` read from the ND-JSON output, the
//! deployed URL checked, and the rollback when it fails after that.

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::phases::{Context, Outcome, check_health, done, skipped};
use crate::error::{Error, Result};
use crate::rollback::{RollbackPoint, Worker};
use crate::wrangler::deployment_from_events;

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
        if self.o().dry_run {
            self.plan.push(json!({"command": ["wrangler", "d1", "list", "--json"], "then": format!("wrangler d1 create {name} when it is not listed")}));
            return Ok(false);
        }
        let (id, created) = self.d1().ensure_database(&self.o().config_path, name, &[])?;
        self.spec.database_ids.insert(name.to_owned(), id);
        Ok(created)
    }

    /// What the worker serves before this run changes anything.
    pub(super) fn record_rollback_point(&mut self) -> Result<Option<RollbackPoint>> {
        if self.o().dry_run {
            self.plan.push(json!({"command": self.invocation(&["deployments", "list", "--json"])?.display_argv()}));
            return Ok(None);
        }
        let runner = self.portfolio.runner.get()?;
        let point = self.worker(runner)?.create_point(&self.spec.worker_name(), None)?;
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
    pub(super) fn bookmark_of(&mut self, database: &str) -> Result<Option<String>> {
        if self.o().dry_run {
            self.plan.push(json!({"command": self.invocation(&["d1", "time-travel", "info", database, "--json"])?.display_argv()}));
            return Ok(None);
        }
        let runner = self.portfolio.runner.get()?;
        Ok(Some(self.worker(runner)?.bookmark(database)?))
    }

    /// The secrets the project declares (and clodo's standard ten, when the
    /// service asks for them), stored per domain and generated the first
    /// time, onto the domain's own worker. A dry run names them and touches
    /// no store.
    pub(super) fn upload_secrets(&mut self) -> Result<Outcome> {
        let o = self.o();
        let settings = &self.portfolio.settings;
        let declared = self.declared_secrets()?;
        if declared.is_empty() && !settings.standard_secrets {
            return skipped("the project declares no secrets (.dev.vars.example, secrets.required in its config, or clodo.json \"secrets\"): nothing to upload");
        }
        let mut names: Vec<String> = declared.iter().map(|d| d.name.clone()).collect();
        if settings.standard_secrets {
            names.extend(crate::secrets::STANDARD_SECRETS.iter().map(|s| s.name.to_owned()));
        }
        if o.dry_run {
            let upload = self.invocation(&["secret", "bulk", "--name", &self.spec.worker_name()])?;
            self.plan.push(json!({"secrets": names, "command": upload.display_argv()}));
            return skipped("dry run");
        }
        let mut options = crate::secrets::Options::new(&o.service_path);
        options.credentials = o.credentials.clone();
        options.wrangler_path = o.wrangler_path.clone();
        options.key = o.secret_key.clone();
        let manager = crate::secrets::SecretManager::new(options);
        let domain = self.spec.domain.clone();
        let generate = crate::service::settings::generate_options(&declared, settings.standard_secrets);
        let generated = manager.generate(&domain, &o.environment, &generate)?;
        let secrets: IndexMap<String, String> = serde_json::from_value(generated["secrets"].clone()).unwrap_or_default();
        let config = self.rendered()?.path.clone();
        let uploaded = manager.deploy_to(&domain, &self.o().environment, &secrets, &config, vec![])?;
        let names = uploaded["deployed"].clone();
        done(format!("{} secret(s) on worker {}, checked with secret list", secrets.len(), self.spec.worker_name()), json!({"names": names, "reused": generated["summary"]["reused"]}))
    }

    /// `wrangler deploy` of the rendered config; URL and version from its ND-JSON output.
    pub(super) fn deploy_remote(&mut self) -> Result<Outcome> {
        let build = self.build()?;
        let message = format!("clodo {}", self.portfolio.deployment_id());
        let inv = self.invocation(&["deploy", "--message", &message])?;
        let Some(outcome) = self.run_command(&inv)? else { return skipped("dry run") };
        if let Some((kind, message)) = outcome.failure {
            return Err(Error::Wrangler { kind, command: inv.display_argv().join(" "), message: format!("wrangler deploy failed: {message}") });
        }
        let deployment = deployment_from_events(&outcome.events)
            .ok_or_else(|| Error::invalid("wrangler deploy succeeded but wrote no deploy event to its output file"))?;
        self.url = deployment.url.clone();
        let details = json!({"url": deployment.url, "versionId": deployment.version_id, "targets": deployment.targets, "workerName": deployment.worker_name});
        let version = deployment.version_id.as_deref().unwrap_or("an unknown version");
        done(format!("deployed {} as {version}{build}", self.spec.worker_name()), details)
    }

    /// The deployed worker, checked as the service's health setting says.
    pub(super) fn check_deployed(&mut self) -> Result<Outcome> {
        if self.o().skip_tests || self.o().dry_run {
            return skipped(if self.o().dry_run { "dry run" } else { "skipTests" });
        }
        let url = self.url.clone().ok_or_else(|| Error::invalid("wrangler reported no URL for the worker (no workers.dev and no custom domain)"))?;
        check_health(&url, &self.portfolio.settings.health, vec![])
    }

    /// Back to the rollback point: the worker's earlier traffic and, when this
    /// run's migrations ran, the database's bookmark.
    pub fn roll_back(&self, reason: &str) -> Result<Value> {
        let point = self.rollback_point.clone().ok_or_else(|| Error::invalid("no rollback point was recorded for this domain"))?;
        roll_back_to(self.portfolio, &point, self.migrations_applied > 0, reason)
    }
}

pub fn roll_back_to(portfolio: &super::Portfolio, point: &RollbackPoint, restore_database: bool, reason: &str) -> Result<Value> {
    let runner = portfolio.runner.get()?;
    portfolio.rollback_worker(runner, &point.config_path).execute(point, restore_database, &crate::rollback::message_for(reason))
}
