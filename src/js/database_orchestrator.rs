//! `DatabaseOrchestrator` for JavaScript: the original's names, argument
//! shapes and Promises; the work is in `crate::d1`, run off the JS thread.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;
use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::{Value, json};

use super::convert::{Json, credentials, flag, number, path_in, plain, retry_policy, root_folder, text};
use super::task::{Answer, blocking};
use crate::d1::{self, Consent, Danger, DomainDatabase, EnvSettings, Orchestrator};
use crate::paths::absolute;
use crate::wrangler::ProcessLimit;

/// Options of `new DatabaseOrchestrator(options)`; snake_case spellings work too.
#[allow(dead_code)]
#[napi(object)]
pub struct DatabaseOrchestratorOptions {
    /// Default: `process.cwd()`. Relative paths below resolve against it.
    pub project_root: Option<String>,
    /// The wrangler config. Default: the first of wrangler.json, wrangler.jsonc, wrangler.toml in `projectRoot`.
    pub config_path: Option<String>,
    /// Plan only: no file is written and no mutating command runs.
    pub dry_run: Option<bool>,
    /// Reaches wrangler only through its environment (`CLOUDFLARE_API_TOKEN`).
    pub cloudflare_token: Option<String>,
    pub cloudflare_account_id: Option<String>,
    /// Default `logs`: the audit log is `<logsDir>/database-audit.log`.
    pub logs_dir: Option<String>,
    /// Default `backups`: backups go to `<backupDir>/database/<env>/…`.
    pub backup_dir: Option<String>,
    /// Runs per command for transient failures (network, rate limits). Default 3.
    pub retry_attempts: Option<u32>,
    /// First backoff in milliseconds, doubled each time, with jitter. Default 1000.
    pub retry_delay: Option<u32>,
    /// Milliseconds before a wrangler process (and its children) is killed. Default 120000.
    pub execution_timeout: Option<u32>,
    /// The wrangler binary. Default: `CLODO_WRANGLER`, `node_modules/.bin/wrangler` upwards, then `PATH`.
    pub wrangler_path: Option<String>,
    /// Per environment: `isRemote` (default: only `development` is local),
    /// `requiresConfirmation`, `requiresBackup` (default: `production`).
    pub environments: Option<std::collections::HashMap<String, EnvironmentSettings>>,
    /// Wrangler processes at once, shared by every orchestrator in this process. Default: the core count.
    pub max_concurrency: Option<u32>,
}

#[allow(dead_code)]
#[napi(object)]
pub struct EnvironmentSettings {
    pub is_remote: Option<bool>,
    pub requires_confirmation: Option<bool>,
    pub requires_backup: Option<bool>,
}

/// What a dangerous operation would do, given to `confirm` callbacks.
#[napi(object)]
pub struct DangerousOperation {
    pub operation: String,
    pub impact: String,
    pub environment: String,
}

/// Runs D1 work through the real wrangler: migrations with exact counts,
/// backups with manifests, verified restores, Time Travel, cleanups that
/// need `force` or a `confirm` callback, and an append-only audit log.
#[napi]
pub struct DatabaseOrchestrator {
    inner: Arc<Orchestrator>,
}

fn orchestrator_options(v: &Value) -> d1::Options {
    let root = root_folder(v, &["projectRoot", "project_root"]);
    let mut o = d1::Options::new(&root);
    o.config_path = path_in(v, &["configPath", "config_path"], &root);
    o.dry_run = flag(v, &["dryRun", "dry_run"]).unwrap_or(false);
    o.credentials = credentials(v);
    o.logs_dir = root.join(text(v, &["logsDir", "logs_dir"]).unwrap_or("logs"));
    o.backup_dir = root.join(text(v, &["backupDir", "backup_dir"]).unwrap_or("backups"));
    o.retry = retry_policy(v, 1000);
    o.execution_timeout = Duration::from_millis(number(v, &["executionTimeout", "execution_timeout"]).unwrap_or(120_000));
    o.wrangler_path = path_in(v, &["wranglerPath", "wrangler_path"], &root);
    o.environments = environments(v.get("environments").unwrap_or(&Value::Null));
    o
}

