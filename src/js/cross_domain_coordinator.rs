//! `CrossDomainCoordinator` for JavaScript: domains that depend on each other
//! deploy in waves (local mode, through `crate::portfolio`).

use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::Value;

use super::convert::{Json, text};
use super::multi_domain_orchestrator::portfolio_options;
use super::errors::to_js_error;
use super::task::{blocking, settled};
use crate::domain_config::DomainSpec;
use crate::portfolio::{self, Portfolio, waves};

#[allow(dead_code)]
#[napi(object)]
pub struct CrossDomainCoordinatorOptions {
    pub service_path: Option<String>,
    /// Default `production`.
    pub default_environment: Option<String>,
    /// Domains in flight at once within a wave. Default 3.
    pub max_concurrent_deployments: Option<u32>,
    pub service_name: Option<String>,
    pub skip_tests: Option<bool>,
    pub dry_run: Option<bool>,
    pub wrangler_path: Option<String>,
    pub config_path: Option<String>,
    /// Local D1 and real builds. Default: true when no credentials are given.
    pub local: Option<bool>,
    pub cloudflare_token: Option<String>,
    pub cloudflare_account_id: Option<String>,
    pub secret_key: Option<String>,
    /// Roll a wave back when this share of its domains fails (0–1); later waves do not start. Default 0.8.
    pub rollback_threshold: Option<f64>,
    /// Default true; false keeps every wave whatever fails.
    pub enable_auto_rollback: Option<bool>,
    /// Named in the result as `portfolioName`.
    pub portfolio_name: Option<String>,
    /// Default true; false deploys every domain in one wave, dependencies ignored.
    pub enable_dependency_resolution: Option<bool>,
    /// The original's; accepted, and no-ops here: clodo always checks each domain after its deploy
    /// (`healthCheck`), shares nothing between tenants and loads no modules.
    pub use_all_modules: Option<bool>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub module_options: Option<Value>,
    pub enable_continuous_monitoring: Option<bool>,
    pub health_check_interval: Option<f64>,
    pub enable_shared_resources: Option<bool>,
    pub enable_cross_validation: Option<bool>,
    pub force_refresh: Option<bool>,
    pub environments: Option<Vec<String>>,
    pub deployment_timeout: Option<f64>,
}

/// One domain and what it depends on.
#[allow(dead_code)]
#[napi(object)]
pub struct PortfolioDomain {
    pub domain: String,
    pub depends_on: Option<Vec<String>>,
}

#[napi]
pub struct CrossDomainCoordinator {
    settings: Value,
    dependencies: Arc<Mutex<IndexMap<String, Vec<String>>>>,
}

/// `[{ domain | name, dependsOn | dependencies }]` or plain domain names.
fn graph_of(domains: &Value, registered: &IndexMap<String, Vec<String>>) -> IndexMap<String, Vec<String>> {
    let list = domains.as_array().cloned().unwrap_or_default();
    list.iter()
        .filter_map(|d| {
            let name = d.as_str().or_else(|| d["domain"].as_str()).or_else(|| d["name"].as_str())?.to_owned();
            let given = d.get("dependsOn").or_else(|| d.get("dependencies")).and_then(Value::as_array);
            let deps = match given {
                Some(deps) => deps.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
                None => registered.get(&name).cloned().unwrap_or_default(),
            };
            Some((name, deps))
        })
        .collect()
}

fn options_for(v: &Value, graph: &IndexMap<String, Vec<String>>) -> portfolio::Options {
    let environment = text(v, &["defaultEnvironment", "environment"]).unwrap_or("production").to_owned();
    let parallel = v["maxConcurrentDeployments"].as_u64().unwrap_or(3) as usize;
    let mut options = portfolio_options(v, environment, parallel);
    let auto = v["enableAutoRollback"].as_bool().unwrap_or(true);
    options.rollback_threshold = auto.then(|| v["rollbackThreshold"].as_f64().unwrap_or(0.8));
    options.domains = graph.keys().map(|d| DomainSpec::new(d, &options.environment, &options.service_name)).collect();
    options
}

#[napi]
impl CrossDomainCoordinator {
    #[napi(constructor, ts_args_type = "options?: CrossDomainCoordinatorOptions")]
    pub fn new(options: Option<Value>) -> Self {
        CrossDomainCoordinator { settings: options.unwrap_or(Value::Null), dependencies: Arc::new(Mutex::new(IndexMap::new())) }
    }

    /// Remembers a domain's dependencies for later deployments.
    #[napi(ts_args_type = "domain: PortfolioDomain | { name: string, dependencies?: string[] }")]
    pub fn register_domain(&self, domain: Value) {
        let graph = graph_of(&Value::Array(vec![domain]), &IndexMap::new());
        self.dependencies.lock().unwrap_or_else(|p| p.into_inner()).extend(graph);
    }

    /// Domains in an order that deploys dependencies first; a cycle throws `E_DEPENDENCY_CYCLE`.
    #[napi(ts_args_type = "domains?: Array<string | PortfolioDomain>")]
    pub fn resolve_dependency_order(&self, env: Env, domains: Option<Value>) -> napi::Result<Vec<String>> {
        let registered = self.dependencies.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let graph = match domains {
            Some(d) => graph_of(&d, &registered),
            None => registered,
        };
        waves(&graph).map(|w| w.concat()).map_err(|e| to_js_error(&env, &e))
    }

    /// Deploys in waves (`waves` in the result), each wave up to
    /// `maxConcurrentDeployments` at once; a domain whose dependency failed is
    /// `skipped`, with the reason; a wave whose failure ratio reaches `rollbackThreshold` is rolled back.
    #[napi(ts_args_type = "domains: Array<string | PortfolioDomain>", ts_return_type = "Promise<PortfolioDeployment & { waves: string[][] }>")]
    pub fn coordinate_multi_domain_deployment<'env>(&self, env: &'env Env, domains: Value) -> napi::Result<PromiseRaw<'env, Json>> {
        let registered = self.dependencies.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut graph = graph_of(&domains, &registered);
        if self.settings["enableDependencyResolution"] == false {
            graph.values_mut().for_each(Vec::clear);
        }
        if let Err(e) = waves(&graph) {
            return settled(env, Err(e));
        }
        let options = options_for(&self.settings, &graph);
        let name = self.settings.get("portfolioName").cloned();
        blocking(
            env,
            vec![],
            move |_| {
                let portfolio = Portfolio::new(options, None, None)?;
                let mut result = portfolio.deploy_in_waves(&graph)?;
                if let Some(name) = name {
                    result["portfolioName"] = name;
                }
                Ok(result)
            },
            Json,
        )
    }
}

