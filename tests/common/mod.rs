//! What the integration tests share: copying a service without the state a
//! run leaves in it, and the wrangler that `npm install` put in node_modules.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clodo::wrangler::{Credentials, RetryPolicy, Runner, locate};

/// Every file under `dir`, skipping what a run leaves (`.clodo`, `logs`, `.wrangler`).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if [".clodo", "logs", ".wrangler"].iter().any(|skip| path.ends_with(skip)) {
            continue;
        }
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

/// `from`'s files copied under `to`.
pub fn copy_service(from: &Path, to: &Path) {
    for entry in walk(from) {
        let target = to.join(entry.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, target).unwrap();
    }
}

/// A project from `tests/fixtures/projects/<name>`, copied into `to`.
pub fn copy_fixture(name: &str, to: &Path) {
    copy_service(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects").join(name), to);
}

pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walk(dir).into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

pub fn runner() -> Runner {
    let wrangler = locate(None, Path::new(env!("CARGO_MANIFEST_DIR"))).expect("wrangler in node_modules: run npm install first");
    Runner::new(wrangler, Credentials::default(), RetryPolicy { attempts: 1, ..Default::default() })
}

pub fn quick_retry() -> RetryPolicy {
    RetryPolicy { attempts: 1, base_delay: Duration::from_millis(100) }
}
