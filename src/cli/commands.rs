//! `clodo list`, `status`, `rollback`, `validate` and `test`.

use crate::portfolio::state::DomainStatus;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use super::output::{Paint, table};
use super::{FAILURE, Failure, OK, Outcome, Output, PARTIAL, absolute, credentials};
use crate::deploy_check::{CheckOptions, Checker, Level};
use crate::portfolio::state::RunState;
use crate::portfolio::{Options, Portfolio};

pub fn list(out: &Output, path: &Path, environment: &str) -> Outcome {
    let services = crate::service::discovery::services(&absolute(path)?, environment)?;
    let document = json!({"environment": environment, "services": services});
    out.warn_problems(&services);
    out.result(&document, |_| {
        let rows: Vec<Vec<String>> = services
            .iter()
            .flat_map(|s| {
                let path = s.path.display().to_string();
                let mut rows: Vec<Vec<String>> = s.domains.iter().map(|d| vec![s.name.clone(), d.domain.clone(), d.source.clone(), path.clone()]).collect();
                if rows.is_empty() {
                    rows.push(vec![s.name.clone(), "-".into(), "no domains found".into(), path]);
                }
                rows
            })
            .collect();
        table(&["service", "domain", "found in", "path"], &rows)
    });
    Ok(OK)
}

fn run_state(path: &Path, deployment_id: Option<&str>) -> Result<RunState, Failure> {
    let root = absolute(path)?;
    let id = match deployment_id {
        Some(id) => id.to_owned(),
        None => RunState::latest(&root).ok_or_else(|| Failure::Usage(format!("no deployment runs under {}/.clodo/deployments", root.display())))?,
    };
    Ok(RunState::load(&root, &id)?)
}

pub fn status(out: &Output, path: &Path, deployment_id: Option<&str>, html: Option<&Path>) -> Outcome {
    let state = run_state(path, deployment_id)?;
    let running_now = crate::portfolio::deploy_in_progress(&state.service_path, &state.environment);
    let state = state.as_left(running_now);
    if let Some(file) = html {
        let written = super::write_report(file, std::slice::from_ref(&state))?;
        out.note(&format!("report: {}", written.display()));
    }
    let document = serde_json::to_value(&state).unwrap_or_default();
    let failed = state.domains.values().filter(|d| d.status == DomainStatus::Failed).count();
    out.result(&document, |_| {
        let rows: Vec<Vec<String>> = state
            .domains
            .iter()
            .map(|(domain, run)| {
                let phases: Vec<String> = run.phases.iter().map(|(name, p)| format!("{name}:{}", p.status.as_str())).collect();
                vec![domain.clone(), run.status.as_str().to_owned(), run.url.clone().unwrap_or("-".into()), phases.join(" ")]
            })
            .collect();
        format!("{} ({}, started {})\n\n{}", state.deployment_id, state.environment, state.started_at, table(&["domain", "status", "url", "phases"], &rows))
    });
    Ok(if failed == 0 { OK } else { PARTIAL })
}

/// A run's domains (or one domain of the latest run that has it) back to their rollback points.
pub fn rollback(out: &Output, path: &Path, target: &str, restore_database: bool, force_secret_rollback: bool) -> Outcome {
    let root = absolute(path)?;
    let by_id = RunState::load(&root, target).ok();
    let (state, only) = match by_id {
        Some(state) => (state, None),
        None => (run_state(&root, None)?, Some(target.to_owned())),
    };
    if let Some(domain) = &only
        && !state.domains.contains_key(domain)
    {
        return Err(Failure::Usage(format!("{target} is neither a deployment id under {} nor a domain of its latest run", root.display())));
    }
    let service = crate::service::discovery::service(&root, &state.environment)?;
    let credentials = credentials();
    let options = Options {
        // As the run was; states saved before that was recorded: remote when there is a token.
        local: state.local.unwrap_or(credentials.api_token.is_none()),
        credentials,
        wrangler_path: super::wrangler_for(&root),
        force_secret_rollback,
        ..Options::new(root.clone(), service.config_path.clone(), &state.environment, &service.name)
    };
    let portfolio = Portfolio::new(options, Some(&state.deployment_id), Some(out.progress_sink()))?;
    let result = portfolio.roll_back_all(only.as_deref(), restore_database, "clodo rollback from the command line")?;
    out.result(&result, |r| {
        let rows: Vec<Vec<String>> = r["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| vec![x["domain"].as_str().unwrap_or_default().into(), x["result"]["status"].as_str().unwrap_or_default().into(), x["result"]["message"].as_str().unwrap_or_default().into()])
            .collect();
        match rows.is_empty() {
            true => format!("nothing to roll back in {}: no domain of it reached its deployment phase remotely", r["deploymentId"]),
            false => table(&["domain", "rollback", "what happened"], &rows),
        }
    });
    Ok(if result["success"] == true { OK } else { FAILURE })
}

pub fn validate(out: &Output, path: &Path, environment: &str, level: &str) -> Outcome {
    let service_path = absolute(path)?;
    let checker = Checker::new(CheckOptions {
        wrangler_path: super::wrangler_for(&service_path),
        service_path,
        config_path: None,
        environment: environment.to_owned(),
        level: Level::parse(level)?,
        remote: None,
        credentials: credentials(),
    });
    let checks = checker.all();
    let (config_path, findings) = checker.findings();
    let failed = checks.iter().filter(|c| c.status == "fail").count();
    let document = json!({
        "environment": environment, "level": level, "valid": failed == 0,
        "checks": checks.iter().map(|c| json!({"name": c.name, "status": c.status, "message": c.message})).collect::<Vec<_>>(),
        "findings": findings.iter().map(super::findings::to_json).collect::<Vec<_>>(),
    });
    out.result(&document, |_| {
        let file = config_path.display().to_string();
        // The config's findings are listed above the table, one a line.
        let message = |c: &crate::deploy_check::Check| match (c.name, findings.is_empty()) {
            ("config", false) => format!("{} (listed above)", super::findings::verdict(&file, &findings)),
            _ => c.message.clone(),
        };
        let rows: Vec<Vec<String>> = checks.iter().map(|c| vec![paint_status(out, c.status), c.name.to_owned(), message(c)]).collect();
        let listed = match findings.is_empty() {
            true => String::new(),
            false => format!("{}\n\n", super::findings::text(out, &file, &findings)),
        };
        let verdict = match failed {
            0 => format!("valid for {environment}"),
            n => format!("not valid for {environment}: {n} check{} failed", if n == 1 { "" } else { "s" }),
        };
        format!("{listed}{}\n{verdict}", table(&["", "check", "result"], &rows))
    });
    Ok(if failed == 0 { OK } else { FAILURE })
}

pub fn test(out: &Output, target: &str, endpoints: Vec<String>) -> Outcome {
    // A bare domain means its https address.
    let url = match target.contains("://") {
        true => target.to_owned(),
        false => {
            crate::domain_config::check_domain(target)?;
            format!("https://{target}")
        }
    };
    let url = url.as_str();
    let options = crate::http_check::TestOptions { endpoints, ..Default::default() };
    let report: Value = crate::http_check::block_on(crate::http_check::run(url, &options))?;
    out.result(&report, |r| {
        let rows: Vec<Vec<String>> = r["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let status = if c["passed"] == true { "pass" } else { "fail" };
                let answer = c["statusCode"].as_u64().map(|s| s.to_string()).or_else(|| c["error"].as_str().map(str::to_owned)).unwrap_or_default();
                vec![paint_status(out, status), c["url"].as_str().unwrap_or_default().into(), answer, format!("{:.0} ms", c["latencyMs"].as_f64().unwrap_or(0.0))]
            })
            .collect();
        table(&["", "url", "answer", "latency"], &rows)
    });
    Ok(if report["passed"] == true { OK } else { FAILURE })
}

