//! `ConfigurationCacheManager` and `DomainDiscovery` for JavaScript: the work
//! is in `crate::domain_discovery` and `crate::cloudflare_api`.

use std::sync::Arc;
use std::time::Duration;

use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::{Value, json};

use super::convert::{Json, flag, number, path_in, root_folder, text};
use super::task::{future, settled};
use crate::cloudflare::CloudflareApi;
use crate::domain_discovery::{DiscoveryCache, discover};
use crate::error::Error;

fn token_in(v: &Value, fallback: Option<&str>) -> Option<String> {
    text(v, &["cloudflareToken", "apiToken", "token"])
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .or_else(|| fallback.map(str::to_owned))
        .or_else(|| std::env::var("CLOUDFLARE_API_TOKEN").ok().filter(|t| !t.is_empty()))
}

/// The account whose zones count: the option, else CLOUDFLARE_ACCOUNT_ID (as wrangler reads it), else any.
fn account_in(v: &Value) -> Option<String> {
    text(v, &["accountId", "cloudflareAccountId"])
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .or_else(|| std::env::var("CLOUDFLARE_ACCOUNT_ID").ok().filter(|a| !a.is_empty()))
}

/// Domain configurations discovered through Cloudflare's API, cached on disk
/// (`<projectRoot>/.clodo/cache/`) for `cacheTTL` milliseconds (default an hour).
#[napi]
pub struct ConfigurationCacheManager {
    cache: Arc<DiscoveryCache>,
    token: Option<String>,
    account: Option<String>,
    environment: String,
}

#[napi]
impl ConfigurationCacheManager {
    #[napi(constructor, ts_args_type = "options?: { projectRoot?: string, cacheDir?: string, cacheTTL?: number, cloudflareToken?: string, accountId?: string, defaultEnvironment?: string }")]
    pub fn new(options: Option<Value>) -> Self {
        let v = options.unwrap_or(Value::Null);
        let root = root_folder(&v, &["projectRoot", "servicePath"]);
        let dir = path_in(&v, &["cacheDir", "cache_dir"], &root).unwrap_or_else(|| root.join(".clodo").join("cache"));
        let ttl = Duration::from_millis(number(&v, &["cacheTTL", "cacheTtl", "cache_ttl"]).unwrap_or(3_600_000));
        ConfigurationCacheManager {
            cache: Arc::new(DiscoveryCache::new(dir, ttl)),
            token: text(&v, &["cloudflareToken", "apiToken"]).map(str::to_owned),
            account: account_in(&v),
            environment: text(&v, &["defaultEnvironment", "environment"]).unwrap_or("production").to_owned(),
        }
    }

    /// The cached configuration while fresh, else discovered (and cached). `forceRefresh` skips the cache.
    #[napi(ts_args_type = "domain: string, options?: { environment?: string, cloudflareToken?: string, forceRefresh?: boolean }", ts_return_type = "Promise<DiscoveredDomainConfig>")]
    pub fn get_or_create_domain_config<'env>(&self, env: &'env Env, domain: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let v = options.unwrap_or(Value::Null);
        let environment = text(&v, &["environment"]).unwrap_or(&self.environment).to_owned();
        if !flag(&v, &["forceRefresh", "force_refresh"]).unwrap_or(false) {
            match self.cache.get(&domain, &environment) {
                Ok(Some(config)) => return settled(env, Ok(Json(config))),
                Ok(None) => {}
                Err(e) => return settled(env, Err(e)),
            }
        }
        self.discover_and_cache(env, domain, environment, token_in(&v, self.token.as_deref()))
    }

    /// Asks Cloudflare now (and caches the answer).
    #[napi(ts_args_type = "domain: string, options?: { environment?: string, cloudflareToken?: string }", ts_return_type = "Promise<DiscoveredDomainConfig>")]
    pub fn discover_domain_configuration<'env>(&self, env: &'env Env, domain: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let v = options.unwrap_or(Value::Null);
        let environment = text(&v, &["environment"]).unwrap_or(&self.environment).to_owned();
        self.discover_and_cache(env, domain, environment, token_in(&v, self.token.as_deref()))
    }

    /// Drops the domain's cached entries (one environment, or all); how many.
    #[napi]
    pub fn invalidate_cache(&self, env: Env, domain: String, environment: Option<String>) -> napi::Result<u32> {
        self.cache.invalidate(&domain, environment.as_deref()).map(|n| n as u32).map_err(|e| super::errors::to_js_error(&env, &e))
    }

    #[napi(ts_return_type = "{ entries: number, hitRate: number, metrics: { cacheHits: number, cacheMisses: number, discoveryRequests: number, invalidations: number }, memory: { cacheSize: number, totalEntries: number }, cacheDir: string, ttlMs: number }")]
    pub fn get_cache_statistics(&self) -> Json {
        Json(self.cache.statistics())
    }
}

