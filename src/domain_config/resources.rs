//! Tenancy beyond D1: every KV namespace, R2 bucket and queue a service binds
//! becomes the domain's own in its rendered config, unless the service lists
//! the binding in `sharedBindings`. Without this, every domain's worker would
//! reach the one namespace, bucket or queue named in the service's config.
//!
//! Names depend only on the domain, the environment and the binding (a queue:
//! its name in the service's config), so reordering or adding bindings never
//! moves a domain onto another tenant's data:
//! `<domain, dots as dashes>-<env>-<binding or queue, lowercase, _ as ->`,
//! lowercase, cut to 63 characters with a hash of the whole when longer (R2's
//! and Queues' limit; KV titles use the same name). Bindings that point at the
//! same namespace or bucket in the service share one on each domain too.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::DomainSpec;
use crate::error::{Error, Result};

/// R2 bucket and queue names: at most 63 characters.
const MAX_NAME: usize = 63;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Kv,
    R2,
    Queue,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Kv => "kv",
            Kind::R2 => "r2",
            Kind::Queue => "queue",
        }
    }

    /// The kind called `text` (`kv`, `r2`, `queue`).
    pub fn named(text: &str) -> Option<Kind> {
        [Kind::Kv, Kind::R2, Kind::Queue].into_iter().find(|k| k.as_str() == text)
    }

    /// What the user calls it.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Kv => "KV namespace",
            Kind::R2 => "R2 bucket",
            Kind::Queue => "queue",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainResource {
    pub kind: Kind,
    /// The binding; a queue only consumed is named by its name in the service's config.
    pub binding: String,
    /// What the service's config names: the namespace id, the bucket or the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// The domain's own name (KV namespace title, bucket or queue name), or the service's when shared.
    pub name: String,
    /// KV: the namespace's real id once known (remote); locally the name stands in for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
}

impl DomainResource {
    /// The id wrangler gets for a KV namespace: the real one, else (locally) the name.
    pub fn id_or_name(&self) -> String {
        self.id.clone().unwrap_or_else(|| self.name.clone())
    }
}

/// The domain's own name for a binding or queue called `suffix`.
pub fn own_name(spec: &DomainSpec, suffix: &str) -> String {
    let name = format!("{}-{}-{}", spec.domain.replace('.', "-"), spec.environment, suffix.replace('_', "-")).to_ascii_lowercase();
    if name.len() <= MAX_NAME {
        return name;
    }
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(name.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hash}", name[..MAX_NAME - 9].trim_end_matches('-'))
}

/// Every KV namespace, R2 bucket and queue of the resolved config, as this domain uses it.
pub fn resources(resolved: &Map<String, Value>, spec: &DomainSpec) -> Result<Vec<DomainResource>> {
    let mut out = vec![];
    for (kind, key, target) in [(Kind::Kv, "kv_namespaces", "id"), (Kind::R2, "r2_buckets", "bucket_name")] {
        for entry in entries(resolved, key)? {
            let binding = entry["binding"].as_str().ok_or_else(|| Error::invalid(format!("a {key} entry has no binding name")))?.to_owned();
            crate::d1::names::binding(&binding)?;
            let original = entry[target].as_str().map(str::to_owned);
            if spec.shared_bindings.contains(&binding) {
                let name = original.clone().unwrap_or_default();
                out.push(DomainResource { kind, binding, id: (kind == Kind::Kv).then(|| name.clone()), name, original, shared: true });
                continue;
            }
            refuse_remote(entry, spec, &binding, kind)?;
            // Two bindings of one namespace or bucket in the service stay one on the domain.
            let same = out.iter().find(|r: &&DomainResource| r.kind == kind && !r.shared && original.is_some() && r.original == original);
            let name = same.map_or_else(|| own_name(spec, &binding), |r| r.name.clone());
            let id = (kind == Kind::Kv).then(|| spec.resource_ids.get(&name).cloned()).flatten();
            out.push(DomainResource { kind, binding, original, name, id, shared: false });
        }
    }
    out.extend(queues(resolved, spec)?);
    for r in out.iter().filter(|r| !r.shared) {
        if let Some(clash) = out.iter().find(|x| x.kind == r.kind && !x.shared && x.name == r.name && x.original != r.original) {
            return Err(Error::invalid(format!(
                "{} {} and {} would both use the {} {} on {}: rename one of them",
                r.kind.noun(),
                clash.binding,
                r.binding,
                r.kind.noun(),
                r.name,
                spec.domain
            )));
        }
    }
    Ok(out)
}

