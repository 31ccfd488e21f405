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
    ///
    /// A zero timeout sets nothing, so that the database's or role's own `statement_timeout`
    /// (set by the operator with `ALTER DATABASE … SET`) applies.
    pub fn postgres_session_settings(statement_timeout_ms: u128) -> String {
        let timeout = if statement_timeout_ms == 0 {
            String::new()
        } else {
            format!("SET statement_timeout = {statement_timeout_ms}; ")
        };
        format!("{timeout}SET TIME ZONE 'UTC'; SET application_name = 'dtihub';")
    }
}

/// A cheap round trip proving the connection works.
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// Runs `f` in a transaction that, on SQLite, takes the write lock at once (`BEGIN
/// IMMEDIATE`); on PostgreSQL it is an ordinary transaction.
///
/// SQLite's default deferred transaction reads under a shared lock and upgrades it at its
/// first write; when two such transactions race, the upgrade fails at once with "database is
/// locked" (the busy timeout cannot help: waiting would deadlock). Read-then-write use cases
/// (an update checked against an expected version) must therefore start as writers, and then
/// simply queue behind each other for up to the busy timeout.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    use diesel::Connection;

    let DbConn::Sqlite(inner) = conn else {
        return conn.transaction(f);
    };
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(value) => {
            if let DbConn::Sqlite(inner) = conn {
                AnsiTransactionManager::commit_transaction(inner)?;
            }
            Ok(value)
        }
        Err(error) => {
            if let DbConn::Sqlite(inner) = conn {
                // The use case's error is what the caller needs; a failed rollback leaves the
                // connection broken, which the pool's check-out test then discards.
                let _ = AnsiTransactionManager::rollback_transaction(inner);
            }
            Err(error)
        }
    }
}
