//! Backups with `d1 export`, described by a manifest (size, sha256, rows per
//! table, applied migrations), and restores that replay a backup and check
//! the row counts against it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::dump::{self, DumpSummary};
use super::cleanup::cancelled;
use super::migrations::merge;
use super::{Consent, Danger, DomainDatabase, Orchestrator, Target, millis, names, timestamped_id};
use crate::atomic_file::{FileLock, WriteOptions, write_atomic};
use crate::error::{Error, Result};

pub const MANIFEST: &str = "backup-manifest.json";

impl Orchestrator {
    /// Exports one database to `<dir>/<db>-<env>.sql` and records it in the
    /// folder's manifest.
    pub fn backup_database(&self, database: &str, environment: &str, dir: &Path, config: Option<&Path>) -> Result<Value> {
        let target = self.target(database, environment, None, config)?;
        let file = dir.join(format!("{}-{environment}.sql", target.database));
        let inv = self.invocation(&target, &["export", &target.database, "--output", &file.display().to_string()]);
        if self.options.dry_run {
            return Ok(json!({"status": "dry-run", "backupFile": file, "commands": [inv.display_argv()]}));
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io("Failed to create backup folder", dir, e))?;
        let outcome = self.runner()?.run(&inv).map_err(|e| e.context("Database backup failed: "))?;
        let sql = std::fs::read(&file).map_err(|e| Error::io("Backup file was not created", &file, e))?;
        let summary = dump::summarize(&String::from_utf8_lossy(&sql), &target.migrations_table);
        let entry = json!({
            "status": "completed",
            "databaseName": target.database,
            "environment": environment,
            "isRemote": target.remote,
            "backupFile": file,
            // Relative to the manifest's folder: a moved backup folder still finds its files.
            "file": file.file_name().map(|n| n.to_string_lossy().into_owned()),
            "sizeBytes": sql.len(),
            "sizeKB": format!("{:.1}", sql.len() as f64 / 1024.0),
            "sha256": hex(&Sha256::digest(&sql)),
            "tables": summary.tables,
            "migrations": summary.migrations,
            "timestamp": super::now_iso(),
            "wranglerMs": millis(outcome.duration),
        });
        record_in_manifest(dir, &target.database, &entry)?;
        Ok(entry)
    }

