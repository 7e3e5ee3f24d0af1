//! `validate()`: every check wrangler 4 makes when it reads a config, for the
//! top level and each environment, at wrangler's severity; then clodo's own
//! rules beyond wrangler's, all warnings except where noted
//! (docs/validation.md lists them). Each finding names its environment, the
//! key concerned with its line and column, a stable rule code, and the fix.

mod bindings;
mod containers;
mod environment;
mod sections;
mod shape;
mod top_level;

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::WranglerConfig;
use crate::document::{Document, Format, Seg, key};
use crate::error::Error;
pub use environment::NOT_INHERITED;
use shape::{Sink, at, dotted, mark_date, nth};

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
    /// The environment the finding is about; `None` for the top level, which
    /// every environment also deploys with.
    pub env: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub valid: bool,
    /// Each error and warning as one line: `[env.<name>] ` when it is about an
    /// environment, then the message and `(file:line:column)`.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub findings: Vec<Finding>,
    pub config: Option<Value>,
}

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
            v.findings.push(Finding { severity: Severity::Error, rule: "SYNTAX", message: message.clone(), path: String::new(), env: None, line, column });
            v.errors.push(message);
            return v;
        }
    };
    let config = doc.value();
    let config_dir = manager.config_path().parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let mut sink = check(&as_wrangler_reads(&doc, &config), &config_dir, options);
    locate(&mut sink, &doc);
    for f in &sink.findings {
        let env = f.env.as_ref().map(|e| format!("[env.{e}] ")).unwrap_or_default();
        let place = match (f.line, f.column) {
            (Some(line), Some(column)) => format!(" ({file_name}:{line}:{column})"),
            _ => String::new(),
        };
        let line = format!("{env}{}{place}", f.message);
        match f.severity {
            Severity::Error => v.errors.push(line),
            Severity::Warning => v.warnings.push(line),
        }
    }
    v.findings = sink.findings;
    v.valid = v.errors.is_empty();
    v.config = Some(config);
    v
}

/// The messages of the errors wrangler's checks find in a document being edited (warnings left out), without
/// where they are: an edit compares them before and after, so it never adds a new kind of error (a new
/// environment section that copies the top level's name repeats the top level's error, not a new one).
pub(super) fn errors_of(doc: &Document, config_dir: &std::path::Path) -> Vec<String> {
    let sink = check(&as_wrangler_reads(doc, &doc.value()), config_dir, &ValidateOptions::default());
    let errors = sink.findings.iter().filter(|f| f.severity == Severity::Error);
    errors.map(|f| f.message.clone()).collect()
}

/// `config` (the document's value) as wrangler reads it: TOML dates marked as dates.
fn as_wrangler_reads<'v>(doc: &Document, config: &'v Value) -> Cow<'v, Value> {
    let dates = doc.date_paths();
    match dates.is_empty() {
        true => Cow::Borrowed(config),
        false => Cow::Owned(with_dates_marked(config, &dates)),
    }
}

/// The config with each TOML date marked, since wrangler reads those as
/// dates rather than strings.
fn with_dates_marked(config: &Value, dates: &[Vec<Seg>]) -> Value {
    let mut marked = config.clone();
    for path in dates {
        if let Some(slot) = pointer_mut(&mut marked, path) {
            *slot = mark_date(slot.take());
        }
    }
    marked
}

fn pointer_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Index(i) => v.get_mut(*i),
    })
}

fn check(config: &Value, config_dir: &std::path::Path, options: &ValidateOptions) -> Sink {
    let mut s = Sink::default();
    let empty = Map::new();
    let top = config.as_object().unwrap_or(&empty);
    let service_environments = top.get("legacy_env") == Some(&Value::Bool(false));
    own_top_level_rules(&mut s, top);
    top_level::check(&mut s, top);
    let scope = environment::Scope { base: vec![], top: None, service_environments, config_dir };
    environment::check(&mut s, top, &scope);
    top_level::unique_names(&mut s, &[], top, top);
    own_environment_rules(&mut s, &[], top, None, options);

    for (name, env) in top.get("env").and_then(Value::as_object).into_iter().flatten() {
        s.env = Some(name.clone());
        let base = vec![key("env"), key(name)];
        if !(env.is_object() || env.is_array()) {
            s.wrong_type(&base, env, "a table ([env.<name>])");
            continue;
        }
        let env = as_environment(env);
        let scope = environment::Scope { base: base.clone(), top: Some(config), service_environments, config_dir };
        environment::check(&mut s, &env, &scope);
        top_level::unique_names(&mut s, &base, &env, top);
        own_environment_rules(&mut s, &base, &env, Some(top), options);
    }
    s
}

/// An environment as wrangler walks it: an array's elements count as fields
/// named by their index.
fn as_environment(env: &Value) -> Cow<'_, Map<String, Value>> {
    match env {
        Value::Object(o) => Cow::Borrowed(o),
        Value::Array(items) => Cow::Owned(items.iter().enumerate().map(|(i, v)| (i.to_string(), v.clone())).collect()),
        _ => Cow::Owned(Map::new()),
    }
}

/// The original's checks, with its exact messages; wrangler reads a config
/// without any of these, so they are warnings.
fn own_top_level_rules(s: &mut Sink, top: &Map<String, Value>) {
    if !top.contains_key("name") {
        s.warn("MISSING_NAME", &[], "Missing required field: name".into());
    }
    // Assets-only workers, Pages projects and legacy sites need no entry point.
    let serves_files = top.contains_key("assets") || top.contains_key("pages_build_output_dir") || top.contains_key("site");
    if !top.contains_key("main") && !serves_files {
        s.warn("MISSING_MAIN", &[], "Missing main field (entry point)".into());
    }
    if !top.contains_key("compatibility_date") {
        s.warn("MISSING_COMPATIBILITY_DATE", &[], "Missing compatibility_date field".into());
    }
}

/// Traps wrangler lets through: inherited routes, and D1 bindings without the
/// id a remote command needs.
fn own_environment_rules(s: &mut Sink, base: &[Seg], env: &Map<String, Value>, top: Option<&Map<String, Value>>, options: &ValidateOptions) {
    for (i, db) in env.get("d1_databases").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if db.get("database_id").and_then(Value::as_str).is_none_or(str::is_empty) && db.is_object() {
            let severity = if options.remote { Severity::Error } else { Severity::Warning };
            let name = db.get("binding").and_then(Value::as_str).unwrap_or("?");
            s.push(severity, "D1_MISSING_ID", &nth(&at(base, "d1_databases"), i), format!(
                "D1 binding {name} has no database_id: remote commands and deploys need it (create the database with `wrangler d1 create` and copy its id)"));
        }
    }
    let Some(top) = top else { return };
    let routes = |m: &Map<String, Value>| ["routes", "route"].iter().any(|k| m.get(*k).is_some_and(|r| !is_empty(r)));
    if routes(top) && !env.contains_key("routes") && !env.contains_key("route") {
        s.warn("INHERITED_ROUTES", base, format!(
            "has no routes of its own, so it inherits the top level's routes and custom domains and claims them on every deploy; give it its own \"routes\" (possibly []) in {}", dotted(base)));
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::String(s) => s.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// Lines and columns for every finding about a key, from one parse.
fn locate(s: &mut Sink, doc: &Document) {
    let places = doc.lines_of(&s.paths);
    for (f, place) in s.findings.iter_mut().zip(places) {
        if let (Some((line, column)), false) = (place, f.path.is_empty()) {
            f.line = Some(line);
            f.column = Some(column);
        }
    }
}

#[cfg(test)]
mod tests;
