//! DeploymentValidator's core: real checks of a service before it deploys.
//! Each check says pass, warn, fail or skip, and why.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::error::Result;
use crate::wrangler::{Credentials, Invocation, LazyRunner, RetryPolicy, locate};
use crate::wrangler_config::{Options as ConfigOptions, ValidateOptions, WranglerConfig, env_section, wrangler_env_for};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Basic,
    Standard,
    Comprehensive,
}

impl Level {
    pub fn parse(text: &str) -> Result<Level> {
        crate::d1::names::one_of(text, "level", &["basic", "standard", "comprehensive"])?;
        Ok(match text {
            "basic" => Level::Basic,
            "standard" => Level::Standard,
            _ => Level::Comprehensive,
        })
    }
}

#[derive(Clone)]
pub struct CheckOptions {
    pub service_path: PathBuf,
    pub config_path: Option<PathBuf>,
    pub environment: String,
    pub level: Level,
    /// Whether the environment is deployed to Cloudflare; default: all but `development`.
    pub remote: Option<bool>,
    pub wrangler_path: Option<PathBuf>,
    pub credentials: Credentials,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub status: &'static str,
    pub message: String,
}

fn check(name: &'static str, status: &'static str, message: impl Into<String>) -> Check {
    Check { name, status, message: message.into() }
}

pub struct Checker {
    o: CheckOptions,
    /// The config's validation, made once for the config check and the findings.
    validation: std::sync::OnceLock<crate::wrangler_config::Validation>,
}

impl Checker {
    pub fn new(o: CheckOptions) -> Checker {
        Checker { o, validation: Default::default() }
    }

    fn remote(&self) -> bool {
        self.o.remote.unwrap_or(self.o.environment != "development")
    }

    fn config(&self) -> WranglerConfig {
        WranglerConfig::new(ConfigOptions::for_project(Some(&self.o.service_path), self.o.config_path.as_deref()))
    }

    /// The config's findings that apply to this environment (its own and the
    /// top level's), with the config's path; none when it cannot be read.
    pub fn findings(&self) -> (PathBuf, Vec<crate::wrangler_config::Finding>) {
        let config = self.config();
        let path = config.config_path().to_path_buf();
        let Ok(Some(doc)) = config.document() else { return (path, vec![]) };
        let env = wrangler_env_for(&doc.value(), &self.o.environment, &path).ok().flatten();
        (path, self.validation(&config).findings.iter().filter(|f| applies(f, env.as_deref())).cloned().collect())
    }

    fn validation(&self, config: &WranglerConfig) -> &crate::wrangler_config::Validation {
        self.validation.get_or_init(|| config.validate(&ValidateOptions { remote: self.remote() }))
    }

    /// Every check the level asks for.
    pub fn all(&self) -> Vec<Check> {
        let mut checks = self.prerequisites();
        checks.extend(self.environment_checks());
        if self.o.level >= Level::Standard {
            checks.extend(self.authentication());
        }
        if self.o.level >= Level::Comprehensive {
            checks.push(self.network());
        }
        checks
    }

    /// wrangler (found, supported), the config file, the entry point.
    pub fn prerequisites(&self) -> Vec<Check> {
        let wrangler = match locate(self.o.wrangler_path.as_deref(), &self.o.service_path) {
            Ok(w) => check("wrangler", "pass", format!("wrangler {} at {}", w.version, w.path.display())),
            Err(e) => check("wrangler", "fail", e.to_string()),
        };
        let config = self.config();
        let mut checks = vec![wrangler];
        match config.document() {
            Ok(Some(doc)) => checks.push(self.main_file(&doc.value(), config.config_path())),
            Ok(None) => checks.push(check("config", "fail", format!("No wrangler config in {}", self.o.service_path.display()))),
            Err(e) => checks.push(check("config", "fail", e.to_string())),
        }
        checks
    }

