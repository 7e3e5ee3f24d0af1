//! `clodo deploy`: finds the services and their domains, asks what it must
//! ask (only on a terminal), runs each service's portfolio with progress on
//! stderr, and ends with a summary table (or one JSON document).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::board::Board;
use super::output::{Paint, table};
use super::{DeployArgs, FAILURE, Failure, OK, Outcome, Output, PARTIAL, Scope, absolute, credentials};
use crate::service::discovery::{self, Service};
use crate::domain_config::DomainSpec;
use crate::portfolio::canary::{Canary, Gate};
use crate::portfolio::{Options, Portfolio};
use crate::service::settings::{HealthCheck, Settings, health_path};
use crate::wrangler::Credentials;

pub fn run(out: &Output, yes: bool, scope: &Scope, args: DeployArgs) -> Outcome {
    let mut credentials = credentials();
    // Remote when asked, or when the environment has a token (a token `clodo login` stored needs --remote); else local.
    let local = args.local || (!args.remote && super::environment_credentials().api_token.is_none());
    let environment = scope.environment(!local);
    let (paths, mut wanted): (Vec<String>, Vec<String>) = args.targets.iter().cloned().partition(|t| std::path::Path::new(t).is_dir());
    // A path is never taken for a domain: one that names no folder is an error.
    if let Some(missing) = wanted.iter().find(|t| t.contains(['/', '\\']) || t.starts_with('.') || t.starts_with('~')) {
        return Err(Failure::Usage(format!("{missing} is not a folder here: give a service's folder (or a folder of services), or domains")));
    }
    let paths: Vec<PathBuf> = match paths.is_empty() {
        true => vec![scope.path.clone()],
        false => paths.iter().map(PathBuf::from).collect(),
    };
    let mut services: Vec<Service> = vec![];
    for path in &paths {
        services.extend(discovery::services(&absolute(path)?, &environment)?);
    }
    out.warn_problems(&services);
    let mut warnings = vec![];
    if let Some(env) = scope.named_environment() {
        for service in &services {
            if let Some(warning) = discovery::missing_environment(service, env) {
                out.note(&format!("{} {}: {warning}", out.paint(Paint::Yellow, "warning:"), service.name));
                warnings.push(json!({"service": service.name, "message": warning}));
            }
        }
    }
    if services.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Failure::Usage(format!("no wrangler config in {} or the folders directly under it", shown.join(", "))));
    }
    if args.interactive {
        wanted = choose(out, &services)?;
    }
    let plan = domains_to_deploy(&services, &wanted)?;
    // A resumed run continues the domains it had, unless some are named.
    let plan = match (&args.resume, wanted.is_empty()) {
        (Some(id), true) => plan
            .into_iter()
            .map(|(service, _)| {
                let saved = crate::portfolio::state::RunState::load(&service.path, id)?;
                Ok((service, saved.domains.keys().cloned().collect()))
            })
            .collect::<Result<Vec<_>, Failure>>()?,
        _ => plan,
    };
    if plan.iter().all(|(_, domains)| domains.is_empty()) {
        let looked: Vec<String> = plan.iter().map(|(s, _)| s.path.display().to_string()).collect();
        return Err(Failure::Usage(format!(
            "no domains to deploy to {environment} in {}: looked in customer records (config/customers/<customer>/{environment}.env), \
             the config's vars DOMAIN/DOMAINS and custom-domain routes for {environment}, and src/config/domains.js; name them (clodo deploy shop.example.com) or pass --env",
            looked.join(", ")
        )));
    }
    if args.resume.is_some() && plan.len() > 1 {
        return Err(Failure::Usage("--resume continues one service's run: give that service's folder".into()));
    }
    // Remote without any token: on a terminal, one is asked for (and kept, as `clodo login` would).
    if !local && credentials.api_token.is_none() && !args.dry_run
        && let Some(token) = out.secret("No Cloudflare API token: paste one (it is verified, then kept as clodo login does)")
    {
        let kept = crate::tokens::verify_and_keep(&token, credentials.account_id.as_deref())?;
        credentials = Credentials { api_token: Some(token), account_id: Some(kept.account_id) };
    }
    let mut groups = vec![];
    for (service, domains) in &plan {
        for (credentials, domains) in by_credentials(service, domains, &credentials, local)? {
            groups.push((service, domains, credentials));
        }
    }
    let count: usize = plan.iter().map(|(_, d)| d.len()).sum();
    if !local && environment == "production" && !args.dry_run && !yes {
        match out.confirm(&format!("Deploy {count} domain(s) to production on Cloudflare?")) {
            None => return Err(Failure::Usage("deploying to production needs --yes when there is no terminal to ask".into())),
            Some(false) => {
                out.note("cancelled: nothing was deployed");
                return Ok(FAILURE);
            }
            Some(true) => {}
        }
    }
    let mode = if local { "local" } else { "remote" };
    let verb = if args.dry_run { "Planning" } else { "Deploying" };
    out.note(&out.paint(Paint::Bold, &format!("{verb} {count} domain(s) of {} service(s) to {environment} ({mode})", plan.len())));
    let mut runs = vec![];
    let mut states = vec![];
    for (service, domains, credentials) in &groups {
        let options = options(&args, service, domains, &environment, local, credentials.clone())?;
        // On a terminal a live board; elsewhere one line per finished phase.
        let board = (out.terminal && !out.json).then(|| Board::start(out, domains));
        let progress = board.as_ref().map_or_else(|| out.progress_sink(), Board::sink);
        let portfolio = Portfolio::new(options, args.resume.as_deref(), Some(progress))?;
        let summary = match args.canary {
            Some(percent) => canary_run(&portfolio, percent),
            None => portfolio.deploy_all().map_err(Failure::from),
        };
        if let Some(board) = board {
            board.finish();
        }
        let summary = names_only(summary?);
        runs.push(json!({"service": service.name, "path": service.path, "summary": summary}));
        states.push(portfolio.snapshot());
    }
    let results: Vec<&Value> = runs.iter().flat_map(|r| r["summary"]["results"].as_array().into_iter().flatten()).collect();
    let ok = results.iter().filter(|r| r["success"] == true).count();
    let code = match ok {
        n if n == results.len() => OK,
        0 => FAILURE,
        _ => PARTIAL,
    };
    let mut document = json!({"environment": environment, "local": local, "dryRun": args.dry_run, "total": results.len(), "successful": ok, "runs": runs, "warnings": warnings});
    if let Some(file) = &args.report {
        document["report"] = report(out, file, &states, args.dry_run)?;
    }
    out.result(&document, |d| summary_text(out, d));
    Ok(code)
}

