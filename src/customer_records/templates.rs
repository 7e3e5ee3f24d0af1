//! The original's onboarding from templates: `<template>.env.template` with
//! `{{CUSTOMER_NAME}}`, `{{CUSTOMER_DOMAIN}}`, `{{ENVIRONMENT}}` and
//! `{{DOMAIN}}` filled in becomes a customer's record, never over one that
//! exists.

use std::path::{Path, PathBuf};

use super::CustomerRecords;
use crate::atomic_file;
use crate::error::{Error, Result};

/// What became of one environment's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateOutcome {
    Created(PathBuf),
    /// The record was there already; it was left as it is.
    Exists(PathBuf),
    /// No template for the environment; nothing was written.
    NoTemplate(PathBuf),
}

/// The words a template may use, and what each becomes.
pub struct Placeholders<'a> {
    pub customer: &'a str,
    pub customer_domain: &'a str,
    pub environment: &'a str,
    pub environment_domain: &'a str,
}

impl Placeholders<'_> {
    fn fill(&self, template: &str) -> String {
        template
            .replace("{{CUSTOMER_NAME}}", self.customer)
            .replace("{{CUSTOMER_DOMAIN}}", self.customer_domain)
            .replace("{{ENVIRONMENT}}", self.environment)
            .replace("{{DOMAIN}}", self.environment_domain)
    }
}

impl CustomerRecords {
    /// Writes the customer's record for `words.environment` from `template`
    /// (atomically, mode 0600) unless it exists; the check and the write hold
    /// the record's lock, so two onboardings cannot both write it.
    pub fn create_from_template(&self, template: &Path, words: &Placeholders) -> Result<TemplateOutcome> {
        let path = self.writable_path(words.customer, words.environment)?;
        let Some(text) = atomic_file::read_text(template)? else {
            return Ok(TemplateOutcome::NoTemplate(template.to_path_buf()));
        };
        for value in [words.customer_domain, words.environment_domain] {
            if value.contains(['\n', '\r']) {
                return Err(Error::invalid(format!("A domain may not hold a line break: {value:?}")));
            }
        }
        let filled = words.fill(&text);
        self.make_private_dir(path.parent().unwrap_or(self.config_dir()))?;
        let written = atomic_file::update(&path, self.write, |old| Ok(old.is_none().then_some(filled)))?;
        Ok(if written { TemplateOutcome::Created(path) } else { TemplateOutcome::Exists(path) })
    }
}
