//! The project's `.env` files, read as wrangler 4 reads them for its own
//! settings: `.env`, `.env.local`, then `.env.<env>` and `.env.<env>.local`
//! for the environment named with `--env`, from the working folder, each
//! later file over the earlier ones, and the real environment over them all.
//! So `CLOUDFLARE_API_TOKEN` or `CLODO_SECRET_KEY` kept there reach clodo as
//! they reach wrangler. Which files were read is said; their values never.

use std::path::Path;

use indexmap::IndexMap;

/// Reads the files found in `dir`; returns their names and the values they
/// give that the real environment does not already have.
pub fn read(dir: &Path, environment: Option<&str>) -> (Vec<String>, IndexMap<String, String>) {
    let mut loaded = vec![];
    let mut values: IndexMap<String, String> = IndexMap::new();
    for name in crate::wrangler::dotenv_files(environment) {
        let Ok(items) = dotenvy::from_path_iter(dir.join(&name)) else { continue };
        loaded.push(name);
        for (key, value) in items.flatten() {
            values.insert(key, value);
        }
    }
    values.retain(|key, _| std::env::var_os(key).is_none());
    (loaded, values)
}

/// The environment named on the command line (`--env X`, `--env=X`, `-e X`).
pub fn environment_in(args: &[String]) -> Option<String> {
    args.iter().enumerate().find_map(|(i, a)| match a.as_str() {
        "--env" | "-e" => args.get(i + 1).cloned(),
        _ => a.strip_prefix("--env=").map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_files_win_and_the_real_environment_wins_over_all() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "CLODO_TEST_A=from-env\nCLODO_TEST_B=from-env\nPATH=/nowhere\n").unwrap();
        std::fs::write(dir.path().join(".env.staging"), "CLODO_TEST_B=from-staging\n").unwrap();
        let (loaded, values) = read(dir.path(), Some("staging"));
        assert_eq!(loaded, [".env", ".env.staging"]);
        assert_eq!(values["CLODO_TEST_A"], "from-env");
        assert_eq!(values["CLODO_TEST_B"], "from-staging");
        assert!(!values.contains_key("PATH"), "the real environment wins");
        assert_eq!(environment_in(&["deploy".into(), "-e".into(), "staging".into()]).as_deref(), Some("staging"));
        assert_eq!(environment_in(&["deploy".into(), "--env=prod".into()]).as_deref(), Some("prod"));
    }
}
