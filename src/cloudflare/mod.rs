//! Cloudflare's REST API: the client (transport, envelope, errors, pages) and
//! the endpoints clodo calls without a wrangler process, and the storage a
//! domain owns besides D1 (storage.rs).

pub mod block;
mod client;
pub mod d1;
mod deployments;
mod endpoints;
pub mod pacer;
pub mod storage;

pub use client::{CloudflareApi, DEFAULT_BASE_URL, OnWait, base_url};
pub use endpoints::query;
pub mod ops;
