//! DTI Hub storage: one diesel code base over PostgreSQL and SQLite.
//!
//! SQL lives only in this crate. Repository functions take `&mut DbConn` and return
//! `QueryResult`, so a use case can compose several of them in one transaction.

pub mod backend;
pub mod conn;
pub mod models;
pub mod repo;
pub mod schema;

pub use backend::Backend;
pub use conn::{DbConn, MultiBackend, Pool, PoolOptions, PooledConn};
pub use diesel::r2d2::PoolError;
pub use diesel::result::{DatabaseErrorKind, Error as DieselError, QueryResult};
pub use diesel::Connection;
