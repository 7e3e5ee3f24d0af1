//! Per-customer deployment records: `<config_dir>/<customer>/<env>.env`, one
//! per customer and environment, so that a later deploy, rollback or audit
//! knows the account, zone, domain, database and worker of that customer.
//!
//! Files written by `@tamyla/clodo-framework` load here and files written
//! here load there. Unlike the original, names are validated, values are
//! quoted so no value can add a line, writes are atomic and locked, files are
//! 0600 in a 0700 folder, and the API token is written only when asked.

mod envfile;
mod layout;
pub mod secure;
mod standard;
mod templates;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::atomic_file::{self, WriteOptions};
use crate::error::{Error, Result};
use crate::paths::{absolute, current_dir};

pub use envfile::{EnvVars, parse as parse_env};
pub use templates::{Placeholders, TemplateOutcome};
pub use standard::{
    StandardRecord, push_json_str, TemplateCheck, merge, missing_fields, standard_format, static_site_defaults, template_check,
    validate_static_site,
};

/// `<project_root>/config/customers`.
pub fn default_config_dir(project_root: &Path) -> PathBuf {
    project_root.join("config").join("customers")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A real record: it loads as a standard object.
    Ready,
    /// A template (placeholders, zero or missing account, missing domain).
    Template,
    Missing,
    /// The file exists but cannot be read (permissions, not UTF-8).
    Unreadable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ready => "ready",
            Status::Template => "template",
            Status::Missing => "missing",
            Status::Unreadable => "unreadable",
        }
    }
}

/// Everything known about one record, including why it does not load.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub customer: String,
    pub environment: String,
    pub path: PathBuf,
    pub status: Status,
    pub missing_fields: Vec<&'static str>,
    pub reasons: Vec<String>,
    /// The standard object, for a ready record.
    pub record: Option<StandardRecord>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SaveOptions {
    /// Write `CLOUDFLARE_API_TOKEN` too. Off by default: tokens belong in a
    /// secret store, not in a plain file next to the code.
    pub include_secrets: bool,
}

pub struct CustomerRecords {
    config_dir: PathBuf,
    verbose: bool,
    write: WriteOptions,
}

impl CustomerRecords {
    pub fn new(config_dir: PathBuf, verbose: bool) -> CustomerRecords {
        CustomerRecords { config_dir, verbose, write: WriteOptions { mode: Some(0o600), ..WriteOptions::default() } }
    }

    /// `config_dir` (default `<project_root>/config/customers`) with relative
    /// paths resolved against `project_root` (default: the working directory).
    pub fn for_project(project_root: Option<&Path>, config_dir: Option<&Path>, verbose: bool) -> CustomerRecords {
        let root = project_root.map(|r| absolute(r, &current_dir())).unwrap_or_else(current_dir);
        let dir = config_dir.map(|d| absolute(d, &root)).unwrap_or_else(|| default_config_dir(&root));
        CustomerRecords::new(dir, verbose)
    }

    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// What the original says when a save names no customer or environment.
    pub(crate) fn writable_path(&self, customer: &str, environment: &str) -> Result<PathBuf> {
        if customer.is_empty() || environment.is_empty() {
            return Err(Error::invalid("Customer and environment are required"));
        }
        self.record_path(customer, environment)
    }

    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    pub fn record_path(&self, customer: &str, environment: &str) -> Result<PathBuf> {
        check_name("customer", customer)?;
        check_name("environment", environment)?;
        Ok(self.config_dir.join(customer).join(format!("{environment}.env")))
    }

    pub fn exists(&self, customer: &str, environment: &str) -> Result<bool> {
        Ok(self.record_path(customer, environment)?.is_file())
    }

    pub fn inspect(&self, customer: &str, environment: &str) -> Result<Inspection> {
        self.inspect_with(customer, environment, process_token().as_deref())
    }

