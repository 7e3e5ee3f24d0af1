//! What the CLI prints: one JSON document on stdout with `--json`, else text
//! for people (colours only on a terminal and without `NO_COLOR`), progress on
//! stderr, and prompts only when there is a terminal to answer them.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::Value;

use crate::error::Error;

#[derive(Clone)]
pub struct Output {
    pub json: bool,
    pub color: bool,
    /// stdin and stderr are both terminals: a person can be asked.
    pub interactive: bool,
    /// stderr is a terminal: progress can be redrawn in place.
    pub terminal: bool,
}

pub enum Paint {
    Green,
    Red,
    Yellow,
    Dim,
    Bold,
}

impl Output {
    pub fn new(json: bool) -> Output {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let terminal = std::io::stderr().is_terminal();
        Output { json, color: !no_color && terminal, interactive: terminal && std::io::stdin().is_terminal(), terminal }
    }

    pub fn paint(&self, paint: Paint, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match paint {
            Paint::Green => "32",
            Paint::Red => "31",
            Paint::Yellow => "33",
            Paint::Dim => "2",
            Paint::Bold => "1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// The command's result: the JSON document, or the text `human` makes of it.
    pub fn result(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        let text = match self.json {
            true => serde_json::to_string_pretty(value).unwrap_or_default(),
            false => human(value),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", text.trim_end());
        let _ = out.flush();
    }

    pub fn error(&self, error: &Error) {
        match self.json {
            true => self.result(&serde_json::json!({"error": {"code": error.code(), "message": error.to_string()}}), |_| String::new()),
            false => eprintln!("{} {error} {}", self.paint(Paint::Red, "error:"), self.paint(Paint::Dim, &format!("[{}]", error.code()))),
        }
    }

    /// A line on stderr for people; nothing with `--json`.
    pub fn note(&self, line: &str) {
        if !self.json {
            eprintln!("{line}");
        }
    }

    /// What discovery could not read, one warning line each (the `--json`
    /// document carries them as each service's `problems`).
    pub fn warn_problems(&self, services: &[crate::service::discovery::Service]) {
        for service in services {
            for problem in &service.problems {
                self.note(&format!("{} {}: {problem}", self.paint(Paint::Yellow, "warning:"), service.name));
            }
        }
    }

    /// A yes/no question on the terminal; `None` when there is no terminal to ask.
    pub fn confirm(&self, question: &str) -> Option<bool> {
        let answer = self.ask(&format!("{question} [y/N]"))?;
        Some(matches!(answer.to_lowercase().as_str(), "y" | "yes"))
    }

    /// A line typed on the terminal; `None` without one.
    pub fn ask(&self, question: &str) -> Option<String> {
        if !self.interactive {
            return None;
        }
        eprint!("{question} ");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).ok()?;
        Some(answer.trim().to_owned())
    }

    /// Where a portfolio run sends its progress events.
    pub fn progress_sink(&self) -> crate::portfolio::Progress {
        let me = self.clone();
        Box::new(move |event| me.progress(&event))
    }

    /// One progress event of a portfolio run, as a line on stderr.
    pub fn progress(&self, event: &Value) {
        if self.json {
            return;
        }
        let status = event["status"].as_str().unwrap_or_default();
        // The line that ends a phase says all; a start line would double the output.
        if status == "started" {
            return;
        }
        let mark = match status {
            "completed" => self.paint(Paint::Green, "✓"),
            "failed" => self.paint(Paint::Red, "✗"),
            _ => self.paint(Paint::Yellow, "-"),
        };
        let seconds = event["elapsedMs"].as_f64().unwrap_or(0.0) / 1000.0;
        let message = event["message"].as_str().unwrap_or_default();
        eprintln!(
            "{} {mark} {:<28} {:<16} {message}",
            self.paint(Paint::Dim, &format!("{seconds:>6.1}s")),
            event["domain"].as_str().unwrap_or_default(),
            event["phase"].as_str().unwrap_or_default()
        );
    }
}

/// Columns padded to their widest cell (colour codes take no width).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = |cell: &str| crate::wrangler::strip_ansi(cell).chars().count();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells.iter().enumerate().map(|(i, c)| format!("{c}{}", " ".repeat(widths[i] - width(c)))).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(header.iter().map(|h| h.to_string()).collect())];
    out.extend(rows.iter().map(|r| line(r.clone())));
    out.join("\n")
}
