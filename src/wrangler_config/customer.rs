//! Per-customer copies of the service config:
//! `<projectRoot>/config/customers/<first label of the zone>/wrangler.<ext>`.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::{Seed, WranglerConfig};
use crate::document::{Document, Seg, key};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct CustomerParams {
    pub account_id: Option<String>,
    pub environment: Option<String>,
    pub worker_name: Option<String>,
}

/// `acme.com` → `acme`; refuses names that would leave the customers folder.
fn customer_prefix(zone: &str, purpose: &str) -> Result<String> {
    let zone = zone.trim();
    if zone.is_empty() {
        return Err(Error::invalid(format!("Zone name is required to {purpose}")));
    }
    let prefix = zone.split('.').next().unwrap_or_default();
    // The first label names a folder: a host name label (1 to 63 letters, digits or '-', not starting with '-').
    let label_ok = (1..=63).contains(&prefix.len()) && !prefix.starts_with('-') && prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !label_ok || zone.len() > 253 {
        let shown: String = zone.chars().take(80).collect();
        return Err(Error::invalid(format!("Invalid zone name {shown:?}: expected a domain such as example.com")));
    }
    Ok(prefix.to_string())
}

/// The original's naming (`my-service` → `acme-service`, `api` → `acme-api`),
/// made idempotent: a name that already carries the prefix stays as it is.
fn customer_worker_name(current: &str, prefix: &str) -> String {
    if current.starts_with(&format!("{prefix}-")) {
        return current.to_string();
    }
    let base = current.split_once('-').map(|(_, rest)| rest).unwrap_or(current);
    format!("{prefix}-{base}")
}

impl WranglerConfig {
    pub fn get_customer_config_path(&self, zone: &str) -> Result<PathBuf> {
        let prefix = customer_prefix(zone, "get customer config path")?;
        let file_name = self.config_path().file_name().map(|n| n.to_owned()).unwrap_or_else(|| "wrangler.toml".into());
        Ok(self.options.project_root.join("config").join("customers").join(prefix).join(file_name))
    }

    /// Creates or updates the customer's copy: account id, worker names with
    /// the customer prefix, `SERVICE_DOMAIN` vars, and the environment's section.
    /// Running it again with the same inputs leaves the file unchanged.
    pub fn generate_customer_config(&self, zone: &str, params: &CustomerParams) -> Result<PathBuf> {
        let prefix = customer_prefix(zone, "generate customer config")?;
        let path = self.get_customer_config_path(zone)?;
        let root = self.config_path().to_path_buf();
        let seed = match self.current_text(&root)? {
            Some(text) => Seed::Text(text, root),
            None => Seed::Defaults,
        };
        self.edit(&path, seed, |doc, _| {
            apply_customer(self, doc, &prefix, params);
            Ok(())
        })?;
        Ok(path)
    }

    /// Makes the main config a byte-identical copy of a customer's config.
    pub fn copy_customer_config(&self, customer_config_path: &str) -> Result<()> {
        if customer_config_path.is_empty() {
            return Err(Error::invalid("Customer config path is required"));
        }
        let source = self.options.project_root.join(customer_config_path);
        let Some(text) = self.current_text(&source)? else {
            return Err(Error::ConfigNotFound { path: source, message: "Customer config not found".into() });
        };
        let target = self.config_path().to_path_buf();
        if crate::document::Format::from_path(&source) != self.format() {
            return Err(Error::invalid(format!(
                "Cannot copy {} over {}: the formats differ; copy a customer config of the same format",
                source.display(),
                target.display()
            )));
        }
        self.update_text(&target, |before| {
            let changed = before.as_deref() != Some(text.as_str());
            Ok(((), changed.then_some(text)))
        })
    }
}

fn apply_customer(manager: &WranglerConfig, doc: &mut Document, prefix: &str, params: &CustomerParams) {
    if let Some(account) = params.account_id.as_deref().filter(|a| !a.is_empty()) {
        doc.set(&[key("account_id")], &json!(account));
    }
    let top_name = doc.get(&[key("name")]).and_then(|v| v.as_str().map(str::to_string));
    if let Some(name) = &top_name {
        let renamed = params.worker_name.clone().unwrap_or_else(|| customer_worker_name(name, prefix));
        doc.set(&[key("name")], &json!(renamed));
    }
    set_service_domain(doc, &[], prefix);

    let environment = params.environment.as_deref().unwrap_or("production");
    let target = manager.env_target(doc, Some(environment));
    if !target.is_empty() && !doc.has(&target) {
        let name = doc.get(&[key("name")]).unwrap_or_else(|| json!("worker"));
        doc.set(&[target, vec![key("name")]].concat(), &name);
    }

    let envs: Vec<String> = doc.get(&[key("env")]).and_then(|v| v.as_object().map(|m| m.keys().cloned().collect())).unwrap_or_default();
    for env in envs {
        let scope = vec![key("env"), key(&env)];
        let name_path = [scope.clone(), vec![key("name")]].concat();
        if let Some(name) = doc.get(&name_path).and_then(|v| v.as_str().map(str::to_string)) {
            let renamed = match &params.worker_name {
                Some(worker) => {
                    let base = worker.strip_suffix("-service").unwrap_or(worker);
                    if env == manager.options.production_environment { base.to_string() } else { format!("{base}-{env}") }
                }
                None => customer_worker_name(&name, prefix),
            };
            doc.set(&name_path, &json!(renamed));
        }
        set_service_domain(doc, &scope, prefix);
    }
}

fn set_service_domain(doc: &mut Document, scope: &[Seg], prefix: &str) {
    let path = [scope.to_vec(), vec![key("vars"), key("SERVICE_DOMAIN")]].concat();
    if doc.get(&path).is_some() {
        doc.set(&path, &Value::String(prefix.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_matches_the_original_and_is_idempotent() {
        assert_eq!(customer_worker_name("my-service", "acme"), "acme-service");
        assert_eq!(customer_worker_name("api", "acme"), "acme-api");
        let once = customer_worker_name("api", "my-shop");
        assert_eq!(once, "my-shop-api");
        assert_eq!(customer_worker_name(&once, "my-shop"), once);
    }

    #[test]
    fn zone_names_cannot_escape_the_customers_folder() {
        assert!(customer_prefix("", "x").unwrap_err().to_string().starts_with("Zone name is required"));
        assert_eq!(customer_prefix("../etc", "x").unwrap_err().code(), "E_INVALID_INPUT");
        assert_eq!(customer_prefix("a/b.com", "x").unwrap_err().code(), "E_INVALID_INPUT");
    }
}
