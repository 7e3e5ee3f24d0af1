//! The standard object a record loads as (the shape the original's
//! `parseToStandardFormat` returned), template detection, the static-site
//! view, and merging a stored record with freshly collected inputs.

use serde_json::{Map, Value, json};

use super::envfile::EnvVars;
use super::layout::field_text;

/// A record as JavaScript sees it, as JSON text (listings hand thousands of
/// them over at once). Keys the file lacks are `null` in `json`, keeping
/// their place, and listed in `undefined`: the original's object had them
/// set to `undefined`.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardRecord {
    pub json: String,
    pub undefined: Vec<&'static str>,
}

impl StandardRecord {
    fn from_object(object: Map<String, Value>, undefined: Vec<&'static str>) -> StandardRecord {
        StandardRecord { json: Value::Object(object).to_string(), undefined }
    }

    /// The record as a JSON object (absent keys as `null`).
    pub fn to_object(&self) -> Map<String, Value> {
        serde_json::from_str(&self.json).unwrap_or_default()
    }
}

/// JavaScript's `a || b` on optional strings: `a` unless it is missing or empty.
fn or<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<&'a str> {
    a.filter(|s| !s.is_empty()).or(b)
}

/// The original's `parseToStandardFormat`; `process_token` is the
/// `CLOUDFLARE_API_TOKEN` of the environment, used when the record has none.
pub fn standard_format(vars: &EnvVars, customer: &str, environment: &str, process_token: Option<&str>) -> StandardRecord {
    let get = |k: &str| vars.get(k).map(String::as_str);
    let fields: [(&'static str, Option<&str>); 17] = [
        ("customer", Some(customer)),
        ("serviceName", or(get("SERVICE_NAME"), Some(customer))),
        ("serviceType", or(get("SERVICE_TYPE"), Some("generic"))),
        ("domainName", or(get("DOMAIN"), get("CUSTOMER_DOMAIN"))),
        ("cloudflareToken", or(get("CLOUDFLARE_API_TOKEN"), process_token)),
        ("cloudflareAccountId", get("CLOUDFLARE_ACCOUNT_ID")),
        ("cloudflareZoneId", get("CLOUDFLARE_ZONE_ID")),
        ("environment", Some(environment)),
        ("displayName", or(get("DISPLAY_NAME"), Some(customer))),
        ("description", get("DESCRIPTION")),
        ("workerName", get("WORKER_NAME")),
        ("databaseName", or(get("DATABASE_NAME"), get("D1_DATABASE_NAME"))),
        ("deploymentUrl", or(get("DEPLOYMENT_URL"), get("API_DOMAIN"))),
        ("healthCheckPath", or(get("HEALTH_CHECK_PATH"), Some("/health"))),
        ("apiBasePath", or(get("API_BASE_PATH"), Some("/api/v1"))),
        ("logLevel", or(get("LOG_LEVEL"), Some("info"))),
        ("nodeCompatibility", or(get("NODE_COMPATIBILITY"), Some("v18"))),
    ];
    // Written directly: building a serde_json map first doubled the cost of a listing.
    let mut json = String::with_capacity(2048);
    let mut undefined = Vec::new();
    json.push('{');
    for (name, value) in fields {
        push_json_str(&mut json, name);
        json.push(':');
        match value {
            Some(v) => push_json_str(&mut json, v),
            None => {
                undefined.push(name);
                json.push_str("null");
            }
        }
        json.push(',');
    }
    json.push_str("\"envVars\":{");
    for (i, (k, v)) in vars.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        push_json_str(&mut json, k);
        json.push(':');
        push_json_str(&mut json, v);
    }
    json.push_str("}}");
    StandardRecord { json, undefined }
}

/// `s` as a JSON string literal. Bytes that need escaping are all ASCII, so
/// scanning bytes never splits a character.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut plain_from = 0;
    for (i, b) in s.bytes().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.push_str(&s[plain_from..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => out.push_str(&format!("\\u{b:04x}")),
        }
        plain_from = i + 1;
    }
    out.push_str(&s[plain_from..]);
    out.push('"');
}

