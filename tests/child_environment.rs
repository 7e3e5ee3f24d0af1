//! Children never inherit clodo's secret store key: wrangler gets an
//! allow-list of the environment, with the call's own credentials set over
//! it. A stand-in wrangler (a shell script) records what it was given.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use clodo::wrangler::{Credentials, Invocation, RetryPolicy, Runner, Wrangler};

#[test]
fn wrangler_sees_its_own_variables_and_the_calls_token_but_not_clodos_key() {
    // One test in this binary: nothing else reads the environment while it is changed.
    unsafe {
        std::env::set_var("CLODO_SECRET_KEY", "aa".repeat(32));
        std::env::set_var("UNRELATED_APP_SECRET", "do-not-pass");
        std::env::set_var("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1:9");
    }
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("env.txt");
    let script = dir.path().join("wrangler");
    std::fs::write(&script, format!("#!/bin/sh\nenv > '{}'\n", dump.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let wrangler = Wrangler { path: script, version: "4.86.0".into() };
    let credentials = Credentials { api_token: Some("token-of-this-call".into()), account_id: Some("0123456789abcdef0123456789abcdef".into()) };
    let runner = Runner::new(wrangler, credentials, RetryPolicy { attempts: 1, ..Default::default() });
    runner.run(&Invocation::new(vec!["whoami".into()], &dir.path().join("wrangler.toml"), Path::new(dir.path()))).unwrap();

    let seen = std::fs::read_to_string(&dump).unwrap();
    let has = |line: &str| seen.lines().any(|l| l == line);
    assert!(!seen.contains("CLODO_SECRET_KEY"), "{seen}");
    assert!(!seen.contains("UNRELATED_APP_SECRET"), "{seen}");
    assert!(has("CLOUDFLARE_API_TOKEN=token-of-this-call"));
    assert!(has("CLOUDFLARE_API_BASE_URL=http://127.0.0.1:9"));
    assert!(seen.lines().any(|l| l.starts_with("PATH=")));
}