    fn inspect_with(&self, customer: &str, environment: &str, process_token: Option<&str>) -> Result<Inspection> {
        let path = self.record_path(customer, environment)?;
        let mut found = Inspection {
            customer: customer.into(),
            environment: environment.into(),
            path,
            status: Status::Missing,
            missing_fields: vec![],
            reasons: vec![],
            record: None,
        };
        let vars = match atomic_file::read_text(&found.path) {
            Ok(Some(text)) => envfile::parse(&text),
            Ok(None) => {
                found.reasons.push(format!("{} does not exist", found.path.display()));
                return Ok(found);
            }
            Err(e) => {
                found.status = Status::Unreadable;
                found.reasons.push(e.to_string());
                return Ok(found);
            }
        };
        let check = standard::template_check(|k| vars.get(k).map(String::as_str));
        if check.is_template() {
            found.status = Status::Template;
            found.missing_fields = check.missing_fields;
            found.reasons = check.reasons;
        } else {
            found.status = Status::Ready;
            found.record = Some(standard::standard_format(&vars, customer, environment, process_token));
        }
        Ok(found)
    }

    /// The standard object, or `None` for a missing, template or unreadable
    /// record (`inspect` says which and why). Bad names are errors.
    pub fn load(&self, customer: &str, environment: &str) -> Result<Option<StandardRecord>> {
        let found = self.inspect(customer, environment)?;
        // As the original, an unreadable record (a folder, no permission) loads as null, but never without a word.
        if found.status == Status::Unreadable {
            eprintln!("warning: {customer} ({environment}): {}", found.reasons.join("; "));
        }
        if found.status != Status::Ready {
            self.note(format!("No usable config for {customer}/{environment} ({}): {}", found.status.as_str(), found.reasons.join("; ")));
        }
        Ok(found.record)
    }

    pub fn load_safe(&self, customer: &str, environment: &str) -> Result<StandardRecord> {
        Ok(self.load(customer, environment)?.unwrap_or_else(|| standard::safe_defaults(customer, environment)))
    }

    pub fn load_static_site(&self, customer: &str, environment: &str) -> Result<StandardRecord> {
        let base = self.load_safe(customer, environment)?;
        let service_type = base.to_object().get("serviceType").and_then(Value::as_str).unwrap_or("").to_string();
        if service_type != "static-site" {
            return Err(Error::invalid(format!(
                "Service type for {customer}/{environment} is not 'static-site' (found: {service_type})"
            )));
        }
        Ok(standard::static_site_view(base))
    }

    /// Writes the record from `data`: `{coreInputs, confirmations, result}`
    /// like the original, or a flat standard object (what `load` and `merge`
    /// return). Keys of the existing file that no section manages are kept.
    pub fn save(&self, customer: &str, environment: &str, data: &Value, options: SaveOptions) -> Result<PathBuf> {
        let path = self.writable_path(customer, environment)?;
        let nested = ["coreInputs", "core_inputs", "confirmations", "result"];
        let (sources, raw): (Vec<&Value>, Option<&Value>) = if nested.iter().any(|k| data.get(k).is_some()) {
            let parts = ["result", "confirmations", "coreInputs", "core_inputs"].iter().filter_map(|k| data.get(k));
            (parts.chain([data]).collect(), None)
        } else {
            (vec![data], data.get("envVars").or_else(|| data.get("env_vars")))
        };
        let inputs = layout::Inputs { sources, raw, customer, environment, include_secrets: options.include_secrets, defaults: true };
        self.write_record(&path, &inputs, |_| None)?;
        self.note(format!("Configuration saved: {}", path.display()));
        Ok(path)
    }

