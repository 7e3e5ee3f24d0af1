//! New worker projects (`clodo service create`, `createService`): a wrangler
//! config (TOML or JSONC), `src/index.js` for the type using `clodo/worker`,
//! `src/config/domains.js`, `migrations/0001_init.sql`, `package.json` and a
//! README: a project `wrangler dev` serves and `clodo deploy` deploys as is.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::atomic_file::{WriteOptions, write_atomic};
use crate::error::{Error, Result};

pub const TYPES: [&str; 4] = ["generic", "data-service", "api-gateway", "static-site"];

pub struct CreateOptions {
    pub name: String,
    pub service_type: String,
    /// `toml` or `jsonc`.
    pub format: String,
    pub domains: Vec<String>,
    /// The folder the project folder is created in.
    pub parent: PathBuf,
    /// Write into an existing, non-empty folder.
    pub force: bool,
}

fn source_for(service_type: &str) -> &'static str {
    match service_type {
        "data-service" => include_str!("../../templates/service/index.data-service.js"),
        "api-gateway" => include_str!("../../templates/service/index.api-gateway.js"),
        "static-site" => include_str!("../../templates/service/index.static-site.js"),
        _ => include_str!("../../templates/service/index.generic.js"),
    }
}

/// The type's table, in its first migration.
fn first_migration(service_type: &str) -> &'static str {
    match service_type {
        "data-service" => "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO items (name) VALUES ('first');\n",
        "api-gateway" => "CREATE TABLE requests (id INTEGER PRIMARY KEY, path TEXT NOT NULL, status INTEGER NOT NULL, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);\n",
        "static-site" => "CREATE TABLE page_views (id INTEGER PRIMARY KEY, path TEXT NOT NULL, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);\n",
        _ => "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);\n",
    }
}

/// Lowercase letters, digits and dashes, as a worker name must be.
pub fn check_service_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    match ok {
        true => Ok(()),
        false => Err(Error::invalid(format!(
            "Invalid service name {name:?}: use 1–63 lowercase letters, digits and dashes, not starting or ending with a dash (it becomes the worker's name)"
        ))),
    }
}

/// The wrangler config's content as JSON (rendered to TOML or JSONC by the caller).
fn config(o: &CreateOptions) -> Value {
    let database = format!("{}-db", o.name);
    // `wrangler dev` on its own serves as localhost; clodo sets each domain's when it deploys.
    let domain = "localhost";
    let mut config = json!({
        "name": o.name,
        "main": "src/index.js",
        "compatibility_date": "2025-01-01",
        "vars": {"SERVICE_NAME": o.name, "SERVICE_TYPE": o.service_type, "ENVIRONMENT": "development", "DOMAIN": domain, "DATABASE_NAME": database},
        "d1_databases": [{"binding": "DB", "database_name": database, "database_id": database, "migrations_dir": "migrations"}],
    });
    if o.service_type == "static-site" {
        config["assets"] = json!({"directory": "./public", "binding": "ASSETS"});
    }
    config
}

fn toml_text(o: &CreateOptions, config: &Value) -> String {
    let quote = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    let mut text = format!("# {}: a {} service created by clodo. `npx clodo deploy --local` deploys one worker per domain.\n", o.name, o.service_type);
    for key in ["name", "main", "compatibility_date"] {
        text += &format!("{key} = {}\n", quote(&config[key]));
    }
    text += "\n# clodo sets DOMAIN, ENVIRONMENT, SERVICE_NAME and DATABASE_NAME per domain when it deploys.\n[vars]\n";
    for (key, value) in config["vars"].as_object().into_iter().flatten() {
        text += &format!("{key} = {}\n", quote(value));
    }
    if let Some(assets) = config.get("assets") {
        text += &format!("\n[assets]\ndirectory = {}\nbinding = {}\n", quote(&assets["directory"]), quote(&assets["binding"]));
    }
    let db = &config["d1_databases"][0];
    text += "\n# Locally this database is local D1; a remote deploy creates one per domain and uses its real id.\n[[d1_databases]]\n";
    for key in ["binding", "database_name", "database_id", "migrations_dir"] {
        text += &format!("{key} = {}\n", quote(&db[key]));
    }
    text
}

