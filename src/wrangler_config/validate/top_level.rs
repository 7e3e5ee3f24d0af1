//! What wrangler checks only at the top level (dev, site, alias, module
//! paths, unknown keys), and the binding names of each environment's
//! effective config, which must all differ.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::bindings::names_of;
use super::environment::{NOT_INHERITED, is_environment_key};
use super::shape::{Sink, at, is_record};
use crate::document::Seg;

/// Keys wrangler accepts at the top level besides an environment's.
const TOP_ONLY: &[&str] = &[
    "env", "$schema", "legacy_env", "send_metrics", "keep_vars", "pages_build_output_dir", "dev", "site", "alias", "wasm_modules", "text_blobs",
    "data_blobs", "configPath", "userConfigPath", "topLevelName", "definedEnvironments", "targetEnvironment",
];

pub fn check(s: &mut Sink, top: &Map<String, Value>) {
    for k in ["legacy_env", "send_metrics", "keep_vars"] {
        s.optional(&[Seg::Key(k.into())], top.get(k), "boolean");
    }
    for k in ["pages_build_output_dir", "$schema"] {
        s.optional(&[Seg::Key(k.into())], top.get(k), "string");
    }
    if top.get("legacy_env") == Some(&Value::Bool(false)) {
        s.warn("DEPRECATED_FIELD", &[Seg::Key("legacy_env".into())], "legacy_env = false turns on service environments, which are deprecated and will be removed: delete it".into());
    }
    if let Some(dev) = top.get("dev") {
        dev_section(s, dev);
    }
    if let Some(site) = top.get("site") {
        site_section(s, site, top);
    }
    if let Some(alias) = top.get("alias") {
        match alias.as_object().filter(|_| is_record(alias)) {
            None => s.wrong_type(&[Seg::Key("alias".into())], alias, "a table of module names to replacements"),
            Some(map) => {
                for (k, v) in map {
                    s.optional(&at(&[Seg::Key("alias".into())], k), Some(v), "string");
                }
            }
        }
    }
    for k in ["wasm_modules", "text_blobs", "data_blobs"] {
        for (name, path) in top.get(k).and_then(Value::as_object).into_iter().flatten() {
            s.optional(&at(&[Seg::Key(k.into())], name), Some(path), "string");
        }
    }
    if let Some(main) = top.get("main").and_then(Value::as_str).filter(|m| m.ends_with(".py")) {
        let flags = top.get("compatibility_flags").and_then(Value::as_array);
        if !flags.is_some_and(|f| f.iter().any(|x| x == "python_workers")) {
            s.error("PYTHON_WORKERS_FLAG", &[Seg::Key("compatibility_flags".into())], format!("main is the Python module {main}: add \"python_workers\" to compatibility_flags"));
        }
    }
    s.unknown_fields(&[], top, |k| is_environment_key(k) || TOP_ONLY.contains(&k), None);
}

fn dev_section(s: &mut Sink, dev: &Value) {
    let base = [Seg::Key("dev".into())];
    let Some(d) = dev.as_object() else { return };
    let known = ["ip", "port", "inspector_port", "inspector_ip", "local_protocol", "upstream_protocol", "host", "enable_containers", "container_engine", "generate_types"];
    s.unexpected(&base, d, &known);
    for (k, t) in [("ip", "string"), ("port", "number"), ("inspector_port", "number"), ("inspector_ip", "string"), ("host", "string"),
        ("enable_containers", "boolean"), ("container_engine", "string"), ("generate_types", "boolean"), ("local_protocol", "string"), ("upstream_protocol", "string")] {
        s.optional(&at(&base, k), d.get(k), t);
    }
    for k in ["local_protocol", "upstream_protocol"] {
        if d.get(k).is_some_and(Value::is_string) {
            s.one_of(&at(&base, k), d.get(k), &["http", "https"]);
        }
    }
    let local = d.get("local_protocol").and_then(Value::as_str).filter(|p| !["http", "https"].contains(p));
    if let (Some(local), None) = (local, d.get("upstream_protocol")) {
        s.error("INVALID_VALUE", &at(&base, "upstream_protocol"), format!("dev.upstream_protocol defaults to local_protocol, \"{local}\", which is not http or https: fix local_protocol"));
    }
}

