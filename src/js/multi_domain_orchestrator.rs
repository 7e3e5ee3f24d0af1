//! `MultiDomainOrchestrator` for JavaScript: the work is in `crate::portfolio`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use napi::Env;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use serde_json::{Value, json};

use super::convert::{Json, credentials, flag, path_in, plain, root_folder, text};
use super::errors::to_js_error;
use super::task::{blocking, settled};
use crate::domain_config::DomainSpec;
use crate::error::Error;
use crate::service::settings::Settings;
use crate::portfolio::canary::{Canary, Gate};
use crate::portfolio::{self, Portfolio};
use crate::wrangler_config::discover_config;

/// A progress event.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct DeploymentProgress {
    pub domain: String,
    /// `validation`, `initialization`, `database`, `secrets`, `deployment`, `post-validation`.
    pub phase: String,
    #[napi(ts_type = "'started' | 'completed' | 'failed' | 'skipped' | 'already-done'")]
    pub status: String,
    pub message: String,
    pub elapsed_ms: f64,
}

#[allow(dead_code)]
#[napi(object)]
pub struct MultiDomainOrchestratorOptions {
    /// Domains (host names) to deploy the service for.
    pub domains: Option<Vec<String>>,
    /// Default `production`.
    pub environment: Option<String>,
    /// Plan only: rendered configs and argv, no file written.
    pub dry_run: Option<bool>,
    pub skip_tests: Option<bool>,
    /// Domains in flight at once (a sliding window). Default 3.
    pub parallel_deployments: Option<u32>,
    /// Default: `process.cwd()`.
    pub service_path: Option<String>,
    /// Default `data-service`.
    pub service_name: Option<String>,
    pub worker_name: Option<String>,
    pub database_name: Option<String>,
    pub config_path: Option<String>,
    pub wrangler_path: Option<String>,
    pub cloudflare_token: Option<String>,
    pub cloudflare_account_id: Option<String>,
    pub cloudflare_settings: Option<CloudflareSettings>,
    /// Local D1, a real build, `wrangler dev` checked over HTTP. Default: true when no credentials are given.
    pub local: Option<bool>,
    /// Remote: a domain that fails after its deploy started goes back to the version it served before (and its
    /// database to the bookmark taken before this run's migrations). Default true.
    pub rollback_enabled: Option<bool>,
    /// A rollback deploys the earlier version even when this run changed secrets since it was active (Cloudflare
    /// refuses that unless forced: code 10220); the earlier version then runs with its earlier secrets. Default false.
    pub force_secret_rollback: Option<bool>,
    /// Key of the encrypted secret store (hex or base64 of 32 bytes); else `CLODO_SECRET_KEY`.
    pub secret_key: Option<String>,
    /// Continue the saved run with this deployment id.
    pub resume: Option<String>,
    /// How each worker is checked (overrides clodo.json): a path that must answer 2xx, `{ path, expect }`
    /// (expect: text the answer must contain), or `false` when the worker has no health endpoint.
    #[napi(ts_type = "string | false | { path?: string, expect?: string }")]
    pub health_check: Option<Value>,
    /// D1 bindings every domain shares (they keep the service's database); all others are each domain's own.
    pub shared_bindings: Option<Vec<String>>,
    /// How long a local `wrangler dev` may take to be ready. Default: 90 s plus twice the build's time.
    pub ready_timeout_seconds: Option<u32>,
    /// Also generate and upload clodo's ten standard secrets, beside the ones the project declares.
    pub standard_secrets: Option<bool>,
    /// When another deploy of the same service and environment runs, wait for it instead of failing with `E_LOCKED`.
    pub wait_for_lock: Option<bool>,
    #[napi(ts_type = "(event: DeploymentProgress) => void")]
    pub on_progress: Option<Value>,
    /// The original's single-domain spelling: used when `domains` is not given.
    pub domain: Option<String>,
    /// The original's name for `configPath`.
    pub wrangler_config_path: Option<String>,
    /// The original's static `deploy()` spelling of the credentials.
    pub credentials: Option<CloudflareSettings>,
    /// The original's; accepted, and no-ops here: the zone comes from each domain, every run's state is kept
    /// (for `resume`), domains are checked the same way whatever the level, and a sliding window replaces batches.
    pub cloudflare_zone_id: Option<String>,
    pub cloudflare_zone_name: Option<String>,
    pub enable_persistence: Option<bool>,
    pub validation_level: Option<String>,
    pub cache_enabled: Option<bool>,
    pub batch_pause_ms: Option<u32>,
    pub verbose: Option<bool>,
}