/// One per queue named in the service's config: by its producers, its consumers or as a dead-letter queue. A
/// queue is shared when a producer binding of it is listed in `sharedBindings`; a shared queue cannot also be
/// consumed here (every domain's worker would be its consumer, and Cloudflare allows one per queue).
fn queues(resolved: &Map<String, Value>, spec: &DomainSpec) -> Result<Vec<DomainResource>> {
    let section = resolved.get("queues").cloned().unwrap_or(Value::Null);
    let mut out: Vec<DomainResource> = vec![];
    for producer in section["producers"].as_array().into_iter().flatten() {
        let binding = producer["binding"].as_str().ok_or_else(|| Error::invalid("a queues.producers entry has no binding name"))?.to_owned();
        crate::d1::names::binding(&binding)?;
        let queue = producer["queue"].as_str().ok_or_else(|| Error::invalid(format!("queue producer {binding} names no queue")))?.to_owned();
        let shared = spec.shared_bindings.contains(&binding);
        if !shared {
            refuse_remote(producer, spec, &binding, Kind::Queue)?;
        }
        if out.iter().any(|r| r.original.as_deref() == Some(queue.as_str())) {
            continue;
        }
        let name = if shared { queue.clone() } else { own_name(spec, &queue) };
        out.push(DomainResource { kind: Kind::Queue, binding, name, original: Some(queue), id: None, shared });
    }
    let consumers = section["consumers"].as_array().into_iter().flatten();
    for queue in consumers.flat_map(|c| [c["queue"].as_str(), c["dead_letter_queue"].as_str()]).flatten() {
        match out.iter().find(|r| r.original.as_deref() == Some(queue)) {
            Some(shared) if shared.shared => {
                return Err(Error::invalid(format!(
                    "queue {queue} is shared (sharedBindings lists {}), but this worker also consumes it: every domain's worker would be its consumer, \
                     and Cloudflare allows one. Remove {} from sharedBindings, or consume it in a worker of its own",
                    shared.binding, shared.binding
                )));
            }
            Some(_) => {}
            None => out.push(DomainResource { kind: Kind::Queue, binding: queue.to_owned(), name: own_name(spec, queue), original: Some(queue.to_owned()), id: None, shared: false }),
        }
    }
    Ok(out)
}

fn entries<'v>(resolved: &'v Map<String, Value>, key: &str) -> Result<&'v [Value]> {
    match resolved.get(key) {
        None => Ok(&[]),
        Some(Value::Array(entries)) => Ok(entries),
        Some(_) => Err(Error::invalid(format!("{key} must be a list of bindings"))),
    }
}

/// A remote binding served locally would reach the one real resource from every domain.
fn refuse_remote(entry: &Value, spec: &DomainSpec, binding: &str, kind: Kind) -> Result<()> {
    match spec.local && entry["remote"] == true {
        true => Err(Error::invalid(format!(
            "{} binding {binding} is remote (remote = true): served locally, every domain would reach that one remote {}. \
             Remove remote from it, or list {binding} in clodo.json \"sharedBindings\" if every domain should share it",
            kind.noun(),
            kind.noun()
        ))),
        false => Ok(()),
    }
}

