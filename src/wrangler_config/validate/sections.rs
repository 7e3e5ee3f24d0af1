//! Checks of the sections with shapes of their own: vars, define, secrets,
//! unsafe, tail consumers, placement, migrations, observability, cache,
//! python_modules and previews.

use serde_json::{Map, Value};

use super::bindings;
use super::shape::{Sink, at, dotted, is_date, is_record, js_type, nth};
use crate::document::Seg;

pub fn vars(s: &mut Sink, base: &[Seg], value: &Value, top: Option<&Value>) {
    let path = at(base, "vars");
    if js_type(value) != "object" || value.is_null() {
        s.wrong_type(&path, value, "a table of variables");
        return;
    }
    for (name, _) in value.as_object().into_iter().flatten().filter(|(_, v)| is_date(v)) {
        s.error("TOML_DATE", &at(&path, name), format!("vars.{name} is a TOML date, which wrangler refuses: quote it, as in {name} = \"2025-01-01\""));
    }
    missing_from_top(s, &path, "vars", value, top);
}

pub fn define(s: &mut Sink, base: &[Seg], value: &Value, top: Option<&Value>) {
    let path = at(base, "define");
    let Some(defines) = value.as_object().filter(|_| is_record(value)) else {
        if js_type(value) != "object" || value.is_null() {
            s.wrong_type(&path, value, "a table of replacements");
        }
        return;
    };
    for (name, v) in defines.iter().filter(|(_, v)| !v.is_string()) {
        s.wrong_type(&at(&path, name), v, "a string (the JavaScript expression to put in its place)");
    }
    missing_from_top(s, &path, "define", value, top);
    if let Some(top_defines) = top.and_then(|t| t.get("define")).and_then(Value::as_object).filter(|t| !t.is_empty()) {
        for name in defines.keys().filter(|n| !top_defines.contains_key(*n)) {
            s.warn("DEFINE_NOT_AT_TOP", &at(&path, name), format!(
                "define.{name} is only in this environment, but an environment's define can only override the top level's: add it to the top level's define, or remove it here"));
        }
    }
}

/// Names of `key` (vars or define) the top level has and this environment lacks.
fn missing_from_top(s: &mut Sink, path: &[Seg], key: &str, value: &Value, top: Option<&Value>) {
    let (Some(here), Some(top_map)) = (value.as_object(), top.and_then(|t| t.get(key)).and_then(Value::as_object)) else { return };
    for name in top_map.keys().filter(|n| !here.contains_key(*n)) {
        s.warn("NON_INHERITED_VAR", path, format!(
            "{key}.{name} is set at the top level but not here: environments do not inherit {key}, so this environment runs without it; add {name} to {}", dotted(path)));
    }
}

pub fn secrets(s: &mut Sink, path: &[Seg], value: &Value) {
    let Some(obj) = value.as_object().filter(|_| is_record(value)) else {
        s.wrong_type(path, value, "a table with \"required\"");
        return;
    };
    s.unexpected(path, obj, &["required"]);
    s.optional_array_of(&at(path, "required"), obj.get("required"), "string");
}

pub fn unsafe_section(s: &mut Sink, base: &[Seg], value: &Value, top: Option<&Value>) {
    let path = at(base, "unsafe");
    let Some(obj) = value.as_object().filter(|_| is_record(value)) else {
        s.wrong_type(&path, value, "a table");
        return;
    };
    if obj.get("bindings").is_some() && !bindings::check_binding_table(s, base, "unsafe", value, top) {
        return;
    }
    if let Some(m) = obj.get("metadata").filter(|m| !is_record(m)) {
        s.wrong_type(&at(&path, "metadata"), m, "a table");
        return;
    }
    if let Some(capnp) = obj.get("capnp") {
        let cp = at(&path, "capnp");
        let Some(c) = capnp.as_object().filter(|_| is_record(capnp)) else {
            s.wrong_type(&cp, capnp, "a table");
            return;
        };
        if c.contains_key("compiled_schema") {
            if c.contains_key("base_path") || c.contains_key("source_schemas") {
                s.error("MUTUALLY_EXCLUSIVE", &cp, "unsafe.capnp sets compiled_schema with base_path or source_schemas: keep one way".into());
                return;
            }
            if !s.optional(&at(&cp, "compiled_schema"), c.get("compiled_schema"), "string") {
                return;
            }
        } else {
            s.required(&at(&cp, "base_path"), c.get("base_path"), "string");
            match c.get("source_schemas") {
                Some(v) => {
                    if !s.array_of(&at(&cp, "source_schemas"), v, "string") {
                        return;
                    }
                }
                None => {
                    s.error("REQUIRED_FIELD", &at(&cp, "source_schemas"), "unsafe.capnp needs source_schemas, an array of paths".into());
                    return;
                }
            }
        }
    }
    s.unexpected(&path, obj, &["bindings", "metadata", "capnp"]);
}

