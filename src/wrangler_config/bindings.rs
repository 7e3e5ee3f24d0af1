//! Binding edits for every kind wrangler 4 knows: add (an upsert by binding
//! name), remove and list, for one environment, the top level, or the top
//! level and every `[env.*]` at once (`"*"`: bindings are not inherited).
//! Edits keep every other byte of the file; an edit that would make the
//! config fail wrangler's checks is refused and leaves the file as it was.

use serde_json::{Map, Value, json};

use super::{WranglerConfig, snake_case};
use crate::document::{Document, Placement, Seg, key};
use crate::error::{Error, Result};

/// Every environment at once, the top level included.
pub const EVERY_ENVIRONMENT: &str = "*";

/// One kind of binding: where its entries live, the field that names it, and the fields wrangler needs.
pub struct Kind {
    pub name: &'static str,
    /// The config path of its list (or, for a single binding, its object).
    pub path: &'static [&'static str],
    /// `binding`, or `name` for the kinds wrangler names so.
    pub name_field: &'static str,
    pub required: &'static [&'static str],
    /// One per environment (`ai`, `browser`, …), not a list.
    pub single: bool,
}

const fn list(name: &'static str, path: &'static [&'static str], name_field: &'static str, required: &'static [&'static str]) -> Kind {
    Kind { name, path, name_field, required, single: false }
}

const fn single(name: &'static str, path: &'static [&'static str]) -> Kind {
    Kind { name, path, name_field: "binding", required: &[], single: true }
}

/// The kinds, with the fields wrangler 4.86's config reader requires of each entry.
pub const KINDS: &[Kind] = &[
    list("d1", &["d1_databases"], "binding", &[]),
    list("kv", &["kv_namespaces"], "binding", &[]),
    list("r2", &["r2_buckets"], "binding", &[]),
    list("durable_object", &["durable_objects", "bindings"], "name", &["class_name"]),
    list("service", &["services"], "binding", &["service"]),
    list("queue", &["queues", "producers"], "binding", &["queue"]),
    list("vectorize", &["vectorize"], "binding", &["index_name"]),
    list("hyperdrive", &["hyperdrive"], "binding", &["id"]),
    list("analytics_engine", &["analytics_engine_datasets"], "binding", &[]),
    list("mtls_certificate", &["mtls_certificates"], "binding", &["certificate_id"]),
    list("dispatch_namespace", &["dispatch_namespaces"], "binding", &["namespace"]),
    list("send_email", &["send_email"], "name", &[]),
    list("workflow", &["workflows"], "binding", &["name", "class_name"]),
    list("pipeline", &["pipelines"], "binding", &["pipeline"]),
    list("ratelimit", &["ratelimits"], "name", &["namespace_id", "simple"]),
    list("secrets_store_secret", &["secrets_store_secrets"], "binding", &["store_id", "secret_name"]),
    list("vpc_service", &["vpc_services"], "binding", &["service_id"]),
    list("worker_loader", &["worker_loaders"], "binding", &[]),
    single("ai", &["ai"]),
    single("browser", &["browser"]),
    single("images", &["images"]),
    single("version_metadata", &["version_metadata"]),
];

pub fn kind(name: &str) -> Result<&'static Kind> {
    KINDS.iter().find(|k| k.name == name).ok_or_else(|| {
        let known: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        Error::invalid(format!("Unknown binding kind {name:?}: use one of {}", known.join(", ")))
    })
}

/// The entry a spec makes: its keys in snake_case, the binding's name valid, every required field there.
fn entry(kind: &Kind, spec: &Value) -> Result<(String, Map<String, Value>)> {
    let spec = spec.as_object().ok_or_else(|| Error::invalid(format!("A {} binding must be an object like {{ {}: \"NAME\" }}", kind.name, kind.name_field)))?;
    let entry: Map<String, Value> = spec.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (snake_case(k), v.clone())).collect();
    let name = entry.get(kind.name_field).and_then(Value::as_str).unwrap_or_default().to_owned();
    if name.is_empty() {
        return Err(Error::invalid(format!("A {} binding needs {}: the name the worker reaches it by", kind.name, kind.name_field)));
    }
    crate::d1::names::binding(&name)?;
    for field in kind.required {
        let present = match &entry.get(*field) {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(_) => true,
            None => false,
        };
        if !present {
            return Err(Error::invalid(format!("The {} binding {name} needs {field}", kind.name)));
        }
    }
    Ok((name, entry))
}

