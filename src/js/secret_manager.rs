//! `EnhancedSecretManager` and the secret generator functions for JavaScript;
//! the work is in `crate::secrets`.

use std::sync::Arc;

use indexmap::IndexMap;
use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::Value;

use super::convert::{Json, credentials, flag, path_in, retry_policy, root_folder, text};
use super::errors::to_js_error;
use super::task::blocking;
use crate::secrets::{self, GenerateOptions, STANDARD_SECRETS, SecretManager};

/// Options of `new EnhancedSecretManager(options)`; snake_case spellings work too.
#[allow(dead_code)]
#[napi(object)]
pub struct EnhancedSecretManagerOptions {
    /// Default: `process.cwd()`. The store is `<projectRoot>/.clodo/secrets/`.
    pub project_root: Option<String>,
    /// The wrangler config naming the worker. Default: found in `projectRoot`.
    pub config_path: Option<String>,
    /// Nothing is written or uploaded; results say what would be.
    pub dry_run: Option<bool>,
    pub cloudflare_token: Option<String>,
    pub cloudflare_account_id: Option<String>,
    /// The store key: 32 bytes as hex or base64. Default: `CLODO_SECRET_KEY`.
    pub secret_key: Option<String>,
    pub wrangler_path: Option<String>,
    pub retry_attempts: Option<u32>,
    /// Milliseconds; default 2000.
    pub retry_delay: Option<u32>,
}

/// One of the standard secrets.
#[napi(object, object_from_js = false)]
pub struct SecretConfig {
    pub length: u32,
    pub description: String,
    #[napi(ts_type = "'critical' | 'standard'")]
    pub scope: String,
}

/// Generates, stores (encrypted), rotates and uploads a service's secrets.
#[napi]
pub struct EnhancedSecretManager {
    inner: Arc<SecretManager>,
}

fn manager_options(v: &Value) -> secrets::Options {
    let root = root_folder(v, &["projectRoot", "project_root"]);
    let mut o = secrets::Options::new(&root);
    o.config_path = path_in(v, &["configPath", "config_path"], &root);
    o.dry_run = flag(v, &["dryRun", "dry_run"]).unwrap_or(false);
    o.credentials = credentials(v);
    o.key = text(v, &["secretKey", "secret_key"]).map(str::to_owned);
    o.wrangler_path = path_in(v, &["wranglerPath", "wrangler_path"], &root);
    o.retry = retry_policy(v, 2000);
    o
}

/// `{ NAME: length }` or the original's `{ NAME: { length } }`.
fn custom_lengths(v: Option<&Value>) -> IndexMap<String, usize> {
    let entries = v.and_then(Value::as_object).into_iter().flatten();
    entries
        .filter_map(|(name, spec)| {
            let length = spec.as_u64().or_else(|| spec["length"].as_u64())?;
            Some((name.clone(), length as usize))
        })
        .collect()
}

fn string_map(v: &Value) -> IndexMap<String, String> {
    let entries = v.as_object().into_iter().flatten();
    entries.filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect()
}

#[napi]
impl EnhancedSecretManager {
    /// Has no side effects: no folders, no log lines.
    #[napi(constructor, ts_args_type = "options?: EnhancedSecretManagerOptions")]
    pub fn new(options: Option<Value>) -> Self {
        EnhancedSecretManager { inner: Arc::new(SecretManager::new(manager_options(&options.unwrap_or(Value::Null)))) }
    }

