//! Live progress on a terminal: one line per domain (spinner, a bar of its
//! six phases, the phase it is in, its time), redrawn in place every 120 ms
//! while a portfolio runs.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use serde_json::Value;

use super::output::{Output, Paint};

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

struct Row {
    phase: String,
    done: usize,
    failed: bool,
    started: Instant,
    finished: Option<Duration>,
}

#[derive(Default)]
struct State {
    rows: IndexMap<String, Row>,
    drawn: usize,
    frame: usize,
}

pub struct Board {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
    out: Output,
}

impl Board {
    pub fn start(out: &Output) -> Board {
        let (state, stop) = (Arc::new(Mutex::new(State::default())), Arc::new(AtomicBool::new(false)));
        let (s, halt, o) = (state.clone(), stop.clone(), out.clone());
        let ticker = std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                draw(&o, &mut s.lock().unwrap_or_else(|p| p.into_inner()));
                std::thread::sleep(Duration::from_millis(120));
            }
        });
        Board { state, stop, ticker: Some(ticker), out: out.clone() }
    }

    /// Where the portfolio's progress events go.
    pub fn sink(&self) -> crate::portfolio::Progress {
        let state = self.state.clone();
        Box::new(move |event: Value| {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            let domain = event["domain"].as_str().unwrap_or_default().to_owned();
            let row = state.rows.entry(domain).or_insert_with(|| Row { phase: String::new(), done: 0, failed: false, started: Instant::now(), finished: None });
            let status = event["status"].as_str().unwrap_or_default();
            row.phase = event["phase"].as_str().unwrap_or_default().to_owned();
            if status != "started" && row.phase != "rollback" {
                row.done = (row.done + 1).min(crate::portfolio::PHASES.len());
            }
            row.failed |= status == "failed";
            if row.done == crate::portfolio::PHASES.len() || row.failed {
                row.finished.get_or_insert(row.started.elapsed());
            }
        })
    }

    /// Stops the ticker and draws the final state.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        draw(&self.out, &mut self.state.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

fn draw(out: &Output, state: &mut State) {
    let total = crate::portfolio::PHASES.len();
    let mut text = String::new();
    if state.drawn > 0 {
        text += &format!("\x1b[{}A", state.drawn);
    }
    state.frame += 1;
    for (domain, row) in &state.rows {
        let mark = match (row.failed, row.finished.is_some()) {
            (true, _) => out.paint(Paint::Red, "✗"),
            (false, true) => out.paint(Paint::Green, "✓"),
            _ => SPINNER[state.frame % SPINNER.len()].to_owned(),
        };
        let bar = format!("{}{}", "█".repeat(row.done), "·".repeat(total - row.done));
        let seconds = row.finished.unwrap_or_else(|| row.started.elapsed()).as_secs_f64();
        let phase = if row.finished.is_some() && !row.failed { "done" } else { row.phase.as_str() };
        text += &format!("\x1b[2K{mark} {domain:<28} [{bar}] {phase:<16} {seconds:>5.1}s\n");
    }
    state.drawn = state.rows.len();
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}
