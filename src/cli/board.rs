//! Live progress on a terminal, on `indicatif`: one line per domain, queued
//! ones included, with a spinner, a bar of its six phases, the phase it is in
//! and what that phase last said, and its time. Each line is cut to the
//! terminal's width, measured again on every redraw, so a narrow or resized
//! terminal never wraps.

use std::time::Duration;

use indexmap::IndexMap;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

use super::output::Output;

pub struct Board {
    bars: IndexMap<String, ProgressBar>,
    // Kept alive for as long as the bars draw through it.
    _lines: MultiProgress,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("██·").tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧ ")
}

impl Board {
    /// A line per domain, each `queued` until its first phase starts.
    pub fn start(out: &Output, domains: &[String]) -> Board {
        console::set_colors_enabled_stderr(out.color);
        let lines = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        let width = domains.iter().map(|d| d.chars().count()).max().unwrap_or(0).min(40);
        let queued = style(&format!("  {{prefix:<{width}}} [{{bar:6}}] {{wide_msg:.dim}}"));
        let bars = domains
            .iter()
            .map(|domain| {
                let bar = lines.add(ProgressBar::new(crate::portfolio::PHASES.len() as u64).with_style(queued.clone()).with_prefix(domain.clone()));
                bar.set_message("queued");
                (domain.clone(), bar)
            })
            .collect();
        Board { bars, _lines: lines }
    }

    /// Where the portfolio's progress events go.
    pub fn sink(&self) -> crate::portfolio::Progress {
        let bars = self.bars.clone();
        let width = bars.keys().map(|d| d.chars().count()).max().unwrap_or(0).min(40);
        let running = style(&format!("{{spinner}} {{prefix:<{width}}} [{{bar:6}}] {{wide_msg}} {{elapsed:>4}}"));
        let (ok, bad) = (console::style("\u{2713}").green().for_stderr(), console::style("\u{2717}").red().for_stderr());
        let (done, failed) = (style(&format!("{ok} {{prefix:<{width}}} [{{bar:6}}] {{wide_msg}} {{elapsed:>4}}")), style(&format!("{bad} {{prefix:<{width}}} [{{bar:6}}] {{wide_msg}} {{elapsed:>4}}")));
        Box::new(move |event: Value| {
            let Some(bar) = bars.get(event["domain"].as_str().unwrap_or_default()) else { return };
            let (phase, status) = (event["phase"].as_str().unwrap_or_default(), event["status"].as_str().unwrap_or_default());
            let said = event["message"].as_str().unwrap_or_default();
            if bar.is_finished() {
                return;
            }
            if bar.position() == 0 && status == "started" && bar.message() == "queued" {
                bar.reset_elapsed();
                bar.set_style(running.clone());
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            // A wait for the API's budget is said on the domain's line; its phase goes on.
            if status == "waiting" {
                bar.set_message(format!("{phase}: {said}"));
                return;
            }
            if status != "started" && phase != "rollback" {
                bar.inc(1);
            }
            bar.set_message(if said.is_empty() { phase.to_owned() } else { format!("{phase}: {said}") });
            if status == "failed" {
                bar.set_style(failed.clone());
                bar.abandon_with_message(format!("{phase} failed: {said}"));
            } else if bar.position() == bar.length().unwrap_or(0) {
                bar.set_style(done.clone());
                bar.finish_with_message("done");
            }
        })
    }

    /// Draws the final state: what never ran stays as it was (queued, or the phase it stopped in).
    pub fn finish(self) {
        for bar in self.bars.values().filter(|b| !b.is_finished()) {
            bar.abandon();
        }
    }
}