/// The config's KV, R2 and queue entries pointed at the domain's own: identity from `resources`, every other
/// setting kept; the service's preview namespace or bucket is removed (it is not the domain's).
pub fn apply(config: &mut Map<String, Value>, resources: &[DomainResource]) {
    let own = |kind: Kind, binding: &str| resources.iter().find(|r| r.kind == kind && r.binding == binding && !r.shared);
    for (kind, key) in [(Kind::Kv, "kv_namespaces"), (Kind::R2, "r2_buckets")] {
        for entry in config.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten().filter_map(Value::as_object_mut) {
            let Some(r) = entry.get("binding").and_then(Value::as_str).and_then(|b| own(kind, b)) else { continue };
            match kind {
                Kind::Kv => {
                    entry.insert("id".into(), r.id_or_name().into());
                    entry.remove("preview_id");
                }
                _ => {
                    entry.insert("bucket_name".into(), r.name.clone().into());
                    entry.remove("preview_bucket_name");
                }
            }
            entry.remove("remote");
        }
    }
    // Queues go by their name in the service's config, wherever it appears.
    let own_queue = |queue: &str| resources.iter().find(|r| r.kind == Kind::Queue && !r.shared && r.original.as_deref() == Some(queue)).map(|r| r.name.clone());
    let Some(queues) = config.get_mut("queues").and_then(Value::as_object_mut) else { return };
    for (section, keys) in [("producers", &["queue"][..]), ("consumers", &["queue", "dead_letter_queue"][..])] {
        for entry in queues.get_mut(section).and_then(Value::as_array_mut).into_iter().flatten().filter_map(Value::as_object_mut) {
            for key in keys {
                if let Some(own) = entry.get(*key).and_then(Value::as_str).and_then(own_queue) {
                    entry.insert((*key).into(), own.into());
                    entry.remove("remote");
                }
            }
        }
    }
}

