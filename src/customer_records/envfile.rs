//! The `.env` dialect of customer records.
//!
//! Reading accepts what `@tamyla/clodo-framework` wrote and read (unquoted
//! values taken literally, spaces, `#` and `$` included) plus the usual dotenv
//! quoting: `'…'` is literal, `"…"` decodes `\n \r \t \\ \" \$` and may span
//! lines. There is no `$VAR` expansion: a stored record must mean the same
//! thing whoever reads it.
//!
//! Writing picks the plainest form that reads back exactly, here and in the
//! original: bare when the value is plain, single quotes when it has no `'`
//! and no line break, double quotes with escapes otherwise.

use indexmap::IndexMap;

use crate::error::{Error, Result};

/// Keys in file order; a repeated key keeps its first position and its last
/// value. Fx hashing: keys are the file's own, and listings hash thousands.
pub type EnvVars = IndexMap<String, String, rustc_hash::FxBuildHasher>;

pub fn parse(text: &str) -> EnvVars {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut vars = EnvVars::with_capacity_and_hasher(text.len() / 40, Default::default());
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let Some((key, raw)) = line.split_once('=') else { continue };
        let key = key.trim();
        if key.is_empty() {
            continue;
        }
        let raw = raw.trim();
        let value = match raw.chars().next() {
            Some('\'') => match raw[1..].find('\'') {
                Some(end) => raw[1..1 + end].to_string(),
                None => raw.to_string(),
            },
            Some('"') => double_quoted(&raw[1..], &mut lines).unwrap_or_else(|| raw.to_string()),
            _ => raw.to_string(),
        };
        vars.insert(key.to_string(), value);
    }
    vars
}

/// Decodes a double-quoted value whose opening quote is already consumed,
/// reading further lines while the quote is open. `None` if it never closes.
fn double_quoted<'a>(first: &'a str, rest: &mut impl Iterator<Item = &'a str>) -> Option<String> {
    let mut out = String::new();
    let mut line = first;
    loop {
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some(other @ ('\\' | '"' | '$' | '\'')) => out.push(other),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        out.push('\n');
        line = rest.next()?;
    }
}

/// `KEY=value` with the value quoted as needed. NUL cannot be stored in an
/// environment variable, so it is refused.
pub fn line(key: &str, value: &str) -> Result<String> {
    if value.contains('\0') {
        return Err(Error::invalid(format!("The value of {key} contains a NUL character; remove it and retry")));
    }
    Ok(format!("{key}={}", quote(value)))
}

fn quote(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.:/@+,=%~^*!?&;()[]{}<>|".contains(c);
    if value.chars().all(plain) {
        return value.to_string();
    }
    if !value.contains(['\'', '\n', '\r']) {
        return format!("'{value}'");
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: &str) -> String {
        let text = format!("# header\n{}\nNEXT=after\n", line("KEY", value).unwrap());
        let vars = parse(&text);
        assert_eq!(vars.get("NEXT").map(String::as_str), Some("after"), "{text}");
        assert_eq!(vars.len(), 2, "a value must never create another key: {text}");
        vars["KEY"].clone()
    }

    #[test]
    fn hostile_values_round_trip_exactly() {
        for value in [
            "plain-value_1.2", "two words", "a#b", " # not a comment", "x=y=z", "it's", "say \"hi\"", "$HOME/${X}",
            "line1\nNEXT=injected", "back\\slash\\n", "mixed 'single' \"double\"\n$", "\r\n", "", "  padded  ", "tab\there",
        ] {
            assert_eq!(round_trip(value), value);
        }
        let big = "é#'\"\n=".repeat(2000);
        assert_eq!(round_trip(&big), big);
    }

    #[test]
    fn nul_is_refused() {
        assert_eq!(line("KEY", "a\0b").unwrap_err().code(), "E_INVALID_INPUT");
    }

    #[test]
    fn reads_what_the_original_wrote_and_common_dotenv() {
        let vars = parse("\u{feff}# c\r\nDESCRIPTION=Static site service\r\n\nexport A = 'x y'\nB=\"m\\n\nn\"\nC=$HOME\nbroken\nD='open\n");
        assert_eq!(vars["DESCRIPTION"], "Static site service");
        assert_eq!(vars["A"], "x y");
        assert_eq!(vars["B"], "m\n\nn");
        assert_eq!(vars["C"], "$HOME");
        assert_eq!(vars["D"], "'open");
        assert!(!vars.contains_key("broken"));
    }
}
