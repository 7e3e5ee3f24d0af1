//! `clodo resources list`: each domain's D1 databases, KV namespaces, R2
//! buckets and queues, as its rendered config names them, and with
//! `--remote` whether each exists on the account yet.

use clap::Subcommand;
use serde_json::json;

use super::output::table;
use super::{Failure, OK, Outcome, Output, Scope, absolute, credentials};
use crate::service::discovery;

#[derive(Subcommand)]
pub enum ResourcesCommand {
    /// Each domain's databases, namespaces, buckets and queues (own or shared); with --remote, whether each exists.
    List {
        /// Only this domain (repeatable; default: every domain found for the service).
        #[arg(long = "domain", value_name = "DOMAIN")]
        domains: Vec<String>,
        /// Look each one up on Cloudflare (a token from CLOUDFLARE_API_TOKEN).
        #[arg(long)]
        remote: bool,
    },
}

pub fn run(out: &Output, scope: &Scope, command: ResourcesCommand) -> Outcome {
    let ResourcesCommand::List { domains, remote } = command;
    let environment = scope.environment(remote);
    let credentials = credentials();
    if remote && credentials.api_token.is_none() {
        return Err(crate::error::Error::auth("--remote needs a Cloudflare API token: run `clodo login` (or set CLOUDFLARE_API_TOKEN)").into());
    }
    let services = discovery::services(&absolute(&scope.path)?, &environment)?;
    if services.is_empty() {
        return Err(Failure::Usage(format!("no wrangler config in {} or the folders directly under it", scope.path.display())));
    }
    let mut listed = vec![];
    for service in &services {
        let wanted: Vec<String> = match domains.is_empty() {
            true => service.domains.iter().map(|d| d.domain.clone()).collect(),
            false => domains.clone(),
        };
        let found = crate::service::resources::list(&service.config_path, &service.name, &environment, &wanted, remote.then_some(&credentials))?;
        listed.push(json!({"service": service.name, "path": service.path, "domains": found}));
    }
    let document = json!({"environment": environment, "remote": remote, "services": listed});
    out.result(&document, |d| {
        let mut rows = vec![];
        for service in d["services"].as_array().into_iter().flatten() {
            for domain in service["domains"].as_array().into_iter().flatten() {
                for r in domain["resources"].as_array().into_iter().flatten() {
                    let state = match (r["shared"].as_bool(), r["exists"].as_bool()) {
                        (Some(true), _) => "shared",
                        (_, Some(true)) => "exists",
                        (_, Some(false)) => "missing (created by the next deploy)",
                        _ => "local",
                    };
                    let cells = [&domain["domain"], &r["kind"], &r["binding"], &r["name"]].map(|v| v.as_str().unwrap_or_default().to_owned());
                    rows.push([cells.to_vec(), vec![state.to_owned()]].concat());
                }
            }
        }
        match rows.is_empty() {
            true => format!("no domain of {} binds a database, namespace, bucket or queue", d["environment"].as_str().unwrap_or_default()),
            false => table(&["domain", "kind", "binding", "name", "state"], &rows),
        }
    });
    Ok(OK)
}
