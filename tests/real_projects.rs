//! Projects shaped like real ones (tests/fixtures/projects), deployed for
//! real in local mode: D1 bindings not named `DB` become each domain's own
//! database and are the ones migrated; a binding with no migrations folder
//! has nothing to migrate; `.dev.vars` reaches the worker; a custom `[build]`
//! runs once for all domains and its bundle, named after the entry, is found.
//! Needs `npm install` (wrangler).

mod common;

use std::path::Path;
use std::time::Duration;

use clodo::domain_config::DomainSpec;
use clodo::portfolio::{Options, Portfolio};
use serde_json::Value;

fn options(service: &Path, config: &str, name: &str, domains: &[&str]) -> Options {
    Options {
        domains: domains.iter().map(|d| DomainSpec::new(d, "development", name)).collect(),
        parallel: 2,
        wrangler_path: Some(common::runner().wrangler.path),
        retry: common::quick_retry(),
        timeout: Duration::from_secs(120),
        ..Options::new(service.to_path_buf(), service.join(config), "development", name)
    }
}

fn by_domain<'a>(result: &'a Value, domain: &str) -> &'a Value {
    result["results"].as_array().unwrap().iter().find(|r| r["domain"] == domain).unwrap()
}

#[test]
fn bindings_not_named_db_are_each_domains_own_and_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let service = dir.path();
    common::copy_fixture("temp-mail", service);
    let domains = ["mail.example.com", "inbox.example.org"];
    let result = Portfolio::new(options(service, "wrangler.jsonc", "temp-mail", &domains), None, None).unwrap().deploy_all().unwrap();
    assert_eq!(result["summary"]["successful"], 2, "{result:#}");

    for domain in domains {
        let r = by_domain(&result, domain);
        assert_eq!(r["status"], "completed", "{r:#}");
        // The worker's own binding reached its own migrated database, and .dev.vars was applied.
        let body: Value = serde_json::from_str(r["phaseResults"]["post-validation"]["details"]["health"]["bodyExcerpt"].as_str().unwrap()).unwrap();
        assert_eq!(body["domain"], domain);
        assert_eq!(body["mailboxes"], serde_json::json!(["postmaster"]));
        assert_eq!(body["inboxTables"], 0);
        assert_eq!(body["jwtSecretSet"], true);

        let dashed = domain.replace('.', "-");
        let config: Value = serde_json::from_str(&std::fs::read_to_string(service.join(".clodo/rendered").join(domain).join("development/wrangler.json")).unwrap()).unwrap();
        let d1 = config["d1_databases"].as_array().unwrap();
        assert_eq!(d1.len(), 2, "no extra DB binding is added: {d1:?}");
        assert_eq!(d1[0]["binding"], "database");
        assert_eq!(d1[0]["database_name"], format!("{dashed}-development-database-db"));
        assert_eq!(d1[1]["database_name"], format!("{dashed}-development-temp-mail-db-db"));
        assert!(d1.iter().all(|d| !d["database_id"].as_str().unwrap().starts_with("0f6e1b0a")), "the service's production ids are gone: {d1:?}");
        assert!(d1[1].get("preview_database_id").is_none());

        let database = &r["phaseResults"]["database"];
        assert_eq!(database["details"]["migrationsApplied"], 1, "{database:#}");
        let message = database["message"].as_str().unwrap();
        assert!(message.contains("TEMP_MAIL_DB: no migrations folder"), "{message}");
    }
}

#[test]
fn a_custom_build_runs_once_for_every_domain_and_its_bundle_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let service = dir.path();
    common::copy_fixture("custom-build", service);
    let domains = ["one.example.com", "two.example.com", "three.example.com"];
    let result = Portfolio::new(options(service, "wrangler.toml", "custom-build", &domains), None, None).unwrap().deploy_all().unwrap();
    assert_eq!(result["summary"]["successful"], 3, "{result:#}");
    assert_eq!(std::fs::read_to_string(service.join("build-runs.txt")).unwrap(), "built\n", "one build for three domains and their dev servers");
    for domain in domains {
        let r = by_domain(&result, domain);
        let deployment = &r["phaseResults"]["deployment"];
        assert!(deployment["details"]["bundle"].as_str().unwrap().ends_with("dist/worker.js"), "{deployment:#}");
        assert_eq!(r["phaseResults"]["database"]["status"], "skipped");
        assert!(r["phaseResults"]["database"]["message"].as_str().unwrap().contains("no D1 binding"));
        let rendered = std::fs::read_to_string(service.join(".clodo/rendered").join(domain).join("development/wrangler.json")).unwrap();
        assert!(!rendered.contains("\"build\""), "wrangler must not build again: {rendered}");
    }
}

#[test]
fn a_deploy_that_worked_is_not_reported_failed_because_its_records_could_not_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let service = dir.path();
    common::copy_fixture("no-health", service);
    // The run's state and the audit log cannot be written: folders taken by files.
    std::fs::create_dir_all(service.join(".clodo")).unwrap();
    std::fs::write(service.join(".clodo/deployments"), "not a folder").unwrap();
    std::fs::write(service.join("logs"), "not a folder").unwrap();
    let result = Portfolio::new(options(service, "wrangler.toml", "no-health", &["quiet.example.io"]), None, None).unwrap().deploy_all().unwrap();
    let r = by_domain(&result, "quiet.example.io");
    assert_eq!(r["success"], true, "{r:#}");
    let warnings = r["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect::<Vec<_>>().join("\n");
    assert!(warnings.contains("the run's state could not be saved"), "{warnings}");
    assert!(warnings.contains("the deployment audit log could not be written"), "{warnings}");
}
