//! DeploymentAuditor's core: deployments, their phases and outcomes as JSON
//! lines in `<service>/logs/deployment-audit.log` (appended whole under a
//! lock, so concurrent writers lose nothing), and reports read back from it.
//! Anything that looks like a credential is replaced before it is written.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::audit_log::{AuditLog, now_iso, timestamped_id};
use crate::error::{Error, Result};

pub struct DeploymentAuditor {
    log: AuditLog,
    pub environment: String,
    pub enabled: bool,
    started: Mutex<HashMap<String, (String, Instant)>>,
}

/// Report filters; all optional.
#[derive(Default)]
pub struct ReportFilter {
    /// ISO 8601 time; entries before it are left out.
    pub since: Option<String>,
    pub domain: Option<String>,
    pub deployment_id: Option<String>,
    pub environment: Option<String>,
}

impl DeploymentAuditor {
    pub fn new(service_path: &Path, environment: &str, enabled: bool) -> DeploymentAuditor {
        DeploymentAuditor {
            log: AuditLog { path: service_path.join("logs").join("deployment-audit.log") },
            environment: environment.to_owned(),
            enabled,
            started: Mutex::new(HashMap::new()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.log.path
    }

    /// Appends one event; `fields` are scrubbed of credentials first.
    pub fn log_event(&self, event: &str, fields: Value) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let mut fields = scrub(fields);
        if let Some(map) = fields.as_object_mut() {
            map.entry("environment").or_insert_with(|| json!(self.environment));
        }
        self.log.append_fields(event, fields)
    }

    /// One finished deployment in one line: `{deploymentId, domain,
    /// environment, status, durationMs, versionId, url, …}` as given.
    pub fn record_deployment(&self, record: Value) -> Result<Value> {
        let mut record = match record {
            Value::Object(map) => map,
            _ => return Err(Error::invalid("recordDeployment needs an object like { deploymentId, domain, environment, status }")),
        };
        let id = record
            .get("deploymentId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| timestamped_id("deploy"));
        record.insert("deploymentId".into(), json!(id));
        let timestamp = now_iso();
        self.log_event("DEPLOYMENT_RECORDED", Value::Object(record))?;
        Ok(json!({"auditId": id, "timestamp": timestamp, "status": if self.enabled { "recorded" } else { "disabled" }}))
    }

    pub fn start(&self, deployment_id: &str, domain: &str, config: Value) -> Result<Value> {
        self.started.lock().unwrap_or_else(|p| p.into_inner()).insert(deployment_id.to_owned(), (domain.to_owned(), Instant::now()));
        let environment = config["environment"].as_str().unwrap_or(&self.environment).to_owned();
        self.log_event("DEPLOYMENT_START", json!({"deploymentId": deployment_id, "domain": domain, "environment": environment, "config": config}))?;
        Ok(json!({"deploymentId": deployment_id, "domain": domain, "environment": environment, "startTime": now_iso(), "status": "in-progress"}))
    }

    pub fn end(&self, deployment_id: &str, status: &str, summary: Value) -> Result<Value> {
        let started = self.started.lock().unwrap_or_else(|p| p.into_inner()).remove(deployment_id);
        let (domain, duration_ms) = match &started {
            Some((domain, at)) => (json!(domain), json!(at.elapsed().as_millis() as u64)),
            None => (Value::Null, Value::Null),
        };
        self.log_event("DEPLOYMENT_END", json!({"deploymentId": deployment_id, "domain": domain, "status": status, "durationMs": duration_ms, "summary": summary}))?;
        Ok(json!({"deploymentId": deployment_id, "status": status, "durationMs": duration_ms}))
    }

    /// One event of a deployment (`{phase, outcome, durationMs, …}`).
    pub fn log_deployment(&self, deployment_id: &str, event: Value) -> Result<()> {
        let domain = self.domain_of(deployment_id);
        let mut fields = json!({"deploymentId": deployment_id, "domain": domain});
        if let (Some(f), Value::Object(extra)) = (fields.as_object_mut(), event) {
            f.extend(extra);
        }
        self.log_event("DEPLOYMENT_EVENT", fields)
    }

    pub fn phase(&self, deployment_id: &str, phase: &str, action: &str, details: Value) -> Result<()> {
        let domain = self.domain_of(deployment_id);
        let event = format!("PHASE_{}", action.to_ascii_uppercase());
        self.log_event(&event, json!({"deploymentId": deployment_id, "domain": domain, "phase": phase, "details": details}))
    }

    pub fn error(&self, deployment_id: &str, message: &str, context: Value) -> Result<()> {
        let domain = self.domain_of(deployment_id);
        self.log_event("DEPLOYMENT_ERROR", json!({"deploymentId": deployment_id, "domain": domain, "error": message, "context": context}))
    }

    fn domain_of(&self, deployment_id: &str) -> Value {
        let started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        started.get(deployment_id).map(|(d, _)| json!(d)).unwrap_or(Value::Null)
    }

    /// The log read back: matching entries and one summary per deployment.
    pub fn report(&self, filter: &ReportFilter) -> Result<Value> {
        let text = match std::fs::read_to_string(&self.log.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io("Failed to read", &self.log.path, e)),
        };
        let mut unreadable = 0;
        let mut entries = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(entry) = serde_json::from_str::<Value>(line) else {
                unreadable += 1;
                continue;
            };
            if matches(&entry, filter) {
                entries.push(entry);
            }
        }
        let deployments = summarize(&entries);
        let status_count = |s: &str| deployments.iter().filter(|d| d["status"] == s).count();
        Ok(json!({
            "logFile": self.log.path,
            "entries": entries,
            "deployments": deployments,
            "summary": {
                "entries": entries.len(),
                "deployments": deployments.len(),
                "succeeded": status_count("success") + status_count("completed"),
                "failed": status_count("failed"),
                "unreadableLines": unreadable,
            },
        }))
    }
}

