//! Security checks of a service's configuration values (what a customer
//! record or a flat set of variables holds) against each environment's
//! requirements, and strong keys. No check ever echoes a secret: issues name
//! the field and mask its value.

mod checks;
mod keys;
mod rules;

pub use checks::{Finding, Report, check_record, check_stored_record, check_values};
pub use keys::{KeyStrength, api_key, entropy, jwt_secret, key_strength};
pub use rules::{COMMON_PASSWORDS, DEV_URLS, DUMMY_API_KEYS, Requirements, WEAK_JWT_PATTERNS, WEAK_SECRETS, requirements_for};

/// Every environment's requirements and every list, as JSON (the JS constants).
pub fn rules_table() -> serde_json::Value {
    let requirements: serde_json::Map<String, serde_json::Value> = rules::ENVIRONMENTS.iter().map(|(name, r)| (name.to_string(), serde_json::to_value(r).unwrap_or_default())).collect();
    serde_json::json!({
        "requirements": requirements,
        "patterns": {
            "DUMMY_API_KEYS": DUMMY_API_KEYS,
            "WEAK_SECRETS": WEAK_SECRETS,
            "DEV_URLS": DEV_URLS,
            "WEAK_JWT_PATTERNS": WEAK_JWT_PATTERNS.iter().map(|(source, flags)| serde_json::json!({"source": source, "flags": flags})).collect::<Vec<_>>(),
            "COMMON_PASSWORDS": COMMON_PASSWORDS,
        },
    })
}

/// A report as the lines the original printed.
pub fn describe(customer: &str, environment: &str, report: &Report) -> String {
    let mut lines = vec![format!("\nSecurity validation: {customer}/{environment}"), "=".repeat(50)];
    lines.push(if report.valid { "PASSED - Configuration is secure".into() } else { "FAILED - Security issues found".into() });
    for (items, title) in [(&report.errors, "Critical issues (must fix before deployment):"), (&report.warnings, "Warnings (should review):")] {
        if !items.is_empty() {
            lines.push(format!("\n{title}"));
            lines.extend(items.iter().map(|i| format!("   - {i}")));
        }
    }
    lines.join("\n")
}
