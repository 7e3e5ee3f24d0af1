//! Per-domain worker configs: one service's wrangler config rendered for one
//! domain and environment, with its own worker name, D1 database, routes and
//! vars, written under `<service>/.clodo/rendered/<domain>/<env>/wrangler.json`.
//! Every domain deploys its own file with `--config`; the user's config is
//! only read. Relative paths are rebased so they still point at the service.
//! Which database each D1 binding reaches is `tenancy`'s rule; which KV
//! namespace, R2 bucket and queue, `resources`'. A custom
//! `[build]` is taken out of the rendered file and returned beside it: the
//! portfolio runs it once per distinct build, not once per wrangler process.

pub mod resources;
pub mod tenancy;

use std::collections::BTreeMap;

use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::wrangler_config::{NOT_INHERITED, Options as ConfigOptions, WranglerConfig};

/// Keys wrangler reads only at the top level of a config.
const TOP_LEVEL_ONLY: &[&str] = &["keep_vars", "send_metrics", "dev", "site", "alias", "wasm_modules", "text_blobs", "data_blobs"];

#[derive(Debug, Clone)]
pub struct DomainSpec {
    pub domain: String,
    pub environment: String,
    pub service_name: String,
    /// Default `<service>-<domain with dots as dashes>`, plus `-<env>` outside production.
    pub worker_name: Option<String>,
    /// The `DB` binding's database (see `tenancy`). Default `<domain with dots as dashes>-<env>-db`.
    pub database_name: Option<String>,
    /// Real ids of the domain's own databases, by name; local runs use the name.
    pub database_ids: BTreeMap<String, String>,
    /// Real ids of the domain's own KV namespaces, by title; local runs use the title.
    pub resource_ids: BTreeMap<String, String>,
    /// D1, KV, R2 and queue producer bindings that keep the service's resource on every domain.
    pub shared_bindings: Vec<String>,
    /// Served by `wrangler dev` on this machine, not deployed.
    pub local: bool,
    /// Route the worker on its custom domain (`{service}.{domain}`, `staging-…`, `dev-…`).
    pub custom_domain: bool,
    /// The zone serving the custom domain, when known: written on its route, so wrangler need not look it up.
    pub zone_id: Option<String>,
    /// Vars added to the config's own (`DOMAIN`, `ENVIRONMENT`, `SERVICE_NAME`, `DATABASE_NAME` are always set).
    pub vars: Map<String, Value>,
}

impl DomainSpec {
    pub fn new(domain: &str, environment: &str, service_name: &str) -> DomainSpec {
        DomainSpec {
            domain: domain.to_owned(),
            environment: environment.to_owned(),
            service_name: service_name.to_owned(),
            worker_name: None,
            database_name: None,
            database_ids: BTreeMap::new(),
            resource_ids: BTreeMap::new(),
            shared_bindings: vec![],
            local: false,
            custom_domain: true,
            zone_id: None,
            vars: Map::new(),
        }
    }

    fn dashed(&self) -> String {
        self.domain.replace('.', "-")
    }

    pub fn worker_name(&self) -> String {
        self.worker_name.clone().unwrap_or_else(|| match self.environment.as_str() {
            "production" => format!("{}-{}", self.service_name, self.dashed()),
            env => format!("{}-{}-{env}", self.service_name, self.dashed()),
        })
    }

    pub fn database_name(&self) -> String {
        self.database_name.clone().unwrap_or_else(|| format!("{}-{}-db", self.dashed(), self.environment))
    }

    /// The original's domain templates: `{service}.{domain}`, `staging-{service}.{domain}`, `dev-{service}.{domain}`.
    pub fn custom_hostname(&self) -> String {
        let prefix = match self.environment.as_str() {
            "staging" => "staging-",
            "development" => "dev-",
            _ => "",
        };
        format!("{prefix}{}.{}", self.service_name, self.domain)
    }
}

pub struct Rendered {
    pub path: PathBuf,
    pub config: Value,
    pub text: String,
    /// Every D1 binding and the database it reaches on this domain.
    pub databases: Vec<tenancy::DomainDatabase>,
    /// Every KV namespace, R2 bucket and queue, and what the domain uses for it.
    pub resources: Vec<resources::DomainResource>,
    /// The service's custom build, taken out of the rendered config.
    pub build: Option<BuildStep>,
}

/// A `[build]` command, run the way wrangler runs it: through the shell, in `cwd`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BuildStep {
    pub command: String,
    pub cwd: PathBuf,
}

impl Rendered {
    /// Writes the file atomically (its folder is the domain's own).
    pub fn write(&self) -> Result<()> {
        crate::atomic_file::write_atomic(&self.path, self.text.as_bytes(), crate::atomic_file::WriteOptions::default())
    }
}

