//! `UnifiedConfigManager` for JavaScript: the original's names, argument
//! shapes and sync/async split; the work is in `crate::customer_records`.

use std::path::Path;
use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::Value;

use super::convert::{Inspections, Json, Record, console_log, env_vars, flag, text};
use super::errors::to_js_error;
use super::task::{Job, job};
use crate::customer_records::{self as core, CustomerRecords, Inspection, SaveOptions};
use crate::error::Result as CoreResult;

/// Options of `new UnifiedConfigManager(options)`. snake_case spellings are accepted too.
// Describes the accepted shape in index.d.ts; the constructor reads the raw
// object so that both spellings work.
#[allow(dead_code)]
#[napi(object)]
pub struct UnifiedConfigManagerOptions {
    /// Folder of the records. Default `<projectRoot>/config/customers`; relative paths resolve against `projectRoot`.
    pub config_dir: Option<String>,
    /// Default: `process.cwd()`.
    pub project_root: Option<String>,
    /// Log what is done to stderr.
    pub verbose: Option<bool>,
}

/// One record's state: `status` is `ready`, `template`, `missing` or
/// `unreadable`; `missingFields` and `reasons` say why it does not load.
#[napi(object, object_from_js = false)]
pub struct CustomerConfigInspection {
    pub customer: String,
    pub environment: String,
    pub path: String,
    #[napi(ts_type = "'ready' | 'template' | 'missing' | 'unreadable'")]
    pub status: String,
    pub missing_fields: Vec<String>,
    pub reasons: Vec<String>,
    /// The standard object for a ready record, else `null`.
    #[napi(ts_type = "CustomerConfig | null")]
    pub config: Option<Record>,
}

/// Why a set of record variables is a template (`isTemplate` false: it is real data).
#[napi(object, object_from_js = false)]
pub struct TemplateReport {
    pub is_template: bool,
    pub missing_fields: Vec<String>,
    pub reasons: Vec<String>,
}

#[napi(object, object_from_js = false)]
pub struct StaticSiteValidation {
    pub valid: bool,
    pub errors: Vec<String>,
}

/// A loaded record (the shape of the original's `parseToStandardFormat`). Keys
/// the file lacks are `undefined`; every raw key is in `envVars`.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct CustomerConfig {
    pub customer: String,
    pub service_name: String,
    pub service_type: String,
    pub domain_name: Option<String>,
    pub cloudflare_token: Option<String>,
    pub cloudflare_account_id: Option<String>,
    pub cloudflare_zone_id: Option<String>,
    pub environment: String,
    pub display_name: String,
    pub description: Option<String>,
    pub worker_name: Option<String>,
    pub database_name: Option<String>,
    pub deployment_url: Option<String>,
    pub health_check_path: String,
    pub api_base_path: String,
    pub log_level: String,
    pub node_compatibility: String,
    pub env_vars: std::collections::HashMap<String, String>,
}

/// Per-customer deployment records, `<configDir>/<customer>/<environment>.env`.
/// Names are letters, digits, `-`, `_`, `.` (else `E_INVALID_INPUT`); writes
/// are atomic, locked, mode 0600 in a 0700 folder; the API token is written
/// only with `{ includeSecrets: true }`.
#[napi]
pub struct UnifiedConfigManager {
    inner: Arc<CustomerRecords>,
}

fn records_from(value: Option<Value>) -> CustomerRecords {
    let v = value.unwrap_or(Value::Null);
    CustomerRecords::for_project(
        text(&v, &["projectRoot", "project_root"]).map(Path::new),
        text(&v, &["configDir", "config_dir"]).map(Path::new),
        flag(&v, &["verbose"]).unwrap_or(false),
    )
}

fn save_options(options: &Option<Value>) -> SaveOptions {
    let include_secrets = options.as_ref().and_then(|o| flag(o, &["includeSecrets", "include_secrets"])).unwrap_or(false);
    SaveOptions { include_secrets }
}

