//! A portfolio of three domains of `examples/data-service`, deployed in local
//! mode with the real wrangler: each ends with its own D1 database and its own
//! worker answering /health with its own domain and database; one domain whose
//! database drifted fails while the others complete; a resumed run skips what
//! was done; a dry run changes no file. Needs `npm install` (wrangler).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clodo::domain_config::{DomainSpec, render};
use clodo::portfolio::state::{DomainStatus, RunState};
use clodo::portfolio::{Options, Portfolio};
use clodo::wrangler::Invocation;
use serde_json::Value;

const DOMAINS: [&str; 3] = ["shop.example.com", "blog.example.org", "drifted.example.net"];

fn copy_example(to: &Path) {
    common::copy_service(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data-service"), to);
}

fn options(service: &Path) -> Options {
    Options {
        domains: DOMAINS.iter().map(|d| DomainSpec::new(d, "development", "data-service")).collect(),
        parallel: 2,
        wrangler_path: Some(common::runner().wrangler.path),
        retry: common::quick_retry(),
        timeout: Duration::from_secs(120),
        ..Options::new(service.to_path_buf(), service.join("wrangler.toml"), "development", "data-service")
    }
}

#[test]
fn three_domains_isolated_one_drifted_then_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let service = dir.path();
    copy_example(service);

    // The third domain's database already has an `items` table nobody migrated: 0001 fails there.
    let drifted = render(&service.join("wrangler.toml"), &DomainSpec { custom_domain: false, ..DomainSpec::new(DOMAINS[2], "development", "data-service") }, &service.join(".clodo/rendered")).unwrap();
    drifted.write().unwrap();
    let seed = Invocation::new(["d1", "execute", "DB", "--local", "--command", "CREATE TABLE items (legacy TEXT)"].map(String::from).to_vec(), &drifted.path, service);
    common::runner().run(&seed).unwrap();

    let events = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = events.clone();
    let portfolio = Portfolio::new(options(service), None, Some(Box::new(move |e| sink.lock().unwrap().push(e)))).unwrap();
    let result = portfolio.deploy_all().unwrap();
    assert_eq!(result["summary"]["successful"], 2, "{result:#}");
    assert_eq!(result["summary"]["failed"], 1);

    let results: BTreeMap<String, Value> = result["results"].as_array().unwrap().iter().map(|r| (r["domain"].as_str().unwrap().to_owned(), r.clone())).collect();
    for domain in &DOMAINS[..2] {
        let r = &results[*domain];
        assert_eq!(r["status"], "completed", "{r:#}");
        let health: Value = serde_json::from_str(r["phaseResults"]["post-validation"]["details"]["health"]["bodyExcerpt"].as_str().unwrap()).unwrap();
        assert_eq!(health["domain"], *domain);
        assert_eq!(health["database"], format!("{}-development-db", domain.replace('.', "-")));
        assert_eq!(health["items"], 2);
        assert_eq!(r["phaseResults"]["secrets"]["status"], "skipped");
    }
    let failed = &results[DOMAINS[2]];
    assert_eq!(failed["status"], "failed");
    assert!(failed["error"].as_str().unwrap().contains("0001_items.sql failed"), "{failed:#}");
    assert!(failed["phaseResults"].get("deployment").is_none(), "no phase runs after a failed critical one");

    // A run killed after its deployment phase: resume runs only what is missing.
    let id = portfolio.deployment_id();
    let mut state = RunState::load(service, &id).unwrap();
    state.domains[DOMAINS[0]].phases.shift_remove("post-validation");
    state.domains[DOMAINS[0]].status = DomainStatus::Running;
    state.save().unwrap();
    events.lock().unwrap().clear();
    let sink = events.clone();
    let mut resumed_options = options(service);
    resumed_options.domains.truncate(1);
    let resumed = Portfolio::new(resumed_options, Some(&id), Some(Box::new(move |e| sink.lock().unwrap().push(e)))).unwrap();
    let again = resumed.deploy_all().unwrap();
    assert_eq!(again["summary"]["successful"], 1);
    let ran: Vec<String> = events.lock().unwrap().iter().filter(|e| e["status"] == "started").map(|e| e["phase"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ran, ["post-validation"]);
    assert_eq!(RunState::load(service, &id).unwrap().domains[DOMAINS[0]].status, DomainStatus::Completed);

    // A dry run leaves every byte as it was.
    let before = common::snapshot(service);
    let mut dry = options(service);
    dry.dry_run = true;
    let plan = Portfolio::new(dry, None, None).unwrap().deploy_all().unwrap();
    let steps = plan["results"][0]["plan"].as_array().unwrap();
    assert!(steps.iter().any(|p| p["helper"].as_str().is_some_and(|h| h.starts_with("migrate DB from migrations"))), "{steps:#?}");
    assert!(steps.iter().any(|p| p["command"][1] == "deploy" && p["command"][2] == "--dry-run"), "{steps:#?}");
    assert_eq!(common::snapshot(service), before);
}
