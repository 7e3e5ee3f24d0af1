//! A domain's secrets, remote: kept in the store per domain (generated the
//! first time), then sent with the worker's code in one upload (`--secrets-file`
//! read from stdin), so the version that goes live has them and no version of
//! the old code with the new secrets is ever deployed. Cloudflare ties secrets
//! to versions: this keeps the version from before the run deployable beside
//! the new one (a canary's stable side) without forcing anything.

use indexmap::IndexMap;
use serde_json::json;

use super::phases::{Context, Outcome, done, skipped};
use crate::error::{Error, Result};
use crate::secrets::SecretManager;
use crate::wrangler::Invocation;

impl Context<'_> {
    fn secret_manager(&self) -> SecretManager {
        let o = self.o();
        let mut options = crate::secrets::Options::new(&o.service_path);
        options.credentials = o.credentials.clone();
        options.wrangler_path = o.wrangler_path.clone();
        options.key = o.secret_key.clone();
        SecretManager::new(options)
    }

    /// The secrets the project declares (and clodo's standard ten, when the
    /// service asks for them), stored per domain and generated the first time;
    /// they go up with the code in the deployment phase. A dry run names them
    /// and touches no store.
    pub(super) fn prepare_secrets(&mut self) -> Result<Outcome> {
        let settings = &self.portfolio.settings;
        let declared = self.declared_secrets()?;
        if declared.is_empty() && !settings.standard_secrets {
            return skipped("the project declares no secrets (.dev.vars.example, secrets.required in its config, or clodo.json \"secrets\"): nothing to upload");
        }
        let mut names: Vec<String> = declared.iter().map(|d| d.name.clone()).collect();
        if settings.standard_secrets {
            names.extend(crate::secrets::STANDARD_SECRETS.iter().map(|s| s.name.to_owned()));
        }
        if self.o().dry_run {
            self.plan.push(json!({"secrets": names, "then": "with the code (wrangler deploy --secrets-file /dev/stdin, the values on stdin)"}));
            return skipped("dry run");
        }
        let generate = crate::service::settings::generate_options(&declared, settings.standard_secrets);
        let generated = self.secret_manager().generate(&self.spec.domain, &self.o().environment, &generate)?;
        let names: Vec<String> = generated["secrets"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        self.secret_names = names.clone();
        done(
            format!("{} secret(s) ready for worker {}: they go up with its code", names.len(), self.spec.worker_name()),
            json!({"names": names, "reused": generated["summary"]["reused"]}),
        )
    }

    /// The prepared secrets' values, from the store.
    fn secret_values(&self) -> Result<IndexMap<String, String>> {
        let stored = self.secret_manager().store()?.load(&self.spec.domain, &self.o().environment)?;
        let current = stored.map(|s| s.current).unwrap_or_default();
        self.secret_names
            .iter()
            .map(|name| {
                let value = current.get(name).ok_or_else(|| Error::SecretStore(format!("{name} is not in the secret store of {} ({})", self.spec.domain, self.o().environment)))?;
                Ok((name.clone(), value.clone()))
            })
            .collect()
    }

    /// Makes an upload (`deploy` or `versions upload`) carry the domain's secrets: their JSON on stdin, read as
    /// the secrets file, and kept out of every output. Without `/dev/stdin` (Windows) they are put on the
    /// worker first with `secret bulk`, as before.
    pub(super) fn carry_secrets(&self, inv: &mut Invocation) -> Result<()> {
        if self.secret_names.is_empty() {
            return Ok(());
        }
        let secrets = self.secret_values()?;
        if cfg!(unix) {
            inv.args.extend(["--secrets-file".into(), "/dev/stdin".into()]);
            inv.stdin = Some(serde_json::to_vec(&secrets).unwrap_or_default());
            inv.redact.extend(secrets.values().cloned());
            return Ok(());
        }
        let config = self.rendered()?.path.clone();
        self.secret_manager().deploy_to(&self.spec.domain, &self.o().environment, &secrets, &config, vec![]).map(drop)
    }

    /// After the upload: the worker lists every secret it was sent. The upload that carried them is the
    /// evidence when they went up with the code (an accepted upload is one version, code and secrets); a
    /// `secret bulk` before it (no `/dev/stdin`), or a run without the API engine, reads them back.
    pub(super) fn verify_secrets(&self) -> Result<String> {
        if self.secret_names.is_empty() {
            return Ok(String::new());
        }
        let credentials = &self.o().credentials;
        let in_the_upload = cfg!(unix) && self.portfolio.by_api;
        let (Some(token), Some(account), false) = (&credentials.api_token, &credentials.account_id, in_the_upload) else {
            return Ok(format!(", with {} secret(s) in the same upload", self.secret_names.len()));
        };
        let api = crate::cloudflare::CloudflareApi::new(token)?;
        let worker = self.spec.worker_name();
        let listed = crate::http_check::block_on(async { api.worker_secrets(account, &worker).await })?;
        let missing: Vec<&String> = self.secret_names.iter().filter(|n| !listed.iter().any(|s| s["name"] == n.as_str())).collect();
        if !missing.is_empty() {
            let missing: Vec<&str> = missing.iter().map(|n| n.as_str()).collect();
            return Err(Error::VerificationFailed(format!("{worker} was uploaded with its secrets, but Cloudflare does not list {}", missing.join(", "))));
        }
        Ok(format!(", with its {} secret(s) (listed by Cloudflare)", self.secret_names.len()))
    }
}
