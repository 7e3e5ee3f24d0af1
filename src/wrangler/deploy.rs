//! What a `wrangler deploy` did, from its ND-JSON output file: the worker, the
//! version, and the URL it answers on (never the first https in the banner).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub worker_name: Option<String>,
    pub version_id: Option<String>,
    /// wrangler's display strings: `https://x.workers.dev`, `shop.com (custom domain)`, `a.com/api/* (zone name: a.com)`.
    pub targets: Vec<String>,
    /// A custom domain first, else the workers.dev address, else none.
    pub url: Option<String>,
}

pub fn deployment_from_events(events: &[Value]) -> Option<Deployment> {
    let deploy = events.iter().rev().find(|e| e["type"] == "deploy")?;
    let targets: Vec<String> = deploy["targets"].as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_owned)).collect();
    let custom = targets.iter().find_map(|t| t.strip_suffix(" (custom domain)").map(|host| format!("https://{}", host.trim())));
    let workers_dev = targets.iter().find(|t| t.starts_with("https://") && t.contains(".workers.dev")).cloned();
    Some(Deployment {
        worker_name: deploy["worker_name"].as_str().map(str::to_owned),
        version_id: deploy["version_id"].as_str().map(str::to_owned),
        url: custom.or(workers_dev),
        targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_custom_domain_wins_over_workers_dev() {
        let events = [
            json!({"type": "wrangler-session"}),
            json!({"type": "deploy", "worker_name": "svc-shop", "version_id": "v-1", "targets": ["https://svc-shop.acct.workers.dev", "svc.shop.example.com (custom domain)", "shop.example.com/api/* (zone name: shop.example.com)"]}),
        ];
        let d = deployment_from_events(&events).unwrap();
        assert_eq!(d.url.as_deref(), Some("https://svc.shop.example.com"));
        assert_eq!(d.version_id.as_deref(), Some("v-1"));
        let only_dev = [json!({"type": "deploy", "targets": ["https://w.acct.workers.dev"]})];
        assert_eq!(deployment_from_events(&only_dev).unwrap().url.as_deref(), Some("https://w.acct.workers.dev"));
        assert_eq!(deployment_from_events(&[json!({"type": "wrangler-session"})]), None);
    }
}
