//! Cloudflare's rate-limit block, shared by the whole process: a client that
//! goes over 1,200 requests in five minutes has every call refused (429) for
//! up to five minutes, and each call made during the block is wasted. When
//! any call (clodo's own, or a wrangler process it started) is told to retry
//! after N seconds, no call starts before then.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest block Cloudflare imposes (developers.cloudflare.com/fundamentals/api/reference/limits: the
/// global limit is 1,200 requests per five minutes, and a client over it is blocked for five minutes),
/// with a little slack; a longer `retry-after` is not waited for.
pub const LONGEST: Duration = Duration::from_secs(5 * 60 + 10);

static BLOCKED_UNTIL: Mutex<Option<Instant>> = Mutex::new(None);

/// Records that the API asked to wait `delay` before the next call.
pub fn blocked_for(delay: Duration) {
    let until = Instant::now() + delay.min(LONGEST);
    let mut blocked = BLOCKED_UNTIL.lock().unwrap_or_else(|p| p.into_inner());
    if blocked.is_none_or(|current| current < until) {
        *blocked = Some(until);
    }
}

/// How long calls must still wait; zero when they may go.
pub fn remaining() -> Duration {
    let blocked = BLOCKED_UNTIL.lock().unwrap_or_else(|p| p.into_inner());
    blocked.map(|until| until.saturating_duration_since(Instant::now())).unwrap_or_default()
}

/// Sleeps the calling thread until the block ends; how long it slept.
pub fn wait() -> Duration {
    let delay = remaining();
    if !delay.is_zero() {
        std::thread::sleep(delay);
    }
    delay
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_never_shortened_by_a_shorter_retry_after() {
        blocked_for(Duration::from_millis(300));
        blocked_for(Duration::from_millis(10));
        assert!(remaining() > Duration::from_millis(200), "a shorter retry-after does not end a longer block");
        assert!(wait() > Duration::from_millis(200));
        assert_eq!(remaining(), Duration::ZERO);
    }
}