impl ConfigurationCacheManager {
    fn discover_and_cache<'env>(&self, env: &'env Env, domain: String, environment: String, token: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
        let Some(token) = token else {
            return settled(env, Err(Error::invalid(format!("Discovering {domain} needs a Cloudflare API token: pass cloudflareToken or set CLOUDFLARE_API_TOKEN"))));
        };
        let cache = self.cache.clone();
        let account = self.account.clone();
        future(
            env,
            async move {
                let config = discover(&CloudflareApi::new(&token)?, &domain, &environment, account.as_deref()).await?;
                cache.put(&domain, &environment, &config)?;
                Ok(config)
            },
            Json,
        )
    }
}

/// The zones (domains) a Cloudflare token can see.
#[napi]
pub struct DomainDiscovery {
    token: Option<String>,
    account: Option<String>,
}

#[napi]
impl DomainDiscovery {
    #[napi(constructor, ts_args_type = "options?: { apiToken?: string, accountId?: string, environment?: string }")]
    pub fn new(options: Option<Value>) -> Self {
        let v = options.unwrap_or(Value::Null);
        DomainDiscovery { token: token_in(&v, None), account: account_in(&v) }
    }

    fn api(&self) -> crate::error::Result<CloudflareApi> {
        CloudflareApi::new(self.token.as_deref().unwrap_or_default())
    }

    /// Checks the token: `true`, or a rejection with `E_AUTH`.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn initialize_discovery<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        let api = self.api();
        future(env, async move { api?.verify_token().await.map(|_| json!(true)) }, Json)
    }

    /// Every zone: `[{ name, id, status, accountId }]`.
    #[napi(ts_return_type = "Promise<Array<{ name: string, id: string, status: string | null, accountId: string | null }>>")]
    pub fn discover_domains<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        let api = self.api();
        future(env, async move { Ok(json!(api?.zones("").await?.iter().map(zone_summary).collect::<Vec<_>>())) }, Json)
    }

    /// The zone names.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn get_domains<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        let api = self.api();
        future(env, async move { Ok(json!(api?.zones("").await?.iter().map(|z| z["name"].clone()).collect::<Vec<_>>())) }, Json)
    }

    /// Whether a zone of the token's accounts serves `domain` (itself or a parent).
    #[napi(ts_return_type = "Promise<{ valid: boolean, domain: string, found: boolean, zoneId: string | null, zoneName: string | null, reason?: string }>")]
    pub fn validate_domain<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        if let Err(e) = crate::domain_config::check_domain(&domain) {
            return settled(env, Ok(Json(json!({"valid": false, "domain": domain, "found": false, "zoneId": null, "zoneName": null, "reason": e.to_string()}))));
        }
        let api = self.api();
        let account = self.account.clone();
        future(
            env,
            async move {
                let zone = api?.zone_for(&domain, account.as_deref()).await?;
                Ok(json!({"valid": true, "domain": domain, "found": zone.is_some(), "zoneId": zone.as_ref().map(|z| z["id"].clone()), "zoneName": zone.as_ref().map(|z| z["name"].clone())}))
            },
            Json,
        )
    }

    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn check_domain_exists<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        let api = self.api();
        let account = self.account.clone();
        future(env, async move { Ok(json!(api?.zone_for(&domain, account.as_deref()).await?.is_some())) }, Json)
    }
}

fn zone_summary(zone: &Value) -> Value {
    json!({"name": zone["name"], "id": zone["id"], "status": zone["status"], "accountId": zone["account"]["id"]})
}

#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct DiscoveredDomainConfig {
    pub name: String,
    pub display_name: Option<String>,
    pub account_id: String,
    pub zone_id: String,
    #[napi(ts_type = "{ production: string, staging: string, development: string }")]
    pub domains: Value,
    pub environment: String,
    /// Per environment, clodo's database for the domain (`<domain-with-dashes>-<env>-db`) when it exists.
    #[napi(ts_type = "Record<'production' | 'staging' | 'development', { name: string, id: string } | null>")]
    pub databases: Value,
    #[napi(ts_type = "Array<{ name: string, id: string }>")]
    pub d1_databases: Vec<Value>,
    pub workers: Vec<String>,
    pub features: Value,
    pub settings: Value,
    #[napi(ts_type = "{ accountId: string, zoneId: string, zoneName: string, zoneStatus: string | null, discoveredAt: string }")]
    pub cloudflare: Value,
    pub metadata: Value,
}
