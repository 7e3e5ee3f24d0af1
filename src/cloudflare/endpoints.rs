//! The endpoints clodo calls itself (what needs no wrangler process): token,
//! accounts, zones and DNS, Workers scripts and their secrets, D1 databases.

use serde_json::{Value, json};

use super::client::CloudflareApi;
use crate::error::{Error, Result, WranglerFailure};

/// `name=value&…` of the filters given, each value percent-encoded.
pub fn query(filters: &[(&str, Option<&str>)]) -> String {
    filters.iter().filter_map(|(name, value)| Some(format!("{name}={}", segment((*value)?)))).collect::<Vec<_>>().join("&")
}

/// Percent-encodes one path segment or query value (a script, secret or database name).
pub(super) fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl CloudflareApi {
    pub async fn verify_token(&self) -> Result<Value> {
        self.get("/user/tokens/verify").await
    }

    /// A user token is verified at /user/tokens/verify; a token an account owns
    /// only at /accounts/<id>/tokens/verify, asked when `account` is known and
    /// the user endpoint refuses the token.
    pub async fn verify_token_for(&self, account: Option<&str>) -> Result<Value> {
        match (self.verify_token().await, account) {
            (Err(refused @ Error::Api { kind: WranglerFailure::Auth, .. }), Some(id)) => {
                self.get(&format!("/accounts/{}/tokens/verify", segment(id))).await.map_err(|_| refused)
            }
            (result, _) => result,
        }
    }

    pub async fn accounts(&self) -> Result<Vec<Value>> {
        self.get_all("/accounts", 50).await
    }

    /// The account to work in when none is given: the token's only one, as wrangler picks it without a prompt.
    pub async fn sole_account(&self) -> Result<String> {
        let accounts = self.accounts().await?;
        match accounts.as_slice() {
            [one] => one["id"].as_str().map(str::to_owned).ok_or_else(|| Error::invalid("Cloudflare listed an account without an id")),
            _ => Err(Error::invalid(format!(
                "the API token reaches {} accounts: set CLOUDFLARE_ACCOUNT_ID (or pass accountId) to say which one",
                accounts.len()
            ))),
        }
    }

    /// `given`, else the token's only account.
    pub async fn account_or_sole(&self, given: Option<&str>) -> Result<String> {
        match given {
            Some(account) => Ok(account.to_owned()),
            None => self.sole_account().await,
        }
    }

    pub async fn account(&self, account_id: &str) -> Result<Value> {
        self.get(&format!("/accounts/{}", segment(account_id))).await
    }

    /// The active zone serving `host`: the host itself, else each parent name in turn (`api.shop.example.com`
    /// → `shop.example.com` → `example.com`), of `account` when it is known (as wrangler asks: by name and
    /// `account.id`). A pending zone serves nothing yet, so it is not the answer.
    pub async fn zone_for(&self, host: &str, account: Option<&str>) -> Result<Option<Value>> {
        let labels: Vec<&str> = host.split('.').collect();
        for start in 0..labels.len().saturating_sub(1) {
            let name = labels[start..].join(".");
            let filters = query(&[("name", Some(&name)), ("status", Some("active")), ("account.id", account)]);
            if let Some(zone) = self.zones(&filters).await?.into_iter().next() {
                return Ok(Some(zone));
            }
        }
        Ok(None)
    }

    /// Every zone the token sees; `query` narrows it (`name=…`, `status=…`, `account.id=…`).
    pub async fn zones(&self, query: &str) -> Result<Vec<Value>> {
        self.get_all(&format!("/zones{}", if query.is_empty() { String::new() } else { format!("?{query}") }), 50).await
    }

    pub async fn zone(&self, zone_id: &str) -> Result<Value> {
        self.get(&format!("/zones/{}", segment(zone_id))).await
    }

    pub async fn dns_records(&self, zone_id: &str, query: &str) -> Result<Vec<Value>> {
        let path = format!("/zones/{}/dns_records{}", segment(zone_id), if query.is_empty() { String::new() } else { format!("?{query}") });
        self.get_all(&path, 100).await
    }

    /// Every D1 database of the account, in pages of 1,000 (the API's default; it allows 10,000).
    pub async fn d1_databases(&self, account_id: &str) -> Result<Vec<Value>> {
        self.get_all(&format!("/accounts/{}/d1/database", segment(account_id)), 1000).await
    }

    pub async fn create_d1_database(&self, account_id: &str, name: &str) -> Result<Value> {
        let path = format!("/accounts/{}/d1/database", segment(account_id));
        Ok(self.request(reqwest::Method::POST, &path, Some(&json!({"name": name}))).await?["result"].take())
    }

    pub async fn delete_d1_database(&self, account_id: &str, database_id: &str) -> Result<()> {
        let path = format!("/accounts/{}/d1/database/{}", segment(account_id), segment(database_id));
        self.request(reqwest::Method::DELETE, &path, None).await.map(drop)
    }

    pub async fn workers(&self, account_id: &str) -> Result<Vec<Value>> {
        Ok(self.get(&format!("/accounts/{}/workers/scripts", segment(account_id))).await?.as_array().cloned().unwrap_or_default())
    }

    /// Sets one secret of a worker (a new version of it, deployed, as `wrangler secret put`); the value travels
    /// only in the body. A worker that does not exist is refused (wrangler would create an empty draft worker).
    pub async fn put_worker_secret(&self, account_id: &str, script: &str, name: &str, text: &str) -> Result<Value> {
        let path = format!("/accounts/{}/workers/scripts/{}/secrets", segment(account_id), segment(script));
        let body = json!({"name": name, "text": text, "type": "secret_text"});
        match self.request(reqwest::Method::PUT, &path, Some(&body)).await {
            Ok(mut envelope) => Ok(envelope["result"].take()),
            Err(Error::Api { kind: WranglerFailure::NotFound, message }) => Err(Error::Api {
                kind: WranglerFailure::NotFound,
                message: format!("Worker {script} does not exist on account {account_id}: deploy it first (a deploy can carry its secrets) ({message})"),
            }),
            Err(e) => Err(e),
        }
    }

    pub async fn delete_worker_secret(&self, account_id: &str, script: &str, name: &str) -> Result<()> {
        let path = format!("/accounts/{}/workers/scripts/{}/secrets/{}", segment(account_id), segment(script), segment(name));
        self.request(reqwest::Method::DELETE, &path, None).await.map(drop)
    }

    /// The names and types of a worker's secrets (never their values).
    pub async fn worker_secrets(&self, account_id: &str, script: &str) -> Result<Vec<Value>> {
        let path = format!("/accounts/{}/workers/scripts/{}/secrets", segment(account_id), segment(script));
        Ok(self.get(&path).await?.as_array().cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_segments_cannot_climb_or_add_a_query() {
        assert_eq!(super::segment("my-worker_1.v2"), "my-worker_1.v2");
        assert_eq!(super::segment("../x?y=1"), "..%2Fx%3Fy%3D1");
    }
}