    /// The standard secrets plus `customConfigs`, reusing stored values
    /// (`reuseExisting`, default true) unless `rotateAll`; kept in the
    /// encrypted store, and uploaded with `deploy: true`.
    #[napi(
        ts_args_type = "domain: string, environment?: string, options?: { reuseExisting?: boolean, rotateAll?: boolean, customConfigs?: Record<string, number | { length: number }>, deploy?: boolean }",
        ts_return_type = "Promise<{ domain: string, environment: string, secrets: Record<string, string>, metadata: { domain: string, environment: string, generated: string, generatedBy: string, secretCount: number, newSecrets: number }, savedFile: string, distribution: null, deployment: SecretDeployment | null, summary: { total: number, generated: number, reused: number } }>"
    )]
    pub fn generate_domain_specific_secrets<'env>(&self, env: &'env Env, domain: String, environment: Option<String>, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let o = options.unwrap_or(Value::Null);
        let generate = GenerateOptions {
            reuse_existing: flag(&o, &["reuseExisting", "reuse_existing"]).unwrap_or(true),
            rotate_all: flag(&o, &["rotateAll", "rotate_all"]).unwrap_or(false),
            custom: custom_lengths(o.get("customConfigs").or_else(|| o.get("custom_configs"))),
            deploy: flag(&o, &["deploy"]).unwrap_or(false),
            ..GenerateOptions::default()
        };
        let environment = environment.unwrap_or_else(|| "production".into());
        let inner = self.inner.clone();
        blocking(env, vec![], move |_| inner.generate(&domain, &environment, &generate), Json)
    }

    /// The stored secrets, or `null` when none are stored.
    #[napi(ts_return_type = "Promise<{ secrets: Record<string, string>, metadata: { domain: string, environment: string, generated: string, secretCount: number, historyCount: number }, filename: string } | null>")]
    pub fn load_domain_secrets<'env>(&self, env: &'env Env, domain: String, environment: String) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        blocking(env, vec![], move |_| inner.load(&domain, &environment).map(|v| v.unwrap_or(Value::Null)), Json)
    }

    /// One `wrangler secret bulk` with the values as JSON on stdin, then
    /// `secret list` to check every name arrived (`E_VERIFY_FAILED` if not).
    #[napi(ts_args_type = "domain: string, environment: string, secrets: Record<string, string>", ts_return_type = "Promise<SecretDeployment>")]
    pub fn deploy_secrets_to_cloudflare<'env>(&self, env: &'env Env, domain: String, environment: String, secrets: Value) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        let secrets = string_map(&secrets);
        blocking(env, vec![], move |_| inner.deploy(&domain, &environment, &secrets), Json)
    }

    /// New values for the named secrets (old ones stay in the store's history
    /// until `pruneSecretHistory`), uploaded with `{ deploy: true }`.
    #[napi(ts_args_type = "domain: string, environment: string, names: string[], options?: { deploy?: boolean }", ts_return_type = "Promise<{ domain: string, environment: string, rotated: string[], secrets: Record<string, string>, deployment: SecretDeployment | null }>")]
    pub fn rotate_secrets<'env>(&self, env: &'env Env, domain: String, environment: String, names: Vec<String>, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let deploy = options.as_ref().and_then(|o| flag(o, &["deploy"])).unwrap_or(false);
        let inner = self.inner.clone();
        blocking(env, vec![], move |_| inner.rotate(&domain, &environment, &names, deploy), Json)
    }

    /// Keeps only the newest `keep` (default 0) replaced values of each secret.
    #[napi(ts_return_type = "Promise<{ pruned: number, kept: number }>")]
    pub fn prune_secret_history<'env>(&self, env: &'env Env, domain: String, environment: String, keep: Option<u32>) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        blocking(env, vec![], move |_| inner.prune_history(&domain, &environment, keep.unwrap_or(0) as usize), Json)
    }

    /// A plain-text copy (`env` or `json`, mode 0600) of the stored secrets,
    /// only on this explicit request; the result has a warning.
    #[napi(ts_args_type = "domain: string, environment: string, format?: 'env' | 'json'", ts_return_type = "Promise<{ path: string, format: string, secretCount: number, warning: string }>")]
    pub fn write_distribution_file<'env>(&self, env: &'env Env, domain: String, environment: String, format: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        let format = format.unwrap_or_else(|| "env".into());
        blocking(env, vec![], move |_| inner.write_distribution(&domain, &environment, &format), Json)
    }

    /// Keeps a Cloudflare API token in the encrypted store; resolves to its fingerprint.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn store_cloudflare_token<'env>(&self, env: &'env Env, token: String) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        blocking(env, vec![], move |_| inner.store_api_token(&token).map(serde_json::Value::String), Json)
    }

    /// The token `storeCloudflareToken` kept, or null.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn stored_cloudflare_token<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        blocking(env, vec![], move |_| Ok(serde_json::json!(inner.stored_api_token()?)), Json)
    }

    /// `length` hex characters from the OS random source.
    #[napi]
    pub fn generate_secret_value(&self, env: Env, length: u32) -> napi::Result<String> {
        generate_single_secret(env, Some(length))
    }
}

/// What `deploySecretsToCloudflare` did: names only, never values.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct SecretDeployment {
    #[napi(ts_type = "'dry-run' | undefined")]
    pub status: Option<String>,
    pub domain: String,
    pub environment: String,
    pub deployed: Option<Vec<String>>,
    pub failed: Option<Vec<String>>,
    /// `secret list` shows every name.
    pub verified: Option<bool>,
    /// The argv (no values in it); dry runs give both commands.
    pub command: Option<Vec<String>>,
    pub commands: Option<Vec<Vec<String>>>,
    pub names: Option<Vec<String>>,
    pub secret_count: Option<u32>,
}

/// The standard secrets with their lengths (the original's `SECRET_CONFIGS`).
#[napi]
pub fn secret_configs() -> std::collections::HashMap<String, SecretConfig> {
    STANDARD_SECRETS
        .iter()
        .map(|s| (s.name.to_owned(), SecretConfig { length: s.length as u32, description: s.description.into(), scope: s.scope.into() }))
        .collect()
}

/// A fresh value for every standard secret and every `customConfigs` entry.
#[napi(ts_args_type = "customConfigs?: Record<string, number | { length: number }>")]
pub fn generate_secrets(env: Env, custom_configs: Option<Value>) -> napi::Result<std::collections::HashMap<String, String>> {
    let mut specs: IndexMap<String, usize> = STANDARD_SECRETS.iter().map(|s| (s.name.to_owned(), s.length)).collect();
    specs.extend(custom_lengths(custom_configs.as_ref()));
    specs
        .into_iter()
        .map(|(name, length)| {
            secrets::check_name(&name)?;
            Ok((name, secrets::secret_value(length)?))
        })
        .collect::<crate::error::Result<_>>()
        .map_err(|e| to_js_error(&env, &e))
}

/// `length` (default 32) hex characters from the OS random source.
#[napi]
pub fn generate_single_secret(env: Env, length: Option<u32>) -> napi::Result<String> {
    secrets::secret_value(length.unwrap_or(32) as usize).map_err(|e| to_js_error(&env, &e))
}
