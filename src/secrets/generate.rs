//! Secret values from the operating system's CSPRNG, and the original's
//! standard set of service secrets with their lengths.

use crate::error::{Error, Result};

pub struct SecretSpec {
    pub name: &'static str,
    /// Characters of the value (hex: half as many random bytes).
    pub length: usize,
    pub description: &'static str,
    /// `critical` secrets are the ones the original shared across environments.
    pub scope: &'static str,
}

const fn spec(name: &'static str, length: usize, description: &'static str, scope: &'static str) -> SecretSpec {
    SecretSpec { name, length, description, scope }
}

pub const STANDARD_SECRETS: [SecretSpec; 10] = [
    spec("AUTH_JWT_SECRET", 64, "JWT token signing secret", "critical"),
    spec("X_SERVICE_KEY", 64, "Service authentication key", "critical"),
    spec("AUTH_SERVICE_API_KEY", 48, "Auth service API key", "standard"),
    spec("LOGGER_SERVICE_API_KEY", 48, "Logger service API key", "standard"),
    spec("CONTENT_SKIMMER_API_KEY", 48, "Content service API key", "standard"),
    spec("CROSS_DOMAIN_AUTH_KEY", 64, "Cross-domain authentication key", "critical"),
    spec("WEBHOOK_SIGNATURE_KEY", 32, "Webhook signature verification key", "standard"),
    spec("FILE_ENCRYPTION_KEY", 64, "File encryption key", "critical"),
    spec("SESSION_ENCRYPTION_KEY", 48, "Session encryption key", "standard"),
    spec("API_RATE_LIMIT_KEY", 32, "API rate limiting key", "standard"),
];

/// `length` lowercase hex characters of fresh random bytes.
pub fn secret_value(length: usize) -> Result<String> {
    if !(16..=1024).contains(&length) {
        return Err(Error::invalid(format!("Secret length {length} is out of range: use 16 to 1024 characters")));
    }
    let bytes = random_bytes(length.div_ceil(2))?;
    let mut hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.truncate(length);
    Ok(hex)
}

pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| Error::invalid(format!("The operating system's random source failed: {e}")))?;
    Ok(bytes)
}

/// Secret names are what Workers accept as binding names.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match ok {
        true => Ok(()),
        false => Err(Error::invalid(format!("Invalid secret name {name:?}: use letters, digits and '_', not starting with a digit"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_have_the_length_asked_and_differ() {
        let a = secret_value(48).unwrap();
        let b = secret_value(48).unwrap();
        assert_eq!(a.len(), 48);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(secret_value(33).unwrap().len(), 33);
        assert!(secret_value(4).is_err());
    }

    #[test]
    fn names_must_be_identifiers() {
        assert!(check_name("AUTH_JWT_SECRET").is_ok());
        for bad in ["", "1X", "A-B", "A B", "A\nB"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
