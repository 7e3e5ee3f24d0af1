//! The checks themselves: `check_values` for any flat set of variables (the
//! original's `ConfigurationValidator.validate`) and `check_record` for a
//! customer's record (its `validateConfiguration`).

use serde::Serialize;

use super::keys::entropy;
use crate::customer_records::{CustomerRecords, EnvVars, parse_env};
use crate::error::{Error, Result};
use super::rules::{Requirements, WEAK_SECRETS, is_development_domain, is_dummy_key, is_localhost, requirements_for, weak_jwt};

const MASKED: &str = "***masked***";

/// One problem of one variable. `key` and `field` both name it (the original used each in one place);
/// `value` is masked unless it is a URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub key: String,
    pub field: String,
    pub issue: &'static str,
    pub value: String,
    pub severity: &'static str,
    pub message: String,
    pub remediation: &'static str,
}

fn finding(field: &str, issue: &'static str, value: &str, severity: &'static str, message: String, remediation: &'static str) -> Finding {
    Finding { key: field.into(), field: field.into(), issue, value: value.into(), severity, message, remediation }
}

type Vars = EnvVars;

fn fields<'a>(config: &'a Vars, marks: &'a [&str]) -> impl Iterator<Item = (&'a String, &'a String)> {
    config.iter().filter(move |(k, v)| !v.is_empty() && marks.iter().any(|m| k.contains(m)))
}

/// Dummy keys, plain-HTTP or localhost URLs where the environment forbids
/// them, and short or guessable secrets.
pub fn check_values(config: &Vars, environment: &str) -> Vec<Finding> {
    let rules = requirements_for(environment);
    let mut found = vec![];
    for (field, value) in fields(config, &["API_KEY", "_KEY", "TOKEN"]) {
        if is_dummy_key(value) {
            let severity = if environment == "production" { "critical" } else { "warning" };
            found.push(finding(field, "dummy_api_key", MASKED, severity, format!("Dummy/development API key detected in {field}"), "Generate a secure key: clodo secrets generate, or SecretGenerator.generateSecureApiKey()"));
        }
    }
    for (field, url) in fields(config, &["URL", "ENDPOINT", "HOST"]) {
        if rules.require_https && url.starts_with("http://") {
            found.push(finding(field, "insecure_http", url, "warning", format!("{field} uses HTTP instead of HTTPS"), "Use HTTPS URLs in production environments"));
        }
        if !rules.allow_localhost_urls && is_localhost(url) {
            found.push(finding(field, "localhost_in_production", url, "critical", format!("{field} contains localhost URL in production"), "Use proper domain URLs in production"));
        }
    }
    for (field, value) in fields(config, &["SECRET", "PASSWORD"]) {
        let length = value.chars().count();
        if length < rules.min_secret_length {
            let message = format!("{field} is too short ({length} chars). Minimum: {}", rules.min_secret_length);
            found.push(finding(field, "short_secret", MASKED, "high", message, "Use cryptographically secure random secret"));
        }
        if weak_jwt(value) {
            found.push(finding(field, "weak_secret_pattern", MASKED, "high", format!("{field} matches insecure pattern"), "Use a cryptographically strong random secret"));
        }
    }
    found
}

/// A record's review: `errors` block a deployment, `warnings` should be
/// read, `securityIssues` say which field and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub valid: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub security_issues: Vec<Finding>,
}

impl Report {
    /// A record that could not be checked at all.
    pub fn unreadable(why: String) -> Report {
        Report { valid: false, errors: vec![why], ..Report::default() }
    }

    fn issue(&mut self, finding: Finding, error: String) {
        self.security_issues.push(finding);
        self.errors.push(error);
    }
}

/// The original's record checks, field by field, for `environment`.
pub fn check_record(config: &Vars, environment: &str) -> Report {
    let rules = requirements_for(environment);
    let mut report = Report::default();
    api_keys(config, environment, &mut report);
    jwt_secrets(config, &rules, &mut report);
    urls(config, &rules, &mut report);
    secret_strength(config, &mut report);
    stored_passwords(config, &mut report);
    if environment == "production" {
        production_only(config, &mut report);
    }
    report.valid = report.errors.is_empty() && report.security_issues.is_empty();
    report
}

/// `check_record` of the variables a customer's stored record holds.
pub fn check_stored_record(records: &CustomerRecords, customer: &str, environment: &str) -> Result<Report> {
    let path = records.record_path(customer, environment)?;
    let text = crate::atomic_file::read_text(&path)?
        .ok_or_else(|| Error::ConfigNotFound { path: path.clone(), message: format!("No record for {customer}/{environment}: {} does not exist", path.display()) })?;
    Ok(check_record(&parse_env(&text), environment))
}

fn api_keys(config: &Vars, environment: &str, report: &mut Report) {
    for field in ["CONTENT_SKIMMER_API_KEY", "LOGGER_SERVICE_API_KEY", "AUTH_SERVICE_API_KEY", "X_SERVICE_KEY"] {
        let Some(value) = config.get(field).filter(|v| !v.is_empty()) else { continue };
        if is_dummy_key(value) {
            if environment == "production" {
                let message = format!("{field} contains a dummy/development key. This is CRITICAL for {environment} environment.");
                report.issue(finding(field, "dummy_api_key", MASKED, "critical", message.clone(), ""), message);
            } else {
                report.warnings.push(format!("{field} contains a dummy/development key. This is not recommended for {environment} environment."));
            }
        }
        let plain = value.len() <= 20 && value.chars().all(|c| c.is_ascii_alphanumeric());
        if value.len() < 16 || plain || ["key-", "api-", "token-"].iter().any(|p| value.starts_with(p)) {
            report.warnings.push(format!("{field} appears to be a weak API key. Consider using a stronger, randomly generated key."));
        }
    }
}

