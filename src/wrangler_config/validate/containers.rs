//! `containers` and `cloudchamber`, as wrangler checks them.

use std::path::Path;

use serde_json::{Map, Value};

use super::shape::{Sink, at, dotted, is_record, nth, shown};
use crate::document::Seg;

const INSTANCE_TYPES: &[&str] = &["lite", "basic", "standard-1", "standard-2", "standard-3", "standard-4", "dev", "standard"];

const KNOWN: &[&str] = &[
    "name", "instances", "max_instances", "image", "image_build_context", "image_vars", "class_name", "scheduling_policy", "instance_type",
    "ssh", "wrangler_ssh", "authorized_keys", "trusted_user_ca_keys", "configuration", "constraints", "affinities", "rollout_step_percentage",
    "rollout_kind", "durable_objects", "rollout_active_grace_period", "unsafe",
];

/// `worker_name` is the environment's own `name`: a container without a name
/// of its own is named after it, so an environment without one needs
/// `containers.name` (wrangler does not look at the top level's name there).
pub fn check(s: &mut Sink, path: &[Seg], value: &Value, worker_name: Option<&Value>, config_dir: &Path) {
    if value.is_null() || value == &Value::Bool(false) {
        return;
    }
    let Some(list) = value.as_array() else {
        s.wrong_type(path, value, "an array of container tables ([[containers]])");
        return;
    };
    for (i, c) in list.iter().enumerate() {
        let empty = Map::new();
        let app = c.as_object().unwrap_or(&empty);
        container(s, &nth(path, i), app, worker_name, config_dir);
    }
}

fn container(s: &mut Sink, path: &[Seg], app: &Map<String, Value>, worker_name: Option<&Value>, config_dir: &Path) {
    let field = |k: &str| at(path, k);
    s.required(&field("class_name"), app.get("class_name"), "string");
    s.optional(&field("name"), app.get("name"), "string");
    let named = app.get("name").is_some_and(|n| n.as_str().is_none_or(|n| !n.is_empty()));
    if !named && (worker_name.is_none_or(|n| n.as_str().is_some_and(str::is_empty)) || app.get("class_name").is_some_and(|c| !c.is_string())) {
        s.error("REQUIRED_FIELD", &field("name"), format!(
            "{} has no name and this environment has no worker name to derive one from: set containers.name, or name the worker here", dotted(path)));
    }
    let image = app.get("image").or_else(|| app.get("configuration").and_then(|c| c.get("image")));
    match image.and_then(Value::as_str).filter(|i| !i.is_empty()) {
        None => s.error("REQUIRED_FIELD", &field("image"), format!("{} needs an image: the path to a Dockerfile or a registry image with a tag", dotted(path))),
        Some(image) => {
            if let Err(why) = image_reference(image, config_dir) {
                s.error("CONTAINER_IMAGE", &field("image"), format!("image \"{image}\" {why}"));
            }
        }
    }
    if let Some(conf) = app.get("configuration") {
        s.warn("DEPRECATED_FIELD", &field("configuration"), "containers.configuration is deprecated: move image to containers.image and set limits with instance_type".into());
        match conf.as_object().filter(|_| is_record(conf)) {
            None => s.wrong_type(&field("configuration"), conf, "a table"),
            Some(c) => {
                if app.get("instance_type").is_some_and(|t| !t.is_null()) && ["disk", "vcpu", "memory_mib"].iter().any(|k| c.contains_key(*k)) {
                    s.error("MUTUALLY_EXCLUSIVE", &field("configuration"), "custom limits in containers.configuration and a preset instance_type exclude each other: keep one".into());
                }
                s.unexpected(&field("configuration"), c, &["image", "secrets", "labels", "disk", "vcpu", "memory_mib"]);
            }
        }
    }
    s.optional(&field("image_build_context"), app.get("image_build_context"), "string");
    rollout(s, path, app);
    s.one_of(&field("rollout_kind"), app.get("rollout_kind"), &["full_auto", "full_manual", "none"]);
    if let Some(g) = app.get("rollout_active_grace_period").filter(|g| g.as_f64().is_none_or(|n| n < 0.0)) {
        s.wrong_type(&field("rollout_active_grace_period"), g, "a positive number of seconds");
    }
    if s.optional(&field("max_instances"), app.get("max_instances"), "number") && app.get("max_instances").and_then(Value::as_f64).is_some_and(|n| n < 0.0) {
        s.error("INVALID_VALUE", &field("max_instances"), "containers.max_instances must not be negative".into());
    }
    s.optional(&field("image_vars"), app.get("image_vars"), "object");
    s.one_of(&field("scheduling_policy"), app.get("scheduling_policy"), &["regional", "moon", "default"]);
    for (old, new) in [("instances", "max_instances"), ("durable_objects", "class_name"), ("wrangler_ssh", "ssh")] {
        if app.contains_key(old) {
            s.warn("DEPRECATED_FIELD", &field(old), format!("containers.{old} is deprecated: use containers.{new}"));
        }
    }
    if let Some(u) = app.get("unsafe").filter(|u| u.is_array() || (!u.is_object() && !u.is_null() && u != &&Value::Bool(false))) {
        s.wrong_type(&field("unsafe"), u, "a table");
    }
    s.unexpected(path, app, KNOWN);
    ssh(s, path, app);
    constraints(s, path, app);
    instance_type(s, path, app);
}

