//! Cloudflare's REST API: the client (transport, envelope, errors, pages) and
//! the endpoints clodo calls without a wrangler process.

pub mod block;
mod client;
mod endpoints;

pub use client::{CloudflareApi, DEFAULT_BASE_URL};
pub use endpoints::query;
pub mod ops;
