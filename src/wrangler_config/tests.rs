use std::fs;

use serde_json::json;

use super::*;

fn manager(files: &[(&str, &str)]) -> (tempfile::TempDir, WranglerConfig) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let m = WranglerConfig::new(Options::for_project(Some(dir.path()), None));
    (dir, m)
}

#[test]
fn one_resolver_decides_where_production_lives() {
    let (_d, m) = manager(&[("wrangler.toml", "name = \"a\"\n")]);
    let doc = |text: &str| crate::document::Document::parse(text, crate::document::Format::Toml, std::path::Path::new("w.toml")).unwrap();
    let flat = doc("name = \"a\"\n");
    let with_prod = doc("name = \"a\"\n[env.production]\n");
    assert!(m.env_target(&flat, Some("production")).is_empty());
    assert_eq!(m.env_target(&with_prod, Some("production")), vec![key("env"), key("production")]);
    assert_eq!(m.env_target(&flat, Some("staging")), vec![key("env"), key("staging")]);
    assert!(m.env_target(&flat, None).is_empty());
}

#[test]
fn editing_a_missing_file_writes_the_defaults_read_promised() {
    let (dir, m) = manager(&[]);
    m.add_database_binding(Some("staging"), &json!({"database_name": "d", "database_id": "1"})).unwrap();
    let written = fs::read_to_string(dir.path().join("wrangler.toml")).unwrap();
    assert!(written.starts_with("name = \"worker\"\nmain = \"src/index.js\"\ncompatibility_date = \""), "{written}");
    assert!(written.contains("[env.staging]\nname = \"worker\"\n"));
}

#[test]
fn an_edit_that_changes_nothing_does_not_write() {
    let (dir, m) = manager(&[("wrangler.toml", "name = \"a\"\naccount_id = \"x\"\n")]);
    let path = dir.path().join("wrangler.toml");
    let before = fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(!m.set_account_id("x").unwrap());
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
}

#[test]
fn dry_run_reads_see_planned_writes() {
    let (dir, _) = manager(&[("wrangler.toml", "name = \"a\"\n")]);
    let mut options = Options::for_project(Some(dir.path()), None);
    options.dry_run = true;
    let m = WranglerConfig::new(options);
    m.add_database_binding(Some("dev"), &json!({"databaseName": "d", "databaseId": "1"})).unwrap();
    assert_eq!(m.get_database_bindings(Some("dev")).unwrap().len(), 1);
    assert_eq!(fs::read_to_string(dir.path().join("wrangler.toml")).unwrap(), "name = \"a\"\n");
    assert_eq!(m.planned_writes().len(), 1);
}

#[test]
fn parse_errors_leave_the_file_untouched() {
    let (dir, m) = manager(&[("wrangler.toml", "name = [\n")]);
    let err = m.set_account_id("x").unwrap_err();
    assert_eq!(err.code(), "E_CONFIG_PARSE");
    assert!(err.to_string().starts_with("Failed to read wrangler.toml:"));
    assert_eq!(fs::read_to_string(dir.path().join("wrangler.toml")).unwrap(), "name = [\n");
}

#[test]
fn camel_case_extras_become_wrangler_keys() {
    assert_eq!(snake_case("migrationsDir"), "migrations_dir");
    assert_eq!(snake_case("preview_database_id"), "preview_database_id");
}

#[test]
fn dates_are_civil() {
    assert_eq!(civil_date(0), "1970-01-01");
    assert_eq!(civil_date(19_723), "2024-01-01");
    assert_eq!(civil_date(20_513), "2026-03-01");
}

#[test]
fn validation_locates_findings() {
    let (_d, m) = manager(&[("wrangler.toml", "name = \"a\"\nmain = \"x.js\"\ncompatibility_date = \"2024-01-01\"\n[vars]\nA = \"1\"\n[env.dev]\nname = \"a-dev\"\n")]);
    let v = m.validate(&ValidateOptions::default());
    assert!(v.valid);
    let f = v.findings.iter().find(|f| f.rule == "NON_INHERITED_KEY").unwrap();
    assert_eq!(f.line, Some(6));
    assert_eq!(f.path, "env.dev.vars");
    assert_eq!(f.env.as_deref(), Some("dev"));
}

#[test]
fn a_manager_sweeps_up_temporary_files_a_killed_writer_left() {
    let (dir, m) = manager(&[("wrangler.toml", "name = \"a\"\n"), (".wrangler.toml.Xy12ab.tmp", "name = \"half")]);
    let leftover = dir.path().join(".wrangler.toml.Xy12ab.tmp");
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    fs::File::options().write(true).open(&leftover).unwrap().set_modified(hour_ago).unwrap();
    m.set_account_id("acc").unwrap();
    assert!(!leftover.exists());
    assert!(fs::read_to_string(dir.path().join("wrangler.toml")).unwrap().contains("account_id = \"acc\""));
}
