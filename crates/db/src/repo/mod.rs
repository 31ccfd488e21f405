//! Repository functions, one module per table.

pub mod aggregates;
pub mod audit;
pub mod catalog;
pub mod changes;
pub mod clients;
pub mod dti;
pub mod import_jobs;
pub mod imports;
pub mod keys;
pub mod migrations;
pub mod rate_limits;
pub mod reporting_rules;
pub mod reports;
pub mod throttle;
pub mod tokens;
pub mod units;
pub mod users;
