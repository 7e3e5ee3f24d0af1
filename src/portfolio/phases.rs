//! The six phases of one domain. Local mode: local D1, a real build, and the
//! worker served with the service's `.dev.vars` for its health check (both in
//! the run's helper, local_engine.rs); the remote parts are in
//! `remote.rs`. Every D1 binding the domain owns is migrated from the folder
//! its config names; a binding without one has nothing to migrate.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{PHASES, Portfolio};
use crate::rollback::RollbackPoint;
use super::details::{Database, Initialization, Migrated, Started, from_json, to_json};
use super::state::{PhaseRun, PhaseStatus};
use crate::d1::parse_apply_attempts;
use crate::deploy_check::{CheckOptions, Checker, Level};
use crate::domain_config::tenancy::DomainDatabase;
use crate::domain_config::{DomainSpec, Rendered, render};
use crate::error::{Error, Result};
use crate::http_check::{self, TestOptions};
use crate::service::settings::HealthCheck;
use crate::wrangler::Invocation;

pub struct Outcome {
    pub status: PhaseStatus,
    pub message: String,
    pub details: Value,
}

pub(super) fn done(message: impl Into<String>, details: Value) -> Result<Outcome> {
    Ok(Outcome { status: PhaseStatus::Completed, message: message.into(), details })
}

/// Done, but with something the user should know: the domain ends `completed-with-warnings`.
pub(super) fn done_with_warning(message: impl Into<String>, mut details: Value, warning: String) -> Result<Outcome> {
    details["warning"] = json!(warning);
    Ok(Outcome { status: PhaseStatus::Completed, message: message.into(), details })
}

pub(super) fn skipped(message: impl Into<String>) -> Result<Outcome> {
    Ok(Outcome { status: PhaseStatus::Skipped, message: message.into(), details: Value::Null })
}

pub fn phase_run(outcome: Result<Outcome>, took: Duration) -> PhaseRun {
    let (status, message, details) = match outcome {
        Ok(o) => (o.status, o.message, o.details),
        Err(e) => (PhaseStatus::Failed, e.to_string(), json!({"code": e.code()})),
    };
    PhaseRun { status, message, details, finished_at: crate::audit_log::now_iso(), duration_ms: took.as_millis() as u64 }
}

pub struct Context<'a> {
    pub(super) portfolio: &'a Portfolio,
    pub(super) spec: DomainSpec,
    pub(super) rendered: Option<Rendered>,
    /// Remote: the worker's traffic before this run, and the bookmark from before its migrations.
    pub rollback_point: Option<RollbackPoint>,
    pub(super) migrations_applied: usize,
    /// A gradual deploy instead of a direct one, and the version it uploaded.
    pub(super) canary: Option<super::canary::Canary>,
    pub(super) canary_version: Option<String>,
    /// Remote: the secrets the deployment uploads with the code (names; the values stay in the store).
    pub(super) secret_names: Vec<String>,
    /// A rollback a phase already did (a canary failing its gate).
    pub rolled_back: Option<Value>,
    pub url: Option<String>,
    /// Dry runs: the rendered config and the argv of every command.
    pub plan: Vec<Value>,
    /// What this phase saved when an earlier run started it and was stopped before it ended.
    pub interrupted: Option<Value>,
    /// The phase running now (for progress events from deep inside it).
    pub(super) phase: &'static str,
    /// Remote: the databases this run created (no bookmark to take before their first migrations), and those
    /// this invocation created (nothing applied to them yet, not even by an interrupted run).
    pub(super) created_databases: Vec<String>,
    pub(super) databases_created_now: Vec<String>,
}

