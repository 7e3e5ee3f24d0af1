//! The token store (tokens.rs) for JavaScript: what utils/cloudflare's
//! storeCloudflareToken, getCloudflareToken and checkAuth are built on.

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;
use serde_json::{Value, json};

use super::convert::Json;
use super::task::{blocking, settled};
use crate::tokens;


/// Verifies the token with Cloudflare for the account (else the token's only one) and keeps it in the OS keychain,
/// else in clodo's encrypted store; what was kept, never the token. A refused token is E_AUTH.
#[napi(ts_return_type = "Promise<{ accountId: string, keptIn: 'keychain' | 'encrypted-file', status: string, expiresOn?: string, verifiedAt: string }>")]
pub fn keep_cloudflare_token<'env>(env: &'env Env, token: String, account_id: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
    blocking(env, vec![], move |_| tokens::verify_and_keep(&token, account_id.as_deref()), |kept| Json(serde_json::to_value(kept).unwrap_or_default()))
}

/// The stored token for the account (else for the only account stored): `{ accountId, token }`, or null.
#[napi(ts_return_type = "Promise<{ accountId: string, token: string } | null>")]
pub fn stored_cloudflare_token<'env>(env: &'env Env, account_id: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
    let found = tokens::for_account(account_id.as_deref()).map(|found| found.map_or(Value::Null, |(account, token)| json!({"accountId": account, "token": token})));
    settled(env, found.map(Json))
}

/// Every account with a stored token, and where and how it is kept (never the token).
#[napi(ts_return_type = "Promise<Array<{ accountId: string, keptIn: 'keychain' | 'encrypted-file', status: string, expiresOn?: string, verifiedAt: string }>>")]
pub fn stored_cloudflare_tokens<'env>(env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
    settled(env, tokens::list().map(|list| Json(serde_json::to_value(list).unwrap_or_default())))
}

/// Forgets the account's stored token; false when there was none.
#[napi(ts_return_type = "Promise<boolean>")]
pub fn forget_cloudflare_token<'env>(env: &'env Env, account_id: String) -> napi::Result<PromiseRaw<'env, bool>> {
    settled(env, tokens::remove(&account_id))
}

