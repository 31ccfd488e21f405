//! Per-client request counters of the API rate limit, shared by every instance through the
//! database.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::conn::DbConn;
use crate::schema::rate_limits;

#[derive(QueryableByName)]
struct Hits {
    #[diesel(sql_type = BigInt)]
    hits: i64,
}

/// Counts one request of `subject` in the window starting at `window_start` (seconds since
/// the epoch) and returns the window's count including it.
///
/// One statement on both backends (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), so that two
/// instances counting at once never lose a hit; diesel's DSL cannot say it for a
/// MultiConnection, hence the SQL text.
pub fn hit(conn: &mut DbConn, subject: &str, window_start: i64) -> QueryResult<i64> {
    let sql = "INSERT INTO rate_limits (subject, window_start, hits) VALUES ($1, $2, 1) \
               ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
               RETURNING hits";
    let row: Hits = match conn {
        DbConn::Postgresql(c) => diesel::sql_query(sql)
            .bind::<Text, _>(subject)
            .bind::<BigInt, _>(window_start)
            .get_result(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(sql.replace('$', "?"))
            .bind::<Text, _>(subject)
            .bind::<BigInt, _>(window_start)
            .get_result(c)?,
    };
    Ok(row.hits)
}

/// Deletes the counters of windows that started before `before` (seconds since the epoch).
pub fn purge_before(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(before))).execute(conn)
}
