//! MultiDomainOrchestrator's core: one service deployed for many domains,
//! each with its own rendered config, worker, D1 database and checks, up to
//! `parallel` domains at once (a sliding window), every phase recorded so a
//! killed run resumes where it stopped. Local mode: local D1, `deploy
//! --dry-run --outdir` (a real build), then the worker served and checked
//! over HTTP, migrations and servers in one helper process for the run
//! (local_engine.rs). Remote mode: real databases, secrets, deploys and
//! health checks, rolled back when a domain fails after its deploy started.

mod build;
pub mod canary;
pub mod details;
mod run_lock;
mod phases;
mod local_engine;
mod remote;
mod remote_api;
mod secrets;
pub mod state;
mod waves;

pub use waves::waves;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::domain_config::DomainSpec;
use crate::error::Result;
use crate::service::settings::Settings;
use crate::wrangler::{Credentials, LazyRunner, RetryPolicy};
use state::{DomainRun, DomainStatus, PhaseStatus, RunState};

pub const PHASES: [&str; 6] = ["validation", "initialization", "database", "secrets", "deployment", "post-validation"];

/// Whether a deploy of this service and environment is running now.
pub fn deploy_in_progress(service: &std::path::Path, environment: &str) -> bool {
    run_lock::RunLock::is_held(service, environment)
}

#[derive(Clone)]
pub struct Options {
    pub service_path: PathBuf,
    pub config_path: PathBuf,
    pub environment: String,
    pub service_name: String,
    pub domains: Vec<DomainSpec>,
    pub parallel: usize,
    pub dry_run: bool,
    pub skip_tests: bool,
    pub credentials: Credentials,
    pub wrangler_path: Option<PathBuf>,
    pub retry: RetryPolicy,
    pub timeout: Duration,
    /// Local D1, real builds, `wrangler dev`; else real deploys to Cloudflare.
    pub local: bool,
    /// Remote: put a domain back to its rollback point when it fails after its deploy started.
    pub rollback_enabled: bool,
    /// A rollback deploys the earlier version even when this run changed its secrets (Cloudflare asks first).
    pub force_secret_rollback: bool,
    /// The secret store's key (else `CLODO_SECRET_KEY`).
    pub secret_key: Option<String>,
    /// Waves (CrossDomainCoordinator): the failure ratio at which a wave is rolled back.
    pub rollback_threshold: Option<f64>,
    /// The service's `clodo.json` with any overrides; `None`: read it when the run starts.
    pub settings: Option<Settings>,
    /// Wait for another deploy of the same service and environment to end instead of failing with `E_LOCKED`.
    pub wait_for_lock: bool,
}

impl Options {
    /// A local, sequential run of no domains yet: callers set what differs.
    pub fn new(service_path: PathBuf, config_path: PathBuf, environment: &str, service_name: &str) -> Options {
        Options {
            service_path,
            config_path,
            environment: environment.to_owned(),
            service_name: service_name.to_owned(),
            domains: vec![],
            parallel: 1,
            dry_run: false,
            skip_tests: false,
            credentials: Credentials::default(),
            wrangler_path: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(180),
            local: true,
            rollback_enabled: true,
            force_secret_rollback: false,
            secret_key: None,
            rollback_threshold: None,
            settings: None,
            wait_for_lock: false,
        }
    }
}

/// A progress event: `{domain, phase, status, message, elapsedMs}`.
pub type Progress = Box<dyn Fn(Value) + Send + Sync>;

pub struct Portfolio {
    pub options: Options,
    pub settings: Settings,
    runner: LazyRunner,
    builds: build::Builds,
    /// Local runs: one bundle per distinct build input.
    bundles: build::OncePerKey<String, build::Bundle>,
    /// Local runs: every domain's D1 migrations and health check through one helper process.
    local_engine: local_engine::LocalEngine,
    run_lock: run_lock::RunLock,
    state: Mutex<RunState>,
    progress: Arc<Mutex<Option<Progress>>>,
    started: Instant,
    /// Remote runs: the account and its lists, read once for every domain.
    remote: remote_api::RunCache,
    /// A remote run whose steps but the upload are requests to the API (remote_api.rs), not wrangler processes.
    by_api: bool,
}

/// Sends a progress event `(domain, phase, status, message)` from anywhere in the run.
pub type Notifier = Arc<dyn Fn(&str, &str, &str, &str) + Send + Sync>;

