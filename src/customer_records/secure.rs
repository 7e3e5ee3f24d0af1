//! `clodo customers secure`: plain-text API tokens found in customer records
//! move into the token store (tokens.rs), keyed by the record's account, and
//! their lines leave the files, each file rewritten atomically under its
//! lock with every other byte kept. A record whose token cannot be kept
//! (no account, a token Cloudflare refuses) keeps its file as it was.

use std::time::Duration;

use serde::Serialize;

use super::CustomerRecords;
use crate::error::Result;

const TOKEN_KEY: &str = "CLOUDFLARE_API_TOKEN";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Secured {
    pub customer: String,
    pub environment: String,
    pub account_id: Option<String>,
    /// `moved`, or why the record was left as it was.
    pub outcome: String,
}

/// Moves every record's token into the store, each verified with Cloudflare first.
pub fn secure(records: &CustomerRecords) -> Result<Vec<Secured>> {
    let mut report = vec![];
    for inspection in records.list_records()? {
        let text = match std::fs::read_to_string(&inspection.path) {
            Ok(text) => text,
            Err(_) => continue,
        };
        let vars = super::envfile::parse(&text);
        let Some(token) = vars.get(TOKEN_KEY).filter(|t| !t.trim().is_empty()).cloned() else { continue };
        let account = vars.get("CLOUDFLARE_ACCOUNT_ID").filter(|a| !a.is_empty() && a.chars().any(|c| c != '0')).cloned();
        let mut secured = Secured { customer: inspection.customer.clone(), environment: inspection.environment.clone(), account_id: account.clone(), outcome: String::new() };
        secured.outcome = match account {
            None => "left as it was: the record names no CLOUDFLARE_ACCOUNT_ID to keep its token under".into(),
            Some(account) => match keep(&inspection.path, &token, &account) {
                Ok(()) => "moved".into(),
                Err(e) => format!("left as it was: {e}"),
            },
        };
        report.push(secured);
    }
    Ok(report)
}

/// Verifies and stores the token, then takes its line out of the record.
fn keep(path: &std::path::Path, token: &str, account: &str) -> Result<()> {
    crate::tokens::verify_and_keep(token, Some(account))?;
    let _lock = crate::atomic_file::FileLock::acquire(path, Duration::from_secs(10))?;
    let text = std::fs::read_to_string(path).map_err(|e| crate::error::Error::io("Failed to read", path, e))?;
    let kept: String = text.split_inclusive('\n').filter(|line| !is_token_line(line)).collect();
    crate::atomic_file::write_atomic(path, kept.as_bytes(), crate::atomic_file::WriteOptions { mode: Some(0o600), ..Default::default() })
}

fn is_token_line(line: &str) -> bool {
    let line = line.trim_start();
    let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
    line.split_once('=').is_some_and(|(key, _)| key.trim() == TOKEN_KEY)
}
