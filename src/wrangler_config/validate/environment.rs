//! The checks wrangler makes of an environment: the top level, and each
//! `[env.<name>]` (with the top level to compare it with).

use std::collections::HashSet;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::bindings;
use super::shape::{Sink, at, dotted, is_date, js_type, nth, shown};
use crate::document::Seg;

/// Keys every environment must repeat: wrangler does not inherit them.
pub const NOT_INHERITED: &[&str] = &[
    "vars", "secrets", "define", "durable_objects", "workflows", "kv_namespaces", "cloudchamber", "containers", "send_email", "queues",
    "r2_buckets", "d1_databases", "vectorize", "ai_search_namespaces", "ai_search", "hyperdrive", "services", "analytics_engine_datasets",
    "dispatch_namespaces", "mtls_certificates", "tail_consumers", "streaming_tail_consumers", "unsafe", "browser", "ai", "images", "stream",
    "media", "pipelines", "secrets_store_secrets", "artifacts", "unsafe_hello_world", "flagship", "worker_loaders", "ratelimits",
    "vpc_services", "vpc_networks", "version_metadata",
];

/// Keys an environment inherits from the top level when it lacks them.
const INHERITED: &[&str] = &[
    "account_id", "compatibility_date", "compatibility_flags", "jsx_factory", "jsx_fragment", "tsconfig", "rules", "name", "main",
    "find_additional_modules", "preserve_file_names", "base_dir", "route", "routes", "triggers", "assets", "limits", "placement", "build",
    "workers_dev", "preview_urls", "migrations", "logfwdr", "no_bundle", "minify", "keep_names", "first_party_worker", "logpush",
    "upload_source_maps", "observability", "cache", "compliance_region", "python_modules", "previews",
];

/// Whether an environment may have `key` (node_compat is reported as removed, not as unknown).
pub fn is_environment_key(key: &str) -> bool {
    static KEYS: LazyLock<HashSet<&str>> = LazyLock::new(|| INHERITED.iter().chain(NOT_INHERITED).chain(&["node_compat"]).copied().collect());
    KEYS.contains(key)
}

/// What to do about a key of older wrangler versions.
pub fn legacy_hint(key: &str) -> Option<&'static str> {
    Some(match key {
        "type" => "wrangler 2 and later ignore project types: delete it",
        "webpack_config" => "wrangler bundles with esbuild and ignores it: delete it, or use a custom [build]",
        "kv-namespaces" => "wrangler ignores it: rename it to kv_namespaces",
        "zone_id" => "wrangler ignores it: put zone_id or zone_name in each of routes",
        "experimental_services" => "wrangler ignores it: rename it to services",
        "usage_model" => "Cloudflare ignores it since the Standard usage model: delete it",
        "miniflare" => "wrangler ignores it: configure local development under [dev]",
        _ => return None,
    })
}

const BOOLEANS: &[&str] = &["workers_dev", "preview_urls", "find_additional_modules", "preserve_file_names", "no_bundle", "minify", "keep_names", "first_party_worker", "logpush", "upload_source_maps"];
const STRINGS: &[&str] = &["jsx_factory", "jsx_fragment", "tsconfig", "main", "base_dir"];

/// The environment being checked.
pub struct Scope<'a> {
    /// Where its keys live in the file (`[]` or `[env, <name>]`).
    pub base: Vec<Seg>,
    /// The top level, when this is a named environment.
    pub top: Option<&'a Value>,
    /// `legacy_env = false`: named environments are service environments.
    pub service_environments: bool,
    pub config_dir: &'a std::path::Path,
}

impl Scope<'_> {
    fn at(&self, k: &str) -> Vec<Seg> {
        at(&self.base, k)
    }

    fn named(&self) -> bool {
        self.top.is_some()
    }
}

