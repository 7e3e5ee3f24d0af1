//! `clodo add <feature>[:<binding>]`: what each feature of the original's
//! `clodo add` puts in the config, as a binding edit (bindings.rs) or a cron
//! trigger, with names from the worker's name and the resource it needs
//! created remotely. Never an empty id: a resource that only Cloudflare can
//! name gets its real id, or none where wrangler does not need one (locally).

use serde_json::{Value, json};

use crate::domain_config::resources::Kind as Storage;
use crate::error::{Error, Result};

/// The features, as the original names them.
pub const FEATURES: &[&str] = &["ai", "kv", "d1", "r2", "vectorize", "queues", "cron", "hyperdrive", "analytics", "browser", "email", "auth:bearer", "auth:apikey"];

/// What a feature adds.
#[derive(Debug, Clone, PartialEq)]
pub enum Addition {
    Binding {
        kind: &'static str,
        spec: Value,
        /// The resource it reaches, created (or found by name) remotely; its id goes into `id_field`.
        resource: Option<Resource>,
    },
    Cron(String),
    /// The worker's fetch behind a clodo/worker auth middleware reading the `secret`.
    Auth { middleware: &'static str, secret: &'static str },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub storage: Store,
    pub name: String,
    /// The spec's field that takes the resource's id once known (none for buckets and queues, named by name).
    pub id_field: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Store {
    D1,
    Other(Storage),
}

/// Values a feature needs that only the user knows.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `cron`: the schedule (default: every hour).
    pub schedule: Option<String>,
    /// `vectorize`: the index's name (an index needs dimensions and a metric, so clodo does not create it).
    pub index: Option<String>,
    /// `hyperdrive`: the configuration's id (it holds a database's credentials, so clodo does not create it).
    pub id: Option<String>,
}

/// `feature` or `feature:BINDING` for the worker `worker`.
pub fn addition(feature: &str, worker: &str, inputs: &Inputs) -> Result<Addition> {
    let (name, binding) = match feature.split_once(':') {
        Some((name, binding)) => (name, Some(binding)),
        None => (feature, None),
    };
    match feature {
        "auth:bearer" => return Ok(Addition::Auth { middleware: "createBearerAuth", secret: "AUTH_TOKEN" }),
        "auth:apikey" => return Ok(Addition::Auth { middleware: "createApiKeyAuth", secret: "API_KEY" }),
        _ if name == "auth" => return Err(Error::invalid(format!("Unknown feature {feature:?}: use auth:bearer or auth:apikey"))),
        _ => {}
    }
    let binding = |default: &str| -> Result<String> {
        let b = binding.unwrap_or(default).to_owned();
        crate::d1::names::binding(&b)?;
        Ok(b)
    };
    let resource_name = |b: &str| format!("{worker}-{}", b.to_ascii_lowercase().replace('_', "-"));
    Ok(match name {
        "ai" => Addition::Binding { kind: "ai", spec: json!({"binding": binding("AI")?}), resource: None },
        "browser" => Addition::Binding { kind: "browser", spec: json!({"binding": binding("BROWSER")?}), resource: None },
        "email" => Addition::Binding { kind: "send_email", spec: json!({"name": binding("EMAIL")?}), resource: None },
        "analytics" => {
            let b = binding("ANALYTICS")?;
            Addition::Binding { kind: "analytics_engine", spec: json!({"binding": b, "dataset": resource_name(&b).replace('-', "_")}), resource: None }
        }
        "kv" => {
            let b = binding("KV")?;
            let name = resource_name(&b);
            Addition::Binding { kind: "kv", spec: json!({"binding": b}), resource: Some(Resource { storage: Store::Other(Storage::Kv), name, id_field: Some("id") }) }
        }
        "d1" => {
            let b = binding("DB")?;
            let name = resource_name(&b);
            Addition::Binding { kind: "d1", spec: json!({"binding": b, "database_name": name}), resource: Some(Resource { storage: Store::D1, name, id_field: Some("database_id") }) }
        }
        "r2" => {
            let b = binding("BUCKET")?;
            let name = resource_name(&b);
            Addition::Binding { kind: "r2", spec: json!({"binding": b, "bucket_name": name}), resource: Some(Resource { storage: Store::Other(Storage::R2), name, id_field: None }) }
        }
        "queues" => {
            let b = binding("QUEUE")?;
            let name = resource_name(&b);
            Addition::Binding { kind: "queue", spec: json!({"binding": b, "queue": name}), resource: Some(Resource { storage: Store::Other(Storage::Queue), name, id_field: None }) }
        }
        "vectorize" => {
            let index = inputs.index.clone().ok_or_else(|| Error::invalid("vectorize needs --index NAME: the Vectorize index to bind (create it with `wrangler vectorize create`)"))?;
            Addition::Binding { kind: "vectorize", spec: json!({"binding": binding("VECTORIZE")?, "index_name": index}), resource: None }
        }
        "hyperdrive" => {
            let id = inputs.id.clone().ok_or_else(|| Error::invalid("hyperdrive needs --id ID: the Hyperdrive configuration's id (`wrangler hyperdrive create` gives it)"))?;
            Addition::Binding { kind: "hyperdrive", spec: json!({"binding": binding("HYPERDRIVE")?, "id": id}), resource: None }
        }
        "cron" => {
            let schedule = inputs.schedule.clone().unwrap_or_else(|| "0 * * * *".into());
            if schedule.split_whitespace().count() != 5 {
                return Err(Error::invalid(format!("--schedule {schedule:?}: a cron schedule has five fields, like \"*/15 * * * *\"")));
            }
            Addition::Cron(schedule)
        }
        _ => return Err(Error::invalid(format!("Unknown feature {name:?}: use one of {}", FEATURES.join(", ")))),
    })
}

