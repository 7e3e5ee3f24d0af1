//! The vocabulary the checks are written in: where a finding goes (`Sink`),
//! paths into the config, and types as wrangler sees them (it checks the
//! parsed config with JavaScript's `typeof`, so arrays and null count as
//! objects and a TOML date is not a string).

use serde_json::{Map, Value};

use super::{Finding, Severity};
use crate::document::Seg;

/// Stands for a TOML date in the checked copy of the config.
const DATE_MARK: &str = "\u{0}toml-date";

pub fn mark_date(text: Value) -> Value {
    Value::Object(Map::from_iter([(DATE_MARK.to_string(), text)]))
}

pub fn is_date(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.len() == 1 && o.contains_key(DATE_MARK))
}

/// JavaScript's `typeof` of a parsed config value.
pub fn js_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null | Value::Array(_) | Value::Object(_) => "object",
    }
}

/// A record in JavaScript's sense: an object that is neither an array nor null nor a date.
pub fn is_record(v: &Value) -> bool {
    v.is_object() && !is_date(v)
}

/// A short rendering of a value for a message.
pub fn shown(v: &Value) -> String {
    if is_date(v) {
        return format!("the TOML date {}", v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap_or_default());
    }
    let text = v.to_string();
    match text.chars().count() > 60 {
        true => format!("{}…", text.chars().take(57).collect::<String>()),
        false => text,
    }
}

pub fn at(base: &[Seg], k: &str) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.push(Seg::Key(k.to_string()));
    p
}

pub fn nth(base: &[Seg], i: usize) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.push(Seg::Index(i));
    p
}

pub fn dotted(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The findings of one validation, and the environment being checked.
#[derive(Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
    pub paths: Vec<Vec<Seg>>,
    pub env: Option<String>,
}

impl Sink {
    pub fn error(&mut self, rule: &'static str, path: &[Seg], message: String) {
        self.push(Severity::Error, rule, path, message);
    }

    pub fn warn(&mut self, rule: &'static str, path: &[Seg], message: String) {
        self.push(Severity::Warning, rule, path, message);
    }

    pub fn push(&mut self, severity: Severity, rule: &'static str, path: &[Seg], message: String) {
        self.findings.push(Finding { severity, rule, message, path: dotted(path), env: self.env.clone(), line: None, column: None });
        self.paths.push(path.to_vec());
    }

    /// `path` must have JavaScript type `want` when present; false when it had another.
    pub fn optional(&mut self, path: &[Seg], v: Option<&Value>, want: &str) -> bool {
        match v {
            Some(v) if js_type(v) != want || (want == "string" && is_date(v)) => {
                self.wrong_type(path, v, article(want));
                false
            }
            _ => true,
        }
    }

    /// `path` must be present with JavaScript type `want`.
    pub fn required(&mut self, path: &[Seg], v: Option<&Value>, want: &str) -> bool {
        match v {
            None => {
                self.error("REQUIRED_FIELD", path, format!("{} is required: add it as {}", dotted(path), article(want)));
                false
            }
            some => self.optional(path, some, want),
        }
    }

    /// A string from `choices`, when present.
    pub fn one_of(&mut self, path: &[Seg], v: Option<&Value>, choices: &[&str]) -> bool {
        match v {
            Some(Value::String(s)) if choices.contains(&s.as_str()) => true,
            None => true,
            Some(v) => {
                let list = choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
                self.error("INVALID_VALUE", path, format!("{} is {}: use one of {list}", dotted(path), shown(v)));
                false
            }
        }
    }

    /// An array of strings (or numbers), when present.
    pub fn optional_array_of(&mut self, path: &[Seg], v: Option<&Value>, item: &str) -> bool {
        match v {
            None => true,
            Some(v) => self.array_of(path, v, item),
        }
    }

    pub fn array_of(&mut self, path: &[Seg], v: &Value, item: &str) -> bool {
        let ok = v.as_array().is_some_and(|a| a.iter().all(|x| js_type(x) == item && !is_date(x)));
        if !ok {
            self.wrong_type(path, v, &format!("an array of {item}s"));
        }
        ok
    }

    pub fn wrong_type(&mut self, path: &[Seg], v: &Value, want: &str) {
        self.error("WRONG_TYPE", path, format!("{} must be {want}, but it is {}", dotted(path), shown(v)));
    }

    /// Warns of every key of `obj` not in `known`: wrangler ignores them.
    /// Returns false when there was one.
    pub fn unexpected(&mut self, base: &[Seg], obj: &Map<String, Value>, known: &[&str]) -> bool {
        let listed = (known.len() <= 12).then(|| known.join(", "));
        self.unknown_fields(base, obj, |k| known.contains(&k), listed.as_deref())
    }

    /// `unexpected` for long lists of known fields, asked by `is_known`.
    pub fn unknown_fields(&mut self, base: &[Seg], obj: &Map<String, Value>, is_known: impl Fn(&str) -> bool, listed: Option<&str>) -> bool {
        let mut clean = true;
        for k in obj.keys().filter(|k| !is_known(k)) {
            clean = false;
            let (rule, hint) = match (super::environment::legacy_hint(k), listed) {
                (Some(hint), _) => ("REMOVED_KEY", hint.to_string()),
                (None, Some(listed)) => ("UNEXPECTED_FIELD", format!("wrangler does not know this field here and ignores it; check its spelling and place, or remove it (known here: {listed})")),
                (None, None) => ("UNEXPECTED_FIELD", "wrangler does not know this field here and ignores it; check its spelling and place, or remove it".to_string()),
            };
            self.warn(rule, &at(base, k), format!("\"{k}\": {hint}"));
        }
        clean
    }
}

pub fn article(t: &str) -> &'static str {
    match t {
        "string" => "a string",
        "number" => "a number",
        "boolean" => "a boolean (true or false)",
        "object" => "a table (an object)",
        _ => "a value of the right type",
    }
}
