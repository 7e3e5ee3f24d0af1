//! Audit logs: one JSON object per line, appended whole even when several
//! processes write at once (O_APPEND, one write, an exclusive flock).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::error::{Error, Result};

pub struct AuditLog {
    pub path: PathBuf,
}

impl AuditLog {
    /// `{timestamp, event, environment, details, user}`, the database log's line.
    pub fn append(&self, event: &str, environment: &str, details: Value) -> Result<()> {
        self.append_fields(event, json!({"environment": environment, "details": details}))
    }

    /// `{timestamp, event, …fields, user}`: one line, written whole.
    pub fn append_fields(&self, event: &str, fields: Value) -> Result<()> {
        let mut entry = json!({"timestamp": now_iso(), "event": event});
        if let (Some(entry), Value::Object(fields)) = (entry.as_object_mut(), fields) {
            entry.extend(fields);
            entry.insert("user".into(), json!(user()));
        }
        let mut line = entry.to_string();
        line.push('\n');
        append_line(&self.path, line.as_bytes())
    }
}

fn append_line(path: &Path, line: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("Failed to create folder", dir, e))?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io("Failed to open audit log", path, e))?;
    // O_APPEND puts each write at the end; the lock keeps one line in one piece.
    file.lock().map_err(|e| Error::io("Failed to lock audit log", path, e))?;
    let written = file.write_all(line).map_err(|e| Error::io("Failed to append to audit log", path, e));
    let _ = file.unlock();
    written
}

fn user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "system".into())
}

/// `2026-11-22T01:05:43.031Z`, the form `new Date().toISOString()` gives.
pub fn now_iso() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// `<prefix>-2026-11-22T01-05-43-031Z`, as the original's ids.
pub fn timestamped_id(prefix: &str) -> String {
    format!("{prefix}-{}", now_iso().replace([':', '.'], "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_appends_keep_every_line_whole() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog { path: dir.path().join("logs/audit.log") };
        std::thread::scope(|s| {
            for t in 0..8 {
                let log = &log;
                s.spawn(move || {
                    for i in 0..50 {
                        log.append("TEST", "dev", json!({"t": t, "i": i, "pad": "x".repeat(3000)})).unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&log.path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 400);
        for line in lines {
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["event"], "TEST");
        }
    }
}