/// One binding as `listBindings` gives it: its kind, its name and its entry's fields.
pub fn listed(kind: &Kind, entry: &Value) -> Value {
    let mut out = json!({"kind": kind.name, "binding": entry[kind.name_field]});
    if let (Some(out), Some(fields)) = (out.as_object_mut(), entry.as_object()) {
        out.extend(fields.iter().filter(|(k, _)| k.as_str() != kind.name_field).map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

impl WranglerConfig {
    /// Adds a binding of `kind`, or updates the one of the same name, in the environment (`"*"`: the top level and
    /// every environment). A Durable Object of this worker also gets a migration that creates its class. True
    /// when the file changed (false: it had the binding as asked).
    pub fn add_binding(&self, environment: Option<&str>, kind_name: &str, spec: &Value) -> Result<bool> {
        let kind = kind(kind_name)?;
        let (name, entry) = entry(kind, spec)?;
        self.put_binding(environment, kind, &name, &entry, |e| e[kind.name_field] == name.as_str())
    }

    /// Puts `entry` in the environment's list of `kind`, over the entry `same` picks when there is one; refused,
    /// the file untouched, when the result would fail wrangler's checks where it passed before.
    pub(super) fn put_binding(&self, environment: Option<&str>, kind: &Kind, name: &str, entry: &Map<String, Value>, same: impl Fn(&Value) -> bool) -> Result<bool> {
        self.check_environment(environment)?;
        let config_dir = self.config_path().parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        self.edit(&self.options.config_path, super::Seed::Defaults, |doc, _| {
            let before = super::validate::errors_of(doc, &config_dir);
            let text_before = doc.render();
            for target in self.targets(doc, environment) {
                if !target.is_empty() && !doc.has(&target) {
                    let top_name = doc.get(&[key("name")]).unwrap_or_else(|| json!("worker"));
                    doc.set(&[target.clone(), vec![key("name")]].concat(), &top_name);
                }
                upsert(doc, &target, kind, entry, &same);
            }
            if kind.name == "durable_object" && entry.get("script_name").is_none() {
                add_class_migration(doc, entry["class_name"].as_str().unwrap_or_default());
            }
            let after = super::validate::errors_of(doc, &config_dir);
            let new: Vec<&String> = after.iter().filter(|e| !before.contains(e)).collect();
            if let Some(first) = new.first() {
                return Err(Error::invalid(format!("the {} binding {name} would make the config invalid: {first}", kind.name)));
            }
            self.note(format!("added or updated {} binding {name}", kind.name));
            Ok(doc.render() != text_before)
        })
    }

    /// Removes the binding of `kind` called `name` from the environment (`"*"`: from everywhere); false (the file
    /// untouched) when there is none.
    pub fn remove_binding(&self, environment: Option<&str>, kind_name: &str, name: &str) -> Result<bool> {
        let kind = kind(kind_name)?;
        self.check_environment(environment)?;
        if !self.exists() {
            return Ok(false);
        }
        self.edit(&self.options.config_path, super::Seed::Empty, |doc, _| {
            let mut removed = false;
            for target in self.targets(doc, environment) {
                let path: Vec<Seg> = [target, kind.path.iter().map(|p| key(p)).collect()].concat();
                if kind.single {
                    if doc.get(&path).is_some_and(|v| v[kind.name_field] == name) {
                        removed |= doc.remove(&path);
                    }
                    continue;
                }
                let entries = doc.get(&path).and_then(|v| v.as_array().cloned()).unwrap_or_default();
                for (i, _) in entries.iter().enumerate().rev().filter(|(_, e)| e[kind.name_field] == name) {
                    removed |= doc.remove(&[path.clone(), vec![Seg::Index(i)]].concat());
                }
            }
            Ok(removed)
        })
    }

    /// Every binding of every kind the environment has (bindings are not inherited: the top level's are not an
    /// environment's).
    pub fn list_bindings(&self, environment: Option<&str>) -> Result<Vec<Value>> {
        let doc = self.document_or_empty()?;
        let target = self.env_target(&doc, environment);
        let mut out = vec![];
        for kind in KINDS {
            let found = doc.get(&[target.clone(), kind.path.iter().map(|p| key(p)).collect()].concat());
            match (kind.single, found) {
                (true, Some(entry)) if entry.is_object() => out.push(listed(kind, &entry)),
                (false, Some(Value::Array(entries))) => out.extend(entries.iter().map(|e| listed(kind, e))),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Adds a cron trigger unless the schedule is there: at the top level (environments inherit `triggers`),
    /// and in each environment that has triggers of its own when `environment` is `"*"`. True when added.
    pub fn add_cron(&self, environment: Option<&str>, schedule: &str) -> Result<bool> {
        self.check_environment(environment)?;
        let config_dir = self.config_path().parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        self.edit(&self.options.config_path, super::Seed::Defaults, |doc, _| {
            let before = super::validate::errors_of(doc, &config_dir);
            let mut added = false;
            for target in self.targets(doc, environment) {
                let own = target.is_empty() || environment != Some(EVERY_ENVIRONMENT) || doc.has(&[target.clone(), vec![key("triggers")]].concat());
                let crons: Vec<Seg> = [target, vec![key("triggers"), key("crons")]].concat();
                if !own || doc.get(&crons).and_then(|c| c.as_array().cloned()).unwrap_or_default().iter().any(|c| c == schedule) {
                    continue;
                }
                doc.push(&crons, &json!(schedule), Placement::End);
                added = true;
            }
            let after = super::validate::errors_of(doc, &config_dir);
            match after.iter().find(|e| !before.contains(e)) {
                Some(error) => Err(Error::invalid(format!("the cron trigger {schedule:?} would make the config invalid: {error}"))),
                None => Ok(added),
            }
        })
    }

    fn check_environment(&self, environment: Option<&str>) -> Result<()> {
        match environment {
            Some(env) if env != EVERY_ENVIRONMENT && !env.is_empty() => super::check_env_name(env),
            _ => Ok(()),
        }
    }

    /// The sections an edit goes to: one environment's, or the top level and every `[env.*]` for `"*"`.
    fn targets(&self, doc: &Document, environment: Option<&str>) -> Vec<Vec<Seg>> {
        if environment != Some(EVERY_ENVIRONMENT) {
            return vec![self.env_target(doc, environment)];
        }
        let envs = doc.get(&[key("env")]).and_then(|e| e.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>())).unwrap_or_default();
        std::iter::once(vec![]).chain(envs.iter().map(|e| vec![key("env"), key(e)])).collect()
    }
}

/// Sets the entry at `target`: replaces the single binding, updates the list's entry `same` picks field by
/// field, or adds it where it leaves the other lines as they are.
fn upsert(doc: &mut Document, target: &[Seg], kind: &Kind, entry: &Map<String, Value>, same: impl Fn(&Value) -> bool) {
    let path: Vec<Seg> = [target.to_vec(), kind.path.iter().map(|p| key(p)).collect()].concat();
    if kind.single {
        doc.set(&path, &Value::Object(entry.clone()));
        return;
    }
    let entries = doc.get(&path).and_then(|v| v.as_array().cloned()).unwrap_or_default();
    match entries.iter().position(same) {
        Some(i) => {
            for (k, v) in entry {
                doc.set(&[path.clone(), vec![Seg::Index(i), key(k)]].concat(), v);
            }
        }
        None => doc.push(&path, &Value::Object(entry.clone()), Placement::AnyOrder),
    }
}

/// A Durable Object class of this worker needs a migration that creates it before it can be deployed: one with
/// the next `v<n>` tag, as a SQLite class (Cloudflare's default for new classes), unless a migration names it.
fn add_class_migration(doc: &mut Document, class_name: &str) {
    let migrations = doc.get(&[key("migrations")]).and_then(|m| m.as_array().cloned()).unwrap_or_default();
    let named = |m: &Value| ["new_classes", "new_sqlite_classes"].iter().any(|k| m[*k].as_array().is_some_and(|c| c.iter().any(|x| x == class_name)));
    if migrations.iter().any(named) {
        return;
    }
    let tag = format!("v{}", migrations.len() + 1);
    doc.push(&[key("migrations")], &json!({"tag": tag, "new_sqlite_classes": [class_name]}), Placement::End);
}
