//! The six phases of one domain. Local mode: local D1, a real build and
//! `wrangler dev`; the remote parts are in `remote.rs`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Portfolio;
use crate::rollback::RollbackPoint;
use super::state::PhaseRun;
use crate::d1::parse_apply_output;
use crate::deploy_check::{CheckOptions, Checker, Level};
use crate::domain_config::{DomainSpec, Rendered, render};
use crate::error::{Error, Result};
use crate::http_check::{self, TestOptions};
use crate::wrangler::Invocation;

pub struct Outcome {
    pub status: &'static str,
    pub message: String,
    pub details: Value,
}

pub(super) fn done(message: impl Into<String>, details: Value) -> Result<Outcome> {
    Ok(Outcome { status: "completed", message: message.into(), details })
}

pub(super) fn skipped(message: impl Into<String>) -> Result<Outcome> {
    Ok(Outcome { status: "skipped", message: message.into(), details: Value::Null })
}

pub fn phase_run(outcome: Result<Outcome>, took: Duration) -> PhaseRun {
    let (status, message, details) = match outcome {
        Ok(o) => (o.status.to_owned(), o.message, o.details),
        Err(e) => ("failed".to_owned(), e.to_string(), json!({"code": e.code()})),
    };
    PhaseRun { status, message, details, finished_at: crate::audit_log::now_iso(), duration_ms: took.as_millis() as u64 }
}

pub struct Context<'a> {
    pub(super) portfolio: &'a Portfolio,
    pub(super) spec: DomainSpec,
    pub(super) rendered: Option<Rendered>,
    /// Remote: the worker's traffic before this run, and the bookmark from before its migrations.
    pub rollback_point: Option<RollbackPoint>,
    pub(super) migrations_applied: usize,
    /// A gradual deploy instead of a direct one, and the version it uploaded.
    pub(super) canary: Option<super::canary::Canary>,
    pub(super) canary_version: Option<String>,
    /// A rollback a phase already did (a canary failing its gate).
    pub rolled_back: Option<Value>,
    pub url: Option<String>,
    /// Dry runs: the rendered config and the argv of every command.
    pub plan: Vec<Value>,
}