fn jwt_secrets(config: &Vars, rules: &Requirements, report: &mut Report) {
    let field = "AUTH_JWT_SECRET";
    let Some(value) = config.get(field).filter(|v| !v.is_empty()) else { return };
    let (length, minimum) = (value.chars().count(), rules.min_secret_length);
    if length < minimum {
        let message = format!("{field} is too short ({length} chars). Minimum required: {minimum} chars.");
        report.issue(finding(field, "short_jwt_secret", MASKED, "high", message, ""), format!("{field} is too short. Minimum length: {minimum} characters."));
    }
    if weak_jwt(value) {
        let message = format!("{field} matches insecure pattern. Use a cryptographically strong random secret.");
        report.issue(finding(field, "weak_jwt_pattern", MASKED, "high", message, ""), format!("{field} uses an insecure pattern. Generate a strong random secret."));
    }
    // Random hex reaches about 3.8 bits per character; text with repeats stays far below 3.
    if rules.require_strong_jwt && entropy(value) < 3.0 {
        report.warnings.push(format!("{field} appears to have low entropy. Consider using a cryptographically strong random generator."));
    }
}

fn urls(config: &Vars, rules: &Requirements, report: &mut Report) {
    for field in ["FRONTEND_URL", "AUTH_SERVICE_URL", "DATA_SERVICE_URL", "CONTENT_STORE_SERVICE_URL"] {
        let Some(url) = config.get(field).filter(|v| !v.is_empty()) else { continue };
        if !rules.allow_localhost_urls && is_localhost(url) {
            let message = format!("{field} contains localhost URL in production environment: {url}");
            report.issue(finding(field, "localhost_in_production", url, "critical", message, ""), format!("{field} cannot use localhost in production: {url}"));
        }
        if rules.require_https && !url.starts_with("https://") && !url.starts_with("http://localhost") {
            let message = format!("{field} must use HTTPS in production: {url}");
            report.issue(finding(field, "insecure_http", url, "high", message, ""), format!("{field} must use HTTPS: {url}"));
        }
        if rules.require_https && is_development_domain(url) {
            report.warnings.push(format!("{field} appears to use a development/test domain: {url}"));
        }
    }
}

fn secret_strength(config: &Vars, report: &mut Report) {
    for (field, value) in fields(config, &["SECRET", "KEY", "TOKEN", "PASSWORD"]) {
        if field.contains("URL") || field.contains("_ID") {
            continue;
        }
        let lower = value.to_lowercase();
        if WEAK_SECRETS.iter().any(|weak| lower.contains(weak)) {
            let message = format!("{field} contains weak/common value pattern");
            report.issue(finding(field, "weak_secret_value", MASKED, "high", message, ""), format!("{field} contains weak secret value"));
        }
    }
}

fn stored_passwords(config: &Vars, report: &mut Report) {
    let kinds = [("DATABASE", "PASSWORD", "Database"), ("DB", "PASS", "Database"), ("MYSQL", "PASS", "MySQL"), ("POSTGRES", "PASS", "PostgreSQL")];
    for field in config.keys() {
        let upper = field.to_uppercase();
        for (what, secret, name) in kinds {
            if upper.find(what).is_some_and(|at| upper[at..].contains(secret)) {
                report.warnings.push(format!("{field}: {name} passwords should not be in configuration files"));
            }
        }
    }
}

fn production_only(config: &Vars, report: &mut Report) {
    if config.get("SKIP_WEBHOOK_AUTH").is_some_and(|v| v == "true") {
        let message = "SKIP_WEBHOOK_AUTH must be false in production for security".to_owned();
        report.issue(finding("SKIP_WEBHOOK_AUTH", "insecure_production_setting", "true", "critical", message, ""), "SKIP_WEBHOOK_AUTH must be false in production".into());
    }
    for (field, value) in config.iter().filter(|(k, _)| !k.contains("ALLOWED_FILE_TYPES")) {
        let lower = value.to_lowercase();
        for marker in ["dev", "test", "debug", "localhost"].iter().filter(|m| lower.contains(*m)) {
            // The value itself may be a secret: name the field, not what it holds.
            report.warnings.push(format!("{field} contains development indicator \"{marker}\" in production"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> super::Vars {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn production_refuses_what_development_tolerates_and_never_echoes_a_secret() {
        let config = vars(&[("AUTH_JWT_SECRET", "secret123"), ("FRONTEND_URL", "http://localhost:3000"), ("AUTH_SERVICE_API_KEY", "dev-key"), ("SKIP_WEBHOOK_AUTH", "true")]);
        let production = check_record(&config, "production");
        assert!(!production.valid);
        let issues: Vec<&str> = production.security_issues.iter().map(|f| f.issue).collect();
        for issue in ["dummy_api_key", "short_jwt_secret", "weak_jwt_pattern", "localhost_in_production", "weak_secret_value", "insecure_production_setting"] {
            assert!(issues.contains(&issue), "{issue} in {issues:?}");
        }
        let text = serde_json::to_string(&production).unwrap();
        assert!(!text.contains("secret123") && !text.contains("\"dev-key\""), "{text}");
        let development = check_record(&config, "development");
        assert!(development.security_issues.iter().all(|f| f.issue != "localhost_in_production" && f.issue != "dummy_api_key"));
        assert!(development.warnings.iter().any(|w| w.contains("AUTH_SERVICE_API_KEY contains a dummy")));
    }

    #[test]
    fn a_strong_production_record_passes() {
        let config = vars(&[("AUTH_JWT_SECRET", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"), ("FRONTEND_URL", "https://app.example.com")]);
        assert_eq!(check_record(&config, "production"), Report { valid: true, ..Report::default() });
        assert!(check_values(&config, "production").is_empty());
    }
}
