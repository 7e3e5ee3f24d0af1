//! `validate()`: the original's checks (same messages) plus the wrangler
//! rules users trip over most, each finding with its line and column.

use serde_json::Value;

use super::WranglerConfig;
use crate::document::{Document, Format, Seg, key};
use crate::error::Error;

#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// The config will be used against Cloudflare (not only locally): D1
    /// entries without `database_id` become errors.
    pub remote: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub severity: Severity,
    /// Stable rule code, e.g. `NON_INHERITED_KEY`.
    pub rule: &'static str,
    pub message: String,
    /// Dotted path of the offending key (`env.staging.d1_databases`).
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub valid: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub findings: Vec<Finding>,
    pub config: Option<Value>,
}

/// Keys every environment must repeat: wrangler does not inherit them.
pub const NOT_INHERITED: &[&str] = &[
    "vars", "define", "secrets", "d1_databases", "kv_namespaces", "r2_buckets", "durable_objects", "services",
    "queues", "hyperdrive", "vectorize", "analytics_engine_datasets", "ai", "browser", "send_email",
    "dispatch_namespaces", "workflows", "mtls_certificates", "images", "version_metadata", "pipelines",
    "secrets_store_secrets", "tail_consumers", "unsafe",
];

/// Keys wrangler no longer reads, with what to do instead.
const REMOVED: &[(&str, &str)] = &[
    ("node_compat", "use compatibility_flags = [\"nodejs_compat\"]"),
    ("type", "delete it: wrangler 2 and later ignore project types"),
    ("webpack_config", "delete it: wrangler bundles with esbuild; use a custom build"),
    ("kv-namespaces", "rename it to kv_namespaces"),
    ("zone_id", "use routes with zone_id or zone_name"),
    ("experimental_services", "rename it to services"),
    ("usage_model", "delete it: Cloudflare ignores it since the Standard usage model"),
    ("miniflare", "delete it: configure local development under [dev]"),
];

/// Array bindings and the field that names them.
const NAMED_LISTS: &[(&str, &str)] = &[
    ("d1_databases", "binding"), ("kv_namespaces", "binding"), ("r2_buckets", "binding"), ("services", "binding"),
    ("hyperdrive", "binding"), ("vectorize", "binding"), ("analytics_engine_datasets", "binding"),
    ("dispatch_namespaces", "binding"), ("mtls_certificates", "binding"), ("workflows", "binding"),
    ("pipelines", "binding"), ("secrets_store_secrets", "binding"), ("send_email", "name"),
];
/// Single-object bindings.
const NAMED_OBJECTS: &[&str] = &["ai", "browser", "images", "version_metadata", "assets"];

pub(super) fn validate(manager: &WranglerConfig, options: &ValidateOptions) -> Validation {
    let file_name = manager.config_path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut v = Validation { valid: false, errors: vec![], warnings: vec![], findings: vec![], config: None };
    let doc = match manager.document() {
        Ok(Some(doc)) => doc,
        Ok(None) => {
            v.errors.push(format!("{file_name} file not found"));
            return v;
        }
        Err(e) => {
            let syntax = if manager.format() == Format::Toml { "TOML" } else { "JSON" };
            let message = match &e {
                Error::ConfigParse { message, location } => format!("Invalid {syntax} syntax: {message} at line {}, column {}", location.line, location.column),
                other => other.to_string(),
            };
            let (line, column) = e.location().map(|l| (Some(l.line), Some(l.column))).unwrap_or((None, None));
            v.findings.push(Finding { severity: Severity::Error, rule: "SYNTAX", message: message.clone(), path: String::new(), line, column });
            v.errors.push(message);
            return v;
        }
    };
    let config = doc.value();
    let mut checker = Checker { doc: &doc, file_name, findings: vec![], paths: vec![] };

    // The original's checks, with its exact messages.
    if config.get("name").is_none() {
        checker.plain(Severity::Error, "MISSING_NAME", "Missing required field: name");
    }
    if config.get("main").is_none() {
        checker.plain(Severity::Warning, "MISSING_MAIN", "Missing main field (entry point)");
    }
    if config.get("compatibility_date").is_none() {
        checker.plain(Severity::Warning, "MISSING_COMPATIBILITY_DATE", "Missing compatibility_date field");
    }

    let mut scopes = vec![(vec![], &config)];
    if let Some(envs) = config.get("env").and_then(Value::as_object) {
        scopes.extend(envs.iter().map(|(name, env)| (vec![key("env"), key(name)], env)));
    }
    for (scope, section) in &scopes {
        checker.scope_rules(scope, section, options);
        if !scope.is_empty() {
            checker.inheritance_rules(scope, section, &config);
        }
    }

    checker.locate();
    for f in &checker.findings {
        match f.severity {
            Severity::Error => v.errors.push(f.message.clone()),
            Severity::Warning => v.warnings.push(f.message.clone()),
        }
    }
    v.findings = checker.findings;
    v.valid = v.errors.is_empty();
    v.config = Some(config);
    v
}

struct Checker<'a> {
    doc: &'a Document,
    file_name: String,
    findings: Vec<Finding>,
    /// Findings still to be located: (index in `findings`, path).
    paths: Vec<(usize, Vec<Seg>)>,
}

