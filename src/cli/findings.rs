//! Validation findings on the command line: grouped by environment (the top
//! level first), each at `file:line:column` with its rule, then one line that
//! says whether the config is valid.

use serde_json::{Value, json};

use super::output::{Output, Paint};
use crate::wrangler_config::{Finding, Severity};

pub fn to_json(f: &Finding) -> Value {
    let severity = if f.severity == Severity::Error { "error" } else { "warning" };
    json!({"severity": severity, "rule": f.rule, "message": f.message, "env": f.env, "path": f.path, "line": f.line, "column": f.column})
}

pub fn errors(findings: &[Finding]) -> usize {
    findings.iter().filter(|f| f.severity == Severity::Error).count()
}

/// The findings as text; `file` is how the config is named in each place.
pub fn text(out: &Output, file: &str, findings: &[Finding]) -> String {
    let mut groups: Vec<(Option<&str>, Vec<&Finding>)> = vec![];
    for f in findings {
        let env = f.env.as_deref();
        match groups.iter_mut().find(|(e, _)| *e == env) {
            Some((_, list)) => list.push(f),
            None => groups.push((env, vec![f])),
        }
    }
    groups.sort_by_key(|(env, _)| env.is_some());
    let mut text = String::new();
    for (env, list) in groups {
        text.push_str(&out.paint(Paint::Bold, &env.map_or("top level (every environment)".to_owned(), |e| format!("env.{e}"))));
        text.push('\n');
        for f in list {
            let place = match (f.line, f.column) {
                (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
                _ => file.to_owned(),
            };
            let severity = match f.severity {
                Severity::Error => out.paint(Paint::Red, "error  "),
                Severity::Warning => out.paint(Paint::Yellow, "warning"),
            };
            text.push_str(&format!("  {severity} {place}  {} [{}]\n", f.message, f.rule));
        }
    }
    text.push_str(&verdict(file, findings));
    text
}

/// `valid` only when there is no error.
pub fn verdict(file: &str, findings: &[Finding]) -> String {
    let (errors, warnings) = (errors(findings), findings.len() - errors(findings));
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => format!("{file}: valid"),
        (0, w) => format!("{file}: valid, with {}", plural(w, "warning")),
        (e, w) => format!("{file}: not valid: {}, {}", plural(e, "error"), plural(w, "warning")),
    }
}
