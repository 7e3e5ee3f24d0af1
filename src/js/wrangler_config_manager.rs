//! `WranglerConfigManager` for JavaScript: same names, argument shapes and
//! sync/async split as `@tamyla/clodo-framework`; the work is in
//! `crate::wrangler_config`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::Value;

use super::errors::to_js_error;
use super::convert::{Json, console_log, flag, text};
use super::task::{WriteQueue, now_or_pool_in_order, pool, settled};
use crate::error::Result as CoreResult;
use crate::wrangler_config::{self as core, CustomerParams, Options, Severity, ValidateOptions, WranglerConfig};

/// Options of `new WranglerConfigManager(options)`. snake_case spellings are accepted too.
// Describes the accepted shape in index.d.ts; the constructor reads the raw
// object so that both spellings work.
#[allow(dead_code)]
#[napi(object)]
pub struct WranglerConfigManagerOptions {
    /// Service folder; relative paths resolve against it. Default: `process.cwd()`.
    pub project_root: Option<String>,
    /// Config file. Default: the first of `wrangler.json`, `wrangler.jsonc`,
    /// `wrangler.toml` in `projectRoot` (wrangler's order), else `wrangler.toml`.
    pub config_path: Option<String>,
    /// Write nothing; planned writes are listed in `plannedWrites`.
    pub dry_run: Option<bool>,
    /// Log what is done to stderr.
    pub verbose: Option<bool>,
    pub account_id: Option<String>,
    /// The environment that lives at the top level of the file. Default `'production'`.
    pub production_environment: Option<String>,
    /// How long to wait for another writer's lock before failing with `E_LOCKED`. Default 10000.
    pub lock_timeout_ms: Option<u32>,
    /// Flush every write to disk (power-loss durability). Default false.
    pub fsync: Option<bool>,
}

/// A write a dry run did not perform.
#[napi(object)]
pub struct PlannedWrite {
    pub path: String,
    /// The full text the file would have had.
    pub content: String,
}

/// One finding of `validate()`.
#[napi(object)]
pub struct ValidationFinding {
    /// `'error'` or `'warning'`.
    pub severity: String,
    /// Stable rule code (docs/validation.md lists them all): `WRONG_TYPE`, `REQUIRED_FIELD`,
    /// `UNEXPECTED_FIELD`, `NON_INHERITED_KEY`, `NON_INHERITED_BINDING`, `INHERITED_ROUTES`, `D1_MISSING_ID`, `SYNTAX`, …
    pub rule: String,
    /// What is wrong and how to fix it.
    pub message: String,
    /// Dotted path of the key concerned (`env.staging.d1_databases[0]`), empty for the file.
    pub path: String,
    /// The environment the finding is about; absent for the top level, which every environment deploys with.
    pub env: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// Result of `validate()`; `errors` and `warnings` keep the original's messages.
#[napi(object, object_from_js = false)]
pub struct ValidationResult {
    pub valid: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub findings: Vec<ValidationFinding>,
    #[napi(ts_type = "Record<string, any>")]
    pub config: Option<Json>,
}

/// Reads and edits a service's wrangler config (`wrangler.toml`, `.jsonc` or
/// `.json`) in place: comments and formatting survive, writes are atomic and
/// locked against concurrent writers. Async methods reject with an `Error`
/// whose `code` is one of `ErrorCode`.
#[napi]
pub struct WranglerConfigManager {
    inner: Arc<WranglerConfig>,
    writes: Arc<WriteQueue>,
}

fn options_from(value: Option<Value>) -> Options {
    let v = match value {
        Some(Value::String(path)) => return Options::for_config_path(path),
        Some(v @ Value::Object(_)) => v,
        _ => Value::Null,
    };
    let mut o = Options::for_project(
        text(&v, &["projectRoot", "project_root"]).map(Path::new),
        text(&v, &["configPath", "config_path"]).map(Path::new),
    );
    o.dry_run = flag(&v, &["dryRun", "dry_run"]).unwrap_or(false);
    o.verbose = flag(&v, &["verbose"]).unwrap_or(false);
    o.account_id = text(&v, &["accountId", "account_id"]).map(str::to_string);
    if let Some(p) = text(&v, &["productionEnvironment", "production_environment"]) {
        o.production_environment = p.to_string();
    }
    if let Some(ms) = ["lockTimeoutMs", "lock_timeout_ms"].iter().find_map(|n| v.get(*n).and_then(Value::as_u64)) {
        o.write.lock_timeout = Duration::from_millis(ms);
    }
    o.write.fsync = flag(&v, &["fsync"]).unwrap_or(false);
    o
}

#[napi]
impl WranglerConfigManager {
    /// `new WranglerConfigManager('/path/to/wrangler.toml')` or `new WranglerConfigManager({ projectRoot, configPath, … })`.
    /// Has no side effects.
    #[napi(constructor, ts_args_type = "options?: string | WranglerConfigManagerOptions")]
    pub fn new(options: Option<Value>) -> Self {
        WranglerConfigManager { inner: Arc::new(WranglerConfig::new(options_from(options))), writes: Arc::default() }
    }