#[allow(dead_code)]
#[napi(object)]
pub struct CloudflareSettings {
    pub token: Option<String>,
    pub account_id: Option<String>,
    pub zone_id: Option<String>,
    pub zone_name: Option<String>,
}

/// One service deployed for many domains, each with its own worker, D1
/// database, secrets and checks; resumable; rolled back when a deploy fails.
#[napi]
pub struct MultiDomainOrchestrator {
    options: portfolio::Options,
    resume: Option<String>,
    on_progress: Option<FunctionRef<Value, ()>>,
    portfolio: Mutex<Option<Arc<Portfolio>>>,
    /// Calls under way: progress goes to `onProgress` while any is.
    running: Arc<AtomicUsize>,
}

/// The settings both portfolio classes share; `domains` are filled in by the caller.
pub(super) fn portfolio_options(v: &Value, environment: String, parallel: usize) -> portfolio::Options {
    let root = root_folder(v, &["servicePath", "service_path"]);
    let credentials = credentials(v);
    let config_path = path_in(v, &["configPath", "config_path", "wranglerConfigPath"], &root)
        .or_else(|| discover_config(&root))
        .unwrap_or_else(|| root.join("wrangler.toml"));
    let service_name = text(v, &["serviceName", "service_name"]).unwrap_or("data-service");
    let settings = settings_with_overrides(v, &root);
    portfolio::Options {
        settings,
        parallel,
        dry_run: flag(v, &["dryRun", "dry_run"]).unwrap_or(false),
        skip_tests: flag(v, &["skipTests", "skip_tests"]).unwrap_or(false),
        local: flag(v, &["local"]).unwrap_or(credentials.api_token.is_none()),
        rollback_enabled: flag(v, &["rollbackEnabled", "rollback_enabled"]).unwrap_or(true),
        force_secret_rollback: flag(v, &["forceSecretRollback", "force_secret_rollback"]).unwrap_or(false),
        wait_for_lock: flag(v, &["waitForLock", "wait_for_lock"]).unwrap_or(false),
        secret_key: text(v, &["secretKey", "secret_key"]).map(str::to_owned),
        wrangler_path: path_in(v, &["wranglerPath", "wrangler_path"], &root),
        credentials,
        ..portfolio::Options::new(root, config_path, &environment, service_name)
    }
}

/// The service's clodo.json with the options that override it (`healthCheck`,
/// `sharedBindings`, `readyTimeoutSeconds`, `standardSecrets`). `None` leaves
/// reading the file, and reporting a broken one, to the run.
fn settings_with_overrides(v: &Value, root: &std::path::Path) -> Option<Settings> {
    let mut settings = Settings::load(root).ok()?;
    if let Some(health) = health_override(v) {
        settings.health = health.ok()?;
    }
    if let Some(shared) = v["sharedBindings"].as_array() {
        settings.shared_bindings = shared.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    }
    if let Some(seconds) = v["readyTimeoutSeconds"].as_u64().filter(|s| (1..=3600).contains(s)) {
        settings.ready_timeout = Some(std::time::Duration::from_secs(seconds));
    }
    settings.standard_secrets |= flag(v, &["standardSecrets"]).unwrap_or(false);
    Some(settings)
}

fn health_override(v: &Value) -> Option<std::result::Result<crate::service::settings::HealthCheck, String>> {
    let health = v.get("healthCheck").or_else(|| v.get("healthCheckPath")).filter(|h| !h.is_null())?;
    Some(crate::service::settings::health(health).map_err(|m| format!("healthCheck {m}")))
}

