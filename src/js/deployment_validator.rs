//! `DeploymentValidator` for JavaScript; the checks are in `crate::deploy_check`.

use std::path::Path;
use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::Value;

use super::convert::{Json, credentials, flag, path_in, root_folder, text};
use super::task::blocking;
use crate::deploy_check::{CheckOptions, Checker, Level, summary};
use crate::paths::{absolute, current_dir};

#[allow(dead_code)]
#[napi(object)]
pub struct DeploymentValidatorOptions {
    /// Default `production`.
    pub environment: Option<String>,
    /// Warnings fail the validation too.
    pub strict_mode: Option<bool>,
    /// The service folder. Default: `process.cwd()`.
    pub service_path: Option<String>,
    pub config_path: Option<String>,
    #[napi(ts_type = "'basic' | 'standard' | 'comprehensive'")]
    pub level: Option<String>,
    /// Default: every environment but `development`.
    pub is_remote: Option<bool>,
    pub wrangler_path: Option<String>,
    pub cloudflare_token: Option<String>,
    pub cloudflare_account_id: Option<String>,
}

/// `{ valid, errors, warnings, checks }`: each check `pass`, `warn`, `fail` or `skip` with its reason.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct DeploymentValidation {
    pub valid: bool,
    pub environment: String,
    pub level: String,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub checks: Vec<ValidationCheck>,
}

#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct ValidationCheck {
    /// `wrangler`, `config`, `main`, `environment`, `env-bindings`, `binding-ids`, `migrations`, `routes`, `credentials`, `whoami`, `network`.
    pub name: String,
    #[napi(ts_type = "'pass' | 'warn' | 'fail' | 'skip'")]
    pub status: String,
    pub message: String,
}

/// Checks a service before it deploys, for one environment: wrangler, the
/// config's rules, the entry point, bindings and their ids, migrations,
/// routes, credentials (`whoami` and the network at `comprehensive`).
#[napi]
pub struct DeploymentValidator {
    options: Arc<(CheckOptions, bool)>,
}

fn check_options(v: &Value) -> napi::Result<(CheckOptions, bool)> {
    let root = root_folder(v, &["servicePath", "service_path", "projectRoot", "project_root"]);
    let level = Level::parse(text(v, &["level", "validationLevel", "validation_level"]).unwrap_or("standard")).map_err(|e| napi::Error::from_reason(e.to_string()))?;
    Ok((
        CheckOptions {
            config_path: path_in(v, &["configPath", "config_path"], &root),
            service_path: root.clone(),
            environment: text(v, &["environment"]).unwrap_or("production").to_owned(),
            level,
            remote: flag(v, &["isRemote", "is_remote"]),
            wrangler_path: path_in(v, &["wranglerPath", "wrangler_path"], &root),
            credentials: credentials(v),
        },
        flag(v, &["strictMode", "strict_mode"]).unwrap_or(false),
    ))
}

impl DeploymentValidator {
    fn run<'env>(&self, env: &'env Env, options: CheckOptions, pick: fn(&Checker) -> Vec<crate::deploy_check::Check>) -> napi::Result<PromiseRaw<'env, Json>> {
        let strict = self.options.1;
        blocking(
            env,
            vec![],
            move |_| {
                let (environment, level) = (options.environment.clone(), options.level);
                Ok(summary(&pick(&Checker::new(options)), &environment, level, strict))
            },
            Json,
        )
    }
}

#[napi]
impl DeploymentValidator {
    #[napi(constructor, ts_args_type = "options?: DeploymentValidatorOptions")]
    pub fn new(options: Option<Value>) -> napi::Result<Self> {
        Ok(DeploymentValidator { options: Arc::new(check_options(&options.unwrap_or(Value::Null))?) })
    }

    /// Every check of the level. The argument (a service path, or
    /// `{ servicePath, environment, level }`) overrides the constructor's.
    #[napi(ts_args_type = "service?: string | { servicePath?: string, environment?: string, level?: 'basic' | 'standard' | 'comprehensive' }, options?: { environment?: string, level?: 'basic' | 'standard' | 'comprehensive' }", ts_return_type = "Promise<DeploymentValidation>")]
    pub fn validate<'env>(&self, env: &'env Env, service: Option<Value>, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let mut o = self.options.0.clone();
        let apply = |o: &mut CheckOptions, v: &Value| -> napi::Result<()> {
            if let Some(path) = text(v, &["servicePath", "service_path"]) {
                o.service_path = absolute(Path::new(path), &current_dir());
            }
            if let Some(e) = text(v, &["environment"]) {
                o.environment = e.to_owned();
            }
            if let Some(level) = text(v, &["level"]) {
                o.level = Level::parse(level).map_err(|e| napi::Error::from_reason(e.to_string()))?;
            }
            Ok(())
        };
        match &service {
            Some(Value::String(path)) => o.service_path = absolute(Path::new(path), &current_dir()),
            Some(v) => apply(&mut o, v)?,
            None => {}
        }
        if let Some(v) = &options {
            apply(&mut o, v)?;
        }
        self.run(env, o, Checker::all)
    }

    /// wrangler found and supported, the config file, the entry point.
    #[napi(ts_return_type = "Promise<DeploymentValidation>")]
    pub fn validate_prerequisites<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        self.run(env, self.options.0.clone(), Checker::prerequisites)
    }

    /// Credentials for remote environments (and `wrangler whoami` at `comprehensive`).
    #[napi(ts_return_type = "Promise<DeploymentValidation>")]
    pub fn validate_authentication<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        self.run(env, self.options.0.clone(), Checker::authentication)
    }

    /// A TCP connection to the Cloudflare API (`CLOUDFLARE_API_BASE_URL` when set).
    #[napi(ts_return_type = "Promise<DeploymentValidation>")]
    pub fn validate_network<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        self.run(env, self.options.0.clone(), |c| vec![c.network()])
    }

    /// The config checks of one environment.
    #[napi(ts_return_type = "Promise<DeploymentValidation>")]
    pub fn validate_environment<'env>(&self, env: &'env Env, environment: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
        let mut o = self.options.0.clone();
        if let Some(e) = environment {
            o.environment = e;
        }
        self.run(env, o, Checker::environment_checks)
    }
}
