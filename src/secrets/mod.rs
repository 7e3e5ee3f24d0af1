//! EnhancedSecretManager's core: secrets made from the OS CSPRNG, kept in an
//! encrypted store for reuse across deploys, uploaded with `wrangler secret
//! bulk` (JSON on stdin) and checked with `secret list`. Values never reach
//! argv, logs, audit lines or error messages.

mod generate;
pub mod store;

use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::audit_log::{AuditLog, now_iso};
use crate::error::{Error, Result};
use crate::wrangler::{Credentials, Invocation, LazyRunner, RetryPolicy};
use crate::wrangler_config::{Options as ConfigOptions, WranglerConfig, wrangler_env_for};

pub use generate::{STANDARD_SECRETS, SecretSpec, check_name, random_bytes, secret_value};
pub use store::{SecretStore, StoredSecrets, parse_key};

#[derive(Clone)]
pub struct Options {
    pub project_root: PathBuf,
    pub config_path: Option<PathBuf>,
    pub dry_run: bool,
    pub credentials: Credentials,
    /// The store key (hex or base64 of 32 bytes); else `CLODO_SECRET_KEY`.
    pub key: Option<String>,
    pub wrangler_path: Option<PathBuf>,
    pub retry: RetryPolicy,
    pub execution_timeout: Duration,
}

impl Options {
    pub fn new(project_root: &Path) -> Options {
        Options {
            project_root: project_root.to_path_buf(),
            config_path: None,
            dry_run: false,
            credentials: Credentials::default(),
            key: None,
            wrangler_path: None,
            retry: RetryPolicy { attempts: 3, base_delay: Duration::from_millis(2000) },
            execution_timeout: Duration::from_secs(120),
        }
    }
}

pub struct GenerateOptions {
    pub reuse_existing: bool,
    /// Include clodo's ten standard secrets (the original's behaviour; a portfolio asks only for the project's own).
    pub standard: bool,
    pub rotate_all: bool,
    /// Extra secrets (name → length), beside the standard set.
    pub custom: IndexMap<String, usize>,
    /// Upload them too.
    pub deploy: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions { reuse_existing: false, standard: true, rotate_all: false, custom: IndexMap::new(), deploy: false }
    }
}

pub struct SecretManager {
    pub options: Options,
    runner: LazyRunner,
}

impl SecretManager {
    pub fn new(options: Options) -> SecretManager {
        let o = &options;
        let runner = LazyRunner::new(o.wrangler_path.clone(), &o.project_root, o.credentials.clone(), o.retry.clone());
        SecretManager { options, runner }
    }

    pub fn audit_log(&self) -> AuditLog {
        AuditLog { path: self.options.project_root.join("logs").join("secrets-audit.log") }
    }

    fn audit(&self, event: &str, domain: &str, details: Value) -> Result<()> {
        match self.options.dry_run {
            true => Ok(()),
            false => self.audit_log().append_fields(event, json!({"domain": domain, "details": details})),
        }
    }

    pub fn store(&self) -> Result<SecretStore> {
        let key = self.options.key.clone().or_else(|| std::env::var("CLODO_SECRET_KEY").ok()).ok_or_else(|| {
            Error::SecretStore("No key for the secret store: pass secretKey or set CLODO_SECRET_KEY to 32 random bytes in hex or base64 (`openssl rand -hex 32`)".into())
        })?;
        Ok(SecretStore::new(self.store_dir(), parse_key(&key)?))
    }

    fn store_dir(&self) -> PathBuf {
        self.options.project_root.join(".clodo").join("secrets")
    }

