//! `clodo db list|status|migrate|backup`: DatabaseOrchestrator from the shell.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::{Value, json};

use super::output::table;
use super::{FAILURE, Failure, OK, Outcome, Output, Scope, absolute, credentials};
use crate::d1::{Options, Orchestrator};

#[derive(Subcommand)]
pub enum DbCommand {
    /// The D1 databases bound in the config for an environment.
    List(Where),
    /// Applied and pending migrations of a database.
    Status {
        /// The D1 database's name.
        database: String,
        #[command(flatten)]
        at: Where,
    },
    /// Apply pending migrations to a database (or every database of the environment).
    Migrate {
        /// The D1 database's name (default: every database of the environment).
        database: Option<String>,
        #[command(flatten)]
        at: Where,
    },
    /// Create a D1 database on Cloudflare (or reuse the one of that exact name) and bind it in the config.
    Create {
        /// The new database's name.
        name: String,
        /// The binding the worker reaches the database by.
        #[arg(long, default_value = "DB")]
        binding: String,
        /// Where the database lives (weur, eeur, apac, oc, wnam, enam).
        #[arg(long)]
        location: Option<String>,
        #[command(flatten)]
        at: Where,
    },
    /// Replay a backup (`.sql` file or backup folder) into a database, then compare row counts.
    Restore {
        /// The backup: its .sql file, its folder, or the folder's manifest.
        backup: PathBuf,
        /// The D1 database's name.
        #[arg(long)]
        database: String,
        #[command(flatten)]
        at: Where,
    },
    /// Export a database to `<out>/<db>-<env>.sql` with a manifest entry (sha256, rows, migrations).
    Backup {
        /// The D1 database's name.
        database: String,
        /// The folder the backup is written into.
        #[arg(long, default_value = "backups")]
        out: PathBuf,
        #[command(flatten)]
        at: Where,
    },
}

#[derive(clap::Args)]
pub struct Where {
    /// Print the commands and change nothing.
    #[arg(long)]
    dry_run: bool,
}

/// The service's databases in one environment.
struct Place {
    db: Orchestrator,
    root: PathBuf,
    environment: String,
    dry_run: bool,
}

fn place(scope: &Scope, at: &Where, on_cloudflare: bool) -> Result<Place, Failure> {
    let root = absolute(&scope.path)?;
    let mut options = Options::new(&root);
    options.credentials = credentials();
    options.wrangler_path = super::wrangler_for(&root);
    options.dry_run = at.dry_run;
    Ok(Place { db: Orchestrator::new(options), root, environment: scope.environment(on_cloudflare), dry_run: at.dry_run })
}

pub fn run(out: &Output, yes: bool, scope: &Scope, command: DbCommand) -> Outcome {
    match command {
        DbCommand::List(at) => {
            let Place { db, environment, .. } = place(scope, &at, false)?;
            let names = db.databases_in(&environment, None)?;
            out.result(&json!({"environment": environment, "databases": names}), |_| names.join("\n"));
            Ok(OK)
        }
        DbCommand::Status { database, at } => {
            let Place { db, environment, .. } = place(scope, &at, false)?;
            let status = db.migration_status(&database, &environment, None, None)?;
            out.result(&status, |s| {
                let mut rows: Vec<Vec<String>> = s["applied"].as_array().into_iter().flatten().map(|m| vec![text(&m["name"]), format!("applied {}", text(&m["appliedAt"]))]).collect();
                rows.extend(s["pending"].as_array().into_iter().flatten().map(|m| vec![text(m), "pending".into()]));
                table(&["migration", "state"], &rows)
            });
            Ok(OK)
        }
        DbCommand::Migrate { database, at } => migrate(out, yes, database, place(scope, &at, false)?),
        DbCommand::Create { name, binding, location, at } => {
            let Place { db, environment, .. } = place(scope, &at, true)?;
            let options = crate::d1::CreateOptions { location: location.as_deref(), binding: Some(&binding), environment: Some(environment.as_str()).filter(|e| *e != "production"), ..Default::default() };
            let result = db.create_database(&name, &options)?;
            out.result(&result, |r| format!("{} {} ({}), bound as {}", text(&r["status"]), text(&r["databaseName"]), text(&r["databaseId"]), text(&r["binding"])));
            Ok(OK)
        }
        DbCommand::Restore { backup, database, at } => {
            let Place { db, root, environment, .. } = place(scope, &at, false)?;
            let consent = |danger: &crate::d1::Danger| match yes || out.confirm(&format!("{}? {}", danger.operation, danger.impact)) == Some(true) {
                true => crate::d1::Consent::Given,
                false => crate::d1::Consent::Missing,
            };
            let result = db.restore_backup(&root.join(backup), &database, &environment, None, &consent)?;
            if result["status"] == "cancelled" {
                if !out.interactive {
                    return Err(Failure::Usage(format!("restoring into {database} ({}) needs --yes when there is no terminal to ask", environment)));
                }
                out.note("cancelled: nothing was restored");
                return Ok(FAILURE);
            }
            out.result(&result, |r| format!("{} restored into {}: {}", text(&r["backupFile"]), text(&r["databaseName"]), text(&r["status"])));
            Ok(OK)
        }
        DbCommand::Backup { database, out: dir, at } => {
            let Place { db, root, environment, .. } = place(scope, &at, false)?;
            let result = db.backup_database(&database, &environment, &root.join(dir), None)?;
            out.result(&result, |r| format!("{} ({} bytes)", text(&r["backupFile"]), r["sizeBytes"].as_u64().unwrap_or(0)));
            Ok(OK)
        }
    }
}

fn migrate(out: &Output, yes: bool, database: Option<String>, at: Place) -> Outcome {
    let Place { db, environment, dry_run, .. } = at;
    if let Some(danger) = db.migration_danger(&environment).filter(|_| !yes && !dry_run) {
        match out.confirm(&format!("{}? {}", danger.operation, danger.impact)) {
            None => return Err(Failure::Usage(format!("migrating {} needs --yes when there is no terminal to ask", environment))),
            Some(false) => {
                out.note("cancelled: no migration applied");
                return Ok(FAILURE);
            }
            Some(true) => {}
        }
    }
    let databases = match database {
        Some(name) => vec![name],
        None => db.databases_in(&environment, None)?,
    };
    let mut results = vec![];
    for name in &databases {
        results.push(db.apply_migrations(name, None, &environment, None, None)?);
    }
    out.result(&json!({"environment": environment, "results": results}), |d| {
        let rows: Vec<Vec<String>> = d["results"].as_array().into_iter().flatten().map(|r| vec![text(&r["databaseName"]), text(&r["status"]), r["migrationsApplied"].to_string()]).collect();
        table(&["database", "status", "applied"], &rows)
    });
    Ok(OK)
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}
