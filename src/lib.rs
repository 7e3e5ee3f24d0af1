//! clodo: configure, deploy and operate Cloudflare Workers + D1 services.
//!
//! The core modules know nothing of Node.js; `js` holds the thin napi layer.

pub mod atomic_file;
pub mod audit_log;
pub mod cli;
pub mod cloudflare;
pub mod customer_records;
pub mod d1;
pub mod deploy_audit;
pub mod deploy_check;

pub mod domain_config;
pub mod domain_discovery;
pub mod document;
pub mod error;
pub mod http_check;
pub mod paths;
pub mod portfolio;
pub mod rollback;
pub mod secrets;
pub mod security;
pub mod service;
pub mod tokens;
pub mod wrangler;
pub mod wrangler_config;

pub use error::{Error, Result};

#[macro_use]
extern crate napi_derive;

mod js;

// Reading and validating configs allocates many small strings and maps;
// mimalloc does that faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