/// A run in progress: its hold on the run lock; when the outermost one ends, so does the run's local helper.
struct Running<'a> {
    held: Option<run_lock::Held<'a>>,
    portfolio: &'a Portfolio,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        drop(self.held.take());
        if self.portfolio.run_lock.depth() == 0 {
            self.portfolio.local_engine.stop();
        }
    }
}

impl Portfolio {
    /// A new run, or (with `resume`) the saved run of that id.
    pub fn new(mut options: Options, resume: Option<&str>, progress: Option<Progress>) -> Result<Portfolio> {
        if !options.local && options.credentials.api_token.is_none() {
            return Err(crate::error::Error::invalid(
                "Remote deploys need a Cloudflare API token: pass cloudflareToken (or cloudflareSettings.token), or use local: true",
            ));
        }
        for spec in &options.domains {
            crate::domain_config::check_domain(&spec.domain)?;
        }
        crate::d1::names::environment(&options.environment)?;
        let settings = match options.settings.take() {
            Some(settings) => settings,
            None => Settings::load(&options.service_path)?,
        };
        let state = match resume {
            Some(id) => {
                let state = RunState::load(&options.service_path, id)?;
                check_resumable(&state, &options)?;
                state
            }
            None => RunState {
                deployment_id: crate::audit_log::timestamped_id("deploy"),
                environment: options.environment.clone(),
                service_path: options.service_path.clone(),
                started_at: crate::audit_log::now_iso(),
                local: Some(options.local),
                canary: None,
                domains: options.domains.iter().map(|d| (d.domain.clone(), DomainRun { status: DomainStatus::Pending, ..Default::default() })).collect(),
            },
        };
        let o = &options;
        let runner = LazyRunner::new(o.wrangler_path.clone(), &o.service_path, o.credentials.clone(), o.retry.clone());
        let run_lock = run_lock::RunLock::new(&options.service_path, &options.environment, options.wait_for_lock);
        let local_engine = local_engine::LocalEngine::new(&options.service_path, &options.environment);
        let by_api = !options.local && remote_api::enabled();
        Ok(Portfolio { options, settings, runner, builds: build::Builds::default(), bundles: Default::default(), local_engine, run_lock, state: Mutex::new(state), progress: Arc::new(Mutex::new(progress)), started: Instant::now(), remote: Default::default(), by_api })
    }

    /// Where progress events go from now on (`None`: nowhere).
    pub fn set_progress(&self, progress: Option<Progress>) {
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = progress;
    }

    /// Per domain: its status and phases so far.
    /// The original's fields (`orchestrationId`, `totalDomains`,
    /// `inProgress`, `startTime`, `endTime`, `duration` in ms, `auditLogSize`:
    /// phases recorded) beside clodo's (`deploymentId`, `total`, `domains`).
    pub fn stats(&self) -> Value {
        let mut stats = self.totals();
        stats["domains"] = serde_json::to_value(&self.lock().domains).unwrap_or_default();
        stats
    }

    /// The run's counts and times, without each domain's phases.
    fn totals(&self) -> Value {
        let state = self.lock();
        let count = |s: DomainStatus| state.domains.values().filter(|d| d.status == s).count();
        let phases = || state.domains.values().flat_map(|d| d.phases.values());
        let (pending, running) = (count(DomainStatus::Pending), count(DomainStatus::Running));
        let end_time = (pending + running == 0).then(|| phases().map(|p| p.finished_at.clone()).max()).flatten();
        let since_epoch = |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let millis = |at: &str| humantime::parse_rfc3339_weak(at).ok().map(since_epoch);
        let end_ms = end_time.as_deref().and_then(millis).unwrap_or_else(|| since_epoch(std::time::SystemTime::now()));
        let duration = millis(&state.started_at).map_or(0, |start| end_ms.saturating_sub(start));
        json!({
            "orchestrationId": state.deployment_id,
            "deploymentId": state.deployment_id,
            "environment": state.environment,
            "totalDomains": state.domains.len(),
            "total": state.domains.len(),
            "completed": count(DomainStatus::Completed) + count(DomainStatus::CompletedWithWarnings),
            "failed": count(DomainStatus::Failed),
            "inProgress": running,
            "pending": pending,
            "startTime": state.started_at,
            "endTime": end_time,
            "duration": duration,
            "auditLogSize": phases().count(),
        })
    }

