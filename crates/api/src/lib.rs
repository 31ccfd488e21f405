//! DTI Hub HTTP layer: thin actix handlers, wire types, problem+json errors and the OpenAPI
//! contract.

pub mod edge;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod routes;
pub mod state;
pub mod units;

pub use error::{ApiError, Problem};
pub use state::AppState;
