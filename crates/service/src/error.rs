//! What a use case can fail with; the API layer maps each variant to a status.

use dtihub_db::{DatabaseErrorKind, DieselError};
use dtihub_domain::{DomainError, FieldError};

/// A use case's failure.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The entity does not exist, or the caller may not know that it does.
    #[error("{entity} not found")]
    NotFound {
        /// Entity name (`unit`, `report`, ...).
        entity: &'static str,
    },
    /// Inputs break one or more rules.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The request conflicts with the current state (duplicate key, wrong state).
    #[error("conflict: {code}")]
    Conflict {
        /// Stable snake_case reason.
        code: &'static str,
    },
    /// Only warnings stand in the way of a submission, and the caller did not acknowledge them.
    #[error("warnings not acknowledged")]
    WarningsNotAcknowledged(Vec<FieldError>),
    /// A report workflow action not legal from the report's current status.
    #[error("{0}")]
    Transition(dtihub_domain::report::TransitionError),
    /// The caller is authenticated but may not perform this operation.
    #[error("forbidden")]
    Forbidden,
    /// The entity changed since the caller read it (`If-Match` no longer holds).
    #[error("precondition failed")]
    PreconditionFailed,
    /// Too many failed attempts; retry after this many seconds.
    #[error("too many failed attempts; retry after {retry_after_secs} s")]
    Throttled {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// The database or the pool cannot serve now; the client should retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The transaction lost a serialization race or a deadlock and was rolled back whole;
    /// [`crate::Store::transaction`] runs it again, and only when retries run out does the
    /// client see it (as unavailable, with `Retry-After`).
    #[error("serialization failure: {0}")]
    SerializationFailure(String),
    /// The database gave up on a statement that ran too long.
    #[error("database timeout: {0}")]
    Timeout(String),
    /// A bug or an unexpected state; the cause goes to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(errors) => ServiceError::Validation(errors),
        }
    }
}

impl From<DieselError> for ServiceError {
    fn from(e: DieselError) -> Self {
        classify_diesel(e)
    }
}

/// Sorts a diesel error into unavailable / timeout / conflict / internal.
///
/// diesel does not expose SQLSTATE for every class, so connection loss (57P01 admin
/// shutdown, 08006 connection failure), statement timeouts (57014) and SQLite's busy lock
/// are recognised by kind first and by the driver's message otherwise.
fn classify_diesel(e: DieselError) -> ServiceError {
    match &e {
        DieselError::NotFound => ServiceError::NotFound { entity: "row" },
        DieselError::DatabaseError(kind, info) => {
            let message = info.message().to_ascii_lowercase();
            match kind {
                DatabaseErrorKind::UniqueViolation => ServiceError::Conflict {
                    code: "already_exists",
                },
                DatabaseErrorKind::ForeignKeyViolation => ServiceError::Conflict {
                    code: "referenced_entity_missing",
                },
                DatabaseErrorKind::SerializationFailure => {
                    ServiceError::SerializationFailure(e.to_string())
                }
                _ if message.contains("deadlock detected")
                    || message.contains("could not serialize access") =>
                {
                    ServiceError::SerializationFailure(e.to_string())
                }
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    ServiceError::Unavailable(e.to_string())
                }
                _ if message.contains("statement timeout")
                    || message.contains("canceling statement") =>
                {
                    ServiceError::Timeout(e.to_string())
                }
                _ if is_connection_message(&message) => ServiceError::Unavailable(e.to_string()),
                _ => ServiceError::Internal(e.to_string()),
            }
        }
        DieselError::BrokenTransactionManager => ServiceError::Unavailable(e.to_string()),
        _ => {
            let message = e.to_string().to_ascii_lowercase();
            if is_connection_message(&message) {
                ServiceError::Unavailable(e.to_string())
            } else {
                ServiceError::Internal(e.to_string())
            }
        }
    }
}

fn is_connection_message(message: &str) -> bool {
    [
        "terminating connection",
        "server closed the connection",
        "connection refused",
        "could not connect",
        "no connection to the server",
        "connection to server",
        "the database system is",
        "database is locked",
        "database is busy",
        "ssl connection has been closed",
        "broken pipe",
        "could not receive data",
        "could not send data",
        "connection reset",
        "connection timed out",
        "eof detected",
        "unexpected eof",
        "lost synchronization with server",
        "cannot execute new commands",
        "connection is closed",
        "connection pointer is null",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

impl From<dtihub_db::PoolError> for ServiceError {
    fn from(e: dtihub_db::PoolError) -> Self {
        ServiceError::Unavailable(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_error(kind: DatabaseErrorKind, message: &str) -> ServiceError {
        ServiceError::from(DieselError::DatabaseError(
            kind,
            Box::new(message.to_owned()),
        ))
    }

    #[test]
    fn postgres_failures_sort_into_retryable_classes() {
        use DatabaseErrorKind::{SerializationFailure, Unknown};
        let unavailable = [
            // 57P01 admin_shutdown, as pg_terminate_backend and a fast stop send it.
            "terminating connection due to administrator command",
            // 08006 connection_failure, as libpq reports a dropped socket.
            "server closed the connection unexpectedly\n\tThis probably means the server \
             terminated abnormally",
            "could not receive data from server: Connection reset by peer",
            "no connection to the server",
            // 57P03 cannot_connect_now.
            "the database system is shutting down",
        ];
        for message in unavailable {
            assert!(
                matches!(db_error(Unknown, message), ServiceError::Unavailable(_)),
                "{message}"
            );
        }
        // 57014 query_canceled.
        assert!(matches!(
            db_error(Unknown, "canceling statement due to statement timeout"),
            ServiceError::Timeout(_)
        ));
        // 40001 and 40P01: rolled back whole, so the store runs them again.
        assert!(matches!(
            db_error(SerializationFailure, "could not serialize access"),
            ServiceError::SerializationFailure(_)
        ));
        assert!(matches!(
            db_error(Unknown, "deadlock detected"),
            ServiceError::SerializationFailure(_)
        ));
        // Anything else is a bug, not an outage.
        assert!(matches!(
            db_error(Unknown, "column \"x\" does not exist"),
            ServiceError::Internal(_)
        ));
    }
}
