//! DTI Hub HTTP layer: thin actix handlers, wire types, problem+json errors and the OpenAPI
//! contract.

pub mod aggregates;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod catalog;
pub mod changes;
pub mod clients;
pub mod conditional;
pub mod dti;
pub mod edge;
pub mod error;
pub mod exports;
pub mod extract;
pub mod i18n;
pub mod imports;
pub mod me;
pub mod metrics;
pub mod oauth;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod reporting_rules;
pub mod reports;
pub mod routes;
pub mod state;
pub mod units;
pub mod users;

pub use error::{ApiError, Problem};
pub use state::AppState;