    /// The standard set plus `custom`, reusing stored values unless rotating;
    /// saved in the store (replaced values kept in its history), uploaded when asked.
    pub fn generate(&self, domain: &str, environment: &str, options: &GenerateOptions) -> Result<Value> {
        check_scope(domain, environment)?;
        let standard = STANDARD_SECRETS.iter().filter(|_| options.standard);
        let mut specs: IndexMap<String, usize> = standard.map(|s| (s.name.to_owned(), s.length)).collect();
        for (name, length) in &options.custom {
            check_name(name)?;
            specs.insert(name.clone(), *length);
        }
        // A dry run stores nothing, so it needs no key: without one, every value is new.
        let store = match self.options.dry_run {
            true => self.store().ok(),
            false => Some(self.store()?),
        };
        let now = now_iso();
        let fill = |stored: Option<StoredSecrets>| -> Result<(StoredSecrets, usize)> {
            let mut stored = stored.unwrap_or_else(|| StoredSecrets { domain: domain.to_owned(), environment: environment.to_owned(), ..Default::default() });
            let mut generated = 0;
            for (name, length) in &specs {
                let keep = options.reuse_existing && !options.rotate_all && stored.current.contains_key(name);
                if !keep {
                    replace(&mut stored, name, secret_value(*length)?, &now);
                    generated += 1;
                }
            }
            stored.updated_at = now.clone();
            Ok((stored, generated))
        };
        let (stored, generated) = match &store {
            Some(store) if !self.options.dry_run => store.modify(domain, environment, |old| {
                let (stored, generated) = fill(old)?;
                Ok((Some(stored.clone()), (stored, generated)))
            })?,
            Some(store) => fill(store.load(domain, environment)?)?,
            None => fill(None)?,
        };
        let secrets: IndexMap<String, String> = specs.keys().filter_map(|n| Some((n.clone(), stored.current.get(n)?.clone()))).collect();
        let saved_file = store::path_in(&self.store_dir(), domain, environment);
        let deployment = match options.deploy {
            true => Some(self.deploy(domain, environment, &secrets)?),
            false => None,
        };
        self.audit("SECRETS_GENERATED", domain, json!({"environment": environment, "names": secrets.keys().collect::<Vec<_>>(), "generated": generated}))?;
        Ok(json!({
            "domain": domain,
            "environment": environment,
            "secrets": secrets,
            "metadata": {"domain": domain, "environment": environment, "generated": now, "generatedBy": "clodo", "secretCount": secrets.len(), "newSecrets": generated},
            "savedFile": saved_file,
            "distribution": null,
            "deployment": deployment,
            "summary": {"total": secrets.len(), "generated": generated, "reused": secrets.len() - generated},
        }))
    }

    /// The stored secrets of a domain and environment, or `None`.
    pub fn load(&self, domain: &str, environment: &str) -> Result<Option<Value>> {
        check_scope(domain, environment)?;
        let store = self.store()?;
        Ok(store.load(domain, environment)?.map(|s| {
            json!({
                "secrets": s.current,
                "metadata": {"domain": s.domain, "environment": s.environment, "generated": s.updated_at, "secretCount": s.current.len(), "historyCount": s.history.len()},
                "filename": store.path(domain, environment),
            })
        }))
    }

    /// New values for `names`, saved (old ones into the history) and, when asked, uploaded.
    pub fn rotate(&self, domain: &str, environment: &str, names: &[String], deploy: bool) -> Result<Value> {
        check_scope(domain, environment)?;
        let store = self.store()?;
        let stored = store.load(domain, environment)?.ok_or_else(|| {
            Error::SecretStore(format!("No stored secrets for {domain} ({environment}) to rotate; generate them first"))
        })?;
        let mut rotated = IndexMap::new();
        for name in names {
            check_name(name)?;
            let old = stored.current.get(name).ok_or_else(|| Error::invalid(format!("No secret {name} is stored for {domain} ({environment})")))?;
            rotated.insert(name.clone(), secret_value(old.len().max(16))?);
        }
        // The new values become current only once the worker has them (when asked to upload).
        let deployment = match deploy {
            true => Some(self.deploy(domain, environment, &rotated)?),
            false => None,
        };
        if !self.options.dry_run {
            let now = now_iso();
            store.modify(domain, environment, |latest| {
                let mut latest = latest.unwrap_or(stored);
                for (name, value) in &rotated {
                    replace(&mut latest, name, value.clone(), &now);
                }
                latest.updated_at = now.clone();
                Ok((Some(latest), ()))
            })?;
        }
        self.audit("SECRETS_ROTATED", domain, json!({"environment": environment, "names": names}))?;
        Ok(json!({"domain": domain, "environment": environment, "rotated": names, "secrets": rotated, "deployment": deployment}))
    }

