//! A picture of a run: one self-contained HTML page (no scripts, fonts or
//! links to fetch) with a timeline of every domain's phases, Gantt-style,
//! each phase's result and message, and the totals. Times come from the
//! run's saved state: each phase's end and duration.

use std::fmt::Write;
use std::time::SystemTime;

use crate::portfolio::state::{DomainStatus, PhaseStatus, RunState};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn parse(time: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(time.trim_end_matches('Z')).ok()
}

fn millis_between(from: SystemTime, to: SystemTime) -> f64 {
    to.duration_since(from).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

fn colour(status: PhaseStatus) -> &'static str {
    match status {
        PhaseStatus::Completed => "#2e9d57",
        PhaseStatus::Skipped => "#9aa5b1",
        PhaseStatus::Failed => "#d64545",
        PhaseStatus::Running => "#e0a100",
    }
}

/// The page for `runs` (one service's run each).
pub fn html(runs: &[RunState]) -> String {
    let mut body = String::new();
    for run in runs {
        section(&mut body, run);
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>clodo run report</title><style>\
         body{{font:14px system-ui,sans-serif;margin:24px;color:#1f2933}}h1{{font-size:20px}}h2{{font-size:16px;margin-top:28px}}\
         table{{border-collapse:collapse;width:100%}}td,th{{padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}}\
         .lane{{position:relative;height:22px;background:#f5f7fa;border-radius:4px;min-width:420px}}\
         .bar{{position:absolute;top:3px;height:16px;border-radius:3px;min-width:3px}}\
         .status{{font-weight:600}}.phases{{color:#52606d;font-size:12px}}.totals span{{margin-right:18px}}\
         </style></head><body><h1>clodo run report</h1>{body}</body></html>\n"
    )
}

fn section(out: &mut String, run: &RunState) {
    let started = parse(&run.started_at);
    let ends: Vec<SystemTime> = run.domains.values().flat_map(|d| d.phases.values()).filter_map(|p| parse(&p.finished_at)).collect();
    let finished = ends.iter().max().copied();
    let span = match (started, finished) {
        (Some(s), Some(f)) => millis_between(s, f).max(1.0),
        _ => 1.0,
    };
    let count = |wanted: &[DomainStatus]| run.domains.values().filter(|d| wanted.contains(&d.status)).count();
    let _ = write!(
        out,
        "<h2>{} · {} · {} · started {}</h2><p class=\"totals\"><span>{} domain(s)</span><span>{} completed</span><span>{} failed</span><span>{:.1} s</span>\
         <span>API budget waits: none recorded</span></p>\
         <table><tr><th>domain</th><th>status</th><th>timeline</th><th>phases</th></tr>",
        escape(&run.service_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
        escape(&run.deployment_id),
        escape(&run.environment),
        escape(&run.started_at),
        run.domains.len(),
        count(&[DomainStatus::Completed, DomainStatus::CompletedWithWarnings, DomainStatus::Planned]),
        count(&[DomainStatus::Failed]),
        span / 1000.0,
    );
    for (domain, d) in &run.domains {
        let mut bars = String::new();
        let mut notes = String::new();
        for (phase, p) in &d.phases {
            let end = parse(&p.finished_at).zip(started).map(|(e, s)| millis_between(s, e)).unwrap_or(0.0);
            let begin = (end - p.duration_ms as f64).max(0.0);
            let (left, width) = (begin * 100.0 / span, (p.duration_ms as f64 * 100.0 / span).max(0.4));
            let _ = write!(
                bars,
                "<div class=\"bar\" style=\"left:{left:.2}%;width:{width:.2}%;background:{}\" title=\"{} {} ({} ms): {}\"></div>",
                colour(p.status),
                escape(phase),
                p.status.as_str(),
                p.duration_ms,
                escape(&p.message)
            );
            let _ = write!(notes, "<div><b>{}</b> {}: {}</div>", escape(phase), p.status.as_str(), escape(&p.message));
        }
        let _ = write!(
            out,
            "<tr class=\"domain\"><td>{}</td><td class=\"status\">{}</td><td><div class=\"lane\">{bars}</div></td><td class=\"phases\">{notes}</td></tr>",
            escape(domain),
            d.status.as_str()
        );
    }
    out.push_str("</table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::state::{DomainRun, PhaseRun};

    #[test]
    fn one_row_per_domain_with_its_phases_placed_in_time_and_text_escaped() {
        let phase = |status, finished: &str, ms, message: &str| PhaseRun { status, message: message.into(), details: serde_json::Value::Null, finished_at: finished.into(), duration_ms: ms };
        let mut a = DomainRun { status: DomainStatus::Completed, ..Default::default() };
        a.phases.insert("validation".into(), phase(PhaseStatus::Completed, "2026-11-30T10:00:01.000Z", 1000, "ok"));
        a.phases.insert("deployment".into(), phase(PhaseStatus::Completed, "2026-11-30T10:00:04.000Z", 3000, "built <x>"));
        let mut b = DomainRun { status: DomainStatus::Failed, ..Default::default() };
        b.phases.insert("validation".into(), phase(PhaseStatus::Failed, "2026-11-30T10:00:02.000Z", 2000, "no wrangler"));
        let run = RunState {
            deployment_id: "deploy-1".into(),
            environment: "development".into(),
            started_at: "2026-11-30T10:00:00.000Z".into(),
            domains: [("a.example.com".to_owned(), a), ("b.example.com".to_owned(), b)].into_iter().collect(),
            ..Default::default()
        };
        let page = html(&[run]);
        assert_eq!(page.matches("<tr class=\"domain\">").count(), 2);
        assert!(page.contains("left:25.00%;width:75.00%"), "deployment runs from 1 s to 4 s of 4 s: {page}");
        assert!(page.contains("built &lt;x&gt;") && !page.contains("built <x>"));
        assert!(page.contains("1 completed") && page.contains("1 failed"));
        assert!(!page.contains("http"), "nothing to fetch");
    }
}