/// The service's config as wrangler sees it for `environment`, then made the domain's own.
pub fn render(service_config: &Path, spec: &DomainSpec, out_root: &Path) -> Result<Rendered> {
    check_domain(&spec.domain)?;
    crate::d1::names::environment(&spec.environment)?;
    let manager = WranglerConfig::new(ConfigOptions::for_config_path(service_config));
    let doc = manager.document()?.ok_or_else(|| Error::ConfigNotFound {
        path: service_config.to_path_buf(),
        message: "The service's wrangler config is missing".into(),
    })?;
    let resolved = resolve_environment(&doc.value(), &spec.environment);
    let out_dir = out_root.join(&spec.domain).join(&spec.environment);
    let service_dir = service_config.parent().unwrap_or(Path::new(".")).to_path_buf();
    let databases = tenancy::databases(&resolved, spec, &service_dir)?;
    let resources = resources::resources(&resolved, spec)?;
    let build = build_step(&resolved, &service_dir);
    let mut config = rebase_paths(resolved, &service_dir, &out_dir);
    config.remove("build");
    tenancy::apply(&mut config, &databases);
    resources::apply(&mut config, &resources);
    make_domain_own(&mut config, spec, &databases);
    let text = serde_json::to_string_pretty(&config).unwrap_or_default() + "\n";
    Ok(Rendered { path: out_dir.join("wrangler.json"), config: Value::Object(config), text, databases, resources, build })
}

/// The custom build, with its folder as wrangler runs it: `build.cwd`, else
/// where wrangler runs (the service's folder, for clodo's invocations).
fn build_step(resolved: &Map<String, Value>, service_dir: &Path) -> Option<BuildStep> {
    let build = resolved.get("build")?;
    let command = build["command"].as_str().filter(|c| !c.trim().is_empty())?.to_owned();
    let cwd = build["cwd"].as_str().map_or_else(|| service_dir.to_path_buf(), |c| service_dir.join(c));
    Some(BuildStep { command, cwd })
}

/// Top level merged with `[env.<environment>]` the way wrangler does: the env's
/// keys win; non-inherited keys (bindings, vars) come only from the env.
pub fn resolve_environment(root: &Value, environment: &str) -> Map<String, Value> {
    let mut top = root.as_object().cloned().unwrap_or_default();
    let env = top.remove("env");
    let Some(section) = env.as_ref().and_then(|e| e.get(environment)).and_then(Value::as_object) else {
        return top;
    };
    for key in NOT_INHERITED {
        top.remove(*key);
    }
    for (key, value) in section {
        if !TOP_LEVEL_ONLY.contains(&key.as_str()) {
            top.insert(key.clone(), value.clone());
        }
    }
    top
}

fn make_domain_own(config: &mut Map<String, Value>, spec: &DomainSpec, databases: &[tenancy::DomainDatabase]) {
    config.insert("name".into(), json!(spec.worker_name()));
    if spec.custom_domain {
        let mut route = json!({"pattern": spec.custom_hostname(), "custom_domain": true});
        if let Some(zone) = &spec.zone_id {
            route["zone_id"] = json!(zone);
        }
        config.insert("routes".into(), json!([route]));
    }
    let vars = config.entry("vars").or_insert_with(|| json!({}));
    if let Some(vars) = vars.as_object_mut() {
        vars.extend(spec.vars.clone());
        vars.insert("DOMAIN".into(), json!(spec.domain));
        vars.insert("ENVIRONMENT".into(), json!(spec.environment));
        vars.insert("SERVICE_NAME".into(), json!(spec.service_name));
        if let Some(primary) = tenancy::primary(databases) {
            vars.insert("DATABASE_NAME".into(), json!(primary.database_name));
        }
    }
}

/// Makes every path wrangler resolves against the config file point at the
/// same file from the rendered config's folder.
fn rebase_paths(mut config: Map<String, Value>, from: &Path, to: &Path) -> Map<String, Value> {
    let rebase = |v: &mut Value| {
        if let Some(p) = v.as_str().filter(|p| !Path::new(p).is_absolute()) {
            *v = json!(relative(&from.join(p), to));
        }
    };
    for key in ["main", "tsconfig", "base_dir"] {
        if let Some(v) = config.get_mut(key) {
            rebase(v);
        }
    }
    for (table, key) in [("assets", "directory"), ("site", "bucket")] {
        if let Some(v) = config.get_mut(table).and_then(|t| t.get_mut(key)) {
            rebase(v);
        }
    }
    for table in ["wasm_modules", "text_blobs", "data_blobs"] {
        if let Some(map) = config.get_mut(table).and_then(Value::as_object_mut) {
            map.values_mut().for_each(rebase);
        }
    }
    if let Some(dbs) = config.get_mut("d1_databases").and_then(Value::as_array_mut) {
        for db in dbs {
            let dir = db.get("migrations_dir").and_then(Value::as_str).unwrap_or("migrations").to_owned();
            if !Path::new(&dir).is_absolute() {
                db["migrations_dir"] = json!(relative(&from.join(dir), to));
            }
        }
    }
    config
}

