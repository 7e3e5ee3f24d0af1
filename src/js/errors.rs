//! Core errors become JavaScript `Error`s with a stable `code` (and `file`,
//! `line`, `column` for parse errors).

use napi::bindgen_prelude::*;
use napi::{Env, Status};

use crate::error::{ERROR_CODES, Error as CoreError};

/// Builds the JS error object on the JS thread and wraps it so napi throws
/// (or rejects with) exactly that object.
pub fn to_js_error(env: &Env, err: &CoreError) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, err.to_string()))?;
        obj.set_named_property("code", err.code())?;
        if let Some(path) = err.path() {
            obj.set_named_property("file", path.display().to_string())?;
        }
        if let Some(loc) = err.location() {
            obj.set_named_property("line", loc.line as u32)?;
            obj.set_named_property("column", loc.column as u32)?;
        }
        Ok(napi::Error::from(obj.into_unknown(env)?))
    };
    build().unwrap_or_else(|e| e)
}

/// The stable error codes clodo gives `error.code`:
/// - `E_CONFIG_NOT_FOUND`: a config file that must exist does not.
/// - `E_CONFIG_PARSE`: a config file has a syntax error; `file`, `line`, `column` say where.
/// - `E_INVALID_INPUT`: an argument is missing or malformed; nothing was changed.
/// - `E_IO`: reading or writing a file failed; nothing was half-written.
/// - `E_LOCKED`: another process held the file's lock past the lock timeout.
#[napi(string_enum)]
pub enum ErrorCode {
    #[napi(value = "E_CONFIG_NOT_FOUND")]
    ConfigNotFound,
    #[napi(value = "E_CONFIG_PARSE")]
    ConfigParse,
    #[napi(value = "E_INVALID_INPUT")]
    InvalidInput,
    #[napi(value = "E_IO")]
    Io,
    #[napi(value = "E_LOCKED")]
    Locked,
}

/// Every error code as a list (the same values as `ErrorCode`).
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    ERROR_CODES.to_vec()
}