pub fn tail_consumers(s: &mut Sink, path: &[Seg], value: &Value, streaming: bool) {
    if value.is_null() || value == &Value::Bool(false) || value.as_str() == Some("") {
        return;
    }
    let Some(list) = value.as_array() else {
        s.wrong_type(path, value, "an array of tables with \"service\"");
        return;
    };
    for (i, c) in list.iter().enumerate() {
        let cp = nth(path, i);
        let object = if streaming { c.as_object().filter(|_| is_record(c)) } else { c.as_object() };
        let Some(o) = object else {
            s.wrong_type(&cp, c, "a table with \"service\"");
            continue;
        };
        if s.required(&at(&cp, "service"), o.get("service"), "string") && !streaming {
            s.optional(&at(&cp, "environment"), o.get("environment"), "string");
        }
    }
}

pub fn placement(s: &mut Sink, path: &[Seg], value: &Value) {
    let Some(p) = value.as_object() else { return };
    let has = |k: &str| p.contains_key(k);
    let targeted: Vec<&str> = ["region", "host", "hostname"].into_iter().filter(|k| has(k)).collect();
    let mode = at(path, "mode");
    if has("hint") && !targeted.is_empty() {
        s.error("MUTUALLY_EXCLUSIVE", path, "placement sets \"hint\" (smart placement) with region, host or hostname (targeted placement): keep one".into());
    } else if has("hint") {
        let ok = s.required(&mode, p.get("mode"), "string") && s.one_of(&mode, p.get("mode"), &["off", "smart"]);
        let hint = p.get("hint").unwrap_or(&Value::Null);
        if !hint.is_string() && !hint.is_null() {
            s.wrong_type(&at(path, "hint"), hint, "a string");
        }
        let truthy = hint.as_str().is_some_and(|h| !h.is_empty()) || !(hint.is_string() || hint.is_null());
        if ok && truthy && p.get("mode").and_then(Value::as_str) != Some("smart") {
            s.error("INVALID_VALUE", &at(path, "hint"), "placement.hint only applies with mode = \"smart\": set the mode or remove the hint".into());
        }
    } else if !targeted.is_empty() {
        let _ = s.optional(&mode, p.get("mode"), "string") && s.one_of(&mode, p.get("mode"), &["off", "targeted"]);
        for k in &targeted {
            s.optional(&at(path, k), p.get(*k), "string");
        }
        if targeted.len() > 1 {
            s.error("MUTUALLY_EXCLUSIVE", path, format!("placement sets {}: they exclude each other, keep one", targeted.join(", ")));
        }
    } else {
        let _ = s.required(&mode, p.get("mode"), "string") && s.one_of(&mode, p.get("mode"), &["off", "smart", "targeted"]);
    }
}

pub fn migrations(s: &mut Sink, path: &[Seg], value: &Value) {
    if value.is_null() {
        return;
    }
    let Some(list) = value.as_array() else {
        s.wrong_type(path, value, "an array of migration tables");
        return;
    };
    let known = ["tag", "new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes", "transferred_classes"];
    for (i, m) in list.iter().enumerate() {
        let mp = nth(path, i);
        let empty = Map::new();
        let o = m.as_object().unwrap_or(&empty);
        s.unexpected(&mp, o, &known);
        s.required(&at(&mp, "tag"), o.get("tag"), "string");
        for k in ["new_classes", "new_sqlite_classes", "deleted_classes"] {
            s.optional_array_of(&at(&mp, k), o.get(k), "string");
        }
        for (k, fields) in [("renamed_classes", &["from", "to"][..]), ("transferred_classes", &["from", "from_script", "to"][..])] {
            let Some(v) = o.get(k) else { continue };
            let ok = v.as_array().is_some_and(|l| l.iter().all(|c| fields.iter().all(|f| c.get(*f).is_some_and(Value::is_string))));
            if !ok {
                s.wrong_type(&at(&mp, k), v, &format!("an array of tables with {}", fields.join(", ")));
            }
        }
    }
}