    /// The original's `portfolioState`: the run, each domain's state
    /// (`domainStates` as `[domain, state]` pairs, made a Map at the edge) and
    /// the rollback plan. Status `running` is the original's `deploying`.
    pub fn portfolio_state(&self) -> Value {
        let stats = self.totals();
        let state = self.lock();
        let domain_states: Vec<Value> = state
            .domains
            .iter()
            .map(|(domain, run)| {
                let last = run.phases.iter().last();
                let failed = run.phases.values().find(|p| p.status == state::PhaseStatus::Failed);
                let status = if run.status == DomainStatus::Running { "deploying" } else { run.status.as_str() };
                let done = !matches!(run.status, DomainStatus::Pending | DomainStatus::Running);
                json!([domain, {
                    "domain": domain,
                    "deploymentId": state.deployment_id,
                    "phase": last.map_or("pending", |(name, _)| name.as_str()),
                    "status": status,
                    "endTime": last.filter(|_| done).map(|(_, p)| p.finished_at.clone()),
                    "durationMs": run.duration_ms,
                    "url": run.url,
                    "workerName": run.worker_name,
                    "error": failed.map(|p| p.message.clone()),
                    "metadata": {"environment": state.environment},
                }])
            })
            .collect();
        drop(state);
        json!({
            "orchestrationId": stats["orchestrationId"],
            "startTime": stats["startTime"],
            "endTime": stats["endTime"],
            "environment": stats["environment"],
            "totalDomains": stats["totalDomains"],
            "completedDomains": stats["completed"],
            "failedDomains": stats["failed"],
            "domainStates": domain_states,
            "rollbackPlan": self.rollback_plan().unwrap_or_else(|_| json!([])),
            "metadata": {"dryRun": self.options.dry_run, "persistenceEnabled": !self.options.dry_run, "rollbackEnabled": self.options.rollback_enabled},
        })
    }

    /// The run's state as it stands now.
    pub fn snapshot(&self) -> RunState {
        self.lock().clone()
    }

    pub fn deployment_id(&self) -> String {
        self.lock().deployment_id.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RunState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn emit(&self, domain: &str, phase: &str, status: &str, message: &str) {
        self.notifier()(domain, phase, status, message)
    }

    /// Progress events from where the portfolio itself is out of reach (a wait for the API's budget).
    fn notifier(&self) -> Notifier {
        let (progress, started) = (self.progress.clone(), self.started);
        Arc::new(move |domain, phase, status, message| {
            if let Some(progress) = progress.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                progress(json!({"domain": domain, "phase": phase, "status": status, "message": message, "elapsedMs": started.elapsed().as_millis() as u64}));
            }
        })
    }

    /// Records a phase's outcome, saves the state (not in dry runs), and only
    /// then tells the caller: a "completed" event is always on disk already.
    fn record(&self, domain: &str, phase: &str, run: state::PhaseRun) -> Result<()> {
        let (status, message) = (run.status, run.message.clone());
        self.store(domain, phase, run)?;
        self.emit(domain, phase, status.as_str(), &message);
        Ok(())
    }

    /// Puts a phase's record in the run's state and saves it (not in dry runs).
    fn store(&self, domain: &str, phase: &str, run: state::PhaseRun) -> Result<()> {
        let mut state = self.lock();
        if let Some(d) = state.domains.get_mut(domain) {
            d.phases.insert(phase.to_owned(), run);
        }
        match self.options.dry_run {
            true => Ok(()),
            false => state.save(),
        }
    }

