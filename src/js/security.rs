//! `ConfigurationValidator` and `SecretGenerator` (static, as the original's)
//! and the rule tables; the checks are in `crate::security`.

use std::path::Path;

use napi::Env;
use serde_json::{Value, json};

use super::convert::{Json, console_log, env_vars, text};
use super::errors::to_js_error;
use crate::customer_records::CustomerRecords;
use crate::security::{self, rules_table};

fn to_json<T: serde::Serialize>(value: &T) -> Json {
    Json(serde_json::to_value(value).unwrap_or_default())
}

/// Security checks of configuration values; every method is static.
#[napi]
pub struct ConfigurationValidator {}

#[napi]
impl ConfigurationValidator {
    /// The issues of a flat set of variables: `[{ key, field, issue, value (masked unless a URL), severity, message, remediation }]`.
    #[napi(ts_args_type = "config: Record<string, unknown>, environment?: string", ts_return_type = "SecurityFinding[]")]
    pub fn validate(config: Value, environment: Option<String>) -> Json {
        to_json(&security::check_values(&env_vars(&config), environment.as_deref().unwrap_or("production")))
    }

    /// A customer's record (`<configDir>/<customer>/<environment>.env`, default `<cwd>/config/customers`) checked for the
    /// environment: `{ valid, errors, warnings, securityIssues }`, also printed unless `quiet`. A missing record is invalid.
    #[napi(ts_args_type = "customer: string, environment: string, options?: { configDir?: string, projectRoot?: string, quiet?: boolean }", ts_return_type = "SecurityReport")]
    pub fn validate_configuration(env: Env, customer: String, environment: String, options: Option<Value>) -> napi::Result<Json> {
        let options = options.unwrap_or(Value::Null);
        let records = CustomerRecords::for_project(text(&options, &["projectRoot"]).map(Path::new), text(&options, &["configDir"]).map(Path::new), false);
        let report = security::check_stored_record(&records, &customer, &environment).unwrap_or_else(|e| security::Report::unreadable(format!("Failed to validate configuration: {e}")));
        if options["quiet"] != true {
            console_log(&env, &security::describe(&customer, &environment, &report))?;
        }
        Ok(to_json(&report))
    }
}

/// Strong keys from the operating system's random source; every method is static.
#[napi]
pub struct SecretGenerator {}

#[napi]
impl SecretGenerator {
    /// `length` random bytes (default 32) as hex, after `<prefix>_` when given.
    #[napi]
    pub fn generate_secure_api_key(env: Env, length: Option<u32>, prefix: Option<String>) -> napi::Result<String> {
        security::api_key(length.unwrap_or(32) as usize, prefix.as_deref().unwrap_or("")).map_err(|e| to_js_error(&env, &e))
    }

    /// `length` random bytes (default 64) as hex.
    #[napi]
    pub fn generate_secure_jwt_secret(env: Env, length: Option<u32>) -> napi::Result<String> {
        security::jwt_secret(length.unwrap_or(64) as usize).map_err(|e| to_js_error(&env, &e))
    }

    /// An API key prefixed `<serviceName>_<environment>` (default `prod`).
    #[napi]
    pub fn generate_service_key(env: Env, service_name: String, environment: Option<String>, length: Option<u32>) -> napi::Result<String> {
        let prefix = format!("{service_name}_{}", environment.as_deref().unwrap_or("prod"));
        security::api_key(length.unwrap_or(32) as usize, &prefix).map_err(|e| to_js_error(&env, &e))
    }

    /// `{ [name]: key }` for `[{ name, type: 'api' | 'jwt', length, prefix }]`.
    #[napi(ts_args_type = "keySpecs: Array<{ name: string, type?: 'api' | 'jwt', length?: number, prefix?: string }>", ts_return_type = "Record<string, string>")]
    pub fn generate_multiple_keys(env: Env, key_specs: Value) -> napi::Result<Json> {
        let mut keys = serde_json::Map::new();
        for spec in key_specs.as_array().into_iter().flatten() {
            let name = text(spec, &["name"]).ok_or_else(|| napi::Error::from_reason("Each key spec needs a name"))?;
            let jwt = spec["type"] == "jwt";
            let length = spec["length"].as_u64().unwrap_or(if jwt { 64 } else { 32 }) as usize;
            let key = if jwt { security::jwt_secret(length) } else { security::api_key(length, text(spec, &["prefix"]).unwrap_or("")) };
            keys.insert(name.to_owned(), Value::String(key.map_err(|e| to_js_error(&env, &e))?));
        }
        Ok(Json(Value::Object(keys)))
    }

    /// `{ valid, issues }` against `{ minLength = 32, requireHex = true, minEntropy = 3 }`.
    #[napi(ts_args_type = "key: string, requirements?: { minLength?: number, requireHex?: boolean, minEntropy?: number }", ts_return_type = "{ valid: boolean, issues: string[] }")]
    pub fn validate_key_strength(key: String, requirements: Option<Value>) -> Json {
        let r = requirements.unwrap_or(Value::Null);
        let min_length = r["minLength"].as_u64().unwrap_or(32) as usize;
        to_json(&security::key_strength(&key, min_length, r["requireHex"].as_bool().unwrap_or(true), r["minEntropy"].as_f64().unwrap_or(3.0)))
    }

    /// Shannon entropy in bits per character.
    #[napi]
    pub fn calculate_entropy(text: String) -> f64 {
        security::entropy(&text)
    }

    /// `{ key, generatedAt, length, entropy, algorithm }`.
    #[napi(ts_return_type = "{ key: string, generatedAt: string, length: number, entropy: number, algorithm: string }")]
    pub fn generate_key_with_metadata(env: Env, prefix: Option<String>, length: Option<u32>) -> napi::Result<Json> {
        let length = length.unwrap_or(32);
        let key = security::api_key(length as usize, prefix.as_deref().unwrap_or("")).map_err(|e| to_js_error(&env, &e))?;
        let entropy = security::entropy(&key);
        Ok(Json(json!({"key": key, "generatedAt": crate::audit_log::now_iso(), "length": length, "entropy": entropy, "algorithm": "os-random (getrandom)"})))
    }
}

/// The environments' requirements and the unsafe-value lists, for the JS constants.
#[napi(ts_return_type = "{ requirements: Record<string, EnvironmentRequirements>, patterns: { DUMMY_API_KEYS: string[], WEAK_SECRETS: string[], DEV_URLS: string[], WEAK_JWT_PATTERNS: Array<{ source: string, flags: string }>, COMMON_PASSWORDS: string[] } }")]
pub fn security_rules() -> Json {
    Json(rules_table())
}

/// One problem of one variable; `key` and `field` both name it, `value` is masked unless a URL.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct SecurityFinding {
    pub key: String,
    pub field: String,
    pub issue: String,
    pub value: String,
    #[napi(ts_type = "'critical' | 'high' | 'warning'")]
    pub severity: String,
    pub message: String,
    pub remediation: String,
}

/// A record's review: `errors` block a deployment, `warnings` should be read.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct SecurityReport {
    pub valid: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub security_issues: Vec<SecurityFinding>,
}

#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct EnvironmentRequirements {
    pub min_secret_length: u32,
    pub require_https: bool,
    pub allow_dummy_keys: bool,
    #[napi(js_name = "requireStrongJWT")]
    pub require_strong_jwt: bool,
    pub allow_localhost_urls: bool,
    pub min_key_entropy: f64,
    pub require_complex_passwords: bool,
    pub max_dummy_key_tolerance: u32,
}
