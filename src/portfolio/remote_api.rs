//! Remote runs through Cloudflare's API: every step of a domain but its upload
//! (databases found or created, the rollback point, bookmarks, migrations,
//! the secrets' check, a canary's traffic) is a request paced with the
//! token's budget (cloudflare/pacer.rs), not a wrangler process with seconds
//! of start-up. The upload stays one `wrangler deploy` per domain, whose
//! requests are reserved in the same budget before it starts.
//! `CLODO_REMOTE_API=0` brings back a wrangler process per step.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::phases::Context;
use crate::cloudflare::{CloudflareApi, OnWait};
use crate::error::{Error, Result, WranglerFailure};

/// The requests one `wrangler deploy` of a domain makes: counted against the test API server for a worker
/// with a custom domain, on its first deploy (8) and later ones (7); reserved before each deploy starts.
pub const DEPLOY_REQUESTS: u32 = 8;
/// A canary's `wrangler versions upload` (counted the same way).
pub const VERSION_UPLOAD_REQUESTS: u32 = 4;

/// Whether remote runs go through the API (decided once, when a run starts).
pub fn enabled() -> bool {
    std::env::var("CLODO_REMOTE_API").map_or(true, |v| v != "0")
}

/// What a run learns once and every domain uses: its account and the account's D1 databases and KV
/// namespaces (by name), kept up to date with what the run creates.
#[derive(Default)]
pub struct RunCache {
    // Async locks, held while the account or a list is read: two domains starting together read it once.
    account: tokio::sync::Mutex<Option<String>>,
    databases: tokio::sync::Mutex<Option<Vec<(String, String)>>>,
    namespaces: tokio::sync::Mutex<Option<Vec<(String, String)>>>,
    workers: tokio::sync::Mutex<Option<Vec<String>>>,
    zones: tokio::sync::Mutex<Option<Vec<(String, String)>>>,
}

impl RunCache {
    /// The account given, else the token's only one (asked once per run).
    pub async fn account(&self, api: &CloudflareApi, given: Option<&str>) -> Result<String> {
        if let Some(account) = given {
            return Ok(account.to_owned());
        }
        let mut known = self.account.lock().await;
        if known.is_none() {
            *known = Some(api.sole_account().await?);
        }
        Ok(known.clone().unwrap_or_default())
    }

    /// The account's D1 databases as `(name, id)`: its list read once per run (again when `fresh`).
    async fn databases(&self, api: &CloudflareApi, account: &str, fresh: bool) -> Result<Vec<(String, String)>> {
        let mut databases = self.databases.lock().await;
        if fresh || databases.is_none() {
            *databases = Some(pairs(&api.d1_databases(account).await?, "name", "uuid"));
        }
        Ok(databases.clone().unwrap_or_default())
    }

    /// The id of the D1 database called `name`.
    async fn database(&self, api: &CloudflareApi, account: &str, name: &str, fresh: bool) -> Result<Option<String>> {
        Ok(find(&self.databases(api, account, fresh).await?, name))
    }

    async fn remember_database(&self, name: &str, id: &str) {
        self.databases.lock().await.get_or_insert_with(Vec::new).push((name.to_owned(), id.to_owned()));
    }

    /// The id of the KV namespace titled `title`, from the account's list read once per run.
    pub async fn namespace(&self, api: &CloudflareApi, account: &str, title: &str) -> Result<Option<String>> {
        let mut namespaces = self.namespaces.lock().await;
        if namespaces.is_none() {
            *namespaces = Some(pairs(&api.kv_namespaces(account).await?, "title", "id"));
        }
        Ok(find(namespaces.as_deref().unwrap_or_default(), title))
    }

    /// The id of the account's active zone serving `host` (the longest zone name it is or ends in), from the
    /// account's zones listed once per run.
    pub async fn zone_serving(&self, api: &CloudflareApi, account: &str, host: &str) -> Result<Option<String>> {
        let mut zones = self.zones.lock().await;
        if zones.is_none() {
            let filters = crate::cloudflare::query(&[("status", Some("active")), ("account.id", Some(account))]);
            *zones = Some(pairs(&api.zones(&filters).await?, "name", "id"));
        }
        let serving = zones.iter().flatten().filter(|(name, _)| host == name || host.ends_with(&format!(".{name}")));
        Ok(serving.max_by_key(|(name, _)| name.len()).map(|(_, id)| id.clone()))
    }

    pub async fn remember_namespace(&self, title: &str, id: &str) {
        self.namespaces.lock().await.get_or_insert_with(Vec::new).push((title.to_owned(), id.to_owned()));
    }

    /// Whether the account had the worker `name` when the run read its list of workers (once).
    pub async fn worker_exists(&self, api: &CloudflareApi, account: &str, name: &str) -> Result<bool> {
        let mut workers = self.workers.lock().await;
        if workers.is_none() {
            let listed = api.workers(account).await?;
            *workers = Some(listed.iter().filter_map(|w| w["id"].as_str().map(str::to_owned)).collect());
        }
        Ok(workers.as_ref().is_some_and(|all| all.iter().any(|w| w == name)))
    }
}

