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
