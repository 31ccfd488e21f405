//! Domain errors: what went wrong in the language of the domain, never of HTTP.

use std::collections::BTreeMap;

/// One offending input field, named by a JSON-pointer-like path and a stable rule code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where the problem is: `/body/field`, `query.limit`, `path.code` and the like.
    pub pointer: String,
    /// Stable snake_case rule code (`required`, `too_long`, `invalid_format`, ...).
    pub code: String,
    /// Values the message templates interpolate (`{max}`, `{value}`, ...).
    pub params: BTreeMap<String, String>,
}

impl FieldError {
    /// A field error with no parameters.
    pub fn new(pointer: impl Into<String>, code: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            code: code.into(),
            params: BTreeMap::new(),
        }
    }

    /// Adds a template parameter.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.insert(key.to_owned(), value.to_string());
        self
    }

    /// Re-roots the pointer under a prefix (`limit` under `query` gives `query.limit`).
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}

/// What a domain rule can refuse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    /// One or more inputs break a rule.
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
}

impl DomainError {
    /// A validation error about a single field.
    pub fn field(pointer: impl Into<String>, code: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(pointer, code)])
    }
}
