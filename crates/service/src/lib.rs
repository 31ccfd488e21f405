//! DTI Hub use cases: authorization, transactions, validation across entities and the mapping
//! between domain values and rows.

pub mod aggregates;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod catalog;
pub mod changes;
pub mod clients;
pub mod demo;
pub mod dti;
pub mod error;
pub mod exports;
pub mod imports;
pub mod jwt;
pub mod rate_limit;
pub mod reporting_rules;
pub mod reports;
pub mod secrets;
pub mod store;
pub mod units;
pub mod users;
pub mod validate;

pub use auth::Auth;
pub use error::ServiceError;
pub use store::{Actor, Store};
