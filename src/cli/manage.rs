//! `clodo config show|validate|add-d1`, `secrets generate|push|list` and
//! `customers list|show`: the config, secret and record managers from the shell.


use clap::Subcommand;
use indexmap::IndexMap;
use serde_json::{Value, json};

use super::output::table;
use super::{FAILURE, OK, Outcome, Output, Scope, absolute, credentials};
use crate::customer_records::CustomerRecords;
use crate::secrets::{GenerateOptions, SecretManager};
use crate::wrangler_config::{Options as ConfigOptions, ValidateOptions, WranglerConfig};

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// The config's summary for an environment.
    Show,
    /// Check the config (every finding with its line and column).
    Validate {
        /// Check it for use against Cloudflare: a D1 entry without database_id is an error.
        #[arg(long)]
        remote: bool,
    },
    /// Add an environment section (`[env.<name>]`) if the config has none, keeping everything else as written.
    Env {
        /// The environment's name: letters, digits, '-' or '_'.
        name: String,
        /// Create a wrangler.toml when the folder has no config.
        #[arg(long)]
        create: bool,
    },
    /// Add (or update) a D1 binding, keeping the file's comments and formatting.
    AddD1 {
        /// The D1 database's name.
        database_name: String,
        /// The D1 database's id (its UUID).
        database_id: String,
        /// The binding the worker reaches the database by.
        #[arg(long, default_value = "DB")]
        binding: String,
    },
}

#[derive(Subcommand)]
pub enum SecretsCommand {
    /// Generate a domain's secrets (stored values reused) into the encrypted store (key: CLODO_SECRET_KEY).
    /// The names are the ones the project declares (.dev.vars.example, secrets.required, clodo.json "secrets").
    Generate {
        /// The domain (a host name such as shop.example.com).
        domain: String,
        /// Also clodo's ten standard secrets (always, when clodo.json says "standardSecrets": true).
        #[arg(long)]
        standard_secrets: bool,
    },
    /// Upload a domain's stored secrets to the environment's worker (`secret bulk` on stdin, checked by `secret list`).
    Push {
        /// The domain (a host name such as shop.example.com).
        domain: String,
    },
    /// The names (never the values) of a domain's stored secrets.
    List {
        /// The domain (a host name such as shop.example.com).
        domain: String,
    },
    /// New values for the named secrets (old ones kept in the store's history), uploaded with --push.
    Rotate {
        /// The domain (a host name such as shop.example.com).
        domain: String,
        /// A secret to rotate (repeatable).
        #[arg(long = "name", required = true)]
        names: Vec<String>,
        /// Upload the new values to the worker too.
        #[arg(long)]
        push: bool,
    },
}

#[derive(Subcommand)]
pub enum CustomersCommand {
    /// Every customer record, with whether it is ready to deploy.
    List,
    /// Create or change a record: only the fields given change (a token is never taken from a flag).
    Save {
        /// The customer (its folder under config/customers).
        customer: String,
        /// The domain (a host name such as shop.example.com).
        #[arg(long)]
        domain: Option<String>,
        /// Its Cloudflare account id.
        #[arg(long)]
        account_id: Option<String>,
        /// Its Cloudflare zone id.
        #[arg(long)]
        zone_id: Option<String>,
        /// Its service name.
        #[arg(long)]
        service_name: Option<String>,
        /// Its service type.
        #[arg(long)]
        service_type: Option<String>,
    },
    /// Move the plain-text API tokens found in records into clodo's token store (by account) and out of the files.
    Secure,
    /// One record as text (the token masked).
    Show {
        /// The customer (its folder under config/customers).
        customer: String,
    },
}

fn config_at(path: &std::path::Path) -> Result<WranglerConfig, super::Failure> {
    Ok(WranglerConfig::new(ConfigOptions::for_project(Some(&absolute(path)?), None)))
}

/// The service's config, which must exist: reading or validating nothing is an error, never a made-up config.
fn existing_config_at(path: &std::path::Path) -> Result<WranglerConfig, super::Failure> {
    let config = config_at(path)?;
    match config.config_path().is_file() {
        true => Ok(config),
        false => Err(super::Failure::Error(crate::error::Error::ConfigNotFound {
            path: config.config_path().to_path_buf(),
            message: "No wrangler config (wrangler.json, wrangler.jsonc or wrangler.toml) here; give the service's folder".into(),
        })),
    }
}

