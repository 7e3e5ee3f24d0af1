//! `clodo add <feature>[:<binding>]`: a binding (or a cron trigger) added to
//! the service's wrangler config in place, to every environment unless `-e`
//! names one; `--remote` creates the resource it reaches first (found by its
//! exact name when it exists) and writes its real id; `--dry-run` prints the
//! diff and writes nothing.

use serde_json::{Value, json};

use super::{Failure, OK, Outcome, Output, Scope, absolute, credentials};
use crate::cloudflare::CloudflareApi;
use crate::wrangler_config::bindings::EVERY_ENVIRONMENT;
use crate::wrangler_config::features::{self, Addition, Inputs, Resource, Store};
use crate::wrangler_config::{Options as ConfigOptions, WranglerConfig};

pub struct AddArgs {
    pub feature: String,
    pub remote: bool,
    pub dry_run: bool,
    pub inputs: Inputs,
}

pub fn run(out: &Output, scope: &Scope, args: AddArgs) -> Outcome {
    let mut options = ConfigOptions::for_project(Some(&absolute(&scope.path)?), None);
    options.dry_run = args.dry_run;
    let config = WranglerConfig::new(options);
    let path = config.config_path().to_path_buf();
    let before = std::fs::read_to_string(&path).map_err(|_| {
        Failure::Error(crate::error::Error::ConfigNotFound { path: path.clone(), message: "No wrangler config here: give the service's folder (-p)".into() })
    })?;
    let worker = config.read_config()?["name"].as_str().unwrap_or("worker").to_owned();
    let addition = features::addition(&args.feature, &worker, &args.inputs)?;
    let environment = scope.named_environment().unwrap_or(EVERY_ENVIRONMENT).to_owned();
    let mut created = None;
    let mut other_files = String::new();
    let changed = match &addition {
        Addition::Cron(schedule) => config.add_cron(Some(&environment), schedule)?,
        Addition::Auth { middleware, secret } => {
            let (changed, diffs) = wire_auth(&config, middleware, secret, args.dry_run)?;
            other_files = diffs;
            changed
        }
        Addition::Binding { kind, spec, resource } => {
            let mut spec = spec.clone();
            if let (true, Some(resource)) = (args.remote, resource) {
                if args.dry_run {
                    created = Some(json!({"name": resource.name, "planned": true}));
                } else {
                    let (id, made) = ensure(resource)?;
                    if let (Some(field), Some(id)) = (resource.id_field, id) {
                        spec[field] = json!(id);
                    }
                    created = Some(json!({"name": resource.name, "created": made}));
                }
            }
            config.add_binding(Some(&environment), kind, &spec)?
        }
    };
    let after = match args.dry_run {
        true => config.planned_writes().last().map(|w| w.content.clone()).unwrap_or_else(|| before.clone()),
        false => std::fs::read_to_string(&path).unwrap_or_default(),
    };
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(&before, &after).unified_diff().header(&name, &name).to_string() + &other_files;
    let reaches_resource = matches!(addition, Addition::Binding { resource: Some(_), .. });
    let document = json!({"configPath": path, "feature": args.feature, "environment": environment, "changed": changed, "dryRun": args.dry_run, "resource": created, "diff": diff});
    out.result(&document, |d| summary(d, &args, reaches_resource));
    Ok(OK)
}

fn summary(d: &Value, args: &AddArgs, reaches_resource: bool) -> String {
    let resource = match &d["resource"] {
        Value::Null if !args.remote && reaches_resource => "\n(local: no resource to create; `--remote` creates it on Cloudflare and writes its id)".to_owned(),
        Value::Null => String::new(),
        r if r["planned"] == true => format!("\nwould find or create {} on Cloudflare", r["name"].as_str().unwrap_or_default()),
        r => format!("\n{} {} on Cloudflare", if r["created"] == true { "created" } else { "found" }, r["name"].as_str().unwrap_or_default()),
    };
    let verb = match (d["changed"].as_bool(), args.dry_run) {
        (Some(false), _) => "already there: nothing to change in",
        (_, true) => "dry run: would change",
        _ => "added to",
    };
    format!("{}{verb} {}{resource}", d["diff"].as_str().unwrap_or_default(), d["configPath"].as_str().unwrap_or_default())
}

/// The worker behind an auth middleware: an entry module beside its own (the worker's file stays as it is), `main`
/// pointed at it, and the secret declared in `.dev.vars.example` so that deploys generate and upload it. Whether
/// anything changed, and the diffs of the files other than the config.
fn wire_auth(config: &WranglerConfig, middleware: &str, secret: &str, dry_run: bool) -> Result<(bool, String), Failure> {
    let main = config.read_config()?["main"].as_str().map(str::to_owned);
    let main = main.ok_or_else(|| Failure::Usage("the worker has no main (an assets-only worker): there is no fetch handler to put behind auth".into()))?;
    let dir = config.config_path().parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let health = match crate::service::settings::Settings::load(&dir)?.health {
        crate::service::settings::HealthCheck::Endpoint { path, .. } => path,
        crate::service::settings::HealthCheck::StartOnly => "/health".into(),
    };
    let (wrapper, text) = features::auth_entry(&main, middleware, secret, &health)?;
    let declared = dir.join(".dev.vars.example");
    let example = std::fs::read_to_string(&declared).unwrap_or_default();
    let has_secret = example.lines().any(|l| l.split('=').next().map(str::trim) == Some(secret));
    let new_example = match (has_secret, example.is_empty() || example.ends_with('\n')) {
        (true, _) => example.clone(),
        (false, true) => format!("{example}{secret}=\n"),
        (false, false) => format!("{example}\n{secret}=\n"),
    };
    let file_diff = |path: &std::path::Path, old: &str, new: &str| {
        let name = path.display().to_string();
        similar::TextDiff::from_lines(old, new).unified_diff().header(&name, &name).to_string()
    };
    let diffs = file_diff(&dir.join(&wrapper), "", &text) + &file_diff(&declared, &example, &new_example);
    if !dry_run {
        let write = |path: std::path::PathBuf, text: &str| crate::atomic_file::write_atomic(&path, text.as_bytes(), crate::atomic_file::WriteOptions::default());
        write(dir.join(&wrapper), &text)?;
        if new_example != example {
            write(declared, &new_example)?;
        }
    }
    let pointed = config.set_main(&wrapper)?;
    Ok((pointed || new_example != example, diffs))
}

/// The resource on the account: found by its exact name, else created. Its id, and whether it was made now.
fn ensure(resource: &Resource) -> Result<(Option<String>, bool), Failure> {
    let credentials = credentials();
    let token = credentials.api_token.clone().ok_or_else(|| crate::error::Error::auth("--remote needs a Cloudflare API token: run `clodo login` (or set CLOUDFLARE_API_TOKEN)"))?;
    let api = CloudflareApi::new(&token)?;
    let found = crate::http_check::block_on(async {
        let account = api.account_or_sole(credentials.account_id.as_deref()).await?;
        match resource.storage {
            Store::D1 => {
                let listed = api.d1_databases(&account).await?;
                if let Some(db) = listed.iter().find(|d| d["name"] == resource.name.as_str()) {
                    return Ok((db["uuid"].as_str().map(str::to_owned), false));
                }
                let made = api.create_d1_database(&account, &resource.name).await?;
                Ok((made["uuid"].as_str().map(str::to_owned), true))
            }
            Store::Other(kind) => {
                let found = api.ensure_resource(&account, kind, &resource.name, None).await?;
                Ok((found.id, found.created))
            }
        }
    })?;
    Ok(found)
}
