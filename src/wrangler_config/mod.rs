//! WranglerConfigManager's core: reads and edits `wrangler.toml`,
//! `wrangler.jsonc` and `wrangler.json` in place, under a cross-process lock,
//! with atomic writes. Every operation goes through `edit`, and every choice of
//! "which section does this environment mean" goes through `env_target`.

pub mod bindings;
pub mod features;
mod customer;
pub mod summary;
mod validate;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::atomic_file::{self, FileLock, WriteOptions};
use crate::document::{Document, Format, Seg, key};
use crate::error::{Error, Result};
use crate::paths::{absolute, current_dir};

pub use customer::CustomerParams;
pub use validate::{Finding, NOT_INHERITED, Severity, Validation, ValidateOptions};

/// Wrangler's own discovery order inside one folder.
pub const CONFIG_FILE_NAMES: [&str; 3] = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

#[derive(Debug, Clone)]
pub struct Options {
    pub project_root: PathBuf,
    pub config_path: PathBuf,
    pub dry_run: bool,
    pub verbose: bool,
    pub account_id: Option<String>,
    /// The environment that lives at the top level of the file.
    pub production_environment: String,
    pub write: WriteOptions,
}

impl Options {
    /// Options for an explicit config file; its folder is the project root.
    pub fn for_config_path(path: impl AsRef<Path>) -> Options {
        let config_path = absolute(path.as_ref(), &current_dir());
        let project_root = config_path.parent().map(Path::to_path_buf).unwrap_or_else(current_dir);
        Options::new(project_root, config_path)
    }

    /// Options for a project folder; an explicit `config_path` (relative to
    /// the root) wins, otherwise the first existing file in wrangler's order,
    /// otherwise `wrangler.toml`.
    pub fn for_project(project_root: Option<&Path>, config_path: Option<&Path>) -> Options {
        let root = project_root.map(|r| absolute(r, &current_dir())).unwrap_or_else(current_dir);
        let config = match config_path {
            Some(p) => absolute(p, &root),
            None => discover_config(&root).unwrap_or_else(|| root.join("wrangler.toml")),
        };
        Options::new(root, config)
    }

    fn new(project_root: PathBuf, config_path: PathBuf) -> Options {
        Options {
            project_root,
            config_path,
            dry_run: false,
            verbose: false,
            account_id: None,
            production_environment: "production".into(),
            write: WriteOptions::default(),
        }
    }
}

/// The config the command line named with `-c/--config`: its folder's config, whatever its name.
static PREFERRED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes `file` the config of its folder for this process (the CLI's `-c`, set once before any work).
pub fn prefer_config(file: &Path) -> Result<()> {
    let file = std::path::absolute(file).map_err(|e| Error::io("Failed to resolve", file, e))?;
    if !file.is_file() {
        return Err(Error::ConfigNotFound { path: file.clone(), message: format!("No wrangler config at {}", file.display()) });
    }
    PREFERRED.set(file).map_err(|_| Error::invalid("--config was given twice"))
}

/// The first wrangler config file in `dir`, in wrangler's order (or the one `-c` named for that folder).
pub fn discover_config(dir: &Path) -> Option<PathBuf> {
    let preferred = PREFERRED.get().filter(|f| std::path::absolute(dir).ok().as_deref() == f.parent());
    preferred.cloned().or_else(|| CONFIG_FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()))
}

/// A write that dry-run mode did not perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWrite {
    pub path: PathBuf,
    pub content: String,
}

pub struct WranglerConfig {
    options: Options,
    /// Dry-run writes, in order; later reads see them so a sequence of
    /// operations plans what it would really do.
    planned: Mutex<Vec<PlannedWrite>>,
    /// Whether this manager has swept up killed writers' temporary files
    /// yet. It does so beside the first file it writes, once: a sweep lists
    /// the folder, which would slow every write.
    swept: AtomicBool,
}

/// A temporary file older than this is a killed writer's, not a live one's.
const STALE_TEMP_AGE: Duration = Duration::from_secs(60);

/// A D1 binding as the caller gave it, normalised to wrangler's keys.
fn d1_entry(info: &Value) -> Result<(String, String, Map<String, Value>)> {
    let info = info.as_object().ok_or_else(|| Error::invalid("Database info must be an object like { binding, database_name, database_id }"))?;
    let text = |names: &[&str]| names.iter().find_map(|n| info.get(*n).and_then(Value::as_str)).filter(|s| !s.is_empty()).map(str::to_string);
    let binding = text(&["binding"]).unwrap_or_else(|| "DB".into());
    let (Some(name), Some(id)) = (text(&["database_name", "databaseName"]), text(&["database_id", "databaseId"])) else {
        return Err(Error::invalid("Database name and ID are required"));
    };
    crate::d1::names::binding(&binding)?;
    crate::d1::names::database(&name)?;
    crate::d1::names::database_id(&id)?;
    let mut entry = Map::new();
    entry.insert("binding".into(), json!(binding));
    entry.insert("database_name".into(), json!(name));
    entry.insert("database_id".into(), json!(id));
    for (k, v) in info {
        let k = snake_case(k);
        if !entry.contains_key(&k) && k != "database_name" && k != "database_id" && !v.is_null() {
            entry.insert(k, v.clone());
        }
    }
    Ok((binding, name, entry))
}

