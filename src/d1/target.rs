//! Which database a command is about: its entry in the wrangler config for
//! one environment, and whether it runs locally or remotely.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Orchestrator, names};
use crate::error::{Error, Result};
use crate::paths::absolute;
use crate::wrangler_config::{Options as ConfigOptions, WranglerConfig, env_section, wrangler_env_for};

#[derive(Debug, Clone)]
pub struct Target {
    /// The name wrangler is given: the config's `database_name` (else the binding).
    pub database: String,
    pub binding: String,
    pub database_id: Option<String>,
    pub environment: String,
    /// `--env` for wrangler; `None` for the config's top level.
    pub wrangler_env: Option<String>,
    pub remote: bool,
    pub config: PathBuf,
    pub migrations_dir: PathBuf,
    pub migrations_table: String,
}

impl Orchestrator {
    /// Finds `database` (a name or a binding) in the config section of
    /// `environment`. `remote` overrides the environment's setting.
    pub fn target(&self, database: &str, environment: &str, remote: Option<bool>, config: Option<&Path>) -> Result<Target> {
        names::database(database)?;
        names::environment(environment)?;
        let config = self.config_for(config);
        let doc = config.document()?.ok_or_else(|| Error::ConfigNotFound {
            path: config.config_path().to_path_buf(),
            message: "No wrangler config file found; create one with WranglerConfigManager.createMinimalConfig or pass configPath".into(),
        })?;
        let root = doc.value();
        let wrangler_env = wrangler_env_for(&root, environment, config.config_path())?;
        let section = env_section(&root, wrangler_env.as_deref());
        let entries = section["d1_databases"].as_array().cloned().unwrap_or_default();
        let text = |entry: &Value, key: &str| entry[key].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let entry = entries
            .iter()
            .find(|e| text(e, "database_name").as_deref() == Some(database) || text(e, "binding").as_deref() == Some(database))
            .ok_or_else(|| not_in_config(database, environment, &wrangler_env, !std::ptr::eq(section, &root), &entries, config.config_path()))?;
        let binding = text(entry, "binding").unwrap_or_else(|| "DB".into());
        let migrations_table = text(entry, "migrations_table").unwrap_or_else(|| "d1_migrations".into());
        names::binding(&migrations_table).map_err(|_| Error::invalid(format!("Invalid migrations_table {migrations_table:?} in {}", config.config_path().display())))?;
        let config_dir = config.config_path().parent().unwrap_or(Path::new(".")).to_path_buf();
        Ok(Target {
            database: text(entry, "database_name").unwrap_or_else(|| binding.clone()),
            binding,
            database_id: text(entry, "database_id"),
            environment: environment.to_owned(),
            wrangler_env,
            remote: remote.unwrap_or_else(|| self.settings(environment).remote),
            config: config.config_path().to_path_buf(),
            migrations_dir: absolute(Path::new(&text(entry, "migrations_dir").unwrap_or_else(|| "migrations".into())), &config_dir),
            migrations_table,
        })
    }

    /// Every D1 database bound in an environment's section.
    pub fn databases_in(&self, environment: &str, config: Option<&Path>) -> Result<Vec<String>> {
        names::environment(environment)?;
        let config = self.config_for(config);
        let Some(doc) = config.document()? else { return Ok(vec![]) };
        let root = doc.value();
        let wrangler_env = wrangler_env_for(&root, environment, config.config_path())?;
        let section = env_section(&root, wrangler_env.as_deref());
        let entries = section["d1_databases"].as_array().cloned().unwrap_or_default();
        Ok(entries
            .iter()
            .filter_map(|e| e["database_name"].as_str().or_else(|| e["binding"].as_str()).map(str::to_owned))
            .collect())
    }

    pub fn config_for(&self, config: Option<&Path>) -> WranglerConfig {
        let path = config.or(self.options.config_path.as_deref());
        WranglerConfig::new(ConfigOptions::for_project(Some(&self.options.project_root), path))
    }
}

fn not_in_config(database: &str, environment: &str, wrangler_env: &Option<String>, has_section: bool, entries: &[Value], file: &Path) -> Error {
    let section = match wrangler_env {
        Some(e) if has_section => format!("[env.{e}]"),
        _ => "the top level".into(),
    };
    let known: Vec<&str> = entries.iter().filter_map(|e| e["database_name"].as_str().or_else(|| e["binding"].as_str())).collect();
    Error::DatabaseNotFound(format!(
        "D1 database {database:?} is not bound in {section} of {} (environment {environment}; bound there: {}). Create it with createDatabase or add it with WranglerConfigManager.addDatabaseBinding",
        file.display(),
        if known.is_empty() { "none".to_owned() } else { known.join(", ") }
    ))
}
