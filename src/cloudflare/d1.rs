//! A D1 database through the API: queries, Time Travel, and migrations applied
//! with wrangler's own bookkeeping (the `d1_migrations` table and the exact
//! SQL wrangler 4.86 sends), so `wrangler d1 migrations list` agrees after
//! clodo migrated, and the other way round.

use std::path::Path;

use serde_json::{Value, json};

use super::client::CloudflareApi;
use super::endpoints::{query, segment};
use crate::error::{Error, Result};

/// What a migration run did: the files applied, in order, and the one that failed with its message.
#[derive(Debug, Default, PartialEq)]
pub struct Applied {
    pub applied: Vec<String>,
    pub failed: Option<(String, String)>,
}

/// The bookkeeping table's name may go into SQL as it is (wrangler 4.86 does not quote it).
pub fn plain_table_name(table: &str) -> bool {
    !table.is_empty() && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_table_name(table: &str) -> Result<()> {
    match plain_table_name(table) {
        true => Ok(()),
        false => Err(Error::invalid(format!("migrations_table {table:?}: only letters, digits and _ are supported"))),
    }
}

/// wrangler 4.86's statements: the table it creates, the list it reads, and each migration's text with its row.
fn create_table(table: &str) -> String {
    format!("CREATE TABLE IF NOT EXISTS {table}(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n);")
}

fn list_applied(table: &str) -> String {
    format!("SELECT *\n\t\tFROM {table}\n\t\tORDER BY id")
}

pub fn migration_query(sql: &str, table: &str, name: &str) -> String {
    format!("{sql}\n\t\t\t\t\t\t\t\tINSERT INTO {table} (name)\n\t\t\t\t\t\t\t\tvalues ('{name}');\n\t\t\t\t\t\t")
}

/// The files of `dir` not yet applied, in wrangler's order: sorted by name, then by their number prefix.
pub fn unapplied(dir: &Path, applied: &[String]) -> Result<Vec<String>> {
    let mut names: Vec<String> = crate::d1::migration_files(dir)?.into_iter().filter(|n| !applied.contains(n)).collect();
    // As wrangler compares them: a name without a number prefix (NaN) is equal to every other, so it stays put.
    let number = |name: &str| name.split('_').next().and_then(|n| n.parse::<i64>().ok());
    names.sort_by(|a, b| match (number(a), number(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => std::cmp::Ordering::Equal,
    });
    Ok(names)
}

impl CloudflareApi {
    fn database_path(account: &str, database_id: &str) -> String {
        format!("/accounts/{}/d1/database/{}", segment(account), segment(database_id))
    }

    /// Runs `sql` (one or more statements, one implicit transaction); each statement's result.
    pub async fn d1_query(&self, account: &str, database_id: &str, sql: &str) -> Result<Vec<Value>> {
        let path = format!("{}/query", Self::database_path(account, database_id));
        let mut envelope = self.request(reqwest::Method::POST, &path, Some(&json!({"sql": sql}))).await?;
        Ok(envelope["result"].take().as_array().cloned().unwrap_or_default())
    }

    /// The database's current Time Travel bookmark (`wrangler d1 time-travel info`).
    pub async fn d1_bookmark(&self, account: &str, database_id: &str) -> Result<String> {
        let path = format!("{}/time_travel/bookmark", Self::database_path(account, database_id));
        let result = self.get(&path).await?;
        result["bookmark"].as_str().map(str::to_owned).ok_or_else(|| Error::invalid(format!("Cloudflare gave no Time Travel bookmark for D1 database {database_id}")))
    }

    /// The database back at `bookmark` (`wrangler d1 time-travel restore`).
    pub async fn d1_restore(&self, account: &str, database_id: &str, bookmark: &str) -> Result<Value> {
        let path = format!("{}/time_travel/restore?{}", Self::database_path(account, database_id), query(&[("bookmark", Some(bookmark))]));
        Ok(self.request(reqwest::Method::POST, &path, None).await?["result"].take())
    }

    /// The files of `dir` that `wrangler d1 migrations apply --remote` would apply: the bookkeeping table made
    /// and read in one request (wrangler sends two).
    pub async fn pending_d1_migrations(&self, account: &str, database_id: &str, dir: &Path, table: &str) -> Result<Vec<String>> {
        check_table_name(table)?;
        let results = self.d1_query(account, database_id, &format!("{}\n{}", create_table(table), list_applied(table))).await?;
        let rows = results.last().and_then(|r| r["results"].as_array()).cloned().unwrap_or_default();
        let done: Vec<String> = rows.iter().filter_map(|r| r["name"].as_str().map(str::to_owned)).collect();
        unapplied(dir, &done)
    }

    /// Each of `pending` (files of `dir`) with its bookkeeping row, one request each, stopping at the first that
    /// fails, as wrangler does. `new_database`: nothing was ever applied, so the bookkeeping table is made in the
    /// first migration's request instead of one of its own.
    pub async fn apply_d1_migrations(&self, account: &str, database_id: &str, dir: &Path, table: &str, pending: &[String], new_database: bool) -> Result<Applied> {
        check_table_name(table)?;
        let mut outcome = Applied::default();
        for (i, name) in pending.iter().enumerate() {
            if name.contains('\'') {
                return Err(Error::invalid(format!("migration {name}: a quote in its file name cannot be recorded as wrangler records it; rename it")));
            }
            let file = dir.join(name);
            let sql = std::fs::read_to_string(&file).map_err(|e| Error::io("Failed to read migration", &file, e))?;
            let mut query = migration_query(&sql, table, name);
            if new_database && i == 0 {
                query = format!("{}\n{query}", create_table(table));
            }
            match self.d1_query(account, database_id, &query).await {
                Ok(_) => outcome.applied.push(name.clone()),
                Err(Error::Api { message, .. }) => {
                    outcome.failed = Some((name.clone(), message));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unapplied_migrations_come_in_wranglers_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["10_late.sql", "2_second.sql", "0001_first.sql", "notes.txt"] {
            std::fs::write(dir.path().join(name), "SELECT 1;").unwrap();
        }
        assert_eq!(unapplied(dir.path(), &["0001_first.sql".into()]).unwrap(), ["2_second.sql", "10_late.sql"]);
        assert!(plain_table_name("d1_migrations") && !plain_table_name("x; DROP TABLE y"));
    }
}
