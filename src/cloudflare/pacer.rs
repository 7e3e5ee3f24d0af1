//! One request budget per API token, shared by everything a clodo process
//! does with that token: every domain of a run, and the wrangler processes it
//! starts. Cloudflare allows 1,200 requests per five minutes per token, and a
//! client over it has every call refused for five minutes; so calls wait for
//! the budget instead of ever going over it.
//!
//! The budget is kept two ways, and a call goes only when both allow it:
//! - clodo's own count: what it sent (and reserved for its wrangler processes)
//!   in the last window, a sliding window, so no fixed window of the API's can
//!   hold more;
//! - the API's own word: the `Ratelimit` header of the latest answer says what
//!   is left and when it resets (`"default";r=1187;t=263`), which also counts
//!   calls clodo did not make (wrangler's, another process's). `Ratelimit-Policy`
//!   (`"default";q=1200;w=300`) sets the quota and window.
//!
//! A small margin stays unspent for calls in flight and estimates that fall short.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Cloudflare's global limit (developers.cloudflare.com/fundamentals/api/reference/limits).
pub const QUOTA: u32 = 1200;
pub const WINDOW: Duration = Duration::from_secs(300);

/// What one domain (or any label) used of the budget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Requests clodo made itself.
    pub requests: u32,
    /// Requests set aside for the wrangler processes it started (their estimate).
    pub reserved_for_wrangler: u32,
    /// Time spent waiting for the budget.
    pub waited_ms: u64,
}

impl Usage {
    /// What was used after `before` was taken.
    pub fn since(&self, before: &Usage) -> Usage {
        Usage {
            requests: self.requests.saturating_sub(before.requests),
            reserved_for_wrangler: self.reserved_for_wrangler.saturating_sub(before.reserved_for_wrangler),
            waited_ms: self.waited_ms.saturating_sub(before.waited_ms),
        }
    }
}

pub struct Pacer {
    budget: Mutex<Budget>,
}

struct Budget {
    quota: u32,
    window: Duration,
    /// When each request of the last window went (or was reserved).
    sent: VecDeque<Instant>,
    api: Option<ApiWord>,
    usage: IndexMap<String, Usage>,
}

/// The latest `Ratelimit` header: `remaining` left until `resets`, and how many clodo took since.
struct ApiWord {
    remaining: u32,
    resets: Instant,
    taken_since: u32,
}

impl Budget {
    /// Left unspent: requests in flight, and estimates of a wrangler process's that fall short (2 %, at least 5;
    /// a fifth at most of a small quota).
    fn margin(&self) -> u32 {
        (self.quota / 50).max(5).min(self.quota / 5)
    }