fn domains_module(o: &CreateOptions) -> String {
    let mut text = String::from("// The domains this service serves: `clodo list` and `clodo deploy` read them, and\n// initializeService (clodo/worker) picks the one named by the worker's DOMAIN var.\nexport default {\n");
    for domain in &o.domains {
        text += &format!("  '{domain}': {{ name: '{domain}', domains: {{ production: '{domain}', staging: '{domain}', development: '{domain}' }}, features: {{ SEARCH: true }} }},\n");
    }
    text += &format!("  default: {{ name: '{}', domains: {{}}, features: {{ SEARCH: true }} }},\n}}\n", o.name);
    text
}

fn package_json(o: &CreateOptions) -> String {
    let package = json!({
        "name": o.name,
        "private": true,
        "type": "module",
        "scripts": {"dev": "wrangler dev", "deploy": "clodo deploy", "deploy:local": "clodo deploy --local"},
        "dependencies": {"clodo": format!("^{}", env!("CARGO_PKG_VERSION"))},
        "devDependencies": {"wrangler": "^4.0.0"},
    });
    serde_json::to_string_pretty(&package).unwrap_or_default() + "\n"
}

fn readme(o: &CreateOptions) -> String {
    let domains = if o.domains.is_empty() { "none yet (add them to src/config/domains.js)".to_owned() } else { o.domains.join(", ") };
    format!(
        "# {name}\n\nA {kind} service created by clodo. Domains: {domains}.\n\n```sh\nnpm install\nnpx wrangler dev          # this worker alone, on local D1\nnpx clodo deploy --local  # one worker and one local D1 database per domain, checked on /health\n```\n\nBefore clodo is on the npm registry, install it from its packed tarballs instead (`npm pack` in clodo's folder and in\nits `npm/<platform>` folder with the built binary, or `npm run rehearse-release` there):\n`npm install <path>/clodo-<version>.tgz <path>/clodo-<platform>-<version>.tgz`.\n\nEach domain's worker gets the vars `DOMAIN`, `ENVIRONMENT`, `SERVICE_NAME` and `DATABASE_NAME`;\n`migrations/` holds the D1 migrations every domain's database receives.\n",
        name = o.name,
        kind = o.service_type
    )
}

/// Every file of the project, relative to its folder.
fn files(o: &CreateOptions) -> Vec<(PathBuf, String)> {
    let config = config(o);
    let config_file = match o.format.as_str() {
        "jsonc" => (
            PathBuf::from("wrangler.jsonc"),
            format!("// {}: a {} service created by clodo.\n{}\n", o.name, o.service_type, serde_json::to_string_pretty(&config).unwrap_or_default()),
        ),
        _ => (PathBuf::from("wrangler.toml"), toml_text(o, &config)),
    };
    let source = source_for(&o.service_type).replace("{{name}}", &o.name).replace("{{type}}", &o.service_type);
    let mut files = vec![
        config_file,
        (PathBuf::from("src/index.js"), source),
        (PathBuf::from("src/config/domains.js"), domains_module(o)),
        (PathBuf::from("migrations/0001_init.sql"), first_migration(&o.service_type).to_owned()),
        (PathBuf::from("package.json"), package_json(o)),
        (PathBuf::from("README.md"), readme(o)),
        (PathBuf::from(".gitignore"), "node_modules\n.wrangler\n.clodo\nlogs\n".to_owned()),
    ];
    if o.service_type == "static-site" {
        files.push((PathBuf::from("public/index.html"), format!("<!doctype html>\n<title>{0}</title>\n<h1>{0}</h1>\n", o.name)));
    }
    files
}

/// Writes the project; nothing is written when an argument is wrong or the folder is taken.
pub fn create(o: &CreateOptions) -> Result<Value> {
    check_service_name(&o.name)?;
    crate::d1::names::one_of(&o.service_type, "service type", &TYPES)?;
    crate::d1::names::one_of(&o.format, "format", &["toml", "jsonc"])?;
    for domain in &o.domains {
        crate::domain_config::check_domain(domain)?;
    }
    let dir = o.parent.join(&o.name);
    if !o.force && dir.read_dir().is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(Error::invalid(format!("{} already exists and is not empty: pick another name, or force to write into it", dir.display())));
    }
    let files = files(o);
    for (path, text) in &files {
        write_atomic(&dir.join(path), text.as_bytes(), WriteOptions::default())?;
    }
    Ok(json!({
        "type": o.service_type,
        "name": o.name,
        "path": dir,
        "files": files.iter().map(|(p, _)| p.display().to_string()).collect::<Vec<_>>(),
        "domains": o.domains,
        "created": true,
    }))
}