/// Whether `image` names a Dockerfile that exists or a registry image with a tag.
fn image_reference(image: &str, config_dir: &Path) -> Result<(), String> {
    let file = config_dir.join(image);
    if file.is_dir() {
        return Err("is a directory: give the path of the Dockerfile itself".into());
    }
    if file.exists() {
        return Ok(());
    }
    if image.contains("://") {
        return Err("is neither a Dockerfile that exists nor a registry image: drop the protocol (docker.io/httpd:1, not https://docker.io/httpd:1)".into());
    }
    if !image.rsplit('/').next().is_some_and(|last| last.contains(':')) {
        return Err(format!("is neither a Dockerfile that exists (looked in {}) nor a registry image with a tag (such as docker.io/httpd:1)", config_dir.display()));
    }
    Ok(())
}

fn rollout(s: &mut Sink, path: &[Seg], app: &Map<String, Value>) {
    let p = at(path, "rollout_step_percentage");
    let Some(step) = app.get("rollout_step_percentage") else { return };
    match step {
        Value::Number(n) => {
            if ![5.0, 10.0, 20.0, 25.0, 50.0, 100.0].contains(&n.as_f64().unwrap_or(-1.0)) {
                s.error("INVALID_VALUE", &p, format!("{} is {n}: use one of 5, 10, 20, 25, 50 or 100", dotted(&p)));
            }
        }
        Value::Array(steps) => {
            let numbers: Vec<f64> = steps.iter().filter_map(Value::as_f64).collect();
            if numbers.len() != steps.len() {
                s.wrong_type(&p, step, "an array of numbers");
            } else if numbers.iter().any(|n| !(10.0..=100.0).contains(n)) || numbers.windows(2).any(|w| w[1] < w[0]) || numbers.last() != Some(&100.0) {
                s.error("INVALID_VALUE", &p, format!("{} {} must rise from at least 10 to a last step of 100", dotted(&p), shown(step)));
            }
            if let Some(max) = app.get("max_instances").and_then(Value::as_f64).filter(|m| (steps.len() as f64) > *m) {
                s.error("INVALID_VALUE", &p, format!("{} has {} steps, more than max_instances ({max})", dotted(&p), steps.len()));
            }
        }
        other => s.wrong_type(&p, other, "a number or an array of numbers"),
    }
}

fn ssh(s: &mut Sink, path: &[Seg], app: &Map<String, Value>) {
    if let Some((key, config)) = ["ssh", "wrangler_ssh"].iter().find_map(|k| app.get(*k).map(|v| (*k, v))) {
        let p = at(path, key);
        if !config.get("enabled").is_some_and(Value::is_boolean) {
            s.error("REQUIRED_FIELD", &at(&p, "enabled"), format!("{}.enabled must be true or false", dotted(&p)));
        }
        if config.get("port").is_some_and(|port| port.as_f64().is_none_or(|n| !(1.0..=65535.0).contains(&n))) {
            s.error("INVALID_VALUE", &at(&p, "port"), format!("{}.port must be a number from 1 to 65535", dotted(&p)));
        }
    }
    for (key, name_required) in [("authorized_keys", true), ("trusted_user_ca_keys", false)] {
        let Some(keys) = app.get(key) else { continue };
        let p = at(path, key);
        let Some(list) = keys.as_array() else {
            s.wrong_type(&p, keys, "an array of tables with name and public_key");
            continue;
        };
        for (i, k) in list.iter().enumerate() {
            let kp = nth(&p, i);
            let name = k.get("name");
            if (name_required && !name.is_some_and(Value::is_string)) || name.is_some_and(|n| !n.is_string()) {
                s.wrong_type(&at(&kp, "name"), name.unwrap_or(&Value::Null), "a string");
            }
            match k.get("public_key").and_then(Value::as_str) {
                None => s.wrong_type(&at(&kp, "public_key"), k.get("public_key").unwrap_or(&Value::Null), "a string"),
                Some(key) if !key.to_lowercase().starts_with("ssh-ed25519") => {
                    s.error("INVALID_VALUE", &at(&kp, "public_key"), format!("{}.public_key is not an ED25519 key: give an ssh-ed25519 public key", dotted(&kp)));
                }
                Some(_) => {}
            }
        }
    }
}

