//! The state of a portfolio run, saved after every phase under
//! `<service>/.clodo/deployments/<id>.json`, so a killed run can resume.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::atomic_file::{WriteOptions, write_atomic};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunState {
    pub deployment_id: String,
    pub environment: String,
    pub service_path: PathBuf,
    pub started_at: String,
    /// Local (`wrangler dev`) or remote; `None` in states saved before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<bool>,
    /// The gradual rollout when the run is a canary: a resumed run keeps it and its gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<super::canary::Canary>,
    pub domains: IndexMap<String, DomainRun>,
}

/// Where a domain of a run stands, set from what its phases returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DomainStatus {
    #[default]
    Pending,
    Running,
    Completed,
    CompletedWithWarnings,
    /// A dry run: every phase planned, nothing done.
    Planned,
    Failed,
    /// Deployed, then put back by a completed rollback.
    RolledBack,
    /// Was running when its run stopped (killed, interrupted): `--resume` continues it.
    Interrupted,
}

impl DomainStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DomainStatus::Pending => "pending",
            DomainStatus::Running => "running",
            DomainStatus::Completed => "completed",
            DomainStatus::CompletedWithWarnings => "completed-with-warnings",
            DomainStatus::Planned => "planned",
            DomainStatus::Failed => "failed",
            DomainStatus::RolledBack => "rolled-back",
            DomainStatus::Interrupted => "interrupted",
        }
    }
}

/// What one phase of a domain returned; `Running` while an interrupted run left it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseStatus {
    Completed,
    Skipped,
    Failed,
    #[default]
    Running,
}

impl PhaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseStatus::Completed => "completed",
            PhaseStatus::Skipped => "skipped",
            PhaseStatus::Failed => "failed",
            PhaseStatus::Running => "running",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainRun {
    pub status: DomainStatus,
    pub phases: IndexMap<String, PhaseRun>,
    pub url: Option<String>,
    pub worker_name: Option<String>,
    pub duration_ms: u64,
    /// What a rollback of this domain did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Value>,
    /// Remote: the API requests this domain made in the run, those set aside for its wrangler processes,
    /// and the time it waited for the token's budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<crate::cloudflare::pacer::Usage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseRun {
    pub status: PhaseStatus,
    pub message: String,
    pub details: Value,
    pub finished_at: String,
    pub duration_ms: u64,
}

impl PhaseRun {
    /// Done phases are not run again on resume.
    pub fn is_done(&self) -> bool {
        matches!(self.status, PhaseStatus::Completed | PhaseStatus::Skipped)
    }
}

pub fn state_path(service_path: &Path, deployment_id: &str) -> PathBuf {
    service_path.join(".clodo").join("deployments").join(format!("{deployment_id}.json"))
}

impl RunState {
    /// As it stands when no process is running it: domains it left pending
    /// or running were interrupted.
    pub fn as_left(mut self, running_now: bool) -> RunState {
        if !running_now {
            for run in self.domains.values_mut().filter(|d| matches!(d.status, DomainStatus::Running | DomainStatus::Pending)) {
                run.status = DomainStatus::Interrupted;
            }
        }
        self
    }

    /// The id of the run saved last under `service_path`, if any.
    pub fn latest(service_path: &Path) -> Option<String> {
        let dir = service_path.join(".clodo").join("deployments");
        let entries = std::fs::read_dir(dir).ok()?;
        let runs = entries.filter_map(|e| e.ok()).filter_map(|e| {
            let name = e.file_name().to_string_lossy().strip_suffix(".json")?.to_owned();
            Some((e.metadata().and_then(|m| m.modified()).ok()?, name))
        });
        runs.max().map(|(_, id)| id)
    }

    pub fn save(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        write_atomic(&state_path(&self.service_path, &self.deployment_id), text.as_bytes(), WriteOptions { fsync: true, ..WriteOptions::default() })
    }

    pub fn load(service_path: &Path, deployment_id: &str) -> Result<RunState> {
        crate::d1::names::environment(deployment_id).map_err(|_| Error::invalid(format!("Invalid deployment id {deployment_id:?}")))?;
        let path = state_path(service_path, deployment_id);
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::ConfigNotFound { path: path.clone(), message: format!("No deployment {deployment_id} to resume") },
            _ => Error::io("Failed to read", &path, e),
        })?;
        serde_json::from_str(&text).map_err(|e| Error::invalid(format!("{} is not a deployment state: {e}", path.display())))
    }
}