fn inspection(found: Inspection) -> CustomerConfigInspection {
    CustomerConfigInspection {
        customer: found.customer,
        environment: found.environment,
        path: found.path.display().to_string(),
        status: found.status.as_str().into(),
        missing_fields: found.missing_fields.into_iter().map(str::to_string).collect(),
        reasons: found.reasons,
        config: found.record.map(Record),
    }
}

#[napi]
impl UnifiedConfigManager {
    /// Has no side effects: nothing is created until a record is saved.
    #[napi(constructor, ts_args_type = "options?: UnifiedConfigManagerOptions")]
    pub fn new(options: Option<Value>) -> Self {
        UnifiedConfigManager { inner: Arc::new(records_from(options)) }
    }

    /// Whether each save is noted on stderr.
    #[napi(getter)]
    pub fn verbose(&self) -> bool {
        self.inner.verbose()
    }

    #[napi(getter)]
    pub fn config_dir(&self) -> String {
        self.inner.config_dir().display().to_string()
    }

    /// The standard object, or `null` when the record is missing, a template
    /// or unreadable (`inspectCustomerConfig` says which and why).
    #[napi(ts_return_type = "CustomerConfig | null")]
    pub fn load_customer_config(&self, env: Env, customer: Option<String>, environment: Option<String>) -> napi::Result<Option<Record>> {
        self.call(&env, customer, environment, |m, c, e| Ok(m.load(c, e)?.map(Record)))
    }

    /// Like `loadCustomerConfig`, but minimal defaults instead of `null`.
    #[napi(ts_return_type = "CustomerConfig")]
    pub fn load_customer_config_safe(&self, env: Env, customer: Option<String>, environment: Option<String>) -> napi::Result<Record> {
        self.call(&env, customer, environment, |m, c, e| m.load_safe(c, e).map(Record))
    }

    /// Whether the record exists, is a template (with the missing fields and
    /// the reasons) or loads, with its path.
    #[napi]
    pub fn inspect_customer_config(&self, env: Env, customer: Option<String>, environment: Option<String>) -> napi::Result<CustomerConfigInspection> {
        self.call(&env, customer, environment, |m, c, e| m.inspect(c, e).map(inspection))
    }

    /// Every record of every customer, inspected, sorted by customer then
    /// environment, read on all cores. In these `config` objects the keys a
    /// record lacks are `null` (`loadCustomerConfig` gives `undefined`).
    #[napi(ts_return_type = "CustomerConfigInspection[]")]
    pub fn list_customer_configs(&self, env: Env) -> napi::Result<Inspections> {
        self.inner.list_records().map(Inspections).map_err(|e| to_js_error(&env, &e))
    }

    /// The standard object for raw record variables.
    #[napi(ts_args_type = "envVars: Record<string, string>, customer: string, environment: string", ts_return_type = "CustomerConfig")]
    pub fn parse_to_standard_format(&self, env_vars_: Value, customer: Option<String>, environment: Option<String>) -> Record {
        let vars = env_vars(&env_vars_);
        let token = core::process_token();
        Record(core::standard_format(&vars, customer.as_deref().unwrap_or(""), environment.as_deref().unwrap_or(""), token.as_deref()))
    }

    /// The original's template rule: `{{` in CUSTOMER_NAME, an all-zero or
    /// missing CLOUDFLARE_ACCOUNT_ID, or no DOMAIN.
    #[napi(ts_args_type = "envVars: Record<string, string>")]
    pub fn is_template_config(&self, env_vars_: Value) -> bool {
        self.get_template_reasons(env_vars_).is_template
    }

    /// Why `envVars` is a template: the missing fields and the reasons.
    #[napi(ts_args_type = "envVars: Record<string, string>")]
    pub fn get_template_reasons(&self, env_vars_: Value) -> TemplateReport {
        let vars = env_vars(&env_vars_);
        let check = core::template_check(|k| vars.get(k).map(String::as_str));
        TemplateReport {
            is_template: check.is_template(),
            missing_fields: check.missing_fields.into_iter().map(str::to_string).collect(),
            reasons: check.reasons,
        }
    }