/// Every check wrangler makes of one environment's own keys (a named one also
/// against the top level's).
pub fn check(s: &mut Sink, env: &Map<String, Value>, scope: &Scope) {
    let top = scope.top;
    if env.contains_key("node_compat") {
        s.error("REMOVED_KEY", &scope.at("node_compat"), "\"node_compat\" was removed in wrangler 4: delete it and add \"nodejs_compat\" to compatibility_flags".into());
    }
    for k in ["unsafe", "secrets"] {
        if env.contains_key(k) {
            s.warn("EXPERIMENTAL_FIELD", &scope.at(k), format!("\"{k}\" is experimental in wrangler and may change or break at any time"));
        }
    }
    routes(s, env, scope);
    match env.get("account_id") {
        Some(Value::String(id)) if id.is_empty() => s.warn("EMPTY_FIELD", &scope.at("account_id"), "account_id is an empty string, which wrangler ignores: remove it or give the account's id".into()),
        Some(_) if scope.named() && scope.service_environments => not_in_service_env(s, scope, "account_id"),
        Some(v) => {
            s.optional(&scope.at("account_id"), Some(v), "string");
        }
        None => {}
    }
    if let Some(build) = env.get("build") {
        build_section(s, &scope.at("build"), build);
    }
    if let Some(date) = env.get("compatibility_date") {
        compatibility_date(s, &scope.at("compatibility_date"), date);
    }
    if let Some(flags) = env.get("compatibility_flags") {
        s.array_of(&scope.at("compatibility_flags"), flags, "string");
    }
    // Paths are only built for the keys present.
    for (k, v) in env {
        let want = match k.as_str() {
            k if STRINGS.contains(&k) => "string",
            k if BOOLEANS.contains(&k) => "boolean",
            _ => continue,
        };
        s.optional(&scope.at(k), Some(v), want);
    }
    if let Some(rules) = env.get("rules").filter(|r| !falsy(r)) {
        module_rules(s, &scope.at("rules"), rules);
    }
    match env.get("name") {
        Some(_) if scope.named() && scope.service_environments => not_in_service_env(s, scope, "name"),
        Some(name) if !name.as_str().is_some_and(valid_worker_name) => s.error("INVALID_NAME", &scope.at("name"), format!(
            "name {} is not a valid worker name: use lowercase letters, digits, dashes and underscores, starting with a letter, digit or underscore", shown(name))),
        _ => {}
    }
    if let Some(triggers) = env.get("triggers").filter(|t| !t.is_null()) {
        triggers_section(s, &scope.at("triggers"), triggers);
    }
    if let Some(assets) = env.get("assets") {
        assets_section(s, &scope.at("assets"), assets);
    }
    if let Some(limits) = env.get("limits").filter(|l| !falsy(l)) {
        for k in ["cpu_ms", "subrequests"] {
            s.optional(&at(&scope.at("limits"), k), limits.get(k), "number");
        }
    }
    if let Some(placement) = env.get("placement").filter(|p| !falsy(p)) {
        super::sections::placement(s, &scope.at("placement"), placement);
    }
    not_inherited(s, env, scope, top);
    if let Some(m) = env.get("migrations") {
        super::sections::migrations(s, &scope.at("migrations"), m);
    }
    if let Some(logfwdr) = env.get("logfwdr")
        && bindings::check_binding_table(s, &scope.base, "logfwdr", logfwdr, top)
        && logfwdr.get("schema").is_some()
    {
        s.error("REMOVED_KEY", &at(&scope.at("logfwdr"), "schema"), "logfwdr.schema was replaced by unsafe.capnp (base_path and source_schemas, or compiled_schema): move it there".into());
    }
    if let Some(o) = env.get("observability") {
        super::sections::observability(s, &scope.at("observability"), o);
    }
    if let Some(c) = env.get("cache") {
        super::sections::cache(s, &scope.at("cache"), c);
    }
    if let Some(region) = env.get("compliance_region") {
        s.one_of(&scope.at("compliance_region"), Some(region), &["public", "fedramp_high"]);
    }
    if let Some(p) = env.get("python_modules") {
        super::sections::python_modules(s, &scope.at("python_modules"), p);
    }
    if let Some(p) = env.get("previews") {
        super::sections::previews(s, &scope.at("previews"), p);
    }
    durable_objects_without_migrations(s, env, scope);
    if scope.named() {
        s.unknown_fields(&scope.base, env, is_environment_key, None);
    }
}

fn not_in_service_env(s: &mut Sink, scope: &Scope, key: &str) {
    s.error("NOT_ALLOWED_HERE", &scope.at(key), format!("\"{key}\" is not allowed in a service environment (legacy_env = false): remove it from this environment"));
}

fn routes(s: &mut Sink, env: &Map<String, Value>, scope: &Scope) {
    let route = env.get("route").filter(|r| r.as_str() != Some(""));
    if env.get("route").is_some() && route.is_none() {
        s.warn("EMPTY_FIELD", &scope.at("route"), "route is an empty string, which wrangler ignores: remove it".into());
    }
    if let Some(r) = route.filter(|r| !valid_route(r)) {
        s.error("INVALID_ROUTE", &scope.at("route"), format!(
            "route {} is not a route: write a pattern string, or a table with \"pattern\" and one of \"zone_name\", \"zone_id\" or \"custom_domain = true\"", shown(r)));
    }
    let Some(routes) = env.get("routes") else { return };
    match routes.as_array() {
        None => s.wrong_type(&scope.at("routes"), routes, "an array of routes"),
        Some(list) => {
            for (i, r) in list.iter().enumerate().filter(|(_, r)| !valid_route(r)) {
                s.error("INVALID_ROUTE", &nth(&scope.at("routes"), i), format!(
                    "routes[{i}] {} is not a route: write a pattern string, or a table with \"pattern\" and one of \"zone_name\", \"zone_id\" or \"custom_domain = true\"", shown(r)));
            }
        }
    }
    if route.is_some() {
        s.error("MUTUALLY_EXCLUSIVE", &scope.at("routes"), "both \"route\" and \"routes\" are set: keep one (move the single route into routes)".into());
    }
}