pub fn config(out: &Output, scope: &Scope, command: ConfigCommand) -> Outcome {
    let (path, environment) = (&scope.path, scope.named_environment().map(str::to_owned));
    match command {
        ConfigCommand::Show => {
            let config = existing_config_at(path)?;
            let summary = config.display_summary(environment.as_deref())?;
            let value = config.read_config()?;
            let resolved = crate::domain_config::resolve_environment(&value, environment.as_deref().unwrap_or(""));
            let bindings: Vec<Value> = crate::wrangler_config::summary::bindings(&resolved).into_iter().map(|[kind, binding, target]| json!({"kind": kind, "binding": binding, "target": target})).collect();
            out.result(&json!({"configPath": config.config_path(), "config": value, "summary": summary, "bindings": bindings}), |d| {
                let rows: Vec<Vec<String>> = d["bindings"].as_array().into_iter().flatten().map(|b| ["kind", "binding", "target"].map(|k| b[k].as_str().unwrap_or_default().to_owned()).to_vec()).collect();
                let scope = environment.as_deref().map_or("the top level".to_owned(), |e| format!("env {e}"));
                match rows.is_empty() {
                    true => format!("{summary}\n   Bindings ({scope}): none"),
                    false => format!("{summary}\n   Bindings ({scope}):\n{}", super::output::table(&["kind", "binding", "target"], &rows)),
                }
            });
            Ok(OK)
        }
        ConfigCommand::Validate { remote } => {
            let config = existing_config_at(path)?;
            let v = config.validate(&ValidateOptions { remote });
            let file = config.config_path().display().to_string();
            let findings: Vec<Value> = v.findings.iter().map(super::findings::to_json).collect();
            let errors = super::findings::errors(&v.findings);
            let document = json!({"configPath": file, "valid": v.valid, "errors": errors, "warnings": v.findings.len() - errors, "findings": findings});
            out.result(&document, |_| super::findings::text(out, &file, &v.findings));
            Ok(if v.valid { OK } else { FAILURE })
        }
        ConfigCommand::Env { name, create } => {
            let config = if create { config_at(path)? } else { existing_config_at(path)? };
            let added = config.ensure_environment(&name)?;
            out.result(&json!({"configPath": config.config_path(), "environment": name, "added": added}), |_| {
                format!("{} {} in {}", if added { "added" } else { "already there:" }, name, config.config_path().display())
            });
            Ok(OK)
        }
        ConfigCommand::AddD1 { database_name, database_id, binding } => {
            let config = config_at(path)?;
            let entry = json!({"binding": binding, "database_name": database_name, "database_id": database_id});
            let changed = config.add_database_binding(environment.as_deref(), &entry)?;
            let result = json!({"configPath": config.config_path(), "changed": changed, "binding": entry});
            out.result(&result, |_| format!("{} {}", if changed { "updated" } else { "unchanged:" }, config.config_path().display()));
            Ok(OK)
        }
    }
}

fn secret_manager(root: &std::path::Path) -> Result<SecretManager, super::Failure> {
    let root = root.to_path_buf();
    let mut options = crate::secrets::Options::new(&root);
    options.credentials = credentials();
    options.wrangler_path = super::wrangler_for(&root);
    Ok(SecretManager::new(options))
}

/// What `secrets generate` makes: the project's declared secrets, and the standard ten when asked.
fn declared_secrets(root: &std::path::Path, environment: &str, standard: bool) -> Result<GenerateOptions, super::Failure> {
    let root = root.to_path_buf();
    let settings = crate::service::settings::Settings::load(&root)?;
    let config = crate::wrangler_config::discover_config(&root).map(|path| WranglerConfig::new(ConfigOptions::for_config_path(&path)).document()).transpose()?.flatten();
    let resolved = crate::domain_config::resolve_environment(&config.map(|d| d.value()).unwrap_or(Value::Null), environment);
    let declared = settings.declared_secrets(&root, &resolved, environment);
    let standard = standard || settings.standard_secrets;
    if declared.is_empty() && !standard {
        return Err(super::Failure::Usage(format!(
            "{} declares no secrets (.dev.vars.example, secrets.required in its config, or clodo.json \"secrets\"): declare them, or pass --standard-secrets for clodo's ten",
            root.display()
        )));
    }
    Ok(crate::service::settings::generate_options(&declared, standard))
}

/// What may be shown of a secrets result: names and counts, never values.
fn without_values(mut result: Value) -> Value {
    if let Some(secrets) = result.get("secrets").and_then(Value::as_object) {
        let names: Vec<&String> = secrets.keys().collect();
        result["secrets"] = json!(names);
    }
    result
}