    fn main_file(&self, root: &Value, file: &Path) -> Check {
        let env = wrangler_env_for(root, &self.o.environment, file).ok().flatten();
        let section = env_section(root, env.as_deref());
        let main = section["main"].as_str().or_else(|| root["main"].as_str());
        let dir = file.parent().unwrap_or(Path::new("."));
        let build = section["build"]["command"].as_str().or_else(|| root["build"]["command"].as_str()).filter(|c| !c.trim().is_empty());
        match main {
            Some(main) if dir.join(main).is_file() => check("main", "pass", format!("entry point {main} exists")),
            // wrangler checks it only after running the build, as the deploy will.
            Some(main) if build.is_some() => check("main", "pass", format!("entry point {main} is made by the custom build `{}`", build.unwrap_or_default())),
            Some(main) => check("main", "fail", format!("main = \"{main}\" in {} does not exist ({})", file.display(), dir.join(main).display())),
            None if !section["assets"].is_null() || !root["assets"].is_null() => check("main", "pass", "no main: an assets-only worker"),
            None => check("main", "fail", format!("{} sets neither main nor assets: wrangler has nothing to deploy", file.display())),
        }
    }

    /// The config's rules for this environment, its bindings, ids, migrations and routes.
    pub fn environment_checks(&self) -> Vec<Check> {
        let config = self.config();
        let root = match config.document() {
            Ok(Some(doc)) => doc.value(),
            Ok(None) => return vec![check("config", "fail", format!("{} not found", config.config_path().display()))],
            Err(e) => return vec![check("config", "fail", e.to_string())],
        };
        let file = config.config_path();
        let env = match wrangler_env_for(&root, &self.o.environment, file) {
            Ok(env) => env,
            Err(e) => return vec![check("environment", "fail", e.to_string())],
        };
        let mut checks = vec![self.config_rules(&config, env.as_deref())];
        if self.o.level >= Level::Standard {
            let section = env_section(&root, env.as_deref());
            checks.push(env_bindings(&root, section, env.as_deref()));
            checks.push(self.binding_ids(section));
            checks.push(migrations(section, file));
            checks.push(routes(section));
        }
        checks
    }

    fn config_rules(&self, config: &WranglerConfig, env: Option<&str>) -> Check {
        let validation = self.validation(config);
        let relevant: Vec<_> = validation.findings.iter().filter(|f| applies(f, env)).collect();
        let errors: Vec<String> = relevant.iter().filter(|f| f.severity == crate::wrangler_config::Severity::Error).map(|f| describe(f)).collect();
        let warnings: Vec<String> = relevant.iter().filter(|f| f.severity == crate::wrangler_config::Severity::Warning).map(|f| describe(f)).collect();
        let missing_file = validation.findings.is_empty() && !validation.errors.is_empty();
        match (errors.is_empty() && !missing_file, warnings.is_empty()) {
            (false, _) if missing_file => check("config", "fail", validation.errors.join("; ")),
            (false, _) => check("config", "fail", errors.join("; ")),
            (true, false) => check("config", "warn", warnings.join("; ")),
            (true, true) => check("config", "pass", format!("{} is valid for {}", config.config_path().display(), self.o.environment)),
        }
    }

    fn binding_ids(&self, section: &Value) -> Check {
        if !self.remote() {
            return check("binding-ids", "skip", "local environment: ids are not needed");
        }
        let mut missing = vec![];
        for (list, id) in [("d1_databases", "database_id"), ("kv_namespaces", "id"), ("hyperdrive", "id")] {
            for entry in section[list].as_array().into_iter().flatten() {
                if entry[id].as_str().is_none_or(str::is_empty) {
                    missing.push(format!("{list} {} has no {id}", entry["binding"].as_str().unwrap_or("?")));
                }
            }
        }
        match missing.is_empty() {
            true => check("binding-ids", "pass", "every binding has its id"),
            false => check("binding-ids", "fail", format!("{} (remote commands need them; create the resources and record their ids)", missing.join("; "))),
        }
    }

