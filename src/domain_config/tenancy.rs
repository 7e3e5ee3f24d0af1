//! Tenancy: which D1 database each of a service's bindings reaches on one
//! domain. Every D1 binding, whatever its name, becomes the domain's own
//! database unless the service lists it in `sharedBindings`; a binding that
//! cannot be given its own database safely stops the render with an error,
//! never a silent share of the service's database.
//!
//! Names depend only on the domain, the environment and the binding, so
//! reordering or adding bindings never moves a domain onto another database:
//! `DB` → `<domain-dashed>-<env>-db`, `TEMP_MAIL_DB` →
//! `<domain-dashed>-<env>-temp-mail-db-db`. Bindings that point at the same
//! database in the service share one database on each domain too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::DomainSpec;
use crate::error::{Error, Result};

/// The binding whose database keeps the short name, and any `database_name` override.
pub const PRIMARY_BINDING: &str = "DB";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainDatabase {
    pub binding: String,
    /// The domain's own database, or the service's when shared.
    pub database_name: String,
    /// The real id (remote, once known); locally the name stands in for it.
    pub database_id: Option<String>,
    pub shared: bool,
    /// Where its migrations are, as the service's config says (default `migrations`).
    pub migrations_dir: PathBuf,
}

impl DomainDatabase {
    /// The id wrangler gets: the real one, else (locally) the name.
    pub fn id_or_name(&self) -> String {
        self.database_id.clone().unwrap_or_else(|| self.database_name.clone())
    }
}

/// The name of a domain's own database for `binding`.
pub fn own_database_name(spec: &DomainSpec, binding: &str) -> String {
    match binding == PRIMARY_BINDING {
        true => spec.database_name(),
        false => format!("{}-{}-{}-db", spec.domain.replace('.', "-"), spec.environment, binding.to_ascii_lowercase().replace('_', "-")),
    }
}

/// Every D1 binding of the resolved config, as this domain uses it.
pub fn databases(resolved: &Map<String, Value>, spec: &DomainSpec, service_dir: &Path) -> Result<Vec<DomainDatabase>> {
    let entries = match resolved.get("d1_databases") {
        None => return check_shared(resolved, spec).map(|_| vec![]),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(Error::invalid("d1_databases must be a list of bindings")),
    };
    check_shared(resolved, spec)?;
    // The service's database behind each binding, so two bindings of one database stay one.
    let mut own_by_original: BTreeMap<String, String> = BTreeMap::new();
    let mut out: Vec<DomainDatabase> = vec![];
    for entry in entries {
        let binding = entry["binding"].as_str().ok_or_else(|| Error::invalid("a d1_databases entry has no binding name"))?.to_owned();
        crate::d1::names::binding(&binding)?;
        let migrations_dir = service_dir.join(entry["migrations_dir"].as_str().unwrap_or("migrations"));
        if spec.shared_bindings.contains(&binding) {
            let database_name = entry["database_name"].as_str().unwrap_or_default().to_owned();
            out.push(DomainDatabase { database_id: entry["database_id"].as_str().map(str::to_owned), binding, database_name, shared: true, migrations_dir });
            continue;
        }
        if spec.local && entry["remote"] == true {
            return Err(Error::invalid(format!(
                "D1 binding {binding} is remote (remote = true): served locally, every domain would reach that one remote database. \
                 Remove remote from it, or list {binding} in clodo.json \"sharedBindings\" if every domain should share it"
            )));
        }
        let original = entry["database_id"].as_str().or(entry["database_name"].as_str()).map(str::to_owned);
        let database_name = match original.as_ref().and_then(|o| own_by_original.get(o)) {
            Some(name) => name.clone(),
            None => own_database_name(spec, &binding),
        };
        crate::d1::names::database(&database_name)
            .map_err(|e| Error::invalid(format!("the database of binding {binding} on {} would be {database_name:?}: {e}", spec.domain)))?;
        if let Some(clash) = out.iter().find(|d| !d.shared && d.database_name == database_name && original.as_ref().is_none_or(|o| own_by_original.get(o) != Some(&database_name))) {
            return Err(Error::invalid(format!(
                "D1 bindings {} and {binding} would both use the database {database_name}: rename one of them",
                clash.binding
            )));
        }
        if let Some(original) = original {
            own_by_original.insert(original, database_name.clone());
        }
        let database_id = spec.database_ids.get(&database_name).cloned();
        out.push(DomainDatabase { binding, database_name, database_id, shared: false, migrations_dir });
    }
    Ok(out)
}

/// Every name in `sharedBindings` is a D1, KV, R2 or queue producer binding of the config: a typo would
/// otherwise leave the binding the domain's own without a word.
fn check_shared(resolved: &Map<String, Value>, spec: &DomainSpec) -> Result<()> {
    let names = super::resources::binding_names(resolved);
    match spec.shared_bindings.iter().find(|shared| !names.contains(shared)) {
        Some(shared) => Err(Error::invalid(format!(
            "sharedBindings names {shared}, but the config has no D1, KV, R2 or queue producer binding of that name for {}: fix the name in clodo.json",
            spec.environment
        ))),
        None => Ok(()),
    }
}

