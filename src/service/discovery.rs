//! Services and their domains, found on disk: a service is a folder with a
//! wrangler config; its domains come from its customer records
//! (`config/customers/<customer>/<env>.env`, `DOMAIN`), the config's vars
//! (`DOMAIN`, `DOMAINS` comma-separated), its custom-domain routes, and its
//! `src/config/domains.js` (a JavaScript module, loaded by Node).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::customer_records::CustomerRecords;
use crate::error::Result;
use crate::wrangler::process::run;
use crate::wrangler_config::{Options as ConfigOptions, WranglerConfig, discover_config};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub name: String,
    pub path: PathBuf,
    pub config_path: PathBuf,
    pub domains: Vec<Domain>,
    /// What could not be read while looking for domains (a `domains.js`
    /// that fails to load, say): the domains it would have named are missing.
    pub problems: Vec<String>,
    /// The config's `[env.*]` sections.
    #[serde(skip)]
    pub environments: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Domain {
    pub domain: String,
    /// Where it was found: `customer:<name>`, `vars`, `routes`, `src/config/domains.js`.
    pub source: String,
    /// The Cloudflare account its customer record names.
    #[serde(rename = "accountId", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The API token its customer record holds (never printed).
    #[serde(skip)]
    pub api_token: Option<String>,
}

/// `root` itself when it is a service, else every service folder directly under it, by name.
pub fn services(root: &Path, environment: &str) -> Result<Vec<Service>> {
    if discover_config(root).is_some() {
        return Ok(vec![service(root, environment)?]);
    }
    let mut found = vec![];
    let entries = std::fs::read_dir(root).map_err(|e| crate::error::Error::io("list", root, e))?;
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir() && discover_config(p).is_some()).collect();
    dirs.sort();
    for dir in dirs {
        found.push(service(&dir, environment)?);
    }
    Ok(found)
}

/// The warning wrangler gives for `--env` naming a section the config lacks:
/// the top level is used, under that environment's name.
pub fn missing_environment(service: &Service, environment: &str) -> Option<String> {
    if service.environments.iter().any(|e| e == environment) {
        return None;
    }
    let file = service.config_path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    Some(format!("{file} has no environment {environment:?} (env.{environment}): its top-level settings are used for {environment}, as wrangler does"))
}

pub fn service(dir: &Path, environment: &str) -> Result<Service> {
    let config_path = discover_config(dir).unwrap_or_else(|| dir.join("wrangler.toml"));
    let config = WranglerConfig::new(ConfigOptions::for_config_path(&config_path)).document()?.map(|d| d.value()).unwrap_or(Value::Null);
    let resolved = Value::Object(crate::domain_config::resolve_environment(&config, environment));
    let name = resolved["name"].as_str().map(str::to_owned).unwrap_or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let mut domains: Vec<Domain> = vec![];
    let mut add_with = |domain: &str, source: String, account_id: Option<String>, api_token: Option<String>| {
        let domain = domain.trim().trim_end_matches('.').to_lowercase();
        if crate::domain_config::check_domain(&domain).is_ok() && !domains.iter().any(|d| d.domain == domain) {
            domains.push(Domain { domain, source, account_id, api_token });
        }
    };
    let records = CustomerRecords::for_project(Some(dir), None, false);
    for customer in records.list_customers().unwrap_or_default() {
        // A record still missing its account id names its domain all the same.
        let Ok(path) = records.record_path(&customer, environment) else { continue };
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let fields = crate::customer_records::parse_env(&text);
        let known = |key: &str| fields.get(key).filter(|v| !v.is_empty()).cloned();
        if let Some(domain) = known("DOMAIN").or_else(|| known("CUSTOMER_DOMAIN")) {
            // The all-zero account id is the original's placeholder, not an account.
            let account = known("CLOUDFLARE_ACCOUNT_ID").filter(|a| a.chars().any(|c| c != '0'));
            add_with(&domain, format!("customer:{customer}"), account, known("CLOUDFLARE_API_TOKEN"));
        }
    }
    let mut add = |domain: &str, source: String| add_with(domain, source, None, None);
    let vars = &resolved["vars"];
    for domain in vars["DOMAIN"].as_str().into_iter().chain(vars["DOMAINS"].as_str().into_iter().flat_map(|d| d.split(','))) {
        add(domain, "vars".into());
    }
    for route in resolved["routes"].as_array().into_iter().flatten() {
        if route["custom_domain"] == true {
            add(route["pattern"].as_str().unwrap_or_default(), "routes".into());
        }
    }
    let mut problems = vec![];
    match domains_in_module(&crate::service::create::domains_module_path(dir), environment) {
        Ok(listed) => listed.iter().for_each(|domain| add(domain, "src/config/domains.js".into())),
        Err(problem) => problems.push(format!("src/config/domains.js: {problem}")),
    }
    let environments = config["env"].as_object().map(|envs| envs.keys().cloned().collect()).unwrap_or_default();
    Ok(Service { name, path: dir.to_path_buf(), config_path, domains, problems, environments })
}

/// How long a `domains.js` may take to load before it counts as broken.
const MODULE_TIMEOUT: Duration = Duration::from_secs(20);

/// The host names a `domains.js` module lists for `environment` (its
/// `default` entry aside). It is JavaScript, so Node reads it: the node
/// running this CLI when there is one, else `node` on the PATH.
fn domains_in_module(module: &Path, environment: &str) -> std::result::Result<Vec<String>, String> {
    if !module.is_file() {
        return Ok(vec![]);
    }
    let node = std::env::current_exe().ok().filter(|p| p.file_stem().is_some_and(|n| n.to_string_lossy().starts_with("node"))).or_else(|| which::which("node").ok());
    let Some(node) = node else { return Err("not loaded: no `node` on the PATH".into()) };
    const LIST: &str = "const { pathToFileURL } = await import('node:url');
const m = await import(pathToFileURL(process.argv[1]).href);
const all = m.default ?? m.domains ?? {};
const hosts = Object.entries(all).filter(([k]) => k !== 'default').map(([k, c]) => c?.domains?.[process.argv[2]] || k);
console.log(JSON.stringify(hosts));";
    let mut command = std::process::Command::new(node);
    crate::wrangler::environment::set(&mut command, crate::wrangler::environment::for_project_code(std::env::vars_os()));
    command.args(["--input-type=module", "-e", LIST]).arg(module).arg(environment);
    let done = run(command, None, MODULE_TIMEOUT).map_err(|e| format!("not loaded: Node could not start ({e})"))?;
    if done.timed_out {
        return Err(format!("not loaded: it was still running after {} s", MODULE_TIMEOUT.as_secs()));
    }
    if done.exit_code != Some(0) {
        return Err(format!("failed to load: {}", first_error_line(&String::from_utf8_lossy(&done.stderr))));
    }
    serde_json::from_slice::<Vec<String>>(&done.stdout).map_err(|_| "loaded, but its domains are not a list of host names".into())
}

/// The line of Node's report that says what went wrong (`SyntaxError: …`),
/// else its first line.
fn first_error_line(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let named = lines.iter().find(|l| l.split(':').next().is_some_and(|kind| kind.ends_with("Error") && !kind.contains(' ')));
    named.or(lines.first()).map(|l| l.to_string()).unwrap_or_else(|| "Node exited without saying why".into())
}
