//! Everything that differs between PostgreSQL and SQLite, in one place.

use diesel::connection::SimpleConnection;
use diesel::QueryResult;

use crate::conn::DbConn;

/// The database behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, selected by a `postgres://` or `postgresql://` URL.
    Postgres,
    /// SQLite (bundled), the embedded default.
    Sqlite,
}

impl Backend {
    /// Picks the backend from a database URL's scheme.
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The file path of a SQLite URL (`sqlite://x`, `sqlite:x` or a bare path).
    pub fn sqlite_path(url: &str) -> &str {
        url.strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url)
    }

    /// Name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }

    /// PRAGMAs run on every new SQLite connection.
    ///
    /// `busy_timeout` comes before `journal_mode=WAL`: switching to WAL takes a lock, and
    /// without the timeout in place the pool's first connections fail with "database is locked".
    pub fn sqlite_pragmas(busy_timeout_ms: u128) -> String {
        format!(
            "PRAGMA busy_timeout = {busy_timeout_ms};\
             PRAGMA journal_mode = WAL;\
             PRAGMA synchronous = NORMAL;\
             PRAGMA foreign_keys = ON;"
        )
    }

    /// Session settings run on every new PostgreSQL connection.
    pub fn postgres_session_settings(statement_timeout_ms: u128) -> String {
        format!(
            "SET statement_timeout = {statement_timeout_ms}; SET TIME ZONE 'UTC'; \
             SET application_name = 'dtihub';"
        )
    }
}

/// A cheap round trip proving the connection works.
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}
