//! Failed-login counters for throttling, shared by every instance through the database.

use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::NewLoginFailure;
use crate::schema::login_failures;

/// Records one failure for each key.
pub fn record_failure(conn: &mut DbConn, keys: &[&str], at_ms: i64) -> QueryResult<()> {
    for key in keys {
        diesel::insert_into(login_failures::table)
            .values(&NewLoginFailure {
                throttle_key: key,
                failed_at_ms: at_ms,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Failures of a key at or after `since_ms`: their count and the oldest one's time.
pub fn failures_since(
    conn: &mut DbConn,
    key: &str,
    since_ms: i64,
) -> QueryResult<(i64, Option<i64>)> {
    login_failures::table
        .filter(login_failures::throttle_key.eq(key))
        .filter(login_failures::failed_at_ms.ge(since_ms))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(login_failures::failed_at_ms),
        ))
        .first(conn)
}

/// The `n`-th newest failure time of a key at or after `since_ms` (1 = newest), if any.
pub fn nth_newest_since(
    conn: &mut DbConn,
    key: &str,
    since_ms: i64,
    n: i64,
) -> QueryResult<Option<i64>> {
    login_failures::table
        .filter(login_failures::throttle_key.eq(key))
        .filter(login_failures::failed_at_ms.ge(since_ms))
        .select(login_failures::failed_at_ms)
        .order(login_failures::failed_at_ms.desc())
        .offset(n - 1)
        .first(conn)
        .optional()
}

/// Forgets the failures of a key (after a successful login).
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(key))).execute(conn)
}

/// Deletes failures older than `before_ms`: they no longer count in any window.
pub fn purge_before(conn: &mut DbConn, before_ms: i64) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at_ms.lt(before_ms)))
        .execute(conn)
}
