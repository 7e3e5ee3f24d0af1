//! What each environment requires, and the values known to be unsafe.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirements {
    pub min_secret_length: usize,
    pub require_https: bool,
    pub allow_dummy_keys: bool,
    #[serde(rename = "requireStrongJWT")]
    pub require_strong_jwt: bool,
    pub allow_localhost_urls: bool,
    /// Bits of Shannon entropy per character.
    pub min_key_entropy: f64,
    pub require_complex_passwords: bool,
    pub max_dummy_key_tolerance: usize,
}

const fn strict(min_secret_length: usize, min_key_entropy: f64) -> Requirements {
    Requirements {
        min_secret_length,
        require_https: true,
        allow_dummy_keys: false,
        require_strong_jwt: true,
        allow_localhost_urls: false,
        min_key_entropy,
        require_complex_passwords: true,
        max_dummy_key_tolerance: 0,
    }
}

const fn relaxed(min_secret_length: usize, min_key_entropy: f64, max_dummy_key_tolerance: usize) -> Requirements {
    Requirements {
        min_secret_length,
        require_https: false,
        allow_dummy_keys: true,
        require_strong_jwt: false,
        allow_localhost_urls: true,
        min_key_entropy,
        require_complex_passwords: false,
        max_dummy_key_tolerance,
    }
}

/// The environments with rules of their own; any other gets production's.
pub const ENVIRONMENTS: [(&str, Requirements); 4] =
    [("production", strict(32, 4.0)), ("staging", strict(24, 3.5)), ("development", relaxed(16, 2.0, 5)), ("testing", relaxed(8, 1.0, 10))];

pub fn requirements_for(environment: &str) -> Requirements {
    ENVIRONMENTS.iter().find(|(name, _)| *name == environment).map_or(ENVIRONMENTS[0].1, |(_, r)| *r)
}

/// Keys shipped in examples and templates; `*` stands for any text.
pub const DUMMY_API_KEYS: &[&str] = &[
    "content-skimmer-dev-key",
    "logger-service-dev-key",
    "auth-service-dev-key",
    "test-key",
    "dev-key",
    "dummy-key",
    "dummy-api-key",
    "placeholder-key",
    "example-key",
    "sample-key",
    "demo-key",
    "test-api-key-*",
    "dummy-*-key",
    "dev-*-secret",
    "placeholder-*",
    "example-*-token",
    "fake-*-credential",
    "mock-*-password",
];

pub const WEAK_SECRETS: &[&str] = &["secret", "password", "123456", "admin", "test", "changeme", "default", "password123", "admin123", "root", "guest"];

pub const DEV_URLS: &[&str] = &["localhost", "127.0.0.1", "0.0.0.0", "dev.", "test.", "staging.", "local."];

/// The original's JWT patterns as (source, flags) of JavaScript regular expressions; `weak_jwt` is the same test.
pub const WEAK_JWT_PATTERNS: &[(&str, &str)] = &[("^.{1,31}$", ""), ("^(secret|jwt|token|key|password)", "i"), ("^[a-zA-Z0-9]{1,20}$", ""), ("^(password|secret|token|key|jwt|auth)$", "i")];

pub const COMMON_PASSWORDS: &[&str] = &[
    "password", "password123", "admin", "admin123", "root", "root123", "guest", "user", "test", "demo", "123456", "123456789", "qwerty", "abc123", "letmein", "welcome",
    "monkey", "dragon", "passw0rd", "p@ssword",
];

/// Whether `value` is one of the dummy keys (a `*` in one matches any text).
pub fn is_dummy_key(value: &str) -> bool {
    DUMMY_API_KEYS.iter().any(|pattern| match pattern.split_once('*') {
        Some((head, tail)) => value.len() >= head.len() + tail.len() && value.starts_with(head) && value.ends_with(tail),
        None => value.contains(pattern),
    })
}

/// The weak-JWT patterns: short, starting with a giveaway word, or short and plain.
pub fn weak_jwt(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let chars = value.chars().count();
    (1..=31).contains(&chars)
        || ["secret", "jwt", "token", "key", "password"].iter().any(|w| lower.starts_with(w))
        || ((1..=20).contains(&chars) && value.chars().all(|c| c.is_ascii_alphanumeric()))
}

pub fn is_localhost(url: &str) -> bool {
    url.contains("localhost") || url.contains("127.0.0.1")
}

/// A host that reads as a development or test one (`dev.`, `test.`, `staging.`, `.dev`, `.test`, `.local`).
pub fn is_development_domain(url: &str) -> bool {
    ["dev.", "test.", "staging."].iter().any(|p| url.contains(p)) || [".dev", ".test", ".local"].iter().any(|s| url.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_in_a_dummy_key_matches_any_text_and_unknown_environments_get_production_rules() {
        assert!(is_dummy_key("dummy-payments-key"));
        assert!(is_dummy_key("my-test-key-1"));
        assert!(!is_dummy_key("dummy-key-but-real".replace("dummy-key", "k3y").as_str()));
        assert_eq!(requirements_for("qa"), requirements_for("production"));
        assert_eq!(requirements_for("testing").min_secret_length, 8);
    }

    #[test]
    fn weak_jwt_secrets_are_short_plain_or_start_with_a_giveaway_word() {
        assert!(weak_jwt("short"));
        assert!(weak_jwt("secret-0123456789abcdef0123456789abcdef"));
        assert!(!weak_jwt("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    }
}
