//! Runs core work off the JS thread and settles a Promise: resolved with the
//! converted result, or rejected with a coded error built on the JS thread.

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

/// Plain data (a config object, a list of bindings) handed to JavaScript.
pub struct Json(pub serde_json::Value);

impl TypeName for Json {
    fn type_name() -> &'static str {
        "Object"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Json {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        unsafe { serde_json::Value::to_napi_value(env, val.0) }
    }
}
