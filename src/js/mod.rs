//! The JavaScript layer: thin `#[napi]` wrappers that convert arguments,
//! results and errors, one file per exported class. No logic lives here.
#![cfg_attr(test, allow(dead_code))]

mod errors;
mod multi_domain_orchestrator;
mod production_tester;
mod rollback_manager;
mod secret_manager;
mod security;
mod service_creator;
mod cli;
mod cloudflare;
mod convert;
mod cross_domain_coordinator;
mod database_orchestrator;
mod database_types;
mod deployment_auditor;
mod deployment_validator;
mod discovery;
mod task;
mod tokens;
mod unified_config_manager;
mod wrangler_config_manager;