impl<'a> Context<'a> {
    pub fn new(portfolio: &'a Portfolio, spec: &DomainSpec) -> Context<'a> {
        let mut spec = spec.clone();
        // Local mode: no custom domain to claim.
        spec.custom_domain &= !portfolio.options.local;
        spec.local = portfolio.options.local;
        spec.shared_bindings = portfolio.settings.shared_bindings.clone();
        Context { portfolio, spec, rendered: None, rollback_point: None, migrations_applied: 0, canary: None, canary_version: None, secret_names: vec![], rolled_back: None, url: None, plan: vec![], interrupted: None, phase: PHASES[0], created_databases: vec![], databases_created_now: vec![] }
    }

    /// What a phase done in an earlier run left for the later ones.
    pub fn restore(&mut self, phase: &str, details: &Value) {
        if phase == "initialization" {
            let init: Initialization = from_json(details);
            self.created_databases = init.databases_created.clone();
            for db in init.databases.into_iter().filter(|d| !d.shared) {
                if let Some(id) = db.database_id {
                    self.spec.database_ids.insert(db.database_name, id);
                }
            }
            for r in init.resources.into_iter().filter(|r| !r.shared && r.kind == crate::domain_config::resources::Kind::Kv) {
                if let Some(id) = r.id {
                    self.spec.resource_ids.insert(r.name, id);
                }
            }
            self.rendered = self.render().ok();
            self.rollback_point = init.rollback_point;
        }
        if phase == "database" {
            let database: Database = from_json(details);
            self.migrations_applied = database.migrations_applied;
            if let Some(point) = self.rollback_point.as_mut() {
                point.set_bookmarks(database.bookmarks());
            }
        }
        if let Some(url) = details["url"].as_str() {
            self.url = Some(url.to_owned());
        }
        if phase == "secrets" && !self.o().local {
            self.secret_names = details["names"].as_array().into_iter().flatten().filter_map(|n| n.as_str().map(str::to_owned)).collect();
        }
        if phase == "deployment" && self.canary.is_some() {
            self.canary_version = details["versionId"].as_str().map(str::to_owned);
        }
    }

    pub fn run(&mut self, phase: &str) -> Result<Outcome> {
        self.phase = PHASES.iter().find(|p| **p == phase).copied().unwrap_or(PHASES[0]);
        match phase {
            "validation" => self.validation(),
            "initialization" => self.initialization(),
            "database" => self.database(),
            "secrets" if self.o().local => self.local_secrets(),
            "secrets" => self.prepare_secrets(),
            "deployment" if self.o().local => self.deployment(),
            "deployment" if self.canary.is_some() => self.canary_deploy(),
            "deployment" => self.deploy_remote(),
            _ if self.o().local => self.post_validation(),
            _ if self.canary.is_some() => self.canary_gate(),
            _ => self.check_deployed(),
        }
    }

    pub(super) fn o(&self) -> &super::Options {
        &self.portfolio.options
    }

    pub(super) fn render(&self) -> Result<Rendered> {
        render(&self.o().config_path, &self.spec, &self.o().service_path.join(".clodo").join("rendered"))
    }

    pub(super) fn rendered(&self) -> Result<&Rendered> {
        self.rendered.as_ref().ok_or_else(|| Error::invalid("the domain's config was not rendered"))
    }

    pub(super) fn invocation(&self, args: &[&str]) -> Result<Invocation> {
        let mut inv = Invocation::new(args.iter().map(|a| a.to_string()).collect(), &self.rendered()?.path, &self.o().service_path);
        inv.timeout = self.o().timeout;
        Ok(inv)
    }

    /// Runs a command, or in a dry run adds its argv to the plan.
    pub(super) fn run_command(&mut self, inv: &Invocation) -> Result<Option<crate::wrangler::Outcome>> {
        if self.o().dry_run {
            self.plan.push(json!({"command": inv.display_argv()}));
            return Ok(None);
        }
        Ok(Some(self.portfolio.runner.get()?.run_raw(inv)?))
    }

    fn validation(&mut self) -> Result<Outcome> {
        let checker = Checker::new(CheckOptions {
            service_path: self.o().service_path.clone(),
            config_path: Some(self.o().config_path.clone()),
            environment: self.o().environment.clone(),
            level: Level::Basic,
            remote: Some(!self.o().local),
            wrangler_path: self.o().wrangler_path.clone(),
            credentials: self.o().credentials.clone(),
        });
        let failures: Vec<String> = checker.prerequisites().into_iter().filter(|c| c.status == "fail").map(|c| format!("{}: {}", c.name, c.message)).collect();
        match failures.is_empty() {
            true => done("wrangler, the config and the entry point are in place", Value::Null),
            false => Err(Error::invalid(failures.join("; "))),
        }
    }

    fn initialization(&mut self) -> Result<Outcome> {
        let mut rendered = self.render()?;
        let mut created = vec![];
        let mut resources_created = vec![];
        if !self.o().local {
            // Remote: each database, namespace, bucket and queue the domain owns exists (reused or created) and its real id goes into the config.
            let mut names: Vec<String> = vec![];
            for db in rendered.databases.iter().filter(|d| !d.shared) {
                if !names.contains(&db.database_name) {
                    names.push(db.database_name.clone());
                }
            }
            for name in names {
                if self.ensure_database(&name)? {
                    created.push(name);
                }
            }
            self.created_databases = created.clone();
            self.databases_created_now = created.clone();
            resources_created = self.ensure_resources(&rendered)?;
            self.find_zone()?;
            rendered = self.render()?;
        }
        let primary = crate::domain_config::tenancy::primary(&rendered.databases);
        let mut details = Initialization {
            config_path: rendered.path.clone(),
            worker_name: self.spec.worker_name(),
            databases: rendered.databases.clone(),
            database_name: primary.map(|d| d.database_name.clone()),
            database_id: primary.and_then(|d| d.database_id.clone()),
            databases_created: created,
            resources: rendered.resources.clone(),
            resources_created,
            rollback_point: None,
        };
        if self.o().dry_run {
            self.plan.push(json!({"configPath": rendered.path, "config": rendered.config}));
        } else {
            rendered.write()?;
        }
        let message = format!("rendered its own config for worker {}{}{}", self.spec.worker_name(), describe_databases(&rendered.databases), describe_resources(&rendered.resources));
        self.rendered = Some(rendered);
        if !self.o().local {
            details.rollback_point = self.record_rollback_point()?;
        }
        done(message, to_json(&details))
    }

    /// Migrates every database the domain owns from its binding's migrations folder.
    fn database(&mut self) -> Result<Outcome> {
        let databases = self.rendered()?.databases.clone();
        if databases.is_empty() {
            return skipped("the service has no D1 binding: nothing to migrate");
        }
        let mode = if self.o().local { "--local" } else { "--remote" };
        let interrupted = self.interrupted.take();
        let interrupted: Option<Started> = interrupted.as_ref().map(from_json);
        // Through the API, a bookmark is taken only when a database has something to apply (migrate_by_api).
        let by_api = self.portfolio.by_api;
        let mut bookmarks = match by_api {
            true => Default::default(),
            false => self.bookmarks_before_migrations(&databases, interrupted.as_ref())?,
        };
        let mut reports = vec![];
        let mut notes = vec![];
        let mut migrated: Vec<&str> = vec![];
        for db in &databases {
            let name = db.database_name.as_str();
            if db.shared {
                notes.push(format!("{} is shared ({name}): not migrated per domain", db.binding));
                reports.push(Migrated { binding: db.binding.clone(), database_name: name.to_owned(), shared: true, ..Default::default() });
                continue;
            }
            // Two bindings of one database: migrated once.
            if migrated.contains(&name) {
                continue;
            }
            migrated.push(name);
            if !db.migrations_dir.is_dir() {
                let folder = crate::domain_config::relative(&db.migrations_dir, &self.o().service_path);
                notes.push(format!("{}: no migrations folder ({folder}), nothing to migrate", db.binding));
                reports.push(Migrated { binding: db.binding.clone(), database_name: name.to_owned(), note: Some("no migrations folder".into()), ..Default::default() });
                continue;
            }
            let mut folder = db.migrations_dir.clone();
            if !self.o().local && !self.o().dry_run
                && let Some((note, shadow)) = self.split_large_migrations(db)?
            {
                notes.push(note);
                folder = shadow;
            }
            if self.o().local && self.o().dry_run && self.helper_migrations_table(db)?.is_some() {
                self.plan.push(json!({"helper": format!("migrate {} from {} in the run's local helper (miniflare)", db.binding, crate::domain_config::relative(&db.migrations_dir, &self.o().service_path))}));
                continue;
            }
            if self.o().local && !self.o().dry_run
                && let Some(applied) = self.migrate_locally(db)?
            {
                notes.push(format!("{} migration(s) applied to {name}", applied.len()));
                self.migrations_applied += applied.len();
                reports.push(Migrated { binding: db.binding.clone(), database_name: name.to_owned(), applied, ..Default::default() });
                continue;
            }
            if by_api && self.o().dry_run {
                let from = crate::domain_config::relative(&db.migrations_dir, &self.o().service_path);
                self.plan_request(&format!("POST /accounts/<account>/d1/database/<{name}>/query"), &format!("apply {from} with wrangler's d1_migrations bookkeeping: one request to read it, then a Time Travel bookmark and one request per migration not applied"));
                continue;
            }
            let applied = match by_api {
                true => self.migrate_by_api(db, &folder, &mut bookmarks, interrupted.as_ref())?,
                false => {
                    let inv = self.invocation(&["d1", "migrations", "apply", &db.binding, mode])?;
                    let Some(outcome) = self.run_command(&inv)? else { continue };
                    let report = parse_apply_attempts(&outcome);
                    if let Some((_, message)) = outcome.failure {
                        let message = match &report.failed {
                            Some(file) => crate::d1::with_size_hint(message, &db.migrations_dir.join(file)),
                            None => message,
                        };
                        let file = report.failed.map(|f| format!("{f} failed: ")).unwrap_or_default();
                        return Err(Error::invalid(format!("migrations of {name} (binding {}): {file}{message}", db.binding)));
                    }
                    report.applied
                }
            };
            self.migrations_applied += applied.len();
            notes.push(format!("{} migration(s) applied to {name}", applied.len()));
            // A stopped run may have applied some before: its bookmark undoes those too.
            let earlier = interrupted.as_ref().is_some_and(|i| i.bookmarks.contains_key(name));
            if earlier {
                notes.push(format!("{name}: an earlier, interrupted run may have applied some; its bookmark from before them is kept"));
            }
            let bookmark = bookmarks.get(name).cloned();
            reports.push(Migrated { binding: db.binding.clone(), database_name: name.to_owned(), applied, bookmark, interrupted_before: earlier, ..Default::default() });
        }
        if self.o().dry_run {
            return skipped("dry run");
        }
        let details = Database { migrations_applied: self.migrations_applied, databases: reports };
        if let Some(point) = self.rollback_point.as_mut() {
            point.set_bookmarks(details.bookmarks());
        }
        done(notes.join("; "), to_json(&details))
    }

    /// Local: `db` migrated by the run's one helper process (local_engine.rs), as wrangler would: the names
    /// applied. `None` when the helper cannot do it (no miniflare beside the wrangler found): wrangler then does.
    fn migrate_locally(&self, db: &crate::domain_config::tenancy::DomainDatabase) -> Result<Option<Vec<String>>> {
        let Some(table) = self.helper_migrations_table(db)? else { return Ok(None) };
        let rendered = self.rendered()?;
        let runner = self.portfolio.runner.get()?;
        let request = super::local_engine::Migrate {
            wrangler: &runner.wrangler.path,
            persist: rendered.path.with_file_name(".wrangler").join("state"),
            database_id: db.id_or_name(),
            migrations_dir: &db.migrations_dir,
            table: &table,
        };
        let answer = match self.portfolio.local_engine.migrate(&request) {
            Ok(answer) if answer.error.is_none() => answer,
            _ => return Ok(None),
        };
        match answer.failed {
            None => Ok(Some(answer.applied)),
            Some(failed) => {
                let before = if answer.applied.is_empty() { String::new() } else { format!(" (applied before it: {})", answer.applied.join(", ")) };
                Err(Error::invalid(format!("migrations of {} (binding {}): {} failed: {}{before}", db.database_name, db.binding, failed.name, failed.message)))
            }
        }
    }

    /// The bookkeeping table the helper would use for `db`; `None` when the helper is off or the table's name is
    /// not one it may put in SQL (wrangler then migrates).
    fn helper_migrations_table(&self, db: &crate::domain_config::tenancy::DomainDatabase) -> Result<Option<String>> {
        if !super::local_engine::enabled() {
            return Ok(None);
        }
        let table = self.migrations_table(db)?;
        Ok(crate::cloudflare::d1::plain_table_name(&table).then_some(table))
    }

    /// The bookkeeping table of `db`'s migrations, as its config names it (wrangler's default otherwise).
    pub(super) fn migrations_table(&self, db: &crate::domain_config::tenancy::DomainDatabase) -> Result<String> {
        let rendered = self.rendered()?;
        let entry = rendered.config["d1_databases"].as_array().into_iter().flatten().find(|e| e["binding"] == db.binding.as_str());
        Ok(entry.and_then(|e| e["migrations_table"].as_str()).unwrap_or("d1_migrations").to_owned())
    }

    /// Remote: when a migration of `db` has a multi-row INSERT over D1's 100 KB statement limit, its binding
    /// migrates from a copy of the folder with those INSERTs split (same file names, so the same bookkeeping).
    fn split_large_migrations(&mut self, db: &crate::domain_config::tenancy::DomainDatabase) -> Result<Option<(String, std::path::PathBuf)>> {
        let rendered = self.rendered.as_mut().ok_or_else(|| Error::invalid("the domain's config was not rendered"))?;
        let folder = rendered.path.parent().map(|p| p.join("migrations").join(&db.binding)).unwrap_or_default();
        let Some((shadow, files)) = crate::d1::split::shadow_folder(&db.migrations_dir, &folder)? else { return Ok(None) };
        let entries = rendered.config["d1_databases"].as_array_mut().into_iter().flatten();
        for entry in entries.filter(|e| e["binding"] == db.binding.as_str()) {
            entry["migrations_dir"] = json!(shadow);
        }
        rendered.text = format!("{}\n", serde_json::to_string_pretty(&rendered.config).unwrap_or_default());
        rendered.write()?;
        Ok(Some((format!("{}: {} split into statements within D1's 100 KB limit (a copy in {})", db.binding, files.join(", "), shadow.display()), shadow)))
    }

    /// The secrets the service declares for this environment (its rendered config is the environment's).
    pub(super) fn declared_secrets(&self) -> Result<Vec<crate::service::settings::DeclaredSecret>> {
        let config = self.rendered()?.config.as_object().cloned().unwrap_or_default();
        Ok(self.portfolio.settings.declared_secrets(&self.o().service_path, &config, &self.o().environment))
    }

    /// Local mode uploads nothing: the declared secrets come from the service's
    /// `.dev.vars` (or `.env`); one missing there is a warning.
    fn local_secrets(&self) -> Result<Outcome> {
        let o = self.o();
        let declared = self.declared_secrets()?;
        let files = local_env_files(&o.service_path, &o.environment);
        let mut present = vec![];
        for file in &files {
            present.extend(std::fs::read_to_string(file).map(|t| crate::customer_records::parse_env(&t).into_keys().collect::<Vec<_>>()).unwrap_or_default());
        }
        let missing: Vec<&str> = declared.iter().map(|d| d.name.as_str()).filter(|n| !present.iter().any(|p| p == n)).collect();
        let shown: Vec<String> = files.iter().map(|f| crate::domain_config::relative(f, &o.service_path)).collect();
        let message = match (declared.len(), shown.is_empty()) {
            (0, _) => "local mode: nothing to upload (secrets go to Cloudflare in remote mode)".to_owned(),
            (n, true) => format!("local mode: nothing to upload; {n} declared secret(s), and no .dev.vars to give them locally"),
            (n, false) => format!("local mode: nothing to upload; {n} declared secret(s) from {}", shown.join(", ")),
        };
        let mut outcome = Outcome { status: PhaseStatus::Skipped, message, details: json!({"declared": declared.iter().map(|d| &d.name).collect::<Vec<_>>(), "missing": missing}) };
        if !missing.is_empty() {
            outcome.details["warning"] = json!(format!("{} declared but not set for local runs (add to .dev.vars)", missing.join(", ")));
        }
        Ok(outcome)
    }

    /// The service's custom build (once per run), if it has one; its note for the phase's message.
    pub(super) fn build(&mut self) -> Result<String> {
        let Some(step) = self.rendered()?.build.clone() else { return Ok(String::new()) };
        if self.o().dry_run {
            self.plan.push(json!({"build": step.command, "cwd": step.cwd}));
            return Ok(String::new());
        }
        let built = self.portfolio.builds.ensure(&step, self.o().timeout)?;
        Ok(match built.ran_here {
            true => format!("; custom build `{}` ran in {:.1}s", step.command, built.took.as_secs_f64()),
            false => format!("; custom build `{}` already ran in this run", step.command),
        })
    }

    /// Local: the domain's bundle, built by `wrangler deploy --dry-run` once per distinct build input in the run
    /// (domains of one service differ in name, vars, databases and routes, none of which is in the bundle); the
    /// state records the bundle's size and sha256 for every domain.
    fn deployment(&mut self) -> Result<Outcome> {
        let build = self.build()?;
        if self.o().dry_run {
            let inv = self.bundle_invocation()?;
            self.run_command(&inv)?;
            return skipped("dry run");
        }
        let (bundle, ran_here) = self.portfolio.bundles.get_or_run(&bundle_key(self.rendered()?), || self.bundle())?;
        let details = json!({"outdir": bundle.outdir, "bundle": bundle.file, "bundleBytes": bundle.bytes, "bundleSha256": bundle.sha256, "builtFor": bundle.built_for, "assetsOnly": bundle.file.is_none()});
        let what = match &bundle.file {
            None => "an assets-only worker, no script to bundle (checked with wrangler)".to_owned(),
            Some(file) => format!("{} ({} bytes, sha256 {})", file.display(), bundle.bytes, &bundle.sha256[..12.min(bundle.sha256.len())]),
        };
        match ran_here {
            true => done(format!("built {what}{build}"), details),
            false => done(format!("same build input as {}: its bundle serves this domain too, {what}{build}", bundle.built_for), details),
        }
    }

    fn bundle_invocation(&self) -> Result<crate::wrangler::Invocation> {
        let outdir = self.rendered()?.path.with_file_name("dist");
        let metafile = outdir.join("bundle-meta.json");
        self.invocation(&["deploy", "--dry-run", "--outdir", &outdir.display().to_string(), "--metafile", &metafile.display().to_string()])
    }

    /// `wrangler deploy --dry-run` of the rendered config, and the bundle it wrote.
    fn bundle(&self) -> Result<super::build::Bundle> {
        let inv = self.bundle_invocation()?;
        let outcome = self.portfolio.runner.get()?.run_raw(&inv)?;
        if let Some((_, message)) = outcome.failure {
            return Err(Error::invalid(format!("build failed: {message}")));
        }
        let outdir = self.rendered()?.path.with_file_name("dist");
        let built_for = self.spec.domain.clone();
        let Some(main) = self.rendered()?.config["main"].as_str().map(str::to_owned) else {
            return Ok(super::build::Bundle { outdir, file: None, bytes: 0, sha256: String::new(), built_for });
        };
        let file = bundle_path(&outdir, &outdir.join("bundle-meta.json"), &main);
        let bytes = file.as_ref().and_then(|b| std::fs::read(b).ok()).filter(|b| !b.is_empty());
        match (file, bytes) {
            (Some(file), Some(bytes)) => {
                use sha2::Digest;
                let sha256 = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
                Ok(super::build::Bundle { outdir, file: Some(file), bytes: bytes.len() as u64, sha256, built_for })
            }
            _ => Err(Error::invalid(format!("wrangler reported success but no bundle for {main} is in {}", outdir.display()))),
        }
    }

    /// Serves the domain's built worker (the service's `.dev.vars` applied) and checks it over HTTP: in the run's
    /// one helper process, else (helper off, an assets-only worker, a worker the helper cannot serve) with a
    /// `wrangler dev` of its own.
    fn post_validation(&mut self) -> Result<Outcome> {
        if self.o().skip_tests {
            return skipped("skipTests");
        }
        let mut why_wrangler = None;
        if super::local_engine::enabled() {
            if self.o().dry_run {
                let health = match &self.portfolio.settings.health {
                    HealthCheck::Endpoint { path, .. } => path.as_str(),
                    HealthCheck::StartOnly => "/",
                };
                self.plan.push(json!({"helper": format!("serve the built worker in the run's local helper (miniflare, one for every domain), then GET {health}")}));
                return skipped("dry run");
            }
            match self.serve_in_helper() {
                Ok(Some(checked)) => return checked,
                Ok(None) => why_wrangler = Some("an assets-only worker has no bundle for the helper to serve".to_owned()),
                Err(e) => why_wrangler = Some(format!("the local helper could not serve it: {e}")),
            }
        }
        let mut outcome = self.serve_with_wrangler_dev()?;
        if let (Some(why), Ok(outcome)) = (why_wrangler, outcome.as_mut()) {
            outcome.details["servedBy"] = json!("wrangler dev");
            outcome.details["whyWranglerDev"] = json!(why);
        }
        outcome
    }

    /// The domain's bundle served by the run's helper, checked while it is served; `None` for an assets-only
    /// worker. An `Err` is why the helper could not serve it (a failed check is an `Ok` holding the failure).
    fn serve_in_helper(&mut self) -> Result<Option<Result<Outcome>>> {
        let (bundle, _) = self.portfolio.bundles.get_or_run(&bundle_key(self.rendered()?), || self.bundle())?;
        let Some(file) = &bundle.file else { return Ok(None) };
        let runner = self.portfolio.runner.get()?;
        let rendered = self.rendered()?;
        let request = super::local_engine::Serve {
            wrangler: &runner.wrangler.path,
            config: &rendered.path,
            env_files: local_env_files(&self.o().service_path, &self.o().environment),
            persist: rendered.path.with_file_name(".wrangler").join("state"),
            bundle: file,
            metafile: bundle.outdir.join("bundle-meta.json"),
        };
        let health = &self.portfolio.settings.health;
        let (url, checked) = self.portfolio.local_engine.serve(&request, |url| (url.to_owned(), check_health(url, health, vec![])))?;
        self.url = Some(url);
        Ok(Some(checked.map(|mut outcome| {
            outcome.message += ", served by the run's local helper";
            outcome.details["servedBy"] = json!("local helper");
            outcome
        })))
    }

    /// `wrangler dev` on the domain's rendered config, on ports of its own, checked over HTTP, then stopped.
    fn serve_with_wrangler_dev(&mut self) -> Result<Result<Outcome>> {
        // Two ports of our own: wrangler's default inspector port (9229) is shared by every
        // `wrangler dev` on the machine, so two domains validated at once would collide on it.
        let invocation = |this: &Self| -> Result<crate::wrangler::Invocation> {
            let (port, inspector_port) = (free_port()?, free_port()?);
            let mut inv = this.invocation(&["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--inspector-port", &inspector_port.to_string()])?;
            for file in local_env_files(&this.o().service_path, &this.o().environment) {
                inv.args.extend(["--env-file".to_owned(), file.display().to_string()]);
            }
            inv.env.push(("CLOUDFLARE_CF_FETCH_ENABLED".into(), "false".into()));
            inv.timeout = this.ready_timeout();
            Ok(inv)
        };
        if self.o().dry_run {
            self.plan.push(json!({"command": invocation(self)?.display_argv()}));
            return Ok(skipped("dry run"));
        }
        let scratch = tempfile::tempdir().map_err(|e| Error::io("create a scratch folder in", &std::env::temp_dir(), e))?;
        // A free port can be taken by another process between our probe and wrangler's bind:
        // that start is tried again on new ports, twice at most.
        let mut attempts = 0;
        let server = loop {
            attempts += 1;
            match self.portfolio.runner.get()?.start(&invocation(self)?, &scratch.path().join("output.ndjson")) {
                Err(Error::Wrangler { message, .. }) if message.contains("Address already in use") && attempts < 3 => continue,
                started => break started?,
            }
        };
        let url = server.url.clone();
        let check = check_health(&url, &self.portfolio.settings.health, vec![]);
        drop(server);
        self.url = Some(url);
        Ok(check)
    }

    /// How long `wrangler dev` may take to be ready: the setting, else 90 s plus twice the longest build.
    fn ready_timeout(&self) -> Duration {
        self.portfolio.settings.ready_timeout.unwrap_or_else(|| Duration::from_secs(90) + self.portfolio.builds.longest() * 2)
    }
}

/// What a domain's databases are, for the initialization message.
fn describe_databases(databases: &[DomainDatabase]) -> String {
    let parts: Vec<String> = databases
        .iter()
        .map(|d| format!("{} → {}{}", d.binding, d.database_name, if d.shared { " (shared)" } else { "" }))
        .collect();
    match parts.is_empty() {
        true => String::new(),
        false => format!("; D1 {}", parts.join(", ")),
    }
}

/// What a domain's KV namespaces, R2 buckets and queues are, for the initialization message.
fn describe_resources(resources: &[crate::domain_config::resources::DomainResource]) -> String {
    let parts: Vec<String> = resources
        .iter()
        .map(|r| format!("{} {} → {}{}", r.kind.as_str().to_uppercase(), r.binding, r.name, if r.shared { " (shared)" } else { "" }))
        .collect();
    match parts.is_empty() {
        true => String::new(),
        false => format!("; {}", parts.join(", ")),
    }
}

/// What decides a domain's bundle: its rendered config without what only differs per domain (the worker's
/// name, vars, databases, namespaces, buckets, queues and routes never reach the bundle).
fn bundle_key(rendered: &Rendered) -> String {
    let mut config = rendered.config.clone();
    if let Some(object) = config.as_object_mut() {
        for per_domain in ["name", "vars", "d1_databases", "kv_namespaces", "r2_buckets", "queues", "routes", "route", "workers_dev"] {
            object.remove(per_domain);
        }
    }
    // Its paths are relative to the rendered config's folder, which is equally deep for every domain.
    config.to_string()
}

/// The bundle wrangler wrote: the metafile's entry output, else the entry's name as a `.js`.
fn bundle_path(outdir: &std::path::Path, metafile: &std::path::Path, main: &str) -> Option<std::path::PathBuf> {
    let meta: Value = std::fs::read_to_string(metafile).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
    let from_meta = meta["outputs"].as_object().and_then(|outputs| {
        let (path, _) = outputs.iter().find(|(_, o)| o.get("entryPoint").is_some())?;
        Some(outdir.join(std::path::Path::new(path).file_name()?))
    });
    let main = std::path::Path::new(main);
    let by_stem = main.file_stem().map(|stem| outdir.join(stem).with_extension("js"));
    // Without bundling wrangler copies the entry as it is.
    let as_is = main.file_name().map(|name| outdir.join(name));
    [from_meta, by_stem, as_is].into_iter().flatten().find(|p| p.is_file())
}

/// The service's local variables as `wrangler dev` would load them beside
/// its own config: `.dev.vars.<env>` or `.dev.vars`, else the `.env` files.
pub fn local_env_files(service: &std::path::Path, environment: &str) -> Vec<std::path::PathBuf> {
    for dev_vars in [format!(".dev.vars.{environment}"), ".dev.vars".to_owned()] {
        if service.join(&dev_vars).is_file() {
            return vec![service.join(dev_vars)];
        }
    }
    crate::wrangler::dotenv_files(Some(environment))
        .into_iter()
        .map(|f| service.join(f))
        .filter(|p| p.is_file())
        .collect()
}

/// The worker at `base` checked as the service says: its health path must
/// answer 2xx (with the expected text, when given); a service without a
/// health endpoint must start and answer at all. A health path answered
/// exactly like a path that cannot exist proves only that the worker starts
/// (a single-page-app fallback): that is a warning.
pub(super) fn check_health(base: &str, health: &HealthCheck, headers: Vec<(String, String)>) -> Result<Outcome> {
    let options = TestOptions { retries: 5, deadline: Duration::from_secs(20), timeout: Duration::from_secs(10), headers, ..TestOptions::default() };
    let (path, expect) = match health {
        HealthCheck::Endpoint { path, expect } => (path.as_str(), expect.as_deref()),
        HealthCheck::StartOnly => ("/", None),
    };
    let url = http_check::join_url(base, path);
    let probe = |url: String, options: TestOptions| {
        http_check::block_on(async move {
            let client = http_check::client(options.timeout)?;
            Ok(http_check::probe(&client, "health", &url, &options, Instant::now()).await)
        })
    };
    if *health == HealthCheck::StartOnly {
        // Any answer shows it started; 5xx means it throws.
        let check = probe(url.clone(), TestOptions { expect_status: (100..500).collect(), ..options })?;
        let details = json!({"url": url, "health": check.to_json(), "healthEndpoint": false});
        return match (check.passed, check.status) {
            (true, Some(status)) => done(format!("{url} answered {status}: the worker starts (it has no health endpoint, so only that was checked)"), details),
            _ => Err(Error::invalid(format!("{url}: {}", check.error.unwrap_or_default()))),
        };
    }
    let check = probe(url.clone(), options.clone())?;
    let status = check.status.unwrap_or(0);
    if !check.passed {
        return Err(Error::invalid(format!("{url}: {}", check.error.unwrap_or_default())));
    }
    let details = json!({"url": url, "health": check.to_json()});
    if let Some(expect) = expect {
        let body = check.body.as_deref().unwrap_or_default();
        return match body.contains(expect) {
            true => done(format!("{url} answered {status} with {expect:?}"), details),
            false => Err(Error::invalid(format!("{url} answered {status} without the expected text {expect:?}: {}", check.body_excerpt))),
        };
    }
    let nowhere = http_check::join_url(base, &format!("/__clodo-no-such-path-{}", crate::secrets::secret_value(16)?));
    let other = probe(nowhere, TestOptions { retries: 1, ..options })?;
    if other.passed && other.body == check.body {
        let warning = format!("{path} answers like any other path (a single-page-app fallback?): set the health path, or the text it must contain (--health-expect, clodo.json health.expect)");
        return done_with_warning(format!("{url} answered {status}, but so does every path: only start-up is proven"), details, warning);
    }
    done(format!("{url} answered {status}"), details)
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).map_err(|e| Error::invalid(format!("no free port on 127.0.0.1: {e}")))
}
