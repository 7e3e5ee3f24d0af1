use super::*;
use crate::wrangler_config::{Options, WranglerConfig};

fn findings(name: &str, text: &str) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    WranglerConfig::new(Options::for_config_path(&path)).validate(&ValidateOptions::default()).findings
}

fn rules(found: &[Finding]) -> Vec<(&'static str, Severity, Option<&str>, &str)> {
    found.iter().map(|f| (f.rule, f.severity, f.env.as_deref(), f.path.as_str())).collect()
}

#[test]
fn toml_dates_are_refused_where_wrangler_wants_text() {
    let found = findings("wrangler.toml", "name = \"a\"\nmain = \"i.js\"\ncompatibility_date = 2025-01-01\n[vars]\nSINCE = 2024-05-01\n");
    let r = rules(&found);
    assert!(r.contains(&("WRONG_TYPE", Severity::Error, None, "compatibility_date")), "{r:?}");
    assert!(r.contains(&("TOML_DATE", Severity::Error, None, "vars.SINCE")), "{r:?}");
    assert_eq!(found.iter().find(|f| f.path == "vars.SINCE").unwrap().line, Some(5));
}

#[test]
fn an_environment_names_each_missing_binding_and_var() {
    let text = r#"{
  "name": "a", "main": "i.js", "compatibility_date": "2025-01-01",
  "vars": { "A": "1", "B": "2" },
  "kv_namespaces": [{ "binding": "KV", "id": "x" }, { "binding": "KV2", "id": "y" }],
  "env": { "staging": { "vars": { "A": "1" }, "kv_namespaces": [{ "binding": "KV", "id": "z" }] } }
}"#;
    let found = findings("wrangler.jsonc", text);
    let r = rules(&found);
    assert!(r.contains(&("NON_INHERITED_VAR", Severity::Warning, Some("staging"), "env.staging.vars")), "{r:?}");
    let kv = found.iter().find(|f| f.rule == "NON_INHERITED_BINDING").unwrap();
    assert!(kv.message.contains("\"KV2\""), "{}", kv.message);
    assert_eq!((kv.line, kv.column), (Some(5), Some(47)), "at the env's kv_namespaces key");
}

#[test]
fn assets_only_workers_need_no_main_and_names_are_warnings() {
    let found = findings("wrangler.toml", "compatibility_date = \"2025-01-01\"\n[assets]\ndirectory = \"./public\"\n");
    let r = rules(&found);
    assert!(!r.iter().any(|f| f.0 == "MISSING_MAIN"), "{r:?}");
    assert!(r.contains(&("MISSING_NAME", Severity::Warning, None, "")), "{r:?}");
}

#[test]
fn removed_and_unknown_fields_say_what_to_do() {
    let found = findings("wrangler.toml", "name = \"a\"\nmain = \"i.js\"\ncompatibility_date = \"2025-01-01\"\nnode_compat = true\nusage_model = \"bundled\"\ncolour = 1\n");
    let r = rules(&found);
    assert!(r.contains(&("REMOVED_KEY", Severity::Error, None, "node_compat")), "{r:?}");
    assert!(r.contains(&("REMOVED_KEY", Severity::Warning, None, "usage_model")), "{r:?}");
    assert!(r.contains(&("UNEXPECTED_FIELD", Severity::Warning, None, "colour")), "{r:?}");
    assert!(found.iter().find(|f| f.path == "node_compat").unwrap().message.contains("nodejs_compat"));
}

#[test]
fn an_environment_that_is_not_a_table_is_an_error() {
    let found = findings("wrangler.toml", "name = \"a\"\nmain = \"i.js\"\ncompatibility_date = \"2025-01-01\"\n[env]\nKEY = \"value\"\n");
    assert!(rules(&found).contains(&("WRONG_TYPE", Severity::Error, Some("KEY"), "env.KEY")));
}
