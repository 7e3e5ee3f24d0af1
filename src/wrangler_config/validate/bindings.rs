//! Binding checks: every kind wrangler 4 knows, as a table of the fields each
//! entry needs, plus the few kinds with rules of their own.

use serde_json::{Map, Value};

use super::shape::{Sink, at, dotted, is_record, nth, shown};
use crate::document::Seg;

/// What an entry's field must be.
#[derive(Clone, Copy, PartialEq)]
enum Need {
    Str,
    /// A string that is not empty.
    Filled,
    OptStr,
    OptFilled,
    OptBool,
    OptNum,
    /// Anything JavaScript calls an object (arrays included).
    OptObj,
}
use Need::*;

/// One kind of binding written as an array of entries.
struct ListKind {
    key: &'static str,
    fields: &'static [(&'static str, Need)],
    /// Whether `remote` (a boolean) is checked.
    remote: bool,
    /// Fields wrangler knows; others are warned about. `None`: not checked.
    known: Option<&'static [&'static str]>,
}

const fn kind(key: &'static str, fields: &'static [(&'static str, Need)], remote: bool, known: Option<&'static [&'static str]>) -> ListKind {
    ListKind { key, fields, remote, known }
}

const LISTS: &[ListKind] = &[
    kind("kv_namespaces", &[("binding", Str), ("id", OptFilled), ("preview_id", OptStr)], true, Some(&["binding", "id", "preview_id", "remote"])),
    kind("send_email", &[("name", Str), ("destination_address", OptStr), ("allowed_destination_addresses", OptObj), ("allowed_sender_addresses", OptObj)], true,
        Some(&["allowed_sender_addresses", "allowed_destination_addresses", "destination_address", "name", "binding", "remote"])),
    kind("r2_buckets", &[("binding", Str), ("bucket_name", OptFilled), ("preview_bucket_name", OptStr), ("jurisdiction", OptStr)], true,
        Some(&["binding", "bucket_name", "preview_bucket_name", "jurisdiction", "remote"])),
    kind("d1_databases", &[("binding", Str), ("database_id", OptStr), ("preview_database_id", OptStr)], true,
        Some(&["binding", "database_id", "database_internal_env", "database_name", "migrations_dir", "migrations_table", "preview_database_id", "remote"])),
    kind("vectorize", &[("binding", Str), ("index_name", Str)], true, Some(&["binding", "index_name", "remote"])),
    kind("ai_search_namespaces", &[("binding", Str), ("namespace", Str)], true, Some(&["binding", "namespace", "remote"])),
    kind("ai_search", &[("binding", Str), ("instance_name", Str)], true, Some(&["binding", "instance_name", "remote"])),
    kind("hyperdrive", &[("binding", Str), ("id", Str)], false, Some(&["binding", "id", "localConnectionString"])),
    kind("services", &[("binding", Str), ("service", Str), ("environment", OptStr), ("entrypoint", OptStr)], true, None),
    kind("analytics_engine_datasets", &[("binding", Str), ("dataset", OptFilled)], false, Some(&["binding", "dataset"])),
    kind("dispatch_namespaces", &[("binding", Str), ("namespace", Str)], true, None),
    kind("mtls_certificates", &[("binding", Str), ("certificate_id", Filled)], true, Some(&["binding", "certificate_id", "remote"])),
    kind("pipelines", &[("binding", Str), ("pipeline", Str)], true, Some(&["binding", "pipeline", "remote"])),
    kind("secrets_store_secrets", &[("binding", Str), ("store_id", Str), ("secret_name", Str)], false, Some(&["binding", "store_id", "secret_name"])),
    kind("artifacts", &[("binding", Str), ("namespace", Str)], true, Some(&["binding", "namespace", "remote"])),
    kind("unsafe_hello_world", &[("binding", Str), ("enable_timer", OptBool)], false, Some(&["binding", "enable_timer"])),
    kind("flagship", &[("binding", Str), ("app_id", Str)], true, Some(&["binding", "app_id", "remote"])),
    kind("worker_loaders", &[("binding", Str)], false, Some(&["binding"])),
    kind("ratelimits", &[("name", Str), ("namespace_id", Str)], false, Some(&["name", "namespace_id", "simple"])),
    kind("vpc_services", &[("binding", Str), ("service_id", Str)], false, Some(&["binding", "service_id", "remote"])),
    kind("vpc_networks", &[("binding", Str)], false, Some(&["binding", "tunnel_id", "network_id", "remote"])),
    kind("workflows", &[("binding", Str), ("name", Str), ("class_name", Str), ("script_name", OptStr), ("remote", OptBool)], false,
        Some(&["binding", "name", "class_name", "script_name", "remote", "limits"])),
];

const QUEUE_PRODUCER: ListKind = kind("queues.producers", &[("binding", Str), ("queue", Filled), ("delivery_delay", OptNum)], true, Some(&["binding", "queue", "delivery_delay", "remote"]));

/// Kinds written as one table with a `binding` field.
const SINGLES: &[(&str, Option<&[&str]>, bool)] = &[
    ("browser", Some(&["binding", "remote"]), true),
    ("images", Some(&["binding", "remote"]), true),
    ("stream", Some(&["binding", "remote"]), true),
    ("media", Some(&["binding", "remote"]), true),
    ("ai", None, true),
    ("version_metadata", None, false),
];

pub fn is_list(key: &str) -> bool {
    LISTS.iter().any(|k| k.key == key)
}

pub fn is_single(key: &str) -> bool {
    SINGLES.iter().any(|(k, _, _)| *k == key)
}

/// Checks `section[key]` (one of the array kinds) of an environment, and
/// warns of each of the top level's bindings it lacks.
pub fn check_list(s: &mut Sink, base: &[Seg], key: &str, value: &Value, top: Option<&Value>) -> bool {
    let kind = LISTS.iter().find(|k| k.key == key).expect("a listed kind");
    let path = at(base, key);
    if !check_entries(s, &path, kind, value) {
        return false;
    }
    if key == "workflows" {
        unique_names(s, &path, value);
    }
    if let (Some(entries), Some(top_entries)) = (value.as_array(), top.and_then(|t| t.get(key)).and_then(Value::as_array)) {
        let names: Vec<Option<&Value>> = entries.iter().map(|e| e.get("binding")).collect();
        for top_entry in top_entries {
            let name = top_entry.get("binding");
            if !names.contains(&name) {
                let shown_name = name.map(shown).unwrap_or_else(|| "(unnamed)".into());
                s.warn("NON_INHERITED_BINDING", &path, format!(
                    "the top level's {key} binding {shown_name} is missing here: environments do not inherit bindings, so this environment deploys without it; add it to {}", dotted(&path)));
            }
        }
    }
    true
}

/// The entries of an array kind at `path` (also used for queue producers and previews).
fn check_entries(s: &mut Sink, path: &[Seg], kind: &ListKind, value: &Value) -> bool {
    let Some(entries) = value.as_array() else {
        s.wrong_type(path, value, "an array of tables (in TOML, [[...]] sections)");
        return false;
    };
    let mut valid = true;
    for (i, entry) in entries.iter().enumerate() {
        valid &= check_entry(s, &nth(path, i), kind, entry);
    }
    valid
}

fn check_entry(s: &mut Sink, path: &[Seg], kind: &ListKind, entry: &Value) -> bool {
    let Some(obj) = entry.as_object().filter(|_| !entry.is_null()) else {
        s.wrong_type(path, entry, "a table (an object)");
        return false;
    };
    // Queue producers with unknown fields are not checked further by wrangler.
    if kind.key == "queues.producers" && !s.unexpected(path, obj, kind.known.unwrap_or_default()) {
        return false;
    }
    let mut valid = true;
    for (field, need) in kind.fields {
        valid &= check_field(s, path, obj, field, *need);
    }
    if kind.remote {
        valid &= s.optional(&at(path, "remote"), obj.get("remote"), "boolean");
    }
    valid &= match kind.key {
        "r2_buckets" if valid => ["bucket_name", "preview_bucket_name"].iter().all(|f| r2_name(s, path, obj, f)),
        "send_email" => exclusive(s, path, obj, &["destination_address", "allowed_destination_addresses"]),
        "workflows" => workflow(s, path, obj),
        "ratelimits" => rate_limit(s, path, obj),
        "vpc_networks" => vpc_network(s, path, obj),
        "dispatch_namespaces" => outbound(s, path, obj),
        _ => true,
    };
    if let Some(known) = kind.known.filter(|_| kind.key != "queues.producers") {
        s.unexpected(path, obj, known);
    }
    valid
}

fn check_field(s: &mut Sink, path: &[Seg], obj: &Map<String, Value>, field: &str, need: Need) -> bool {
    let p = at(path, field);
    let v = obj.get(field);
    match need {
        Str => s.required(&p, v, "string"),
        Filled => s.required(&p, v, "string") && filled(s, &p, v),
        OptStr => s.optional(&p, v, "string"),
        OptFilled => s.optional(&p, v, "string") && filled(s, &p, v),
        OptBool => s.optional(&p, v, "boolean"),
        OptNum => s.optional(&p, v, "number"),
        OptObj => s.optional(&p, v, "object"),
    }
}

fn filled(s: &mut Sink, path: &[Seg], v: Option<&Value>) -> bool {
    if v.and_then(Value::as_str) == Some("") {
        s.error("EMPTY_FIELD", path, format!("{} is an empty string: give the resource's real id or name, or remove the field", dotted(path)));
        return false;
    }
    true
}

fn r2_name(s: &mut Sink, path: &[Seg], obj: &Map<String, Value>, field: &str) -> bool {
    let Some(name) = obj.get(field) else { return true };
    let ok = name.as_str().is_some_and(|n| {
        let b = n.as_bytes();
        (3..=63).contains(&b.len())
            && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    });
    if !ok {
        s.error("INVALID_VALUE", &at(path, field), format!(
            "{} {} is not a valid R2 bucket name: use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit", dotted(&at(path, field)), shown(name)));
    }
    ok
}

fn exclusive(s: &mut Sink, path: &[Seg], obj: &Map<String, Value>, fields: &[&str]) -> bool {
    let present: Vec<&&str> = fields.iter().filter(|f| obj.contains_key(**f)).collect();
    if present.len() > 1 {
        let list = present.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(" and ");
        s.error("MUTUALLY_EXCLUSIVE", &at(path, present[1]), format!("{} sets {list}: they exclude each other, keep one", dotted(path)));
        return false;
    }
    true
}

fn workflow(s: &mut Sink, path: &[Seg], obj: &Map<String, Value>) -> bool {
    let mut valid = true;
    if let Some(name) = obj.get("name").and_then(Value::as_str) {
        let ok = (1..=64).contains(&name.len())
            && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            s.error("INVALID_VALUE", &at(path, "name"), format!(
                "{} \"{name}\" is not a valid workflow name: use 1 to 64 letters, digits, underscores or hyphens, starting with a letter, digit or underscore", dotted(&at(path, "name"))));
            valid = false;
        }
    }
    if let Some(limits) = obj.get("limits") {
        let lp = at(path, "limits");
        match limits.as_object() {
            None => {
                s.wrong_type(&lp, limits, "a table (an object)");
                valid = false;
            }
            Some(l) => {
                if let Some(steps) = l.get("steps") {
                    match steps.as_u64().filter(|n| *n >= 1 && steps.is_u64()) {
                        None => {
                            s.error("WRONG_TYPE", &at(&lp, "steps"), format!("{} must be a positive whole number, but it is {}", dotted(&at(&lp, "steps")), shown(steps)));
                            valid = false;
                        }
                        Some(n) if n > 25_000 => s.warn("LIMIT_EXCEEDED", &at(&lp, "steps"), format!(
                            "{} is {n}, above Cloudflare's production maximum of 25,000 steps: deployed workflows may fail; lower it", dotted(&at(&lp, "steps")))),
                        Some(_) => {}
                    }
                }
                s.unexpected(&lp, l, &["steps"]);
            }
        }
    }
    valid
}

fn unique_names(s: &mut Sink, path: &[Seg], value: &Value) {
    let mut seen: Vec<&Value> = vec![];
    for (i, entry) in value.as_array().into_iter().flatten().enumerate() {
        let name = entry.get("name").unwrap_or(&Value::Null);
        if seen.contains(&name) {
            s.error("DUPLICATE_BINDING", &at(&nth(path, i), "name"), format!("{} repeats the workflow name {}: each workflow needs its own name", dotted(&nth(path, i)), shown(name)));
        } else {
            seen.push(name);
        }
    }
}

fn rate_limit(s: &mut Sink, path: &[Seg], obj: &Map<String, Value>) -> bool {
    let sp = at(path, "simple");
    let Some(simple) = obj.get("simple").and_then(Value::as_object) else {
        s.error("REQUIRED_FIELD", &sp, format!("{} needs a \"simple\" table with \"limit\" and \"period\" (10 or 60 seconds)", dotted(path)));
        return false;
    };
    let mut valid = s.required(&at(&sp, "limit"), simple.get("limit"), "number");
    if s.required(&at(&sp, "period"), simple.get("period"), "number") {
        if !simple.get("period").and_then(Value::as_f64).is_some_and(|p| p == 10.0 || p == 60.0) {
            s.error("INVALID_VALUE", &at(&sp, "period"), format!("{} must be 10 or 60 (seconds)", dotted(&at(&sp, "period"))));
            valid = false;
        }
    } else {
        valid = false;
    }
    s.unexpected(&sp, simple, &["limit", "period"]);
    valid
}

fn vpc_network(s: &mut Sink, path: &[Seg], obj: &Map<String, Value>) -> bool {
    match (obj.get("tunnel_id"), obj.get("network_id")) {
        (Some(_), Some(_)) => exclusive(s, path, obj, &["tunnel_id", "network_id"]),
        (None, None) => {
            s.error("REQUIRED_FIELD", path, format!("{} needs a \"tunnel_id\" or a \"network_id\"", dotted(path)));
            false
        }
        (Some(v), None) => s.optional(&at(path, "tunnel_id"), Some(v), "string"),
        (None, Some(v)) => s.optional(&at(path, "network_id"), Some(v), "string"),
    }
}

fn outbound(s: &mut Sink, path: &[Seg], obj: &Map<String, Value>) -> bool {
    let Some(out) = obj.get("outbound") else { return true };
    let op = at(path, "outbound");
    if out.is_null() {
        return s.required(&at(&op, "service"), None, "string");
    }
    let Some(o) = out.as_object() else {
        s.wrong_type(&op, out, "a table (an object)");
        return false;
    };
    s.required(&at(&op, "service"), o.get("service"), "string")
        && s.optional(&at(&op, "environment"), o.get("environment"), "string")
        && s.optional_array_of(&at(&op, "parameters"), o.get("parameters"), "string")
}

/// `browser`, `ai`, `images`, `version_metadata`, …: one table with a `binding`.
pub fn check_single(s: &mut Sink, base: &[Seg], key: &str, value: &Value) -> bool {
    let (_, known, remote) = SINGLES.iter().find(|(k, _, _)| *k == key).expect("a single kind");
    let path = at(base, key);
    let Some(obj) = value.as_object().filter(|_| is_record(value)) else {
        s.wrong_type(&path, value, "a table with a \"binding\" field");
        return false;
    };
    let mut valid = s.required(&at(&path, "binding"), obj.get("binding"), "string");
    if *remote {
        valid &= s.optional(&at(&path, "remote"), obj.get("remote"), "boolean");
    }
    if let Some(known) = known {
        s.unexpected(&path, obj, known);
    }
    valid
}

/// `durable_objects`, `unsafe` and `logfwdr`: a table whose `bindings` are named by `name`.
pub fn check_binding_table(s: &mut Sink, base: &[Seg], key: &str, value: &Value, top: Option<&Value>) -> bool {
    let path = at(base, key);
    let Some(obj) = value.as_object().filter(|_| is_record(value)) else {
        s.wrong_type(&path, value, "a table with a \"bindings\" array");
        return false;
    };
    let bp = at(&path, "bindings");
    let Some(bindings) = obj.get("bindings") else {
        s.error("REQUIRED_FIELD", &bp, format!("{} needs a \"bindings\" array", dotted(&path)));
        return false;
    };
    let Some(list) = bindings.as_array() else {
        s.wrong_type(&bp, bindings, "an array of tables");
        return false;
    };
    let mut valid = true;
    for (i, b) in list.iter().enumerate() {
        valid &= match key {
            "durable_objects" => durable_object(s, &nth(&bp, i), b),
            "unsafe" => unsafe_binding(s, &nth(&bp, i), b),
            _ => log_forwarder(s, &nth(&bp, i), b),
        };
    }
    let named = |v: &Value| -> Vec<String> {
        v.get("bindings").and_then(Value::as_array).into_iter().flatten().filter_map(|b| b.get("name").and_then(Value::as_str)).map(str::to_string).collect()
    };
    if let Some(top_value) = top.and_then(|t| t.get(key)).filter(|_| valid) {
        let here = named(value);
        for name in named(top_value).into_iter().filter(|n| !here.contains(n)) {
            s.warn("NON_INHERITED_BINDING", &bp, format!(
                "the top level's {key} binding \"{name}\" is missing here: environments do not inherit bindings, so this environment deploys without it; add it to {}", dotted(&bp)));
        }
    }
    valid
}

fn durable_object(s: &mut Sink, path: &[Seg], b: &Value) -> bool {
    let Some(obj) = b.as_object() else {
        s.wrong_type(path, b, "a table (an object)");
        return false;
    };
    let mut valid = s.required(&at(path, "name"), obj.get("name"), "string");
    valid &= s.required(&at(path, "class_name"), obj.get("class_name"), "string");
    valid &= s.optional(&at(path, "script_name"), obj.get("script_name"), "string");
    valid &= s.optional(&at(path, "environment"), obj.get("environment"), "string");
    if obj.contains_key("environment") && !obj.contains_key("script_name") {
        s.error("REQUIRED_FIELD", &at(path, "script_name"), format!("{} sets \"environment\" without \"script_name\": name the worker that defines the class", dotted(path)));
        valid = false;
    }
    valid &= s.optional(&at(path, "remote"), obj.get("remote"), "boolean");
    s.unexpected(path, obj, &["class_name", "environment", "name", "script_name"]);
    valid
}

/// Types wrangler has its own binding format for.
const SUPPORTED_TYPES: &[&str] = &[
    "plain_text", "secret_text", "json", "wasm_module", "data_blob", "text_blob", "browser", "ai", "ai_search_namespace", "ai_search",
    "kv_namespace", "durable_object_namespace", "d1_database", "r2_bucket", "service", "logfwdr", "mtls_certificate", "pipeline",
    "worker_loader", "vpc_service", "flagship", "vpc_network", "stream", "media", "artifacts",
];

fn unsafe_binding(s: &mut Sink, path: &[Seg], b: &Value) -> bool {
    let Some(obj) = b.as_object() else {
        s.wrong_type(path, b, "a table (an object)");
        return false;
    };
    let named = s.required(&at(path, "name"), obj.get("name"), "string");
    let Some(kind) = obj.get("type").and_then(Value::as_str) else {
        s.required(&at(path, "type"), obj.get("type"), "string");
        return false;
    };
    if SUPPORTED_TYPES.contains(&kind) {
        s.warn("UNSAFE_SUPPORTED_TYPE", &at(path, "type"), format!("{} has type \"{kind}\", which wrangler supports directly: move it to that binding kind's own section", dotted(path)));
    }
    if kind == "metadata" && named {
        s.warn("DEPRECATED_FIELD", &at(path, "type"), format!("{}: the metadata binding's deployment object is deprecated; use a version_metadata binding", dotted(path)));
    }
    named
}

fn log_forwarder(s: &mut Sink, path: &[Seg], b: &Value) -> bool {
    let Some(obj) = b.as_object() else {
        s.wrong_type(path, b, "a table (an object)");
        return false;
    };
    let valid = s.required(&at(path, "name"), obj.get("name"), "string") & s.required(&at(path, "destination"), obj.get("destination"), "string");
    s.unexpected(path, obj, &["destination", "name"]);
    valid
}

/// `queues`: consumers and producers.
pub fn check_queues(s: &mut Sink, base: &[Seg], value: &Value) -> bool {
    let path = at(base, "queues");
    let Some(obj) = value.as_object().filter(|_| is_record(value)) else {
        s.wrong_type(&path, value, "a table with \"producers\" and \"consumers\"");
        return false;
    };
    let mut valid = s.unexpected(&path, obj, &["consumers", "producers"]);
    if let Some(consumers) = obj.get("consumers") {
        let cp = at(&path, "consumers");
        match consumers.as_array() {
            None => {
                s.wrong_type(&cp, consumers, "an array of tables");
                valid = false;
            }
            Some(list) => {
                for (i, c) in list.iter().enumerate() {
                    valid &= consumer(s, &nth(&cp, i), c);
                }
            }
        }
    }
    if let Some(producers) = obj.get("producers") {
        valid &= check_entries(s, &at(&path, "producers"), &QUEUE_PRODUCER, producers);
    }
    valid
}

fn consumer(s: &mut Sink, path: &[Seg], c: &Value) -> bool {
    let Some(obj) = c.as_object() else {
        s.wrong_type(path, c, "a table (an object)");
        return false;
    };
    let known = ["queue", "type", "max_batch_size", "max_batch_timeout", "max_retries", "dead_letter_queue", "max_concurrency", "visibility_timeout_ms", "retry_delay"];
    let mut valid = s.unexpected(path, obj, &known);
    s.required(&at(path, "queue"), obj.get("queue"), "string");
    if let Some(t) = obj.get("type").filter(|t| t.as_str() != Some("worker")) {
        s.error("INVALID_VALUE", &at(path, "type"), format!("{} is {}: only \"worker\" consumers can be configured in the wrangler config", dotted(&at(path, "type")), shown(t)));
        valid = false;
    }
    for (field, want) in [("dead_letter_queue", "string"), ("max_batch_size", "number"), ("max_batch_timeout", "number"), ("max_retries", "number"),
        ("max_concurrency", "number"), ("visibility_timeout_ms", "number"), ("retry_delay", "number")] {
        valid &= s.optional(&at(path, field), obj.get(field), want);
    }
    valid
}

/// Binding names of one kind in an environment's effective config, as wrangler
/// collects them to refuse a name used twice.
pub fn names_of(value: &Value) -> Vec<String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    if let Some(list) = value.get("bindings").and_then(Value::as_array).filter(|l| l.iter().all(|b| text(b.get("name")).is_some())).filter(|_| is_record(value)) {
        return list.iter().filter_map(|b| text(b.get("name"))).collect();
    }
    if let Some(list) = value.as_array() {
        return match list.iter().all(|b| is_record(b) && text(b.get("binding")).is_some()) {
            true => list.iter().filter_map(|b| text(b.get("binding"))).collect(),
            false => vec![],
        };
    }
    if let Some(obj) = value.as_object().filter(|_| is_record(value)) {
        return match obj.get("binding") {
            Some(b) => b.as_str().map(|b| vec![b.to_string()]).unwrap_or_default(),
            None => obj.keys().cloned().collect(),
        };
    }
    vec![]
}

/// Checks one previews binding section like the environment's own, without
/// inheritance (previews are compared with nothing).
pub fn check_preview(s: &mut Sink, base: &[Seg], key: &str, value: &Value) -> bool {
    if let Some(kind) = LISTS.iter().find(|k| k.key == key) {
        let valid = check_entries(s, &at(base, key), kind, value);
        if valid && key == "workflows" {
            unique_names(s, &at(base, key), value);
        }
        return valid;
    }
    match key {
        "queues" => check_queues(s, base, value),
        "durable_objects" | "unsafe" => check_binding_table(s, base, key, value, None),
        k if SINGLES.iter().any(|(n, _, _)| *n == k) => check_single(s, base, k, value),
        _ => true,
    }
}