/// A route as wrangler accepts it: a pattern, or a table with a pattern and
/// exactly the fields that say where it goes.
fn valid_route(r: &Value) -> bool {
    if let Some(s) = r.as_str() {
        return !s.is_empty();
    }
    let Some(o) = r.as_object().filter(|_| !is_date(r)) else { return false };
    if !o.get("pattern").is_some_and(Value::is_string) {
        return false;
    }
    let typed = |k: &str, t: &str| o.get(k).is_some_and(|v| js_type(v) == t && !is_date(v));
    let (zone_id, zone_name, custom) = (typed("zone_id", "string"), typed("zone_name", "string"), typed("custom_domain", "boolean"));
    let (enabled, previews) = (typed("enabled", "boolean"), typed("previews_enabled", "boolean"));
    let recognised = [zone_id, zone_name, custom, enabled, previews].iter().filter(|b| **b).count();
    recognised == o.len() - 1 && !(zone_id && zone_name) && (custom || !(enabled || previews)) && (zone_id || zone_name || custom)
}

fn valid_worker_name(name: &str) -> bool {
    name.is_empty()
        || (name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'))
}

fn falsy(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn build_section(s: &mut Sink, path: &[Seg], build: &Value) {
    let Some(b) = build.as_object() else { return };
    s.unexpected(path, b, &["command", "cwd", "watch_dir"]);
    s.optional(&at(path, "command"), b.get("command"), "string");
    s.optional(&at(path, "cwd"), b.get("cwd"), "string");
    match b.get("watch_dir") {
        Some(w @ Value::Array(_)) => {
            s.array_of(&at(path, "watch_dir"), w, "string");
        }
        w => {
            s.optional(&at(path, "watch_dir"), w, "string");
        }
    }
}

fn compatibility_date(s: &mut Sink, path: &[Seg], date: &Value) {
    let Some(text) = date.as_str() else {
        let hint = if is_date(date) { ": quote it, as in compatibility_date = \"2025-01-01\"" } else { "" };
        s.wrong_type(path, date, &format!("a string{hint}"));
        return;
    };
    if text.contains(['\u{2013}', '\u{2014}']) {
        s.error("BAD_COMPATIBILITY_DATE", path, format!("compatibility_date \"{text}\" uses an en or em dash: write plain hyphens (-)"));
    }
    if !iso_date(&text.replace(['\u{2013}', '\u{2014}'], "-")) {
        s.error("BAD_COMPATIBILITY_DATE", path, format!("compatibility_date \"{text}\" is not a date: write it as YYYY-MM-DD, e.g. \"2025-01-01\""));
    }
}

/// A date (and optional time) in ISO 8601, as JavaScript's `Date` reads it.
fn iso_date(text: &str) -> bool {
    let (date, time) = text.split_once('T').map(|(d, t)| (d, Some(t))).unwrap_or((text, None));
    let parts: Vec<&str> = date.split('-').collect();
    let number = |p: &str, len: usize, range: std::ops::RangeInclusive<u32>| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) && p.parse().is_ok_and(|n| range.contains(&n));
    let date_ok = match parts.as_slice() {
        [y] => number(y, 4, 0..=9999),
        [y, m] => number(y, 4, 0..=9999) && number(m, 2, 1..=12),
        [y, m, d] => number(y, 4, 0..=9999) && number(m, 2, 1..=12) && number(d, 2, 1..=31),
        _ => false,
    };
    date_ok && time.is_none_or(|t| t.len() >= 5 && t.as_bytes()[2] == b':' && number(&t[..2], 2, 0..=24) && number(&t[3..5], 2, 0..=59))
}

fn module_rules(s: &mut Sink, path: &[Seg], rules: &Value) {
    let Some(list) = rules.as_array() else {
        s.wrong_type(path, rules, "an array of rule tables");
        return;
    };
    for (i, rule) in list.iter().enumerate() {
        let rp = nth(path, i);
        let Some(r) = rule.as_object() else {
            s.wrong_type(&rp, rule, "a table with \"type\" and \"globs\"");
            continue;
        };
        let types = ["ESModule", "CommonJS", "CompiledWasm", "Text", "Data"];
        if !r.get("type").and_then(Value::as_str).is_some_and(|t| types.contains(&t)) {
            s.error("INVALID_VALUE", &at(&rp, "type"), format!("{} needs a \"type\": one of {}", dotted(&rp), types.join(", ")));
        }
        match r.get("globs") {
            Some(g) => {
                s.array_of(&at(&rp, "globs"), g, "string");
            }
            None => s.error("REQUIRED_FIELD", &at(&rp, "globs"), format!("{} needs \"globs\", an array of file patterns", dotted(&rp))),
        }
        s.optional(&at(&rp, "fallthrough"), r.get("fallthrough"), "boolean");
    }
}

fn triggers_section(s: &mut Sink, path: &[Seg], triggers: &Value) {
    let Some(t) = triggers.as_object() else {
        if js_type(triggers) != "object" {
            s.wrong_type(path, triggers, "a table with \"crons\"");
        }
        return;
    };
    if let Some(crons) = t.get("crons").filter(|c| !c.is_array()) {
        s.wrong_type(&at(path, "crons"), crons, "an array of cron expressions");
    }
    s.unexpected(path, t, &["crons"]);
}

fn assets_section(s: &mut Sink, path: &[Seg], assets: &Value) {
    let Some(a) = assets.as_object() else {
        if js_type(assets) != "object" {
            s.wrong_type(path, assets, "a table with \"directory\"");
        }
        return;
    };
    s.optional(&at(path, "directory"), a.get("directory"), "string");
    s.optional(&at(path, "binding"), a.get("binding"), "string");
    for (k, choices) in [("html_handling", &["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"][..]), ("not_found_handling", &["single-page-application", "404-page", "none"][..])] {
        if s.optional(&at(path, k), a.get(k), "string") {
            s.one_of(&at(path, k), a.get(k), choices);
        }
    }
    match a.get("run_worker_first") {
        None | Some(Value::Bool(_)) => {}
        Some(v @ Value::Array(_)) => {
            s.array_of(&at(path, "run_worker_first"), v, "string");
        }
        Some(v) => s.wrong_type(&at(path, "run_worker_first"), v, "a boolean or an array of route patterns"),
    }
    s.unexpected(path, a, &["directory", "binding", "html_handling", "not_found_handling", "run_worker_first"]);
}

/// Bindings and the other keys an environment does not inherit: each checked
/// where present; in a named environment, missing ones are warned about.
fn not_inherited(s: &mut Sink, env: &Map<String, Value>, scope: &Scope, top: Option<&Value>) {
    for key in NOT_INHERITED {
        let Some(value) = env.get(*key) else {
            if scope.top.is_some_and(|t| t.get(*key).is_some()) {
                s.warn("NON_INHERITED_KEY", &scope.at(key), format!(
                    "has no \"{key}\": wrangler does not inherit it from the top level, so this environment deploys without it; repeat it in the environment"));
            }
            continue;
        };
        match *key {
            "vars" => super::sections::vars(s, &scope.base, value, top),
            "define" => super::sections::define(s, &scope.base, value, top),
            "secrets" => super::sections::secrets(s, &scope.at("secrets"), value),
            "durable_objects" => {
                bindings::check_binding_table(s, &scope.base, key, value, top);
            }
            "unsafe" => super::sections::unsafe_section(s, &scope.base, value, top),
            "queues" => {
                bindings::check_queues(s, &scope.base, value);
            }
            "containers" => {
                let name = env.get("name");
                super::containers::check(s, &scope.at("containers"), value, name, scope.config_dir);
            }
            "cloudchamber" => super::containers::cloudchamber(s, &scope.at("cloudchamber"), value),
            "tail_consumers" | "streaming_tail_consumers" => super::sections::tail_consumers(s, &scope.at(key), value, *key == "streaming_tail_consumers"),
            k if bindings::is_list(k) => {
                bindings::check_list(s, &scope.base, k, value, top);
            }
            k if bindings::is_single(k) => {
                bindings::check_single(s, &scope.base, k, value);
            }
            _ => {}
        }
    }
}

fn durable_objects_without_migrations(s: &mut Sink, env: &Map<String, Value>, scope: &Scope) {
    let local: Vec<&Value> = env
        .get("durable_objects")
        .and_then(|d| d.get("bindings"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| b.get("script_name").is_none_or(falsy))
        .collect();
    let migrations = env.get("migrations").or_else(|| scope.top.and_then(|t| t.get("migrations")));
    let has_migrations = migrations.and_then(Value::as_array).is_some_and(|m| !m.is_empty());
    let classes: Option<Vec<&str>> = local.iter().map(|b| b.get("class_name").and_then(Value::as_str)).collect();
    if let Some(classes) = classes.filter(|c| !c.is_empty() && !has_migrations) {
        s.warn("DURABLE_OBJECTS_WITHOUT_MIGRATIONS", &scope.at("durable_objects"), format!(
            "durable objects of this worker ({}) have no migrations, so they may not work: add [[migrations]] with tag = \"v1\" and new_sqlite_classes = [{}]",
            classes.join(", "), classes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")));
    }
}
