//! Two domains of one service rendered into their own configs and built by the
//! real wrangler (`deploy --dry-run --outdir`, no network), then migrated on
//! local D1: each ends with its own worker name, bundle and database.
//! Needs `npm install` (wrangler in node_modules), as the README's quick start does.

use std::path::Path;

use clodo::domain_config::{DomainSpec, render};
use clodo::wrangler::{Credentials, Invocation, RetryPolicy, Runner, locate};

const SERVICE: &str = r#"name = "data-service"
main = "src/index.js"
compatibility_date = "2025-01-01"

[[d1_databases]]
binding = "DB"
database_name = "placeholder"
database_id = "placeholder"
"#;

#[test]
fn two_domains_build_and_migrate_in_isolation() {
    let service = tempfile::tempdir().unwrap();
    let root = service.path();
    std::fs::write(root.join("wrangler.toml"), SERVICE).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/index.js"), "export default { fetch: (r, env) => new Response(env.DOMAIN) }\n").unwrap();
    std::fs::create_dir_all(root.join("migrations")).unwrap();
    std::fs::write(root.join("migrations/0001_items.sql"), "CREATE TABLE items(id INTEGER PRIMARY KEY);\n").unwrap();

    let wrangler = locate(None, Path::new(env!("CARGO_MANIFEST_DIR"))).expect("wrangler in node_modules: run npm install first");
    let runner = Runner::new(wrangler, Credentials::default(), RetryPolicy { attempts: 1, ..Default::default() });
    let rendered_root = root.join(".clodo/rendered");
    for domain in ["shop.example.com", "blog.example.org"] {
        let mut spec = DomainSpec::new(domain, "development", "data-service");
        spec.custom_domain = false;
        let rendered = render(&root.join("wrangler.toml"), &spec, &rendered_root).unwrap();
        rendered.write().unwrap();
        let dir = rendered.path.parent().unwrap();

        let outdir = dir.join("dist");
        let build = Invocation::new(vec!["deploy".into(), "--dry-run".into(), "--outdir".into(), outdir.display().to_string()], &rendered.path, root);
        runner.run(&build).unwrap();
        assert!(outdir.join("index.js").is_file(), "no bundle for {domain}");

        let migrate = Invocation::new(vec!["d1".into(), "migrations".into(), "apply".into(), "DB".into(), "--local".into()], &rendered.path, root);
        let outcome = runner.run(&migrate).unwrap();
        let database = format!("{}-development-db", domain.replace('.', "-"));
        // Its own database id, in its own local state folder beside its rendered config.
        let state = format!("local database DB ({database}) from .clodo/rendered/{domain}/development/.wrangler/state");
        assert!(outcome.stdout.contains(&state), "{}", outcome.stdout);
        assert!(outcome.stdout.contains("0001_items.sql"));
    }
    // The service's own config was only read.
    assert_eq!(std::fs::read_to_string(root.join("wrangler.toml")).unwrap(), SERVICE);
}
