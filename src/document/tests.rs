use super::*;
use serde_json::json;

fn toml(text: &str) -> Document {
    Document::parse(text, Format::Toml, Path::new("wrangler.toml")).unwrap()
}

fn jsonc(text: &str) -> Document {
    Document::parse(text, Format::Jsonc, Path::new("wrangler.jsonc")).unwrap()
}

fn path(keys: &[&str]) -> Vec<Seg> {
    keys.iter().map(|k| key(k)).collect()
}

#[test]
fn toml_set_keeps_comments_and_adds_only_lines() {
    let src = "# top\nname = \"api\" # the worker\n\n[vars]\nA = \"1\" # keep me\n";
    let mut doc = toml(src);
    doc.set(&path(&["account_id"]), &json!("abc"));
    doc.set(&path(&["env", "staging", "name"]), &json!("api"));
    let out = doc.render();
    assert_eq!(out, "# top\nname = \"api\" # the worker\naccount_id = \"abc\"\n\n[vars]\nA = \"1\" # keep me\n\n[env.staging]\nname = \"api\"\n");
}

#[test]
fn toml_array_of_tables_push_follows_block_style() {
    let mut doc = toml("name = \"x\"\n\n[[d1_databases]]\nbinding = \"A\"\n");
    doc.push(&path(&["d1_databases"]), &json!({"binding": "B"}), Placement::AnyOrder);
    assert_eq!(doc.render(), "name = \"x\"\n\n[[d1_databases]]\nbinding = \"A\"\n\n[[d1_databases]]\nbinding = \"B\"\n");
}

#[test]
fn toml_inline_array_insert_leaves_existing_lines() {
    let src = "d1_databases = [\n  { binding = \"A\" },\n  { binding = \"B\" }\n]\n";
    let mut doc = toml(src);
    doc.push(&path(&["d1_databases"]), &json!({"binding": "C"}), Placement::AnyOrder);
    assert_eq!(doc.render(), "d1_databases = [\n  { binding = \"A\" },\n  { binding = \"C\" },\n  { binding = \"B\" }\n]\n");
}

#[test]
fn toml_new_tables_follow_file_indentation() {
    let mut doc = toml("name = \"x\"\n\n[vars]\n  A = \"1\"\n");
    doc.set(&path(&["env", "dev", "name"]), &json!("x"));
    assert!(doc.render().ends_with("[env.dev]\n  name = \"x\"\n"), "{}", doc.render());
}

#[test]
fn toml_file_with_inline_arrays_gets_inline_arrays() {
    let mut doc = toml("name = \"x\"\nkv_namespaces = [{ binding = \"K\", id = \"1\" }]\n");
    doc.set(&path(&["env", "dev", "d1_databases"]), &json!([{"binding": "DB"}]));
    assert!(doc.render().contains("[env.dev]\nd1_databases = [{ binding = \"DB\" }]"), "{}", doc.render());
}

#[test]
fn reconcile_with_own_value_is_a_no_op() {
    let src = "name = 'x' # c\ncompatibility_date = 2024-01-01\n[[d1_databases]]\nbinding='DB'\n";
    let mut doc = toml(src);
    let v = doc.value();
    assert_eq!(v["compatibility_date"], json!("2024-01-01"));
    doc.reconcile(&v);
    assert_eq!(doc.render(), src);
}

#[test]
fn reconcile_changes_only_what_differs() {
    let src = "name = \"x\" # keep\nmain = \"a.js\"\n\n[vars]\nA = 1\nB = 2\n";
    let mut doc = toml(src);
    doc.reconcile(&json!({"name": "x", "main": "b.js", "vars": {"A": 1.0}}));
    assert_eq!(doc.render(), "name = \"x\" # keep\nmain = \"b.js\"\n\n[vars]\nA = 1\n");
}

#[test]
fn crlf_and_missing_final_newline_survive_an_edit() {
    let mut doc = toml("name = \"x\"\r\nmain = \"a.js\"");
    doc.set(&path(&["main"]), &json!("b.js"));
    assert_eq!(doc.render(), "name = \"x\"\r\nmain = \"b.js\"");
}

#[test]
fn jsonc_insert_keeps_comments_and_commas() {
    let src = "{\n  // the worker\n  \"name\": \"x\",\n  \"main\": \"a.js\"\n}\n";
    let mut doc = jsonc(src);
    doc.set(&path(&["account_id"]), &json!("abc"));
    assert_eq!(doc.render(), "{\n  // the worker\n  \"name\": \"x\",\n  \"account_id\": \"abc\",\n  \"main\": \"a.js\"\n}\n");
}

#[test]
fn jsonc_push_into_new_env() {
    let mut doc = jsonc("{\n\t\"name\": \"x\",\n\t\"main\": \"a.js\",\n}\n");
    doc.push(&path(&["env", "dev", "d1_databases"]), &json!({"binding": "DB"}), Placement::AnyOrder);
    let out = doc.render();
    assert!(out.starts_with("{\n\t\"name\": \"x\",\n\t\"main\": \"a.js\",\n\t\"env\": {"), "{out}");
    assert_eq!(doc.get(&path(&["env", "dev", "d1_databases"])), Some(json!([{"binding": "DB"}])));
}

#[test]
fn parse_errors_carry_line_and_column() {
    let err = Document::parse("name = \"x\"\nmain = \n", Format::Toml, Path::new("w.toml")).err().unwrap();
    let loc = err.location().unwrap();
    assert_eq!((loc.line, loc.column), (2, 8));
    let err = Document::parse("{\n  \"a\": 1,,\n}", Format::Jsonc, Path::new("w.jsonc")).err().unwrap();
    assert_eq!(err.location().unwrap().line, 2);
    assert_eq!(err.code(), "E_CONFIG_PARSE");
}

#[test]
fn line_of_points_at_keys() {
    let doc = toml("name = \"x\"\n\n[env.dev]\nname = \"y\"\n");
    assert_eq!(doc.line_of(&path(&["env", "dev", "name"])), Some((4, 1)));
    let doc = jsonc("{\n  \"env\": {\n    \"dev\": {}\n  }\n}");
    assert_eq!(doc.line_of(&path(&["env", "dev"])), Some((3, 5)));
}

#[test]
fn empty_object_gets_a_header_but_parents_do_not() {
    let mut doc = toml("name = \"x\"\n");
    doc.set(&path(&["env", "dev"]), &json!({}));
    assert_eq!(doc.render(), "name = \"x\"\n\n[env.dev]\n");
}

#[test]
fn jsonc_insert_keeps_blank_lines_before_the_closing_brace() {
    let mut doc = jsonc("{\n  \"a\": 1,\n  \"b\": 2\n\n\n}\n");
    doc.set(&path(&["c"]), &json!(3));
    assert_eq!(doc.render(), "{\n  \"a\": 1,\n  \"c\": 3,\n  \"b\": 2\n\n\n}\n");
}
