//! What a service tells clodo about itself, in an optional `clodo.json`
//! beside its wrangler config. Every key is optional; an unknown key or a
//! value of the wrong shape is an error naming the file and the key, so a
//! typo never silently changes what a deploy does.
//!
//! ```json
//! {
//!   "sharedBindings": ["ANALYTICS"],
//!   "health": { "path": "/healthz", "expect": "ok" },
//!   "secrets": ["JWT_SECRET"],
//!   "standardSecrets": false,
//!   "readyTimeoutSeconds": 180,
//!   "provisioningTimeoutSeconds": 300
//! }
//! ```
//!
//! `"health": false` says the worker has no health endpoint: it is then
//! checked for starting and answering at all, and reported as such.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};

pub const FILE_NAME: &str = "clodo.json";

/// How a deployed (or locally served) worker is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthCheck {
    /// `GET path` must answer 2xx, and contain `expect` when given.
    Endpoint { path: String, expect: Option<String> },
    /// The worker has no health endpoint: any HTTP answer shows it started.
    StartOnly,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck::Endpoint { path: "/health".into(), expect: None }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// D1 bindings every domain shares: they keep the service's own database.
    pub shared_bindings: Vec<String>,
    pub health: HealthCheck,
    /// Secret names the worker needs, besides those its files declare.
    pub secrets: Vec<String>,
    /// Also generate and upload clodo's ten standard secrets.
    pub standard_secrets: bool,
    /// How long `wrangler dev` may take to be ready (default: scaled with the build).
    pub ready_timeout: Option<Duration>,
    /// Remote: how long a new custom domain may take to answer at all (DNS and certificate) before its
    /// health check counts (default `DEFAULT_PROVISIONING_TIMEOUT`).
    pub provisioning_timeout: Option<Duration>,
}

/// Cloudflare provisions a custom domain's DNS record and certificate asynchronously, usually within a few
/// minutes (developers.cloudflare.com/workers/configuration/routing/custom-domains).
pub const DEFAULT_PROVISIONING_TIMEOUT: Duration = Duration::from_secs(300);

impl Settings {
    /// The service's `clodo.json`, or the defaults when it has none.
    pub fn load(service_dir: &Path) -> Result<Settings> {
        let path = service_dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| bad(&path, format!("is not JSON: {e}")))?;
        parse(&value, &path)
    }
}

/// A secret the worker needs, and where that is declared.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredSecret {
    pub name: String,
    pub source: String,
}

impl Settings {
    /// The secrets a service declares for `environment`: its `.dev.vars.example`
    /// (and `.dev.vars.<env>.example`), wrangler's `secrets.required` in the
    /// resolved config, and this file's `secrets`; clodo's standard ten are
    /// separate (`standard_secrets`).
    pub fn declared_secrets(&self, service_dir: &Path, resolved: &serde_json::Map<String, Value>, environment: &str) -> Vec<DeclaredSecret> {
        let mut found: Vec<DeclaredSecret> = vec![];
        let mut add = |name: &str, source: &str| {
            if crate::secrets::check_name(name).is_ok() && !found.iter().any(|d| d.name == name) {
                found.push(DeclaredSecret { name: name.to_owned(), source: source.to_owned() });
            }
        };
        for file in [format!(".dev.vars.{environment}.example"), ".dev.vars.example".to_owned()] {
            if let Ok(text) = std::fs::read_to_string(service_dir.join(&file)) {
                crate::customer_records::parse_env(&text).keys().for_each(|name| add(name, &file));
            }
        }
        for name in resolved.get("secrets").and_then(|s| s["required"].as_array()).into_iter().flatten().filter_map(Value::as_str) {
            add(name, "secrets.required");
        }
        self.secrets.iter().for_each(|name| add(name, FILE_NAME));
        found
    }
}

/// What a generate makes for `declared`: each name (64 hex characters), reusing
/// stored values, and clodo's ten standard secrets when `standard`.
pub fn generate_options(declared: &[DeclaredSecret], standard: bool) -> crate::secrets::GenerateOptions {
    let custom = declared.iter().map(|d| (d.name.clone(), 64)).collect();
    crate::secrets::GenerateOptions { reuse_existing: true, standard, custom, ..Default::default() }
}

fn bad(path: &Path, message: String) -> Error {
    Error::invalid(format!("{}: {message}", path.display()))
}

/// A whole number of seconds from 1 to 3600.
fn seconds(value: &Value, path: &Path, key: &str) -> Result<Duration> {
    let seconds = value.as_u64().filter(|s| (1..=3600).contains(s));
    seconds.map(Duration::from_secs).ok_or_else(|| bad(path, format!("{key:?} must be a whole number of seconds from 1 to 3600")))
}

fn parse(value: &Value, path: &Path) -> Result<Settings> {
    let object = value.as_object().ok_or_else(|| bad(path, "must hold one JSON object".into()))?;
    let mut settings = Settings::default();
    for (key, value) in object {
        match key.as_str() {
            "sharedBindings" => settings.shared_bindings = names(value, path, key, crate::d1::names::binding)?,
            "health" => settings.health = health(value).map_err(|m| bad(path, format!("\"health\" {m}")))?,
            "secrets" => settings.secrets = names(value, path, key, crate::secrets::check_name)?,
            "standardSecrets" => settings.standard_secrets = value.as_bool().ok_or_else(|| bad(path, "\"standardSecrets\" must be true or false".into()))?,
            "readyTimeoutSeconds" => settings.ready_timeout = Some(seconds(value, path, key)?),
            "provisioningTimeoutSeconds" => settings.provisioning_timeout = Some(seconds(value, path, key)?),
            other => {
                let known = "sharedBindings, health, secrets, standardSecrets, readyTimeoutSeconds, provisioningTimeoutSeconds";
                return Err(bad(path, format!("unknown key {other:?}: the keys are {known}")));
            }
        }
    }
    Ok(settings)
}