fn matches(entry: &Value, filter: &ReportFilter) -> bool {
    let field = |k: &str| entry[k].as_str();
    filter.since.as_deref().is_none_or(|since| field("timestamp").is_some_and(|t| t >= since))
        && filter.domain.as_deref().is_none_or(|d| field("domain") == Some(d))
        && filter.deployment_id.as_deref().is_none_or(|d| field("deploymentId") == Some(d))
        && filter.environment.as_deref().is_none_or(|e| field("environment") == Some(e))
}

/// One line per deployment id: its domain, environment, last status, phases, errors.
fn summarize(entries: &[Value]) -> Vec<Value> {
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, Map<String, Value>> = HashMap::new();
    for entry in entries {
        let Some(id) = entry["deploymentId"].as_str() else { continue };
        let summary = by_id.entry(id.to_owned()).or_insert_with(|| {
            order.push(id.to_owned());
            let mut m = Map::new();
            m.insert("deploymentId".into(), json!(id));
            m.insert("phases".into(), json!([]));
            m.insert("errors".into(), json!([]));
            m.insert("firstSeen".into(), entry["timestamp"].clone());
            m
        });
        for key in ["domain", "environment", "versionId", "url", "workerName"] {
            if !entry[key].is_null() {
                summary.insert(key.into(), entry[key].clone());
            }
        }
        summary.insert("lastSeen".into(), entry["timestamp"].clone());
        match entry["event"].as_str().unwrap_or("") {
            "PHASE_START" | "PHASE_END" => push(summary, "phases", json!({"phase": entry["phase"], "event": entry["event"], "at": entry["timestamp"]})),
            "DEPLOYMENT_ERROR" => push(summary, "errors", entry["error"].clone()),
            "DEPLOYMENT_START" => {
                summary.insert("status".into(), json!("in-progress"));
            }
            "DEPLOYMENT_END" | "DEPLOYMENT_RECORDED" => {
                for key in ["status", "durationMs"] {
                    if !entry[key].is_null() {
                        summary.insert(key.into(), entry[key].clone());
                    }
                }
            }
            _ => {}
        }
    }
    order.into_iter().filter_map(|id| by_id.remove(&id)).map(Value::Object).collect()
}

fn push(summary: &mut Map<String, Value>, key: &str, value: Value) {
    if let Some(list) = summary.get_mut(key).and_then(Value::as_array_mut) {
        list.push(value);
    }
}

/// Replaces the values of keys that name credentials, at any depth.
pub fn scrub(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| match looks_secret(&k) {
                    true => (k, json!("[redacted]")),
                    false => (k, scrub(v)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub).collect()),
        other => other,
    }
}

fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace(['_', '-'], "");
    ["token", "secret", "password", "passwd", "apikey", "authorization", "credential", "privatekey", "cookie"]
        .iter()
        .any(|w| k.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let auditor = DeploymentAuditor::new(dir.path(), "production", true);
        auditor
            .record_deployment(json!({"domain": "shop.example.com", "cloudflareToken": "tok-123456", "config": {"api_key": "k-987654", "secrets": {"A": "v-555555"}}}))
            .unwrap();
        let text = std::fs::read_to_string(auditor.path()).unwrap();
        for leaked in ["tok-123456", "k-987654", "v-555555"] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        assert!(text.contains("shop.example.com"));
    }

    #[test]
    fn a_report_follows_each_deployment_through_its_phases() {
        let dir = tempfile::tempdir().unwrap();
        let auditor = DeploymentAuditor::new(dir.path(), "staging", true);
        auditor.start("d1", "a.example.com", json!({"environment": "staging"})).unwrap();
        auditor.phase("d1", "database", "start", json!({})).unwrap();
        auditor.error("d1", "migration failed", json!({})).unwrap();
        auditor.end("d1", "failed", json!({})).unwrap();
        auditor.record_deployment(json!({"deploymentId": "d2", "domain": "b.example.com", "status": "success", "versionId": "v-1"})).unwrap();
        let all = auditor.report(&ReportFilter::default()).unwrap();
        assert_eq!(all["summary"]["deployments"], 2);
        assert_eq!(all["summary"]["failed"], 1);
        assert_eq!(all["deployments"][0]["errors"][0], "migration failed");
        let only_b = auditor.report(&ReportFilter { domain: Some("b.example.com".into()), ..Default::default() }).unwrap();
        assert_eq!(only_b["deployments"][0]["versionId"], "v-1");
        assert_eq!(only_b["summary"]["entries"], 1);
        let future = auditor.report(&ReportFilter { since: Some("2999-01-01T00:00:00Z".into()), ..Default::default() }).unwrap();
        assert_eq!(future["summary"]["entries"], 0);
    }
}
