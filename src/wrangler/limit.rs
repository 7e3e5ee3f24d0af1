//! One bound on concurrent wrangler processes for the whole Node process:
//! each costs about a second of CPU, so more than the core count only queues
//! work inside the kernel and makes every one of them slower.

use std::sync::{Condvar, Mutex, OnceLock};

pub struct ProcessLimit {
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    max: usize,
    running: usize,
}

/// A slot for one process; dropping it frees the slot.
pub struct Slot<'a>(&'a ProcessLimit);

impl ProcessLimit {
    pub fn new(max: usize) -> ProcessLimit {
        ProcessLimit { state: Mutex::new(State { max: max.max(1), running: 0 }), freed: Condvar::new() }
    }

    /// The limit every runner shares: `CLODO_WRANGLER_CONCURRENCY`, else the core count.
    pub fn shared() -> &'static ProcessLimit {
        static SHARED: OnceLock<ProcessLimit> = OnceLock::new();
        SHARED.get_or_init(|| ProcessLimit::new(default_max()))
    }

    pub fn max(&self) -> usize {
        self.lock().max
    }

    pub fn set_max(&self, max: usize) {
        self.lock().max = max.max(1);
        self.freed.notify_all();
    }

    pub fn acquire(&self) -> Slot<'_> {
        let mut state = self.lock();
        while state.running >= state.max {
            state = self.freed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        state.running += 1;
        Slot(self)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.lock().running -= 1;
        self.0.freed.notify_one();
    }
}

fn default_max() -> usize {
    std::env::var("CLODO_WRANGLER_CONCURRENCY")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_than_max_hold_a_slot() {
        let limit = ProcessLimit::new(2);
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let _slot = limit.acquire();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}