fn parse(v: &Value) -> (portfolio::Options, Option<String>) {
    let environment = text(v, &["environment"]).unwrap_or("production").to_owned();
    let parallel = v["parallelDeployments"].as_u64().or_else(|| v["parallel_deployments"].as_u64()).unwrap_or(3) as usize;
    let mut options = portfolio_options(v, environment, parallel);
    let domains = v["domains"].as_array().cloned().or_else(|| v.get("domain").filter(|d| d.is_string()).map(|d| vec![d.clone()])).unwrap_or_default();
    options.domains = domains
        .iter()
        .filter_map(|d| d.as_str().or_else(|| d["domain"].as_str()).or_else(|| d["name"].as_str()))
        .map(|domain| {
            let mut spec = DomainSpec::new(domain, &options.environment, &options.service_name);
            spec.worker_name = text(v, &["workerName", "worker_name"]).map(|w| format!("{w}-{}", domain.replace('.', "-")));
            spec.database_name = text(v, &["databaseName", "database_name"]).map(str::to_owned).filter(|_| domains.len() == 1);
            spec
        })
        .collect();
    (options, text(v, &["resume"]).map(str::to_owned))
}

impl MultiDomainOrchestrator {
    fn portfolio(&self) -> crate::error::Result<Arc<Portfolio>> {
        let mut slot = self.portfolio.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = slot.as_ref() {
            return Ok(p.clone());
        }
        let p = Arc::new(Portfolio::new(self.options.clone(), self.resume.as_deref(), None)?);
        *slot = Some(p.clone());
        Ok(p)
    }

    /// Runs `work` off the JS thread with progress events going to `onProgress` meanwhile.
    fn run<'env>(&self, env: &'env Env, work: impl FnOnce(&Portfolio) -> crate::error::Result<Value> + Send + 'static) -> napi::Result<PromiseRaw<'env, Json>> {
        let portfolio = match self.portfolio() {
            Ok(p) => p,
            Err(e) => return settled(env, Err(e)),
        };
        // Calls may overlap: the first to start sets the callback, the last to end drops it.
        if self.running.fetch_add(1, Ordering::SeqCst) == 0
            && let Some(f) = &self.on_progress
        {
            let tsfn = f.borrow_back(env)?.build_threadsafe_function::<Value>().callee_handled::<false>().build()?;
            portfolio.set_progress(Some(Box::new(move |event| {
                tsfn.call(event, ThreadsafeFunctionCallMode::NonBlocking);
            })));
        }
        let running = self.running.clone();
        blocking(
            env,
            vec![],
            move |_| {
                let result = work(&portfolio);
                // Dropping the callback lets Node exit once the last run is over.
                if running.fetch_sub(1, Ordering::SeqCst) == 1 {
                    portfolio.set_progress(None);
                }
                result
            },
            Json,
        )
    }
}

fn canary_of(v: &Value) -> crate::error::Result<Canary> {
    let percent = v["percent"].as_f64().ok_or_else(|| Error::invalid("canary.percent is required: the share of traffic (above 0, below 100) the new version gets"))?;
    let gate = match &v["healthGate"] {
        Value::Bool(false) => None,
        Value::String(url) => Some(Gate { url: Some(url.clone()), path: None }),
        g => Some(Gate { url: text(g, &["url"]).map(str::to_owned), path: text(g, &["path"]).map(str::to_owned) }),
    };
    Ok(Canary { percent, gate })
}

impl MultiDomainOrchestrator {
    fn phase<'env>(&self, env: &'env Env, domain: String, phase: &'static str) -> napi::Result<PromiseRaw<'env, Json>> {
        let Some(spec) = self.options.domains.iter().find(|d| d.domain == domain).cloned() else {
            return settled(env, Err(Error::invalid(format!("Domain {domain} not found in portfolio"))));
        };
        self.run(env, move |p| p.run_phase(&spec, phase))
    }
}