fn environments(v: &Value) -> IndexMap<String, EnvSettings> {
    let entries = v.as_object().into_iter().flatten();
    entries
        .map(|(name, s)| {
            let mut settings = EnvSettings::default_for(name);
            settings.remote = flag(s, &["isRemote", "is_remote", "remote"]).unwrap_or(settings.remote);
            settings.requires_confirmation = flag(s, &["requiresConfirmation", "requires_confirmation"]).unwrap_or(settings.requires_confirmation);
            settings.requires_backup = flag(s, &["requiresBackup", "requires_backup"]).unwrap_or(settings.requires_backup);
            (name.clone(), settings)
        })
        .collect()
}

/// `force: true` consents; otherwise a `confirm` callback is asked (it may
/// return a boolean or a Promise of one); with neither, consent is missing.
fn ask(options: &Option<Object>, danger: &Danger) -> napi::Result<Option<Answer>> {
    let Some(obj) = options else { return Ok(None) };
    if obj.get::<bool>("force")?.unwrap_or(false) {
        return Ok(Some(Answer::Now(true)));
    }
    let Some(confirm) = obj.get::<Unknown>("confirm")?.filter(|f| f.get_type().ok() == Some(ValueType::Function)) else {
        return Ok(None);
    };
    let confirm: Function<DangerousOperation, Unknown> = unsafe { confirm.cast()? };
    let answer = confirm.call(DangerousOperation {
        operation: danger.operation.clone(),
        impact: danger.impact.clone(),
        environment: danger.environment.clone(),
    })?;
    if answer.is_promise()? {
        let promise: Promise<bool> = unsafe { Promise::from_napi_value(answer.env(), answer.raw())? };
        return Ok(Some(Answer::Later(promise)));
    }
    Ok(Some(Answer::Now(answer.get_type()? == ValueType::Boolean && unsafe { bool::from_napi_value(answer.env(), answer.raw())? })))
}

fn consent_of(answers: &[(String, bool)], key: &str) -> Consent {
    match answers.iter().any(|(k, yes)| k == key && *yes) {
        true => Consent::Given,
        false => Consent::Missing,
    }
}

fn to_core<T>(env: &Env, result: crate::error::Result<T>) -> napi::Result<T> {
    result.map_err(|e| super::errors::to_js_error(env, &e))
}

#[napi]
impl DatabaseOrchestrator {
    /// Has no side effects: no folders, no log lines, no banner; wrangler is found on first use.
    #[napi(constructor, ts_args_type = "options?: DatabaseOrchestratorOptions")]
    pub fn new(options: Option<Value>) -> Self {
        let v = options.unwrap_or(Value::Null);
        if let Some(max) = v.get("maxConcurrency").or_else(|| v.get("max_concurrency")).and_then(Value::as_u64) {
            ProcessLimit::shared().set_max(max as usize);
        }
        DatabaseOrchestrator { inner: Arc::new(Orchestrator::new(orchestrator_options(&v))) }
    }

    #[napi(getter)]
    pub fn project_root(&self) -> String {
        self.inner.options.project_root.display().to_string()
    }

    #[napi(getter)]
    pub fn dry_run(&self) -> bool {
        self.inner.options.dry_run
    }

    /// `<projectRoot>/<logsDir>/database-audit.log`.
    #[napi(getter)]
    pub fn audit_log_path(&self) -> String {
        self.inner.audit_log().path.display().to_string()
    }

