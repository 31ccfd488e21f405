//! DTI Hub domain: entities, typed identifiers and rules, free of any web or database framework.

pub mod access;
pub mod calendar;
pub mod catalog;
pub mod dti;
pub mod error;
pub mod evaluation;
pub mod period;
pub mod report;
pub mod schedule;
pub mod text;
pub mod unit;
pub mod vn_number;

pub use error::{DomainError, FieldError};
