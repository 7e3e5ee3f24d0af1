//! The encrypted secret store: one file per domain and environment under
//! `<project>/.clodo/secrets/`, XChaCha20-Poly1305 with a random nonce per
//! write and the domain and environment bound in as associated data, so a
//! file copied under another name does not open either.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use super::generate::random_bytes;
use crate::atomic_file::{FileLock, WriteOptions, write_atomic};
use crate::error::{Error, Result};

const MAGIC: &[u8] = b"CLODOSEC1\n";
const NONCE_LEN: usize = 24;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StoredSecrets {
    pub domain: String,
    pub environment: String,
    pub updated_at: String,
    /// name → current value, in the order they were first made.
    pub current: indexmap::IndexMap<String, String>,
    /// Values replaced by a rotation, newest last, until pruned.
    pub history: Vec<Replaced>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Replaced {
    pub name: String,
    pub value: String,
    pub replaced_at: String,
}

pub struct SecretStore {
    dir: PathBuf,
    key: [u8; 32],
}

impl SecretStore {
    pub fn new(dir: PathBuf, key: [u8; 32]) -> SecretStore {
        SecretStore { dir, key }
    }

    pub fn path(&self, domain: &str, environment: &str) -> PathBuf {
        path_in(&self.dir, domain, environment)
    }

    pub fn load(&self, domain: &str, environment: &str) -> Result<Option<StoredSecrets>> {
        let path = self.path(domain, environment);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("Failed to read secret store", &path, e)),
        };
        let plain = self.open(&bytes, domain, environment).ok_or_else(|| {
            Error::SecretStore(format!(
                "Cannot open {}: the key (CLODO_SECRET_KEY) is not the one it was written with, or the file was changed. Nothing was overwritten",
                path.display()
            ))
        })?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|e| Error::SecretStore(format!("{} decrypted but does not hold a secret store: {e}", path.display())))
    }

    /// Writes the whole store for one domain and environment, atomically,
    /// 0600 in a 0700 folder, under the file's lock.
    pub fn save(&self, stored: &StoredSecrets) -> Result<PathBuf> {
        let path = self.path(&stored.domain, &stored.environment);
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        let _lock = FileLock::acquire(&path, Duration::from_secs(10))?;
        self.write(&path, stored)
    }

    /// Reads the store under its lock, lets `change` edit it (`None` when there
    /// is none yet) and saves what it returns before the lock is let go, so
    /// concurrent generates, rotations and prunes all keep each other's work.
    pub fn modify<T>(&self, domain: &str, environment: &str, change: impl FnOnce(Option<StoredSecrets>) -> Result<(Option<StoredSecrets>, T)>) -> Result<T> {
        let path = self.path(domain, environment);
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        let _lock = FileLock::acquire(&path, Duration::from_secs(10))?;
        let (changed, out) = change(self.load(domain, environment)?)?;
        if let Some(stored) = changed {
            self.write(&path, &stored)?;
        }
        Ok(out)
    }

    fn write(&self, path: &Path, stored: &StoredSecrets) -> Result<PathBuf> {
        let path = path.to_path_buf();
        let plain = serde_json::to_vec(stored).map_err(|e| Error::SecretStore(format!("Cannot serialise secrets: {e}")))?;
        let sealed = self.seal(&plain, &stored.domain, &stored.environment)?;
        write_atomic(&path, &sealed, WriteOptions { mode: Some(0o600), fsync: true, ..WriteOptions::default() })?;
        Ok(path)
    }

    fn seal(&self, plain: &[u8], domain: &str, environment: &str) -> Result<Vec<u8>> {
        let nonce_bytes = random_bytes(NONCE_LEN)?;
        let nonce = XNonce::try_from(nonce_bytes.as_slice()).map_err(|_| Error::SecretStore("bad nonce length".into()))?;
        let aad = associated_data(domain, environment);
        let cipher = XChaCha20Poly1305::new(&self.key.into());
        let sealed = cipher
            .encrypt(&nonce, Payload { msg: plain, aad: aad.as_bytes() })
            .map_err(|_| Error::SecretStore("Encryption failed".into()))?;
        Ok([MAGIC, &nonce_bytes, &sealed].concat())
    }

    fn open(&self, bytes: &[u8], domain: &str, environment: &str) -> Option<Vec<u8>> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let (nonce_bytes, sealed) = (rest.get(..NONCE_LEN)?, rest.get(NONCE_LEN..)?);
        let nonce = XNonce::try_from(nonce_bytes).ok()?;
        let aad = associated_data(domain, environment);
        let cipher = XChaCha20Poly1305::new(&self.key.into());
        cipher.decrypt(&nonce, Payload { msg: sealed, aad: aad.as_bytes() }).ok()
    }
}

fn associated_data(domain: &str, environment: &str) -> String {
    format!("clodo secret store v1\n{domain}\n{environment}")
}

/// A 32-byte key given as 64 hex characters or as base64.
pub fn parse_key(text: &str) -> Result<[u8; 32]> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        (0..32).map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).unwrap_or(0)).collect()
    } else {
        base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default()
    };
    bytes.try_into().map_err(|_| {
        Error::SecretStore(
            "The secret store key must be 32 bytes, written as 64 hex characters or base64 (make one with `openssl rand -hex 32`)".into(),
        )
    })
}

pub fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("Failed to create folder", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| Error::io("Failed to set permissions on", dir, e))?;
    }
    Ok(())
}

/// Where the store in `dir` keeps a domain's secrets for an environment.
pub fn path_in(dir: &Path, domain: &str, environment: &str) -> PathBuf {
    dir.join(domain).join(format!("{environment}.secrets"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> StoredSecrets {
        let mut s = StoredSecrets { domain: "shop.example.com".into(), environment: "production".into(), ..Default::default() };
        s.current.insert("AUTH_JWT_SECRET".into(), "abc123".into());
        s
    }

    #[test]
    fn a_store_round_trips_and_is_not_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(dir.path().to_path_buf(), [7; 32]);
        let path = store.save(&stored()).unwrap();
        assert!(!String::from_utf8_lossy(&std::fs::read(&path).unwrap()).contains("abc123"));
        assert_eq!(store.load("shop.example.com", "production").unwrap(), Some(stored()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_wrong_key_a_changed_byte_or_a_moved_file_is_e_secret_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(dir.path().to_path_buf(), [7; 32]);
        let path = store.save(&stored()).unwrap();
        let wrong = SecretStore::new(dir.path().to_path_buf(), [8; 32]);
        assert_eq!(wrong.load("shop.example.com", "production").unwrap_err().code(), "E_SECRET_STORE");

        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(store.load("shop.example.com", "production").unwrap_err().code(), "E_SECRET_STORE");

        let path = store.save(&stored()).unwrap();
        let moved = store.path("shop.example.com", "staging");
        std::fs::copy(&path, &moved).unwrap();
        assert_eq!(store.load("shop.example.com", "staging").unwrap_err().code(), "E_SECRET_STORE");
    }

    #[test]
    fn keys_are_hex_or_base64_of_32_bytes() {
        assert_eq!(parse_key(&"ab".repeat(32)).unwrap(), [0xab; 32]);
        assert_eq!(parse_key(&base64::engine::general_purpose::STANDARD.encode([1u8; 32])).unwrap(), [1; 32]);
        assert_eq!(parse_key("short").unwrap_err().code(), "E_SECRET_STORE");
    }
}
