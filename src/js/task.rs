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

/// A Promise for a locked write of a small local file. It runs right here
/// when its locks are free: that costs less than the hop to the pool, which
/// takes hundreds of microseconds on a busy machine. A lock another writer
/// holds sends the work to the pool, where it waits its turn. `work` must
/// take its lock before it writes anything, so that the retry starts afresh.
pub fn now_or_pool<'env, T: Send + ToNapiValue + TypeName + 'static>(
    env: &'env Env,
    work: impl Fn() -> CoreResult<T> + Send + 'static,
) -> napi::Result<PromiseRaw<'env, T>> {
    match atomic_file::without_waiting(&work) {
        Err(Error::Locked { .. }) => pool(env, work),
        done => settled(env, done),
    }
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