    /// Takes `n` slots now, or says how long until they could be taken.
    fn take(&mut self, n: u32, now: Instant) -> Result<(), Duration> {
        while self.sent.front().is_some_and(|at| now.duration_since(*at) >= self.window) {
            self.sent.pop_front();
        }
        let budget = self.quota.saturating_sub(self.margin()).max(1);
        let n = n.min(budget);
        let mut wait = Duration::ZERO;
        let over = (self.sent.len() as u32 + n).saturating_sub(budget);
        if over > 0 {
            // The slot frees when the `over`-th oldest request leaves the window.
            let frees = self.sent[over as usize - 1] + self.window;
            wait = wait.max(frees.saturating_duration_since(now));
        }
        if let Some(word) = self.api.as_ref().filter(|w| now < w.resets)
            && word.remaining.saturating_sub(word.taken_since) < n + self.margin()
        {
            wait = wait.max(word.resets.saturating_duration_since(now));
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        self.sent.extend(std::iter::repeat_n(now, n as usize));
        if let Some(word) = self.api.as_mut() {
            word.taken_since += n;
        }
        Ok(())
    }

    fn usage(&mut self, label: Option<&str>) -> &mut Usage {
        self.usage.entry(label.unwrap_or_default().to_owned()).or_default()
    }
}

impl Pacer {
    pub fn new(quota: u32, window: Duration) -> Pacer {
        Pacer { budget: Mutex::new(Budget { quota, window, sent: VecDeque::new(), api: None, usage: IndexMap::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Budget> {
        self.budget.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes `n` slots now (when it took them), or says how long to sleep before trying again: at most a
    /// second, since an answer's header may free the budget sooner. `on_wait` hears of the first wait.
    fn try_take(&self, n: u32, on_wait: Option<&(dyn Fn(Duration) + Send + Sync)>, told: &mut bool) -> Result<Instant, Duration> {
        let now = Instant::now();
        let wait = match self.lock().take(n, now) {
            Ok(()) => return Ok(now),
            Err(wait) => wait,
        };
        if let (Some(tell), false) = (on_wait, *told) {
            tell(wait);
            *told = true;
        }
        Err(wait.min(Duration::from_secs(1)))
    }

    /// Adds to what `label` used.
    fn count(&self, label: Option<&str>, started: Instant, add: impl FnOnce(&mut Usage)) {
        let mut budget = self.lock();
        let usage = budget.usage(label);
        add(usage);
        usage.waited_ms += started.elapsed().as_millis() as u64;
    }

    /// Waits (async) until one request may go; `on_wait` hears of a wait before it starts.
    pub async fn acquire(&self, label: Option<&str>, on_wait: Option<&(dyn Fn(Duration) + Send + Sync)>) {
        let (started, mut told) = (Instant::now(), false);
        while let Err(nap) = self.try_take(1, on_wait, &mut told) {
            tokio::time::sleep(nap).await;
        }
        self.count(label, started, |usage| usage.requests += 1);
    }

    /// Blocks the thread until `n` requests may go, and counts them as spent by a wrangler process. Its
    /// requests go out while it runs, later than now: when the reservation is dropped (the process ended) they
    /// are counted again from then, so the window they take lasts as long as the API's does.
    pub fn reserve_for_wrangler(self: &Arc<Self>, n: u32, label: Option<&str>, on_wait: Option<&(dyn Fn(Duration) + Send + Sync)>) -> Reservation {
        let (started, mut told) = (Instant::now(), false);
        let at = loop {
            match self.try_take(n, on_wait, &mut told) {
                Ok(at) => break at,
                Err(nap) => std::thread::sleep(nap),
            }
        };
        self.count(label, started, |usage| usage.reserved_for_wrangler += n);
        Reservation { pacer: self.clone(), at, n }
    }

    /// What an answer's `Ratelimit` and `Ratelimit-Policy` headers say.
    pub fn observe(&self, ratelimit: Option<&str>, policy: Option<&str>) {
        let now = Instant::now();
        let mut budget = self.lock();
        if let Some(policy) = policy {
            if let Some(q) = parameter(policy, "q").filter(|q| *q > 0) {
                budget.quota = q as u32;
            }
            if let Some(w) = parameter(policy, "w").filter(|w| *w > 0) {
                budget.window = Duration::from_secs(w);
            }
        }
        let Some(header) = ratelimit else { return };
        let (Some(remaining), Some(reset)) = (parameter(header, "r"), parameter(header, "t")) else { return };
        let word = ApiWord { remaining: remaining as u32, resets: now + Duration::from_secs(reset), taken_since: 0 };
        // Answers arrive out of order: within one window the lowest count left is the truest.
        let keep_current = budget.api.as_ref().is_some_and(|current| {
            let same_window = current.resets.max(word.resets).duration_since(current.resets.min(word.resets)) < Duration::from_secs(5);
            now < current.resets && same_window && current.remaining.saturating_sub(current.taken_since) <= word.remaining
        });
        if !keep_current {
            budget.api = Some(word);
        }
    }

    pub fn usage_of(&self, label: &str) -> Usage {
        self.lock().usage.get(label).cloned().unwrap_or_default()
    }
}

/// Requests set aside for a running wrangler process (see `Pacer::reserve_for_wrangler`).
pub struct Reservation {
    pacer: Arc<Pacer>,
    at: Instant,
    n: u32,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut budget = self.pacer.lock();
        let mut left = self.n;
        budget.sent.retain(|at| {
            let reserved_here = left > 0 && *at == self.at;
            left -= u32::from(reserved_here);
            !reserved_here
        });
        let restamped = (self.n - left) as usize;
        budget.sent.extend(std::iter::repeat_n(now, restamped));
    }
}

/// `name=<integer>` among a structured header's `;`-separated parameters.
fn parameter(header: &str, name: &str) -> Option<u64> {
    header.split([';', ',']).filter_map(|part| part.trim().split_once('=')).find(|(key, _)| key.trim() == name).and_then(|(_, value)| value.trim().parse().ok())
}

static PACERS: Mutex<Option<HashMap<String, Arc<Pacer>>>> = Mutex::new(None);

/// The process's pacer for `token` at the API `base_url` (kept by a digest, never the token).
pub fn for_token(base_url: &str, token: &str) -> Arc<Pacer> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{base_url}\n{token}").as_bytes());
    let key: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut pacers = PACERS.lock().unwrap_or_else(|p| p.into_inner());
    pacers.get_or_insert_with(HashMap::new).entry(key).or_insert_with(|| Arc::new(Pacer::new(QUOTA, WINDOW))).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_never_lets_a_window_hold_more_than_the_quota_less_its_margin() {
        let mut budget = Budget { quota: 100, window: Duration::from_secs(10), sent: VecDeque::new(), api: None, usage: IndexMap::new() };
        let start = Instant::now();
        for _ in 0..95 {
            budget.take(1, start).unwrap();
        }
        let wait = budget.take(1, start + Duration::from_secs(4)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(6), "the next slot frees when the first request leaves the window");
        budget.take(1, start + Duration::from_secs(10)).unwrap();
        for _ in 0..94 {
            budget.take(1, start + Duration::from_secs(11)).unwrap();
        }
        // Ten at once wait until ten have left the window: the one sent at 10 s and nine of those sent at 11 s.
        assert_eq!(budget.take(10, start + Duration::from_secs(12)).unwrap_err(), Duration::from_secs(9));
    }

    #[test]
    fn a_wrangler_processs_requests_count_from_when_it_ended() {
        let pacer = Arc::new(Pacer::new(100, Duration::from_secs(60)));
        let reserved = pacer.reserve_for_wrangler(8, Some("a.example.com"), None);
        let first = *pacer.lock().sent.front().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        drop(reserved);
        let budget = pacer.lock();
        assert_eq!(budget.sent.len(), 8);
        assert!(budget.sent.iter().all(|at| *at > first), "re-stamped when the process ended");
        assert_eq!(budget.usage["a.example.com"].reserved_for_wrangler, 8);
    }

    #[test]
    fn the_apis_count_of_what_is_left_holds_back_calls_clodo_did_not_count() {
        let pacer = Pacer::new(1200, WINDOW);
        pacer.observe(Some("\"default\";r=30;t=42"), Some("\"default\";q=1200;w=300"));
        let mut budget = pacer.lock();
        let now = Instant::now();
        for _ in 0..6 {
            budget.take(1, now).unwrap();
        }
        let wait = budget.take(1, now).unwrap_err();
        assert!(wait > Duration::from_secs(40) && wait <= Duration::from_secs(42), "{wait:?}");
        drop(budget);
        // A later answer from the same window that says more is left is an older one, arrived late.
        pacer.observe(Some("\"default\";r=500;t=42"), None);
        assert!(pacer.lock().take(1, Instant::now()).is_err());
    }

    #[test]
    fn a_policy_header_sets_quota_and_window() {
        let pacer = Pacer::new(QUOTA, WINDOW);
        pacer.observe(None, Some("\"default\";q=40;w=60"));
        let budget = pacer.lock();
        assert_eq!((budget.quota, budget.window), (40, Duration::from_secs(60)));
        assert_eq!(parameter("\"default\";r=7;t=12", "t"), Some(12));
    }
}
