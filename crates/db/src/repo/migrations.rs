//! Embedded migrations, one set per backend with identical names.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::conn::DbConn;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Boxed error of the migration harness.
pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConn::Postgresql(c) => c.run_pending_migrations(POSTGRES)?,
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
    };
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Whether any migration is still to be applied.
pub fn has_pending(conn: &mut DbConn) -> Result<bool, MigrationError> {
    match conn {
        DbConn::Postgresql(c) => c.has_pending_migration(POSTGRES),
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE),
    }
}

/// Reverts every applied migration, newest first; returns how many were reverted.
pub fn revert_all(conn: &mut DbConn) -> Result<usize, MigrationError> {
    let reverted = match conn {
        DbConn::Postgresql(c) => c.revert_all_migrations(POSTGRES)?,
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE)?,
    };
    Ok(reverted.len())
}