    /// Drops all but the newest `keep` replaced values of each secret.
    pub fn prune_history(&self, domain: &str, environment: &str, keep: usize) -> Result<Value> {
        check_scope(domain, environment)?;
        let store = self.store()?;
        let prune = |stored: Option<StoredSecrets>| {
            let Some(mut stored) = stored else { return (None, (0, 0)) };
            let before = stored.history.len();
            let mut seen: IndexMap<String, usize> = IndexMap::new();
            let mut kept = Vec::new();
            for old in stored.history.into_iter().rev() {
                let n = seen.entry(old.name.clone()).or_insert(0);
                *n += 1;
                if *n <= keep {
                    kept.push(old);
                }
            }
            kept.reverse();
            stored.history = kept;
            let counts = (before - stored.history.len(), stored.history.len());
            (Some(stored).filter(|_| counts.0 > 0), counts)
        };
        let (pruned, kept) = match self.options.dry_run {
            true => prune(store.load(domain, environment)?).1,
            false => store.modify(domain, environment, |old| Ok(prune(old)))?,
        };
        Ok(json!({"pruned": pruned, "kept": kept}))
    }

    /// Uploads secrets to the environment's worker with one `secret bulk`
    /// (JSON on stdin) and checks with `secret list` that every name is there.
    pub fn deploy(&self, domain: &str, environment: &str, secrets: &IndexMap<String, String>) -> Result<Value> {
        check_scope(domain, environment)?;
        for name in secrets.keys() {
            check_name(name)?;
        }
        let config = WranglerConfig::new(ConfigOptions::for_project(Some(&self.options.project_root), self.options.config_path.as_deref()));
        let root = config.document()?.map(|d| d.value()).ok_or_else(|| Error::ConfigNotFound {
            path: config.config_path().to_path_buf(),
            message: "Secrets go to the worker a wrangler config names; no config file found".into(),
        })?;
        let env_args: Vec<String> = match wrangler_env_for(&root, environment, config.config_path())? {
            Some(env) => vec!["--env".into(), env],
            None => vec![],
        };
        self.deploy_to(domain, environment, secrets, config.config_path(), env_args)
    }

    /// Uploads secrets to the worker that `config` (with `env_args`) names.
    pub fn deploy_to(&self, domain: &str, environment: &str, secrets: &IndexMap<String, String>, config: &Path, env_args: Vec<String>) -> Result<Value> {
        check_scope(domain, environment)?;
        for name in secrets.keys() {
            check_name(name)?;
        }
        let values: Vec<String> = secrets.values().cloned().collect();
        let mut bulk = Invocation::new([vec!["secret".into(), "bulk".into()], env_args.clone()].concat(), config, &self.options.project_root);
        bulk.stdin = Some(serde_json::to_vec(secrets).unwrap_or_default());
        bulk.redact = values.clone();
        bulk.timeout = self.options.execution_timeout;
        let mut list = Invocation::new(
            [vec!["secret".into(), "list".into(), "--format".into(), "json".into()], env_args].concat(),
            config,
            &self.options.project_root,
        );
        list.redact = values;
        list.timeout = self.options.execution_timeout;
        let names: Vec<&String> = secrets.keys().collect();
        if self.options.dry_run {
            return Ok(json!({"status": "dry-run", "domain": domain, "environment": environment, "secretCount": secrets.len(), "names": names, "commands": [bulk.display_argv(), list.display_argv()]}));
        }
        let runner = self.runner.get()?;
        runner.run(&bulk).inspect_err(|e| {
            let _ = self.audit("SECRET_DEPLOYMENT_FAILED", domain, json!({"environment": environment, "names": names, "error": e.to_string()}));
        })?;
        let listed = runner.run(&list)?;
        let present: Vec<String> = serde_json::from_str::<Value>(listed.stdout.trim())
            .ok()
            .and_then(|v| v.as_array().map(|a| a.iter().filter_map(|s| s["name"].as_str().map(str::to_owned)).collect()))
            .unwrap_or_default();
        let missing: Vec<&&String> = names.iter().filter(|n| !present.contains(n)).collect();
        if !missing.is_empty() {
            let missing: Vec<&str> = missing.iter().map(|n| n.as_str()).collect();
            return Err(Error::VerificationFailed(format!(
                "wrangler secret bulk succeeded but secret list lacks {} for {domain} ({environment})",
                missing.join(", ")
            )));
        }
        self.audit("SECRETS_DEPLOYED", domain, json!({"environment": environment, "names": names}))?;
        Ok(json!({"domain": domain, "environment": environment, "deployed": names, "failed": [], "verified": true, "command": bulk.display_argv()}))
    }

