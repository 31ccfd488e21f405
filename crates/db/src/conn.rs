//! The connection enum, the r2d2 pool and the per-connection set-up of each backend.

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

use crate::backend::Backend;

/// One connection to whichever database the URL names.
///
/// PostgreSQL is listed first: SQLite accepts any string as a path, so it must be tried last.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// Production backend.
    Postgresql(PgConnection),
    /// Embedded default.
    Sqlite(SqliteConnection),
}

impl DbConn {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgresql(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// The r2d2 pool of [`DbConn`].
pub type Pool = diesel::r2d2::Pool<ConnectionManager<DbConn>>;
/// A connection checked out of the pool.
pub type PooledConn = diesel::r2d2::PooledConnection<ConnectionManager<DbConn>>;

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection before the pool gives up.
    pub connection_timeout: Duration,
    /// SQLite `busy_timeout`: how long a writer waits for the lock.
    pub sqlite_busy_timeout: Duration,
    /// PostgreSQL `statement_timeout` applied to every connection; 0 leaves the server's own
    /// setting (`ALTER DATABASE/ROLE … SET statement_timeout`, none by default) in force.
    pub statement_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 16,
            connection_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Why a pool could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The database refused or could not be reached; carries the driver's own message.
    #[error("cannot connect to the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    /// The pool could not be built.
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// The SQLite file's directory could not be created.
    #[error("cannot create the directory for the SQLite database: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug)]
struct ConnectionSetup {
    backend: Backend,
    sqlite_busy_timeout_ms: u128,
    statement_timeout_ms: u128,
}

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        let sql = match self.backend {
            Backend::Sqlite => Backend::sqlite_pragmas(self.sqlite_busy_timeout_ms),
            Backend::Postgres => Backend::postgres_session_settings(self.statement_timeout_ms),
        };
        conn.batch_execute(&sql)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Builds the pool for a database URL: `postgres://` or `postgresql://` selects PostgreSQL,
/// anything else is a SQLite path (`sqlite://` prefix optional).
///
/// For PostgreSQL one plain connection is made first so that a wrong URL or a refused
/// login fails at once with the driver's message instead of after the pool's retries.
pub fn build_pool(url: &str, options: &PoolOptions) -> Result<Pool, ConnectError> {
    let backend = Backend::from_url(url);
    let url = match backend {
        Backend::Postgres => url.to_owned(),
        Backend::Sqlite => {
            let path = Backend::sqlite_path(url);
            if path != ":memory:" {
                if let Some(dir) = Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)?;
                    }
                }
            }
            path.to_owned()
        }
    };
    if backend == Backend::Postgres {
        PgConnection::establish(&url)?;
    }
    let setup = ConnectionSetup {
        backend,
        sqlite_busy_timeout_ms: options.sqlite_busy_timeout.as_millis(),
        statement_timeout_ms: options.statement_timeout.as_millis(),
    };
    let pool = diesel::r2d2::Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(1))
        .connection_timeout(options.connection_timeout)
        .test_on_check_out(true)
        .connection_customizer(Box::new(setup))
        .build(ConnectionManager::<DbConn>::new(url))?;
    Ok(pool)
}