    /// Renders `inputs` over the stored record (read under its lock, with
    /// whatever `raw_from` adds from it) and replaces the file whole.
    fn write_record(&self, path: &Path, inputs: &layout::Inputs, raw_from: impl FnOnce(&EnvVars) -> Option<Value>) -> Result<()> {
        // Refuse values that cannot be stored before creating any folder.
        layout::render(inputs, &EnvVars::default(), "")?;
        self.make_private_dir(path.parent().unwrap_or(&self.config_dir))?;
        // What killed writers left beside the record (a live writer's temp lasts microseconds).
        atomic_file::remove_stale_temps(path, std::time::Duration::from_secs(60));
        atomic_file::update(path, self.write, |old| {
            let existing = old.map(envfile::parse).unwrap_or_default();
            let raw = raw_from(&existing);
            let inputs = layout::Inputs { raw: raw.as_ref().or(inputs.raw), sources: inputs.sources.clone(), ..*inputs };
            let updated_at = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
            Ok(Some(layout::render(&inputs, &existing, &updated_at)?))
        })?;
        Ok(())
    }

    /// Changes some fields of a record (standard keys: `domainName`,
    /// `cloudflareAccountId`, …) and keeps every other value it holds (its
    /// API token included), even for a record still incomplete; adds no
    /// default it did not have; creates it when missing. The stored record is
    /// read under the same lock as the write, so concurrent updates all land.
    pub fn update(&self, customer: &str, environment: &str, changes: &Value) -> Result<PathBuf> {
        let path = self.writable_path(customer, environment)?;
        let inputs = layout::Inputs { sources: vec![changes], raw: None, customer, environment, include_secrets: true, defaults: false };
        let stored = |existing: &EnvVars| Some(Value::Object(existing.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()));
        self.write_record(&path, &inputs, stored)?;
        self.note(format!("Configuration saved: {}", path.display()));
        Ok(path)
    }

    /// The original's static-site save: validated, saved with the static-site
    /// section (defaults filled in), in one atomic write.
    pub fn save_static_site(&self, customer: &str, environment: &str, config: &Value, options: SaveOptions) -> Result<PathBuf> {
        let errors = validate_static_site(config);
        if !errors.is_empty() {
            return Err(Error::invalid(format!("Invalid static-site configuration: {}", errors.join(", "))));
        }
        let field = |name: &str| layout::field_text(config, name);
        let mut data = serde_json::json!({
            "serviceName": field("serviceName").unwrap_or_else(|| customer.into()),
            "serviceType": "static-site",
            "displayName": field("displayName").unwrap_or_else(|| customer.into()),
            "description": field("description").unwrap_or_else(|| "Static site service".into()),
            "healthCheckPath": "/health",
            "apiBasePath": "/",
            "logLevel": field("logLevel").unwrap_or_else(|| "info".into()),
            "nodeCompatibility": field("nodeCompatibility").unwrap_or_else(|| "v18".into()),
        });
        for name in ["domainName", "cloudflareAccountId", "cloudflareZoneId", "cloudflareToken", "workerName", "databaseName"] {
            if let Some(v) = field(name) {
                data[name] = Value::String(v);
            }
        }
        let defaults = static_site_defaults();
        for (name, _) in standard::STATIC_SITE_TEXT {
            data[*name] = Value::String(field(name).unwrap_or_else(|| defaults[*name].as_str().unwrap_or_default().into()));
        }
        for (name, _) in standard::STATIC_SITE_FLAGS {
            let on = !matches!(config.get(*name), Some(Value::Bool(false)));
            data[*name] = Value::String(on.to_string());
        }
        self.save(customer, environment, &serde_json::json!({ "coreInputs": data }), options)
    }

    /// Customer folder names, sorted.
    pub fn list_customers(&self) -> Result<Vec<String>> {
        let mut names = self.subfolders()?;
        names.sort();
        Ok(names)
    }