    /// Backs up every database of an environment into a fresh folder
    /// `<backupDir>/database/<env>/backup-<env>-<timestamp>/`.
    pub fn backup_environment(&self, environment: &str, domains: &[DomainDatabase]) -> Result<Value> {
        names::environment(environment)?;
        let backup_id = timestamped_id(&format!("backup-{environment}"));
        let dir = self.options.backup_dir.join("database").join(environment).join(&backup_id);
        let started = Instant::now();
        let mut databases = serde_json::Map::new();
        for db in self.databases_for(environment, domains)? {
            let entry = self
                .backup_database(&db.name, environment, &dir, db.config.as_deref())
                .unwrap_or_else(|e| json!({"status": "failed", "error": e.to_string(), "code": e.code()}));
            databases.insert(db.name.clone(), entry);
        }
        let result = json!({
            "backupId": backup_id,
            "environment": environment,
            "backupDir": dir,
            "databases": databases,
            "duration": started.elapsed().as_secs_f64(),
            "status": if self.options.dry_run { "dry-run" } else { "completed" },
        });
        if !self.options.dry_run {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io("Failed to create backup folder", &dir, e))?;
            let failed: Vec<&String> = databases.iter().filter(|(_, v)| v["status"] == "failed").map(|(k, _)| k).collect();
            let event = if failed.is_empty() { "ENVIRONMENT_BACKUP_CREATED" } else { "ENVIRONMENT_BACKUP_INCOMPLETE" };
            self.audit(event, environment, json!({"backupId": backup_id, "databases": databases.keys().collect::<Vec<_>>(), "failed": failed, "duration": result["duration"]}))?;
        }
        Ok(result)
    }

    /// What restoring over a database's data needs confirmed, if anything.
    pub fn restore_danger(&self, target: &Target, has_data: bool) -> Option<Danger> {
        let settings = self.settings(&target.environment);
        (has_data || settings.requires_confirmation).then(|| Danger {
            operation: format!("restore a backup into {} ({})", target.database, target.environment),
            impact: match has_data {
                true => "The database's existing tables are dropped and replaced by the backup".into(),
                false => "The backup's tables and rows are written into the database".into(),
            },
            environment: target.environment.clone(),
        })
    }

    /// Replays a backup (a `.sql` file or a folder's manifest) into the
    /// target database, then checks its row counts against the backup.
    /// `consent` is asked only when the restore is dangerous.
    pub fn restore_backup(&self, backup: &Path, database: &str, environment: &str, config: Option<&Path>, consent: &dyn Fn(&Danger) -> Consent) -> Result<Value> {
        let target = self.target(database, environment, None, config)?;
        let (file, entry) = backup_file(backup, database)?;
        let sql = std::fs::read(&file).map_err(|e| Error::io("Failed to read backup", &file, e))?;
        let actual_sha = hex(&Sha256::digest(&sql));
        let expected_sha = entry.as_ref().and_then(|e| e["sha256"].as_str());
        if let Some(expected) = expected_sha.filter(|e| *e != actual_sha) {
            return Err(Error::VerificationFailed(format!(
                "Backup {} does not match its manifest (sha256 {actual_sha}, manifest says {expected}); it was changed or truncated",
                file.display()
            )));
        }
        let mut summary = dump::summarize(&String::from_utf8_lossy(&sql), &target.migrations_table);
        // The rows the export counted, not a count of the file being replayed.
        if let Some(tables) = entry.as_ref().and_then(|e| serde_json::from_value(e["tables"].clone()).ok()) {
            summary.tables = tables;
        }
        let checksum = match expected_sha {
            Some(_) => "matched the manifest",
            None => "not checked: no manifest lists this file",
        };
        let existing = self.tables(&target)?;
        if let Some(danger) = self.restore_danger(&target, !existing.is_empty())
            && consent(&danger) != Consent::Given
        {
            return Ok(merge(cancelled(&danger), json!({"databaseName": target.database, "environment": environment})));
        }
        let replay = self.replay_path(&file);
        let mut inv = self.invocation(&target, &["execute", &target.database, "--file", &replay.display().to_string(), "--yes"]);
        inv.idempotent = false;
        if self.options.dry_run {
            return Ok(json!({"status": "dry-run", "databaseName": target.database, "dropsTables": existing, "expectedRows": summary.tables, "commands": [inv.display_argv()]}));
        }
        let started = Instant::now();
        write_replay(&replay, &sql, &existing)?;
        let run = self.runner()?.run(&inv);
        let _ = std::fs::remove_file(&replay);
        run?;
        let actual = self.row_counts(&target, &summary)?;
        let mismatched: Vec<String> = summary
            .tables
            .iter()
            .filter(|(t, n)| actual.get(*t).and_then(Value::as_u64) != Some(**n))
            .map(|(t, n)| format!("{t}: backup {n}, restored {}", actual.get(t).map(|v| v.to_string()).unwrap_or_else(|| "missing".into())))
            .collect();
        let details = json!({"databaseName": target.database, "backupFile": file, "tables": actual, "droppedTables": existing});
        if !mismatched.is_empty() {
            self.audit("DATABASE_RESTORE_FAILED", environment, merge(details, json!({"mismatched": mismatched})))?;
            return Err(Error::VerificationFailed(format!("Restore of {} into {} did not verify: {}", file.display(), target.database, mismatched.join("; "))));
        }
        self.audit("DATABASE_RESTORED", environment, details)?;
        Ok(json!({
            "status": "completed",
            "databaseName": target.database,
            "environment": environment,
            "backupFile": file,
            "tables": actual,
            "migrations": summary.migrations,
            "droppedTables": existing,
            // Verified means the file is the one exported (sha256) and every table has the rows the export had.
            "verified": expected_sha.is_some(),
            "checksum": checksum,
            "durationMs": millis(started.elapsed()),
        }))
    }

    /// Where the SQL a restore replays is written: the service's own `.clodo/tmp`.
    fn replay_path(&self, file: &Path) -> PathBuf {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.options.project_root.join(".clodo").join("tmp").join(format!("restore-{}-{name}", std::process::id()))
    }

    /// Rows per table of the database, for the tables a backup holds; a
    /// table the restore did not create is an error.
    fn row_counts(&self, target: &Target, summary: &DumpSummary) -> Result<serde_json::Map<String, Value>> {
        if summary.tables.is_empty() {
            return Ok(Default::default());
        }
        let sql = summary
            .tables
            .keys()
            .map(|t| format!("SELECT {} AS t, COUNT(*) AS n FROM {}", names::quote_literal(t), names::quote_identifier(t)))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let rows = self.query(target, &sql).map_err(|e| match e {
            Error::Wrangler { kind: crate::error::WranglerFailure::Sql, message, .. } => {
                Error::VerificationFailed(format!("Restore into {} did not verify: {message}", target.database))
            }
            other => other,
        })?;
        Ok(rows.first().map(|r| r.iter().filter_map(|row| Some((row["t"].as_str()?.to_owned(), row["n"].clone()))).collect()).unwrap_or_default())
    }
}

