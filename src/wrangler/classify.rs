//! Reading why a wrangler run failed from what it printed.

use crate::error::WranglerFailure;

/// The failure's kind and the clearest one-line-or-so message wrangler gave.
pub fn classify(stdout: &str, stderr: &str, events: &[serde_json::Value], timed_out: bool) -> (WranglerFailure, String) {
    let message = failure_message(stdout, stderr, events);
    let kind = if timed_out { WranglerFailure::Timeout } else { kind_of(&format!("{message}\n{stderr}")) };
    (kind, message)
}

fn failure_message(stdout: &str, stderr: &str, events: &[serde_json::Value]) -> String {
    let from_event = events
        .iter()
        .rev()
        .find(|e| e["type"] == "command-failed")
        .and_then(|e| e["message"].as_str())
        .map(|m| json_error(m).unwrap_or_else(|| m.to_owned()));
    // `d1 execute --json` puts its error on stdout as {"error":{"text":…}}.
    let from_json = || json_error(stdout);
    let last_line = || stderr.lines().chain(stdout.lines()).rev().find(|l| !l.trim().is_empty()).map(|l| l.trim().to_owned());
    // The [ERROR] block holds the API's own messages under the headline.
    match error_block(stderr) {
        Some(block) if from_event.as_ref().is_none_or(|m| block.contains(m.as_str())) => block,
        _ => from_event
            .or_else(from_json)
            .or_else(last_line)
            .unwrap_or_else(|| "wrangler exited with an error and printed nothing".into()),
    }
}

/// `{"error":{"text", "notes":[{"text"}]}}`, as `--json` commands print errors, on one line.
fn json_error(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    let error = &v["error"];
    let mut parts = vec![error["text"].as_str()?.to_owned()];
    let notes = error["notes"].as_array().into_iter().flatten();
    parts.extend(notes.filter_map(|n| n["text"].as_str().map(str::to_owned)));
    Some(parts.join(" "))
}

/// The `✘ [ERROR] …` lines and the notes indented under them, on one line.
fn error_block(stderr: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let mut inside = false;
    for line in stderr.lines() {
        if let Some((_, headline)) = line.split_once("[ERROR]") {
            inside = true;
            parts.push(headline.trim());
        } else if inside && (line.starts_with("  ") || line.trim().is_empty()) {
            let note = line.trim();
            if note.starts_with("If you think this is a bug") {
                inside = false;
            } else if !note.is_empty() {
                parts.push(note);
            }
        } else {
            inside = false;
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn kind_of(text: &str) -> WranglerFailure {
    let t = text.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if any(&["sqlite_", "no such table", "syntax error", "d1_error", "constraint failed"]) {
        WranglerFailure::Sql
    } else if any(&["authentication error", "[code: 10000]", "[code: 9109]", "invalid api token", "not logged in", "unauthorized", "[code: 10001]"]) {
        WranglerFailure::Auth
    } else if any(&["too many requests", "rate limit", "[code: 971]", "[code: 10429]"]) {
        WranglerFailure::RateLimited
    } else if any(&["already exists", "[code: 7502]"]) {
        WranglerFailure::AlreadyExists
    } else if any(&["couldn't find", "could not find", "not found", "[code: 7404]", "does not exist"]) {
        WranglerFailure::NotFound
    } else if any(&[
        "fetch failed", "econnreset", "econnrefused", "etimedout", "eai_again", "enotfound", "socket hang up",
        "internal server error", "bad gateway", "service unavailable", "gateway timeout", "malformed response",
    ]) {
        WranglerFailure::Network
    } else {
        WranglerFailure::Other
    }
}

/// Drops terminal colour codes, which wrangler prints even when piped.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_command_failed_event_gives_the_message() {
        let events = [json!({"type": "command-failed", "message": "no such table: nope: SQLITE_ERROR"})];
        let (kind, message) = classify("", "✘ [ERROR] Migration 0004_bad.sql failed", &events, false);
        assert_eq!(kind, WranglerFailure::Sql);
        assert_eq!(message, "no such table: nope: SQLITE_ERROR");
    }

    #[test]
    fn kinds_follow_the_api_error_codes() {
        let k = |s: &str| classify("", &format!("✘ [ERROR] {s}"), &[], false).0;
        assert_eq!(k("A request to the Cloudflare API failed. Authentication error [code: 10000]"), WranglerFailure::Auth);
        assert_eq!(k("A database with that name already exists"), WranglerFailure::AlreadyExists);
        assert_eq!(k("Couldn't find DB with name 'x'"), WranglerFailure::NotFound);
        assert_eq!(k("failed. Too many requests [code: 971]"), WranglerFailure::RateLimited);
        assert_eq!(k("fetch failed"), WranglerFailure::Network);
        assert_eq!(k("something else"), WranglerFailure::Other);
        assert_eq!(classify("", "", &[], true).0, WranglerFailure::Timeout);
    }

    #[test]
    fn the_api_notes_under_the_headline_are_kept() {
        let stderr = "✘ [ERROR] A request to the Cloudflare API (/accounts/a/d1/database/x) failed.\n\n  The database could not be found [code: 7404]\n  \n  If you think this is a bug, please open an issue\n";
        let events = [json!({"type": "command-failed", "message": "A request to the Cloudflare API (/accounts/a/d1/database/x) failed."})];
        let (kind, message) = classify("", stderr, &events, false);
        assert_eq!(message, "A request to the Cloudflare API (/accounts/a/d1/database/x) failed. The database could not be found [code: 7404]");
        assert_eq!(kind, WranglerFailure::NotFound);
    }

    #[test]
    fn json_errors_on_stdout_are_read() {
        let (kind, message) = classify("{\"error\":{\"text\":\"no such table: t: SQLITE_ERROR\"}}", "", &[], false);
        assert_eq!((kind, message.as_str()), (WranglerFailure::Sql, "no such table: t: SQLITE_ERROR"));
    }

    #[test]
    fn json_errors_keep_their_notes() {
        let stdout = r#"{"error":{"text":"A request to the Cloudflare API (/x/query) failed.","notes":[{"text":"Authentication error [code: 10000]"}]}}"#;
        let (kind, message) = classify(stdout, "", &[json!({"type": "command-failed", "message": stdout})], false);
        assert_eq!(kind, WranglerFailure::Auth);
        assert_eq!(message, "A request to the Cloudflare API (/x/query) failed. Authentication error [code: 10000]");
    }

    #[test]
    fn colour_codes_are_removed() {
        assert_eq!(strip_ansi("\u{1b}[31m✘ \u{1b}[41;31m[ERROR]\u{1b}[0m x"), "✘ [ERROR] x");
    }
}