    /// A plain-text copy of the stored secrets (`env` or `json`), 0600, only
    /// on explicit request; the result carries a warning.
    pub fn write_distribution(&self, domain: &str, environment: &str, format: &str) -> Result<Value> {
        check_scope(domain, environment)?;
        crate::d1::names::one_of(format, "format", &["env", "json"])?;
        let stored = self.store()?.load(domain, environment)?.ok_or_else(|| Error::SecretStore(format!("No stored secrets for {domain} ({environment})")))?;
        let text = match format {
            "json" => serde_json::to_string_pretty(&stored.current).unwrap_or_default(),
            _ => stored.current.iter().map(|(k, v)| format!("{k}={v}\n")).collect(),
        };
        let dir = self.options.project_root.join(".clodo").join("secrets").join("distribution").join(domain);
        let path = dir.join(format!("secrets-{environment}.{format}"));
        if !self.options.dry_run {
            store::create_private_dir(&dir)?;
            crate::atomic_file::write_atomic(&path, text.as_bytes(), crate::atomic_file::WriteOptions { mode: Some(0o600), ..Default::default() })?;
            self.audit("SECRETS_DISTRIBUTED", domain, json!({"environment": environment, "format": format, "path": path}))?;
        }
        Ok(json!({
            "path": path,
            "format": format,
            "secretCount": stored.current.len(),
            "warning": "This file holds the secrets in plain text (mode 0600). Move them where they belong and delete it; never commit it.",
        }))
    }
}

fn replace(stored: &mut StoredSecrets, name: &str, value: String, now: &str) {
    if let Some(old) = stored.current.insert(name.to_owned(), value) {
        stored.history.push(store::Replaced { name: name.to_owned(), value: old, replaced_at: now.to_owned() });
    }
}

/// Where the store keeps a Cloudflare API token: a scope no domain can have.
const API_TOKEN_SCOPE: (&str, &str) = ("_cloudflare", "api-token");

impl SecretManager {
    /// Keeps a Cloudflare API token in the encrypted store (the previous one
    /// goes to its history); returns its fingerprint, the first 16 hex digits
    /// of its SHA-256, which identifies it without revealing it.
    pub fn store_api_token(&self, token: &str) -> Result<String> {
        let token = token.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(Error::invalid("A Cloudflare API token is one word of text: the one given is empty or has spaces"));
        }
        let (scope, name) = API_TOKEN_SCOPE;
        let now = now_iso();
        self.store()?.modify(scope, name, |old| {
            let mut stored = old.unwrap_or_else(|| StoredSecrets { domain: scope.into(), environment: name.into(), ..Default::default() });
            replace(&mut stored, "CLOUDFLARE_API_TOKEN", token.to_owned(), &now);
            stored.updated_at = now.clone();
            Ok((Some(stored), ()))
        })?;
        Ok(fingerprint(token))
    }

    /// The token `store_api_token` kept, if any.
    pub fn stored_api_token(&self) -> Result<Option<String>> {
        let (scope, name) = API_TOKEN_SCOPE;
        Ok(self.store()?.load(scope, name)?.and_then(|s| s.current.get("CLOUDFLARE_API_TOKEN").cloned()))
    }
}