pub fn observability(s: &mut Sink, path: &[Seg], value: &Value) {
    let Some(o) = value.as_object().filter(|_| is_record(value)) else {
        if js_type(value) != "object" {
            s.wrong_type(path, value, "a table with \"enabled\"");
        }
        return;
    };
    let switches = [(at(path, "enabled"), o.get("enabled")), (at(&at(path, "logs"), "enabled"), o.get("logs").and_then(|l| l.get("enabled"))),
        (at(&at(path, "traces"), "enabled"), o.get("traces").and_then(|t| t.get("enabled")))];
    if switches.iter().all(|(_, v)| v.is_none()) {
        s.error("REQUIRED_FIELD", &at(path, "enabled"), "observability needs enabled, logs.enabled or traces.enabled (true or false)".into());
    } else if !switches.iter().any(|(_, v)| v.is_some_and(Value::is_boolean)) {
        for (p, v) in switches.iter().filter(|(_, v)| v.is_some()) {
            s.optional(p, *v, "boolean");
        }
    }
    s.optional(&at(path, "head_sampling_rate"), o.get("head_sampling_rate"), "number");
    s.optional(&at(path, "logs"), o.get("logs"), "object");
    s.optional(&at(path, "traces"), o.get("traces"), "object");
    s.unexpected(path, o, &["enabled", "head_sampling_rate", "logs", "traces"]);
    for (part, known) in [("logs", &["enabled", "head_sampling_rate", "invocation_logs", "destinations", "persist"][..]), ("traces", &["enabled", "head_sampling_rate", "destinations", "persist"][..])] {
        let Some(section) = o.get(part).and_then(Value::as_object) else { continue };
        let pp = at(path, part);
        for (k, t) in [("enabled", "boolean"), ("head_sampling_rate", "number"), ("invocation_logs", "boolean"), ("persist", "boolean")] {
            if known.contains(&k) {
                s.optional(&at(&pp, k), section.get(k), t);
            }
        }
        s.optional_array_of(&at(&pp, "destinations"), section.get("destinations"), "string");
        s.unexpected(&pp, section, known);
    }
    if let Some(rate) = o.get("head_sampling_rate").and_then(Value::as_f64).filter(|r| !(0.0..=1.0).contains(r)) {
        s.error("INVALID_VALUE", &at(path, "head_sampling_rate"), format!("observability.head_sampling_rate is {rate}: use a value between 0 and 1"));
    }
}

pub fn cache(s: &mut Sink, path: &[Seg], value: &Value) {
    let Some(o) = value.as_object() else {
        if js_type(value) != "object" || value.is_null() {
            s.wrong_type(path, value, "a table with \"enabled\"");
        }
        return;
    };
    s.required(&at(path, "enabled"), o.get("enabled"), "boolean");
    s.unexpected(path, o, &["enabled"]);
}

pub fn python_modules(s: &mut Sink, path: &[Seg], value: &Value) {
    let Some(o) = value.as_object().filter(|_| is_record(value)) else {
        s.wrong_type(path, value, "a table with \"exclude\"");
        return;
    };
    s.optional_array_of(&at(path, "exclude"), o.get("exclude"), "string");
}

const PREVIEW_KEYS: &[&str] = &[
    "vars", "define", "durable_objects", "workflows", "kv_namespaces", "send_email", "queues", "d1_databases", "r2_buckets", "vectorize",
    "hyperdrive", "services", "analytics_engine_datasets", "dispatch_namespaces", "mtls_certificates", "tail_consumers",
    "streaming_tail_consumers", "unsafe", "browser", "ai", "images", "stream", "media", "pipelines", "secrets_store_secrets", "artifacts",
    "unsafe_hello_world", "worker_loaders", "ratelimits", "vpc_services", "version_metadata", "logpush", "observability", "limits",
];

pub fn previews(s: &mut Sink, path: &[Seg], value: &Value) {
    let Some(o) = value.as_object().filter(|_| is_record(value)) else {
        s.wrong_type(path, value, "a table");
        return;
    };
    s.unexpected(path, o, PREVIEW_KEYS);
    for (k, v) in o {
        match k.as_str() {
            "vars" => vars(s, path, v, None),
            "define" => define(s, path, v, None),
            "tail_consumers" | "streaming_tail_consumers" => tail_consumers(s, &at(path, k), v, k == "streaming_tail_consumers"),
            "logpush" => {
                s.optional(&at(path, k), Some(v), "boolean");
            }
            "observability" => observability(s, &at(path, k), v),
            "limits" if v.is_object() => {
                for l in ["cpu_ms", "subrequests"] {
                    s.optional(&at(&at(path, k), l), v.get(l), "number");
                }
            }
            "unsafe" => unsafe_section(s, path, v, None),
            other if PREVIEW_KEYS.contains(&other) => {
                bindings::check_preview(s, path, other, v);
            }
            _ => {}
        }
    }
}
