//! A worker's deployments through the API: what traffic it serves now (the
//! rollback point), and a new split of its versions (`wrangler versions
//! deploy`: a canary's share, its promotion, a rollback).

use serde_json::{Value, json};

use super::client::CloudflareApi;
use super::endpoints::segment;
use crate::error::{Error, Result, WranglerFailure};
use crate::rollback::Traffic;

impl CloudflareApi {
    fn deployments_path(account: &str, script: &str) -> String {
        format!("/accounts/{}/workers/scripts/{}/deployments", segment(account), segment(script))
    }

    /// The traffic of the worker's latest deployment; empty when the worker does not exist.
    pub async fn current_traffic(&self, account: &str, script: &str) -> Result<Vec<Traffic>> {
        let listed = match self.get(&Self::deployments_path(account, script)).await {
            Ok(listed) => listed,
            Err(Error::Api { kind: WranglerFailure::NotFound, .. }) => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        let deployments = listed["deployments"].as_array().cloned().unwrap_or_default();
        // The newest by its creation time, whatever order the list comes in.
        let latest = deployments.iter().max_by(|a, b| a["created_on"].as_str().unwrap_or_default().cmp(b["created_on"].as_str().unwrap_or_default()));
        Ok(latest.map(crate::rollback::traffic_of).unwrap_or_default())
    }

    /// Deploys `split` (one or two versions adding up to 100 %) with `message`; `force` deploys a version
    /// whose secrets changed since it was active (Cloudflare refuses that otherwise, code 10220).
    pub async fn deploy_versions(&self, account: &str, script: &str, split: &[Traffic], message: &str, force: bool) -> Result<Value> {
        let versions: Vec<Value> = split.iter().map(|t| json!({"version_id": t.version_id, "percentage": t.percentage})).collect();
        let body = json!({"strategy": "percentage", "versions": versions, "annotations": {"workers/message": message}});
        let path = format!("{}{}", Self::deployments_path(account, script), if force { "?force=true" } else { "" });
        Ok(self.request(reqwest::Method::POST, &path, Some(&body)).await?["result"].take())
    }
}
