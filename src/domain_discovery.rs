//! What Cloudflare knows about a domain (its zone, account, and the D1
//! databases and workers clodo made for it), cached on disk under
//! `<project>/.clodo/cache/` for a TTL. Ids come only from the API: a domain
//! with no zone in the token's accounts is an error, never a made-up id.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::atomic_file::{WriteOptions, write_atomic};
use crate::cloudflare::CloudflareApi;
use crate::error::{Error, Result, WranglerFailure};

/// Cloudflare's facts about `domain`, as a domain configuration (clodo/worker's shape) with metadata; its
/// zone is looked for in `account` when that is known, else in every account the token sees.
pub async fn discover(api: &CloudflareApi, domain: &str, environment: &str, account: Option<&str>) -> Result<Value> {
    crate::domain_config::check_domain(domain)?;
    let zone = api.zone_for(domain, account).await?.ok_or_else(|| Error::Api {
        kind: WranglerFailure::NotFound,
        message: match account {
            Some(id) => format!("No active Cloudflare zone for {domain} (nor a parent domain of it) in account {id}"),
            None => format!("No active Cloudflare zone for {domain} (nor a parent domain of it) in the accounts this token can see"),
        },
    })?;
    let account_id = match zone["account"]["id"].as_str() {
        Some(id) => id.to_owned(),
        None => api.accounts().await?.first().and_then(|a| a["id"].as_str()).map(str::to_owned).ok_or_else(|| Error::Api {
            kind: WranglerFailure::Auth,
            message: "The token sees no Cloudflare account".into(),
        })?,
    };
    let dashed = domain.replace('.', "-");
    let databases: Vec<Value> = api.d1_databases(&account_id).await?.into_iter().filter(|d| d["name"].as_str().is_some_and(|n| n.contains(&dashed))).collect();
    let workers: Vec<Value> = api.workers(&account_id).await?.into_iter().filter(|w| w["id"].as_str().is_some_and(|n| n.contains(&dashed))).collect();
    let database_for = |env: &str| databases.iter().find(|d| d["name"] == format!("{dashed}-{env}-db")).map(|d| json!({"name": d["name"], "id": d["uuid"]}));
    Ok(json!({
        "name": domain,
        "displayName": zone["name"],
        "accountId": account_id,
        "zoneId": zone["id"],
        "domains": {"production": domain, "staging": domain, "development": domain},
        "environment": environment,
        "databases": {"production": database_for("production"), "staging": database_for("staging"), "development": database_for("development")},
        "d1Databases": databases.iter().map(|d| json!({"name": d["name"], "id": d["uuid"]})).collect::<Vec<_>>(),
        "workers": workers.iter().map(|w| w["id"].clone()).collect::<Vec<_>>(),
        "features": {},
        "settings": {"environment": environment},
        "cloudflare": {"accountId": account_id, "zoneId": zone["id"], "zoneName": zone["name"], "zoneStatus": zone["status"], "discoveredAt": crate::audit_log::now_iso()},
        "metadata": {"type": "discovered", "source": "cloudflare-api"},
    }))
}

/// Discovered configurations on disk, one file per domain and environment, valid for `ttl`.
pub struct DiscoveryCache {
    pub dir: PathBuf,
    pub ttl: Duration,
    metrics: Mutex<Metrics>,
}

#[derive(Default, Clone, Copy)]
struct Metrics {
    hits: u64,
    misses: u64,
    discoveries: u64,
    invalidations: u64,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl DiscoveryCache {
    pub fn new(dir: PathBuf, ttl: Duration) -> DiscoveryCache {
        DiscoveryCache { dir, ttl, metrics: Mutex::new(Metrics::default()) }
    }

    /// `<domain>__<environment>.json`: no `:` (not allowed in Windows file names).
    fn path(&self, domain: &str, environment: &str) -> Result<PathBuf> {
        crate::domain_config::check_domain(domain)?;
        crate::d1::names::environment(environment)?;
        Ok(self.dir.join(format!("{domain}__{environment}.json")))
    }

    fn metrics(&self) -> std::sync::MutexGuard<'_, Metrics> {
        self.metrics.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached configuration while it is fresh.
    pub fn get(&self, domain: &str, environment: &str) -> Result<Option<Value>> {
        let path = self.path(domain, environment)?;
        let entry: Option<Value> = std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok());
        let fresh = entry.filter(|e| e["expiresAt"].as_u64().is_some_and(|at| at > now_ms()));
        let mut metrics = self.metrics();
        match fresh {
            Some(e) => {
                metrics.hits += 1;
                Ok(Some(e["config"].clone()))
            }
            None => {
                metrics.misses += 1;
                Ok(None)
            }
        }
    }

    pub fn put(&self, domain: &str, environment: &str, config: &Value) -> Result<()> {
        let path = self.path(domain, environment)?;
        let now = now_ms();
        let entry = json!({"domain": domain, "environment": environment, "cachedAt": now, "expiresAt": now + self.ttl.as_millis() as u64, "config": config});
        self.metrics().discoveries += 1;
        write_atomic(&path, serde_json::to_string_pretty(&entry).unwrap_or_default().as_bytes(), WriteOptions::default())
    }

    /// Removes the domain's entries (one environment, or all); how many went.
    pub fn invalidate(&self, domain: &str, environment: Option<&str>) -> Result<usize> {
        crate::domain_config::check_domain(domain)?;
        let prefix = format!("{domain}__");
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let matches = match environment {
                Some(env) => name == format!("{domain}__{env}.json"),
                None => name.starts_with(&prefix) && name.ends_with(".json"),
            };
            if matches && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        self.metrics().invalidations += removed as u64;
        Ok(removed)
    }

    pub fn statistics(&self) -> Value {
        let files: Vec<PathBuf> = std::fs::read_dir(&self.dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
        let bytes: u64 = files.iter().filter_map(|p| p.metadata().ok()).map(|m| m.len()).sum();
        let m = *self.metrics();
        let asked = m.hits + m.misses;
        json!({
            "entries": files.len(),
            "hitRate": if asked == 0 { 0.0 } else { m.hits as f64 * 100.0 / asked as f64 },
            "metrics": {"cacheHits": m.hits, "cacheMisses": m.misses, "discoveryRequests": m.discoveries, "invalidations": m.invalidations},
            "memory": {"cacheSize": bytes, "totalEntries": files.len()},
            "cacheDir": self.dir,
            "ttlMs": self.ttl.as_millis() as u64,
        })
    }
}
