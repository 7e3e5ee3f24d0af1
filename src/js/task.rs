//! Promises for core work, rejected with coded errors built on the JS thread.
//! `job` runs work that may wait on libuv's pool; `settled` is for reads of
//! small local files, which cost less than the hop to the pool; `now_or_pool`
//! is for locked writes, in place unless a lock is held.

use napi::bindgen_prelude::*;
use napi::{Env, Task};

use super::errors::to_js_error;
use crate::atomic_file;
use crate::error::{Error, Result as CoreResult};

pub struct Job<T: Send + 'static> {
    work: Option<Box<dyn FnOnce() -> CoreResult<T> + Send>>,
}

pub fn job<T: Send + ToNapiValue + TypeName + 'static>(work: impl FnOnce() -> CoreResult<T> + Send + 'static) -> AsyncTask<Job<T>> {
    AsyncTask::new(Job { work: Some(Box::new(work)) })
}

impl<T: Send + ToNapiValue + TypeName + 'static> Task for Job<T> {
    type Output = CoreResult<T>;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let work = self.work.take().ok_or_else(|| napi::Error::from_reason("task ran twice"))?;
        Ok(work())
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<T> {
        output.map_err(|e| to_js_error(&env, &e))
    }
}

/// The writes of one manager, kept in the order they were asked for: a write
/// runs in place only when none is waiting before it; otherwise it goes to
/// the pool and waits for its turn there. libuv starts pool work in the order
/// it was queued, so every write waits only for earlier ones.
#[derive(Default)]
pub struct WriteQueue {
    next_ticket: std::sync::atomic::AtomicU64,
    serving: std::sync::Mutex<u64>,
    turn: std::sync::Condvar,
}

impl WriteQueue {
    fn is_turn(&self, ticket: u64) -> bool {
        *self.serving.lock().unwrap_or_else(|p| p.into_inner()) == ticket
    }

    fn wait_turn(&self, ticket: u64) {
        let serving = self.serving.lock().unwrap_or_else(|p| p.into_inner());
        drop(self.turn.wait_while(serving, |s| *s != ticket).unwrap_or_else(|p| p.into_inner()));
    }

    fn done(&self, ticket: u64) {
        let mut serving = self.serving.lock().unwrap_or_else(|p| p.into_inner());
        *serving = ticket + 1;
        self.turn.notify_all();
    }
}

/// Hands the turn on even when the write panics.
struct Turn(std::sync::Arc<WriteQueue>, u64);

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.done(self.1);
    }
}

/// A Promise for a locked write of a small local file. It runs right here
/// when its locks are free: that costs less than the hop to the pool, which
/// takes hundreds of microseconds on a busy machine. A lock another writer
/// holds, or an earlier write of `queue` still waiting, sends it to the pool,
/// where it waits its turn: a write asked for later never lands before an
/// earlier one. `work` must take its lock before it writes anything, so that
/// the retry starts afresh.
pub fn now_or_pool_in_order<'env, T: Send + ToNapiValue + TypeName + 'static>(
    env: &'env Env,
    queue: &std::sync::Arc<WriteQueue>,
    pooled_only: bool,
    work: impl Fn() -> CoreResult<T> + Send + 'static,
) -> napi::Result<PromiseRaw<'env, T>> {
    let ticket = queue.next_ticket.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if !pooled_only && queue.is_turn(ticket) {
        match atomic_file::without_waiting(&work) {
            Err(Error::Locked { .. }) => {}
            done => {
                queue.done(ticket);
                return settled(env, done);
            }
        }
    }
    let queue = queue.clone();
    pool(env, move || {
        queue.wait_turn(ticket);
        let _turn = Turn(queue.clone(), ticket);
        work()
    })
}

/// A Promise for `work` run on libuv's pool.
pub fn pool<'env, T: Send + ToNapiValue + TypeName + 'static>(
    env: &'env Env,
    work: impl FnOnce() -> CoreResult<T> + Send + 'static,
) -> napi::Result<PromiseRaw<'env, T>> {
    Ok(env.spawn(Job { work: Some(Box::new(work)) })?.promise_object())
}

/// A Promise already settled with `result`.
pub fn settled<'env, T: ToNapiValue>(env: &'env Env, result: CoreResult<T>) -> napi::Result<PromiseRaw<'env, T>> {
    match result {
        Ok(value) => PromiseRaw::resolve(env, value),
        Err(e) => PromiseRaw::reject(env, to_js_error(env, &e)),
    }
}

/// A confirm callback's answer: a boolean, or a Promise of one.
pub enum Answer {
    Now(bool),
    Later(Promise<bool>),
}

/// A Promise for wrangler work: it runs on tokio's blocking pool, not on
/// libuv's four threads, which Node needs for its own file and DNS work.
/// `consents` (Promises from confirm callbacks) are awaited first.
pub fn blocking<'env, T: Send + 'static, V: ToNapiValue + 'static>(
    env: &'env Env,
    consents: Vec<(String, Answer)>,
    work: impl FnOnce(Vec<(String, bool)>) -> CoreResult<T> + Send + 'static,
    to_js: impl FnOnce(T) -> V + 'static,
) -> napi::Result<PromiseRaw<'env, V>> {
    env.spawn_future_with_callback(
        async move {
            let mut answers = Vec::with_capacity(consents.len());
            for (key, answer) in consents {
                let yes = match answer {
                    Answer::Now(yes) => yes,
                    Answer::Later(promise) => promise.await?,
                };
                answers.push((key, yes));
            }
            spawn_blocking(move || work(answers)).await.map_err(|e| napi::Error::from_reason(format!("clodo task failed: {e}")))
        },
        move |env, result| result.map(to_js).map_err(|e| to_js_error(env, &e)),
    )
}

/// A Promise for async core work (HTTP) on napi's tokio runtime.
pub fn future<'env, T: Send + 'static, V: ToNapiValue + 'static>(
    env: &'env Env,
    work: impl std::future::Future<Output = CoreResult<T>> + Send + 'static,
    to_js: impl FnOnce(T) -> V + 'static,
) -> napi::Result<PromiseRaw<'env, V>> {
    env.spawn_future_with_callback(async move { Ok(work.await) }, move |env, result| result.map(to_js).map_err(|e| to_js_error(env, &e)))
}