/// What `loadCustomerConfigSafe` returns when there is no usable record.
pub fn safe_defaults(customer: &str, environment: &str) -> StandardRecord {
    let token = super::process_token().filter(|t| !t.is_empty());
    let object = json!({
        "customer": customer, "environment": environment, "serviceName": customer, "serviceType": "generic",
        "domainName": null, "cloudflareToken": token, "cloudflareAccountId": null, "cloudflareZoneId": null,
        "envVars": {},
    });
    StandardRecord::from_object(object.as_object().cloned().unwrap_or_default(), vec![])
}

const ZERO_ACCOUNT: &str = "00000000000000000000000000000000";

/// Why a record is a template rather than real data: the fields it lacks and
/// the reasons (empty: it is a real record). The rule is the original's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateCheck {
    pub missing_fields: Vec<&'static str>,
    pub reasons: Vec<String>,
}

impl TemplateCheck {
    pub fn is_template(&self) -> bool {
        !self.reasons.is_empty()
    }
}

pub fn template_check<'a>(get: impl Fn(&str) -> Option<&'a str>) -> TemplateCheck {
    let mut check = TemplateCheck::default();
    if get("CUSTOMER_NAME").is_some_and(|n| n.contains("{{")) {
        check.reasons.push("CUSTOMER_NAME still holds a {{placeholder}}".into());
    }
    match get("CLOUDFLARE_ACCOUNT_ID").filter(|a| !a.is_empty()) {
        Some(ZERO_ACCOUNT) => {
            check.missing_fields.push("CLOUDFLARE_ACCOUNT_ID");
            check.reasons.push("CLOUDFLARE_ACCOUNT_ID is the all-zero placeholder".into());
        }
        Some(_) => {}
        None => {
            check.missing_fields.push("CLOUDFLARE_ACCOUNT_ID");
            check.reasons.push("CLOUDFLARE_ACCOUNT_ID is missing".into());
        }
    }
    if get("DOMAIN").is_none_or(|d| d.is_empty()) {
        check.missing_fields.push("DOMAIN");
        check.reasons.push("DOMAIN is missing".into());
    }
    check
}

/// `validateStaticSiteConfig`: the original's three checks and messages.
pub fn validate_static_site(config: &Value) -> Vec<&'static str> {
    let mut errors = Vec::new();
    if field_text(config, "serviceType").as_deref() != Some("static-site") {
        errors.push("Service type must be \"static-site\"");
    }
    if field_text(config, "domainName").is_none() {
        errors.push("Domain name is required for static-site services");
    }
    if field_text(config, "cloudflareAccountId").is_none() {
        errors.push("Cloudflare Account ID is required for static-site deployment");
    }
    errors
}

pub fn static_site_defaults() -> Value {
    json!({
        "publicDir": "public",
        "indexFile": "index.html",
        "errorFile": "404.html",
        "cacheControl": "public, max-age=31536000, immutable",
        "spaFallback": true,
        "cleanUrls": true,
        "compressText": true,
        "corsEnabled": true,
        "siteConfig": {
            "bucket": "./public",
            "include": ["**/*"],
            "exclude": ["node_modules/**", ".git/**", ".DS_Store", "*.log", "wrangler.toml", "package.json", "package-lock.json"],
        },
    })
}

/// Static-site settings by record key, with the input field that sets them.
pub const STATIC_SITE_TEXT: &[(&str, &str)] =
    &[("publicDir", "PUBLIC_DIR"), ("indexFile", "INDEX_FILE"), ("errorFile", "ERROR_FILE"), ("cacheControl", "CACHE_CONTROL")];
pub const STATIC_SITE_FLAGS: &[(&str, &str)] =
    &[("spaFallback", "SPA_FALLBACK"), ("cleanUrls", "CLEAN_URLS"), ("compressText", "COMPRESS_TEXT"), ("corsEnabled", "CORS_ENABLED")];