    /// Writes the record (atomically, 0600) and resolves to its path. `data` is
    /// `{ coreInputs, confirmations, result }` as in the original, or a flat
    /// record as `loadCustomerConfig`/`mergeCustomerConfig` return it.
    #[napi(ts_args_type = "customer: string, environment: string, deploymentData: { coreInputs?: Record<string, any>; confirmations?: Record<string, any>; result?: Record<string, any> } | Record<string, any>, options?: { includeSecrets?: boolean; include_secrets?: boolean }", ts_return_type = "Promise<string>")]
    pub fn save_customer_config(&self, customer: Option<String>, environment: Option<String>, deployment_data: Option<Value>, options: Option<Value>) -> AsyncTask<Job<String>> {
        let data = deployment_data.unwrap_or(Value::Null);
        let save = save_options(&options);
        self.run(customer, environment, move |m, c, e| m.save(c, e, &data, save))
    }

    /// Changes only the given fields of a record (`{ domainName, cloudflareAccountId, … }`), read and
    /// written under its lock: its API token and every other field stay, no default is added, and
    /// concurrent updates all land. Creates the record when missing. Resolves to its path.
    #[napi(ts_args_type = "customer: string, environment: string, changes: Record<string, any>", ts_return_type = "Promise<string>")]
    pub fn update_customer_config(&self, customer: Option<String>, environment: Option<String>, changes: Option<Value>) -> AsyncTask<Job<String>> {
        let changes = changes.unwrap_or(Value::Null);
        self.run(customer, environment, move |m, c, e| m.update(c, e, &changes))
    }

    /// Customer folder names, sorted.
    #[napi]
    pub fn list_customers(&self, env: Env) -> napi::Result<Vec<String>> {
        self.inner.list_customers().map_err(|e| to_js_error(&env, &e))
    }

    #[napi]
    pub fn config_exists(&self, env: Env, customer: Option<String>, environment: Option<String>) -> napi::Result<bool> {
        self.call(&env, customer, environment, CustomerRecords::exists)
    }

    /// The names in `requiredFields` whose value in `config` is empty
    /// (a snake_case name also matches its camelCase key).
    #[napi(ts_args_type = "config: Record<string, any>, requiredFields?: string[]")]
    pub fn get_missing_fields(&self, config: Value, required_fields: Option<Vec<String>>) -> Vec<String> {
        core::missing_fields(&config, &required_fields.unwrap_or_default())
    }

    /// Prints the original's review of a record to stdout and returns the same text.
    #[napi]
    pub fn display_customer_config(&self, env: Env, customer: Option<String>, environment: Option<String>) -> napi::Result<String> {
        let text = self.call(&env, customer, environment, CustomerRecords::display_text)?;
        console_log(&env, &text)?;
        Ok(text)
    }

    #[napi(ts_args_type = "config: Record<string, any>")]
    pub fn validate_static_site_config(&self, config: Value) -> StaticSiteValidation {
        let errors: Vec<String> = core::validate_static_site(&config).into_iter().map(str::to_string).collect();
        StaticSiteValidation { valid: errors.is_empty(), errors }
    }

    #[napi(ts_return_type = "{ publicDir: string; indexFile: string; errorFile: string; cacheControl: string; spaFallback: boolean; cleanUrls: boolean; compressText: boolean; corsEnabled: boolean; siteConfig: { bucket: string; include: string[]; exclude: string[] } }")]
    pub fn get_static_site_defaults(&self, _customer: Option<String>, _environment: Option<String>) -> Json {
        Json(core::static_site_defaults())
    }

    /// The record with the static-site settings applied; throws
    /// `E_INVALID_INPUT` when its service type is not `static-site`.
    #[napi(ts_return_type = "CustomerConfig & Record<string, any>")]
    pub fn load_static_site_config(&self, env: Env, customer: Option<String>, environment: Option<String>) -> napi::Result<Record> {
        self.call(&env, customer, environment, |m, c, e| m.load_static_site(c, e).map(Record))
    }