fn constraints(s: &mut Sink, path: &[Seg], app: &Map<String, Value>) {
    let p = at(path, "constraints");
    let Some(c) = app.get("constraints") else { return };
    if !s.optional(&p, Some(c), "object") {
        return;
    }
    let Some(c) = c.as_object() else { return };
    if c.contains_key("tier") {
        s.warn("DEPRECATED_FIELD", &at(&p, "tier"), "constraints.tier is deprecated: use constraints.tiers".into());
        if c.contains_key("tiers") {
            s.error("MUTUALLY_EXCLUSIVE", &at(&p, "tier"), "constraints.tier and constraints.tiers are both set: keep tiers".into());
        }
    }
    s.optional_array_of(&at(&p, "tiers"), c.get("tiers"), "number");
    if s.optional(&at(&p, "jurisdiction"), c.get("jurisdiction"), "string") {
        s.one_of(&at(&p, "jurisdiction"), c.get("jurisdiction").filter(|j| j.as_str() != Some("")), &["eu", "fedramp"]);
    }
    if s.optional_array_of(&at(&p, "regions"), c.get("regions"), "string") {
        let valid = ["ENAM", "WNAM", "EEUR", "WEUR", "APAC", "SAM", "ME", "OC", "AFR"];
        for r in c.get("regions").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !valid.contains(&r.to_uppercase().as_str()) {
                s.error("INVALID_VALUE", &at(&p, "regions"), format!("constraints.regions has \"{r}\", not a region: use {}", valid.join(", ")));
            }
        }
    }
}

fn instance_type(s: &mut Sink, path: &[Seg], app: &Map<String, Value>) {
    let p = at(path, "instance_type");
    match app.get("instance_type") {
        Some(Value::String(t)) => {
            s.one_of(&p, app.get("instance_type"), INSTANCE_TYPES);
            let renamed = match t.as_str() {
                "dev" => "lite",
                "standard" => "standard-1",
                _ => return,
            };
            s.warn("DEPRECATED_FIELD", &p, format!("instance_type \"{t}\" was renamed \"{renamed}\" and will stop working: write \"{renamed}\""));
        }
        Some(v) if s.optional(&p, Some(v), "object") => {
            if let Some(o) = v.as_object() {
                for k in ["vcpu", "memory_mib", "disk_mb"] {
                    s.optional(&at(&p, k), o.get(k), "number");
                }
                s.unexpected(&p, o, &["vcpu", "memory_mib", "disk_mb"]);
            }
        }
        _ => {}
    }
}

pub fn cloudchamber(s: &mut Sink, path: &[Seg], value: &Value) {
    let Some(o) = value.as_object().filter(|_| is_record(value)) else {
        s.wrong_type(path, value, "a table");
        return;
    };
    for (k, t) in [("memory", "string"), ("image", "string"), ("location", "string"), ("ipv4", "boolean"), ("vcpu", "number")] {
        s.optional(&at(path, k), o.get(k), t);
    }
    if let Some(t) = o.get("instance_type").filter(|t| !t.is_null()) {
        if !t.as_str().is_some_and(|t| INSTANCE_TYPES.contains(&t)) {
            s.error("INVALID_VALUE", &at(path, "instance_type"), format!("cloudchamber.instance_type is {}: use lite, basic or standard-1 to standard-4", shown(t)));
        }
        if o.get("memory").is_some_and(|m| !m.is_null()) || o.get("vcpu").is_some_and(|v| !v.is_null()) {
            s.error("MUTUALLY_EXCLUSIVE", &at(path, "instance_type"), "cloudchamber sets memory or vcpu with instance_type: keep one".into());
        }
    }
}
