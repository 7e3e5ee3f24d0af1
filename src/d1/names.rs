//! The one policy for every name that reaches a wrangler argv, a path, a
//! config key or an SQL text, checked before any process starts or file is
//! written (docs/names.md has the table). No name may start with `-`: in an
//! argv it would be read as a flag.

use crate::error::{Error, Result};

/// D1 database names: letters, digits, `-` and `_`, 1 to 64 characters.
pub fn database(name: &str) -> Result<()> {
    check(name, "database name", 64, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_', "letters, digits, '-' or '_'")
}

pub fn environment(name: &str) -> Result<()> {
    check(name, "environment name", 64, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_', "letters, digits, '-' or '_'")
}

/// Bindings are JavaScript identifiers on `env`.
pub fn binding(name: &str) -> Result<()> {
    check(name, "binding name", 64, |c| c.is_ascii_alphanumeric() || c == '_', "letters, digits or '_'")?;
    match name.starts_with(|c: char| c.is_ascii_digit()) {
        true => Err(Error::invalid(format!("Invalid binding name {name:?}: it must not start with a digit"))),
        false => Ok(()),
    }
}

/// Worker names: letters, digits, `-` and `_`, up to 64 (Cloudflare lowercases them).
pub fn worker(name: &str) -> Result<()> {
    check(name, "worker name", 64, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_', "letters, digits, '-' or '_'")
}

/// Cloudflare account ids (32 hex characters for real accounts; other letters and digits for local stand-ins).
pub fn account_id(id: &str) -> Result<()> {
    check(id, "account id", 64, |c| c.is_ascii_alphanumeric(), "the 32 hex characters of the account's id")
}

/// D1 database ids: UUIDs remotely, the database's name locally.
pub fn database_id(id: &str) -> Result<()> {
    check(id, "database id", 64, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_', "the database's UUID (or its name, locally)")
}

/// Time Travel bookmarks are hex groups joined by `-`.
pub fn bookmark(value: &str) -> Result<()> {
    check(value, "bookmark", 128, |c| c.is_ascii_alphanumeric() || c == '-', "letters, digits or '-'")
}

pub fn one_of(value: &str, what: &str, allowed: &[&str]) -> Result<()> {
    match allowed.contains(&value) {
        true => Ok(()),
        false => Err(Error::invalid(format!("Invalid {what} {value:?}: use one of {}", allowed.join(", ")))),
    }
}

fn check(value: &str, what: &str, max: usize, allowed: impl Fn(char) -> bool, hint: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(format!("The {what} is empty: use {hint}")));
    }
    if value.starts_with('-') {
        return Err(Error::invalid(format!("Invalid {what} {value:?}: it must not start with '-' (it would be read as a flag)")));
    }
    if value.chars().count() > max {
        return Err(Error::invalid(format!("Invalid {what}: {} characters, at most {max} allowed", value.chars().count())));
    }
    match value.chars().find(|c| !allowed(*c)) {
        Some(bad) => Err(Error::invalid(format!("Invalid {what} {value:?}: {bad:?} is not allowed; use {hint}"))),
        None => Ok(()),
    }
}

/// `"name"` with inner quotes doubled: an SQLite identifier.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'` with inner quotes doubled: an SQLite string literal.
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused() {
        let long = "a".repeat(300);
        for bad in ["x; rm -rf /", "$(id)", "../x", "a\nb", "a\0b", long.as_str(), "", "-", "--help", "-rf"] {
            let err = database(bad).unwrap_err();
            assert_eq!(err.code(), "E_INVALID_INPUT", "{bad:?}");
        }
        assert!(database("shop-prod_db1").is_ok());
        assert!(binding("1DB").is_err());
        for check in [environment, binding, bookmark, worker, account_id, database_id] {
            assert_eq!(check("--help").unwrap_err().code(), "E_INVALID_INPUT");
        }
        assert!(binding("DB_2").is_ok());
    }

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
