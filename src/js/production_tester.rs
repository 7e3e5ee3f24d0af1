//! `ProductionTester` for JavaScript; the requests are in `crate::http_check`.

use std::time::{Duration, Instant};

use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::{Value, json};

use super::convert::{Json, text};
use super::task::future;
use crate::http_check::{self as core, TestOptions};

#[allow(dead_code)]
#[napi(object)]
pub struct ProductionTesterOptions {
    pub environment: Option<String>,
    /// Per request, in milliseconds. Default 30000.
    pub timeout: Option<u32>,
    /// Requests per check. Default 3.
    pub retries: Option<u32>,
    /// How long a run may keep retrying, in milliseconds. Default 60000.
    pub deadline_ms: Option<u32>,
}

#[allow(dead_code)]
#[napi(object)]
pub struct ProductionTestOptions {
    /// Default `/health`.
    pub health_path: Option<String>,
    /// More paths (or absolute URLs) to GET.
    pub endpoints: Option<Vec<String>>,
    /// Accepted status codes. Default: any 2xx.
    #[napi(ts_type = "number | number[]")]
    pub expect_status: Option<Value>,
    pub timeout_ms: Option<u32>,
    pub retries: Option<u32>,
    pub deadline_ms: Option<u32>,
}

#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct ProductionCheck {
    /// `health`, or the endpoint as given.
    pub name: String,
    pub url: String,
    pub passed: bool,
    pub status_code: Option<u32>,
    pub latency_ms: Option<f64>,
    pub attempts: u32,
    /// The first 200 characters of the body.
    pub body_excerpt: String,
    /// Why it failed: the status it got, or the connection error.
    pub error: Option<String>,
}

#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct ProductionTestResult {
    pub url: String,
    /// Every check passed.
    pub passed: bool,
    pub checks: Vec<ProductionCheck>,
    #[napi(ts_type = "{ p50: number | null, p95: number | null, max: number | null }")]
    pub latency: Value,
    pub duration_ms: u32,
    #[napi(ts_type = "{ total: number, passed: number, failed: number }")]
    pub summary: Value,
}

/// Real HTTP checks of a deployed worker, retried with backoff until a
/// deadline while DNS and routes propagate, never a fixed sleep.
#[napi]
pub struct ProductionTester {
    defaults: TestOptions,
}

fn millis(v: &Value, names: &[&str]) -> Option<Duration> {
    names.iter().find_map(|n| v.get(*n).and_then(Value::as_u64)).map(Duration::from_millis)
}

fn test_options(defaults: &TestOptions, v: &Value) -> TestOptions {
    let mut o = defaults.clone();
    if let Some(path) = text(v, &["healthPath", "health_path"]) {
        o.health_path = path.to_owned();
    }
    if let Some(list) = v.get("endpoints").and_then(Value::as_array) {
        o.endpoints = list.iter().filter_map(|e| e.as_str().map(str::to_owned)).collect();
    }
    match v.get("expectStatus").or_else(|| v.get("expect_status")) {
        Some(Value::Number(n)) => o.expect_status = n.as_u64().map(|n| vec![n as u16]).unwrap_or_default(),
        Some(Value::Array(list)) => o.expect_status = list.iter().filter_map(|n| n.as_u64().map(|n| n as u16)).collect(),
        _ => {}
    }
    o.timeout = millis(v, &["timeoutMs", "timeout_ms", "timeout"]).unwrap_or(o.timeout);
    o.retries = v.get("retries").and_then(Value::as_u64).map(|r| r as u32).unwrap_or(o.retries);
    o.deadline = millis(v, &["deadlineMs", "deadline_ms"]).unwrap_or(o.deadline);
    o
}

#[napi]
impl ProductionTester {
    #[napi(constructor, ts_args_type = "options?: ProductionTesterOptions")]
    pub fn new(options: Option<Value>) -> Self {
        let base = TestOptions { timeout: Duration::from_secs(30), ..TestOptions::default() };
        ProductionTester { defaults: test_options(&base, &options.unwrap_or(Value::Null)) }
    }

    /// GETs `healthPath` and every endpoint at once; the run passes only when every check does.
    #[napi(ts_args_type = "url: string, options?: ProductionTestOptions", ts_return_type = "Promise<ProductionTestResult>")]
    pub fn run_production_tests<'env>(&self, env: &'env Env, url: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let o = test_options(&self.defaults, &options.unwrap_or(Value::Null));
        future(env, async move { core::run(&url, &o).await }, Json)
    }

    /// The original's `runTests({ url, healthPath, endpoints })`: `{ passed, tests, duration, summary }`.
    #[napi(ts_args_type = "config: { url: string } & ProductionTestOptions", ts_return_type = "Promise<{ passed: boolean, tests: ProductionCheck[], duration: number, summary: string }>")]
    pub fn run_tests<'env>(&self, env: &'env Env, config: Value) -> napi::Result<PromiseRaw<'env, Json>> {
        let o = test_options(&self.defaults, &config);
        let url = text(&config, &["url", "baseUrl", "base_url"]).unwrap_or("").to_owned();
        future(
            env,
            async move {
                let r = core::run(&url, &o).await?;
                let summary = format!("{} of {} checks passed", r["summary"]["passed"], r["summary"]["total"]);
                Ok(json!({"passed": r["passed"], "tests": r["checks"], "duration": r["durationMs"], "summary": summary}))
            },
            Json,
        )
    }

    /// One GET with the tester's retries: `{ url, passed, statusCode, responseTime, … }`.
    #[napi(ts_args_type = "url: string, options?: ProductionTestOptions", ts_return_type = "Promise<ProductionCheck & { responseTime: number | null }>")]
    pub fn test_endpoint<'env>(&self, env: &'env Env, url: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let o = test_options(&self.defaults, &options.unwrap_or(Value::Null));
        future(env, async move { single(&url, &o, "endpoint").await }, Json)
    }

    /// GETs `url` as given: `{ healthy, status, statusCode, responseTime, … }`.
    #[napi(ts_return_type = "Promise<ProductionCheck & { healthy: boolean, status: 'ok' | 'unhealthy', responseTime: number | null }>")]
    pub fn health_check<'env>(&self, env: &'env Env, url: String) -> napi::Result<PromiseRaw<'env, Json>> {
        let o = self.defaults.clone();
        future(
            env,
            async move {
                let mut r = single(&url, &o, "health").await?;
                let healthy = r["passed"] == true;
                r["healthy"] = json!(healthy);
                r["status"] = json!(if healthy { "ok" } else { "unhealthy" });
                Ok(r)
            },
            Json,
        )
    }
}

async fn single(url: &str, o: &TestOptions, name: &str) -> crate::error::Result<Value> {
    core::check_url(url)?;
    let client = core::client(o.timeout)?;
    let result = core::probe(&client, name, url, o, Instant::now()).await;
    let mut v = result.to_json();
    v["responseTime"] = json!(result.latency_ms);
    Ok(v)
}
