//! The storage a domain owns besides D1: KV namespaces (found by title, their
//! id goes into the config), R2 buckets and queues (found by name), each
//! created when missing, as `wrangler kv namespace create`, `wrangler r2
//! bucket create` and `wrangler queues create` would, without their start-up.

use serde_json::json;

use super::client::CloudflareApi;
use super::endpoints::segment;
use crate::domain_config::resources::Kind;
use crate::error::{Error, Result, WranglerFailure};

/// Where a resource stands on the account.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// KV: the namespace's id; buckets and queues go by name.
    pub id: Option<String>,
    pub created: bool,
}

impl CloudflareApi {
    /// The `kind` called `name`, found by its exact name, or created when it does not exist yet.
    pub async fn ensure_resource(&self, account: &str, kind: Kind, name: &str, jurisdiction: Option<&str>) -> Result<Found> {
        if let Some(id) = self.find_resource(account, kind, name, jurisdiction).await? {
            return Ok(Found { id: Some(id), created: false });
        }
        let accounts = format!("/accounts/{}", segment(account));
        let created = match kind {
            Kind::Kv => self.request(reqwest::Method::POST, &format!("{accounts}/storage/kv/namespaces"), Some(&json!({"title": name}))).await?,
            Kind::R2 => self.request_with(reqwest::Method::POST, &format!("{accounts}/r2/buckets"), Some(&json!({"name": name})), &jurisdiction_header(jurisdiction)).await?,
            Kind::Queue => self.request(reqwest::Method::POST, &format!("{accounts}/queues"), Some(&json!({"queue_name": name}))).await?,
        };
        let id = match kind {
            Kind::Kv => Some(created["result"]["id"].as_str().ok_or_else(|| Error::invalid(format!("Cloudflare created KV namespace {name} but gave no id")))?.to_owned()),
            Kind::R2 => Some(name.to_owned()),
            Kind::Queue => created["result"]["queue_id"].as_str().map(str::to_owned),
        };
        Ok(Found { id, created: true })
    }

    /// Every KV namespace of the account: no title filter exists, so every page is read (1,000 a page, the
    /// API's most).
    pub async fn kv_namespaces(&self, account: &str) -> Result<Vec<serde_json::Value>> {
        self.get_all(&format!("/accounts/{}/storage/kv/namespaces", segment(account)), 1000).await
    }

    /// The resource's id (a bucket: its name) when it exists.
    pub async fn find_resource(&self, account: &str, kind: Kind, name: &str, jurisdiction: Option<&str>) -> Result<Option<String>> {
        let accounts = format!("/accounts/{}", segment(account));
        match kind {
            Kind::Kv => {
                let namespaces = self.kv_namespaces(account).await?;
                Ok(namespaces.iter().find(|n| n["title"] == name).and_then(|n| n["id"].as_str().map(str::to_owned)))
            }
            Kind::R2 => {
                match self.request_with(reqwest::Method::GET, &format!("{accounts}/r2/buckets/{}", segment(name)), None, &jurisdiction_header(jurisdiction)).await {
                    Ok(_) => Ok(Some(name.to_owned())),
                    Err(Error::Api { kind: WranglerFailure::NotFound, .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            }
            Kind::Queue => {
                let queues = self.get_all(&format!("{accounts}/queues?name={}", segment(name)), 100).await?;
                Ok(queues.iter().find(|q| q["queue_name"] == name).and_then(|q| q["queue_id"].as_str().map(str::to_owned)))
            }
        }
    }
}

/// R2 names a bucket's jurisdiction in a header.
fn jurisdiction_header(jurisdiction: Option<&str>) -> Vec<(&'static str, &str)> {
    jurisdiction.map(|j| ("cf-r2-jurisdiction", j)).into_iter().collect()
}
