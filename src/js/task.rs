//! Promises for core work, rejected with coded errors built on the JS thread.
//! `job` runs work that may wait (locks, writes) on libuv's pool; `settled`
//! is for reads of small local files, which cost less than the hop to the pool.

use napi::bindgen_prelude::*;
use napi::{Env, Task};

use super::errors::to_js_error;
use crate::error::Result as CoreResult;

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

/// A Promise already settled with `result`.
pub fn settled<'env, T: ToNapiValue>(env: &'env Env, result: CoreResult<T>) -> napi::Result<PromiseRaw<'env, T>> {
    match result {
        Ok(value) => PromiseRaw::resolve(env, value),
        Err(e) => PromiseRaw::reject(env, to_js_error(env, &e)),
    }
}