fn names(value: &Value, path: &Path, key: &str, check: fn(&str) -> Result<()>) -> Result<Vec<String>> {
    let list = value.as_array().ok_or_else(|| bad(path, format!("{key:?} must be a list of names")))?;
    list.iter()
        .map(|v| {
            let name = v.as_str().ok_or_else(|| bad(path, format!("{key:?} must be a list of names, not {v}")))?;
            check(name).map_err(|e| bad(path, format!("{key:?}: {e}")))?;
            Ok(name.to_owned())
        })
        .collect()
}

/// `false` (no endpoint), a path, or `{ path, expect }`.
pub fn health(value: &Value) -> std::result::Result<HealthCheck, String> {
    match value {
        Value::Bool(false) => Ok(HealthCheck::StartOnly),
        Value::String(path) => Ok(HealthCheck::Endpoint { path: health_path(path)?, expect: None }),
        Value::Object(o) => {
            if let Some(unknown) = o.keys().find(|k| !["path", "expect"].contains(&k.as_str())) {
                return Err(format!("has an unknown key {unknown:?}: use path and expect"));
            }
            let path = o.get("path").map(|p| p.as_str().ok_or("path must be a string".to_owned())).transpose()?.unwrap_or("/health");
            let expect = o.get("expect").map(|e| e.as_str().map(str::to_owned).ok_or("expect must be a string".to_owned())).transpose()?;
            Ok(HealthCheck::Endpoint { path: health_path(path)?, expect: expect.filter(|e| !e.is_empty()) })
        }
        _ => Err("must be false (no health endpoint), a path such as \"/healthz\", or { \"path\": …, \"expect\": … }".into()),
    }
}

/// A path on the worker: starts with `/`, no spaces or control characters.
pub fn health_path(path: &str) -> std::result::Result<String, String> {
    let ok = path.starts_with('/') && path.len() <= 2048 && !path.chars().any(|c| c.is_whitespace() || c.is_control());
    match ok {
        true => Ok(path.to_owned()),
        false => Err(format!("path {path:?} must start with / and hold no spaces, like /healthz")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Settings> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
        Settings::load(dir.path())
    }

    #[test]
    fn a_service_without_the_file_gets_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::load(dir.path()).unwrap();
        assert_eq!(settings.health, HealthCheck::Endpoint { path: "/health".into(), expect: None });
        assert!(settings.shared_bindings.is_empty() && settings.secrets.is_empty() && !settings.standard_secrets);
    }

    #[test]
    fn every_key_is_read() {
        let s = load(r#"{"sharedBindings":["ANALYTICS"],"health":{"path":"/healthz","expect":"ok"},"secrets":["JWT_SECRET"],"standardSecrets":true,"readyTimeoutSeconds":200}"#).unwrap();
        assert_eq!(s.shared_bindings, ["ANALYTICS"]);
        assert_eq!(s.health, HealthCheck::Endpoint { path: "/healthz".into(), expect: Some("ok".into()) });
        assert_eq!(s.secrets, ["JWT_SECRET"]);
        assert!(s.standard_secrets);
        assert_eq!(s.ready_timeout, Some(Duration::from_secs(200)));
        assert_eq!(load(r#"{"health": false}"#).unwrap().health, HealthCheck::StartOnly);
        assert_eq!(load(r#"{"health": "/up"}"#).unwrap().health, HealthCheck::Endpoint { path: "/up".into(), expect: None });
    }

    #[test]
    fn declared_secrets_come_from_the_example_files_the_config_and_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".dev.vars.example"), "JWT_SECRET=change-me\n# a comment\nSTRIPE_KEY=\n").unwrap();
        std::fs::write(dir.path().join(".dev.vars.staging.example"), "STAGING_ONLY=x\n").unwrap();
        let config = serde_json::json!({"secrets": {"required": ["API_KEY", "JWT_SECRET"]}}).as_object().cloned().unwrap();
        let settings = Settings { secrets: vec!["WEBHOOK_KEY".into()], ..Settings::default() };
        let names = |env| -> Vec<String> { settings.declared_secrets(dir.path(), &config, env).into_iter().map(|d| d.name).collect() };
        assert_eq!(names("production"), ["JWT_SECRET", "STRIPE_KEY", "API_KEY", "WEBHOOK_KEY"]);
        assert_eq!(names("staging")[0], "STAGING_ONLY");
    }

    #[test]
    fn mistakes_name_the_file_and_the_key() {
        for (text, needle) in [
            (r#"{"sharedBinding":["X"]}"#, "unknown key \"sharedBinding\""),
            (r#"{"health":"healthz"}"#, "must start with /"),
            (r#"{"health":true}"#, "must be false"),
            (r#"{"secrets":["A B"]}"#, "\"secrets\""),
            (r#"{"sharedBindings":["1X"]}"#, "\"sharedBindings\""),
            (r#"{"readyTimeoutSeconds":0}"#, "readyTimeoutSeconds"),
            ("[", "is not JSON"),
        ] {
            let err = load(text).unwrap_err().to_string();
            assert!(err.contains(FILE_NAME) && err.contains(needle), "{text}: {err}");
        }
    }
}
