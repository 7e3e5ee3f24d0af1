//! The human summary `displaySummary` prints.

use std::fmt::Write;

use super::WranglerConfig;
use crate::error::Result;

pub(super) fn summary(manager: &WranglerConfig, environment: Option<&str>) -> Result<String> {
    let config = manager.read_config()?;
    let field = |k: &str| config.get(k).and_then(|v| v.as_str()).unwrap_or("N/A").to_string();
    let mut out = String::new();
    let _ = writeln!(out, "\nWrangler Configuration Summary");
    let _ = writeln!(out, "   File: {}", manager.config_path().display());
    let _ = writeln!(out, "   Worker Name: {}", field("name"));
    let _ = writeln!(out, "   Entry Point: {}", field("main"));
    let _ = writeln!(out, "   Compatibility: {}", field("compatibility_date"));
    match environment {
        Some(env) if !env.is_empty() => {
            let _ = writeln!(out, "\n   Environment: {env}");
            let bindings = manager.get_database_bindings(Some(env))?;
            if bindings.is_empty() {
                let _ = writeln!(out, "   D1 Databases: None configured");
            } else {
                let _ = writeln!(out, "   D1 Databases ({}):", bindings.len());
                for db in bindings {
                    let text = |k: &str| db.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_string();
                    let _ = writeln!(out, "     • {}: {} ({})", text("binding"), text("database_name"), text("database_id"));
                }
            }
        }
        _ => {
            if let Some(envs) = config.get("env").and_then(|e| e.as_object()).filter(|e| !e.is_empty()) {
                let names: Vec<&str> = envs.keys().map(String::as_str).collect();
                let _ = writeln!(out, "\n   Environments: {}", names.join(", "));
            }
        }
    }
    Ok(out)
}

/// Every binding a resolved config gives its worker: kind, name on `env`, and what it reaches.
pub fn bindings(resolved: &serde_json::Map<String, serde_json::Value>) -> Vec<[String; 3]> {
    use serde_json::Value;
    // (config key, kind shown, the field that names the resource)
    const LISTS: &[(&str, &str, &str)] = &[
        ("d1_databases", "D1", "database_name"),
        ("kv_namespaces", "KV", "id"),
        ("r2_buckets", "R2", "bucket_name"),
        ("services", "service", "service"),
        ("vectorize", "Vectorize", "index_name"),
        ("hyperdrive", "Hyperdrive", "id"),
        ("analytics_engine_datasets", "Analytics Engine", "dataset"),
        ("workflows", "workflow", "name"),
        ("send_email", "send email", "destination_address"),
        ("dispatch_namespaces", "dispatch namespace", "namespace"),
        ("mtls_certificates", "mTLS", "certificate_id"),
    ];
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or("-").to_owned();
    let mut out = vec![];
    for (key, kind, target) in LISTS {
        for entry in resolved.get(*key).and_then(Value::as_array).into_iter().flatten() {
            out.push([kind.to_string(), text(entry, "binding"), text(entry, target)]);
        }
    }
    for entry in resolved.get("durable_objects").map(|d| &d["bindings"]).and_then(Value::as_array).into_iter().flatten() {
        out.push(["Durable Object".into(), text(entry, "name"), text(entry, "class_name")]);
    }
    for entry in resolved.get("queues").map(|q| &q["producers"]).and_then(Value::as_array).into_iter().flatten() {
        out.push(["queue".into(), text(entry, "binding"), text(entry, "queue")]);
    }
    for (key, kind) in [("ai", "AI"), ("browser", "browser"), ("images", "images"), ("version_metadata", "version metadata")] {
        if let Some(entry) = resolved.get(key) {
            out.push([kind.into(), text(entry, "binding"), "-".into()]);
        }
    }
    if let Some(assets) = resolved.get("assets") {
        out.push(["assets".into(), text(assets, "binding"), text(assets, "directory")]);
    }
    for name in resolved.get("vars").and_then(Value::as_object).into_iter().flat_map(|v| v.keys()) {
        out.push(["var".into(), name.clone(), "-".into()]);
    }
    out
}
