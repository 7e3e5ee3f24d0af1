//! What each domain of a service uses, as its rendered config would say: its
//! D1 databases, KV namespaces, R2 buckets and queues (own or shared), and,
//! remotely, whether each exists on the account yet. Nothing is written.

use std::path::Path;

use serde::Serialize;

use crate::cloudflare::CloudflareApi;
use crate::domain_config::resources::Kind;
use crate::domain_config::{DomainSpec, render};
use crate::error::Result;
use crate::wrangler::Credentials;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainResources {
    pub domain: String,
    pub worker_name: String,
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// `d1`, `kv`, `r2` or `queue`.
    pub kind: &'static str,
    pub binding: String,
    pub name: String,
    pub shared: bool,
    /// Remote: whether the account has it (None locally, where wrangler's local storage makes it on first use,
    /// and for a shared one, which the service's config names by id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

/// Each domain's resources for `environment`; with `credentials`, looked up on the account.
pub fn list(config_path: &Path, service_name: &str, environment: &str, domains: &[String], credentials: Option<&Credentials>) -> Result<Vec<DomainResources>> {
    let scratch = tempfile::tempdir().map_err(|e| crate::error::Error::io("create a scratch folder in", &std::env::temp_dir(), e))?;
    let shared_bindings = crate::service::settings::Settings::load(config_path.parent().unwrap_or(Path::new(".")))?.shared_bindings;
    let mut listed = vec![];
    for domain in domains {
        let mut spec = DomainSpec::new(domain, environment, service_name);
        spec.shared_bindings = shared_bindings.clone();
        spec.local = credentials.is_none();
        // Rendered only to be read: into a scratch folder, never the service's .clodo.
        let rendered = render(config_path, &spec, scratch.path())?;
        let mut resources: Vec<Resource> = vec![];
        for db in &rendered.databases {
            if !resources.iter().any(|r| r.kind == "d1" && r.name == db.database_name) {
                resources.push(Resource { kind: "d1", binding: db.binding.clone(), name: db.database_name.clone(), shared: db.shared, exists: None });
            }
        }
        for r in &rendered.resources {
            if !resources.iter().any(|x| x.kind == r.kind.as_str() && x.name == r.name) {
                resources.push(Resource { kind: r.kind.as_str(), binding: r.binding.clone(), name: r.name.clone(), shared: r.shared, exists: None });
            }
        }
        listed.push(DomainResources { domain: domain.clone(), worker_name: spec.worker_name(), resources });
    }
    if let Some(credentials) = credentials {
        look_up(&mut listed, credentials)?;
    }
    Ok(listed)
}

/// Marks each resource as found on the account or not (D1 by name, KV by title, buckets and queues by name).
fn look_up(listed: &mut [DomainResources], credentials: &Credentials) -> Result<()> {
    let api = CloudflareApi::new(credentials.api_token.as_deref().unwrap_or_default())?;
    crate::http_check::block_on(async {
        let account = api.account_or_sole(credentials.account_id.as_deref()).await?;
        let databases = api.d1_databases(&account).await?;
        for resource in listed.iter_mut().flat_map(|d| d.resources.iter_mut()).filter(|r| !r.shared) {
            let exists = match Kind::named(resource.kind) {
                None => databases.iter().any(|d| d["name"] == resource.name.as_str()),
                Some(kind) => api.find_resource(&account, kind, &resource.name, None).await?.is_some(),
            };
            resource.exists = Some(exists);
        }
        Ok(())
    })
}
