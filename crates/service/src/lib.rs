//! DTI Hub use cases: authorization, transactions, validation across entities and the mapping
//! between domain values and rows.

pub mod audit;
pub mod catalog;
pub mod demo;
pub mod error;
pub mod store;
pub mod units;

pub use error::ServiceError;
pub use store::{Actor, Store};