    /// Credentials for remote environments; `whoami` checks them at `comprehensive`.
    pub fn authentication(&self) -> Vec<Check> {
        if !self.remote() {
            return vec![check("credentials", "skip", "local environment: no Cloudflare account needed")];
        }
        let token = self.o.credentials.api_token.clone().or_else(|| std::env::var("CLOUDFLARE_API_TOKEN").ok()).filter(|t| !t.is_empty());
        let mut checks = vec![match &token {
            Some(_) => check("credentials", "pass", "an API token is set"),
            None => check("credentials", "fail", "no Cloudflare API token: pass cloudflareToken or set CLOUDFLARE_API_TOKEN"),
        }];
        if self.o.level >= Level::Comprehensive && token.is_some() {
            checks.push(self.whoami());
        }
        checks
    }

    fn whoami(&self) -> Check {
        let runner = LazyRunner::new(self.o.wrangler_path.clone(), &self.o.service_path, self.o.credentials.clone(), RetryPolicy { attempts: 2, base_delay: Duration::from_millis(500) });
        let config = self.config();
        let inv = Invocation::new(vec!["whoami".into(), "--json".into()], config.config_path(), &self.o.service_path);
        let outcome = match runner.get().and_then(|r| r.run(&inv)) {
            Ok(o) => o,
            Err(e) => return check("whoami", "fail", e.to_string()),
        };
        let who: Value = serde_json::from_str(outcome.stdout.trim()).unwrap_or(Value::Null);
        let accounts: Vec<&str> = who["accounts"].as_array().into_iter().flatten().filter_map(|a| a["id"].as_str()).collect();
        match (who["loggedIn"].as_bool(), &self.o.credentials.account_id) {
            (Some(true), Some(account)) if !accounts.contains(&account.as_str()) => {
                check("whoami", "fail", format!("the token works but cannot see account {account} (it sees {})", accounts.join(", ")))
            }
            (Some(true), _) => check("whoami", "pass", format!("authenticated ({})", who["authType"].as_str().unwrap_or("token"))),
            _ => check("whoami", "fail", format!("wrangler whoami says not logged in: {}", outcome.stdout.trim())),
        }
    }

    /// A TCP connection to the Cloudflare API (or `CLOUDFLARE_API_BASE_URL`).
    pub fn network(&self) -> Check {
        let base = std::env::var("CLOUDFLARE_API_BASE_URL").unwrap_or_else(|_| "https://api.cloudflare.com/client/v4".into());
        let (host, port) = host_port(&base);
        let addresses = match (host.as_str(), port).to_socket_addrs() {
            Ok(a) => a.collect::<Vec<_>>(),
            Err(e) => return check("network", "fail", format!("cannot resolve {host}: {e}")),
        };
        let reachable = addresses.iter().any(|a| TcpStream::connect_timeout(a, Duration::from_secs(5)).is_ok());
        match reachable {
            true => check("network", "pass", format!("{host}:{port} accepts connections")),
            false => check("network", "fail", format!("{host}:{port} does not accept connections")),
        }
    }
}

/// A result object from checks: `valid` when none failed (in strict mode,
/// when none warned either).
pub fn summary(checks: &[Check], environment: &str, level: Level, strict: bool) -> Value {
    let by = |s: &str| checks.iter().filter(|c| c.status == s).map(|c| format!("{}: {}", c.name, c.message)).collect::<Vec<_>>();
    let mut errors = by("fail");
    if strict {
        errors.extend(by("warn"));
    }
    json!({
        "valid": errors.is_empty(),
        "environment": environment,
        "level": format!("{level:?}").to_lowercase(),
        "errors": errors,
        "warnings": by("warn"),
        "checks": checks.iter().map(|c| json!({"name": c.name, "status": c.status, "message": c.message})).collect::<Vec<_>>(),
    })
}

/// A finding about the top level, or about the environment checked.
fn applies(f: &crate::wrangler_config::Finding, env: Option<&str>) -> bool {
    f.env.is_none() || f.env.as_deref() == env
}

fn describe(f: &crate::wrangler_config::Finding) -> String {
    match f.line {
        Some(line) => format!("{} (line {line})", f.message),
        None => f.message.clone(),
    }
}