/// `target` written relative to `base` (both absolute), with `/` separators.
pub fn relative(target: &Path, base: &Path) -> String {
    let clean = |p: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts
    };
    let (t, b) = (clean(target), clean(base));
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out: Vec<String> = vec!["..".into(); b.len() - common];
    out.extend(t[common..].iter().cloned());
    if out.is_empty() { ".".into() } else { out.join("/") }
}

pub fn check_domain(domain: &str) -> Result<()> {
    let ok = !domain.is_empty()
        && domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty() && label.len() <= 63 && !label.starts_with('-') && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    match ok {
        true => Ok(()),
        false => Err(Error::invalid(format!("Invalid domain {domain:?}: use a host name like shop.example.com"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str = r#"# the service
name = "data-service"
main = "src/index.js"
compatibility_date = "2025-01-01"
assets = { directory = "./public" }

[vars]
LOG_LEVEL = "info"

[[d1_databases]]
binding = "DB"
database_name = "shared-db"
database_id = "shared-id"
migrations_dir = "db/migrations"

[env.staging]
compatibility_date = "2025-06-01"
[env.staging.vars]
LOG_LEVEL = "debug"
[[env.staging.d1_databases]]
binding = "DB"
database_name = "shared-staging"
database_id = "shared-staging-id"
"#;

    fn service() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("wrangler.toml"), SERVICE).unwrap();
        dir
    }

    #[test]
    fn each_domain_gets_its_own_worker_database_route_and_vars() {
        let dir = service();
        let out = dir.path().join(".clodo/rendered");
        let config = dir.path().join("wrangler.toml");
        let a = render(&config, &DomainSpec::new("shop.example.com", "production", "data-service"), &out).unwrap();
        let b = render(&config, &DomainSpec::new("blog.example.org", "production", "data-service"), &out).unwrap();
        assert_eq!(a.config["name"], "data-service-shop-example-com");
        assert_eq!(b.config["name"], "data-service-blog-example-org");
        assert_eq!(a.config["d1_databases"][0]["database_name"], "shop-example-com-production-db");
        assert_eq!(b.config["d1_databases"][0]["database_name"], "blog-example-org-production-db");
        assert_eq!(a.config["routes"][0], json!({"pattern": "data-service.shop.example.com", "custom_domain": true}));
        assert_eq!(a.config["vars"]["DOMAIN"], "shop.example.com");
        assert_eq!(a.config["vars"]["LOG_LEVEL"], "info");
        assert_ne!(a.path, b.path);
    }

    #[test]
    fn relative_paths_still_point_at_the_service() {
        let dir = service();
        let out = dir.path().join(".clodo/rendered");
        let r = render(&dir.path().join("wrangler.toml"), &DomainSpec::new("shop.example.com", "production", "svc"), &out).unwrap();
        let from = r.path.parent().unwrap();
        for (value, expected) in [
            (&r.config["main"], "src/index.js"),
            (&r.config["assets"]["directory"], "public"),
            (&r.config["d1_databases"][0]["migrations_dir"], "db/migrations"),
        ] {
            let resolved = from.join(value.as_str().unwrap());
            let normal: PathBuf = resolved.components().fold(PathBuf::new(), |mut p, c| {
                match c {
                    Component::ParentDir => {
                        p.pop();
                    }
                    Component::CurDir => {}
                    c => p.push(c),
                }
                p
            });
            assert_eq!(normal, dir.path().join(expected), "{value}");
        }
    }

    #[test]
    fn the_environment_is_resolved_as_wrangler_does() {
        let dir = service();
        let spec = DomainSpec::new("shop.example.com", "staging", "svc");
        let r = render(&dir.path().join("wrangler.toml"), &spec, &dir.path().join("out")).unwrap();
        assert_eq!(r.config["compatibility_date"], "2025-06-01");
        assert_eq!(r.config["vars"]["LOG_LEVEL"], "debug");
        assert_eq!(r.config["name"], "svc-shop-example-com-staging");
        assert_eq!(r.config["d1_databases"][0]["database_name"], "shop-example-com-staging-db");
        assert_eq!(r.config["routes"][0]["pattern"], "staging-svc.shop.example.com");
        assert!(r.config.get("env").is_none());
    }

    #[test]
    fn hostile_domains_are_refused() {
        let dir = service();
        for bad in ["../x", "x", "a..b", "a b.com", "-a.com", "a/b.com"] {
            let spec = DomainSpec::new(bad, "production", "svc");
            assert!(render(&dir.path().join("wrangler.toml"), &spec, dir.path()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn relative_paths_are_computed_between_absolute_ones() {
        assert_eq!(relative(Path::new("/s/src/index.js"), Path::new("/s/.clodo/rendered/a.com/production")), "../../../../src/index.js");
        assert_eq!(relative(Path::new("/s/x"), Path::new("/s")), "x");
    }
}