pub fn secrets(out: &Output, scope: &Scope, command: SecretsCommand) -> Outcome {
    let root = absolute(&scope.path)?;
    // Pushing acts on Cloudflare; the rest reads and writes the local store.
    let environment = scope.environment(matches!(command, SecretsCommand::Push { .. } | SecretsCommand::Rotate { push: true, .. }));
    let manager = secret_manager(&root)?;
    let result = match &command {
        SecretsCommand::Generate { domain, standard_secrets } => manager.generate(domain, &environment, &declared_secrets(&root, &environment, *standard_secrets)?)?,
        SecretsCommand::Push { domain } => {
            let stored = manager.load(domain, &environment)?.ok_or_else(|| {
                crate::error::Error::SecretStore(format!("no stored secrets for {domain} ({environment}): run `clodo secrets generate {domain}` first"))
            })?;
            let secrets: IndexMap<String, String> = serde_json::from_value(stored["secrets"].clone()).unwrap_or_default();
            manager.deploy(domain, &environment, &secrets)?
        }
        SecretsCommand::Rotate { domain, names, push } => manager.rotate(domain, &environment, names, *push)?,
        SecretsCommand::List { domain } => {
            let stored = manager.load(domain, &environment)?.unwrap_or(json!({"secrets": {}}));
            json!({"domain": domain, "environment": environment, "secrets": stored["secrets"]})
        }
    };
    let shown = without_values(result);
    out.result(&shown, |r| {
        let names: Vec<String> = r["secrets"].as_array().or(r["deployed"].as_array()).into_iter().flatten().filter_map(|n| n.as_str().map(str::to_owned)).collect();
        format!("{} ({environment}): {}", r["domain"].as_str().unwrap_or_default(), names.join(", "))
    });
    Ok(OK)
}

pub fn customers(out: &Output, scope: &Scope, command: CustomersCommand) -> Outcome {
    let (path, environment) = (&scope.path, scope.environment(false));
    match command {
        CustomersCommand::Secure => {
            let records = CustomerRecords::for_project(Some(&absolute(path)?), None, false);
            let report = crate::customer_records::secure::secure(&records)?;
            let moved = report.iter().filter(|r| r.outcome == "moved").count();
            out.result(&json!({"records": report, "moved": moved}), |_| {
                let lines: Vec<String> = report.iter().map(|r| format!("  {}/{}: {}", r.customer, r.environment, r.outcome)).collect();
                match lines.is_empty() {
                    true => "no record holds a plain-text token".to_owned(),
                    false => format!("{moved} token(s) moved into clodo's token store:\n{}", lines.join("\n")),
                }
            });
            Ok(if moved == report.len() { OK } else { FAILURE })
        }
        CustomersCommand::List => {
            let records = CustomerRecords::for_project(Some(&absolute(path)?), None, false);
            let all = records.list_records()?;
            let rows: Vec<Value> = all.iter().map(|r| json!({"customer": r.customer, "environment": r.environment, "status": r.status.as_str(), "reasons": r.reasons, "path": r.path})).collect();
            out.result(&json!({"records": rows}), |d| {
                let rows: Vec<Vec<String>> = d["records"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        let reasons: Vec<&str> = r["reasons"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                        vec![r["customer"].as_str().unwrap_or_default().into(), r["environment"].as_str().unwrap_or_default().into(), r["status"].as_str().unwrap_or_default().into(), reasons.join("; ")]
                    })
                    .collect();
                table(&["customer", "environment", "status", "why"], &rows)
            });
            Ok(OK)
        }
        CustomersCommand::Save { customer, domain, account_id, zone_id, service_name, service_type } => {
            if let Some(d) = &domain {
                crate::domain_config::check_domain(d)?;
            }
            let records = CustomerRecords::for_project(Some(&absolute(path)?), None, false);
            let fields = [("domainName", domain), ("cloudflareAccountId", account_id), ("cloudflareZoneId", zone_id), ("serviceName", service_name), ("serviceType", service_type)];
            let changes: serde_json::Map<String, Value> = fields.into_iter().filter_map(|(k, v)| Some((k.to_owned(), json!(v?)))).collect();
            let saved = records.update(&customer, &environment, &Value::Object(changes.clone()))?;
            let found = records.inspect(&customer, &environment)?;
            let document = json!({"customer": customer, "environment": environment, "path": saved, "changed": changes.keys().collect::<Vec<_>>(), "status": found.status.as_str(), "reasons": found.reasons});
            out.result(&document, |d| format!("saved {} ({}): {}", d["path"].as_str().unwrap_or_default(), d["status"].as_str().unwrap_or_default(), found.reasons.join("; ")));
            Ok(OK)
        }
        CustomersCommand::Show { customer } => {
            let records = CustomerRecords::for_project(Some(&absolute(path)?), None, false);
            let found = records.inspect(&customer, &environment)?;
            let record: Value = found.record.as_ref().and_then(|r| serde_json::from_str(&r.json).ok()).unwrap_or(Value::Null);
            // The standard object says what a ready record holds; one still incomplete says what it lacks.
            let text = match found.record.is_some() {
                true => records.display_text(&customer, &environment)?,
                false => format!("{customer} ({environment}) is {}: {}\n{}", found.status.as_str(), found.reasons.join("; "), found.path.display()),
            };
            let document = json!({
                "customer": customer, "environment": environment, "status": found.status.as_str(), "path": found.path,
                "missingFields": found.missing_fields, "reasons": found.reasons, "record": record,
            });
            out.result(&document, |_| text.clone());
            // A record that is missing or not ready is not a success.
            Ok(if found.record.is_some() { OK } else { FAILURE })
        }
    }
}