/// The config's D1 entries pointed at the domain's databases: identity from
/// `databases`, every other setting (migrations_dir, migrations_table) kept.
pub fn apply(config: &mut Map<String, Value>, databases: &[DomainDatabase]) {
    let Some(entries) = config.get_mut("d1_databases").and_then(Value::as_array_mut) else { return };
    for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
        let Some(own) = databases.iter().find(|d| entry.get("binding") == Some(&Value::from(d.binding.as_str()))) else { continue };
        if own.shared {
            continue;
        }
        entry.insert("database_name".into(), own.database_name.clone().into());
        entry.insert("database_id".into(), own.id_or_name().into());
        // It names the service's preview database, which is not the domain's.
        entry.remove("preview_database_id");
        entry.remove("remote");
    }
}

/// The database whose name the worker gets as `DATABASE_NAME`: `DB`'s, else the first own one.
pub fn primary(databases: &[DomainDatabase]) -> Option<&DomainDatabase> {
    let own = || databases.iter().filter(|d| !d.shared);
    own().find(|d| d.binding == PRIMARY_BINDING).or_else(|| own().next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolved(d1: Value) -> Map<String, Value> {
        json!({"name": "svc", "d1_databases": d1}).as_object().cloned().unwrap()
    }

    fn spec() -> DomainSpec {
        DomainSpec::new("shop.example.com", "production", "svc")
    }

    #[test]
    fn every_binding_whatever_its_name_gets_the_domains_own_database() {
        let config = resolved(json!([
            {"binding": "database", "database_name": "prod", "database_id": "p-1", "preview_database_id": "prev"},
            {"binding": "TEMP_MAIL_DB", "database_name": "mail", "database_id": "m-1", "migrations_dir": "mail/migrations"},
        ]));
        let dbs = databases(&config, &spec(), Path::new("/svc")).unwrap();
        assert_eq!(dbs[0].database_name, "shop-example-com-production-database-db");
        assert_eq!(dbs[1].database_name, "shop-example-com-production-temp-mail-db-db");
        assert_eq!(dbs[1].migrations_dir, Path::new("/svc/mail/migrations"));
        let mut rendered = config.clone();
        apply(&mut rendered, &dbs);
        let entries = rendered["d1_databases"].as_array().unwrap();
        assert!(entries.iter().all(|e| e["database_id"] != "p-1" && e["database_id"] != "m-1"), "{entries:?}");
        assert!(entries[0].get("preview_database_id").is_none());
        assert_eq!(entries[1]["migrations_dir"], "mail/migrations");
        assert_eq!(primary(&dbs).unwrap().binding, "database");
    }

    #[test]
    fn names_do_not_depend_on_order_and_db_keeps_the_short_name() {
        let a = resolved(json!([{"binding": "DB", "database_name": "x"}, {"binding": "CACHE", "database_name": "y"}]));
        let b = resolved(json!([{"binding": "CACHE", "database_name": "y"}, {"binding": "DB", "database_name": "x"}]));
        let names = |c| -> BTreeMap<String, String> { databases(&c, &spec(), Path::new("/s")).unwrap().into_iter().map(|d| (d.binding, d.database_name)).collect() };
        assert_eq!(names(a.clone()), names(b));
        assert_eq!(names(a)["DB"], "shop-example-com-production-db");
    }

    #[test]
    fn shared_bindings_keep_the_service_database_and_two_bindings_of_one_database_stay_one() {
        let config = resolved(json!([
            {"binding": "DB", "database_name": "main", "database_id": "m"},
            {"binding": "READER", "database_name": "main", "database_id": "m"},
            {"binding": "ANALYTICS", "database_name": "stats", "database_id": "s"},
        ]));
        let spec = DomainSpec { shared_bindings: vec!["ANALYTICS".into()], ..spec() };
        let dbs = databases(&config, &spec, Path::new("/s")).unwrap();
        assert_eq!(dbs[0].database_name, dbs[1].database_name);
        assert!(dbs[2].shared && dbs[2].database_name == "stats");
        let mut rendered = config.clone();
        apply(&mut rendered, &dbs);
        assert_eq!(rendered["d1_databases"][2]["database_id"], "s");
    }

    #[test]
    fn what_cannot_be_made_the_domains_own_is_an_error() {
        let remote = resolved(json!([{"binding": "DB", "database_name": "x", "remote": true}]));
        let local = DomainSpec { local: true, ..spec() };
        assert!(databases(&remote, &local, Path::new("/s")).unwrap_err().to_string().contains("sharedBindings"));
        let typo = DomainSpec { shared_bindings: vec!["ANALYTIC".into()], ..spec() };
        assert!(databases(&remote, &typo, Path::new("/s")).unwrap_err().to_string().contains("ANALYTIC"));
        let clash = resolved(json!([{"binding": "Db_x", "database_name": "a"}, {"binding": "DB_X", "database_name": "b"}]));
        assert!(databases(&clash, &spec(), Path::new("/s")).unwrap_err().to_string().contains("rename one"));
    }
}
