//! Cloudflare's REST API: the client (transport, envelope, errors, pages),
//! the budget every call of a token shares (pacer.rs), and the endpoints clodo
//! calls without a wrangler process: accounts, zones, workers and their
//! secrets (endpoints.rs), deployments (deployments.rs), D1 queries, Time
//! Travel and migrations (d1.rs), and the storage a domain owns besides D1
//! (storage.rs).

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
