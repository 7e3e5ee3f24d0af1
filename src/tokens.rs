//! Cloudflare API tokens kept like credentials, one per account: in the OS
//! keychain (the `keyring` crate: macOS Keychain, Windows Credential Manager,
//! the Linux kernel keyring), else where no keychain answers (containers,
//! CI) in clodo's encrypted store under the user's config folder, sealed with
//! the secret store's key. An index beside it lists each account with where
//! its token is kept, its verified status and expiry, never the token.
//! The environment (`CLOUDFLARE_API_TOKEN`) still wins, as in wrangler.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secrets::store::{SecretStore, StoredSecrets};

const SERVICE: &str = "clodo";
const INDEX: &str = "accounts.json";
const TOKEN: &str = "CLOUDFLARE_API_TOKEN";

/// Where a token is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeptIn {
    Keychain,
    EncryptedFile,
}

/// What the index says of one account's token (never the token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredToken {
    pub account_id: String,
    pub kept_in: KeptIn,
    /// Cloudflare's answer when it was verified (`active`, …).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    pub verified_at: String,
}

/// clodo's folder for the user: `CLODO_CONFIG_DIR`, else `$XDG_CONFIG_HOME/clodo`, `~/.config/clodo`, or
/// `%APPDATA%\clodo` on Windows.
pub fn config_dir() -> Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("CLODO_CONFIG_DIR") {
        return Ok(dir);
    }
    let base = match cfg!(windows) {
        true => var("APPDATA"),
        false => var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|h| h.join(".config"))),
    };
    base.map(|b| b.join("clodo")).ok_or_else(|| Error::invalid("no folder for clodo's settings: set CLODO_CONFIG_DIR (or HOME)"))
}

/// Every account with a stored token.
pub fn list() -> Result<Vec<StoredToken>> {
    let path = config_dir()?.join(INDEX);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| Error::invalid(format!("{} is not clodo's token index: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
        Err(e) => Err(Error::io("Failed to read", &path, e)),
    }
}

/// Keeps `token` for its account: the keychain first, else the encrypted file (which needs the secret store's
/// key); then records it in the index.
pub fn save(token: &str, record: StoredToken) -> Result<StoredToken> {
    crate::d1::names::account_id(&record.account_id)?;
    let in_keychain = keychain_wanted() && keychain(&record.account_id).and_then(|entry| entry.set_password(token)).is_ok();
    let kept_in = match in_keychain {
        true => KeptIn::Keychain,
        false => {
            let sealed = StoredSecrets { domain: "cloudflare".into(), environment: record.account_id.clone(), current: [(TOKEN.to_owned(), token.to_owned())].into_iter().collect(), ..Default::default() };
            encrypted()?.save(&sealed)?;
            KeptIn::EncryptedFile
        }
    };
    let saved = StoredToken { kept_in, ..record };
    let mut index: Vec<StoredToken> = list()?.into_iter().filter(|t| t.account_id != saved.account_id).collect();
    index.push(saved.clone());
    write_index(&index)?;
    Ok(saved)
}

/// The token kept for `account`, if any.
pub fn load(account: &str) -> Result<Option<String>> {
    let Some(stored) = list()?.into_iter().find(|t| t.account_id == account) else { return Ok(None) };
    match stored.kept_in {
        KeptIn::Keychain => match keychain(account).and_then(|entry| entry.get_password()) {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::invalid(format!("the keychain did not give the token of account {account}: {e}"))),
        },
        KeptIn::EncryptedFile => Ok(encrypted()?.load("cloudflare", account)?.and_then(|s| s.current.get(TOKEN).cloned())),
    }
}

/// Verifies `token` with Cloudflare for `account` (else for the token's only account) and keeps it: what
/// `clodo login`, `customers secure` and `storeCloudflareToken` do. A token Cloudflare refuses, or does not call
/// active, is E_AUTH and nothing is kept.
pub fn verify_and_keep(token: &str, account: Option<&str>) -> Result<StoredToken> {
    if token.trim().is_empty() {
        return Err(Error::auth("the token is empty"));
    }
    let api = crate::cloudflare::CloudflareApi::new(token)?;
    let checked = crate::http_check::block_on(async {
        let account = api.account_or_sole(account).await?;
        let verified = api.verify_token_for(Some(&account)).await?;
        Ok((account, verified))
    });
    let (account_id, verified) = match checked {
        Err(Error::Api { kind: crate::error::WranglerFailure::Auth, message }) => return Err(Error::auth(format!("Cloudflare does not accept this token, so nothing was stored ({message})"))),
        other => other?,
    };
    let status = verified["status"].as_str().unwrap_or("unknown").to_owned();
    if status != "active" {
        return Err(Error::auth(format!("Cloudflare says this token is {status}: create an active one in the dashboard (My Profile → API Tokens)")));
    }
    let expires_on = verified["expires_on"].as_str().map(str::to_owned);
    save(token, StoredToken { account_id, kept_in: KeptIn::Keychain, status, expires_on, verified_at: crate::audit_log::now_iso() })
}

/// The stored token to use for `account` (else for the only account stored), with its account.
pub fn for_account(account: Option<&str>) -> Result<Option<(String, String)>> {
    let account = match account {
        Some(account) => account.to_owned(),
        None => match list()?.as_slice() {
            [only] => only.account_id.clone(),
            _ => return Ok(None),
        },
    };
    Ok(load(&account)?.map(|token| (account, token)))
}

/// Forgets the token of `account` wherever it is kept; false when there was none.
pub fn remove(account: &str) -> Result<bool> {
    let index = list()?;
    let Some(stored) = index.iter().find(|t| t.account_id == account) else { return Ok(false) };
    match stored.kept_in {
        KeptIn::Keychain => match keychain(account).and_then(|entry| entry.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => {}
            Err(e) => return Err(Error::invalid(format!("the keychain did not forget the token of account {account}: {e}"))),
        },
        KeptIn::EncryptedFile => {
            let path = crate::secrets::store::path_in(&config_dir()?.join("tokens"), "cloudflare", account);
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(Error::io("Failed to remove", &path, e));
            }
        }
    }
    write_index(&index.into_iter().filter(|t| t.account_id != account).collect::<Vec<_>>())?;
    Ok(true)
}

/// `CLODO_KEYCHAIN=0` keeps tokens in clodo's encrypted store even where a keychain answers.
fn keychain_wanted() -> bool {
    !std::env::var("CLODO_KEYCHAIN").is_ok_and(|v| v == "0")
}

fn keychain(account: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &format!("cloudflare:{account}"))
}

fn encrypted() -> Result<SecretStore> {
    let key = std::env::var("CLODO_SECRET_KEY").map_err(|_| {
        Error::SecretStore("No keychain answers here, and clodo's encrypted store needs its key: set CLODO_SECRET_KEY (32 random bytes in hex, `openssl rand -hex 32`), or use CLOUDFLARE_API_TOKEN".into())
    })?;
    Ok(SecretStore::new(config_dir()?.join("tokens"), crate::secrets::store::parse_key(&key)?))
}

fn write_index(index: &[StoredToken]) -> Result<()> {
    let dir = config_dir()?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("Failed to create", &dir, e))?;
    let text = serde_json::to_string_pretty(index).unwrap_or_default() + "\n";
    crate::atomic_file::write_atomic(&dir.join(INDEX), text.as_bytes(), crate::atomic_file::WriteOptions { mode: Some(0o600), ..Default::default() })
}
