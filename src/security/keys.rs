//! Strong keys from the operating system's random source, and how strong a given key looks.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::secrets::random_bytes;

fn hex(bytes: usize) -> Result<String> {
    if !(8..=512).contains(&bytes) {
        return Err(Error::invalid(format!("Key length {bytes} is out of range: use 8 to 512 bytes")));
    }
    Ok(random_bytes(bytes)?.iter().map(|b| format!("{b:02x}")).collect())
}

/// `length` random bytes as hex, after `<prefix>_` when a prefix is given.
pub fn api_key(length: usize, prefix: &str) -> Result<String> {
    let key = hex(length)?;
    Ok(if prefix.is_empty() { key } else { format!("{prefix}_{key}") })
}

pub fn jwt_secret(length: usize) -> Result<String> {
    hex(length)
}

/// Shannon entropy in bits per character.
pub fn entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in text.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let length = text.chars().count() as f64;
    counts.values().map(|&n| n as f64 / length).map(|p| p * (1.0 / p).log2()).sum()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyStrength {
    pub valid: bool,
    pub issues: Vec<String>,
}

pub fn key_strength(key: &str, min_length: usize, require_hex: bool, min_entropy: f64) -> KeyStrength {
    let mut issues = vec![];
    let length = key.chars().count();
    if length < min_length {
        issues.push(format!("Key too short: {length} < {min_length}"));
    }
    if require_hex && (key.is_empty() || !key.chars().all(|c| c.is_ascii_hexdigit())) {
        issues.push("Key must be hexadecimal format".into());
    }
    let bits = entropy(key);
    if bits < min_entropy {
        issues.push(format!("Low entropy: {bits:.2} < {min_entropy}"));
    }
    KeyStrength { valid: issues.is_empty(), issues }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_hex_of_the_asked_length_and_weak_ones_are_named() {
        let (a, b) = (api_key(32, "svc").unwrap(), api_key(32, "svc").unwrap());
        assert!(a.starts_with("svc_") && a.len() == 4 + 64 && a != b);
        assert!(key_strength(&jwt_secret(64).unwrap(), 32, true, 3.0).valid);
        let weak = key_strength("aaaa", 32, true, 3.0);
        assert_eq!(weak.issues, ["Key too short: 4 < 32", "Low entropy: 0.00 < 3"]);
        assert!(api_key(4, "").is_err());
    }
}
