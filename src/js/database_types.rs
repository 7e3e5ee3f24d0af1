//! The shapes `DatabaseOrchestrator` takes and gives, for `index.d.ts`.
//! Values cross as JSON (see `convert::Json`); these structs only describe them.
#![allow(dead_code)]

use std::collections::HashMap;



/// One domain's databases per environment, as the original's `domainConfigs`.
#[napi(object)]
pub struct DomainDatabaseConfig {
    pub name: Option<String>,
    /// `{ [environment]: { name, configPath? } }`.
    #[napi(ts_type = "Record<string, { name: string, configPath?: string }>")]
    pub databases: HashMap<String, serde_json::Value>,
    /// This domain's own wrangler config, when it has one.
    pub config_path: Option<String>,
}

#[napi(object, object_from_js = false)]
pub struct MigrationResult {
    #[napi(ts_type = "'completed' | 'dry-run'")]
    pub status: String,
    pub database_name: String,
    pub binding_name: String,
    pub environment: String,
    pub is_remote: bool,
    /// How many files wrangler applied and recorded in this run.
    pub migrations_applied: u32,
    /// Their names (completed runs).
    pub migrations: Option<Vec<String>>,
    /// Dry runs: the files that would be applied.
    pub pending: Option<Vec<String>>,
    /// Dry runs: the argv of each command that would run.
    pub commands: Option<Vec<Vec<String>>>,
    /// Remote runs: the Time Travel bookmark taken before migrating (see `restoreToBookmark`).
    pub bookmark: Option<String>,
    /// The first 500 characters of wrangler's output.
    pub output: Option<String>,
    pub command: Option<Vec<String>>,
    pub duration_ms: Option<u32>,
    /// Time spent inside wrangler processes.
    pub wrangler_ms: Option<u32>,
}

#[napi(object, object_from_js = false)]
pub struct AppliedMigration {
    pub name: String,
    pub applied_at: String,
}

#[napi(object, object_from_js = false)]
pub struct MigrationStatus {
    pub database_name: String,
    pub binding_name: String,
    pub environment: String,
    pub is_remote: bool,
    pub migrations_dir: String,
    pub applied: Vec<AppliedMigration>,
    pub pending: Vec<String>,
}

/// A database a batch did not complete.
#[napi(object, object_from_js = false)]
pub struct FailedDatabase {
    #[napi(ts_type = "'failed' | 'skipped'")]
    pub status: String,
    pub error: Option<String>,
    pub code: Option<String>,
    pub reason: Option<String>,
}

#[napi(object, object_from_js = false)]
pub struct EnvironmentMigrationResult {
    pub environment: String,
    #[napi(ts_type = "Record<string, MigrationResult>")]
    pub databases: HashMap<String, serde_json::Value>,
    pub migrations_applied: u32,
    pub start_time: String,
    pub end_time: String,
    /// Seconds.
    pub duration: f64,
    pub backup: Option<EnvironmentBackupResult>,
    #[napi(ts_type = "'completed' | 'dry-run'")]
    pub status: Option<String>,
}

#[napi(object)]
pub struct MigrationAcrossOptions {
    /// Default `['development', 'staging', 'production']`.
    pub environments: Option<Vec<String>>,
    pub domain_configs: Option<Vec<DomainDatabaseConfig>>,
    pub skip_backup: Option<bool>,
    pub continue_on_error: Option<bool>,
    /// Consent for every environment that asks for confirmation.
    pub force: Option<bool>,
    /// Asked once per environment that needs confirmation, before anything runs.
    #[napi(ts_type = "(operation: DangerousOperation) => boolean | Promise<boolean>")]
    pub confirm: Option<serde_json::Value>,
}

#[napi(object, object_from_js = false)]
pub struct MigrationSummary {
    pub total: u32,
    pub successful: u32,
    pub failed: u32,
    /// Environments cancelled for want of confirmation.
    pub skipped: u32,
    /// Seconds.
    pub duration: f64,
}

#[napi(object, object_from_js = false)]
pub struct MigrationOrchestrationResult {
    pub orchestration_id: String,
    #[napi(ts_type = "Record<string, EnvironmentMigrationResult | CancelledResult | { status: 'failed', error: string, code: string, timestamp: string }>")]
    pub environments: HashMap<String, serde_json::Value>,
    pub summary: MigrationSummary,
    pub start_time: String,
    pub end_time: String,
}

#[napi(object, object_from_js = false)]
pub struct CancelledResult {
    #[napi(ts_type = "'cancelled'")]
    pub status: String,
    pub reason: String,
}