/// The file `auth` wiring writes beside the entry: the worker's own module behind the middleware.
pub const AUTH_ENTRY: &str = "clodo-entry";

/// The entry module that puts the worker at `main` (relative to the config) behind `middleware`, letting the
/// health path through; written beside the entry with its extension, so the worker's own file stays as it is.
pub fn auth_entry(main: &str, middleware: &str, secret: &str, health_path: &str) -> Result<(String, String)> {
    let entry = std::path::Path::new(main);
    let file_name = entry.file_name().and_then(|n| n.to_str()).ok_or_else(|| Error::invalid(format!("main {main:?} names no file")))?;
    if file_name.starts_with(AUTH_ENTRY) {
        return Err(Error::invalid(format!("the worker is already behind clodo's auth ({main}): edit that file to change it")));
    }
    let extension = entry.extension().and_then(|e| e.to_str()).unwrap_or("js");
    let wrapper = entry.with_file_name(format!("{AUTH_ENTRY}.{extension}")).to_string_lossy().replace('\\', "/");
    let text = format!(
        "// Written by `clodo add`: the worker in ./{file_name} behind {middleware} (clodo/worker), which checks each\n\
         // request against the {secret} secret; {health_path} answers without it. To undo, point main back at\n\
         // ./{file_name} and delete this file.\n\
         import worker from './{file_name}'\n\
         import {{ {middleware}, withMiddleware }} from 'clodo/worker'\n\n\
         export * from './{file_name}'\n\
         export default withMiddleware(worker, {middleware}({{ secret: '{secret}', exempt: ['{health_path}'] }}))\n"
    );
    Ok((wrapper, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_name_their_resources_after_the_worker_and_never_leave_an_empty_id() {
        let kv = addition("kv:SESSIONS", "shop", &Inputs::default()).unwrap();
        let Addition::Binding { kind, spec, resource } = kv else { panic!() };
        assert_eq!((kind, spec), ("kv", json!({"binding": "SESSIONS"})));
        assert_eq!(resource.unwrap().name, "shop-sessions");
        let Addition::Binding { spec, .. } = addition("d1", "shop", &Inputs::default()).unwrap() else { panic!() };
        assert_eq!(spec, json!({"binding": "DB", "database_name": "shop-db"}));
        assert_eq!(addition("cron", "shop", &Inputs { schedule: Some("*/5 * * * *".into()), ..Inputs::default() }).unwrap(), Addition::Cron("*/5 * * * *".into()));
    }

    #[test]
    fn what_needs_the_user_is_asked_for_by_name() {
        let err = |f: &str| addition(f, "shop", &Inputs::default()).unwrap_err().to_string();
        assert!(err("vectorize").contains("--index"));
        assert!(err("hyperdrive").contains("--id"));
        assert!(err("auth:basic").contains("auth:bearer or auth:apikey"));
        assert!(err("kvs").contains("Unknown feature"));
        assert!(err("kv:my-cache").contains("binding name"));
    }
}
