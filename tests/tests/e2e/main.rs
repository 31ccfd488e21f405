//! End-to-end tests: the real application on port 0, spoken to over HTTP.
//!
//! Every test gets its own database: a temporary SQLite file, or a fresh PostgreSQL database
//! when `TEST_DATABASE_URL` (or a `postgres://` `DATABASE_URL`) names a server.

// Test code fails by panicking: that is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod access;
mod admin;
mod aggregates;
mod auth;
mod catalog;
mod catalog_http;
mod changes;
mod docs;
mod dti;
mod errors;
mod exports;
mod faults;
mod imports;
mod jwt;
mod migrations;
mod ops;
mod owasp;
mod reports;
mod spec;
mod units;
mod upload;