#[napi(object, object_from_js = false)]
pub struct DatabaseBackupResult {
    #[napi(ts_type = "'completed' | 'dry-run'")]
    pub status: String,
    pub backup_file: String,
    pub database_name: Option<String>,
    pub environment: Option<String>,
    pub is_remote: Option<bool>,
    pub size_bytes: Option<u32>,
    pub size_kb: Option<String>,
    pub sha256: Option<String>,
    /// Rows per table in the dump.
    pub tables: Option<HashMap<String, u32>>,
    /// Migrations recorded in the dump.
    pub migrations: Option<Vec<String>>,
    pub timestamp: Option<String>,
    pub commands: Option<Vec<Vec<String>>>,
}

#[napi(object, object_from_js = false)]
pub struct EnvironmentBackupResult {
    pub backup_id: String,
    pub environment: String,
    pub backup_dir: String,
    #[napi(ts_type = "Record<string, DatabaseBackupResult | FailedDatabase>")]
    pub databases: HashMap<String, serde_json::Value>,
    pub duration: f64,
    #[napi(ts_type = "'completed' | 'dry-run'")]
    pub status: String,
}

#[napi(object)]
pub struct RestoreTarget {
    /// The database (name or binding) to restore into.
    pub database: String,
    /// Default `development`.
    pub environment: Option<String>,
    pub config_path: Option<String>,
    pub force: Option<bool>,
    #[napi(ts_type = "(operation: DangerousOperation) => boolean | Promise<boolean>")]
    pub confirm: Option<serde_json::Value>,
}

#[napi(object, object_from_js = false)]
pub struct RestoreResult {
    #[napi(ts_type = "'completed' | 'cancelled' | 'dry-run'")]
    pub status: String,
    pub database_name: Option<String>,
    pub environment: Option<String>,
    pub backup_file: Option<String>,
    /// Rows per table after the restore, equal to the backup's.
    pub tables: Option<HashMap<String, u32>>,
    pub migrations: Option<Vec<String>>,
    /// Tables the database had, dropped before the replay.
    pub dropped_tables: Option<Vec<String>>,
    pub verified: Option<bool>,
    pub reason: Option<String>,
    pub commands: Option<Vec<Vec<String>>>,
}

#[napi(object)]
pub struct CleanupOptions {
    /// Default `development`.
    pub environment: Option<String>,
    pub domain_configs: Option<Vec<DomainDatabaseConfig>>,
    #[napi(ts_type = "'logs-only' | 'partial' | 'full'")]
    pub cleanup_type: Option<String>,
    pub skip_backup: Option<bool>,
    pub force: Option<bool>,
    #[napi(ts_type = "(operation: DangerousOperation) => boolean | Promise<boolean>")]
    pub confirm: Option<serde_json::Value>,
}

#[napi(object, object_from_js = false)]
pub struct CleanupResult {
    #[napi(ts_type = "'cancelled' | undefined")]
    pub status: Option<String>,
    pub reason: Option<String>,
    pub cleanup_id: Option<String>,
    pub environment: Option<String>,
    pub cleanup_type: Option<String>,
    /// Per database: `{ status, operationsExecuted, skippedTables }` or a failure.
    #[napi(ts_type = "Record<string, { status: 'completed' | 'dry-run' | 'failed', operationsExecuted?: number, skippedTables?: string[], statements?: string[], commands?: string[][], error?: string, code?: string }>")]
    pub operations: Option<HashMap<String, serde_json::Value>>,
    pub backup: Option<EnvironmentBackupResult>,
    pub duration: Option<f64>,
}

#[napi(object)]
pub struct CreateDatabaseOptions {
    #[napi(ts_type = "'weur' | 'eeur' | 'apac' | 'oc' | 'wnam' | 'enam'")]
    pub location: Option<String>,
    #[napi(ts_type = "'eu' | 'fedramp'")]
    pub jurisdiction: Option<String>,
    /// The config section the binding goes in (default: the top level).
    pub environment: Option<String>,
    /// Default `DB`.
    pub binding: Option<String>,
    pub config_path: Option<String>,
}

#[napi(object, object_from_js = false)]
pub struct CreateDatabaseResult {
    #[napi(ts_type = "'created' | 'exists' | 'dry-run'")]
    pub status: String,
    pub created: Option<bool>,
    pub database_name: String,
    /// The id wrangler reported, confirmed by `d1 list`.
    pub database_id: Option<String>,
    pub binding: String,
    pub environment: Option<String>,
    pub config_path: Option<String>,
    pub commands: Option<Vec<Vec<String>>>,
}

#[napi(object, object_from_js = false)]
pub struct BookmarkRestoreResult {
    #[napi(ts_type = "'completed' | 'cancelled' | 'dry-run'")]
    pub status: String,
    pub database_name: Option<String>,
    pub environment: Option<String>,
    pub bookmark: Option<String>,
    pub previous_bookmark: Option<String>,
    pub message: Option<String>,
    pub reason: Option<String>,
}