/// Every binding name the config has for D1, KV, R2 and queue producers: what `sharedBindings` may list.
pub fn binding_names(resolved: &Map<String, Value>) -> Vec<String> {
    let mut names = vec![];
    for key in ["d1_databases", "kv_namespaces", "r2_buckets"] {
        names.extend(resolved.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(|e| e["binding"].as_str().map(str::to_owned)));
    }
    let producers = resolved.get("queues").and_then(|q| q.get("producers")).and_then(Value::as_array);
    names.extend(producers.into_iter().flatten().filter_map(|e| e["binding"].as_str().map(str::to_owned)));
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> DomainSpec {
        DomainSpec::new("shop.example.com", "production", "svc")
    }

    fn config(extra: Value) -> Map<String, Value> {
        let mut c = json!({"name": "svc"}).as_object().cloned().unwrap();
        c.extend(extra.as_object().cloned().unwrap());
        c
    }

    fn rendered(c: &Map<String, Value>, spec: &DomainSpec) -> Map<String, Value> {
        let mut out = c.clone();
        apply(&mut out, &resources(c, spec).unwrap());
        out
    }

    #[test]
    fn every_kv_namespace_bucket_and_queue_becomes_the_domains_own() {
        let c = config(json!({
            "kv_namespaces": [{"binding": "CACHE", "id": "svc-cache-id", "preview_id": "p"}, {"binding": "SESSIONS", "id": "svc-sessions-id"}],
            "r2_buckets": [{"binding": "UPLOADS", "bucket_name": "svc-uploads", "preview_bucket_name": "p", "jurisdiction": "eu"}],
            "queues": {"producers": [{"binding": "JOBS", "queue": "svc-jobs"}], "consumers": [{"queue": "svc-jobs", "max_batch_size": 5, "dead_letter_queue": "svc-dead"}]},
        }));
        let out = rendered(&c, &spec());
        assert_eq!(out["kv_namespaces"][0], json!({"binding": "CACHE", "id": "shop-example-com-production-cache"}));
        assert_eq!(out["kv_namespaces"][1]["id"], "shop-example-com-production-sessions");
        assert_eq!(out["r2_buckets"][0], json!({"binding": "UPLOADS", "bucket_name": "shop-example-com-production-uploads", "jurisdiction": "eu"}));
        assert_eq!(out["queues"]["producers"][0]["queue"], "shop-example-com-production-svc-jobs");
        assert_eq!(out["queues"]["consumers"][0], json!({"queue": "shop-example-com-production-svc-jobs", "max_batch_size": 5, "dead_letter_queue": "shop-example-com-production-svc-dead"}));
        let other = rendered(&c, &DomainSpec::new("blog.example.org", "production", "svc"));
        assert_ne!(other["kv_namespaces"], out["kv_namespaces"]);
        assert_ne!(other["queues"], out["queues"]);
        let kinds: Vec<(Kind, &str)> = vec![(Kind::Kv, "CACHE"), (Kind::Kv, "SESSIONS"), (Kind::R2, "UPLOADS"), (Kind::Queue, "JOBS"), (Kind::Queue, "svc-dead")];
        assert_eq!(resources(&c, &spec()).unwrap().iter().map(|r| (r.kind, r.binding.as_str())).collect::<Vec<_>>(), kinds);
    }

    #[test]
    fn real_kv_ids_are_used_once_known_and_two_bindings_of_one_namespace_stay_one() {
        let c = config(json!({"kv_namespaces": [{"binding": "A", "id": "same"}, {"binding": "B", "id": "same"}, {"binding": "C"}]}));
        let mut spec = spec();
        spec.resource_ids.insert("shop-example-com-production-a".into(), "0123abcd".into());
        let out = rendered(&c, &spec);
        assert_eq!(out["kv_namespaces"][0]["id"], "0123abcd");
        assert_eq!(out["kv_namespaces"][1]["id"], "0123abcd");
        assert_eq!(out["kv_namespaces"][2]["id"], "shop-example-com-production-c");
    }

    #[test]
    fn shared_bindings_keep_the_services_resource() {
        let c = config(json!({
            "kv_namespaces": [{"binding": "SETTINGS", "id": "global-settings"}],
            "queues": {"producers": [{"binding": "EVENTS", "queue": "all-events"}]},
        }));
        let spec = DomainSpec { shared_bindings: vec!["SETTINGS".into(), "EVENTS".into()], ..spec() };
        let out = rendered(&c, &spec);
        assert_eq!(out["kv_namespaces"][0]["id"], "global-settings");
        assert_eq!(out["queues"]["producers"][0]["queue"], "all-events");
        assert!(resources(&c, &spec).unwrap().iter().all(|r| r.shared));
    }

    #[test]
    fn what_would_mix_tenants_is_an_error() {
        let consumed = config(json!({"queues": {"producers": [{"binding": "EVENTS", "queue": "all"}], "consumers": [{"queue": "all"}]}}));
        let shared = DomainSpec { shared_bindings: vec!["EVENTS".into()], ..spec() };
        assert!(resources(&consumed, &shared).unwrap_err().to_string().contains("allows one"));
        let remote = config(json!({"r2_buckets": [{"binding": "FILES", "bucket_name": "b", "remote": true}]}));
        assert!(resources(&remote, &DomainSpec { local: true, ..spec() }).unwrap_err().to_string().contains("sharedBindings"));
        let clash = config(json!({"queues": {"consumers": [{"queue": "Jobs"}, {"queue": "jobs"}]}}));
        assert!(resources(&clash, &spec()).unwrap_err().to_string().contains("rename one"));
    }

    #[test]
    fn long_names_are_cut_with_a_hash_of_the_whole() {
        let spec = DomainSpec::new("a-very-long-customer-name.with-many-labels.example.com", "production", "svc");
        let (a, b) = (own_name(&spec, "UPLOADS_ORIGINALS"), own_name(&spec, "UPLOADS_THUMBNAILS"));
        assert!(a.len() <= 63 && b.len() <= 63, "{a} {b}");
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }
}
