//! What the CLI prints: one JSON document on stdout with `--json`, else text
//! for people (colours only on a terminal and without `NO_COLOR`), progress on
//! stderr, and prompts only when there is a terminal to answer them.

use std::io::{IsTerminal, Write};

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

    /// A yes/no question on the terminal (no by default); `None` when there is no terminal to ask.
    pub fn confirm(&self, question: &str) -> Option<bool> {
        if !self.interactive {
            return None;
        }
        dialoguer::Confirm::with_theme(self.theme().as_ref()).with_prompt(question).default(false).interact_on(&console::Term::stderr()).ok()
    }

    /// A secret typed on the terminal, not echoed; `None` when there is no terminal to ask.
    pub fn secret(&self, question: &str) -> Option<String> {
        if !self.interactive {
            return None;
        }
        dialoguer::Password::with_theme(self.theme().as_ref()).with_prompt(question).interact_on(&console::Term::stderr()).ok()
    }

    /// Some of `items` picked on the terminal (all preselected); `None` without a terminal.
    pub fn pick(&self, question: &str, items: &[String]) -> Option<Vec<usize>> {
        if !self.interactive {
            return None;
        }
        let all = vec![true; items.len()];
        dialoguer::MultiSelect::with_theme(self.theme().as_ref()).with_prompt(question).items(items).defaults(&all).interact_on(&console::Term::stderr()).ok()
    }

    fn theme(&self) -> Box<dyn dialoguer::theme::Theme> {
        match self.color {
            true => Box::new(dialoguer::theme::ColorfulTheme::default()),
            false => Box::new(dialoguer::theme::SimpleTheme),
        }
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

/// Columns padded to their widest cell (colour codes take no width), fitted
/// to the terminal's width when stdout is one: the widest columns give way,
/// and a cell cut short ends in `…`. Piped output is never cut.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = console::Term::stdout().size_checked().map(|(_, cols)| cols as usize);
    table_within(header, rows, columns)
}

fn table_within(header: &[&str], rows: &[Vec<String>], columns: Option<usize>) -> String {
    let width = |cell: &str| crate::wrangler::strip_ansi(cell).chars().count();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(cell));
        }
    }
    if let Some(limit) = columns {
        let gaps = 2 * widths.len().saturating_sub(1);
        // Narrow the widest column, one character at a time, down to 6.
        while widths.iter().sum::<usize>() + gaps > limit {
            let Some((widest, _)) = widths.iter().enumerate().filter(|(_, w)| **w > 6).max_by_key(|(_, w)| **w) else { break };
            widths[widest] -= 1;
        }
    }
    let fit = |cell: &str, w: usize| -> String {
        match width(cell) <= w {
            true => format!("{cell}{}", " ".repeat(w - width(cell))),
            false => format!("{}…", crate::wrangler::strip_ansi(cell).chars().take(w.saturating_sub(1)).collect::<String>()),
        }
    };
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells.iter().enumerate().map(|(i, c)| fit(c, widths[i])).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(header.iter().map(|h| h.to_string()).collect())];
    out.extend(rows.iter().map(|r| line(r.clone())));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::table_within;

    #[test]
    fn a_table_fits_the_terminal_by_cutting_its_widest_columns() {
        let rows = vec![vec!["shop.example.com".to_owned(), "completed".to_owned(), "http://127.0.0.1:39381".to_owned(), "a long note about what happened".to_owned()]];
        let wide = table_within(&["domain", "status", "url", "note"], &rows, None);
        assert!(wide.lines().any(|l| l.contains("a long note about what happened")));
        let narrow = table_within(&["domain", "status", "url", "note"], &rows, Some(50));
        assert!(narrow.lines().all(|l| l.chars().count() <= 50), "{narrow}");
        assert!(narrow.contains('…'));
        assert!(narrow.contains("completed"), "short columns stay whole: {narrow}");
    }
}
