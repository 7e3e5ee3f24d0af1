//! Plain data handed to JavaScript, and option lookups. Objects are
//! serialised once and built by V8's `JSON.parse`: measured several times
//! faster than creating them property by property through N-API.

use napi::bindgen_prelude::*;
use napi::Env;

use crate::customer_records::{Inspection, StandardRecord, push_json_str};

/// These are objects (or arrays) as far as napi's type names go.
macro_rules! object_type_name {
    ($($ty:ty => $name:literal),*) => {
        $(impl TypeName for $ty {
            fn type_name() -> &'static str {
                $name
            }

            fn value_type() -> ValueType {
                ValueType::Object
            }
        })*
    };
}

object_type_name!(Json => "Object", Record => "Object", Inspections => "Array");

pub fn parse_json<'env>(env: &Env, text: String) -> napi::Result<Unknown<'env>> {
    let json: napi::JSON = env.get_global()?.get_named_property_unchecked("JSON")?;
    let parse: Function<String, Unknown> = json.get_named_property_unchecked("parse")?;
    parse.call(text)
}

/// A JSON value (a config object, a list of bindings).
pub struct Json(pub serde_json::Value);

impl ToNapiValue for Json {
    unsafe fn to_napi_value(raw_env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        let value = parse_json(&Env::from_raw(raw_env), val.0.to_string())?;
        unsafe { Unknown::to_napi_value(raw_env, value) }
    }
}

/// A customer record: keys the file lacks are `undefined`, as in the original.
pub struct Record(pub StandardRecord);

impl ToNapiValue for Record {
    unsafe fn to_napi_value(raw_env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        let value = parse_json(&Env::from_raw(raw_env), val.0.json)?;
        let raw = unsafe { Unknown::to_napi_value(raw_env, value)? };
        let mut object = unsafe { Object::from_napi_value(raw_env, raw)? };
        for key in val.0.undefined {
            object.set_named_property(key, ())?;
        }
        Ok(raw)
    }
}

/// A listing of records, parsed by JavaScript in one go. Keys a record lacks
/// are `null` here: making them `undefined` would take an N-API call per key
/// per record, thousands per listing.
pub struct Inspections(pub Vec<Inspection>);

impl ToNapiValue for Inspections {
    unsafe fn to_napi_value(raw_env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        let mut text = String::with_capacity(val.0.len() * 1600 + 2);
        text.push('[');
        for (i, found) in val.0.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str("{\"customer\":");
            push_json_str(&mut text, &found.customer);
            text.push_str(",\"environment\":");
            push_json_str(&mut text, &found.environment);
            text.push_str(",\"path\":");
            push_json_str(&mut text, &found.path.display().to_string());
            text.push_str(",\"status\":");
            push_json_str(&mut text, found.status.as_str());
            text.push_str(",\"missingFields\":");
            text.push_str(&serde_json::to_string(&found.missing_fields).unwrap_or_default());
            text.push_str(",\"reasons\":");
            text.push_str(&serde_json::to_string(&found.reasons).unwrap_or_default());
            text.push_str(",\"config\":");
            text.push_str(found.record.as_ref().map_or("null", |r| r.json.as_str()));
            text.push('}');
        }
        text.push(']');
        let list = parse_json(&Env::from_raw(raw_env), text)?;
        unsafe { Unknown::to_napi_value(raw_env, list) }
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

/// The plain-data fields of a JS options object (functions left out).
pub fn plain(options: &Option<Object>) -> napi::Result<serde_json::Value> {
    let Some(obj) = options else { return Ok(serde_json::Value::Null) };
    let mut out = serde_json::Map::new();
    for key in Object::keys(obj)? {
        let value: Unknown = obj.get_named_property(&key)?;
        // `{ secretKey: process.env.X }` with X unset means "not given", as in the original.
        if !matches!(value.get_type()?, ValueType::Function | ValueType::Undefined) {
            let v = unsafe { serde_json::Value::from_napi_value(value.env(), value.raw())? };
            out.insert(key, v);
        }
    }
    Ok(serde_json::Value::Object(out))
}

/// The folder an option names (relative to the working directory), else the working directory.
pub fn root_folder(v: &serde_json::Value, names: &[&str]) -> std::path::PathBuf {
    let cwd = crate::paths::current_dir();
    text(v, names).map(|p| crate::paths::absolute(std::path::Path::new(p), &cwd)).unwrap_or(cwd)
}

/// A path option, resolved against `root`.
pub fn path_in(v: &serde_json::Value, names: &[&str], root: &std::path::Path) -> Option<std::path::PathBuf> {
    text(v, names).map(|p| crate::paths::absolute(std::path::Path::new(p), root))
}

/// `cloudflareToken` / `cloudflareAccountId` (or the original's `cloudflareSettings.{token, accountId}`).
pub fn credentials(v: &serde_json::Value) -> crate::wrangler::Credentials {
    // The original's static deploy() takes them as `credentials: { token, accountId }`.
    let (settings, given) = (&v["cloudflareSettings"], &v["credentials"]);
    crate::wrangler::Credentials {
        api_token: text(v, &["cloudflareToken", "cloudflare_token"]).or_else(|| text(settings, &["token"])).or_else(|| text(given, &["token", "apiToken"])).map(str::to_owned),
        account_id: text(v, &["cloudflareAccountId", "cloudflare_account_id"])
            .or_else(|| text(settings, &["accountId"]))
            .or_else(|| text(given, &["accountId"]))
            .map(str::to_owned),
    }
}

/// A whole-number option.
pub fn number(v: &serde_json::Value, names: &[&str]) -> Option<u64> {
    names.iter().find_map(|n| v.get(*n).and_then(serde_json::Value::as_u64))
}

/// `retryAttempts` (default 3) and `retryDelay` in milliseconds.
pub fn retry_policy(v: &serde_json::Value, default_delay_ms: u64) -> crate::wrangler::RetryPolicy {
    crate::wrangler::RetryPolicy {
        attempts: number(v, &["retryAttempts", "retry_attempts"]).unwrap_or(3).max(1) as u32,
        base_delay: std::time::Duration::from_millis(number(v, &["retryDelay", "retry_delay"]).unwrap_or(default_delay_ms)),
    }
}

/// Record variables from JavaScript: strings as they are, other scalars printed.
pub fn env_vars(vars: &serde_json::Value) -> crate::customer_records::EnvVars {
    let entries = vars.as_object().into_iter().flatten();
    entries
        .filter_map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => v.to_string(),
                _ => return None,
            };
            Some((k.clone(), text))
        })
        .collect()
}
