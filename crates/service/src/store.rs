//! The store: the pool plus the helpers every use case needs to run inside one transaction.

use std::time::Duration;

use dtihub_db::repo::migrations;
use dtihub_db::{Backend, DbConn, Pool, PooledConn};

use crate::error::ServiceError;

/// How many times [`Store::transaction`] runs a use case that keeps losing serialization
/// races before giving up.
pub const SERIALIZATION_ATTEMPTS: u32 = 5;

/// Who performs a mutation, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `user:<name>`, `client:<id>` or `system:<purpose>`.
    pub id: String,
    /// The request that carried it, when there is one.
    pub request_id: Option<String>,
}

impl Actor {
    /// The actor of an authenticated request.
    pub fn for_principal(
        principal: &dtihub_domain::access::Principal,
        request_id: Option<String>,
    ) -> Self {
        Self {
            id: principal.actor_id(),
            request_id,
        }
    }

    /// An actor not (yet) authenticated, such as a failed login.
    pub fn anonymous(request_id: Option<String>) -> Self {
        Self {
            id: "anonymous".into(),
            request_id,
        }
    }

    /// A system actor such as `system:seed`.
    pub fn system(purpose: &str) -> Self {
        Self {
            id: format!("system:{purpose}"),
            request_id: None,
        }
    }
}

/// Shared, cheap to clone handle on the database.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

/// Pool figures for the metrics endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    /// Connections open.
    pub connections: u32,
    /// Of which idle.
    pub idle: u32,
    /// The pool's ceiling.
    pub max_size: u32,
}

impl Store {
    /// Wraps a built pool.
    pub fn new(pool: Pool, backend: Backend) -> Self {
        Self { pool, backend }
    }

    /// Which backend the store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks out a connection; a pool timeout means the database is unavailable.
    pub fn conn(&self) -> Result<PooledConn, ServiceError> {
        Ok(self.pool.get()?)
    }

    /// Checks out a connection, waiting at most `timeout`.
    pub fn conn_within(&self, timeout: Duration) -> Result<PooledConn, ServiceError> {
        Ok(self.pool.get_timeout(timeout)?)
    }

    /// Runs `f` in one database transaction: all of it is written, or none, together with the
    /// change-feed events its audited mutations produce. On SQLite the
    /// transaction takes the write lock at once, so that concurrent read-then-write use cases
    /// queue instead of failing (see [`dtihub_db::backend::write_transaction`]).
    ///
    /// A transaction that loses a serialization race or a deadlock was rolled back whole, so
    /// it is safe to run again: it is, up to [`SERIALIZATION_ATTEMPTS`] times, after a short
    /// pause that grows with each attempt. Connection losses are not retried: a commit whose
    /// answer was lost may have happened.
    pub fn transaction<T, F>(&self, mut f: F) -> Result<T, ServiceError>
    where
        F: FnMut(&mut DbConn) -> Result<T, ServiceError>,
    {
        let mut attempt = 1;
        loop {
            let mut pooled = self.conn()?;
            let conn: &mut DbConn = &mut pooled;
            let outcome = dtihub_db::backend::write_transaction(conn, |conn| {
                // The change-feed events of this transaction are numbered and written last,
                // so the feed's counter is locked only from here to commit.
                let changes = crate::changes::Collector::start();
                let value = f(conn)?;
                changes.flush(conn)?;
                Ok(value)
            });
            match outcome {
                Err(ServiceError::SerializationFailure(cause))
                    if attempt < SERIALIZATION_ATTEMPTS =>
                {
                    tracing::debug!(attempt, %cause, "transaction retried");
                    drop(pooled);
                    std::thread::sleep(Duration::from_millis(5 << attempt));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Runs `f` on a connection for reads.
    pub fn read<T, F>(&self, f: F) -> Result<T, ServiceError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ServiceError>,
    {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, ServiceError> {
        let mut conn = self.conn()?;
        migrations::run_pending(&mut conn).map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// Ready means: a connection within `timeout`, it answers, and no migration is pending.
    pub fn ready(&self, timeout: Duration) -> Result<(), ServiceError> {
        let mut conn = self.conn_within(timeout)?;
        dtihub_db::backend::ping(&mut conn)?;
        match migrations::has_pending(&mut conn) {
            Ok(false) => Ok(()),
            Ok(true) => Err(ServiceError::Unavailable("migrations pending".into())),
            Err(e) => Err(ServiceError::Unavailable(e.to_string())),
        }
    }

    /// The pool's current figures.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max_size: self.pool.max_size(),
        }
    }
}
