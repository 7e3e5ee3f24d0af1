//! What the phases that hold proof leave in the run's state, as types: the
//! rendered config and databases with the rollback point (initialization),
//! each database's migrations and the bookmark from before them (database),
//! and the bookmarks saved before the first migration (a started database
//! phase). They become JSON only in the state file and the results.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain_config::resources::DomainResource;
use crate::domain_config::tenancy::DomainDatabase;
use crate::rollback::{DatabaseBookmark, RollbackPoint};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Initialization {
    pub config_path: PathBuf,
    pub worker_name: String,
    #[serde(default)]
    pub databases: Vec<DomainDatabase>,
    /// The primary database (`DB`'s, else the first the domain owns).
    pub database_name: Option<String>,
    pub database_id: Option<String>,
    #[serde(default)]
    pub databases_created: Vec<String>,
    /// KV namespaces, R2 buckets and queues, and what the domain uses for each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<DomainResource>,
    /// Remote: those this run created (kind and name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources_created: Vec<String>,
    /// Remote: what the worker served before this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_point: Option<RollbackPoint>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Migrated {
    pub binding: String,
    pub database_name: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    #[serde(default)]
    pub applied: Vec<String>,
    /// Remote: the bookmark from before any migration of this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bookmark: Option<String>,
    /// An earlier, interrupted run may have applied some already.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted_before: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Database {
    pub migrations_applied: usize,
    pub databases: Vec<Migrated>,
}

impl Database {
    /// The databases a rollback may restore: migrated now, or perhaps by an interrupted run, with a bookmark.
    pub fn bookmarks(&self) -> Vec<DatabaseBookmark> {
        self.databases
            .iter()
            .filter(|d| !d.applied.is_empty() || d.interrupted_before)
            .filter_map(|d| Some(DatabaseBookmark { database: d.database_name.clone(), bookmark: d.bookmark.clone()? }))
            .collect()
    }
}

/// What a database phase saves before its first migration runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Started {
    pub bookmarks: IndexMap<String, String>,
}

/// Details as the state file keeps them.
pub fn to_json<T: Serialize>(details: &T) -> Value {
    serde_json::to_value(details).unwrap_or_default()
}

/// Details read back from the state file; what does not parse counts as absent.
pub fn from_json<T: for<'de> Deserialize<'de> + Default>(value: &Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_default()
}