impl<'a> Context<'a> {
    pub fn new(portfolio: &'a Portfolio, spec: &DomainSpec) -> Context<'a> {
        let mut spec = spec.clone();
        // Local mode: no custom domain to claim.
        spec.custom_domain &= !portfolio.options.local;
        Context { portfolio, spec, rendered: None, rollback_point: None, migrations_applied: 0, canary: None, canary_version: None, rolled_back: None, url: None, plan: vec![] }
    }

    /// What a phase done in an earlier run left for the later ones.
    pub fn restore(&mut self, phase: &str, details: &Value) {
        if phase == "initialization" {
            self.spec.database_id = details["databaseId"].as_str().map(str::to_owned).or(self.spec.database_id.take());
            self.rendered = self.render().ok();
            self.rollback_point = serde_json::from_value(details["rollbackPoint"].clone()).ok();
        }
        if phase == "database" {
            self.migrations_applied = details["migrationsApplied"].as_u64().unwrap_or(0) as usize;
            if let (Some(point), Some(bookmark)) = (self.rollback_point.as_mut(), details["bookmark"].as_str()) {
                point.bookmark = Some(bookmark.to_owned());
                point.database = Some(self.spec.database_name());
            }
        }
        if let Some(url) = details["url"].as_str() {
            self.url = Some(url.to_owned());
        }
        if phase == "deployment" && self.canary.is_some() {
            self.canary_version = details["versionId"].as_str().map(str::to_owned);
        }
    }

    pub fn run(&mut self, phase: &str) -> Result<Outcome> {
        match phase {
            "validation" => self.validation(),
            "initialization" => self.initialization(),
            "database" => self.database(),
            "secrets" if self.o().local => skipped("local mode: nothing to upload (secrets go to Cloudflare in remote mode)"),
            "secrets" => self.upload_secrets(),
            "deployment" if self.o().local => self.deployment(),
            "deployment" if self.canary.is_some() => self.canary_deploy(),
            "deployment" => self.deploy_remote(),
            _ if self.o().local => self.post_validation(),
            _ if self.canary.is_some() => self.canary_gate(),
            _ => self.check_deployed(),
        }
    }

    pub(super) fn o(&self) -> &super::Options {
        &self.portfolio.options
    }

    pub(super) fn render(&self) -> Result<Rendered> {
        render(&self.o().config_path, &self.spec, &self.o().service_path.join(".clodo").join("rendered"))
    }

    pub(super) fn rendered(&self) -> Result<&Rendered> {
        self.rendered.as_ref().ok_or_else(|| Error::invalid("the domain's config was not rendered"))
    }

    pub(super) fn invocation(&self, args: &[&str]) -> Result<Invocation> {
        let mut inv = Invocation::new(args.iter().map(|a| a.to_string()).collect(), &self.rendered()?.path, &self.o().service_path);
        inv.timeout = self.o().timeout;
        Ok(inv)
    }

    /// Runs a command, or in a dry run adds its argv to the plan.
    pub(super) fn run_command(&mut self, inv: &Invocation) -> Result<Option<crate::wrangler::Outcome>> {
        if self.o().dry_run {
            self.plan.push(json!({"command": inv.display_argv()}));
            return Ok(None);
        }
        Ok(Some(self.portfolio.runner.get()?.run_raw(inv)?))
    }

    fn validation(&mut self) -> Result<Outcome> {
        let checker = Checker::new(CheckOptions {
            service_path: self.o().service_path.clone(),
            config_path: Some(self.o().config_path.clone()),
            environment: self.o().environment.clone(),
            level: Level::Basic,
            remote: Some(!self.o().local),
            wrangler_path: self.o().wrangler_path.clone(),
            credentials: self.o().credentials.clone(),
        });
        let failures: Vec<String> = checker.prerequisites().into_iter().filter(|c| c.status == "fail").map(|c| format!("{}: {}", c.name, c.message)).collect();
        match failures.is_empty() {
            true => done("wrangler, the config and the entry point are in place", Value::Null),
            false => Err(Error::invalid(failures.join("; "))),
        }
    }

    fn initialization(&mut self) -> Result<Outcome> {
        // Remote: the database's real id goes into the rendered config.
        let database = match self.o().local {
            true => Value::Null,
            false => self.ensure_database()?,
        };
        let rendered = self.render()?;
        let mut details = json!({"configPath": rendered.path, "workerName": self.spec.worker_name(), "databaseName": self.spec.database_name()});
        if self.o().dry_run {
            self.plan.push(json!({"configPath": rendered.path, "config": rendered.config}));
        } else {
            rendered.write()?;
        }
        self.rendered = Some(rendered);
        if !self.o().local {
            details["databaseId"] = database["databaseId"].clone();
            details["databaseCreated"] = database["created"].clone();
            details["rollbackPoint"] = self.record_rollback_point()?;
        }
        done(format!("rendered its own config for worker {}", self.spec.worker_name()), details)
    }

    fn database(&mut self) -> Result<Outcome> {
        let mode = if self.o().local { "--local" } else { "--remote" };
        let bookmark = match self.o().local {
            true => None,
            false => self.bookmark_before_migrations()?,
        };
        let inv = self.invocation(&["d1", "migrations", "apply", &self.spec.binding.clone(), mode])?;
        let Some(outcome) = self.run_command(&inv)? else { return skipped("dry run") };
        let report = parse_apply_output(&outcome.stdout);
        self.migrations_applied = report.applied.len();
        match outcome.failure {
            None => done(
                format!("{} migration(s) applied to {}", report.applied.len(), self.spec.database_name()),
                json!({"migrationsApplied": report.applied.len(), "migrations": report.applied, "bookmark": bookmark}),
            ),
            Some((_, message)) => {
                let file = report.failed.map(|f| format!("{f} failed: ")).unwrap_or_default();
                Err(Error::invalid(format!("migrations of {}: {file}{message}", self.spec.database_name())))
            }
        }
    }

    fn deployment(&mut self) -> Result<Outcome> {
        let outdir = self.rendered()?.path.with_file_name("dist");
        let inv = self.invocation(&["deploy", "--dry-run", "--outdir", &outdir.display().to_string()])?;
        let Some(outcome) = self.run_command(&inv)? else { return skipped("dry run") };
        if let Some((_, message)) = outcome.failure {
            return Err(Error::invalid(format!("build failed: {message}")));
        }
        let bundle = std::fs::metadata(outdir.join("index.js")).map(|m| m.len()).unwrap_or(0);
        match bundle > 0 {
            true => done(format!("built {} ({bundle} bytes)", outdir.join("index.js").display()), json!({"outdir": outdir, "bundleBytes": bundle})),
            false => Err(Error::invalid(format!("wrangler reported success but wrote no bundle to {}", outdir.display()))),
        }
    }

    /// Serves the domain's worker with `wrangler dev` and checks `/health` over HTTP.
    fn post_validation(&mut self) -> Result<Outcome> {
        if self.o().skip_tests {
            return skipped("skipTests");
        }
        // Two ports of our own: wrangler's default inspector port (9229) is shared by every
        // `wrangler dev` on the machine, so two domains validated at once would collide on it.
        let (port, inspector_port) = (free_port()?, free_port()?);
        let mut inv = self.invocation(&["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--inspector-port", &inspector_port.to_string()])?;
        inv.env.push(("CLOUDFLARE_CF_FETCH_ENABLED".into(), "false".into()));
        inv.timeout = Duration::from_secs(90);
        if self.o().dry_run {
            self.plan.push(json!({"command": inv.display_argv()}));
            return skipped("dry run");
        }
        let scratch = tempfile::tempdir().map_err(|e| Error::io("create a scratch folder in", &std::env::temp_dir(), e))?;
        let server = self.portfolio.runner.get()?.start(&inv, &scratch.path().join("output.ndjson"))?;
        let url = server.url.clone();
        let check = check_health(&http_check::join_url(&url, "/health"), vec![]);
        drop(server);
        self.url = Some(url);
        check
    }
}

/// `GET <url>` with ProductionTester's probe (retried while it warms up).
pub(super) fn check_health(url: &str, headers: Vec<(String, String)>) -> Result<Outcome> {
    let options = TestOptions { retries: 5, deadline: Duration::from_secs(20), timeout: Duration::from_secs(10), headers, ..TestOptions::default() };
    let check = http_check::block_on(async {
        let client = http_check::client(options.timeout)?;
        Ok(http_check::probe(&client, "health", url, &options, Instant::now()).await)
    })?;
    match check.passed {
        true => done(format!("{url} answered {}", check.status.unwrap_or(0)), json!({"url": url, "health": check.to_json()})),
        false => Err(Error::invalid(format!("{url}: {}", check.error.unwrap_or_default()))),
    }
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).map_err(|e| Error::invalid(format!("no free port on 127.0.0.1: {e}")))
}