    /// Every record of every customer (each `<env>.env`), inspected, sorted
    /// by customer then environment. Customers are read on all cores.
    pub fn list_records(&self) -> Result<Vec<Inspection>> {
        let customers: Vec<String> = self.list_customers()?.into_iter().filter(|c| check_name("customer", c).is_ok()).collect();
        let token = process_token();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(customers.len().max(1));
        let chunk = customers.len().div_ceil(threads).max(1);
        let parts: Vec<Result<Vec<Inspection>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = customers
                .chunks(chunk)
                .map(|part| scope.spawn(|| self.records_of(part, token.as_deref())))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err(Error::invalid("a listing thread panicked")))).collect()
        });
        let mut all = Vec::new();
        for part in parts {
            all.extend(part?);
        }
        Ok(all)
    }

    fn records_of(&self, customers: &[String], token: Option<&str>) -> Result<Vec<Inspection>> {
        let mut found = Vec::new();
        for customer in customers {
            let dir = self.config_dir.join(customer);
            let entries = fs::read_dir(&dir).map_err(|e| Error::io("Failed to list", &dir, e))?;
            let mut environments: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str()?.strip_suffix(".env").map(str::to_string))
                .filter(|env| check_name("environment", env).is_ok())
                .collect();
            environments.sort();
            for environment in environments {
                found.push(self.inspect_with(customer, &environment, token)?);
            }
        }
        Ok(found)
    }

    /// The original's review text for a record (printed by the caller).
    pub fn display_text(&self, customer: &str, environment: &str) -> Result<String> {
        let Some(record) = self.load(customer, environment)? else {
            return Ok(format!("\n⚠️  No configuration found for {customer}/{environment}"));
        };
        let object = record.to_object();
        let get = |k: &str| object.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let rule = "=".repeat(60);
        let mut out = format!("\n📋 Configuration for {customer} ({environment})\n{rule}\n\n🏢 Customer Identity:\n");
        out += &format!("   Customer: {customer}\n   Service Name: {}\n   Service Type: {}\n", get("serviceName").unwrap_or(""), get("serviceType").unwrap_or(""));
        if let Some(domain) = get("domainName") {
            out += &format!("\n🌐 Domain Configuration:\n   Domain: {domain}\n   Deployment URL: {}\n", get("deploymentUrl").unwrap_or("Not set"));
        }
        if let Some(account) = get("cloudflareAccountId") {
            out += &format!("\n☁️  Cloudflare Configuration:\n   Account ID: {account}\n   Zone ID: {}\n", get("cloudflareZoneId").unwrap_or("Not set"));
        }
        if let Some(db) = get("databaseName") {
            out += &format!("\n🗄️  Database Configuration:\n   Database: {db}\n");
        }
        out += &format!("\n{rule}");
        Ok(out)
    }

    fn subfolders(&self) -> Result<Vec<String>> {
        let entries = match fs::read_dir(&self.config_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(Error::io("Failed to list", &self.config_dir, e)),
        };
        Ok(entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) || e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect())
    }

    /// Creates the folder (and missing parents) as 0700 and makes sure the
    /// customer folder itself is 0700: records name accounts and databases.
    fn make_private_dir(&self, dir: &Path) -> Result<()> {
        // A linked folder may lead out of the project: neither written through nor re-moded.
        if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::invalid(format!(
                "{} is a symbolic link; clodo writes customer records only into real folders: replace the link with the folder",
                dir.display()
            )));
        }
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
            builder.mode(0o700);
            builder.create(dir).map_err(|e| Error::io("Failed to create folder", dir, e))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| Error::io("Failed to set permissions on", dir, e))
        }
        #[cfg(not(unix))]
        builder.create(dir).map_err(|e| Error::io("Failed to create folder", dir, e))
    }

    fn note(&self, message: String) {
        if self.verbose {
            eprintln!("[UnifiedConfigManager] {message}");
        }
    }
}

/// The `CLOUDFLARE_API_TOKEN` of the environment, which a record without
/// its own token falls back to (as in the original).
pub fn process_token() -> Option<String> {
    std::env::var("CLOUDFLARE_API_TOKEN").ok()
}

/// Customer and environment names become path segments: letters, digits,
/// `-`, `_` and `.` only, never `..`.
fn check_name(kind: &str, name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.len() > 128 || !name.chars().all(allowed) || name.contains("..") || name == "." || name.starts_with('-') {
        return Err(Error::invalid(format!(
            "Invalid {kind} name {name:?}: use 1 to 128 letters, digits, '-', '_' or '.' (no '..', no '/', not starting with '-')"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
