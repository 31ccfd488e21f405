//! The change feed: numbering in commit order, appending, reading after a position.

use diesel::prelude::*;

use crate::conn::DbConn;
use crate::models::ChangeEventRow;
use crate::schema::{change_events, change_feed_counter};

/// Rows per multi-row `INSERT` (12 columns: far below PostgreSQL's 65,535 bind parameters).
const INSERT_CHUNK: usize = 500;

/// Takes the next `count` sequence numbers and returns the first.
///
/// The `UPDATE` locks the counter's single row until the transaction ends, so a concurrent
/// writer waits here until this one has committed (or rolled back, returning its numbers):
/// numbers are therefore handed out in commit order, without holes. Call it as late in the
/// transaction as possible, since it serialises writers from here to commit.
pub fn take_numbers(conn: &mut DbConn, count: i64) -> QueryResult<i64> {
    use crate::schema::change_feed_counter::dsl::{id, last_seq};
    diesel::update(change_feed_counter::table.filter(id.eq(1)))
        .set(last_seq.eq(last_seq + count))
        .execute(conn)?;
    let last: i64 = change_feed_counter::table
        .filter(id.eq(1))
        .select(last_seq)
        .first(conn)?;
    Ok(last - count + 1)
}

/// Appends numbered events (multi-row inserts, in chunks).
pub fn append(conn: &mut DbConn, rows: &[ChangeEventRow]) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        match conn {
            DbConn::Postgresql(c) => {
                diesel::insert_into(change_events::table)
                    .values(chunk)
                    .execute(c)?;
            }
            DbConn::Sqlite(c) => {
                diesel::insert_into(change_events::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Whose events a reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitEvents {
    /// Every unit's.
    All,
    /// Only this unit's.
    Only(String),
    /// None.
    None,
}

/// Events after `after`, in sequence order, at most `limit`: the province-level ones when
/// `province_level`, and the unit events `units` allows.
pub fn list_after(
    conn: &mut DbConn,
    after: i64,
    province_level: bool,
    units: &UnitEvents,
    limit: i64,
) -> QueryResult<Vec<ChangeEventRow>> {
    use crate::schema::change_events::dsl::{audience_unit, seq};
    let mut query = change_events::table
        .select(ChangeEventRow::as_select())
        .filter(seq.gt(after))
        .into_boxed();
    query = match (province_level, units) {
        (true, UnitEvents::All) => query,
        (true, UnitEvents::Only(u)) => {
            query.filter(audience_unit.is_null().or(audience_unit.eq(u.clone())))
        }
        (true, UnitEvents::None) => query.filter(audience_unit.is_null()),
        (false, UnitEvents::All) => query.filter(audience_unit.is_not_null()),
        (false, UnitEvents::Only(u)) => query.filter(audience_unit.eq(u.clone())),
        (false, UnitEvents::None) => return Ok(Vec::new()),
    };
    query.order(seq.asc()).limit(limit).load(conn)
}

/// The highest number handed out so far (0 before the first event).
pub fn last_number(conn: &mut DbConn) -> QueryResult<i64> {
    change_feed_counter::table
        .filter(change_feed_counter::id.eq(1))
        .select(change_feed_counter::last_seq)
        .first(conn)
}

/// The plan and version of a catalog item (`indicator`, `task`, `project`, `budget_line`).
pub fn catalog_item_ref(conn: &mut DbConn, kind: &str, id: i64) -> QueryResult<Option<(i64, i64)>> {
    use crate::schema::{budget_lines, indicators, projects, tasks};
    match kind {
        "indicator" => indicators::table
            .find(id)
            .select((indicators::plan_id, indicators::version))
            .first(conn)
            .optional(),
        "task" => tasks::table
            .find(id)
            .select((tasks::plan_id, tasks::version))
            .first(conn)
            .optional(),
        "project" => projects::table
            .find(id)
            .select((projects::plan_id, projects::version))
            .first(conn)
            .optional(),
        "budget_line" => budget_lines::table
            .find(id)
            .select((budget_lines::plan_id, budget_lines::version))
            .first(conn)
            .optional(),
        _ => Ok(None),
    }
}