impl WranglerConfig {
    pub fn new(options: Options) -> WranglerConfig {
        WranglerConfig { options, planned: Mutex::new(Vec::new()), swept: AtomicBool::new(false) }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn config_path(&self) -> &Path {
        &self.options.config_path
    }

    pub fn format(&self) -> Format {
        Format::from_path(&self.options.config_path)
    }

    /// Writes dry-run mode has planned so far.
    pub fn planned_writes(&self) -> Vec<PlannedWrite> {
        self.planned.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn note(&self, message: impl AsRef<str>) {
        if self.options.verbose {
            eprintln!("clodo: {}", message.as_ref());
        }
    }

    /// The text of `path` as this manager sees it (dry-run plans included).
    fn current_text(&self, path: &Path) -> Result<Option<String>> {
        if self.options.dry_run {
            let planned = self.planned.lock().ok().and_then(|p| p.iter().rev().find(|w| w.path == path).map(|w| w.content.clone()));
            if planned.is_some() {
                return Ok(planned);
            }
        }
        atomic_file::read_text(path)
    }

    fn load(&self, path: &Path) -> Result<Option<Document>> {
        if let Ok(meta) = std::fs::metadata(path)
            && meta.len() > MAX_CONFIG_BYTES
        {
            return Err(Error::invalid(format!(
                "{} is {} MiB; clodo reads wrangler configs of up to {} MiB (wrangler's own are kilobytes: move data out of vars)",
                path.display(),
                meta.len() / (1024 * 1024),
                MAX_CONFIG_BYTES / (1024 * 1024)
            )));
        }
        match self.current_text(path)? {
            Some(text) => Document::parse(&text, Format::from_path(path), path).map(Some),
            None => Ok(None),
        }
    }

    /// The document of the main config file, or `None` when there is none.
    pub fn document(&self) -> Result<Option<Document>> {
        self.load(&self.options.config_path)
    }

    /// The main config's document; an empty one when the file is missing
    /// (it has no sections, like the defaults `readConfig` reports).
    fn document_or_empty(&self) -> Result<Document> {
        Ok(self.document()?.unwrap_or_else(|| Document::empty(self.format())))
    }

    /// Read-modify-write of `path`'s text under its lock, re-read under the
    /// lock. `change` gets the current text (`None`: no file) and returns the
    /// new text, or `None` to leave the file as it is.
    fn update_text<T>(&self, path: &Path, change: impl FnOnce(Option<String>) -> Result<(T, Option<String>)>) -> Result<T> {
        let lock = match self.options.dry_run {
            true => None,
            false => Some(FileLock::acquire(path, self.options.write.lock_timeout)?),
        };
        if lock.is_some() && !self.swept.swap(true, Ordering::Relaxed) {
            atomic_file::remove_stale_temps(path, STALE_TEMP_AGE);
        }
        let (result, after) = change(self.current_text(path)?)?;
        if let Some(after) = after {
            self.put(path, after)?;
        }
        Ok(result)
    }

    /// Read-modify-write of `path`'s document. `change` gets the document
    /// (built from `seed` when the file is missing) and whether the file
    /// existed. Nothing is written when the text comes out unchanged, except
    /// that a missing file seeded from another file's text is always written.
    fn edit<T>(&self, path: &Path, seed: Seed, change: impl FnOnce(&mut Document, bool) -> Result<T>) -> Result<T> {
        self.update_text(path, |before| {
            let existed = before.is_some();
            let format = Format::from_path(path);
            let (mut doc, initial) = match (before, seed) {
                (Some(text), _) => (Document::parse(&text, format, path)?, Some(text)),
                (None, Seed::Text(text, from)) => (Document::parse(&text, format, &from)?, None),
                (None, Seed::Defaults) => {
                    let mut doc = Document::empty(format);
                    doc.reconcile(&seed_config());
                    let initial = doc.render();
                    (doc, Some(initial))
                }
                (None, Seed::Empty) => {
                    let doc = Document::empty(format);
                    let initial = doc.render();
                    (doc, Some(initial))
                }
            };
            let result = change(&mut doc, existed)?;
            let after = doc.render();
            let changed = initial.as_deref() != Some(after.as_str());
            Ok((result, changed.then_some(after)))
        })
    }

    /// Writes (or, in dry-run mode, plans) the full text of `path`.
    fn put(&self, path: &Path, content: String) -> Result<()> {
        if self.options.dry_run {
            self.note(format!("dry run: would write {}", path.display()));
            if let Ok(mut planned) = self.planned.lock() {
                planned.push(PlannedWrite { path: path.to_path_buf(), content });
            }
            return Ok(());
        }
        atomic_file::write_atomic(path, content.as_bytes(), self.options.write)?;
        self.note(format!("updated {}", path.display()));
        Ok(())
    }

    /// The defaults the original returned for a missing file (never written by reading).
    pub fn default_config() -> Value {
        let mut config = seed_config();
        config["env"] = json!({});
        config
    }

    pub fn read_config(&self) -> Result<Value> {
        match self.document()? {
            Some(doc) => Ok(doc.value()),
            None => {
                self.note(format!("{} not found; using defaults", self.options.config_path.display()));
                Ok(Self::default_config())
            }
        }
    }

    pub fn exists(&self) -> bool {
        self.current_text(&self.options.config_path).map(|t| t.is_some()).unwrap_or(false)
    }

    /// Makes the file equal to `config`, keeping the bytes of what survives.
    pub fn write_config(&self, config: &Value) -> Result<()> {
        if !config.is_object() {
            return Err(Error::invalid("writeConfig expects a configuration object"));
        }
        self.edit(&self.options.config_path, Seed::Empty, |doc, _| {
            doc.reconcile(config);
            Ok(())
        })
    }

    /// The section an environment's settings live in: the top level for the
    /// production environment (unless the file has `[env.<production>]`) and
    /// for no environment, `env.<name>` otherwise.
    pub fn env_target(&self, doc: &Document, environment: Option<&str>) -> Vec<Seg> {
        match environment {
            None | Some("") => vec![],
            Some(env) if env == self.options.production_environment && !doc.has(&[key("env"), key(env)]) => vec![],
            Some(env) => vec![key("env"), key(env)],
        }
    }

    /// The `--env` value wrangler needs for an environment (`None`: top level).
    pub fn wrangler_env(&self, environment: Option<&str>) -> Result<Option<String>> {
        Ok(match self.env_target(&self.document_or_empty()?, environment).get(1) {
            Some(Seg::Key(env)) => Some(env.clone()),
            _ => None,
        })
    }

    pub fn ensure_environment(&self, environment: &str) -> Result<bool> {
        check_env_name(environment)?;
        self.edit(&self.options.config_path, Seed::Defaults, |doc, _| {
            let target = self.env_target(doc, Some(environment));
            if target.is_empty() || doc.has(&target) {
                return Ok(false);
            }
            let name = doc.get(&[key("name")]).unwrap_or_else(|| json!("worker"));
            doc.set(&[target, vec![key("name")]].concat(), &name);
            self.note(format!("added [env.{environment}]"));
            Ok(true)
        })
    }

    /// Adds or updates (matched by binding or database name) a D1 binding, through the edit every binding kind
    /// takes (bindings.rs). True, as the original's, even when the file already had it.
    pub fn add_database_binding(&self, environment: Option<&str>, info: &Value) -> Result<bool> {
        let (binding, name, entry) = d1_entry(info)?;
        let same = |db: &Value| db["binding"] == json!(binding) || db["database_name"] == json!(name);
        self.put_binding(environment, bindings::kind("d1")?, &binding, &entry, same).map(|_| true)
    }

    pub fn remove_database_binding(&self, environment: Option<&str>, binding_or_name: &str) -> Result<bool> {
        // Nothing to remove, and no lock file (or folder) for a file that is not there.
        if !self.exists() {
            return Ok(false);
        }
        self.edit(&self.options.config_path, Seed::Empty, |doc, _| {
            let list = [self.env_target(doc, environment), vec![key("d1_databases")]].concat();
            let existing = doc.get(&list).and_then(|v| v.as_array().cloned()).unwrap_or_default();
            let matches = |db: &Value| db["binding"] == json!(binding_or_name) || db["database_name"] == json!(binding_or_name);
            let doomed: Vec<usize> = existing.iter().enumerate().filter(|(_, db)| matches(db)).map(|(i, _)| i).collect();
            for i in doomed.iter().rev() {
                doc.remove(&[list.clone(), vec![Seg::Index(*i)]].concat());
            }
            Ok(!doomed.is_empty())
        })
    }

    pub fn get_database_bindings(&self, environment: Option<&str>) -> Result<Vec<Value>> {
        let doc = self.document_or_empty()?;
        let list = [self.env_target(&doc, environment), vec![key("d1_databases")]].concat();
        Ok(doc.get(&list).and_then(|v| v.as_array().cloned()).unwrap_or_default())
    }

    /// Points the top-level `main` at `main` (relative to the config); false when it already does.
    pub fn set_main(&self, main: &str) -> Result<bool> {
        self.edit(&self.options.config_path, Seed::Empty, |doc, _| {
            if doc.get(&[key("main")]) == Some(json!(main)) {
                return Ok(false);
            }
            doc.set(&[key("main")], &json!(main));
            Ok(true)
        })
    }

    pub fn set_account_id(&self, account_id: &str) -> Result<bool> {
        if account_id.is_empty() {
            return Ok(false);
        }
        crate::d1::names::account_id(account_id)?;
        self.edit(&self.options.config_path, Seed::Defaults, |doc, _| {
            if doc.get(&[key("account_id")]) == Some(json!(account_id)) {
                return Ok(false);
            }
            doc.set(&[key("account_id")], &json!(account_id));
            Ok(true)
        })
    }

    /// Creates the file with name, main and compatibility_date (and an empty
    /// non-production environment) unless it exists; returns the config.
    pub fn create_minimal_config(&self, name: &str, environment: Option<&str>, main: Option<&str>, compatibility_date: Option<&str>) -> Result<Value> {
        crate::d1::names::worker(name)?;
        if let Some(main) = main.filter(|m| m.is_empty() || m.starts_with('-') || m.len() > 1024 || m.chars().any(char::is_control)) {
            return Err(Error::invalid(format!("Invalid main {main:?}: give the entry file's path, like src/index.js")));
        }
        let mut config = json!({
            "name": name,
            "main": main.unwrap_or("src/index.js"),
            "compatibility_date": compatibility_date.map(str::to_string).unwrap_or_else(today),
            "env": {},
        });
        if let Some(env) = environment.filter(|e| !e.is_empty() && *e != self.options.production_environment) {
            check_env_name(env)?;
            config["env"][env] = json!({});
        }
        self.edit(&self.options.config_path, Seed::Empty, |doc, existed| {
            if existed {
                self.note("config already exists; left as it is");
                return Ok(doc.value());
            }
            // An empty `env` would only add a bare `[env]` header.
            let mut written = config.clone();
            if written["env"].as_object().is_some_and(|e| e.is_empty()) {
                written.as_object_mut().map(|o| o.remove("env"));
            }
            doc.reconcile(&written);
            Ok(config.clone())
        })
    }

    pub fn validate(&self, options: &ValidateOptions) -> Validation {
        validate::validate(self, options)
    }

    pub fn display_summary(&self, environment: Option<&str>) -> Result<String> {
        summary::summary(self, environment)
    }
}

/// What an edit starts from when its file does not exist yet.
enum Seed {
    Empty,
    /// The defaults `readConfig` reports for a missing file, so an edit of a
    /// missing file writes what a read promised.
    Defaults,
    /// Another file's text (parse errors name `.1`).
    Text(String, PathBuf),
}

/// Configs above this are refused before they are read: no real one comes near it.
pub const MAX_CONFIG_BYTES: u64 = 8 * 1024 * 1024;

/// Configs above this are validated off the JavaScript thread.
pub const LARGE_CONFIG_BYTES: u64 = 256 * 1024;

fn seed_config() -> Value {
    json!({ "name": "worker", "main": "src/index.js", "compatibility_date": today() })
}

fn check_env_name(env: &str) -> Result<()> {
    crate::d1::names::environment(env)
}

/// The `--env` wrangler needs for `environment`: `[env.X]` when the config
/// has it; the top level for `development` and `production` otherwise; for
/// another name, `--env X` on a config without environments (wrangler then
/// uses the top level under the worker name `<name>-X`) and an error when the
/// config defines other environments but not this one.
pub fn wrangler_env_for(root: &Value, environment: &str, file: &Path) -> Result<Option<String>> {
    let envs = root["env"].as_object();
    if envs.is_some_and(|e| e.contains_key(environment)) {
        return Ok(Some(environment.to_owned()));
    }
    if environment == "development" || environment == "production" {
        return Ok(None);
    }
    let defined: Vec<&str> = envs.map(|e| e.keys().map(String::as_str).collect()).unwrap_or_default();
    if defined.is_empty() {
        return Ok(Some(environment.to_owned()));
    }
    Err(Error::invalid(format!(
        "No [env.{environment}] in {}; environments defined there: {}. Add it with WranglerConfigManager.ensureEnvironment",
        file.display(),
        defined.join(", ")
    )))
}

/// The section an environment's bindings are read from: `[env.X]` when it
/// exists, else the top level.
pub fn env_section<'a>(root: &'a Value, wrangler_env: Option<&str>) -> &'a Value {
    match wrangler_env.map(|e| &root["env"][e]) {
        Some(section) if section.is_object() => section,
        _ => root,
    }
}

/// `databaseName` → `database_name`; snake_case passes through unchanged.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    civil_date((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a calendar date (proleptic Gregorian).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests;