/// The domains of a service grouped by the credentials they deploy with:
/// the environment's token, else the one in the domain's customer record, else
/// the one `clodo login` stored for its account; the account its record names,
/// else the environment's. Local runs need none.
fn by_credentials(service: &Service, domains: &[String], from_env: &Credentials, local: bool) -> Result<Vec<(Credentials, Vec<String>)>, Failure> {
    if local {
        return Ok(vec![(from_env.clone(), domains.to_vec())]);
    }
    let mut groups: Vec<(Credentials, Vec<String>)> = vec![];
    let mut missing = vec![];
    for domain in domains {
        let record = service.domains.iter().find(|d| &d.domain == domain);
        let account_id = record.and_then(|r| r.account_id.clone()).or_else(|| from_env.account_id.clone());
        let stored = || crate::tokens::for_account(account_id.as_deref()).ok().flatten().map(|(_, token)| token);
        let api_token = super::environment_credentials().api_token.or_else(|| record.and_then(|r| r.api_token.clone())).or_else(stored);
        let credentials = Credentials { api_token, account_id };
        if credentials.api_token.is_none() {
            missing.push(domain.as_str());
            continue;
        }
        match groups.iter_mut().find(|(c, _)| c.api_token == credentials.api_token && c.account_id == credentials.account_id) {
            Some((_, group)) => group.push(domain.clone()),
            None => groups.push((credentials, vec![domain.clone()])),
        }
    }
    match missing.is_empty() {
        true => Ok(groups),
        false => Err(crate::error::Error::auth(format!("no Cloudflare API token for {}: run `clodo login` (or set CLOUDFLARE_API_TOKEN)", missing.join(", "))).into()),
    }
}