impl Checker<'_> {
    fn plain(&mut self, severity: Severity, rule: &'static str, message: &str) {
        self.findings.push(Finding { severity, rule, message: message.into(), path: String::new(), line: None, column: None });
    }

    /// A finding about `path`; `locate` adds its line and column later.
    fn at(&mut self, severity: Severity, rule: &'static str, path: &[Seg], message: String) {
        self.findings.push(Finding { severity, rule, message, path: dotted(path), line: None, column: None });
        self.paths.push((self.findings.len() - 1, path.to_vec()));
    }

    /// Lines and columns for every located finding, from one parse; each such
    /// message ends with `(file:line:column)`.
    fn locate(&mut self) {
        let paths: Vec<Vec<Seg>> = self.paths.iter().map(|(_, p)| p.clone()).collect();
        for ((index, _), place) in self.paths.iter().zip(self.doc.lines_of(&paths)) {
            if let Some((line, column)) = place {
                let f = &mut self.findings[*index];
                f.line = Some(line);
                f.column = Some(column);
                f.message = format!("{} ({}:{line}:{column})", f.message, self.file_name);
            }
        }
    }

    fn scope_rules(&mut self, scope: &[Seg], section: &Value, options: &ValidateOptions) {
        let label = section_label(scope);
        let child = |k: &str| [scope.to_vec(), vec![key(k)]].concat();

        if let Some(date) = section.get("compatibility_date").filter(|d| !d.as_str().is_some_and(is_iso_date)) {
            self.at(Severity::Warning, "BAD_COMPATIBILITY_DATE", &child("compatibility_date"), format!("{label}compatibility_date {date} is not a YYYY-MM-DD date"));
        }
        for (removed, fix) in REMOVED {
            if section.get(*removed).is_some() {
                self.at(Severity::Warning, "REMOVED_KEY", &child(removed), format!("{label}\"{removed}\" is no longer supported by wrangler: {fix}"));
            }
        }
        if let Some(dbs) = section.get("d1_databases").and_then(Value::as_array) {
            for (i, db) in dbs.iter().enumerate() {
                if db.get("database_id").and_then(Value::as_str).is_none_or(str::is_empty) {
                    let severity = if options.remote { Severity::Error } else { Severity::Warning };
                    let name = db.get("binding").and_then(Value::as_str).unwrap_or("?");
                    self.at(severity, "D1_MISSING_ID", &[child("d1_databases"), vec![Seg::Index(i)]].concat(),
                        format!("{label}D1 binding {name} has no database_id: remote commands and deploys need it (create the database with `wrangler d1 create` and copy its id)"));
                }
            }
        }
        self.duplicate_bindings(scope, section, &label);
    }

    fn duplicate_bindings(&mut self, scope: &[Seg], section: &Value, label: &str) {
        // By name: thousands of vars must not cost a scan each.
        let mut seen: std::collections::HashMap<String, Vec<Seg>> = std::collections::HashMap::new();
        let mut names: Vec<(String, Vec<Seg>)> = vec![];
        for (list, field) in NAMED_LISTS {
            for (i, item) in section.get(*list).and_then(Value::as_array).into_iter().flatten().enumerate() {
                if let Some(n) = item.get(*field).and_then(Value::as_str) {
                    names.push((n.into(), [scope.to_vec(), vec![key(list), Seg::Index(i)]].concat()));
                }
            }
        }
        for obj in NAMED_OBJECTS {
            if let Some(n) = section.get(*obj).and_then(|o| o.get("binding")).and_then(Value::as_str) {
                names.push((n.into(), [scope.to_vec(), vec![key(obj)]].concat()));
            }
        }
        for (group, field) in [("durable_objects", "bindings"), ("queues", "producers")] {
            for (i, item) in section.get(group).and_then(|g| g.get(field)).and_then(Value::as_array).into_iter().flatten().enumerate() {
                let name = item.get("name").or_else(|| item.get("binding")).and_then(Value::as_str);
                if let Some(n) = name {
                    names.push((n.into(), [scope.to_vec(), vec![key(group), key(field), Seg::Index(i)]].concat()));
                }
            }
        }
        for var in section.get("vars").and_then(Value::as_object).into_iter().flat_map(|m| m.keys()) {
            names.push((var.clone(), [scope.to_vec(), vec![key("vars"), key(var)]].concat()));
        }
        for (name, path) in names {
            match seen.get(&name) {
                Some(first) => {
                    let first = dotted(first);
                    self.at(Severity::Error, "DUPLICATE_BINDING", &path, format!("{label}binding name \"{name}\" is used twice (also at {first}); each binding needs its own name"));
                }
                None => {
                    seen.insert(name, path);
                }
            }
        }
    }

    fn inheritance_rules(&mut self, scope: &[Seg], env: &Value, top: &Value) {
        let label = section_label(scope);
        for k in NOT_INHERITED {
            let present = |v: &Value| v.get(*k).is_some_and(|x| !is_empty(x));
            if present(top) && env.get(*k).is_none() {
                self.at(Severity::Warning, "NON_INHERITED_KEY", scope, format!(
                    "{label}has no \"{k}\": wrangler does not inherit it from the top level, so this environment deploys without it; repeat it in the environment"));
            }
        }
        let has_routes = |v: &Value| v.get("routes").is_some() || v.get("route").is_some();
        let top_routes = top.get("routes").is_some_and(|r| !is_empty(r)) || top.get("route").is_some_and(|r| !is_empty(r));
        if top_routes && !has_routes(env) {
            self.at(Severity::Warning, "INHERITED_ROUTES", scope, format!(
                "{label}has no routes of its own, so it inherits the top level's routes and custom domains and claims them on every deploy; give it its own \"routes\" (possibly [])"));
        }
    }
}

fn section_label(scope: &[Seg]) -> String {
    match scope.get(1) {
        Some(Seg::Key(env)) => format!("[env.{env}] "),
        _ => String::new(),
    }
}

fn dotted(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}
