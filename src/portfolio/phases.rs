//! The six phases of one domain, in local mode.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Portfolio;
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

fn done(message: impl Into<String>, details: Value) -> Result<Outcome> {
    Ok(Outcome { status: "completed", message: message.into(), details })
}

fn skipped(message: impl Into<String>) -> Result<Outcome> {
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
    portfolio: &'a Portfolio,
    spec: DomainSpec,
    rendered: Option<Rendered>,
    pub url: Option<String>,
    /// Dry runs: the rendered config and the argv of every command.
    pub plan: Vec<Value>,
}

impl<'a> Context<'a> {
    pub fn new(portfolio: &'a Portfolio, spec: &DomainSpec) -> Context<'a> {
        let mut spec = spec.clone();
        // Local mode: no custom domain to claim.
        spec.custom_domain = false;
        Context { portfolio, spec, rendered: None, url: None, plan: vec![] }
    }

    /// What a phase done in an earlier run left for the later ones.
    pub fn restore(&mut self, phase: &str, details: &Value) {
        if phase == "initialization" {
            self.rendered = self.render().ok();
        }
        if let Some(url) = details["url"].as_str() {
            self.url = Some(url.to_owned());
        }
    }

    pub fn run(&mut self, phase: &str) -> Result<Outcome> {
        match phase {
            "validation" => self.validation(),
            "initialization" => self.initialization(),
            "database" => self.database(),
            "secrets" => skipped("local mode: nothing to upload (secrets go to Cloudflare in remote mode)"),
            "deployment" => self.deployment(),
            _ => self.post_validation(),
        }
    }

    fn o(&self) -> &super::Options {
        &self.portfolio.options
    }

    fn render(&self) -> Result<Rendered> {
        render(&self.o().config_path, &self.spec, &self.o().service_path.join(".clodo").join("rendered"))
    }

    fn rendered(&self) -> Result<&Rendered> {
        self.rendered.as_ref().ok_or_else(|| Error::invalid("the domain's config was not rendered"))
    }

    fn invocation(&self, args: &[&str]) -> Result<Invocation> {
        let mut inv = Invocation::new(args.iter().map(|a| a.to_string()).collect(), &self.rendered()?.path, &self.o().service_path);
        inv.timeout = self.o().timeout;
        Ok(inv)
    }

    /// Runs a command, or in a dry run adds its argv to the plan.
    fn run_command(&mut self, inv: &Invocation) -> Result<Option<crate::wrangler::Outcome>> {
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
            remote: Some(false),
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
        let rendered = self.render()?;
        let details = json!({"configPath": rendered.path, "workerName": self.spec.worker_name(), "databaseName": self.spec.database_name()});
        if self.o().dry_run {
            self.plan.push(json!({"configPath": rendered.path, "config": rendered.config}));
        } else {
            rendered.write()?;
        }
        self.rendered = Some(rendered);
        done(format!("rendered its own config for worker {}", self.spec.worker_name()), details)
    }

    fn database(&mut self) -> Result<Outcome> {
        let inv = self.invocation(&["d1", "migrations", "apply", &self.spec.binding.clone(), "--local"])?;
        let Some(outcome) = self.run_command(&inv)? else { return skipped("dry run") };
        let report = parse_apply_output(&outcome.stdout);
        match outcome.failure {
            None => done(format!("{} migration(s) applied to {}", report.applied.len(), self.spec.database_name()), json!({"migrationsApplied": report.applied.len(), "migrations": report.applied})),
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
        let options = TestOptions { retries: 5, deadline: Duration::from_secs(20), timeout: Duration::from_secs(10), ..TestOptions::default() };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Error::invalid(format!("no async runtime: {e}")))?;
        let check = runtime.block_on(async {
            let client = http_check::client(options.timeout)?;
            Ok::<_, Error>(http_check::probe(&client, "health", &http_check::join_url(&url, &options.health_path), &options, Instant::now()).await)
        })?;
        drop(server);
        self.url = Some(url.clone());
        match check.passed {
            true => done(format!("{url}/health answered {}", check.status.unwrap_or(0)), json!({"url": url, "health": check.to_json()})),
            false => Err(Error::invalid(format!("{url}/health: {}", check.error.unwrap_or_default()))),
        }
    }
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).map_err(|e| Error::invalid(format!("no free port on 127.0.0.1: {e}")))
}