    /// A locked read-modify-write: in place while the lock is free and no
    /// earlier write of this manager waits, on the pool otherwise; writes land
    /// in the order they were asked for. With `fsync` a write waits for the
    /// disk, so it always goes to the pool.
    fn write<'env, T: Send + ToNapiValue + TypeName + 'static>(
        &self,
        env: &'env Env,
        work: impl Fn(&WranglerConfig) -> CoreResult<T> + Send + 'static,
    ) -> napi::Result<PromiseRaw<'env, T>> {
        let inner = self.inner.clone();
        let work = move || work(&inner);
        now_or_pool_in_order(env, &self.writes, self.inner.options().write.fsync, work)
    }

    #[napi(getter)]
    pub fn config_path(&self) -> String {
        self.inner.config_path().display().to_string()
    }

    #[napi(getter)]
    pub fn project_root(&self) -> String {
        self.inner.options().project_root.display().to_string()
    }

    #[napi(getter)]
    pub fn dry_run(&self) -> bool {
        self.inner.options().dry_run
    }

    #[napi(getter)]
    pub fn verbose(&self) -> bool {
        self.inner.options().verbose
    }

    #[napi(getter)]
    pub fn account_id(&self) -> Option<String> {
        self.inner.options().account_id.clone()
    }

    /// `'toml'` or `'jsonc'` (JSON files use the JSONC editor).
    #[napi(getter, ts_return_type = "'toml' | 'jsonc'")]
    pub fn format(&self) -> &'static str {
        match self.inner.format() {
            crate::document::Format::Toml => "toml",
            crate::document::Format::Jsonc => "jsonc",
        }
    }

    /// Writes a dry run has planned so far, in order.
    #[napi(getter)]
    pub fn planned_writes(&self) -> Vec<PlannedWrite> {
        self.inner
            .planned_writes()
            .into_iter()
            .map(|w| PlannedWrite { path: w.path.display().to_string(), content: w.content })
            .collect()
    }

    /// The parsed config; a missing file gives `{ name: 'worker', main: 'src/index.js',
    /// compatibility_date: <today>, env: {} }` (nothing is written). Bad syntax rejects
    /// with `E_CONFIG_PARSE` ("Failed to read wrangler.toml: …") carrying `line` and `column`.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub fn read_config<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        settled(env, self.inner.read_config().map(Json))
    }

    #[napi]
    pub fn exists<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, bool>> {
        settled(env, Ok(self.inner.exists()))
    }

    /// Makes the file equal to `config`; keys and comments that survive keep their bytes.
    #[napi(ts_args_type = "config: Record<string, any>", ts_return_type = "Promise<void>")]
    pub fn write_config<'env>(&self, env: &'env Env, config: Value) -> napi::Result<PromiseRaw<'env, ()>> {
        self.write(env, move |m| m.write_config(&config))
    }

    /// Adds `[env.<environment>]` (named like the top level) unless present or production; true when added.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn ensure_environment<'env>(&self, env: &'env Env, environment: String) -> napi::Result<PromiseRaw<'env, bool>> {
        self.write(env, move |m| m.ensure_environment(&environment))
    }

    /// Adds or updates (matched by binding or database name) a D1 binding. Production means the
    /// top level unless the file has `[env.production]`. Other fields (`migrations_dir`, …) pass through.
    #[napi(ts_args_type = "environment: string | null | undefined, databaseInfo: { binding?: string; database_name?: string; databaseName?: string; database_id?: string; databaseId?: string; migrations_dir?: string; preview_database_id?: string; [field: string]: unknown }", ts_return_type = "Promise<boolean>")]
    pub fn add_database_binding<'env>(&self, env: &'env Env, environment: Option<String>, database_info: Value) -> napi::Result<PromiseRaw<'env, bool>> {
        self.write(env, move |m| m.add_database_binding(environment.as_deref(), &database_info))
    }

    /// Removes the bindings whose binding or database name matches; false (file untouched) when none does.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn remove_database_binding<'env>(&self, env: &'env Env, environment: Option<String>, binding_or_name: String) -> napi::Result<PromiseRaw<'env, bool>> {
        self.write(env, move |m| m.remove_database_binding(environment.as_deref(), &binding_or_name))
    }

    #[napi(ts_return_type = "Promise<Array<{ binding: string; database_name?: string; database_id?: string; migrations_dir?: string; preview_database_id?: string; [field: string]: unknown }>>")]
    pub fn get_database_bindings<'env>(&self, env: &'env Env, environment: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
        settled(env, self.inner.get_database_bindings(environment.as_deref()).map(|b| Json(Value::Array(b))))
    }

    /// Adds a binding of any kind wrangler knows (`d1`, `kv`, `r2`, `durable_object`, `service`, `queue`,
    /// `vectorize`, `hyperdrive`, `ai`, …), or updates the one of the same name, keeping the file's formatting.
    /// `environment`: one environment, null for the top level, `"*"` for the top level and every environment.
    /// Refused (E_INVALID_INPUT, the file untouched) when the kind is unknown, a needed field is missing, or
    /// the result would fail wrangler's checks.
    #[napi(ts_args_type = "environment: string | null | undefined, kind: string, spec: { binding?: string; name?: string; [field: string]: unknown }", ts_return_type = "Promise<boolean>")]
    pub fn add_binding<'env>(&self, env: &'env Env, environment: Option<String>, kind: String, spec: Value) -> napi::Result<PromiseRaw<'env, bool>> {
        self.write(env, move |m| m.add_binding(environment.as_deref(), &kind, &spec))
    }

    /// Removes the binding of `kind` called `name`; false (the file untouched) when there is none.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn remove_binding<'env>(&self, env: &'env Env, environment: Option<String>, kind: String, name: String) -> napi::Result<PromiseRaw<'env, bool>> {
        self.write(env, move |m| m.remove_binding(environment.as_deref(), &kind, &name))
    }

    /// Every binding of the environment (null: the top level), each as `{ kind, binding, ...its fields }`.
    #[napi(ts_return_type = "Promise<Array<{ kind: string; binding: string; [field: string]: unknown }>>")]
    pub fn list_bindings<'env>(&self, env: &'env Env, environment: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
        settled(env, self.inner.list_bindings(environment.as_deref()).map(|b| Json(Value::Array(b))))
    }

    /// Sets the top-level `account_id`; false when empty or unchanged.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn set_account_id<'env>(&self, env: &'env Env, account_id: Option<String>) -> napi::Result<PromiseRaw<'env, bool>> {
        self.write(env, move |m| m.set_account_id(account_id.as_deref().unwrap_or("")))
    }

    /// Creates a minimal config unless the file exists (then returns it unchanged).
    #[napi(
        ts_args_type = "name?: string, environment?: string | null, options?: { main?: string; compatibility_date?: string; compatibilityDate?: string }",
        ts_return_type = "Promise<Record<string, any>>"
    )]
    pub fn create_minimal_config<'env>(&self, env: &'env Env, name: Option<String>, environment: Option<String>, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let options = options.unwrap_or(Value::Null);
        let main = text(&options, &["main"]).map(str::to_string);
        let date = text(&options, &["compatibility_date", "compatibilityDate"]).map(str::to_string);
        self.write(env, move |m| {
            m.create_minimal_config(name.as_deref().unwrap_or("worker"), environment.as_deref(), main.as_deref(), date.as_deref()).map(Json)
        })
    }

    /// Every check wrangler 4 makes of the config, for the top level and each env, at its
    /// severity, plus clodo's own rules (docs/validation.md); each finding with its env, line and column.
    /// `{ remote: true }` makes D1 entries without `database_id` errors.
    #[napi(ts_args_type = "options?: { remote?: boolean }")]
    pub fn validate<'env>(&self, env: &'env Env, options: Option<Value>) -> napi::Result<PromiseRaw<'env, ValidationResult>> {
        let remote = options.as_ref().and_then(|o| flag(o, &["remote"])).unwrap_or(false);
        let large = std::fs::metadata(self.inner.config_path()).is_ok_and(|m| m.len() > crate::wrangler_config::LARGE_CONFIG_BYTES);
        match large {
            // A big file would hold the event loop: validate it on the pool.
            true => {
                let inner = self.inner.clone();
                pool(env, move || Ok(validation_result(inner.validate(&ValidateOptions { remote }))))
            }
            false => settled(env, Ok(validation_result(self.inner.validate(&ValidateOptions { remote })))),
        }
    }

    /// `<projectRoot>/config/customers/<first label of zone>/<config file name>`.
    #[napi]
    pub fn get_customer_config_path(&self, env: Env, zone_name: Option<String>) -> napi::Result<String> {
        self.inner
            .get_customer_config_path(zone_name.as_deref().unwrap_or(""))
            .map(|p| p.display().to_string())
            .map_err(|e| to_js_error(&env, &e))
    }

    /// Creates or updates the customer's config copy; idempotent. Resolves to its path.
    #[napi(ts_args_type = "zoneName: string, params?: { accountId?: string; account_id?: string; environment?: string; workerName?: string; worker_name?: string }", ts_return_type = "Promise<string>")]
    pub fn generate_customer_config<'env>(&self, env: &'env Env, zone_name: Option<String>, params: Option<Value>) -> napi::Result<PromiseRaw<'env, String>> {
        let p = params.unwrap_or(Value::Null);
        let params = CustomerParams {
            account_id: text(&p, &["accountId", "account_id"]).map(str::to_string),
            environment: text(&p, &["environment"]).map(str::to_string),
            worker_name: text(&p, &["workerName", "worker_name"]).map(str::to_string),
        };
        let zone = zone_name.unwrap_or_default();
        self.write(env, move |m| m.generate_customer_config(&zone, &params).map(|p| p.display().to_string()))
    }

    /// Replaces the main config with a byte-identical copy of a customer's config (atomic, locked).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn copy_customer_config<'env>(&self, env: &'env Env, customer_config_path: Option<String>) -> napi::Result<PromiseRaw<'env, ()>> {
        let path = customer_config_path.unwrap_or_default();
        self.write(env, move |m| m.copy_customer_config(&path))
    }

    /// Prints a human summary to stdout and resolves to the same text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn display_summary<'env>(&self, env: &'env Env, environment: Option<String>) -> napi::Result<PromiseRaw<'env, String>> {
        let summary = self.inner.display_summary(environment.as_deref());
        if let Ok(text) = &summary {
            console_log(env, text)?;
        }
        settled(env, summary)
    }

    /// The `--env` value wrangler needs for `environment` (`null`: the top level), by the production rule.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn get_wrangler_environment<'env>(&self, env: &'env Env, environment: Option<String>) -> napi::Result<PromiseRaw<'env, Option<String>>> {
        settled(env, self.inner.wrangler_env(environment.as_deref()))
    }
}

fn validation_result(v: core::Validation) -> ValidationResult {
    ValidationResult {
        valid: v.valid,
        errors: v.errors,
        warnings: v.warnings,
        findings: v
            .findings
            .into_iter()
            .map(|f| ValidationFinding {
                severity: if f.severity == Severity::Error { "error" } else { "warning" }.into(),
                rule: f.rule.into(),
                message: f.message,
                path: f.path,
                env: f.env,
                line: f.line.map(|l| l as u32),
                column: f.column.map(|c| c as u32),
            })
            .collect(),
        config: v.config.map(Json),
    }
}
