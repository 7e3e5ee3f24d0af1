//! A domain's gradual (canary) deploy: `versions upload`, then `versions
//! deploy new@p% stable@(100-p)%`, then a health gate on the new version
//! alone (Cloudflare's version-override header pins the requests to it),
//! then 100 % for the new version, or the traffic from before the run.

use serde_json::{Value, json};

use super::phases::{Context, Outcome, check_health, done, skipped};
use crate::error::{Error, Result};
use crate::rollback::Traffic;
use crate::service::settings::HealthCheck;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Canary {
    /// The new version's share while it is checked, above 0 and below 100.
    pub percent: f64,
    /// `None`: no gate, promote at once.
    pub gate: Option<Gate>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Gate {
    /// Default: the domain's URL.
    pub url: Option<String>,
    /// Default: the service's health check.
    pub path: Option<String>,
}

impl Canary {
    pub fn check(&self) -> Result<()> {
        match self.percent > 0.0 && self.percent < 100.0 {
            true => Ok(()),
            false => Err(Error::invalid(format!("canary.percent must be above 0 and below 100, got {}", self.percent))),
        }
    }
}

impl Context<'_> {
    fn canary(&self) -> Result<Canary> {
        self.canary.clone().ok_or_else(|| Error::invalid("not a canary deploy"))
    }

    /// Uploads the new version and gives it `percent` of the traffic beside the stable one.
    pub(super) fn canary_deploy(&mut self) -> Result<Outcome> {
        let canary = self.canary()?;
        let stable = self.stable_version()?;
        let message = format!("clodo canary {}", self.portfolio.deployment_id());
        let mut upload = self.invocation(&["versions", "upload", "--message", &message])?;
        self.carry_secrets(&mut upload)?;
        self.name_the_account(&mut upload)?;
        let reserved = self.reserve_for_wrangler(super::remote_api::VERSION_UPLOAD_REQUESTS)?;
        let Some(uploaded) = self.run_command(&upload)? else { return skipped("dry run") };
        drop(reserved);
        if let Some((kind, why)) = uploaded.failure {
            return Err(Error::Wrangler { kind, command: upload.display_argv().join(" "), message: format!("wrangler versions upload failed: {why}") });
        }
        let version = uploaded.events.iter().rev().find(|e| e["type"] == "version-upload").and_then(|e| e["version_id"].as_str()).map(str::to_owned);
        let version = version.ok_or_else(|| Error::invalid("wrangler versions upload wrote no version-upload event to its output file"))?;
        self.shift_traffic(&[(&version, canary.percent), (&stable, 100.0 - canary.percent)], &message)?;
        self.canary_version = Some(version.clone());
        self.url = self.url.clone().or_else(|| self.spec.custom_domain.then(|| format!("https://{}", self.spec.custom_hostname())));
        let secrets = self.verify_secrets()?;
        done(
            format!("version {version}{secrets} serves {}% of {}, {stable} the rest", canary.percent, self.spec.worker_name()),
            json!({"versionId": version, "url": self.url, "canary": {"percent": canary.percent, "stableVersionId": stable}}),
        )
    }

    /// Checks the new version alone; promotes it to 100 %, or puts the old traffic back.
    pub(super) fn canary_gate(&mut self) -> Result<Outcome> {
        let mut canary = self.canary()?;
        if self.o().dry_run {
            return skipped("dry run");
        }
        if self.o().skip_tests {
            canary.gate = None;
        }
        let version = self.canary_version.clone().ok_or_else(|| Error::invalid("the canary version is unknown (its deployment phase did not run)"))?;
        let message = format!("clodo canary {}", self.portfolio.deployment_id());
        let check = match &canary.gate {
            None => None,
            Some(gate) => {
                let base = gate.url.clone().or(self.url.clone()).ok_or_else(|| Error::invalid("the canary's health gate has no URL: pass canary.healthGate.url"))?;
                let pin = ("Cloudflare-Workers-Version-Overrides".to_owned(), format!("{}=\"{version}\"", self.spec.worker_name()));
                let health = match &gate.path {
                    Some(path) => HealthCheck::Endpoint { path: path.clone(), expect: None },
                    None => self.portfolio.settings.health.clone(),
                };
                Some(check_health(&base, &health, vec![pin]))
            }
        };
        match check {
            None | Some(Ok(_)) => {
                self.shift_traffic(&[(&version, 100.0)], &message)?;
                let checked = check.map(|c| c.map(|o| o.details).unwrap_or(Value::Null));
                done(format!("promoted {version} to 100% of {}", self.spec.worker_name()), json!({"versionId": version, "promoted": true, "gate": checked}))
            }
            Some(Err(why)) => {
                let outcome = self.roll_back(&format!("canary {version} failed its health gate"))?;
                let back = outcome["message"].as_str().unwrap_or_default().to_owned();
                self.rolled_back = Some(outcome);
                Err(Error::invalid(format!("canary {version} failed its health gate ({why}); rolled back: {back}")))
            }
        }
    }

    /// The version serving the most traffic before this run; a canary needs one.
    fn stable_version(&self) -> Result<String> {
        if self.o().dry_run {
            return Ok("<stable version>".into());
        }
        let point = self.rollback_point.as_ref().ok_or_else(|| Error::invalid("no rollback point was recorded for this domain"))?;
        let stable = point.versions.iter().max_by(|a, b| a.percentage.total_cmp(&b.percentage));
        stable.map(|t| t.version_id.clone()).ok_or_else(|| {
            Error::invalid(format!("{} has no deployed version to run a canary beside: deploy it once without canary first", point.worker_name))
        })
    }

    fn shift_traffic(&mut self, split: &[(&str, f64)], message: &str) -> Result<()> {
        if self.portfolio.by_api && !self.o().dry_run {
            let split: Vec<Traffic> = split.iter().map(|(version, percent)| Traffic { version_id: version.to_string(), percentage: *percent }).collect();
            let (api, worker) = (self.api()?, self.spec.worker_name());
            return crate::http_check::block_on(async { api.deploy_versions(&self.account(&api).await?, &worker, &split, message, false).await }).map(drop);
        }
        let mut args: Vec<String> = vec!["versions".into(), "deploy".into()];
        args.extend(split.iter().map(|(version, percent)| format!("{version}@{percent}%")));
        args.extend(["-y".into(), "--message".into(), message.into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let inv = self.invocation(&args)?;
        match self.run_command(&inv)? {
            Some(outcome) => match outcome.failure {
                Some((kind, why)) => Err(Error::Wrangler { kind, command: inv.display_argv().join(" "), message: format!("wrangler versions deploy failed: {why}") }),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }
}