    /// The service's deploy lock for this environment, held while this run
    /// changes anything (dry runs change nothing and take none).
    fn hold_run_lock(&self) -> Result<Running<'_>> {
        let held = match self.options.dry_run {
            true => None,
            false => Some(self.run_lock.hold(&self.deployment_id())?),
        };
        Ok(Running { held, portfolio: self })
    }

    /// Saves what a phase has taken before it changes anything (a bookmark
    /// before migrations), as a `running` record: a run stopped mid-phase
    /// resumes with it instead of taking it again afterwards.
    fn mark_started(&self, domain: &str, phase: &str, details: Value) -> Result<()> {
        let run = state::PhaseRun { status: PhaseStatus::Running, message: "started".into(), details, finished_at: String::new(), duration_ms: 0 };
        self.store(domain, phase, run)
    }

    /// Every domain, `parallel` at a time: a new one starts as soon as one ends.
    pub fn deploy_all(&self) -> Result<Value> {
        let _held = self.hold_run_lock()?;
        let started = Instant::now();
        let results = self.deploy_specs(&self.options.domains);
        Ok(self.summary(results, started, json!([])))
    }

    /// Runs `specs` in a sliding window; results in the same order.
    fn deploy_specs(&self, specs: &[DomainSpec]) -> Vec<Value> {
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Value>>> = specs.iter().map(|_| Mutex::new(None)).collect();
        let workers = self.options.parallel.max(1).min(specs.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(spec) = specs.get(i) else { break };
                        let result = self.deploy_domain(spec).unwrap_or_else(|e| json!({"domain": spec.domain, "success": false, "status": "failed", "error": e.to_string(), "code": e.code()}));
                        *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                    }
                });
            }
        });
        results.into_iter().filter_map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner())).collect()
    }

    /// Waves of domains (see `waves`); a domain whose dependency did not
    /// succeed is skipped and says which one. When a wave's failure ratio
    /// reaches `rollback_threshold`, its deployed domains are rolled back
    /// (remote) and no later wave starts.
    pub fn deploy_in_waves(&self, dependencies: &IndexMap<String, Vec<String>>) -> Result<Value> {
        let _held = self.hold_run_lock()?;
        let started = Instant::now();
        let order = waves(dependencies)?;
        let mut succeeded: Vec<String> = vec![];
        let mut results = vec![];
        let mut halted: Option<String> = None;
        for (number, wave) in order.iter().enumerate() {
            let (ready, blocked): (Vec<&String>, Vec<&String>) = wave.iter().partition(|d| halted.is_none() && dependencies[*d].iter().all(|x| succeeded.contains(x)));
            for domain in blocked {
                let missing: Vec<&str> = dependencies[domain].iter().filter(|x| !succeeded.contains(x)).map(String::as_str).collect();
                let reason = match &halted {
                    Some(why) => format!("skipped: {why}"),
                    None => format!("skipped: dependency {} did not deploy", missing.join(", ")),
                };
                self.emit(domain, "validation", "skipped", &reason);
                results.push(json!({"domain": domain, "success": false, "status": "skipped", "error": reason}));
            }
            let specs: Vec<DomainSpec> = ready.iter().filter_map(|d| self.options.domains.iter().find(|s| &&s.domain == d).cloned()).collect();
            let mut wave_results = self.deploy_specs(&specs);
            let failed = wave_results.iter().filter(|r| r["success"] != true).count();
            let ratio = failed as f64 / wave_results.len().max(1) as f64;
            if let Some(threshold) = self.options.rollback_threshold.filter(|t| failed > 0 && ratio >= *t) {
                let what = match self.options.local || self.options.dry_run {
                    true => "failed past the rollback threshold",
                    false => "was rolled back",
                };
                let why = format!("wave {} {what} ({failed} of {} failed, threshold {threshold})", number + 1, wave_results.len());
                self.roll_back_wave(&mut wave_results, &why)?;
                halted = Some(why);
            }
            for r in wave_results {
                if r["success"] == true {
                    succeeded.push(r["domain"].as_str().unwrap_or_default().to_owned());
                }
                results.push(r);
            }
        }
        Ok(self.summary(results, started, json!(order)))
    }

    /// The wave's deployed domains back to their rollback points (remote).
    /// A domain counts as rolled back only when its rollback completed; in
    /// local and dry runs nothing is rolled back, and the results say so.
    fn roll_back_wave(&self, results: &mut [Value], why: &str) -> Result<()> {
        let points = self.rollback_points();
        for r in results.iter_mut().filter(|r| r["success"] == true) {
            let domain = r["domain"].as_str().unwrap_or_default().to_owned();
            if self.options.local || self.options.dry_run {
                r["note"] = json!(format!("{why}; nothing to roll back in a local or dry run"));
                continue;
            }
            let Some((_, point)) = points.iter().find(|(d, _)| *d == domain) else {
                r["note"] = json!(format!("{why}; no rollback point was recorded for it, so it was left as it is"));
                continue;
            };
            self.emit(&domain, "rollback", "started", why);
            let outcome = remote::roll_back_to(self, point, true, why).unwrap_or_else(|e| json!({"status": "failed", "message": e.to_string(), "code": e.code()}));
            let rolled_back = outcome["status"] == "completed";
            let message = outcome["message"].as_str().unwrap_or_default().to_owned();
            let outcome_status = outcome["status"].as_str().unwrap_or("failed").to_owned();
            r["rollback"] = self.record_rollback(&domain, outcome)?;
            if rolled_back {
                r["success"] = json!(false);
                r["status"] = json!("rolled-back");
                r["error"] = json!(why);
                self.set_status(&domain, DomainStatus::RolledBack);
                self.lock().save()?;
            } else {
                r["note"] = json!(format!("{why}, but its rollback {outcome_status}: {message}"));
            }
        }
        Ok(())
    }

    /// A summary like `deploy_all`'s of results gathered some other way (canaries one by one).
    pub fn summarise(&self, results: Vec<Value>, started: Instant) -> Value {
        self.summary(results, started, json!([]))
    }

    /// The original's shape: `successful` and `failed` hold each domain's
    /// result (so `{ domain, error }` and more), `successRate` and
    /// `averageDuration` (seconds) are text with one decimal, durations are
    /// milliseconds; `skipped` and `rolledBack` are clodo's, as domain names.
    fn summary(&self, results: Vec<Value>, started: Instant, waves: Value) -> Value {
        let (ok, not_ok): (Vec<&Value>, Vec<&Value>) = results.iter().partition(|r| r["success"] == true);
        let with_status = |status: &str| -> Vec<Value> { not_ok.iter().filter(|r| r["status"] == status).map(|r| r["domain"].clone()).collect() };
        let (skipped, rolled_back) = (with_status("skipped"), with_status("rolled-back"));
        let failed: Vec<Value> = not_ok.iter().filter(|r| r["status"] != "skipped").map(|r| (*r).clone()).collect();
        let ok_ms: Vec<f64> = ok.iter().filter_map(|r| r["duration"].as_f64()).collect();
        let total = results.len();
        let workers = self.options.parallel.max(1);
        let success_rate = if total == 0 { 0.0 } else { ok.len() as f64 * 100.0 / total as f64 };
        let average = if ok_ms.is_empty() { json!(0) } else { json!(format!("{:.1}", ok_ms.iter().sum::<f64>() / ok_ms.len() as f64 / 1000.0)) };
        json!({
            "deploymentId": self.deployment_id(),
            "successful": ok.iter().map(|r| (*r).clone()).collect::<Vec<_>>(),
            "failed": failed,
            "skipped": skipped,
            "rolledBack": rolled_back,
            "results": results,
            "totalDuration": started.elapsed().as_millis() as u64,
            "summary": {
                "total": total,
                "successful": ok.len(),
                "failed": failed.len(),
                "skipped": skipped.len(),
                "successRate": format!("{success_rate:.1}"),
                "averageDuration": average,
                "totalBatches": total.div_ceil(workers),
            },
            "waves": waves,
            "batches": [],
        })
    }

    /// One domain through every phase not already done (a resumed run skips
    /// them); a failed critical phase stops the domain.
    pub fn deploy_domain(&self, spec: &DomainSpec) -> Result<Value> {
        self.deploy_domain_with(spec, None)
    }

    /// One domain with a gradual rollout instead of a direct deploy (remote only).
    pub fn deploy_canary(&self, spec: &DomainSpec, canary: canary::Canary) -> Result<Value> {
        canary.check()?;
        if self.options.local {
            return Err(crate::error::Error::invalid("A canary splits live traffic between versions: it needs remote mode (credentials, local: false)"));
        }
        self.lock().canary = Some(canary.clone());
        self.deploy_domain_with(spec, Some(canary))
    }

    fn deploy_domain_with(&self, spec: &DomainSpec, canary: Option<canary::Canary>) -> Result<Value> {
        let _held = self.hold_run_lock()?;
        // A resumed canary run stays one: its gate decides, not a plain health check over split traffic.
        let canary = canary.or_else(|| self.lock().canary.clone());
        let started = Instant::now();
        let domain = spec.domain.as_str();
        let usage_before = self.api_usage(domain);
        self.set_status(domain, DomainStatus::Running);
        let mut context = phases::Context::new(self, spec);
        context.canary = canary;
        let mut warnings = vec![];
        let mut failed = None;
        for phase in PHASES {
            let earlier = self.lock().domains.get(domain).and_then(|d| d.phases.get(phase)).cloned();
            match earlier {
                Some(run) if run.is_done() => {
                    context.restore(phase, &run.details);
                    self.emit(domain, phase, "already-done", "completed in an earlier run");
                    continue;
                }
                // Started in an earlier run that was stopped before it ended: what it had taken (bookmarks) still holds.
                Some(run) => context.interrupted = Some(run.details),
                None => {}
            }
            self.emit(domain, phase, "started", "");
            let at = Instant::now();
            let outcome = context.run(phase);
            let run = phases::phase_run(outcome, at.elapsed());
            let status = run.status;
            let message = run.message.clone();
            if let Some(warning) = run.details["warning"].as_str() {
                warnings.push(format!("{phase}: {warning}"));
            }
            // What the phase did stands even when its record cannot be saved: say so, never turn it into a failure.
            if let Err(e) = self.record(domain, phase, run) {
                warnings.push(format!("{phase}: done, but the run's state could not be saved ({e}): a resumed run would do it again"));
            }
            // Every failed phase fails the domain and stops it: a worker never goes live without
            // its secrets, and one failing its health check (served locally or deployed) is a failed deploy.
            if status == PhaseStatus::Failed {
                failed = Some(format!("{phase}: {message}"));
                break;
            }
        }
        let rollback = match (&failed, context.rolled_back.take()) {
            (Some(_), Some(done)) => Some(self.record_rollback(domain, done)?),
            (Some(reason), None) if self.should_roll_back(domain) => Some(self.roll_back_domain(domain, &context, reason)?),
            _ => None,
        };
        let status = match (&failed, warnings.is_empty()) {
            (Some(_), _) => DomainStatus::Failed,
            (None, _) if self.options.dry_run => DomainStatus::Planned,
            (None, true) => DomainStatus::Completed,
            (None, false) => DomainStatus::CompletedWithWarnings,
        };
        let duration = started.elapsed();
        let (phase_results, url, worker) = {
            let mut state = self.lock();
            let run = state.domains.entry(domain.to_owned()).or_default();
            run.status = status;
            run.url = context.url.clone().or(run.url.clone());
            run.worker_name = Some(spec.worker_name());
            run.duration_ms += duration.as_millis() as u64;
            run.api = match (self.api_usage(domain), &usage_before) {
                (Some(now), Some(before)) => Some(now.since(before)),
                _ => None,
            };
            (serde_json::to_value(&run.phases).unwrap_or_default(), run.url.clone(), run.worker_name.clone())
        };
        if !self.options.dry_run {
            if let Err(e) = self.lock().save() {
                warnings.push(format!("the run's state could not be saved: {e}"));
            }
            // One line per domain in the service's deployment audit log (DeploymentAuditor's).
            let version = phase_results["deployment"]["details"]["versionId"].clone();
            let auditor = crate::deploy_audit::DeploymentAuditor::new(&self.options.service_path, &self.options.environment, true);
            let audited = auditor.record_deployment(json!({
                "deploymentId": self.deployment_id(), "domain": domain, "status": status, "durationMs": duration.as_millis() as u64,
                "workerName": worker, "url": url, "versionId": version, "local": self.options.local, "error": failed, "warnings": warnings,
            }));
            if let Err(e) = audited {
                warnings.push(format!("the deployment audit log could not be written: {e}"));
            }
        }
        Ok(json!({
            "domain": domain,
            "success": failed.is_none(),
            "allPhasesSuccessful": failed.is_none() && warnings.is_empty(),
            "deploymentId": self.deployment_id(),
            // Milliseconds, as the original's.
            "duration": duration.as_millis() as u64,
            "phases": PHASES,
            "url": url,
            "workerName": worker,
            "status": status,
            "error": failed,
            "warnings": warnings,
            "phaseResults": phase_results,
            "rollback": rollback,
            "api": self.lock().domains.get(domain).and_then(|d| d.api.clone()),
            "plan": context.plan,
        }))
    }

    /// One phase of one domain, on its own (the public phase handlers): phases
    /// this run already completed are restored first.
    pub fn run_phase(&self, spec: &DomainSpec, phase: &str) -> Result<Value> {
        if !PHASES.contains(&phase) {
            return Err(crate::error::Error::invalid(format!("unknown phase {phase}: one of {}", PHASES.join(", "))));
        }
        let _held = self.hold_run_lock()?;
        let domain = spec.domain.as_str();
        let mut context = phases::Context::new(self, spec);
        let earlier: Vec<(String, Value)> = {
            let state = self.lock();
            let phases = state.domains.get(domain).map(|d| d.phases.clone()).unwrap_or_default();
            PHASES.iter().take_while(|p| **p != phase).filter_map(|p| phases.get(*p).filter(|r| r.is_done()).map(|r| (p.to_string(), r.details.clone()))).collect()
        };
        for (done, details) in &earlier {
            context.restore(done, details);
        }
        self.emit(domain, phase, "started", "");
        let at = Instant::now();
        let run = phases::phase_run(context.run(phase), at.elapsed());
        let value = serde_json::to_value(&run).unwrap_or_default();
        self.record(domain, phase, run)?;
        Ok(value)
    }

    /// Remote runs with rollback on, once the domain's deployment phase has started.
    fn should_roll_back(&self, domain: &str) -> bool {
        let o = &self.options;
        let deploy_started = self.lock().domains.get(domain).is_some_and(|d| d.phases.contains_key("deployment"));
        !o.local && o.rollback_enabled && !o.dry_run && deploy_started
    }

    /// Rolls the domain back, recorded in its state and announced as a `rollback` phase event.
    fn roll_back_domain(&self, domain: &str, context: &phases::Context, reason: &str) -> Result<Value> {
        self.emit(domain, "rollback", "started", reason);
        let outcome = context.roll_back(reason).unwrap_or_else(|e| json!({"status": "failed", "message": e.to_string(), "code": e.code()}));
        self.record_rollback(domain, outcome)
    }

    fn record_rollback(&self, domain: &str, outcome: Value) -> Result<Value> {
        {
            let mut state = self.lock();
            if let Some(d) = state.domains.get_mut(domain) {
                d.rollback = Some(outcome.clone());
            }
            state.save()?;
        }
        self.emit(domain, "rollback", outcome["status"].as_str().unwrap_or("failed"), outcome["message"].as_str().unwrap_or_default());
        Ok(outcome)
    }

    /// The rollback commands of a worker deployed from `config`, run in the service's folder.
    fn rollback_worker<'a>(&'a self, runner: &'a crate::wrangler::Runner, config: &'a std::path::Path) -> crate::rollback::Worker<'a> {
        crate::rollback::Worker { runner, config, cwd: &self.options.service_path, timeout: self.options.timeout, force_secrets: self.options.force_secret_rollback }
    }

    /// Every domain of this run that deployed, with the commands that would put it back.
    pub fn rollback_plan(&self) -> Result<Value> {
        let points = self.rollback_points();
        // portfolioState reads this on every access: no runner (wrangler found and versioned) unless there is a plan.
        if points.is_empty() {
            return Ok(json!([]));
        }
        let runner = self.runner.get()?;
        let mut plan = vec![];
        for (domain, point) in points {
            let worker = self.rollback_worker(runner, &point.config_path);
            let commands: Vec<Vec<String>> = worker.plan(&point, true, "clodo rollback").iter().map(|inv| inv.display_argv()).collect();
            let action = json!({"type": "rollback", "workerName": point.worker_name, "versions": point.versions, "bookmark": point.bookmark, "commands": commands, "timestamp": point.created_at});
            plan.push(json!({"domain": domain, "action": action}));
        }
        Ok(json!(plan))
    }

    /// Puts every deployed domain of this run (or only `only`) back to its rollback point.
    pub fn roll_back_all(&self, only: Option<&str>, restore_database: bool, reason: &str) -> Result<Value> {
        if self.options.dry_run {
            return Ok(json!({"deploymentId": self.deployment_id(), "success": true, "rolledBack": 0, "failed": 0, "results": [], "plan": self.rollback_plan()?}));
        }
        let mut results = vec![];
        for (domain, point) in self.rollback_points().into_iter().filter(|(d, _)| only.is_none_or(|o| o == d)) {
            self.emit(&domain, "rollback", "started", reason);
            let outcome = remote::roll_back_to(self, &point, restore_database, reason).unwrap_or_else(|e| json!({"status": "failed", "message": e.to_string(), "code": e.code()}));
            results.push(json!({"domain": domain, "result": self.record_rollback(&domain, outcome)?}));
        }
        let failed = results.iter().filter(|r| r["result"]["status"] == "failed").count();
        Ok(json!({"deploymentId": self.deployment_id(), "success": failed == 0, "rolledBack": results.len() - failed, "failed": failed, "results": results}))
    }

    /// Domains whose deployment phase started, with the point recorded before it.
    fn rollback_points(&self) -> Vec<(String, crate::rollback::RollbackPoint)> {
        let state = self.lock();
        state
            .domains
            .iter()
            .filter(|(_, d)| d.phases.contains_key("deployment"))
            .filter_map(|(domain, d)| {
                let init: details::Initialization = details::from_json(&d.phases.get("initialization")?.details);
                let mut point = init.rollback_point?;
                // Only a run that changed the schema has something to undo in the database: restoring
                // the bookmark otherwise would only drop what live traffic wrote since.
                let migrated = d.phases.get("database").map(|p| details::from_json::<details::Database>(&p.details).bookmarks()).unwrap_or_default();
                point.set_bookmarks(migrated);
                Some((domain.clone(), point))
            })
            .collect()
    }

    /// What `domain` has used of the token's budget in this process so far (remote runs).
    fn api_usage(&self, domain: &str) -> Option<crate::cloudflare::pacer::Usage> {
        let token = self.options.credentials.api_token.as_deref().filter(|_| !self.options.local && !self.options.dry_run)?;
        Some(crate::cloudflare::pacer::for_token(&crate::cloudflare::base_url(), token).usage_of(domain))
    }

    fn set_status(&self, domain: &str, status: DomainStatus) {
        if let Some(d) = self.lock().domains.get_mut(domain) {
            d.status = status;
        }
    }
}