#[napi]
impl MultiDomainOrchestrator {
    #[napi(constructor, ts_args_type = "options?: MultiDomainOrchestratorOptions")]
    pub fn new(options: Option<Object>) -> napi::Result<Self> {
        let v = plain(&options)?;
        let on_progress = match &options {
            Some(o) => match o.get::<Unknown>("onProgress")? {
                Some(f) if f.get_type()? == ValueType::Function => Some(unsafe { f.cast::<Function<Value, ()>>()? }.create_ref()?),
                _ => None,
            },
            None => None,
        };
        if let Some(Err(message)) = health_override(&v) {
            return Err(napi::Error::from_reason(message));
        }
        let (options, resume) = parse(&v);
        Ok(MultiDomainOrchestrator { options, resume, on_progress, portfolio: Mutex::new(None), running: Arc::default() })
    }

    /// Checks the domains and reports the run: `{ deploymentId, domains, local, environment }`.
    #[napi(ts_return_type = "Promise<{ deploymentId: string, domains: string[], local: boolean, environment: string }>")]
    pub fn initialize<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        let (local, environment) = (self.options.local, self.options.environment.clone());
        let domains: Vec<String> = self.options.domains.iter().map(|d| d.domain.clone()).collect();
        self.run(env, move |p| Ok(json!({"deploymentId": p.deployment_id(), "domains": domains, "local": local, "environment": environment})))
    }

    /// One domain through its phases: `{ domain, success, allPhasesSuccessful, deploymentId, duration, phases, url, status, phaseResults }`.
    #[napi(ts_return_type = "Promise<DomainDeployment>")]
    pub fn deploy_single_domain<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        let Some(spec) = self.options.domains.iter().find(|d| d.domain == domain).cloned() else {
            return settled(env, Err(Error::invalid(format!("Domain {domain} not found in portfolio"))));
        };
        self.run(env, move |p| p.deploy_domain(&spec))
    }

    /// Every domain, `parallelDeployments` at a time.
    #[napi(ts_return_type = "Promise<PortfolioDeployment>")]
    pub fn deploy_portfolio<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        self.run(env, |p| p.deploy_all())
    }

    /// One domain; with `canary`, a gradual rollout: the new version gets `percent` of the traffic,
    /// its `/health` is checked on that version alone, then it is promoted to 100 % or rolled back.
    #[napi(ts_args_type = "domain: string, options?: { canary?: { percent: number, healthGate?: boolean | string | { url?: string, path?: string } } }", ts_return_type = "Promise<DomainDeployment>")]
    pub fn deploy<'env>(&self, env: &'env Env, domain: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let Some(spec) = self.options.domains.iter().find(|d| d.domain == domain).cloned() else {
            return settled(env, Err(Error::invalid(format!("Domain {domain} not found in portfolio"))));
        };
        let canary = options.as_ref().map(|o| &o["canary"]).filter(|c| c.is_object()).map(canary_of);
        self.run(env, move |p| match canary {
            Some(canary) => p.deploy_canary(&spec, canary?),
            None => p.deploy_domain(&spec),
        })
    }

    /// One phase of one domain (what earlier phases of this run left is reused).
    #[napi(ts_return_type = "Promise<PhaseResult>")]
    pub fn validate_domain_prerequisites<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.phase(env, domain, "validation")
    }

    #[napi(ts_return_type = "Promise<PhaseResult>")]
    pub fn initialize_domain_deployment<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.phase(env, domain, "initialization")
    }

    #[napi(ts_return_type = "Promise<PhaseResult>")]
    pub fn setup_domain_database<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.phase(env, domain, "database")
    }

    #[napi(ts_return_type = "Promise<PhaseResult>")]
    pub fn handle_domain_secrets<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.phase(env, domain, "secrets")
    }

    #[napi(ts_return_type = "Promise<PhaseResult>")]
    pub fn deploy_domain_worker<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.phase(env, domain, "deployment")
    }

    #[napi(ts_return_type = "Promise<PhaseResult>")]
    pub fn validate_domain_deployment<'env>(&self, env: &'env Env, domain: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.phase(env, domain, "post-validation")
    }

    /// Deploys one domain of a service in one call: `{ success, environment, deployedDomains, message }`;
    /// a failure rejects with `Deployment failed: …` (code `E_DEPLOY_FAILED`).
    #[napi(js_name = "deploy", ts_args_type = "options: StaticDeployOptions", ts_return_type = "Promise<{ success: boolean, environment: string, deployedDomains: string[], message: string, result: DomainDeployment }>")]
    pub fn deploy_static<'env>(env: &'env Env, options: Value) -> napi::Result<PromiseRaw<'env, Json>> {
        let mut v = options;
        if let Some(credentials) = v.get("credentials").cloned() {
            v["cloudflareSettings"] = credentials;
        }
        let (mut options, _) = parse(&v);
        let Some(domain) = text(&v, &["domain"]).map(str::to_owned) else {
            return settled(env, Err(Error::invalid("MultiDomainOrchestrator.deploy needs a domain")));
        };
        let mut spec = DomainSpec::new(&domain, &options.environment, &options.service_name);
        spec.worker_name = text(&v, &["workerName", "worker_name"]).map(str::to_owned);
        spec.database_name = text(&v, &["databaseName", "database_name"]).map(str::to_owned);
        options.domains = vec![spec.clone()];
        let environment = options.environment.clone();
        blocking(
            env,
            vec![],
            move |_| {
                let result = Portfolio::new(options, None, None)?.deploy_domain(&spec)?;
                if result["success"] != true {
                    return Err(Error::DeployFailed(format!("Deployment failed: {}", result["error"].as_str().unwrap_or("a phase failed"))));
                }
                Ok(json!({"success": true, "environment": environment, "deployedDomains": [domain], "message": format!("Service deployed to {environment} successfully"), "result": result}))
            },
            Json,
        )
    }

    /// Every deployed domain of this run and the commands that would put it back, as the
    /// original's list of `{ domain, action }` (synchronous, as the original's).
    #[napi(ts_return_type = "Array<{ domain: string, action: { type: 'rollback', workerName: string, versions: Array<{ versionId: string, percentage: number }>, bookmark: string | null, commands: string[][], timestamp: string } }>")]
    pub fn get_rollback_plan(&self, env: Env) -> napi::Result<Json> {
        self.portfolio().and_then(|p| p.rollback_plan()).map(Json).map_err(|e| to_js_error(&env, &e))
    }

    /// Puts every deployed domain of this run back to the traffic it served before (and, with
    /// `restoreDatabase`, its database to the bookmark from before the run's migrations).
    #[napi(ts_args_type = "options?: { restoreDatabase?: boolean, reason?: string }", ts_return_type = "Promise<{ deploymentId: string, success: boolean, rolledBack: number, failed: number, results: Array<{ domain: string, result: RollbackResult }> }>")]
    pub fn execute_rollback<'env>(&self, env: &'env Env, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let options = options.unwrap_or(Value::Null);
        let restore = flag(&options, &["restoreDatabase", "restore_database"]).unwrap_or(false);
        let reason = text(&options, &["reason"]).unwrap_or("requested").to_owned();
        self.run(env, move |p| p.roll_back_all(None, restore, &reason))
    }

    /// The original's view of the run: `{ orchestrationId, startTime, endTime, environment,
    /// totalDomains, completedDomains, failedDomains, domainStates (a Map by domain), rollbackPlan, metadata }`.
    #[napi(getter, ts_return_type = "{ orchestrationId: string, startTime: string, endTime: string | null, environment: string, totalDomains: number, completedDomains: number, failedDomains: number, domainStates: Map<string, { domain: string, deploymentId: string, phase: string, status: string, endTime: string | null, durationMs: number, url: string | null, workerName: string | null, error: string | null, metadata: { environment: string } }>, rollbackPlan: unknown[], metadata: { dryRun: boolean, persistenceEnabled: boolean, rollbackEnabled: boolean } }")]
    pub fn portfolio_state(&self, env: Env) -> napi::Result<Object<'_>> {
        let state = self.portfolio().map(|p| p.portfolio_state()).map_err(|e| to_js_error(&env, &e))?;
        let mut object: Object = unsafe { super::convert::parse_json(&env, state.to_string())?.cast()? };
        let pairs: Unknown = object.get_named_property("domainStates")?;
        let map_class: Function<Unknown, Unknown> = env.get_global()?.get_named_property("Map")?;
        object.set_named_property("domainStates", map_class.new_instance(pairs)?)?;
        Ok(object)
    }

    /// Status of every domain and phase in this run.
    #[napi(ts_return_type = "Record<string, unknown>")]
    pub fn get_portfolio_stats(&self, env: Env) -> napi::Result<Json> {
        self.portfolio().map(|p| Json(p.stats())).map_err(|e| to_js_error(&env, &e))
    }
}