    /// Finds wrangler (checking its version) and creates the backup and log folders.
    #[napi(ts_return_type = "Promise<{ projectRoot: string, wrangler: { path: string, version: string }, dryRun: boolean }>")]
    pub fn initialize<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        blocking(env, vec![], move |_| inner.initialize(), Json)
    }

    /// Applies the pending migrations of one database with `d1 migrations
    /// apply`. `migrationsApplied` is the number wrangler applied; a failing
    /// file rejects with `E_MIGRATION_FAILED` naming it (`error.file`), the
    /// files before it stay applied. Remote runs take a Time Travel bookmark first.
    #[napi(ts_return_type = "Promise<MigrationResult>")]
    pub fn apply_database_migrations<'env>(&self, env: &'env Env, database_name: String, binding_name: Option<String>, environment: Option<String>, is_remote: Option<bool>) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        let environment = environment.unwrap_or_else(|| "development".into());
        blocking(env, vec![], move |_| inner.apply_migrations(&database_name, binding_name.as_deref(), &environment, is_remote, None), Json)
    }

    /// Applied (with times, from the migrations table) and pending migration files.
    #[napi(ts_args_type = "databaseName: string, environment?: string, options?: { isRemote?: boolean, configPath?: string }", ts_return_type = "Promise<MigrationStatus>")]
    pub fn get_migration_status<'env>(&self, env: &'env Env, database_name: String, environment: Option<String>, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        let environment = environment.unwrap_or_else(|| "development".into());
        let o = options.unwrap_or(Value::Null);
        let remote = flag(&o, &["isRemote", "is_remote"]);
        let config = text(&o, &["configPath", "config_path"]).map(PathBuf::from);
        blocking(env, vec![], move |_| inner.migration_status(&database_name, &environment, remote, config.as_deref()), Json)
    }

    /// Migrates every database of one environment (each domain's
    /// `databases[environment]`, or every D1 binding of that environment),
    /// several at once up to `maxConcurrency`.
    #[napi(ts_args_type = "environment: string, domainConfigs?: DomainDatabaseConfig[]", ts_return_type = "Promise<EnvironmentMigrationResult>")]
    pub fn apply_environment_migrations<'env>(&self, env: &'env Env, environment: String, domain_configs: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        let domains = DomainDatabase::from_domain_configs(&domain_configs.unwrap_or(Value::Null), &environment);
        blocking(env, vec![], move |_| inner.apply_environment(&environment, &domains), Json)
    }

    /// Environments one after another; those that need confirmation run only
    /// with `force` or a `confirm` callback that says yes, otherwise they are
    /// reported `cancelled` and counted as skipped. Production is backed up first unless `skipBackup`.
    #[napi(ts_args_type = "options?: MigrationAcrossOptions", ts_return_type = "Promise<MigrationOrchestrationResult>")]
    pub fn apply_migrations_across_environments<'env>(&self, env: &'env Env, options: Option<Object>) -> napi::Result<PromiseRaw<'env, Json>> {
        let v = plain(&options)?;
        let environments: Vec<String> = match v.get("environments").and_then(Value::as_array) {
            Some(list) => list.iter().filter_map(|e| e.as_str().map(str::to_owned)).collect(),
            None => vec!["development".into(), "staging".into(), "production".into()],
        };
        let mut answers = vec![];
        for e in &environments {
            if let Some(danger) = self.inner.migration_danger(e)
                && let Some(answer) = ask(&options, &danger)?
            {
                answers.push((e.clone(), answer));
            }
        }
        let domain_configs = v.get("domainConfigs").or_else(|| v.get("domain_configs")).cloned().unwrap_or(Value::Null);
        let skip_backup = flag(&v, &["skipBackup", "skip_backup"]).unwrap_or(false);
        let continue_on_error = flag(&v, &["continueOnError", "continue_on_error"]).unwrap_or(false);
        let inner = self.inner.clone();
        blocking(env, answers, move |answers| inner.apply_across(&environments, &domain_configs, skip_backup, continue_on_error, &|d| consent_of(&answers, &d.environment)), Json)
    }

    /// Exports every database of an environment into
    /// `<backupDir>/database/<env>/backup-<env>-<timestamp>/` with `backup-manifest.json`.
    #[napi(ts_args_type = "environment: string, domainConfigs?: DomainDatabaseConfig[]", ts_return_type = "Promise<EnvironmentBackupResult>")]
    pub fn create_environment_backup<'env>(&self, env: &'env Env, environment: String, domain_configs: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        let domains = DomainDatabase::from_domain_configs(&domain_configs.unwrap_or(Value::Null), &environment);
        blocking(env, vec![], move |_| inner.backup_environment(&environment, &domains), Json)
    }

    /// Exports one database to `<backupDir>/<db>-<env>.sql` and records size,
    /// sha256, rows per table and applied migrations in the folder's manifest.
    #[napi(ts_return_type = "Promise<DatabaseBackupResult>")]
    pub fn create_database_backup<'env>(&self, env: &'env Env, database_name: String, environment: String, backup_dir: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
        let inner = self.inner.clone();
        let dir = match backup_dir {
            Some(d) => absolute(Path::new(&d), &inner.options.project_root),
            None => inner.options.backup_dir.join("database").join(&environment).join(d1::timestamped_id(&format!("backup-{environment}"))),
        };
        blocking(env, vec![], move |_| inner.backup_database(&database_name, &environment, &dir, None), Json)
    }

    /// Replays a backup (its `.sql` file, its folder or its manifest) into a
    /// database and checks every table's row count against the backup
    /// (`E_VERIFY_FAILED` otherwise). Replacing existing tables, or restoring
    /// outside development, needs `force` or `confirm`; without, the result is `cancelled`.
    #[napi(ts_args_type = "backup: string, target: string | RestoreTarget", ts_return_type = "Promise<RestoreResult>")]
    pub fn restore_database_backup<'env>(&self, env: &'env Env, backup: String, target: Either<String, Object>) -> napi::Result<PromiseRaw<'env, Json>> {
        let (options, v) = match target {
            Either::A(name) => (None, json!({"database": name})),
            Either::B(obj) => {
                let options = Some(obj);
                let v = plain(&options)?;
                (options, v)
            }
        };
        let database = text(&v, &["database", "databaseName", "database_name"]).unwrap_or("").to_owned();
        let environment = text(&v, &["environment"]).unwrap_or("development").to_owned();
        let config = text(&v, &["configPath", "config_path"]).map(PathBuf::from);
        let danger = Danger {
            operation: format!("restore {backup} into {database} ({environment})"),
            impact: "Tables the database already has are dropped and replaced by the backup's".into(),
            environment: environment.clone(),
        };
        let answers = ask(&options, &danger)?.map(|a| vec![(environment.clone(), a)]).unwrap_or_default();
        let inner = self.inner.clone();
        let backup = absolute(Path::new(&backup), &inner.options.project_root);
        blocking(env, answers, move |answers| inner.restore_backup(&backup, &database, &environment, config.as_deref(), &|d| consent_of(&answers, &d.environment)), Json)
    }

    /// Runs the cleanup type's statements (`logs-only`, `partial`, `full`) on
    /// the tables that exist. Outside development, and for `full`, it needs
    /// `force` or a `confirm` callback; without, the result is `cancelled`.
    #[napi(ts_args_type = "options?: CleanupOptions", ts_return_type = "Promise<CleanupResult>")]
    pub fn perform_safe_data_cleanup<'env>(&self, env: &'env Env, options: Option<Object>) -> napi::Result<PromiseRaw<'env, Json>> {
        let v = plain(&options)?;
        let environment = text(&v, &["environment"]).unwrap_or("development").to_owned();
        let cleanup_type = text(&v, &["cleanupType", "cleanup_type"]).unwrap_or("partial").to_owned();
        let domain_configs = v.get("domainConfigs").or_else(|| v.get("domain_configs")).cloned().unwrap_or(Value::Null);
        let answers = match self.inner.cleanup_danger(&environment, &cleanup_type) {
            Some(danger) => ask(&options, &danger)?.map(|a| vec![(environment.clone(), a)]).unwrap_or_default(),
            None => vec![],
        };
        let cleanup = d1::CleanupOptions {
            domains: DomainDatabase::from_domain_configs(&domain_configs, &environment),
            environment,
            cleanup_type,
            skip_backup: flag(&v, &["skipBackup", "skip_backup"]).unwrap_or(false),
            force: false,
        };
        let inner = self.inner.clone();
        blocking(env, answers, move |answers| inner.cleanup(&cleanup, &|d| consent_of(&answers, &d.environment)), Json)
    }

    /// Creates a D1 database (or reuses the one with exactly that name),
    /// confirms its id with `d1 list`, and writes the binding into the config.
    #[napi(ts_args_type = "name: string, options?: CreateDatabaseOptions", ts_return_type = "Promise<CreateDatabaseResult>")]
    pub fn create_database<'env>(&self, env: &'env Env, name: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let v = options.unwrap_or(Value::Null);
        let owned = |names: &[&str]| text(&v, names).map(str::to_owned);
        let (location, jurisdiction, environment, binding) =
            (owned(&["location"]), owned(&["jurisdiction"]), owned(&["environment"]), owned(&["binding", "bindingName", "binding_name"]));
        let config = owned(&["configPath", "config_path"]).map(PathBuf::from);
        let inner = self.inner.clone();
        blocking(
            env,
            vec![],
            move |_| {
                let options = d1::CreateOptions {
                    location: location.as_deref(),
                    jurisdiction: jurisdiction.as_deref(),
                    environment: environment.as_deref(),
                    binding: binding.as_deref(),
                    config: config.as_deref(),
                };
                inner.create_database(&name, &options)
            },
            Json,
        )
    }

    /// Undoes changes with D1 Time Travel (remote only): needs `force` or `confirm`.
    #[napi(ts_args_type = "databaseName: string, environment: string, bookmark: string, options?: { force?: boolean, confirm?: (operation: DangerousOperation) => boolean | Promise<boolean> }", ts_return_type = "Promise<BookmarkRestoreResult>")]
    pub fn restore_to_bookmark<'env>(&self, env: &'env Env, database_name: String, environment: String, bookmark: String, options: Option<Object>) -> napi::Result<PromiseRaw<'env, Json>> {
        let danger = self.inner.bookmark_danger(&database_name, &environment, &bookmark);
        let answers = ask(&options, &danger)?.map(|a| vec![(environment.clone(), a)]).unwrap_or_default();
        let inner = self.inner.clone();
        blocking(env, answers, move |answers| inner.restore_bookmark(&database_name, &environment, &bookmark, consent_of(&answers, &environment)), Json)
    }

    /// The statements a cleanup type runs (on the tables that exist).
    #[napi]
    pub fn get_cleanup_commands(&self, env: Env, cleanup_type: String) -> napi::Result<Vec<String>> {
        to_core(&env, d1::cleanup_statements(&cleanup_type).map(|s| s.iter().map(|(_, sql)| sql.to_string()).collect()))
    }

    /// How many migrations a `d1 migrations apply` output reports applied.
    #[napi]
    pub fn parse_migration_output(&self, output: String) -> u32 {
        d1::parse_apply_output(&output).applied.len() as u32
    }

    /// The migration command as one line to read, as the original returned it (clodo runs the
    /// argv of `buildMigrationArgv`, never this text; no token is in either).
    #[napi]
    pub fn build_migration_command(&self, env: Env, database_name: String, environment: Option<String>, is_remote: Option<bool>) -> napi::Result<String> {
        let argv = self.build_migration_argv(env, database_name, environment, is_remote)?;
        Ok(crate::wrangler::display_line(&argv))
    }

    /// The argv of the migration command.
    #[napi]
    pub fn build_migration_argv(&self, env: Env, database_name: String, environment: Option<String>, is_remote: Option<bool>) -> napi::Result<Vec<String>> {
        let environment = environment.unwrap_or_else(|| "development".into());
        let target = to_core(&env, self.inner.target(&database_name, &environment, is_remote, None))?;
        Ok(self.inner.migration_invocation(&target).display_argv())
    }

    #[napi]
    pub fn generate_orchestration_id(&self) -> String {
        d1::timestamped_id("orchestration")
    }

    #[napi]
    pub fn generate_backup_id(&self, environment: String) -> String {
        d1::timestamped_id(&format!("backup-{environment}"))
    }

    #[napi]
    pub fn generate_cleanup_id(&self, environment: String) -> String {
        d1::timestamped_id(&format!("cleanup-{environment}"))
    }
}
