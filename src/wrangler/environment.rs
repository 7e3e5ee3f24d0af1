//! What a child process inherits of clodo's environment. Wrangler gets an
//! allow-list: what Node, npm, wrangler and the system need to run, with
//! Cloudflare's variables (the call's own credentials are set over them by
//! the runner); never clodo's secret store key. The project's own code (its
//! `[build]`, its `domains.js`) gets everything but clodo's secrets, since
//! builds read their own variables (`VITE_*`, `NODE_ENV`, …).

use std::ffi::OsString;
use std::process::Command;

/// Never handed to any child: the key that opens every stored secret.
const CLODO_SECRETS: &[&str] = &["CLODO_SECRET_KEY"];

/// Cloudflare credentials: wrangler's to read (the call's own, when it has some, are set over them); never the project's code's.
const CLOUDFLARE_CREDENTIALS: &[&str] = &["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN", "CLOUDFLARE_API_KEY", "CF_API_KEY"];

const WRANGLER_NEEDS: &[&str] = &[
    // the system and the user
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR", "TMP", "TEMP", "CI",
    // Windows
    "USERPROFILE", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "PROGRAMFILES", "PROGRAMFILES(X86)", "SYSTEMROOT",
    "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "HOMEDRIVE", "HOMEPATH", "USERNAME", "OS", "PROCESSOR_ARCHITECTURE",
    "NUMBER_OF_PROCESSORS",
    // networks that need a proxy or their own certificates
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR", "DOCKER_HOST",
];

/// Prefixes of the same: locales, Node and npm settings, wrangler's and Cloudflare's own settings
/// (its API base URL, account id; the token only as the call's credentials), XDG folders (wrangler's login).
const WRANGLER_NEEDS_PREFIXES: &[&str] = &["LC_", "NODE_", "NPM_CONFIG_", "WRANGLER_", "CLOUDFLARE_", "XDG_", "MINIFLARE_"];

fn upper(key: &OsString) -> String {
    key.to_string_lossy().to_ascii_uppercase()
}


/// The variables wrangler inherits from `vars` (clodo's own environment).
pub fn for_wrangler(vars: impl Iterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
    vars.filter(|(k, _)| {
        let key = upper(k);
        !CLODO_SECRETS.contains(&key.as_str()) && (WRANGLER_NEEDS.contains(&key.as_str()) || WRANGLER_NEEDS_PREFIXES.iter().any(|p| key.starts_with(p)))
    })
    .collect()
}

/// The variables the project's own code inherits: all but clodo's secrets.
pub fn for_project_code(vars: impl Iterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
    vars.filter(|(k, _)| {
        let key = upper(k);
        !CLODO_SECRETS.contains(&key.as_str()) && !CLOUDFLARE_CREDENTIALS.contains(&key.as_str())
    })
    .collect()
}

/// Replaces what `command` would inherit with `vars`.
pub fn set(command: &mut Command, vars: Vec<(OsString, OsString)>) {
    command.env_clear().envs(vars);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Iterator<Item = (OsString, OsString)> {
        pairs.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))).collect::<Vec<_>>().into_iter()
    }

    fn keys(list: Vec<(OsString, OsString)>) -> Vec<String> {
        list.into_iter().map(|(k, _)| k.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn wrangler_gets_what_it_needs_and_never_a_secret() {
        let parent = [
            ("PATH", "/bin"), ("HOME", "/root"), ("NODE_EXTRA_CA_CERTS", "/ca"), ("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1"),
            ("Path", "C:\\bin"), ("CLODO_SECRET_KEY", "k"), ("CLOUDFLARE_API_TOKEN", "t"), ("AWS_SECRET_ACCESS_KEY", "a"),
            ("STRIPE_KEY", "s"), ("LC_ALL", "C"), ("XDG_CONFIG_HOME", "/x"),
        ];
        assert_eq!(keys(for_wrangler(vars(&parent))), ["PATH", "HOME", "NODE_EXTRA_CA_CERTS", "CLOUDFLARE_API_BASE_URL", "Path", "CLOUDFLARE_API_TOKEN", "LC_ALL", "XDG_CONFIG_HOME"]);
    }

    #[test]
    fn project_code_gets_all_but_clodos_secrets() {
        let parent = [("VITE_API_URL", "u"), ("NODE_ENV", "production"), ("clodo_secret_key", "k"), ("CLOUDFLARE_API_TOKEN", "t")];
        assert_eq!(keys(for_project_code(vars(&parent))), ["VITE_API_URL", "NODE_ENV"]);
    }
}