impl super::Portfolio {
    /// A remote rollback to `point` through the API (rollback.rs), the databases' ids from the run's list.
    pub(super) fn roll_back_by_api(&self, point: &crate::rollback::RollbackPoint, restore_database: bool, message: &str) -> Result<serde_json::Value> {
        let token = self.options.credentials.api_token.clone().ok_or_else(|| Error::auth("A remote rollback needs a Cloudflare API token: run clodo login, or set CLOUDFLARE_API_TOKEN"))?;
        let api = CloudflareApi::new(&token)?;
        crate::http_check::block_on(async {
            let account = self.remote.account(&api, self.options.credentials.account_id.as_deref()).await?;
            let databases = match restore_database && point.bookmark.is_some() {
                true => self.remote.databases(&api, &account, false).await?,
                false => vec![],
            };
            crate::rollback::execute_by_api(&api, &account, point, &databases, restore_database, message, self.options.force_secret_rollback).await
        })
    }
}

/// `(name, id)` of each listed item that has both fields.
fn pairs(items: &[serde_json::Value], name: &str, id: &str) -> Vec<(String, String)> {
    items.iter().filter_map(|item| Some((item[name].as_str()?.to_owned(), item[id].as_str()?.to_owned()))).collect()
}

fn find(list: &[(String, String)], name: &str) -> Option<String> {
    list.iter().find(|(n, _)| n == name).map(|(_, id)| id.clone())
}

impl Context<'_> {
    /// The API client for this domain's calls: counted for the domain, and a wait for the token's budget
    /// shown on the run's progress before it starts.
    pub(super) fn api(&self) -> Result<CloudflareApi> {
        let token = self.o().credentials.api_token.clone().ok_or_else(|| Error::auth("Remote deploys need a Cloudflare API token: run clodo login, or set CLOUDFLARE_API_TOKEN"))?;
        Ok(CloudflareApi::new(&token)?.labelled(&self.spec.domain, Some(self.on_wait())))
    }

    fn on_wait(&self) -> OnWait {
        let (notify, domain, phase) = (self.portfolio.notifier(), self.spec.domain.clone(), self.phase.to_owned());
        Arc::new(move |wait: Duration| {
            notify(&domain, &phase, "waiting", &format!("waiting {} s for the API token's budget (Cloudflare allows 1,200 requests per 5 minutes)", wait.as_secs().max(1)));
        })
    }

    /// The run's account: the one given, else the token's only one.
    pub(super) async fn account(&self, api: &CloudflareApi) -> Result<String> {
        self.portfolio.remote.account(api, self.o().credentials.account_id.as_deref()).await
    }

    /// The D1 database called `name`, found in the run's list or created: its id, and whether it was created.
    pub(super) fn ensure_database_by_api(&self, name: &str) -> Result<(String, bool)> {
        crate::d1::names::database(name)?;
        let api = self.api()?;
        let cache = &self.portfolio.remote;
        crate::http_check::block_on(async {
            let account = self.account(&api).await?;
            if let Some(id) = cache.database(&api, &account, name, false).await? {
                return Ok((id, false));
            }
            match api.create_d1_database(&account, name).await {
                Ok(created) => {
                    let id = created["uuid"].as_str().ok_or_else(|| Error::invalid(format!("Cloudflare created D1 database {name} but gave no uuid")))?.to_owned();
                    cache.remember_database(name, &id).await;
                    Ok((id, true))
                }
                // Created since the list was read (another run, or a retried request that did go through).
                Err(Error::Api { kind: WranglerFailure::AlreadyExists, message }) => match cache.database(&api, &account, name, true).await? {
                    Some(id) => Ok((id, false)),
                    None => Err(Error::Api { kind: WranglerFailure::AlreadyExists, message }),
                },
                Err(e) => Err(e),
            }
        })
    }

    /// Remote: the zone serving the domain's custom hostname, found in the run's one list of zones, so its
    /// route names it and `wrangler deploy` looks no zone up (three requests per domain otherwise).
    pub(super) fn find_zone(&mut self) -> Result<()> {
        if !self.spec.custom_domain || !self.portfolio.by_api {
            return Ok(());
        }
        if self.o().dry_run {
            self.plan_request("GET /zones?status=active&account.id=<account> (once per run)", "the zone serving its custom domain, named on its route");
            return Ok(());
        }
        let api = self.api()?;
        let host = self.spec.custom_hostname();
        let found = crate::http_check::block_on(async { self.portfolio.remote.zone_serving(&api, &self.account(&api).await?, &host).await });
        // A token that may not list zones leaves the lookup to wrangler, which reports what it finds.
        self.spec.zone_id = found.unwrap_or(None);
        Ok(())
    }

    /// Blocks until the token's budget has room for the requests a wrangler process of this domain will make.
    /// Held while the process runs.
    pub(super) fn reserve_for_wrangler(&self, requests: u32) -> Result<Option<crate::cloudflare::pacer::Reservation>> {
        if self.o().dry_run || !self.portfolio.by_api {
            return Ok(None);
        }
        let api = self.api()?;
        let on_wait = self.on_wait();
        Ok(Some(api.pacer().reserve_for_wrangler(requests, Some(&self.spec.domain), Some(on_wait.as_ref()))))
    }

    /// A wrangler process of this domain works in the run's account: given by name, wrangler asks no
    /// `/memberships` of its own.
    pub(super) fn name_the_account(&self, inv: &mut crate::wrangler::Invocation) -> Result<()> {
        if self.o().dry_run || !self.portfolio.by_api || self.o().credentials.account_id.is_some() {
            return Ok(());
        }
        let api = self.api()?;
        let account = crate::http_check::block_on(async { self.account(&api).await })?;
        inv.env.push(("CLOUDFLARE_ACCOUNT_ID".into(), account));
        Ok(())
    }

    /// A dry run's note of a request the run would make.
    pub(super) fn plan_request(&mut self, request: &str, why: &str) {
        self.plan.push(json!({"api": request, "why": why}));
    }
}