/// Bindings the top level has but this environment lacks: wrangler deploys without them.
fn env_bindings(root: &Value, section: &Value, env: Option<&str>) -> Check {
    let Some(env) = env.filter(|_| !std::ptr::eq(section, root)) else {
        return check("env-bindings", "pass", "the top level is used as it is");
    };
    let missing: Vec<&str> = ["d1_databases", "kv_namespaces", "r2_buckets", "durable_objects", "services", "queues"]
        .into_iter()
        .filter(|k| root[*k].as_array().is_some_and(|a| !a.is_empty()) && section[*k].is_null())
        .collect();
    match missing.is_empty() {
        true => check("env-bindings", "pass", format!("[env.{env}] declares its own bindings")),
        false => check("env-bindings", "fail", format!("[env.{env}] has no {}: wrangler does not inherit bindings, so this environment would deploy without them", missing.join(", "))),
    }
}

fn migrations(section: &Value, file: &Path) -> Check {
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut missing = vec![];
    let databases = section["d1_databases"].as_array().cloned().unwrap_or_default();
    for db in &databases {
        let folder = db["migrations_dir"].as_str().unwrap_or("migrations");
        if !dir.join(folder).is_dir() {
            missing.push(format!("{} ({})", db["binding"].as_str().unwrap_or("?"), dir.join(folder).display()));
        }
    }
    match (databases.is_empty(), missing.is_empty()) {
        (true, _) => check("migrations", "skip", "no D1 database bound"),
        (false, true) => check("migrations", "pass", "every D1 database has its migrations folder"),
        (false, false) => check("migrations", "fail", format!("missing migrations folder for {}", missing.join(", "))),
    }
}

/// Route patterns are host/path patterns without a scheme; custom domains are bare host names.
fn routes(section: &Value) -> Check {
    let mut problems = vec![];
    let list: Vec<Value> = match (&section["routes"], &section["route"]) {
        (Value::Array(a), _) => a.clone(),
        (_, r) if !r.is_null() => vec![r.clone()],
        _ => vec![],
    };
    for route in &list {
        let (pattern, custom) = match route {
            Value::String(p) => (p.as_str(), false),
            Value::Object(o) => (o.get("pattern").and_then(Value::as_str).unwrap_or(""), o.get("custom_domain").and_then(Value::as_bool).unwrap_or(false)),
            _ => ("", false),
        };
        if pattern.is_empty() {
            problems.push("a route without a pattern".to_owned());
        } else if pattern.contains("://") {
            problems.push(format!("{pattern}: drop the scheme (routes are host/path patterns)"));
        } else if custom && (pattern.contains('/') || pattern.contains('*')) {
            problems.push(format!("{pattern}: a custom domain is a host name, without path or wildcard"));
        } else if pattern.chars().any(char::is_whitespace) {
            problems.push(format!("{pattern:?}: spaces are not allowed"));
        }
    }
    match (list.is_empty(), problems.is_empty()) {
        (true, _) => check("routes", "skip", "no routes"),
        (false, true) => check("routes", "pass", format!("{} route(s) well formed", list.len())),
        (false, false) => check("routes", "fail", problems.join("; ")),
    }
}

fn host_port(url: &str) -> (String, u16) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let authority = rest.split('/').next().unwrap_or(rest);
    let default = if scheme == "http" { 80 } else { 443 };
    match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => (host.to_owned(), port.parse().unwrap_or(default)),
        _ => (authority.to_owned(), default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_checked() {
        assert_eq!(routes(&json!({"routes": ["shop.example.com/*"]})).status, "pass");
        assert_eq!(routes(&json!({"routes": ["https://shop.example.com/*"]})).status, "fail");
        assert_eq!(routes(&json!({"routes": [{"pattern": "shop.example.com/api/*", "custom_domain": true}]})).status, "fail");
        assert_eq!(routes(&json!({})).status, "skip");
    }

    #[test]
    fn the_api_host_and_port_come_from_the_base_url() {
        assert_eq!(host_port("http://127.0.0.1:8787/client/v4"), ("127.0.0.1".into(), 8787));
        assert_eq!(host_port("https://api.cloudflare.com/client/v4"), ("api.cloudflare.com".into(), 443));
    }
}