/// `src/config/domains.js` of a service, if it has one.
pub fn domains_module_path(service: &Path) -> PathBuf {
    service.join("src").join("config").join("domains.js")
}

/// One domain for `init`: `host[:account-id[:zone-id]]`.
pub struct InitDomain {
    pub domain: String,
    pub account_id: Option<String>,
    pub zone_id: Option<String>,
}

impl InitDomain {
    /// Parses `api.example.com:<account>:<zone>`; the ids are Cloudflare's 32 hex characters.
    pub fn parse(spec: &str) -> Result<InitDomain> {
        let mut parts = spec.trim().split(':');
        let domain = parts.next().unwrap_or_default().to_owned();
        crate::domain_config::check_domain(&domain)?;
        let id = |part: Option<&str>, what: &str| -> Result<Option<String>> {
            match part.filter(|p| !p.is_empty()) {
                None => Ok(None),
                Some(p) if p.len() == 32 && p.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) => Ok(Some(p.to_owned())),
                Some(p) => Err(Error::invalid(format!("Invalid {what} {p:?} in {spec:?}: use host:account-id:zone-id, each id 32 lowercase hex characters"))),
            }
        };
        let account_id = id(parts.next(), "account id")?;
        let zone_id = id(parts.next(), "zone id")?;
        if parts.next().is_some() {
            return Err(Error::invalid(format!("Invalid domain entry {spec:?}: use host:account-id:zone-id")));
        }
        Ok(InitDomain { domain, account_id, zone_id })
    }
}

/// Adds clodo to an existing worker project: `src/config/domains.js` with
/// the domains (and their Cloudflare ids), and clodo in `package.json`'s
/// dependencies (the file's formatting kept). The wrangler config is untouched.
pub fn init(dir: &Path, domains: &[InitDomain], force: bool) -> Result<Value> {
    let config = crate::wrangler_config::discover_config(dir).ok_or_else(|| Error::ConfigNotFound {
        path: dir.join("wrangler.toml"),
        message: format!("No wrangler config in {}: `clodo service init` adds clodo to an existing worker (use `clodo service create` for a new one)", dir.display()),
    })?;
    let module = domains_module_path(dir);
    if module.exists() && !force {
        return Err(Error::invalid(format!("{} exists: force to replace it", module.display())));
    }
    let mut text = String::from("// The domains this service serves: `clodo list` and `clodo deploy` read them, and\n// initializeService (clodo/worker) picks the one named by the worker's DOMAIN var.\nexport default {\n");
    for d in domains {
        let ids = format!(
            "{}{}",
            d.account_id.as_ref().map(|a| format!(" accountId: '{a}',")).unwrap_or_default(),
            d.zone_id.as_ref().map(|z| format!(" zoneId: '{z}',")).unwrap_or_default()
        );
        text += &format!("  '{0}': {{ name: '{0}',{ids} domains: {{ production: '{0}', staging: '{0}', development: '{0}' }}, features: {{}} }},\n", d.domain);
    }
    text += "}\n";
    let package_path = dir.join("package.json");
    let package = add_clodo_dependency(&package_path, dir)?;
    // Both checked before either is written.
    write_atomic(&module, text.as_bytes(), WriteOptions::default())?;
    write_atomic(&package_path, package.as_bytes(), WriteOptions::default())?;
    Ok(json!({
        "path": dir,
        "configPath": config,
        "files": [module, package_path],
        "domains": domains.iter().map(|d| json!({"domain": d.domain, "accountId": d.account_id, "zoneId": d.zone_id})).collect::<Vec<_>>(),
    }))
}

/// package.json with `dependencies.clodo`, edited in place (or a new minimal one).
fn add_clodo_dependency(path: &Path, dir: &Path) -> Result<String> {
    use crate::document::{Document, Format, Seg};
    let version = json!(format!("^{}", env!("CARGO_PKG_VERSION")));
    let raw = match std::fs::read_to_string(path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let name = dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_else(|| "service".into());
            let package = json!({"name": name, "private": true, "dependencies": {"clodo": version}, "devDependencies": {"wrangler": "^4.0.0"}});
            return Ok(serde_json::to_string_pretty(&package).unwrap_or_default() + "\n");
        }
        Err(e) => return Err(Error::io("Failed to read", path, e)),
    };
    let mut doc = Document::parse(&raw, Format::Jsonc, path)?;
    doc.set(&[Seg::Key("dependencies".into()), Seg::Key("clodo".into())], &version);
    Ok(doc.render())
}
