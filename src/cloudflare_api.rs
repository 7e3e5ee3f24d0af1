//! A small client of Cloudflare's REST API for discovery (what wrangler has
//! no command for): token check, accounts, the zone of a host name, D1
//! databases and Workers scripts. The base URL is `CLOUDFLARE_API_BASE_URL`
//! when set (tests point it at a local stand-in), as wrangler does.

use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result, WranglerFailure};

pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";

pub struct CloudflareApi {
    client: reqwest::Client,
    base_url: String,
    token: String,
}

impl CloudflareApi {
    pub fn new(token: &str) -> Result<CloudflareApi> {
        if token.trim().is_empty() {
            return Err(Error::invalid("A Cloudflare API token is required: set CLOUDFLARE_API_TOKEN or pass one"));
        }
        let base_url = std::env::var("CLOUDFLARE_API_BASE_URL").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| DEFAULT_BASE_URL.into());
        Ok(CloudflareApi { client: crate::http_check::client(Duration::from_secs(30))?, base_url: base_url.trim_end_matches('/').to_owned(), token: token.to_owned() })
    }

    /// GET `path` and the envelope's `result`; API errors keep Cloudflare's codes and messages.
    async fn get(&self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.base_url);
        let response = self.client.get(&url).bearer_auth(&self.token).send().await.map_err(|e| Error::Api {
            kind: WranglerFailure::Network,
            message: format!("Cloudflare API unreachable ({url}): {e}"),
        })?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) && body["success"] != false {
            return Ok(body["result"].clone());
        }
        let errors: Vec<String> = body["errors"].as_array().into_iter().flatten().map(|e| format!("{} [code: {}]", e["message"].as_str().unwrap_or("error"), e["code"])).collect();
        let kind = match status {
            401 | 403 => WranglerFailure::Auth,
            404 => WranglerFailure::NotFound,
            429 => WranglerFailure::RateLimited,
            500.. => WranglerFailure::Network,
            _ => WranglerFailure::Other,
        };
        let said = if errors.is_empty() { text.chars().take(200).collect() } else { errors.join("; ") };
        Err(Error::Api { kind, message: format!("Cloudflare API GET {path} answered {status}: {said}") })
    }

    pub async fn verify_token(&self) -> Result<Value> {
        self.get("/user/tokens/verify").await
    }

    pub async fn accounts(&self) -> Result<Vec<Value>> {
        Ok(self.get("/accounts").await?.as_array().cloned().unwrap_or_default())
    }

    /// The zone serving `host`: the host itself, else each parent name in turn (`api.shop.example.com` → `shop.example.com` → `example.com`).
    pub async fn zone_for(&self, host: &str) -> Result<Option<Value>> {
        let labels: Vec<&str> = host.split('.').collect();
        for start in 0..labels.len().saturating_sub(1) {
            let name = labels[start..].join(".");
            let zones = self.get(&format!("/zones?name={name}")).await?;
            if let Some(zone) = zones.as_array().and_then(|z| z.first()) {
                return Ok(Some(zone.clone()));
            }
        }
        Ok(None)
    }

    pub async fn zones(&self) -> Result<Vec<Value>> {
        Ok(self.get("/zones?per_page=50").await?.as_array().cloned().unwrap_or_default())
    }

    pub async fn d1_databases(&self, account_id: &str) -> Result<Vec<Value>> {
        Ok(self.get(&format!("/accounts/{account_id}/d1/database?per_page=100")).await?.as_array().cloned().unwrap_or_default())
    }

    pub async fn workers(&self, account_id: &str) -> Result<Vec<Value>> {
        Ok(self.get(&format!("/accounts/{account_id}/workers/scripts")).await?.as_array().cloned().unwrap_or_default())
    }
}