#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct DomainDeployment {
    pub domain: String,
    pub success: bool,
    pub all_phases_successful: bool,
    pub deployment_id: String,
    /// Seconds.
    pub duration: f64,
    pub phases: Vec<String>,
    /// Where it answered (local: the `wrangler dev` address it was checked on).
    pub url: Option<String>,
    pub worker_name: Option<String>,
    #[napi(ts_type = "'completed' | 'completed-with-warnings' | 'failed' | 'skipped' | 'rolled-back'")]
    pub status: String,
    /// The failed critical phase and why.
    pub error: Option<String>,
    pub warnings: Vec<String>,
    #[napi(ts_type = "Record<string, { status: 'completed' | 'failed' | 'skipped', message: string, details: unknown, finishedAt: string, durationMs: number }>")]
    pub phase_results: Value,
    /// Remote, when the domain failed after its deploy started and rollback is on.
    pub rollback: Option<RollbackResult>,
    /// Dry runs: rendered configs and the argv of every command.
    pub plan: Vec<Value>,
}

#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct PortfolioDeployment {
    pub deployment_id: String,
    pub successful: Vec<String>,
    pub failed: Vec<String>,
    /// Domains not started because a dependency did not deploy or a wave was rolled back (CrossDomainCoordinator).
    pub skipped: Vec<String>,
    /// Domains deployed, then rolled back with their wave (CrossDomainCoordinator's `rollbackThreshold`).
    pub rolled_back: Vec<String>,
    pub results: Vec<DomainDeployment>,
    /// Seconds.
    pub total_duration: f64,
    #[napi(ts_type = "{ total: number, successful: number, failed: number, successRate: number, averageDuration: number, totalBatches: number }")]
    pub summary: Value,
    pub batches: Vec<Value>,
}

