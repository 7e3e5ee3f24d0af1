//! ProductionTester's core: real HTTP requests against a deployed worker,
//! retried with backoff until a deadline (DNS and routes take a while to
//! propagate after a deploy), with per-check results and latency percentiles.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct TestOptions {
    pub health_path: String,
    /// Paths (joined to the base URL) or absolute URLs.
    pub endpoints: Vec<String>,
    /// Accepted status codes; empty means any 2xx.
    pub expect_status: Vec<u16>,
    /// Per request.
    pub timeout: Duration,
    /// Requests per check, the first included.
    pub retries: u32,
    /// No new attempt starts after this much time since the run began.
    pub deadline: Duration,
    /// Sent with every request (a canary's version override).
    pub headers: Vec<(String, String)>,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            health_path: "/health".into(),
            endpoints: vec![],
            expect_status: vec![],
            timeout: Duration::from_secs(10),
            retries: 3,
            deadline: Duration::from_secs(60),
            headers: vec![],
        }
    }
}

/// The outcome of one check after its last attempt.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub name: String,
    pub url: String,
    pub passed: bool,
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    pub attempts: u32,
    pub body_excerpt: String,
    /// The whole body of the last answer, up to 64 KiB (not in the JSON).
    pub body: Option<String>,
    pub error: Option<String>,
}

impl CheckResult {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "url": self.url,
            "passed": self.passed,
            "statusCode": self.status,
            "latencyMs": self.latency_ms,
            "attempts": self.attempts,
            "bodyExcerpt": self.body_excerpt,
            "error": self.error,
        })
    }
}

/// Runs async HTTP work to completion from blocking code (the CLI, a portfolio's worker threads).
pub fn block_on<T>(work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Error::invalid(format!("no async runtime: {e}")))?;
    runtime.block_on(work)
}

pub fn client(timeout: Duration) -> Result<reqwest::Client> {
    // reqwest is built without a bundled crypto provider; ring is the one compiled in.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("clodo/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::invalid(format!("Cannot create an HTTP client: {e}")))
}

/// `base` + `path`, or `path` when it is a URL of its own.
pub fn join_url(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_owned();
    }
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

pub fn check_url(url: &str) -> Result<()> {
    let ok = (url.starts_with("http://") || url.starts_with("https://")) && url.len() > 8 && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    match ok {
        true => Ok(()),
        false => Err(Error::invalid(format!("Invalid URL {url:?}: give an http:// or https:// address"))),
    }
}

/// One GET, retried with backoff while it fails, up to `retries` attempts and the deadline.
pub async fn probe(client: &reqwest::Client, name: &str, url: &str, options: &TestOptions, started: Instant) -> CheckResult {
    let mut result = CheckResult { name: name.into(), url: url.into(), passed: false, status: None, latency_ms: None, attempts: 0, body_excerpt: String::new(), body: None, error: None };
    let mut pause = Duration::from_millis(200);
    loop {
        result.attempts += 1;
        let sent = Instant::now();
        let request = options.headers.iter().fold(client.get(url), |r, (k, v)| r.header(k, v));
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                result.latency_ms = Some(sent.elapsed().as_secs_f64() * 1000.0);
                result.status = Some(status);
                result.body_excerpt = body.chars().take(200).collect();
                result.body = Some(body.chars().take(64 * 1024).collect());
                result.passed = accepted(status, &options.expect_status);
                result.error = (!result.passed).then(|| format!("expected {}, got {status}", expected(&options.expect_status)));
            }
            Err(e) => {
                result.status = None;
                result.latency_ms = None;
                result.error = Some(describe(&e));
            }
        }
        let out_of_time = started.elapsed() + pause > options.deadline;
        if result.passed || result.attempts >= options.retries.max(1) || out_of_time {
            return result;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// Waits until `url` answers anything over HTTP (a new custom domain's DNS and certificate are provisioned
/// asynchronously: until then requests fail before any answer); how long that took, or the last failure
/// once `deadline` has passed.
pub async fn wait_until_reachable(client: &reqwest::Client, url: &str, deadline: Duration) -> std::result::Result<Duration, String> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        let failure = match client.get(url).send().await {
            Ok(_) => return Ok(started.elapsed()),
            Err(e) => describe(&e),
        };
        if started.elapsed() + pause > deadline {
            return Err(failure);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

/// The health check and every endpoint, at once; `passed` only when all pass.
pub async fn run(base_url: &str, options: &TestOptions) -> Result<Value> {
    check_url(base_url)?;
    let client = client(options.timeout)?;
    let started = Instant::now();
    let mut targets = vec![("health".to_owned(), join_url(base_url, &options.health_path))];
    targets.extend(options.endpoints.iter().map(|e| (e.clone(), join_url(base_url, e))));
    for (_, url) in &targets {
        check_url(url)?;
    }
    // One task per check, all at once on napi's runtime; results keep the input order.
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|(name, url)| {
            let (client, options) = (client.clone(), options.clone());
            tokio::spawn(async move { probe(&client, &name, &url, &options, started).await })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.map_err(|e| Error::invalid(format!("A check stopped: {e}")))?);
    }
    let mut latencies: Vec<f64> = results.iter().filter_map(|r| r.latency_ms).collect();
    latencies.sort_by(f64::total_cmp);
    let passed = results.iter().filter(|r| r.passed).count();
    Ok(json!({
        "url": base_url,
        "passed": passed == results.len(),
        "checks": results.iter().map(CheckResult::to_json).collect::<Vec<_>>(),
        "latency": {"p50": percentile(&latencies, 0.50), "p95": percentile(&latencies, 0.95), "max": latencies.last()},
        "durationMs": started.elapsed().as_millis() as u64,
        "summary": {"total": results.len(), "passed": passed, "failed": results.len() - passed},
    }))
}

fn accepted(status: u16, expect: &[u16]) -> bool {
    match expect.is_empty() {
        true => (200..300).contains(&status),
        false => expect.contains(&status),
    }
}

fn expected(expect: &[u16]) -> String {
    match expect.is_empty() {
        true => "2xx".into(),
        false => expect.iter().map(u16::to_string).collect::<Vec<_>>().join(" or "),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    if e.is_timeout() { format!("timed out: {text}") } else { text }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&v, 0.5), Some(5.0));
        assert_eq!(percentile(&v, 0.95), Some(10.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn waiting_for_a_new_domain_ends_when_it_answers_or_at_the_deadline() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/health");
        // Nothing listens yet; it starts answering 0.8 s later.
        let server = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(800));
            let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = std::io::Read::read(&mut stream, &mut request);
            std::io::Write::write_all(&mut stream, b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n").unwrap();
        });
        let waited = block_on(async {
            let client = client(Duration::from_secs(2))?;
            Ok(wait_until_reachable(&client, &url, Duration::from_secs(10)).await)
        })
        .unwrap();
        server.join().unwrap();
        assert!(waited.unwrap() >= Duration::from_millis(700), "any answer, even a 503, ends the wait");

        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let gave_up = block_on(async { Ok(wait_until_reachable(&client(Duration::from_secs(1))?, &format!("http://127.0.0.1:{closed}/"), Duration::from_millis(600)).await) }).unwrap();
        assert!(gave_up.unwrap_err().contains("connect"));
    }

    #[test]
    fn urls_join_and_are_checked() {
        assert_eq!(join_url("https://a.example.com/", "/health"), "https://a.example.com/health");
        assert_eq!(join_url("https://a.example.com", "https://b.example.com/x"), "https://b.example.com/x");
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://a b").is_err());
    }
}