/// The backup's SQL, preceded by dropping the tables the target already has.
fn write_replay(path: &Path, sql: &[u8], existing: &[String]) -> Result<()> {
    let mut text = String::from("PRAGMA defer_foreign_keys=TRUE;\n");
    for table in existing {
        text.push_str(&format!("DROP TABLE IF EXISTS {};\n", names::quote_identifier(table)));
    }
    text.push_str(&String::from_utf8_lossy(sql));
    write_atomic(path, text.as_bytes(), WriteOptions { mode: Some(0o600), ..WriteOptions::default() })
}

/// The `.sql` file a backup path stands for, and its manifest entry (sha256,
/// rows per table) when a manifest beside it lists it. Files are found by
/// name in the manifest's folder, so a moved or copied backup folder works.
fn backup_file(backup: &Path, database: &str) -> Result<(PathBuf, Option<Value>)> {
    let manifest_path = match backup.is_dir() {
        true => backup.join(MANIFEST),
        false if backup.file_name().is_some_and(|n| n == MANIFEST) => backup.to_path_buf(),
        false => backup.with_file_name(MANIFEST),
    };
    let folder = manifest_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let manifest: Option<Value> = std::fs::read_to_string(&manifest_path).ok().and_then(|t| serde_json::from_str(&t).ok());
    let file_of = |entry: &Value| -> Option<PathBuf> {
        let name = entry["file"].as_str().map(PathBuf::from).or_else(|| Some(PathBuf::from(Path::new(entry["backupFile"].as_str()?).file_name()?)))?;
        Some(folder.join(name))
    };
    let is_sql = backup.extension().is_some_and(|e| e == "sql");
    let entry = manifest.as_ref().and_then(|m| {
        let databases = m["databases"].as_object()?;
        match is_sql {
            true => databases.values().find(|v| file_of(v).as_deref().and_then(Path::file_name) == backup.file_name()).cloned(),
            false => databases.get(database).or_else(|| (databases.len() == 1).then(|| databases.values().next()).flatten()).cloned(),
        }
    });
    let file = match (is_sql, &entry) {
        (true, _) => backup.to_path_buf(),
        (false, Some(e)) => file_of(e).ok_or_else(|| Error::invalid(format!("{} lists {database} without its file", manifest_path.display())))?,
        (false, None) => {
            return Err(Error::invalid(format!(
                "{} has no backup of {database}; pass the .sql file or a manifest that lists it",
                manifest_path.display()
            )));
        }
    };
    Ok((file, entry))
}

/// Adds one database's entry to the folder's manifest, under its lock.
fn record_in_manifest(dir: &Path, database: &str, entry: &Value) -> Result<()> {
    let path = dir.join(MANIFEST);
    let _lock = FileLock::acquire(&path, WriteOptions::default().lock_timeout)?;
    let mut manifest: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| json!({"backupDir": dir, "databases": {}}));
    manifest["databases"][database] = entry.clone();
    manifest["updatedAt"] = json!(super::now_iso());
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    write_atomic(&path, text.as_bytes(), WriteOptions { lock_timeout: std::time::Duration::ZERO, ..WriteOptions::default() })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