/// A saved run continues only as what it was: the same environment and mode,
/// and no domain it did not have (those would run with nothing recorded).
fn check_resumable(state: &RunState, options: &Options) -> Result<()> {
    let id = &state.deployment_id;
    let refuse = |why: String| Err(crate::error::Error::invalid(format!("deployment {id} cannot be resumed as asked: {why}")));
    if state.environment != options.environment {
        return refuse(format!("it ran in {}, not {} (resume it with --env {})", state.environment, options.environment, state.environment));
    }
    let mode = |local: bool| if local { "local" } else { "remote" };
    if let Some(local) = state.local.filter(|l| *l != options.local) {
        return refuse(format!("it ran {}, not {}", mode(local), mode(options.local)));
    }
    let unknown: Vec<&str> = options.domains.iter().map(|d| d.domain.as_str()).filter(|d| !state.domains.contains_key(*d)).collect();
    if !unknown.is_empty() {
        return refuse(format!("{} {} not part of it (its domains: {}); deploy them in a new run", unknown.join(", "), if unknown.len() == 1 { "is" } else { "are" }, state.domains.keys().cloned().collect::<Vec<_>>().join(", ")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(dir: &std::path::Path) -> RunState {
        let state = RunState {
            deployment_id: "deploy-test".into(),
            environment: "staging".into(),
            service_path: dir.to_path_buf(),
            started_at: "2026-11-30T00:00:00Z".into(),
            local: Some(false),
            canary: None,
            domains: [("shop.example.com".to_owned(), DomainRun::default())].into_iter().collect(),
        };
        state.save().unwrap();
        state
    }

    fn options(dir: &std::path::Path, environment: &str, local: bool, domains: &[&str]) -> Options {
        let mut o = Options::new(dir.to_path_buf(), dir.join("wrangler.toml"), environment, "svc");
        o.local = local;
        o.credentials.api_token = Some("token".into());
        o.settings = Some(Settings::default());
        o.domains = domains.iter().map(|d| DomainSpec::new(d, environment, "svc")).collect();
        o
    }

    #[test]
    fn a_run_resumes_only_as_what_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let state = saved(dir.path());
        let resume = |o: Options| Portfolio::new(o, Some(&state.deployment_id), None).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(resume(options(dir.path(), "staging", false, &["shop.example.com"])), Ok(()));
        let wrong_env = resume(options(dir.path(), "production", false, &["shop.example.com"])).unwrap_err();
        assert!(wrong_env.contains("it ran in staging, not production (resume it with --env staging)"), "{wrong_env}");
        let wrong_mode = resume(options(dir.path(), "staging", true, &["shop.example.com"])).unwrap_err();
        assert!(wrong_mode.contains("it ran remote, not local"), "{wrong_mode}");
        let new_domain = resume(options(dir.path(), "staging", false, &["shop.example.com", "new.example.com"])).unwrap_err();
        assert!(new_domain.contains("new.example.com is not part of it"), "{new_domain}");
    }
}
