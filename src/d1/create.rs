//! Creating D1 databases: an existing database with exactly the name is
//! reused, the id comes from wrangler and is confirmed with `d1 list`, and
//! the binding is written into the config.

use std::path::Path;

use serde_json::{Value, json};

use super::{Orchestrator, names};
use crate::error::{Error, Result, WranglerFailure};
use crate::wrangler::Invocation;

pub const LOCATIONS: [&str; 6] = ["weur", "eeur", "apac", "oc", "wnam", "enam"];
pub const JURISDICTIONS: [&str; 2] = ["eu", "fedramp"];

#[derive(Default)]
pub struct CreateOptions<'a> {
    pub location: Option<&'a str>,
    pub jurisdiction: Option<&'a str>,
    /// Where the binding goes: an environment's section (default: top level).
    pub environment: Option<&'a str>,
    pub binding: Option<&'a str>,
    pub config: Option<&'a Path>,
}

impl Orchestrator {
    pub fn create_database(&self, name: &str, options: &CreateOptions) -> Result<Value> {
        names::database(name)?;
        if let Some(l) = options.location {
            names::one_of(l, "location", &LOCATIONS)?;
        }
        if let Some(j) = options.jurisdiction {
            names::one_of(j, "jurisdiction", &JURISDICTIONS)?;
        }
        if let Some(e) = options.environment {
            names::environment(e)?;
        }
        let binding = options.binding.unwrap_or("DB");
        names::binding(binding)?;
        let config = self.config_for(options.config);
        let mut extra = vec![];
        if let Some(l) = options.location {
            extra.extend(["--location", l]);
        }
        if let Some(j) = options.jurisdiction {
            extra.extend(["--jurisdiction", j]);
        }
        if self.options.dry_run {
            let (list, create) = self.create_invocations(config.config_path(), name, &extra);
            return Ok(json!({"status": "dry-run", "databaseName": name, "binding": binding, "commands": [list.display_argv(), create.display_argv()]}));
        }
        let (id, created) = self.ensure_database(config.config_path(), name, &extra)?;
        let binding_entry = json!({"binding": binding, "database_name": name, "database_id": id});
        config.add_database_binding(options.environment, &binding_entry)?;
        self.audit(
            if created { "DATABASE_CREATED" } else { "DATABASE_REUSED" },
            options.environment.unwrap_or("production"),
            json!({"databaseName": name, "databaseId": id, "binding": binding, "location": options.location, "jurisdiction": options.jurisdiction}),
        )?;
        Ok(json!({
            "status": if created { "created" } else { "exists" },
            "created": created,
            "databaseName": name,
            "databaseId": id,
            "binding": binding,
            "environment": options.environment,
            "configPath": config.config_path(),
        }))
    }

    fn create_invocations(&self, config: &Path, name: &str, extra: &[&str]) -> (Invocation, Invocation) {
        let list = self.account_invocation(config, &["d1", "list", "--json"]);
        let mut create = self.account_invocation(config, &[&["d1", "create", name, "--no-update-config"], extra].concat());
        create.idempotent = false;
        (list, create)
    }

    /// The id of the D1 database named exactly `name` (and whether it was
    /// created now): reused when the account has it, else created, and the
    /// id wrangler printed confirmed by `d1 list`.
    pub fn ensure_database(&self, config: &Path, name: &str, extra: &[&str]) -> Result<(String, bool)> {
        names::database(name)?;
        let (list, create) = self.create_invocations(config, name, extra);
        let (id, created) = match self.find_database(&list, name)? {
            Some(id) => (id, false),
            None => (self.create_once(&create, &list, name)?, true),
        };
        if created {
            // The id wrangler printed must be the one the account lists under that name.
            let listed = self.find_database(&list, name)?;
            if listed.as_deref() != Some(id.as_str()) {
                return Err(Error::VerificationFailed(format!(
                    "wrangler d1 create printed id {id} for {name}, but wrangler d1 list shows {}",
                    listed.as_deref().unwrap_or("no database of that name")
                )));
            }
        }
        Ok((id, created))
    }

    /// `d1 create` once. A transient failure may still have created it, so
    /// the list is checked before any new attempt.
    fn create_once(&self, create: &Invocation, list: &Invocation, name: &str) -> Result<String> {
        let runner = self.runner()?;
        let attempts = self.options.retry.attempts.max(1);
        for attempt in 1..=attempts {
            match runner.run(create) {
                Ok(outcome) => {
                    return database_id_in(&outcome.stdout).ok_or_else(|| Error::Wrangler {
                        kind: WranglerFailure::Other,
                        command: create.display_argv().join(" "),
                        message: format!("wrangler d1 create printed no database_id: {}", outcome.stdout.trim()),
                    });
                }
                Err(Error::Wrangler { kind: WranglerFailure::AlreadyExists, .. }) => {}
                Err(Error::Wrangler { kind, .. }) if kind.is_transient() && attempt < attempts => {
                    std::thread::sleep(self.options.retry.base_delay * attempt);
                }
                Err(e) => return Err(e),
            }
            if let Some(id) = self.find_database(list, name)? {
                return Ok(id);
            }
        }
        Err(Error::DatabaseNotFound(format!("D1 database {name} could not be created after {attempts} attempts")))
    }

    /// The id of the database named exactly `name`, from `d1 list --json`.
    fn find_database(&self, list: &Invocation, name: &str) -> Result<Option<String>> {
        let outcome = self.runner()?.run(list)?;
        let all: Value = serde_json::from_str(outcome.stdout.trim()).unwrap_or(Value::Null);
        Ok(all
            .as_array()
            .and_then(|dbs| dbs.iter().find(|db| db["name"] == name))
            .and_then(|db| db["uuid"].as_str().map(str::to_owned)))
    }

    fn account_invocation(&self, config: &Path, args: &[&str]) -> Invocation {
        let mut inv = Invocation::new(args.iter().map(|a| a.to_string()).collect(), config, &self.options.project_root);
        inv.timeout = self.options.execution_timeout;
        inv
    }
}

/// `database_id = "<uuid>"` (TOML snippet) or `"database_id": "<uuid>"` (JSON).
fn database_id_in(stdout: &str) -> Option<String> {
    let at = stdout.find("database_id")?;
    let rest = &stdout[at + "database_id".len()..];
    let value = rest.split('"').nth(if rest.trim_start().starts_with('"') { 2 } else { 1 })?;
    let looks_like_uuid = value.len() >= 32 && value.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    looks_like_uuid.then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_read_from_either_snippet() {
        let id = "0f2ad2b1-8d36-4a3c-9b5e-3c2e4ad5f6a7";
        assert_eq!(database_id_in(&format!("database_id = \"{id}\"\n")).as_deref(), Some(id));
        assert_eq!(database_id_in(&format!("\"database_id\": \"{id}\"\n")).as_deref(), Some(id));
        assert_eq!(database_id_in("database_id = \"not-an-id\""), None);
    }
}