/// A loaded record with the static-site defaults and the record's own
/// static-site keys applied (flags are on unless the record says `false`).
pub fn static_site_view(record: StandardRecord) -> StandardRecord {
    let mut object = record.to_object();
    let vars = object.get("envVars").cloned().unwrap_or(Value::Null);
    for (name, value) in static_site_defaults().as_object().into_iter().flatten() {
        object.insert(name.clone(), value.clone());
    }
    for (name, key) in STATIC_SITE_TEXT {
        if let Some(v) = vars.get(*key).and_then(Value::as_str).filter(|v| !v.is_empty()) {
            object.insert((*name).into(), json!(v));
        }
    }
    for (name, key) in STATIC_SITE_FLAGS {
        let on = vars.get(*key).and_then(Value::as_str) != Some("false");
        object.insert((*name).into(), json!(on));
    }
    let mut undefined = record.undefined;
    undefined.retain(|k| object.get(*k).is_none_or(Value::is_null));
    StandardRecord::from_object(object, undefined)
}

/// `getMissingFields`: the fields whose value is falsy in JavaScript's sense
/// (absent, null, false, 0, ""); a snake_case name also finds its camelCase key.
pub fn missing_fields(config: &Value, fields: &[String]) -> Vec<String> {
    let truthy = |v: &Value| match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    };
    let present = |f: &str| config.get(f).is_some_and(truthy) || config.get(camel_case(f)).is_some_and(truthy);
    fields.iter().filter(|f| !present(f)).cloned().collect()
}

/// Combines a stored record with freshly collected inputs: collected values
/// win, but an empty collected value (null, "", [] or {}) never erases a
/// stored one. Keys are compared in camelCase (snake_case inputs accepted);
/// `envVars` is merged key by key the same way.
pub fn merge(stored: &Value, collected: &Value) -> Value {
    let mut out = camel_keys(stored);
    for (key, value) in camel_keys(collected) {
        if is_blank(&value) {
            continue;
        }
        let merged = match (out.get(&key), &value) {
            (Some(Value::Object(old)), Value::Object(new)) if key == "envVars" => {
                let mut vars = old.clone();
                vars.extend(new.iter().filter(|(_, v)| !is_blank(v)).map(|(k, v)| (k.clone(), v.clone())));
                Value::Object(vars)
            }
            _ => value,
        };
        out.insert(key, merged);
    }
    Value::Object(out)
}

fn camel_keys(value: &Value) -> Map<String, Value> {
    value.as_object().into_iter().flatten().map(|(k, v)| (camel_case(k), v.clone())).collect()
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

pub fn camel_case(key: &str) -> String {
    if !key.contains('_') || key.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()) {
        return key.to_string();
    }
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_valid_json_whatever_the_values() {
        let nasty = "q\"b\\n\nr\rt\t\u{1}\u{7f}é😀";
        let vars: EnvVars = [("K".to_string(), nasty.to_string())].into_iter().collect();
        let record = standard_format(&vars, "c\"", "e", None);
        let object = record.to_object();
        assert_eq!(object["envVars"]["K"], nasty);
        assert_eq!(object["customer"], "c\"");
        assert_eq!(record.undefined.len(), 8, "{:?}", record.undefined);
    }

    #[test]
    fn merge_keeps_stored_values_that_collection_left_empty() {
        let stored = json!({"domainName": "a.example", "workerName": "w", "envVars": {"A": "1", "B": "2"}});
        let collected = json!({"domain_name": "", "worker_name": "w2", "cloudflare_zone_id": "z", "envVars": {"B": "", "C": "3"}});
        let merged = merge(&stored, &collected);
        assert_eq!(merged, json!({"domainName": "a.example", "workerName": "w2", "envVars": {"A": "1", "B": "2", "C": "3"}, "cloudflareZoneId": "z"}));
    }

    #[test]
    fn template_reasons_name_the_missing_fields() {
        let vars: EnvVars = [("CUSTOMER_NAME", "{{CUSTOMER}}"), ("CLOUDFLARE_ACCOUNT_ID", ZERO_ACCOUNT)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let check = template_check(|k| vars.get(k).map(String::as_str));
        assert_eq!(check.missing_fields, vec!["CLOUDFLARE_ACCOUNT_ID", "DOMAIN"]);
        assert_eq!(check.reasons.len(), 3);
    }
}