/// Domains per service: the named ones where the service has them (all of
/// them for a single service), else every domain found.
fn domains_to_deploy(services: &[Service], wanted: &[String]) -> Result<Vec<(Service, Vec<String>)>, Failure> {
    let found = |s: &Service| -> Vec<String> { s.domains.iter().map(|d| d.domain.clone()).collect() };
    if wanted.is_empty() {
        return Ok(services.iter().map(|s| (s.clone(), found(s))).collect());
    }
    if let [only] = services {
        return Ok(vec![(only.clone(), wanted.to_vec())]);
    }
    let plan: Vec<(Service, Vec<String>)> = services.iter().map(|s| (s.clone(), found(s).into_iter().filter(|d| wanted.contains(d)).collect())).collect();
    let unknown: Vec<&String> = wanted.iter().filter(|w| !plan.iter().any(|(_, d)| d.contains(w))).collect();
    match unknown.is_empty() {
        true => Ok(plan.into_iter().filter(|(_, d)| !d.is_empty()).collect()),
        false => Err(Failure::Usage(format!("no service here has the domain(s) {}", unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")))),
    }
}

/// The domains a person picks from the list (space toggles, Enter accepts).
fn choose(out: &Output, services: &[Service]) -> Result<Vec<String>, Failure> {
    let all: Vec<(String, String)> = services.iter().flat_map(|s| s.domains.iter().map(|d| (s.name.clone(), d.domain.clone()))).collect();
    let shown: Vec<String> = all.iter().map(|(service, domain)| format!("{domain} ({service})")).collect();
    let picked = out.pick("Deploy which domains?", &shown).ok_or_else(|| Failure::Usage("--interactive needs a terminal; name the domains instead".into()))?;
    if picked.is_empty() {
        return Err(Failure::Usage("no domain was picked".into()));
    }
    Ok(picked.into_iter().map(|i| all[i].1.clone()).collect())
}

/// The service's clodo.json with this command line's overrides.
fn settings(args: &DeployArgs, service: &Service) -> Result<Settings, Failure> {
    let mut settings = Settings::load(&service.path)?;
    let bad = |flag: &str, why: String| Failure::Usage(format!("{flag}: {why}"));
    match args.health_path.as_deref() {
        Some("none") => settings.health = HealthCheck::StartOnly,
        Some(path) => settings.health = HealthCheck::Endpoint { path: health_path(path).map_err(|e| bad("--health-path", e))?, expect: None },
        None => {}
    }
    if let Some(text) = args.health_expect.clone().filter(|t| !t.is_empty()) {
        match &mut settings.health {
            HealthCheck::Endpoint { expect, .. } => *expect = Some(text),
            HealthCheck::StartOnly => return Err(bad("--health-expect", "the service has no health endpoint (--health-path none or clodo.json \"health\": false)".into())),
        }
    }
    if let Some(seconds) = args.ready_timeout {
        if !(1..=3600).contains(&seconds) {
            return Err(bad("--ready-timeout", "give a number of seconds from 1 to 3600".into()));
        }
        settings.ready_timeout = Some(std::time::Duration::from_secs(seconds));
    }
    settings.standard_secrets |= args.standard_secrets;
    Ok(settings)
}

fn options(args: &DeployArgs, service: &Service, domains: &[String], environment: &str, local: bool, credentials: Credentials) -> Result<Options, Failure> {
    Ok(Options {
        settings: Some(settings(args, service)?),
        wait_for_lock: args.wait,
        force_secret_rollback: args.force_secret_rollback,
        domains: domains.iter().map(|d| DomainSpec::new(d, environment, &service.name)).collect(),
        parallel: args.parallel.max(1),
        dry_run: args.dry_run,
        skip_tests: args.no_tests,
        credentials,
        wrangler_path: super::wrangler_for(&service.path),
        local,
        ..Options::new(service.path.clone(), service.config_path.clone(), environment, &service.name)
    })
}

/// Every domain as a canary, one after the other, summarised like a portfolio run.
fn canary_run(portfolio: &Portfolio, percent: f64) -> Result<Value, Failure> {
    let started = std::time::Instant::now();
    let mut results = vec![];
    for spec in &portfolio.options.domains {
        let canary = Canary { percent, gate: Some(Gate { url: None, path: None }) };
        results.push(portfolio.deploy_canary(spec, canary)?);
    }
    Ok(portfolio.summarise(results, started))
}

fn summary_text(out: &Output, document: &Value) -> String {
    let mut rows = vec![];
    for run in document["runs"].as_array().into_iter().flatten() {
        for r in run["summary"]["results"].as_array().into_iter().flatten() {
            let status = r["status"].as_str().unwrap_or_default();
            let painted = match status {
                "completed" | "planned" => out.paint(Paint::Green, status),
                "completed-with-warnings" => out.paint(Paint::Yellow, status),
                _ => out.paint(Paint::Red, status),
            };
            rows.push(vec![
                r["domain"].as_str().unwrap_or_default().to_owned(),
                painted,
                r["url"].as_str().unwrap_or("-").to_owned(),
                format!("{:.1}s", r["duration"].as_f64().unwrap_or(0.0) / 1000.0),
                r["error"].as_str().or_else(|| r["warnings"][0].as_str()).unwrap_or("").chars().take(80).collect(),
            ]);
        }
    }
    // Locally the URL is the `wrangler dev` the domain was checked on, stopped since.
    let url = if document["local"] == true { "checked at" } else { "url" };
    if document["dryRun"] == true {
        let plans = plan_text(document);
        return format!("{plans}\n{}\n\n{} of {} domain(s) planned; nothing was changed", table(&["domain", "status", url, "time", "note"], &rows), document["successful"], document["total"]);
    }
    let mut text = format!("\n{}\n\n{} of {} domain(s) deployed", table(&["domain", "status", url, "time", "note"], &rows), document["successful"], document["total"]);
    for run in document["runs"].as_array().into_iter().flatten() {
        let (path, id) = (run["path"].as_str().unwrap_or_default(), run["summary"]["deploymentId"].as_str().unwrap_or_default());
        text += &format!("\n{} state {path}/.clodo/deployments/{id}.json · audit {path}/logs/deployment-audit.log", out.paint(Paint::Dim, "·"));
    }
    text
}

/// A dry run's plan per domain: its rendered config, the build, the secrets
/// it would upload (names only) and every command, as it would run them.
fn plan_text(document: &Value) -> String {
    let mut text = String::new();
    for run in document["runs"].as_array().into_iter().flatten() {
        for r in run["summary"]["results"].as_array().into_iter().flatten() {
            text += &format!("\n{}\n", r["domain"].as_str().unwrap_or_default());
            for step in r["plan"].as_array().into_iter().flatten() {
                // Steps clodo does itself are said in words: the helper's, and resources created through the API.
                if let Some(said) = step["helper"].as_str().or(step["resource"].as_str().and(step["then"].as_str())) {
                    text += &format!("  {said}\n");
                    continue;
                }
                // A request to Cloudflare's API, and what it is for.
                if let (Some(request), Some(why)) = (step["api"].as_str(), step["why"].as_str()) {
                    text += &format!("  {request}: {why}\n");
                    continue;
                }
                let line = match (&step["configPath"], &step["command"], &step["build"], &step["secrets"]) {
                    (Value::String(path), ..) => format!("write {path}"),
                    (_, _, Value::String(build), _) => format!("build `{build}` (once for the run)"),
                    (_, _, _, Value::Array(names)) => {
                        let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
                        format!("upload secrets {} {}", names.join(", "), step["then"].as_str().unwrap_or_default())
                    }
                    (_, Value::Array(_), ..) => match step["then"].as_str() {
                        Some(then) => format!("{}; {then}", argv(&step["command"])),
                        None => argv(&step["command"]),
                    },
                    _ => continue,
                };
                text += &format!("  {line}\n");
            }
        }
    }
    text
}

fn argv(command: &Value) -> String {
    command.as_array().into_iter().flatten().filter_map(Value::as_str).collect::<Vec<_>>().join(" ")
}

/// The run's report page (a dry run has no run to draw).
fn report(out: &Output, file: &std::path::Path, states: &[crate::portfolio::state::RunState], dry_run: bool) -> Result<Value, Failure> {
    if dry_run {
        out.note("report: a dry run saves no state, so there is no run to draw");
        return Ok(Value::Null);
    }
    let written = super::write_report(file, states)?;
    out.note(&format!("report: {}", written.display()));
    Ok(json!(written))
}

/// The CLI's document names domains in `successful` and `failed`: each
/// domain's whole result is already in `results` once.
fn names_only(mut summary: Value) -> Value {
    for key in ["successful", "failed"] {
        if let Some(list) = summary[key].as_array_mut() {
            list.iter_mut().for_each(|r| *r = r["domain"].take());
        }
    }
    summary
}
