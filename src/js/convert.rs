//! Plain data handed to JavaScript, and option lookups. Objects are serialised once and built by
//! V8's `JSON.parse`: measured several times faster than creating them
//! property by property through N-API.

use napi::bindgen_prelude::*;
use napi::Env;

use crate::customer_records::StandardRecord;

fn parse_json<'env>(env: &Env, value: &serde_json::Value) -> napi::Result<Unknown<'env>> {
    let json: napi::JSON = env.get_global()?.get_named_property_unchecked("JSON")?;
    let parse: Function<String, Unknown> = json.get_named_property_unchecked("parse")?;
    parse.call(value.to_string())
}

/// A JSON value (a config object, a list of bindings).
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
    unsafe fn to_napi_value(raw_env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        let value = parse_json(&Env::from_raw(raw_env), &val.0)?;
        unsafe { Unknown::to_napi_value(raw_env, value) }
    }
}

/// A customer record: keys the file lacks are `undefined`, as in the original.
pub struct Record(pub StandardRecord);

impl TypeName for Record {
    fn type_name() -> &'static str {
        "Object"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Record {
    unsafe fn to_napi_value(raw_env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        let env = Env::from_raw(raw_env);
        let value = parse_json(&env, &serde_json::Value::Object(val.0.object))?;
        let raw = unsafe { Unknown::to_napi_value(raw_env, value)? };
        let mut object = unsafe { Object::from_napi_value(raw_env, raw)? };
        for key in val.0.undefined {
            object.set_named_property(key, ())?;
        }
        Ok(raw)
    }
}

/// The first of `names` (spellings of one option) that `v` has as a string.
pub fn text<'a>(v: &'a serde_json::Value, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| v.get(*n).and_then(serde_json::Value::as_str))
}

/// The first of `names` that `v` has as a boolean.
pub fn flag(v: &serde_json::Value, names: &[&str]) -> Option<bool> {
    names.iter().find_map(|n| v.get(*n).and_then(serde_json::Value::as_bool))
}

/// Prints through `console.log`, so the text goes where the application's
/// own output goes (and in order with it), not straight to file descriptor 1.
pub fn console_log(env: &Env, text: &str) -> napi::Result<()> {
    let console: Object = env.get_global()?.get_named_property_unchecked("console")?;
    let log: Function<String, Unknown> = console.get_named_property_unchecked("log")?;
    log.apply(console, text.to_string())?;
    Ok(())
}