fn site_section(s: &mut Sink, site: &Value, top: &Map<String, Value>) {
    let base = [Seg::Key("site".into())];
    let empty = Map::new();
    let o = site.as_object().unwrap_or(&empty);
    s.unexpected(&base, o, &["bucket", "include", "exclude", "entry-point"]);
    s.required(&at(&base, "bucket"), o.get("bucket"), "string");
    for k in ["include", "exclude"] {
        s.optional_array_of(&at(&base, k), o.get(k), "string");
    }
    s.optional(&at(&base, "entry-point"), o.get("entry-point"), "string");
    let entry = o.get("entry-point");
    if entry.is_some() {
        s.warn("DEPRECATED_FIELD", &at(&base, "entry-point"), "site.entry-point is deprecated: delete it and set main to the worker's entry file".into());
    }
    let main = top.get("main").filter(|m| m.as_str() != Some(""));
    let entry_set = entry.filter(|e| e.as_str() != Some(""));
    match (main, entry_set) {
        (None, None) => s.warn("DEPRECATED_FIELD", &base, "[site] without main falls back to workers-site/index.js: set main = \"workers-site/index.js\"".into()),
        (Some(_), Some(_)) => s.error("MUTUALLY_EXCLUSIVE", &at(&base, "entry-point"), "main and site.entry-point both name the entry point: delete site.entry-point".into()),
        _ => {}
    }
}

/// Binding kinds whose names share one namespace in the worker's `env`.
const NAMED_KINDS: &[&str] = &[
    "data_blobs", "durable_objects", "kv_namespaces", "send_email", "queues", "d1_databases", "vectorize", "ai_search_namespaces", "ai_search",
    "hyperdrive", "r2_buckets", "logfwdr", "services", "analytics_engine_datasets", "text_blobs", "browser", "ai", "images", "stream", "media",
    "version_metadata", "unsafe", "vars", "wasm_modules", "dispatch_namespaces", "mtls_certificates", "workflows", "pipelines",
    "secrets_store_secrets", "artifacts", "ratelimits", "assets", "unsafe_hello_world", "flagship", "worker_loaders", "vpc_services", "vpc_networks",
];

/// Every binding name of an environment's effective config must be unique
/// (and `ASSETS` is reserved on Pages).
pub fn unique_names(s: &mut Sink, base: &[Seg], env: &Map<String, Value>, top: &Map<String, Value>) {
    let effective = |k: &str| -> Option<&Value> {
        let inherits = !NOT_INHERITED.contains(&k);
        let top_only = ["wasm_modules", "text_blobs", "data_blobs"].contains(&k);
        match top_only {
            true => top.get(k),
            false => env.get(k).or_else(|| if inherits { top.get(k) } else { None }),
        }
    };
    // Each name with the kinds using it, and whether the environment itself sets that kind.
    let mut by_name: BTreeMap<String, Vec<(&str, bool)>> = BTreeMap::new();
    let pages = top.contains_key("pages_build_output_dir");
    for kind in NAMED_KINDS {
        let Some(value) = effective(kind) else { continue };
        let value = if *kind == "queues" { value.get("producers").unwrap_or(&Value::Null) } else { value };
        let own = env.contains_key(*kind);
        for name in names_of(value) {
            if name == "ASSETS" && pages {
                s.error("RESERVED_NAME", &at(if own { base } else { &[] }, kind), format!("the binding name ASSETS is reserved in Pages projects: rename the {kind} binding"));
            }
            by_name.entry(name).or_default().push((kind, own));
        }
    }
    if let Some(required) = effective("secrets").and_then(|v| v.get("required")).and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            by_name.entry(name.into()).or_default().push(("secrets", true));
        }
    }
    for (name, uses) in by_name.into_iter().filter(|(_, u)| u.len() > 1) {
        let kinds: Vec<&str> = uses.iter().map(|(k, _)| *k).collect();
        let (kind, own) = uses[1];
        s.error("DUPLICATE_BINDING", &at(if own { base } else { &[] }, kind), format!("binding name \"{name}\" is used more than once ({}): each binding needs its own name", kinds.join(", ")));
    }
}