/// What a rollback did.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct RollbackResult {
    /// `skipped`: the worker had no deployment before, so there was nothing to go back to.
    #[napi(ts_type = "'completed' | 'skipped' | 'failed'")]
    pub status: String,
    pub message: String,
    pub worker_name: Option<String>,
    #[napi(ts_type = "Array<{ versionId: string, percentage: number }>")]
    pub versions: Option<Vec<Value>>,
    pub database_restored: Option<bool>,
    pub bookmark: Option<String>,
    /// The argv of every command run.
    pub commands: Option<Vec<Vec<String>>>,
    /// The error code when it failed.
    pub code: Option<String>,
}

/// One phase's outcome.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct PhaseResult {
    #[napi(ts_type = "'completed' | 'failed' | 'skipped'")]
    pub status: String,
    pub message: String,
    pub details: Value,
    pub finished_at: String,
    pub duration_ms: f64,
}

#[allow(dead_code)]
#[napi(object)]
pub struct StaticDeployOptions {
    pub domain: String,
    pub service_path: Option<String>,
    pub environment: Option<String>,
    pub service_name: Option<String>,
    pub worker_name: Option<String>,
    pub database_name: Option<String>,
    pub dry_run: Option<bool>,
    pub skip_tests: Option<bool>,
    pub local: Option<bool>,
    pub wrangler_path: Option<String>,
    pub secret_key: Option<String>,
    /// `{ token, accountId }`; without a token the deploy runs in local mode.
    pub credentials: Option<CloudflareSettings>,
}