fn paint_status(out: &Output, status: &str) -> String {
    match status {
        "pass" => out.paint(Paint::Green, "pass"),
        "fail" => out.paint(Paint::Red, "fail"),
        other => out.paint(Paint::Yellow, other),
    }
}

/// What clodo knows about a domain: the services and runs that have it here,
/// and (with a token) Cloudflare's zone, account, databases and workers for it.
pub fn discover(out: &Output, path: &Path, domain: &str, environment: &str, refresh: bool) -> Outcome {
    crate::domain_config::check_domain(domain)?;
    let root = absolute(path)?;
    let mut local = vec![];
    let services = crate::service::discovery::services(&root, environment)?;
    out.warn_problems(&services);
    for service in services {
        let Some(found) = service.domains.iter().find(|d| d.domain == domain) else { continue };
        let last_run = RunState::latest(&service.path).and_then(|id| RunState::load(&service.path, &id).ok()).and_then(|s| {
            let run = s.domains.get(domain)?;
            Some(json!({"deploymentId": s.deployment_id, "status": run.status, "url": run.url, "workerName": run.worker_name}))
        });
        local.push(json!({"service": service.name, "path": service.path, "foundIn": found.source, "lastRun": last_run}));
    }
    let credentials = credentials();
    let cloudflare = match credentials.api_token {
        None => Value::Null,
        Some(token) => {
            let cache = crate::domain_discovery::DiscoveryCache::new(root.join(".clodo").join("cache"), Duration::from_secs(3600));
            match cache.get(domain, environment)?.filter(|_| !refresh) {
                Some(cached) => cached,
                None => {
                    let api = crate::cloudflare::CloudflareApi::new(&token)?;
                    let config = crate::http_check::block_on(crate::domain_discovery::discover(&api, domain, environment, credentials.account_id.as_deref()))?;
                    cache.put(domain, environment, &config)?;
                    config
                }
            }
        }
    };
    let document = json!({"domain": domain, "environment": environment, "local": local, "cloudflare": cloudflare});
    out.result(&document, |d| {
        let mut text = String::new();
        for l in d["local"].as_array().into_iter().flatten() {
            text += &format!("service {} ({}), found in {}", l["service"].as_str().unwrap_or_default(), l["path"].as_str().unwrap_or_default(), l["foundIn"].as_str().unwrap_or_default());
            if let Some(run) = l["lastRun"].as_object() {
                text += &format!("; last run {}: {}", run["deploymentId"].as_str().unwrap_or_default(), run["status"].as_str().unwrap_or_default());
            }
            text += "\n";
        }
        if d["local"].as_array().is_none_or(|l| l.is_empty()) {
            text += "no service here has this domain\n";
        }
        match d["cloudflare"].as_object() {
            Some(cf) => {
                text += &format!("zone {} ({}), account {}\n", cf["cloudflare"]["zoneName"].as_str().unwrap_or_default(), cf["zoneId"].as_str().unwrap_or_default(), cf["accountId"].as_str().unwrap_or_default());
                let dbs: Vec<String> = cf["d1Databases"].as_array().into_iter().flatten().map(|x| format!("{} ({})", x["name"].as_str().unwrap_or_default(), x["id"].as_str().unwrap_or_default())).collect();
                text += &format!("D1: {}\nworkers: {}\n", if dbs.is_empty() { "none".into() } else { dbs.join(", ") }, cf["workers"].as_array().map(|w| w.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).filter(|s| !s.is_empty()).unwrap_or("none".into()));
            }
            None => text += "Cloudflare: not asked (set CLOUDFLARE_API_TOKEN)\n",
        }
        text
    });
    Ok(OK)
}
