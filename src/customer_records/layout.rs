//! The written layout of a record: a header, then sections in a fixed order,
//! each only when it has values, no key twice. Which input fields feed which
//! key is one table, so the writer and the merge agree.

use serde_json::Value;

use super::envfile::{self, EnvVars};
use crate::error::Result;

/// One key of the file and the input fields (camelCase; snake_case is looked
/// up too) that give its value, first match wins.
pub struct KeySpec {
    pub key: &'static str,
    pub fields: &'static [&'static str],
    pub default: Option<&'static str>,
    /// Kept from the existing file when the input does not give it.
    pub sticky: bool,
}

const fn k(key: &'static str, fields: &'static [&'static str]) -> KeySpec {
    KeySpec { key, fields, default: None, sticky: false }
}

const fn with_default(key: &'static str, fields: &'static [&'static str], default: &'static str) -> KeySpec {
    KeySpec { key, fields, default: Some(default), sticky: false }
}

const fn sticky(key: &'static str, fields: &'static [&'static str]) -> KeySpec {
    KeySpec { key, fields, default: None, sticky: true }
}

pub const TOKEN_KEY: &str = "CLOUDFLARE_API_TOKEN";

/// Sections in file order. `CUSTOMER_ID`, `CUSTOMER_NAME` and `ENVIRONMENT`
/// come from the call's arguments, not from these fields.
pub const SECTIONS: &[(&str, &[KeySpec])] = &[
    ("Core Customer Identity", &[k("CUSTOMER_ID", &[]), k("CUSTOMER_NAME", &[]), k("ENVIRONMENT", &[])]),
    ("Cloudflare Configuration", &[
        k("CLOUDFLARE_ACCOUNT_ID", &["cloudflareAccountId", "accountId"]),
        k("CLOUDFLARE_ZONE_ID", &["cloudflareZoneId", "zoneId"]),
        k(TOKEN_KEY, &["cloudflareToken", "apiToken"]),
    ]),
    ("Service Configuration", &[
        k("SERVICE_NAME", &["serviceName"]),
        k("SERVICE_TYPE", &["serviceType"]),
        k("DISPLAY_NAME", &["displayName"]),
        k("DESCRIPTION", &["description"]),
    ]),
    ("Domain Configuration", &[
        k("DOMAIN", &["domainName", "domain"]),
        k("CUSTOMER_DOMAIN", &["customerDomain", "domainName", "domain"]),
        k("DEPLOYMENT_URL", &["url", "deploymentUrl"]),
        k("API_DOMAIN", &["apiDomain", "deploymentUrl", "url"]),
    ]),
    ("Database Configuration", &[
        k("DATABASE_NAME", &["databaseName", "d1DatabaseName"]),
        k("D1_DATABASE_NAME", &["d1DatabaseName", "databaseName"]),
        k("D1_DATABASE_ID", &["databaseId", "d1DatabaseId"]),
    ]),
    ("Worker Configuration", &[k("WORKER_NAME", &["workerName"]), k("WORKER_URL", &["workerUrl"])]),
    ("Deployment Information", &[k("DEPLOYMENT_ID", &["deploymentId"]), k("DEPLOYED_AT", &["timestamp", "deployedAt"])]),
    ("Additional Configuration", &[
        with_default("HEALTH_CHECK_PATH", &["healthCheckPath"], "/health"),
        with_default("API_BASE_PATH", &["apiBasePath"], "/api/v1"),
        with_default("LOG_LEVEL", &["logLevel"], "info"),
        with_default("NODE_COMPATIBILITY", &["nodeCompatibility"], "v18"),
    ]),
    ("Static-Site Configuration", &[
        sticky("PUBLIC_DIR", &["publicDir"]),
        sticky("INDEX_FILE", &["indexFile"]),
        sticky("ERROR_FILE", &["errorFile"]),
        sticky("CACHE_CONTROL", &["cacheControl"]),
        sticky("SPA_FALLBACK", &["spaFallback"]),
        sticky("CLEAN_URLS", &["cleanUrls"]),
        sticky("COMPRESS_TEXT", &["compressText"]),
        sticky("CORS_ENABLED", &["corsEnabled"]),
    ]),
];

/// Keys of the existing file that no section manages are kept here, so a
/// save never drops what someone else put in the record.
const OTHER_SECTION: &str = "Other Configuration";

pub fn is_managed(key: &str) -> bool {
    SECTIONS.iter().any(|(_, keys)| keys.iter().any(|s| s.key == key))
}

/// Where a record's values come from, in priority order.
pub struct Inputs<'a> {
    /// Objects searched for a spec's fields, first match wins.
    pub sources: Vec<&'a Value>,
    /// Raw keys given directly (a flat record's `envVars`).
    pub raw: Option<&'a Value>,
    pub customer: &'a str,
    pub environment: &'a str,
    pub include_secrets: bool,
    /// Write each key's default when nothing gives it (a full save); an update adds none.
    pub defaults: bool,
}

impl Inputs<'_> {
    pub fn value_of(&self, spec: &KeySpec) -> Option<String> {
        match spec.key {
            "CUSTOMER_ID" | "CUSTOMER_NAME" => return Some(self.customer.to_string()),
            "ENVIRONMENT" => return Some(self.environment.to_string()),
            TOKEN_KEY if !self.include_secrets => return None,
            _ => {}
        }
        let from_fields = spec.fields.iter().find_map(|field| self.sources.iter().find_map(|src| field_text(src, field)));
        from_fields.or_else(|| self.raw.and_then(|raw| text(raw.get(spec.key)?)))
    }
}

/// The text of `obj.<field>` or `obj.<field in snake_case>`, if it has one.
pub fn field_text(obj: &Value, field: &str) -> Option<String> {
    text(obj.get(field).or_else(|| obj.get(snake_case(field)))?)
}

/// A value as it is stored: strings as they are, numbers and booleans
/// printed; empty, null and structured values count as absent.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The full text of a record. `existing` is the file being replaced: its
/// sticky and unmanaged keys survive.
pub fn render(inputs: &Inputs, existing: &EnvVars, updated_at: &str) -> Result<String> {
    let mut out = format!(
        "# Deployment Configuration - {} ({})\n# Last Updated: {updated_at}\n# Written by clodo; values are quoted where needed, edit with care\n",
        one_line(inputs.customer),
        one_line(inputs.environment)
    );
    for (title, specs) in SECTIONS {
        let mut lines = Vec::new();
        for spec in *specs {
            let value = inputs
                .value_of(spec)
                .or_else(|| spec.sticky.then(|| existing.get(spec.key).cloned()).flatten())
                .or_else(|| spec.default.filter(|_| inputs.defaults).map(str::to_string));
            if let Some(value) = value {
                lines.push(envfile::line(spec.key, &value)?);
            }
        }
        push_section(&mut out, title, &lines);
    }
    // Unmanaged keys: the existing file's, overridden by raw keys given now.
    let mut others = EnvVars::default();
    others.extend(existing.iter().map(|(k, v)| (k.clone(), v.clone())));
    let raw = inputs.raw.and_then(Value::as_object).into_iter().flatten();
    others.extend(raw.filter_map(|(k, v)| Some((k.clone(), text(v)?))));
    let mut lines = Vec::new();
    for (key, value) in others.iter().filter(|(k, _)| !is_managed(k) && is_key(k)) {
        lines.push(envfile::line(key, value)?);
    }
    push_section(&mut out, OTHER_SECTION, &lines);
    Ok(out)
}

fn push_section(out: &mut String, title: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    out.push_str("\n# ============================================\n# ");
    out.push_str(title);
    out.push_str("\n# ============================================\n");
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
}

/// Keys written back must be keys a reader splits the same way.
fn is_key(key: &str) -> bool {
    !key.is_empty() && !key.starts_with('#') && !key.contains(['=', '\n', '\r', '\0'])
}

/// Header text must stay on its comment line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn snake_case_matches_the_inputs_people_write() {
        assert_eq!(snake_case("cloudflareAccountId"), "cloudflare_account_id");
        assert_eq!(snake_case("d1DatabaseId"), "d1_database_id");
        assert_eq!(snake_case("url"), "url");
    }

    #[test]
    fn no_key_twice_and_sections_only_with_values() {
        let data = json!({"url": "https://a.example", "deploymentUrl": "https://b.example"});
        let inputs = Inputs { sources: vec![&data], raw: None, customer: "acme", environment: "production", include_secrets: false, defaults: true };
        let text = render(&inputs, &EnvVars::default(), "2026-01-01T00:00:00.000Z").unwrap();
        let keys: Vec<&str> = text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(|l| l.split('=').next().unwrap()).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(keys.len(), unique.len(), "{text}");
        assert!(!text.contains("Database Configuration"));
        assert!(text.contains("DEPLOYMENT_URL=https://a.example\nAPI_DOMAIN=https://b.example"), "{text}");
    }
}