pub fn fingerprint(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Domains are host names; environments are the usual names. Both become file names.
fn check_scope(domain: &str, environment: &str) -> Result<()> {
    let host_ok = !domain.is_empty()
        && domain.len() <= 253
        && !domain.starts_with('.')
        && !domain.starts_with('-')
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !host_ok {
        return Err(Error::invalid(format!("Invalid domain {domain:?}: use a host name like shop.example.com")));
    }
    crate::d1::names::environment(environment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manager(dir: &Path) -> SecretManager {
        let mut o = Options::new(dir);
        o.key = Some("11".repeat(32));
        SecretManager::new(o)
    }

    #[test]
    fn a_generate_overlapping_a_rotation_keeps_the_rotated_value() {
        let dir = tempfile::tempdir().unwrap();
        let m = manager(dir.path());
        let custom = |name: &str| GenerateOptions { reuse_existing: true, standard: false, custom: [(name.to_owned(), 32)].into_iter().collect(), ..Default::default() };
        m.generate("shop.example.com", "production", &custom("API_KEY")).unwrap();
        for round in 0..8 {
            let (rotated, _) = std::thread::scope(|s| {
                let rotation = s.spawn(|| m.rotate("shop.example.com", "production", &["API_KEY".to_owned()], false).unwrap());
                let generation = s.spawn(|| m.generate("shop.example.com", "production", &custom(&format!("EXTRA_{round}"))).unwrap());
                (rotation.join().unwrap(), generation.join().unwrap())
            });
            let stored = m.load("shop.example.com", "production").unwrap().unwrap();
            assert_eq!(stored["secrets"]["API_KEY"], rotated["secrets"]["API_KEY"], "round {round}: the rotation was undone");
            assert!(stored["secrets"][format!("EXTRA_{round}")].is_string(), "round {round}: the generate was lost");
        }
    }

    #[test]
    fn generation_reuses_stored_values_and_rotation_keeps_history() {
        let dir = tempfile::tempdir().unwrap();
        let m = manager(dir.path());
        let first = m.generate("shop.example.com", "production", &GenerateOptions { reuse_existing: true, ..Default::default() }).unwrap();
        assert_eq!(first["summary"]["generated"], 10);
        assert_eq!(first["secrets"]["AUTH_JWT_SECRET"].as_str().unwrap().len(), 64);
        let mut custom = IndexMap::new();
        custom.insert("STRIPE_WEBHOOK_KEY".to_owned(), 40);
        let second = m.generate("shop.example.com", "production", &GenerateOptions { reuse_existing: true, custom, ..Default::default() }).unwrap();
        assert_eq!(second["summary"]["generated"], 1);
        assert_eq!(second["secrets"]["AUTH_JWT_SECRET"], first["secrets"]["AUTH_JWT_SECRET"]);

        let rotated = m.rotate("shop.example.com", "production", &["AUTH_JWT_SECRET".into()], false).unwrap();
        assert_ne!(rotated["secrets"]["AUTH_JWT_SECRET"], first["secrets"]["AUTH_JWT_SECRET"]);
        let stored = m.store().unwrap().load("shop.example.com", "production").unwrap().unwrap();
        assert_eq!(stored.history.len(), 1);
        assert_eq!(json!(stored.history[0].value), first["secrets"]["AUTH_JWT_SECRET"]);
        assert_eq!(m.prune_history("shop.example.com", "production", 0).unwrap()["pruned"], 1);
    }

    #[test]
    fn hostile_domains_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "a/b", "", "x;rm", ".hidden"] {
            assert_eq!(manager(dir.path()).load(bad, "production").unwrap_err().code(), "E_INVALID_INPUT", "{bad:?}");
        }
    }
}
