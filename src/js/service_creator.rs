//! `ServiceCreator` and `createService` for JavaScript: the work is in `crate::service::create`.

use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::Value;

use super::convert::{Json, flag, root_folder, text};
use super::task::blocking;
use crate::service::create::{CreateOptions, create};

#[allow(dead_code)]
#[napi(object)]
pub struct ServiceConfig {
    /// The service's (and worker's) name: lowercase letters, digits, dashes.
    pub name: String,
    pub domains: Option<Vec<String>>,
    pub domain: Option<String>,
    /// `toml` (default) or `jsonc`.
    pub format: Option<String>,
    /// The folder the project folder goes in. Default: the creator's `outputDir`, else `process.cwd()`.
    pub output_path: Option<String>,
}

fn options_of(service_type: &str, config: &Value, defaults: &Value) -> CreateOptions {
    let mut domains: Vec<String> = config["domains"].as_array().into_iter().flatten().filter_map(|d| d.as_str().map(str::to_owned)).collect();
    domains.extend(text(config, &["domain", "domainName"]).map(str::to_owned));
    let parent = match text(config, &["outputPath", "output_path", "outputDir"]) {
        Some(_) => root_folder(config, &["outputPath", "output_path", "outputDir"]),
        None => root_folder(defaults, &["outputDir", "output_dir", "outputPath"]),
    };
    CreateOptions {
        name: text(config, &["name", "serviceName"]).unwrap_or_default().to_owned(),
        service_type: service_type.to_owned(),
        format: text(config, &["format"]).unwrap_or("toml").to_owned(),
        domains,
        parent,
        force: flag(config, &["force"]).or(flag(defaults, &["force"])).unwrap_or(false),
    }
}

/// Writes new worker projects that `wrangler dev` serves and `clodo deploy` deploys as they are.
#[napi]
pub struct ServiceCreator {
    options: Value,
}

#[napi]
impl ServiceCreator {
    #[napi(constructor, ts_args_type = "options?: { outputDir?: string, force?: boolean }")]
    pub fn new(options: Option<Value>) -> Self {
        ServiceCreator { options: options.unwrap_or(Value::Null) }
    }

    /// `type`: `generic`, `data-service`, `api-gateway` or `static-site`.
    #[napi(
        ts_args_type = "type: 'generic' | 'data-service' | 'api-gateway' | 'static-site', config: ServiceConfig",
        ts_return_type = "Promise<{ type: string, name: string, path: string, files: string[], domains: string[], created: true }>"
    )]
    pub fn create_service<'env>(&self, env: &'env Env, service_type: String, config: Value) -> napi::Result<PromiseRaw<'env, Json>> {
        let options = options_of(&service_type, &config, &self.options);
        blocking(env, vec![], move |_| create(&options), Json)
    }
}

/// `new ServiceCreator().createService(type, config)` in one call.
#[napi(
    ts_args_type = "type: 'generic' | 'data-service' | 'api-gateway' | 'static-site', config: ServiceConfig",
    ts_return_type = "Promise<{ type: string, name: string, path: string, files: string[], domains: string[], created: true }>"
)]
pub fn create_service<'env>(env: &'env Env, service_type: String, config: Value) -> napi::Result<PromiseRaw<'env, Json>> {
    let options = options_of(&service_type, &config, &Value::Null);
    blocking(env, vec![], move |_| create(&options), Json)
}
