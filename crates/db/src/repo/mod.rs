//! Repository functions, one module per table.

pub mod audit;
pub mod migrations;
pub mod units;
