//! Repository functions, one module per table.

pub mod audit;
pub mod catalog;
pub mod migrations;
pub mod units;
