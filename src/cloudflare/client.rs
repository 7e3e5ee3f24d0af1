//! The transport of Cloudflare's REST API: bearer auth, the envelope
//! `{success, errors, messages, result}`, Cloudflare's error codes kept in
//! typed errors, and page-by-page listing. The base URL is
//! `CLOUDFLARE_API_BASE_URL` when set (tests point it at a local stand-in), as
//! wrangler does.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result, WranglerFailure};

pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";

/// Error codes that mean the credential itself was refused, whatever the status.
const AUTH_CODES: &[i64] = &[1000, 6003, 6111, 9106, 9109, 10000];

/// `CLOUDFLARE_API_BASE_URL` when set (as wrangler reads it), else Cloudflare's.
pub fn base_url() -> String {
    std::env::var("CLOUDFLARE_API_BASE_URL").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| DEFAULT_BASE_URL.into()).trim_end_matches('/').to_owned()
}

/// Told how long a call must wait for the token's budget, before it waits.
pub type OnWait = Arc<dyn Fn(Duration) + Send + Sync>;

pub struct CloudflareApi {
    client: reqwest::Client,
    base_url: String,
    token: String,
    /// The token's budget, shared by the whole process (pacer.rs).
    pacer: Arc<super::pacer::Pacer>,
    /// Whose calls these are (a domain of a run), for the pacer's accounting.
    label: Option<String>,
    on_wait: Option<OnWait>,
}

impl CloudflareApi {
    pub fn new(token: &str) -> Result<CloudflareApi> {
        if token.trim().is_empty() {
            return Err(Error::invalid("A Cloudflare API token is required: set CLOUDFLARE_API_TOKEN or pass one"));
        }
        let (client, base_url) = (crate::http_check::client(Duration::from_secs(30))?, base_url());
        Ok(CloudflareApi { client, pacer: super::pacer::for_token(&base_url, token), base_url, token: token.to_owned(), label: None, on_wait: None })
    }

    /// The same client, its calls counted for `label` and each wait for the budget told to `on_wait` first.
    pub fn labelled(mut self, label: &str, on_wait: Option<OnWait>) -> CloudflareApi {
        self.label = Some(label.to_owned());
        self.on_wait = on_wait;
        self
    }

    pub fn pacer(&self) -> Arc<super::pacer::Pacer> {
        self.pacer.clone()
    }

    /// `method path` with an optional JSON body; the whole envelope on success. A 429 was not carried out, so
    /// it is sent again once the API's `retry-after` has passed (a block every call of the process waits out),
    /// three times at most.
    pub async fn request(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value> {
        self.request_with(method, path, body, &[]).await
    }

    /// As `request`, with extra headers (R2's `cf-r2-jurisdiction`).
    pub async fn request_with(&self, method: reqwest::Method, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Result<Value> {
        let mut attempt = 1;
        loop {
            tokio::time::sleep(super::block::remaining()).await;
            self.pacer.acquire(self.label.as_deref(), self.on_wait.as_deref()).await;
            match self.request_once(method.clone(), path, body, headers).await {
                Err((_, Some(delay))) if attempt < 3 && delay <= super::block::LONGEST => {
                    super::block::blocked_for(delay);
                    attempt += 1;
                }
                result => return result.map_err(|(error, _)| error),
            }
        }
    }

    /// One request; a refusal comes with the API's `retry-after` when it was rate limited.
    async fn request_once(&self, method: reqwest::Method, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> std::result::Result<Value, (Error, Option<Duration>)> {
        let url = format!("{}{path}", self.base_url);
        let mut request = self.client.request(method.clone(), &url).bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.map_err(|e| {
            (Error::Api { kind: WranglerFailure::Network, message: format!("Cloudflare API unreachable ({url}): {e}") }, None)
        })?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
        self.pacer.observe(header("ratelimit"), header("ratelimit-policy"));
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<f64>().ok());
        let retry_after = retry_after.filter(|s| status == 429 && s.is_finite() && *s >= 0.0).map(Duration::from_secs_f64);
        let text = response.text().await.unwrap_or_default();
        let envelope: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) && envelope["success"] != false {
            return Ok(envelope);
        }
        let errors: Vec<String> = envelope["errors"].as_array().into_iter().flatten().map(|e| format!("{} [code: {}]", e["message"].as_str().unwrap_or("error"), e["code"])).collect();
        // Cloudflare's own codes where the status alone is ambiguous: 7502 (D1) is a name already taken;
        // a malformed or missing credential is a 400 (6003, 6111, 9106), an invalid token 1000.
        let codes: Vec<i64> = envelope["errors"].as_array().into_iter().flatten().filter_map(|e| e["code"].as_i64()).collect();
        let kind = match status {
            _ if codes.contains(&7502) => WranglerFailure::AlreadyExists,
            _ if codes.iter().any(|c| AUTH_CODES.contains(c)) => WranglerFailure::Auth,
            401 | 403 => WranglerFailure::Auth,
            404 => WranglerFailure::NotFound,
            429 => WranglerFailure::RateLimited,
            500.. => WranglerFailure::Network,
            _ => WranglerFailure::Other,
        };
        let said = if errors.is_empty() { text.chars().take(200).collect() } else { errors.join("; ") };
        Err((Error::Api { kind, message: format!("Cloudflare API {method} {path} answered {status}: {said}") }, retry_after))
    }

    /// GET `path` and the envelope's `result`.
    pub async fn get(&self, path: &str) -> Result<Value> {
        Ok(self.request(reqwest::Method::GET, path, None).await?["result"].take())
    }

    /// Every item of a paged list: page after page until one comes back short
    /// (or `result_info.total_pages` is reached).
    pub async fn get_all(&self, path: &str, per_page: usize) -> Result<Vec<Value>> {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let mut items = vec![];
        for page in 1.. {
            let mut envelope = self.request(reqwest::Method::GET, &format!("{path}{joiner}page={page}&per_page={per_page}"), None).await?;
            let batch = envelope["result"].take().as_array().cloned().unwrap_or_default();
            let last_page = envelope["result_info"]["total_pages"].as_u64().is_some_and(|total| page >= total);
            let short = batch.len() < per_page;
            items.extend(batch);
            if short || last_page {
                break;
            }
        }
        Ok(items)
    }
}