    /// Validates, then writes the record with its static-site section in one
    /// atomic write. Resolves to the path.
    #[napi(ts_args_type = "customer: string, environment: string, staticSiteConfig: Record<string, any>, options?: { includeSecrets?: boolean; include_secrets?: boolean }", ts_return_type = "Promise<string>")]
    pub fn save_static_site_config(&self, customer: Option<String>, environment: Option<String>, static_site_config: Option<Value>, options: Option<Value>) -> AsyncTask<Job<String>> {
        let config = static_site_config.unwrap_or(Value::Null);
        let save = save_options(&options);
        self.run(customer, environment, move |m, c, e| m.save_static_site(c, e, &config, save))
    }

    /// Combines a stored record with freshly collected values: collected
    /// values win; empty ones (`null`, `''`, `[]`, `{}`) never erase stored
    /// ones; keys in camelCase (snake_case accepted); `envVars` merged key by key.
    #[napi(ts_args_type = "stored: Record<string, any> | null, collected: Record<string, any>", ts_return_type = "Record<string, any>")]
    pub fn merge_customer_config(&self, stored: Option<Value>, collected: Option<Value>) -> Json {
        Json(core::merge(&stored.unwrap_or(Value::Null), &collected.unwrap_or(Value::Null)))
    }

    /// A customer's record from `templatePath` (placeholders {{CUSTOMER_NAME}}, {{CUSTOMER_DOMAIN}},
    /// {{ENVIRONMENT}}, {{DOMAIN}} filled in), never over an existing one.
    #[napi(ts_return_type = "{ status: 'created' | 'exists' | 'no-template', path: string }")]
    pub fn create_from_template(&self, env: Env, customer: String, environment: String, template_path: String, customer_domain: String, environment_domain: String) -> napi::Result<Json> {
        let words = core::Placeholders { customer: &customer, customer_domain: &customer_domain, environment: &environment, environment_domain: &environment_domain };
        let outcome = self.inner.create_from_template(Path::new(&template_path), &words).map_err(|e| to_js_error(&env, &e))?;
        let (status, path) = match outcome {
            core::TemplateOutcome::Created(p) => ("created", p),
            core::TemplateOutcome::Exists(p) => ("exists", p),
            core::TemplateOutcome::NoTemplate(p) => ("no-template", p),
        };
        Ok(Json(serde_json::json!({"status": status, "path": path})))
    }

    /// The variables of any `.env` file in the records' dialect; `null` when it does not exist.
    #[napi(ts_return_type = "Record<string, string> | null")]
    pub fn read_env_file(&self, env: Env, path: String) -> napi::Result<Option<Json>> {
        let text = crate::atomic_file::read_text(Path::new(&path)).map_err(|e| to_js_error(&env, &e))?;
        Ok(text.map(|t| Json(serde_json::to_value(core::parse_env(&t)).unwrap_or_default())))
    }

    /// Runs a synchronous core call on one record; errors become coded JS errors.
    fn call<T>(
        &self,
        env: &Env,
        customer: Option<String>,
        environment: Option<String>,
        work: impl FnOnce(&CustomerRecords, &str, &str) -> CoreResult<T>,
    ) -> napi::Result<T> {
        let (c, e) = (customer.unwrap_or_default(), environment.unwrap_or_default());
        work(&self.inner, &c, &e).map_err(|err| to_js_error(env, &err))
    }

    /// The same on libuv's pool, resolving to a path.
    fn run(
        &self,
        customer: Option<String>,
        environment: Option<String>,
        work: impl FnOnce(&CustomerRecords, &str, &str) -> CoreResult<std::path::PathBuf> + Send + 'static,
    ) -> AsyncTask<Job<String>> {
        let inner = self.inner.clone();
        let (c, e) = (customer.unwrap_or_default(), environment.unwrap_or_default());
        job(move || work(&inner, &c, &e).map(|p| p.display().to_string()))
    }
}

/// `new UnifiedConfigManager(options)`, as the original's factory.
#[napi(ts_args_type = "options?: UnifiedConfigManagerOptions")]
pub fn create_unified_config_manager(options: Option<Value>) -> UnifiedConfigManager {
    UnifiedConfigManager::new(options)
}
