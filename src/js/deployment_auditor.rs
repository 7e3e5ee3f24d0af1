//! `DeploymentAuditor` for JavaScript; the work is in `crate::deploy_audit`.


use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::{Value, json};

use super::convert::{Json, flag, root_folder, text};
use super::errors::to_js_error;
use super::task::settled;
use crate::deploy_audit::{self as core, ReportFilter};

#[allow(dead_code)]
#[napi(object)]
pub struct DeploymentAuditorOptions {
    /// The service folder; the log is `<servicePath>/logs/deployment-audit.log`. Default: `process.cwd()`.
    pub service_path: Option<String>,
    /// Default environment of the entries. Default `production`.
    pub environment: Option<String>,
    /// `false` writes nothing.
    pub enable_auditing: Option<bool>,
}

#[allow(dead_code)]
#[napi(object)]
pub struct AuditReportFilter {
    /// ISO 8601 time: entries from then on.
    pub since: Option<String>,
    pub domain: Option<String>,
    pub deployment_id: Option<String>,
    pub environment: Option<String>,
}

/// Deployments, phases and outcomes as JSON lines, safe under concurrent
/// writers, credentials replaced by `[redacted]`; reports read back from the file.
#[napi]
pub struct DeploymentAuditor {
    inner: core::DeploymentAuditor,
}

fn done<T>(env: &Env, result: crate::error::Result<T>) -> napi::Result<T> {
    result.map_err(|e| to_js_error(env, &e))
}

#[napi]
impl DeploymentAuditor {
    #[napi(constructor, ts_args_type = "options?: DeploymentAuditorOptions")]
    pub fn new(options: Option<Value>) -> Self {
        let v = options.unwrap_or(Value::Null);
        let path = root_folder(&v, &["servicePath", "service_path", "projectRoot", "project_root"]);
        let environment = text(&v, &["environment"]).unwrap_or("production");
        let enabled = flag(&v, &["enableAuditing", "enable_auditing"]).unwrap_or(true);
        DeploymentAuditor { inner: core::DeploymentAuditor::new(&path, environment, enabled) }
    }

    #[napi(getter)]
    pub fn log_file(&self) -> String {
        self.inner.path().display().to_string()
    }

    /// One finished deployment as one line: `{ deploymentId?, domain, environment, status, durationMs, versionId, url, … }`.
    #[napi(ts_args_type = "record: Record<string, unknown>", ts_return_type = "Promise<{ auditId: string, timestamp: string, status: 'recorded' | 'disabled' }>")]
    pub fn record_deployment<'env>(&self, env: &'env Env, record: Value) -> napi::Result<PromiseRaw<'env, Json>> {
        settled(env, self.inner.record_deployment(record).map(Json))
    }

    /// One event of a running deployment: `{ phase, outcome, durationMs, … }`.
    #[napi(ts_args_type = "deploymentId: string, event: Record<string, unknown>")]
    pub fn log_deployment(&self, env: Env, deployment_id: String, event: Value) -> napi::Result<()> {
        done(&env, self.inner.log_deployment(&deployment_id, event))
    }

    #[napi(ts_args_type = "deploymentId: string, domain: string, config?: Record<string, unknown>", ts_return_type = "{ deploymentId: string, domain: string, environment: string, startTime: string, status: 'in-progress' }")]
    pub fn start_deployment_audit(&self, env: Env, deployment_id: String, domain: String, config: Option<Value>) -> napi::Result<Json> {
        done(&env, self.inner.start(&deployment_id, &domain, config.unwrap_or(json!({}))).map(Json))
    }

    #[napi(ts_args_type = "deploymentId: string, status: string, summary?: Record<string, unknown>", ts_return_type = "{ deploymentId: string, status: string, durationMs: number | null }")]
    pub fn end_deployment_audit(&self, env: Env, deployment_id: String, status: String, summary: Option<Value>) -> napi::Result<Json> {
        done(&env, self.inner.end(&deployment_id, &status, summary.unwrap_or(json!({}))).map(Json))
    }

    /// `action` is `start` or `end` (logged as `PHASE_START` / `PHASE_END`).
    #[napi(ts_args_type = "deploymentId: string, phaseName: string, action: 'start' | 'end', details?: Record<string, unknown>")]
    pub fn log_phase(&self, env: Env, deployment_id: String, phase_name: String, action: String, details: Option<Value>) -> napi::Result<()> {
        done(&env, self.inner.phase(&deployment_id, &phase_name, &action, details.unwrap_or(json!({}))))
    }

    #[napi(ts_args_type = "deploymentId: string, error: Error | string, context?: Record<string, unknown>")]
    pub fn log_error(&self, env: Env, deployment_id: String, error: Unknown, context: Option<Value>) -> napi::Result<()> {
        let message = match error.get_type()? {
            ValueType::String => unsafe { String::from_napi_value(env.raw(), error.raw())? },
            ValueType::Object => {
                let obj: Object = unsafe { error.cast()? };
                obj.get::<String>("message")?.unwrap_or_default()
            }
            _ => String::new(),
        };
        done(&env, self.inner.error(&deployment_id, &message, context.unwrap_or(json!({}))))
    }

    /// Entries and per-deployment summaries from the log; a string is a deployment id.
    #[napi(ts_args_type = "filter?: AuditReportFilter | string", ts_return_type = "Promise<{ logFile: string, entries: Record<string, unknown>[], deployments: { deploymentId: string, domain?: string, environment?: string, status?: string, durationMs?: number, versionId?: string, url?: string, phases: { phase: string, event: string, at: string }[], errors: string[], firstSeen: string, lastSeen: string }[], summary: { entries: number, deployments: number, succeeded: number, failed: number, unreadableLines: number } }>")]
    pub fn get_audit_report<'env>(&self, env: &'env Env, filter: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let filter = match filter {
            None | Some(Value::Null) => ReportFilter::default(),
            Some(Value::String(id)) => ReportFilter { deployment_id: Some(id), ..Default::default() },
            Some(v) => ReportFilter {
                since: text(&v, &["since"]).map(str::to_owned),
                domain: text(&v, &["domain"]).map(str::to_owned),
                deployment_id: text(&v, &["deploymentId", "deployment_id"]).map(str::to_owned),
                environment: text(&v, &["environment"]).map(str::to_owned),
            },
        };
        settled(env, self.inner.report(&filter).map(Json))
    }
}
