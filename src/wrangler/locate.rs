//! Finding the wrangler to run and checking its version once per path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Wrangler {
    pub path: PathBuf,
    pub version: String,
}

/// An explicit path, then `CLODO_WRANGLER`, then `node_modules/.bin/wrangler`
/// from `project_root` upwards, then `PATH`.
pub fn locate(explicit: Option<&Path>, project_root: &Path) -> Result<Wrangler> {
    let path = find(explicit, project_root)?;
    let version = version_of(&path)?;
    if !is_supported(&version) {
        return Err(Error::WranglerUnsupported { version, path });
    }
    Ok(Wrangler { path, version })
}

fn find(explicit: Option<&Path>, project_root: &Path) -> Result<PathBuf> {
    let from_env = std::env::var_os("CLODO_WRANGLER").filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(path) = explicit.map(Path::to_path_buf).or(from_env) {
        return match path.is_file() {
            true => Ok(path),
            false => Err(Error::WranglerNotFound(format!(
                "wrangler not found at {} (given as the wrangler path or CLODO_WRANGLER); point it at an existing wrangler binary",
                path.display()
            ))),
        };
    }
    let in_node_modules = project_root
        .ancestors()
        .map(|dir| dir.join("node_modules").join(".bin").join(bin_name()))
        .find(|p| p.is_file());
    in_node_modules.or_else(|| which::which("wrangler").ok()).ok_or_else(|| {
        Error::WranglerNotFound(format!(
            "wrangler not found in node_modules/.bin above {} nor on PATH; install it with `npm install --save-dev wrangler@4`",
            project_root.display()
        ))
    })
}

fn bin_name() -> &'static str {
    if cfg!(windows) { "wrangler.cmd" } else { "wrangler" }
}

/// The version from the npm package the binary belongs to, or else from
/// `wrangler --version` (a second of Node start-up, so remembered per path; held while asked, so that domains
/// validated at once ask once).
fn version_of(path: &Path) -> Result<String> {
    static KNOWN: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    let mut known = KNOWN.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(v) = known.get(path) {
        return Ok(v.clone());
    }
    let version = match package_version(path) {
        Some(v) => v,
        None => run_version(path)?,
    };
    known.insert(path.to_path_buf(), version.clone());
    Ok(version)
}

fn package_version(path: &Path) -> Option<String> {
    let real = std::fs::canonicalize(path).ok()?;
    // bin/wrangler.js sits one or two folders below the package's package.json.
    real.parent()?.ancestors().take(3).find_map(|dir| {
        let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
        let pkg: serde_json::Value = serde_json::from_str(&text).ok()?;
        (pkg["name"] == "wrangler").then(|| pkg["version"].as_str().map(str::to_owned)).flatten()
    })
}

fn run_version(path: &Path) -> Result<String> {
    let mut command = Command::new(path);
    super::environment::set(&mut command, super::environment::for_wrangler(std::env::vars_os()));
    command.arg("--version").env("WRANGLER_SEND_METRICS", "false");
    let finished = super::process::run(command, None, Duration::from_secs(60))
        .map_err(|e| Error::WranglerNotFound(format!("could not start wrangler at {}: {e}", path.display())))?;
    let text = String::from_utf8_lossy(&finished.stdout);
    first_version(&text).ok_or_else(|| {
        Error::WranglerNotFound(format!("{} --version printed no version: {}", path.display(), text.trim()))
    })
}

fn first_version(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| w.split('.').filter(|p| !p.is_empty()).count() == 3)
        .map(str::to_owned)
}

/// `>=3.91.0 <5.0.0`, the range clodo is tested against.
pub fn is_supported(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    match (parts.next(), parts.next()) {
        (Some(3), Some(minor)) => minor >= 91,
        (Some(4), _) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_versions_are_3_91_up_to_4_x() {
        assert!(is_supported("4.86.0"));
        assert!(is_supported("3.91.0"));
        assert!(!is_supported("3.90.9"));
        assert!(!is_supported("5.0.0"));
        assert!(!is_supported("2.20.0"));
    }

    #[test]
    fn the_version_is_read_from_wrangler_output() {
        assert_eq!(first_version(" ⛅️ wrangler 4.86.0\n").as_deref(), Some("4.86.0"));
        assert_eq!(first_version("nothing here"), None);
    }

    #[test]
    fn an_explicit_missing_path_is_a_clear_error() {
        let err = locate(Some(Path::new("/nonexistent/wrangler")), Path::new("/")).unwrap_err();
        assert_eq!(err.code(), "E_WRANGLER_NOT_FOUND");
        assert!(err.to_string().contains("/nonexistent/wrangler"));
    }
}
